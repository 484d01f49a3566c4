#ifndef TYPEDAO_DETAIL_ROW_CODEC_HPP
#define TYPEDAO_DETAIL_ROW_CODEC_HPP

// Entity <-> columns: encoding members into statement parameters, checking values before they
// are sent, decoding binary rows straight into the struct, rendering values for messages.

#include <typedao/codec.hpp>
#include <typedao/connector.hpp>
#include <typedao/detail/params.hpp>
#include <typedao/detail/utf8.hpp>
#include <typedao/entity.hpp>
#include <typedao/error.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

namespace typedao::detail {

template <class V>
struct is_tuple : std::false_type {};
template <class... A>
struct is_tuple<std::tuple<A...>> : std::true_type {};

// ---- encoding -------------------------------------------------------------------------------

template <class V, std::size_t N>
void encode_value(const V& v, param_set<N>& ps, std::size_t& k) {
  if constexpr (is_optional<V>::value) {
    if (v) {
      encode_value(*v, ps, k);
    } else {
      using U = typename V::value_type;
      std::size_t cols = 1;
      if constexpr (is_foreign<U>::value) cols = model<typename U::parent_type>::pk_column_count;
      for (std::size_t i = 0; i < cols; ++i) ps.writer(k++).set_null();
    }
  } else if constexpr (is_foreign<V>::value) {
    encode_value(v.key(), ps, k);
  } else if constexpr (is_tuple<V>::value) {
    std::apply([&](const auto&... e) { (encode_value(e, ps, k), ...); }, v);
  } else {
    auto w = ps.writer(k++);
    customize::codec<V>::encode(v, w);
  }
}

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
            kv.push_back({std::string(MT::member_names[MT::pk_member_indices[I]]), render(std::get<I>(k))});
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
    static_assert(!is_tuple<typename V::key_type>::value,
                  "typedao::cache_key: a foreign member in a cache key must reference a single-column key.");
    return text_of(v.key());
  } else if constexpr (has_scalar_text<V>) {
    return scalar_text(v);
  } else if constexpr (std::is_same_v<V, numeric>) {
    return v.str();
  } else {
    static_assert(sizeof(V) == 0,
                  "typedao::cache_key: cache-key members must be strings, integers, booleans, uuids, described "
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
TYPEDAO_COLD inline void add_problem(std::vector<field_detail>& errs, std::string path, std::size_t index,
                                     std::string_view suffix, std::string_view message) {
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
            auto sub = [&] { return path() + "." + std::string(MP::member_names[MP::pk_member_indices[I]]); };
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
  check_value(v, [&] { return path; }, errs);
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

TYPEDAO_COLD inline error invalid_primary_key(std::vector<field_detail> errs) {
  std::string msg = "invalid primary key: '" + render_table(errs) + "'";
  // render_table quotes nothing: Kong prints the messages as strings.
  std::vector<field_detail> quoted = errs;
  for (auto& q : quoted) q.value = "\"" + q.value + "\"";
  msg = "invalid primary key: '" + render_table(std::move(quoted)) + "'";
  return make_error(error_code::invalid_primary_key, std::move(msg), std::move(errs));
}

// ---- decoding ---------------------------------------------------------------------------------
//
// NULL is asked about only when a column's length is <= 0: a row_set reports a NULL with length
// 0 (libpq's PQgetlength) or -1, so one call per column (length, then data) is enough for the
// usual non-empty values.

template <class V, row_set R>
TYPEDAO_INLINE const char* decode_value(const R& rows, int r, int& c, V& out) noexcept {
  if constexpr (is_optional<V>::value) {
    using U = typename V::value_type;
    if constexpr (is_foreign<U>::value || is_tuple<U>::value) {
      std::size_t cols = 1;
      if constexpr (is_foreign<U>::value) cols = model<typename U::parent_type>::pk_column_count;
      bool all_null = true;
      for (std::size_t i = 0; i < cols; ++i) all_null = all_null && rows.is_null(r, c + static_cast<int>(i));
      if (all_null) {
        out.reset();
        c += static_cast<int>(cols);
        return nullptr;
      }
      if (!out) out.emplace();
      return decode_value(rows, r, c, *out);
    } else {
      const int col = c++;
      const int len = rows.length(r, col);
      if (len <= 0 && rows.is_null(r, col)) {
        out.reset();
        return nullptr;
      }
      if constexpr (std::is_same_v<U, std::string>) {
        // Built from the bytes at once, not default-constructed and then assigned.
        if (!out) {
          try {
            out.emplace(rows.data(r, col), static_cast<std::size_t>(len));
          } catch (...) {
            return "out of memory";
          }
          return nullptr;
        }
      }
      if (!out) out.emplace();
      return customize::codec<U>::decode(rows.data(r, col), static_cast<std::size_t>(len), *out);
    }
  } else if constexpr (is_foreign<V>::value) {
    return decode_value(rows, r, c, out.key());
  } else if constexpr (is_tuple<V>::value) {
    const char* err = nullptr;
    std::apply([&](auto&... e) { ((err = err ? err : decode_value(rows, r, c, e)), ...); }, out);
    return err;
  } else {
    const int col = c++;
    const int len = rows.length(r, col);
    if (len <= 0 && rows.is_null(r, col)) return "unexpected NULL in a NOT NULL column";
    return customize::codec<V>::decode(rows.data(r, col), static_cast<std::size_t>(len), out);
  }
}

// Whether the result has T's columns with T's types (the hot path: no error object).
template <class T, row_set R>
bool shape_matches(const R& rows) noexcept {
  using MT = model<T>;
  if (rows.column_count() != static_cast<int>(MT::column_count)) return false;
  for (std::size_t c = 0; c < MT::column_count; ++c)
    if (rows.column_type(static_cast<int>(c)) != MT::columns[c].oid) return false;
  return true;
}

// Why the result does not have the entity's shape (DATABASE_ERROR). One plain function for every
// entity: only the loop that finds the column is per entity.
TYPEDAO_COLD inline error shape_error_of(std::size_t want_count, int got_count,
                                                            const column_info* col, oid_t got_oid) {
  if (got_count != static_cast<int>(want_count))
    return make_error(error_code::database_error, "unexpected result shape: expected " + std::to_string(want_count) +
                                                      " columns, got " + std::to_string(got_count));
  if (col)
    return make_error(error_code::database_error,
                      "column '" + std::string(col->name) + "' has type oid " + std::to_string(got_oid) +
                          ", expected " + std::to_string(col->oid) + " (" + std::string(col->sql_type) +
                          "); migrate the table");
  return make_error(error_code::database_error, "unexpected result shape");
}

template <class T, row_set R>
error shape_error(const R& rows) {
  using MT = model<T>;
  const int got = rows.column_count();
  if (got == static_cast<int>(MT::column_count))
    for (std::size_t c = 0; c < MT::column_count; ++c)
      if (rows.column_type(static_cast<int>(c)) != MT::columns[c].oid)
        return shape_error_of(MT::column_count, got, &MT::columns[c], rows.column_type(static_cast<int>(c)));
  return shape_error_of(MT::column_count, got, nullptr, 0);
}


// Decodes row r into out: nullptr, or the codec's message with `bad_member` the member it was
// decoding (out is then partly written).
template <class T, row_set R>
const char* decode_row_into(const R& rows, int r, T& out, std::size_t& bad_member) noexcept {
  using MT = model<T>;
  int c = 0;
  const char* err = nullptr;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          if (err) return;
          err = decode_value(rows, r, c, out.*member_d<T, I>::pointer);
          if (err) [[unlikely]]
            bad_member = I;
        }(),
        ...);
  }(std::make_index_sequence<MT::member_count>{});
  return err;
}

// A write that returned no row although it always should (INSERT ... RETURNING): a rule or a
// trigger on the table skipped it.
TYPEDAO_COLD inline error no_row_error(std::string_view statement) {
  return make_error(error_code::database_error,
                    std::string(statement) + " returned no row (a rule or trigger on the table skipped it)");
}

// The DATABASE_ERROR for a failed decode_row_into.
TYPEDAO_COLD inline error decode_error_of(std::string_view column, std::string_view table,
                                                             const char* err) {
  return make_error(error_code::database_error,
                    "could not decode column '" + std::string(column) + "' of '" + std::string(table) + "': " + err);
}

template <class T>
error decode_error(std::size_t bad_member, const char* err) {
  using MT = model<T>;
  return decode_error_of(MT::columns[MT::member_first_column[bad_member]].name, MT::table, err);
}

// Where decoding rows failed: no message, nothing failed.
struct decode_failure {
  std::size_t member = 0;
  const char* message = nullptr;
  explicit operator bool() const noexcept { return message != nullptr; }
};

// Decodes rows [0, count) into fresh elements appended to out (each value-initialised, then
// decoded in place: no temporary, no move, no error object on the way). On failure out holds
// the rows decoded before and the failed one.
template <class T, row_set R>
decode_failure decode_rows_into(const R& rows, int count, std::vector<T>& out) {
  decode_failure f;
  out.reserve(out.size() + static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i)
    if ((f.message = decode_row_into(rows, i, out.emplace_back(), f.member))) [[unlikely]]
      break;
  return f;
}


}  // namespace typedao::detail

#endif
