#ifndef TYPEDAO_DAO_HPP
#define TYPEDAO_DAO_HPP

// typedao::dao<T, C>: Kong's DAO for one entity. validate -> bind -> execute one prepared
// statement -> decode the row or map the SQLSTATE and constraint name to a typed error.

#include <typedao/connector.hpp>
#include <typedao/detail/cascade.hpp>
#include <typedao/detail/error_map.hpp>
#include <typedao/detail/offset_token.hpp>
#include <typedao/detail/row_codec.hpp>
#include <typedao/detail/validate.hpp>
#include <typedao/options.hpp>
#include <typedao/entity.hpp>
#include <typedao/error.hpp>
#include <typedao/sql.hpp>

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typedao {

/// One member's new value in a partial update: typedao::set<&Service::port>(8080).
/// (Owner repeats the entity type: g++ 12 gives templates keyed only on a member pointer external
/// linkage even for entities in an anonymous namespace, which merged same-named entities of
/// different files; a class-type argument keeps them apart.)
template <auto Member, class Owner = typename detail::is_member_of_pointer<decltype(Member)>::class_type>
struct set_t {
  using class_type = Owner;
  using member_type = typename detail::is_member_of_pointer<decltype(Member)>::member_type;
  static constexpr auto member = Member;
  member_type value;
};

/// Names a member and its new value for update / update_by. std::nullopt sets a nullable member to NULL.
template <auto Member, class Owner = typename detail::is_member_of_pointer<decltype(Member)>::class_type>
set_t<Member, Owner> set(typename set_t<Member, Owner>::member_type value) {
  static_assert(std::is_member_object_pointer_v<decltype(Member)>,
                "typedao::set: the template argument must be a data member pointer. Write set<&Entity::member>(value).");
  return {std::move(value)};
}

namespace detail {

template <class S>
struct is_set : std::false_type {};
template <auto M, class O>
struct is_set<set_t<M, O>> : std::true_type {};

template <class T, auto Member>
consteval std::size_t checked_member_index() {
  static_assert(std::is_same_v<typename is_member_of_pointer<decltype(Member)>::class_type, T>,
                "typedao::dao: the member belongs to another entity. Use a member of this DAO's entity.");
  constexpr std::size_t i = index_of_member<T>(Member);
  static_assert(i != npos, "typedao::dao: the member is not listed in BOOST_DESCRIBE_STRUCT. Describe it.");
  return i;
}

template <class T, auto By>
consteval std::size_t unique_member_index() {
  constexpr std::size_t i = checked_member_index<T, By>();
  static_assert(model<T>::unique[i] || (model<T>::pk_member_indices.size() == 1 && model<T>::pk_member_indices[0] == i),
                "typedao::dao: *_by needs a unique member. Declare typedao::unique(&Entity::member) in "
                "TYPEDAO_ENTITY.");
  return i;
}

template <class T, class S>
consteval std::size_t settable_member_index() {
  static_assert(is_set<S>::value, "typedao::update: changes must be typedao::set<&Entity::member>(value).");
  constexpr std::size_t i = checked_member_index<T, S::member>();
  static_assert(!contains_index(model<T>::pk_member_indices, i),
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
  using type = cascade_delete_gen<T, KeyCols, SkipTtl, typename descendants<T, registry<Es...>>::list, Es...>;
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

/// One page of rows and the offset of the next page (none on the last page).
template <class T>
struct page {
  std::vector<T> rows;
  std::optional<std::string> offset;
};

template <entity T, connector C, class Registry>
class each_range;

/// The DAO for one entity on one connection (cheap to copy: a pointer).
template <entity T, connector C, class Registry = detail::registry<T>>
class dao {
  using M = detail::model<T>;
  using rows_t = typename C::rows_type;
  // Evaluating the rules' checks is what reports a misuse (each names the entity, the member and
  // the rule). This assertion itself never fails: a failing one would make clang treat the whole
  // class as broken and add errors such as "no member named 'insert'".
  static_assert(detail::rules_checked<T> || true);
  friend class each_range<T, C, Registry>;

 public:
  using entity_type = T;
  using key_type = key_t<T>;
  template <auto By>
  using by_type = detail::by_value_t<typename detail::is_member_of_pointer<decltype(By)>::member_type>;

  explicit dao(C& c) noexcept : conn_(&c) {}

  /// INSERT ... RETURNING: the stored entity (generated uuid key, timestamps, defaults).
  result<T> insert(const T& e, const write_options& o = {}) {
    if (auto oe = write_option_problems(o)) return std::move(*oe);
    if (auto errs = entity_problems(e); !errs.empty()) return detail::schema_violation_of<T>(std::move(errs));
    constexpr std::size_t N = detail::insert_param_count<T>;
    detail::param_set<N> ps;
    uuid generated[M::pk_columns.size() ? M::pk_columns.size() : 1];
    std::size_t k = encode_entity(
        e, ps, [&](auto I, auto& emit) { return emit_with_generated_key<decltype(I)>(e, generated, emit); });
    encode_ttl(ps, k, o);
    ps.finish();
    auto& st = detail::statement_of<detail::insert_gen<T>, detail::insert_param_types<T>>();
    auto r = run(st, ps);
    if (!r) return map_error(std::move(r).error(), [&](std::size_t i) { return render_member(e, i); });
    return one_row(*r, [] { return detail::no_row_error("INSERT"); });
  }

  /// SELECT by primary key: the entity, or an empty optional when there is none (not an error).
  result<std::optional<T>> select(const key_type& k, const read_options& o = {}) {
    if (auto errs = detail::key_problems<T>(k); !errs.empty()) return detail::invalid_primary_key(std::move(errs));
    detail::param_set<M::pk_columns.size()> ps;
    std::size_t p = 0;
    detail::encode_value(k, ps, p);
    ps.finish();
    using Types = detail::key_param_types<T, detail::pk_cols<T>>;
    auto& st = M::has_ttl && o.skip_ttl ? detail::statement_of<detail::select_gen<T, true>, Types>()
                                        : detail::statement_of<detail::select_gen<T>, Types>();
    auto r = run(st, ps);
    if (!r) return map_error(std::move(r).error());
    return optional_row(*r);
  }
  /// SELECT by the key of a whole entity.
  result<std::optional<T>> select(const T& e, const read_options& o = {}) { return select(key_of(e), o); }

  /// SELECT by a unique member: dao.select_by<&Service::name>("httpbin").
  template <auto By>
  result<std::optional<T>> select_by(const by_type<By>& v, const read_options& o = {}) {
    constexpr std::size_t U = detail::unique_member_index<T, By>();
    if (auto e = by_value_problem<U>(v)) return std::move(*e);
    detail::param_set<detail::member_column_count<T, U>()> ps;
    std::size_t p = 0;
    detail::encode_value(v, ps, p);
    ps.finish();
    using Types = detail::key_param_types<T, detail::member_cols<T, U>>;
    auto& st = M::has_ttl && o.skip_ttl ? detail::statement_of<detail::select_by_gen<T, U, true>, Types>()
                                        : detail::statement_of<detail::select_by_gen<T, U>, Types>();
    auto r = run(st, ps);
    if (!r) return map_error(std::move(r).error());
    return optional_row(*r);
  }

  /// Partial update (PATCH) in one statement: only the named members change, updated_at is
  /// refreshed. NOT_FOUND when no row has the key.
  /// A typedao::write_options may be passed among the changes (ttl on TTL entities).
  template <class... S>
  result<T> update(const key_type& k, const S&... changes) {
    static_assert(((detail::is_set<S>::value || detail::is_write_options<S>::value) && ...),
                  "typedao::update: changes must be typedao::set<&Entity::member>(value) (and at most one "
                  "typedao::write_options).");
    static_assert((std::size_t{0} + ... + (detail::is_set<S>::value ? 1 : 0)) > 0,
                  "typedao::update: nothing to change. Pass typedao::set<&Entity::member>(value).");
    if (auto errs = detail::key_problems<T>(k); !errs.empty()) return detail::invalid_primary_key(std::move(errs));
    return dispatch_update<detail::pk_cols<T>>(
        k, [&] { return not_found_error_for(k); }, [&] { return select(k, read_options{true}); }, changes...);
  }
  /// Partial update by a unique member.
  template <auto By, class... S>
  result<T> update_by(const by_type<By>& v, const S&... changes) {
    static_assert(((detail::is_set<S>::value || detail::is_write_options<S>::value) && ...),
                  "typedao::update_by: changes must be typedao::set<&Entity::member>(value) (and at most one "
                  "typedao::write_options).");
    static_assert((std::size_t{0} + ... + (detail::is_set<S>::value ? 1 : 0)) > 0,
                  "typedao::update_by: nothing to change. Pass typedao::set<&Entity::member>(value).");
    constexpr std::size_t U = detail::unique_member_index<T, By>();
    if (auto e = by_value_problem<U>(v)) return std::move(*e);
    return dispatch_update<detail::member_cols<T, U>>(
        v,
        [&] {
          auto shown = detail::show(v);
          std::vector<field_detail> fields;
          detail::add_plain(fields, M::member_names[U], shown);
          return detail::make_error(
              error_code::not_found,
              "could not find the entity with '" + detail::render_table({{std::string(M::member_names[U]), shown.text}}) + "'",
              std::move(fields));
        },
        [&] { return select_by<By>(v, read_options{true}); }, changes...);
  }

  /// Full replacement (PUT) in one statement: INSERT ... ON CONFLICT (key) DO UPDATE.
  /// The key argument wins over the entity's key members; created_at is kept unless given.
  result<T> upsert(const key_type& k, const T& e, const write_options& o = {}) {
    if (auto errs = detail::key_problems<T>(k); !errs.empty()) return detail::invalid_primary_key(std::move(errs));
    if (auto errs = key_rule_problems(k); !errs.empty()) return detail::invalid_primary_key(std::move(errs));
    if (auto oe = write_option_problems(o)) return std::move(*oe);
    if (auto errs = entity_problems(e, true); !errs.empty()) return detail::schema_violation_of<T>(std::move(errs));
    constexpr std::size_t N = detail::insert_param_count<T>;
    detail::param_set<N> ps;
    std::size_t pk = encode_entity(e, ps, [&](auto I, auto& emit) {
      if constexpr (contains_pk<decltype(I)>()) {
        emit(key_part<decltype(I)>(k));
        return true;
      } else {
        return false;
      }
    });
    encode_ttl(ps, pk, o);
    ps.finish();
    auto& st = detail::statement_of<detail::upsert_gen<T, detail::pk_cols<T>>, detail::insert_param_types<T>>();
    auto r = run(st, ps);
    if (!r)
      return map_error(std::move(r).error(), [&](std::size_t i) -> detail::shown_value {
        if (detail::contains_index(M::pk_member_indices, i)) return render_key_member(k, i);
        return render_member(e, i);
      });
    return one_row(*r, [&] { return not_found_error_for(k); });
  }

  /// Upsert by a unique member: the row with that value is replaced (keeping its key), or a new
  /// row is inserted (with a generated uuid key when the entity's is nil).
  template <auto By>
  result<T> upsert_by(const by_type<By>& v, const T& e, const write_options& o = {}) {
    constexpr std::size_t U = detail::unique_member_index<T, By>();
    if (auto err = by_value_problem<U>(v)) return std::move(*err);
    if (auto oe = write_option_problems(o)) return std::move(*oe);
    std::vector<field_detail> errs;
    if constexpr (detail::has_rules<T>()) {
      // The row gets v as its unique member: the rules judge the entity as written.
      T written = e;
      written.*By = v;
      errs = entity_problems(written);
    } else {
      errs = entity_problems(e, false, U);
    }
    if (!errs.empty()) return detail::schema_violation_of<T>(std::move(errs));
    constexpr std::size_t N = detail::insert_param_count<T>;
    detail::param_set<N> ps;
    uuid generated[M::pk_columns.size() ? M::pk_columns.size() : 1];
    std::size_t pk = encode_entity(e, ps, [&](auto I, auto& emit) {
      if constexpr (decltype(I)::value == U) {
        emit(v);
        return true;
      } else {
        return emit_with_generated_key<decltype(I)>(e, generated, emit);
      }
    });
    encode_ttl(ps, pk, o);
    ps.finish();
    auto& st = detail::statement_of<detail::upsert_gen<T, detail::member_cols<T, U>>, detail::insert_param_types<T>>();
    auto r = run(st, ps);
    if (!r)
      return map_error(std::move(r).error(), [&](std::size_t i) -> detail::shown_value {
        if (i == U) return detail::show(v);
        return render_member(e, i);
      });
    return one_row(*r, [&] { return detail::make_error(error_code::not_found, "could not find the entity"); });
  }

  /// What remove() reports: the keys of the descendants removed by on_delete cascade, per entity
  /// (only entities registered in the same database are known).
  using removed_type = typename detail::descendants<T, Registry>::removed_type;

  /// DELETE by primary key, in one statement that also reports the cascaded descendants.
  /// Idempotent: deleting a missing row succeeds. A parent still referenced under on_delete
  /// restrict is FOREIGN_KEY_VIOLATION naming the child table, and nothing is deleted.
  result<removed_type> remove(const key_type& k, const read_options& o = {}) {
    if (auto errs = detail::key_problems<T>(k); !errs.empty()) return detail::invalid_primary_key(std::move(errs));
    detail::param_set<M::pk_columns.size()> ps;
    std::size_t p = 0;
    detail::encode_value(k, ps, p);
    ps.finish();
    return run_remove<detail::pk_cols<T>>(ps, M::has_ttl && o.skip_ttl);
  }
  /// DELETE by the key of a whole entity.
  result<removed_type> remove(const T& e, const read_options& o = {}) { return remove(key_of(e), o); }

  /// DELETE by a unique member. Idempotent.
  template <auto By>
  result<removed_type> remove_by(const by_type<By>& v, const read_options& o = {}) {
    constexpr std::size_t U = detail::unique_member_index<T, By>();
    if (auto e = by_value_problem<U>(v)) return std::move(*e);
    detail::param_set<detail::member_column_count<T, U>()> ps;
    std::size_t p = 0;
    detail::encode_value(v, ps, p);
    ps.finish();
    return run_remove<detail::member_cols<T, U>>(ps, M::has_ttl && o.skip_ttl);
  }

  // ---- pagination and iteration ---------------------------------------------------------

  /// This DAO with other default page limits (Kong: page_size 1000, max_page_size 50000).
  dao with_pagination(pagination p) const noexcept {
    dao d = *this;
    d.pagination_ = p;
    return d;
  }
  const pagination& pagination_limits() const noexcept { return pagination_; }

  /// One page of rows in primary-key order, fetched by keyset (size + 1 rows, so an exact
  /// multiple of size never yields an empty extra page). `offset` is the token of the previous
  /// page; a token minted by another entity, filter or foreign key is INVALID_OFFSET.
  result<typedao::page<T>> page(std::optional<std::int64_t> size = std::nullopt, std::string_view offset = {},
                                const page_options& o = {}) {
    return page_impl<detail::npos, int>(nullptr, size, offset, o);
  }

  /// The children of one parent through the foreign<> member Fk; a missing parent gives an empty page.
  template <auto Fk>
  result<typedao::page<T>> page_for(const by_type<Fk>& parent, std::optional<std::int64_t> size = std::nullopt,
                                    std::string_view offset = {}, const page_options& o = {}) {
    constexpr std::size_t F = foreign_member_index<Fk>();
    if (auto errs = foreign_problems<F>(parent); errs) return std::move(*errs);
    return page_impl<F>(&parent, size, offset, o);
  }

  /// Every row, page by page, as an input range of result<T> (`for (auto&& row : dao.each(100))`).
  /// A failed page yields one element holding the error, then the range ends. Holds one page at a time.
  each_range<T, C, Registry> each(std::optional<std::int64_t> size = std::nullopt, page_options o = {}) {
    return each_range<T, C, Registry>(
        [d = *this, size, o = std::move(o)](std::string_view offset) mutable { return d.page(size, offset, o); });
  }

  /// Every child of one parent, page by page.
  template <auto Fk>
  each_range<T, C, Registry> each_for(const by_type<Fk>& parent, std::optional<std::int64_t> size = std::nullopt,
                                      page_options o = {}) {
    return each_range<T, C, Registry>([d = *this, parent, size, o = std::move(o)](std::string_view offset) mutable {
      return d.template page_for<Fk>(parent, size, offset, o);
    });
  }

  // ---- counting and truncation ------------------------------------------------------------

  /// Number of (unexpired) rows.
  result<std::int64_t> count() {
    detail::param_set<0> ps;
    ps.finish();
    return scalar_count(run(detail::statement_of<detail::count_gen<T, detail::npos>, detail::oid_list<>>(), ps));
  }

  /// Number of (unexpired) children of one parent.
  template <auto Fk>
  result<std::int64_t> count_for(const by_type<Fk>& parent) {
    constexpr std::size_t F = foreign_member_index<Fk>();
    if (auto errs = foreign_problems<F>(parent); errs) return std::move(*errs);
    using Types = detail::key_param_types<T, detail::member_cols<T, F>>;
    detail::param_set<Types::value.size()> ps;
    std::size_t p = 0;
    detail::encode_value(parent, ps, p);
    ps.finish();
    return scalar_count(run(detail::statement_of<detail::count_gen<T, F>, Types>(), ps));
  }

  /// TRUNCATE ... CASCADE: empties the table and every table with a foreign key to it.
  result<void> truncate() {
    detail::param_set<0> ps;
    ps.finish();
    auto r = run(detail::statement_of<detail::truncate_gen<T>, detail::oid_list<>>(), ps);
    if (!r) return std::move(r).error();
    return {};
  }

  // ---- TTL ---------------------------------------------------------------------------------

  /// Seconds until the row expires (empty: never). NOT_FOUND when there is no unexpired row.
  result<std::optional<std::int64_t>> ttl(const key_type& k) {
    static_assert(M::has_ttl, "typedao::dao::ttl: the entity is not TTL-enabled. Declare typedao::with_ttl in TYPEDAO_ENTITY.");
    if (auto errs = detail::key_problems<T>(k); !errs.empty()) return detail::invalid_primary_key(std::move(errs));
    using Types = detail::key_param_types<T, detail::pk_cols<T>>;
    detail::param_set<Types::value.size()> ps;
    std::size_t p = 0;
    detail::encode_value(k, ps, p);
    ps.finish();
    auto r = run(detail::statement_of<detail::ttl_gen<T>, Types>(), ps);
    if (!r) return std::move(r).error();
    if (r->row_count() == 0) return not_found_error_for(k);
    if (r->is_null(0, 0)) return std::optional<std::int64_t>{};
    std::int64_t v = 0;
    if (auto err = customize::codec<std::int64_t>::decode(r->data(0, 0), static_cast<std::size_t>(r->length(0, 0)), v))
      return detail::make_error(error_code::database_error, std::string("could not decode ttl: ") + err);
    return std::optional<std::int64_t>{v};
  }

  /// Deletes expired rows in batches of at most `batch` rows; returns how many it deleted.
  result<std::int64_t> purge_expired(std::int64_t batch = 50000) {
    static_assert(M::has_ttl,
                  "typedao::dao::purge_expired: the entity is not TTL-enabled. Declare typedao::with_ttl in TYPEDAO_ENTITY.");
    if (batch < 1) return detail::make_error(error_code::invalid_size, "batch must be an integer greater than 0");
    std::int64_t total = 0;
    for (;;) {
      detail::param_set<1> ps;
      ps.writer(0).append_be(batch);
      ps.finish();
      auto r = run(detail::statement_of<detail::purge_gen<T>, detail::oid_list<detail::int8_oid>>(), ps);
      if (!r) return std::move(r).error();
      auto n = r->affected_rows();
      total += n;
      if (n < batch) return total;
    }
  }

  // ---- cache keys --------------------------------------------------------------------------

  /// Kong's cache key: "<table>:<v1>:...:<v5>:" (foreign members by their key, missing values
  /// empty, the primary key when every value is empty; '%' and ':' in values escaped as %25, %3A).
  static std::string cache_key(const T& e) {
    static_assert(M::cache_key_members.size() > 0,
                  "typedao::dao::cache_key: the entity declares no cache key. Declare "
                  "typedao::cache_key(&Entity::member, ...) in TYPEDAO_ENTITY.");
    std::string values[5];
    bool all_empty = true;
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((values[J] = detail::text_of(e.*detail::member_d<T, M::cache_key_members[J]>::pointer),
        all_empty = all_empty && values[J].empty()),
       ...);
    }(std::make_index_sequence<M::cache_key_members.size()>{});
    if (all_empty) {
      for (auto& v : values) v.clear();
      [&]<std::size_t... J>(std::index_sequence<J...>) {
        ((values[J] = detail::text_of(e.*detail::member_d<T, M::pk_member_indices[J]>::pointer)), ...);
      }(std::make_index_sequence<(M::pk_member_indices.size() < 5 ? M::pk_member_indices.size() : 5)>{});
    }
    std::string out(M::table);
    for (auto& v : values) {
      out += ':';
      for (char ch : v) {  // as the hidden column's SQL does: values cannot run into each other
        if (ch == '%')
          out += "%25";
        else if (ch == ':')
          out += "%3A";
        else
          out += ch;
      }
    }
    out += ':';
    return out;
  }

  /// The row an entity's cache key identifies (composite keys use the hidden cache_key column).
  result<std::optional<T>> select_by_cache_key(const T& e, const read_options& o = {}) {
    if constexpr (M::has_cache_key_column) {
      return select_by_cache_key(std::string_view(cache_key(e)), o);
    } else {
      static_assert(M::cache_key_members.size() == 1,
                    "typedao::dao::select_by_cache_key: the entity declares no cache key. Declare "
                    "typedao::cache_key(&Entity::member, ...) in TYPEDAO_ENTITY.");
      constexpr std::size_t U = M::cache_key_members[0];
      const auto& v = e.*detail::member_d<T, U>::pointer;
      if constexpr (detail::is_optional<std::remove_cvref_t<decltype(v)>>::value) {
        if (!v) return std::optional<T>{};
        return select_by<detail::member_d<T, U>::pointer>(*v, o);
      } else {
        return select_by<detail::member_d<T, U>::pointer>(v, o);
      }
    }
  }

  /// The row with this cache key string (as cache_key() builds it).
  result<std::optional<T>> select_by_cache_key(std::string_view key, const read_options& o = {}) {
    static_assert(M::has_cache_key_column,
                  "typedao::dao::select_by_cache_key: a string key needs a composite cache key; with a single "
                  "cache-key member use select_by<&Entity::member> or pass the entity.");
    std::string k(key);
    if (auto p = detail::text_problem(k))
      return detail::make_error(error_code::invalid_unique, std::string("invalid unique cache_key: ") + p,
                                {{"cache_key", p}});
    detail::param_set<1> ps;
    ps.writer(0).set_ref(k.data(), k.size());
    ps.finish();
    using Types = detail::oid_list<detail::text_oid>;
    auto& st = M::has_ttl && o.skip_ttl ? detail::statement_of<detail::select_by_cache_key_gen<T, true>, Types>()
                                        : detail::statement_of<detail::select_by_cache_key_gen<T>, Types>();
    auto r = run(st, ps);
    if (!r) return std::move(r).error();
    return optional_row(*r);
  }

  C& connection() const noexcept { return *conn_; }

 private:
  template <class KeyCols, std::size_t N>
  result<removed_type> run_remove(detail::param_set<N>& ps, bool skip_ttl) {
    using Types = detail::key_param_types<T, KeyCols>;
    using D = detail::descendants<T, Registry>;
    if constexpr (D::count == 0) {
      auto& st = skip_ttl ? detail::statement_of<detail::delete_gen<T, KeyCols, true>, Types>()
                          : detail::statement_of<detail::delete_gen<T, KeyCols>, Types>();
      auto r = run(st, ps);
      if (!r) return map_error(std::move(r).error());
      return removed_type{};
    } else {
      auto& st =
          skip_ttl
              ? detail::statement_of<typename detail::cascade_statement<T, KeyCols, true, Registry>::type, Types>()
              : detail::statement_of<typename detail::cascade_statement<T, KeyCols, false, Registry>::type, Types>();
      auto r = run(st, ps);
      if (!r) return map_error(std::move(r).error());
      removed_type out;
      for (int row = 0; row < r->row_count(); ++row) {
        std::int32_t e = -1;
        if (r->is_null(row, 0) ||
            customize::codec<std::int32_t>::decode(r->data(row, 0), static_cast<std::size_t>(r->length(row, 0)), e))
          return detail::make_error(error_code::database_error, "could not decode the cascade report");
        const char* err = nullptr;
        int col = 1;
        std::size_t j = 0;
        std::apply(
            [&](auto&... vecs) {
              (
                  [&](auto& vec) {
                    using K = typename std::remove_cvref_t<decltype(vec)>::value_type;
                    constexpr int width = static_cast<int>(detail::key_width<K>());
                    if (static_cast<std::int32_t>(j) == e && !err) {
                      K key{};
                      int c = col;
                      err = detail::decode_value(*r, row, c, key);
                      if (!err) vec.push_back(std::move(key));
                    }
                    col += width;
                    ++j;
                  }(vecs),
                  ...);
            },
            out.cascaded);
        if (err) return detail::make_error(error_code::database_error, std::string("cascade report: ") + err);
      }
      return out;
    }
  }

  // BEGIN ... COMMIT, or a savepoint when the connection is already in a transaction; rolls back
  // unless committed.
  class transaction_guard {
   public:
    explicit transaction_guard(C& c) noexcept : c_(&c) {}
    transaction_guard(const transaction_guard&) = delete;
    transaction_guard& operator=(const transaction_guard&) = delete;
    result<void> begin() {
      if constexpr (requires { c_->in_transaction(); }) nested_ = c_->in_transaction();
      auto r = c_->execute_script(nested_ ? "SAVEPOINT typedao_update" : "BEGIN");
      open_ = static_cast<bool>(r);
      return r;
    }
    result<void> commit() {
      open_ = false;
      return c_->execute_script(nested_ ? "RELEASE SAVEPOINT typedao_update" : "COMMIT");
    }
    ~transaction_guard() {
      if (open_)
        (void)c_->execute_script(nested_ ? "ROLLBACK TO SAVEPOINT typedao_update; RELEASE SAVEPOINT typedao_update"
                                         : "ROLLBACK");
    }

   private:
    C* c_;
    bool nested_ = false;
    bool open_ = false;
  };

  template <class KeyCols, class KeyV>
  result<std::optional<T>> select_locked(const KeyV& kv) {
    using Types = detail::key_param_types<T, KeyCols>;
    detail::param_set<Types::value.size()> ps;
    std::size_t p = 0;
    detail::encode_value(kv, ps, p);
    ps.finish();
    auto r = run(detail::statement_of<detail::select_for_update_gen<T, KeyCols>, Types>(), ps);
    if (!r) return std::move(r).error();
    return optional_row(*r);
  }

  template <auto Fk>
  static constexpr std::size_t foreign_member_index() {
    constexpr std::size_t F = detail::checked_member_index<T, Fk>();
    static_assert(detail::member_is_foreign<T, F>,
                  "typedao::dao::page_for: the member is not a foreign<> member. Name a typedao::foreign<Parent> member.");
    return F;
  }

  template <std::size_t F, class V>
  static std::optional<error> foreign_problems(const V& parent) {
    std::vector<field_detail> errs;
    detail::check_value(parent, [] { return std::string(M::member_names[F]); }, errs);
    if (errs.empty()) return std::nullopt;
    std::vector<field_detail> quoted = errs;
    for (auto& q : quoted) q.value = "\"" + q.value + "\"";
    return detail::make_error(error_code::invalid_foreign_key,
                              "invalid foreign key: '" + detail::render_table(std::move(quoted)) + "'", std::move(errs));
  }

  result<std::int64_t> scalar_count(result<typename C::rows_type> r) {
    if (!r) return std::move(r).error();
    if (r->row_count() != 1 || r->is_null(0, 0))
      return detail::make_error(error_code::database_error, "count returned no row");
    std::int64_t v = 0;
    if (auto err = customize::codec<std::int64_t>::decode(r->data(0, 0), static_cast<std::size_t>(r->length(0, 0)), v))
      return detail::make_error(error_code::database_error, std::string("could not decode count: ") + err);
    return v;
  }

  template <std::size_t F, class FkV>
  result<typedao::page<T>> page_impl(const FkV* fk, std::optional<std::int64_t> size, std::string_view offset,
                                     const page_options& o) {
    detail::option_errors oe;
    auto lim = detail::check_page_options(o, pagination_, M::has_tags, M::table, oe);
    if (!oe.empty()) return std::move(oe).error();
    std::int64_t n = size ? *size : lim.page_size;
    if (n < 1 || n > lim.max_page_size)
      return detail::make_error(error_code::invalid_size,
                                "size must be an integer between 1 and " + std::to_string(lim.max_page_size));
    auto mode = o.tags.empty() ? detail::tags_filter::none
                : o.match.value_or(tags_match::all) == tags_match::all ? detail::tags_filter::all
                                             : detail::tags_filter::any;
    detail::fingerprint fp;
    fp.add(M::table);
    fp.add_u64(F);
    if constexpr (F != detail::npos) fp.add(detail::encode_binary_columns(*fk, detail::member_column_count<T, F>()));
    fp.add_u64(static_cast<std::uint64_t>(mode));
    if (mode != detail::tags_filter::none) {
      std::vector<std::string> sorted = o.tags;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      for (auto& t : sorted) fp.add(t);
    }
    key_type after{};
    const bool has_after = !offset.empty();
    if (has_after) {
      if (auto why = detail::parse_offset_token<T>(offset, fp.value(), after))
        return detail::make_error(error_code::invalid_offset,
                                  "'" + detail::echoed(offset) + "' is not a valid offset: " + why);
    }
    result<rows_t> r = [&]() -> result<rows_t> {
      using tf = detail::tags_filter;
      if constexpr (M::has_tags) {
        if (mode == tf::all)
          return has_after ? run_page<F, tf::all, true>(fk, o.tags, after, n + 1)
                           : run_page<F, tf::all, false>(fk, o.tags, after, n + 1);
        if (mode == tf::any)
          return has_after ? run_page<F, tf::any, true>(fk, o.tags, after, n + 1)
                           : run_page<F, tf::any, false>(fk, o.tags, after, n + 1);
      }
      return has_after ? run_page<F, tf::none, true>(fk, o.tags, after, n + 1)
                       : run_page<F, tf::none, false>(fk, o.tags, after, n + 1);
    }();
    if (!r) return std::move(r).error();
    result<typedao::page<T>> out;
    const int got = r->row_count();
    if (got == 0) return out;
    if (!detail::shape_matches<T>(*r)) [[unlikely]]
      return detail::shape_error<T>(*r);
    const int keep = got > n ? static_cast<int>(n) : got;
    if (auto bad = detail::decode_rows_into(*r, keep, out->rows)) [[unlikely]]
      return detail::decode_error<T>(bad.member, bad.message);
    if (got > n) out->offset = detail::make_offset_token<T>(fp.value(), key_of(out->rows.back()));
    return out;
  }

  template <std::size_t F, detail::tags_filter Tags, bool After, class FkV>
  result<rows_t> run_page(const FkV* fk, const std::vector<std::string>& tags, const key_type& after,
                          std::int64_t limit) {
    using Types = detail::page_param_types<T, F, Tags, After>;
    detail::param_set<Types::value.size()> ps;
    std::size_t p = 0;
    if constexpr (F != detail::npos) detail::encode_value(*fk, ps, p);
    if constexpr (Tags != detail::tags_filter::none) detail::encode_value(tags, ps, p);
    if constexpr (After) detail::encode_value(after, ps, p);
    (void)fk;
    (void)tags;
    (void)after;
    ps.writer(p++).append_be(limit);
    ps.finish();
    return run(detail::statement_of<detail::page_gen<T, F, Tags, After>, Types>(), ps);
  }


  template <std::size_t N>
  result<rows_t> run(const statement& st, detail::param_set<N>& ps) {
    param_view pv{static_cast<int>(N), st.param_types, ps.values(), ps.lengths(), ps.formats()};
    return conn_->execute(st, pv);
  }

  template <class I>
  static constexpr bool contains_pk() {
    return detail::contains_index(M::pk_member_indices, I::value);
  }

  // The part of key k that belongs to pk member I.
  template <class I>
  static const auto& key_part(const key_type& k) {
    if constexpr (M::pk_member_indices.size() == 1) {
      return k;
    } else {
      constexpr std::size_t pos = [] {
        for (std::size_t j = 0; j < M::pk_member_indices.size(); ++j)
          if (M::pk_member_indices[j] == I::value) return j;
        return std::size_t{0};
      }();
      return std::get<pos>(k);
    }
  }

  template <class I, class Emit>
  static bool emit_with_generated_key(const T& e, uuid* generated, Emit& emit) {
    if constexpr (contains_pk<I>() && std::is_same_v<detail::member_type_t<T, I::value>, uuid>) {
      const uuid& v = e.*detail::member_d<T, I::value>::pointer;
      if (v.is_nil()) {
        constexpr std::size_t slot = [] {
          for (std::size_t j = 0; j < M::pk_member_indices.size(); ++j)
            if (M::pk_member_indices[j] == I::value) return j;
          return std::size_t{0};
        }();
        uuid& g = generated[slot];
        g = generate_uuid();
        emit(g);
        return true;
      }
    }
    return false;
  }

  // Encodes the insert/upsert parameters: every member in order, skipping updated_at; created_at
  // at its zero value is sent as NULL (the statement uses now()). `override(I, emit)` may emit
  // another value for member I and return true.
  template <std::size_t N, class Override>
  static std::size_t encode_entity(const T& e, detail::param_set<N>& ps, Override&& override) {
    std::size_t k = 0;
    auto emit = [&](const auto& v) { detail::encode_value(v, ps, k); };
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            constexpr auto& col = M::columns[M::member_first_column[I]];
            if constexpr (col.role == detail::column_role::updated_at) {
              return;
            } else {
              if (override(std::integral_constant<std::size_t, I>{}, emit)) return;
              const auto& v = e.*detail::member_d<T, I>::pointer;
              if constexpr (col.role == detail::column_role::created_at) {
                if (v == timestamp{}) {
                  ps.writer(k++).set_null();
                  return;
                }
              }
              emit(v);
            }
          }(),
          ...);
    }(std::make_index_sequence<M::member_count>{});
    return k;
  }

  template <std::size_t N>
  static void encode_ttl(detail::param_set<N>& ps, std::size_t k, const write_options& o) {
    if constexpr (M::has_ttl) {
      auto w = ps.writer(k);
      if (o.ttl)
        w.append_be(static_cast<std::int64_t>(*o.ttl));
      else
        w.set_null();
    } else {
      (void)ps;
      (void)k;
      (void)o;
    }
  }

  static std::optional<error> write_option_problems(const write_options& o) {
    if (!o.ttl) return std::nullopt;
    detail::option_errors oe;
    detail::check_ttl(o.ttl, M::has_ttl, M::table, oe);
    if (oe.empty()) return std::nullopt;
    return std::move(oe).error();
  }

  // Problems with an entity's values, in member order. Key members may be nil on insert (generated).
  static std::vector<field_detail> entity_problems(const T& e, bool skip_key = false,
                                                   std::size_t skip_member = detail::npos) {
    std::vector<field_detail> errs;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (
          [&] {
            if (I == skip_member) return;
            if (skip_key && detail::contains_index(M::pk_member_indices, I)) return;
            const std::size_t before = errs.size();
            detail::check_value(e.*detail::member_d<T, I>::pointer, [] { return std::string(M::member_names[I]); },
                                errs);
            if (errs.size() == before) detail::validate_member_value<T, I>(e.*detail::member_d<T, I>::pointer, errs);
          }(),
          ...);
    }(std::make_index_sequence<M::member_count>{});
    if constexpr (detail::has_entity_rules<T>()) detail::validate_entity(e, errs, member_failed(errs));
    return errs;
  }

  // The rules of the key members, applied to a key the caller gives for writing (Kong validates
  // such keys with the fields' validators and reports INVALID_PRIMARY_KEY).
  static std::vector<field_detail> key_rule_problems(const key_type& k) {
    std::vector<field_detail> errs;
    if constexpr (detail::has_rules<T>()) {
      [&]<std::size_t... J>(std::index_sequence<J...>) {
        (detail::validate_member_value<T, M::pk_member_indices[J]>(
             key_part<std::integral_constant<std::size_t, M::pk_member_indices[J]>>(k), errs),
         ...);
      }(std::make_index_sequence<M::pk_member_indices.size()>{});
    }
    return errs;
  }

  // Whether a member already has an error (Kong skips entity checks over invalid fields).
  static auto member_failed(const std::vector<field_detail>& errs) {
    return [&errs](std::size_t m) {
      const std::string_view name = M::member_names[m];
      for (auto& x : errs) {
        std::string_view f = x.field;
        if (f == name || (f.size() > name.size() && f.substr(0, name.size()) == name && f[name.size()] == '.'))
          return true;
      }
      return false;
    };
  }

  template <std::size_t U, class V>
  static std::optional<error> by_value_problem(const V& v) {
    std::vector<field_detail> errs;
    detail::check_value(v, [] { return std::string(M::member_names[U]); }, errs);
    if (errs.empty()) return std::nullopt;
    std::string msg = "invalid unique " + std::string(M::member_names[U]) + ": " + errs.front().value;
    return detail::make_error(error_code::invalid_unique, std::move(msg), std::move(errs));
  }

  template <class KeyCols, class KeyV, class NotFound, class Refetch, class... A>
  result<T> dispatch_update(const KeyV& kv, NotFound&& not_found, Refetch&& refetch, const A&... args) {
    static constexpr auto idx = detail::set_member_indices<T, A...>();
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      return do_update<KeyCols, idx[J]...>(kv, not_found, refetch, args...);
    }(std::make_index_sequence<idx.size()>{});
  }

  template <class KeyCols, std::size_t... Is, class KeyV, class NotFound, class Refetch, class... A>
  result<T> do_update(const KeyV& kv, NotFound& not_found, Refetch& refetch, const A&... args) {
    write_options opt;
    (
        [&] {
          if constexpr (detail::is_write_options<A>::value) opt = args;
        }(),
        ...);
    if (auto oe = write_option_problems(opt)) return std::move(*oe);
    std::vector<field_detail> errs;
    (
        [&] {
          if constexpr (detail::is_set<A>::value) {
            constexpr std::size_t I = detail::index_of_member<T>(A::member);
            const std::size_t before = errs.size();
            detail::check_value(args.value, [] { return std::string(M::member_names[I]); }, errs);
            if (errs.size() == before) detail::validate_member_value<T, I>(args.value, errs);
          }
        }(),
        ...);
    if (!errs.empty()) return detail::schema_violation_of<T>(std::move(errs));
    using Types = detail::update_param_types<T, KeyCols, Is...>;
    detail::param_set<Types::value.size()> ps;
    std::size_t p = 0;
    detail::encode_value(kv, ps, p);
    (
        [&] {
          if constexpr (detail::is_set<A>::value) detail::encode_value(args.value, ps, p);
        }(),
        ...);
    encode_ttl(ps, p, opt);
    ps.finish();
    auto& st = detail::statement_of<detail::update_gen<T, KeyCols, Is...>, Types>();
    // Immutable members and entity rules need the stored row: read it locked, merge, validate and
    // write in one transaction (or savepoint), so the check and the write see the same row.
    static constexpr auto immutable = detail::immutable_members<T>();
    static constexpr auto in_entity_rules = detail::entity_rule_members<T>();
    constexpr bool needs_current = ((immutable[Is] || in_entity_rules[Is]) || ...);
    std::optional<transaction_guard> guard;
    std::optional<T> stored;  // the row read FOR UPDATE: renders unchanged members in errors
    if constexpr (needs_current) {
      guard.emplace(*conn_);
      if (auto b = guard->begin(); !b) return std::move(b).error();
      auto cur = select_locked<KeyCols>(kv);
      if (!cur) return std::move(cur).error();
      if (!*cur) return not_found();
      T merged = **cur;
      (
          [&] {
            if constexpr (detail::is_set<A>::value) {
              constexpr std::size_t I = detail::index_of_member<T>(A::member);
              if constexpr (immutable[I]) {
                const auto& old = (**cur).*A::member;
                if (detail::value_present(old) && !(old == args.value))
                  errs.push_back({std::string(M::member_names[I]), "immutable field cannot be updated"});
              }
              merged.*A::member = args.value;
            }
          }(),
          ...);
      if constexpr (detail::has_entity_rules<T>())
        detail::validate_entity(merged, errs, member_failed(errs), /*updating=*/true);
      if (!errs.empty()) return detail::schema_violation_of<T>(std::move(errs));
      stored.emplace(std::move(**cur));
    }
    auto r = run(st, ps);
    if (r && guard) {
      if (auto c = guard->commit(); !c) return std::move(c).error();
    }
    if (!r) {
      // Members the caller did not change are rendered from the stored row (error path only):
      // the one read FOR UPDATE, else read again (not inside the failed transaction, which
      // could not run it).
      std::optional<std::optional<T>> current;
      if (stored) current.emplace(std::move(stored));
      guard.reset();
      return map_error(std::move(r).error(), [&](std::size_t i) {
        detail::shown_value out;
        bool given = false;
        (
            [&] {
              if constexpr (detail::is_set<A>::value)
                if (i == detail::index_of_member<T>(A::member)) {
                  out = detail::show(args.value);
                  given = true;
                }
            }(),
            ...);
        if (!given) {
          if (!current) {
            auto cur = refetch();
            current.emplace(cur ? std::move(*cur) : std::optional<T>{});
          }
          if (*current) out = render_member(**current, i);
        }
        return out;
      });
    }
    return one_row(*r, not_found);
  }

  TYPEDAO_COLD static detail::shown_value render_member(const T& e, std::size_t i) {
    detail::shown_value out;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      ((i == I ? (void)(out = detail::show(e.*detail::member_d<T, I>::pointer)) : (void)0), ...);
    }(std::make_index_sequence<M::member_count>{});
    return out;
  }
  TYPEDAO_COLD static detail::shown_value render_key_member(const key_type& k, std::size_t i) {
    detail::shown_value out;
    [&]<std::size_t... J>(std::index_sequence<J...>) {
      ((i == M::pk_member_indices[J]
            ? (void)(out = detail::show(key_part<std::integral_constant<std::size_t, M::pk_member_indices[J]>>(k)))
            : (void)0),
       ...);
    }(std::make_index_sequence<M::pk_member_indices.size()>{});
    return out;
  }

  static error not_found_error_for(const key_type& k) {
    std::string msg = "could not find the entity with primary key '" + detail::render_table(detail::key_fields<T>(k)) + "'";
    return detail::make_error(error_code::not_found, std::move(msg), detail::key_plain_fields<T>(k));
  }

  template <class NotFound>
  result<T> one_row(const rows_t& rows, NotFound&& not_found) {
    if (rows.row_count() == 0) return not_found();
    return first_row(rows);
  }

  // Row 0 decoded straight into the returned result (one return of one object: no move of T).
  result<T> first_row(const rows_t& rows) {
    result<T> out;  // a value-initialised T
    std::size_t bad = 0;
    if (!detail::shape_matches<T>(rows)) [[unlikely]]
      out = detail::shape_error<T>(rows);
    else if (const char* err = detail::decode_row_into(rows, 0, *out, bad)) [[unlikely]]
      out = detail::decode_error<T>(bad, err);
    return out;
  }

  result<std::optional<T>> optional_row(const rows_t& rows) {
    result<std::optional<T>> out;  // an empty optional
    if (rows.row_count() != 0) {
      std::size_t bad = 0;
      if (!detail::shape_matches<T>(rows)) [[unlikely]]
        out = detail::shape_error<T>(rows);
      else if (const char* err = detail::decode_row_into(rows, 0, out->emplace(), bad)) [[unlikely]]
        out = detail::decode_error<T>(bad, err);
    }
    return out;
  }

  // SQLSTATE + constraint name -> Kong's error. `value_of(member)` renders what the caller passed.
  template <class ValueOf>
  static error map_error(error e, const ValueOf& value_of) {
    return detail::map_server_error(std::move(e), detail::error_table_v<T>, detail::render_with(value_of));
  }
  static error map_error(error e) { return detail::map_server_error(std::move(e), detail::error_table_v<T>, {}); }

  C* conn_;
  pagination pagination_{};
};

/// An input range over every row of a query, one page in memory at a time. Elements are
/// result<T>: a failed page yields one element holding the error, then the range ends.
template <entity T, connector C, class Registry>
class each_range {
 public:
  // Fetches the page after an offset: a type-erased callable (what std::function would be,
  // without <functional>, whose include costs every user's compile).
  class fetch_fn {
    struct base {
      virtual ~base() = default;
      virtual base* clone() const = 0;
      virtual result<typedao::page<T>> call(std::string_view offset) = 0;
    };
    template <class F>
    struct impl final : base {
      F f;
      explicit impl(F x) : f(std::move(x)) {}
      base* clone() const override { return new impl(*this); }
      result<typedao::page<T>> call(std::string_view offset) override { return f(offset); }
    };
    base* p_ = nullptr;

   public:
    template <class F>
      requires(!std::is_same_v<std::remove_cvref_t<F>, fetch_fn>)
    explicit fetch_fn(F f) : p_(new impl<F>(std::move(f))) {}
    fetch_fn(const fetch_fn& o) : p_(o.p_ ? o.p_->clone() : nullptr) {}
    fetch_fn(fetch_fn&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    fetch_fn& operator=(fetch_fn o) noexcept {
      std::swap(p_, o.p_);
      return *this;
    }
    ~fetch_fn() { delete p_; }
    result<typedao::page<T>> operator()(std::string_view offset) { return p_->call(offset); }
  };

  template <class F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, each_range>)
  explicit each_range(F f) : fetch_(std::move(f)) {}

  class iterator {
   public:
    using value_type = result<T>;
    using difference_type = std::ptrdiff_t;
    using iterator_concept = std::input_iterator_tag;
    iterator() = default;
    explicit iterator(each_range* r) noexcept : r_(r) {}
    value_type& operator*() const noexcept { return *r_->current_; }
    value_type* operator->() const noexcept { return &*r_->current_; }
    iterator& operator++() {
      r_->advance();
      return *this;
    }
    void operator++(int) { r_->advance(); }
    friend bool operator==(const iterator& i, std::default_sentinel_t) noexcept { return i.at_end(); }

   private:
    bool at_end() const noexcept { return r_->done_; }
    each_range* r_ = nullptr;
  };

  iterator begin() {
    if (!started_) {
      started_ = true;
      advance();
    }
    return iterator(this);
  }
  std::default_sentinel_t end() const noexcept { return {}; }
  /// 1-based number of the page the current element came from (Kong's page counter).
  std::size_t page_number() const noexcept { return page_no_; }

 private:
  void advance() {
    if (failed_ || done_) {
      done_ = true;
      return;
    }
    while (next_ >= rows_.size()) {
      if (last_) {
        done_ = true;
        return;
      }
      auto pg = fetch_(offset_ ? std::string_view(*offset_) : std::string_view{});
      if (!pg) {
        current_.emplace(std::move(pg).error());
        failed_ = true;
        return;
      }
      ++page_no_;
      rows_ = std::move(pg->rows);
      next_ = 0;
      offset_ = std::move(pg->offset);
      last_ = !offset_;
    }
    current_.emplace(std::move(rows_[next_++]));
  }

  fetch_fn fetch_;
  std::vector<T> rows_;
  std::size_t next_ = 0;
  std::size_t page_no_ = 0;
  std::optional<std::string> offset_;
  std::optional<result<T>> current_;
  bool started_ = false, last_ = false, done_ = false, failed_ = false;
};

}  // namespace typedao

#endif
