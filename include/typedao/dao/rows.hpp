#ifndef TYPEDAO_DAO_ROWS_HPP
#define TYPEDAO_DAO_ROWS_HPP

// Entity <-> statement columns: encoding members into parameters, decoding binary rows straight
// into the struct (one decode API: decode_row_into for one row, decode_rows_into for a page).

#include <typedao/codec.hpp>
#include <typedao/codec/params.hpp>
#include <typedao/connector.hpp>
#include <typedao/detail/config.hpp>
#include <typedao/entity.hpp>
#include <typedao/schema/values.hpp>

#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao::detail {

// ---- encoding -------------------------------------------------------------------------------

template <class V, std::size_t N>
void encode_value(const V& v, param_set<N>& ps, std::size_t& k) {
  if constexpr (is_optional<V>::value) {
    if (v) {
      encode_value(*v, ps, k);
    } else {
      using U = typename V::value_type;
      std::size_t cols = 1;
      if constexpr (is_foreign<U>::value) cols = model<typename U::parent_type>::pk_column_count;
      for (std::size_t i = 0; i < cols; ++i) ps.writer(k++).set_null();
    }
  } else if constexpr (is_foreign<V>::value) {
    encode_value(v.key(), ps, k);
  } else if constexpr (is_tuple<V>::value) {
    std::apply([&](const auto&... e) { (encode_value(e, ps, k), ...); }, v);
  } else {
    auto w = ps.writer(k++);
    customize::codec<V>::encode(v, w);
  }
}

// ---- decoding ---------------------------------------------------------------------------------
//
// NULL is asked about only when a column's length is <= 0: a row_set reports a NULL with length
// 0 (libpq's PQgetlength) or -1, so one call per column (length, then data) is enough for the
// usual non-empty values.

template <class V, row_set R>
TYPEDAO_INLINE const char* decode_value(const R& rows, int r, int& c, V& out) noexcept {
  if constexpr (is_optional<V>::value) {
    using U = typename V::value_type;
    if constexpr (is_foreign<U>::value || is_tuple<U>::value) {
      std::size_t cols = 1;
      if constexpr (is_foreign<U>::value) cols = model<typename U::parent_type>::pk_column_count;
      bool all_null = true;
      for (std::size_t i = 0; i < cols; ++i)
        all_null = all_null && rows.is_null(r, c + static_cast<int>(i));
      if (all_null) {
        out.reset();
        c += static_cast<int>(cols);
        return nullptr;
      }
      if (!out) out.emplace();
      return decode_value(rows, r, c, *out);
    } else {
      const int col = c++;
      const int len = rows.length(r, col);
      if (len <= 0 && rows.is_null(r, col)) {
        out.reset();
        return nullptr;
      }
      if constexpr (std::is_same_v<U, std::string>) {
        // Built from the bytes at once, not default-constructed and then assigned.
        if (!out) {
          try {
            out.emplace(rows.data(r, col), static_cast<std::size_t>(len));
          } catch (...) {
            return "out of memory";
          }
          return nullptr;
        }
      }
      if (!out) out.emplace();
      return customize::codec<U>::decode(rows.data(r, col), static_cast<std::size_t>(len), *out);
    }
  } else if constexpr (is_foreign<V>::value) {
    return decode_value(rows, r, c, out.key());
  } else if constexpr (is_tuple<V>::value) {
    const char* err = nullptr;
    std::apply([&](auto&... e) { ((err = err ? err : decode_value(rows, r, c, e)), ...); }, out);
    return err;
  } else {
    const int col = c++;
    const int len = rows.length(r, col);
    if (len <= 0 && rows.is_null(r, col)) return "unexpected NULL in a NOT NULL column";
    return customize::codec<V>::decode(rows.data(r, col), static_cast<std::size_t>(len), out);
  }
}

// Whether the result has T's columns with T's types (the hot path: no error object).
template <class T, row_set R>
bool shape_matches(const R& rows) noexcept {
  using MT = model<T>;
  if (rows.column_count() != static_cast<int>(MT::column_count)) return false;
  for (std::size_t c = 0; c < MT::column_count; ++c)
    if (rows.column_type(static_cast<int>(c)) != MT::columns[c].oid) return false;
  return true;
}

// Decodes row r into out: nullptr, or the codec's message with `bad_member` the member it was
// decoding (out is then partly written).
template <class T, row_set R>
const char* decode_row_into(const R& rows, int r, T& out, std::size_t& bad_member) noexcept {
  using MT = model<T>;
  int c = 0;
  const char* err = nullptr;
  // Short-circuits at the first failure; the failed member is the one of the column it was on
  // (decode_value advances c past a column before decoding it).
  const bool ok = [&]<std::size_t... I>(std::index_sequence<I...>) {
    return (((err = decode_value(rows, r, c, out.*member_d<T, I>::pointer)) == nullptr) && ...);
  }(std::make_index_sequence<MT::member_count>{});
  if (!ok) [[unlikely]]
    bad_member = MT::columns[static_cast<std::size_t>(c > 0 ? c - 1 : 0)].member;
  return err;
}

// Where decoding rows failed: no message, nothing failed.
struct decode_failure {
  std::size_t member = 0;
  const char* message = nullptr;
  explicit operator bool() const noexcept { return message != nullptr; }
};

// Decodes rows [0, count) into fresh elements appended to out (each value-initialised, then
// decoded in place: no temporary, no move, no error object on the way). On failure out holds
// the rows decoded before and the failed one.
template <class T, row_set R>
decode_failure decode_rows_into(const R& rows, int count, std::vector<T>& out) {
  decode_failure f;
  out.reserve(out.size() + static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i)
    if ((f.message = decode_row_into(rows, i, out.emplace_back(), f.member))) [[unlikely]]
      break;
  return f;
}

// The same into result<T> elements (each() hands them out by reference: no move per row). A
// default result<T> holds a value-initialised T, decoded in place.
template <class T, class E, row_set R>
decode_failure decode_rows_into(const R& rows, int count, std::vector<basic_result<T, E>>& out) {
  decode_failure f;
  out.reserve(out.size() + static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i)
    if ((f.message = decode_row_into(rows, i, *out.emplace_back(), f.member))) [[unlikely]]
      break;
  return f;
}

}  // namespace typedao::detail

#endif
