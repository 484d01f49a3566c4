// Schema rules through the DAO against a real server: insert / upsert / upsert_by report every
// problem in one SCHEMA_VIOLATION and write nothing; update checks field rules on the changed
// members only and entity rules on the merged entity (stored row read FOR UPDATE, merged,
// validated and written in one transaction, or a savepoint inside the caller's transaction);
// immutable members; regex rules (<typedao/regex.hpp>); custom predicates.

#include "pg_fixture.hpp"

#include <typedao/regex.hpp>

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

// Entities live in a namespace named after this file (see bad_input_test.cpp: g++ 12 gives
// templates keyed on member pointers weak linkage even inside an anonymous namespace).
namespace typedao_it_validation {
namespace {

bool lowercase(const std::string& s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') return false;
  return true;
}

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
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name),
               typedao::custom(&Service::name, lowercase, "must be lowercase"),
               typedao::not_match(&Service::name, "\\s"),
               typedao::one_of(&Service::protocol, "http", "https", "tcp"),
               typedao::required(&Service::host), typedao::match(&Service::host, "[a-z0-9.-]+"),
               typedao::between(&Service::port, 0, 65535),
               typedao::starts_with(&Service::path, "/"), typedao::len_max(&Service::tags, 2),
               typedao::conditional(typedao::one_of(&Service::protocol, "tcp"),
                                    typedao::absent(&Service::path)),
               typedao::at_least_one_of(&Service::name, &Service::path))

// Immutable members: one optional, one plain string; a unique member for update_by.
struct Account {
  typedao::uuid id;
  std::string login;
  std::string owner;
  std::optional<std::string> ca;
  std::int32_t quota = 10;
};
BOOST_DESCRIBE_STRUCT(Account, (), (id, login, owner, ca, quota))
TYPEDAO_ENTITY(Account, "accounts", typedao::unique(&Account::login),
               typedao::immutable(&Account::owner), typedao::immutable(&Account::ca),
               typedao::gt(&Account::quota, 0))

// A text primary key with a rule.
struct Plugin {
  std::string name;
  std::int32_t priority = 0;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (name, priority))
TYPEDAO_ENTITY(Plugin, "plugins", typedao::primary_key(&Plugin::name),
               typedao::len_min(&Plugin::name, 3))

// A composite cache key (hidden UNIQUE column) and an entity rule over one of its members: a
// duplicate found by the UPDATE inside the DAO's transaction.
struct Credential {
  typedao::uuid id;
  std::string name;
  std::string group;
  std::optional<std::string> alias;
};
BOOST_DESCRIBE_STRUCT(Credential, (), (id, name, group, alias))
TYPEDAO_ENTITY(Credential, "credentials", typedao::cache_key(&Credential::name, &Credential::group),
               typedao::mutually_exclusive(&Credential::name, &Credential::alias))

using typedao::set;
using typedao_test::pg_fixture;

struct validation_fixture : pg_fixture {
  typedao::database<Service, Account, Plugin, Credential> db{conn};
  typedao_test::dao_t<decltype(db), Service> services = db.dao<Service>();
  typedao_test::dao_t<decltype(db), Account> accounts = db.dao<Account>();
  typedao_test::dao_t<decltype(db), Plugin> plugins = db.dao<Plugin>();
  typedao_test::dao_t<decltype(db), Credential> credentials = db.dao<Credential>();
  validation_fixture() { REQUIRE_OK(db.migrate()); }

  Service add(Service s) {
    auto r = services.insert(s);
    REQUIRE_OK(r);
    return *r;
  }
  // Every service as "name|protocol|host|port|path|tags", ordered by host: proves what was written.
  std::string snapshot() {
    return scalar(
               "SELECT string_agg(coalesce(name, 'NULL') || '|' || protocol || '|' || host || '|' "
               "|| port || '|' || "
               "coalesce(path, 'NULL') || '|' || array_to_string(tags, ','), ';' ORDER BY host) "
               "FROM services")
        .value_or("");
  }
  std::string accounts_snapshot() {
    return scalar(
               "SELECT string_agg(login || '|' || owner || '|' || coalesce(ca, 'NULL') || '|' || "
               "quota, ';' "
               "ORDER BY login) FROM accounts")
        .value_or("");
  }
};

void check_schema_violation(const typedao::error& e, const std::string& message,
                            const std::vector<typedao::field_detail>& fields) {
  CHECK(e.code == typedao::error_code::schema_violation);
  CHECK(e.constant() == "SCHEMA_VIOLATION");
  CHECK(e.message == message);
  CHECK(e.fields == fields);
  CHECK(e.server.sqlstate.empty());  // nothing reached the server
}

// A service with six problems: name (custom predicate), host (match), port, tags, and the
// conditional (tcp with a path) which reports itself and path. at_least_one_of(name, path) is
// skipped: name already failed.
Service six_problems() {
  return Service{.name = "Bad Name",
                 .protocol = "tcp",
                 .host = "Not A Host",
                 .port = 70000,
                 .path = "/x",
                 .tags = {"a", "b", "c"}};
}

}  // namespace
}  // namespace typedao_it_validation

namespace typedao_it_validation {

TEST_CASE_METHOD(validation_fixture,
                 "insert with several problems: one SCHEMA_VIOLATION listing all, nothing written",
                 "[pg][validation]") {
  add({.name = "kept", .host = "kept.example"});
  const std::string before = snapshot();

  auto r = services.insert(six_problems());
  REQUIRE_FALSE(r);
  check_schema_violation(
      r.error(),
      "6 schema violations (failed conditional validation given value of field 'protocol'; "
      "name: must be lowercase; host: invalid value: Not A Host; "
      "port: value should be between 0 and 65535; path: value must be null; "
      "tags: length must be at most 2)",
      {{"@entity", "failed conditional validation given value of field 'protocol'"},
       {"name", "must be lowercase"},
       {"host", "invalid value: Not A Host"},
       {"port", "value should be between 0 and 65535"},
       {"path", "value must be null"},
       {"tags", "length must be at most 2"}});
  CHECK(count("services") == 1);
  CHECK(snapshot() == before);
  CHECK_FALSE(conn.in_transaction());
}

TEST_CASE_METHOD(validation_fixture,
                 "insert: entity-level messages first, then members in declaration order",
                 "[pg][validation]") {
  // No name and no path (at_least_one_of), empty host (required), bad tag element (UTF-8 first
  // for its member), port out of range.
  auto r = services.insert({.protocol = "ftp", .host = "", .port = -1, .tags = {"ok", "bad\xff"}});
  REQUIRE_FALSE(r);
  check_schema_violation(
      r.error(),
      "5 schema violations (at least one of these fields must be non-empty: 'name', 'path'; "
      "protocol: expected one of: http, https, tcp; host: required field missing; "
      "port: value should be between 0 and 65535; tags.2: expected a valid UTF-8 string)",
      {{"@entity", "at least one of these fields must be non-empty: 'name', 'path'"},
       {"protocol", "expected one of: http, https, tcp"},
       {"host", "required field missing"},
       {"port", "value should be between 0 and 65535"},
       {"tags.2", "expected a valid UTF-8 string"}});
  CHECK(count("services") == 0);

  // One problem: Kong's singular form.
  auto one = services.insert({.name = "a", .host = ""});
  REQUIRE_FALSE(one);
  check_schema_violation(one.error(), "schema violation (host: required field missing)",
                         {{"host", "required field missing"}});
  CHECK(one.error().to_string() == "[postgres] schema violation (host: required field missing)");
  CHECK(count("services") == 0);

  // A text[] element problem is reported instead of the member's rules (three elements, one bad).
  auto tags =
      services.insert({.name = "a", .host = "h", .tags = {"x", "y", std::string("z\0", 2)}});
  REQUIRE_FALSE(tags);
  check_schema_violation(tags.error(), "schema violation (tags.3: must not contain NUL bytes)",
                         {{"tags.3", "must not contain NUL bytes"}});
}

TEST_CASE_METHOD(
    validation_fixture,
    "upsert and upsert_by with several problems: one SCHEMA_VIOLATION, nothing written",
    "[pg][validation]") {
  auto kept = add({.name = "kept", .host = "kept.example"});
  const std::string before = snapshot();

  auto u = services.upsert(kept.id, six_problems());
  REQUIRE_FALSE(u);
  CHECK(u.error().code == typedao::error_code::schema_violation);
  CHECK(u.error().fields.size() == 6);
  CHECK(u.error().message.starts_with(
      "6 schema violations (failed conditional validation given value of field "
      "'protocol'; name: must be lowercase; host: invalid value: Not A Host; "));
  CHECK(snapshot() == before);

  auto fresh = typedao::generate_uuid();
  auto u2 = services.upsert(fresh, six_problems());
  REQUIRE_FALSE(u2);
  CHECK(u2.error().message == u.error().message);
  CHECK(count("services") == 1);

  Service bad = six_problems();
  bad.name = "kept";
  auto ub = services.upsert_by<&Service::name>("kept", bad);
  REQUIRE_FALSE(ub);
  check_schema_violation(
      ub.error(),
      "5 schema violations (failed conditional validation given value of field 'protocol'; "
      "host: invalid value: Not A Host; port: value should be between 0 and 65535; "
      "path: value must be null; tags: length must be at most 2)",
      {{"@entity", "failed conditional validation given value of field 'protocol'"},
       {"host", "invalid value: Not A Host"},
       {"port", "value should be between 0 and 65535"},
       {"path", "value must be null"},
       {"tags", "length must be at most 2"}});
  CHECK(snapshot() == before);

  // A valid upsert_by goes through.
  REQUIRE_OK(services.upsert_by<&Service::name>("kept", {.name = "kept", .host = "new.example"}));
  CHECK(snapshot() == "kept|http|new.example|80|NULL|");
}

TEST_CASE_METHOD(validation_fixture,
                 "upsert_by checks the rules against the value it writes for the unique member",
                 "[pg][validation]") {
  // The entity's own name is fine, but the name written is upsert_by's argument.
  auto r = services.upsert_by<&Service::name>("Upper Case", {.name = "lower", .host = "h.example"});
  REQUIRE_FALSE(r);
  check_schema_violation(r.error(), "schema violation (name: must be lowercase)",
                         {{"name", "must be lowercase"}});
  CHECK(count("services") == 0);

  // Entity rules see the written value too: the entity has no name and no path, but the row will
  // have the name given to upsert_by, so at_least_one_of holds.
  auto ok = services.upsert_by<&Service::name>("given", {.host = "h.example"});
  REQUIRE_OK(ok);
  CHECK(ok->name == "given");
  CHECK(count("services") == 1);
}

// Rules on primary-key members apply to insert (the entity's key) and to the key argument of
// upsert, which is written: Kong validates such a key with the field's validators and reports
// INVALID_PRIMARY_KEY.
TEST_CASE_METHOD(validation_fixture,
                 "rules on a primary-key member apply to insert and to upsert's key argument",
                 "[pg][validation]") {
  auto ins = plugins.insert({.name = "ab"});
  REQUIRE_FALSE(ins);
  check_schema_violation(ins.error(), "schema violation (name: length must be at least 3)",
                         {{"name", "length must be at least 3"}});
  REQUIRE_OK(plugins.insert({.name = "abc"}));

  // upsert writes the key it is given: its rules must hold for it (Kong validates the primary key
  // of upsert/update/delete with the field's validators and reports INVALID_PRIMARY_KEY).
  auto up = plugins.upsert(std::string("ab"), {.name = "abcd"});
  REQUIRE_FALSE(up);
  CHECK(up.error().code == typedao::error_code::invalid_primary_key);
  CHECK(up.error().message == "invalid primary key: '{name=\"length must be at least 3\"}'");
  CHECK(count("plugins") == 1);
}

TEST_CASE_METHOD(validation_fixture, "update: field rules apply only to the changed members",
                 "[pg][validation][update]") {
  auto s = add({.name = "svc", .host = "svc.example"});
  // A stored value that breaks a rule (written behind the DAO's back).
  exec("UPDATE services SET port = 70000");
  // Changing another member does not re-check port.
  auto r = services.update(s.id, set<&Service::host>("other.example"));
  REQUIRE_OK(r);
  CHECK(r->port == 70000);
  CHECK(r->host == "other.example");

  // A changed member is checked.
  auto bad = services.update(s.id, set<&Service::port>(65536));
  REQUIRE_FALSE(bad);
  check_schema_violation(bad.error(),
                         "schema violation (port: value should be between 0 and 65535)",
                         {{"port", "value should be between 0 and 65535"}});

  // Several changed members: reported in declaration order, whatever the argument order.
  const std::string before = snapshot();
  auto two = services.update(s.id, set<&Service::tags>({"a", "b", "c"}), set<&Service::port>(-1),
                             set<&Service::host>("Bad Host"), set<&Service::protocol>("ftp"));
  REQUIRE_FALSE(two);
  check_schema_violation(
      two.error(),
      "4 schema violations (protocol: expected one of: http, https, tcp; "
      "host: invalid value: Bad Host; port: value should be between 0 and 65535; "
      "tags: length must be at most 2)",
      {{"protocol", "expected one of: http, https, tcp"},
       {"host", "invalid value: Bad Host"},
       {"port", "value should be between 0 and 65535"},
       {"tags", "length must be at most 2"}});
  CHECK(snapshot() == before);

  // update_by too.
  auto by = services.update_by<&Service::name>("svc", set<&Service::host>(""));
  REQUIRE_FALSE(by);
  check_schema_violation(by.error(), "schema violation (host: required field missing)",
                         {{"host", "required field missing"}});
  CHECK(snapshot() == before);
  CHECK_FALSE(conn.in_transaction());
}

TEST_CASE_METHOD(validation_fixture, "update: entity rules apply to the merged entity",
                 "[pg][validation][update]") {
  auto named = add({.name = "named", .host = "a.example"});              // path NULL
  auto both = add({.name = "both", .host = "b.example", .path = "/b"});  // name and path
  const std::string before = snapshot();

  // at_least_one_of(name, path): clearing the name of a row without a path fails (Kong's update
  // message: "when updating, at least one of ...")...
  CHECK_FALSE(conn.in_transaction());
  auto r = services.update(named.id, set<&Service::name>(std::nullopt));
  REQUIRE_FALSE(r);
  check_schema_violation(
      r.error(),
      "schema violation (when updating, at least one of these fields must be non-empty: 'name', "
      "'path')",
      {{"@entity",
        "when updating, at least one of these fields must be non-empty: 'name', 'path'"}});
  CHECK(snapshot() == before);
  CHECK_FALSE(conn.in_transaction());  // rolled back, not left open

  // ... and succeeds on a row that has a path.
  auto ok = services.update(both.id, set<&Service::name>(std::nullopt));
  REQUIRE_OK(ok);
  CHECK_FALSE(ok->name.has_value());
  CHECK(ok->path == "/b");
  CHECK_FALSE(conn.in_transaction());
  CHECK(value("SELECT count(*) FROM services WHERE name IS NULL AND path = '/b'") == "1");

  // Clearing the path of that row now fails (the merged entity has neither).
  auto p = services.update(both.id, set<&Service::path>(std::nullopt));
  REQUIRE_FALSE(p);
  CHECK(p.error().message ==
        "schema violation (when updating, at least one of these fields must be non-empty: 'name', "
        "'path')");
  // Setting both in one update is judged on the result.
  REQUIRE_OK(
      services.update(both.id, set<&Service::path>(std::nullopt), set<&Service::name>("both2")));

  // conditional(protocol tcp -> path absent) against the stored path.
  auto withpath = add({.name = "wp", .host = "c.example", .path = "/c"});
  auto tcp = services.update(withpath.id, set<&Service::protocol>("tcp"));
  REQUIRE_FALSE(tcp);
  check_schema_violation(
      tcp.error(),
      "2 schema violations (failed conditional validation given value of field 'protocol'; "
      "path: value must be null)",
      {{"@entity", "failed conditional validation given value of field 'protocol'"},
       {"path", "value must be null"}});
  REQUIRE_OK(services.update(withpath.id, set<&Service::protocol>("tcp"),
                             set<&Service::path>(std::nullopt)));
  // update_by with an entity rule.
  auto by = services.update_by<&Service::name>("wp", set<&Service::path>("/again"));
  REQUIRE_FALSE(by);
  CHECK(by.error().fields.size() == 2);
  CHECK_FALSE(conn.in_transaction());

  // NOT_FOUND on the locked path: no transaction left open either.
  auto missing = services.update(typedao::generate_uuid(), set<&Service::name>("x"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == typedao::error_code::not_found);
  CHECK_FALSE(conn.in_transaction());
}

TEST_CASE_METHOD(validation_fixture,
                 "update with entity rules reads the row FOR UPDATE in one transaction",
                 "[pg][validation][update]") {
  auto s = add({.name = "locked", .host = "l.example"});
  // Another session holds the row lock: the DAO's locked read waits, and gives up on lock_timeout.
  auto other = open_second();
  typedao_test::raw_exec(other, "BEGIN");
  typedao_test::raw_exec(other, "SELECT 1 FROM services FOR UPDATE");
  exec("SET lock_timeout = '200ms'");

  auto r = services.update(s.id, set<&Service::name>("renamed"));  // name is in at_least_one_of
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::database_error);
  CHECK(r.error().sqlstate() == "55P03");  // lock_not_available
  CHECK_FALSE(conn.in_transaction());

  // A member without entity rules or immutable is written in one statement (it waits too, since
  // UPDATE locks the row, but there is no transaction around it).
  auto port = services.update(s.id, set<&Service::port>(81));
  REQUIRE_FALSE(port);
  CHECK(port.error().sqlstate() == "55P03");
  CHECK_FALSE(conn.in_transaction());

  typedao_test::raw_exec(other, "ROLLBACK");
  exec("SET lock_timeout = 0");
  auto ok = services.update(s.id, set<&Service::name>("renamed"));
  REQUIRE_OK(ok);
  CHECK(ok->name == "renamed");
  CHECK_FALSE(conn.in_transaction());
}

TEST_CASE_METHOD(validation_fixture,
                 "update with entity rules inside the caller's transaction uses a savepoint",
                 "[pg][validation][update]") {
  auto named = add({.name = "named", .host = "a.example"});
  auto other = add({.name = "other", .host = "o.example"});
  const std::string before = snapshot();

  REQUIRE_OK(conn.execute_script("BEGIN"));
  REQUIRE(conn.in_transaction());

  // A validation failure: the caller's transaction stays open and usable.
  auto r = services.update(named.id, set<&Service::name>(std::nullopt));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::schema_violation);
  CHECK(conn.in_transaction());
  CHECK(value("SELECT count(*) FROM services") == "2");

  // A successful update inside the transaction.
  auto ok = services.update(named.id, set<&Service::name>("renamed"), set<&Service::path>("/r"));
  REQUIRE_OK(ok);
  CHECK(conn.in_transaction());
  CHECK(value("SELECT name FROM services WHERE path = '/r'") == "renamed");

  // A database error inside the DAO's savepoint (UNIQUE on name) rolls back to the savepoint
  // only: the caller's transaction, and the earlier update in it, survive.
  auto dup = services.update(named.id, set<&Service::name>("other"));
  REQUIRE_FALSE(dup);
  CHECK(dup.error().code == typedao::error_code::unique_violation);
  CHECK(dup.error().message == "UNIQUE violation detected on '{name=\"other\"}'");
  CHECK(conn.in_transaction());
  CHECK(value("SELECT name FROM services WHERE path = '/r'") == "renamed");

  // The caller rolls everything back.
  REQUIRE_OK(conn.execute_script("ROLLBACK"));
  CHECK_FALSE(conn.in_transaction());
  CHECK(snapshot() == before);
  (void)other;

  // And commits what it keeps.
  REQUIRE_OK(conn.execute_script("BEGIN"));
  REQUIRE_OK(services.update(named.id, set<&Service::path>("/kept")));
  REQUIRE_OK(conn.execute_script("COMMIT"));
  CHECK(value("SELECT path FROM services WHERE name = 'named'") == "/kept");
}

TEST_CASE_METHOD(validation_fixture, "immutable: a value once set cannot be changed",
                 "[pg][validation][immutable]") {
  auto a = accounts.insert({.login = "alice", .owner = "alice"});
  REQUIRE_OK(a);
  CHECK(accounts_snapshot() == "alice|alice|NULL|10");

  // Changing a set value fails.
  auto r = accounts.update(a->id, set<&Account::owner>("mallory"));
  REQUIRE_FALSE(r);
  check_schema_violation(r.error(), "schema violation (owner: immutable field cannot be updated)",
                         {{"owner", "immutable field cannot be updated"}});
  CHECK(accounts_snapshot() == "alice|alice|NULL|10");
  CHECK_FALSE(conn.in_transaction());

  // Setting the same value succeeds.
  REQUIRE_OK(accounts.update(a->id, set<&Account::owner>("alice"), set<&Account::quota>(20)));
  CHECK(accounts_snapshot() == "alice|alice|NULL|20");

  // A member whose stored value is empty (NULL) may be set once...
  REQUIRE_OK(accounts.update(a->id, set<&Account::ca>("ca-1")));
  CHECK(accounts_snapshot() == "alice|alice|ca-1|20");
  // ... then neither changed nor cleared.
  auto change = accounts.update(a->id, set<&Account::ca>("ca-2"));
  REQUIRE_FALSE(change);
  CHECK(change.error().message == "schema violation (ca: immutable field cannot be updated)");
  auto clear = accounts.update(a->id, set<&Account::ca>(std::nullopt));
  REQUIRE_FALSE(clear);
  CHECK(clear.error().message == "schema violation (ca: immutable field cannot be updated)");
  REQUIRE_OK(accounts.update(a->id, set<&Account::ca>("ca-1")));

  // Both at once, with a field rule on another member: field rules are reported first (nothing
  // is read), then immutability once the field rules pass.
  auto both = accounts.update(a->id, set<&Account::ca>("x"), set<&Account::quota>(0),
                              set<&Account::owner>("bob"));
  REQUIRE_FALSE(both);
  check_schema_violation(both.error(), "schema violation (quota: value must be greater than 0)",
                         {{"quota", "value must be greater than 0"}});
  auto imm = accounts.update(a->id, set<&Account::ca>("x"), set<&Account::owner>("bob"));
  REQUIRE_FALSE(imm);
  check_schema_violation(
      imm.error(),
      "2 schema violations (owner: immutable field cannot be updated; ca: immutable field cannot "
      "be updated)",
      {{"owner", "immutable field cannot be updated"},
       {"ca", "immutable field cannot be updated"}});
  CHECK(accounts_snapshot() == "alice|alice|ca-1|20");

  // A plain string stored empty counts as not set.
  auto b = accounts.insert({.login = "bob"});
  REQUIRE_OK(b);
  REQUIRE_OK(accounts.update_by<&Account::login>("bob", set<&Account::owner>("bob")));
  auto by = accounts.update_by<&Account::login>("bob", set<&Account::owner>("eve"));
  REQUIRE_FALSE(by);
  CHECK(by.error().message == "schema violation (owner: immutable field cannot be updated)");
  CHECK(accounts_snapshot() == "alice|alice|ca-1|20;bob|bob|NULL|10");
  CHECK_FALSE(conn.in_transaction());

  // Upsert replaces the whole row: immutable is an update() rule (as Kong's).
  REQUIRE_OK(accounts.upsert(b->id, {.login = "bob", .owner = "eve"}));
  CHECK(accounts_snapshot() == "alice|alice|ca-1|20;bob|eve|NULL|10");
}

TEST_CASE_METHOD(validation_fixture, "regex rules and custom predicates", "[pg][validation]") {
  // match: the whole value (ECMAScript); not_match: anywhere in the value.
  auto host = services.insert({.name = "a", .host = "UPPER.example"});
  REQUIRE_FALSE(host);
  check_schema_violation(host.error(), "schema violation (host: invalid value: UPPER.example)",
                         {{"host", "invalid value: UPPER.example"}});
  auto partial = services.insert({.name = "a", .host = "ok.example/"});
  REQUIRE_FALSE(partial);
  CHECK(partial.error().message == "schema violation (host: invalid value: ok.example/)");

  // The custom predicate runs first (declared first), not_match second.
  auto upper = services.insert({.name = "Has Space", .host = "h"});
  REQUIRE_FALSE(upper);
  CHECK(upper.error().message == "schema violation (name: must be lowercase)");
  auto space = services.insert({.name = "has space", .host = "h"});
  REQUIRE_FALSE(space);
  CHECK(space.error().message == "schema violation (name: invalid value: has space)");
  CHECK(count("services") == 0);

  auto ok = services.insert({.name = "fine", .host = "fine-1.example"});
  REQUIRE_OK(ok);
  auto upd = services.update(ok->id, set<&Service::host>("no_underscores"));
  REQUIRE_FALSE(upd);
  CHECK(upd.error().message == "schema violation (host: invalid value: no_underscores)");
  auto upd2 = services.update(ok->id, set<&Service::name>("Fine"));
  REQUIRE_FALSE(upd2);
  CHECK(upd2.error().message == "schema violation (name: must be lowercase)");
  CHECK(snapshot() == "fine|http|fine-1.example|80|NULL|");
}

TEST_CASE_METHOD(
    validation_fixture,
    "update with entity rules: a database error inside the DAO's transaction is reported in full",
    "[pg][validation][update]") {
  REQUIRE_OK(credentials.insert({.name = "dup", .group = "g"}));
  auto c = credentials.insert({.name = "mine", .group = "g"});
  REQUIRE_OK(c);
  // name takes part in mutually_exclusive: locked read, merge, validate, UPDATE -> UNIQUE on the
  // cache key. The message renders group (unchanged) from the stored row.
  auto u = credentials.update(c->id, set<&Credential::name>("dup"));
  REQUIRE_FALSE(u);
  CHECK(u.error().code == typedao::error_code::unique_violation);
  CHECK(u.error().message == "UNIQUE violation detected on '{group=\"g\",name=\"dup\"}'");
  CHECK_FALSE(conn.in_transaction());
  CHECK(value("SELECT count(*) FROM credentials WHERE name = 'mine'") == "1");

  // The same inside the caller's transaction.
  REQUIRE_OK(conn.execute_script("BEGIN"));
  auto n = credentials.update(c->id, set<&Credential::name>("dup"));
  REQUIRE_FALSE(n);
  CHECK(n.error().message == "UNIQUE violation detected on '{group=\"g\",name=\"dup\"}'");
  CHECK(conn.in_transaction());
  REQUIRE_OK(conn.execute_script("COMMIT"));
}

}  // namespace typedao_it_validation
