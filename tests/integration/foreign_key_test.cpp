// foreign<> members against a real PostgreSQL: FOREIGN_KEY_VIOLATION for a missing parent (insert,
// update, upsert), restrict (the default) refusing to delete a referenced parent, cascade over
// three levels, set_null detaching children.

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

// Entities live in a namespace named after this file, not only an anonymous one: g++ 12 gives
// templates keyed on a member pointer (typedao::set<&Service::name>, set_t<...>) weak external
// linkage even for a class in an anonymous namespace, so same-named entities of different test
// files would share (and corrupt) each other's instantiations.
namespace typedao_it_foreign_key {
namespace {

struct Service {
  typedao::uuid id;
  typedao::timestamp created_at;
  std::optional<std::string> name;
  std::string host;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, name, host))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

// restrict (the default)
struct Route {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  typedao::foreign<Service> service;
  std::vector<std::string> paths;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, created_at, updated_at, name, service, paths))
TYPEDAO_ENTITY(Route, "routes", typedao::unique(&Route::name))

// cascade from routes, set_null from services
struct Plugin {
  typedao::uuid id;
  std::string name;
  std::optional<typedao::foreign<Route>> route;
  std::optional<typedao::foreign<Service>> service;
  bool enabled = true;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, name, route, service, enabled))
TYPEDAO_ENTITY(Plugin, "plugins", typedao::on_delete(&Plugin::route, typedao::cascade),
               typedao::on_delete(&Plugin::service, typedao::set_null))

// Three levels of cascade: orgs <- teams <- members.
struct Org {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Org, (), (id, name))
TYPEDAO_ENTITY(Org, "orgs")

struct Team {
  typedao::uuid id;
  typedao::foreign<Org> org;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Team, (), (id, org, name))
TYPEDAO_ENTITY(Team, "teams", typedao::on_delete(&Team::org, typedao::cascade))

struct Member {
  typedao::uuid id;
  typedao::foreign<Team> team;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Member, (), (id, team, name))
TYPEDAO_ENTITY(Member, "members", typedao::on_delete(&Member::team, typedao::cascade))

using typedao::set;
using typedao_test::pg_fixture;
using conn_t = typedao::pg::connection;

// Children listed before parents on purpose: migrate() must order them.
using db_t = typedao::database<Member, Plugin, Route, Team, Service, Org>;

struct fk_fixture : pg_fixture {
  db_t db{conn};
  typedao_test::dao_t<db_t, Service> services = db.dao<Service>();
  typedao_test::dao_t<db_t, Route> routes = db.dao<Route>();
  typedao_test::dao_t<db_t, Plugin> plugins = db.dao<Plugin>();
  typedao_test::dao_t<db_t, Org> orgs = db.dao<Org>();
  typedao_test::dao_t<db_t, Team> teams = db.dao<Team>();
  typedao_test::dao_t<db_t, Member> members = db.dao<Member>();
  fk_fixture() { REQUIRE_OK(db.migrate()); }

  Service add_service(std::string name) {
    auto r = services.insert({.name = std::move(name), .host = "h"});
    REQUIRE_OK(r);
    return *r;
  }
  Route add_route(const Service& s, std::string name) {
    auto r = routes.insert({.name = std::move(name), .service = s, .paths = {"/"}});
    REQUIRE_OK(r);
    return *r;
  }
};

const typedao::uuid missing_id = *typedao::parse_uuid("deadbeef-0000-4000-8000-000000000001");
const std::string missing_text = "deadbeef-0000-4000-8000-000000000001";

void check_missing_service(const typedao::error& e) {
  CHECK(e.code == typedao::error_code::foreign_key_violation);
  CHECK(static_cast<int>(e.code) == 4);
  CHECK(e.constant() == "FOREIGN_KEY_VIOLATION");
  CHECK(e.name() == "foreign key violation");
  CHECK(e.message == "the foreign key '{id=\"" + missing_text +
                         "\"}' does not reference an existing 'services' entity.");
  REQUIRE(e.fields.size() == 1);
  CHECK(e.fields[0] == typedao::field_detail{"service.id", missing_text});
  CHECK(e.entity == "services");
  CHECK(e.server.sqlstate == "23503");
}

}  // namespace
}  // namespace typedao_it_foreign_key

namespace typedao_it_foreign_key {

TEST_CASE_METHOD(fk_fixture, "foreign: a child stores its parent's key and reads it back",
                 "[pg][fk]") {
  auto s = add_service("svc");
  auto r = add_route(s, "r1");
  CHECK(r.service.key() == s.id);
  CHECK(value("SELECT service_id::text FROM routes") == typedao::to_string(s.id));
  auto back = routes.select(r.id);
  REQUIRE_OK(back);
  REQUIRE(back->has_value());
  CHECK((*back)->service.key() == s.id);
  CHECK((*back)->service == typedao::foreign<Service>(s));

  // A foreign<> also converts from the key alone.
  auto r2 = routes.insert({.name = "r2", .service = s.id});
  REQUIRE_OK(r2);
  CHECK(r2->service.key() == s.id);

  // Optional foreign keys: NULL when empty.
  auto p = plugins.insert({.name = "cors"});
  REQUIRE_OK(p);
  CHECK(p->route == std::nullopt);
  CHECK(p->service == std::nullopt);
  CHECK(value("SELECT (route_id IS NULL AND service_id IS NULL)::text FROM plugins") == "true");
  auto q = plugins.insert({.name = "acl", .route = r, .service = s});
  REQUIRE_OK(q);
  REQUIRE(q->route.has_value());
  CHECK(q->route->key() == r.id);
  REQUIRE(q->service.has_value());
  CHECK(q->service->key() == s.id);
}

TEST_CASE_METHOD(fk_fixture, "FOREIGN_KEY_VIOLATION: inserting a child whose parent does not exist",
                 "[pg][fk]") {
  add_service("svc");
  auto r = routes.insert({.name = "orphan", .service = missing_id});
  REQUIRE_FALSE(r);
  check_missing_service(r.error());
  CHECK(r.error().server.constraint == "routes_service_fkey");
  CHECK(r.error().server.table == "routes");
  CHECK(count("routes") == 0);
}

TEST_CASE_METHOD(fk_fixture, "FOREIGN_KEY_VIOLATION: an optional foreign key to a missing parent",
                 "[pg][fk]") {
  auto r = plugins.insert({.name = "p", .service = typedao::foreign<Service>(missing_id)});
  REQUIRE_FALSE(r);
  check_missing_service(r.error());
  CHECK(r.error().server.constraint == "plugins_service_fkey");
  CHECK(count("plugins") == 0);
}

TEST_CASE_METHOD(fk_fixture, "FOREIGN_KEY_VIOLATION: updating a child to a missing parent",
                 "[pg][fk]") {
  auto s = add_service("svc");
  auto route = add_route(s, "r1");
  auto r = routes.update(route.id, set<&Route::service>(missing_id));
  REQUIRE_FALSE(r);
  check_missing_service(r.error());
  CHECK(value("SELECT service_id::text FROM routes") == typedao::to_string(s.id));

  auto by = routes.update_by<&Route::name>("r1", set<&Route::service>(missing_id));
  REQUIRE_FALSE(by);
  check_missing_service(by.error());
  CHECK(value("SELECT service_id::text FROM routes") == typedao::to_string(s.id));
}

TEST_CASE_METHOD(fk_fixture, "FOREIGN_KEY_VIOLATION: upserting a child with a missing parent",
                 "[pg][fk]") {
  auto s = add_service("svc");
  auto route = add_route(s, "r1");
  auto r = routes.upsert(route.id, {.name = "r1", .service = missing_id});
  REQUIRE_FALSE(r);
  check_missing_service(r.error());
  auto by = routes.upsert_by<&Route::name>("new", {.service = missing_id});
  REQUIRE_FALSE(by);
  check_missing_service(by.error());
  CHECK(count("routes") == 1);
  CHECK(value("SELECT service_id::text FROM routes") == typedao::to_string(s.id));
}

TEST_CASE_METHOD(fk_fixture, "update: moving a child to another existing parent", "[pg][fk]") {
  auto a = add_service("a");
  auto b = add_service("b");
  auto route = add_route(a, "r1");
  auto r = routes.update(route.id, set<&Route::service>(b));
  REQUIRE_OK(r);
  CHECK(r->service.key() == b.id);
  CHECK(value("SELECT service_id::text FROM routes") == typedao::to_string(b.id));
}

TEST_CASE_METHOD(fk_fixture,
                 "restrict (default): deleting a referenced parent is FOREIGN_KEY_VIOLATION",
                 "[pg][fk][restrict]") {
  auto s = add_service("svc");
  add_route(s, "r1");
  auto r = services.remove(s.id);
  REQUIRE_FALSE(r);
  const auto& e = r.error();
  CHECK(e.code == typedao::error_code::foreign_key_violation);
  CHECK(e.message == "an existing 'routes' entity references this 'services' entity");
  CHECK(e.to_string() ==
        "[postgres] an existing 'routes' entity references this 'services' entity");
  REQUIRE(e.fields.size() == 1);
  CHECK(e.fields[0] == typedao::field_detail{"@referenced_by", "routes"});
  CHECK(e.entity == "routes");
  CHECK(e.server.sqlstate == "23503");
  CHECK(e.server.constraint == "routes_service_fkey");
  CHECK(count("services") == 1);
  CHECK(count("routes") == 1);

  // remove_by and remove(entity) take the same path.
  auto by = services.remove_by<&Service::name>("svc");
  REQUIRE_FALSE(by);
  CHECK(by.error().message == "an existing 'routes' entity references this 'services' entity");
  auto ent = services.remove(s);
  REQUIRE_FALSE(ent);
  CHECK(ent.error().code == typedao::error_code::foreign_key_violation);
  CHECK(count("services") == 1);

  // Once the child is gone the parent can be deleted.
  REQUIRE_OK(routes.remove_by<&Route::name>("r1"));
  REQUIRE_OK(services.remove(s.id));
  CHECK(count("services") == 0);
}

TEST_CASE_METHOD(fk_fixture,
                 "cascade: deleting a parent removes children and grandchildren (3 levels)",
                 "[pg][fk][cascade]") {
  auto keep = orgs.insert({.name = "keep"});
  auto drop = orgs.insert({.name = "drop"});
  REQUIRE_OK(keep);
  REQUIRE_OK(drop);
  std::vector<Team> drop_teams;
  for (int i = 0; i < 3; ++i) {
    auto t = teams.insert({.org = *drop, .name = "t" + std::to_string(i)});
    REQUIRE_OK(t);
    drop_teams.push_back(*t);
    for (int j = 0; j < 2; ++j)
      REQUIRE_OK(members.insert({.team = *t, .name = "m" + std::to_string(j)}));
  }
  auto kt = teams.insert({.org = *keep, .name = "kt"});
  REQUIRE_OK(kt);
  REQUIRE_OK(members.insert({.team = *kt, .name = "km"}));
  CHECK(count("teams") == 4);
  CHECK(count("members") == 7);

  REQUIRE_OK(orgs.remove(drop->id));
  CHECK(count("orgs") == 1);
  CHECK(count("teams") == 1);
  CHECK(count("members") == 1);
  CHECK(value("SELECT name FROM teams") == "kt");
  CHECK(value("SELECT name FROM members") == "km");
  for (auto& t : drop_teams) {
    auto gone = teams.select(t.id);
    REQUIRE_OK(gone);
    CHECK_FALSE(gone->has_value());
  }
}

TEST_CASE_METHOD(fk_fixture, "cascade: deleting a route removes its plugins", "[pg][fk][cascade]") {
  auto s = add_service("svc");
  auto r1 = add_route(s, "r1");
  auto r2 = add_route(s, "r2");
  REQUIRE_OK(plugins.insert({.name = "p1", .route = r1}));
  REQUIRE_OK(plugins.insert({.name = "p2", .route = r1}));
  REQUIRE_OK(plugins.insert({.name = "p3", .route = r2}));
  REQUIRE_OK(routes.remove(r1.id));
  CHECK(count("plugins") == 1);
  CHECK(value("SELECT name FROM plugins") == "p3");
}

TEST_CASE_METHOD(fk_fixture, "set_null: deleting a parent detaches its children",
                 "[pg][fk][set_null]") {
  auto s = add_service("svc");
  auto other = add_service("other");
  auto p = plugins.insert({.name = "p", .service = s});
  auto q = plugins.insert({.name = "q", .service = other});
  REQUIRE_OK(p);
  REQUIRE_OK(q);
  REQUIRE_OK(services.remove(s.id));

  CHECK(count("plugins") == 2);
  auto back = plugins.select(p->id);
  REQUIRE_OK(back);
  REQUIRE(back->has_value());
  CHECK((*back)->service == std::nullopt);
  CHECK((*back)->name == "p");
  CHECK(value("SELECT (service_id IS NULL)::text FROM plugins WHERE name = 'p'") == "true");
  auto still = plugins.select(q->id);
  REQUIRE_OK(still);
  REQUIRE(still->has_value());
  REQUIRE((*still)->service.has_value());
  CHECK((*still)->service->key() == other.id);
}

TEST_CASE_METHOD(fk_fixture,
                 "foreign<>: a required foreign key left nil is a SCHEMA_VIOLATION before SQL",
                 "[pg][fk][bad_input]") {
  auto r = routes.insert({.name = "r"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::schema_violation);
  CHECK(r.error().message == "schema violation (service.id: missing primary key)");
  CHECK(r.error().fields ==
        std::vector<typedao::field_detail>{{"service.id", "missing primary key"}});
  CHECK(r.error().server.sqlstate.empty());
  CHECK(count("routes") == 0);

  // An update setting it to nil is refused the same way.
  auto s = add_service("svc");
  auto route = add_route(s, "r1");
  auto u = routes.update(route.id, set<&Route::service>(typedao::uuid{}));
  REQUIRE_FALSE(u);
  CHECK(u.error().code == typedao::error_code::schema_violation);
  CHECK(u.error().message == "schema violation (service.id: missing primary key)");
  CHECK(value("SELECT service_id::text FROM routes") == typedao::to_string(s.id));
}

}  // namespace typedao_it_foreign_key
