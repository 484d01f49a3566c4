// Kong's "Accessing the Datastore" example in C++: a service, a key-auth plugin on it, then one
// deliberate unique violation. Runs against the server named by libpq's environment
// (scripts/demo.sh starts a throwaway one). Exits non-zero on failure.

#include <typedao/typedao.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

struct Service {
  typedao::uuid id;                 // primary key; generated on insert when nil
  typedao::timestamp created_at;    // set on insert
  typedao::timestamp updated_at;    // set on insert, update and upsert
  std::optional<std::string> name;  // std::optional => nullable
  std::string protocol = "http";    // default member initialisers are the defaults
  std::string host;
  std::int32_t port = 80;
  std::vector<std::string> tags;  // text[]
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, updated_at, name, protocol, host, port, tags))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

struct Plugin {
  typedao::uuid id;
  typedao::timestamp created_at;
  std::string name;
  typedao::foreign<Service> service;  // column service_id -> services(id)
  bool enabled = true;
};
BOOST_DESCRIBE_STRUCT(Plugin, (), (id, created_at, name, service, enabled))
TYPEDAO_ENTITY(Plugin, "plugins", typedao::on_delete(&Plugin::service, typedao::cascade))

int main() {
  auto conn = typedao::pg::connect();  // libpq environment: PGHOST, PGPORT, PGUSER, ...
  if (!conn) {
    std::fprintf(stderr, "connect: %s\n", conn.error().to_string().c_str());
    return 1;
  }
  // A schema of its own, recreated each run, so the demo can run again on the same database.
  if (auto s = conn->execute_script(
          "DROP SCHEMA IF EXISTS quickstart CASCADE; CREATE SCHEMA quickstart; "
          "SET search_path TO quickstart");
      !s) {
    std::fprintf(stderr, "schema: %s\n", s.error().to_string().c_str());
    return 1;
  }
  typedao::database<Service, Plugin> db{*conn};
  if (auto m = db.migrate(); !m) {
    std::fprintf(stderr, "migrate: %s\n", m.error().to_string().c_str());
    return 1;
  }

  auto svc = db.dao<Service>().insert({.name = "httpbin", .host = "httpbin.org"});
  if (!svc) {
    std::fprintf(stderr, "insert service: %s\n", svc.error().to_string().c_str());
    return 1;
  }
  std::printf("service  %s name=%s host=%s port=%d protocol=%s\n",
              typedao::to_string(svc->id).c_str(), svc->name->c_str(), svc->host.c_str(), svc->port,
              svc->protocol.c_str());

  auto plugin = db.dao<Plugin>().insert({.name = "key-auth", .service = *svc});
  if (!plugin) {
    std::fprintf(stderr, "insert plugin: %s\n", plugin.error().to_string().c_str());
    return 1;
  }
  std::printf("plugin   %s name=%s service=%s enabled=%s\n", typedao::to_string(plugin->id).c_str(),
              plugin->name.c_str(), typedao::to_string(plugin->service.key()).c_str(),
              plugin->enabled ? "true" : "false");

  // The same name again: Kong's UNIQUE_VIOLATION, as a value.
  auto dup = db.dao<Service>().insert({.name = "httpbin", .host = "example.com"});
  if (dup) {
    std::fprintf(stderr, "expected a unique violation\n");
    return 1;
  }
  std::printf("expected error: %s (code %d, %s)\n", dup.error().to_string().c_str(),
              static_cast<int>(dup.error().code), std::string(dup.error().constant()).c_str());
  return dup.error().code == typedao::error_code::unique_violation ? 0 : 1;
}
