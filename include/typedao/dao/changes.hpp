#ifndef TYPEDAO_DAO_CHANGES_HPP
#define TYPEDAO_DAO_CHANGES_HPP

// The arguments of update / update_by (typedao::set<&Entity::member>(value)) and the compile-time
// checks of the members the DAO's calls name (unique, settable, registered).

#include <typedao/dao/cascade.hpp>
#include <typedao/entity.hpp>
#include <typedao/options.hpp>

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

namespace typedao {

/// One member's new value in a partial update: typedao::set<&Service::port>(8080).
/// (Owner repeats the entity type: g++ 12 gives templates keyed only on a member pointer external
/// linkage even for entities in an anonymous namespace, which merged same-named entities of
/// different files; a class-type argument keeps them apart.)
template <auto Member,
          class Owner = typename detail::is_member_of_pointer<decltype(Member)>::class_type>
struct set_t {
  using class_type = Owner;
  using member_type = typename detail::is_member_of_pointer<decltype(Member)>::member_type;
  static constexpr auto member = Member;
  member_type value;
};

/// Names a member and its new value for update / update_by. std::nullopt sets a nullable member to
/// NULL.
template <auto Member,
          class Owner = typename detail::is_member_of_pointer<decltype(Member)>::class_type>
set_t<Member, Owner> set(typename set_t<Member, Owner>::member_type value) {
  static_assert(std::is_member_object_pointer_v<decltype(Member)>,
                "typedao::set: the template argument must be a data member pointer. Write "
                "set<&Entity::member>(value).");
  return {std::move(value)};
}

namespace detail {

template <class S>
struct is_set : std::false_type {};
template <auto M, class O>
struct is_set<set_t<M, O>> : std::true_type {};

template <class T, auto Member>
consteval std::size_t checked_member_index() {
  static_assert(
      std::is_same_v<typename is_member_of_pointer<decltype(Member)>::class_type, T>,
      "typedao::dao: the member belongs to another entity. Use a member of this DAO's entity.");
  constexpr std::size_t i = index_of_member<T>(Member);
  static_assert(i != npos,
                "typedao::dao: the member is not listed in BOOST_DESCRIBE_STRUCT. Describe it.");
  return i;
}

template <class T, auto By>
consteval std::size_t unique_member_index() {
  constexpr std::size_t i = checked_member_index<T, By>();
  static_assert(
      model<T>::unique[i] ||
          (model<T>::pk_member_indices.size() == 1 && model<T>::pk_member_indices[0] == i),
      "typedao::dao: *_by needs a unique member. Declare typedao::unique(&Entity::member) in "
      "TYPEDAO_ENTITY.");
  return i;
}

template <class T, class S>
consteval std::size_t settable_member_index() {
  static_assert(is_set<S>::value,
                "typedao::update: changes must be typedao::set<&Entity::member>(value).");
  constexpr std::size_t i = checked_member_index<T, S::member>();
  static_assert(
      !contains_index(model<T>::pk_member_indices, i),
      "typedao::update: a primary key member cannot be changed. Insert a new entity instead.");
  static_assert(model<T>::columns[model<T>::member_first_column[i]].role != column_role::updated_at,
                "typedao::update: updated_at is set by the DAO. Remove it from the changes.");
  return i;
}

template <class T>
using by_value_t = typename detail::unwrap_optional<T>::type;

// The entities a DAO knows about besides its own (for cascade reports).
template <class... Es>
struct registry {};

template <class T, class KeyCols, bool SkipTtl, class Registry>
struct cascade_statement;
template <class T, class KeyCols, bool SkipTtl, class... Es>
struct cascade_statement<T, KeyCols, SkipTtl, registry<Es...>> {
  using type = cascade_delete_gen<T, KeyCols, SkipTtl,
                                  typename descendants<T, registry<Es...>>::list, Es...>;
};

template <class A>
struct is_write_options : std::is_same<A, write_options> {};

template <class T, class... A>
constexpr auto set_member_indices() {
  constexpr std::size_t n = (std::size_t{0} + ... + (is_set<A>::value ? 1 : 0));
  std::array<std::size_t, n> out{};
  std::size_t k = 0;
  (
      [&] {
        if constexpr (is_set<A>::value) out[k++] = settable_member_index<T, A>();
      }(),
      ...);
  return out;
}

}  // namespace detail
}  // namespace typedao

#endif
