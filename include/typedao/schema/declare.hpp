#ifndef TYPEDAO_SCHEMA_DECLARE_HPP
#define TYPEDAO_SCHEMA_DECLARE_HPP

// What a user writes to declare an entity: TYPEDAO_ENTITY(Type, "table", constraints...), the
// constraint helpers (primary_key, unique, with_ttl, cache_key, on_delete) and the entity concept.

#include <boost/describe/class.hpp>
#include <boost/describe/members.hpp>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>

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

/// Declares the primary key when it is not a member named `id`; several members make a composite
/// key.
template <class... Ms>
constexpr detail::primary_key_decl<Ms...> primary_key(Ms... ms) {
  static_assert(sizeof...(Ms) > 0,
                "typedao::primary_key: name at least one member. Pass &Entity::member.");
  static_assert(
      (std::is_member_object_pointer_v<Ms> && ...),
      "typedao::primary_key: every argument must be a data member pointer. Pass &Entity::member.");
  return {{ms...}};
}

/// Declares a member UNIQUE (enables select_by / update_by / upsert_by / remove_by on it).
template <class M>
constexpr detail::unique_decl<M> unique(M m) {
  static_assert(
      std::is_member_object_pointer_v<M>,
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
  static_assert(
      (std::is_member_object_pointer_v<Ms> && ...),
      "typedao::cache_key: every argument must be a data member pointer. Pass &Entity::member.");
  return {{ms...}};
}

/// Declares what deleting the parent does to rows referencing it through this foreign<> member.
template <class M>
constexpr detail::on_delete_decl<M> on_delete(M m, on_delete_action a) {
  static_assert(std::is_member_object_pointer_v<M>,
                "typedao::on_delete: the first argument must be a data member pointer. Pass "
                "&Entity::member.");
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
#define TYPEDAO_ENTITY(Type, Table, ...)                                                \
  [[maybe_unused]] constexpr auto typedao_entity_decl(const Type*) {                    \
    return ::typedao::detail::make_entity_decl<Type>(Table __VA_OPT__(, ) __VA_ARGS__); \
  }

namespace typedao {

/// An entity: a struct described with BOOST_DESCRIBE_STRUCT and declared with TYPEDAO_ENTITY.
template <class T>
concept entity = std::is_class_v<T> && boost::describe::has_describe_members<T>::value && requires {
  { typedao_entity_decl(static_cast<const T*>(nullptr)) };
};

template <class P, class Key = detail::derive_key>
class foreign;

}  // namespace typedao

#endif
