#ifndef TYPEDAO_CODEC_CORE_HPP
#define TYPEDAO_CODEC_CORE_HPP

// The codec customisation point itself: the primary template, the has_codec concept, the
// compile-time checks of a user codec, and helpers shared by the built-in codecs.
// Include <typedao/codec.hpp>, not this header.

#include <typedao/codec/params.hpp>
#include <typedao/codec/render.hpp>
#include <typedao/codec/traits.hpp>
#include <typedao/codec/wire.hpp>
#include <typedao/detail/config.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao {

namespace customize {
/// Primary template, left undefined: specialise it for your own types.
template <class T>
struct codec;
}  // namespace customize

/// True when customize::codec<T> is complete and has every required member (see codec.hpp).
template <class T>
concept has_codec =
    requires(const T& cv, T& v, param_writer& w, const char* p, std::size_t n, std::string& s) {
      typename std::integral_constant<oid_t, customize::codec<T>::oid>;
      typename std::integral_constant<std::size_t,
                                      std::string_view{customize::codec<T>::sql_type}.size()>;
      customize::codec<T>::encode(cv, w);
      { customize::codec<T>::decode(p, n, v) } noexcept -> std::same_as<const char*>;
      customize::codec<T>::render(cv, s);
    };

/// True when T has a codec that also names the oid of its array type (`array_oid`), so
/// std::vector<T> and std::set<T> are stored as one-dimensional PostgreSQL arrays.
template <class T>
concept has_array_codec = has_codec<T> && requires {
  typename std::integral_constant<oid_t, customize::codec<T>::array_oid>;
};

/// For codecs: a decode message built at run time, kept in a per-thread buffer, valid until the
/// next call on this thread (the DAO copies it at once). Never throws: "out of memory" instead. A
/// part may itself be an earlier dynamic message (a nested codec's): built aside, then swapped in.
inline const char* dynamic_message(std::initializer_list<std::string_view> parts) noexcept {
  thread_local std::string buf;
  try {
    std::string text;
    for (auto p : parts) text.append(p);
    buf.swap(text);
    return buf.c_str();
  } catch (...) {
    return "out of memory";
  }
}

namespace detail {

// ---- optional codec members -------------------------------------------------------------------

// A reporter as the DAO passes it to codec<T>::check: report(path_suffix, message).
struct check_reporter_archetype {
  void operator()(std::string_view, std::string_view) const {}
};

// codec<T>::check(v, report): problems found before sending (optional).
template <class T>
concept has_codec_check =
    requires(const T& v, check_reporter_archetype r) { customize::codec<T>::check(v, r); };

// Up to `max` bytes of server data for a message, printed as a Lua string literal.
inline std::string quote_for_message(std::string_view s, std::size_t max = 64) {
  std::string out;
  render_quoted(s, out, max);
  return out;
}

// ---- compile-time checks of a codec -----------------------------------------------------------

// One static_assert per member, so a broken user codec is told which member is wrong.
template <class T>
constexpr bool check_codec() {
  static_assert(
      !std::is_enum_v<T> || requires { sizeof(customize::codec<T>); },
      "typedao::codec: an enum is stored as text only when it is described. Add "
      "BOOST_DESCRIBE_ENUM(Enum, enumerators...) next to it, or specialise "
      "typedao::customize::codec<Enum>.");
  static_assert(
      std::is_enum_v<T> || requires { sizeof(customize::codec<T>); },
      "typedao::codec: no codec for this type. Specialise typedao::customize::codec<T>, "
      "or use a built-in type (see docs/types.md; records, maps and JSON values need "
      "#include <typedao/json.hpp>).");
  if constexpr (requires { sizeof(customize::codec<T>); }) {
    static_assert(
        requires { typename std::integral_constant<oid_t, customize::codec<T>::oid>; },
        "typedao::codec: codec<T>::oid is missing or not a constant. Declare "
        "`static constexpr typedao::oid_t oid = ...;`.");
    static_assert(
        requires {
          typename std::integral_constant<std::size_t,
                                          std::string_view{customize::codec<T>::sql_type}.size()>;
        },
        "typedao::codec: codec<T>::sql_type is missing or not a constant. Declare "
        "`static constexpr std::string_view sql_type = \"...\";`.");
    static_assert(
        requires(const T& v, param_writer& w) { customize::codec<T>::encode(v, w); },
        "typedao::codec: codec<T>::encode is missing. Declare "
        "`static void encode(const T&, typedao::param_writer&);`.");
    static_assert(
        requires(const char* p, std::size_t n, T& v) {
          { customize::codec<T>::decode(p, n, v) } noexcept -> std::same_as<const char*>;
        },
        "typedao::codec: codec<T>::decode is missing or not noexcept. Declare "
        "`static const char* decode(const char*, std::size_t, T&) noexcept;`.");
    static_assert(
        requires(const T& v, std::string& s) { customize::codec<T>::render(v, s); },
        "typedao::codec: codec<T>::render is missing. Declare "
        "`static void render(const T&, std::string&);`.");
  }
  return true;
}

// ---- shared building blocks -------------------------------------------------------------------

// Fixed-size big-endian integers: int2, int4, int8.
template <class Int>
struct fixed_int_codec {
  static void encode(const Int& v, param_writer& w) { w.append_be(v); }
  static const char* decode(const char* data, std::size_t n, Int& out) noexcept {
    if (n != sizeof(Int)) {
      if constexpr (sizeof(Int) == 2)
        return "expected 2 bytes";
      else if constexpr (sizeof(Int) == 4)
        return "expected 4 bytes";
      else
        return "expected 8 bytes";
    }
    out = load_be<Int>(data);
    return nullptr;
  }
  static void render(const Int& v, std::string& out) { render_integer(v, out); }
};

// 2000-01-01T00:00:00Z (PostgreSQL's epoch) in microseconds and in days since the Unix epoch.
inline constexpr std::int64_t pg_epoch_us = 946'684'800'000'000;
inline constexpr std::int64_t pg_epoch_days = 10'957;
inline constexpr std::int64_t pg_infinity = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t pg_minus_infinity = std::numeric_limits<std::int64_t>::min();

}  // namespace detail
}  // namespace typedao

#endif
