#ifndef TYPEDAO_CODEC_RENDER_HPP
#define TYPEDAO_CODEC_RENDER_HPP

// Values as Kong's error messages print them (Penlight's pretty writer over Lua values).

#include <typedao/detail/calendar.hpp>
#include <typedao/detail/utf8.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace typedao::detail {

// How many bytes of one value an error message echoes: a message stays short whatever the
// caller passed (a 1 MiB offset token, a huge name).
inline constexpr std::size_t max_echoed_bytes = 256;

// Appends up to `max` bytes of s, escaped as in a Lua string literal: `"` and `\` escaped,
// newline as \n, other control bytes and bytes that are not well-formed UTF-8 as \ddd (always
// three digits, so a following digit cannot be read as part of the escape). Valid UTF-8 stays
// readable. Cuts only between characters; returns whether it cut.
inline bool echo_escaped(std::string_view s, std::string& out, std::size_t max = max_echoed_bytes) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c >= 0x80 ? utf8_sequence_at(s, i) : 1;
    if (i + (len ? len : 1) > max) return true;
    if (len > 1) {
      out.append(s.data() + i, len);
      i += len;
      continue;
    }
    ++i;
    if (len == 1 && c >= 0x20 && c != '"' && c != '\\' && c != 0x7F) {
      out.push_back(static_cast<char>(c));
      continue;
    }
    out.push_back('\\');
    if (c == '"' || c == '\\') {
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out.push_back('n');
    } else {
      out.push_back(static_cast<char>('0' + c / 100));
      out.push_back(static_cast<char>('0' + c / 10 % 10));
      out.push_back(static_cast<char>('0' + c % 10));
    }
  }
  return false;
}

// Caller input echoed inside a message's own quotes: escaped, "..." at the end when cut.
inline std::string echoed(std::string_view s, std::size_t max = max_echoed_bytes) {
  std::string out;
  if (echo_escaped(s, out, max)) out += "...";
  return out;
}

// A string as Kong's messages print it: a Lua string literal, "..." after it when cut.
inline void render_quoted(std::string_view s, std::string& out,
                          std::size_t max = max_echoed_bytes) {
  out.push_back('"');
  const bool cut = echo_escaped(s, out, max);
  out.push_back('"');
  if (cut) out += "...";
}

template <class Int>
void render_integer(Int v, std::string& out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Shortest text that reads back to the same value (at most 9 / 17 significant digits),
// %g-style; Lua's spellings for the special values.
template <class Float>
void render_float(Float v, std::string& out) {
  if (v != v) {  // NaN (no <cmath>: its declarations cost every user's compile)
    out += "nan";
    return;
  }
  if (v == std::numeric_limits<Float>::infinity() || v == -std::numeric_limits<Float>::infinity()) {
    out += v < 0 ? "-inf" : "inf";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  out.append(buf, r.ptr);
}

inline void put_digits(std::string& out, std::uint64_t v, int width) {
  char buf[24];
  int k = 0;
  do {
    buf[k++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (k < width) buf[k++] = '0';
  while (k != 0) out.push_back(buf[--k]);
}

// ISO 8601 UTC with microseconds: 2024-05-01T12:00:00.123456Z. Years outside 0..9999 get a
// leading '-' or more digits. No quotes.
inline void render_iso8601_micros(std::int64_t us_since_unix_epoch, std::string& out) {
  constexpr std::int64_t us_per_day = 86'400'000'000;
  std::int64_t days = us_since_unix_epoch / us_per_day;
  std::int64_t rem = us_since_unix_epoch % us_per_day;
  if (rem < 0) {
    rem += us_per_day;
    --days;
  }
  const civil_date d = civil_from_days(days);
  if (d.year < 0) out.push_back('-');
  put_digits(out, static_cast<std::uint64_t>(d.year < 0 ? -d.year : d.year), 4);
  out.push_back('-');
  put_digits(out, d.month, 2);
  out.push_back('-');
  put_digits(out, d.day, 2);
  out.push_back('T');
  const auto r = static_cast<std::uint64_t>(rem);
  put_digits(out, r / 3'600'000'000, 2);
  out.push_back(':');
  put_digits(out, r / 60'000'000 % 60, 2);
  out.push_back(':');
  put_digits(out, r / 1'000'000 % 60, 2);
  out.push_back('.');
  put_digits(out, r % 1'000'000, 6);
  out.push_back('Z');
}

}  // namespace typedao::detail

#endif
