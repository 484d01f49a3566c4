#ifndef TYPEDAO_SQL_DML_HPP
#define TYPEDAO_SQL_DML_HPP

// The statement of every DAO operation: one generator per kind of statement (its text is
// text_v<Gen>), its parameter types, and the deterministic constraint names errors map back from.

#include <typedao/sql/text.hpp>

#include <array>
#include <cstddef>
#include <string_view>

namespace typedao::detail {

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
    put_where_columns<B, decltype(columns_of_member<T, U>()), T>(b, columns_of_member<T, U>(), 1,
                                                                 SkipTtl);
  }
};

// Partial update of members Is... located by key columns KeyCols (the primary key or one unique
// member).
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
  static constexpr std::size_t member = U;
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
inline constexpr std::string_view constraint_name_v =
    text_v<constraint_name_gen<T, I, Kind>>.view();

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
      put_where_columns<B, decltype(columns_of_member<T, Fk>()), T>(b, columns_of_member<T, Fk>(),
                                                                    1);
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

// Deletes at most $1 expired rows (oldest first), skipping rows other sessions hold (Locked;
// else without row locks, for engines that refuse them: dialect::citus).
template <class T, bool Locked = true>
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
    b.put(" WHERE \"ttl\" < now() ORDER BY \"ttl\" LIMIT $1");
    b.put(Locked ? " FOR UPDATE SKIP LOCKED)" : ")");
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

// Parameter types, in order, for a list of columns.
template <class T, class KeyCols, std::size_t... Is>
struct update_param_types {
  static constexpr auto value = [] {
    constexpr std::size_t n = KeyCols::value.size() +
                              (std::size_t{0} + ... + member_column_count<T, Is>()) +
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

// A statement and its counters, listed for statement_metrics() once both exist.
struct statement_slot {
  statement s;
  statement_counters c;
  statement_slot(std::string_view text, int n, const oid_t* types, const char* name) noexcept
#ifdef TYPEDAO_NO_STATEMENT_METRICS
      : s{text, next_statement_id(), n, types, name, nullptr} {
#else
      : s{text, next_statement_id(), n, types, name, &c} {
#endif
            s.read_only = read_only_text(text);
  register_statement(c, s);
}
};  // namespace typedao::detail

template <class Gen, class Types>
const statement& statement_of() noexcept {
  static constexpr auto name =
      statement_name_of(text_v<Gen>.view(), Types::value.data(), Types::value.size());
  static statement_slot slot(text_v<Gen>.view(), static_cast<int>(Types::value.size()),
                             Types::value.data(), name.text);
  return slot.s;
}

}  // namespace typedao::detail

#endif
