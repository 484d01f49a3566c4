#ifndef TYPEDAO_JSON_HPP
#define TYPEDAO_JSON_HPP

/// jsonb columns: records (described structs that are not entities), maps
/// std::map<std::string, T>, and raw JSON values (boost::json::value / object / array).
///
/// Opt-in: include this header where such members are declared and link the CMake target
/// typedao::json (typedao::typedao + Boost::json, the compiled Boost.JSON library). The rest of
/// typedao never includes Boost.JSON.
///
/// Mapping inside JSON (docs/types.md):
///   bool -> true/false; int16/32/64 -> integer; float/double -> number (finite only);
///   std::string -> string; typedao::bytes -> base64 string; uuid -> "xxxxxxxx-...";
///   timestamp -> "2024-05-01T12:00:00.123456Z" / "infinity"; date -> "2024-05-01";
///   numeric -> its canonical text as a string ("12.50", "NaN"); described enum -> its name;
///   std::optional<T> -> T or null; std::vector<T> / std::set<T> -> array;
///   std::map<std::string, T> -> object; record -> object (members by name, declaration order);
///   boost::json::value / object / array -> themselves.
/// Decoding (the stored JSON may be older or newer than the struct):
///   a missing member keeps the value it has in a default-constructed record (std::optional:
///   nullopt); a member the struct does not have is ignored; a wrong JSON type, null for a
///   non-optional member, an integer out of range, an unknown enumerator, a malformed uuid /
///   timestamp / date / numeric / base64 is an error naming the path: "limits.burst: expected an
///   integer, got a string" (the DAO reports DATABASE_ERROR).
/// Before sending, the DAO reports SCHEMA_VIOLATIONs for what jsonb cannot store: NaN and
/// infinities, strings with NUL bytes or invalid UTF-8 (also in keys), enum values that are not
/// enumerators, nesting deeper than typedao::max_json_depth.
///
/// Map a type of your own inside JSON by specialising typedao::customize::json_mapping<T>:
///   static void to_json(const T& v, boost::json::value& out);
///   static const char* from_json(const boost::json::value& in, T& out);  // nullptr or a message

#include <typedao/codec.hpp>
#include <typedao/detail/utf8.hpp>
#include <typedao/entity.hpp>

#include <boost/describe/members.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/serializer.hpp>
#include <boost/json/value.hpp>
#include <boost/json/value_stack.hpp>
#include <boost/mp11/algorithm.hpp>

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
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
concept json_raw = std::is_same_v<T, boost::json::value> || std::is_same_v<T, boost::json::object> ||
                   std::is_same_v<T, boost::json::array>;

// Types stored in a jsonb column of their own.
template <class T>
concept jsonb_column = json_record<T> || is_string_map<T>::value || json_raw<T>;

template <class Record, class Member, bool Ok = false>
struct json_unsupported_type {
  static_assert(Ok,
                "typedao::json: this type cannot be stored inside JSON (a record member, map value or "
                "array element). Use a supported type (docs/types.md) or specialise "
                "typedao::customize::json_mapping<T>.");
};

// ---- text forms -------------------------------------------------------------------------------

inline constexpr char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

inline std::string base64_encode(const bytes& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned>(in[k]); };
  for (; i + 3 <= in.size(); i += 3) {
    const unsigned v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out.push_back(base64_alphabet[v >> 18]);
    out.push_back(base64_alphabet[(v >> 12) & 63]);
    out.push_back(base64_alphabet[(v >> 6) & 63]);
    out.push_back(base64_alphabet[v & 63]);
  }
  if (in.size() - i == 1) {
    const unsigned v = at(i) << 16;
    out.push_back(base64_alphabet[v >> 18]);
    out.push_back(base64_alphabet[(v >> 12) & 63]);
    out += "==";
  } else if (in.size() - i == 2) {
    const unsigned v = at(i) << 16 | at(i + 1) << 8;
    out.push_back(base64_alphabet[v >> 18]);
    out.push_back(base64_alphabet[(v >> 12) & 63]);
    out.push_back(base64_alphabet[(v >> 6) & 63]);
    out.push_back('=');
  }
  return out;
}

// Strict RFC 4648 base64: padded, no whitespace, unused bits zero (one text per byte string).
inline bool base64_decode(std::string_view in, bytes& out) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.size() % 4 != 0) return false;
  out.clear();
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    const int a = val(in[i]), b = val(in[i + 1]);
    if (a < 0 || b < 0) return false;
    const unsigned v = static_cast<unsigned>(a) << 18 | static_cast<unsigned>(b) << 12;
    if (last && in[i + 2] == '=' && in[i + 3] == '=') {
      if (v & 0xFFFF) return false;
      out.push_back(static_cast<std::byte>(v >> 16));
      break;
    }
    const int c = val(in[i + 2]);
    if (c < 0) return false;
    const unsigned v3 = v | static_cast<unsigned>(c) << 6;
    if (last && in[i + 3] == '=') {
      if (v3 & 0xFF) return false;
      out.push_back(static_cast<std::byte>(v3 >> 16));
      out.push_back(static_cast<std::byte>((v3 >> 8) & 0xFF));
      break;
    }
    const int d = val(in[i + 3]);
    if (d < 0) return false;
    const unsigned v4 = v3 | static_cast<unsigned>(d);
    out.push_back(static_cast<std::byte>(v4 >> 16));
    out.push_back(static_cast<std::byte>((v4 >> 8) & 0xFF));
    out.push_back(static_cast<std::byte>(v4 & 0xFF));
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<std::uint64_t>(y - era * 400);
  const std::uint64_t mp = m > 2 ? m - 3 : m + 9;
  const std::uint64_t doy = (153 * mp + 2) / 5 + d - 1;
  const std::uint64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr unsigned len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
  return m == 2 && leap ? 29 : len[m - 1];
}

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
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && (more ? i - b < 9 : i - b < n)) out = out * 10 + (s[i++] - '0');
    return i - b >= n;
  }
  bool at_end() const { return i == s.size(); }
};

// [-]YYYY-MM-DD (four or more year digits) into days since 1970-01-01.
inline bool parse_civil_date(text_cursor& c, std::int64_t& days) {
  const bool neg = c.eat('-');
  std::int64_t y, m, d;
  if (!c.digits(4, y, true) || !c.eat('-') || !c.digits(2, m) || !c.eat('-') || !c.digits(2, d)) return false;
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
  if (!(c.eat('T') || c.eat(' ')) || !c.digits(2, hh) || !c.eat(':') || !c.digits(2, mm) || !c.eat(':') ||
      !c.digits(2, ss))
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
  const std::int64_t total = ((days * 24 + hh) * 60 + mm - offset_min) * 60'000'000 + ss * 1'000'000 + us;
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
        if (s.index != 0) p += std::to_string(s.index);
        else p.append(s.key);
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
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
  }
  return "a value";
}

inline const char* json_expected(const json_path& path, std::string_view what, const boost::json::value& got) {
  try {
    return path.fail(std::string("expected ") + std::string(what) + ", got " + json_kind_name(got));
  } catch (...) {
    return "out of memory";
  }
}

// ---- C++ -> JSON ------------------------------------------------------------------------------

template <class T, class Record = void>
void to_json(const T& v, boost::json::value& out);

template <class R>
void record_to_json(const R& r, boost::json::value& out) {
  auto& obj = out.emplace_object();
  boost::mp11::mp_for_each<boost::describe::describe_members<R, boost::describe::mod_public>>([&](auto d) {
    to_json<std::remove_cvref_t<decltype(r.*d.pointer)>, R>(r.*d.pointer, obj[d.name]);
  });
}

template <class T, class Record>
void to_json(const T& v, boost::json::value& out) {
  if constexpr (user_json_mapping<T>) {
    customize::json_mapping<T>::to_json(v, out);
  } else if constexpr (is_optional<T>::value) {
    if (v) to_json<typename T::value_type, Record>(*v, out);
    else out.emplace_null();
  } else if constexpr (std::is_same_v<T, bool>) {
    out = v;
  } else if constexpr (std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::int32_t> ||
                       std::is_same_v<T, std::int64_t>) {
    out = static_cast<std::int64_t>(v);
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    if (!std::isfinite(v)) throw std::invalid_argument("typedao: JSON cannot hold NaN or infinity");
    out = static_cast<double>(v);
  } else if constexpr (std::is_same_v<T, std::string>) {
    out.emplace_string().assign(v.data(), v.size());
  } else if constexpr (std::is_same_v<T, bytes>) {
    out = base64_encode(v);
  } else if constexpr (std::is_same_v<T, uuid>) {
    out = typedao::to_string(v);
  } else if constexpr (std::is_same_v<T, timestamp> || std::is_same_v<T, date>) {
    std::string s;
    customize::codec<T>::render(v, s);  // quoted: "..."
    out.emplace_string().assign(s.data() + 1, s.size() - 2);
  } else if constexpr (std::is_same_v<T, numeric>) {
    out = v.str();
  } else if constexpr (described_enum<T>) {
    const char* name = enumerator_name(v);
    if (!name) throw std::invalid_argument("typedao: enum value is not one of its described enumerators");
    out = name;
  } else if constexpr (is_std_vector<T>::value || is_std_set<T>::value) {
    auto& arr = out.emplace_array();
    arr.reserve(v.size());
    for (auto&& e : v) {
      const typename T::value_type& ev = e;
      to_json<typename T::value_type, Record>(ev, arr.emplace_back(nullptr));
    }
  } else if constexpr (is_string_map<T>::value) {
    auto& obj = out.emplace_object();
    obj.reserve(v.size());
    for (const auto& [k, e] : v) to_json<typename T::mapped_type, Record>(e, obj[k]);
  } else if constexpr (json_raw<T>) {
    out = v;
  } else if constexpr (json_record<T>) {
    record_to_json(v, out);
  } else {
    (void)sizeof(json_unsupported_type<Record, T>);
  }
}

// ---- JSON -> C++ ------------------------------------------------------------------------------

template <class Int>
const char* json_to_integer(const boost::json::value& in, Int& out, const json_path& path) {
  constexpr auto lo = std::numeric_limits<Int>::min();
  constexpr auto hi = std::numeric_limits<Int>::max();
  constexpr const char* range = sizeof(Int) == 2 ? "integer out of range for smallint"
                                : sizeof(Int) == 4 ? "integer out of range for integer"
                                                   : "integer out of range for bigint";
  // Two's complement: the range is [lo, -lo), exactly representable as doubles.
  constexpr double lo_d = static_cast<double>(lo);
  if (in.is_int64()) {
    const std::int64_t i = in.get_int64();
    if (i < lo || i > hi) return path.fail(range);
    out = static_cast<Int>(i);
  } else if (in.is_uint64()) {
    const std::uint64_t u = in.get_uint64();
    if (u > static_cast<std::uint64_t>(hi)) return path.fail(range);
    out = static_cast<Int>(u);
  } else if (in.is_double()) {
    const double d = in.get_double();
    // Integral doubles only (1.0, 1e3 as other writers may store them).
    if (d != std::floor(d)) return json_expected(path, "an integer", in);
    if (!(d >= lo_d && d < -lo_d)) return path.fail(range);
    out = static_cast<Int>(d);
  } else {
    return json_expected(path, "an integer", in);
  }
  return nullptr;
}

template <class T>
const char* from_json(const boost::json::value& in, T& out, json_path& path);

template <class R>
const char* record_from_json(const boost::json::value& in, R& out, json_path& path) {
  if (!in.is_object()) return json_expected(path, "an object", in);
  const auto& obj = in.get_object();
  const char* err = nullptr;
  boost::mp11::mp_for_each<boost::describe::describe_members<R, boost::describe::mod_public>>([&](auto d) {
    if (err) return;
    const boost::json::value* m = obj.if_contains(d.name);
    if (!m) return;  // missing: keeps the default
    path.push(std::string_view(d.name));
    err = from_json(*m, out.*d.pointer, path);
    path.pop();
  });
  return err;
}

template <class T>
const char* from_json(const boost::json::value& in, T& out, json_path& path) {
  if constexpr (user_json_mapping<T>) {
    if (const char* e = customize::json_mapping<T>::from_json(in, out)) return path.fail(e);
    return nullptr;
  } else if constexpr (is_optional<T>::value) {
    if (in.is_null()) {
      out.reset();
      return nullptr;
    }
    if (!out) out.emplace();
    return from_json(in, *out, path);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (!in.is_bool()) return json_expected(path, "a boolean", in);
    out = in.get_bool();
    return nullptr;
  } else if constexpr (std::is_same_v<T, std::int16_t> || std::is_same_v<T, std::int32_t> ||
                       std::is_same_v<T, std::int64_t>) {
    return json_to_integer(in, out, path);
  } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    double d;
    if (in.is_double()) d = in.get_double();
    else if (in.is_int64()) d = static_cast<double>(in.get_int64());
    else if (in.is_uint64()) d = static_cast<double>(in.get_uint64());
    else return json_expected(path, "a number", in);
    if constexpr (std::is_same_v<T, float>) {
      if (std::abs(d) > static_cast<double>(std::numeric_limits<float>::max()))
        return path.fail("number out of range for real");
    }
    out = static_cast<T>(d);
    return nullptr;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!in.is_string()) return json_expected(path, "a string", in);
    const auto& s = in.get_string();
    out.assign(s.data(), s.size());
    return nullptr;
  } else if constexpr (std::is_same_v<T, bytes>) {
    if (!in.is_string()) return json_expected(path, "a base64 string", in);
    const auto& s = in.get_string();
    if (!base64_decode(std::string_view(s.data(), s.size()), out)) return path.fail("expected base64 text");
    return nullptr;
  } else if constexpr (std::is_same_v<T, uuid>) {
    if (!in.is_string()) return json_expected(path, "a uuid string", in);
    const auto& s = in.get_string();
    auto u = parse_uuid(std::string_view(s.data(), s.size()));
    if (!u) return path.fail("expected a uuid (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    out = *u;
    return nullptr;
  } else if constexpr (std::is_same_v<T, timestamp> || std::is_same_v<T, date>) {
    if (!in.is_string()) return json_expected(path, std::is_same_v<T, date> ? "a date string" : "a timestamp string", in);
    const auto& s = in.get_string();
    const char* e = nullptr;
    if constexpr (std::is_same_v<T, date>) e = parse_json_date(std::string_view(s.data(), s.size()), out);
    else e = parse_json_timestamp(std::string_view(s.data(), s.size()), out);
    return e ? path.fail(e) : nullptr;
  } else if constexpr (std::is_same_v<T, numeric>) {
    std::optional<numeric> n;
    if (in.is_string()) {
      const auto& s = in.get_string();
      n = numeric::parse(std::string_view(s.data(), s.size()));
    } else if (in.is_int64()) {
      n = numeric(in.get_int64());
    } else if (in.is_uint64()) {
      n = numeric(in.get_uint64());
    } else if (in.is_double()) {
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, in.get_double());
      n = numeric::parse(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)));
    } else {
      return json_expected(path, "a numeric string", in);
    }
    if (!n) return path.fail("expected a numeric");
    out = std::move(*n);
    return nullptr;
  } else if constexpr (described_enum<T>) {
    if (!in.is_string()) return json_expected(path, "a string", in);
    const auto& s = in.get_string();
    const std::string_view sv(s.data(), s.size());
    if (!enumerator_from_name(sv, out)) {
      try {
        return path.fail("unknown enumerator " + quote_for_message(sv));
      } catch (...) {
        return "out of memory";
      }
    }
    return nullptr;
  } else if constexpr (is_std_vector<T>::value || is_std_set<T>::value) {
    if (!in.is_array()) return json_expected(path, "an array", in);
    const auto& arr = in.get_array();
    out.clear();
    if constexpr (is_std_vector<T>::value) out.reserve(arr.size());
    for (std::size_t i = 0; i < arr.size(); ++i) {
      typename T::value_type e{};
      path.push(i);
      const char* err = from_json(arr[i], e, path);
      path.pop();
      if (err) return err;
      if constexpr (is_std_set<T>::value) out.insert(std::move(e));
      else out.push_back(std::move(e));
    }
    return nullptr;
  } else if constexpr (is_string_map<T>::value) {
    if (!in.is_object()) return json_expected(path, "an object", in);
    out.clear();
    for (const auto& kv : in.get_object()) {
      const std::string_view key(kv.key().data(), kv.key().size());
      typename T::mapped_type e{};
      path.push(key);
      const char* err = from_json(kv.value(), e, path);
      path.pop();
      if (err) return err;
      out.insert_or_assign(std::string(key), std::move(e));
    }
    return nullptr;
  } else if constexpr (std::is_same_v<T, boost::json::value>) {
    out = in;  // copies into out's storage
    return nullptr;
  } else if constexpr (std::is_same_v<T, boost::json::object>) {
    if (!in.is_object()) return json_expected(path, "an object", in);
    out = in.get_object();
    return nullptr;
  } else if constexpr (std::is_same_v<T, boost::json::array>) {
    if (!in.is_array()) return json_expected(path, "an array", in);
    out = in.get_array();
    return nullptr;
  } else if constexpr (json_record<T>) {
    T fresh{};  // members the document lacks keep their defaults
    if (const char* err = record_from_json(in, fresh, path)) return err;
    out = std::move(fresh);
    return nullptr;
  } else {
    (void)sizeof(json_unsupported_type<void, T>);
    return "unsupported type";
  }
}

// ---- checks before sending ----------------------------------------------------------------------

template <class Report>
struct json_checker {
  Report& report;
  std::string path;  // ".a.2" relative to the column

  void text(std::string_view s) {
    if (s.find('\0') != std::string_view::npos) report(path, "must not contain NUL bytes");
    else if (!utf8_valid(s)) report(path, "expected a valid UTF-8 string");
  }
  void too_deep(std::size_t depth) {
    if (depth == max_json_depth + 1) report(path, "nested too deeply (at most " + std::to_string(max_json_depth) + " levels)");
  }
  template <class F>
  void at(std::string_view key, F&& f) {
    const std::size_t n = path.size();
    path.push_back('.');
    path.append(key);
    f();
    path.resize(n);
  }
  template <class F>
  void at(std::size_t index, F&& f) {
    at(std::string_view(std::to_string(index + 1)), f);
  }

  void raw(const boost::json::value& v, std::size_t depth) {
    switch (v.kind()) {
      case boost::json::kind::double_:
        if (!std::isfinite(v.get_double())) report(path, "expected a finite number (JSON has no NaN or infinity)");
        break;
      case boost::json::kind::string: text(std::string_view(v.get_string().data(), v.get_string().size())); break;
      case boost::json::kind::array: {
        if (depth > max_json_depth) return too_deep(depth);
        const auto& a = v.get_array();
        for (std::size_t i = 0; i < a.size(); ++i) at(i, [&] { raw(a[i], depth + 1); });
        break;
      }
      case boost::json::kind::object:
        if (depth > max_json_depth) return too_deep(depth);
        for (const auto& kv : v.get_object()) {
          const std::string_view key(kv.key().data(), kv.key().size());
          at(key, [&] {
            text(key);
            raw(kv.value(), depth + 1);
          });
        }
        break;
      default: break;
    }
  }

  // depth: nesting level of v's container (1 for the column's top-level array/object).
  template <class T>
  void value(const T& v, std::size_t depth) {
    if constexpr (user_json_mapping<T>) {
      return;
    } else if constexpr (is_optional<T>::value) {
      if (v) value(*v, depth);
    } else if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      if (!std::isfinite(v)) report(path, "expected a finite number (JSON has no NaN or infinity)");
    } else if constexpr (std::is_same_v<T, std::string>) {
      text(v);
    } else if constexpr (described_enum<T>) {
      if (!enumerator_name(v)) report(path, enumerator_list_message<T>());
    } else if constexpr (is_std_vector<T>::value || is_std_set<T>::value) {
      if (depth > max_json_depth) return too_deep(depth);
      using E = typename T::value_type;
      if constexpr (!std::is_arithmetic_v<E> || std::is_floating_point_v<E>) {
        std::size_t i = 0;
        for (auto&& e : v) {
          const E& ev = e;
          at(i++, [&] { value(ev, depth + 1); });
        }
      }
    } else if constexpr (is_string_map<T>::value) {
      if (depth > max_json_depth) return too_deep(depth);
      for (const auto& [k, e] : v)
        at(k, [&] {
          text(k);
          value(e, depth + 1);
        });
    } else if constexpr (json_raw<T>) {
      if constexpr (std::is_same_v<T, boost::json::value>) {
        raw(v, depth);
      } else {
        const boost::json::value wrapped(v);  // rare: objects and arrays as columns
        raw(wrapped, depth);
      }
    } else if constexpr (json_record<T>) {
      if (depth > max_json_depth) return too_deep(depth);
      boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>([&](auto d) {
        at(std::string_view(d.name), [&] { value(v.*d.pointer, depth + 1); });
      });
    }
  }
};

// ---- jsonb wire format --------------------------------------------------------------------------

// Boost.JSON's parser, but doubles from the number's text with std::from_chars (exact), so that
// a double stored in jsonb reads back bit for bit.
struct precise_json_handler {
  static constexpr std::size_t max_object_size = boost::json::object::max_size();
  static constexpr std::size_t max_array_size = boost::json::array::max_size();
  static constexpr std::size_t max_key_size = boost::json::string::max_size();
  static constexpr std::size_t max_string_size = boost::json::string::max_size();

  boost::json::value_stack st;
  std::string number;  // the pieces of a number split across input buffers
  const char* error = nullptr;

  bool on_document_begin(boost::json::error_code&) { return true; }
  bool on_document_end(boost::json::error_code&) { return true; }
  bool on_object_begin(boost::json::error_code&) { return true; }
  bool on_object_end(std::size_t n, boost::json::error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(boost::json::error_code&) { return true; }
  bool on_array_end(std::size_t n, boost::json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, boost::json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(boost::json::string_view s, boost::json::error_code&) {
    number.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, boost::json::string_view, boost::json::error_code&) {
    number.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, boost::json::string_view, boost::json::error_code&) {
    number.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, boost::json::string_view s, boost::json::error_code& ec) {
    std::string_view text(s.data(), s.size());
    if (!number.empty()) {
      number.append(s.data(), s.size());
      text = number;
    }
    double exact = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), exact);
    if (r.ec == std::errc{} && r.ptr == text.data() + text.size()) {
      d = exact;
    } else if (!std::isfinite(d)) {
      error = "number out of range for a double";
      ec = boost::json::error::exception;
      return false;
    }
    // else: underflow; Boost.JSON's rounding to 0 or a subnormal stands.
    number.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, boost::json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(boost::json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(boost::json::string_view, boost::json::error_code&) { return true; }
  bool on_comment(boost::json::string_view, boost::json::error_code&) { return true; }
};

// Parses JSON text into `out` (built in out's storage). nullptr or a message.
inline const char* parse_json_text(std::string_view text, boost::json::value& out) noexcept {
  try {
    boost::json::parse_options opt;
    opt.max_depth = max_json_depth;
    boost::json::basic_parser<precise_json_handler> p(opt);
    p.handler().st.reset(out.storage());
    boost::json::error_code ec;
    const std::size_t used = p.write_some(false, text.data(), text.size(), ec);
    if (ec) {
      if (p.handler().error) return p.handler().error;
      if (ec == boost::json::error::too_deep) return "JSON nested too deeply";
      return dynamic_message({"invalid JSON: ", ec.message()});
    }
    if (used != text.size() || !p.done()) return "invalid JSON: trailing or missing characters";
    out = p.handler().st.release();
    return nullptr;
  } catch (const std::bad_alloc&) {
    return "out of memory";
  } catch (...) {
    return "invalid JSON";
  }
}

inline constexpr char jsonb_version = 1;

// The jsonb binary form: version byte 1, then the JSON text.
inline void write_jsonb(const boost::json::value& v, param_writer& w) {
  w.append(&jsonb_version, 1);
  boost::json::serializer sr;
  sr.reset(&v);
  char buf[4096];
  while (!sr.done()) {
    const auto part = sr.read(buf, sizeof buf);
    w.append(part.data(), part.size());
  }
}

// The JSON text of a jsonb value (version byte checked).
inline const char* jsonb_text(const char* data, std::size_t n, std::string_view& text) noexcept {
  if (n == 0) return "empty jsonb value";
  if (data[0] != jsonb_version) return "unsupported jsonb version (expected 1)";
  text = std::string_view(data + 1, n - 1);
  return nullptr;
}

}  // namespace detail

namespace customize {

/// jsonb: records, std::map<std::string, T>, boost::json::value / object / array. Binary jsonb
/// is a version byte (1) and the JSON text. jsonb[] for std::vector of them.
template <class T>
  requires detail::jsonb_column<T>
struct codec<T> {
  static constexpr oid_t oid = 3802;
  static constexpr oid_t array_oid = 3807;
  static constexpr std::string_view sql_type = "jsonb";

  /// Throws std::invalid_argument for NaN / infinite floats and enum values that are no
  /// enumerator (the DAO reports them as schema violations before it gets here).
  static void encode(const T& v, detail::param_writer& w) {
    if constexpr (std::is_same_v<T, boost::json::value>) {
      detail::write_jsonb(v, w);
    } else {
      boost::json::value j;
      detail::to_json<T, T>(v, j);
      detail::write_jsonb(j, w);
    }
  }

  static const char* decode(const char* data, std::size_t n, T& out) noexcept {
    std::string_view text;
    if (const char* err = detail::jsonb_text(data, n, text)) return err;
    if constexpr (std::is_same_v<T, boost::json::value>) {
      boost::json::value v;  // default storage: it becomes the member
      if (const char* err = detail::parse_json_text(text, v)) return err;
      out = std::move(v);
      return nullptr;
    } else {
      // The document only lives while it is mapped: a monotonic arena, no frees.
      unsigned char buf[4096];
      boost::json::monotonic_resource mr(buf, sizeof buf);
      boost::json::value v(&mr);
      if (const char* err = detail::parse_json_text(text, v)) return err;
      try {
        detail::json_path path;
        return detail::from_json(v, out, path);
      } catch (const std::bad_alloc&) {
        return "out of memory";
      } catch (const std::exception& e) {  // from a user's json_mapping
        return detail::dynamic_message({"exception while mapping JSON: ", e.what()});
      } catch (...) {
        return "exception while mapping JSON";
      }
    }
  }

  /// The JSON text, compact.
  static void render(const T& v, std::string& out) {
    if constexpr (std::is_same_v<T, boost::json::value>) {
      out += boost::json::serialize(v);
    } else {
      boost::json::value j;
      try {
        detail::to_json<T, T>(v, j);
      } catch (const std::invalid_argument&) {
        out += "<not representable as JSON>";
        return;
      }
      out += boost::json::serialize(j);
    }
  }

  template <class Report>
  static void check(const T& v, Report&& report) {
    detail::json_checker<std::remove_reference_t<Report>> c{report, {}};
    c.value(v, 1);
  }
};

}  // namespace customize
}  // namespace typedao

#endif
