// The test environment itself: scripts/pg-tmp's throwaway server is reachable
// through libpq's environment (PGHOST, PGPORT, ...) and through TYPEDAO_PG_TCP,
// or TYPEDAO_TEST_DSN names a server of the user's choosing.
#include <libpq-fe.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <string>

namespace typedao_it_pg_tmp {

namespace {

struct conn_deleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using conn_ptr = std::unique_ptr<PGconn, conn_deleter>;

struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

std::string test_dsn() {
  const char* dsn = std::getenv("TYPEDAO_TEST_DSN");
  return dsn ? dsn : "";
}

conn_ptr connect(const std::string& conninfo) {
  conn_ptr conn{PQconnectdb(conninfo.c_str())};
  REQUIRE(conn);
  INFO("conninfo: '" << conninfo << "': " << PQerrorMessage(conn.get()));
  REQUIRE(PQstatus(conn.get()) == CONNECTION_OK);
  return conn;
}

std::string scalar(PGconn* conn, const char* sql) {
  result_ptr res{PQexec(conn, sql)};
  INFO(sql << ": " << PQerrorMessage(conn));
  REQUIRE(PQresultStatus(res.get()) == PGRES_TUPLES_OK);
  REQUIRE(PQntuples(res.get()) == 1);
  return PQgetvalue(res.get(), 0, 0);
}

}  // namespace

TEST_CASE("pg-tmp: libpq environment reaches the test server", "[pg][pg_tmp]") {
  auto conn = connect(test_dsn());
  CHECK(scalar(conn.get(), "SELECT 1+1") == "2");
  if (test_dsn().empty()) {
    // Only pg-tmp's own cluster promises these settings.
    CHECK(scalar(conn.get(), "SELECT current_setting('fsync')") == "off");
    CHECK(scalar(conn.get(), "SELECT current_setting('server_encoding')") == "UTF8");
  }
}

TEST_CASE("pg-tmp: TYPEDAO_PG_TCP reaches the same server over TCP", "[pg][pg_tmp]") {
  const char* tcp = std::getenv("TYPEDAO_PG_TCP");
  if (!tcp) {
    WARN("TYPEDAO_PG_TCP is not set (TYPEDAO_TEST_DSN in use?); nothing to check");
    return;
  }
  auto conn = connect(tcp);
  CHECK(scalar(conn.get(), "SELECT 1+1") == "2");
  CHECK(scalar(conn.get(), "SELECT inet_server_addr()::text") == "127.0.0.1/32");
  CHECK(scalar(conn.get(), "SELECT current_setting('fsync')") == "off");
}

}  // namespace typedao_it_pg_tmp
