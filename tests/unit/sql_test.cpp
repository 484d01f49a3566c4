// The exact SQL of every DAO operation (sql.hpp), without a database. Each text is checked with
// STATIC_REQUIRE: it is a static_assert, so the test also proves the text is computed at compile
// time. To see a diff instead of a failed build, compile with
// -DCATCH_CONFIG_RUNTIME_STATIC_REQUIRE.

#include <typedao/typedao.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace sql_test {

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

// on_delete left at its default: RESTRICT.
struct Route {
  typedao::uuid id;
  std::string path;
  typedao::foreign<Service> service;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, path, service))
TYPEDAO_ENTITY(Route, "routes")

struct Plugin {
  typedao::uuid id;
  std::string name;
  typedao::foreign<Service> service;
  std::optional<typedao::foreign<Route>> route;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, name, service, route))
TYPEDAO_ENTITY(Plugin, "plugins", typedao::on_delete(&Plugin::service, typedao::cascade),
               typedao::on_delete(&Plugin::route, typedao::set_null))

// A composite key of two members whose names are SQL keywords (quoted everywhere).
struct Membership {
  std::string group;
  std::int64_t user = 0;
  std::string role;
};
BOOST_DESCRIBE_STRUCT(Membership, (), (group, user, role))
TYPEDAO_ENTITY(Membership, "memberships",
               typedao::primary_key(&Membership::group, &Membership::user))

// A foreign key to a composite-key parent: one column per parent key column.
struct Grant {
  std::int64_t id = 0;
  typedao::foreign<Membership> member;
  bool active = true;
};
BOOST_DESCRIBE_STRUCT(Grant, (), (id, member, active))
TYPEDAO_ENTITY(Grant, "grants", typedao::on_delete(&Grant::member, typedao::restrict))

// A table name with an embedded double quote.
struct Odd {
  std::string id;
  double weight = 0;
};
BOOST_DESCRIBE_STRUCT(Odd, (), (id, weight))
TYPEDAO_ENTITY(Odd, "odd\"table")

}  // namespace sql_test

using namespace sql_test;
namespace sql = typedao::sql;

namespace {
constexpr std::string_view service_columns =
    R"("id", "created_at", "updated_at", "name", "host", "port")";

// s is exactly the parts, in order (no constexpr std::string: clang 16 cannot evaluate
// libstdc++'s).
constexpr bool is_concatenation(std::string_view s, std::initializer_list<std::string_view> parts) {
  for (auto p : parts) {
    if (!s.starts_with(p)) return false;
    s.remove_prefix(p.size());
  }
  return s.empty();
}
}  // namespace

TEST_CASE("sql: insert", "[unit][sql]") {
  // updated_at is always now(); created_at is now() unless given (a NULL parameter).
  STATIC_REQUIRE(
      sql::insert<Service>() ==
      R"(INSERT INTO "services" ("id", "created_at", "updated_at", "name", "host", "port") )"
      R"(VALUES ($1, COALESCE($2, now()), now(), $3, $4, $5) )"
      R"(RETURNING "id", "created_at", "updated_at", "name", "host", "port")");
  STATIC_REQUIRE(
      sql::insert<Plugin>() ==
      R"(INSERT INTO "plugins" ("id", "name", "service_id", "route_id") VALUES ($1, $2, $3, $4) )"
      R"(RETURNING "id", "name", "service_id", "route_id")");
  STATIC_REQUIRE(sql::insert<Membership>() ==
                 R"(INSERT INTO "memberships" ("group", "user", "role") VALUES ($1, $2, $3) )"
                 R"(RETURNING "group", "user", "role")");
  STATIC_REQUIRE(
      sql::insert<Grant>() ==
      R"(INSERT INTO "grants" ("id", "member_group", "member_user", "active") VALUES ($1, $2, $3, $4) )"
      R"(RETURNING "id", "member_group", "member_user", "active")");
  CHECK(sql::insert<Service>().ends_with(std::string("RETURNING ") + std::string(service_columns)));
}

TEST_CASE("sql: select by primary key", "[unit][sql]") {
  STATIC_REQUIRE(
      sql::select<Service>() ==
      R"(SELECT "id", "created_at", "updated_at", "name", "host", "port" FROM "services" WHERE "id" = $1)");
  STATIC_REQUIRE(
      sql::select<Membership>() ==
      R"(SELECT "group", "user", "role" FROM "memberships" WHERE "group" = $1 AND "user" = $2)");
  STATIC_REQUIRE(
      sql::select<Grant>() ==
      R"(SELECT "id", "member_group", "member_user", "active" FROM "grants" WHERE "id" = $1)");
}

TEST_CASE("sql: select_by a unique member, the key, or a foreign member", "[unit][sql]") {
  STATIC_REQUIRE(
      sql::select_by<&Service::name>() ==
      R"(SELECT "id", "created_at", "updated_at", "name", "host", "port" FROM "services" WHERE "name" = $1)");
  STATIC_REQUIRE(sql::select_by<&Service::id>() == sql::select<Service>());
  STATIC_REQUIRE(sql::select_by<&Grant::member>() ==
                 R"(SELECT "id", "member_group", "member_user", "active" FROM "grants" )"
                 R"(WHERE "member_group" = $1 AND "member_user" = $2)");
}

TEST_CASE("sql: update one or two members; the key comes first, updated_at is refreshed",
          "[unit][sql]") {
  STATIC_REQUIRE(sql::update<Service, &Service::port>() ==
                 R"(UPDATE "services" SET "port" = $2, "updated_at" = now() WHERE "id" = $1 )"
                 R"(RETURNING "id", "created_at", "updated_at", "name", "host", "port")");
  STATIC_REQUIRE(
      sql::update<Service, &Service::port, &Service::host>() ==
      R"(UPDATE "services" SET "port" = $2, "host" = $3, "updated_at" = now() WHERE "id" = $1 )"
      R"(RETURNING "id", "created_at", "updated_at", "name", "host", "port")");
  // The order of the changes is the order given, not declaration order.
  STATIC_REQUIRE(
      sql::update<Service, &Service::host, &Service::port>() ==
      R"(UPDATE "services" SET "host" = $2, "port" = $3, "updated_at" = now() WHERE "id" = $1 )"
      R"(RETURNING "id", "created_at", "updated_at", "name", "host", "port")");
  // No updated_at member: nothing else is set. Composite key: two key parameters.
  STATIC_REQUIRE(sql::update<Membership, &Membership::role>() ==
                 R"(UPDATE "memberships" SET "role" = $3 WHERE "group" = $1 AND "user" = $2 )"
                 R"(RETURNING "group", "user", "role")");
  // A foreign member sets every one of its columns.
  STATIC_REQUIRE(
      sql::update<Grant, &Grant::member, &Grant::active>() ==
      R"(UPDATE "grants" SET "member_group" = $2, "member_user" = $3, "active" = $4 WHERE "id" = $1 )"
      R"(RETURNING "id", "member_group", "member_user", "active")");
}

TEST_CASE("sql: update_by a unique member", "[unit][sql]") {
  STATIC_REQUIRE(sql::update_by<&Service::name, &Service::port>() ==
                 R"(UPDATE "services" SET "port" = $2, "updated_at" = now() WHERE "name" = $1 )"
                 R"(RETURNING "id", "created_at", "updated_at", "name", "host", "port")");
  STATIC_REQUIRE(
      sql::update_by<&Service::name, &Service::host, &Service::port>() ==
      R"(UPDATE "services" SET "host" = $2, "port" = $3, "updated_at" = now() WHERE "name" = $1 )"
      R"(RETURNING "id", "created_at", "updated_at", "name", "host", "port")");
}

TEST_CASE("sql: upsert on the primary key keeps created_at unless given", "[unit][sql]") {
  STATIC_REQUIRE(
      sql::upsert<Service>() ==
      R"(INSERT INTO "services" ("id", "created_at", "updated_at", "name", "host", "port") )"
      R"(VALUES ($1, COALESCE($2, now()), now(), $3, $4, $5) ON CONFLICT ("id") DO UPDATE SET )"
      R"("created_at" = COALESCE($2, "services"."created_at"), "updated_at" = EXCLUDED."updated_at", )"
      R"("name" = EXCLUDED."name", "host" = EXCLUDED."host", "port" = EXCLUDED."port" )"
      R"(RETURNING "id", "created_at", "updated_at", "name", "host", "port")");
  STATIC_REQUIRE(
      sql::upsert<Route>() ==
      R"(INSERT INTO "routes" ("id", "path", "service_id") VALUES ($1, $2, $3) ON CONFLICT ("id") )"
      R"(DO UPDATE SET "path" = EXCLUDED."path", "service_id" = EXCLUDED."service_id" )"
      R"(RETURNING "id", "path", "service_id")");
  STATIC_REQUIRE(sql::upsert<Membership>() ==
                 R"(INSERT INTO "memberships" ("group", "user", "role") VALUES ($1, $2, $3) )"
                 R"(ON CONFLICT ("group", "user") DO UPDATE SET "role" = EXCLUDED."role" )"
                 R"(RETURNING "group", "user", "role")");
}

TEST_CASE("sql: upsert_by a unique member keeps the existing key", "[unit][sql]") {
  STATIC_REQUIRE(
      sql::upsert_by<&Service::name>() ==
      R"(INSERT INTO "services" ("id", "created_at", "updated_at", "name", "host", "port") )"
      R"(VALUES ($1, COALESCE($2, now()), now(), $3, $4, $5) ON CONFLICT ("name") DO UPDATE SET )"
      R"("created_at" = COALESCE($2, "services"."created_at"), "updated_at" = EXCLUDED."updated_at", )"
      R"("host" = EXCLUDED."host", "port" = EXCLUDED."port" )"
      R"(RETURNING "id", "created_at", "updated_at", "name", "host", "port")");
}

TEST_CASE("sql: remove and remove_by", "[unit][sql]") {
  STATIC_REQUIRE(sql::remove<Service>() == R"(DELETE FROM "services" WHERE "id" = $1)");
  STATIC_REQUIRE(sql::remove<Membership>() ==
                 R"(DELETE FROM "memberships" WHERE "group" = $1 AND "user" = $2)");
  STATIC_REQUIRE(sql::remove_by<&Service::name>() == R"(DELETE FROM "services" WHERE "name" = $1)");
}

TEST_CASE("sql: create_table with unique, nullable and NOT NULL columns", "[unit][sql]") {
  STATIC_REQUIRE(sql::create_table<Service>() ==
                 "CREATE TABLE IF NOT EXISTS \"services\" (\n"
                 "  \"id\" uuid NOT NULL,\n"
                 "  \"created_at\" timestamptz NOT NULL,\n"
                 "  \"updated_at\" timestamptz NOT NULL,\n"
                 "  \"name\" text,\n"
                 "  \"host\" text NOT NULL,\n"
                 "  \"port\" integer NOT NULL,\n"
                 "  CONSTRAINT \"services_pkey\" PRIMARY KEY (\"id\"),\n"
                 "  CONSTRAINT \"services_name_key\" UNIQUE (\"name\")\n"
                 ");\n");
}

TEST_CASE("sql: create_table with a foreign key under each on_delete action, and its index",
          "[unit][sql]") {
  // Default: RESTRICT.
  STATIC_REQUIRE(
      sql::create_table<Route>() ==
      "CREATE TABLE IF NOT EXISTS \"routes\" (\n"
      "  \"id\" uuid NOT NULL,\n"
      "  \"path\" text NOT NULL,\n"
      "  \"service_id\" uuid NOT NULL,\n"
      "  CONSTRAINT \"routes_pkey\" PRIMARY KEY (\"id\"),\n"
      "  CONSTRAINT \"routes_service_fkey\" FOREIGN KEY (\"service_id\") REFERENCES \"services\" "
      "(\"id\") "
      "ON DELETE RESTRICT\n"
      ");\n"
      "CREATE INDEX IF NOT EXISTS \"routes_service_idx\" ON \"routes\" (\"service_id\");\n");
  // CASCADE, and SET NULL on a nullable foreign key.
  STATIC_REQUIRE(
      sql::create_table<Plugin>() ==
      "CREATE TABLE IF NOT EXISTS \"plugins\" (\n"
      "  \"id\" uuid NOT NULL,\n"
      "  \"name\" text NOT NULL,\n"
      "  \"service_id\" uuid NOT NULL,\n"
      "  \"route_id\" uuid,\n"
      "  CONSTRAINT \"plugins_pkey\" PRIMARY KEY (\"id\"),\n"
      "  CONSTRAINT \"plugins_service_fkey\" FOREIGN KEY (\"service_id\") REFERENCES \"services\" "
      "(\"id\") "
      "ON DELETE CASCADE,\n"
      "  CONSTRAINT \"plugins_route_fkey\" FOREIGN KEY (\"route_id\") REFERENCES \"routes\" "
      "(\"id\") "
      "ON DELETE SET NULL\n"
      ");\n"
      "CREATE INDEX IF NOT EXISTS \"plugins_service_idx\" ON \"plugins\" (\"service_id\");\n"
      "CREATE INDEX IF NOT EXISTS \"plugins_route_idx\" ON \"plugins\" (\"route_id\");\n");
}

TEST_CASE("sql: create_table with a composite key, and a foreign key to it", "[unit][sql]") {
  STATIC_REQUIRE(sql::create_table<Membership>() ==
                 "CREATE TABLE IF NOT EXISTS \"memberships\" (\n"
                 "  \"group\" text NOT NULL,\n"
                 "  \"user\" bigint NOT NULL,\n"
                 "  \"role\" text NOT NULL,\n"
                 "  CONSTRAINT \"memberships_pkey\" PRIMARY KEY (\"group\", \"user\")\n"
                 ");\n");
  // Explicit restrict is the same as the default.
  STATIC_REQUIRE(
      sql::create_table<Grant>() ==
      "CREATE TABLE IF NOT EXISTS \"grants\" (\n"
      "  \"id\" bigint NOT NULL,\n"
      "  \"member_group\" text NOT NULL,\n"
      "  \"member_user\" bigint NOT NULL,\n"
      "  \"active\" boolean NOT NULL,\n"
      "  CONSTRAINT \"grants_pkey\" PRIMARY KEY (\"id\"),\n"
      "  CONSTRAINT \"grants_member_fkey\" FOREIGN KEY (\"member_group\", \"member_user\") "
      "REFERENCES \"memberships\" (\"group\", \"user\") ON DELETE RESTRICT\n"
      ");\n"
      "CREATE INDEX IF NOT EXISTS \"grants_member_idx\" ON \"grants\" (\"member_group\", "
      "\"member_user\");\n");
}

TEST_CASE("sql: identifiers with an embedded double quote are doubled", "[unit][sql]") {
  STATIC_REQUIRE(sql::create_table<Odd>() ==
                 "CREATE TABLE IF NOT EXISTS \"odd\"\"table\" (\n"
                 "  \"id\" text NOT NULL,\n"
                 "  \"weight\" double precision NOT NULL,\n"
                 "  CONSTRAINT \"odd\"\"table_pkey\" PRIMARY KEY (\"id\")\n"
                 ");\n");
  STATIC_REQUIRE(sql::select<Odd>() ==
                 R"(SELECT "id", "weight" FROM "odd""table" WHERE "id" = $1)");
  STATIC_REQUIRE(sql::remove<Odd>() == R"(DELETE FROM "odd""table" WHERE "id" = $1)");
  STATIC_REQUIRE(sql::upsert<Odd>() ==
                 R"(INSERT INTO "odd""table" ("id", "weight") VALUES ($1, $2) ON CONFLICT ("id") )"
                 R"(DO UPDATE SET "weight" = EXCLUDED."weight" RETURNING "id", "weight")");
}

TEST_CASE("sql: database<...>::schema_sql() creates parents before children", "[unit][sql]") {
  // Registered children first on purpose; within one depth the registration order is kept.
  using db = typedao::database<Plugin, Grant, Route, Odd, Membership, Service>;
  constexpr std::string_view ddl = db::schema_sql();
  constexpr std::string_view prefix = "SET LOCAL client_min_messages = warning;\n";
  STATIC_REQUIRE(
      is_concatenation(ddl, {prefix, sql::create_table<Odd>(), sql::create_table<Membership>(),
                             sql::create_table<Service>(), sql::create_table<Grant>(),
                             sql::create_table<Route>(), sql::create_table<Plugin>()}));

  auto at = [&](std::string_view table) {
    return ddl.find("CREATE TABLE IF NOT EXISTS " + std::string(table));
  };
  CHECK(at("\"services\"") < at("\"routes\""));
  CHECK(at("\"routes\"") < at("\"plugins\""));
  CHECK(at("\"memberships\"") < at("\"grants\""));

  // One entity: just its table.
  STATIC_REQUIRE(is_concatenation(typedao::database<Service>::schema_sql(),
                                  {prefix, sql::create_table<Service>()}));
  // The helper itself.
  STATIC_REQUIRE(is_concatenation("abc", {"a", "bc"}));
  STATIC_REQUIRE_FALSE(is_concatenation("abc", {"a", "b"}));
  STATIC_REQUIRE_FALSE(is_concatenation("abc", {"b", "ac"}));
}
