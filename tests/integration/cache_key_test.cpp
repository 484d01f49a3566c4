// Cache keys (typedao::cache_key, Kong's cache_key) against a real PostgreSQL: the exact
// "<table>:<v1>:<v2>:<v3>:<v4>:<v5>:" strings (single unique member, composite with foreign
// members, missing values empty, all empty -> primary key), the hidden cache_key column kept
// right by insert / update (of a cache-key member and of another member) / upsert / upsert_by,
// select_by_cache_key, and UNIQUE_VIOLATION on a duplicate composite cache key listing every
// cache-key member (insert, update, upsert).

#include "pg_fixture.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace typedao_it_cache_key {

namespace {

struct Service {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, name))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

struct Route {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, name))
TYPEDAO_ENTITY(Route, "routes")

// A single unique cache-key member: no hidden column.
struct Consumer {
  typedao::uuid id;
  std::string username;
  std::optional<std::string> custom_id;
};
BOOST_DESCRIBE_STRUCT(Consumer, (), (id, username, custom_id))
TYPEDAO_ENTITY(Consumer, "consumers", typedao::unique(&Consumer::username),
               typedao::cache_key(&Consumer::username))

// Kong's plugins: cache_key = { "name", "route", "service", "consumer" }.
struct Plugin {
  typedao::uuid id;
  std::string name;
  std::optional<typedao::foreign<Route>> route;
  std::optional<typedao::foreign<Service>> service;
  std::optional<typedao::foreign<Consumer>> consumer;
  bool enabled = true;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, name, route, service, consumer, enabled))
TYPEDAO_ENTITY(Plugin, "plugins",
               typedao::cache_key(&Plugin::name, &Plugin::route, &Plugin::service,
                                  &Plugin::consumer))

// Integers and booleans in a composite cache key, five members (every value slot), an integer key.
struct Limit {
  std::int64_t id = 0;
  std::string scope;
  std::int32_t window = 0;
  bool strict = false;
  std::optional<std::string> a;
  std::optional<std::string> b;
  std::string other;
};
BOOST_DESCRIBE_STRUCT(Limit, (), (id, scope, window, strict, a, b, other))
TYPEDAO_ENTITY(Limit, "limits",
               typedao::cache_key(&Limit::scope, &Limit::window, &Limit::strict, &Limit::a,
                                  &Limit::b))

using typedao::set;
using typedao_test::dao_t;
using typedao_test::pg_fixture;
using db_t = typedao::database<Service, Route, Consumer, Plugin, Limit>;
using plugin_dao = dao_t<db_t, Plugin>;

struct cache_key_fixture : pg_fixture {
  db_t db{conn};
  dao_t<db_t, Service> services = db.dao<Service>();
  dao_t<db_t, Route> routes = db.dao<Route>();
  dao_t<db_t, Consumer> consumers = db.dao<Consumer>();
  plugin_dao plugins = db.dao<Plugin>();
  dao_t<db_t, Limit> limits = db.dao<Limit>();
  cache_key_fixture() { REQUIRE_OK(db.migrate()); }

  Service svc(std::string name) {
    auto r = services.insert({.name = std::move(name)});
    REQUIRE_OK(r);
    return *r;
  }
  Route route(std::string name) {
    auto r = routes.insert({.name = std::move(name)});
    REQUIRE_OK(r);
    return *r;
  }
  Plugin plugin(Plugin p) {
    auto r = plugins.insert(p);
    REQUIRE_OK(r);
    return *r;
  }
  // The hidden column, read through SQL.
  std::string stored_key(const typedao::uuid& id) {
    return value("SELECT cache_key FROM plugins WHERE id = $1::uuid", {typedao::to_string(id)});
  }
  // Checks the column, cache_key() and select_by_cache_key agree for a stored plugin.
  void check_consistent(const Plugin& p, const std::string& expected) {
    INFO("plugin " << p.name);
    CHECK(plugin_dao::cache_key(p) == expected);
    CHECK(stored_key(p.id) == expected);
    auto by_string = plugins.select_by_cache_key(std::string_view(expected));
    REQUIRE_OK(by_string);
    REQUIRE(by_string->has_value());
    CHECK((*by_string)->id == p.id);
    auto by_entity = plugins.select_by_cache_key(p);
    REQUIRE_OK(by_entity);
    REQUIRE(by_entity->has_value());
    CHECK((*by_entity)->id == p.id);
  }
};

std::string str(const typedao::uuid& u) { return typedao::to_string(u); }

}  // namespace

TEST_CASE_METHOD(cache_key_fixture, "cache_key: the hidden column and its unique constraint",
                 "[pg][cache_key]") {
  CHECK(value("SELECT is_nullable FROM information_schema.columns WHERE table_schema = "
              "current_schema() "
              "AND table_name = 'plugins' AND column_name = 'cache_key'") == "NO");
  CHECK(value("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = "
              "'plugins_cache_key_key' "
              "AND connamespace = current_schema()::regnamespace") == "UNIQUE (cache_key)");
  // A single-member cache key uses the member's own unique constraint: no hidden column.
  CHECK(
      value("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = 'consumers' AND column_name = 'cache_key'") == "0");
}

TEST_CASE_METHOD(cache_key_fixture, "cache_key: Kong's exact strings", "[pg][cache_key][format]") {
  const auto sid = *typedao::parse_uuid("a1b2c3d4-0000-4000-8000-00000000000a");
  const auto rid = *typedao::parse_uuid("b1b2c3d4-0000-4000-8000-00000000000b");
  const auto cid = *typedao::parse_uuid("c1b2c3d4-0000-4000-8000-00000000000c");
  const auto pid = *typedao::parse_uuid("d1b2c3d4-0000-4000-8000-00000000000d");

  // Single unique member.
  CHECK(dao_t<db_t, Consumer>::cache_key({.username = "alice"}) == "consumers:alice:::::");
  // Composite with foreign members (by their key), missing values empty.
  CHECK(plugin_dao::cache_key({.name = "key-auth", .service = sid}) ==
        "plugins:key-auth::a1b2c3d4-0000-4000-8000-00000000000a:::");
  CHECK(plugin_dao::cache_key({.name = "key-auth", .route = rid}) ==
        "plugins:key-auth:b1b2c3d4-0000-4000-8000-00000000000b::::");
  CHECK(plugin_dao::cache_key({.name = "acl", .route = rid, .service = sid, .consumer = cid}) ==
        "plugins:acl:b1b2c3d4-0000-4000-8000-00000000000b:a1b2c3d4-0000-4000-8000-00000000000a:"
        "c1b2c3d4-0000-4000-8000-00000000000c::");
  CHECK(plugin_dao::cache_key({.name = "cors"}) == "plugins:cors:::::");
  // Members outside the cache key never matter.
  CHECK(plugin_dao::cache_key({.id = pid, .name = "cors", .enabled = false}) ==
        "plugins:cors:::::");
  // All values empty: the primary key.
  CHECK(plugin_dao::cache_key({.id = pid}) == "plugins:d1b2c3d4-0000-4000-8000-00000000000d:::::");
  // Integers, booleans and five members.
  CHECK(dao_t<db_t, Limit>::cache_key(
            {.id = 7, .scope = "minute", .window = 60, .strict = true, .a = "x", .b = "y"}) ==
        "limits:minute:60:true:x:y:");
  CHECK(dao_t<db_t, Limit>::cache_key({.id = 7, .scope = "", .window = -5}) ==
        "limits::-5:false:::");
  // A bool is never empty, so this one never falls back to the key.
  CHECK(dao_t<db_t, Limit>::cache_key({.id = 7}) == "limits::0:false:::");
}

TEST_CASE_METHOD(cache_key_fixture,
                 "cache_key: the column is computed on insert, as cache_key() computes it",
                 "[pg][cache_key][insert]") {
  auto s = svc("s");
  auto r = route("r");
  auto c = consumers.insert({.username = "bob"});
  REQUIRE_OK(c);
  auto p1 = plugin({.name = "key-auth", .service = s});
  check_consistent(p1, "plugins:key-auth::" + str(s.id) + ":::");
  auto p2 = plugin({.name = "key-auth", .route = r, .service = s, .consumer = *c});
  check_consistent(p2, "plugins:key-auth:" + str(r.id) + ":" + str(s.id) + ":" + str(c->id) + "::");
  auto p3 = plugin({.name = "cors"});
  check_consistent(p3, "plugins:cors:::::");
  // All empty: falls back to the generated primary key, on the server too.
  auto p4 = plugin({.name = ""});
  check_consistent(p4, "plugins:" + str(p4.id) + ":::::");
  auto p5 = plugin({.name = ""});
  check_consistent(p5, "plugins:" + str(p5.id) + ":::::");  // two of them do not collide

  auto l = limits.insert({.id = 1, .scope = "minute", .window = 60, .strict = true, .a = "x"});
  REQUIRE_OK(l);
  CHECK(value("SELECT cache_key FROM limits") == "limits:minute:60:true:x::");
  CHECK(dao_t<db_t, Limit>::cache_key(*l) == "limits:minute:60:true:x::");
}

TEST_CASE_METHOD(cache_key_fixture, "cache_key: update of a cache-key member recomputes the column",
                 "[pg][cache_key][update]") {
  auto s = svc("s");
  auto s2 = svc("s2");
  auto r = route("r");
  auto p = plugin({.name = "key-auth", .service = s});

  auto u = plugins.update(p.id, set<&Plugin::name>("acl"));
  REQUIRE_OK(u);
  check_consistent(*u, "plugins:acl::" + str(s.id) + ":::");

  auto moved = plugins.update(p.id, set<&Plugin::service>(typedao::foreign<Service>(s2)),
                              set<&Plugin::route>(typedao::foreign<Route>(r)));
  REQUIRE_OK(moved);
  check_consistent(*moved, "plugins:acl:" + str(r.id) + ":" + str(s2.id) + ":::");

  auto cleared =
      plugins.update(p.id, set<&Plugin::route>(std::nullopt), set<&Plugin::service>(std::nullopt));
  REQUIRE_OK(cleared);
  check_consistent(*cleared, "plugins:acl:::::");

  // Emptying every member falls back to the key.
  auto empty = plugins.update(p.id, set<&Plugin::name>(""));
  REQUIRE_OK(empty);
  check_consistent(*empty, "plugins:" + str(p.id) + ":::::");

  // Integers / booleans.
  REQUIRE_OK(limits.insert({.id = 1, .scope = "minute", .window = 60}));
  REQUIRE_OK(limits.update(1, set<&Limit::window>(3600), set<&Limit::strict>(true)));
  CHECK(value("SELECT cache_key FROM limits") == "limits:minute:3600:true:::");
}

TEST_CASE_METHOD(cache_key_fixture, "cache_key: update of another member leaves the column right",
                 "[pg][cache_key][update]") {
  auto s = svc("s");
  auto p = plugin({.name = "key-auth", .service = s});
  const std::string expected = "plugins:key-auth::" + str(s.id) + ":::";
  auto u = plugins.update(p.id, set<&Plugin::enabled>(false));
  REQUIRE_OK(u);
  CHECK_FALSE(u->enabled);
  check_consistent(*u, expected);
  REQUIRE_OK(limits.insert({.id = 1, .scope = "minute", .window = 60}));
  REQUIRE_OK(limits.update(1, set<&Limit::other>("changed")));
  CHECK(value("SELECT cache_key FROM limits") == "limits:minute:60:false:::");
}

TEST_CASE_METHOD(cache_key_fixture, "cache_key: upsert and upsert_by recompute the column",
                 "[pg][cache_key][upsert]") {
  auto s = svc("s");
  auto r = route("r");
  auto p = plugin({.name = "key-auth", .service = s});
  // Replace: route instead of service.
  auto u = plugins.upsert(p.id, {.name = "key-auth", .route = r});
  REQUIRE_OK(u);
  check_consistent(*u, "plugins:key-auth:" + str(r.id) + "::::");
  // Replace with every member empty: the key.
  auto e = plugins.upsert(p.id, {.name = ""});
  REQUIRE_OK(e);
  check_consistent(*e, "plugins:" + str(p.id) + ":::::");
  // Insert through upsert, with a given key.
  auto id = typedao::generate_uuid();
  auto i = plugins.upsert(id, {.name = "cors", .service = s});
  REQUIRE_OK(i);
  check_consistent(*i, "plugins:cors::" + str(s.id) + ":::");
  // An all-empty insert through upsert uses the key argument.
  auto id2 = typedao::generate_uuid();
  auto i2 = plugins.upsert(id2, {.name = ""});
  REQUIRE_OK(i2);
  CHECK(stored_key(id2) == "plugins:" + str(id2) + ":::::");

  // Integer key entity through upsert.
  REQUIRE_OK(limits.upsert(5, {.scope = "hour", .window = 1}));
  CHECK(value("SELECT cache_key FROM limits WHERE id = 5") == "limits:hour:1:false:::");
  REQUIRE_OK(limits.upsert(5, {.scope = "day", .window = 2, .b = "bee"}));
  CHECK(value("SELECT cache_key FROM limits WHERE id = 5") == "limits:day:2:false::bee:");
}

TEST_CASE_METHOD(cache_key_fixture,
                 "cache_key: single-member cache key selects through the unique member",
                 "[pg][cache_key][select]") {
  auto c = consumers.insert({.username = "alice"});
  REQUIRE_OK(c);
  auto r = consumers.select_by_cache_key(Consumer{.username = "alice"});
  REQUIRE_OK(r);
  REQUIRE(r->has_value());
  CHECK((*r)->id == c->id);
  auto miss = consumers.select_by_cache_key(Consumer{.username = "nobody"});
  REQUIRE_OK(miss);
  CHECK_FALSE(miss->has_value());

  // Composite: a key nobody has.
  auto none = plugins.select_by_cache_key(std::string_view("plugins:nothing:::::"));
  REQUIRE_OK(none);
  CHECK_FALSE(none->has_value());
  // A key string that is not valid text is refused before SQL.
  auto bad = plugins.select_by_cache_key(std::string_view("plugins:\xff:::::"));
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == typedao::error_code::invalid_unique);
}

TEST_CASE_METHOD(
    cache_key_fixture,
    "cache_key: a duplicate composite cache key is UNIQUE_VIOLATION listing every member (insert)",
    "[pg][cache_key][unique]") {
  auto s = svc("s");
  plugin({.name = "key-auth", .service = s});
  auto dup = plugins.insert({.name = "key-auth", .service = s, .enabled = false});
  REQUIRE_FALSE(dup);
  const auto& e = dup.error();
  CHECK(e.code == typedao::error_code::unique_violation);
  CHECK(e.constant() == "UNIQUE_VIOLATION");
  CHECK(e.message ==
        "UNIQUE violation detected on '{consumer=null,name=\"key-auth\",route=null,service={id=\"" +
            str(s.id) + "\"}}'");
  auto fields = e.fields;
  std::sort(fields.begin(), fields.end(), [](auto& a, auto& b) { return a.field < b.field; });
  CHECK(fields == std::vector<typedao::field_detail>{{"consumer", "null"},
                                                     {"name", "key-auth"},
                                                     {"route", "null"},
                                                     {"service.id", str(s.id)}});
  CHECK(e.server.sqlstate == "23505");
  CHECK(e.server.constraint == "plugins_cache_key_key");
  CHECK(count("plugins") == 1);

  // Same for integers and booleans.
  REQUIRE_OK(limits.insert({.id = 1, .scope = "m", .window = 60, .strict = true}));
  auto ldup = limits.insert({.id = 2, .scope = "m", .window = 60, .strict = true});
  REQUIRE_FALSE(ldup);
  CHECK(ldup.error().code == typedao::error_code::unique_violation);
  CHECK(ldup.error().message ==
        "UNIQUE violation detected on '{a=null,b=null,scope=\"m\",strict=true,window=60}'");

  // A different consumer makes it a different key.
  auto c = consumers.insert({.username = "u"});
  REQUIRE_OK(c);
  REQUIRE_OK(plugins.insert({.name = "key-auth", .service = s, .consumer = *c}));
}

TEST_CASE_METHOD(cache_key_fixture,
                 "cache_key: a duplicate on update renders unchanged members from the stored row",
                 "[pg][cache_key][unique]") {
  auto s = svc("s");
  auto r = route("r");
  plugin({.name = "key-auth", .route = r, .service = s});
  auto other = plugin({.name = "acl", .route = r, .service = s});
  // Only the name changes: route and service come from the stored row.
  auto u = plugins.update(other.id, set<&Plugin::name>("key-auth"));
  REQUIRE_FALSE(u);
  CHECK(u.error().code == typedao::error_code::unique_violation);
  CHECK(u.error().message ==
        "UNIQUE violation detected on '{consumer=null,name=\"key-auth\",route={id=\"" + str(r.id) +
            "\"},service={id=\"" + str(s.id) + "\"}}'");
  check_consistent(other, "plugins:acl:" + str(r.id) + ":" + str(s.id) + ":::");  // unchanged

  // Changing a foreign member into a collision.
  auto third = plugin({.name = "key-auth", .route = r});
  auto v = plugins.update(third.id, set<&Plugin::service>(typedao::foreign<Service>(s)));
  REQUIRE_FALSE(v);
  CHECK(v.error().code == typedao::error_code::unique_violation);
  CHECK(v.error().message ==
        "UNIQUE violation detected on '{consumer=null,name=\"key-auth\",route={id=\"" + str(r.id) +
            "\"},service={id=\"" + str(s.id) + "\"}}'");

  // upsert into a collision: the entity's own values.
  auto w = plugins.upsert(other.id, {.name = "key-auth", .route = r, .service = s});
  REQUIRE_FALSE(w);
  CHECK(w.error().code == typedao::error_code::unique_violation);
  CHECK(w.error().message ==
        "UNIQUE violation detected on '{consumer=null,name=\"key-auth\",route={id=\"" + str(r.id) +
            "\"},service={id=\"" + str(s.id) + "\"}}'");
  CHECK(count("plugins") == 3);
}

TEST_CASE_METHOD(cache_key_fixture,
                 "cache_key: '%' and ':' inside values are escaped (%25, %3A), in C++ and in SQL",
                 "[pg][cache_key][format]") {
  CHECK(plugin_dao::cache_key({.name = "a:b%c"}) == "plugins:a%3Ab%25c:::::");
  CHECK(plugin_dao::cache_key({.name = "%3A"}) == "plugins:%253A:::::");
  auto p = plugin({.name = "a:b%c"});
  check_consistent(p, "plugins:a%3Ab%25c:::::");
  auto q = plugin({.name = "%3A"});
  check_consistent(q, "plugins:%253A:::::");
  // Values that would run into each other unescaped are different keys.
  auto l1 = limits.insert({.id = 1, .scope = "s", .a = "p:", .b = "q"});
  auto l2 = limits.insert({.id = 2, .scope = "s", .a = "p", .b = ":q"});
  REQUIRE_OK(l1);
  REQUIRE_OK(l2);
  CHECK(value("SELECT cache_key FROM limits WHERE id = 1") == "limits:s:0:false:p%3A:q:");
  CHECK(value("SELECT cache_key FROM limits WHERE id = 2") == "limits:s:0:false:p:%3Aq:");
  CHECK(dao_t<db_t, Limit>::cache_key(*l1) == "limits:s:0:false:p%3A:q:");
  CHECK(dao_t<db_t, Limit>::cache_key(*l2) == "limits:s:0:false:p:%3Aq:");
  // And through update.
  auto u = plugins.update(p.id, set<&Plugin::name>("x:y"));
  REQUIRE_OK(u);
  check_consistent(*u, "plugins:x%3Ay:::::");
}

}  // namespace typedao_it_cache_key
