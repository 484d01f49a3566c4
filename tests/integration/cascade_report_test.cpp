// remove() / remove_by() report what on_delete cascade removed (for cache invalidation, as Kong
// emits delete events for every descendant): several levels deep, a descendant reachable by two
// paths reported once, composite keys in the report, restrict anywhere in the tree refusing the
// whole delete with nothing removed, set_null and restrict children never reported.
// (Plain restrict / cascade / set_null enforcement is covered by foreign_key_test.cpp.)

#include "pg_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

namespace typedao_it_cascade_report {

namespace {

struct Service {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

struct Route {
  typedao::uuid id;
  typedao::foreign<Service> service;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, service, name))
TYPEDAO_ENTITY(Route, "routes", typedao::unique(&Route::name),
               typedao::on_delete(&Route::service, typedao::cascade))

// On a route, on a service, or on both: cascade from each.
struct Plugin {
  typedao::uuid id;
  std::string name;
  std::optional<typedao::foreign<Route>> route;
  std::optional<typedao::foreign<Service>> service;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, name, route, service))
TYPEDAO_ENTITY(Plugin, "plugins", typedao::on_delete(&Plugin::route, typedao::cascade),
               typedao::on_delete(&Plugin::service, typedao::cascade))

// Third level below services.
struct Config {
  typedao::uuid id;
  typedao::foreign<Plugin> plugin;
  std::string body;
};
BOOST_DESCRIBE_STRUCT(Config, (), (id, plugin, body))
TYPEDAO_ENTITY(Config, "configs", typedao::on_delete(&Config::plugin, typedao::cascade))

// restrict (the default) on a route: deleting its service must fail as a whole.
struct Note {
  typedao::uuid id;
  std::optional<typedao::foreign<Route>> route;
  std::optional<typedao::foreign<Config>> config;  // restrict three levels below services
  std::string text;
};
BOOST_DESCRIBE_STRUCT(Note, (), (id, route, config, text))
TYPEDAO_ENTITY(Note, "notes")

// set_null: detached, never reported.
struct Upstream {
  typedao::uuid id;
  std::optional<typedao::foreign<Service>> service;
};
BOOST_DESCRIBE_STRUCT(Upstream, (), (id, service))
TYPEDAO_ENTITY(Upstream, "upstreams", typedao::on_delete(&Upstream::service, typedao::set_null))

// Composite keys on both sides of a cascade.
struct Tenant {
  std::string org;
  std::int32_t num = 0;
};
BOOST_DESCRIBE_STRUCT(Tenant, (), (org, num))
TYPEDAO_ENTITY(Tenant, "tenants", typedao::primary_key(&Tenant::org, &Tenant::num))

struct Desk {
  std::string building;
  std::int32_t floor = 0;
  typedao::foreign<Tenant> tenant;
};
BOOST_DESCRIBE_STRUCT(Desk, (), (building, floor, tenant))
TYPEDAO_ENTITY(Desk, "desks", typedao::primary_key(&Desk::building, &Desk::floor),
               typedao::on_delete(&Desk::tenant, typedao::cascade))

using typedao_test::dao_t;
using typedao_test::pg_fixture;
using db_t = typedao::database<Service, Route, Plugin, Config, Note, Upstream, Tenant, Desk>;
using desk_key = std::tuple<std::string, std::int32_t>;
using tenant_key = std::tuple<std::string, std::int32_t>;

// What each remove reports, by type: cascade descendants only, in registration order.
static_assert(
    std::is_same_v<dao_t<db_t, Service>::removed_type, typedao::removed<Route, Plugin, Config>>);
static_assert(std::is_same_v<dao_t<db_t, Route>::removed_type, typedao::removed<Plugin, Config>>);
static_assert(std::is_same_v<dao_t<db_t, Plugin>::removed_type, typedao::removed<Config>>);
static_assert(std::is_same_v<dao_t<db_t, Config>::removed_type, typedao::removed<>>);
static_assert(std::is_same_v<dao_t<db_t, Tenant>::removed_type, typedao::removed<Desk>>);
static_assert(std::is_same_v<typedao::dao<Service, typedao::pg::connection>::removed_type,
                             typedao::removed<>>);

struct cascade_fixture : pg_fixture {
  db_t db{conn};
  dao_t<db_t, Service> services = db.dao<Service>();
  dao_t<db_t, Route> routes = db.dao<Route>();
  dao_t<db_t, Plugin> plugins = db.dao<Plugin>();
  dao_t<db_t, Config> configs = db.dao<Config>();
  dao_t<db_t, Note> notes = db.dao<Note>();
  dao_t<db_t, Upstream> upstreams = db.dao<Upstream>();
  dao_t<db_t, Tenant> tenants = db.dao<Tenant>();
  dao_t<db_t, Desk> desks = db.dao<Desk>();
  cascade_fixture() { REQUIRE_OK(db.migrate()); }

  template <class D, class E>
  auto add(D& d, E e) {
    auto r = d.insert(e);
    REQUIRE_OK(r);
    return *r;
  }

  // A service tree:
  //   svc
  //   +- r1 -- p_r1a (config c1), p_r1b
  //   +- r2 -- p_both (also on svc directly; config c2)
  //   +- p_svc (directly on the service; config c3)
  //   +- upstream (set_null)
  //   and a plugin p_cross on r1 but on the other service.
  struct tree {
    Service svc, other;
    Route r1, r2, other_route;
    Plugin p_r1a, p_r1b, p_both, p_svc, p_cross, p_other;
    Config c1, c2, c3, c_other;
    Upstream up;
  };
  tree build() {
    tree t;
    t.svc = add(services, Service{.name = "svc"});
    t.other = add(services, Service{.name = "other"});
    t.r1 = add(routes, Route{.service = t.svc, .name = "r1"});
    t.r2 = add(routes, Route{.service = t.svc, .name = "r2"});
    t.other_route = add(routes, Route{.service = t.other, .name = "other-route"});
    t.p_r1a = add(plugins, Plugin{.name = "p_r1a", .route = t.r1});
    t.p_r1b = add(plugins, Plugin{.name = "p_r1b", .route = t.r1});
    t.p_both = add(plugins, Plugin{.name = "p_both", .route = t.r2, .service = t.svc});
    t.p_svc = add(plugins, Plugin{.name = "p_svc", .service = t.svc});
    t.p_cross = add(plugins, Plugin{.name = "p_cross", .route = t.r1, .service = t.other});
    t.p_other = add(plugins, Plugin{.name = "p_other", .route = t.other_route, .service = t.other});
    t.c1 = add(configs, Config{.plugin = t.p_r1a, .body = "c1"});
    t.c2 = add(configs, Config{.plugin = t.p_both, .body = "c2"});
    t.c3 = add(configs, Config{.plugin = t.p_svc, .body = "c3"});
    t.c_other = add(configs, Config{.plugin = t.p_other, .body = "c_other"});
    t.up = add(upstreams, Upstream{.service = t.svc});
    return t;
  }

  std::vector<long long> counts() {
    return {count("services"), count("routes"), count("plugins"),
            count("configs"),  count("notes"),  count("upstreams")};
  }
};

template <class K>
std::vector<K> sorted(std::vector<K> v) {
  std::sort(v.begin(), v.end());
  return v;
}
template <class K>
bool no_duplicates(const std::vector<K>& v) {
  return std::set<K>(v.begin(), v.end()).size() == v.size();
}

}  // namespace

TEST_CASE_METHOD(
    cascade_fixture,
    "remove: reports every descendant removed by cascade, several levels deep, once each",
    "[pg][cascade][report]") {
  auto t = build();
  auto r = services.remove(t.svc.id);
  REQUIRE_OK(r);

  const auto& rs = r->of<Route>();
  const auto& ps = r->of<Plugin>();
  const auto& cs = r->of<Config>();
  CHECK(no_duplicates(rs));
  CHECK(no_duplicates(ps));  // p_both is reachable through r2 and through svc
  CHECK(no_duplicates(cs));
  CHECK(sorted(rs) == sorted(std::vector<typedao::uuid>{t.r1.id, t.r2.id}));
  CHECK(sorted(ps) == sorted(std::vector<typedao::uuid>{t.p_r1a.id, t.p_r1b.id, t.p_both.id,
                                                        t.p_svc.id, t.p_cross.id}));
  CHECK(sorted(cs) == sorted(std::vector<typedao::uuid>{t.c1.id, t.c2.id, t.c3.id}));
  CHECK(r->cascaded_count() == 2 + 5 + 3);

  // The report matches what the database actually removed.
  CHECK(count("services") == 1);
  CHECK(count("routes") == 1);
  CHECK(count("plugins") == 1);
  CHECK(count("configs") == 1);
  CHECK(value("SELECT name FROM plugins") == "p_other");
  CHECK(value("SELECT body FROM configs") == "c_other");
  // set_null children stay, detached, and are not part of the report.
  CHECK(count("upstreams") == 1);
  CHECK(value("SELECT (service_id IS NULL)::text FROM upstreams") == "true");
}

TEST_CASE_METHOD(cascade_fixture, "remove: a route reports only its own plugins and their configs",
                 "[pg][cascade][report]") {
  auto t = build();
  auto r = routes.remove(t.r1);
  REQUIRE_OK(r);
  CHECK(sorted(r->of<Plugin>()) ==
        sorted(std::vector<typedao::uuid>{t.p_r1a.id, t.p_r1b.id, t.p_cross.id}));
  CHECK(r->of<Config>() == std::vector<typedao::uuid>{t.c1.id});
  CHECK(r->cascaded_count() == 4);
  CHECK(count("routes") == 2);
  CHECK(count("plugins") == 3);

  // A leaf reports nothing.
  auto c = configs.remove(t.c2.id);
  REQUIRE_OK(c);
  CHECK(c->cascaded_count() == 0);
  auto p = plugins.remove(t.p_svc.id);
  REQUIRE_OK(p);
  CHECK(p->of<Config>() == std::vector<typedao::uuid>{t.c3.id});
}

TEST_CASE_METHOD(cascade_fixture,
                 "remove: a parent without children, or a missing row, reports nothing",
                 "[pg][cascade][report]") {
  auto lonely = add(services, Service{.name = "lonely"});
  auto r = services.remove(lonely.id);
  REQUIRE_OK(r);
  CHECK(r->cascaded_count() == 0);
  CHECK(r->of<Route>().empty());
  CHECK(r->of<Plugin>().empty());
  CHECK(r->of<Config>().empty());
  auto again = services.remove(lonely.id);  // idempotent
  REQUIRE_OK(again);
  CHECK(again->cascaded_count() == 0);
  auto missing = services.remove(typedao::generate_uuid());
  REQUIRE_OK(missing);
  CHECK(missing->cascaded_count() == 0);
}

TEST_CASE_METHOD(cascade_fixture, "remove_by and remove(entity) report too",
                 "[pg][cascade][report]") {
  auto t = build();
  auto r = routes.remove_by<&Route::name>("r2");
  REQUIRE_OK(r);
  CHECK(r->of<Plugin>() == std::vector<typedao::uuid>{t.p_both.id});
  CHECK(r->of<Config>() == std::vector<typedao::uuid>{t.c2.id});
  CHECK(r->cascaded_count() == 2);

  auto s = services.remove_by<&Service::name>("svc");
  REQUIRE_OK(s);
  CHECK(s->of<Route>() == std::vector<typedao::uuid>{t.r1.id});
  CHECK(sorted(s->of<Plugin>()) ==
        sorted(std::vector<typedao::uuid>{t.p_r1a.id, t.p_r1b.id, t.p_svc.id, t.p_cross.id}));
  CHECK(sorted(s->of<Config>()) == sorted(std::vector<typedao::uuid>{t.c1.id, t.c3.id}));
  CHECK(s->cascaded_count() == 7);

  auto o = services.remove(t.other);
  REQUIRE_OK(o);
  CHECK(o->of<Route>() == std::vector<typedao::uuid>{t.other_route.id});
  CHECK(o->of<Plugin>() == std::vector<typedao::uuid>{t.p_other.id});
  CHECK(o->of<Config>() == std::vector<typedao::uuid>{t.c_other.id});
  CHECK(count("routes") == 0);
  CHECK(count("plugins") == 0);
  CHECK(count("configs") == 0);

  auto gone = services.remove_by<&Service::name>("svc");
  REQUIRE_OK(gone);
  CHECK(gone->cascaded_count() == 0);
}

TEST_CASE_METHOD(cascade_fixture,
                 "restrict one level down: FOREIGN_KEY_VIOLATION and nothing deleted",
                 "[pg][cascade][restrict]") {
  auto t = build();
  add(notes, Note{.route = t.r2, .text = "keep me"});
  const auto before = counts();

  auto r = services.remove(t.svc.id);
  REQUIRE_FALSE(r);
  const auto& e = r.error();
  CHECK(e.code == typedao::error_code::foreign_key_violation);
  CHECK(e.message == "an existing 'notes' entity references this 'services' entity");
  CHECK(e.fields == std::vector<typedao::field_detail>{{"@referenced_by", "notes"}});
  CHECK(e.entity == "notes");
  CHECK(e.server.sqlstate == "23503");
  CHECK(counts() == before);
  CHECK(value("SELECT (service_id IS NOT NULL)::text FROM upstreams") ==
        "true");  // set_null not applied

  auto by = services.remove_by<&Service::name>("svc");
  REQUIRE_FALSE(by);
  CHECK(by.error().code == typedao::error_code::foreign_key_violation);
  CHECK(counts() == before);

  // Deleting the route directly is refused too; its cascaded plugins stay.
  auto route = routes.remove(t.r2.id);
  REQUIRE_FALSE(route);
  CHECK(route.error().message == "an existing 'notes' entity references this 'routes' entity");
  CHECK(counts() == before);

  // Another service without restricted descendants can still go.
  REQUIRE_OK(services.remove(t.other.id));
}

TEST_CASE_METHOD(cascade_fixture,
                 "restrict three levels down: FOREIGN_KEY_VIOLATION and nothing deleted",
                 "[pg][cascade][restrict]") {
  auto t = build();
  auto note = add(notes, Note{.config = t.c3, .text = "deep"});  // svc -> p_svc -> c3 <- note
  const auto before = counts();

  auto r = services.remove(t.svc.id);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::foreign_key_violation);
  CHECK(r.error().message == "an existing 'notes' entity references this 'services' entity");
  CHECK(counts() == before);
  auto p = plugins.remove(t.p_svc.id);
  REQUIRE_FALSE(p);
  CHECK(p.error().code == typedao::error_code::foreign_key_violation);
  CHECK(counts() == before);

  // Routes of that service are not affected by that note: r1 can be deleted with its plugins.
  auto r1 = routes.remove(t.r1.id);
  REQUIRE_OK(r1);
  CHECK(r1->of<Plugin>().size() == 3);

  // Once the note is gone the service goes, reporting what is left.
  REQUIRE_OK(notes.remove(note.id));
  auto ok = services.remove(t.svc.id);
  REQUIRE_OK(ok);
  CHECK(ok->of<Route>() == std::vector<typedao::uuid>{t.r2.id});
  CHECK(sorted(ok->of<Plugin>()) == sorted(std::vector<typedao::uuid>{t.p_both.id, t.p_svc.id}));
  CHECK(sorted(ok->of<Config>()) == sorted(std::vector<typedao::uuid>{t.c2.id, t.c3.id}));
}

TEST_CASE_METHOD(cascade_fixture, "remove: composite keys in the report",
                 "[pg][cascade][report][composite]") {
  add(tenants, Tenant{.org = "acme", .num = 1});
  add(tenants, Tenant{.org = "acme", .num = 2});
  add(desks, Desk{.building = "hq", .floor = 1, .tenant = tenant_key{"acme", 1}});
  add(desks, Desk{.building = "hq", .floor = 2, .tenant = tenant_key{"acme", 1}});
  add(desks, Desk{.building = "annex", .floor = -1, .tenant = tenant_key{"acme", 1}});
  add(desks, Desk{.building = "hq", .floor = 3, .tenant = tenant_key{"acme", 2}});
  auto r = tenants.remove(tenant_key{"acme", 1});
  REQUIRE_OK(r);
  CHECK(sorted(r->of<Desk>()) == std::vector<desk_key>{{"annex", -1}, {"hq", 1}, {"hq", 2}});
  CHECK(r->cascaded_count() == 3);
  CHECK(count("desks") == 1);
}

TEST_CASE_METHOD(cascade_fixture,
                 "remove: a DAO outside a database reports nothing but the database still cascades",
                 "[pg][cascade][report]") {
  auto t = build();
  typedao::dao<Service, typedao::pg::connection> bare(conn);
  auto r = bare.remove(t.svc.id);
  REQUIRE_OK(r);
  CHECK(r->cascaded_count() == 0);
  CHECK(count("routes") == 1);
  CHECK(count("plugins") == 1);
}

}  // namespace typedao_it_cascade_report
