// Bad input fails cleanly, before any SQL, and writes nothing: invalid UTF-8, NUL bytes, bad text[]
// elements, several problems at once, nil foreign keys, bad *_by values (INVALID_UNIQUE), bad
// keys (INVALID_PRIMARY_KEY). Row counts and stored values are checked after every refusal.

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

// Entities live in a namespace named after this file, not only an anonymous one: g++ 12 gives
// templates keyed on a member pointer (typedao::set<&Service::name>, set_t<...>) weak external
// linkage even for a class in an anonymous namespace, so same-named entities of different test
// files would share (and corrupt) each other's instantiations.
namespace typedao_it_bad_input {
namespace {

struct Service {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  std::string protocol = "http";
  std::string host;
  std::int32_t port = 80;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, updated_at, name, protocol, host, port, tags))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

struct Route {
  typedao::uuid id;
  typedao::foreign<Service> service;
  std::optional<typedao::foreign<Service>> backup;
  std::string path;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, service, backup, path))
TYPEDAO_ENTITY(Route, "routes")

// A text primary key, and a child referencing it.
struct Tag {
  std::string name;
  std::int32_t uses = 0;
};
BOOST_DESCRIBE_STRUCT(Tag, (), (name, uses))
TYPEDAO_ENTITY(Tag, "tag_names", typedao::primary_key(&Tag::name))

struct Space {
  std::string org;
  std::string slug;
  std::int32_t size = 0;
};
BOOST_DESCRIBE_STRUCT(Space, (), (org, slug, size))
TYPEDAO_ENTITY(Space, "spaces", typedao::primary_key(&Space::org, &Space::slug))

struct Tagging {
  typedao::uuid id;
  typedao::foreign<Tag> tag;
  std::optional<typedao::foreign<Space>> space;
};
BOOST_DESCRIBE_STRUCT(Tagging, (), (id, tag, space))
TYPEDAO_ENTITY(Tagging, "taggings")

using typedao::set;
using typedao_test::pg_fixture;
using conn_t = typedao::pg::connection;

const std::string bad_utf8 = "bad \xFF byte";
const std::string nul_byte = std::string("nul\0byte", 8);

struct bad_input_fixture : pg_fixture {
  typedao::database<Service, Route, Tag, Space, Tagging> db{conn};
  typedao_test::dao_t<decltype(db), Service> services = db.dao<Service>();
  typedao_test::dao_t<decltype(db), Route> routes = db.dao<Route>();
  typedao_test::dao_t<decltype(db), Tag> tags = db.dao<Tag>();
  typedao_test::dao_t<decltype(db), Space> spaces = db.dao<Space>();
  typedao_test::dao_t<decltype(db), Tagging> taggings = db.dao<Tagging>();
  Service existing;

  bad_input_fixture() {
    REQUIRE_OK(db.migrate());
    auto s = services.insert({.name = "httpbin", .host = "httpbin.org", .tags = {"a", "b"}});
    REQUIRE_OK(s);
    existing = *s;
    REQUIRE_OK(tags.insert({.name = "t1"}));
    REQUIRE_OK(spaces.insert({.org = "o", .slug = "s"}));
  }

  // Everything stored, as text: compared before and after each refusal.
  std::string snapshot() {
    return value(
        "SELECT (SELECT coalesce(string_agg(concat_ws('|', id, name, protocol, host, port, tags, "
        "updated_at), ',' ORDER BY id), '') FROM services) || ';' || "
        "(SELECT count(*) FROM routes) || ';' || "
        "(SELECT string_agg(name || uses, ',' ORDER BY name) FROM tag_names) || ';' || "
        "(SELECT count(*) FROM taggings)");
  }
};

void check_schema_violation(const typedao::error& e, const std::string& message,
                            const std::vector<typedao::field_detail>& fields) {
  CHECK(e.code == typedao::error_code::schema_violation);
  CHECK(static_cast<int>(e.code) == 2);
  CHECK(e.constant() == "SCHEMA_VIOLATION");
  CHECK(e.name() == "schema violation");
  CHECK(e.message == message);
  CHECK(e.to_string() == "[postgres] " + message);
  CHECK(e.fields == fields);
  CHECK(e.server.sqlstate.empty());  // refused before any SQL was sent
}

}  // namespace
}  // namespace typedao_it_bad_input

namespace typedao_it_bad_input {

TEST_CASE_METHOD(bad_input_fixture, "bad input: non-UTF-8 bytes in a string member",
                 "[pg][bad_input]") {
  const auto before = snapshot();
  SECTION("insert, optional member") {
    auto r = services.insert({.name = bad_utf8, .host = "h"});
    REQUIRE_FALSE(r);
    check_schema_violation(r.error(), "schema violation (name: expected a valid UTF-8 string)",
                           {{"name", "expected a valid UTF-8 string"}});
  }
  SECTION("insert, required member") {
    auto r = services.insert({.name = "x", .host = bad_utf8});
    REQUIRE_FALSE(r);
    check_schema_violation(r.error(), "schema violation (host: expected a valid UTF-8 string)",
                           {{"host", "expected a valid UTF-8 string"}});
  }
  SECTION("update") {
    auto r = services.update(existing.id, set<&Service::host>(bad_utf8), set<&Service::port>(1));
    REQUIRE_FALSE(r);
    check_schema_violation(r.error(), "schema violation (host: expected a valid UTF-8 string)",
                           {{"host", "expected a valid UTF-8 string"}});
  }
  SECTION("update_by") {
    auto r = services.update_by<&Service::name>("httpbin", set<&Service::name>(bad_utf8));
    REQUIRE_FALSE(r);
    check_schema_violation(r.error(), "schema violation (name: expected a valid UTF-8 string)",
                           {{"name", "expected a valid UTF-8 string"}});
  }
  SECTION("upsert") {
    auto r = services.upsert(existing.id, {.name = "httpbin", .host = bad_utf8});
    REQUIRE_FALSE(r);
    check_schema_violation(r.error(), "schema violation (host: expected a valid UTF-8 string)",
                           {{"host", "expected a valid UTF-8 string"}});
  }
  SECTION("upsert_by") {
    auto r = services.upsert_by<&Service::name>("httpbin", {.host = bad_utf8});
    REQUIRE_FALSE(r);
    check_schema_violation(r.error(), "schema violation (host: expected a valid UTF-8 string)",
                           {{"host", "expected a valid UTF-8 string"}});
  }
  CHECK(snapshot() == before);
}

TEST_CASE_METHOD(bad_input_fixture, "bad input: every kind of malformed UTF-8 is refused",
                 "[pg][bad_input]") {
  const auto before = snapshot();
  const std::vector<std::string> malformed = {
      "\x80",              // lone continuation byte
      "\xC0\xAF",          // overlong '/'
      "\xE0\x80\xAF",      // overlong, 3 bytes
      "\xED\xA0\x80",      // UTF-16 surrogate
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\xE6\xBC",          // truncated at the end
      "\xE6\xBC"
      "x",                // truncated in the middle
      "\xFE\xFF",         // never valid
      "ok \xF0\x9F\x98",  // truncated emoji
  };
  for (const auto& m : malformed) {
    INFO("bytes: " << typedao::detail::render(m));
    auto r = services.insert({.name = "n", .host = m});
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "schema violation (host: expected a valid UTF-8 string)");
  }
  CHECK(snapshot() == before);
}

TEST_CASE_METHOD(bad_input_fixture, "bad input: NUL bytes", "[pg][bad_input]") {
  const auto before = snapshot();
  auto r = services.insert({.name = nul_byte, .host = "h"});
  REQUIRE_FALSE(r);
  check_schema_violation(r.error(), "schema violation (name: must not contain NUL bytes)",
                         {{"name", "must not contain NUL bytes"}});
  auto u = services.update(existing.id, set<&Service::host>(std::string(1, '\0')));
  REQUIRE_FALSE(u);
  check_schema_violation(u.error(), "schema violation (host: must not contain NUL bytes)",
                         {{"host", "must not contain NUL bytes"}});
  CHECK(snapshot() == before);
}

TEST_CASE_METHOD(bad_input_fixture,
                 "bad input: a bad text[] element is reported with its 1-based index",
                 "[pg][bad_input]") {
  const auto before = snapshot();
  auto r = services.insert({.name = "x", .host = "h", .tags = {"fine", bad_utf8, "also fine"}});
  REQUIRE_FALSE(r);
  check_schema_violation(r.error(), "schema violation (tags.2: expected a valid UTF-8 string)",
                         {{"tags.2", "expected a valid UTF-8 string"}});

  auto u = services.update(existing.id, set<&Service::tags>({"a", "b", "c", nul_byte}));
  REQUIRE_FALSE(u);
  check_schema_violation(u.error(), "schema violation (tags.4: must not contain NUL bytes)",
                         {{"tags.4", "must not contain NUL bytes"}});
  CHECK(snapshot() == before);
}

TEST_CASE_METHOD(bad_input_fixture, "bad input: several problems are reported together",
                 "[pg][bad_input]") {
  const auto before = snapshot();
  SECTION("two members") {
    auto r = services.insert({.name = bad_utf8, .protocol = nul_byte, .host = "h"});
    REQUIRE_FALSE(r);
    check_schema_violation(
        r.error(),
        "2 schema violations (name: expected a valid UTF-8 string; protocol: must not contain "
        "NUL bytes)",
        {{"name", "expected a valid UTF-8 string"}, {"protocol", "must not contain NUL bytes"}});
  }
  SECTION("three, including array elements") {
    auto r = services.insert({.name = bad_utf8, .host = "h", .tags = {nul_byte, "ok", bad_utf8}});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::schema_violation);
    CHECK(r.error().message ==
          "3 schema violations (name: expected a valid UTF-8 string; tags.1: must not contain NUL "
          "bytes; "
          "tags.3: expected a valid UTF-8 string)");
    CHECK(r.error().fields.size() == 3);
  }
  SECTION("update with two bad changes") {
    auto r =
        services.update(existing.id, set<&Service::host>(bad_utf8), set<&Service::name>(nul_byte));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::schema_violation);
    CHECK(r.error().fields.size() == 2);
    CHECK(r.error().field("host") != nullptr);
    CHECK(r.error().field("name") != nullptr);
  }
  CHECK(snapshot() == before);
}

// Kong's errors:schema_violation() sorts the error keys; typedao lists entity-level messages
// first, then members in declaration order (issue 4: the order a reader of the struct expects).
TEST_CASE_METHOD(bad_input_fixture, "bad input: schema violations are listed in declaration order",
                 "[pg][bad_input][order]") {
  // Members are declared name, protocol, host.
  auto r = services.insert({.name = bad_utf8, .host = nul_byte});
  REQUIRE_FALSE(r);
  CHECK(r.error().message ==
        "2 schema violations (name: expected a valid UTF-8 string; host: must not contain NUL "
        "bytes)");
}

TEST_CASE_METHOD(bad_input_fixture,
                 "bad input: array indices are ordered as numbers (tags.2 before tags.10)",
                 "[pg][bad_input][kong_order]") {
  std::vector<std::string> many(11, "ok");
  many[9] = nul_byte;  // tags.10
  many[1] = bad_utf8;  // tags.2
  auto r = services.insert({.host = bad_utf8, .tags = many});
  REQUIRE_FALSE(r);
  CHECK(r.error().message ==
        "3 schema violations (host: expected a valid UTF-8 string; tags.2: expected a valid UTF-8 "
        "string; "
        "tags.10: must not contain NUL bytes)");
  CHECK(r.error().fields ==
        std::vector<typedao::field_detail>{{"host", "expected a valid UTF-8 string"},
                                           {"tags.2", "expected a valid UTF-8 string"},
                                           {"tags.10", "must not contain NUL bytes"}});
}

TEST_CASE_METHOD(bad_input_fixture, "bad input: a required foreign<> left nil",
                 "[pg][bad_input][fk]") {
  const auto before = snapshot();
  auto r = routes.insert({.path = "/"});
  REQUIRE_FALSE(r);
  check_schema_violation(r.error(), "schema violation (service.id: missing primary key)",
                         {{"service.id", "missing primary key"}});
  // An optional foreign<> that is present must hold a key too.
  auto o = routes.insert(
      {.service = existing, .backup = typedao::foreign<Service>(typedao::uuid{}), .path = "/"});
  REQUIRE_FALSE(o);
  check_schema_violation(o.error(), "schema violation (backup.id: missing primary key)",
                         {{"backup.id", "missing primary key"}});
  // An empty optional foreign<> is fine.
  REQUIRE_OK(routes.insert({.service = existing, .path = "/ok"}));
  CHECK(count("routes") == 1);
}

TEST_CASE_METHOD(bad_input_fixture, "bad input: text parts of foreign keys are checked",
                 "[pg][bad_input][fk]") {
  const auto before = snapshot();
  auto r = taggings.insert({.tag = std::string(bad_utf8)});
  REQUIRE_FALSE(r);
  check_schema_violation(r.error(), "schema violation (tag.name: expected a valid UTF-8 string)",
                         {{"tag.name", "expected a valid UTF-8 string"}});
  auto c = taggings.insert(
      {.tag = std::string("t1"), .space = std::tuple<std::string, std::string>{"o", nul_byte}});
  REQUIRE_FALSE(c);
  check_schema_violation(c.error(), "schema violation (space.slug: must not contain NUL bytes)",
                         {{"space.slug", "must not contain NUL bytes"}});
  CHECK(snapshot() == before);
}

TEST_CASE_METHOD(bad_input_fixture, "bad input: a bad *_by value is INVALID_UNIQUE",
                 "[pg][bad_input][unique]") {
  const auto before = snapshot();
  auto check_invalid_unique = [](const typedao::error& e, const std::string& problem) {
    CHECK(e.code == typedao::error_code::invalid_unique);
    CHECK(static_cast<int>(e.code) == 10);
    CHECK(e.constant() == "INVALID_UNIQUE");
    CHECK(e.message == "invalid unique name: " + problem);
    CHECK(e.fields == std::vector<typedao::field_detail>{{"name", problem}});
    CHECK(e.server.sqlstate.empty());
  };
  {
    auto r = services.select_by<&Service::name>(bad_utf8);
    REQUIRE_FALSE(r);
    check_invalid_unique(r.error(), "expected a valid UTF-8 string");
  }
  {
    auto r = services.select_by<&Service::name>(nul_byte);
    REQUIRE_FALSE(r);
    check_invalid_unique(r.error(), "must not contain NUL bytes");
  }
  {
    auto r = services.update_by<&Service::name>(bad_utf8, set<&Service::port>(1));
    REQUIRE_FALSE(r);
    check_invalid_unique(r.error(), "expected a valid UTF-8 string");
  }
  {
    auto r = services.upsert_by<&Service::name>(bad_utf8, {.host = "h"});
    REQUIRE_FALSE(r);
    check_invalid_unique(r.error(), "expected a valid UTF-8 string");
  }
  {
    auto r = services.remove_by<&Service::name>(nul_byte);
    REQUIRE_FALSE(r);
    check_invalid_unique(r.error(), "must not contain NUL bytes");
  }
  CHECK(snapshot() == before);
}

TEST_CASE_METHOD(bad_input_fixture,
                 "upsert_by: the entity's own unique member is replaced by the argument, so "
                 "a bad value there is not an error",
                 "[pg][bad_input][upsert]") {
  auto r = services.upsert_by<&Service::name>("httpbin", {.name = bad_utf8, .host = "new"});
  REQUIRE_OK(r);
  CHECK(r->name == std::optional<std::string>("httpbin"));
  CHECK(r->id == existing.id);
  CHECK(value("SELECT name || ':' || host FROM services") == "httpbin:new");
}

TEST_CASE_METHOD(bad_input_fixture, "bad input: a bad text primary key is INVALID_PRIMARY_KEY",
                 "[pg][bad_input][invalid_pk]") {
  const auto before = snapshot();
  {
    auto r = tags.select(bad_utf8);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::invalid_primary_key);
    CHECK(r.error().message == "invalid primary key: '{name=\"expected a valid UTF-8 string\"}'");
    CHECK(r.error().fields ==
          std::vector<typedao::field_detail>{{"name", "expected a valid UTF-8 string"}});
  }
  {
    auto r = tags.update(nul_byte, set<&Tag::uses>(1));
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "invalid primary key: '{name=\"must not contain NUL bytes\"}'");
  }
  {
    auto r = tags.remove(bad_utf8);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::invalid_primary_key);
  }
  {
    auto r = tags.upsert(bad_utf8, {.uses = 3});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::invalid_primary_key);
  }
  {
    auto r = tags.insert({.name = bad_utf8});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::schema_violation);
    CHECK(r.error().message == "schema violation (name: expected a valid UTF-8 string)");
  }
  {
    auto r = spaces.select(std::tuple<std::string, std::string>{bad_utf8, nul_byte});
    REQUIRE_FALSE(r);
    CHECK(r.error().message ==
          "invalid primary key: '{org=\"expected a valid UTF-8 string\",slug=\"must not contain "
          "NUL bytes\"}'");
  }
  CHECK(snapshot() == before);
}

TEST_CASE_METHOD(bad_input_fixture, "bad input: the connection stays usable after refusals",
                 "[pg][bad_input]") {
  for (int i = 0; i < 5; ++i) {
    REQUIRE_FALSE(services.insert({.name = bad_utf8, .host = "h"}));
    REQUIRE_FALSE(services.insert({.name = "httpbin", .host = "dup"}));  // server-side refusal
  }
  auto r = services.insert({.name = "fine", .host = "h"});
  REQUIRE_OK(r);
  CHECK(count("services") == 2);
}

// Messages echo at most typedao::detail::max_echoed_bytes of any one value, escaped: NUL,
// control bytes and bytes that are not UTF-8 as \ddd. The structured fields keep the plain value.
TEST_CASE_METHOD(bad_input_fixture, "bad input: messages cap and escape the values they echo",
                 "[pg][bad_input]") {
  const std::size_t cap = typedao::detail::max_echoed_bytes;
  SECTION("a 1 MiB offset token") {
    const std::string huge(1 << 20, 'A');
    auto p = services.page(10, huge);
    REQUIRE_FALSE(p);
    CHECK(p.error().code == typedao::error_code::invalid_offset);
    CHECK(p.error().message.size() < cap + 100);
    CHECK_THAT(p.error().message,
               Catch::StartsWith("'" + std::string(cap, 'A') + "...' is not a valid offset: "));
  }
  SECTION("NUL and invalid UTF-8 in an offset token") {
    auto p = services.page(10, std::string("ab\0c\xff\xc3\xa9", 7));
    REQUIRE_FALSE(p);
    CHECK_THAT(p.error().message,
               Catch::StartsWith("'ab\\000c\\255\xc3\xa9' is not a valid offset: "));
  }
  SECTION("a long text key in NOT_FOUND: message capped, field whole") {
    std::string key(5000, 'k');
    key += "\xe2\x82\xac";  // a multi-byte character at the end is never split
    auto r = tags.update(key, set<&Tag::uses>(1));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::not_found);
    CHECK(r.error().message == "could not find the entity with primary key '{name=\"" +
                                   std::string(cap, 'k') + "\"...}'");
    CHECK(r.error().fields == std::vector<typedao::field_detail>{{"name", key}});
  }
  SECTION("a long unique value in UNIQUE_VIOLATION") {
    const std::string name = std::string(1000, 'n') + "\n\x01";
    REQUIRE_OK(services.insert({.name = name, .host = "h"}));
    auto dup = services.insert({.name = name, .host = "h"});
    REQUIRE_FALSE(dup);
    CHECK(dup.error().code == typedao::error_code::unique_violation);
    CHECK(dup.error().message ==
          "UNIQUE violation detected on '{name=\"" + std::string(cap, 'n') + "\"...}'");
    CHECK(dup.error().fields == std::vector<typedao::field_detail>{{"name", name}});
  }
  SECTION("short values with control bytes are escaped, not cut") {
    const std::string name = "a\nb\x01\"q\"";
    REQUIRE_OK(services.insert({.name = name, .host = "h"}));
    auto dup = services.insert({.name = name, .host = "h"});
    REQUIRE_FALSE(dup);
    CHECK(dup.error().message == "UNIQUE violation detected on '{name=\"a\\nb\\001\\\"q\\\"\"}'");
  }
}

}  // namespace typedao_it_bad_input
