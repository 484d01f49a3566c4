// Every DAO operation against a real PostgreSQL: insert, select, select_by, update, update_by,
// upsert, upsert_by, remove, remove_by. Values are checked in what the DAO returns AND re-read
// from the database with plain SQL.

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

// Entities live in a namespace named after this file, not only an anonymous one: g++ 12 gives
// templates keyed on a member pointer (typedao::set<&Service::name>, set_t<...>) weak external
// linkage even for a class in an anonymous namespace, so same-named entities of different test
// files would share (and corrupt) each other's instantiations.
namespace typedao_it_crud {
namespace {

struct Service {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  std::string protocol = "http";
  std::string host;
  std::int32_t port = 80;
  std::optional<std::string> path;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Service, (),
                      (id, created_at, updated_at, name, protocol, host, port, path, tags))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

// Nothing but a key: upsert has no other column to update.
struct Flag {
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Flag, (), (name))
TYPEDAO_ENTITY(Flag, "flags", typedao::primary_key(&Flag::name))

// Braced container defaults: Boost.PFR's member count crashed g++ 12.2 on these (an internal
// compiler error); typedao's own check must not.
struct Listener {
  typedao::uuid id;
  std::vector<std::string> protocols = {"http", "https"};
  std::vector<std::int32_t> ports{80, 443};
};
BOOST_DESCRIBE_STRUCT(Listener, (), (id, protocols, ports))
TYPEDAO_ENTITY(Listener, "listeners")

using typedao::set;
using typedao_test::iso;
using typedao_test::iso_sql;
using typedao_test::pg_fixture;

struct crud_fixture : pg_fixture {
  typedao::database<Service> db{conn};
  typedao_test::dao_t<decltype(db), Service> services = db.dao<Service>();
  crud_fixture() { REQUIRE_OK(db.migrate()); }

  Service add(std::string name, std::string host = "example.com") {
    auto r = services.insert({.name = std::move(name), .host = std::move(host)});
    REQUIRE_OK(r);
    return *r;
  }
  std::string id_text(const typedao::uuid& id) { return typedao::to_string(id); }
  // One column of the row with this id, as the server prints it.
  std::optional<std::string> column(const typedao::uuid& id, const std::string& expr) {
    return scalar("SELECT " + expr + " FROM services WHERE id = $1::uuid",
                  {typedao::to_string(id)});
  }
};

const typedao::uuid fixed_id = *typedao::parse_uuid("5f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b");

}  // namespace
}  // namespace typedao_it_crud

namespace typedao_it_crud {

// ---- insert ------------------------------------------------------------------------------------

TEST_CASE_METHOD(
    crud_fixture,
    "insert: returns the stored row with a generated id, server timestamps and defaults",
    "[pg][crud][insert]") {
  const std::string before = value("SELECT " + iso_sql("clock_timestamp()"));
  auto r = services.insert({.name = "httpbin", .host = "httpbin.org"});
  REQUIRE_OK(r);
  const std::string after = value("SELECT " + iso_sql("clock_timestamp()"));

  CHECK_FALSE(r->id.is_nil());
  CHECK(r->id.version() == boost::uuids::uuid::version_random_number_based);
  CHECK(r->name == std::optional<std::string>("httpbin"));
  CHECK(r->host == "httpbin.org");
  CHECK(r->protocol == "http");  // member initialiser
  CHECK(r->port == 80);          // member initialiser
  CHECK(r->path == std::nullopt);
  CHECK(r->tags.empty());

  // Timestamps come from the server's now(), in the same statement, to the microsecond.
  CHECK(r->created_at == r->updated_at);
  CHECK(r->created_at != typedao::timestamp{});
  CHECK(iso(r->created_at) >= before);
  CHECK(iso(r->created_at) <= after);
  CHECK(column(r->id, iso_sql("created_at")) == iso(r->created_at));
  CHECK(column(r->id, iso_sql("updated_at")) == iso(r->updated_at));

  // The database holds exactly what was returned.
  CHECK(count("services") == 1);
  auto stored = row(
      "SELECT id::text, name, protocol, host, port::text, path IS NULL, cardinality(tags)::text "
      "FROM services");
  CHECK(stored[0] == typedao::to_string(r->id));
  CHECK(stored[1] == "httpbin");
  CHECK(stored[2] == "http");
  CHECK(stored[3] == "httpbin.org");
  CHECK(stored[4] == "80");
  CHECK(stored[5] == "t");
  CHECK(stored[6] == "0");
}

TEST_CASE_METHOD(pg_fixture, "insert: braced container defaults are the defaults",
                 "[pg][crud][insert]") {
  typedao::database<Listener> db{conn};
  REQUIRE_OK(db.migrate());
  auto r = db.dao<Listener>().insert({});
  REQUIRE_OK(r);
  CHECK(r->protocols == std::vector<std::string>{"http", "https"});
  CHECK(r->ports == std::vector<std::int32_t>{80, 443});
  CHECK(value("SELECT array_to_string(protocols, ',') || '|' || array_to_string(ports, ',') FROM "
              "listeners") == "http,https|80,443");
}

TEST_CASE_METHOD(crud_fixture,
                 "insert: a row skipped by a trigger is a DATABASE_ERROR, not a success",
                 "[pg][crud][insert]") {
  exec("CREATE FUNCTION skip_row() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NULL; END'");
  exec(
      "CREATE TRIGGER skip_insert BEFORE INSERT ON services FOR EACH ROW EXECUTE FUNCTION "
      "skip_row()");
  auto r = services.insert({.name = "skipped", .host = "example.com"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::database_error);
  CHECK(r.error().message == "INSERT returned no row (a rule or trigger on the table skipped it)");
  CHECK(count("services") == 0);
}

TEST_CASE_METHOD(crud_fixture, "insert: every insert gets its own id", "[pg][crud][insert]") {
  auto a = add("a");
  auto b = add("b");
  CHECK(a.id != b.id);
  CHECK(count("services") == 2);
}

TEST_CASE_METHOD(crud_fixture, "insert: a caller-provided id is kept", "[pg][crud][insert]") {
  auto r = services.insert({.id = fixed_id, .name = "mine", .host = "h"});
  REQUIRE_OK(r);
  CHECK(r->id == fixed_id);
  CHECK(value("SELECT id::text FROM services") == "5f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b");
}

TEST_CASE_METHOD(crud_fixture,
                 "insert: a caller-provided created_at is kept, updated_at is still now()",
                 "[pg][crud][insert]") {
  using namespace std::chrono;
  const typedao::timestamp given =
      sys_days{year{2015} / 3 / 14} + hours{9} + minutes{26} + seconds{53} + microseconds{589793};
  auto r = services.insert({.created_at = given, .name = "old", .host = "h"});
  REQUIRE_OK(r);
  CHECK(r->created_at == given);
  CHECK(column(r->id, iso_sql("created_at")) == "2015-03-14T09:26:53.589793Z");
  CHECK(r->updated_at > given);
  CHECK(column(r->id, iso_sql("updated_at")) == iso(r->updated_at));
}

TEST_CASE_METHOD(crud_fixture, "insert: a caller-provided updated_at is ignored (always now())",
                 "[pg][crud][insert]") {
  using namespace std::chrono;
  const typedao::timestamp given = sys_days{year{2001} / 1 / 1};
  auto r = services.insert({.updated_at = given, .name = "x", .host = "h"});
  REQUIRE_OK(r);
  CHECK(r->updated_at != given);
  CHECK(r->updated_at == r->created_at);
  CHECK(column(r->id, iso_sql("updated_at")) == iso(r->updated_at));
}

TEST_CASE_METHOD(crud_fixture, "insert: optional members are NULL when empty and stored when set",
                 "[pg][crud][insert]") {
  auto empty = services.insert({.host = "a"});
  REQUIRE_OK(empty);
  CHECK(empty->name == std::nullopt);
  CHECK(empty->path == std::nullopt);
  CHECK(column(empty->id, "name IS NULL") == "t");
  CHECK(column(empty->id, "path IS NULL") == "t");

  auto set_r = services.insert({.name = "", .host = "b", .path = "/v1", .tags = {"x", "y"}});
  REQUIRE_OK(set_r);
  CHECK(set_r->name == std::optional<std::string>(""));  // empty string is a value, not NULL
  CHECK(set_r->path == std::optional<std::string>("/v1"));
  CHECK(column(set_r->id, "name IS NULL") == "f");
  CHECK(column(set_r->id, "name") == "");
  CHECK(column(set_r->id, "path") == "/v1");
  CHECK(column(set_r->id, "tags::text") == "{x,y}");
}

// ---- select ------------------------------------------------------------------------------------

TEST_CASE_METHOD(crud_fixture, "select: by key and by whole entity returns the stored row",
                 "[pg][crud][select]") {
  auto s = services.insert(
      {.name = "httpbin", .host = "httpbin.org", .port = 8080, .path = "/p", .tags = {"a"}});
  REQUIRE_OK(s);
  add("other");

  auto by_key = services.select(s->id);
  REQUIRE_OK(by_key);
  REQUIRE(by_key->has_value());
  const Service& got = **by_key;
  CHECK(got.id == s->id);
  CHECK(got.created_at == s->created_at);
  CHECK(got.updated_at == s->updated_at);
  CHECK(got.name == s->name);
  CHECK(got.host == "httpbin.org");
  CHECK(got.port == 8080);
  CHECK(got.path == std::optional<std::string>("/p"));
  CHECK(got.tags == std::vector<std::string>{"a"});

  Service probe;
  probe.id = s->id;  // only the key matters
  probe.host = "ignored";
  auto by_entity = services.select(probe);
  REQUIRE_OK(by_entity);
  REQUIRE(by_entity->has_value());
  CHECK((*by_entity)->name == std::optional<std::string>("httpbin"));
  CHECK((*by_entity)->host == "httpbin.org");
}

TEST_CASE_METHOD(crud_fixture, "select: a missing key is an empty optional, not an error",
                 "[pg][crud][select]") {
  add("present");
  auto r = services.select(fixed_id);
  REQUIRE_OK(r);
  CHECK_FALSE(r->has_value());
  auto by_name = services.select_by<&Service::name>("absent");
  REQUIRE_OK(by_name);
  CHECK_FALSE(by_name->has_value());
}

TEST_CASE_METHOD(crud_fixture, "select_by: finds the row by a unique member",
                 "[pg][crud][select]") {
  auto a = add("alpha", "a.example");
  auto b = add("beta", "b.example");
  auto r = services.select_by<&Service::name>("beta");
  REQUIRE_OK(r);
  REQUIRE(r->has_value());
  CHECK((*r)->id == b.id);
  CHECK((*r)->host == "b.example");
  CHECK((*r)->id != a.id);
  // The primary key counts as unique too.
  auto by_id = services.select_by<&Service::id>(a.id);
  REQUIRE_OK(by_id);
  REQUIRE(by_id->has_value());
  CHECK((*by_id)->name == std::optional<std::string>("alpha"));
}

TEST_CASE_METHOD(crud_fixture, "select: a nil uuid key is INVALID_PRIMARY_KEY",
                 "[pg][crud][select][errors]") {
  add("x");
  auto r = services.select(typedao::uuid{});
  REQUIRE_FALSE(r);
  const auto& e = r.error();
  CHECK(e.code == typedao::error_code::invalid_primary_key);
  CHECK(e.constant() == "INVALID_PRIMARY_KEY");
  CHECK(e.name() == "invalid primary key");
  CHECK(e.message == "invalid primary key: '{id=\"missing primary key\"}'");
  CHECK(e.to_string() == "[postgres] invalid primary key: '{id=\"missing primary key\"}'");
  REQUIRE(e.fields.size() == 1);
  CHECK(e.fields[0] == typedao::field_detail{"id", "missing primary key"});
  CHECK(e.server.sqlstate.empty());  // caught before any SQL was sent
}

// ---- update ------------------------------------------------------------------------------------

TEST_CASE_METHOD(crud_fixture, "update: only the named members change, updated_at is refreshed",
                 "[pg][crud][update]") {
  auto s = services.insert(
      {.name = "svc", .host = "h1", .port = 81, .path = "/keep", .tags = {"t1", "t2"}});
  REQUIRE_OK(s);
  auto other = add("other", "other-host");

  auto u = services.update(s->id, set<&Service::port>(9000), set<&Service::host>("h2"));
  REQUIRE_OK(u);
  CHECK(u->port == 9000);
  CHECK(u->host == "h2");
  CHECK(u->id == s->id);
  CHECK(u->name == std::optional<std::string>("svc"));
  CHECK(u->protocol == "http");
  CHECK(u->path == std::optional<std::string>("/keep"));
  CHECK(u->tags == std::vector<std::string>{"t1", "t2"});
  CHECK(u->created_at == s->created_at);
  CHECK(u->updated_at > s->updated_at);

  // Re-read: the database agrees, and the other row is untouched.
  auto again = services.select(s->id);
  REQUIRE_OK(again);
  REQUIRE(again->has_value());
  CHECK((*again)->port == 9000);
  CHECK((*again)->host == "h2");
  CHECK((*again)->name == std::optional<std::string>("svc"));
  CHECK((*again)->path == std::optional<std::string>("/keep"));
  CHECK((*again)->tags == std::vector<std::string>{"t1", "t2"});
  CHECK((*again)->created_at == s->created_at);
  CHECK((*again)->updated_at == u->updated_at);
  CHECK(column(s->id, iso_sql("updated_at")) == iso(u->updated_at));
  CHECK(column(s->id, iso_sql("created_at")) == iso(s->created_at));

  auto o = services.select(other.id);
  REQUIRE_OK(o);
  REQUIRE(o->has_value());
  CHECK((*o)->host == "other-host");
  CHECK((*o)->port == 80);
  CHECK((*o)->updated_at == other.updated_at);
}

TEST_CASE_METHOD(crud_fixture, "update: std::nullopt sets a nullable member to NULL",
                 "[pg][crud][update]") {
  auto s = services.insert({.name = "svc", .host = "h", .path = "/p"});
  REQUIRE_OK(s);
  auto u =
      services.update(s->id, set<&Service::path>(std::nullopt), set<&Service::name>(std::nullopt));
  REQUIRE_OK(u);
  CHECK(u->path == std::nullopt);
  CHECK(u->name == std::nullopt);
  CHECK(column(s->id, "path IS NULL AND name IS NULL") == "t");
  CHECK(column(s->id, "host") == "h");

  // And back to a value.
  auto v = services.update(s->id, set<&Service::path>("/again"));
  REQUIRE_OK(v);
  CHECK(v->path == std::optional<std::string>("/again"));
  CHECK(column(s->id, "path") == "/again");
  CHECK(column(s->id, "name IS NULL") == "t");
}

TEST_CASE_METHOD(crud_fixture, "update: text[] members are replaced wholesale",
                 "[pg][crud][update]") {
  auto s = services.insert({.name = "svc", .host = "h", .tags = {"a", "b", "c"}});
  REQUIRE_OK(s);
  auto u = services.update(s->id, set<&Service::tags>({"z"}));
  REQUIRE_OK(u);
  CHECK(u->tags == std::vector<std::string>{"z"});
  CHECK(column(s->id, "tags::text") == "{z}");
  auto e = services.update(s->id, set<&Service::tags>({}));
  REQUIRE_OK(e);
  CHECK(e->tags.empty());
  CHECK(column(s->id, "cardinality(tags)::text") == "0");
}

TEST_CASE_METHOD(crud_fixture, "update: a missing key is NOT_FOUND and writes nothing",
                 "[pg][crud][update][errors]") {
  auto s = add("present");
  auto r = services.update(fixed_id, set<&Service::port>(1));
  REQUIRE_FALSE(r);
  const auto& e = r.error();
  CHECK(e.code == typedao::error_code::not_found);
  CHECK(e.constant() == "NOT_FOUND");
  CHECK(e.name() == "not found");
  CHECK(
      e.message ==
      "could not find the entity with primary key '{id=\"5f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b\"}'");
  REQUIRE(e.fields.size() == 1);
  CHECK(e.fields[0] == typedao::field_detail{"id", "5f8a3c1e-2b4d-4e6f-8a9b-0c1d2e3f4a5b"});
  CHECK(count("services") == 1);
  CHECK(column(s.id, "port") == "80");
}

TEST_CASE_METHOD(
    crud_fixture,
    "update: the statement is one UPDATE ... RETURNING that names only the members given",
    "[pg][crud][update]") {
  CHECK(typedao::sql::update<Service, &Service::port>() ==
        "UPDATE \"services\" SET \"port\" = $2, \"updated_at\" = now() WHERE \"id\" = $1 RETURNING "
        "\"id\", "
        "\"created_at\", \"updated_at\", \"name\", \"protocol\", \"host\", \"port\", \"path\", "
        "\"tags\"");
  CHECK(typedao::sql::update_by<&Service::name, &Service::host, &Service::path>() ==
        "UPDATE \"services\" SET \"host\" = $2, \"path\" = $3, \"updated_at\" = now() WHERE "
        "\"name\" = $1 "
        "RETURNING \"id\", \"created_at\", \"updated_at\", \"name\", \"protocol\", \"host\", "
        "\"port\", \"path\", "
        "\"tags\"");
}

TEST_CASE_METHOD(crud_fixture,
                 "update: atomic, so concurrent updates of different members both survive",
                 "[pg][crud][update][concurrency]") {
  auto s = services.insert({.name = "svc", .host = "h0", .port = 1});
  REQUIRE_OK(s);

  // Session B changes the port and holds the row lock in an open transaction.
  auto b = open_second();
  typedao_test::raw_exec(b, "BEGIN");
  typedao_test::raw_exec_params(b, "UPDATE services SET port = 2 WHERE id = $1::uuid",
                                {typedao::to_string(s->id)});

  // Session A (the DAO) changes the host: it must wait for B, then apply on top of B's row.
  const int a_pid = backend_pid(conn);
  typedao::result<Service> a_result =
      typedao::detail::make_error(typedao::error_code::database_error, "not run");
  std::thread a([&] { a_result = services.update(s->id, set<&Service::host>("h1")); });

  bool waited = false;
  for (int i = 0; i < 1000 && !waited; ++i) {
    auto w = typedao_test::raw_scalar(
        b, "SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1::int",
        {std::to_string(a_pid)});
    waited = w == std::optional<std::string>("Lock");
    if (!waited) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  typedao_test::raw_exec(b, "COMMIT");
  a.join();
  CHECK(waited);
  REQUIRE_OK(a_result);
  CHECK(a_result->host == "h1");
  CHECK(a_result->port == 2);  // B's change is not lost
  CHECK(column(s->id, "host || ':' || port") == "h1:2");
}

TEST_CASE_METHOD(crud_fixture, "update_by: changes the row found by a unique member",
                 "[pg][crud][update]") {
  auto a = add("alpha");
  auto b = add("beta");
  auto r = services.update_by<&Service::name>("beta", set<&Service::port>(7000),
                                              set<&Service::path>("/b"));
  REQUIRE_OK(r);
  CHECK(r->id == b.id);
  CHECK(r->port == 7000);
  CHECK(r->path == std::optional<std::string>("/b"));
  CHECK(r->updated_at > b.updated_at);
  CHECK(column(b.id, "port") == "7000");
  CHECK(column(a.id, "port") == "80");
  CHECK(column(a.id, "path IS NULL") == "t");

  // The unique member itself can be changed through update_by.
  auto renamed = services.update_by<&Service::name>("beta", set<&Service::name>("gamma"));
  REQUIRE_OK(renamed);
  CHECK(renamed->name == std::optional<std::string>("gamma"));
  CHECK(column(b.id, "name") == "gamma");
}

TEST_CASE_METHOD(crud_fixture, "update_by: a missing unique value is NOT_FOUND",
                 "[pg][crud][update][errors]") {
  add("alpha");
  auto r = services.update_by<&Service::name>("nope", set<&Service::port>(1));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::not_found);
  CHECK(r.error().message == "could not find the entity with '{name=\"nope\"}'");
  REQUIRE(r.error().fields.size() == 1);
  CHECK(r.error().fields[0] == typedao::field_detail{"name", "nope"});
  CHECK(value("SELECT string_agg(port::text, ',') FROM services") == "80");
}

// ---- upsert ------------------------------------------------------------------------------------

TEST_CASE_METHOD(crud_fixture, "upsert: creates the row when the key is missing",
                 "[pg][crud][upsert]") {
  auto r = services.upsert(fixed_id, {.name = "new", .host = "h", .port = 1234});
  REQUIRE_OK(r);
  CHECK(r->id == fixed_id);
  CHECK(r->name == std::optional<std::string>("new"));
  CHECK(r->port == 1234);
  CHECK(r->created_at != typedao::timestamp{});
  CHECK(r->created_at == r->updated_at);
  CHECK(count("services") == 1);
  CHECK(column(fixed_id, "name || ':' || port") == "new:1234");
  CHECK(column(fixed_id, iso_sql("created_at")) == iso(r->created_at));
}

TEST_CASE_METHOD(crud_fixture, "upsert: the key argument wins over the entity's id",
                 "[pg][crud][upsert]") {
  Service e{.name = "x", .host = "h"};
  e.id = typedao::generate_uuid();
  auto r = services.upsert(fixed_id, e);
  REQUIRE_OK(r);
  CHECK(r->id == fixed_id);
  CHECK(value("SELECT id::text FROM services") == typedao::to_string(fixed_id));
}

TEST_CASE_METHOD(
    crud_fixture,
    "upsert: fully replaces an existing row (members not given reset, created_at kept)",
    "[pg][crud][upsert]") {
  auto s = services.insert({.id = fixed_id,
                            .name = "old",
                            .protocol = "https",
                            .host = "old-host",
                            .port = 443,
                            .path = "/old",
                            .tags = {"a", "b"}});
  REQUIRE_OK(s);

  auto r = services.upsert(fixed_id, {.name = "replaced", .host = "new-host"});
  REQUIRE_OK(r);
  CHECK(r->id == fixed_id);
  CHECK(r->name == std::optional<std::string>("replaced"));
  CHECK(r->host == "new-host");
  CHECK(r->protocol == "http");           // reset to the member initialiser
  CHECK(r->port == 80);                   // reset to the member initialiser
  CHECK(r->path == std::nullopt);         // reset to NULL
  CHECK(r->tags.empty());                 // reset to empty
  CHECK(r->created_at == s->created_at);  // not given: kept
  CHECK(r->updated_at > s->updated_at);

  CHECK(count("services") == 1);
  auto stored =
      row("SELECT name, protocol, host, port::text, path IS NULL, cardinality(tags)::text, " +
          iso_sql("created_at") + ", " + iso_sql("updated_at") + " FROM services");
  CHECK(stored[0] == "replaced");
  CHECK(stored[1] == "http");
  CHECK(stored[2] == "new-host");
  CHECK(stored[3] == "80");
  CHECK(stored[4] == "t");
  CHECK(stored[5] == "0");
  CHECK(stored[6] == iso(s->created_at));
  CHECK(stored[7] == iso(r->updated_at));
}

TEST_CASE_METHOD(crud_fixture, "upsert: a created_at given replaces the stored one",
                 "[pg][crud][upsert]") {
  using namespace std::chrono;
  auto s = services.insert({.id = fixed_id, .name = "old", .host = "h"});
  REQUIRE_OK(s);
  const typedao::timestamp given = sys_days{year{2001} / 2 / 3} + hours{4} + microseconds{5};
  auto r = services.upsert(fixed_id, {.created_at = given, .name = "old", .host = "h"});
  REQUIRE_OK(r);
  CHECK(r->created_at == given);
  CHECK(column(fixed_id, iso_sql("created_at")) == "2001-02-03T04:00:00.000005Z");
}

TEST_CASE_METHOD(crud_fixture,
                 "upsert_by: replaces the row with that unique value and keeps its id",
                 "[pg][crud][upsert]") {
  auto s = services.insert({.name = "httpbin", .host = "old", .port = 1, .path = "/x"});
  REQUIRE_OK(s);
  auto r = services.upsert_by<&Service::name>("httpbin", {.host = "new", .port = 2});
  REQUIRE_OK(r);
  CHECK(r->id == s->id);
  CHECK(r->name == std::optional<std::string>("httpbin"));
  CHECK(r->host == "new");
  CHECK(r->port == 2);
  CHECK(r->path == std::nullopt);
  CHECK(r->created_at == s->created_at);
  CHECK(count("services") == 1);
  CHECK(column(s->id, "host || ':' || port || ':' || coalesce(path, 'NULL')") == "new:2:NULL");
}

TEST_CASE_METHOD(crud_fixture, "upsert_by: the value argument wins over the entity's member",
                 "[pg][crud][upsert]") {
  auto r =
      services.upsert_by<&Service::name>("from-argument", {.name = "from-entity", .host = "h"});
  REQUIRE_OK(r);
  CHECK(r->name == std::optional<std::string>("from-argument"));
  CHECK(value("SELECT name FROM services") == "from-argument");
}

TEST_CASE_METHOD(crud_fixture,
                 "upsert_by: inserts a new row with a generated id when the value is absent",
                 "[pg][crud][upsert]") {
  auto other = add("other");
  auto r = services.upsert_by<&Service::name>("fresh", {.host = "h", .port = 3});
  REQUIRE_OK(r);
  CHECK_FALSE(r->id.is_nil());
  CHECK(r->id != other.id);
  CHECK(r->name == std::optional<std::string>("fresh"));
  CHECK(r->created_at == r->updated_at);
  CHECK(count("services") == 2);
  CHECK(column(r->id, "name || ':' || port") == "fresh:3");
}

// ---- remove ------------------------------------------------------------------------------------

TEST_CASE_METHOD(crud_fixture, "remove: deletes by key, and is idempotent", "[pg][crud][remove]") {
  auto a = add("a");
  auto b = add("b");
  REQUIRE_OK(services.remove(a.id));
  CHECK(count("services") == 1);
  auto gone = services.select(a.id);
  REQUIRE_OK(gone);
  CHECK_FALSE(gone->has_value());

  REQUIRE_OK(services.remove(a.id));      // twice
  REQUIRE_OK(services.remove(fixed_id));  // never existed
  CHECK(count("services") == 1);
  CHECK(value("SELECT name FROM services") == "b");

  REQUIRE_OK(services.remove(b));  // by whole entity
  CHECK(count("services") == 0);
}

TEST_CASE_METHOD(crud_fixture, "remove: a nil uuid key is INVALID_PRIMARY_KEY",
                 "[pg][crud][remove][errors]") {
  add("a");
  auto r = services.remove(typedao::uuid{});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::invalid_primary_key);
  CHECK(r.error().message == "invalid primary key: '{id=\"missing primary key\"}'");
  CHECK(count("services") == 1);
}

TEST_CASE_METHOD(crud_fixture, "remove_by: deletes by a unique member, idempotent",
                 "[pg][crud][remove]") {
  add("a");
  auto b = add("b");
  REQUIRE_OK(services.remove_by<&Service::name>("a"));
  CHECK(count("services") == 1);
  REQUIRE_OK(services.remove_by<&Service::name>("a"));
  REQUIRE_OK(services.remove_by<&Service::name>("never"));
  CHECK(count("services") == 1);
  CHECK(value("SELECT id::text FROM services") == typedao::to_string(b.id));
}

// ---- the throwing accessor
// -----------------------------------------------------------------------

TEST_CASE_METHOD(crud_fixture, "result::value() throws typedao::exception carrying the error",
                 "[pg][crud][errors]") {
  add("dup");
  auto r = services.insert({.name = "dup", .host = "h"});
  REQUIRE_FALSE(r);
  try {
    (void)r.value();
    FAIL("value() did not throw");
  } catch (const typedao::exception& ex) {
    CHECK(ex.error().code == typedao::error_code::unique_violation);
    CHECK(std::string(ex.what()) == "[postgres] UNIQUE violation detected on '{name=\"dup\"}'");
  }
}

TEST_CASE_METHOD(pg_fixture, "an entity that is only a key: insert, select, upsert, remove",
                 "[pg][crud]") {
  typedao::database<Flag> db{conn};
  REQUIRE_OK(db.migrate());
  auto flags = db.dao<Flag>();
  REQUIRE_OK(flags.insert({.name = "a"}));
  auto up1 = flags.upsert(std::string("a"), {});
  REQUIRE_OK(up1);
  CHECK(up1->name == "a");
  auto up2 = flags.upsert(std::string("b"), {});
  REQUIRE_OK(up2);
  CHECK(up2->name == "b");
  CHECK(count("flags") == 2);
  auto got = flags.select(std::string("b"));
  REQUIRE_OK(got);
  CHECK(got->has_value());
  REQUIRE_OK(flags.remove(std::string("a")));
  CHECK(value("SELECT string_agg(name, ',') FROM flags") == "b");
  auto dup = flags.insert({.name = "b"});
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == typedao::error_code::primary_key_violation);
  CHECK(dup.error().message == "primary key violation on key '{name=\"b\"}'");
}

TEST_CASE_METHOD(pg_fixture, "threads: one connection per thread, concurrent inserts and selects",
                 "[pg][crud][concurrency]") {
  typedao::database<Service> db{conn};
  REQUIRE_OK(db.migrate());
  constexpr int threads_n = 6, per_thread = 40;
  std::vector<typedao::pg::connection> conns;
  for (int t = 0; t < threads_n; ++t) conns.push_back(open_second());
  std::vector<std::vector<typedao::uuid>> ids(threads_n);
  std::vector<std::string> failures(threads_n);
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_n; ++t)
    threads.emplace_back([&, t] {
      typedao::dao<Service, typedao::pg::connection> d(conns[t]);
      for (int i = 0; i < per_thread && failures[t].empty(); ++i) {
        auto r = d.insert(
            {.name = "t" + std::to_string(t) + "-" + std::to_string(i), .host = "h", .port = i});
        if (!r) {
          failures[t] = typedao_test::describe(r.error());
          break;
        }
        auto back = d.select(r->id);
        if (!back || !back->has_value() || (*back)->port != i) failures[t] = "select mismatch";
        ids[t].push_back(r->id);
      }
    });
  for (auto& th : threads) th.join();
  for (auto& f : failures) CHECK(f.empty());
  CHECK(count("services") == threads_n * per_thread);
  CHECK(value("SELECT count(DISTINCT id) FROM services") == std::to_string(threads_n * per_thread));
}

}  // namespace typedao_it_crud
