// Triggers every error typedao produces and prints it field by field; docs/errors.md quotes the
// output. Needs a server: update.py runs it under scripts/pg-tmp.
#include "entities.hpp"
#include "report.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <string>

using namespace kong;
using docgen::block;
using typedao::set;

// An entity whose table was created by hand and does not match it.
struct Legacy {
  typedao::uuid id;
  std::int32_t port = 80;
};
BOOST_DESCRIBE_STRUCT(Legacy, (), (id, port))
TYPEDAO_ENTITY(Legacy, "legacy")

static typedao::uuid U(const char* s) { return *typedao::parse_uuid(s); }

int main() {
  auto conn = typedao::pg::connect();
  if (!conn) {
    block("fatal", docgen::describe(conn.error()));
    return 1;
  }
  Db db{*conn};
  auto services = db.dao<Service>();
  auto routes = db.dao<Route>();
  auto plugins = db.dao<Plugin>();
  auto metrics = db.dao<Metric>();
  auto alerts = db.dao<Alert>();

  ERR("err.before_migrate", services.select(U("11111111-1111-4111-8111-111111111111")));

  if (auto m = db.migrate(); !m) {
    block("fatal", docgen::describe(m.error()));
    return 1;
  }
  auto svc = services.insert(
      {.id = U("a7c1f6d2-5b8e-4c1a-9f3e-2d4b6a8c0e11"), .name = "httpbin", .host = "httpbin.org"});
  auto other = services.insert(
      {.id = U("c3d2e1f0-1a2b-4c3d-8e4f-5a6b7c8d9e0f"), .name = "mockbin", .host = "mockbin.org"});
  auto route = routes.insert({.id = U("e0000000-0000-4000-8000-000000000001"),
                              .name = "r1",
                              .service = *svc,
                              .paths = {"/"}});
  typedao::timestamp day{std::chrono::sys_days{std::chrono::year{2024} / 5 / 1}};
  auto metric = metrics.insert(
      {.identifier = "10.0.0.1", .period = "minute", .period_date = day, .value = 1});
  if (!svc || !other || !route || !metric) {
    block("fatal", "setup failed\n");
    return 1;
  }

  // INVALID_PRIMARY_KEY
  ERR("err.invalid_pk", services.select(typedao::uuid{}));
  // SCHEMA_VIOLATION
  ERR("err.schema_one", services.insert({.name = "bad\xff", .host = "example.com"}));
  ERR("err.schema_many",
      services.insert({.name = "bad\xff", .host = std::string("a\0b", 3), .tags = {"ok", "\xc3"}}));
  ERR("err.schema_fk_nil", plugins.insert({.name = "key-auth"}));
  ERR("err.schema_update", services.update(svc->id, set<&Service::host>("bad\xff")));
  // PRIMARY_KEY_VIOLATION
  ERR("err.pk", services.insert({.id = svc->id, .name = "other", .host = "example.com"}));
  ERR("err.pk_composite",
      metrics.insert({.identifier = "10.0.0.1", .period = "minute", .period_date = day}));
  // FOREIGN_KEY_VIOLATION
  ERR("err.fk_missing",
      plugins.insert({.name = "key-auth", .service = U("5d0c2e44-7d1a-4b7e-9a55-0e6f1d3c2b99")}));
  ERR("err.fk_missing_composite",
      alerts.insert({.metric = std::tuple{std::string("10.0.0.2"), std::string("minute"), day},
                     .message = "hi"}));
  ERR("err.fk_restrict", services.remove(svc->id));
  // UNIQUE_VIOLATION
  ERR("err.unique", services.insert({.name = "httpbin", .host = "example.com"}));
  ERR("err.unique_update", services.update(other->id, set<&Service::name>("httpbin")));
  // NOT_FOUND
  ERR("err.not_found",
      services.update(U("00000000-0000-4000-8000-000000000001"), set<&Service::port>(8080)));
  ERR("err.not_found_by", services.update_by<&Service::name>("nope", set<&Service::port>(8080)));
  // INVALID_UNIQUE
  ERR("err.invalid_unique", services.select_by<&Service::name>("bad\xff"));

  // Pages and options.
  auto consumers = db.dao<Consumer>();
  auto creds = db.dao<KeyauthCredential>();
  auto targets = db.dao<Target>();
  auto route_page = routes.page(1);
  if (!route_page) {
    block("fatal", route_page.error().to_string());
    return 1;
  }
  ERR("err.invalid_size", services.page(0));
  ERR("err.invalid_size_purge", creds.purge_expired(0));
  ERR("err.invalid_offset", services.page(10, "not-a-token"));
  auto other_route = routes.insert({.id = U("e0000000-0000-4000-8000-000000000002"),
                                    .name = "r2",
                                    .service = *svc,
                                    .paths = {"/2"}});
  auto route_page1 = routes.page(1);
  if (!other_route || !route_page1 || !route_page1->offset) {
    block("fatal", "no second route page");
    return 1;
  }
  std::string routes_offset = *route_page1->offset;
  ERR("err.invalid_offset_other", services.page(1, routes_offset));
  ERR("err.options_tags", services.page(10, {}, {.tags = {"a,b"}}));
  ERR("err.options_no_tags", plugins.page(10, {}, {.tags = {"x"}}));
  ERR("err.options_many",
      services.page(std::nullopt, {}, {.tags = {"a", "b", "c", "d", "e", "f"}, .page_size = 0}));
  ERR("err.options_ttl", services.insert({.name = "t", .host = "t.example"}, {.ttl = 60}));
  auto alice = consumers.insert({.username = "alice"});
  if (!alice) return 1;
  ERR("err.options_ttl_range", creds.insert({.consumer = *alice, .key = "k"}, {.ttl = -1}));
  ERR("err.invalid_fk", routes.page_for<&Route::service>(typedao::uuid{}));
  auto up = db.dao<Upstream>().insert(
      {.id = U("6bc989c5-d349-4808-bfbe-e3184237e8bf"), .name = "backend"});
  if (!up) return 1;
  auto t1 = targets.insert({.upstream = *up, .target = "10.0.0.7:8000"});
  if (!t1) return 1;
  ERR("err.unique_cache_key",
      targets.insert({.upstream = *up, .target = "10.0.0.7:8000", .weight = 50}));
  ERR("err.invalid_cache_key", targets.select_by_cache_key("bad\xff"));

  // DATABASE_ERROR: a table that does not match its entity.
  (void)conn->execute_script(
      "CREATE TABLE legacy (id uuid PRIMARY KEY, port bigint NOT NULL, extra text NOT NULL);"
      "INSERT INTO legacy VALUES ('0b5c6f1e-3f3a-4e5b-8d2c-7a9e1b4c6d80', 80, 'x')");
  auto legacy = typedao::dao<Legacy, typedao::pg::connection>(*conn);
  ERR("err.not_null",
      legacy.insert({.id = U("7f1dd0c8-d96e-49f7-a6a9-e6baed9e873a"), .port = 8080}));
  ERR("err.shape", legacy.select(U("0b5c6f1e-3f3a-4e5b-8d2c-7a9e1b4c6d80")));

  // The throwing accessor.
  try {
    Service s = services.insert({.name = "httpbin", .host = "example.com"}).value();
    (void)s;
    block("err.throw", "no exception\n");
  } catch (const typedao::exception& e) {
    block("err.throw", std::string("what()          ") + e.what() + "\nerror().code    " +
                           std::string(e.error().constant()) + "\n");
  }

  // A lost connection: one DATABASE_ERROR (08006), then the next call reconnects.
  {
    auto killer = typedao::pg::connect();
    const int pid = PQbackendPID(conn->native_handle());
    (void)killer->execute_script("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
    ERR("err.lost", services.select(svc->id));
    auto again = services.select(svc->id);
    block("err.lost_next", again
                               ? (*again ? "found: the connection was re-established\n" : "empty\n")
                               : again.error().to_string() + "\n");
  }

  // DISCARD ALL (as a pooler sends) drops the prepared statements: the call prepares again.
  {
    (void)conn->execute_script("DISCARD ALL");
    auto again = services.select(svc->id);
    block("err.discard", again ? (*again ? "found: the statement was prepared again\n" : "empty\n")
                               : again.error().to_string() + "\n");
  }

  // Connecting to nothing.
  ERR("err.connect", typedao::pg::connect("host=127.0.0.1 port=1 connect_timeout=2"));
  return 0;
}
