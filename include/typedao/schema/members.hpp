#ifndef TYPEDAO_SCHEMA_MEMBERS_HPP
#define TYPEDAO_SCHEMA_MEMBERS_HPP

// Member access on a described entity (index, type, name) and the constraints collected from its
// declaration (key members, unique and on_delete flags, columns per member).

#include <typedao/codec.hpp>
#include <typedao/detail/ctext.hpp>
#include <typedao/schema/declare.hpp>
#include <typedao/types.hpp>

#include <array>
#include <boost/mp11/algorithm.hpp>
#include <cstddef>
#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace typedao::detail {

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
struct pk_decl_size<primary_key_decl<Ms...>> : std::integral_constant<std::size_t, sizeof...(Ms)> {
};
template <class Tuple>
struct pk_total;
template <class... Cs>
struct pk_total<std::tuple<Cs...>>
    : std::integral_constant<std::size_t, (std::size_t{0} + ... + pk_decl_size<Cs>::value)> {};

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
  std::apply(
      [&](auto&... c) {
        ((n += is_primary_key_decl<std::remove_cvref_t<decltype(c)>>::value ? 1 : 0), ...);
      },
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
              if constexpr (
                  requires { one.member; } && !requires { one.action; } &&
                  !requires { one.rule; }) {
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

}  // namespace typedao::detail

#endif
