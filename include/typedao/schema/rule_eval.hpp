#ifndef TYPEDAO_SCHEMA_RULE_EVAL_HPP
#define TYPEDAO_SCHEMA_RULE_EVAL_HPP

// Evaluating one rule on one value (at run time, and at compile time for defaults): holds or not,
// and Kong's message when not.

#include <typedao/schema/rule_apply.hpp>

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>

namespace typedao::detail {

template <class V>
constexpr bool value_present(const V& v) {
  if constexpr (is_optional<V>::value)
    return v.has_value() && value_present(*v);
  else if constexpr (is_text_v<V> || sized_range<V>)
    return v.size() != 0;
  else
    return true;
}

template <class A, class B>
constexpr bool value_equal(const A& a, const B& b) {
  if constexpr (is_text_v<A>)
    return std::string_view(a) == std::string_view(b);
  else if constexpr (is_number_v<A>)
    return a == static_cast<A>(b);
  else
    return a == b;
}

template <class V>
constexpr std::size_t value_length(const V& v) {
  return v.size();
}

// Whether value v (already unwrapped) satisfies rule r; regular expressions and predicates run
// only at run time.
template <class V, class R>
bool rule_holds(const V& v, const R& r) {
  if constexpr (std::is_same_v<R, rule_required> || std::is_same_v<R, rule_immutable> ||
                std::is_same_v<R, rule_absent>) {
    return true;
  } else if constexpr (R::name == "eq") {
    return value_equal(v, r.value);
  } else if constexpr (R::name == "ne") {
    return !value_equal(v, r.value);
  } else if constexpr (R::name == "one_of") {
    for (const auto& x : r.values)
      if (value_equal(v, x)) return true;
    return false;
  } else if constexpr (R::name == "not_one_of") {
    for (const auto& x : r.values)
      if (value_equal(v, x)) return false;
    return true;
  } else if constexpr (R::name == "gt") {
    return v > static_cast<V>(r.value);
  } else if constexpr (R::name == "between") {
    if constexpr (std::is_floating_point_v<V>)
      if (v != v) return false;  // NaN
    return v >= static_cast<V>(r.low) && v <= static_cast<V>(r.high);
  } else if constexpr (R::name == "len_eq") {
    return value_length(v) == r.n;
  } else if constexpr (R::name == "len_min") {
    return value_length(v) >= r.n;
  } else if constexpr (R::name == "len_max") {
    return value_length(v) <= r.n;
  } else if constexpr (R::name == "starts_with") {
    return std::string_view(v).substr(0, r.prefix.size()) == r.prefix;
  } else if constexpr (R::name == "match" || R::name == "not_match") {
    return regex_engine<R>::holds(v, r);
  } else if constexpr (R::name == "contains") {
    for (const auto& e : v)
      if (value_equal(e, r.value)) return true;
    return false;
  } else if constexpr (R::name == "custom") {
    return static_cast<bool>(r.predicate(v));
  } else {
    return true;
  }
}

template <class X>
std::string rule_text(const X& x) {
  if constexpr (described_enum<X>) {  // by name, as stored: "expected one of: tcp, tls"
    const char* name = enumerator_name(x);
    return name ? std::string(name) : std::to_string(+static_cast<std::underlying_type_t<X>>(x));
  } else if constexpr (std::is_convertible_v<X, std::string_view>) {
    return std::string(std::string_view(x));
  } else if constexpr (std::is_same_v<X, bool>) {
    return x ? "true" : "false";
  } else if constexpr (std::is_integral_v<X>) {
    return std::to_string(x);
  } else if constexpr (std::is_floating_point_v<X>) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, res.ptr);
  } else {
    return render(x);
  }
}

// Kong's default message for a failed rule.
template <class V, class R>
std::string rule_message(const V& v, const R& r) {
  if constexpr (R::name == "eq") {
    return "value must be " + rule_text(r.value);
  } else if constexpr (R::name == "ne") {
    return "value must not be " + rule_text(r.value);
  } else if constexpr (R::name == "one_of" || R::name == "not_one_of") {
    std::string out = R::name == "one_of" ? "expected one of: " : "must not be one of: ";
    bool first = true;
    for (const auto& x : r.values) {
      if (!first) out += ", ";
      first = false;
      out += rule_text(x);
    }
    return out;
  } else if constexpr (R::name == "gt") {
    return "value must be greater than " + rule_text(r.value);
  } else if constexpr (R::name == "between") {
    return "value should be between " + rule_text(r.low) + " and " + rule_text(r.high);
  } else if constexpr (R::name == "len_eq") {
    return "length must be " + std::to_string(r.n);
  } else if constexpr (R::name == "len_min") {
    return "length must be at least " + std::to_string(r.n);
  } else if constexpr (R::name == "len_max") {
    return "length must be at most " + std::to_string(r.n);
  } else if constexpr (R::name == "starts_with") {
    return "should start with: " + std::string(r.prefix);
  } else if constexpr (R::name == "match" || R::name == "not_match") {
    return "invalid value: " + echoed(v);
  } else if constexpr (R::name == "contains") {
    return "expected to contain: " + rule_text(r.value);
  } else if constexpr (R::name == "custom") {
    return std::string(r.message);
  } else {
    return "invalid value";
  }
}

// The first failing rule's message for a member value, or nothing. NULL (nullopt) passes every
// rule except required.
template <class MT, class R>
std::optional<std::string> check_field_rule(const MT& v, const R& r) {
  if constexpr (std::is_same_v<R, rule_required>) {
    if (!value_present(v)) return std::string("required field missing");
    return std::nullopt;
  } else if constexpr (std::is_same_v<R, rule_absent>) {
    if (value_present(v)) return std::string("value must be null");
    return std::nullopt;
  } else if constexpr (std::is_same_v<R, rule_immutable>) {
    return std::nullopt;
  } else if constexpr (is_optional<MT>::value) {
    if (!v) return std::nullopt;
    return check_field_rule(*v, r);
  } else if constexpr (elementwise<MT, R>()) {
    for (const auto& e : v)
      if (auto msg = check_field_rule(e, element_rule(r))) return msg;
    return std::nullopt;
  } else {
    if (rule_holds(v, r)) return std::nullopt;
    return rule_message(v, r);
  }
}

}  // namespace typedao::detail

#endif
