#ifndef TYPEDAO_JSON_WRITE_HPP
#define TYPEDAO_JSON_WRITE_HPP

// C++ -> JSON: members by name, in declaration order (json/text.hpp lists the mapping).

#include <typedao/json/text.hpp>

namespace typedao::detail {

// ---- C++ -> JSON ------------------------------------------------------------------------------

template <class T, class Record = void>
void to_json(const T& v, boost::json::value& out);

template <class R>
void record_to_json(const R& r, boost::json::value& out) {
  auto& obj = out.emplace_object();
  boost::mp11::mp_for_each<boost::describe::describe_members<R, boost::describe::mod_public>>(
      [&](auto d) {
        to_json<std::remove_cvref_t<decltype(r.*d.pointer)>, R>(r.*d.pointer, obj[d.name]);
      });
}

template <class T, class Record>
void to_json(const T& v, boost::json::value& out) {
  if constexpr (user_json_mapping<T>) {
    customize::json_mapping<T>::to_json(v, out);
  } else if constexpr (is_optional<T>::value) {
    if (v)
      to_json<typename T::value_type, Record>(*v, out);
    else
      out.emplace_null();
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
    out = base64_encode(v, base64_standard);
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
    if (!name)
      throw std::invalid_argument("typedao: enum value is not one of its described enumerators");
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

}  // namespace typedao::detail

#endif
