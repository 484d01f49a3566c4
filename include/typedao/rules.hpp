#ifndef TYPEDAO_RULES_HPP
#define TYPEDAO_RULES_HPP

// Schema rules, declared in TYPEDAO_ENTITY next to the keys and constraints, checked before any
// SQL is sent (Kong's validators and entity checks, with Kong's messages):
//
//   TYPEDAO_ENTITY(Service, "services",
//       typedao::one_of(&Service::protocol, "http", "https"),
//       typedao::between(&Service::port, 0, 65535),
//       typedao::required(&Service::host),
//       typedao::at_least_one_of(&Service::name, &Service::host))
//
// A rule that cannot apply to its member's type is a compile error naming the entity, the member
// and the rule.

#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

namespace typedao {

namespace detail {

// Field rules: which rule, its arguments. Each is stored with its member in field_rule.
struct rule_required {
  static constexpr std::string_view name = "required";
};
struct rule_immutable {
  static constexpr std::string_view name = "immutable";
};
struct rule_absent {
  static constexpr std::string_view name = "absent";
};
template <class V>
struct rule_eq {
  static constexpr std::string_view name = "eq";
  V value;
};
template <class V>
struct rule_ne {
  static constexpr std::string_view name = "ne";
  V value;
};
template <class V, std::size_t N>
struct rule_one_of {
  static constexpr std::string_view name = "one_of";
  V values[N];
};
template <class V, std::size_t N>
struct rule_not_one_of {
  static constexpr std::string_view name = "not_one_of";
  V values[N];
};
template <class V>
struct rule_gt {
  static constexpr std::string_view name = "gt";
  V value;
};
template <class V>
struct rule_between {
  static constexpr std::string_view name = "between";
  V low, high;
};
struct rule_len_eq {
  static constexpr std::string_view name = "len_eq";
  std::size_t n;
};
struct rule_len_min {
  static constexpr std::string_view name = "len_min";
  std::size_t n;
};
struct rule_len_max {
  static constexpr std::string_view name = "len_max";
  std::size_t n;
};
struct rule_starts_with {
  static constexpr std::string_view name = "starts_with";
  std::string_view prefix;
};
struct rule_match {
  static constexpr std::string_view name = "match";
  std::string_view pattern;
};
struct rule_not_match {
  static constexpr std::string_view name = "not_match";
  std::string_view pattern;
};
// Defined by <typedao/regex.hpp>.
template <class R>
struct regex_engine;
template <class V>
struct rule_contains {
  static constexpr std::string_view name = "contains";
  V value;
};
template <class F>
struct rule_custom {
  static constexpr std::string_view name = "custom";
  F predicate;
  std::string_view message;
};

// A rule applied to every element of an array or set member (Kong's `elements = { ... }`).
template <class R>
struct rule_elements {
  static constexpr std::string_view name = "elements";
  R rule;
};
template <class R>
struct is_rule_elements : std::false_type {};
template <class R>
struct is_rule_elements<rule_elements<R>> : std::true_type {};

// one_of / not_one_of whose values have different types: kept as a rule of its own so that the
// entity's rule check reports it naming the entity and the member (detail::rule_values_mixed).
template <bool OneOf>
struct rule_mixed_values {
  static constexpr std::string_view name = OneOf ? "one_of(mixed)" : "not_one_of(mixed)";
};
template <class R>
struct is_mixed_values : std::false_type {};
template <bool OneOf>
struct is_mixed_values<rule_mixed_values<OneOf>> : std::true_type {};

template <class M, class R>
struct field_rule {
  M member;
  R rule;
};

// Entity rules over several members.
enum class entity_check {
  at_least_one_of,
  only_one_of,
  mutually_required,
  mutually_exclusive,
  distinct
};

template <entity_check K, class... Ms>
struct entity_rule {
  static constexpr entity_check kind = K;
  std::tuple<Ms...> members;
};

template <class MA, class RA, class MB, class RB>
struct conditional_rule {
  field_rule<MA, RA> if_;
  field_rule<MB, RB> then_;
};

template <class F>
struct entity_custom_rule {
  F predicate;  // bool(const Entity&)
  std::string_view message;
};

template <class M>
constexpr void require_member_pointer() {
  static_assert(
      std::is_member_object_pointer_v<M>,
      "typedao::rule: the first argument must be a data member pointer. Pass &Entity::member.");
}

// String literals are kept as string_view; other values as they are.
template <class V>
using rule_value_t =
    std::conditional_t<std::is_convertible_v<V, std::string_view> && !std::is_arithmetic_v<V>,
                       std::string_view, std::decay_t<V>>;

template <class C>
struct is_field_rule : std::false_type {};
template <class M, class R>
struct is_field_rule<field_rule<M, R>> : std::true_type {};

template <class C>
struct is_entity_rule : std::false_type {};
template <entity_check K, class... Ms>
struct is_entity_rule<entity_rule<K, Ms...>> : std::true_type {};

template <class C>
struct is_conditional_rule : std::false_type {};
template <class MA, class RA, class MB, class RB>
struct is_conditional_rule<conditional_rule<MA, RA, MB, RB>> : std::true_type {};

template <class C>
struct is_entity_custom_rule : std::false_type {};
template <class F>
struct is_entity_custom_rule<entity_custom_rule<F>> : std::true_type {};

}  // namespace detail

// ---- field rules --------------------------------------------------------------------------------

/// The member must be present: a non-empty string, an engaged optional (Kong's `required`).
/// Empty strings are otherwise allowed: this is the per-member choice.
template <class M>
constexpr detail::field_rule<M, detail::rule_required> required(M m) {
  detail::require_member_pointer<M>();
  return {m, {}};
}
/// The member must be empty (nullopt, empty string or container): Kong's `eq = null`, mostly
/// useful as the second half of conditional(). `value must be null`
template <class M>
constexpr detail::field_rule<M, detail::rule_absent> absent(M m) {
  detail::require_member_pointer<M>();
  return {m, {}};
}
/// An update may not change the member once it holds a value (Kong's `immutable`).
template <class M>
constexpr detail::field_rule<M, detail::rule_immutable> immutable(M m) {
  detail::require_member_pointer<M>();
  return {m, {}};
}
/// `value must be <v>`
template <class M, class V>
constexpr auto eq(M m, V v) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_eq<detail::rule_value_t<V>>>{m, {v}};
}
/// `value must not be <v>`
template <class M, class V>
constexpr auto ne(M m, V v) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_ne<detail::rule_value_t<V>>>{m, {v}};
}
/// `expected one of: a, b`
template <class M, class V, class... Vs>
constexpr auto one_of(M m, V v, Vs... vs) {
  detail::require_member_pointer<M>();
  using E = detail::rule_value_t<V>;
  if constexpr (!(std::is_same_v<E, detail::rule_value_t<Vs>> && ...))
    return detail::field_rule<M, detail::rule_mixed_values<true>>{
        m, {}};  // a compile error, see above
  else
    return detail::field_rule<M, detail::rule_one_of<E, 1 + sizeof...(Vs)>>{m, {{E(v), E(vs)...}}};
}
/// `must not be one of: a, b`
template <class M, class V, class... Vs>
constexpr auto not_one_of(M m, V v, Vs... vs) {
  detail::require_member_pointer<M>();
  using E = detail::rule_value_t<V>;
  if constexpr (!(std::is_same_v<E, detail::rule_value_t<Vs>> && ...))
    return detail::field_rule<M, detail::rule_mixed_values<false>>{m, {}};  // a compile error
  else
    return detail::field_rule<M, detail::rule_not_one_of<E, 1 + sizeof...(Vs)>>{m,
                                                                                {{E(v), E(vs)...}}};
}
/// `value must be greater than <v>`
template <class M, class V>
constexpr auto gt(M m, V v) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_gt<V>>{m, {v}};
}
/// `value should be between <a> and <b>` (inclusive)
template <class M, class V>
constexpr auto between(M m, V low, V high) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_between<V>>{m, {low, high}};
}
/// `length must be <n>` (strings in bytes; arrays, sets and maps in elements)
template <class M>
constexpr auto len_eq(M m, std::size_t n) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_len_eq>{m, {n}};
}
/// `length must be at least <n>`
template <class M>
constexpr auto len_min(M m, std::size_t n) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_len_min>{m, {n}};
}
/// `length must be at most <n>`
template <class M>
constexpr auto len_max(M m, std::size_t n) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_len_max>{m, {n}};
}
/// `should start with: <prefix>`
template <class M>
constexpr auto starts_with(M m, std::string_view prefix) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_starts_with>{m, {prefix}};
}
// match / not_match live in <typedao/regex.hpp> so that <regex> is compiled only where used.
/// An array or set must contain the value: `expected to contain: <v>`.
template <class M, class V>
constexpr auto contains(M m, V v) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_contains<detail::rule_value_t<V>>>{m, {v}};
}
/// A predicate on the member's value (a captureless lambda or function) and the message
/// reported when it returns false.
template <class M, class F>
constexpr auto custom(M m, F predicate, std::string_view message) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_custom<F>>{m, {predicate, message}};
}

/// A rule for each element of an array or set member, reported per element by its 1-based
/// position (`tags.2: length must be at most 16`): elements(len_max(&Service::tags, 16)).
/// one_of, not_one_of, gt, between, starts_with, match and not_match on an array or set member
/// apply to its elements without it; elements() is needed where a rule also means something for
/// the whole array (len_*, eq, ne, custom, required).
template <class M, class R>
constexpr detail::field_rule<M, detail::rule_elements<R>> elements(detail::field_rule<M, R> r) {
  return {r.member, {r.rule}};
}

// ---- entity rules -------------------------------------------------------------------------------

/// `at least one of these fields must be non-empty: 'a', 'b'`
template <class... Ms>
constexpr auto at_least_one_of(Ms... ms) {
  (detail::require_member_pointer<Ms>(), ...);
  return detail::entity_rule<detail::entity_check::at_least_one_of, Ms...>{{ms...}};
}
/// `exactly one of these fields must be non-empty: 'a', 'b'`
template <class... Ms>
constexpr auto only_one_of(Ms... ms) {
  (detail::require_member_pointer<Ms>(), ...);
  return detail::entity_rule<detail::entity_check::only_one_of, Ms...>{{ms...}};
}
/// `all or none of these fields must be set: 'a', 'b'`
template <class... Ms>
constexpr auto mutually_required(Ms... ms) {
  (detail::require_member_pointer<Ms>(), ...);
  return detail::entity_rule<detail::entity_check::mutually_required, Ms...>{{ms...}};
}
/// `only one or none of these fields must be set: 'a', 'b'`
template <class... Ms>
constexpr auto mutually_exclusive(Ms... ms) {
  (detail::require_member_pointer<Ms>(), ...);
  return detail::entity_rule<detail::entity_check::mutually_exclusive, Ms...>{{ms...}};
}
/// `values of these fields must be distinct: 'a', 'b'`
template <class... Ms>
constexpr auto distinct(Ms... ms) {
  (detail::require_member_pointer<Ms>(), ...);
  return detail::entity_rule<detail::entity_check::distinct, Ms...>{{ms...}};
}
/// When the first rule holds, the second must too: conditional(one_of(&S::protocol, "tcp"),
/// eq(&S::path, "")). Reports the second rule's message on its member and Kong's
/// `failed conditional validation given value of field '<a>'`.
template <class MA, class RA, class MB, class RB>
constexpr auto conditional(detail::field_rule<MA, RA> if_rule,
                           detail::field_rule<MB, RB> then_rule) {
  return detail::conditional_rule<MA, RA, MB, RB>{if_rule, then_rule};
}
/// A predicate on the whole entity (captureless lambda or function) and its message.
template <class F>
constexpr auto check(F predicate, std::string_view message) {
  return detail::entity_custom_rule<F>{predicate, message};
}

}  // namespace typedao

#endif
