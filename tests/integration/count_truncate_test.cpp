// count() / count_for<&Child::fk>(parent) and truncate() against a real PostgreSQL. truncate() is
// Kong's `TRUNCATE <table> RESTART IDENTITY CASCADE`: it empties the table and every table with a
// foreign key to it (children and grandchildren, whatever their on_delete), but not its parents.

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace typedao_it_count_truncate {

namespace {

struct Service {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

// restrict (default): TRUNCATE CASCADE ignores on_delete.
struct Route {
  typedao::uuid id;
  typedao::foreign<Service> service;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, service, name))
TYPEDAO_ENTITY(Route, "routes")

struct Plugin {
  typedao::uuid id;
  std::optional<typedao::foreign<Route>> route;
  std::optional<typedao::foreign<Service>> service;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, route, service, name))
TYPEDAO_ENTITY(Plugin, "plugins", typedao::on_delete(&Plugin::service, typedao::set_null))

// Unrelated to services.
struct Consumer {
  typedao::uuid id;
  std::string username;
};
BOOST_DESCRIBE_STRUCT(Consumer, (), (id, username))
TYPEDAO_ENTITY(Consumer, "consumers")

struct Tenant {
  std::string org;
  std::int32_t num = 0;
};
BOOST_DESCRIBE_STRUCT(Tenant, (), (org, num))
TYPEDAO_ENTITY(Tenant, "tenants", typedao::primary_key(&Tenant::org, &Tenant::num))

struct Seat {
  std::int64_t id = 0;
  typedao::foreign<Tenant> tenant;
};
BOOST_DESCRIBE_STRUCT(Seat, (), (id, tenant))
TYPEDAO_ENTITY(Seat, "seats")

using typedao_test::dao_t;
using typedao_test::pg_fixture;
using db_t = typedao::database<Service, Route, Plugin, Consumer, Tenant, Seat>;
using tenant_key = std::tuple<std::string, std::int32_t>;

struct count_fixture : pg_fixture {
  db_t db{conn};
  dao_t<db_t, Service> services = db.dao<Service>();
  dao_t<db_t, Route> routes = db.dao<Route>();
  dao_t<db_t, Plugin> plugins = db.dao<Plugin>();
  dao_t<db_t, Consumer> consumers = db.dao<Consumer>();
  dao_t<db_t, Tenant> tenants = db.dao<Tenant>();
  dao_t<db_t, Seat> seats = db.dao<Seat>();
  count_fixture() { REQUIRE_OK(db.migrate()); }

  template <class D>
  std::int64_t n(D& d) {
    auto r = d.count();
    REQUIRE_OK(r);
    return *r;
  }
  Service svc(std::string name) {
    auto r = services.insert({.name = std::move(name)});
    REQUIRE_OK(r);
    return *r;
  }
  Route route(const Service& s, std::string name) {
    auto r = routes.insert({.service = s, .name = std::move(name)});
    REQUIRE_OK(r);
    return *r;
  }
};

}  // namespace

TEST_CASE_METHOD(count_fixture, "count: the number of rows, following inserts and removes",
                 "[pg][count]") {
  CHECK(n(services) == 0);
  auto a = svc("a");
  CHECK(n(services) == 1);
  svc("b");
  svc("c");
  CHECK(n(services) == 3);
  REQUIRE_OK(services.remove(a.id));
  CHECK(n(services) == 2);
  exec(
      "INSERT INTO consumers (id, username) SELECT gen_random_uuid(), 'u' || g FROM "
      "generate_series(1, 1234) AS g");
  CHECK(n(consumers) == 1234);
  CHECK(n(services) == 2);  // per table
}

TEST_CASE_METHOD(count_fixture, "count_for: the children of one parent (entity or key)",
                 "[pg][count]") {
  auto s1 = svc("s1");
  auto s2 = svc("s2");
  auto lonely = svc("lonely");
  for (int i = 0; i < 5; ++i) route(s1, "a" + std::to_string(i));
  for (int i = 0; i < 2; ++i) route(s2, "b" + std::to_string(i));
  auto c1 = routes.count_for<&Route::service>(s1);
  REQUIRE_OK(c1);
  CHECK(*c1 == 5);
  auto c2 = routes.count_for<&Route::service>(s2.id);
  REQUIRE_OK(c2);
  CHECK(*c2 == 2);
  auto c0 = routes.count_for<&Route::service>(lonely);
  REQUIRE_OK(c0);
  CHECK(*c0 == 0);
  // A parent that does not exist: 0, not an error.
  auto ghost = routes.count_for<&Route::service>(typedao::generate_uuid());
  REQUIRE_OK(ghost);
  CHECK(*ghost == 0);
  // An optional foreign key: only rows pointing at the parent.
  auto r = route(s1, "with-plugins");
  REQUIRE_OK(plugins.insert({.route = r, .name = "p1"}));
  REQUIRE_OK(plugins.insert({.route = r, .service = s2, .name = "p2"}));
  REQUIRE_OK(plugins.insert({.name = "global"}));
  auto pr = plugins.count_for<&Plugin::route>(r);
  REQUIRE_OK(pr);
  CHECK(*pr == 2);
  auto ps = plugins.count_for<&Plugin::service>(s2);
  REQUIRE_OK(ps);
  CHECK(*ps == 1);
  CHECK(n(plugins) == 3);
  // It agrees with page_for.
  auto page = routes.page_for<&Route::service>(s1);
  REQUIRE_OK(page);
  auto c = routes.count_for<&Route::service>(s1);
  REQUIRE_OK(c);
  CHECK(static_cast<std::int64_t>(page->rows.size()) == *c);
}

TEST_CASE_METHOD(count_fixture, "count_for: a composite-key parent", "[pg][count][composite]") {
  REQUIRE_OK(tenants.insert({.org = "acme", .num = 1}));
  REQUIRE_OK(tenants.insert({.org = "acme", .num = 2}));
  REQUIRE_OK(tenants.insert({.org = "globex", .num = 1}));
  for (std::int64_t i = 1; i <= 6; ++i)
    REQUIRE_OK(
        seats.insert({.id = i, .tenant = tenant_key{i <= 3 ? "acme" : "globex", i == 3 ? 2 : 1}}));
  auto check = [&](tenant_key k, std::int64_t expected) {
    auto c = seats.count_for<&Seat::tenant>(k);
    REQUIRE_OK(c);
    CHECK(*c == expected);
  };
  check({"acme", 1}, 2);
  check({"acme", 2}, 1);
  check({"globex", 1}, 3);
  check({"globex", 2}, 0);  // both parts matter
  check({"nobody", 1}, 0);
  auto e = seats.count_for<&Seat::tenant>(Tenant{.org = "acme", .num = 1});
  REQUIRE_OK(e);
  CHECK(*e == 2);
}

TEST_CASE_METHOD(count_fixture,
                 "truncate: empties the table and, CASCADE, its child and grandchild tables",
                 "[pg][truncate]") {
  auto s = svc("s");
  auto r = route(s, "r");
  REQUIRE_OK(plugins.insert({.route = r, .name = "on-route"}));
  REQUIRE_OK(plugins.insert({.service = s, .name = "on-service"}));
  REQUIRE_OK(
      plugins.insert({.name = "global"}));  // references nothing: still emptied (whole table)
  REQUIRE_OK(consumers.insert({.username = "u"}));
  REQUIRE_OK(tenants.insert({.org = "acme", .num = 1}));

  REQUIRE_OK(services.truncate());
  CHECK(count("services") == 0);
  CHECK(count("routes") == 0);   // child, on_delete restrict
  CHECK(count("plugins") == 0);  // grandchild and set_null child
  CHECK(n(services) == 0);
  CHECK(n(routes) == 0);
  CHECK(n(plugins) == 0);
  // Unrelated tables are untouched.
  CHECK(count("consumers") == 1);
  CHECK(count("tenants") == 1);
  // Truncating an empty table is fine, and the table is usable afterwards.
  REQUIRE_OK(services.truncate());
  svc("again");
  CHECK(n(services) == 1);
}

TEST_CASE_METHOD(count_fixture, "truncate: a child table alone leaves its parents",
                 "[pg][truncate]") {
  auto s = svc("s");
  auto r = route(s, "r");
  REQUIRE_OK(plugins.insert({.route = r, .name = "p"}));
  REQUIRE_OK(routes.truncate());
  CHECK(count("services") == 1);
  CHECK(count("routes") == 0);
  CHECK(count("plugins") == 0);  // its own child

  REQUIRE_OK(plugins.insert({.service = s, .name = "q"}));
  REQUIRE_OK(plugins.truncate());
  CHECK(count("services") == 1);
  CHECK(count("plugins") == 0);

  // Composite-key parent.
  REQUIRE_OK(tenants.insert({.org = "acme", .num = 1}));
  REQUIRE_OK(seats.insert({.id = 1, .tenant = tenant_key{"acme", 1}}));
  REQUIRE_OK(tenants.truncate());
  CHECK(count("tenants") == 0);
  CHECK(count("seats") == 0);
}

}  // namespace typedao_it_count_truncate
