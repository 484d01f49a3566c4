#ifndef TYPEDAO_PG_REPLICAS_HPP
#define TYPEDAO_PG_REPLICAS_HPP

// typedao::pg::replicated_pool: a primary and any number of streaming replicas, each behind a
// pg::pool. Plain SELECTs of the DAO (select, select_by, page, page_for, each, count, cache-key
// lookups) go to a healthy replica that is not behind by more than max_lag_ms; everything else
// (writes, transactions, the locked reads of update's checks, migrate) goes to the primary. A
// read a replica fails for a connection reason is served by the primary. Read-your-writes: a
// thread's reads go to the primary until a replica has replayed past the primary's WAL position
// observed after that thread's last write. A thread of the pool's own reads the positions every
// check_interval_ms. docs/scale-out.md.

#include <typedao/dao/operation.hpp>
#include <typedao/error.hpp>
#include <typedao/pg/connection.hpp>
#include <typedao/pg/pool.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace typedao::pg {

/// Settings of a replicated_pool.
struct replica_options {
  /// The primary's pool: writes, transactions, locked reads, and reads no replica may serve.
  pool_options primary;
  /// Each replica's conninfo; its pool has the primary's other settings.
  std::vector<std::string> replicas;
  /// Connections per replica pool (0: primary.max_size).
  std::size_t replica_max_size = 0;
  /// A replica further behind the primary than this (ms of the primary's WAL not yet replayed)
  /// serves no reads until it catches up.
  int max_lag_ms = 5000;
  /// How often the primary's WAL position and each replica's replay position are read (ms).
  int check_interval_ms = 200;
  /// A thread's reads see its own earlier writes through this pool (see the header comment).
  bool read_your_writes = true;
};

/// One replica as the pool sees it (a copy).
struct replica_stats {
  bool healthy = false;              // answered the last check (and no read failed on it since)
  long long lag_ms = -1;             // how far behind at the last check (-1: unknown)
  unsigned long long reads = 0;      // reads it served
  unsigned long long failovers = 0;  // reads it failed that the primary served
  pool_stats pool;
};

struct replicated_stats {
  pool_stats primary;
  unsigned long long primary_reads =
      0;  // reads the primary served (no replica eligible, or after one failed)
  std::vector<replica_stats> replicas;
};

/// parses "16/B374D848" (pg_lsn as text); 0 when it is not one.
inline std::uint64_t parse_lsn(std::string_view s) noexcept {
  const std::size_t slash = s.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= s.size()) return 0;
  auto hex = [](std::string_view h, bool& ok) {
    std::uint64_t v = 0;
    for (char c : h) {
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                     : -1;
      if (d < 0 || h.size() > 8) ok = false;
      v = v * 16 + static_cast<std::uint64_t>(d < 0 ? 0 : d);
    }
    return v;
  };
  bool ok = true;
  const std::uint64_t hi = hex(s.substr(0, slash), ok), lo = hex(s.substr(slash + 1), ok);
  return ok ? (hi << 32 | lo) : 0;
}

class replicated_pool;

namespace detail {
// The calling thread's last write through each replicated pool (by pool id), in monotonic ms.
struct write_mark {
  unsigned long long pool = 0;
  long long at_ms = 0;
};
inline thread_local std::array<write_mark, 4> last_writes{};

inline long long steady_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace detail

/// A primary connection of a replicated_pool: when it goes back, the thread's reads see what it
/// wrote (read-your-writes).
class replicated_lease {
 public:
  replicated_lease(lease l, unsigned long long pool_id) noexcept
      : l_(std::move(l)), pool_id_(pool_id) {}
  replicated_lease(replicated_lease&& o) noexcept
      : l_(std::move(o.l_)), pool_id_(std::exchange(o.pool_id_, 0)) {}
  replicated_lease& operator=(replicated_lease&& o) noexcept {
    if (this != &o) {
      release();
      l_ = std::move(o.l_);
      pool_id_ = std::exchange(o.pool_id_, 0);
    }
    return *this;
  }
  ~replicated_lease() { release(); }
  connection& operator*() const noexcept { return *l_; }
  connection* operator->() const noexcept { return &*l_; }
  connection& get() const noexcept { return *l_; }
  void release() noexcept {
    if (pool_id_ == 0) return;
    l_.release();
    mark(std::exchange(pool_id_, 0));
  }

 private:
  static void mark(unsigned long long id) noexcept {
    auto& marks = detail::last_writes;
    write_mark* slot = &marks[0];
    for (auto& m : marks) {
      if (m.pool == id) {
        slot = &m;
        break;
      }
      if (m.at_ms < slot->at_ms) slot = &m;  // else the oldest
    }
    slot->pool = id;
    slot->at_ms = detail::steady_ms();
  }
  using write_mark = detail::write_mark;
  lease l_;
  unsigned long long pool_id_;
};

class replicated_pool {
  struct replica {
    std::unique_ptr<pool> p;
    std::string conninfo;
    std::atomic<bool> healthy{false};
    std::atomic<long long> lag_ms{-1};
    std::atomic<std::uint64_t> replayed{0};
    std::atomic<unsigned long long> reads{0}, failovers{0};
  };
  struct sample {
    long long at_ms;
    std::uint64_t lsn;
  };

 public:
  using connection_type = connection;

  explicit replicated_pool(replica_options o)
      : options_(std::move(o)), primary_(options_.primary), id_(next_id()) {
    for (const auto& ci : options_.replicas) {
      pool_options po = options_.primary;
      po.conninfo = ci;
      if (options_.replica_max_size != 0) po.max_size = options_.replica_max_size;
      auto r = std::make_unique<replica>();
      r->p = std::make_unique<pool>(std::move(po));
      r->conninfo = ci;
      replicas_.push_back(std::move(r));
    }
    check_now();
    checker_ = std::thread([this] { check_loop(); });
  }
  replicated_pool(const replicated_pool&) = delete;
  replicated_pool& operator=(const replicated_pool&) = delete;
  /// Leases must have ended before the pool is destroyed.
  ~replicated_pool() {
    {
      std::lock_guard<std::mutex> g(stop_m_);
      stop_ = true;
    }
    stop_cv_.notify_all();
    checker_.join();
  }

  /// A primary connection (writes, transactions).
  result<replicated_lease> acquire() { return wrap(primary_.acquire()); }
  /// A primary connection for one call under its deadline (pool::acquire_call).
  result<replicated_lease> acquire_call(int call_timeout_ms = -1) {
    return wrap(primary_.acquire_call(call_timeout_ms));
  }

  /// Runs a plain SELECT: on an eligible replica (round robin), else -- or when the replica fails
  /// it for a connection reason -- on the primary. (typedao::run calls it.)
  template <class T, std::size_t N, class F>
  result<T> run_read(const operation<T, N, F>& op, int timeout_ms) {
    if (replica* r = pick()) {
      auto l = r->p->acquire_call(timeout_ms);
      if (l) {
        auto out = run(**l, op);
        if (out || !replica_failure(out.error())) {
          r->reads.fetch_add(1, std::memory_order_relaxed);
          return out;
        }
      } else if (!replica_failure(l.error())) {
        return std::move(l).error();
      }
      r->healthy.store(false, std::memory_order_relaxed);  // until the next check
      r->failovers.fetch_add(1, std::memory_order_relaxed);
    }
    primary_reads_.fetch_add(1, std::memory_order_relaxed);
    auto l = primary_.acquire_call(timeout_ms);
    if (!l) return std::move(l).error();
    return run(**l, op);
  }

  /// Reads every position now (the pool's thread does it every check_interval_ms).
  void check_now() {
    std::lock_guard<std::mutex> g(check_m_);
    check_once();
  }

  replicated_stats stats() const {
    replicated_stats s;
    s.primary = primary_.stats();
    s.primary_reads = primary_reads_.load(std::memory_order_relaxed);
    for (const auto& r : replicas_) {
      replica_stats x;
      x.healthy = r->healthy.load(std::memory_order_relaxed);
      x.lag_ms = r->lag_ms.load(std::memory_order_relaxed);
      x.reads = r->reads.load(std::memory_order_relaxed);
      x.failovers = r->failovers.load(std::memory_order_relaxed);
      x.pool = r->p->stats();
      s.replicas.push_back(x);
    }
    return s;
  }

  pool& primary() noexcept { return primary_; }
  const replica_options& options() const noexcept { return options_; }

 private:
  static unsigned long long next_id() noexcept {
    static std::atomic<unsigned long long> n{0};
    return ++n;
  }

  result<replicated_lease> wrap(result<lease> l) {
    if (!l) return std::move(l).error();
    return replicated_lease(std::move(*l), id_);
  }

  // A failure that says nothing about the query: the replica's connection or availability.
  static bool replica_failure(const error& e) noexcept {
    if (e.code == error_code::pool_exhausted || e.code == error_code::acquire_timeout) return true;
    if (e.code != error_code::database_error) return false;
    const std::string& st = e.server.sqlstate;
    return st.empty() || st.rfind("08", 0) == 0 || st.rfind("57P", 0) == 0 ||
           st == "40001";  // canceled by a conflict with recovery
  }

  // The replica for a read, or null: healthy, within max_lag_ms, and past the primary position
  // seen after this thread's last write.
  replica* pick() {
    if (replicas_.empty()) return nullptr;
    std::uint64_t need = 0;
    if (options_.read_your_writes) {
      long long wrote = 0;
      for (const auto& m : detail::last_writes)
        if (m.pool == id_) wrote = m.at_ms;
      if (wrote != 0) {
        std::lock_guard<std::mutex> g(samples_m_);
        auto it = std::find_if(samples_.begin(), samples_.end(),
                               [&](const sample& s) { return s.at_ms >= wrote; });
        if (it == samples_.end()) return nullptr;  // not yet seen on the primary
        need = it->lsn;
      }
    }
    const std::size_t n = replicas_.size();
    const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < n; ++i) {
      replica& r = *replicas_[(start + i) % n];
      if (!r.healthy.load(std::memory_order_relaxed)) continue;
      const long long lag = r.lag_ms.load(std::memory_order_relaxed);
      if (lag < 0 || lag > options_.max_lag_ms) continue;
      if (r.replayed.load(std::memory_order_relaxed) < need) continue;
      return &r;
    }
    return nullptr;
  }

  void check_loop() {
    std::unique_lock<std::mutex> lk(stop_m_);
    while (!stop_) {
      stop_cv_.wait_for(lk, std::chrono::milliseconds(options_.check_interval_ms),
                        [this] { return stop_; });
      if (stop_) break;
      lk.unlock();
      check_now();
      lk.lock();
    }
  }

  // One text value of a one-row query on a checking connection (opened, or opened again, here).
  std::optional<std::string> ask(std::optional<connection>& c, const std::string& conninfo,
                                 const statement& s) {
    if (!c || !c->is_open()) {
      connection_options co = options_.primary.connection;
      co.init_sql.clear();
      co.connect_timeout_s = 2;
      co.timeout_ms = std::max(1000, options_.check_interval_ms);
      auto opened = connection::open(conninfo, co);
      if (!opened) {
        c.reset();
        return std::nullopt;
      }
      c.emplace(std::move(*opened));
    }
    auto r = c->execute(s, param_view{});
    if (!r || r->row_count() != 1 || PQgetisnull(r->native_handle(), 0, 0)) {
      if (!r) c.reset();
      return std::nullopt;
    }
    return std::string(r->data(0, 0), static_cast<std::size_t>(r->length(0, 0)));
  }

  static const statement& position_statement(bool replica_side) {
    static const statement primary{"SELECT pg_current_wal_lsn()::text",
                                   typedao::detail::next_statement_id(), 0, nullptr, nullptr};
    static const statement standby{"SELECT pg_last_wal_replay_lsn()::text",
                                   typedao::detail::next_statement_id(), 0, nullptr, nullptr};
    return replica_side ? standby : primary;
  }

  void check_once() {
    const long long t0 = detail::steady_ms();
    if (auto lsn = ask(primary_check_, options_.primary.conninfo, position_statement(false))) {
      std::lock_guard<std::mutex> g(samples_m_);
      samples_.push_back({t0, parse_lsn(*lsn)});
      // Kept: long enough to measure lag up to well past max_lag_ms.
      const long long keep = std::max<long long>(options_.max_lag_ms, 1000) * 4;
      while (samples_.size() > 2 && samples_.front().at_ms < t0 - keep) samples_.pop_front();
    }
    if (checks_.size() < replicas_.size()) checks_.resize(replicas_.size());
    for (std::size_t i = 0; i < replicas_.size(); ++i) {
      replica& r = *replicas_[i];
      auto replayed = ask(checks_[i], r.conninfo, position_statement(true));
      if (!replayed) {
        r.healthy.store(false, std::memory_order_relaxed);
        continue;
      }
      const std::uint64_t at = parse_lsn(*replayed);
      const long long now = detail::steady_ms();
      long long lag = 0;
      {
        // Behind by the age of the oldest primary position it has not replayed.
        std::lock_guard<std::mutex> g(samples_m_);
        for (const auto& s : samples_)
          if (s.lsn > at) {
            lag = now - s.at_ms;
            break;
          }
        if (samples_.empty()) lag = -1;
      }
      r.replayed.store(at, std::memory_order_relaxed);
      r.lag_ms.store(lag, std::memory_order_relaxed);
      r.healthy.store(true, std::memory_order_relaxed);
    }
  }

  replica_options options_;
  pool primary_;
  std::vector<std::unique_ptr<replica>> replicas_;
  unsigned long long id_;
  std::atomic<std::size_t> next_{0};
  std::atomic<unsigned long long> primary_reads_{0};
  std::mutex samples_m_;
  std::deque<sample> samples_;  // the primary's WAL positions, oldest first
  std::mutex check_m_;          // one check at a time
  std::optional<connection> primary_check_;
  std::vector<std::optional<connection>> checks_;
  std::mutex stop_m_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread checker_;
};

}  // namespace typedao::pg

#endif
