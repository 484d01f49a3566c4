#ifndef TYPEDAO_CONNECTOR_HPP
#define TYPEDAO_CONNECTOR_HPP

// The backend contract. A connector runs prepared statements with binary parameters and returns
// binary rows, or a typedao::error whose `server` part carries what the database reported
// (SQLSTATE, constraint, table, column). The DAO maps those to Kong's error codes.

#include <typedao/codec/traits.hpp>
#include <typedao/error.hpp>
#include <typedao/sql/statement.hpp>

#include <concepts>
#include <cstddef>
#include <string_view>

namespace typedao {

/// Binary parameters for one execution: arrays of `count` entries (a null value pointer is SQL
/// NULL).
struct param_view {
  int count = 0;
  const oid_t* types = nullptr;
  const char* const* values = nullptr;
  const int* lengths = nullptr;
  const int* formats = nullptr;
};

/// Rows returned by a statement, in binary format.
template <class R>
concept row_set = requires(const R& r, int row, int col) {
  { r.row_count() } -> std::convertible_to<int>;
  { r.column_count() } -> std::convertible_to<int>;
  { r.column_type(col) } -> std::convertible_to<oid_t>;
  { r.is_null(row, col) } -> std::convertible_to<bool>;
  { r.data(row, col) } -> std::convertible_to<const char*>;
  { r.length(row, col) } -> std::convertible_to<int>;
  { r.affected_rows() } -> std::convertible_to<long long>;
};

/// A connection a DAO can run on. `execute` prepares `s` on first use on this connection and
/// reuses it afterwards; `execute_script` runs SQL text without parameters (DDL, BEGIN/COMMIT).
/// Both report failures as an error (DATABASE_ERROR unless the DAO maps it), never by throwing.
template <class C>
concept connector =
    requires(C& c, const statement& s, const param_view& p, std::string_view script) {
      typename C::rows_type;
      requires row_set<typename C::rows_type>;
      { c.execute(s, p) } -> std::same_as<result<typename C::rows_type>>;
      { c.execute_script(script) } -> std::same_as<result<void>>;
    };

/// A pool a DAO can run on: acquire() lends a connection (a result holding a lease whose `*`
/// is the connection), given back when the lease ends. typedao::pg::pool is one.
template <class P>
concept connection_pool = requires(P& p) {
  typename P::connection_type;
  requires connector<typename P::connection_type>;
  { *p.acquire().value() } -> std::same_as<typename P::connection_type&>;
};

/// What a DAO or a database runs on: one connection, or a pool (a connection per call).
template <class S>
concept connection_source = connector<S> || connection_pool<S>;

}  // namespace typedao

#endif
