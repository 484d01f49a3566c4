#ifndef TYPEDAO_DAO_CASCADE_HPP
#define TYPEDAO_DAO_CASCADE_HPP

// Deleting with a report of what ON DELETE CASCADE removed, in one statement:
//
//   WITH "d" AS (DELETE FROM <t> WHERE <key> RETURNING <key>)
//   SELECT 0 AS "e", <D0 key>, NULL::<D1 key type>... FROM <D0> WHERE (<fk>) IN (<keys of its
//   parent>) UNION ALL SELECT 1, NULL..., <D1 key> FROM <D1> WHERE ...
//
// Every SELECT of a statement sees the snapshot taken before the DELETE ran, so the descendants
// are still visible to it while the database removes them. Descendants are the registered
// entities reachable through foreign keys declared on_delete cascade (several levels deep).

#include <typedao/dao/rows.hpp>
#include <typedao/entity.hpp>
#include <typedao/sql.hpp>

#include <boost/mp11/algorithm.hpp>

#include <tuple>
#include <type_traits>
#include <vector>

namespace typedao {

/// What a remove deleted besides the row itself: the keys of every descendant that the
/// database removed through on_delete cascade, per entity (for cache invalidation).
template <class... Ds>
struct removed {
  std::tuple<std::vector<key_t<Ds>>...> cascaded;

  /// Keys of the removed descendants of one entity type.
  template <class E>
  const std::vector<key_t<E>>& of() const noexcept {
    static_assert(
        (std::is_same_v<E, Ds> || ...),
        "typedao::removed::of: the entity is not a cascade descendant of the removed entity. Ask "
        "for an entity whose foreign key has on_delete cascade.");
    return std::get<boost::mp11::mp_find<boost::mp11::mp_list<Ds...>, E>::value>(cascaded);
  }
  /// Number of descendants removed.
  std::size_t cascaded_count() const noexcept {
    return std::apply([](const auto&... v) { return (std::size_t{0} + ... + v.size()); }, cascaded);
  }
};

namespace detail {

template <class... Es>
struct registry;

template <class K>
constexpr std::size_t key_width() {
  if constexpr (is_tuple<K>::value)
    return std::tuple_size_v<K>;
  else
    return 1;
}

// Does E reach T through foreign keys declared on_delete cascade (via registered entities)?
template <class T, class E, class... Es>
constexpr bool cascades_from();

template <class T, class E, std::size_t I, class... Es>
constexpr bool member_cascades_from() {
  if constexpr (!member_is_foreign<E, I>) {
    return false;
  } else {
    using P = typename is_foreign<value_type_t<E, I>>::parent;
    if (model<E>::on_delete[I] != on_delete_action::cascade) return false;
    if constexpr (std::is_same_v<P, T>)
      return true;
    else if constexpr (std::is_same_v<P, E>)
      return false;
    else
      return cascades_from<T, P, Es...>();
  }
}

template <class T, class E, class... Es>
constexpr bool cascades_from() {
  if constexpr (std::is_same_v<T, E>) {
    return false;
  } else {
    return []<std::size_t... I>(std::index_sequence<I...>) {
      return (member_cascades_from<T, E, I, Es...>() || ...);
    }(std::make_index_sequence<model<E>::member_count>{});
  }
}

template <class T, class Registry>
struct descendants;
template <class T, class... Es>
struct descendants<T, registry<Es...>> {
  template <class E>
  using is_desc = std::bool_constant<cascades_from<T, E, Es...>()>;
  using list = boost::mp11::mp_copy_if<boost::mp11::mp_list<Es...>, is_desc>;
  using removed_type = boost::mp11::mp_rename<list, removed>;
  static constexpr std::size_t count = boost::mp11::mp_size<list>::value;
};

template <class E, class B>
constexpr void put_key_columns(B& b) {
  for (std::size_t i = 0; i < model<E>::pk_columns.size(); ++i) {
    if (i) b.put(", ");
    put_ident(b, model<E>::columns[model<E>::pk_columns[i]].name);
  }
}

// SELECT <key of E> FROM E WHERE (<fk>) IN (<keys of parent>) OR ... ; for T itself: FROM "d".
template <class T, class E, class... Es>
struct keys_sub {
  template <class B>
  static constexpr void put(B& b) {
    b.put("SELECT ");
    put_key_columns<E>(b);
    if constexpr (std::is_same_v<E, T>) {
      b.put(" FROM \"d\"");
    } else {
      b.put(" FROM ");
      put_ident(b, model<E>::table);
      b.put(" WHERE ");
      bool first = true;
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        (put_edge<I>(b, first), ...);
      }(std::make_index_sequence<model<E>::member_count>{});
    }
  }
  template <std::size_t I, class B>
  static constexpr void put_edge(B& b, bool& first) {
    if constexpr (member_is_foreign<E, I>) {
      using P = typename is_foreign<value_type_t<E, I>>::parent;
      if constexpr (std::is_same_v<P, T> || cascades_from<T, P, Es...>()) {
        if (model<E>::on_delete[I] != on_delete_action::cascade) return;
        if (!first) b.put(" OR ");
        first = false;
        b.put('(');
        bool f = true;
        for (auto ci : columns_of_member<E, I>()) {
          if (!f) b.put(", ");
          f = false;
          put_ident(b, model<E>::columns[ci].name);
        }
        b.put(") IN (");
        keys_sub<T, P, Es...>::put(b);
        b.put(')');
      }
    }
  }
};

template <class T, class KeyCols, bool SkipTtl, class DList, class... Es>
struct cascade_delete_gen;
template <class T, class KeyCols, bool SkipTtl, class... Ds, class... Es>
struct cascade_delete_gen<T, KeyCols, SkipTtl, boost::mp11::mp_list<Ds...>, Es...> {
  template <class B>
  constexpr void operator()(B& b) const {
    b.put("WITH \"d\" AS (");
    delete_gen<T, KeyCols, SkipTtl>{}(b);
    b.put(" RETURNING ");
    put_key_columns<T>(b);
    b.put(")");
    std::size_t j = 0;
    (put_select<Ds>(b, j++), ...);
  }
  template <class D, class B>
  static constexpr void put_select(B& b, std::size_t j) {
    b.put(j == 0 ? " SELECT " : " UNION ALL SELECT ");
    b.put_uint(j);
    b.put(" AS \"e\"");
    std::size_t k = 0;
    (put_slot<Ds, D>(b, k++), ...);
    b.put(" FROM (");
    keys_sub<T, D, Es...>::put(b);
    b.put(") AS \"x");
    b.put_uint(j);
    b.put('"');
  }
  // The key columns of Slot: real for the entity this SELECT reports, typed NULLs otherwise.
  template <class Slot, class D, class B>
  static constexpr void put_slot(B& b, std::size_t k) {
    for (std::size_t i = 0; i < model<Slot>::pk_columns.size(); ++i) {
      const auto& c = model<Slot>::columns[model<Slot>::pk_columns[i]];
      b.put(", ");
      if constexpr (std::is_same_v<Slot, D>) {
        put_ident(b, c.name);
      } else {
        b.put("NULL::");
        b.put(c.sql_type);
      }
      b.put(" AS \"k");
      b.put_uint(k);
      b.put('_');
      b.put_uint(i);
      b.put('"');
    }
  }
};

}  // namespace detail
}  // namespace typedao

#endif
