#ifndef TYPEDAO_SQL_HPP
#define TYPEDAO_SQL_HPP

// Statement text for every DAO operation, computed at compile time from the entity model.
// typedao::sql::<op><Entity ...>() returns the exact text the DAO prepares (also used by docs and
// dry tests).

#include <typedao/detail/ctext.hpp>
#include <typedao/entity.hpp>

#include <array>
#include <atomic>
#include <cstddef>
#include <string_view>

namespace typedao {

/// A prepared statement's identity: text, parameter types, and a process-wide id that
/// connectors use to prepare it once per connection.
struct statement {
  std::string_view text;
  std::size_t id;
  int param_count;
  const oid_t* param_types;
};

namespace detail {

inline std::size_t next_statement_id() noexcept {
  static std::atomic<std::size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

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
constexpr void put_where_columns(B& b, const Cols& cols, std::size_t first_param, bool skip_ttl = false) {
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
  for (std::size_t c = 0; c < col; ++c) p += M<T>::columns[c].role == column_role::updated_at ? 0 : 1;
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

// ---- generators -----------------------------------------------------------------------------

template <class T>
struct insert_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    put_insert<T>(b);
    put_returning<T>(b);
  }
};

template <class T, bool SkipTtl = false>
struct select_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    put_select_from<T>(b);
    put_where_columns<B, decltype(M<T>::pk_columns), T>(b, M<T>::pk_columns, 1, SkipTtl);
  }
};

// The row an update is about to change, locked until the transaction ends.
template <class T, class KeyCols>
struct select_for_update_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    put_select_from<T>(b);
    put_where_columns<B, decltype(KeyCols::value), T>(b, KeyCols::value, 1);
    b.put(" FOR UPDATE");
  }
};

template <class T, std::size_t U, bool SkipTtl = false>
struct select_by_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    put_select_from<T>(b);
    put_where_columns<B, decltype(columns_of_member<T, U>()), T>(b, columns_of_member<T, U>(), 1, SkipTtl);
  }
};

// Partial update of members Is... located by key columns KeyCols (the primary key or one unique member).
template <class T, class KeyCols, std::size_t... Is>
struct update_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    constexpr auto key = KeyCols::value;
    b.put("UPDATE ");
    put_ident(b, M<T>::table);
    b.put(" SET ");
    std::size_t p = key.size() + 1;
    bool first = true;
    auto set_member = [&](auto cols) {
      for (auto ci : cols) {
        if (!first) b.put(", ");
        first = false;
        put_ident(b, M<T>::columns[ci].name);
        b.put(" = $");
        b.put_uint(p++);
      }
    };
    (set_member(columns_of_member<T, Is>()), ...);
    for (auto& c : M<T>::columns) {
      if (c.role == column_role::updated_at) {
        b.put(", ");
        put_ident(b, c.name);
        b.put(" = now()");
      }
    }
    constexpr bool touches_cache_key = ((contains_index(M<T>::cache_key_members, Is)) || ...);
    if (M<T>::has_cache_key_column && touches_cache_key) {
      b.put(", \"cache_key\" = ");
      put_cache_key_expr<T>(b, [&](std::size_t col) {
        // the new value of a changed member is its parameter, otherwise the stored column
        std::size_t q = key.size() + 1;
        bool found = false;
        auto look = [&](auto cols) {
          for (auto ci : cols) {
            if (ci == col) found = true;
            if (!found) ++q;
          }
        };
        (look(columns_of_member<T, Is>()), ...);
        if (found) {
          b.put('$');
          b.put_uint(q);
        } else {
          put_ident(b, M<T>::columns[col].name);
        }
      });
    }
    if (M<T>::has_ttl) {
      b.put(", \"ttl\" = CASE WHEN $");
      b.put_uint(p);
      b.put(" IS NULL THEN \"ttl\" WHEN $");
      b.put_uint(p);
      b.put(" = 0 THEN NULL ELSE now() + $");
      b.put_uint(p);
      b.put(" * interval '1 second' END");
    }
    put_where_columns<B, decltype(key), T>(b, key, 1);
    put_returning<T>(b);
  }
};

template <class T>
struct pk_cols {
  static constexpr auto value = M<T>::pk_columns;
};
template <class T, std::size_t U>
struct member_cols {
  static constexpr auto value = columns_of_member<T, U>();
};

template <class T, class KeyCols>
struct upsert_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    put_insert<T>(b);
    put_on_conflict<T>(b, KeyCols::value);
    put_returning<T>(b);
  }
};

template <class T, class KeyCols, bool SkipTtl = false>
struct delete_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("DELETE FROM ");
    put_ident(b, M<T>::table);
    put_where_columns<B, decltype(KeyCols::value), T>(b, KeyCols::value, 1, SkipTtl);
  }
};

// Constraint names are deterministic so that errors map back to members:
//   <table>_pkey, <table>_<member>_key (unique), <table>_<member>_fkey, index <table>_<member>_idx.
template <class T, std::size_t I, char Kind>
struct constraint_name_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put(M<T>::table);
    if constexpr (Kind == 'p') {
      b.put("_pkey");
    } else {
      b.put('_');
      b.put(M<T>::member_names[I]);
      b.put(Kind == 'u' ? "_key" : Kind == 'f' ? "_fkey" : "_idx");
    }
  }
};

template <class T, std::size_t I, char Kind>
inline constexpr std::string_view constraint_name_v = text_v<constraint_name_gen<T, I, Kind>>.view();

// Names of what hidden columns need: <table>_cache_key_key, <table>_ttl_idx.
template <class T, char Kind>
struct hidden_name_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put(M<T>::table);
    b.put(Kind == 'c' ? "_cache_key_key" : "_ttl_idx");
  }
};

// ---- pagination and the rest of Kong's DAO --------------------------------------------------

enum class tags_filter { none, all, any };

// SELECT ... [WHERE <fk> = $.. AND tags @>|&& $.. AND (key) > ($..) AND ttl] ORDER BY key LIMIT $n.
// Fk is the member index of a foreign<> filter or npos.
template <class T, std::size_t Fk, tags_filter Tags, bool After>
struct page_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    put_select_from<T>(b);
    std::size_t p = 1;
    bool first = true;
    auto and_ = [&] {
      b.put(first ? " WHERE " : " AND ");
      first = false;
    };
    if constexpr (Fk != npos) {
      for (auto ci : columns_of_member<T, Fk>()) {
        and_();
        put_ident(b, M<T>::columns[ci].name);
        b.put(" = $");
        b.put_uint(p++);
      }
    }
    if constexpr (Tags != tags_filter::none) {
      and_();
      put_ident(b, M<T>::member_names[M<T>::tags_member]);
      b.put(Tags == tags_filter::all ? " @> $" : " && $");
      b.put_uint(p++);
    }
    if constexpr (After) {
      and_();
      put_key_tuple(b);
      b.put(" > ");
      if (M<T>::pk_columns.size() > 1) b.put('(');
      for (std::size_t i = 0; i < M<T>::pk_columns.size(); ++i) {
        if (i) b.put(", ");
        b.put('$');
        b.put_uint(p++);
      }
      if (M<T>::pk_columns.size() > 1) b.put(')');
    }
    if (M<T>::has_ttl) {
      and_();
      put_ttl_ok(b);
    }
    b.put(" ORDER BY ");
    for (std::size_t i = 0; i < M<T>::pk_columns.size(); ++i) {
      if (i) b.put(", ");
      put_ident(b, M<T>::columns[M<T>::pk_columns[i]].name);
    }
    b.put(" LIMIT $");
    b.put_uint(p);
  }
  template <class B>
  static constexpr void put_key_tuple(B& b) {
    if (M<T>::pk_columns.size() > 1) b.put('(');
    for (std::size_t i = 0; i < M<T>::pk_columns.size(); ++i) {
      if (i) b.put(", ");
      put_ident(b, M<T>::columns[M<T>::pk_columns[i]].name);
    }
    if (M<T>::pk_columns.size() > 1) b.put(')');
  }
};

template <class T, std::size_t Fk>
constexpr std::size_t fk_param_count() {
  if constexpr (Fk == npos)
    return 0;
  else
    return member_column_count<T, Fk>();
}

template <class T, std::size_t Fk, tags_filter Tags, bool After>
struct page_param_types {
  static constexpr auto value = [] {
    constexpr std::size_t n = fk_param_count<T, Fk>() + (Tags != tags_filter::none ? 1 : 0) +
                              (After ? M<T>::pk_columns.size() : 0) + 1;
    std::array<oid_t, n> out{};
    std::size_t k = 0;
    if constexpr (Fk != npos)
      for (auto ci : columns_of_member<T, Fk>()) out[k++] = M<T>::columns[ci].oid;
    if constexpr (Tags != tags_filter::none) out[k++] = text_array_oid;
    if constexpr (After)
      for (auto ci : M<T>::pk_columns) out[k++] = M<T>::columns[ci].oid;
    out[k++] = int8_oid;
    return out;
  }();
};

// SELECT count(*) FROM t [WHERE <fk> = $.. AND ttl]
template <class T, std::size_t Fk>
struct count_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("SELECT count(*) FROM ");
    put_ident(b, M<T>::table);
    if constexpr (Fk != npos) {
      put_where_columns<B, decltype(columns_of_member<T, Fk>()), T>(b, columns_of_member<T, Fk>(), 1);
    } else if (M<T>::has_ttl) {
      b.put(" WHERE ");
      put_ttl_ok(b);
    }
  }
};

template <class T>
struct truncate_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("TRUNCATE ");
    put_ident(b, M<T>::table);
    b.put(" RESTART IDENTITY CASCADE");
  }
};

// Remaining seconds of a TTL row (NULL: never expires).
template <class T>
struct ttl_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("SELECT FLOOR(EXTRACT(EPOCH FROM (\"ttl\" - now())))::bigint FROM ");
    put_ident(b, M<T>::table);
    put_where_columns<B, decltype(M<T>::pk_columns), T>(b, M<T>::pk_columns, 1);
  }
};

// Deletes at most $1 expired rows (oldest first), skipping rows other sessions hold.
template <class T>
struct purge_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("DELETE FROM ");
    put_ident(b, M<T>::table);
    b.put(" WHERE ");
    page_gen<T, npos, tags_filter::none, false>::put_key_tuple(b);
    b.put(" IN (SELECT ");
    for (std::size_t i = 0; i < M<T>::pk_columns.size(); ++i) {
      if (i) b.put(", ");
      put_ident(b, M<T>::columns[M<T>::pk_columns[i]].name);
    }
    b.put(" FROM ");
    put_ident(b, M<T>::table);
    b.put(" WHERE \"ttl\" < now() ORDER BY \"ttl\" LIMIT $1 FOR UPDATE SKIP LOCKED)");
  }
};

template <class T, bool SkipTtl = false>
struct select_by_cache_key_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    put_select_from<T>(b);
    b.put(" WHERE \"cache_key\" = $1");
    if (M<T>::has_ttl && !SkipTtl) {
      b.put(" AND ");
      put_ttl_ok(b);
    }
  }
};

template <oid_t... Oids>
struct oid_list {
  static constexpr std::array<oid_t, sizeof...(Oids)> value{Oids...};
};

template <class T>
struct create_table_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("CREATE TABLE IF NOT EXISTS ");
    put_ident(b, M<T>::table);
    b.put(" (");
    for (auto& c : M<T>::columns) {
      b.put("\n  ");
      put_ident(b, c.name);
      b.put(' ');
      b.put(c.sql_type);
      if (!c.nullable) b.put(" NOT NULL");
      b.put(',');
    }
    if (M<T>::has_cache_key_column) b.put("\n  \"cache_key\" text NOT NULL,");
    if (M<T>::has_ttl) b.put("\n  \"ttl\" timestamptz,");
    b.put("\n  CONSTRAINT ");
    put_ident(b, constraint_name_v<T, 0, 'p'>);
    b.put(" PRIMARY KEY (");
    bool first = true;
    for (auto ci : M<T>::pk_columns) {
      if (!first) b.put(", ");
      first = false;
      put_ident(b, M<T>::columns[ci].name);
    }
    b.put(')');
    [&]<std::size_t... I>(std::index_sequence<I...>) { (put_member_constraints<I>(b), ...); }(
        std::make_index_sequence<M<T>::member_count>{});
    if (M<T>::has_cache_key_column) {
      b.put(",\n  CONSTRAINT ");
      put_ident(b, text_v<hidden_name_gen<T, 'c'>>.view());
      b.put(" UNIQUE (\"cache_key\")");
    }
    b.put("\n);\n");
    [&]<std::size_t... I>(std::index_sequence<I...>) { (put_member_index<I>(b), ...); }(
        std::make_index_sequence<M<T>::member_count>{});
    if (M<T>::has_ttl) {
      b.put("CREATE INDEX IF NOT EXISTS ");
      put_ident(b, text_v<hidden_name_gen<T, 't'>>.view());
      b.put(" ON ");
      put_ident(b, M<T>::table);
      b.put(" (\"ttl\");\n");
    }
    if constexpr (M<T>::has_tags) {
      b.put("CREATE INDEX IF NOT EXISTS ");
      put_ident(b, constraint_name_v<T, M<T>::tags_member, 'i'>);
      b.put(" ON ");
      put_ident(b, M<T>::table);
      b.put(" USING GIN (");
      put_ident(b, M<T>::member_names[M<T>::tags_member]);
      b.put(");\n");
    }
  }

  template <std::size_t I, class B>
  static constexpr void put_cols(B& b) {
    bool first = true;
    for (auto ci : columns_of_member<T, I>()) {
      if (!first) b.put(", ");
      first = false;
      put_ident(b, M<T>::columns[ci].name);
    }
  }

  template <std::size_t I, class B>
  static constexpr void put_member_constraints(B& b) {
    if (M<T>::unique[I]) {
      b.put(",\n  CONSTRAINT ");
      put_ident(b, constraint_name_v<T, I, 'u'>);
      b.put(" UNIQUE (");
      put_cols<I>(b);
      b.put(')');
    }
    if constexpr (member_is_foreign<T, I>) {
      using P = typename is_foreign<value_type_t<T, I>>::parent;
      b.put(",\n  CONSTRAINT ");
      put_ident(b, constraint_name_v<T, I, 'f'>);
      b.put(" FOREIGN KEY (");
      put_cols<I>(b);
      b.put(") REFERENCES ");
      put_ident(b, M<P>::table);
      b.put(" (");
      bool first = true;
      for (auto ci : M<P>::pk_columns) {
        if (!first) b.put(", ");
        first = false;
        put_ident(b, M<P>::columns[ci].name);
      }
      b.put(") ON DELETE ");
      switch (M<T>::on_delete[I]) {
        case on_delete_action::restrict: b.put("RESTRICT"); break;
        case on_delete_action::cascade: b.put("CASCADE"); break;
        case on_delete_action::set_null: b.put("SET NULL"); break;
      }
    }
  }

  template <std::size_t I, class B>
  static constexpr void put_member_index(B& b) {
    if constexpr (member_is_foreign<T, I>) {
      b.put("CREATE INDEX IF NOT EXISTS ");
      put_ident(b, constraint_name_v<T, I, 'i'>);
      b.put(" ON ");
      put_ident(b, M<T>::table);
      b.put(" (");
      put_cols<I>(b);
      b.put(");\n");
    }
  }
};

// PostgreSQL truncates longer identifiers, and errors could then no longer be mapped to members.
template <class Entity, auto Member, bool Ok = false>
struct constraint_name_too_long {
  static_assert(Ok,
                "typedao::entity: a constraint or index name <table>_<member>_fkey/_key/_idx would exceed "
                "PostgreSQL's 63-byte identifier limit. Shorten the table or member name.");
};

template <class Entity, bool Ok = false>
struct table_constraint_name_too_long {
  static_assert(Ok,
                "typedao::entity: a constraint name <table>_pkey (or <table>_cache_key_key, <table>_ttl_idx) "
                "would exceed PostgreSQL's 63-byte identifier limit. Shorten the table name.");
};

template <class T, std::size_t I>
consteval bool check_member_constraint_names() {
  constexpr bool named = M<T>::unique[I] || member_is_foreign<T, I> || (M<T>::has_tags && I == M<T>::tags_member);
  constexpr std::size_t suffix = member_is_foreign<T, I> ? 5 : 4;  // _fkey; _key, _idx
  if constexpr (named && M<T>::table.size() + 1 + M<T>::member_names[I].size() + suffix > 63) {
    (void)sizeof(constraint_name_too_long<T, member_d<T, I>::pointer>);
    return false;
  } else {
    return true;
  }
}

template <class T>
consteval bool constraint_names_fit() {
  constexpr std::size_t suffix = M<T>::has_cache_key_column ? 14 : M<T>::has_ttl ? 8 : 5;  // _cache_key_key, _ttl_idx, _pkey
  bool ok = true;
  if constexpr (M<T>::table.size() + suffix > 63) {
    (void)sizeof(table_constraint_name_too_long<T>);
    ok = false;
  }
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (true && ... && check_member_constraint_names<T, I>());
  }(std::make_index_sequence<M<T>::member_count>{}) && ok;
}

// Parameter types, in order, for a list of columns.
template <class T, class KeyCols, std::size_t... Is>
struct update_param_types {
  static constexpr auto value = [] {
    constexpr std::size_t n = KeyCols::value.size() + (std::size_t{0} + ... + member_column_count<T, Is>()) +
                              (M<T>::has_ttl ? 1 : 0);
    std::array<oid_t, n> out{};
    std::size_t k = 0;
    for (auto ci : KeyCols::value) out[k++] = M<T>::columns[ci].oid;
    (
        [&] {
          for (auto ci : columns_of_member<T, Is>()) out[k++] = M<T>::columns[ci].oid;
        }(),
        ...);
    if (M<T>::has_ttl) out[k++] = int8_oid;
    return out;
  }();
};

template <class T>
struct insert_param_types {
  static constexpr auto value = [] {
    std::array<oid_t, insert_param_count<T>> out{};
    std::size_t k = 0;
    for (auto& c : M<T>::columns)
      if (c.role != column_role::updated_at) out[k++] = c.oid;
    if (M<T>::has_ttl) out[k++] = int8_oid;
    return out;
  }();
};

template <class T, class KeyCols>
struct key_param_types {
  static constexpr auto value = [] {
    std::array<oid_t, KeyCols::value.size()> out{};
    std::size_t k = 0;
    for (auto ci : KeyCols::value) out[k++] = M<T>::columns[ci].oid;
    return out;
  }();
};

template <class Gen, class Types>
const statement& statement_of() noexcept {
  static const statement s{text_v<Gen>.view(), next_statement_id(), static_cast<int>(Types::value.size()),
                           Types::value.data()};
  return s;
}

}  // namespace detail

/// The SQL typedao runs, for docs, logs and tests. Each function returns compile-time text.
namespace sql {

template <entity T>
constexpr std::string_view insert() {
  return detail::text_v<detail::insert_gen<T>>.view();
}
template <entity T>
constexpr std::string_view select() {
  return detail::text_v<detail::select_gen<T>>.view();
}
template <auto Member, entity T = typename detail::is_member_of_pointer<decltype(Member)>::class_type>
constexpr std::string_view select_by() {
  return detail::text_v<detail::select_by_gen<T, detail::index_of_member<T>(Member)>>.view();
}
template <entity T, auto... Members>
constexpr std::string_view update() {
  static_assert(sizeof...(Members) > 0,
                "typedao::sql::update: nothing to change. Name the members: sql::update<Entity, &Entity::member>().");
  return detail::text_v<detail::update_gen<T, detail::pk_cols<T>, detail::index_of_member<T>(Members)...>>.view();
}
template <auto By, auto... Members>
constexpr std::string_view update_by() {
  static_assert(sizeof...(Members) > 0,
                "typedao::sql::update_by: nothing to change. Name the members: sql::update_by<&Entity::by, "
                "&Entity::member>().");
  using T = typename detail::is_member_of_pointer<decltype(By)>::class_type;
  return detail::text_v<detail::update_gen<T, detail::member_cols<T, detail::index_of_member<T>(By)>,
                                           detail::index_of_member<T>(Members)...>>
      .view();
}
template <entity T>
constexpr std::string_view upsert() {
  return detail::text_v<detail::upsert_gen<T, detail::pk_cols<T>>>.view();
}
template <auto By, entity T = typename detail::is_member_of_pointer<decltype(By)>::class_type>
constexpr std::string_view upsert_by() {
  return detail::text_v<detail::upsert_gen<T, detail::member_cols<T, detail::index_of_member<T>(By)>>>.view();
}
template <entity T>
constexpr std::string_view remove() {
  return detail::text_v<detail::delete_gen<T, detail::pk_cols<T>>>.view();
}
template <auto By, entity T = typename detail::is_member_of_pointer<decltype(By)>::class_type>
constexpr std::string_view remove_by() {
  return detail::text_v<detail::delete_gen<T, detail::member_cols<T, detail::index_of_member<T>(By)>>>.view();
}
/// CREATE TABLE (and one index per foreign key) for one entity.
template <entity T>
constexpr std::string_view create_table() {
  static_assert(detail::checks_run<detail::constraint_names_fit<T>()>);
  return detail::text_v<detail::create_table_gen<T>>.view();
}

/// One page in primary-key order (dao.page() without an offset); LIMIT is size + 1.
template <entity T>
constexpr std::string_view page() {
  return detail::text_v<detail::page_gen<T, detail::npos, detail::tags_filter::none, false>>.view();
}
/// The page after an offset token: the token's key is bound as `(key) > ($..)`.
template <entity T>
constexpr std::string_view page_after() {
  return detail::text_v<detail::page_gen<T, detail::npos, detail::tags_filter::none, true>>.view();
}
/// page() with a tags filter matching all of the tags (`@>`; tags_match::all).
template <entity T>
constexpr std::string_view page_tags_all() {
  static_assert(detail::M<T>::has_tags, "typedao::sql::page_tags_all: the entity has no tags member. Declare "
                                        "std::vector<std::string> tags.");
  return detail::text_v<detail::page_gen<T, detail::npos, detail::tags_filter::all, false>>.view();
}
/// page() with a tags filter matching any of the tags (`&&`; tags_match::any).
template <entity T>
constexpr std::string_view page_tags_any() {
  static_assert(detail::M<T>::has_tags, "typedao::sql::page_tags_any: the entity has no tags member. Declare "
                                        "std::vector<std::string> tags.");
  return detail::text_v<detail::page_gen<T, detail::npos, detail::tags_filter::any, false>>.view();
}
/// dao.page_for<Fk>(): the children of one parent, first page and after an offset token.
template <auto Fk, entity T = typename detail::is_member_of_pointer<decltype(Fk)>::class_type>
constexpr std::string_view page_for() {
  static_assert(detail::member_is_foreign<T, detail::index_of_member<T>(Fk)>,
                "typedao::sql::page_for: the member is not a foreign<> member. Name a typedao::foreign<Parent> member.");
  return detail::text_v<detail::page_gen<T, detail::index_of_member<T>(Fk), detail::tags_filter::none, false>>.view();
}
template <auto Fk, entity T = typename detail::is_member_of_pointer<decltype(Fk)>::class_type>
constexpr std::string_view page_for_after() {
  static_assert(detail::member_is_foreign<T, detail::index_of_member<T>(Fk)>,
                "typedao::sql::page_for_after: the member is not a foreign<> member. Name a typedao::foreign<Parent> "
                "member.");
  return detail::text_v<detail::page_gen<T, detail::index_of_member<T>(Fk), detail::tags_filter::none, true>>.view();
}
template <entity T>
constexpr std::string_view count() {
  return detail::text_v<detail::count_gen<T, detail::npos>>.view();
}
template <auto Fk, entity T = typename detail::is_member_of_pointer<decltype(Fk)>::class_type>
constexpr std::string_view count_for() {
  static_assert(detail::member_is_foreign<T, detail::index_of_member<T>(Fk)>,
                "typedao::sql::count_for: the member is not a foreign<> member. Name a typedao::foreign<Parent> member.");
  return detail::text_v<detail::count_gen<T, detail::index_of_member<T>(Fk)>>.view();
}
template <entity T>
constexpr std::string_view truncate() {
  return detail::text_v<detail::truncate_gen<T>>.view();
}
/// dao.ttl(key): the remaining seconds of a TTL entity's row.
template <entity T>
constexpr std::string_view ttl() {
  static_assert(detail::M<T>::has_ttl, "typedao::sql::ttl: the entity is not TTL-enabled. Declare typedao::with_ttl "
                                       "in TYPEDAO_ENTITY.");
  return detail::text_v<detail::ttl_gen<T>>.view();
}
/// One batch of dao.purge_expired() ($1 = batch size).
template <entity T>
constexpr std::string_view purge_expired() {
  static_assert(detail::M<T>::has_ttl, "typedao::sql::purge_expired: the entity is not TTL-enabled. Declare "
                                       "typedao::with_ttl in TYPEDAO_ENTITY.");
  return detail::text_v<detail::purge_gen<T>>.view();
}
/// dao.select_by_cache_key() of an entity with a composite cache key (the hidden column).
template <entity T>
constexpr std::string_view select_by_cache_key() {
  static_assert(detail::M<T>::has_cache_key_column,
                "typedao::sql::select_by_cache_key: the entity has no composite cache key. Declare "
                "typedao::cache_key(&Entity::a, &Entity::b) in TYPEDAO_ENTITY.");
  return detail::text_v<detail::select_by_cache_key_gen<T>>.view();
}

}  // namespace sql
}  // namespace typedao

#endif
