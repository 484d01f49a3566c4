#ifndef TYPEDAO_ASYNC_RUN_HPP
#define TYPEDAO_ASYNC_RUN_HPP

// Running the DAO's operation values (dao/ops.hpp: checks, statement, parameters, result
// mapping) on an asynchronous connection or pool: async_run, async_run_batch, and the helpers
// the asynchronous DAO and transactions share. docs/async.md.

#include <typedao/dao/operation.hpp>
#include <typedao/error.hpp>
#include <typedao/pg/async_connection.hpp>
#include <typedao/pg/async_pool.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace typedao {

/// The default completion token of the asynchronous DAO: C++20 coroutines.
using default_token = boost::asio::use_awaitable_t<>;

/// Where asynchronous operations run: a pg::async_connection, or a pg::async_pool (each
/// operation on a shared, pipelined connection).
template <class S>
concept async_source = requires(S& s, const statement& st, param_view p) {
  s.get_executor();
  s.async_execute(st, p, pg::exec_options{}, [](result<pg::rows>) {});
};

namespace detail {

template <class R, class Handler, class Ex>
void complete_on(Handler&& h, const Ex& fallback, result<R>&& r) {
  auto ex = boost::asio::get_associated_executor(h, fallback);
  boost::asio::dispatch(ex, [h = std::forward<Handler>(h), r = std::move(r)]() mutable {
    std::move(h)(std::move(r));
  });
}

// Sends `op` on `c`; `handler` gets its result<T>. The operation lives on the heap until then.
template <async_source S, class T, std::size_t N, class F, class Handler>
void start_run(S& c, operation<T, N, F>&& op, const pg::exec_options& eo, Handler&& handler) {
  auto state = std::make_unique<operation<T, N, F>>(std::move(op));
  auto& ref = *state;
  auto slot = boost::asio::get_associated_cancellation_slot(handler);
  auto ex = c.get_executor();
  c.async_execute(ref.stmt(), ref.params(), eo,
                  boost::asio::bind_cancellation_slot(
                      slot, [h = std::forward<Handler>(handler), state = std::move(state),
                             ex](result<pg::rows> rows) mutable {
                        complete_on(std::move(h), ex, state->finish(std::move(rows)));
                      }));
}

template <class R, class Handler>
void post_result(const boost::asio::any_io_executor& ex, Handler&& handler, result<R>&& r) {
  auto hex = boost::asio::get_associated_executor(handler, ex);
  boost::asio::post(hex, [h = std::forward<Handler>(handler), r = std::move(r)]() mutable {
    std::move(h)(std::move(r));
  });
}

// An operation whose build may have failed: its error (posted), or its result.
template <async_source S, class Op, class Token>
auto initiate_run(S& c, result<Op> op, const pg::exec_options& eo, Token&& token) {
  using R = typename Op::value_type;
  return boost::asio::async_initiate<Token, void(result<R>)>(
      [&c, eo](auto handler, result<Op> op) {
        if (!op)
          post_result<R>(c.get_executor(), std::move(handler), result<R>(std::move(op).error()));
        else
          start_run(c, std::move(*op), eo, std::move(handler));
      },
      token, std::move(op));
}

// Inside the library's own coroutines (the read-check-write of update, transact).
template <async_source S, class Op>
auto await_run(S& c, result<Op> op, const pg::exec_options& eo) {
  return initiate_run(c, std::move(op), eo, boost::asio::use_awaitable);
}

inline auto await_script(pg::async_connection& c, std::string sql, const pg::exec_options& eo) {
  return boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(result<void>)>(
      [&c, eo](auto handler, std::string sql) {
        c.async_execute_script(std::move(sql), eo,
                               [h = std::move(handler)](result<pg::rows> r) mutable {
                                 std::move(h)(r ? result<void>() : result<void>(r.error()));
                               });
      },
      boost::asio::use_awaitable, std::move(sql));
}

}  // namespace detail

/// Runs one operation on an asynchronous connection. The operation is moved into the
/// asynchronous state; the arguments it borrows from (strings, entities) must outlive the
/// completion, as buffers do in Asio (a coroutine's arguments do). Completion: void(result<T>).
template <async_source S, class T, std::size_t N, class F, class Token = default_token>
auto async_run(S& c, operation<T, N, F> op, Token&& token = {}) {
  return detail::initiate_run(c, result<operation<T, N, F>>(std::move(op)), pg::exec_options{},
                              std::forward<Token>(token));
}

/// The same for an operation whose build may have failed (a check before anything is sent):
/// then it completes with that error, posted.
template <async_source S, class Op, class Token = default_token>
auto async_run(S& c, result<Op> op, Token&& token = {}) {
  return detail::initiate_run(c, std::move(op), pg::exec_options{}, std::forward<Token>(token));
}

/// Sends every operation of `ops` on one connection in one write, pipelined, and completes when
/// all have answered: one result per operation, in order (an operation whose checks failed
/// holds its error and is not sent). Outside a transaction an error in one fails no other.
/// Completion: void(std::vector<result<R>>).
template <class Op, class Token = default_token>
auto async_run_batch(pg::async_connection& c, std::vector<result<Op>> ops, Token&& token = {},
                     const pg::exec_options& eo = {}) {
  using R = typename Op::value_type;
  return boost::asio::async_initiate<Token, void(std::vector<result<R>>)>(
      [&c, eo](auto handler, std::vector<result<Op>> ops) {
        struct state {
          std::vector<result<Op>> ops;
          std::vector<result<R>> out;
          std::size_t left = 0;
          decltype(handler) h;
        };
        auto st = std::make_shared<state>(state{std::move(ops), {}, 0, std::move(handler)});
        st->out.resize(st->ops.size());
        for (std::size_t i = 0; i < st->ops.size(); ++i)
          if (!st->ops[i])
            st->out[i] = result<R>(st->ops[i].error());
          else
            ++st->left;
        if (st->left == 0) {
          auto ex = c.get_executor();
          boost::asio::post(ex, [st] { std::move(st->h)(std::move(st->out)); });
          return;
        }
        pg::async_connection::cork cork(c);
        for (std::size_t i = 0; i < st->ops.size(); ++i) {
          if (!st->ops[i]) continue;
          auto& op = *st->ops[i];
          c.async_execute(op.stmt(), op.params(), eo, [st, i](result<pg::rows> rows) {
            st->out[i] = (*st->ops[i]).finish(std::move(rows));
            if (--st->left == 0) std::move(st->h)(std::move(st->out));
          });
        }
      },
      token, std::move(ops));
}

}  // namespace typedao

#endif
