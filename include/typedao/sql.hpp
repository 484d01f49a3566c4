#ifndef TYPEDAO_SQL_HPP
#define TYPEDAO_SQL_HPP

// The SQL layer: statement text for every DAO operation, computed at compile time from the entity
// model (sql/text.hpp: pieces, sql/dml.hpp: one generator per statement, sql/ddl.hpp: tables).
// typedao::sql::<op><Entity ...>() returns the exact text the DAO prepares (also used by docs and
// dry tests).

#include <typedao/sql/ddl.hpp>
#include <typedao/sql/dml.hpp>
#include <typedao/sql/statement.hpp>

#include <string_view>

namespace typedao {
/// The SQL typedao runs, for docs, logs and tests. Each function returns compile-time text.
namespace sql {

template <entity T>
constexpr std::string_view insert() {
  return detail::text_v<detail::insert_gen<T>>.view();
}
template <entity T>
constexpr std::string_view select() {
  return detail::text_v<detail::select_gen<T>>.view();
}
template <auto Member,
          entity T = typename detail::is_member_of_pointer<decltype(Member)>::class_type>
constexpr std::string_view select_by() {
  return detail::text_v<detail::select_by_gen<T, detail::index_of_member<T>(Member)>>.view();
}
template <entity T, auto... Members>
constexpr std::string_view update() {
  static_assert(sizeof...(Members) > 0,
                "typedao::sql::update: nothing to change. Name the members: sql::update<Entity, "
                "&Entity::member>().");
  return detail::text_v<detail::update_gen<T, detail::pk_cols<T>, detail::index_of_member<T>(Members)...>>.view();
}
template <auto By, auto... Members>
constexpr std::string_view update_by() {
  static_assert(
      sizeof...(Members) > 0,
      "typedao::sql::update_by: nothing to change. Name the members: sql::update_by<&Entity::by, "
      "&Entity::member>().");
  using T = typename detail::is_member_of_pointer<decltype(By)>::class_type;
  return detail::text_v<detail::update_gen<T, detail::member_cols<T, detail::index_of_member<T>(By)>,
                                           detail::index_of_member<T>(Members)...>>
      .view();
}
template <entity T>
constexpr std::string_view upsert() {
  return detail::text_v<detail::upsert_gen<T, detail::pk_cols<T>>>.view();
}
template <auto By, entity T = typename detail::is_member_of_pointer<decltype(By)>::class_type>
constexpr std::string_view upsert_by() {
  return detail::text_v<detail::upsert_gen<T, detail::member_cols<T, detail::index_of_member<T>(By)>>>.view();
}
template <entity T>
constexpr std::string_view remove() {
  return detail::text_v<detail::delete_gen<T, detail::pk_cols<T>>>.view();
}
template <auto By, entity T = typename detail::is_member_of_pointer<decltype(By)>::class_type>
constexpr std::string_view remove_by() {
  return detail::text_v<detail::delete_gen<T, detail::member_cols<T, detail::index_of_member<T>(By)>>>.view();
}
/// CREATE TABLE (and one index per foreign key) for one entity.
template <entity T>
constexpr std::string_view create_table() {
  static_assert(detail::checks_run<detail::constraint_names_fit<T>()>);
  return detail::text_v<detail::create_table_gen<T>>.view();
}

/// One page in primary-key order (dao.page() without an offset); LIMIT is size + 1.
template <entity T>
constexpr std::string_view page() {
  return detail::text_v<detail::page_gen<T, detail::npos, detail::tags_filter::none, false>>.view();
}
/// The page after an offset token: the token's key is bound as `(key) > ($..)`.
template <entity T>
constexpr std::string_view page_after() {
  return detail::text_v<detail::page_gen<T, detail::npos, detail::tags_filter::none, true>>.view();
}
/// page() with a tags filter matching all of the tags (`@>`; tags_match::all).
template <entity T>
constexpr std::string_view page_tags_all() {
  static_assert(detail::M<T>::has_tags,
                "typedao::sql::page_tags_all: the entity has no tags member. Declare "
                "std::vector<std::string> tags.");
  return detail::text_v<detail::page_gen<T, detail::npos, detail::tags_filter::all, false>>.view();
}
/// page() with a tags filter matching any of the tags (`&&`; tags_match::any).
template <entity T>
constexpr std::string_view page_tags_any() {
  static_assert(detail::M<T>::has_tags,
                "typedao::sql::page_tags_any: the entity has no tags member. Declare "
                "std::vector<std::string> tags.");
  return detail::text_v<detail::page_gen<T, detail::npos, detail::tags_filter::any, false>>.view();
}
/// dao.page_for<Fk>(): the children of one parent, first page and after an offset token.
template <auto Fk, entity T = typename detail::is_member_of_pointer<decltype(Fk)>::class_type>
constexpr std::string_view page_for() {
  static_assert(detail::member_is_foreign<T, detail::index_of_member<T>(Fk)>,
                "typedao::sql::page_for: the member is not a foreign<> member. Name a "
                "typedao::foreign<Parent> member.");
  return detail::text_v<detail::page_gen<T, detail::index_of_member<T>(Fk), detail::tags_filter::none, false>>.view();
}
template <auto Fk, entity T = typename detail::is_member_of_pointer<decltype(Fk)>::class_type>
constexpr std::string_view page_for_after() {
  static_assert(detail::member_is_foreign<T, detail::index_of_member<T>(Fk)>,
                "typedao::sql::page_for_after: the member is not a foreign<> member. Name a "
                "typedao::foreign<Parent> "
                "member.");
  return detail::text_v<detail::page_gen<T, detail::index_of_member<T>(Fk), detail::tags_filter::none, true>>.view();
}
template <entity T>
constexpr std::string_view count() {
  return detail::text_v<detail::count_gen<T, detail::npos>>.view();
}
template <auto Fk, entity T = typename detail::is_member_of_pointer<decltype(Fk)>::class_type>
constexpr std::string_view count_for() {
  static_assert(detail::member_is_foreign<T, detail::index_of_member<T>(Fk)>,
                "typedao::sql::count_for: the member is not a foreign<> member. Name a "
                "typedao::foreign<Parent> member.");
  return detail::text_v<detail::count_gen<T, detail::index_of_member<T>(Fk)>>.view();
}
template <entity T>
constexpr std::string_view truncate() {
  return detail::text_v<detail::truncate_gen<T>>.view();
}
/// dao.ttl(key): the remaining seconds of a TTL entity's row.
template <entity T>
constexpr std::string_view ttl() {
  static_assert(detail::M<T>::has_ttl,
                "typedao::sql::ttl: the entity is not TTL-enabled. Declare typedao::with_ttl "
                "in TYPEDAO_ENTITY.");
  return detail::text_v<detail::ttl_gen<T>>.view();
}
/// One batch of dao.purge_expired() ($1 = batch size).
template <entity T>
constexpr std::string_view purge_expired() {
  static_assert(detail::M<T>::has_ttl,
                "typedao::sql::purge_expired: the entity is not TTL-enabled. Declare "
                "typedao::with_ttl in TYPEDAO_ENTITY.");
  return detail::text_v<detail::purge_gen<T>>.view();
}
/// dao.select_by_cache_key() of an entity with a composite cache key (the hidden column).
template <entity T>
constexpr std::string_view select_by_cache_key() {
  static_assert(detail::M<T>::has_cache_key_column,
                "typedao::sql::select_by_cache_key: the entity has no composite cache key. Declare "
                "typedao::cache_key(&Entity::a, &Entity::b) in TYPEDAO_ENTITY.");
  return detail::text_v<detail::select_by_cache_key_gen<T>>.view();
}

}  // namespace sql
}  // namespace typedao

#endif
