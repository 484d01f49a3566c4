#ifndef TYPEDAO_CODEC_SCALAR_HPP
#define TYPEDAO_CODEC_SCALAR_HPP

// Built-in scalar codecs: boolean, smallint, integer, bigint, real, double precision, text,
// bytea, uuid, timestamptz, date. Include <typedao/codec.hpp>, not this header.

#include <typedao/codec/core.hpp>
#include <typedao/types.hpp>

#include <bit>
// libstdc++'s <chrono> brings <sstream> with it (C++20 formatting and parsing); typedao needs only
// durations, time points and the system clock, which <bits/chrono.h> holds (GCC >= 11).
#if defined(__GLIBCXX__) && __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#else
#include <chrono>
#endif
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace typedao {

/// A PostgreSQL `bytea`: raw bytes, no encoding rules.
using bytes = std::vector<std::byte>;

/// A PostgreSQL `date`: days since the Unix epoch. date::max() and date::min() stand for
/// 'infinity' and '-infinity'. A std::chrono::year_month_day converts to it implicitly.
using date = std::chrono::sys_days;

namespace detail {

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

// YYYY-MM-DD for days since the Unix epoch (years outside 0..9999: a '-' or more digits).
// Beyond +-2^40 days (no calendar anyone stores) the day count is printed instead.
inline void render_iso8601_date(std::int64_t days_since_unix_epoch, std::string& out) {
  if (days_since_unix_epoch > (std::int64_t{1} << 40) ||
      days_since_unix_epoch < -(std::int64_t{1} << 40)) {
    render_integer(days_since_unix_epoch, out);
    out += " days after 1970-01-01";
    return;
  }
  const civil_date d = civil_from_days(days_since_unix_epoch);
  if (d.year < 0) out.push_back('-');
  put_digits(out, static_cast<std::uint64_t>(d.year < 0 ? -d.year : d.year), 4);
  out.push_back('-');
  put_digits(out, d.month, 2);
  out.push_back('-');
  put_digits(out, d.day, 2);
}

}  // namespace detail

namespace customize {

/// boolean: one byte, 0 or 1 (any non-zero byte reads as true, as in PostgreSQL's boolrecv).
template <>
struct codec<bool> {
  static constexpr oid_t oid = 16;
  static constexpr oid_t array_oid = 1000;
  static constexpr std::string_view sql_type = "boolean";
  static void encode(const bool& v, param_writer& w) {
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
  static constexpr oid_t array_oid = 1005;
  static constexpr std::string_view sql_type = "smallint";
};

/// integer
template <>
struct codec<std::int32_t> : detail::fixed_int_codec<std::int32_t> {
  static constexpr oid_t oid = 23;
  static constexpr oid_t array_oid = 1007;
  static constexpr std::string_view sql_type = "integer";
};

/// bigint
template <>
struct codec<std::int64_t> : detail::fixed_int_codec<std::int64_t> {
  static constexpr oid_t oid = 20;
  static constexpr oid_t array_oid = 1016;
  static constexpr std::string_view sql_type = "bigint";
};

/// real
template <>
struct codec<float> : detail::float_codec<float, std::uint32_t> {
  static constexpr oid_t oid = 700;
  static constexpr oid_t array_oid = 1021;
  static constexpr std::string_view sql_type = "real";
};

/// double precision
template <>
struct codec<double> : detail::float_codec<double, std::uint64_t> {
  static constexpr oid_t oid = 701;
  static constexpr oid_t array_oid = 1022;
  static constexpr std::string_view sql_type = "double precision";
};

/// text. Encoding references the string's bytes (zero copy): the string must outlive the
/// execution. Throws std::length_error above INT_MAX bytes. The DAO checks UTF-8 and NUL bytes.
template <>
struct codec<std::string> {
  static constexpr oid_t oid = 25;
  static constexpr oid_t array_oid = 1009;
  static constexpr std::string_view sql_type = "text";
  static void encode(const std::string& v, param_writer& w) { w.set_ref(v.data(), v.size()); }
  TYPEDAO_INLINE static const char* decode(const char* data, std::size_t n,
                                           std::string& out) noexcept {
    try {
      if (n == 0)
        out.clear();
      else
        out.assign(data, n);
    } catch (...) {
      return "out of memory";
    }
    return nullptr;
  }
  static void render(const std::string& v, std::string& out) { detail::render_quoted(v, out); }
};

/// bytea: the bytes themselves (zero copy on encode, as text). Rendered as PostgreSQL's hex
/// form, quoted: "\x0102ff".
template <>
struct codec<bytes> {
  static constexpr oid_t oid = 17;
  static constexpr oid_t array_oid = 1001;
  static constexpr std::string_view sql_type = "bytea";
  static void encode(const bytes& v, param_writer& w) {
    w.set_ref(reinterpret_cast<const char*>(v.data()), v.size());
  }
  static const char* decode(const char* data, std::size_t n, bytes& out) noexcept {
    try {
      if (n == 0) {
        out.clear();
      } else {
        const auto* p = reinterpret_cast<const std::byte*>(data);
        out.assign(p, p + n);
      }
    } catch (...) {
      return "out of memory";
    }
    return nullptr;
  }
  static void render(const bytes& v, std::string& out) {
    constexpr char digits[] = "0123456789abcdef";
    out += "\"\\x";
    for (std::byte b : v) {
      const auto u = static_cast<unsigned>(b);
      out.push_back(digits[u >> 4]);
      out.push_back(digits[u & 0x0F]);
    }
    out.push_back('"');
  }
};

/// uuid: its 16 bytes.
template <>
struct codec<uuid> {
  static constexpr oid_t oid = 2950;
  static constexpr oid_t array_oid = 2951;
  static constexpr std::string_view sql_type = "uuid";
  static void encode(const uuid& v, param_writer& w) { w.append(v.data, 16); }
  static const char* decode(const char* data, std::size_t n, uuid& out) noexcept {
    if (n != 16) return "expected 16 bytes";
    std::memcpy(out.data, data, 16);
    return nullptr;
  }
  static void render(const uuid& v, std::string& out) {
    out.push_back('"');
    out += typedao::to_string(v);
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
  static constexpr oid_t array_oid = 1185;
  static constexpr std::string_view sql_type = "timestamptz";

  /// The wire value: microseconds since 2000-01-01, infinities kept, saturated below.
  static constexpr std::int64_t to_pg(timestamp t) noexcept {
    const std::int64_t us = t.time_since_epoch().count();
    if (us == detail::pg_infinity || us == detail::pg_minus_infinity) return us;
    if (us < detail::pg_minus_infinity + detail::pg_epoch_us + 1)
      return detail::pg_minus_infinity + 1;
    return us - detail::pg_epoch_us;
  }

  static void encode(const timestamp& v, param_writer& w) { w.append_be(to_pg(v)); }

  TYPEDAO_INLINE static const char* decode(const char* data, std::size_t n,
                                           timestamp& out) noexcept {
    if (n != 8) [[unlikely]]
      return "expected 8 bytes";
    const auto pg = detail::load_be<std::int64_t>(data);
    // Every finite value that fits, in one unsigned comparison: pg in [min + 1, max - epoch).
    // (timestamp::max() itself would read back as 'infinity', so it is out of range too.)
    constexpr auto lo = static_cast<std::uint64_t>(detail::pg_minus_infinity + 1);
    constexpr auto hi = static_cast<std::uint64_t>(detail::pg_infinity - detail::pg_epoch_us);
    if (static_cast<std::uint64_t>(pg) - lo < hi - lo) [[likely]] {
      out = timestamp{std::chrono::microseconds{pg + detail::pg_epoch_us}};
      return nullptr;
    }
    if (pg == detail::pg_infinity) {
      out = timestamp::max();
      return nullptr;
    }
    if (pg == detail::pg_minus_infinity) {
      out = timestamp::min();
      return nullptr;
    }
    return "timestamp out of range";
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

/// date: int32 days since 2000-01-01. date::max() / date::min() are 'infinity' / '-infinity'
/// both ways. Other dates outside the int32 range are sent as INT32_MAX - 1 / INT32_MIN + 1,
/// which the server rejects as out of range (as it rejects any date beyond 5874897-12-31 or
/// before 4714-11-24 BC).
template <>
struct codec<date> {
  static constexpr oid_t oid = 1082;
  static constexpr oid_t array_oid = 1182;
  static constexpr std::string_view sql_type = "date";

  /// The wire value: days since 2000-01-01, infinities kept, saturated on both sides.
  static constexpr std::int32_t to_pg(date d) noexcept {
    constexpr auto inf = std::numeric_limits<std::int32_t>::max();
    constexpr auto minus_inf = std::numeric_limits<std::int32_t>::min();
    if (d == date::max()) return inf;
    if (d == date::min()) return minus_inf;
    const auto days = static_cast<std::int64_t>(d.time_since_epoch().count());
    // Compare before subtracting: days may be any value of the representation.
    if (days >= std::int64_t{inf} + detail::pg_epoch_days) return inf - 1;
    if (days <= std::int64_t{minus_inf} + detail::pg_epoch_days) return minus_inf + 1;
    return static_cast<std::int32_t>(days - detail::pg_epoch_days);
  }

  static void encode(const date& v, param_writer& w) { w.append_be(to_pg(v)); }

  static const char* decode(const char* data, std::size_t n, date& out) noexcept {
    if (n != 4) return "expected 4 bytes";
    const auto pg = detail::load_be<std::int32_t>(data);
    if (pg == std::numeric_limits<std::int32_t>::max()) {
      out = date::max();
    } else if (pg == std::numeric_limits<std::int32_t>::min()) {
      out = date::min();
    } else {
      using rep = date::rep;
      const std::int64_t days = std::int64_t{pg} + detail::pg_epoch_days;
      if (days >= static_cast<std::int64_t>(std::numeric_limits<rep>::max()) ||
          days <= static_cast<std::int64_t>(std::numeric_limits<rep>::min()))
        return "date out of range";
      out = date{std::chrono::days{static_cast<rep>(days)}};
    }
    return nullptr;
  }

  static void render(const date& v, std::string& out) {
    if (v == date::max()) {
      out += "\"infinity\"";
    } else if (v == date::min()) {
      out += "\"-infinity\"";
    } else {
      out.push_back('"');
      detail::render_iso8601_date(static_cast<std::int64_t>(v.time_since_epoch().count()), out);
      out.push_back('"');
    }
  }
};

}  // namespace customize
}  // namespace typedao

#endif
