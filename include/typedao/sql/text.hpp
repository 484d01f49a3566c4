#ifndef TYPEDAO_SQL_TEXT_HPP
#define TYPEDAO_SQL_TEXT_HPP

// Pieces of statement text, written at compile time into a detail::ctext builder: column lists,
// WHERE clauses on key columns, Kong's TTL predicate and cache key expression, INSERT and ON
// CONFLICT.

#include <typedao/detail/ctext.hpp>
#include <typedao/entity.hpp>
#include <typedao/sql/statement.hpp>

#include <array>
#include <cstddef>
#include <string_view>

namespace typedao::detail {

template <class T>
using M = model<T>;

inline constexpr oid_t int8_oid = 20;
inline constexpr oid_t text_array_oid = 1009;

template <class T, class B>
constexpr void put_column_list(B& b) {
  bool first = true;
  for (auto& c : M<T>::columns) {
    if (!first) b.put(", ");
    first = false;
    put_ident(b, c.name);
  }
}

template <class T, class B>
constexpr void put_returning(B& b) {
  b.put(" RETURNING ");
  put_column_list<T>(b);
}

template <class T, class B>
constexpr void put_select_from(B& b) {
  b.put("SELECT ");
  put_column_list<T>(b);
  b.put(" FROM ");
  put_ident(b, M<T>::table);
}

// Rows of a TTL entity whose expiry has passed are invisible (Kong's ttl predicate).
template <class B>
constexpr void put_ttl_ok(B& b) {
  b.put("(\"ttl\" IS NULL OR \"ttl\" >= now())");
}

// "k1" = $1 AND "k2" = $2, for the columns of one member or of the key, plus the TTL predicate.
template <class B, class Cols, class T>
constexpr void put_where_columns(B& b, const Cols& cols, std::size_t first_param,
                                 bool skip_ttl = false) {
  b.put(" WHERE ");
  std::size_t p = first_param;
  bool first = true;
  for (auto ci : cols) {
    if (!first) b.put(" AND ");
    first = false;
    put_ident(b, M<T>::columns[ci].name);
    b.put(" = $");
    b.put_uint(p++);
  }
  if (M<T>::has_ttl && !skip_ttl) {
    b.put(" AND ");
    put_ttl_ok(b);
  }
}

// 'text' as an SQL literal (quotes doubled); only compile-time names reach here.
template <class B>
constexpr void put_literal(B& b, std::string_view s) {
  b.put('\'');
  for (char c : s) {
    if (c == '\'') b.put('\'');
    b.put(c);
  }
  b.put('\'');
}

// Kong's cache key "<table>:<v1>:<v2>:<v3>:<v4>:<v5>:" (five value slots and an empty workspace
// slot), NULL values empty, falling back to the primary key when every value is empty. Unlike
// Kong, '%' and ':' inside values are escaped as %25 and %3A, so {"a:", "b"} and {"a", ":b"}
// cannot collide.
// `source(column)` writes the SQL for a column's new value ($n or the column itself).
template <class T, class B, class Source>
constexpr void put_cache_key_expr(B& b, Source&& source) {
  constexpr auto& ck = M<T>::cache_key_members;
  // '%' and ':' in values are escaped (%25, %3A) so that values cannot run into each other.
  auto put_value = [&](std::size_t col) {
    b.put("replace(replace(COALESCE(");
    source(col);
    b.put("::text, ''), '%', '%25'), ':', '%3A')");
  };
  b.put("CASE WHEN ");
  for (std::size_t i = 0; i < ck.size(); ++i) {
    if (i) b.put(" AND ");
    put_value(M<T>::member_first_column[ck[i]]);
    b.put(" = ''");
  }
  b.put(" THEN ");
  put_literal(b, M<T>::table);
  for (std::size_t i = 0; i < 5; ++i) {
    b.put(" || ':'");
    if (i < M<T>::pk_columns.size()) {
      b.put(" || ");
      put_value(M<T>::pk_columns[i]);
    }
  }
  b.put(" || ':' ELSE ");
  put_literal(b, M<T>::table);
  for (std::size_t i = 0; i < 5; ++i) {
    b.put(" || ':'");
    if (i < ck.size()) {
      b.put(" || ");
      put_value(M<T>::member_first_column[ck[i]]);
    }
  }
  b.put(" || ':' END");
}

template <class T, std::size_t I>
constexpr auto columns_of_member() {
  constexpr std::size_t n = member_column_count<T, I>();
  std::array<std::size_t, n> out{};
  for (std::size_t k = 0; k < n; ++k) out[k] = M<T>::member_first_column[I] + k;
  return out;
}

// Parameters of insert/upsert: every column except updated_at (always now()), then the TTL in
// seconds on TTL entities.
template <class T>
inline constexpr std::size_t insert_param_count = [] {
  std::size_t n = 0;
  for (auto& c : M<T>::columns) n += c.role == column_role::updated_at ? 0 : 1;
  return n + (M<T>::has_ttl ? 1 : 0);
}();

template <class T>
constexpr std::size_t insert_param_of(std::size_t col);

template <class T, class B>
constexpr void put_insert(B& b) {
  b.put("INSERT INTO ");
  put_ident(b, M<T>::table);
  b.put(" (");
  put_column_list<T>(b);
  if (M<T>::has_cache_key_column) b.put(", \"cache_key\"");
  if (M<T>::has_ttl) b.put(", \"ttl\"");
  b.put(") VALUES (");
  std::size_t p = 1;
  bool first = true;
  for (auto& c : M<T>::columns) {
    if (!first) b.put(", ");
    first = false;
    if (c.role == column_role::updated_at) {
      b.put("now()");
    } else if (c.role == column_role::created_at) {
      b.put("COALESCE($");
      b.put_uint(p++);
      b.put(", now())");
    } else {
      b.put('$');
      b.put_uint(p++);
    }
  }
  if (M<T>::has_cache_key_column) {
    b.put(", ");
    put_cache_key_expr<T>(b, [&](std::size_t col) {
      b.put('$');
      b.put_uint(insert_param_of<T>(col));
    });
  }
  if (M<T>::has_ttl) {
    b.put(", CASE WHEN $");
    b.put_uint(p);
    b.put(" > 0 THEN now() + $");
    b.put_uint(p);
    b.put(" * interval '1 second' END");
  }
  b.put(')');
}

// 1-based parameter number of a column in insert/upsert.
template <class T>
constexpr std::size_t insert_param_of(std::size_t col) {
  std::size_t p = 1;
  for (std::size_t c = 0; c < col; ++c)
    p += M<T>::columns[c].role == column_role::updated_at ? 0 : 1;
  return p;
}

// ON CONFLICT (...) DO UPDATE SET: every column but the conflict target's; created_at is kept
// unless the caller gave one (Kong resets it on PUT; see docs/dao.md).
template <class T, class B, class Target>
constexpr void put_on_conflict(B& b, const Target& target) {
  b.put(" ON CONFLICT (");
  bool first = true;
  for (auto ci : target) {
    if (!first) b.put(", ");
    first = false;
    put_ident(b, M<T>::columns[ci].name);
  }
  b.put(") DO UPDATE SET ");
  first = true;
  for (std::size_t ci = 0; ci < M<T>::column_count; ++ci) {
    auto& c = M<T>::columns[ci];
    bool skip = false;
    for (auto t : target) skip = skip || t == ci;
    if (skip || c.primary) continue;
    if (!first) b.put(", ");
    first = false;
    put_ident(b, c.name);
    if (c.role == column_role::created_at) {
      b.put(" = COALESCE($");
      b.put_uint(insert_param_of<T>(ci));
      b.put(", ");
      put_ident(b, M<T>::table);
      b.put('.');
      put_ident(b, c.name);
      b.put(')');
    } else {
      b.put(" = EXCLUDED.");
      put_ident(b, c.name);
    }
  }
  if (M<T>::has_cache_key_column) {
    b.put(first ? "" : ", ");
    first = false;
    b.put("\"cache_key\" = EXCLUDED.\"cache_key\"");
  }
  if (M<T>::has_ttl) {
    b.put(first ? "" : ", ");
    first = false;
    b.put("\"ttl\" = EXCLUDED.\"ttl\"");
  }
  if (first) {  // nothing but the key: still return the row
    put_ident(b, M<T>::columns[target[0]].name);
    b.put(" = EXCLUDED.");
    put_ident(b, M<T>::columns[target[0]].name);
  }
}

}  // namespace typedao::detail

#endif
