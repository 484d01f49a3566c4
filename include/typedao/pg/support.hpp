#ifndef TYPEDAO_PG_SUPPORT_HPP
#define TYPEDAO_PG_SUPPORT_HPP

// What pg::connection needs around libpq: typedao errors from libpq's results (and typedao's own
// runtime errors), the verb of a transaction-control script, waiting on the socket, a monotonic
// clock.

#include <typedao/error.hpp>

#include <libpq-fe.h>
#include <poll.h>
#include <ctime>
#include <string>
#include <string_view>

namespace typedao::pg::detail {

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

TYPEDAO_COLD inline error concurrent_use_error() {
  error e;
  e.code = error_code::concurrent_use;
  e.message =
      "connection used by two threads at once: the second call was refused and nothing was sent "
      "(use a "
      "pool, or one connection per thread)";
  return e;
}

TYPEDAO_COLD inline error transaction_lost_error() {
  error e;
  e.code = error_code::transaction_lost;
  e.message =
      "the connection failed inside a transaction: nothing of the transaction was committed; end "
      "it "
      "with ROLLBACK (or leave the transaction scope) and run it again";
  e.server.sqlstate = "08006";
  return e;
}

// The first SQL keyword of a script from position i, lower case ("begin", "commit", ...);
// comments and whitespace before it are skipped; i ends after it.
inline std::string first_word(std::string_view sql, std::size_t& i) noexcept {
  for (;;) {
    while (i < sql.size() &&
           (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r' || sql[i] == ';'))
      ++i;
    if (i + 1 < sql.size() && sql[i] == '-' && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;
      continue;
    }
    break;
  }
  std::string w;
  while (i < sql.size() && w.size() < 16) {
    char c = sql[i++];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c < 'a' || c > 'z') break;
    w += c;
  }
  return w;
}

// The verb of a transaction-control script: "rollback to" for a savepoint rollback, else the
// first keyword.
inline std::string script_verb(std::string_view sql) noexcept {
  std::size_t i = 0;
  std::string verb = first_word(sql, i);
  if (verb == "rollback" || verb == "abort") {
    std::string next = first_word(sql, i);
    if (next == "transaction" || next == "work") next = first_word(sql, i);
    if (next == "to") verb = "rollback to";
  }
  return verb;
}

TYPEDAO_COLD inline error deadline_error(int timeout_ms, outcome o, bool usable) {
  error e;
  e.code = error_code::deadline_exceeded;
  if (o == outcome::not_sent) {
    e.message = "the call's deadline of " + std::to_string(timeout_ms) +
                " ms passed before the statement was sent (nothing applied)";
    e.outcome = o;
    return e;
  }
  e.message =
      "the call did not finish within its deadline of " + std::to_string(timeout_ms) + " ms; " +
      (o == outcome::refused
           ? "the server cancelled the statement (nothing applied)"
           : "the server did not answer the cancel request either (it may have been applied)") +
      (usable ? "" : "; the connection was dropped");
  e.outcome = o;
  e.server.sqlstate = o == outcome::refused ? "57014" : "";
  return e;
}

// Waits until `fd` is readable or `ms` pass (false then).
inline bool wait_readable(int fd, long long ms) noexcept {
  pollfd p{fd, POLLIN, 0};
  const int n = ::poll(&p, 1, ms > 2'000'000'000 ? 2'000'000'000 : static_cast<int>(ms));
  return n > 0;
}

inline long long monotonic_us() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

inline long long monotonic_ms() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<long long>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace typedao::pg::detail

#endif
