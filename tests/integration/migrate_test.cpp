// database::migrate() against a real PostgreSQL: idempotent, parents before children whatever the
// registration order, documented constraint and index names, column types and nullability,
// transactional (a failure leaves nothing behind), safe to run from two sessions at once.

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

// Entities live in a namespace named after this file, not only an anonymous one: g++ 12 gives
// templates keyed on a member pointer (typedao::set<&Service::name>, set_t<...>) weak external
// linkage even for a class in an anonymous namespace, so same-named entities of different test
// files would share (and corrupt) each other's instantiations.
namespace typedao_it_migrate {
namespace {

struct Service {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  std::string host;
  std::int32_t port = 80;
  std::int16_t retries = 5;
  std::int64_t read_timeout = 60000;
  bool enabled = true;
  double weight = 1.0;
  float ratio = 0.5f;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Service, (),
                      (id, created_at, updated_at, name, host, port, retries, read_timeout, enabled,
                       weight, ratio, tags))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

struct Route {
  typedao::uuid id;
  std::optional<std::string> name;
  typedao::foreign<Service> service;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, name, service))
TYPEDAO_ENTITY(Route, "routes", typedao::unique(&Route::name))

struct Plugin {
  typedao::uuid id;
  typedao::timestamp created_at;
  std::string name;
  typedao::foreign<Service> service;
  std::optional<typedao::foreign<Route>> route;
  bool enabled = true;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, created_at, name, service, route, enabled))
TYPEDAO_ENTITY(Plugin, "plugins", typedao::on_delete(&Plugin::service, typedao::cascade),
               typedao::on_delete(&Plugin::route, typedao::set_null))

using typedao_test::pg_fixture;

std::string constraint_def(pg_fixture& f, const std::string& name) {
  auto v = f.scalar(
      "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = $1 "
      "AND connamespace = current_schema()::regnamespace",
      {name});
  INFO("constraint " << name);
  REQUIRE(v.has_value());
  return *v;
}

std::string columns_of(pg_fixture& f, const std::string& table) {
  return f.value(
      "SELECT string_agg(column_name || ' ' || format_type(atttypid, atttypmod) || "
      "CASE WHEN is_nullable = 'NO' THEN ' not null' ELSE '' END, ', ' ORDER BY ordinal_position) "
      "FROM information_schema.columns c JOIN pg_attribute a ON a.attrelid = (current_schema() || "
      "'.' || "
      "c.table_name)::regclass AND a.attname = c.column_name "
      "WHERE table_schema = current_schema() AND table_name = $1",
      {table});
}

}  // namespace
}  // namespace typedao_it_migrate

namespace typedao_it_migrate {

TEST_CASE_METHOD(pg_fixture, "migrate: parents first even when children are registered first",
                 "[pg][migrate]") {
  typedao::database<Plugin, Route, Service> db{conn};
  const std::string_view sql = db.schema_sql();
  const auto services_at = sql.find("CREATE TABLE IF NOT EXISTS \"services\"");
  const auto routes_at = sql.find("CREATE TABLE IF NOT EXISTS \"routes\"");
  const auto plugins_at = sql.find("CREATE TABLE IF NOT EXISTS \"plugins\"");
  REQUIRE(services_at != std::string_view::npos);
  REQUIRE(routes_at != std::string_view::npos);
  REQUIRE(plugins_at != std::string_view::npos);
  CHECK(services_at < routes_at);
  CHECK(routes_at < plugins_at);

  REQUIRE_OK(db.migrate());
  CHECK(value("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
              "WHERE schemaname = current_schema()") == "plugins,routes,services");
}

TEST_CASE_METHOD(pg_fixture,
                 "migrate: Kong's pair database<Plugin, Service> works on an empty schema",
                 "[pg][migrate]") {
  typedao::database<Plugin, Route, Service> db{conn};
  REQUIRE_OK(db.migrate());
  auto s = db.dao<Service>().insert({.name = "svc", .host = "h"});
  REQUIRE_OK(s);
  REQUIRE_OK(db.dao<Plugin>().insert({.name = "key-auth", .service = *s}));
  CHECK(count("plugins") == 1);
}

TEST_CASE_METHOD(pg_fixture, "migrate: idempotent, keeps existing rows", "[pg][migrate]") {
  typedao::database<Service, Route, Plugin> db{conn};
  REQUIRE_OK(db.migrate());
  auto s = db.dao<Service>().insert({.name = "keep", .host = "h"});
  REQUIRE_OK(s);
  const auto before =
      value("SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace");
  REQUIRE_OK(db.migrate());
  REQUIRE_OK(db.migrate());
  CHECK(
      value("SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace") ==
      before);
  CHECK(count("services") == 1);
  CHECK(value("SELECT name FROM services") == "keep");
  // A database with fewer entities on the same schema is fine too.
  typedao::database<Service> only{conn};
  REQUIRE_OK(only.migrate());
}

TEST_CASE_METHOD(pg_fixture, "migrate: constraint and index names are the documented ones",
                 "[pg][migrate]") {
  typedao::database<Plugin, Service, Route> db{conn};
  REQUIRE_OK(db.migrate());
  CHECK(
      value("SELECT string_agg(conname || ':' || contype::text, ',' ORDER BY conname) FROM "
            "pg_constraint "
            "WHERE connamespace = current_schema()::regnamespace AND contype IN ('p', 'u', 'f')") ==
      "plugins_pkey:p,plugins_route_fkey:f,plugins_service_fkey:f,routes_name_key:u,routes_pkey:p,"
      "routes_service_fkey:f,services_name_key:u,services_pkey:p");
  CHECK(constraint_def(*this, "services_pkey") == "PRIMARY KEY (id)");
  CHECK(constraint_def(*this, "services_name_key") == "UNIQUE (name)");
  CHECK(constraint_def(*this, "routes_service_fkey") ==
        "FOREIGN KEY (service_id) REFERENCES services(id) ON DELETE RESTRICT");
  CHECK(constraint_def(*this, "plugins_service_fkey") ==
        "FOREIGN KEY (service_id) REFERENCES services(id) ON DELETE CASCADE");
  CHECK(constraint_def(*this, "plugins_route_fkey") ==
        "FOREIGN KEY (route_id) REFERENCES routes(id) ON DELETE SET NULL");
  // One index per foreign key, named <table>_<member>_idx.
  for (const char* idx : {"routes_service_idx", "plugins_service_idx", "plugins_route_idx"}) {
    INFO("index " << idx);
    CHECK(value("SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname "
                "= $1",
                {idx}) == "1");
  }
  CHECK(value("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = "
              "'plugins_route_idx'")
            .find("(route_id)") != std::string::npos);
}

TEST_CASE_METHOD(pg_fixture, "migrate: column types and nullability follow the members",
                 "[pg][migrate]") {
  typedao::database<Service, Route, Plugin> db{conn};
  REQUIRE_OK(db.migrate());
  CHECK(
      columns_of(*this, "services") ==
      "id uuid not null, created_at timestamp with time zone not null, updated_at timestamp with "
      "time zone "
      "not null, name text, host text not null, port integer not null, retries smallint not null, "
      "read_timeout bigint not null, enabled boolean not null, weight double precision not null, "
      "ratio real not null, tags text[] not null");
  CHECK(columns_of(*this, "routes") == "id uuid not null, name text, service_id uuid not null");
  CHECK(columns_of(*this, "plugins") ==
        "id uuid not null, created_at timestamp with time zone not null, name text not null, "
        "service_id uuid not null, route_id uuid, enabled boolean not null");
}

TEST_CASE_METHOD(pg_fixture,
                 "migrate: a failure rolls everything back and leaves the session usable",
                 "[pg][migrate]") {
  // A view named like a table: CREATE TABLE IF NOT EXISTS skips it, CREATE INDEX on it fails.
  exec("CREATE VIEW plugins AS SELECT 1 AS x");
  typedao::database<Service, Route, Plugin> db{conn};
  auto r = db.migrate();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::database_error);
  CHECK_FALSE(r.error().server.sqlstate.empty());
  CHECK_FALSE(r.error().message.empty());
  // Nothing was created, and the session is not left inside a failed transaction.
  CHECK(value("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") == "0");
  CHECK(PQtransactionStatus(conn.native_handle()) == PQTRANS_IDLE);

  exec("DROP VIEW plugins");
  REQUIRE_OK(db.migrate());
  CHECK(value("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") == "3");
}

TEST_CASE_METHOD(pg_fixture, "migrate: two sessions migrating at once both succeed",
                 "[pg][migrate][concurrency]") {
  std::vector<typedao::pg::connection> conns;
  for (int i = 0; i < 4; ++i) conns.push_back(open_second());
  std::vector<typedao::result<void>> results(conns.size(), typedao::result<void>{});
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < conns.size(); ++i)
    threads.emplace_back([&, i] {
      typedao::database<Plugin, Route, Service> db{conns[i]};
      results[i] = db.migrate();
    });
  for (auto& t : threads) t.join();
  for (auto& r : results) REQUIRE_OK(r);
  CHECK(value("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
              "WHERE schemaname = current_schema()") == "plugins,routes,services");
}

}  // namespace typedao_it_migrate
