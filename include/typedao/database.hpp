#ifndef TYPEDAO_DATABASE_HPP
#define TYPEDAO_DATABASE_HPP

// typedao::basic_database<C, Es...>: the registry of entities on one connection (Kong's kong.db).
// It knows the foreign-key graph at compile time: migrate() creates tables parents first.

#include <typedao/connector.hpp>
#include <typedao/dao.hpp>
#include <typedao/dialect.hpp>
#include <typedao/entity.hpp>
#include <typedao/events.hpp>
#include <typedao/sql.hpp>
#include <typedao/transaction.hpp>

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>

namespace typedao {

namespace detail {

template <class T, class... Es>
inline constexpr bool registered = (std::is_same_v<T, Es> || ...);

template <class Entity, auto Member, class Parent, bool Ok = false>
struct parent_not_registered {
  static_assert(
      Ok,
      "typedao::database: an entity has a foreign<> to an entity that is not registered. Add the "
      "parent to the database's entity list.");
};

// Every foreign<> member of T names a registered parent; the error names the member and parent.
template <class T, class... Es>
consteval bool parents_registered() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (true && ... && [] {
      if constexpr (member_is_foreign<T, I>) {
        using P = typename is_foreign<value_type_t<T, I>>::parent;
        if constexpr (!registered<P, Es...>) {
          (void)sizeof(parent_not_registered<T, member_d<T, I>::pointer, P>);
          return false;
        }
      }
      return true;
    }());
  }(std::make_index_sequence<model<T>::member_count>{});
}

// Depth in the foreign-key graph: 0 for an entity without parents. Finite because a parent must
// be complete before a child can name it.
template <class T>
consteval std::size_t fk_depth() {
  std::size_t d = 0;
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (
        [&] {
          if constexpr (member_is_foreign<T, I>) {
            using P = typename is_foreign<value_type_t<T, I>>::parent;
            if constexpr (!std::is_same_v<P, T>) {
              std::size_t pd = fk_depth<P>() + 1;
              if (pd > d) d = pd;
            }
          }
        }(),
        ...);
  }(std::make_index_sequence<model<T>::member_count>{});
  return d;
}

template <class... Es>
struct migrate_gen {
  template <class B>
  constexpr void operator()(B& b) const {
    constexpr std::size_t n = sizeof...(Es);
    constexpr std::array<std::size_t, n> depth{fk_depth<Es>()...};
    constexpr std::array<std::string_view, n> ddl{sql::create_table<Es>()...};
    b.put("SET LOCAL client_min_messages = warning;\n");
    std::size_t max_depth = 0;
    for (auto d : depth) max_depth = d > max_depth ? d : max_depth;
    for (std::size_t level = 0; level <= max_depth; ++level)
      for (std::size_t i = 0; i < n; ++i)
        if (depth[i] == level) b.put(ddl[i]);
  }
};

}  // namespace detail

/// The entities of one database on one connection: `db.dao<Service>()`, `db.migrate()`.
template <connection_source C, entity... Es>
class basic_database {
  static_assert(
      sizeof...(Es) > 0,
      "typedao::database: register at least one entity. List them: database<Service, Route>.");
  static_assert(detail::checks_run<detail::parents_registered<Es, Es...>()...>);

 public:
  explicit basic_database(C& conn) noexcept : conn_(&conn) {}

  /// The DAO of a registered entity.
  template <class T>
  typedao::dao<T, C, detail::registry<Es...>> dao() const noexcept {
    static_assert(
        detail::registered<T, Es...>,
        "typedao::database::dao: the entity is not registered in this database. Add it to the "
        "database's entity list.");
    return typedao::dao<T, C, detail::registry<Es...>>(*conn_).with_events(events_).with_dialect(
        dialect_);
  }

  /// The engine this database talks to (dialect.hpp; default: PostgreSQL).
  void set_dialect(typedao::dialect d) noexcept { dialect_ = d; }
  typedao::dialect dialect() const noexcept { return dialect_; }

  /// Publishes every write of this database's DAOs (and of its transactions' DAOs) to `hub`:
  /// in-process handlers, and NOTIFY or the events table for other processes (events.hpp).
  void publish_to(const event_hub& hub) noexcept { events_ = &hub; }
  const event_hub* events() const noexcept { return events_; }

  /// The DDL migrate() runs: every table, parents before children, idempotent (IF NOT EXISTS).
  static constexpr std::string_view schema_sql() {
    return detail::text_v<detail::migrate_gen<Es...>>.view();
  }

  /// Creates every table and index that does not exist yet, in one transaction, serialised
  /// against concurrent migrations by an advisory lock.
  result<void> migrate() {
    if constexpr (connector<C>) {
      return migrate_on(*conn_, dialect_);
    } else {
      auto lease = conn_->acquire();
      if (!lease) return std::move(lease).error();
      return migrate_on(**lease, dialect_);
    }
  }

  template <class Conn>
  static result<void> migrate_on(Conn& conn, typedao::dialect d = typedao::dialect::postgresql) {
    auto* conn_ = &conn;
    // Concurrent migrations wait for each other (where the engine has advisory locks; else the
    // statements' IF NOT EXISTS keep a concurrent run harmless, and one of them may fail).
    auto r = conn_->execute_script(
        has_advisory_locks(d) ? "BEGIN;\nSELECT pg_advisory_xact_lock(7598457003829063983);\n"
                              : "BEGIN");
    if (!r) return r;
    r = conn_->execute_script(schema_sql());
    if (!r) {
      (void)conn_->execute_script("ROLLBACK");
      return r;
    }
    return conn_->execute_script("COMMIT");
  }

  /// A transaction scope on this database's connection (BEGIN, or a SAVEPOINT when the
  /// connection is already in one); rolled back unless committed. typedao::transaction_options
  /// sets the isolation level and read-only mode.
  /// Over a pool, the transaction takes one connection for its whole length
  /// (typedao::pooled_transaction).
  auto begin(const transaction_options& o = {}) {
    if constexpr (connector<C>) {
      using tx_t = basic_transaction<C, Es...>;
      tx_t tx(*conn_, 0, events_, dialect_);
      if (auto r = tx.begin(o); !r) return result<tx_t>(std::move(r).error());
      return result<tx_t>(std::move(tx));
    } else {
      using tx_t = pooled_transaction<C, Es...>;
      auto lease = detail::lease_for_call(*conn_, -1);  // the wait and BEGIN: one deadline
      if (!lease) return result<tx_t>(std::move(lease).error());
      tx_t tx(std::move(*lease), events_, dialect_);
      if (auto r = tx.begin(o); !r) return result<tx_t>(std::move(r).error());
      return result<tx_t>(std::move(tx));
    }
  }

  /// Runs `fn(tx)` (returning a result<R>) in a transaction and commits it when fn succeeded;
  /// rolls back otherwise. When the server reports a serialization failure (40001) or a
  /// deadlock (40P01), in fn or at COMMIT, the whole unit runs again, up to o.max_attempts in
  /// all (top-level transactions only: a nested one is a savepoint of a transaction that has
  /// already failed). Returns fn's result, or the error that ended the last attempt.
  template <class F>
  auto transact(F&& fn, const transaction_options& o = {}) {
    using tx_t = std::remove_cvref_t<decltype(begin(o).value())>;
    using R = std::remove_cvref_t<decltype(fn(std::declval<tx_t&>()))>;
    static_assert(detail::is_basic_result<R>::value,
                  "typedao::database::transact: the function must return a typedao::result<T>.");
    for (int attempt = 1;; ++attempt) {
      auto tx = begin(o);
      if (!tx) return R(std::move(tx).error());
      R r = fn(*tx);
      error failure;
      if (r) {
        if (!tx->active()) return r;  // fn ended the transaction itself
        auto c = tx->commit();
        if (c) return r;
        failure = std::move(c).error();
      } else {
        failure = r.error();
        (void)tx->rollback();
      }
      const std::string& st = failure.server.sqlstate;
      const bool transient = st == "40001" || st == "40P01";
      if (!transient || tx->is_nested() || attempt >= o.max_attempts) return R(std::move(failure));
    }
  }

  C& connection() const noexcept { return *conn_; }

 private:
  C* conn_;
  const event_hub* events_ = nullptr;
  typedao::dialect dialect_ = typedao::dialect::postgresql;
};

}  // namespace typedao

#endif
