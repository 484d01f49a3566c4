#ifndef TYPEDAO_PG_ASYNC_POOL_HPP
#define TYPEDAO_PG_ASYNC_POOL_HPP

// typedao::pg::async_pool: asynchronous connections on one Asio executor, shared by many
// coroutines. A single operation goes to the open connection with the fewest operations in
// flight (pipelined with the others there, up to max_pipeline each); a transaction takes a
// connection of its own (async_acquire). The same settings and typed errors as pg::pool:
// max_size, max_connecting, connect back-off, a bounded wait line (POOL_EXHAUSTED), an acquire
// timeout (ACQUIRE_TIMEOUT); broken connections are replaced. docs/async.md.

#include <typedao/error.hpp>
#include <typedao/pg/async_connection.hpp>
#include <typedao/pg/pool.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

namespace typedao::pg {

class async_pool;
namespace detail {
struct async_pool_impl;
}

/// A connection of an async_pool held for one caller (a transaction): nothing else is sent on
/// it until the lease ends.
class async_lease {
 public:
  async_lease() = default;
  async_lease(async_lease&& o) noexcept
      : pool_(std::exchange(o.pool_, nullptr)), slot_(std::exchange(o.slot_, nullptr)) {}
  async_lease& operator=(async_lease&& o) noexcept {
    if (this != &o) {
      release();
      pool_ = std::exchange(o.pool_, nullptr);
      slot_ = std::exchange(o.slot_, nullptr);
    }
    return *this;
  }
  ~async_lease() { release(); }

  async_connection& operator*() const noexcept;
  async_connection* operator->() const noexcept { return &**this; }
  void release() noexcept;

 private:
  friend struct detail::async_pool_impl;
  async_lease(std::shared_ptr<void> pool, void* slot) noexcept
      : pool_(std::move(pool)), slot_(slot) {}
  std::shared_ptr<void> pool_;
  void* slot_ = nullptr;
};

namespace detail {

struct async_pool_impl : std::enable_shared_from_this<async_pool_impl> {
  using exec_handler = boost::asio::any_completion_handler<void(result<rows>)>;
  using lease_handler = boost::asio::any_completion_handler<void(result<async_lease>)>;

  struct slot {
    explicit slot(boost::asio::any_io_executor ex, const connection_options& o) : conn(ex, o) {}
    async_connection conn;
    bool ready = false;   // connected
    bool leased = false;  // held by an async_lease
  };

  // A caller waiting for room: an operation to send, or a lease to hand out.
  struct waiter {
    const statement* stmt = nullptr;
    param_view params;
    exec_options eo;
    exec_handler on_rows;
    lease_handler on_lease;
    long long deadline_ms = 0;
  };

  async_pool_impl(boost::asio::any_io_executor ex, pool_options o, std::size_t max_pipeline)
      : ex_(std::move(ex)), options_(std::move(o)), max_pipeline_(max_pipeline), timer_(ex_) {}

  boost::asio::any_io_executor ex_;
  pool_options options_;
  std::size_t max_pipeline_;
  boost::asio::steady_timer timer_;
  long long armed_ms_ = 0;
  std::vector<std::unique_ptr<slot>> slots_;
  std::deque<std::unique_ptr<waiter>> waiters_;
  std::size_t connecting_ = 0;
  long long next_connect_ms_ = 0;
  int backoff_ms_ = 0;
  error last_connect_error_;
  pool_stats stats_;

  // An open connection with room (fewest in flight), or null. Closed ones are dropped.
  slot* pick(bool exclusive) {
    slot* best = nullptr;
    for (std::size_t i = 0; i < slots_.size();) {
      slot& s = *slots_[i];
      if (s.ready && !s.conn.is_open() && s.conn.in_flight() == 0 && !s.leased) {
        ++stats_.discarded;
        ++stats_.discarded_broken;
        slots_.erase(slots_.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      ++i;
      if (!s.ready || s.leased || !s.conn.is_open()) continue;
      const std::size_t n = s.conn.in_flight();
      if (exclusive ? n != 0 : n >= max_pipeline_) continue;
      if (!best || n < best->conn.in_flight()) best = &s;
    }
    return best;
  }

  void execute(const statement& st, param_view p, exec_options eo, exec_handler h) {
    if (waiters_.empty()) {
      if (slot* s = pick(false)) return send(*s, st, p, eo, std::move(h));
    }
    auto w = std::make_unique<waiter>();
    w->stmt = &st;
    w->params = p;
    w->eo = eo;
    w->on_rows.swap(h);
    enqueue(std::move(w));
  }

  void acquire(lease_handler h) {
    if (waiters_.empty()) {
      if (slot* s = pick(true)) return lend(*s, std::move(h));
    }
    auto w = std::make_unique<waiter>();
    w->on_lease.swap(h);
    enqueue(std::move(w));
  }

  void send(slot& s, const statement& st, param_view p, exec_options eo, exec_handler h) {
    ++stats_.acquired;
    s.conn.async_execute(st, p, eo,
                         [self = shared_from_this(), h = std::move(h)](result<rows> r) mutable {
                           self->serve();  // room on that connection: the next waiter goes
                           std::move(h)(std::move(r));
                         });
  }

  void lend(slot& s, lease_handler h) {
    ++stats_.acquired;
    s.leased = true;
    boost::asio::post(ex_, [h = std::move(h), l = async_lease(shared_from_this(), &s)]() mutable {
      std::move(h)(result<async_lease>(std::move(l)));
    });
  }

  void give_back(slot* s) {
    s->leased = false;
    serve();
  }

  void enqueue(std::unique_ptr<waiter> w) {
    if (waiters_.size() >= options_.max_waiting) {
      ++stats_.rejected;
      fail(*w, pool_error(error_code::pool_exhausted,
                          "the pool is exhausted: " + std::to_string(slots_.size()) +
                              " connections busy and " + std::to_string(waiters_.size()) +
                              " callers waiting (max_waiting)"));
      return;
    }
    w->deadline_ms = monotonic_ms() + options_.acquire_timeout_ms;
    const long long d = w->deadline_ms;
    waiters_.push_back(std::move(w));
    arm(d);
    grow();
  }

  // Opens a connection when the line waits and the pool may grow.
  void grow() {
    if (waiters_.empty() || slots_.size() >= options_.max_size ||
        connecting_ >= options_.max_connecting || monotonic_ms() < next_connect_ms_)
      return;
    auto s = std::make_unique<slot>(ex_, options_.connection);
    slot* raw = s.get();
    slots_.push_back(std::move(s));
    ++connecting_;
    raw->conn.async_connect(options_.conninfo, [self = shared_from_this(), raw](result<void> r) {
      self->connected(raw, std::move(r));
    });
  }

  void connected(slot* s, result<void> r) {
    --connecting_;
    if (!r) {
      ++stats_.connect_failures;
      backoff_ms_ = backoff_ms_ == 0 ? options_.connect_backoff_ms : backoff_ms_ * 2;
      if (backoff_ms_ > 2000) backoff_ms_ = 2000;
      next_connect_ms_ = monotonic_ms() + backoff_ms_;
      last_connect_error_ = r.error();
      for (std::size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].get() == s) {
          slots_.erase(slots_.begin() + static_cast<std::ptrdiff_t>(i));
          break;
        }
      // Nothing open to wait for: the line gets the connect error now.
      bool any_open = false;
      for (auto& x : slots_) any_open = any_open || (x->ready && x->conn.is_open());
      if (!any_open && connecting_ == 0) {
        auto line = std::move(waiters_);
        waiters_.clear();
        for (auto& w : line) {
          error e = last_connect_error_;
          e.message = "no connection: connecting failed (" + e.message + ")";
          e.outcome = outcome::not_sent;
          fail(*w, std::move(e));
        }
      }
      arm(next_connect_ms_);
      return;
    }
    backoff_ms_ = 0;
    next_connect_ms_ = 0;
    ++stats_.created;
    s->ready = true;
    serve();
  }

  // Hands room to the waiters, first come first served.
  void serve() {
    while (!waiters_.empty()) {
      waiter& w = *waiters_.front();
      const bool exclusive = static_cast<bool>(w.on_lease);
      slot* s = pick(exclusive);
      if (!s) break;
      auto taken = std::move(waiters_.front());
      waiters_.pop_front();
      if (exclusive)
        lend(*s, std::move(taken->on_lease));
      else
        send(*s, *taken->stmt, taken->params, taken->eo, std::move(taken->on_rows));
    }
    grow();
    // Nobody waits and no connect is pending: no timer keeps the executor busy.
    if (waiters_.empty() && armed_ms_ != 0 && next_connect_ms_ <= monotonic_ms()) {
      armed_ms_ = 0;
      timer_.cancel();
    }
  }

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
// g++ 12 -O2 sees result<async_lease>'s inactive value member "maybe uninitialized" when the
// result holds an error (a false positive in the inlined move).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
  void fail(waiter& w, error e) {
    if (w.on_lease) {
      boost::asio::post(ex_, [h = std::move(w.on_lease), e = std::move(e)]() mutable {
        std::move(h)(result<async_lease>(std::move(e)));
      });
    } else {
      boost::asio::post(ex_, [h = std::move(w.on_rows), e = std::move(e)]() mutable {
        std::move(h)(result<rows>(std::move(e)));
      });
    }
  }

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

  void arm(long long at_ms) {
    if (at_ms == 0 || (armed_ms_ != 0 && armed_ms_ <= at_ms)) return;
    armed_ms_ = at_ms;
    timer_.expires_after(std::chrono::milliseconds(at_ms - monotonic_ms()));
    timer_.async_wait([w = weak_from_this(), at_ms](const boost::system::error_code& ec) {
      auto self = w.lock();
      if (ec || !self || self->armed_ms_ != at_ms) return;
      self->armed_ms_ = 0;
      self->on_timer();
    });
  }

  void on_timer() {
    const long long now = monotonic_ms();
    while (!waiters_.empty() && waiters_.front()->deadline_ms <= now) {
      auto w = std::move(waiters_.front());
      waiters_.pop_front();
      ++stats_.timeouts;
      fail(*w, pool_error(error_code::acquire_timeout,
                          "no connection within " + std::to_string(options_.acquire_timeout_ms) +
                              " ms (" + std::to_string(slots_.size()) + " connections busy)"));
    }
    grow();
    if (!waiters_.empty()) arm(waiters_.front()->deadline_ms);
    if (next_connect_ms_ > now) arm(next_connect_ms_);
  }
};

}  // namespace detail

/// Asynchronous connections shared by many coroutines on one executor.
class async_pool {
 public:
  using executor_type = boost::asio::any_io_executor;

  /// `max_pipeline`: operations in flight on one connection at most.
  async_pool(executor_type ex, pool_options o, std::size_t max_pipeline = 64)
      : impl_(
            std::make_shared<detail::async_pool_impl>(std::move(ex), std::move(o), max_pipeline)) {}
  async_pool(const async_pool&) = delete;
  async_pool& operator=(const async_pool&) = delete;

  executor_type get_executor() const noexcept { return impl_->ex_; }

  /// Sends one statement on a shared connection (pipelined with the others there), waiting in
  /// line when every connection is full. Completion: void(result<pg::rows>).
  template <class Token>
  auto async_execute(const statement& s, param_view p, exec_options o, Token&& token) {
    return boost::asio::async_initiate<Token, void(result<rows>)>(
        [impl = impl_](auto handler, const statement* s, param_view p, exec_options o) {
          detail::async_pool_impl::exec_handler h(std::move(handler));
          impl->execute(*s, p, o, std::move(h));
        },
        token, &s, p, o);
  }

  /// A connection of its own (for a transaction) until the lease ends.
  /// Completion: void(result<async_lease>).
  template <class Token>
  auto async_acquire(Token&& token) {
    return boost::asio::async_initiate<Token, void(result<async_lease>)>(
        [impl = impl_](auto handler) {
          detail::async_pool_impl::lease_handler h(std::move(handler));
          impl->acquire(std::move(h));
        },
        token);
  }

  pool_stats stats() const {
    pool_stats s = impl_->stats_;
    s.waiting = impl_->waiters_.size();
    s.connecting = impl_->connecting_;
    s.size = impl_->slots_.size();
    for (auto& x : impl_->slots_) {
      if (x->leased || x->conn.in_flight() > 0)
        ++s.in_use;
      else if (x->ready)
        ++s.idle;
    }
    return s;
  }

 private:
  std::shared_ptr<detail::async_pool_impl> impl_;
};

inline async_connection& async_lease::operator*() const noexcept {
  return static_cast<detail::async_pool_impl::slot*>(slot_)->conn;
}

inline void async_lease::release() noexcept {
  if (!slot_) return;
  auto pool = std::static_pointer_cast<detail::async_pool_impl>(std::exchange(pool_, nullptr));
  auto* s = static_cast<detail::async_pool_impl::slot*>(std::exchange(slot_, nullptr));
  pool->give_back(s);
}

}  // namespace typedao::pg

#endif
