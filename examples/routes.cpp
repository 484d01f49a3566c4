// Kong's routes, plugins and credentials in C++: one service with 5000 routes, paged and walked;
// plugins with a composite cache key; deleting the service cascades to its routes and plugins, and
// the DAO reports what went; credentials that expire (with_ttl). Runs against the server named by
// libpq's environment (scripts/pg-tmp run -- ./routes), in a schema of its own that it drops and
// recreates. Prints what happens; exits non-zero on the first surprise.

#include <typedao/typedao.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

struct Service {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  std::string host;
  std::int32_t port = 80;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, updated_at, name, host, port, tags))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

struct Route {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::optional<std::string> name;
  typedao::foreign<Service> service;  // column service_id; deleting the service deletes its routes
  std::vector<std::string> paths;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, created_at, updated_at, name, service, paths, tags))
TYPEDAO_ENTITY(Route, "routes", typedao::unique(&Route::name),
               typedao::on_delete(&Route::service, typedao::cascade))

// A plugin applies globally, to a route or to a service: one row per {name, route, service}.
struct Plugin {
  typedao::uuid id;
  typedao::timestamp created_at;
  std::string name;
  std::optional<typedao::foreign<Route>> route;
  std::optional<typedao::foreign<Service>> service;
  bool enabled = true;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, created_at, name, route, service, enabled))
TYPEDAO_ENTITY(Plugin, "plugins",
               typedao::cache_key(&Plugin::name, &Plugin::route, &Plugin::service),
               typedao::on_delete(&Plugin::route, typedao::cascade),
               typedao::on_delete(&Plugin::service, typedao::cascade))

struct Consumer {
  typedao::uuid id;
  typedao::timestamp created_at;
  std::optional<std::string> username;
};
BOOST_DESCRIBE_STRUCT(Consumer, (), (id, created_at, username))
TYPEDAO_ENTITY(Consumer, "consumers", typedao::unique(&Consumer::username))

// Kong's keyauth_credentials: rows may expire (hidden "ttl" column).
struct KeyAuthCredential {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::foreign<Consumer> consumer;
  std::string key;
};
BOOST_DESCRIBE_STRUCT(KeyAuthCredential, (), (id, created_at, consumer, key))
TYPEDAO_ENTITY(KeyAuthCredential, "keyauth_credentials", typedao::with_ttl,
               typedao::unique(&KeyAuthCredential::key),
               typedao::cache_key(&KeyAuthCredential::key),
               typedao::on_delete(&KeyAuthCredential::consumer, typedao::cascade))

using Db = typedao::database<Service, Route, Plugin, Consumer, KeyAuthCredential>;

namespace {

[[noreturn]] void fail(const char* what, const typedao::error& e) {
  std::fprintf(stderr, "FAILED: %s: %s\n", what, e.to_string().c_str());
  std::exit(1);
}
[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "FAILED: %s\n", what);
  std::exit(1);
}
// The value of a result, or the end of the program.
template <class R>
auto check(const char* what, R&& r) {
  if (!r) fail(what, r.error());
  if constexpr (!std::is_void_v<typename std::remove_cvref_t<R>::value_type>) return std::move(*r);
}
void expect(bool ok, const char* what) {
  if (!ok) fail(what);
}

using clock_type = std::chrono::steady_clock;
double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

// An offset token starts with a fingerprint of its query (the same on every page) and ends with
// the last key of the page: show the end.
std::string shorten(const std::optional<std::string>& offset) {
  if (!offset) return "none (last page)";
  return "..." + offset->substr(offset->size() - 16) + " (" + std::to_string(offset->size()) +
         " chars)";
}

std::string ttl_text(const std::optional<std::int64_t>& t) {
  return t ? std::to_string(*t) + " s" : std::string("never expires");
}

}  // namespace

int main() {
  auto conn = check("connect", typedao::pg::connect());

  // A schema of our own: re-runs start empty and other programs' tables are not in the way.
  check("schema", conn.execute_script("DROP SCHEMA IF EXISTS example_routes CASCADE;"
                                      "CREATE SCHEMA example_routes;"
                                      "SET search_path TO example_routes"));
  Db db{conn};
  check("migrate", db.migrate());
  std::printf(
      "== schema example_routes: services, routes, plugins, consumers, keyauth_credentials\n");

  auto services = db.dao<Service>();
  auto routes = db.dao<Route>();
  auto plugins = db.dao<Plugin>();

  // ---- 5000 routes for one service --------------------------------------------------------
  constexpr int route_count = 5000;
  auto svc =
      check("insert service", services.insert({.name = "orders", .host = "orders.internal"}));
  auto t0 = clock_type::now();
  std::vector<Route> some_routes;
  for (int i = 0; i < route_count; ++i) {
    auto r = check("insert route", routes.insert({.name = "orders-" + std::to_string(i),
                                                  .service = svc,
                                                  .paths = {"/orders/" + std::to_string(i)}}));
    if (i < 3) some_routes.push_back(std::move(r));
  }
  std::printf("\n== inserted service %s and %d routes in %.0f ms\n", svc.name->c_str(), route_count,
              ms_since(t0));

  // ---- page_for: one page at a time, the offset token carries the position ---------------
  std::printf("\n== routes.page_for<&Route::service>(svc, 1000, offset)\n");
  std::string offset;
  int pages = 0;
  std::int64_t seen = 0;
  t0 = clock_type::now();
  for (;;) {
    auto pg = check("page_for", routes.page_for<&Route::service>(svc, 1000, offset));
    ++pages;
    seen += static_cast<std::int64_t>(pg.rows.size());
    std::printf("page %d: %zu rows, next offset %s\n", pages, pg.rows.size(),
                shorten(pg.offset).c_str());
    if (!pg.offset) break;
    offset = *pg.offset;
  }
  std::printf("%d pages, %lld routes in %.0f ms\n", pages, static_cast<long long>(seen),
              ms_since(t0));
  expect(pages == 5 && seen == route_count, "page_for: 5 full pages and no empty sixth one");

  // ---- each_for: the same walk as a range, 500 rows per round trip -----------------------
  std::printf("\n== for (auto&& r : routes.each_for<&Route::service>(svc, 500))\n");
  std::int64_t walked = 0;
  auto range = routes.each_for<&Route::service>(svc, 500);
  for (auto&& r : range) {
    if (!r) fail("each_for", r.error());
    ++walked;
  }
  std::printf("%lld routes in %zu pages\n", static_cast<long long>(walked), range.page_number());
  expect(walked == route_count && range.page_number() == 10, "each_for: 5000 routes in 10 pages");

  auto n_for = check("count_for", routes.count_for<&Route::service>(svc));
  std::printf("\n== routes.count_for<&Route::service>(svc) = %lld\n",
              static_cast<long long>(n_for));
  expect(n_for == route_count, "count_for");

  // ---- plugins: composite cache key {name, route, service} -------------------------------
  std::printf("\n== plugins: one on the service, one on each of 3 routes, one global\n");
  auto key_auth = check("insert plugin", plugins.insert({.name = "key-auth", .service = svc}));
  for (auto& r : some_routes)
    check("insert plugin", plugins.insert({.name = "rate-limiting", .route = r}));
  auto cors = check("insert plugin", plugins.insert({.name = "cors"}));
  std::printf("cache_key(key-auth on the service) = %s\n", plugins.cache_key(key_auth).c_str());
  std::printf("cache_key(global cors)             = %s\n", plugins.cache_key(cors).c_str());

  auto found = check("select_by_cache_key",
                     plugins.select_by_cache_key(Plugin{.name = "key-auth", .service = svc}));
  expect(found && found->id == key_auth.id, "select_by_cache_key finds the key-auth plugin");
  std::printf("select_by_cache_key({key-auth, service}) -> plugin %s\n",
              typedao::to_string(found->id).c_str());

  auto dup = plugins.insert({.name = "key-auth", .service = svc});
  expect(!dup && dup.error().code == typedao::error_code::unique_violation,
         "second key-auth on the service");
  std::printf("second key-auth on the service: %s %s\n",
              std::string(dup.error().constant()).c_str(), dup.error().message.c_str());

  // ---- cascade: deleting the service removes its routes and their plugins ----------------
  std::printf("\n== services.remove(svc)\n");
  t0 = clock_type::now();
  auto removed = check("remove service", services.remove(svc));
  std::printf("removed in %.0f ms, cascading to %zu routes and %zu plugins (%zu rows in all)\n",
              ms_since(t0), removed.of<Route>().size(), removed.of<Plugin>().size(),
              removed.cascaded_count());
  expect(removed.of<Route>().size() == route_count, "cascade report: every route");
  expect(removed.of<Plugin>().size() == 4,
         "cascade report: key-auth and the 3 rate-limiting plugins");
  auto routes_left = check("count routes", routes.count());
  auto plugins_left = check("count plugins", plugins.count());
  std::printf("routes.count() = %lld, plugins.count() = %lld (the global cors plugin stays)\n",
              static_cast<long long>(routes_left), static_cast<long long>(plugins_left));
  expect(routes_left == 0 && plugins_left == 1, "counts after the cascade");

  // ---- TTL: credentials that expire -------------------------------------------------------
  std::printf("\n== keyauth_credentials (with_ttl)\n");
  auto consumers = db.dao<Consumer>();
  auto creds = db.dao<KeyAuthCredential>();
  auto alice = check("insert consumer", consumers.insert({.username = "alice"}));
  auto hour = check("insert credential", creds.insert({.consumer = alice, .key = "key-hour"},
                                                      typedao::write_options{.ttl = 3600}));
  auto forever =
      check("insert credential", creds.insert({.consumer = alice, .key = "key-forever"}));
  auto brief = check("insert credential", creds.insert({.consumer = alice, .key = "key-brief"},
                                                       typedao::write_options{.ttl = 1}));
  std::printf("ttl(key-hour)    = %s\n", ttl_text(check("ttl", creds.ttl(hour.id))).c_str());
  std::printf("ttl(key-forever) = %s\n", ttl_text(check("ttl", creds.ttl(forever.id))).c_str());
  std::printf("ttl(key-brief)   = %s\n", ttl_text(check("ttl", creds.ttl(brief.id))).c_str());

  auto bad = creds.insert({.consumer = alice, .key = "key-bad"}, typedao::write_options{.ttl = -5});
  expect(!bad && bad.error().code == typedao::error_code::invalid_options, "negative ttl");
  std::printf("ttl = -5: %s %s\n", std::string(bad.error().constant()).c_str(),
              bad.error().message.c_str());

  std::printf("sleeping 1.5 s so that key-brief expires...\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  auto gone = check("select", creds.select(brief.id));
  auto still =
      check("select skip_ttl", creds.select(brief.id, typedao::read_options{.skip_ttl = true}));
  std::printf("select(key-brief)                     -> %s\n",
              gone ? "found" : "nothing (expired)");
  std::printf("select(key-brief, {.skip_ttl = true}) -> %s\n",
              still ? ("found " + still->key).c_str() : "nothing");
  expect(!gone && still, "an expired row is hidden, unless skip_ttl");
  auto by_key = check("select_by", creds.select_by<&KeyAuthCredential::key>("key-brief"));
  expect(!by_key, "select_by hides the expired row too");
  auto expired_ttl = creds.ttl(brief.id);
  expect(!expired_ttl && expired_ttl.error().code == typedao::error_code::not_found,
         "ttl of an expired row");
  std::printf("ttl(key-brief): %s %s\n", std::string(expired_ttl.error().constant()).c_str(),
              expired_ttl.error().message.c_str());
  auto live = check("count credentials", creds.count());
  std::printf("creds.count() = %lld (expired rows are not counted)\n",
              static_cast<long long>(live));
  expect(live == 2, "count skips the expired row");

  auto purged = check("purge_expired", creds.purge_expired());
  std::printf("creds.purge_expired() = %lld\n", static_cast<long long>(purged));
  expect(purged == 1, "one expired row purged");
  auto after =
      check("select skip_ttl", creds.select(brief.id, typedao::read_options{.skip_ttl = true}));
  std::printf("select(key-brief, {.skip_ttl = true}) after the purge -> %s\n",
              after ? "found" : "nothing");
  expect(!after, "the purged row is gone for good");

  check("drop schema", conn.execute_script("DROP SCHEMA example_routes CASCADE"));
  std::printf("\nOK\n");
  return 0;
}
