#ifndef TYPEDAO_ASYNC_TRANSACTION_HPP
#define TYPEDAO_ASYNC_TRANSACTION_HPP

// Transactions on the asynchronous connector: async_begin -> async_transaction (its DAOs,
// commit, rollback, nested scopes as savepoints, ROLLBACK at scope end), and async_transact
// (a coroutine run in a transaction, again after a serialization failure or deadlock).
// docs/async.md.

#include <typedao/async/dao.hpp>
#include <typedao/async/run.hpp>
#include <typedao/dao/transaction.hpp>
#include <typedao/error.hpp>
#include <typedao/pg/async_connection.hpp>
#include <typedao/pg/async_pool.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

namespace typedao {

namespace detail {
template <class R>
struct is_awaitable_result : std::false_type {};
template <class R, class Ex>
struct is_awaitable_result<boost::asio::awaitable<R, Ex>> : is_basic_result<R> {};
}  // namespace detail

/// A transaction on a connection of its own: a lease of an async_pool, or a hold of an
/// async_connection (other callers' statements on it wait, unsent, until the transaction
/// ends). `auto tx = co_await typedao::async_begin<Registry>(pool);`, then `tx->dao<T>()`,
/// `co_await tx->commit()`. A scope that ends without commit() or rollback() rolls back (sent
/// without waiting; the connection is given back once the server has answered).
template <class Registry>
class async_transaction {
 public:
  async_transaction(async_transaction&& o) noexcept
      : conn_(o.conn_),
        lease_(std::move(o.lease_)),
        hold_(std::move(o.hold_)),
        eo_(o.eo_),
        savepoint_(std::move(o.savepoint_)),
        depth_(o.depth_),
        active_(std::exchange(o.active_, false)) {}
  async_transaction& operator=(async_transaction&&) = delete;
  async_transaction(const async_transaction&) = delete;
  ~async_transaction() {
    if (!active_ || !conn_ || !conn_->is_open()) return;
    // Rolled back without waiting; the lease or hold (if any) is kept until the server has
    // answered.
    auto done = [lease = std::move(lease_), hold = std::move(hold_)](result<pg::rows>) mutable {
      hold.release();
      lease.release();
    };
    if (savepoint_.empty()) {
      conn_->async_execute_script("ROLLBACK", eo_, std::move(done));
    } else {
      conn_->async_execute_script("ROLLBACK TO SAVEPOINT " + savepoint_, eo_,
                                  [](result<pg::rows>) {});
      conn_->async_execute_script("RELEASE SAVEPOINT " + savepoint_, eo_, std::move(done));
    }
  }

  /// The DAO of an entity, inside this transaction.
  template <class T>
  async_dao<T, pg::async_connection, Registry> dao() const noexcept {
    return async_dao<T, pg::async_connection, Registry>(detail::async_tx_key{}, *conn_, eo_);
  }
  pg::async_connection& connection() const noexcept { return *conn_; }
  /// Begun, and neither committed nor rolled back.
  bool active() const noexcept { return active_; }
  /// A savepoint inside an outer transaction.
  bool is_nested() const noexcept { return !savepoint_.empty(); }
  /// What statements of this transaction are sent with (its hold on a shared connection).
  const pg::exec_options& exec_options() const noexcept { return eo_; }

  /// COMMIT (RELEASE SAVEPOINT when nested). Completion: void(result<void>); the scope has
  /// ended either way (a failed COMMIT committed nothing unless its error says maybe_applied).
  template <class Token = default_token>
  auto commit(Token&& token = {}) {
    return end(true, std::forward<Token>(token));
  }
  /// ROLLBACK (ROLLBACK TO SAVEPOINT when nested: the outer transaction goes on).
  /// Completion: void(result<void>).
  template <class Token = default_token>
  auto rollback(Token&& token = {}) {
    return end(false, std::forward<Token>(token));
  }

  /// A nested scope (SAVEPOINT): its commit keeps its work in this transaction, its rollback
  /// or its end without commit undoes only its own work. It must end before this one.
  /// Completion: void(result<async_transaction>).
  template <class Token = default_token>
  auto nested(Token&& token = {}) {
    return boost::asio::async_initiate<Token, void(result<async_transaction>)>(
        [this](auto handler) {
          std::string name = "typedao_asp" + std::to_string(depth_ + 1);
          if (!active_) {
            detail::post_result<async_transaction>(
                conn_->get_executor(), std::move(handler),
                result<async_transaction>(detail::make_error(error_code::invalid_options,
                                                             "the transaction has already ended")));
            return;
          }
          conn_->async_execute_script(
              "SAVEPOINT " + name, eo_,
              [c = conn_, eo = eo_, name, depth = depth_ + 1,
               h = std::move(handler)](result<pg::rows> r) mutable {
                if (!r) return std::move(h)(result<async_transaction>(std::move(r).error()));
                async_transaction inner(detail::async_tx_key{}, *c, pg::async_lease(),
                                        pg::async_connection::hold(), eo);
                inner.savepoint_ = std::move(name);
                inner.depth_ = depth;
                std::move(h)(result<async_transaction>(std::move(inner)));
              });
        },
        token);
  }

  /// Made by async_begin (after its BEGIN succeeded).
  async_transaction(detail::async_tx_key, pg::async_connection& c, pg::async_lease lease,
                    pg::async_connection::hold hold, const pg::exec_options& eo)
      : conn_(&c), lease_(std::move(lease)), hold_(std::move(hold)), eo_(eo) {}

 private:
  template <class Token>
  auto end(bool commit, Token&& token) {
    const bool was_active = std::exchange(active_, false);
    return boost::asio::async_initiate<Token, void(result<void>)>(
        [this, was_active, commit](auto handler) {
          if (!was_active) {
            detail::post_result<void>(
                conn_->get_executor(), std::move(handler),
                result<void>(detail::make_error(error_code::invalid_options,
                                                "the transaction has already ended")));
            return;
          }
          // The lease or hold goes back once the server has answered.
          auto done = [lease = std::move(lease_), hold = std::move(hold_),
                       h = std::move(handler)](result<pg::rows> r) mutable {
            hold.release();
            lease.release();
            std::move(h)(r ? result<void>() : result<void>(std::move(r).error()));
          };
          if (savepoint_.empty()) {
            conn_->async_execute_script(commit ? "COMMIT" : "ROLLBACK", eo_, std::move(done));
          } else if (commit) {
            conn_->async_execute_script("RELEASE SAVEPOINT " + savepoint_, eo_, std::move(done));
          } else {
            conn_->async_execute_script("ROLLBACK TO SAVEPOINT " + savepoint_, eo_,
                                        [](result<pg::rows>) {});
            conn_->async_execute_script("RELEASE SAVEPOINT " + savepoint_, eo_, std::move(done));
          }
        },
        token);
  }

  pg::async_connection* conn_;
  pg::async_lease lease_;
  pg::async_connection::hold hold_;
  pg::exec_options eo_;
  std::string savepoint_;  // empty: the top-level transaction
  int depth_ = 0;
  bool active_ = true;
};

/// BEGIN (with the isolation level and access mode of `o`) on a connection of its own: a lease
/// of `source` when it is an async_pool, a hold of `source` when it is an async_connection
/// (granted once what is in flight has been answered; statements others send meanwhile wait).
/// Completion: void(result<async_transaction<Registry>>).
template <class Registry, class S, class Token = default_token>
auto async_begin(S& source, const transaction_options& o = {}, Token&& token = {}) {
  using tx_t = async_transaction<Registry>;
  return boost::asio::async_initiate<Token, void(result<tx_t>)>(
      [&source](auto handler, std::string sql) {
        auto begin_on = [sql = std::move(sql)](pg::async_connection& c, pg::async_lease lease,
                                               pg::async_connection::hold hold, auto h) {
          pg::exec_options eo;
          eo.hold = hold.id();
          c.async_execute_script(
              sql, eo,
              [&c, eo, lease = std::move(lease), hold = std::move(hold),
               h = std::move(h)](result<pg::rows> r) mutable {
                if (!r) return std::move(h)(result<tx_t>(std::move(r).error()));
                std::move(h)(result<tx_t>(
                    tx_t(detail::async_tx_key{}, c, std::move(lease), std::move(hold), eo)));
              });
        };
        if constexpr (std::is_same_v<S, pg::async_connection>) {
          source.async_hold([&source, begin_on = std::move(begin_on),
                             h = std::move(handler)](result<pg::async_connection::hold> k) mutable {
            begin_on(source, pg::async_lease(), std::move(*k), std::move(h));
          });
        } else {
          source.async_acquire([begin_on = std::move(begin_on),
                                h = std::move(handler)](result<pg::async_lease> l) mutable {
            if (!l) return std::move(h)(result<tx_t>(std::move(l).error()));
            auto& c = **l;
            begin_on(c, std::move(*l), pg::async_connection::hold(), std::move(h));
          });
        }
      },
      token, detail::begin_sql(o));
}

/// Runs the coroutine `fn(tx)` (returning boost::asio::awaitable<result<R>>) in a transaction
/// and commits when it succeeded; rolls back otherwise. After a serialization failure (40001)
/// or a deadlock (40P01), in fn or at COMMIT, the whole unit runs again, up to o.max_attempts
/// in all. Gives fn's result, or the error that ended the last attempt.
///   auto r = co_await typedao::async_transact<Registry>(pool, [&](auto& tx) -> awaitable<...>);
template <class Registry, class S, class F>
auto async_transact(S& source, F fn, transaction_options o = {}) {
  using tx_t = async_transaction<Registry>;
  using A = std::invoke_result_t<F&, tx_t&>;
  static_assert(detail::is_awaitable_result<A>::value,
                "typedao::async_transact: the function must be a coroutine returning "
                "boost::asio::awaitable<typedao::result<T>>.");
  return [](S& source, F fn, transaction_options o) -> A {
    using R = typename A::value_type;
    for (int attempt = 1;; ++attempt) {
      auto tx = co_await async_begin<Registry>(source, o, boost::asio::use_awaitable);
      if (!tx) co_return R(std::move(tx).error());
      R r = co_await fn(*tx);
      error failure;
      if (r) {
        if (!tx->active()) co_return r;  // fn ended the transaction itself
        auto c = co_await tx->commit(boost::asio::use_awaitable);
        if (c) co_return r;
        failure = std::move(c).error();
      } else {
        failure = r.error();
        if (tx->active()) (void)co_await tx->rollback(boost::asio::use_awaitable);
      }
      const std::string& st = failure.server.sqlstate;
      const bool transient = st == "40001" || st == "40P01";
      if (!transient || attempt >= o.max_attempts) co_return R(std::move(failure));
    }
  }(source, std::move(fn), std::move(o));
}

}  // namespace typedao

#endif
