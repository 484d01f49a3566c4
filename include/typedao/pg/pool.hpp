#ifndef TYPEDAO_PG_POOL_HPP
#define TYPEDAO_PG_POOL_HPP

// typedao::pg::pool: a thread-safe pool of libpq connections. A DAO or a database over a pool
// takes a connection for each call and gives it back (a transaction keeps its connection until
// it ends), as Kong's kong.db does with its cosocket pool. docs/runtime.md maps Kong's pg_*
// settings onto pool_options.

#include <typedao/error.hpp>
#include <typedao/pg/connection.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace typedao::pg {

namespace detail {
TYPEDAO_COLD inline error pool_error(error_code c, std::string message) {
  error e;
  e.code = c;
  e.message = std::move(message);
  e.outcome = outcome::not_sent;
  return e;
}
}  // namespace detail

struct pool_options {
  /// Where to connect (conninfo string or URI; empty: libpq's environment).
  std::string conninfo;
  /// Settings of every connection: init_sql (re-run on every new connection), deadlines,
  /// connect timeout, keepalives.
  connection_options connection;
  /// Connections open at most (in use, idle and being opened). Kong: pg_pool_size.
  std::size_t max_size = 4;
  /// Connections warm_up() opens ahead of use.
  std::size_t min_size = 0;
  /// Callers that may wait for a connection at once; one more fails at once with POOL_EXHAUSTED.
  /// Kong: pg_backlog.
  std::size_t max_waiting = 64;
  /// How long a caller waits for a connection before ACQUIRE_TIMEOUT. Kong: pg_semaphore_timeout.
  int acquire_timeout_ms = 1000;
  /// Connections being opened at once (the rest wait for one of them or for a release).
  std::size_t max_connecting = 2;
  /// An idle connection older than this (since its last use) is closed instead of reused.
  /// Kong: pg_keepalive_timeout. 0: never.
  int max_idle_ms = 60000;
  /// A connection older than this (since it was opened) is closed when it comes back. 0: never.
  int max_lifetime_ms = 0;
  /// An idle connection unused for longer than this answers a round trip before it is handed out.
  int health_check_after_idle_ms = 5000;
  /// After a failed connect, new connections are not attempted for this long (doubling up to
  /// 2 s); callers wait for a release or fail with the connect error.
  int connect_backoff_ms = 50;
};

/// What a pool is doing, for a metrics system (a copy, taken under the pool's lock).
struct pool_stats {
  std::size_t size = 0;  // open connections: idle + in use (+ being opened)
  std::size_t idle = 0;
  std::size_t in_use = 0;
  std::size_t connecting = 0;
  std::size_t waiting = 0;
  unsigned long long acquired = 0;   // successful acquires
  unsigned long long created = 0;    // connections opened
  unsigned long long discarded = 0;  // closed: broken, in a transaction, too old, failed check
  unsigned long long rejected = 0;   // POOL_EXHAUSTED
  unsigned long long timeouts = 0;   // ACQUIRE_TIMEOUT
  unsigned long long connect_failures = 0;
  unsigned long long wait_ms_total = 0;  // time callers spent waiting, all acquires
  unsigned long long wait_ms_max = 0;
};

class pool;

/// A connection taken from a pool; given back when the lease ends. A connection that broke, or
/// that is left inside a transaction, is closed instead of being handed out again.
class lease {
 public:
  lease() = default;
  lease(lease&& o) noexcept
      : pool_(std::exchange(o.pool_, nullptr)), conn_(std::move(o.conn_)), born_ms_(o.born_ms_) {}
  lease& operator=(lease&& o) noexcept {
    if (this != &o) {
      release();
      pool_ = std::exchange(o.pool_, nullptr);
      conn_ = std::move(o.conn_);
      born_ms_ = o.born_ms_;
    }
    return *this;
  }
  lease(const lease&) = delete;
  lease& operator=(const lease&) = delete;
  ~lease() { release(); }

  // The connection stays at one address for the whole lease (moving the lease keeps it).
  connection& operator*() const noexcept { return *conn_; }
  connection* operator->() const noexcept { return conn_.get(); }
  connection& get() const noexcept { return *conn_; }
  /// Gives the connection back now.
  void release() noexcept;

 private:
  friend class pool;
  lease(pool* p, std::unique_ptr<connection> c, long long born) noexcept
      : pool_(p), conn_(std::move(c)), born_ms_(born) {}
  pool* pool_ = nullptr;
  std::unique_ptr<connection> conn_;
  long long born_ms_ = 0;
};

class pool {
 public:
  using connection_type = connection;

  explicit pool(pool_options o) : options_(std::move(o)) {}
  pool(const pool&) = delete;
  pool& operator=(const pool&) = delete;
  /// Leases must have ended before the pool is destroyed.
  ~pool() = default;

  /// Opens connections until min_size are open; the first failure is returned.
  result<void> warm_up() {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        if (total() >= options_.min_size || total() >= options_.max_size) return {};
        ++connecting_;
      }
      auto c = connection::open(options_.conninfo, options_.connection);
      std::unique_lock lock(mutex_);
      --connecting_;
      if (!c) {
        ++stats_.connect_failures;
        cv_.notify_all();
        return std::move(c).error();
      }
      ++stats_.created;
      const long long now = detail::monotonic_ms();
      idle_.push_back({std::make_unique<connection>(std::move(*c)), now, now, {}});
      cv_.notify_one();
    }
  }

  /// A connection: an idle one (checked when it idled long), a new one while below max_size,
  /// or the next one given back, waiting at most acquire_timeout_ms.
  result<lease> acquire() { return acquire_for(options_.acquire_timeout_ms); }

  result<lease> acquire_for(int timeout_ms) {
    const long long start = detail::monotonic_ms();
    const long long deadline = start + (timeout_ms < 0 ? 0 : timeout_ms);
    std::unique_lock lock(mutex_);
    bool counted_waiting = false;
    auto stop_waiting = [&] {
      if (counted_waiting) {
        --waiting_;
        counted_waiting = false;
      }
    };
    for (;;) {
      const long long now = detail::monotonic_ms();
      // 1. An idle connection: the one this thread used last if it is idle (its server backend
      // then tends to run next to this thread), else the newest (the oldest ones age out).
      while (!idle_.empty()) {
        std::size_t pick = idle_.size() - 1;
        const auto me = std::this_thread::get_id();
        for (std::size_t k = idle_.size(); k-- > 0;)
          if (idle_[k].last_user == me) {
            pick = k;
            break;
          }
        if (pick != idle_.size() - 1) std::swap(idle_[pick], idle_.back());
        idle_entry e = std::move(idle_.back());
        idle_.pop_back();
        if (too_old(e, now)) {
          ++stats_.discarded;
          lock.unlock();
          e.conn.reset();
          lock.lock();
          continue;
        }
        const bool check = options_.health_check_after_idle_ms >= 0 &&
                           now - e.idle_since_ms > options_.health_check_after_idle_ms;
        ++in_use_;
        stop_waiting();
        note_acquired(now - start);
        lock.unlock();
        if (check && !e.conn->execute_script("SELECT 1")) {
          e.conn.reset();
          lock.lock();
          --in_use_;
          ++stats_.discarded;
          cv_.notify_one();
          continue;
        }
        return lease(this, std::move(e.conn), e.born_ms);
      }
      // 2. A new connection.
      if (total() < options_.max_size && connecting_ < options_.max_connecting &&
          now >= next_connect_ms_) {
        ++connecting_;
        stop_waiting();
        lock.unlock();
        auto c = connection::open(options_.conninfo, options_.connection);
        lock.lock();
        --connecting_;
        if (!c) {
          ++stats_.connect_failures;
          connect_backoff_ =
              connect_backoff_ == 0 ? options_.connect_backoff_ms : connect_backoff_ * 2;
          if (connect_backoff_ > 2000) connect_backoff_ = 2000;
          next_connect_ms_ = detail::monotonic_ms() + connect_backoff_;
          last_connect_error_ = c.error();
          cv_.notify_all();
          return std::move(c).error();
        }
        connect_backoff_ = 0;
        next_connect_ms_ = 0;
        ++stats_.created;
        ++in_use_;
        note_acquired(detail::monotonic_ms() - start);
        const long long born = detail::monotonic_ms();
        return lease(this, std::make_unique<connection>(std::move(*c)), born);
      }
      // Nothing can be handed out or opened now. While connecting is failing and nothing is in
      // use to come back, waiting cannot help: the last connect error.
      if (now < next_connect_ms_ && in_use_ == 0 && connecting_ == 0 && idle_.empty()) {
        stop_waiting();
        error e = last_connect_error_;
        e.message = "no connection: connecting failed (" + e.message + "); next attempt in " +
                    std::to_string(next_connect_ms_ - now) + " ms";
        e.outcome = outcome::not_sent;
        return e;
      }
      // 3. Wait, if the queue has room.
      if (!counted_waiting) {
        if (waiting_ >= options_.max_waiting) {
          ++stats_.rejected;
          return detail::pool_error(error_code::pool_exhausted,
                                    "the pool is exhausted: " + std::to_string(options_.max_size) +
                                        " connections in use and " + std::to_string(waiting_) +
                                        " callers waiting (max_waiting)");
        }
        ++waiting_;
        counted_waiting = true;
      }
      const long long left = deadline - now;
      if (left <= 0) {
        stop_waiting();
        ++stats_.timeouts;
        note_wait(now - start);
        return detail::pool_error(error_code::acquire_timeout,
                                  "no connection within " + std::to_string(deadline - start) +
                                      " ms (" + std::to_string(in_use_) + " in use, max_size " +
                                      std::to_string(options_.max_size) + ")");
      }
      const long long wake =
          now < next_connect_ms_ && next_connect_ms_ < deadline ? next_connect_ms_ : deadline;
      cv_.wait_for(lock, std::chrono::milliseconds(wake - now > 0 ? wake - now : 1));
    }
  }

  pool_stats stats() const {
    std::unique_lock lock(mutex_);
    pool_stats s = stats_;
    s.idle = idle_.size();
    s.in_use = in_use_;
    s.connecting = connecting_;
    s.waiting = waiting_;
    s.size = idle_.size() + in_use_ + connecting_;
    return s;
  }

  const pool_options& options() const noexcept { return options_; }

 private:
  friend class lease;

  struct idle_entry {
    std::unique_ptr<connection> conn;
    long long idle_since_ms;
    long long born_ms;
    std::thread::id last_user;
  };

  std::size_t total() const noexcept { return idle_.size() + in_use_ + connecting_; }

  bool too_old(const idle_entry& e, long long now) const noexcept {
    return (options_.max_idle_ms > 0 && now - e.idle_since_ms > options_.max_idle_ms) ||
           (options_.max_lifetime_ms > 0 && now - e.born_ms > options_.max_lifetime_ms);
  }

  void note_acquired(long long waited) noexcept {
    ++stats_.acquired;
    note_wait(waited);
  }
  void note_wait(long long waited) noexcept {
    const auto w = static_cast<unsigned long long>(waited < 0 ? 0 : waited);
    stats_.wait_ms_total += w;
    if (w > stats_.wait_ms_max) stats_.wait_ms_max = w;
  }

  void give_back(std::unique_ptr<connection> c, long long born) noexcept {
    const long long now = detail::monotonic_ms();
    const bool reusable = c && c->is_open() && !c->in_transaction() && !c->transaction_lost() &&
                          !(options_.max_lifetime_ms > 0 && now - born > options_.max_lifetime_ms);
    if (!reusable) c.reset();  // outside the lock: PQfinish may take a moment
    std::unique_lock lock(mutex_);
    --in_use_;
    if (reusable) {
      try {
        idle_.push_back({std::move(c), now, born, std::this_thread::get_id()});
      } catch (...) {
        ++stats_.discarded;
      }
    } else {
      ++stats_.discarded;
    }
    cv_.notify_one();
  }

  pool_options options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<idle_entry> idle_;
  std::size_t in_use_ = 0;
  std::size_t connecting_ = 0;
  std::size_t waiting_ = 0;
  long long next_connect_ms_ = 0;
  int connect_backoff_ = 0;
  error last_connect_error_;
  pool_stats stats_;
};

inline void lease::release() noexcept {
  if (!pool_) return;
  pool* p = std::exchange(pool_, nullptr);
  p->give_back(std::move(conn_), born_ms_);
}

}  // namespace typedao::pg

#endif
