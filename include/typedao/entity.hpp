#ifndef TYPEDAO_ENTITY_HPP
#define TYPEDAO_ENTITY_HPP

// Entities: a described aggregate plus one TYPEDAO_ENTITY declaration (schema/declare.hpp),
// turned into a compile-time model (schema/model.hpp) that every statement is generated from.
// This header adds the public names on top of the model: key_t, key_of and foreign<>.

#include <typedao/schema/declare.hpp>
#include <typedao/schema/model.hpp>

#include <tuple>
#include <type_traits>
#include <utility>

namespace typedao {
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
  static_assert(
      entity<P>,
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
  foreign(key_type k) : key_(std::move(k)) {}         // NOLINT: implicit by design

  const key_type& key() const noexcept { return key_; }
  key_type& key() noexcept { return key_; }

  friend bool operator==(const foreign& a, const foreign& b) { return a.key_ == b.key_; }

 private:
  key_type key_{};
};

}  // namespace typedao

#endif
