#ifndef TYPEDAO_TRANSACTION_HPP
#define TYPEDAO_TRANSACTION_HPP

// typedao::basic_transaction: a transaction scope on one connection (db.begin()), whose DAOs run
// inside it. Commit, rollback, rollback at the end of the scope without commit; nested scopes are
// savepoints. A connection lost inside it fails every later call and the commit
// (TRANSACTION_LOST): nothing is committed outside the transaction the caller opened.

#include <typedao/connector.hpp>
#include <typedao/dao.hpp>
#include <typedao/dao/transaction.hpp>
#include <typedao/dialect.hpp>
#include <typedao/entity.hpp>
#include <typedao/error.hpp>
#include <typedao/events.hpp>

#include <string>
#include <type_traits>
#include <utility>

namespace typedao {

template <connector C, entity... Es>
class basic_transaction {
 public:
  /// Opens nothing: db.begin() and tx.nested() open one. `depth` names the savepoint.
  basic_transaction(C& c, int depth, const event_hub* events = nullptr,
                    typedao::dialect d = typedao::dialect::postgresql)
      : scope_(c, "typedao_sp" + std::to_string(depth)),
        depth_(depth),
        events_(events),
        dialect_(d) {}

  /// BEGIN (or SAVEPOINT when the connection is already in a transaction).
  result<void> begin(const transaction_options& o = {}) { return scope_.begin(o); }

  /// The DAO of a registered entity, running inside this transaction.
  template <class T>
  typedao::dao<T, C, detail::registry<Es...>> dao() const noexcept {
    static_assert(
        (std::is_same_v<T, Es> || ...),
        "typedao::transaction::dao: the entity is not registered in this database. Add it to the "
        "database's entity list.");
    return typedao::dao<T, C, detail::registry<Es...>>(scope_.connection())
        .with_events(events_)
        .with_dialect(dialect_);
  }

  /// COMMIT (RELEASE SAVEPOINT when nested). The scope is closed whatever the answer; a failed
  /// COMMIT (serialization failure, lost connection) committed nothing unless its error says
  /// maybe_applied.
  result<void> commit() { return scope_.commit(); }
  /// ROLLBACK (ROLLBACK TO SAVEPOINT when nested: the outer transaction goes on).
  result<void> rollback() { return scope_.rollback(); }

  /// A nested scope (SAVEPOINT): its commit keeps its work in this transaction, its rollback or
  /// its end without commit undoes only its own work.
  result<basic_transaction> nested() {
    basic_transaction inner(scope_.connection(), depth_ + 1, events_, dialect_);
    if (auto r = inner.begin(); !r) return std::move(r).error();
    return inner;
  }

  /// Open: begun, and neither committed nor rolled back.
  bool active() const noexcept { return scope_.open(); }
  /// A savepoint inside an outer transaction.
  bool is_nested() const noexcept { return scope_.nested(); }
  C& connection() const noexcept { return scope_.connection(); }

 private:
  detail::tx_scope<C> scope_;
  int depth_;
  const event_hub* events_;  // the database's: writes publish inside the transaction
  typedao::dialect dialect_;
};

/// A transaction on a connection taken from a pool for its whole length (db.begin() on a
/// database over a pool): the same interface as basic_transaction; the connection goes back to
/// the pool when the scope ends (after its rollback, if it was not committed).
template <connection_pool P, entity... Es>
class pooled_transaction {
  using lease_type = std::remove_cvref_t<decltype(std::declval<P&>().acquire().value())>;
  using conn_type = typename P::connection_type;

 public:
  explicit pooled_transaction(lease_type l, const event_hub* events = nullptr,
                              typedao::dialect d = typedao::dialect::postgresql)
      : lease_(std::move(l)), tx_(*lease_, 0, events, d) {}

  /// BEGIN, within the deadline the lease was taken under; the calls after it each have their
  /// own.
  result<void> begin(const transaction_options& o = {}) {
    auto r = tx_.begin(o);
    if constexpr (requires { lease_->clear_call_deadline(); }) lease_->clear_call_deadline();
    return r;
  }
  template <class T>
  typedao::dao<T, conn_type, detail::registry<Es...>> dao() const noexcept {
    return tx_.template dao<T>();
  }
  result<void> commit() { return tx_.commit(); }
  result<void> rollback() { return tx_.rollback(); }
  /// A nested scope (SAVEPOINT) on the same connection; it must end before this one.
  result<basic_transaction<conn_type, Es...>> nested() { return tx_.nested(); }
  bool active() const noexcept { return tx_.active(); }
  bool is_nested() const noexcept { return tx_.is_nested(); }
  conn_type& connection() const noexcept { return tx_.connection(); }

 private:
  lease_type lease_;  // declared first: outlives the scope, which rolls back in its destructor
  basic_transaction<conn_type, Es...> tx_;
};

}  // namespace typedao

#endif
