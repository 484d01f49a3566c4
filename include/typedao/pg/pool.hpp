#ifndef TYPEDAO_PG_POOL_HPP
#define TYPEDAO_PG_POOL_HPP

// typedao::pg::pool: a thread-safe pool of libpq connections. A DAO or a database over a pool
// takes a connection for each call and gives it back (a transaction keeps its connection until
// it ends), as Kong's kong.db does with its cosocket pool. docs/runtime.md maps Kong's pg_*
// settings onto pool_options.

#include <typedao/error.hpp>
#include <typedao/pg/connection.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
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
  /// connect_backoff_max_ms); callers wait for a release or fail with the connect error.
  int connect_backoff_ms = 50;
  /// The longest that back-off grows to: after a failover, the first new connection is tried
  /// at most this long after the new primary accepts them.
  int connect_backoff_max_ms = 1000;
};

/// Waiting times in log-linear buckets (8 per power of two: values within 12.5%), in
/// microseconds; fixed size, no allocation.
class wait_histogram {
 public:
  static constexpr std::size_t bucket_count = 8 * 36;  // up to 2^37 us (38 hours)

  void add(unsigned long long us) noexcept {
    ++counts_[index(us)];
    ++total_;
  }
  unsigned long long count() const noexcept { return total_; }
  /// The smallest bucket bound that at least `q` (0..1) of the values are below or at (0 when
  /// empty).
  unsigned long long percentile(double q) const noexcept {
    if (total_ == 0) return 0;
    auto want = static_cast<unsigned long long>(q * static_cast<double>(total_) + 0.5);
    if (want == 0) want = 1;
    unsigned long long seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= want) return upper(i);
    }
    return upper(bucket_count - 1);
  }

 private:
  static std::size_t index(unsigned long long v) noexcept {
    if (v < 8) return static_cast<std::size_t>(v);
    const int msb = 63 - __builtin_clzll(v);
    const std::size_t i =
        static_cast<std::size_t>(msb - 2) * 8 + static_cast<std::size_t>((v >> (msb - 3)) & 7);
    return i < bucket_count ? i : bucket_count - 1;
  }
  // The largest value of bucket i.
  static unsigned long long upper(std::size_t i) noexcept {
    if (i < 8) return i;
    const std::size_t msb = i / 8 + 2, sub = i % 8;
    return ((8ull + sub + 1) << (msb - 3)) - 1;
  }
  unsigned long long counts_[bucket_count] = {};
  unsigned long long total_ = 0;
};

/// What a pool is doing, for a metrics system (a copy, taken under the pool's lock). Counters
/// only grow; export them as counters and the sizes as gauges.
struct pool_stats {
  std::size_t size = 0;  // open connections: idle + in use (+ being opened)
  std::size_t idle = 0;
  std::size_t in_use = 0;
  std::size_t connecting = 0;
  std::size_t waiting = 0;
  unsigned long long acquired = 0;             // successful acquires
  unsigned long long created = 0;              // connections opened
  unsigned long long discarded = 0;            // connections closed, for any of the reasons below
  unsigned long long discarded_broken = 0;     // failed, or left in (or having lost) a transaction
  unsigned long long discarded_aged = 0;       // past max_idle_ms or max_lifetime_ms
  unsigned long long discarded_unhealthy = 0;  // failed the health check after idling
  unsigned long long reconnects = 0;  // sessions re-established by a connection while leased
  unsigned long long rejected = 0;    // POOL_EXHAUSTED
  unsigned long long timeouts = 0;    // ACQUIRE_TIMEOUT, or the call's deadline while waiting
  unsigned long long connect_failures = 0;
  // Time from asking to holding a connection, over successful acquires (microseconds).
  unsigned long long wait_us_total = 0;
  unsigned long long wait_us_max = 0;
  unsigned long long wait_us_p50 = 0;
  unsigned long long wait_us_p90 = 0;
  unsigned long long wait_us_p99 = 0;
};

class pool;

/// A connection taken from a pool; given back when the lease ends. A connection that broke, or
/// that is left inside a transaction, is closed instead of being handed out again.
class lease {
 public:
  lease() = default;
  lease(lease&& o) noexcept
      : pool_(std::exchange(o.pool_, nullptr)),
        conn_(std::move(o.conn_)),
        born_ms_(o.born_ms_),
        seen_(o.seen_) {}
  lease& operator=(lease&& o) noexcept {
    if (this != &o) {
      release();
      pool_ = std::exchange(o.pool_, nullptr);
      conn_ = std::move(o.conn_);
      born_ms_ = o.born_ms_;
      seen_ = o.seen_;
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
      : pool_(p), conn_(std::move(c)), born_ms_(born), seen_(conn_->reconnects()) {}
  pool* pool_ = nullptr;
  std::unique_ptr<connection> conn_;
  long long born_ms_ = 0;
  unsigned long long seen_ = 0;  // the connection's reconnects() when it was lent
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
        wake_first();
        return std::move(c).error();
      }
      ++stats_.created;
      const long long now = detail::monotonic_ms();
      ++in_use_;  // as if lent and given back at once
      put_back(std::make_unique<connection>(std::move(*c)), now, now);
    }
  }

  /// A connection: an idle one (checked when it idled long), a new one while below max_size,
  /// or the next one given back, waiting at most acquire_timeout_ms. The lease has no deadline
  /// of its own: each call on it has the connection's timeout_ms.
  result<lease> acquire() { return acquire_for(options_.acquire_timeout_ms); }

  /// The same, waiting at most `timeout_ms`.
  result<lease> acquire_for(int timeout_ms) {
    const long long start = detail::monotonic_us();
    return take(start, start + 1000LL * (timeout_ms < 0 ? 0 : timeout_ms), 0);
  }

  /// A connection for one call whose deadline is `call_timeout_ms` from now (-1: the
  /// connection's timeout_ms; 0: none): the wait counts against it (DEADLINE_EXCEEDED, not_sent,
  /// when it passes first, else ACQUIRE_TIMEOUT), and the lease carries what is left as one
  /// deadline for everything the call sends. What a DAO call on a pool uses.
  result<lease> acquire_call(int call_timeout_ms = -1) {
    const int budget = call_timeout_ms < 0 ? options_.connection.timeout_ms : call_timeout_ms;
    const long long start = detail::monotonic_us();
    const long long wait_until = start + 1000LL * options_.acquire_timeout_ms;
    if (budget <= 0) {
      auto l = take(start, wait_until, 0);
      if (l) l->conn_->set_call_deadline(0, 0);
      return l;
    }
    const long long call_until = start + 1000LL * budget;
    auto l = take(start, call_until < wait_until ? call_until : wait_until,
                  call_until <= wait_until ? budget : 0);
    if (l) l->conn_->set_call_deadline(call_until / 1000, budget);
    return l;
  }

 private:
  // A caller waiting for a connection, first come first served: a connection given back goes
  // straight to the first waiter (no caller that arrives later can take it first).
  struct waiter {
    std::condition_variable cv;
    std::unique_ptr<connection> conn;  // handed over by give_back
    long long born_ms = 0;
  };

  TYPEDAO_COLD error exhausted(std::size_t waiting) noexcept {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return detail::pool_error(error_code::pool_exhausted,
                              "the pool is exhausted: " + std::to_string(options_.max_size) +
                                  " connections in use and " + std::to_string(waiting) +
                                  " callers waiting (max_waiting)");
  }

  // Waits until `until` (us); `call_budget` > 0: that limit is the call's deadline.
  result<lease> take(const long long start, const long long until, const int call_budget) {
    // A full line refuses without taking the lock: under overload, refusals cost the callers
    // that are served nothing (waiters exist only while every connection is in use).
    if (const auto q = queued_.load(std::memory_order_relaxed);
        options_.max_waiting > 0 && q >= options_.max_waiting)
      return exhausted(q);
    std::unique_lock lock(mutex_);
    waiter w;
    bool queued = false;
    auto leave = [&] {
      if (!queued) return;
      queued = false;
      const bool was_first = waiters_.front() == &w;
      for (auto it = waiters_.begin(); it != waiters_.end(); ++it)
        if (*it == &w) {
          waiters_.erase(it);
          queued_.store(waiters_.size(), std::memory_order_relaxed);
          break;
        }
      if (was_first) wake_first();  // the next one may be able to go now
    };
    for (;;) {
      if (w.conn) {  // handed over (give_back took us off the queue)
        queued = false;
        note_acquired(detail::monotonic_us() - start);
        return lease(this, std::move(w.conn), w.born_ms);
      }
      const long long now_us = detail::monotonic_us();
      const long long now = now_us / 1000;
      const bool my_turn = waiters_.empty() || waiters_.front() == &w;
      // 1. An idle connection: the one this thread used last if it is idle (its server backend
      // then tends to run next to this thread), else the newest (the oldest ones age out).
      while (my_turn && !idle_.empty()) {
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
          ++stats_.discarded_aged;
          lock.unlock();
          e.conn.reset();
          lock.lock();
          continue;
        }
        const bool check = options_.health_check_after_idle_ms >= 0 &&
                           now - e.idle_since_ms > options_.health_check_after_idle_ms;
        ++in_use_;
        leave();
        if (!check) {
          note_acquired(now_us - start);
          lock.unlock();
          return lease(this, std::move(e.conn), e.born_ms);
        }
        lock.unlock();
        if (!e.conn->execute_script("SELECT 1")) {
          e.conn.reset();
          lock.lock();
          --in_use_;
          ++stats_.discarded;
          ++stats_.discarded_unhealthy;
          wake_first();
          continue;
        }
        lock.lock();
        note_acquired(detail::monotonic_us() - start);
        lock.unlock();
        return lease(this, std::move(e.conn), e.born_ms);
      }
      // 2. A new connection.
      if (my_turn && total() < options_.max_size && connecting_ < options_.max_connecting &&
          now >= next_connect_ms_) {
        ++connecting_;
        leave();
        lock.unlock();
        auto c = connection::open(options_.conninfo, options_.connection);
        lock.lock();
        --connecting_;
        if (!c) {
          ++stats_.connect_failures;
          connect_backoff_ =
              connect_backoff_ == 0 ? options_.connect_backoff_ms : connect_backoff_ * 2;
          if (connect_backoff_ > options_.connect_backoff_max_ms)
            connect_backoff_ = options_.connect_backoff_max_ms;
          next_connect_ms_ = detail::monotonic_ms() + connect_backoff_;
          last_connect_error_ = c.error();
          wake_first();
          return std::move(c).error();
        }
        connect_backoff_ = 0;
        next_connect_ms_ = 0;
        ++stats_.created;
        ++in_use_;
        note_acquired(detail::monotonic_us() - start);
        const long long born = detail::monotonic_ms();
        return lease(this, std::make_unique<connection>(std::move(*c)), born);
      }
      // Nothing can be handed out or opened now. While connecting is failing and nothing is in
      // use to come back, waiting cannot help: the last connect error.
      if (now < next_connect_ms_ && in_use_ == 0 && connecting_ == 0 && idle_.empty()) {
        leave();
        error e = last_connect_error_;
        e.message = "no connection: connecting failed (" + e.message + "); next attempt in " +
                    std::to_string(next_connect_ms_ - now) + " ms";
        e.outcome = outcome::not_sent;
        return e;
      }
      // 3. Wait in line, if the line has room.
      if (!queued) {
        if (waiters_.size() >= options_.max_waiting) {
          lock.unlock();
          return exhausted(waiters_.size());
        }
        waiters_.push_back(&w);
        queued_.store(waiters_.size(), std::memory_order_relaxed);
        queued = true;
      }
      if (now_us >= until) {
        leave();
        ++stats_.timeouts;
        const auto in_use =
            std::to_string(in_use_) + " in use, max_size " + std::to_string(options_.max_size);
        if (call_budget > 0)
          return detail::pool_error(error_code::deadline_exceeded,
                                    "the call's deadline of " + std::to_string(call_budget) +
                                        " ms passed while waiting for a connection (" + in_use +
                                        "; nothing sent)");
        return detail::pool_error(error_code::acquire_timeout,
                                  "no connection within " + std::to_string((until - start) / 1000) +
                                      " ms (" + in_use + ")");
      }
      const long long wake_us = now < next_connect_ms_ && next_connect_ms_ * 1000 < until
                                    ? next_connect_ms_ * 1000
                                    : until;
      w.cv.wait_for(lock, std::chrono::microseconds(wake_us - now_us > 0 ? wake_us - now_us : 1));
    }
  }

  // Under the lock: the first waiter looks again (a connection may be opened, or an idle one
  // taken).
  void wake_first() noexcept {
    if (!waiters_.empty()) waiters_.front()->cv.notify_one();
  }

 public:
  pool_stats stats() const {
    std::unique_lock lock(mutex_);
    pool_stats s = stats_;
    s.idle = idle_.size();
    s.in_use = in_use_;
    s.connecting = connecting_;
    s.waiting = waiters_.size();
    s.rejected = rejected_.load(std::memory_order_relaxed);
    s.size = idle_.size() + in_use_ + connecting_;
    s.wait_us_p50 = waits_.percentile(0.50);
    s.wait_us_p90 = waits_.percentile(0.90);
    s.wait_us_p99 = waits_.percentile(0.99);
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

  void note_acquired(long long waited_us) noexcept {
    ++stats_.acquired;
    const auto w = static_cast<unsigned long long>(waited_us < 0 ? 0 : waited_us);
    stats_.wait_us_total += w;
    if (w > stats_.wait_us_max) stats_.wait_us_max = w;
    waits_.add(w);
  }

  void give_back(std::unique_ptr<connection> c, long long born, unsigned long long seen) noexcept {
    const long long now = detail::monotonic_ms();
    unsigned long long reconnected = 0;
    bool broken = !c, aged = false;
    if (c) {
      c->clear_call_deadline();
      reconnected = c->reconnects() - seen;
      broken = !c->is_open() || c->in_transaction() || c->transaction_lost();
      aged = options_.max_lifetime_ms > 0 && now - born > options_.max_lifetime_ms;
    }
    const bool reusable = !broken && !aged;
    if (!reusable) c.reset();  // outside the lock: PQfinish may take a moment
    std::unique_lock lock(mutex_);
    stats_.reconnects += reconnected;
    if (reusable) {
      put_back(std::move(c), now, born);
    } else {
      --in_use_;
      ++stats_.discarded;
      ++(broken ? stats_.discarded_broken : stats_.discarded_aged);
      wake_first();  // room for a new connection
    }
  }

  // Under the lock: a connection in use comes back, to the first waiter or to the idle list.
  void put_back(std::unique_ptr<connection> c, long long now, long long born) noexcept {
    if (!waiters_.empty()) {
      waiter* w = waiters_.front();
      waiters_.pop_front();
      queued_.store(waiters_.size(), std::memory_order_relaxed);
      w->conn = std::move(c);  // still in use: now the waiter's
      w->born_ms = born;
      w->cv.notify_one();
      return;
    }
    --in_use_;
    try {
      idle_.push_back({std::move(c), now, born, std::this_thread::get_id()});
    } catch (...) {
      ++stats_.discarded;
      ++stats_.discarded_broken;
    }
  }

  pool_options options_;
  mutable std::mutex mutex_;
  std::vector<idle_entry> idle_;
  std::size_t in_use_ = 0;
  std::size_t connecting_ = 0;
  std::deque<waiter*> waiters_;         // first in line first
  std::atomic<std::size_t> queued_{0};  // waiters_.size(), read without the lock
  std::atomic<unsigned long long> rejected_{0};
  long long next_connect_ms_ = 0;
  int connect_backoff_ = 0;
  error last_connect_error_;
  pool_stats stats_;
  wait_histogram waits_;
};

inline void lease::release() noexcept {
  if (!pool_) return;
  pool* p = std::exchange(pool_, nullptr);
  p->give_back(std::move(conn_), born_ms_, seen_);
}

}  // namespace typedao::pg

#endif
