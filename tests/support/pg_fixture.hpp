// typedao_test::pg_fixture: one isolated PostgreSQL schema per test case.
//
// Construction connects through typedao::pg::connect with TYPEDAO_TEST_DSN (or libpq's
// environment when unset, as scripts/pg-tmp exports it), creates a schema named
// td_<pid>_<counter>_<random> and points the session's search_path at it. The destructor drops
// the schema with CASCADE. Every test case therefore has its own tables and `ctest -j` is safe.
//
// The search_path is also pinned in the connection's startup options
// (`options='-c search_path=<schema>'`), so it survives a reconnect (PQreset after a lost
// backend) and DISCARD ALL / RESET ALL.
//
//   TEST_CASE_METHOD(typedao_test::pg_fixture, "...", "[pg]") {
//     typedao::database<Service> db{conn};
//     REQUIRE_OK(db.migrate());
//     CHECK(count("services") == 0);
//   }
//
// Helpers: exec(sql) / scalar(sql) / count(table) run raw SQL (text protocol) on the fixture's
// connection and REQUIRE success; open_second() opens another session on the same schema;
// backend_pid(c) and terminate_backend(pid) kill a session from this one.
#ifndef TYPEDAO_TESTS_PG_FIXTURE_HPP
#define TYPEDAO_TESTS_PG_FIXTURE_HPP

#include <typedao/typedao.hpp>

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typedao_test {

/// Catch2 printing for typedao errors: REQUIRE(r) failures say what went wrong.
inline std::string describe(const typedao::error& e) {
  std::ostringstream os;
  os << e.constant() << " (" << static_cast<int>(e.code) << "): " << e.message;
  if (!e.server.sqlstate.empty()) os << " [sqlstate " << e.server.sqlstate << "]";
  if (!e.server.constraint.empty()) os << " [constraint " << e.server.constraint << "]";
  if (!e.server.message.empty() && e.server.message != e.message)
    os << " [server: " << e.server.message << "]";
  return os.str();
}

template <class T>
std::string describe(const typedao::result<T>& r) {
  return r ? std::string("ok") : describe(r.error());
}

}  // namespace typedao_test

// Catch2 prints results and errors with describe().
namespace Catch {
template <>
struct StringMaker<typedao::error> {
  static std::string convert(const typedao::error& e) { return typedao_test::describe(e); }
};
template <class T>
struct StringMaker<typedao::result<T>> {
  static std::string convert(const typedao::result<T>& r) {
    return r ? std::string("{ok}") : "{error: " + typedao_test::describe(r.error()) + "}";
  }
};
}  // namespace Catch

namespace typedao_test {

/// REQUIRE that a result holds a value, printing the error otherwise.
#define REQUIRE_OK(expr)                                                \
  do {                                                                  \
    auto&& typedao_test_r_ = (expr);                                    \
    INFO(#expr << " -> " << ::typedao_test::describe(typedao_test_r_)); \
    REQUIRE(typedao_test_r_.has_value());                               \
  } while (0)

/// The DSN tests use: TYPEDAO_TEST_DSN, or "" (libpq's environment).
inline std::string test_dsn() {
  const char* dsn = std::getenv("TYPEDAO_TEST_DSN");
  return dsn ? dsn : "";
}

namespace detail {

inline std::string quote_conninfo_value(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

}  // namespace detail

/// `dsn` (keyword/value or URI) rewritten as keyword/value with the search_path pinned to
/// `schema` in the startup options (kept by PQreset and RESET ALL). Existing options are kept.
inline std::string conninfo_with_search_path(const std::string& dsn, const std::string& schema) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &err);
  if (!opts) {
    std::string msg = err ? err : "out of memory";
    if (err) PQfreemem(err);
    FAIL("TYPEDAO_TEST_DSN is not a valid libpq conninfo: '" << dsn << "': " << msg);
  }
  std::string out;
  std::string options;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val) continue;
    if (std::string_view(o->keyword) == "options") {
      options = o->val;
      continue;
    }
    out += o->keyword;
    out += '=';
    out += detail::quote_conninfo_value(o->val);
    out += ' ';
  }
  PQconninfoFree(opts);
  // Startup options are split on spaces: schema names here never contain any.
  if (!options.empty()) options += ' ';
  options += "-c search_path=" + schema;
  out += "options=" + detail::quote_conninfo_value(options);
  return out;
}

/// A fresh schema name: td_<pid>_<counter>_<random>.
inline std::string unique_schema_name() {
  static std::atomic<unsigned> counter{0};
  std::random_device rd;
  std::uniform_int_distribution<unsigned> dist(0, 0xFFFFFF);
  std::ostringstream os;
  os << "td_" << ::getpid() << '_' << counter.fetch_add(1) << '_' << std::hex << dist(rd);
  return os.str();
}

struct pgresult_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using pgresult_ptr = std::unique_ptr<PGresult, pgresult_deleter>;

/// Raw SQL on any connection (text results). REQUIREs success.
inline pgresult_ptr raw_exec(typedao::pg::connection& c, const std::string& sql) {
  REQUIRE(c.native_handle() != nullptr);
  pgresult_ptr r{PQexec(c.native_handle(), sql.c_str())};
  auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  INFO("SQL: " << sql << "\nerror: " << PQerrorMessage(c.native_handle()));
  REQUIRE((st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK));
  return r;
}

/// Raw parameterised SQL (text parameters, text results). REQUIREs success.
inline pgresult_ptr raw_exec_params(typedao::pg::connection& c, const std::string& sql,
                                    const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (auto& p : params) values.push_back(p.c_str());
  pgresult_ptr r{PQexecParams(c.native_handle(), sql.c_str(), static_cast<int>(values.size()),
                              nullptr, values.data(), nullptr, nullptr, 0)};
  auto st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  INFO("SQL: " << sql << "\nerror: " << PQerrorMessage(c.native_handle()));
  REQUIRE((st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK));
  return r;
}

/// The single value of a one-row, one-column query; nullopt for SQL NULL.
inline std::optional<std::string> raw_scalar(typedao::pg::connection& c, const std::string& sql,
                                             const std::vector<std::string>& params = {}) {
  auto r = raw_exec_params(c, sql, params);
  INFO("SQL: " << sql);
  REQUIRE(PQntuples(r.get()) == 1);
  REQUIRE(PQnfields(r.get()) >= 1);
  if (PQgetisnull(r.get(), 0, 0)) return std::nullopt;
  return std::string(PQgetvalue(r.get(), 0, 0),
                     static_cast<std::size_t>(PQgetlength(r.get(), 0, 0)));
}

/// One isolated schema and a connection whose search_path points at it.
class pg_fixture {
 public:
  pg_fixture()
      : schema_(unique_schema_name()), conninfo_(conninfo_with_search_path(test_dsn(), schema_)) {
    conn = open_connection();
    raw_exec(conn, "CREATE SCHEMA \"" + schema_ + "\"");
    raw_exec(conn, "SET search_path TO \"" + schema_ + "\"");
    created_ = true;
  }

  pg_fixture(const pg_fixture&) = delete;
  pg_fixture& operator=(const pg_fixture&) = delete;

  ~pg_fixture() {
    if (!created_) return;
    const std::string drop = "DROP SCHEMA IF EXISTS \"" + schema_ + "\" CASCADE";
    auto try_drop = [&](PGconn* c) {
      if (!c || PQstatus(c) != CONNECTION_OK) return false;
      PGresult* r = PQexec(c, drop.c_str());
      bool ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
      PQclear(r);
      return ok;
    };
    // The fixture's connection may be dead or inside a failed transaction: fall back to a new one.
    if (conn.native_handle() && PQtransactionStatus(conn.native_handle()) != PQTRANS_IDLE) {
      PGresult* r = PQexec(conn.native_handle(), "ROLLBACK");
      PQclear(r);
    }
    if (try_drop(conn.native_handle())) return;
    PGconn* c = PQconnectdb(conninfo_.c_str());
    bool ok = try_drop(c);
    PQfinish(c);
    if (!ok) std::fprintf(stderr, "pg_fixture: could not drop schema %s\n", schema_.c_str());
  }

  /// The schema's name (unquoted).
  const std::string& schema() const noexcept { return schema_; }
  /// The conninfo every connection of this fixture uses (search_path pinned).
  const std::string& conninfo() const noexcept { return conninfo_; }

  /// Another session on the same server and schema.
  typedao::pg::connection open_second() { return open_connection(); }

  void exec(const std::string& sql) { raw_exec(conn, sql); }
  std::optional<std::string> scalar(const std::string& sql,
                                    const std::vector<std::string>& params = {}) {
    return raw_scalar(conn, sql, params);
  }
  /// scalar() that must not be NULL.
  std::string value(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto v = scalar(sql, params);
    INFO("SQL: " << sql);
    REQUIRE(v.has_value());
    return *v;
  }
  /// The first row of a query as text (nullopt for NULL); REQUIREs exactly one row.
  std::vector<std::optional<std::string>> row(const std::string& sql,
                                              const std::vector<std::string>& params = {}) {
    auto r = raw_exec_params(conn, sql, params);
    INFO("SQL: " << sql);
    REQUIRE(PQntuples(r.get()) == 1);
    std::vector<std::optional<std::string>> out;
    for (int c = 0; c < PQnfields(r.get()); ++c) {
      if (PQgetisnull(r.get(), 0, c))
        out.emplace_back(std::nullopt);
      else
        out.emplace_back(std::string(PQgetvalue(r.get(), 0, c),
                                     static_cast<std::size_t>(PQgetlength(r.get(), 0, c))));
    }
    return out;
  }
  long long count(const std::string& table) {
    return std::stoll(value("SELECT count(*) FROM \"" + table + "\""));
  }

  /// The backend pid of a connection.
  static int backend_pid(typedao::pg::connection& c) {
    REQUIRE(c.native_handle() != nullptr);
    return PQbackendPID(c.native_handle());
  }
  /// Terminates a backend from the fixture's own session.
  void terminate_backend(int pid) {
    CHECK(value("SELECT pg_terminate_backend($1::int)", {std::to_string(pid)}) == "t");
    // Wait until the backend is gone, so the victim's next call sees a dead socket.
    for (int i = 0; i < 500; ++i) {
      if (value("SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int",
                {std::to_string(pid)}) == "0")
        return;
      ::usleep(10'000);
    }
    FAIL("backend " << pid << " did not terminate");
  }

  typedao::pg::connection conn;

 private:
  typedao::pg::connection open_connection() {
    auto c = typedao::pg::connect(conninfo_);
    if (!c) {
      FAIL("cannot connect to the test database (TYPEDAO_TEST_DSN='"
           << test_dsn() << "', PGHOST='" << (std::getenv("PGHOST") ? std::getenv("PGHOST") : "")
           << "', PGPORT='" << (std::getenv("PGPORT") ? std::getenv("PGPORT") : "")
           << "'); run the tests under scripts/pg-tmp run -- ... : " << describe(c.error()));
    }
    return std::move(*c);
  }

  std::string schema_;
  std::string conninfo_;
  bool created_ = false;
};

/// The DAO type a database hands out for entity T: typedao_test::dao_t<db_t, Service>.
template <class Db, class T>
using dao_t = decltype(std::declval<Db&>().template dao<T>());

/// Microseconds between two timestamps (absolute).
inline long long micros_between(typedao::timestamp a, typedao::timestamp b) {
  auto d = (a - b).count();
  return d < 0 ? -d : d;
}

/// A timestamp from microseconds since the Unix epoch.
inline typedao::timestamp from_micros(long long us) {
  return typedao::timestamp{std::chrono::microseconds{us}};
}

/// ISO 8601 UTC with microseconds, the same text as the SQL expression iso_sql("col").
inline std::string iso(typedao::timestamp t) {
  std::string out;
  typedao::detail::render_iso8601_micros(t.time_since_epoch().count(), out);
  return out;
}
/// SQL rendering a timestamptz column exactly like iso(): to_char in UTC with microseconds.
inline std::string iso_sql(const std::string& expr) {
  return "to_char((" + expr + ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
}

}  // namespace typedao_test

#endif
