#ifndef TYPEDAO_SQL_DDL_HPP
#define TYPEDAO_SQL_DDL_HPP

// CREATE TABLE and its indexes for an entity (migrate), with compile-time checks that every
// identifier fits PostgreSQL's 63 bytes.

#include <typedao/sql/dml.hpp>

#include <array>
#include <cstddef>
#include <string_view>

namespace typedao::detail {

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
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (put_member_constraints<I>(b), ...);
    }(std::make_index_sequence<M<T>::member_count>{});
    if (M<T>::has_cache_key_column) {
      b.put(",\n  CONSTRAINT ");
      put_ident(b, text_v<hidden_name_gen<T, 'c'>>.view());
      b.put(" UNIQUE (\"cache_key\")");
    }
    b.put("\n);\n");
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (put_member_index<I>(b), ...);
    }(std::make_index_sequence<M<T>::member_count>{});
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
        case on_delete_action::restrict:
          b.put("RESTRICT");
          break;
        case on_delete_action::cascade:
          b.put("CASCADE");
          break;
        case on_delete_action::set_null:
          b.put("SET NULL");
          break;
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
  static_assert(
      Ok,
      "typedao::entity: a constraint or index name <table>_<member>_fkey/_key/_idx would exceed "
      "PostgreSQL's 63-byte identifier limit. Shorten the table or member name.");
};

template <class Entity, bool Ok = false>
struct table_constraint_name_too_long {
  static_assert(
      Ok,
      "typedao::entity: a constraint name <table>_pkey (or <table>_cache_key_key, <table>_ttl_idx) "
      "would exceed PostgreSQL's 63-byte identifier limit. Shorten the table name.");
};

template <class T, std::size_t I>
consteval bool check_member_constraint_names() {
  constexpr bool named =
      M<T>::unique[I] || member_is_foreign<T, I> || (M<T>::has_tags && I == M<T>::tags_member);
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
  constexpr std::size_t suffix = M<T>::has_cache_key_column ? 14
                                 : M<T>::has_ttl            ? 8
                                                            : 5;  // _cache_key_key, _ttl_idx, _pkey
  bool ok = true;
  if constexpr (M<T>::table.size() + suffix > 63) {
    (void)sizeof(table_constraint_name_too_long<T>);
    ok = false;
  }
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (true && ... && check_member_constraint_names<T, I>());
  }(std::make_index_sequence<M<T>::member_count>{}) &&
         ok;
}

}  // namespace typedao::detail

#endif
