#ifndef TYPEDAO_CODEC_TRAITS_HPP
#define TYPEDAO_CODEC_TRAITS_HPP

// The smallest vocabulary of the codec layer: type oids and std::optional unwrapping.

#include <optional>
#include <type_traits>

namespace typedao {

/// A PostgreSQL type oid (libpq's Oid).
using oid_t = unsigned int;

namespace detail {

// std::optional<T> members are nullable columns of codec<T>; the DAO unwraps them itself.
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
inline constexpr bool is_optional_v = is_optional<T>::value;

template <class T>
struct unwrap_optional {
  using type = T;
};
template <class T>
struct unwrap_optional<std::optional<T>> {
  using type = T;
};
template <class T>
using unwrap_optional_t = typename unwrap_optional<T>::type;

}  // namespace detail
}  // namespace typedao

#endif
