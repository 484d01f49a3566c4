#ifndef TYPEDAO_SCHEMA_RULE_APPLY_HPP
#define TYPEDAO_SCHEMA_RULE_APPLY_HPP

// Where each rule of rules.hpp applies, at compile time: a misuse names the entity, the member and
// the rule (the member's value category decides).

#include <typedao/entity.hpp>
#include <typedao/rules.hpp>
#include <typedao/schema/values.hpp>

#include <array>
#include <string_view>
#include <type_traits>
#include <utility>

namespace typedao::detail {

// ---- member value categories -------------------------------------------------------------------

template <class V>
inline constexpr bool is_text_v = std::is_same_v<V, std::string>;
template <class V>
inline constexpr bool is_number_v = std::is_arithmetic_v<V> && !std::is_same_v<V, bool>;
template <class V>
concept sized_range = !is_text_v<V> && requires(const V& v) {
  v.size();
  v.begin();
  v.end();
};
template <class V>
concept element_range = sized_range<V> && requires { typename V::value_type; };

template <class A, class B>
constexpr bool values_comparable() {
  if constexpr (is_text_v<A>)
    return std::is_convertible_v<B, std::string_view>;
  else if constexpr (is_number_v<A>)
    return is_number_v<B>;
  else
    return requires(const A& a, const B& b) {
      { a == b } -> std::convertible_to<bool>;
    };
}

// ---- compile-time applicability -----------------------------------------------------------------

// Named checks, instantiated only when their rule is broken, so that the compiler's "required
// from" / "in instantiation of" lines name the entity, the member (`&Entity::member`) and the rule.
// Functions rather than classes: clang marks a class whose static_assert failed invalid and then
// reports the DAO itself as broken ("no member named 'insert'"), a function just returns false.

template <class Entity, auto Member, class Rule, bool Ok = false>
constexpr bool rule_needs_number() {
  static_assert(Ok,
                "typedao::rule: gt and between need a numeric member (integer or floating point). "
                "Use len_min/len_max for strings and arrays.");
  return Ok;
}
template <class Entity, auto Member, class Rule, bool Ok = false>
constexpr bool rule_needs_string() {
  static_assert(Ok,
                "typedao::rule: starts_with, match and not_match need a std::string member. "
                "Use a rule for the member's type.");
  return Ok;
}
template <class Entity, auto Member, class Rule, bool Ok = false>
constexpr bool rule_needs_length() {
  static_assert(
      Ok,
      "typedao::rule: len_eq, len_min and len_max need a string, array, set or map member. "
      "Use between for numbers.");
  return Ok;
}
template <class Entity, auto Member, class Rule, bool Ok = false>
constexpr bool rule_needs_sequence() {
  static_assert(
      Ok,
      "typedao::rule: contains needs an array or set member whose elements compare with the "
      "value. Use eq for single values.");
  return Ok;
}
template <class Entity, auto Member, class Rule, bool Ok = false>
constexpr bool rule_value_type_mismatch() {
  static_assert(Ok,
                "typedao::rule: the rule's value does not have the member's type (eq, ne, one_of, "
                "not_one_of, gt, between). Write values of the member's type.");
  return Ok;
}
template <class Entity, auto Member, class Rule, bool Ok = false>
constexpr bool rule_bad_predicate() {
  static_assert(
      Ok,
      "typedao::custom: the predicate must be callable with the member's value and return "
      "bool. Write [](const T& v) { return ...; }.");
  return Ok;
}
template <class Entity, auto Member, class Rule, bool Ok = false>
constexpr bool rule_required_type() {
  static_assert(
      Ok,
      "typedao::required: needs a std::string, std::optional, array or set member (the only "
      "types that can be missing). Remove the rule.");
  return Ok;
}
template <class Entity, auto Member, class Rule, bool Ok = false>
constexpr bool default_breaks_rule() {
  static_assert(
      Ok,
      "typedao::rule: the member's default value (its initialiser) breaks a rule declared "
      "for it. Change the default or the rule.");
  return Ok;
}
template <class Entity, auto Member, bool Ok = false>
constexpr bool entity_rule_member_not_described() {
  static_assert(
      Ok,
      "typedao::rule: an entity rule or conditional names a member that is not a described "
      "member of this entity. Pass &Entity::member of the entity being declared.");
  return Ok;
}
template <class Entity, auto Member, class Rule, bool Ok = false>
constexpr bool rule_values_mixed() {
  static_assert(
      Ok,
      "typedao::one_of and not_one_of: all values must have the same type. Write them all as "
      "strings or all as numbers.");
  return Ok;
}
template <class Entity, auto Member, class Rule, bool Ok = false>
constexpr bool rule_elements_need_sequence() {
  static_assert(
      Ok,
      "typedao::elements: needs an array or set member (std::vector, std::set). Apply the rule "
      "to the member itself.");
  return Ok;
}
template <class Entity, auto Member, bool Ok = false>
constexpr bool distinct_types_differ() {
  static_assert(
      Ok,
      "typedao::distinct: the members must have the same type (this one differs from the first). "
      "Compare members of one type.");
  return Ok;
}

// Whether rule R fits a member of type MT, and if not, why. The run-time code only evaluates rules
// that fit, so a misuse gives one error (the named check below), not a cascade.
enum class rule_fit {
  ok,
  mixed_values,
  required_type,
  needs_number,
  value_type,
  needs_length,
  needs_string,
  needs_sequence,
  bad_predicate,
  elements_need_sequence
};

// Rules that mean nothing for a whole array or set and so apply to each element of one.
template <class R>
inline constexpr bool applies_to_elements_v =
    R::name == "one_of" || R::name == "not_one_of" || R::name == "gt" || R::name == "between" ||
    R::name == "starts_with" || R::name == "match" || R::name == "not_match";

// Whether rule R on a value of type V (unwrapped) is checked element by element, and the rule
// each element gets.
template <class V, class R>
constexpr bool elementwise() {
  if constexpr (is_rule_elements<R>::value)
    return true;
  else if constexpr (is_mixed_values<R>::value || std::is_same_v<R, rule_required> ||
                     std::is_same_v<R, rule_absent> || std::is_same_v<R, rule_immutable>)
    return false;
  else
    return element_range<V> && applies_to_elements_v<R>;
}
template <class R>
constexpr const auto& element_rule(const R& r) {
  if constexpr (is_rule_elements<R>::value)
    return r.rule;
  else
    return r;
}
template <class R>
using element_rule_t = std::remove_cvref_t<decltype(element_rule(std::declval<const R&>()))>;

template <class MT, class R>
constexpr rule_fit rule_fit_of() {
  using V = unwrap_optional_t<MT>;
  if constexpr (is_mixed_values<R>::value) {
    return rule_fit::mixed_values;
  } else if constexpr (is_rule_elements<R>::value && !element_range<V>) {
    return rule_fit::elements_need_sequence;
  } else if constexpr (elementwise<V, R>()) {
    return rule_fit_of<typename V::value_type, element_rule_t<R>>();
  } else if constexpr (std::is_same_v<R, rule_required> || std::is_same_v<R, rule_absent>) {
    return is_optional<MT>::value || is_text_v<V> || sized_range<V> ? rule_fit::ok
                                                                    : rule_fit::required_type;
  } else if constexpr (std::is_same_v<R, rule_immutable>) {
    return rule_fit::ok;
  } else if constexpr (R::name == "gt" || R::name == "between") {
    if constexpr (!is_number_v<V>)
      return rule_fit::needs_number;
    else if constexpr (R::name == "gt")
      return is_number_v<decltype(R::value)> ? rule_fit::ok : rule_fit::value_type;
    else
      return is_number_v<decltype(R::low)> ? rule_fit::ok : rule_fit::value_type;
  } else if constexpr (R::name == "len_eq" || R::name == "len_min" || R::name == "len_max") {
    return is_text_v<V> || sized_range<V> ? rule_fit::ok : rule_fit::needs_length;
  } else if constexpr (R::name == "starts_with" || R::name == "match" || R::name == "not_match") {
    return is_text_v<V> ? rule_fit::ok : rule_fit::needs_string;
  } else if constexpr (R::name == "contains") {
    if constexpr (!element_range<V>)
      return rule_fit::needs_sequence;
    else
      return values_comparable<typename V::value_type, decltype(R::value)>()
                 ? rule_fit::ok
                 : rule_fit::needs_sequence;
  } else if constexpr (R::name == "eq" || R::name == "ne") {
    return values_comparable<V, decltype(R::value)>() ? rule_fit::ok : rule_fit::value_type;
  } else if constexpr (R::name == "one_of" || R::name == "not_one_of") {
    using E = std::remove_cvref_t<decltype(R::values[0])>;
    return (is_text_v<V> || is_number_v<V> || described_enum<V>)&&values_comparable<V, E>()
               ? rule_fit::ok
               : rule_fit::value_type;
  } else if constexpr (R::name == "custom") {
    return std::is_invocable_r_v<bool, decltype(R::predicate), const V&> ? rule_fit::ok
                                                                         : rule_fit::bad_predicate;
  } else {
    return rule_fit::ok;
  }
}

template <class MT, class R>
inline constexpr bool rule_fits = rule_fit_of<MT, R>() == rule_fit::ok;

// Whether rule R fits the member Member of Entity; reports a misuse naming both.
template <class Entity, auto Member, class R>
constexpr bool check_rule() {
  constexpr rule_fit f =
      rule_fit_of<std::remove_cvref_t<decltype(std::declval<Entity&>().*Member)>, R>();
  if constexpr (f == rule_fit::ok)
    return true;
  else if constexpr (f == rule_fit::mixed_values)
    return rule_values_mixed<Entity, Member, R>();
  else if constexpr (f == rule_fit::required_type)
    return rule_required_type<Entity, Member, R>();
  else if constexpr (f == rule_fit::needs_number)
    return rule_needs_number<Entity, Member, R>();
  else if constexpr (f == rule_fit::value_type)
    return rule_value_type_mismatch<Entity, Member, R>();
  else if constexpr (f == rule_fit::needs_length)
    return rule_needs_length<Entity, Member, R>();
  else if constexpr (f == rule_fit::needs_string)
    return rule_needs_string<Entity, Member, R>();
  else if constexpr (f == rule_fit::needs_sequence)
    return rule_needs_sequence<Entity, Member, R>();
  else if constexpr (f == rule_fit::elements_need_sequence)
    return rule_elements_need_sequence<Entity, Member, R>();
  else
    return rule_bad_predicate<Entity, Member, R>();
}

// Whether an entity rule or a conditional can be evaluated for T (its members are T's and its
// rules fit them); otherwise it is a compile error reported by check_rules / the entity's check.
template <class T, class C>
constexpr bool entity_rule_fits() {
  if constexpr (is_conditional_rule<C>::value) {
    using PA =
        is_member_of_pointer<std::remove_cvref_t<decltype(std::declval<const C&>().if_.member)>>;
    using PB =
        is_member_of_pointer<std::remove_cvref_t<decltype(std::declval<const C&>().then_.member)>>;
    if constexpr (!std::is_same_v<typename PA::class_type, T> ||
                  !std::is_same_v<typename PB::class_type, T>)
      return false;
    else
      return rule_fits<typename PA::member_type, decltype(std::declval<const C&>().if_.rule)> &&
             rule_fits<typename PB::member_type, decltype(std::declval<const C&>().then_.rule)>;
  } else if constexpr (is_entity_rule<C>::value) {
    return []<class... Ms>(std::type_identity<std::tuple<Ms...>>) {
      return (std::is_same_v<typename is_member_of_pointer<Ms>::class_type, T> && ...);
    }(std::type_identity<std::remove_cvref_t<decltype(std::declval<const C&>().members)>>{});
  } else {
    return true;
  }
}

}  // namespace typedao::detail

#endif
