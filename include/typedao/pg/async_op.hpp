#ifndef TYPEDAO_PG_ASYNC_OP_HPP
#define TYPEDAO_PG_ASYNC_OP_HPP

// What pg::async_connection keeps for each statement in flight, the per-call options, and the
// thread that sends cancel requests.

#include <typedao/connector.hpp>
#include <typedao/error.hpp>
#include <typedao/pg/rows.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/thread_pool.hpp>

#include <cstddef>
#include <string>

namespace typedao::pg {

/// Per-call settings of an asynchronous statement.
struct exec_options {
  /// Deadline (ms) from the moment the statement is queued; -1: the connection's timeout_ms;
  /// 0: none.
  int timeout_ms = -1;
  /// The hold (async_connection::async_hold) the statement is sent under; 0: none. While a
  /// connection is held, statements under other holds (or none) wait unsent.
  unsigned long long hold = 0;
};

namespace detail {

// Cancel requests (libpq 15's PQcancel blocks while it connects to the server) are sent from a
// thread of their own, never from the event loop.
inline boost::asio::thread_pool& cancel_thread() {
  static boost::asio::thread_pool pool(1);
  return pool;
}

// One statement in flight: its pipeline segment's results are read in order.
struct async_op {
  // Set with swap(): Boost 1.81's move assignment of any_completion_handler recurses forever.
  using handler_type = boost::asio::any_completion_handler<void(result<rows>)>;
  handler_type handler;
  const statement* stmt = nullptr;  // null: a script (no parameters, unnamed)
  std::string script;
  param_view params;
  rows kept;  // the last good result, or the first error
  bool have_error = false;
  int queries_left = 0;  // queries of the segment whose end has not been read
  unsigned long long seq = 0;
  long long deadline_ms = 0;  // 0: none
  int budget_ms = 0;
  bool abandoned = false;    // completed early (deadline, cancellation): results are discarded
  bool cancel_sent = false;  // a cancel request was sent for it (it ran at the head)
  bool cancelled_by_user = false;
  bool retried = false;                                 // re-sent once after 42P05 / 26000
  std::size_t prepares = static_cast<std::size_t>(-1);  // the statement id this segment prepares
  bool prepare_failed = false;                          // the error came from that prepare
};

}  // namespace detail
}  // namespace typedao::pg

#endif
