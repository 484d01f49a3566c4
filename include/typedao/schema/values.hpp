#ifndef TYPEDAO_SCHEMA_VALUES_HPP
#define TYPEDAO_SCHEMA_VALUES_HPP

// Member values for people and for checks: Kong's rendering of a value in a message, the plain
// value in an error's fields, cache-key text, and the checks made before a value is sent.

#include <typedao/codec.hpp>
#include <typedao/detail/config.hpp>
#include <typedao/detail/utf8.hpp>
#include <typedao/entity.hpp>
#include <typedao/error.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao::detail {

template <class V>
struct is_tuple : std::false_type {};
template <class... A>
struct is_tuple<std::tuple<A...>> : std::true_type {};

// ---- rendering (Kong's pretty printer) ------------------------------------------------------

template <class V>
void render_value(const V& v, std::string& out);

template <class P>
void render_key(const key_t<P>& k, std::string& out) {
  using MP = model<P>;
  std::vector<field_detail> kv;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          std::string s;
          if constexpr (MP::pk_columns.size() == 1)
            render_value(k, s);
          else
            render_value(std::get<I>(k), s);
          kv.push_back({std::string(MP::columns[MP::pk_columns[I]].name), std::move(s)});
        }(),
        ...);
  }(std::make_index_sequence<MP::pk_columns.size()>{});
  out += render_table(std::move(kv));
}

template <class V>
void render_value(const V& v, std::string& out) {
  if constexpr (is_optional<V>::value) {
    if (v)
      render_value(*v, out);
    else
      out += "null";
  } else if constexpr (is_foreign<V>::value) {
    render_key<typename V::parent_type>(v.key(), out);
  } else {
    customize::codec<V>::render(v, out);
  }
}

template <class V>
std::string render(const V& v) {
  std::string s;
  render_value(v, s);
  return s;
}

// ---- plain values (an error's structured detail) ---------------------------------------------
//
// Messages print values as Kong renders them ("httpbin", {id="..."}); an error's fields hold the
// plain value instead (httpbin), as Kong's err_t.fields does. A foreign member becomes one field
// per key member of its parent ("service.id"). Types without a plain text form (arrays, JSON,
// timestamps) keep their rendered form.

template <class V>
void plain_parts(const V& v, std::string& path, std::vector<field_detail>& out);

// Strings, booleans, uuids, integers and described enums as text (PostgreSQL's ::text form):
// shared by the error fields' plain values and the cache keys.
template <class V>
inline constexpr bool has_scalar_text = std::is_same_v<V, std::string> || std::is_integral_v<V> ||
                                        std::is_same_v<V, uuid> || described_enum<V>;

template <class V>
std::string scalar_text(const V& v) {
  if constexpr (std::is_same_v<V, std::string>) {
    return v;
  } else if constexpr (std::is_same_v<V, bool>) {
    return v ? "true" : "false";
  } else if constexpr (std::is_same_v<V, uuid>) {
    return typedao::to_string(v);
  } else if constexpr (std::is_integral_v<V>) {
    return std::to_string(v);
  } else {
    const char* name = enumerator_name(v);
    return name ? std::string(name) : std::to_string(+static_cast<std::underlying_type_t<V>>(v));
  }
}

template <class V>
std::string plain_scalar(const V& v) {
  if constexpr (has_scalar_text<V>) {
    return scalar_text(v);
  } else {
    // Timestamps, dates and the like render as a quoted string: the plain value is inside.
    std::string s;
    customize::codec<V>::render(v, s);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"' && s.find('\\') == std::string::npos)
      s = s.substr(1, s.size() - 2);
    return s;
  }
}

template <class V>
void plain_parts(const V& v, std::string& path, std::vector<field_detail>& out) {
  if constexpr (is_optional<V>::value) {
    if (v)
      plain_parts(*v, path, out);
    else
      out.push_back({path, "null"});
  } else if constexpr (is_foreign<V>::value) {
    using MP = model<typename V::parent_type>;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            const std::size_t n = path.size();
            path += '.';
            path += MP::member_names[MP::pk_member_indices[I]];
            if constexpr (MP::pk_member_indices.size() == 1)
              plain_parts(v.key(), path, out);
            else
              plain_parts(std::get<I>(v.key()), path, out);
            path.resize(n);
          }(),
          ...);
    }(std::make_index_sequence<MP::pk_member_indices.size()>{});
  } else {
    out.push_back({path, plain_scalar(v)});
  }
}

// A value shown in an error: its rendering for the message and its plain parts for the fields
// (field names relative to the member: "" or ".id").
struct shown_value {
  std::string text;
  std::vector<field_detail> plain;
};

template <class V>
TYPEDAO_COLD shown_value show(const V& v) {
  shown_value s;
  render_value(v, s.text);
  std::string path;
  plain_parts(v, path, s.plain);
  return s;
}

// Key as Kong prints it: {id="..."} (keys sorted).
template <class T>
std::vector<field_detail> key_fields(const key_t<T>& k) {
  using MT = model<T>;
  std::vector<field_detail> kv;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          if constexpr (MT::pk_member_indices.size() == 1)
            kv.push_back({std::string(MT::member_names[MT::pk_member_indices[I]]), render(k)});
          else
            kv.push_back(
                {std::string(MT::member_names[MT::pk_member_indices[I]]), render(std::get<I>(k))});
        }(),
        ...);
  }(std::make_index_sequence<MT::pk_member_indices.size()>{});
  return kv;
}

// The key's plain values, one field per key member ({id, "..."}).
template <class T>
std::vector<field_detail> key_plain_fields(const key_t<T>& k) {
  using MT = model<T>;
  std::vector<field_detail> kv;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          std::string path(MT::member_names[MT::pk_member_indices[I]]);
          if constexpr (MT::pk_member_indices.size() == 1)
            plain_parts(k, path, kv);
          else
            plain_parts(std::get<I>(k), path, kv);
        }(),
        ...);
  }(std::make_index_sequence<MT::pk_member_indices.size()>{});
  return kv;
}

// The value as PostgreSQL's ::text prints it, for cache keys (NULL and nullopt: empty).
template <class V>
std::string text_of(const V& v) {
  if constexpr (is_optional<V>::value) {
    return v ? text_of(*v) : std::string();
  } else if constexpr (is_foreign<V>::value) {
    static_assert(
        !is_tuple<typename V::key_type>::value,
        "typedao::cache_key: a foreign member in a cache key must reference a single-column key.");
    return text_of(v.key());
  } else if constexpr (has_scalar_text<V>) {
    return scalar_text(v);
  } else if constexpr (std::is_same_v<V, numeric>) {
    return v.str();
  } else {
    static_assert(sizeof(V) == 0,
                  "typedao::cache_key: cache-key members must be strings, integers, booleans, "
                  "uuids, described "
                  "enums, numerics or foreign keys. Use one of those types.");
    return {};
  }
}

// ---- checks before sending --------------------------------------------------------------------

// True when every byte is ASCII and none is NUL: such text needs no further checks. Whole words
// at a time, the last one overlapping (the usual case on the hot path: short names, hosts, tags).
inline bool plain_ascii(std::string_view s) noexcept {
  const char* p = s.data();
  const std::size_t n = s.size();
  // A word is clean when no byte has its high bit set and no byte is zero.
  auto clean8 = [](const char* q) {
    std::uint64_t w;
    std::memcpy(&w, q, 8);
    return ((w | ((w - 0x0101010101010101ull) & ~w)) & 0x8080808080808080ull) == 0;
  };
  auto clean4 = [](const char* q) {
    std::uint32_t w;
    std::memcpy(&w, q, 4);
    return ((w | ((w - 0x01010101u) & ~w)) & 0x80808080u) == 0;
  };
  if (n >= 8) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
      if (!clean8(p + i)) return false;
    return i == n || clean8(p + n - 8);
  }
  if (n >= 4) return clean4(p) && clean4(p + n - 4);
  for (std::size_t i = 0; i < n; ++i)
    if (static_cast<unsigned char>(p[i]) - 1u >= 0x7fu) return false;  // 0 or >= 0x80
  return true;
}

// PostgreSQL text cannot hold NUL and must be valid UTF-8 (server encoding UTF8).
inline const char* text_problem(std::string_view s) noexcept {
  if (s.size() <= 0x3fffffff && plain_ascii(s)) [[likely]]
    return nullptr;
  if (s.size() > 0x3fffffff) return "length must be at most 1073741823";
  if (s.find('\0') != std::string_view::npos) return "must not contain NUL bytes";
  if (!utf8_valid(s)) return "expected a valid UTF-8 string";
  return nullptr;
}

// Appends the problems of one value to `errs`. `path()` names the value in a problem; it is only
// called when there is one, so the hot path builds no strings.
// Records one problem: path, then ".<index>" when index != 0, then suffix. Out of line: the
// callers' hot paths only test.
TYPEDAO_COLD inline void add_problem(std::vector<field_detail>& errs, std::string path,
                                     std::size_t index, std::string_view suffix,
                                     std::string_view message) {
  if (index != 0) {
    path += '.';
    path += std::to_string(index);
  }
  path += suffix;
  errs.push_back({std::move(path), std::string(message)});
}

template <class V, class Path>
  requires std::is_invocable_r_v<std::string, Path&>
void check_value(const V& v, Path&& path, std::vector<field_detail>& errs) {
  if constexpr (is_optional<V>::value) {
    if (v) check_value(*v, path, errs);
  } else if constexpr (is_foreign<V>::value) {
    using P = typename V::parent_type;
    using MP = model<P>;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            const auto& kv = [&]() -> const auto& {
              if constexpr (MP::pk_member_indices.size() == 1)
                return v.key();
              else
                return std::get<I>(v.key());
            }();
            auto sub = [&] {
              return path() + "." + std::string(MP::member_names[MP::pk_member_indices[I]]);
            };
            if constexpr (std::is_same_v<std::remove_cvref_t<decltype(kv)>, uuid>) {
              if (kv.is_nil()) {
                errs.push_back({sub(), "missing primary key"});
                return;
              }
            }
            check_value(kv, sub, errs);
          }(),
          ...);
    }(std::make_index_sequence<MP::pk_member_indices.size()>{});
  } else if constexpr (std::is_same_v<V, std::string>) {
    if (auto p = text_problem(v)) [[unlikely]]
      add_problem(errs, path(), 0, {}, p);
  } else if constexpr (array_container<V>::value) {
    // Arrays and sets: each element, by its 1-based position ("tags.2").
    using E = typename array_container<V>::element_type;
    if constexpr (std::is_same_v<E, std::string> || has_codec_check<E>) {
      std::size_t i = 0;
      for (const auto& e : v) {
        ++i;
        if constexpr (std::is_same_v<E, std::string>) {
          if (auto p = text_problem(e)) [[unlikely]]
            add_problem(errs, path(), i, {}, p);
        } else {
          customize::codec<E>::check(e, [&](std::string_view suffix, std::string_view message) {
            add_problem(errs, path(), i, suffix, message);
          });
        }
      }
    }
  } else if constexpr (has_codec_check<V>) {
    // Enums, JSON values, user codecs with a check().
    customize::codec<V>::check(v, [&](std::string_view suffix, std::string_view message) {
      add_problem(errs, path(), 0, suffix, message);
    });
  }
}

template <class V>
void check_value(const V& v, const std::string& path, std::vector<field_detail>& errs) {
  check_value(
      v, [&] { return path; }, errs);
}

// A key given to select/update/upsert/remove: present (non-nil uuid) and valid text.
template <class T>
std::vector<field_detail> key_problems(const key_t<T>& k) {
  using MT = model<T>;
  std::vector<field_detail> errs;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          const auto& kv = [&]() -> const auto& {
            if constexpr (MT::pk_member_indices.size() == 1)
              return k;
            else
              return std::get<I>(k);
          }();
          auto name = [] { return std::string(MT::member_names[MT::pk_member_indices[I]]); };
          if constexpr (std::is_same_v<std::remove_cvref_t<decltype(kv)>, uuid>) {
            if (kv.is_nil()) {
              errs.push_back({name(), "missing primary key"});
              return;
            }
          }
          check_value(kv, name, errs);
        }(),
        ...);
  }(std::make_index_sequence<MT::pk_member_indices.size()>{});
  return errs;
}

}  // namespace typedao::detail

#endif
