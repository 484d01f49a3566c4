#ifndef TYPEDAO_SCHEMA_MODEL_HPP
#define TYPEDAO_SCHEMA_MODEL_HPP

// The compile-time model of an entity: table, columns, key columns, flags. Every statement and
// every codec call is generated from it.

#include <typedao/schema/checks.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace typedao::detail {

constexpr bool valid_identifier(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (c == '\0') return false;
  return true;
}

template <class T>
constexpr bool has_ttl_decl() {
  bool r = false;
  std::apply(
      [&](const auto&... c) {
        ((r = r || std::is_same_v<std::remove_cvref_t<decltype(c)>, ttl_decl>), ...);
      },
      decl_v<T>.constraints);
  return r;
}

template <class C>
struct cache_key_decl_size : std::integral_constant<std::size_t, 0> {};
template <class... Ms>
struct cache_key_decl_size<cache_key_decl<Ms...>>
    : std::integral_constant<std::size_t, sizeof...(Ms)> {};
template <class Tuple>
struct cache_key_total;
template <class... Cs>
struct cache_key_total<std::tuple<Cs...>>
    : std::integral_constant<std::size_t, (std::size_t{0} + ... + cache_key_decl_size<Cs>::value)> {
};

template <class T, class C, class A>
constexpr void collect_cache_key(const C&, A&, std::size_t&) {}
template <class T, class... Ms, class A>
constexpr void collect_cache_key(const cache_key_decl<Ms...>& d, A& out, std::size_t& k) {
  std::apply([&](auto... m) { ((out[k++] = index_of_member<T>(m)), ...); }, d.members);
}

template <class T>
constexpr auto cache_key_member_indices() {
  using Cs = std::remove_cvref_t<decltype(decl_v<T>.constraints)>;
  std::array<std::size_t, cache_key_total<Cs>::value> out{};
  std::size_t k = 0;
  std::apply([&](const auto&... c) { (collect_cache_key<T>(c, out, k), ...); },
             decl_v<T>.constraints);
  return out;
}

template <class T>
constexpr std::size_t tags_member_index() {
  constexpr std::size_t i = index_of_name<T>("tags");
  if constexpr (i == npos)
    return npos;
  else if constexpr (std::is_same_v<member_type_t<T, i>, std::vector<std::string>>)
    return i;
  else
    return npos;
}

template <class A>
constexpr bool contains_index(const A& a, std::size_t i) {
  for (auto p : a)
    if (p == i) return true;
  return false;
}

template <class T, std::size_t I, std::size_t S>
constexpr column_info make_column() {
  column_info c;
  c.member = I;
  c.sub = S;
  c.nullable = member_is_optional<T, I>;
  c.primary = contains_index(model<T>::pk_member_indices, I);
  if constexpr (member_is_foreign<T, I>) {
    using P = typename is_foreign<value_type_t<T, I>>::parent;
    c.name = text_v<foreign_column_name_gen<T, I, S>>.view();
    const auto& pc = model<P>::columns[model<P>::pk_columns[S]];
    c.oid = pc.oid;
    c.sql_type = pc.sql_type;
  } else {
    using V = value_type_t<T, I>;
    c.name = member_d<T, I>::name;
    if constexpr (has_codec<V>) {
      c.oid = customize::codec<V>::oid;
      c.sql_type = customize::codec<V>::sql_type;
    }
    if constexpr (std::is_same_v<member_type_t<T, I>, timestamp>) {
      if (c.name == "created_at") c.role = column_role::created_at;
      if (c.name == "updated_at") c.role = column_role::updated_at;
    }
  }
  return c;
}

template <class T, std::size_t I>
constexpr auto member_columns() {
  return []<std::size_t... S>(std::index_sequence<S...>) {
    return std::array<column_info, sizeof...(S)>{make_column<T, I, S>()...};
  }(std::make_index_sequence<member_column_count<T, I>()>{});
}

// True once the checks named in its arguments have run; each reports its own error.
template <bool...>
inline constexpr bool checks_run = true;

template <class T, std::size_t I>
constexpr bool check_key_member() {
  if constexpr (I == npos) {
    return true;
  } else if constexpr (member_is_optional<T, I> || member_is_foreign<T, I>) {
    (void)sizeof(primary_key_member_not_plain<T, member_d<T, I>::pointer>);
    return false;
  } else {
    return true;
  }
}

template <class T>
inline constexpr auto pk_members_v = pk_members<T>();

// The key exists and its members are plain. Skipped when a constraint was already reported.
template <class T, bool ConstraintsOk>
constexpr bool check_primary_key() {
  if constexpr (!ConstraintsOk) {
    return false;
  } else {
    if constexpr (pk_members_v<T>[0] == npos) {
      (void)sizeof(entity_without_primary_key<T>);
      return false;
    } else {
      return []<std::size_t... J>(std::index_sequence<J...>) {
        return (check_key_member<T, pk_members_v<T>[J]>() && ...);
      }(std::make_index_sequence<pk_members_v<T>.size()>{});
    }
  }
}

template <class T>
struct model {
  static_assert(
      entity<T>,
      "typedao::entity: this type is not an entity. Describe it with BOOST_DESCRIBE_STRUCT "
      "and declare it with TYPEDAO_ENTITY(Type, \"table\", ...) in the same namespace.");

  using members = members_t<T>;
  static constexpr std::size_t member_count = boost::mp11::mp_size<members>::value;
  static constexpr auto& decl = decl_v<T>;
  static constexpr std::string_view table = decl.table;
  static_assert(valid_identifier(decl.table),
                "typedao::entity: the table name must be 1 to 63 bytes without NUL. Shorten it.");

  // Each check reports its own error, naming the entity and the member (the named checks above).
  static constexpr bool description_ok = check_description<T>();
  static constexpr bool constraints_ok = check_constraints<T>();
  static constexpr bool members_ok = check_members<T>();
  static_assert(checks_run<description_ok, constraints_ok, members_ok>);

  static constexpr bool primary_key_ok = check_primary_key<T, constraints_ok>();
  static_assert(checks_run<primary_key_ok>);

  static constexpr auto pk_member_indices = pk_members_v<T>;

  static constexpr std::array<std::string_view, member_count> member_names =
      []<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<std::string_view, member_count>{
            std::string_view(member_d<T, I>::name)...};
      }(std::make_index_sequence<member_count>{});

  static constexpr std::array<bool, member_count> unique = unique_flags<T, member_count>();
  static constexpr std::array<on_delete_action, member_count> on_delete =
      on_delete_flags<T, member_count>();

  static constexpr std::size_t column_count = []<std::size_t... I>(std::index_sequence<I...>) {
    return (std::size_t{0} + ... + member_column_count<T, I>());
  }(std::make_index_sequence<member_count>{});

  static constexpr std::array<column_info, column_count> columns = [] {
    std::array<column_info, column_count> out{};
    std::size_t k = 0;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            for (auto& c : member_columns<T, I>()) out[k++] = c;
          }(),
          ...);
    }(std::make_index_sequence<member_count>{});
    return out;
  }();

  // First column of each member.
  static constexpr std::array<std::size_t, member_count> member_first_column = [] {
    std::array<std::size_t, member_count> out{};
    for (std::size_t c = column_count; c-- > 0;) out[columns[c].member] = c;
    return out;
  }();

  static constexpr std::size_t pk_column_count = [] {
    std::size_t n = 0;
    for (auto& c : columns) n += c.primary ? 1 : 0;
    return n;
  }();

  // Key columns in the order the key was declared.
  static constexpr std::array<std::size_t, pk_column_count> pk_columns = [] {
    std::array<std::size_t, pk_column_count> out{};
    std::size_t k = 0;
    for (auto m : pk_member_indices)
      for (std::size_t c = 0; c < column_count; ++c)
        if (columns[c].member == m) out[k++] = c;
    return out;
  }();

  static constexpr bool has_created_at = [] {
    for (auto& c : columns)
      if (c.role == column_role::created_at) return true;
    return false;
  }();
  static constexpr bool has_updated_at = [] {
    for (auto& c : columns)
      if (c.role == column_role::updated_at) return true;
    return false;
  }();

  static constexpr bool has_ttl = has_ttl_decl<T>();
  static_assert(!has_ttl || index_of_name<T>("ttl") == npos,
                "typedao::with_ttl: a TTL entity cannot have a member named ttl (the hidden "
                "column). Rename it.");

  static constexpr auto cache_key_members = cache_key_member_indices<T>();
  static constexpr bool has_cache_key_column = cache_key_members.size() > 1;
  static_assert(cache_key_members.size() != 1 ||
                    unique[cache_key_members[0] == npos ? 0 : cache_key_members[0]] ||
                    contains_index(pk_member_indices, cache_key_members[0]),
                "typedao::cache_key: a single cache-key member must be unique. Declare "
                "typedao::unique on it.");
  static_assert(
      !has_cache_key_column || index_of_name<T>("cache_key") == npos,
      "typedao::cache_key: a composite cache key needs the hidden column cache_key; rename the "
      "member named cache_key.");

  // Kong's tags: a member named tags of type std::vector<std::string> (text[], GIN index).
  static constexpr std::size_t tags_member = tags_member_index<T>();
  static constexpr bool has_tags = tags_member != npos;
};

template <class T, std::size_t I>
struct pk_value_type {
  using type = member_type_t<T, model<T>::pk_member_indices[I]>;
};

template <class T>
struct key_type_of {
  static constexpr std::size_t n = model<T>::pk_member_indices.size();
  using type = decltype([]<std::size_t... I>(std::index_sequence<I...>) {
    if constexpr (sizeof...(I) == 1)
      return std::type_identity<typename pk_value_type<T, I>::type...>{};
    else
      return std::type_identity<std::tuple<typename pk_value_type<T, I>::type...>>{};
  }(std::make_index_sequence<n>{}))::type;
};

}  // namespace typedao::detail

#endif
