#ifndef TYPEDAO_SCHEMA_RULE_CHECKS_HPP
#define TYPEDAO_SCHEMA_RULE_CHECKS_HPP

// The rules of a whole declaration at compile time: every field rule applies to its member and
// every default satisfies the rules, checked once per entity (rules_checked<T>).

#include <typedao/schema/rule_eval.hpp>

#include <array>
#include <string_view>
#include <type_traits>
#include <utility>

namespace typedao::detail {

// ---- compile-time checks of a whole declaration ------------------------------------------------

// Every field rule applies to its member; every default that is not empty satisfies the rules
// that can run at compile time (not regexes or predicates). Defaults are only checked when the
// compiler can evaluate T{} in a constant expression (g++ can; clang 16 with libstdc++ 12 cannot
// build std::string there).
template <class T>
constexpr bool default_constructs() {
  T t{};
  (void)t;
  return true;
}
template <class T>
concept constexpr_default =
    requires { typename std::integral_constant<bool, default_constructs<T>()>; };

// The constant-evaluable subset of rule_holds.
template <class V, class R>
constexpr bool const_rule_holds(const V& v, const R& r) {
  if constexpr (R::name == "eq") {
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
    return v >= static_cast<V>(r.low) && v <= static_cast<V>(r.high);
  } else if constexpr (R::name == "len_eq") {
    return v.size() == r.n;
  } else if constexpr (R::name == "len_min") {
    return v.size() >= r.n;
  } else if constexpr (R::name == "len_max") {
    return v.size() <= r.n;
  } else if constexpr (R::name == "starts_with") {
    return std::string_view(v).substr(0, r.prefix.size()) == r.prefix;
  } else if constexpr (R::name == "contains") {
    for (const auto& e : v)
      if (value_equal(e, r.value)) return true;
    return false;
  } else {
    return true;
  }
}

template <class T, auto Member, class R>
constexpr bool default_satisfies(const R& r) {
  if constexpr (!constexpr_default<T> || std::is_same_v<R, rule_required> ||
                std::is_same_v<R, rule_immutable> || std::is_same_v<R, rule_absent> ||
                R::name == "match" || R::name == "not_match" || R::name == "custom") {
    (void)r;
    return true;
  } else {
    auto d = T{};
    const auto& v = d.*Member;
    if (!value_present(v)) return true;  // an empty default stands for "not given"
    using MT = std::remove_cvref_t<decltype(v)>;
    const auto& u = [&]() -> const auto& {
      if constexpr (is_optional<MT>::value)
        return *v;
      else
        return v;
    }();
    using V = std::remove_cvref_t<decltype(u)>;
    if constexpr (elementwise<V, R>()) {
      using E = element_rule_t<R>;
      if constexpr (std::is_same_v<E, rule_required> || std::is_same_v<E, rule_absent> ||
                    std::is_same_v<E, rule_immutable> || E::name == "match" ||
                    E::name == "not_match" || E::name == "custom") {
        return true;
      } else {
        for (const auto& e : u)
          if (!const_rule_holds(e, element_rule(r))) return false;
        return true;
      }
    } else {
      return const_rule_holds(u, r);
    }
  }
}

template <class T, auto M>
constexpr bool described_member_of() {
  if constexpr (!std::is_same_v<
                    typename is_member_of_pointer<std::remove_cv_t<decltype(M)>>::class_type, T>)
    return false;
  else
    return index_of_member<T>(M) != npos;
}

// distinct(a, b, ...): every member has the first one's type.
template <class T, auto First, auto M>
constexpr bool distinct_type_matches() {
  if constexpr (std::is_same_v<std::remove_cvref_t<decltype(std::declval<T&>().*First)>,
                               std::remove_cvref_t<decltype(std::declval<T&>().*M)>>)
    return true;
  else
    return distinct_types_differ<T, M>();
}
template <class T, auto First, auto... Rest>
constexpr bool distinct_types_match() {
  return (distinct_type_matches<T, First, Rest>() && ...);
}

template <class T, std::size_t K>
constexpr bool check_rule_decl() {
  using C = std::remove_cvref_t<decltype(std::get<K>(decl_v<T>.constraints))>;
  if constexpr (is_field_rule<C>::value) {
    constexpr auto m = std::get<K>(decl_v<T>.constraints).member;
    if constexpr (!std::is_same_v<
                      typename is_member_of_pointer<std::remove_cv_t<decltype(m)>>::class_type,
                      T>) {
      return false;  // reported by the entity's constraint check
    } else {
      using R = decltype(C::rule);
      if constexpr (!check_rule<T, m, R>()) {
        return false;
      } else if constexpr (!default_satisfies<T, m>(std::get<K>(decl_v<T>.constraints).rule)) {
        return default_breaks_rule<T, m, R>();
      } else {
        return true;
      }
    }
  } else if constexpr (is_conditional_rule<C>::value) {
    // (the entity's constraint check does not see a conditional's two members)
    constexpr auto& c = std::get<K>(decl_v<T>.constraints);
    constexpr auto a = c.if_.member;
    constexpr auto b = c.then_.member;
    if constexpr (!described_member_of<T, a>()) {
      return entity_rule_member_not_described<T, a>();
    } else if constexpr (!described_member_of<T, b>()) {
      return entity_rule_member_not_described<T, b>();
    } else {
      return check_rule<T, a, decltype(c.if_.rule)>() && check_rule<T, b, decltype(c.then_.rule)>();
    }
  } else if constexpr (is_entity_rule<C>::value) {
    // Members of another struct or not described are reported by the entity's constraint check.
    if constexpr (C::kind != entity_check::distinct) {
      return true;
    } else {
      return []<std::size_t... J>(std::index_sequence<J...>) {
        constexpr auto& ms = std::get<K>(decl_v<T>.constraints).members;
        if constexpr (!(described_member_of<T, std::get<J>(ms)>() && ...))
          return true;
        else
          return distinct_types_match<T, std::get<J>(ms)...>();
      }(std::make_index_sequence<std::tuple_size_v<decltype(C::members)>>{});
    }
  } else {
    return true;
  }
}

template <class T>
constexpr bool check_rules() {
  using Cs = std::remove_cvref_t<decltype(decl_v<T>.constraints)>;
  return []<std::size_t... K>(std::index_sequence<K...>) {
    return (true && ... && check_rule_decl<T, K>());
  }(std::make_index_sequence<std::tuple_size_v<Cs>>{});
}

template <class T>
inline constexpr bool rules_checked = check_rules<T>();

}  // namespace typedao::detail

#endif
