#ifndef TYPEDAO_CODEC_NUMERIC_HPP
#define TYPEDAO_CODEC_NUMERIC_HPP

// typedao::numeric (PostgreSQL's arbitrary-precision numeric) and its binary codec.
// Include <typedao/codec.hpp>, not this header.

#include <typedao/codec/core.hpp>

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace typedao {

class numeric;

namespace customize {
template <>
struct codec<numeric>;
}  // namespace customize

/// A PostgreSQL `numeric`, held as its canonical decimal text, exactly as PostgreSQL prints it:
/// "-123.4500" (no exponent, no '+', no leading zeros, as many fraction digits as its scale),
/// "NaN", "Infinity", "-Infinity". Exact: nothing is rounded on the way to the server and back.
/// Equality is equality of that text, so 1.5 and 1.50 (different scales) are not equal.
class numeric {
 public:
  /// PostgreSQL's limits for an unconstrained numeric.
  static constexpr std::size_t max_integer_digits = 131072;
  static constexpr std::size_t max_scale = 16383;

  /// Zero ("0").
  numeric() = default;

  /// An integer, exactly.
  template <std::integral I>
    requires(!std::same_as<I, bool> && !std::same_as<I, char>)
  numeric(I v) : text_(std::to_string(v)) {}  // NOLINT(google-explicit-constructor)

  /// Parses decimal text; throws std::invalid_argument when parse() would give nullopt.
  explicit numeric(std::string_view text) {
    auto p = parse(text);
    if (!p) throw std::invalid_argument("typedao::numeric: not a number PostgreSQL accepts");
    text_ = std::move(p->text_);
  }

  /// Accepts what PostgreSQL's numeric input accepts, minus whitespace and the underscores and
  /// 0x/0o/0b forms of PostgreSQL 16: [+-]digits[.digits][e[+-]digits] (digits on at least one
  /// side of the point), and NaN, [+-]Infinity, [+-]inf in any case. nullopt for anything else
  /// and for values beyond numeric's range (more than 131072 digits before the point, more than
  /// 16383 after it). The result is canonical: parse("+001.50e1") is "15.0".
  static std::optional<numeric> parse(std::string_view s);

  static numeric nan() { return numeric(trusted{}, "NaN"); }
  static numeric infinity() { return numeric(trusted{}, "Infinity"); }
  static numeric minus_infinity() { return numeric(trusted{}, "-Infinity"); }

  /// The canonical text (PostgreSQL's numeric output).
  const std::string& str() const noexcept { return text_; }

  bool is_nan() const noexcept { return text_ == "NaN"; }
  bool is_infinite() const noexcept { return text_ == "Infinity" || text_ == "-Infinity"; }
  bool is_finite() const noexcept { return !is_nan() && !is_infinite(); }
  /// True below zero, and for -Infinity.
  bool is_negative() const noexcept { return text_.front() == '-'; }
  /// Digits after the decimal point (PostgreSQL's display scale); 0 for NaN and infinities.
  std::size_t scale() const noexcept {
    const auto dot = text_.find('.');
    return dot == std::string::npos ? 0 : text_.size() - dot - 1;
  }

  /// The nearest double (infinities and NaN as such; beyond double's range: +-inf or +-0).
  double to_double() const noexcept {
    if (is_nan()) return std::numeric_limits<double>::quiet_NaN();
    if (text_ == "Infinity") return std::numeric_limits<double>::infinity();
    if (text_ == "-Infinity") return -std::numeric_limits<double>::infinity();
    double d = 0;
    const auto r = std::from_chars(text_.data(), text_.data() + text_.size(), d);
    if (r.ec == std::errc::result_out_of_range) {
      // Too large or too small: the integer part tells which.
      const bool neg = is_negative();
      const bool large = text_[neg ? 1 : 0] != '0';
      d = large ? std::numeric_limits<double>::infinity() : 0.0;
      return neg ? -d : d;
    }
    return d;
  }

  friend bool operator==(const numeric&, const numeric&) = default;

 private:
  friend struct customize::codec<numeric>;
  struct trusted {};
  numeric(trusted, std::string s) : text_(std::move(s)) {}

  std::string text_ = "0";
};

/// The canonical text.
inline std::string to_string(const numeric& n) { return n.str(); }

namespace detail {

constexpr bool ascii_iequal(std::string_view a, std::string_view lower) noexcept {
  if (a.size() != lower.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

}  // namespace detail

inline std::optional<numeric> numeric::parse(std::string_view s) {
  std::string_view body = s;
  bool neg = false;
  bool had_sign = false;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    neg = body.front() == '-';
    had_sign = true;
    body.remove_prefix(1);
  }
  if (detail::ascii_iequal(body, "nan")) {
    if (had_sign) return std::nullopt;
    return nan();
  }
  if (detail::ascii_iequal(body, "infinity") || detail::ascii_iequal(body, "inf"))
    return neg ? minus_infinity() : infinity();

  // Mantissa: the digits D (integer and fraction part together), and where the point was.
  std::size_t i = 0;
  const std::size_t int_begin = i;
  while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i;
  const std::size_t int_len = i - int_begin;
  std::size_t frac_begin = i;
  std::size_t frac_len = 0;
  if (i < body.size() && body[i] == '.') {
    ++i;
    frac_begin = i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') ++i;
    frac_len = i - frac_begin;
  }
  if (int_len + frac_len == 0) return std::nullopt;
  // Exponent, bounded well beyond anything that can fit.
  std::int64_t exp = 0;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    bool exp_neg = false;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) {
      exp_neg = body[i] == '-';
      ++i;
    }
    const std::size_t exp_begin = i;
    while (i < body.size() && body[i] >= '0' && body[i] <= '9') {
      exp = exp * 10 + (body[i] - '0');
      if (exp > 100'000'000) return std::nullopt;
      ++i;
    }
    if (i == exp_begin) return std::nullopt;
    if (exp_neg) exp = -exp;
  }
  if (i != body.size()) return std::nullopt;

  const std::string_view int_part = body.substr(int_begin, int_len);
  const std::string_view frac_part = body.substr(frac_begin, frac_len);
  const auto n_digits = static_cast<std::int64_t>(int_len + frac_len);
  auto digit = [&](std::int64_t k) -> char {  // k-th digit of D, '0' outside
    if (k < 0 || k >= n_digits) return '0';
    const auto u = static_cast<std::size_t>(k);
    return u < int_len ? int_part[u] : frac_part[u - int_len];
  };
  // The point sits before D[point]; the scale is the fraction digits left after the shift.
  const std::int64_t point = static_cast<std::int64_t>(int_len) + exp;
  const std::int64_t scale =
      static_cast<std::int64_t>(frac_len) - exp > 0 ? static_cast<std::int64_t>(frac_len) - exp : 0;
  if (scale > static_cast<std::int64_t>(max_scale)) return std::nullopt;
  std::int64_t first_nonzero = 0;
  while (first_nonzero < n_digits && digit(first_nonzero) == '0') ++first_nonzero;
  const bool zero = first_nonzero == n_digits;
  if (!zero && point - first_nonzero > static_cast<std::int64_t>(max_integer_digits))
    return std::nullopt;

  std::string text;
  if (neg && !zero) text.push_back('-');
  if (zero || first_nonzero >= point) {
    text.push_back('0');
  } else {
    for (std::int64_t k = first_nonzero; k < point; ++k) text.push_back(digit(k));
  }
  if (scale > 0) {
    text.push_back('.');
    for (std::int64_t k = point; k < point + scale; ++k) text.push_back(digit(k));
  }
  return numeric(trusted{}, std::move(text));
}

namespace customize {

/// numeric: PostgreSQL's binary form (numeric_send): int16 ndigits, int16 weight, uint16 sign,
/// uint16 dscale, then ndigits base-10000 digits, most significant first, the first one worth
/// 10000^weight. NaN and +-Infinity are sign words with no digits. Decoding checks every field,
/// drops digits the display scale hides (as numeric_recv does) and never yields "-0".
template <>
struct codec<numeric> {
  static constexpr oid_t oid = 1700;
  static constexpr oid_t array_oid = 1231;
  static constexpr std::string_view sql_type = "numeric";

  static constexpr std::uint16_t sign_pos = 0x0000;
  static constexpr std::uint16_t sign_neg = 0x4000;
  static constexpr std::uint16_t sign_nan = 0xC000;
  static constexpr std::uint16_t sign_pinf = 0xD000;
  static constexpr std::uint16_t sign_ninf = 0xF000;

  static void encode(const numeric& v, param_writer& w) {
    const std::string& t = v.text_;
    auto header = [&](std::uint16_t ndigits, std::int16_t weight, std::uint16_t sign,
                      std::uint16_t dscale) {
      unsigned char h[8];
      const std::uint16_t words[4] = {ndigits, static_cast<std::uint16_t>(weight), sign, dscale};
      for (int k = 0; k < 4; ++k) {
        h[2 * k] = static_cast<unsigned char>(words[k] >> 8);
        h[2 * k + 1] = static_cast<unsigned char>(words[k] & 0xFF);
      }
      w.append(h, 8);
    };
    if (t == "NaN") return header(0, 0, sign_nan, 0);
    if (t == "Infinity") return header(0, 0, sign_pinf, 0);
    if (t == "-Infinity") return header(0, 0, sign_ninf, 0);

    const bool neg = t.front() == '-';
    const std::string_view body = std::string_view(t).substr(neg ? 1 : 0);
    const auto dot = body.find('.');
    const std::string_view ip = body.substr(0, dot);
    const std::string_view fp =
        dot == std::string_view::npos ? std::string_view{} : body.substr(dot + 1);
    const std::size_t int_groups = (ip.size() + 3) / 4;
    const std::size_t frac_groups = (fp.size() + 3) / 4;
    const std::size_t pad = int_groups * 4 - ip.size();
    auto group = [&](std::size_t k) -> std::uint16_t {  // base-10000 digit k, integer part first
      unsigned g = 0;
      for (std::size_t j = 0; j < 4; ++j) {
        char c = '0';
        if (k < int_groups) {
          const std::size_t pos = k * 4 + j;
          if (pos >= pad) c = ip[pos - pad];
        } else {
          const std::size_t pos = (k - int_groups) * 4 + j;
          if (pos < fp.size()) c = fp[pos];
        }
        g = g * 10 + static_cast<unsigned>(c - '0');
      }
      return static_cast<std::uint16_t>(g);
    };
    const std::size_t total = int_groups + frac_groups;
    std::size_t first = 0;
    while (first < total && group(first) == 0) ++first;
    const auto dscale = static_cast<std::uint16_t>(fp.size());
    if (first == total) return header(0, 0, sign_pos, dscale);
    std::size_t last = total - 1;
    while (group(last) == 0) --last;
    const auto weight = static_cast<std::int16_t>(static_cast<std::int64_t>(int_groups) - 1 -
                                                  static_cast<std::int64_t>(first));
    header(static_cast<std::uint16_t>(last - first + 1), weight, neg ? sign_neg : sign_pos, dscale);
    for (std::size_t k = first; k <= last; ++k) w.append_be(group(k));
  }

  static const char* decode(const char* data, std::size_t n, numeric& out) noexcept {
    using detail::load_be;
    if (n < 8) return "truncated numeric header";
    const auto ndigits = load_be<std::uint16_t>(data);
    const auto weight = load_be<std::int16_t>(data + 2);
    const auto sign = load_be<std::uint16_t>(data + 4);
    const auto dscale = load_be<std::uint16_t>(data + 6);
    if (n - 8 != std::size_t{ndigits} * 2) return "numeric length does not match its digit count";
    if (sign != sign_pos && sign != sign_neg && sign != sign_nan && sign != sign_pinf &&
        sign != sign_ninf)
      return "invalid numeric sign";
    const char* digits = data + 8;
    try {
      if (sign == sign_nan || sign == sign_pinf || sign == sign_ninf) {
        // The server sends a meaningless scale with infinities (32): ignored, as numeric_recv does.
        if (ndigits != 0) return "digits in a NaN or infinite numeric";
        if (dscale > numeric::max_scale) return "invalid numeric scale";
        out.text_ = sign == sign_nan ? "NaN" : sign == sign_pinf ? "Infinity" : "-Infinity";
        return nullptr;
      }
      if (dscale > numeric::max_scale) return "invalid numeric scale";
      for (std::size_t k = 0; k < ndigits; ++k)
        if (load_be<std::uint16_t>(digits + 2 * k) >= 10000) return "invalid numeric digit";
      auto group = [&](std::int64_t k) -> unsigned {  // base-10000 digit k, 0 outside
        return k >= 0 && k < ndigits ? load_be<std::uint16_t>(digits + 2 * k) : 0u;
      };
      std::string& t = out.text_;
      t.clear();
      if (sign == sign_neg) t.push_back('-');
      const std::size_t sign_len = t.size();
      // Integer part: groups 0..weight, leading zeros dropped.
      for (std::int64_t k = 0; k <= weight; ++k) {
        const unsigned g = group(k);
        if (t.size() == sign_len) {
          if (g != 0) detail::put_digits(t, g, 1);
        } else {
          detail::put_digits(t, g, 4);
        }
      }
      if (t.size() == sign_len) t.push_back('0');
      // Fraction: exactly dscale digits; the group after the integer part is weight + 1.
      if (dscale > 0) {
        t.push_back('.');
        for (std::int64_t j = 0; j * 4 < dscale; ++j) {
          const unsigned g = group(std::int64_t{weight} + 1 + j);
          const std::size_t before = t.size();
          detail::put_digits(t, g, 4);
          const std::size_t keep =
              std::min<std::size_t>(4, dscale - static_cast<std::size_t>(j) * 4);
          t.resize(before + keep);
        }
      }
      // No "-0": a negative value whose visible digits are all zero is zero.
      if (sign == sign_neg && t.find_first_not_of("0.", 1) == std::string::npos) t.erase(0, 1);
    } catch (...) {
      return "out of memory";
    }
    return nullptr;
  }

  static void render(const numeric& v, std::string& out) {
    if (v.is_nan())
      out += "nan";
    else if (v.str() == "Infinity")
      out += "inf";
    else if (v.str() == "-Infinity")
      out += "-inf";
    else
      out += v.str();
  }
};

}  // namespace customize
}  // namespace typedao

#endif
