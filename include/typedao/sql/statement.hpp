#ifndef TYPEDAO_SQL_STATEMENT_HPP
#define TYPEDAO_SQL_STATEMENT_HPP

// A prepared statement's identity, what every connector receives: the text, the parameter
// types, and a process-wide id that connectors use to prepare it once per connection.

#include <typedao/codec/traits.hpp>

#include <atomic>
#include <cstddef>
#include <string_view>

namespace typedao {

/// A prepared statement's identity: text, parameter types, and a process-wide id that
/// connectors use to prepare it once per connection.
struct statement {
  std::string_view text;
  std::size_t id;
  int param_count;
  const oid_t* param_types;
};

namespace detail {

inline std::size_t next_statement_id() noexcept {
  static std::atomic<std::size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// The one statement object of a generator (Gen: its text, Types: its parameter oids).
template <class Gen, class Types>
const statement& statement_of() noexcept;

}  // namespace detail
}  // namespace typedao

#endif
