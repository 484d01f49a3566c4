#ifndef TYPEDAO_CODEC_HPP
#define TYPEDAO_CODEC_HPP

/// Codecs: one per C++ type, between the value and PostgreSQL's binary wire format.
///
/// Specialise typedao::customize::codec<T> for your own types. A codec provides
///   static constexpr oid_t oid;                   // type oid sent with parameters, checked on results
///   static constexpr std::string_view sql_type;   // DDL type name: "bigint", "text[]"
///   static void encode(const T& v, detail::param_writer& w);                    // may throw
///   static const char* decode(const char* data, std::size_t n, T& out) noexcept;
///       // nullptr on success, else a static message ("expected 4 bytes"); `out` is then unspecified
///   static void render(const T& v, std::string& out);  // appends the value as Kong prints it
/// std::optional<T> has no codec: the DAO maps it to a nullable column of codec<T>.

#include <typedao/detail/codec_render.hpp>
#include <typedao/detail/codec_traits.hpp>
#include <typedao/detail/codec_wire.hpp>
#include <typedao/detail/params.hpp>
#include <typedao/types.hpp>

#include <bit>
#include <climits>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace typedao {

/// A PostgreSQL type oid (libpq's Oid).
using oid_t = unsigned int;

namespace customize {
/// Primary template, left undefined: specialise it for your own types.
template <class T>
struct codec;
}  // namespace customize

/// True when customize::codec<T> is complete and has every member listed above.
template <class T>
concept has_codec = requires(const T& cv, T& v, detail::param_writer& w, const char* p,
                             std::size_t n, std::string& s) {
  typename std::integral_constant<oid_t, customize::codec<T>::oid>;
  typename std::integral_constant<std::size_t, std::string_view{customize::codec<T>::sql_type}.size()>;
  customize::codec<T>::encode(cv, w);
  { customize::codec<T>::decode(p, n, v) } noexcept -> std::same_as<const char*>;
  customize::codec<T>::render(cv, s);
};

namespace detail {

// One static_assert per member, so a broken user codec is told which member is wrong.
template <class T>
constexpr bool check_codec() {
  static_assert(requires { sizeof(customize::codec<T>); },
                "typedao::codec: no codec for this type. Specialise typedao::customize::codec<T>, "
                "or use a built-in type (bool, int16/32/64, float, double, std::string, uuid, "
                "timestamp, std::vector<std::string>).");
  if constexpr (requires { sizeof(customize::codec<T>); }) {
    static_assert(requires { typename std::integral_constant<oid_t, customize::codec<T>::oid>; },
                  "typedao::codec: codec<T>::oid is missing or not a constant. Declare "
                  "`static constexpr typedao::oid_t oid = ...;`.");
    static_assert(requires {
      typename std::integral_constant<std::size_t, std::string_view{customize::codec<T>::sql_type}.size()>;
    }, "typedao::codec: codec<T>::sql_type is missing or not a constant. Declare "
       "`static constexpr std::string_view sql_type = \"...\";`.");
    static_assert(requires(const T& v, param_writer& w) { customize::codec<T>::encode(v, w); },
                  "typedao::codec: codec<T>::encode is missing. Declare "
                  "`static void encode(const T&, typedao::detail::param_writer&);`.");
    static_assert(requires(const char* p, std::size_t n, T& v) {
      { customize::codec<T>::decode(p, n, v) } noexcept -> std::same_as<const char*>;
    }, "typedao::codec: codec<T>::decode is missing or not noexcept. Declare "
       "`static const char* decode(const char*, std::size_t, T&) noexcept;`.");
    static_assert(requires(const T& v, std::string& s) { customize::codec<T>::render(v, s); },
                  "typedao::codec: codec<T>::render is missing. Declare "
                  "`static void render(const T&, std::string&);`.");
  }
  return true;
}

// Fixed-size big-endian integers: int2, int4, int8.
template <class Int>
struct fixed_int_codec {
  static void encode(const Int& v, param_writer& w) { w.append_be(v); }
  static const char* decode(const char* data, std::size_t n, Int& out) noexcept {
    if (n != sizeof(Int)) {
      if constexpr (sizeof(Int) == 2) return "expected 2 bytes";
      else if constexpr (sizeof(Int) == 4) return "expected 4 bytes";
      else return "expected 8 bytes";
    }
    out = load_be<Int>(data);
    return nullptr;
  }
  static void render(const Int& v, std::string& out) { render_integer(v, out); }
};

// IEEE 754 floats travel as their bit pattern, big-endian (float4send / float8send).
template <class Float, class Bits>
struct float_codec {
  static_assert(sizeof(Float) == sizeof(Bits) && std::numeric_limits<Float>::is_iec559);
  static void encode(const Float& v, param_writer& w) { w.append_be(std::bit_cast<Bits>(v)); }
  static const char* decode(const char* data, std::size_t n, Float& out) noexcept {
    if (n != sizeof(Float)) return sizeof(Float) == 4 ? "expected 4 bytes" : "expected 8 bytes";
    out = std::bit_cast<Float>(load_be<Bits>(data));
    return nullptr;
  }
  static void render(const Float& v, std::string& out) { render_float(v, out); }
};

// 2000-01-01T00:00:00Z (PostgreSQL's epoch) in microseconds since the Unix epoch.
inline constexpr std::int64_t pg_epoch_us = 946'684'800'000'000;
inline constexpr std::int64_t pg_infinity = std::numeric_limits<std::int64_t>::max();
inline constexpr std::int64_t pg_minus_infinity = std::numeric_limits<std::int64_t>::min();

}  // namespace detail

namespace customize {

/// boolean: one byte, 0 or 1 (any non-zero byte reads as true, as in PostgreSQL's boolrecv).
template <>
struct codec<bool> {
  static constexpr oid_t oid = 16;
  static constexpr std::string_view sql_type = "boolean";
  static void encode(const bool& v, detail::param_writer& w) {
    const char b = v ? 1 : 0;
    w.append(&b, 1);
  }
  static const char* decode(const char* data, std::size_t n, bool& out) noexcept {
    if (n != 1) return "expected 1 byte";
    out = data[0] != 0;
    return nullptr;
  }
  static void render(const bool& v, std::string& out) { out += v ? "true" : "false"; }
};

/// smallint
template <>
struct codec<std::int16_t> : detail::fixed_int_codec<std::int16_t> {
  static constexpr oid_t oid = 21;
  static constexpr std::string_view sql_type = "smallint";
};

/// integer
template <>
struct codec<std::int32_t> : detail::fixed_int_codec<std::int32_t> {
  static constexpr oid_t oid = 23;
  static constexpr std::string_view sql_type = "integer";
};

/// bigint
template <>
struct codec<std::int64_t> : detail::fixed_int_codec<std::int64_t> {
  static constexpr oid_t oid = 20;
  static constexpr std::string_view sql_type = "bigint";
};

/// real
template <>
struct codec<float> : detail::float_codec<float, std::uint32_t> {
  static constexpr oid_t oid = 700;
  static constexpr std::string_view sql_type = "real";
};

/// double precision
template <>
struct codec<double> : detail::float_codec<double, std::uint64_t> {
  static constexpr oid_t oid = 701;
  static constexpr std::string_view sql_type = "double precision";
};

/// text. Encoding references the string's bytes (zero copy): the string must outlive the
/// execution. Throws std::length_error above INT_MAX bytes. The DAO checks UTF-8 and NUL bytes.
template <>
struct codec<std::string> {
  static constexpr oid_t oid = 25;
  static constexpr std::string_view sql_type = "text";
  static void encode(const std::string& v, detail::param_writer& w) { w.set_ref(v.data(), v.size()); }
  static const char* decode(const char* data, std::size_t n, std::string& out) noexcept {
    try {
      if (n == 0) out.clear();
      else out.assign(data, n);
    } catch (...) {
      return "out of memory";
    }
    return nullptr;
  }
  static void render(const std::string& v, std::string& out) { detail::render_quoted(v, out); }
};

/// uuid: its 16 bytes.
template <>
struct codec<uuid> {
  static constexpr oid_t oid = 2950;
  static constexpr std::string_view sql_type = "uuid";
  static void encode(const uuid& v, detail::param_writer& w) { w.append(v.data, 16); }
  static const char* decode(const char* data, std::size_t n, uuid& out) noexcept {
    if (n != 16) return "expected 16 bytes";
    std::memcpy(out.data, data, 16);
    return nullptr;
  }
  static void render(const uuid& v, std::string& out) {
    out.push_back('"');
    out += to_string(v);
    out.push_back('"');
  }
};

/// timestamptz: int64 microseconds since 2000-01-01T00:00:00Z. timestamp::max() / min() are
/// 'infinity' / '-infinity' both ways. Values below the int64 range after the epoch shift are
/// sent as INT64_MIN + 1, which the server rejects as out of range; decoding a value that does
/// not fit in timestamp (after year 294247) fails with "timestamp out of range".
template <>
struct codec<timestamp> {
  static constexpr oid_t oid = 1184;
  static constexpr std::string_view sql_type = "timestamptz";

  /// The wire value: microseconds since 2000-01-01, infinities kept, saturated below.
  static constexpr std::int64_t to_pg(timestamp t) noexcept {
    const std::int64_t us = t.time_since_epoch().count();
    if (us == detail::pg_infinity || us == detail::pg_minus_infinity) return us;
    if (us < detail::pg_minus_infinity + detail::pg_epoch_us + 1) return detail::pg_minus_infinity + 1;
    return us - detail::pg_epoch_us;
  }

  static void encode(const timestamp& v, detail::param_writer& w) { w.append_be(to_pg(v)); }

  static const char* decode(const char* data, std::size_t n, timestamp& out) noexcept {
    if (n != 8) return "expected 8 bytes";
    const auto pg = detail::load_be<std::int64_t>(data);
    if (pg == detail::pg_infinity) {
      out = timestamp::max();
    } else if (pg == detail::pg_minus_infinity) {
      out = timestamp::min();
    } else {
      // timestamp::max() itself would read back as 'infinity', so it is out of range too.
      if (pg >= detail::pg_infinity - detail::pg_epoch_us) return "timestamp out of range";
      out = timestamp{std::chrono::microseconds{pg + detail::pg_epoch_us}};
    }
    return nullptr;
  }

  static void render(const timestamp& v, std::string& out) {
    if (v == timestamp::max()) {
      out += "\"infinity\"";
    } else if (v == timestamp::min()) {
      out += "\"-infinity\"";
    } else {
      out.push_back('"');
      detail::render_iso8601_micros(v.time_since_epoch().count(), out);
      out.push_back('"');
    }
  }
};

/// text[]: a one-dimensional array, lower bound 1, no NULL elements. Decoding accepts text or
/// varchar elements, zero or one dimension and any lower bound; NULL elements are an error.
template <>
struct codec<std::vector<std::string>> {
  static constexpr oid_t oid = 1009;
  static constexpr std::string_view sql_type = "text[]";
  static constexpr oid_t element_oid = 25;
  static constexpr oid_t varchar_oid = 1043;

  /// Throws std::length_error when an element or the whole value exceeds INT_MAX bytes.
  static void encode(const std::vector<std::string>& v, detail::param_writer& w) {
    if (v.size() > static_cast<std::size_t>(INT_MAX))
      throw std::length_error("typedao: text[] with more than INT_MAX elements");
    w.append_be(std::int32_t{v.empty() ? 0 : 1});  // ndim
    w.append_be(std::int32_t{0});                  // has nulls
    w.append_be(static_cast<std::int32_t>(element_oid));
    if (v.empty()) return;
    w.append_be(static_cast<std::int32_t>(v.size()));
    w.append_be(std::int32_t{1});  // lower bound
    for (const auto& s : v) {
      if (s.size() > static_cast<std::size_t>(INT_MAX))
        throw std::length_error("typedao: text[] element longer than INT_MAX bytes");
      w.append_be(static_cast<std::int32_t>(s.size()));
      w.append(s.data(), s.size());
    }
  }

  static const char* decode(const char* data, std::size_t n, std::vector<std::string>& out) noexcept {
    using detail::load_be;
    if (n < detail::array_header_size) return "truncated array header";
    const auto ndim = load_be<std::int32_t>(data);
    const auto flags = load_be<std::int32_t>(data + 4);
    const auto elem = load_be<oid_t>(data + 8);
    if (ndim < 0) return "negative array dimension count";
    if (ndim > 1) return "expected a one-dimensional array";
    if (flags != 0 && flags != 1) return "invalid array flags";
    if (elem != element_oid && elem != varchar_oid) return "expected text or varchar array elements";
    std::size_t pos = detail::array_header_size;
    std::size_t count = 0;
    if (ndim == 1) {
      if (n - pos < detail::array_dim_size) return "truncated array header";
      const auto dim = load_be<std::int32_t>(data + pos);
      // The lower bound (data + pos + 4) does not matter to a std::vector.
      pos += detail::array_dim_size;
      if (dim < 0) return "negative array length";
      count = static_cast<std::size_t>(dim);
      // Every element takes at least its 4-byte length: check before allocating for them.
      if (count > (n - pos) / 4) return "array length exceeds the buffer";
    }
    try {
      out.resize(count);
    } catch (...) {
      return "out of memory";
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (n - pos < 4) return "truncated array element";
      const auto len = load_be<std::int32_t>(data + pos);
      pos += 4;
      if (len == -1) return "NULL element in a text[] mapped to std::vector<std::string>";
      if (len < 0) return "negative array element length";
      const auto ulen = static_cast<std::size_t>(len);
      if (ulen > n - pos) return "array element length exceeds the buffer";
      if (const char* err = codec<std::string>::decode(data + pos, ulen, out[i])) return err;
      pos += ulen;
    }
    if (pos != n) return "trailing bytes after array";
    return nullptr;
  }

  static void render(const std::vector<std::string>& v, std::string& out) {
    out.push_back('{');
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i != 0) out.push_back(',');
      detail::render_quoted(v[i], out);
    }
    out.push_back('}');
  }
};

}  // namespace customize

static_assert(has_codec<bool> && has_codec<std::int16_t> && has_codec<std::int32_t> &&
              has_codec<std::int64_t> && has_codec<float> && has_codec<double> &&
              has_codec<std::string> && has_codec<uuid> && has_codec<timestamp> &&
              has_codec<std::vector<std::string>>);

}  // namespace typedao

#endif
