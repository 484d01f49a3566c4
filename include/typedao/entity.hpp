#ifndef TYPEDAO_ENTITY_HPP
#define TYPEDAO_ENTITY_HPP

// Entities: a described aggregate plus one TYPEDAO_ENTITY declaration. This header turns both
// into a compile-time model (columns, keys, constraints) that every statement is generated from.

#include <typedao/codec.hpp>
#include <typedao/detail/ctext.hpp>
#include <typedao/types.hpp>

#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <boost/pfr/core.hpp>

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <string>
#include <utility>
#include <vector>

namespace typedao {

/// What the database does to children when their parent is deleted (Kong's on_delete).
enum class on_delete_action { restrict, cascade, set_null };
/// Refuse to delete a parent that still has children (FOREIGN_KEY_VIOLATION). The default.
inline constexpr on_delete_action restrict = on_delete_action::restrict;
/// Delete the children with their parent.
inline constexpr on_delete_action cascade = on_delete_action::cascade;
/// Set the children's foreign key to NULL (the member must be std::optional<foreign<...>>).
inline constexpr on_delete_action set_null = on_delete_action::set_null;

namespace detail {

template <class... Ms>
struct primary_key_decl {
  std::tuple<Ms...> members;
};
template <class M>
struct unique_decl {
  M member;
};
template <class M>
struct on_delete_decl {
  M member;
  on_delete_action action;
};
struct ttl_decl {};
template <class... Ms>
struct cache_key_decl {
  std::tuple<Ms...> members;
};
template <class C>
struct is_primary_key_decl : std::false_type {};
template <class... Ms>
struct is_primary_key_decl<primary_key_decl<Ms...>> : std::true_type {};

template <class T, class... Cs>
struct entity_decl {
  std::string_view table;
  std::tuple<Cs...> constraints;
};

template <class T>
struct is_member_of_pointer : std::false_type {};
template <class M, class C>
struct is_member_of_pointer<M C::*> : std::true_type {
  using class_type = C;
  using member_type = M;
};

template <class... Cs>
inline constexpr bool valid_constraints = true;

struct derive_key {};

}  // namespace detail

/// Declares the primary key when it is not a member named `id`; several members make a composite key.
template <class... Ms>
constexpr detail::primary_key_decl<Ms...> primary_key(Ms... ms) {
  static_assert(sizeof...(Ms) > 0, "typedao::primary_key: name at least one member. Pass &Entity::member.");
  static_assert((std::is_member_object_pointer_v<Ms> && ...),
                "typedao::primary_key: every argument must be a data member pointer. Pass &Entity::member.");
  return {{ms...}};
}

/// Declares a member UNIQUE (enables select_by / update_by / upsert_by / remove_by on it).
template <class M>
constexpr detail::unique_decl<M> unique(M m) {
  static_assert(std::is_member_object_pointer_v<M>,
                "typedao::unique: the argument must be a data member pointer. Pass &Entity::member.");
  return {m};
}

/// Declares the entity TTL-enabled: writes take write_options{.ttl = seconds}; expired rows are
/// invisible to every read at once and purge_expired() deletes them (a hidden "ttl" column).
inline constexpr detail::ttl_decl with_ttl{};

/// Declares the members that identify an entity in a node cache (Kong's cache_key). One member
/// must be unique; several are kept in a hidden UNIQUE "cache_key" column maintained by the DAO.
template <class... Ms>
constexpr detail::cache_key_decl<Ms...> cache_key(Ms... ms) {
  static_assert(sizeof...(Ms) > 0 && sizeof...(Ms) <= 5,
                "typedao::cache_key: name one to five members. Pass &Entity::member, ...");
  static_assert((std::is_member_object_pointer_v<Ms> && ...),
                "typedao::cache_key: every argument must be a data member pointer. Pass &Entity::member.");
  return {{ms...}};
}

/// Declares what deleting the parent does to rows referencing it through this foreign<> member.
template <class M>
constexpr detail::on_delete_decl<M> on_delete(M m, on_delete_action a) {
  static_assert(std::is_member_object_pointer_v<M>,
                "typedao::on_delete: the first argument must be a data member pointer. Pass &Entity::member.");
  return {m, a};
}

namespace detail {
template <class T, class... Cs>
constexpr entity_decl<T, Cs...> make_entity_decl(std::string_view table, Cs... cs) {
  return {table, {cs...}};
}
}  // namespace detail

}  // namespace typedao

/// Declares an entity: its table and constraints. Use it at namespace scope, in the namespace of
/// the struct, after BOOST_DESCRIBE_STRUCT:
///   TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))
#define TYPEDAO_ENTITY(Type, Table, ...)                                                        \
  [[maybe_unused]] constexpr auto typedao_entity_decl(const Type*) {                            \
    return ::typedao::detail::make_entity_decl<Type>(Table __VA_OPT__(, ) __VA_ARGS__);         \
  }

namespace typedao {

/// An entity: a struct described with BOOST_DESCRIBE_STRUCT and declared with TYPEDAO_ENTITY.
template <class T>
concept entity = std::is_class_v<T> && boost::describe::has_describe_members<T>::value && requires {
  { typedao_entity_decl(static_cast<const T*>(nullptr)) };
};

template <class P, class Key = detail::derive_key>
class foreign;

namespace detail {

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

template <class T>
using members_t = boost::describe::describe_members<T, boost::describe::mod_public>;

template <class T, std::size_t I>
using member_d = boost::mp11::mp_at_c<members_t<T>, I>;

template <class T, std::size_t I>
using member_type_t = std::remove_cvref_t<decltype(std::declval<T&>().*member_d<T, I>::pointer)>;

template <class T>
struct is_foreign : std::false_type {};
template <class P, class K>
struct is_foreign<foreign<P, K>> : std::true_type {
  using parent = P;
};

// The member type with std::optional peeled off.
template <class T, std::size_t I>
using value_type_t = unwrap_optional_t<member_type_t<T, I>>;

template <class T, std::size_t I>
inline constexpr bool member_is_foreign = is_foreign<value_type_t<T, I>>::value;

template <class T, std::size_t I>
inline constexpr bool member_is_optional = is_optional<member_type_t<T, I>>::value;

template <class T, class M>
constexpr std::size_t index_of_member(M p) {
  std::size_t r = npos;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          if constexpr (std::is_same_v<std::remove_cv_t<decltype(member_d<T, I>::pointer)>, M>) {
            if (member_d<T, I>::pointer == p) r = I;
          }
        }(),
        ...);
  }(std::make_index_sequence<boost::mp11::mp_size<members_t<T>>::value>{});
  return r;
}

template <class T>
constexpr std::size_t index_of_name(std::string_view n) {
  std::size_t r = npos;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((std::string_view(member_d<T, I>::name) == n ? (r = I, 0) : 0), ...);
  }(std::make_index_sequence<boost::mp11::mp_size<members_t<T>>::value>{});
  return r;
}

template <class T>
inline constexpr auto decl_v = typedao_entity_decl(static_cast<const T*>(nullptr));

enum class column_role { plain, created_at, updated_at };

struct column_info {
  std::string_view name;
  std::size_t member = 0;  // index in the description
  std::size_t sub = 0;     // for foreign members: index in the parent's key columns
  bool nullable = false;
  bool primary = false;
  column_role role = column_role::plain;
  oid_t oid = 0;
  std::string_view sql_type;
};

template <class T>
struct model;

template <class M, class T>
constexpr bool pointer_belongs() {
  return std::is_same_v<typename is_member_of_pointer<M>::class_type, T>;
}

template <class C>
struct pk_decl_size : std::integral_constant<std::size_t, 0> {};
template <class... Ms>
struct pk_decl_size<primary_key_decl<Ms...>> : std::integral_constant<std::size_t, sizeof...(Ms)> {};
template <class Tuple>
struct pk_total;
template <class... Cs>
struct pk_total<std::tuple<Cs...>> : std::integral_constant<std::size_t, (std::size_t{0} + ... + pk_decl_size<Cs>::value)> {};

template <class T, class C, class A>
constexpr void collect_pk(const C&, A&, std::size_t&) {}
template <class T, class... Ms, class A>
constexpr void collect_pk(const primary_key_decl<Ms...>& d, A& out, std::size_t& k) {
  std::apply([&](auto... m) { ((out[k++] = index_of_member<T>(m)), ...); }, d.members);
}

// Primary-key member indices: declared, or the member named "id".
template <class T>
constexpr auto pk_members() {
  using Cs = std::remove_cvref_t<decltype(decl_v<T>.constraints)>;
  constexpr std::size_t declared = pk_total<Cs>::value;
  if constexpr (declared == 0) {
    return std::array<std::size_t, 1>{index_of_name<T>("id")};
  } else {
    std::array<std::size_t, declared> out{};
    std::size_t k = 0;
    std::apply([&](const auto&... c) { (collect_pk<T>(c, out, k), ...); }, decl_v<T>.constraints);
    return out;
  }
}

template <class T>
constexpr std::size_t count_pk_decls() {
  std::size_t n = 0;
  std::apply([&](auto&... c) { ((n += is_primary_key_decl<std::remove_cvref_t<decltype(c)>>::value ? 1 : 0), ...); },
             decl_v<T>.constraints);
  return n;
}

template <class T, std::size_t N>
constexpr std::array<bool, N> unique_flags() {
  std::array<bool, N> out{};
  std::apply(
      [&](auto&... c) {
        (
            [&](auto& one) {
              if constexpr (requires { one.member; } && !requires { one.action; } && !requires { one.rule; }) {
                if constexpr (pointer_belongs<decltype(one.member), T>()) {
                  auto i = index_of_member<T>(one.member);
                  if (i != npos) out[i] = true;
                }
              }
            }(c),
            ...);
      },
      decl_v<T>.constraints);
  return out;
}

template <class T, std::size_t N>
constexpr std::array<on_delete_action, N> on_delete_flags() {
  std::array<on_delete_action, N> out{};
  for (auto& a : out) a = on_delete_action::restrict;
  std::apply(
      [&](auto&... c) {
        (
            [&](auto& one) {
              if constexpr (requires { one.action; }) {
                if constexpr (pointer_belongs<decltype(one.member), T>()) {
                  auto i = index_of_member<T>(one.member);
                  if (i != npos) out[i] = one.action;
                }
              }
            }(c),
            ...);
      },
      decl_v<T>.constraints);
  return out;
}

// Number of columns a member maps to: one, or one per key column of the parent.
template <class T, std::size_t I>
constexpr std::size_t member_column_count() {
  if constexpr (member_is_foreign<T, I>)
    return model<typename is_foreign<value_type_t<T, I>>::parent>::pk_column_count;
  else
    return 1;
}

template <class T, std::size_t I, std::size_t S>
struct foreign_column_name_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    using P = typename is_foreign<value_type_t<T, I>>::parent;
    b.put(std::string_view(member_d<T, I>::name));
    b.put('_');
    b.put(model<P>::columns[model<P>::pk_columns[S]].name);
  }
};

template <class T>
struct pfr_fields_match {
  static constexpr std::size_t described = boost::mp11::mp_size<members_t<T>>::value;
  static constexpr std::size_t actual = boost::pfr::tuple_size_v<T>;
  // First position where the description and the struct disagree (the member left out).
  static constexpr std::size_t first_mismatch = []<std::size_t... I>(std::index_sequence<I...>) {
    std::size_t r = npos;
    ((r == npos && (I >= described ||
                    !std::is_same_v<boost::pfr::tuple_element_t<I, T>, member_type_t<T, (I < described ? I : 0)>>)
          ? (r = I, 0)
          : 0),
     ...);
    return r;
  }(std::make_index_sequence<actual>{});
};

// Named checks, instantiated only when their rule is broken, so that the compiler's "required
// from" / "in instantiation of" lines name the entity and the member (`&Entity::member`). The
// trailing `Ok` keeps the condition out of clang's "due to requirement" line.
template <class Entity, std::size_t Position, class MemberType, bool Ok = false>
struct member_missing_from_describe {
  static_assert(Ok,
                "typedao::entity: a member of the struct is missing from BOOST_DESCRIBE_STRUCT, so it "
                "would never be stored. List every member, in declaration order, in BOOST_DESCRIBE_STRUCT.");
};

template <class Entity, std::size_t Position, class MemberType, bool Ok = false>
struct member_described_twice {
  static_assert(Ok,
                "typedao::entity: BOOST_DESCRIBE_STRUCT lists a member twice (the position is its second "
                "mention), so another member would never be stored. List every member once.");
};

template <class Entity, auto Member, class MemberType, bool Ok = false>
struct unsupported_member_type {
  static_assert(Ok,
                "typedao::entity: the member's type has no codec. Use a supported type (see "
                "docs/entities.md) or specialise typedao::customize::codec for it.");
};

template <class Entity, auto Member, class MemberType, bool Ok = false>
struct enum_member_not_described {
  static_assert(Ok,
                "typedao::entity: the member's type has no codec. Enums are stored by their enumerators' "
                "names: describe the enum with BOOST_DESCRIBE_ENUM(Enum, enumerators...).");
};

template <class Entity, auto Member, class MemberType, bool Ok = false>
struct member_needs_json {
  static_assert(Ok,
                "typedao::entity: the member's type has no codec. Records and std::map<std::string, T> are "
                "stored as jsonb: include <typedao/json.hpp> (CMake target typedao::json) before the entity.");
};

// A type typedao::json would store: a described record or a map with std::string keys.
template <class V>
constexpr bool json_storable_shape() {
  if constexpr (requires {
                  typename V::key_type;
                  typename V::mapped_type;
                }) {
    return std::is_same_v<typename V::key_type, std::string>;
  } else {
    return std::is_class_v<V> && boost::describe::has_describe_members<V>::value;
  }
}

template <class Entity, auto Member, bool Ok = false>
struct constraint_member_of_another_struct {
  static_assert(Ok,
                "typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member of another struct. "
                "Pass &Entity::member of the entity being declared.");
};

template <class Entity, auto Member, bool Ok = false>
struct constraint_member_not_described {
  static_assert(Ok,
                "typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member that is not listed in "
                "BOOST_DESCRIBE_STRUCT. Describe the member.");
};

template <class Entity, auto Member, bool Ok = false>
struct on_delete_member_not_foreign {
  static_assert(Ok,
                "typedao::on_delete: the member is not a foreign<> member. Declare on_delete only for "
                "members of type typedao::foreign<Parent>.");
};

template <class Entity, auto Member, bool Ok = false>
struct set_null_member_not_optional {
  static_assert(Ok,
                "typedao::on_delete: set_null needs a nullable foreign key. Declare the member as "
                "std::optional<typedao::foreign<Parent>>.");
};

template <class Entity, auto Member, bool Ok = false>
struct primary_key_member_not_plain {
  static_assert(Ok,
                "typedao::primary_key: a key member cannot be std::optional or a foreign<> member. "
                "Use a plain member (uuid, integer, string ...).");
};

template <class Entity, bool Ok = false>
struct entity_without_primary_key {
  static_assert(Ok,
                "typedao::entity: no primary key. Add a member named id or declare "
                "typedao::primary_key(&Entity::member, ...) in TYPEDAO_ENTITY.");
};

template <class Entity, bool Ok = false>
struct primary_key_declared_twice {
  static_assert(Ok, "typedao::primary_key: declared twice. Declare it once, listing every key member.");
};

template <class T, std::size_t I>
constexpr bool check_member() {
  using V = value_type_t<T, I>;
  if constexpr (member_is_foreign<T, I>) {
    return true;
  } else if constexpr (!has_codec<V>) {
    constexpr auto member = member_d<T, I>::pointer;
    if constexpr (std::is_enum_v<V>)
      (void)sizeof(enum_member_not_described<T, member, member_type_t<T, I>>);
    else if constexpr (json_storable_shape<V>())
      (void)sizeof(member_needs_json<T, member, member_type_t<T, I>>);
    else
      (void)sizeof(unsupported_member_type<T, member, member_type_t<T, I>>);
    return false;
  } else {
    return true;
  }
}

template <class T>
constexpr bool check_members() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (check_member<T, I>() && ...);
  }(std::make_index_sequence<boost::mp11::mp_size<members_t<T>>::value>{});
}

// Converts to any member type: `T{any_member<0>{}, ..., any_member<N-1>{}}` compiles when T's
// aggregate initialisation takes N initialisers (the idea behind Boost.PFR's field count).
template <std::size_t>
struct any_member {
  // Never runs (the probes are unevaluated), but clang instantiates constructors that call it,
  // so it needs a body.
  template <class U>
  operator U&() const&& noexcept {
    static U* never = nullptr;
    return *never;
  }
};

template <class T, std::size_t... I>
constexpr bool takes_initializers(std::index_sequence<I...>) {
  return requires { T{any_member<I>{}...}; };
}

// The first member listed twice in BOOST_DESCRIBE_STRUCT (its second position), or npos.
template <class T>
constexpr std::size_t first_described_twice() {
  constexpr std::size_t n = boost::mp11::mp_size<members_t<T>>::value;
  constexpr std::array<std::string_view, n> names = []<std::size_t... I>(std::index_sequence<I...>) {
    return std::array<std::string_view, n>{std::string_view(member_d<T, I>::name)...};
  }(std::make_index_sequence<n>{});
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (names[i] == names[j]) return i;
  return npos;
}

// Whether T's aggregate initialisation takes exactly as many initialisers as there are
// described members. Two probes instead of Boost.PFR's search for the count (up to
// sizeof(T) * CHAR_BIT initialisers); PFR runs only for a broken entity, to name the member.
template <class T>
constexpr bool described_count_matches() {
  constexpr std::size_t n = boost::mp11::mp_size<members_t<T>>::value;
  return takes_initializers<T>(std::make_index_sequence<n>{}) &&
         !takes_initializers<T>(std::make_index_sequence<n + 1>{});
}

// The description lists every member of the aggregate T: as many members as T has, none twice.
template <class T>
constexpr bool check_description() {
  if constexpr (constexpr std::size_t twice = first_described_twice<T>(); twice != npos) {
    (void)sizeof(member_described_twice<T, twice, member_type_t<T, twice>>);
    return false;
  } else if constexpr (std::is_aggregate_v<T> && !described_count_matches<T>()) {
    using F = pfr_fields_match<T>;
    if constexpr (F::first_mismatch != npos) {
      (void)sizeof(member_missing_from_describe<T, F::first_mismatch,
                                                boost::pfr::tuple_element_t<F::first_mismatch, T>>);
      return false;
    }
  }
  return true;
}

// One member pointer named in TYPEDAO_ENTITY: it must be a described member of T.
template <class T, auto Member>
constexpr bool check_constraint_member() {
  if constexpr (!pointer_belongs<decltype(Member), T>()) {
    (void)sizeof(constraint_member_of_another_struct<T, Member>);
    return false;
  } else if constexpr (index_of_member<T>(Member) == npos) {
    (void)sizeof(constraint_member_not_described<T, Member>);
    return false;
  } else {
    return true;
  }
}

template <class T, auto Member, on_delete_action Action>
constexpr bool check_on_delete() {
  constexpr std::size_t i = index_of_member<T>(Member);
  if constexpr (!member_is_foreign<T, i>) {
    (void)sizeof(on_delete_member_not_foreign<T, Member>);
    return false;
  } else if constexpr (Action == on_delete_action::set_null && !member_is_optional<T, i>) {
    (void)sizeof(set_null_member_not_optional<T, Member>);
    return false;
  } else {
    return true;
  }
}

// Constraint K of T's declaration, each member pointer passed on as a template argument.
template <class T, std::size_t K>
constexpr bool check_constraint() {
  using C = std::remove_cvref_t<decltype(std::get<K>(decl_v<T>.constraints))>;
  if constexpr (requires(const C& c) { c.members; }) {  // primary_key, cache_key, entity rules
    return []<std::size_t... J>(std::index_sequence<J...>) {
      return (check_constraint_member<T, std::get<J>(std::get<K>(decl_v<T>.constraints).members)>() && ...);
    }(std::make_index_sequence<std::tuple_size_v<decltype(C::members)>>{});
  } else if constexpr (requires(const C& c) { c.member; }) {  // unique, on_delete, field rules
    constexpr auto m = std::get<K>(decl_v<T>.constraints).member;
    if constexpr (!check_constraint_member<T, m>())
      return false;
    else if constexpr (requires(const C& c) { c.action; })
      return check_on_delete<T, m, std::get<K>(decl_v<T>.constraints).action>();
    else
      return true;
  } else {
    return true;
  }
}

template <class T>
constexpr bool check_constraints() {
  using Cs = std::remove_cvref_t<decltype(decl_v<T>.constraints)>;
  bool ok = []<std::size_t... K>(std::index_sequence<K...>) {
    return (true && ... && check_constraint<T, K>());
  }(std::make_index_sequence<std::tuple_size_v<Cs>>{});
  if constexpr (count_pk_decls<T>() > 1) {
    (void)sizeof(primary_key_declared_twice<T>);
    ok = false;
  }
  return ok;
}

constexpr bool valid_identifier(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s)
    if (c == '\0') return false;
  return true;
}

template <class T>
constexpr bool has_ttl_decl() {
  bool r = false;
  std::apply([&](const auto&... c) { ((r = r || std::is_same_v<std::remove_cvref_t<decltype(c)>, ttl_decl>), ...); },
             decl_v<T>.constraints);
  return r;
}

template <class C>
struct cache_key_decl_size : std::integral_constant<std::size_t, 0> {};
template <class... Ms>
struct cache_key_decl_size<cache_key_decl<Ms...>> : std::integral_constant<std::size_t, sizeof...(Ms)> {};
template <class Tuple>
struct cache_key_total;
template <class... Cs>
struct cache_key_total<std::tuple<Cs...>>
    : std::integral_constant<std::size_t, (std::size_t{0} + ... + cache_key_decl_size<Cs>::value)> {};

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
  std::apply([&](const auto&... c) { (collect_cache_key<T>(c, out, k), ...); }, decl_v<T>.constraints);
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
  static_assert(entity<T>,
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
        return std::array<std::string_view, member_count>{std::string_view(member_d<T, I>::name)...};
      }(std::make_index_sequence<member_count>{});

  static constexpr std::array<bool, member_count> unique = unique_flags<T, member_count>();
  static constexpr std::array<on_delete_action, member_count> on_delete = on_delete_flags<T, member_count>();

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
                "typedao::with_ttl: a TTL entity cannot have a member named ttl (the hidden column). Rename it.");

  static constexpr auto cache_key_members = cache_key_member_indices<T>();
  static constexpr bool has_cache_key_column = cache_key_members.size() > 1;
  static_assert(cache_key_members.size() != 1 || unique[cache_key_members[0] == npos ? 0 : cache_key_members[0]] ||
                    contains_index(pk_member_indices, cache_key_members[0]),
                "typedao::cache_key: a single cache-key member must be unique. Declare typedao::unique on it.");
  static_assert(!has_cache_key_column || index_of_name<T>("cache_key") == npos,
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

}  // namespace detail

/// The primary key of an entity: the key member's type, or a std::tuple for a composite key.
template <entity T>
using key_t = typename detail::key_type_of<T>::type;

/// The primary key of an entity value.
template <entity T>
key_t<T> key_of(const T& e) {
  using M = detail::model<T>;
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    if constexpr (sizeof...(I) == 1)
      return ((e.*detail::member_d<T, M::pk_member_indices[I]>::pointer), ...);
    else
      return key_t<T>{e.*detail::member_d<T, M::pk_member_indices[I]>::pointer...};
  }(std::make_index_sequence<M::pk_member_indices.size()>{});
}

/// A reference to a parent entity, stored as `<member>_<key column>` columns holding the parent's
/// primary key. Converts implicitly from the parent entity or its key.
template <class P, class Key>
class foreign {
  static_assert(entity<P>,
                "typedao::foreign: the referenced type is not a declared entity (or not declared yet: "
                "a parent must be described and declared with TYPEDAO_ENTITY before its children, "
                "which also rules out cycles of foreign keys). Declare the parent first.");

 public:
  using parent_type = P;
  // Not key_t<P> directly: for a non-entity P the static_assert above is the one error reported.
  using key_type = typename std::conditional_t<entity<P>, detail::key_type_of<P>,
                                               std::type_identity<detail::derive_key>>::type;
  static_assert(std::is_same_v<Key, detail::derive_key> || std::is_same_v<Key, key_type>,
                "typedao::foreign: the key type does not match the primary key of the referenced "
                "entity. Use foreign<Parent> or the parent's exact key type.");

  foreign() = default;
  foreign(const P& parent) : key_(key_of(parent)) {}  // NOLINT: implicit by design
  foreign(key_type k) : key_(std::move(k)) {}          // NOLINT: implicit by design

  const key_type& key() const noexcept { return key_; }
  key_type& key() noexcept { return key_; }

  friend bool operator==(const foreign& a, const foreign& b) { return a.key_ == b.key_; }

 private:
  key_type key_{};
};

}  // namespace typedao

#endif
