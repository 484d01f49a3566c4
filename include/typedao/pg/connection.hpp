#ifndef TYPEDAO_PG_CONNECTION_HPP
#define TYPEDAO_PG_CONNECTION_HPP

// typedao::pg::connection: the connector on libpq. Statements are prepared once per connection
// (named td<id>) and executed with binary parameters and binary results.

#include <typedao/connector.hpp>
#include <typedao/error.hpp>

#include <libpq-fe.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typedao::pg {

/// Rows of one statement result (binary format). Move-only; frees the PGresult.
class rows {
 public:
  rows() = default;
  explicit rows(PGresult* r) noexcept : r_(r) {}
  rows(rows&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  rows& operator=(rows&& o) noexcept {
    if (this != &o) {
      if (r_) PQclear(r_);
      r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
  }
  rows(const rows&) = delete;
  rows& operator=(const rows&) = delete;
  ~rows() {
    if (r_) PQclear(r_);
  }

  int row_count() const noexcept { return r_ ? PQntuples(r_) : 0; }
  int column_count() const noexcept { return r_ ? PQnfields(r_) : 0; }
  oid_t column_type(int c) const noexcept { return PQftype(r_, c); }
  bool is_null(int r, int c) const noexcept { return PQgetisnull(r_, r, c) != 0; }
  const char* data(int r, int c) const noexcept { return PQgetvalue(r_, r, c); }
  int length(int r, int c) const noexcept { return PQgetlength(r_, r, c); }
  /// Rows inserted, updated or deleted (PQcmdTuples).
  long long affected_rows() const noexcept {
    const char* s = r_ ? PQcmdTuples(r_) : "";
    return *s ? std::atoll(s) : 0;
  }
  PGresult* native_handle() const noexcept { return r_; }

 private:
  PGresult* r_ = nullptr;
};

namespace detail {

TYPEDAO_COLD inline std::string trim_message(const char* m) {
  std::string s = m ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

TYPEDAO_COLD inline std::string field_or_empty(const PGresult* r, int code) {
  const char* v = PQresultErrorField(r, code);
  return v ? std::string(v) : std::string();
}

// A DATABASE_ERROR carrying what the server (or libpq) reported.
TYPEDAO_COLD inline error error_from(PGconn* conn, const PGresult* r) {
  error e;
  e.code = error_code::database_error;
  if (r) {
    e.server.sqlstate = field_or_empty(r, PG_DIAG_SQLSTATE);
    e.server.constraint = field_or_empty(r, PG_DIAG_CONSTRAINT_NAME);
    e.server.table = field_or_empty(r, PG_DIAG_TABLE_NAME);
    e.server.column = field_or_empty(r, PG_DIAG_COLUMN_NAME);
    e.server.message = field_or_empty(r, PG_DIAG_MESSAGE_PRIMARY);
    e.server.detail = field_or_empty(r, PG_DIAG_MESSAGE_DETAIL);
  }
  if (e.server.message.empty()) {
    const char* m = r ? PQresultErrorMessage(r) : nullptr;
    if (!m || !*m) m = conn ? PQerrorMessage(conn) : "connection is closed";
    e.server.message = trim_message(m);
  }
  if (e.server.sqlstate.empty() && (!conn || PQstatus(conn) != CONNECTION_OK))
    e.server.sqlstate = "08006";  // connection_failure: libpq reports none for a lost socket
  e.message = e.server.message.empty() ? std::string("database error") : e.server.message;
  return e;
}

}  // namespace detail

/// A libpq connection (move-only). Satisfies typedao::connector.
class connection {
 public:
  using rows_type = pg::rows;

  connection() = default;
  explicit connection(PGconn* c) noexcept : conn_(c) {}
  connection(connection&& o) noexcept
      : conn_(std::exchange(o.conn_, nullptr)), prepared_(std::move(o.prepared_)) {}
  connection& operator=(connection&& o) noexcept {
    if (this != &o) {
      close();
      conn_ = std::exchange(o.conn_, nullptr);
      prepared_ = std::move(o.prepared_);
    }
    return *this;
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() { close(); }

  /// Connects with a conninfo string or URI; empty uses libpq's environment (PGHOST, PGPORT, ...).
  /// A failed connect is a DATABASE_ERROR with libpq's message, never an exception.
  static result<connection> open(const std::string& conninfo) {
    PGconn* c = PQconnectdb(conninfo.c_str());
    if (!c) return detail::error_from(nullptr, nullptr);
    if (PQstatus(c) != CONNECTION_OK) {
      error e = detail::error_from(c, nullptr);
      PQfinish(c);
      return e;
    }
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    return connection(c);
  }

  bool is_open() const noexcept { return conn_ && PQstatus(conn_) == CONNECTION_OK; }
  /// Inside a transaction block (BEGIN ... not yet committed)?
  bool in_transaction() const noexcept {
    return conn_ && PQtransactionStatus(conn_) != PQTRANS_IDLE;
  }
  PGconn* native_handle() const noexcept { return conn_; }

  void close() noexcept {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    prepared_.clear();
  }

  /// Runs a statement: prepares it on first use on this connection (and again if the server lost
  /// it, e.g. after DISCARD ALL or a reconnect), binary parameters, binary results.
  result<rows> execute(const statement& s, const param_view& p) {
    if (!conn_) return detail::error_from(nullptr, nullptr);
    if (PQstatus(conn_) != CONNECTION_OK && !reconnect()) return detail::error_from(conn_, nullptr);
    for (int attempt = 0; attempt < 2; ++attempt) {
      char name[32];
      statement_name(s.id, name);
      if (!is_prepared(s.id)) {
        auto pr = rows(PQprepare(conn_, name, s.text.data(), s.param_count, s.param_types));
        if (!pr.native_handle() || PQresultStatus(pr.native_handle()) != PGRES_COMMAND_OK)
          return detail::error_from(conn_, pr.native_handle());
        mark_prepared(s.id);
      }
      rows r(PQexecPrepared(conn_, name, p.count, p.values, p.lengths, p.formats, 1));
      auto st = r.native_handle() ? PQresultStatus(r.native_handle()) : PGRES_FATAL_ERROR;
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
      auto e = detail::error_from(conn_, r.native_handle());
      if (e.server.sqlstate == "26000" && attempt == 0) {  // invalid_sql_statement_name
        prepared_[s.id] = 0;
        continue;
      }
      if (PQstatus(conn_) != CONNECTION_OK) prepared_.clear();
      return e;
    }
    return detail::error_from(conn_, nullptr);
  }

  /// Runs SQL text without parameters through the simple query protocol (may hold several
  /// statements). For DDL and transaction control, not for values.
  result<void> execute_script(std::string_view sql) {
    if (!conn_) return detail::error_from(nullptr, nullptr);
    if (PQstatus(conn_) != CONNECTION_OK && !reconnect()) return detail::error_from(conn_, nullptr);
    std::string text(sql);
    PGresult* last = PQexec(conn_, text.c_str());
    rows r(last);
    auto st = last ? PQresultStatus(last) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return {};
    return detail::error_from(conn_, last);
  }

 private:
  static void statement_name(std::size_t id, char (&out)[32]) noexcept {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + id % 10);
      id /= 10;
    } while (id);
    out[0] = 't';
    out[1] = 'd';
    int k = 2;
    while (n) out[k++] = digits[--n];
    out[k] = '\0';
  }
  bool is_prepared(std::size_t id) const noexcept { return id < prepared_.size() && prepared_[id]; }
  void mark_prepared(std::size_t id) {
    if (id >= prepared_.size()) prepared_.resize(id + 1, 0);
    prepared_[id] = 1;
  }
  bool reconnect() noexcept {
    prepared_.clear();
    PQreset(conn_);
    return PQstatus(conn_) == CONNECTION_OK;
  }

  PGconn* conn_ = nullptr;
  std::vector<unsigned char> prepared_;  // by statement id
};

static_assert(connector<connection>);

/// Connects (see connection::open).
inline result<connection> connect(const std::string& conninfo = {}) {
  return connection::open(conninfo);
}

}  // namespace typedao::pg

#endif
