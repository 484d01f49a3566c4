#ifndef TYPEDAO_SCHEMA_VALIDATE_HPP
#define TYPEDAO_SCHEMA_VALIDATE_HPP

// The rules of rules.hpp at run time: every problem of a value collected, with Kong's messages, in
// the order of the report (the DAO turns the list into one SCHEMA_VIOLATION).

#include <typedao/schema/rule_checks.hpp>

#include <algorithm>
#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace typedao::detail {

template <class T>
constexpr bool has_rules() {
  bool r = false;
  std::apply(
      [&](const auto&... c) {
        ((r = r || is_field_rule<std::remove_cvref_t<decltype(c)>>::value ||
              is_entity_rule<std::remove_cvref_t<decltype(c)>>::value ||
              is_conditional_rule<std::remove_cvref_t<decltype(c)>>::value ||
              is_entity_custom_rule<std::remove_cvref_t<decltype(c)>>::value),
         ...);
      },
      decl_v<T>.constraints);
  return r;
}

template <class T>
constexpr bool has_entity_rules() {
  bool r = false;
  std::apply(
      [&](const auto&... c) {
        ((r = r || is_entity_rule<std::remove_cvref_t<decltype(c)>>::value ||
              is_conditional_rule<std::remove_cvref_t<decltype(c)>>::value ||
              is_entity_custom_rule<std::remove_cvref_t<decltype(c)>>::value),
         ...);
      },
      decl_v<T>.constraints);
  return r;
}

template <class C>
constexpr bool is_immutable_rule() {
  if constexpr (is_field_rule<C>::value)
    return std::is_same_v<decltype(C::rule), rule_immutable>;
  else
    return false;
}

// Members of T with an immutable rule.
template <class T>
constexpr std::array<bool, model<T>::member_count> immutable_members() {
  std::array<bool, model<T>::member_count> out{};
  std::apply(
      [&](const auto&... c) {
        (
            [&](const auto& one) {
              if constexpr (is_immutable_rule<std::remove_cvref_t<decltype(one)>>()) {
                if constexpr (std::is_same_v<typename is_member_of_pointer<std::remove_cv_t<
                                                 decltype(one.member)>>::class_type,
                                             T>)
                  out[index_of_member<T>(one.member)] = true;
              }
            }(c),
            ...);
      },
      decl_v<T>.constraints);
  return out;
}

// Members of T named by an entity rule, a conditional or (all of them) a custom entity check.
template <class T>
constexpr std::array<bool, model<T>::member_count> entity_rule_members() {
  std::array<bool, model<T>::member_count> out{};
  std::apply(
      [&](const auto&... c) {
        (
            [&](const auto& one) {
              using C = std::remove_cvref_t<decltype(one)>;
              if constexpr (!entity_rule_fits<T, C>()) {
                // a compile error (check_rules)
              } else if constexpr (is_entity_rule<C>::value) {
                std::apply([&](auto... m) { ((out[index_of_member<T>(m)] = true), ...); },
                           one.members);
              } else if constexpr (is_conditional_rule<C>::value) {
                out[index_of_member<T>(one.if_.member)] = true;
                out[index_of_member<T>(one.then_.member)] = true;
              } else if constexpr (is_entity_custom_rule<C>::value) {
                for (auto& b : out) b = true;
              }
            }(c),
            ...);
      },
      decl_v<T>.constraints);
  return out;
}

// An element rule: every failing element, by its 1-based position ("protocols.2"). Whether one
// failed.
template <class MT, class R>
bool validate_elements(const MT& value, const R& rule, std::string_view name,
                       std::vector<field_detail>& errs) {
  if constexpr (is_optional<MT>::value) {
    return value ? validate_elements(*value, rule, name, errs) : false;
  } else {
    bool failed = false;
    std::size_t pos = 0;
    for (const auto& e : value) {
      ++pos;
      if (auto msg = check_field_rule(e, rule)) {
        add_problem(errs, std::string(name), pos, {}, *msg);
        failed = true;
      }
    }
    return failed;
  }
}

// Field-rule errors for a value of member I (the first failing rule), appended to errs.
template <class T, std::size_t I, class MT>
void validate_member_value(const MT& value, std::vector<field_detail>& errs) {
  bool failed = false;
  std::apply(
      [&](const auto&... c) {
        (
            [&](const auto& one) {
              using C = std::remove_cvref_t<decltype(one)>;
              if constexpr (is_field_rule<C>::value) {
                if constexpr (std::is_same_v<std::remove_cv_t<decltype(one.member)>,
                                             std::remove_cv_t<decltype(member_d<T, I>::pointer)>> &&
                              rule_fits<member_type_t<T, I>, decltype(one.rule)>) {
                  if (failed || one.member != member_d<T, I>::pointer) return;
                  using R = std::remove_cvref_t<decltype(one.rule)>;
                  if constexpr (elementwise<unwrap_optional_t<MT>, R>()) {
                    if (validate_elements(value, element_rule(one.rule), model<T>::member_names[I],
                                          errs))
                      failed = true;
                  } else if (auto msg = check_field_rule(value, one.rule)) {
                    errs.push_back({std::string(model<T>::member_names[I]), std::move(*msg)});
                    failed = true;
                  }
                }
              }
            }(c),
            ...);
      },
      decl_v<T>.constraints);
}

template <class T, class M>
std::string quoted_member_name(M m) {
  return "'" + std::string(model<T>::member_names[index_of_member<T>(m)]) + "'";
}

// Entity rules; `field_failed(member)` tells whether a member already has an error (Kong skips a
// check whose fields are invalid). `updating`: the entity is an update's merged row, and Kong's
// at_least_one_of message then starts with "when updating, ".
template <class T, class FieldFailed>
void validate_entity(const T& e, std::vector<field_detail>& errs, FieldFailed&& field_failed,
                     bool updating = false) {
  std::apply(
      [&](const auto&... c) {
        (
            [&](const auto& one) {
              using C = std::remove_cvref_t<decltype(one)>;
              if constexpr (!entity_rule_fits<T, C>()) {
                return;  // a compile error (check_rules)
              } else if constexpr (is_entity_rule<C>::value) {
                bool any_failed = false;
                std::size_t present = 0, total = 0;
                std::string names;
                std::apply(
                    [&](auto... m) {
                      ((any_failed = any_failed || field_failed(index_of_member<T>(m)),
                        present += value_present(e.*m) ? 1 : 0, ++total,
                        names += (names.empty() ? "" : ", ") + quoted_member_name<T>(m)),
                       ...);
                    },
                    one.members);
                if (any_failed) return;
                std::string msg;
                if constexpr (C::kind == entity_check::at_least_one_of) {
                  if (present == 0)
                    msg = std::string(updating ? "when updating, " : "") +
                          "at least one of these fields must be non-empty: " + names;
                } else if constexpr (C::kind == entity_check::only_one_of) {
                  if (present != 1) msg = "exactly one of these fields must be non-empty: " + names;
                } else if constexpr (C::kind == entity_check::mutually_required) {
                  if (present != 0 && present != total)
                    msg = "all or none of these fields must be set: " + names;
                } else if constexpr (C::kind == entity_check::mutually_exclusive) {
                  if (present > 1) msg = "only one or none of these fields must be set: " + names;
                } else if constexpr (C::kind == entity_check::distinct) {
                  // Empty values (nullopt, "", {}) are not compared: two absent members do
                  // not clash (Kong compares only the values that are set).
                  bool dup = false;
                  auto same = [&](auto a, auto b) {
                    if constexpr (requires { e.*a == e.*b; })
                      return value_present(e.*a) && value_present(e.*b) && e.*a == e.*b;
                    else
                      return false;  // members of different types: a compile error
                                     // (distinct_types_differ)
                  };
                  std::apply(
                      [&](auto first, auto... rest) {
                        auto cmp_all = [&](auto a, auto... bs) {
                          ((dup = dup || same(a, bs)), ...);
                        };
                        cmp_all(first, rest...);
                        if constexpr (sizeof...(rest) > 1) {
                          // every pair, not just the first against the others
                          [&](auto, auto... more) {
                            auto pairs = [&](auto self, auto x, auto... ys) -> void {
                              ((dup = dup || same(x, ys)), ...);
                              if constexpr (sizeof...(ys) > 1) self(self, ys...);
                            };
                            pairs(pairs, more...);
                          }(first, rest...);
                        }
                      },
                      one.members);
                  if (dup) msg = "values of these fields must be distinct: " + names;
                }
                if (!msg.empty()) errs.push_back({"@entity", std::move(msg)});
              } else if constexpr (is_conditional_rule<C>::value) {
                const std::size_t a = index_of_member<T>(one.if_.member);
                const std::size_t b = index_of_member<T>(one.then_.member);
                if (field_failed(a) || field_failed(b)) return;
                const auto& av = e.*one.if_.member;
                bool applies = false;
                if constexpr (is_optional<std::remove_cvref_t<decltype(av)>>::value)
                  applies = av.has_value() && !check_field_rule(av, one.if_.rule);
                else
                  applies = !check_field_rule(av, one.if_.rule);
                if (!applies) return;
                auto bad = check_field_rule(e.*one.then_.member, one.then_.rule);
                if (bad) {
                  errs.push_back(
                      {"@entity", "failed conditional validation given value of field '" +
                                      std::string(model<T>::member_names[a]) + "'"});
                  errs.push_back({std::string(model<T>::member_names[b]), std::move(*bad)});
                }
              } else if constexpr (is_entity_custom_rule<C>::value) {
                // A check over the whole entity depends on every member: skipped when one failed.
                for (std::size_t m = 0; m < model<T>::member_count; ++m)
                  if (field_failed(m)) return;
                if (!one.predicate(e)) errs.push_back({"@entity", std::string(one.message)});
              }
            }(c),
            ...);
      },
      decl_v<T>.constraints);
}

// The report's order: entity-level problems first (in the order their rules are declared), then
// members in declaration order, whatever order they were found in (a conditional adds its member's
// problem after the others; update() checks members in the order of its arguments). Problems of
// one member keep their order ("tags.2" before "tags.4"). Members are names[0..n); anything else
// goes last.
TYPEDAO_COLD inline void order_problems(std::vector<field_detail>& errs,
                                        const std::string_view* names, std::size_t n) {
  if (errs.size() < 2) return;
  auto rank = [&](const field_detail& x) -> std::size_t {
    if (x.field == "@entity") return 0;
    const std::string_view f = std::string_view(x.field).substr(0, x.field.find('.'));
    for (std::size_t i = 0; i < n; ++i)
      if (names[i] == f) return i + 1;
    return n + 1;
  };
  std::vector<std::size_t> ranks(errs.size());
  for (std::size_t i = 0; i < errs.size(); ++i) ranks[i] = rank(errs[i]);
  for (std::size_t i = 1; i < errs.size(); ++i) {
    for (std::size_t j = i; j > 0 && ranks[j] < ranks[j - 1]; --j) {
      std::swap(ranks[j], ranks[j - 1]);
      std::swap(errs[j], errs[j - 1]);
    }
  }
}

template <class T>
void order_problems(std::vector<field_detail>& errs) {
  order_problems(errs, model<T>::member_names.data(), model<T>::member_count);
}

// Every field rule then every entity rule for a whole entity, in the report's order
// (order_problems).
template <class T>
std::vector<field_detail> validate(const T& e) {
  std::vector<field_detail> errs;
  if constexpr (has_rules<T>()) {
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (validate_member_value<T, I>(e.*member_d<T, I>::pointer, errs), ...);
    }(std::make_index_sequence<model<T>::member_count>{});
    validate_entity(e, errs, [&](std::size_t m) {
      for (auto& x : errs)
        if (x.field == model<T>::member_names[m]) return true;
      return false;
    });
    order_problems<T>(errs);
  }
  return errs;
}

}  // namespace typedao::detail

#endif
