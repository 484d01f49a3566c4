#include <typedao/typedao.hpp>

#include <cstdio>

struct Service {
  typedao::uuid id;                 // primary key, generated when nil
  typedao::timestamp created_at;    // set on insert
  std::optional<std::string> name;  // nullable
  std::string host;
  std::int32_t port = 80;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, name, host, port))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

int main() {
  auto conn = typedao::pg::connect();  // libpq's environment (PGHOST, ...) or a conninfo string
  if (!conn) return 1;
  typedao::database<Service> db{*conn};
  if (!db.migrate()) return 1;  // CREATE TABLE IF NOT EXISTS "services" ...
  auto services = db.dao<Service>();

  auto svc = services.insert({.name = "httpbin", .host = "httpbin.org"});
  if (!svc) return 1;
  auto moved = services.update(svc->id, typedao::set<&Service::port>(8080));
  std::printf("%s:%d\n", moved->host.c_str(), moved->port);

  auto dup = services.insert({.name = "httpbin", .host = "example.com"});
  std::printf("%s\n", dup.error().to_string().c_str());
}
