#ifndef TYPEDAO_JSON_TEXT_HPP
#define TYPEDAO_JSON_TEXT_HPP

// JSON inside jsonb columns, the ground floor: which C++ types map to JSON, the text forms of
// dates and timestamps, and the path reported when a stored document does not fit.

#include <typedao/codec.hpp>
#include <typedao/detail/base64.hpp>
#include <typedao/detail/calendar.hpp>
#include <typedao/detail/utf8.hpp>
#include <typedao/entity.hpp>

#include <boost/describe/members.hpp>
#include <boost/json/value.hpp>
#include <boost/mp11/algorithm.hpp>
#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao {

/// A free-form JSON value (jsonb).
using json_value = boost::json::value;

/// Deepest nesting of arrays and objects typedao reads back (and lets you write).
inline constexpr std::size_t max_json_depth = 512;

namespace customize {
/// Specialise to store a type of your own inside JSON values (records, maps, arrays).
template <class T>
struct json_mapping;
}  // namespace customize

namespace detail {

// ---- which types are what -------------------------------------------------------------------

template <class T>
struct is_string_map : std::false_type {};
template <class V>
struct is_string_map<std::map<std::string, V>> : std::true_type {};

template <class T>
concept user_json_mapping = requires { sizeof(customize::json_mapping<T>); };

// A record: a described class that is not an entity (entities are tables, not values).
template <class T>
concept json_record = std::is_class_v<T> && boost::describe::has_describe_members<T>::value &&
                      !entity<T> && std::is_default_constructible_v<T> && !user_json_mapping<T>;

template <class T>
concept json_raw = std::is_same_v<T, boost::json::value> ||
                   std::is_same_v<T, boost::json::object> || std::is_same_v<T, boost::json::array>;

// Types stored in a jsonb column of their own.
template <class T>
concept jsonb_column = json_record<T> || is_string_map<T>::value || json_raw<T>;

template <class Record, class Member, bool Ok = false>
struct json_unsupported_type {
  static_assert(
      Ok,
      "typedao::json: this type cannot be stored inside JSON (a record member, map value or "
      "array element). Use a supported type (docs/types.md) or specialise "
      "typedao::customize::json_mapping<T>.");
};

// ---- text forms -------------------------------------------------------------------------------

struct text_cursor {
  std::string_view s;
  std::size_t i = 0;
  bool eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  // Exactly n digits (n >= 1), or at least n when `more` (at most 9 in all).
  bool digits(std::size_t n, std::int64_t& out, bool more = false) {
    const std::size_t b = i;
    out = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && (more ? i - b < 9 : i - b < n))
      out = out * 10 + (s[i++] - '0');
    return i - b >= n;
  }
  bool at_end() const { return i == s.size(); }
};

// [-]YYYY-MM-DD (four or more year digits) into days since 1970-01-01.
inline bool parse_civil_date(text_cursor& c, std::int64_t& days) {
  const bool neg = c.eat('-');
  std::int64_t y, m, d;
  if (!c.digits(4, y, true) || !c.eat('-') || !c.digits(2, m) || !c.eat('-') || !c.digits(2, d))
    return false;
  if (neg) y = -y;
  if (m < 1 || m > 12 || d < 1 || d > days_in_month(y, static_cast<unsigned>(m))) return false;
  days = days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

inline const char* parse_json_date(std::string_view s, date& out) {
  if (s == "infinity") {
    out = date::max();
    return nullptr;
  }
  if (s == "-infinity") {
    out = date::min();
    return nullptr;
  }
  text_cursor c{s};
  std::int64_t days = 0;
  if (!parse_civil_date(c, days) || !c.at_end()) return "expected a date (YYYY-MM-DD)";
  out = date{std::chrono::days{days}};
  return nullptr;
}

// 2024-05-01T12:00:00[.ffffff](Z|+HH:MM|-HH:MM), "infinity", "-infinity".
inline const char* parse_json_timestamp(std::string_view s, timestamp& out) {
  constexpr const char* bad = "expected a timestamp (YYYY-MM-DDTHH:MM:SS[.ffffff]Z)";
  if (s == "infinity") {
    out = timestamp::max();
    return nullptr;
  }
  if (s == "-infinity") {
    out = timestamp::min();
    return nullptr;
  }
  text_cursor c{s};
  std::int64_t days = 0, hh, mm, ss;
  if (!parse_civil_date(c, days)) return bad;
  if (!(c.eat('T') || c.eat(' ')) || !c.digits(2, hh) || !c.eat(':') || !c.digits(2, mm) ||
      !c.eat(':') || !c.digits(2, ss))
    return bad;
  if (hh > 23 || mm > 59 || ss > 59) return bad;
  std::int64_t us = 0;
  if (c.eat('.')) {
    const std::size_t b = c.i;
    std::int64_t f = 0;
    if (!c.digits(1, f, true) || c.i - b > 6) return bad;
    for (std::size_t k = c.i - b; k < 6; ++k) f *= 10;
    us = f;
  }
  std::int64_t offset_min = 0;
  if (!c.eat('Z')) {
    const bool plus = c.eat('+');
    if (!plus && !c.eat('-')) return bad;
    std::int64_t oh, om;
    if (!c.digits(2, oh) || !c.eat(':') || !c.digits(2, om) || oh > 15 || om > 59) return bad;
    offset_min = (plus ? 1 : -1) * (oh * 60 + om);
  }
  if (!c.at_end()) return bad;
  // typedao::timestamp holds +-106751991 days (years -290308 to 294247).
  if (days > 106'751'990 || days < -106'751'990) return "timestamp out of range";
  const std::int64_t total =
      ((days * 24 + hh) * 60 + mm - offset_min) * 60'000'000 + ss * 1'000'000 + us;
  out = timestamp{std::chrono::microseconds{total}};
  return nullptr;
}

// ---- decoding context: where in the document we are -----------------------------------------

class json_path {
 public:
  void push(std::string_view key) { segs_.push_back({key, 0}); }
  void push(std::size_t index) { segs_.push_back({{}, index + 1}); }
  void pop() { segs_.pop_back(); }

  // "limits.burst: <what>" (no prefix at the top level).
  const char* fail(std::string_view what) const noexcept {
    try {
      std::string p;
      for (const auto& s : segs_) {
        if (!p.empty()) p.push_back('.');
        if (s.index != 0)
          p += std::to_string(s.index);
        else
          p.append(s.key);
      }
      if (p.empty()) return dynamic_message({what});
      return dynamic_message({p, ": ", what});
    } catch (...) {
      return "out of memory";
    }
  }

 private:
  struct seg {
    std::string_view key;
    std::size_t index;  // 1-based; 0 for a key
  };
  std::vector<seg> segs_;
};

inline const char* json_kind_name(const boost::json::value& v) noexcept {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "a number";
    case boost::json::kind::string:
      return "a string";
    case boost::json::kind::array:
      return "an array";
    case boost::json::kind::object:
      return "an object";
  }
  return "a value";
}

inline const char* json_expected(const json_path& path, std::string_view what,
                                 const boost::json::value& got) {
  try {
    return path.fail(std::string("expected ") + std::string(what) + ", got " + json_kind_name(got));
  } catch (...) {
    return "out of memory";
  }
}
}  // namespace detail

/// For json_mapping<T>::from_json messages: "a string", "a number", "null"... (what `v` is).
using detail::json_kind_name;

}  // namespace typedao

#endif
