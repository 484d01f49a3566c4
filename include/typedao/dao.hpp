#ifndef TYPEDAO_DAO_HPP
#define TYPEDAO_DAO_HPP

// The DAO: Kong's kong.db.<entity> methods for one entity on one connection. Each call builds an
// operation value (dao/ops.hpp: checks, parameters, statement, result mapping) and runs it on
// the connector; update with stored-row checks runs two operations in one transaction.

#include <typedao/connector.hpp>
#include <typedao/dao/changes.hpp>
#include <typedao/dao/each.hpp>
#include <typedao/dao/events.hpp>
#include <typedao/dao/operation.hpp>
#include <typedao/dao/ops.hpp>
#include <typedao/dao/transaction.hpp>
#include <typedao/dialect.hpp>
#include <typedao/entity.hpp>
#include <typedao/error.hpp>
#include <typedao/events.hpp>
#include <typedao/options.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typedao {

/// The DAO for one entity on one connection, or on a pool: then every call takes a connection
/// and gives it back (cheap to copy: a pointer).
template <entity T, connection_source C, class Registry = detail::registry<T>>
class dao {
  using M = detail::model<T>;
  using ops = detail::ops<T, Registry>;
  // Evaluating the rules' checks is what reports a misuse (each names the entity, the member and
  // the rule). This assertion itself never fails: a failing one would make clang treat the whole
  // class as broken and add errors such as "no member named 'insert'".
  static_assert(detail::rules_checked<T> || true);

 public:
  using entity_type = T;
  using key_type = key_t<T>;
  template <auto By>
  using by_type =
      detail::by_value_t<typename detail::is_member_of_pointer<decltype(By)>::member_type>;
  /// What remove() reports: the keys of the descendants removed by on_delete cascade, per entity
  /// (only entities registered in the same database are known).
  using removed_type = typename ops::removed_type;

  explicit dao(C& c) noexcept : conn_(&c) {}

  /// INSERT ... RETURNING: the stored entity (generated uuid key, timestamps, defaults).
  result<T> insert(const T& e, const write_options& o = {}) {
    return published(change::created, run_checked(ops::insert(e, o)));
  }

  /// SELECT by primary key: the entity, or an empty optional when there is none (not an error).
  result<std::optional<T>> select(const key_type& k, const read_options& o = {}) {
    return run_checked(ops::select(k, o));
  }
  /// SELECT by the key of a whole entity.
  result<std::optional<T>> select(const T& e, const read_options& o = {}) {
    return select(key_of(e), o);
  }

  /// SELECT by a unique member: dao.select_by<&Service::name>("httpbin").
  template <auto By>
  result<std::optional<T>> select_by(const by_type<By>& v, const read_options& o = {}) {
    return run_checked(ops::template select_by<detail::unique_member_index<T, By>()>(v, o));
  }

  /// Partial update (PATCH) in one statement: only the named members change, updated_at is
  /// refreshed. NOT_FOUND when no row has the key.
  /// A typedao::write_options may be passed among the changes (ttl on TTL entities).
  template <class... S>
  result<T> update(const key_type& k, const S&... changes) {
    static_assert(
        ((detail::is_set<S>::value || detail::is_write_options<S>::value) && ...),
        "typedao::update: changes must be typedao::set<&Entity::member>(value) (and at most one "
        "typedao::write_options).");
    static_assert((std::size_t{0} + ... + (detail::is_set<S>::value ? 1 : 0)) > 0,
                  "typedao::update: nothing to change. Pass typedao::set<&Entity::member>(value).");
    if (auto errs = detail::key_problems<T>(k); !errs.empty())
      return detail::invalid_primary_key(std::move(errs));
    if constexpr (!connector<C>) {  // read, check and write on one connection
      auto lease = detail::lease_for_call(*conn_, timeout_ms_);
      if (!lease) return std::move(lease).error();
      return typedao::dao<T, typename C::connection_type, Registry>(**lease)
          .with_events(events_)
          .update(k, changes...);
    } else {
      [[maybe_unused]] auto deadline = call_deadline();
      return published(change::updated,
                       dispatch_update<detail::pk_cols<T>>(
                           k, [&] { return detail::not_found_by_key<T>(k); },
                           [&] { return select(k, read_options{true}); }, changes...));
    }
  }
  /// Partial update by a unique member.
  template <auto By, class... S>
  result<T> update_by(const by_type<By>& v, const S&... changes) {
    static_assert(
        ((detail::is_set<S>::value || detail::is_write_options<S>::value) && ...),
        "typedao::update_by: changes must be typedao::set<&Entity::member>(value) (and at most one "
        "typedao::write_options).");
    static_assert(
        (std::size_t{0} + ... + (detail::is_set<S>::value ? 1 : 0)) > 0,
        "typedao::update_by: nothing to change. Pass typedao::set<&Entity::member>(value).");
    constexpr std::size_t U = detail::unique_member_index<T, By>();
    if (auto e = ops::template by_value_problem<U>(v)) return std::move(*e);
    if constexpr (!connector<C>) {  // read, check and write on one connection
      auto lease = detail::lease_for_call(*conn_, timeout_ms_);
      if (!lease) return std::move(lease).error();
      return typedao::dao<T, typename C::connection_type, Registry>(**lease)
          .with_events(events_)
          .template update_by<By>(v, changes...);
    } else {
      [[maybe_unused]] auto deadline = call_deadline();
      return published(
          change::updated,
          dispatch_update<detail::member_cols<T, U>>(
              v, [&] { return detail::not_found_by_member(M::member_names[U], detail::show(v)); },
              [&] { return select_by<By>(v, read_options{true}); }, changes...));
    }
  }

  /// Full replacement (PUT) in one statement: INSERT ... ON CONFLICT (key) DO UPDATE.
  /// The key argument wins over the entity's key members; created_at is kept unless given.
  result<T> upsert(const key_type& k, const T& e, const write_options& o = {}) {
    return published(change::updated, run_checked(ops::upsert(k, e, o)));
  }

  /// Upsert by a unique member: the row with that value is replaced (keeping its key), or a new
  /// row is inserted (with a generated uuid key when the entity's is nil).
  template <auto By>
  result<T> upsert_by(const by_type<By>& v, const T& e, const write_options& o = {}) {
    return published(
        change::updated,
        run_checked(ops::template upsert_by<detail::unique_member_index<T, By>()>(v, e, o)));
  }

  /// DELETE by primary key, in one statement that also reports the cascaded descendants.
  /// Idempotent: deleting a missing row succeeds. A parent still referenced under on_delete
  /// restrict is FOREIGN_KEY_VIOLATION naming the child table, and nothing is deleted.
  result<removed_type> remove(const key_type& k, const read_options& o = {}) {
    if (auto errs = detail::key_problems<T>(k); !errs.empty())
      return detail::invalid_primary_key(std::move(errs));
    // With events, a row with cache-key members is read first: its cache key names it.
    std::optional<change_event> ev;
    if (events_) {
      ev = detail::event_of_key<T>(change::deleted, k);
      if constexpr (M::cache_key_members.size() > 0) {
        auto cur = select(k, read_options{true});
        if (cur && *cur) ev = detail::event_of_row(change::deleted, **cur);
      }
    }
    return removed_published(
        std::move(ev), exec(ops::template remove<detail::pk_cols<T>>(k, M::has_ttl && o.skip_ttl)));
  }
  /// DELETE by the key of a whole entity.
  result<removed_type> remove(const T& e, const read_options& o = {}) {
    return remove(key_of(e), o);
  }

  /// DELETE by a unique member. Idempotent.
  template <auto By>
  result<removed_type> remove_by(const by_type<By>& v, const read_options& o = {}) {
    constexpr std::size_t U = detail::unique_member_index<T, By>();
    if (auto e = ops::template by_value_problem<U>(v)) return std::move(*e);
    std::optional<change_event> ev;  // with events, the row is read first: its key names it
    if (events_) {
      auto cur = select_by<By>(v, read_options{true});
      if (cur && *cur) ev = detail::event_of_row(change::deleted, **cur);
    }
    return removed_published(std::move(ev), exec(ops::template remove<detail::member_cols<T, U>>(
                                                v, M::has_ttl && o.skip_ttl)));
  }

  // ---- deadlines -------------------------------------------------------------------------

  /// This DAO with another deadline for each of its calls (ms; 0: none), instead of the
  /// connection's timeout_ms (Kong's pg_timeout). One deadline covers the whole call: the wait
  /// for a pooled connection and every statement the call sends. Connections without deadlines
  /// ignore it.
  dao with_timeout(int ms) const noexcept {
    dao d = *this;
    d.timeout_ms_ = ms < 0 ? 0 : ms;
    return d;
  }
  /// The deadline set by with_timeout (-1: the connection's own).
  int timeout_ms() const noexcept { return timeout_ms_; }

  /// This DAO publishing each successful write to `hub` (null: none); database::dao() sets the
  /// database's hub (events.hpp).
  dao with_events(const event_hub* hub) const noexcept {
    dao d = *this;
    d.events_ = hub;
    return d;
  }
  /// This DAO for another engine (dialect.hpp); database::dao() sets the database's.
  dao with_dialect(typedao::dialect x) const noexcept {
    dao d = *this;
    d.dialect_ = x;
    return d;
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
  result<typedao::page<T>> page(std::optional<std::int64_t> size = std::nullopt,
                                std::string_view offset = {}, const page_options& o = {}) {
    return run_checked(
        ops::template page<detail::npos, int>(nullptr, size, offset, o, pagination_));
  }

  /// The children of one parent through the foreign<> member Fk; a missing parent gives an empty
  /// page.
  template <auto Fk>
  result<typedao::page<T>> page_for(const by_type<Fk>& parent,
                                    std::optional<std::int64_t> size = std::nullopt,
                                    std::string_view offset = {}, const page_options& o = {}) {
    constexpr std::size_t F = ops::template foreign_member_index<Fk>();
    if (auto errs = ops::template foreign_problems<F>(parent); errs) return std::move(*errs);
    return run_checked(ops::template page<F>(&parent, size, offset, o, pagination_));
  }

  /// Every row, page by page, as an input range of result<T> (`for (auto&& row : dao.each(100))`).
  /// A failed page yields one element holding the error, then the range ends. Holds one page at a
  /// time.
  each_range<T> each(std::optional<std::int64_t> size = std::nullopt, page_options o = {}) {
    return each_range<T>(
        [d = *this, size, o = std::move(o)](std::string_view offset, std::vector<result<T>>& rows) {
          return d.run_checked(ops::template page<detail::npos, int>(
              nullptr, size, offset, o, d.pagination_, typename ops::each_sink{&rows}));
        });
  }

  /// Every child of one parent, page by page.
  template <auto Fk>
  each_range<T> each_for(const by_type<Fk>& parent, std::optional<std::int64_t> size = std::nullopt,
                         page_options o = {}) {
    constexpr std::size_t F = ops::template foreign_member_index<Fk>();
    return each_range<T>([d = *this, parent, size, o = std::move(o)](std::string_view offset,
                                                                     std::vector<result<T>>& rows) {
      if (auto errs = ops::template foreign_problems<F>(parent); errs)
        return result<std::optional<std::string>>(std::move(*errs));
      return d.run_checked(ops::template page<F>(&parent, size, offset, o, d.pagination_,
                                                 typename ops::each_sink{&rows}));
    });
  }

  // ---- counting and truncation ------------------------------------------------------------

  /// Number of (unexpired) rows.
  result<std::int64_t> count() { return exec(ops::template count<detail::npos, int>(nullptr)); }

  /// Number of (unexpired) children of one parent.
  template <auto Fk>
  result<std::int64_t> count_for(const by_type<Fk>& parent) {
    constexpr std::size_t F = ops::template foreign_member_index<Fk>();
    if (auto errs = ops::template foreign_problems<F>(parent); errs) return std::move(*errs);
    return exec(ops::template count<F>(&parent));
  }

  /// TRUNCATE ... CASCADE: empties the table and every table with a foreign key to it.
  result<void> truncate() { return exec(ops::truncate()); }

  // ---- TTL ---------------------------------------------------------------------------------

  /// Seconds until the row expires (empty: never). NOT_FOUND when there is no unexpired row.
  result<std::optional<std::int64_t>> ttl(const key_type& k) {
    static_assert(M::has_ttl,
                  "typedao::dao::ttl: the entity is not TTL-enabled. Declare typedao::with_ttl in "
                  "TYPEDAO_ENTITY.");
    return run_checked(ops::ttl(k));
  }

  /// Deletes expired rows in batches of at most `batch` rows; returns how many it deleted.
  result<std::int64_t> purge_expired(std::int64_t batch = 50000) {
    static_assert(M::has_ttl,
                  "typedao::dao::purge_expired: the entity is not TTL-enabled. Declare "
                  "typedao::with_ttl in TYPEDAO_ENTITY.");
    if (batch < 1)
      return detail::make_error(error_code::invalid_size,
                                "batch must be an integer greater than 0");
    std::int64_t total = 0;
    for (;;) {
      auto n = exec(ops::purge_batch(batch, has_skip_locked(dialect_)));
      if (!n) return n;
      total += *n;
      if (*n < batch) return total;
    }
  }

  // ---- cache keys --------------------------------------------------------------------------

  /// Kong's cache key: "<table>:<v1>:...:<v5>:" (foreign members by their key, missing values
  /// empty, the primary key when every value is empty; '%' and ':' in values escaped as %25, %3A).
  static std::string cache_key(const T& e) {
    static_assert(M::cache_key_members.size() > 0,
                  "typedao::dao::cache_key: the entity declares no cache key. Declare "
                  "typedao::cache_key(&Entity::member, ...) in TYPEDAO_ENTITY.");
    return ops::cache_key(e);
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
                  "typedao::dao::select_by_cache_key: a string key needs a composite cache key; "
                  "with a single "
                  "cache-key member use select_by<&Entity::member> or pass the entity.");
    return run_checked(ops::select_by_cache_key(key, o));
  }

  C& connection() const noexcept { return *conn_; }

 private:
  // A checked operation: the check's error, or what running it gave.
  template <class Op>
  result<typename Op::value_type> run_checked(result<Op>&& op) const {
    if (!op) return std::move(op).error();
    return exec(*op);
  }

  // Runs one operation under this DAO's deadline (with_timeout) or the connection's.
  template <class Op>
  result<typename Op::value_type> exec(const Op& op) const {
    if constexpr (connector<C>) {
      [[maybe_unused]] auto deadline = call_deadline();
      return run(*conn_, op);
    } else {
      return run(*conn_, op, timeout_ms_);
    }
  }

  // On a connection with deadlines, with_timeout's deadline for the calls of one DAO call.
  auto call_deadline() const noexcept {
    if constexpr (requires { conn_->with_deadline(0); }) {
      using guard = decltype(conn_->with_deadline(0));
      return timeout_ms_ < 0 ? std::optional<guard>()
                             : std::optional<guard>(std::in_place, *conn_, timeout_ms_);
    } else {
      return 0;
    }
  }

  // Publishes the write's event when it succeeded (and events are on).
  result<T> published(change op, result<T>&& r) const {
    if (events_ && r) publish(detail::event_of_row(op, *r));
    return std::move(r);
  }
  result<removed_type> removed_published(std::optional<change_event> ev,
                                         result<removed_type>&& r) const {
    if (!events_ || !r) return std::move(r);
    if (ev) publish(std::move(*ev));
    detail::for_each_cascaded<T>(*r, [&](change_event&& e) { publish(std::move(e)); });
    return std::move(r);
  }
  // In-process handlers, then the statement that carries it to other processes (on this DAO's
  // connection: inside a transaction it is delivered at COMMIT). A failed send leaves the
  // write as it is and is counted (event_hub::publish_failures).
  void publish(change_event&& e) const {
    events_->deliver(e);
    if (events_->options().transport == event_transport::none) return;
    const std::string payload = encode_event(e);
    if (!exec(detail::publish_op(events_->options(), payload))) events_->note_publish_failure();
  }

  template <class KeyCols, class KeyV, class NotFound, class Refetch, class... A>
  result<T> dispatch_update(const KeyV& kv, NotFound&& not_found, Refetch&& refetch,
                            const A&... args) {
    static constexpr auto idx = detail::set_member_indices<T, A...>();
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      return do_update<KeyCols, idx[J]...>(kv, not_found, refetch, args...);
    }(std::make_index_sequence<idx.size()>{});
  }

  // The UPDATE operation, after the stored row was read locked, merged and validated when the
  // members need it (immutable members, entity rules): both in one transaction (or savepoint),
  // so the check and the write see the same row.
  template <class KeyCols, std::size_t... Is, class KeyV, class NotFound, class Refetch, class... A>
  result<T> do_update(const KeyV& kv, NotFound& not_found, Refetch& refetch, const A&... args) {
    if (auto err = ops::update_problems(args...)) return std::move(*err);
    std::optional<detail::tx_scope<C>> guard;
    std::optional<std::optional<T>>
        current;  // the stored row, once read: renders unchanged members in errors
    if constexpr (ops::template update_needs_current<Is...>()) {
      guard.emplace(*conn_, "typedao_update");
      if (auto b = guard->begin(); !b) return std::move(b).error();
      auto cur = run(*conn_, ops::template select_locked<KeyCols>(kv));
      if (!cur) return std::move(cur).error();
      if (!*cur) return not_found();
      if (auto e = ops::stored_row_problems(**cur, args...)) return std::move(*e);
      current.emplace(std::move(*cur));
    }
    // Members the caller did not change are rendered from the stored row (error path only): the
    // one read FOR UPDATE, else read again after the failed transaction was rolled back.
    auto other = [&](std::size_t i) {
      guard.reset();
      if (!current) {
        auto cur = refetch();
        current.emplace(cur ? std::move(*cur) : std::optional<T>{});
      }
      return *current ? ops::render_member(**current, i) : detail::shown_value{};
    };
    auto r = run(*conn_, ops::template update<KeyCols, Is...>(kv, not_found, other, args...));
    if (r && guard) {
      if (auto c = guard->commit(); !c) return std::move(c).error();
    }
    return r;
  }

  C* conn_;
  pagination pagination_{};
  int timeout_ms_ = -1;  // -1: the connection's timeout_ms
  const event_hub* events_ = nullptr;
  typedao::dialect dialect_ = typedao::dialect::postgresql;
};

}  // namespace typedao

#endif
