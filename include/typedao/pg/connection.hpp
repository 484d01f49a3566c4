#ifndef TYPEDAO_PG_CONNECTION_HPP
#define TYPEDAO_PG_CONNECTION_HPP

// typedao::pg::connection: the connector on libpq. Statements are prepared once per connection
// under a name derived from their text (or sent unnamed for transaction poolers) and executed with
// binary parameters and binary results, within a deadline.

#include <typedao/connector.hpp>
#include <typedao/error.hpp>
#include <typedao/pg/rows.hpp>
#include <typedao/pg/support.hpp>

#include <libpq-fe.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typedao::pg {

/// Settings of one connection.
struct connection_options {
  /// SQL run after connecting and after every reconnect (session settings: SET ..., search_path).
  std::string init_sql;
  /// Reconnect back-off: after a failed attempt, calls fail at once (not_sent) until it passes;
  /// it doubles from min to max and resets on success. 0 disables reconnecting.
  int reconnect_backoff_min_ms = 50;
  int reconnect_backoff_max_ms = 1000;
  /// Deadline of every call (Kong's pg_timeout, 5 s): sending and waiting for the answer. When
  /// it passes, the server is asked to cancel the statement and the call fails with
  /// DEADLINE_EXCEEDED; the connection stays usable when the cancel is answered within
  /// cancel_grace_ms, else it is dropped (a frozen server or network). 0: no deadline.
  /// connection::with_timeout() changes it for a scope.
  int timeout_ms = 5000;
  int cancel_grace_ms = 1000;
  /// Defaults added to the connection string unless it sets them itself: connect_timeout (s)
  /// bounds connecting and reconnecting; TCP keepalives notice a dead peer.
  int connect_timeout_s = 5;
  int keepalives_idle_s = 30;
  /// How statements are sent. `prepared` (default): prepared once per connection under a name
  /// derived from the text, then executed. `unnamed`: every call sends its statement unnamed with
  /// explicit parameter types, binary both ways, in one round trip (Parse, Bind, Execute, Sync):
  /// for transaction-pooling poolers (pgbouncer before 1.21), which hand each transaction to any
  /// server connection, where a named statement may not exist.
  enum class statements { prepared, unnamed };
  statements statement_mode = statements::prepared;
};

namespace detail {
// The keywords and values every connect passes to libpq (blocking or not): the safe defaults
// first, the caller's string last, so that its settings win (libpq keeps the last value).
struct connect_params {
  connect_params(const std::string& conninfo, const connection_options& o)
      : ct(std::to_string(o.connect_timeout_s)), ki(std::to_string(o.keepalives_idle_s)) {
    values[0] = ct.c_str();
    values[2] = ki.c_str();
    values[5] = conninfo.c_str();
  }
  connect_params(const connect_params&) = delete;
  connect_params& operator=(const connect_params&) = delete;
  std::string ct, ki;
  const char* keys[7] = {
      "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
      "dbname",          nullptr};
  const char* values[7] = {nullptr, "1", nullptr, "10", "3", nullptr, nullptr};
};
}  // namespace detail

/// A libpq connection (move-only). Satisfies typedao::connector.
///
/// One thread at a time: a call made while another thread is inside a call on the same
/// connection fails with CONCURRENT_USE and touches nothing (use a pool for many threads).
/// A connection that fails outside a transaction reconnects on the next call (with back-off,
/// re-running init_sql); one that fails inside a transaction does not: every later call fails
/// with TRANSACTION_LOST until the caller ends the transaction (ROLLBACK succeeds, COMMIT fails),
/// so nothing is ever committed outside the transaction the caller opened.
class connection {
 public:
  using rows_type = pg::rows;

  connection() = default;
  explicit connection(PGconn* c, connection_options o = {}) noexcept
      : conn_(c), options_(std::move(o)) {}
  connection(connection&& o) noexcept
      : conn_(std::exchange(o.conn_, nullptr)),
        options_(std::move(o.options_)),
        prepared_(std::move(o.prepared_)),
        tx_lost_(o.tx_lost_),
        broken_(o.broken_),
        backoff_ms_(o.backoff_ms_),
        next_attempt_ms_(o.next_attempt_ms_),
        call_(o.call_),
        reconnects_(o.reconnects_) {}
  connection& operator=(connection&& o) noexcept {
    if (this != &o) {
      close();
      conn_ = std::exchange(o.conn_, nullptr);
      options_ = std::move(o.options_);
      prepared_ = std::move(o.prepared_);
      tx_lost_ = o.tx_lost_;
      broken_ = o.broken_;
      backoff_ms_ = o.backoff_ms_;
      next_attempt_ms_ = o.next_attempt_ms_;
      call_ = o.call_;
      reconnects_ = o.reconnects_;
    }
    return *this;
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;
  ~connection() { close(); }

  /// Connects with a conninfo string or URI; empty uses libpq's environment (PGHOST, PGPORT, ...).
  /// A failed connect is a DATABASE_ERROR with libpq's message, never an exception.
  static result<connection> open(const std::string& conninfo, connection_options o = {}) {
    const detail::connect_params params(conninfo, o);
    PGconn* c = PQconnectdbParams(params.keys, params.values, /*expand_dbname=*/1);
    if (!c) return detail::error_from(nullptr, nullptr);
    if (PQstatus(c) != CONNECTION_OK) {
      error e = detail::error_from(c, nullptr);
      PQfinish(c);
      return e;
    }
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    connection out(c, std::move(o));
    if (auto r = out.run_init(); !r) return std::move(r).error();
    return out;
  }

  bool is_open() const noexcept { return conn_ && !broken_ && PQstatus(conn_) == CONNECTION_OK; }
  /// Inside a transaction block (BEGIN ... not yet committed), or in one that was lost?
  bool in_transaction() const noexcept {
    return tx_lost_ || (conn_ && !broken_ && PQstatus(conn_) == CONNECTION_OK &&
                        PQtransactionStatus(conn_) != PQTRANS_IDLE);
  }
  /// The connection failed inside a transaction that the caller has not ended yet.
  bool transaction_lost() const noexcept { return tx_lost_; }
  PGconn* native_handle() const noexcept { return conn_; }
  const connection_options& options() const noexcept { return options_; }
  /// Times this connection re-established its session after it failed (init_sql re-run).
  unsigned long long reconnects() const noexcept { return reconnects_; }

  void close() noexcept {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    prepared_.clear();
  }

  /// Runs a statement: prepares it on first use on this connection under its text-derived
  /// name (an existing statement of that name is the same SQL and is used as is; a lost one is
  /// prepared again), binary parameters, binary results.
  result<rows> execute(const statement& s, const param_view& p) {
    use_guard guard(users_);
    if (!guard) return detail::concurrent_use_error();
    if (auto e = ready(); e) return std::move(*e);
    const bool was_in_tx = PQtransactionStatus(conn_) != PQTRANS_IDLE;
    if (options_.statement_mode == connection_options::statements::unnamed) {
      auto ran = bounded(
          [&] {
            return PQsendQueryParams(conn_, s.text.data(), p.count, s.param_types, p.values,
                                     p.lengths, p.formats, 1);
          },
          [&] {
            return PQexecParams(conn_, s.text.data(), p.count, s.param_types, p.values, p.lengths,
                                p.formats, 1);
          });
      if (ran.timed_out) return std::move(ran.timeout);
      rows r = std::move(ran.r);
      const auto st = r.native_handle() ? PQresultStatus(r.native_handle()) : PGRES_FATAL_ERROR;
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
      return failed(detail::error_from(conn_, r.native_handle()), was_in_tx, /*sent=*/true);
    }
    char fallback[32];
    const char* name = s.name ? s.name : id_name(s.id, fallback);
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (!is_prepared(s.id)) {
        auto pr = bounded(
            [&] { return PQsendPrepare(conn_, name, s.text.data(), s.param_count, s.param_types); },
            [&] { return PQprepare(conn_, name, s.text.data(), s.param_count, s.param_types); });
        if (pr.timed_out) return std::move(pr.timeout);
        const auto pst =
            pr.r.native_handle() ? PQresultStatus(pr.r.native_handle()) : PGRES_FATAL_ERROR;
        if (pst != PGRES_COMMAND_OK) {
          auto e = detail::error_from(conn_, pr.r.native_handle());
          // 42P05: prepared already on this session (by a pooler's other client, or before a
          // reset): the name is derived from the text, so it is this statement.
          if (e.server.sqlstate != "42P05") return failed(std::move(e), was_in_tx, /*sent=*/false);
        }
        mark_prepared(s.id);
      }
      auto ran = bounded(
          [&] {
            return PQsendQueryPrepared(conn_, name, p.count, p.values, p.lengths, p.formats, 1);
          },
          [&] { return PQexecPrepared(conn_, name, p.count, p.values, p.lengths, p.formats, 1); });
      if (ran.timed_out) return std::move(ran.timeout);
      rows r = std::move(ran.r);
      auto st = r.native_handle() ? PQresultStatus(r.native_handle()) : PGRES_FATAL_ERROR;
      if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) return r;
      auto e = detail::error_from(conn_, r.native_handle());
      if (e.server.sqlstate == "26000" && attempt == 0 &&
          !was_in_tx) {  // invalid_sql_statement_name
        forget_prepared(s.id);
        continue;
      }
      return failed(std::move(e), was_in_tx, /*sent=*/true);
    }
    return detail::error_from(conn_, nullptr);
  }

  /// Runs SQL text without parameters through the simple query protocol (may hold several
  /// statements). For DDL and transaction control, not for values. After a lost transaction
  /// only ROLLBACK (or ABORT) is accepted: it ends the lost transaction and succeeds.
  result<void> execute_script(std::string_view sql) {
    use_guard guard(users_);
    if (!guard) return detail::concurrent_use_error();
    const auto verb = detail::script_verb(sql);
    if (tx_lost_) {
      if (verb == "rollback" || verb == "abort") {
        tx_lost_ = false;
        return {};
      }
      return detail::transaction_lost_error();
    }
    if (auto e = ready(); e) return std::move(*e);
    const bool was_in_tx = PQtransactionStatus(conn_) != PQTRANS_IDLE;
    std::string text(sql);
    auto ran =
        bounded([&] { return PQsendQuery(conn_, text.c_str()); },
                [&] { return PQexec(conn_, text.c_str()); }, verb == "commit" || verb == "end");
    if (ran.timed_out) return std::move(ran.timeout);
    rows r = std::move(ran.r);
    PGresult* last = r.native_handle();
    auto st = last ? PQresultStatus(last) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return {};
    auto e = detail::error_from(conn_, last);
    if (PQstatus(conn_) != CONNECTION_OK && (verb == "commit" || verb == "end")) {
      // The commit was sent and the answer lost: it may have been committed.
      prepared_.clear();
      tx_lost_ = false;
      e.outcome = outcome::maybe_applied;
      return e;
    }
    return failed(std::move(e), was_in_tx || verb == "begin" || verb == "start", /*sent=*/true);
  }

 public:
  struct call_deadline {
    bool active = false;
    long long at_ms = 0;  // 0: none
    int budget_ms = 0;
  };

  /// Sets the deadline of each call (ms, 0: none) until the returned guard goes out of scope.
  class scoped_timeout {
   public:
    scoped_timeout(connection& c, int ms) noexcept : c_(&c), old_(c.options_.timeout_ms) {
      c.options_.timeout_ms = ms;
    }
    ~scoped_timeout() { c_->options_.timeout_ms = old_; }
    scoped_timeout(const scoped_timeout&) = delete;
    scoped_timeout& operator=(const scoped_timeout&) = delete;

   private:
    connection* c_;
    int old_;
  };
  [[nodiscard]] scoped_timeout with_timeout(int ms) noexcept { return scoped_timeout(*this, ms); }

  /// One deadline for everything the calls made until the guard ends do together: `ms` from now
  /// (0: none), instead of timeout_ms for each call. A DAO call that runs several statements
  /// (update with stored-row checks) or that first waited for a pooled connection uses it. A
  /// statement not yet sent when the deadline has passed is not sent (DEADLINE_EXCEEDED,
  /// outcome not_sent).
  class scoped_deadline {
   public:
    scoped_deadline(connection& c, int ms) noexcept : c_(&c), old_(c.call_) {
      c.set_call_deadline(ms > 0 ? detail::monotonic_ms() + ms : 0, ms);
    }
    ~scoped_deadline() { c_->call_ = old_; }
    scoped_deadline(const scoped_deadline&) = delete;
    scoped_deadline& operator=(const scoped_deadline&) = delete;

   private:
    connection* c_;
    call_deadline old_;
  };
  [[nodiscard]] scoped_deadline with_deadline(int ms) noexcept {
    return scoped_deadline(*this, ms);
  }
  /// The same, at an absolute time (detail::monotonic_ms(); 0: no deadline) for a call whose
  /// whole budget was `budget_ms` (named in the error): what a pool's lease sets for one call.
  void set_call_deadline(long long at_ms, int budget_ms) noexcept {
    call_ = {true, at_ms, budget_ms};
  }
  /// Back to timeout_ms for each call.
  void clear_call_deadline() noexcept { call_ = {}; }

 private:
  struct bounded_result {
    rows r;
    bool timed_out = false;
    error timeout;
  };

  // Runs one request: blocking (`blocking()`) without a deadline; else sent with `send()` and
  // its results collected while polling the socket until the deadline, then cancelled.
  // Returns the last result (an error result if any failed).
  template <class Send, class Blocking>
  bounded_result bounded(Send&& send, Blocking&& blocking, bool is_commit = false) {
    bounded_result out;
    int timeout = options_.timeout_ms;
    long long deadline = 0;
    if (call_.active) {
      timeout = call_.budget_ms;
      deadline = call_.at_ms;
    } else if (timeout > 0) {
      deadline = detail::monotonic_ms() + timeout;
    }
    if (deadline == 0) {
      out.r = rows(blocking());
      return out;
    }
    if (call_.active && detail::monotonic_ms() >= deadline) {
      out.timed_out = true;
      out.timeout = detail::deadline_error(timeout, outcome::not_sent, true);
      return out;
    }
    const bool was_in_tx = PQtransactionStatus(conn_) != PQTRANS_IDLE;
    if (!send()) {
      out.r = rows(nullptr);
      return out;
    }
    if (collect(out.r, deadline)) return out;
    // Deadline passed: ask the server to cancel, then give the answer cancel_grace_ms.
    char errbuf[256];
    if (PGcancel* cn = PQgetCancel(conn_)) {
      (void)PQcancel(cn, errbuf, sizeof errbuf);
      PQfreeCancel(cn);
    }
    const long long grace = detail::monotonic_ms() + options_.cancel_grace_ms;
    out.timed_out = true;
    if (collect(out.r, grace)) {
      const auto st =
          out.r.native_handle() ? PQresultStatus(out.r.native_handle()) : PGRES_FATAL_ERROR;
      if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
        out.timed_out = false;  // it finished before the cancel arrived: that is its answer
        return out;
      }
      // Cancelled (57014) or failed: nothing applied; the connection answers again.
      out.timeout =
          detail::deadline_error(timeout, outcome::refused, PQstatus(conn_) == CONNECTION_OK);
      if (PQstatus(conn_) != CONNECTION_OK)
        drop(was_in_tx, out.timeout, is_commit);
      else if (was_in_tx && !is_commit) {
        // The statement failed inside the transaction, which is now aborted (25P02) as after
        // any error: the caller rolls back.
      }
      return out;
    }
    // No answer even to the cancel: a frozen server or network. Drop the connection.
    out.timeout = detail::deadline_error(timeout, outcome::maybe_applied, false);
    drop(was_in_tx, out.timeout, is_commit);
    return out;
  }

  // Reads the results of the request in flight until there are no more (true) or `until`
  // passes (false). Keeps the first error result, else the last one.
  bool collect(rows& keep, long long until) {
    for (;;) {
      while (PQisBusy(conn_)) {
        const long long left = until - detail::monotonic_ms();
        if (left <= 0) return false;
        if (!detail::wait_readable(PQsocket(conn_), left)) return false;
        if (!PQconsumeInput(conn_)) break;  // connection failed: PQgetResult reports it
      }
      PGresult* r = PQgetResult(conn_);
      if (!r) return true;
      const auto st = PQresultStatus(r);
      const bool is_error =
          st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR;
      const bool have_error =
          keep.native_handle() && (PQresultStatus(keep.native_handle()) == PGRES_FATAL_ERROR ||
                                   PQresultStatus(keep.native_handle()) == PGRES_BAD_RESPONSE);
      if (!have_error || is_error) {
        if (!have_error)
          keep = rows(r);
        else
          PQclear(r);
      } else {
        PQclear(r);
      }
      if (PQstatus(conn_) != CONNECTION_OK) return true;
    }
  }

  // Gives up on the connection after a deadline with no answer: the next call reconnects, or,
  // inside a transaction, the transaction is lost.
  void drop(bool in_tx, error& e, bool is_commit) {
    broken_ = true;
    // Cut the session off now: the server, when it runs again, sees the end of its connection
    // and rolls back; PQreset() closes the socket for good before the next call.
    ::shutdown(PQsocket(conn_), SHUT_RDWR);
    prepared_.clear();
    if (in_tx && !is_commit) {
      tx_lost_ = true;
      e.message += "; the transaction is lost (nothing of it was committed)";
    } else if (is_commit) {
      e.outcome = outcome::maybe_applied;
    }
  }

  // Marks the connection in use by one call; a second concurrent call sees it taken.
  class use_guard {
   public:
    explicit use_guard(std::atomic<int>& users) noexcept : users_(&users) {
      int expected = 0;
      ok_ = users_->compare_exchange_strong(expected, 1, std::memory_order_acquire);
    }
    ~use_guard() {
      if (ok_) users_->store(0, std::memory_order_release);
    }
    use_guard(const use_guard&) = delete;
    use_guard& operator=(const use_guard&) = delete;
    explicit operator bool() const noexcept { return ok_; }

   private:
    std::atomic<int>* users_;
    bool ok_ = false;
  };

  // Null when the connection can take a call; else why not (reconnecting if allowed).
  std::optional<error> ready() {
    if (!conn_) return detail::error_from(nullptr, nullptr);
    if (tx_lost_) return detail::transaction_lost_error();
    if (PQstatus(conn_) == CONNECTION_OK && !broken_) return std::nullopt;
    if (options_.reconnect_backoff_min_ms <= 0) return detail::error_from(conn_, nullptr);
    const long long now = detail::monotonic_ms();
    if (now < next_attempt_ms_) {
      auto e = detail::error_from(conn_, nullptr);
      e.message = "connection is down; the next reconnect attempt is in " +
                  std::to_string(next_attempt_ms_ - now) + " ms";
      return e;
    }
    prepared_.clear();
    broken_ = false;
    PQreset(conn_);
    if (PQstatus(conn_) == CONNECTION_OK) {
      if (auto r = run_init(); !r) {
        schedule_retry(now);
        return std::move(r).error();
      }
      backoff_ms_ = 0;
      next_attempt_ms_ = 0;
      ++reconnects_;
      return std::nullopt;
    }
    schedule_retry(now);
    return detail::error_from(conn_, nullptr);
  }

  void schedule_retry(long long now) noexcept {
    backoff_ms_ = backoff_ms_ == 0 ? options_.reconnect_backoff_min_ms : backoff_ms_ * 2;
    if (backoff_ms_ > options_.reconnect_backoff_max_ms)
      backoff_ms_ = options_.reconnect_backoff_max_ms;
    next_attempt_ms_ = now + backoff_ms_;
  }

  result<void> run_init() {
    if (options_.init_sql.empty()) return {};
    PGresult* r = PQexec(conn_, options_.init_sql.c_str());
    rows keep(r);
    const auto st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return {};
    auto e = detail::error_from(conn_, r);
    e.message = "init_sql failed: " + e.message;
    return e;
  }

  // The error of a failed call, and what it did to the connection: a connection that failed
  // inside a transaction loses it (nothing of it is committed); one that failed after sending a
  // statement outside a transaction may have applied it.
  error failed(error e, bool in_tx, bool sent) {
    if (PQstatus(conn_) == CONNECTION_OK) {
      e.outcome = e.server.sqlstate.empty() ? outcome::not_sent : outcome::refused;
      return e;
    }
    prepared_.clear();
    // The server ended the session (57P01 admin shutdown, 57P02 crash, 57P03): it aborted
    // whatever was running, so the statement had no effect.
    const bool aborted_by_server = e.server.sqlstate.rfind("57P", 0) == 0;
    if (in_tx) {
      tx_lost_ = true;
      error lost = detail::transaction_lost_error();
      lost.server = std::move(e.server);
      lost.outcome = outcome::refused;  // the transaction is gone: the statement has no effect
      return lost;
    }
    e.outcome = !sent               ? outcome::not_sent
                : aborted_by_server ? outcome::refused
                                    : outcome::maybe_applied;
    return e;
  }

  static const char* id_name(std::size_t id, char (&out)[32]) noexcept {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + id % 10);
      id /= 10;
    } while (id);
    out[0] = 't';
    out[1] = 'd';
    out[2] = '_';
    int k = 3;
    while (n) out[k++] = digits[--n];
    out[k] = '\0';
    return out;
  }
  bool is_prepared(std::size_t id) const noexcept { return id < prepared_.size() && prepared_[id]; }
  void mark_prepared(std::size_t id) {
    if (id >= prepared_.size()) prepared_.resize(id + 1, 0);
    prepared_[id] = 1;
  }
  void forget_prepared(std::size_t id) noexcept {
    if (id < prepared_.size()) prepared_[id] = 0;
  }

  PGconn* conn_ = nullptr;
  connection_options options_;
  std::vector<unsigned char> prepared_;  // by statement id
  bool tx_lost_ = false;
  bool broken_ = false;  // given up after a deadline with no answer: reset before the next call
  int backoff_ms_ = 0;
  long long next_attempt_ms_ = 0;
  call_deadline call_;  // set: one deadline for the calls of a scope (a DAO call on a lease)
  unsigned long long reconnects_ = 0;
  std::atomic<int> users_{0};
};

static_assert(connector<connection>);

/// Connects (see connection::open).
inline result<connection> connect(const std::string& conninfo = {}, connection_options o = {}) {
  return connection::open(conninfo, std::move(o));
}

}  // namespace typedao::pg

#endif
