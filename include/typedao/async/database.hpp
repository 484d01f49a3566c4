#ifndef TYPEDAO_ASYNC_DATABASE_HPP
#define TYPEDAO_ASYNC_DATABASE_HPP

// typedao::async_database<Es...>: the registered entities on an asynchronous pool (or
// connection), as typedao::database is on a blocking one: db.dao<T>(), db.begin(),
// db.transact(fn). docs/async.md.

#include <typedao/async/dao.hpp>
#include <typedao/async/run.hpp>
#include <typedao/async/transaction.hpp>
#include <typedao/database.hpp>
#include <typedao/pg/async_connection.hpp>
#include <typedao/pg/async_pool.hpp>

#include <type_traits>
#include <utility>

namespace typedao {

/// The entities of one database on an asynchronous source (pg::async_pool or
/// pg::async_connection).
template <async_source S, entity... Es>
class basic_async_database {
  static_assert(sizeof...(Es) > 0,
                "typedao::async_database: register at least one entity. List them: "
                "async_database<Service, Route>.");
  static_assert(detail::checks_run<detail::parents_registered<Es, Es...>()...>);

 public:
  using registry_type = detail::registry<Es...>;

  explicit basic_async_database(S& source) noexcept : src_(&source) {}

  /// The DAO of a registered entity.
  template <class T>
  async_dao<T, S, registry_type> dao() const noexcept {
    static_assert(detail::registered<T, Es...>,
                  "typedao::async_database::dao: the entity is not registered in this database. "
                  "Add it to the database's entity list.");
    return async_dao<T, S, registry_type>(*src_);
  }

  /// A transaction scope (async_begin). Completion: void(result<async_transaction<...>>).
  template <class Token = default_token>
  auto begin(const transaction_options& o = {}, Token&& token = {}) {
    return async_begin<registry_type>(*src_, o, std::forward<Token>(token));
  }

  /// Runs the coroutine fn(tx) in a transaction, again after 40001/40P01 (async_transact).
  template <class F>
  auto transact(F fn, const transaction_options& o = {}) {
    return async_transact<registry_type>(*src_, std::move(fn), o);
  }

  S& source() const noexcept { return *src_; }

 private:
  S* src_;
};

/// The registered entities on a pg::async_pool: typedao::async_database<Service, Route> db{pool}.
template <entity... Es>
using async_database = basic_async_database<pg::async_pool, Es...>;

}  // namespace typedao

#endif
