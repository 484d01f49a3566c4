#ifndef TYPEDAO_DAO_OPERATION_HPP
#define TYPEDAO_DAO_OPERATION_HPP

// One DAO call as a value, built without any I/O: the statement, its encoded parameters, and
// the mapping from what the server returned (rows, or an error) to result<T>. A connector runs
// it: `op.finish(conn.execute(op.stmt(), op.params()))` (typedao::run). The same value can be
// handed to a pooled or an asynchronous connection, or queued in a pipeline, because nothing in
// it depends on how the statement travels (docs/architecture.md).

#include <typedao/codec.hpp>
#include <typedao/codec/params.hpp>
#include <typedao/connector.hpp>
#include <typedao/dao/errors.hpp>
#include <typedao/dao/rows.hpp>
#include <typedao/entity.hpp>
#include <typedao/error.hpp>
#include <typedao/sql/statement.hpp>

#include <cassert>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace typedao {

/// One DAO call, ready to run: `stmt()` and `params()` are what a connector sends,
/// `finish(result<rows>)` turns what came back into the call's result<T>.
/// An operation borrows from the arguments it was built from (strings are sent in place, error
/// messages render the values the caller passed): keep them alive until it has finished.
template <class T, std::size_t N, class Finish>
class operation {
 public:
  using value_type = T;

  operation(const statement& st, detail::param_set<N>&& ps, Finish finish)
      : st_(&st), ps_(std::move(ps)), finish_(std::move(finish)) {
    assert(st.param_count >= 0 && static_cast<std::size_t>(st.param_count) <= N);
  }

  const statement& stmt() const noexcept { return *st_; }
  // The statement's own count: an operation whose statement is chosen at run time (page) holds
  // room for its largest variant and sends the chosen one's first parameters.
  param_view params() const noexcept {
    return {st_->param_count, st_->param_types, ps_.values(), ps_.lengths(), ps_.formats()};
  }
  /// Maps the rows (or the server's error) of one execution to the call's result.
  template <row_set R>
  result<T> finish(result<R>&& rows) const {
    return finish_(std::move(rows));
  }

 private:
  const statement* st_;
  detail::param_set<N> ps_;
  Finish finish_;
};

/// Runs one operation on a blocking connector.
/// Runs one operation on a blocking connector, counting it in the statement's counters
/// (typedao::statement_metrics()).
template <connector C, class T, std::size_t N, class F>
result<T> run(C& c, const operation<T, N, F>& op) {
  const statement& st = op.stmt();
  if (!st.counters) return op.finish(c.execute(st, op.params()));
  const auto t0 = std::chrono::steady_clock::now();
  auto rows = c.execute(st, op.params());
  const auto ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  st.counters->record(static_cast<unsigned long long>(ns), !rows);
  return op.finish(std::move(rows));
}

namespace detail {
// A connection for one call on a pool, under the call's deadline (`timeout_ms`, -1: the pool's
// default) when the pool keeps one (typedao::pg::pool::acquire_call).
template <class P>
auto lease_for_call(P& p, int timeout_ms) {
  if constexpr (requires { p.acquire_call(timeout_ms); })
    return p.acquire_call(timeout_ms);
  else
    return p.acquire();
}
}  // namespace detail

/// Runs one operation on a pool: on a connection taken for it and given back after. The call's
/// deadline (`timeout_ms`, -1: the connections' timeout_ms) covers the wait for the connection.
template <connection_pool P, class T, std::size_t N, class F>
  requires(!connector<P>)
result<T> run(P& p, const operation<T, N, F>& op, int timeout_ms = -1) {
  // A pool with read replicas (pg::replicated_pool) serves plain SELECTs itself.
  if constexpr (requires { p.run_read(op, timeout_ms); })
    if (op.stmt().read_only) return p.run_read(op, timeout_ms);
  auto lease = detail::lease_for_call(p, timeout_ms);
  if (!lease) return std::move(lease).error();
  return run(**lease, op);
}

namespace detail {

template <class T, std::size_t N, class F>
operation<T, N, F> make_operation(const statement& st, param_set<N>& ps, F finish) {
  ps.finish();
  return operation<T, N, F>(st, std::move(ps), std::move(finish));
}

// ---- rows -> result -------------------------------------------------------------------------

// Row 0 decoded straight into the returned result (one return of one object: no move of T).
template <class T, row_set R>
result<T> first_row(const R& rows) {
  result<T> out;  // a value-initialised T
  std::size_t bad = 0;
  if (!shape_matches<T>(rows)) [[unlikely]]
    out = shape_error<T>(rows);
  else if (const char* err = decode_row_into(rows, 0, *out, bad)) [[unlikely]]
    out = decode_error<T>(bad, err);
  return out;
}

template <class T, row_set R, class NotFound>
result<T> one_row(const R& rows, NotFound&& not_found) {
  if (rows.row_count() == 0) return not_found();
  return first_row<T>(rows);
}

template <class T, row_set R>
result<std::optional<T>> optional_row(const R& rows) {
  result<std::optional<T>> out;  // an empty optional
  if (rows.row_count() != 0) {
    std::size_t bad = 0;
    if (!shape_matches<T>(rows)) [[unlikely]]
      out = shape_error<T>(rows);
    else if (const char* err = decode_row_into(rows, 0, out->emplace(), bad)) [[unlikely]]
      out = decode_error<T>(bad, err);
  }
  return out;
}

// One bigint in row 0 (count(*), ttl); `what` names it in errors. Empty: NULL.
template <row_set R>
result<std::optional<std::int64_t>> scalar_int8(const R& rows, const char* what) {
  if (rows.row_count() != 1)
    return make_error(error_code::database_error, std::string(what) + " returned no row");
  if (rows.is_null(0, 0)) return std::optional<std::int64_t>{};
  std::int64_t v = 0;
  if (auto err = customize::codec<std::int64_t>::decode(
          rows.data(0, 0), static_cast<std::size_t>(rows.length(0, 0)), v))
    return make_error(error_code::database_error,
                      std::string("could not decode ") + what + ": " + err);
  return std::optional<std::int64_t>{v};
}

}  // namespace detail
}  // namespace typedao

#endif
