// The libpq connector against a real server: failed connects are DATABASE_ERROR values, a killed
// backend is one DATABASE_ERROR and then the connection recovers (PQreset + re-prepare),
// statements are prepared once per connection, DISCARD ALL / DEALLOCATE are survived (re-prepare
// on 26000), ordinary server errors leave the connection usable.

#include "pg_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

// Entities live in a namespace named after this file, not only an anonymous one: g++ 12 gives
// templates keyed on a member pointer (typedao::set<&Service::name>, set_t<...>) weak external
// linkage even for a class in an anonymous namespace, so same-named entities of different test
// files would share (and corrupt) each other's instantiations.
namespace typedao_it_connection {
namespace {

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

using typedao::set;
using typedao_test::pg_fixture;
using db_t = typedao::database<Service>;
using service_dao = typedao_test::dao_t<db_t, Service>;

// A TCP port on 127.0.0.1 with nothing listening: bound, then released.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

long long prepared_count(typedao::pg::connection& c) {
  return std::stoll(
      typedao_test::raw_scalar(c, "SELECT count(*) FROM pg_prepared_statements").value());
}

struct conn_fixture : pg_fixture {
  db_t db{conn};
  service_dao services = db.dao<Service>();
  conn_fixture() { REQUIRE_OK(db.migrate()); }
};

}  // namespace
}  // namespace typedao_it_connection

namespace typedao_it_connection {

TEST_CASE("connect: a closed port is a DATABASE_ERROR value, not an exception",
          "[pg][connection]") {
  const int port = closed_port();
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port) +
                               " user=postgres dbname=postgres "
                               "connect_timeout=5";
  typedao::result<typedao::pg::connection> c = typedao::error{};
  REQUIRE_NOTHROW(c = typedao::pg::connect(conninfo));
  REQUIRE_FALSE(c);
  const auto& e = c.error();
  CHECK(e.code == typedao::error_code::database_error);
  CHECK(e.constant() == "DATABASE_ERROR");
  CHECK(e.name() == "database error");
  CHECK_FALSE(e.message.empty());
  CHECK(e.message.back() != '\n');  // trimmed
  CHECK(e.server.sqlstate == "08006");
  CHECK(e.to_string().rfind("[postgres] ", 0) == 0);
  INFO("message: " << e.message);
  CHECK(e.message.find(std::to_string(port)) != std::string::npos);
}

TEST_CASE("connect: a malformed conninfo is a DATABASE_ERROR value", "[pg][connection]") {
  auto c = typedao::pg::connect("this is not a conninfo");
  REQUIRE_FALSE(c);
  CHECK(c.error().code == typedao::error_code::database_error);
  CHECK_FALSE(c.error().message.empty());
  auto u = typedao::pg::connect("postgresql://[broken");
  REQUIRE_FALSE(u);
  CHECK(u.error().code == typedao::error_code::database_error);
  CHECK_FALSE(u.error().message.empty());
}

TEST_CASE("connect: an unknown database is a DATABASE_ERROR value", "[pg][connection]") {
  const std::string dsn = typedao_test::test_dsn();
  if (dsn.find("://") != std::string::npos) return;  // a URI cannot take extra keywords; skip
  auto c =
      typedao::pg::connect(dsn + (dsn.empty() ? "" : " ") + "dbname=typedao_no_such_database_xyz");
  REQUIRE_FALSE(c);
  CHECK(c.error().code == typedao::error_code::database_error);
  CHECK(c.error().message.find("typedao_no_such_database_xyz") != std::string::npos);
}

TEST_CASE("DAO on a closed or moved-from connection: DATABASE_ERROR, no crash",
          "[pg][connection]") {
  typedao::pg::connection none;
  service_dao d(none);
  auto r = d.select(typedao::generate_uuid());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::database_error);
  CHECK_FALSE(r.error().message.empty());
  CHECK(r.error().server.sqlstate == "08006");
  auto i = d.insert({.name = "x", .host = "h"});
  REQUIRE_FALSE(i);
  CHECK(i.error().code == typedao::error_code::database_error);
}

TEST_CASE_METHOD(conn_fixture,
                 "connection: a killed backend is one DATABASE_ERROR, then the connection recovers",
                 "[pg][connection][reconnect]") {
  auto victim = open_second();
  service_dao vs(victim);
  auto s = vs.insert({.name = "before", .host = "h"});
  REQUIRE_OK(s);
  REQUIRE_OK(vs.select(s->id));
  const int old_pid = backend_pid(victim);

  terminate_backend(old_pid);

  auto lost = vs.select(s->id);
  REQUIRE_FALSE(lost);
  const auto& e = lost.error();
  CHECK(e.code == typedao::error_code::database_error);
  CHECK_FALSE(e.message.empty());
  INFO("sqlstate " << e.server.sqlstate << ", message: " << e.message);
  CHECK((e.server.sqlstate == "08006" || e.server.sqlstate == "57P01"));

  // The next call reconnects (same schema: the search_path is in the startup options) and
  // prepares the statement again on the new backend.
  auto again = vs.select(s->id);
  REQUIRE_OK(again);
  REQUIRE(again->has_value());
  CHECK((*again)->name == std::optional<std::string>("before"));
  CHECK(backend_pid(victim) != old_pid);
  CHECK(victim.is_open());

  auto more = vs.insert({.name = "after", .host = "h"});
  REQUIRE_OK(more);
  REQUIRE_OK(vs.update(s->id, set<&Service::port>(81)));
  CHECK(prepared_count(victim) == 3);  // select, insert, update: each once on the new backend
  CHECK(count("services") == 2);
  CHECK(value("SELECT port FROM services WHERE name = 'before'") == "81");
}

TEST_CASE_METHOD(conn_fixture,
                 "connection: a backend killed between two kinds of statement recovers too",
                 "[pg][connection][reconnect]") {
  auto victim = open_second();
  service_dao vs(victim);
  REQUIRE_OK(vs.insert({.name = "a", .host = "h"}));
  terminate_backend(backend_pid(victim));
  // The first call after the kill fails whatever it is, here an insert never prepared before.
  auto lost = vs.remove_by<&Service::name>("a");
  REQUIRE_FALSE(lost);
  CHECK(lost.error().code == typedao::error_code::database_error);
  CHECK(count("services") == 1);
  // The insert statement was prepared on the dead backend: it must be prepared again.
  REQUIRE_OK(vs.insert({.name = "b", .host = "h"}));
  REQUIRE_OK(vs.remove_by<&Service::name>("a"));
  CHECK(value("SELECT string_agg(name, ',') FROM services") == "b");
}

TEST_CASE_METHOD(conn_fixture, "connection: a statement is prepared once per connection",
                 "[pg][connection][prepare]") {
  CHECK(prepared_count(conn) == 0);  // migrate() uses the simple protocol
  std::vector<typedao::uuid> ids;
  for (int i = 0; i < 5; ++i) {
    auto r = services.insert({.name = "s" + std::to_string(i), .host = "h"});
    REQUIRE_OK(r);
    ids.push_back(r->id);
  }
  CHECK(prepared_count(conn) == 1);
  for (int round = 0; round < 3; ++round)
    for (auto& id : ids) REQUIRE_OK(services.select(id));
  CHECK(prepared_count(conn) == 2);
  for (auto& id : ids) REQUIRE_OK(services.update(id, set<&Service::port>(1)));
  for (auto& id : ids) REQUIRE_OK(services.update(id, set<&Service::port>(2)));
  CHECK(prepared_count(conn) == 3);
  // Another member list is another statement.
  REQUIRE_OK(services.update(ids[0], set<&Service::host>("x")));
  CHECK(prepared_count(conn) == 4);
  // A second DAO object on the same connection shares the prepared statements.
  service_dao other(conn);
  REQUIRE_OK(other.select(ids[1]));
  CHECK(prepared_count(conn) == 4);

  // Prepared with the protocol (not PREPARE), with binary parameter types.
  auto names =
      row("SELECT bool_and(NOT from_sql)::text, bool_and(name LIKE 'td%')::text, "
          "count(DISTINCT statement)::text FROM pg_prepared_statements");
  CHECK(names[0] == "true");
  CHECK(names[1] == "true");
  CHECK(names[2] == "4");
  CHECK(value("SELECT parameter_types::text FROM pg_prepared_statements WHERE statement LIKE "
              "'SELECT%'") == "{uuid}");

  // Another connection prepares its own.
  auto second = open_second();
  service_dao s2(second);
  CHECK(prepared_count(second) == 0);
  REQUIRE_OK(s2.select(ids[0]));
  REQUIRE_OK(s2.select(ids[1]));
  CHECK(prepared_count(second) == 1);
}

TEST_CASE_METHOD(conn_fixture,
                 "connection: DISCARD ALL drops the prepared statements, and calls still work",
                 "[pg][connection][prepare]") {
  auto s = services.insert({.name = "a", .host = "h"});
  REQUIRE_OK(s);
  REQUIRE_OK(services.select(s->id));
  CHECK(prepared_count(conn) == 2);

  exec("DISCARD ALL");
  CHECK(prepared_count(conn) == 0);

  auto r = services.select(s->id);  // 26000 -> prepared again -> executed
  REQUIRE_OK(r);
  REQUIRE(r->has_value());
  CHECK((*r)->name == std::optional<std::string>("a"));
  CHECK(prepared_count(conn) == 1);
  REQUIRE_OK(services.insert({.name = "b", .host = "h"}));
  CHECK(prepared_count(conn) == 2);
  CHECK(count("services") == 2);

  // DEALLOCATE ALL behaves the same.
  exec("DEALLOCATE ALL");
  REQUIRE_OK(services.update(s->id, set<&Service::port>(5)));
  REQUIRE_OK(services.select(s->id));
  CHECK(value("SELECT port FROM services WHERE name = 'a'") == "5");
}

TEST_CASE_METHOD(
    conn_fixture,
    "connection: server errors leave it usable (statement_timeout while waiting on a lock)",
    "[pg][connection]") {
  auto s = services.insert({.name = "a", .host = "h"});
  REQUIRE_OK(s);
  auto b = open_second();
  typedao_test::raw_exec(b, "BEGIN");
  typedao_test::raw_exec_params(b, "SELECT 1 FROM services WHERE id = $1::uuid FOR UPDATE",
                                {typedao::to_string(s->id)});
  exec("SET statement_timeout = '200ms'");
  auto r = services.update(s->id, set<&Service::port>(1));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::database_error);
  CHECK(r.error().server.sqlstate == "57014");
  CHECK(r.error().message == "canceling statement due to statement timeout");
  typedao_test::raw_exec(b, "ROLLBACK");
  exec("RESET statement_timeout");

  auto ok = services.update(s->id, set<&Service::port>(2));
  REQUIRE_OK(ok);
  CHECK(ok->port == 2);
}

TEST_CASE_METHOD(
    conn_fixture,
    "connection: a DAO error inside a caller's transaction does not leave the session stuck",
    "[pg][connection]") {
  REQUIRE_OK(services.insert({.name = "dup", .host = "h"}));
  exec("BEGIN");
  auto r = services.insert({.name = "dup", .host = "h"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::unique_violation);
  // Inside the failed transaction the server refuses everything until ROLLBACK.
  auto blocked = services.select_by<&Service::name>("dup");
  REQUIRE_FALSE(blocked);
  CHECK(blocked.error().server.sqlstate == "25P02");
  exec("ROLLBACK");
  auto after = services.select_by<&Service::name>("dup");
  REQUIRE_OK(after);
  CHECK(after->has_value());
}

TEST_CASE_METHOD(conn_fixture,
                 "connection: a moved connection keeps working and its prepared statements",
                 "[pg][connection]") {
  auto s = services.insert({.name = "a", .host = "h"});
  REQUIRE_OK(s);
  auto c2 = open_second();
  service_dao d2(c2);
  REQUIRE_OK(d2.select(s->id));
  typedao::pg::connection moved = std::move(c2);
  service_dao d3(moved);
  REQUIRE_OK(d3.select(s->id));
  CHECK(prepared_count(moved) == 1);
  CHECK_FALSE(c2.is_open());  // NOLINT(bugprone-use-after-move): moved-from is documented as closed
}

}  // namespace typedao_it_connection
