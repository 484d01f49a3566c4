// Kong's typed errors raised by the database: UNIQUE_VIOLATION (insert, update, update_by, upsert,
// upsert_by), PRIMARY_KEY_VIOLATION, INVALID_PRIMARY_KEY on every keyed operation. Each checks
// the exact message, fields, server report, and that nothing was written.

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

// Entities live in a namespace named after this file, not only an anonymous one: g++ 12 gives
// templates keyed on a member pointer (typedao::set<&Service::name>, set_t<...>) weak external
// linkage even for a class in an anonymous namespace, so same-named entities of different test
// files would share (and corrupt) each other's instantiations.
namespace typedao_it_errors {
namespace {

struct Service {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  std::string host;
  std::int32_t port = 80;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, updated_at, name, host, port))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

// Two unique members, to check which one the error names.
struct Consumer {
  typedao::uuid id;
  std::string username;
  std::optional<std::string> custom_id;
};
BOOST_DESCRIBE_STRUCT(Consumer, (), (id, username, custom_id))
TYPEDAO_ENTITY(Consumer, "consumers", typedao::unique(&Consumer::username),
               typedao::unique(&Consumer::custom_id))

using typedao::set;
using typedao_test::pg_fixture;

struct errors_fixture : pg_fixture {
  typedao::database<Service, Consumer> db{conn};
  typedao_test::dao_t<decltype(db), Service> services = db.dao<Service>();
  typedao_test::dao_t<decltype(db), Consumer> consumers = db.dao<Consumer>();
  errors_fixture() { REQUIRE_OK(db.migrate()); }

  Service add(std::string name, std::string host = "httpbin.org") {
    auto r = services.insert({.name = std::move(name), .host = std::move(host)});
    REQUIRE_OK(r);
    return *r;
  }
  // Every service as "name:host:port", ordered by name: proves nothing else was written.
  std::string snapshot() {
    return scalar(
               "SELECT string_agg(coalesce(name, 'NULL') || ':' || host || ':' || port, ',' ORDER "
               "BY name) "
               "FROM services")
        .value_or("");
  }
};

void check_httpbin_unique_violation(const typedao::error& e) {
  CHECK(e.code == typedao::error_code::unique_violation);
  CHECK(static_cast<int>(e.code) == 5);
  CHECK(e.constant() == "UNIQUE_VIOLATION");
  CHECK(e.name() == "unique constraint violation");
  CHECK(e.message == "UNIQUE violation detected on '{name=\"httpbin\"}'");
  CHECK(e.to_string() == "[postgres] UNIQUE violation detected on '{name=\"httpbin\"}'");
  REQUIRE(e.fields.size() == 1);
  CHECK(e.fields[0] == typedao::field_detail{"name", "httpbin"});
  REQUIRE(e.field("name") != nullptr);
  CHECK(e.field("name")->value == "httpbin");
  CHECK(e.field("host") == nullptr);
  CHECK(e.sqlstate() == "23505");
  CHECK(e.server.sqlstate == "23505");
  CHECK(e.server.constraint == "services_name_key");
  CHECK(e.server.table == "services");
  CHECK_FALSE(e.server.message.empty());
  CHECK(e.entity.empty());
}

const typedao::uuid fixed_id = *typedao::parse_uuid("0b5e1c9a-6f1d-4d3e-9c2b-7a8f6e5d4c3b");

}  // namespace
}  // namespace typedao_it_errors

namespace typedao_it_errors {

TEST_CASE_METHOD(errors_fixture, "UNIQUE_VIOLATION: insert with an existing unique value",
                 "[pg][errors][unique]") {
  add("httpbin");
  const auto before = snapshot();
  auto r = services.insert({.name = "httpbin", .host = "example.com", .port = 1});
  REQUIRE_FALSE(r);
  check_httpbin_unique_violation(r.error());
  CHECK(count("services") == 1);
  CHECK(snapshot() == before);
  CHECK(before == "httpbin:httpbin.org:80");
}

TEST_CASE_METHOD(errors_fixture,
                 "UNIQUE_VIOLATION: update setting a unique member to an existing value",
                 "[pg][errors][unique]") {
  add("httpbin");
  auto other = add("other", "other.org");
  const auto before = snapshot();
  auto r = services.update(other.id, set<&Service::name>("httpbin"), set<&Service::port>(9));
  REQUIRE_FALSE(r);
  check_httpbin_unique_violation(r.error());
  CHECK(snapshot() == before);  // the port change did not happen either
}

TEST_CASE_METHOD(errors_fixture, "UNIQUE_VIOLATION: update_by renaming onto an existing value",
                 "[pg][errors][unique]") {
  add("httpbin");
  add("other", "other.org");
  const auto before = snapshot();
  auto r = services.update_by<&Service::name>("other", set<&Service::name>("httpbin"));
  REQUIRE_FALSE(r);
  check_httpbin_unique_violation(r.error());
  CHECK(snapshot() == before);
}

TEST_CASE_METHOD(errors_fixture,
                 "UNIQUE_VIOLATION: upsert of another key with an existing unique value",
                 "[pg][errors][unique]") {
  add("httpbin");
  const auto before = snapshot();
  SECTION("the key is new (insert path)") {
    auto r = services.upsert(fixed_id, {.name = "httpbin", .host = "x"});
    REQUIRE_FALSE(r);
    check_httpbin_unique_violation(r.error());
  }
  SECTION("the key exists (update path)") {
    auto other = services.insert({.id = fixed_id, .name = "other", .host = "other.org"});
    REQUIRE_OK(other);
    const auto with_other = snapshot();
    auto r = services.upsert(fixed_id, {.name = "httpbin", .host = "x"});
    REQUIRE_FALSE(r);
    check_httpbin_unique_violation(r.error());
    CHECK(snapshot() == with_other);
    REQUIRE_OK(services.remove(fixed_id));
  }
  CHECK(snapshot() == before);
}

TEST_CASE_METHOD(errors_fixture, "UNIQUE_VIOLATION: names the member whose constraint was violated",
                 "[pg][errors][unique]") {
  REQUIRE_OK(consumers.insert({.username = "alice", .custom_id = "c-1"}));
  SECTION("second unique member") {
    auto r = consumers.insert({.username = "bob", .custom_id = "c-1"});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::unique_violation);
    CHECK(r.error().message == "UNIQUE violation detected on '{custom_id=\"c-1\"}'");
    CHECK(r.error().fields == std::vector<typedao::field_detail>{{"custom_id", "c-1"}});
    CHECK(r.error().server.constraint == "consumers_custom_id_key");
  }
  SECTION("first unique member") {
    auto r = consumers.insert({.username = "alice", .custom_id = "c-2"});
    REQUIRE_FALSE(r);
    CHECK(r.error().message == "UNIQUE violation detected on '{username=\"alice\"}'");
    CHECK(r.error().server.constraint == "consumers_username_key");
  }
  SECTION("NULLs never collide") {
    REQUIRE_OK(consumers.insert({.username = "n1"}));
    REQUIRE_OK(consumers.insert({.username = "n2"}));
    CHECK(count("consumers") == 3);
    return;
  }
  CHECK(count("consumers") == 1);
}

TEST_CASE_METHOD(errors_fixture, "UNIQUE_VIOLATION: values are rendered like Kong (escapes)",
                 "[pg][errors][unique]") {
  const std::string tricky = "a\"b\\c\nd";
  REQUIRE_OK(services.insert({.name = tricky, .host = "h"}));
  auto r = services.insert({.name = tricky, .host = "h"});
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "UNIQUE violation detected on '{name=\"a\\\"b\\\\c\\nd\"}'");
}

TEST_CASE_METHOD(errors_fixture, "PRIMARY_KEY_VIOLATION: insert with an explicit existing id",
                 "[pg][errors][pk]") {
  auto first = services.insert({.id = fixed_id, .name = "first", .host = "h"});
  REQUIRE_OK(first);
  auto r = services.insert({.id = fixed_id, .name = "second", .host = "h2"});
  REQUIRE_FALSE(r);
  const auto& e = r.error();
  CHECK(e.code == typedao::error_code::primary_key_violation);
  CHECK(static_cast<int>(e.code) == 3);
  CHECK(e.constant() == "PRIMARY_KEY_VIOLATION");
  CHECK(e.name() == "primary key violation");
  CHECK(e.message ==
        "primary key violation on key '{id=\"0b5e1c9a-6f1d-4d3e-9c2b-7a8f6e5d4c3b\"}'");
  REQUIRE(e.fields.size() == 1);
  CHECK(e.fields[0] == typedao::field_detail{"id", "0b5e1c9a-6f1d-4d3e-9c2b-7a8f6e5d4c3b"});
  CHECK(e.server.sqlstate == "23505");
  CHECK(e.server.constraint == "services_pkey");
  CHECK(count("services") == 1);
  CHECK(value("SELECT name FROM services") == "first");
}

TEST_CASE_METHOD(errors_fixture,
                 "PRIMARY_KEY_VIOLATION wins over a unique violation in the same row",
                 "[pg][errors][pk]") {
  REQUIRE_OK(services.insert({.id = fixed_id, .name = "same", .host = "h"}));
  auto r = services.insert({.id = fixed_id, .name = "same", .host = "h"});
  REQUIRE_FALSE(r);
  // PostgreSQL checks the primary key index first (it was created first).
  CHECK(r.error().code == typedao::error_code::primary_key_violation);
  CHECK(count("services") == 1);
}

TEST_CASE_METHOD(errors_fixture,
                 "INVALID_PRIMARY_KEY: every keyed operation refuses a nil uuid before SQL",
                 "[pg][errors][invalid_pk]") {
  add("httpbin");
  const typedao::uuid nil{};
  const std::string msg = "invalid primary key: '{id=\"missing primary key\"}'";
  std::vector<typedao::error> errs;
  auto take = [&](auto&& r) {
    REQUIRE_FALSE(r);
    errs.push_back(r.error());
  };
  take(services.select(nil));
  take(services.update(nil, set<&Service::port>(1)));
  take(services.upsert(nil, {.name = "x", .host = "h"}));
  take(services.remove(nil));
  Service e{.name = "by-entity", .host = "h"};  // id left nil
  take(services.select(e));
  take(services.remove(e));
  for (const auto& err : errs) {
    CHECK(err.code == typedao::error_code::invalid_primary_key);
    CHECK(err.message == msg);
    CHECK(err.fields == std::vector<typedao::field_detail>{{"id", "missing primary key"}});
    CHECK(err.server.sqlstate.empty());
  }
  CHECK(count("services") == 1);
  CHECK(snapshot() == "httpbin:httpbin.org:80");
}

TEST_CASE_METHOD(errors_fixture,
                 "NOT_FOUND and UNIQUE_VIOLATION are distinct codes with Kong's numbers",
                 "[pg][errors]") {
  CHECK(typedao::constant_name(typedao::error_code::not_found) == "NOT_FOUND");
  CHECK(static_cast<int>(typedao::error_code::not_found) == 6);
  CHECK(typedao::constant_name(typedao::error_code::foreign_key_violation) ==
        "FOREIGN_KEY_VIOLATION");
  CHECK(static_cast<int>(typedao::error_code::foreign_key_violation) == 4);
  CHECK(typedao::constant_name(typedao::error_code::database_error) == "DATABASE_ERROR");
  CHECK(static_cast<int>(typedao::error_code::database_error) == 8);
  CHECK(typedao::constant_name(typedao::error_code::invalid_unique) == "INVALID_UNIQUE");
  CHECK(static_cast<int>(typedao::error_code::invalid_unique) == 10);
  // A table that does not exist: DATABASE_ERROR with the server's message and SQLSTATE.
  exec("DROP TABLE consumers");
  auto r = consumers.insert({.username = "x"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::database_error);
  CHECK(r.error().server.sqlstate == "42P01");
  CHECK(r.error().message == "relation \"consumers\" does not exist");
  CHECK(r.error().to_string() == "[postgres] relation \"consumers\" does not exist");
}

TEST_CASE_METHOD(errors_fixture,
                 "a NOT NULL column the entity does not know is a SCHEMA_VIOLATION naming it",
                 "[pg][errors]") {
  exec("ALTER TABLE services ADD COLUMN region text NOT NULL");
  auto r = services.insert({.name = "x", .host = "h"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::schema_violation);
  CHECK(r.error().message == "schema violation (region: required field missing)");
  CHECK(r.error().server.sqlstate == "23502");
  CHECK(count("services") == 0);
}

TEST_CASE_METHOD(errors_fixture,
                 "a CHECK constraint added in SQL is a DATABASE_ERROR with the server's report",
                 "[pg][errors]") {
  exec("ALTER TABLE services ADD CONSTRAINT services_port_range CHECK (port BETWEEN 0 AND 65535)");
  auto r = services.insert({.name = "x", .host = "h", .port = 70000});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::database_error);
  CHECK(r.error().server.sqlstate == "23514");
  CHECK(r.error().server.constraint == "services_port_range");
  CHECK(r.error().message ==
        "new row for relation \"services\" violates check constraint \"services_port_range\"");
  CHECK(count("services") == 0);
}

TEST_CASE_METHOD(errors_fixture,
                 "a unique index added in SQL is a DATABASE_ERROR, not a misattributed violation",
                 "[pg][errors]") {
  exec("CREATE UNIQUE INDEX services_host_uniq ON services (host)");
  add("a", "same.host");
  auto r = services.insert({.name = "b", .host = "same.host"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::database_error);
  CHECK(r.error().server.sqlstate == "23505");
  CHECK(r.error().server.constraint == "services_host_uniq");
  CHECK(count("services") == 1);
}

}  // namespace typedao_it_errors
