#ifndef TYPEDAO_SCHEMA_CHECKS_HPP
#define TYPEDAO_SCHEMA_CHECKS_HPP

// Compile-time checks of an entity's description and declaration. Each broken rule instantiates a
// named check, so the compiler's message names the entity and the member.

#include <typedao/schema/members.hpp>

#include <boost/pfr/core.hpp>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace typedao::detail {

template <class T>
struct pfr_fields_match {
  static constexpr std::size_t described = boost::mp11::mp_size<members_t<T>>::value;
  static constexpr std::size_t actual = boost::pfr::tuple_size_v<T>;
  // First position where the description and the struct disagree (the member left out).
  static constexpr std::size_t first_mismatch = []<std::size_t... I>(std::index_sequence<I...>) {
    std::size_t r = npos;
    ((r == npos && (I >= described || !std::is_same_v<boost::pfr::tuple_element_t<I, T>,
                                                      member_type_t<T, (I < described ? I : 0)>>)
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
  static_assert(
      Ok,
      "typedao::entity: a member of the struct is missing from BOOST_DESCRIBE_STRUCT, so it "
      "would never be stored. List every member, in declaration order, in BOOST_DESCRIBE_STRUCT.");
};

template <class Entity, std::size_t Position, class MemberType, bool Ok = false>
struct member_described_twice {
  static_assert(
      Ok,
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
  static_assert(
      Ok,
      "typedao::entity: the member's type has no codec. Enums are stored by their enumerators' "
      "names: describe the enum with BOOST_DESCRIBE_ENUM(Enum, enumerators...).");
};

template <class Entity, auto Member, class MemberType, bool Ok = false>
struct member_needs_json {
  static_assert(
      Ok,
      "typedao::entity: the member's type has no codec. Records and std::map<std::string, T> are "
      "stored as jsonb: include <typedao/json.hpp> (CMake target typedao::json) before the "
      "entity.");
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
  static_assert(
      Ok,
      "typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member of another struct. "
      "Pass &Entity::member of the entity being declared.");
};

template <class Entity, auto Member, bool Ok = false>
struct constraint_member_not_described {
  static_assert(Ok,
                "typedao::entity: a constraint or rule in TYPEDAO_ENTITY names a member that is "
                "not listed in "
                "BOOST_DESCRIBE_STRUCT. Describe the member.");
};

template <class Entity, auto Member, bool Ok = false>
struct on_delete_member_not_foreign {
  static_assert(
      Ok,
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
  static_assert(Ok,
                "typedao::primary_key: declared twice. Declare it once, listing every key member.");
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
  constexpr std::array<std::string_view, n> names =
      []<std::size_t... I>(std::index_sequence<I...>) {
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
      return (
          check_constraint_member<T, std::get<J>(std::get<K>(decl_v<T>.constraints).members)>() &&
          ...);
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

}  // namespace typedao::detail

#endif
