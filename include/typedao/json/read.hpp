#ifndef TYPEDAO_JSON_READ_HPP
#define TYPEDAO_JSON_READ_HPP

// JSON -> C++: tolerant of missing and unknown members, strict about types and ranges; every
// error names the path ("limits.burst: expected an integer, got a string").

#include <typedao/json/text.hpp>

namespace typedao::detail {

// ---- JSON -> C++ ------------------------------------------------------------------------------

template <class Int>
const char* json_to_integer(const boost::json::value& in, Int& out, const json_path& path) {
  constexpr auto lo = std::numeric_limits<Int>::min();
  constexpr auto hi = std::numeric_limits<Int>::max();
  constexpr const char* range = sizeof(Int) == 2   ? "integer out of range for smallint"
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
  boost::mp11::mp_for_each<boost::describe::describe_members<R, boost::describe::mod_public>>(
      [&](auto d) {
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
    if (in.is_double())
      d = in.get_double();
    else if (in.is_int64())
      d = static_cast<double>(in.get_int64());
    else if (in.is_uint64())
      d = static_cast<double>(in.get_uint64());
    else
      return json_expected(path, "a number", in);
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
    out.clear();
    if (!base64_decode(std::string_view(s.data(), s.size()), base64_standard, out))
      return path.fail("expected base64 text");
    return nullptr;
  } else if constexpr (std::is_same_v<T, uuid>) {
    if (!in.is_string()) return json_expected(path, "a uuid string", in);
    const auto& s = in.get_string();
    auto u = parse_uuid(std::string_view(s.data(), s.size()));
    if (!u) return path.fail("expected a uuid (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");
    out = *u;
    return nullptr;
  } else if constexpr (std::is_same_v<T, timestamp> || std::is_same_v<T, date>) {
    if (!in.is_string())
      return json_expected(path, std::is_same_v<T, date> ? "a date string" : "a timestamp string",
                           in);
    const auto& s = in.get_string();
    const char* e = nullptr;
    if constexpr (std::is_same_v<T, date>)
      e = parse_json_date(std::string_view(s.data(), s.size()), out);
    else
      e = parse_json_timestamp(std::string_view(s.data(), s.size()), out);
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
      if constexpr (is_std_set<T>::value)
        out.insert(std::move(e));
      else
        out.push_back(std::move(e));
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

}  // namespace typedao::detail

#endif
