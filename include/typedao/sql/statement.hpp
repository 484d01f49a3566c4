#ifndef TYPEDAO_SQL_STATEMENT_HPP
#define TYPEDAO_SQL_STATEMENT_HPP

// A prepared statement's identity, what every connector receives: the text, the parameter
// types, and a process-wide id that connectors use to prepare it once per connection.

#include <typedao/codec/traits.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace typedao {

/// A prepared statement's identity: text, parameter types, a process-wide id that connectors
/// use to remember what they prepared, and a name derived from the text and the parameter types
/// ("td" + 16 hex digits), so that the same name means the same SQL in every process (a pooler
/// may hand a connection another process prepared on).
struct statement {
  std::string_view text;
  std::size_t id;
  int param_count;
  const oid_t* param_types;
  const char* name = nullptr;  // null: the connector names it from `id`
};

namespace detail {

inline std::size_t next_statement_id() noexcept {
  static std::atomic<std::size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// FNV-1a (64 bits) of the text and the parameter type oids, as "td" + 16 lower-case hex digits.
struct statement_name_buf {
  char text[19];
};
constexpr statement_name_buf statement_name_of(std::string_view text, const oid_t* types,
                                               std::size_t n) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (char c : text) mix(static_cast<unsigned char>(c));
  for (std::size_t i = 0; i < n; ++i)
    for (int b = 0; b < 4; ++b) mix(static_cast<unsigned char>(types[i] >> (8 * b)));
  statement_name_buf out{};
  out.text[0] = 't';
  out.text[1] = 'd';
  for (int i = 0; i < 16; ++i) out.text[2 + i] = "0123456789abcdef"[(h >> (60 - 4 * i)) & 15];
  out.text[18] = '\0';
  return out;
}

// The one statement object of a generator (Gen: its text, Types: its parameter oids).
template <class Gen, class Types>
const statement& statement_of() noexcept;

}  // namespace detail
}  // namespace typedao

#endif
