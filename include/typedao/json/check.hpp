#ifndef TYPEDAO_JSON_CHECK_HPP
#define TYPEDAO_JSON_CHECK_HPP

// Checks before sending: what jsonb cannot store (NaN, infinities, NUL or invalid UTF-8 in strings
// and keys, enum values that are not enumerators, nesting deeper than max_json_depth).

#include <typedao/json/text.hpp>

namespace typedao::detail {

// ---- checks before sending ----------------------------------------------------------------------

template <class Report>
struct json_checker {
  Report& report;
  std::string path;  // ".a.2" relative to the column

  void text(std::string_view s) {
    if (s.find('\0') != std::string_view::npos)
      report(path, "must not contain NUL bytes");
    else if (!utf8_valid(s))
      report(path, "expected a valid UTF-8 string");
  }
  void too_deep(std::size_t depth) {
    if (depth == max_json_depth + 1)
      report(path, "nested too deeply (at most " + std::to_string(max_json_depth) + " levels)");
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
        if (!std::isfinite(v.get_double()))
          report(path, "expected a finite number (JSON has no NaN or infinity)");
        break;
      case boost::json::kind::string:
        text(std::string_view(v.get_string().data(), v.get_string().size()));
        break;
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
      default:
        break;
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
      boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
          [&](auto d) { at(std::string_view(d.name), [&] { value(v.*d.pointer, depth + 1); }); });
    }
  }
};

}  // namespace typedao::detail

#endif
