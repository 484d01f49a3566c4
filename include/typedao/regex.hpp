#ifndef TYPEDAO_REGEX_HPP
#define TYPEDAO_REGEX_HPP

// Regular-expression rules (kept apart so that <regex>, slow to compile, is only paid for where
// it is used):
//   #include <typedao/regex.hpp>
//   TYPEDAO_ENTITY(Service, "services", typedao::match(&Service::host, "^[a-z0-9.-]+$"))

#include <typedao/rules.hpp>

#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace typedao {

/// The whole value must match the ECMAScript regular expression: `invalid value: <value>`.
template <class M>
constexpr auto match(M m, std::string_view pattern) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_match>{m, {pattern}};
}
/// The value must not contain a match of the regular expression: `invalid value: <value>`.
template <class M>
constexpr auto not_match(M m, std::string_view pattern) {
  detail::require_member_pointer<M>();
  return detail::field_rule<M, detail::rule_not_match>{m, {pattern}};
}

namespace detail {

// One compiled expression per pattern and rule kind (the pattern is part of the declaration, so
// the cache is bounded by the program's rules).
template <class R>
struct regex_engine {
  static const std::regex& compiled(std::string_view pattern) {
    thread_local std::unordered_map<std::string, std::regex> cache;
    auto it = cache.find(std::string(pattern));
    if (it == cache.end())
      it = cache
               .emplace(std::string(pattern),
                        std::regex(std::string(pattern), std::regex::ECMAScript))
               .first;
    return it->second;
  }
  static bool holds(const std::string& v, const R& r) {
    const auto& re = compiled(r.pattern);
    if constexpr (R::name == "match")
      return std::regex_match(v, re);
    else
      return !std::regex_search(v, re);
  }
};

}  // namespace detail
}  // namespace typedao

#endif
