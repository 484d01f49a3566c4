#ifndef TYPEDAO_ASYNC_HPP
#define TYPEDAO_ASYNC_HPP

// The DAO on an asynchronous connection: the same operation values as the blocking DAO
// (dao/ops.hpp: checks, statement, parameters, result mapping), sent by
// typedao::pg::async_connection without blocking the event loop. Every call takes an Asio
// completion token last (default: boost::asio::use_awaitable, so `co_await dao.insert(e)`);
// the completion signature is void(typedao::result<R>) with R as in the blocking DAO.
// docs/async.md.

#include <typedao/dao.hpp>
#include <typedao/dao/operation.hpp>
#include <typedao/dao/ops.hpp>
#include <typedao/dao/transaction.hpp>
#include <typedao/entity.hpp>
#include <typedao/error.hpp>
#include <typedao/pg/async_connection.hpp>
#include <typedao/pg/async_pool.hpp>

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <concepts>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao {

/// The default completion token of the asynchronous DAO: C++20 coroutines.
using default_token = boost::asio::use_awaitable_t<>;

/// Where asynchronous operations run: a pg::async_connection, or a pg::async_pool (each
/// operation on a shared, pipelined connection).
template <class S>
concept async_source = requires(S& s, const statement& st, param_view p) {
  s.get_executor();
  s.async_execute(st, p, pg::exec_options{}, [](result<pg::rows>) {});
};

namespace detail {

template <class R, class Handler, class Ex>
void complete_on(Handler&& h, const Ex& fallback, result<R>&& r) {
  auto ex = boost::asio::get_associated_executor(h, fallback);
  boost::asio::dispatch(ex, [h = std::forward<Handler>(h), r = std::move(r)]() mutable {
    std::move(h)(std::move(r));
  });
}

}  // namespace detail

namespace detail {

// Sends `op` on `c`; `handler` gets its result<T>. The operation lives on the heap until then.
template <async_source S, class T, std::size_t N, class F, class Handler>
void start_run(S& c, operation<T, N, F>&& op, Handler&& handler) {
  auto state = std::make_unique<operation<T, N, F>>(std::move(op));
  auto& ref = *state;
  auto slot = boost::asio::get_associated_cancellation_slot(handler);
  auto ex = c.get_executor();
  c.async_execute(ref.stmt(), ref.params(), pg::exec_options{},
                  boost::asio::bind_cancellation_slot(
                      slot, [h = std::forward<Handler>(handler), state = std::move(state),
                             ex](result<pg::rows> rows) mutable {
                        complete_on(std::move(h), ex, state->finish(std::move(rows)));
                      }));
}

template <class R, class Handler>
void post_result(const boost::asio::any_io_executor& ex, Handler&& handler, result<R>&& r) {
  auto hex = boost::asio::get_associated_executor(handler, ex);
  boost::asio::post(hex, [h = std::forward<Handler>(handler), r = std::move(r)]() mutable {
    std::move(h)(std::move(r));
  });
}

}  // namespace detail

/// Runs one operation on an asynchronous connection. The operation is moved into the
/// asynchronous state; the arguments it borrows from (strings, entities) must outlive the
/// completion, as buffers do in Asio (a coroutine's arguments do). Completion: void(result<T>).
template <async_source S, class T, std::size_t N, class F, class Token = default_token>
auto async_run(S& c, operation<T, N, F> op, Token&& token = {}) {
  return boost::asio::async_initiate<Token, void(result<T>)>(
      [&c](auto handler, operation<T, N, F> op) {
        detail::start_run(c, std::move(op), std::move(handler));
      },
      token, std::move(op));
}

/// The same for an operation whose build may have failed (a check before anything is sent):
/// then it completes with that error, posted.
template <async_source S, class Op, class Token = default_token>
auto async_run(S& c, result<Op> op, Token&& token = {}) {
  using R = typename Op::value_type;
  return boost::asio::async_initiate<Token, void(result<R>)>(
      [&c](auto handler, result<Op> op) {
        if (!op)
          detail::post_result<R>(c.get_executor(), std::move(handler),
                                 result<R>(std::move(op).error()));
        else
          detail::start_run(c, std::move(*op), std::move(handler));
      },
      token, std::move(op));
}

/// Sends every operation of `ops` on one connection in one write, pipelined, and completes when
/// all have answered: one result per operation, in order (an operation whose checks failed
/// holds its error and is not sent). Outside a transaction an error in one fails no other.
/// Completion: void(std::vector<result<R>>).
template <class Op, class Token = default_token>
auto async_run_batch(pg::async_connection& c, std::vector<result<Op>> ops, Token&& token = {}) {
  using R = typename Op::value_type;
  return boost::asio::async_initiate<Token, void(std::vector<result<R>>)>(
      [&c](auto handler, std::vector<result<Op>> ops) {
        struct state {
          std::vector<result<Op>> ops;
          std::vector<result<R>> out;
          std::size_t left = 0;
          decltype(handler) h;
        };
        auto st = std::make_shared<state>(state{std::move(ops), {}, 0, std::move(handler)});
        st->out.resize(st->ops.size());
        for (std::size_t i = 0; i < st->ops.size(); ++i)
          if (!st->ops[i])
            st->out[i] = result<R>(st->ops[i].error());
          else
            ++st->left;
        if (st->left == 0) {
          auto ex = c.get_executor();
          boost::asio::post(ex, [st] { std::move(st->h)(std::move(st->out)); });
          return;
        }
        pg::async_connection::cork cork(c);
        for (std::size_t i = 0; i < st->ops.size(); ++i) {
          if (!st->ops[i]) continue;
          auto& op = *st->ops[i];
          c.async_execute(op.stmt(), op.params(), pg::exec_options{},
                          [st, i](result<pg::rows> rows) {
                            st->out[i] = (*st->ops[i]).finish(std::move(rows));
                            if (--st->left == 0) std::move(st->h)(std::move(st->out));
                          });
        }
      },
      token, std::move(ops));
}

/// Kong's kong.db.<entity> methods on an asynchronous connection or pool.
template <entity T, async_source S = pg::async_connection, class Registry = detail::registry<T>>
class async_dao {
  using M = detail::model<T>;
  using ops = detail::ops<T, Registry>;
  static_assert(detail::rules_checked<T> || true);

 public:
  using entity_type = T;
  using key_type = key_t<T>;
  template <auto By>
  using by_type =
      detail::by_value_t<typename detail::is_member_of_pointer<decltype(By)>::member_type>;
  using removed_type = typename ops::removed_type;

  explicit async_dao(S& c) noexcept : conn_(&c) {}

  /// INSERT ... RETURNING.
  template <class Token = default_token>
  auto insert(const T& e, const write_options& o, Token&& token = {}) {
    return checked(ops::insert(e, o), std::forward<Token>(token));
  }
  template <class Token = default_token>
  auto insert(const T& e, Token&& token = {}) {
    return insert(e, write_options{}, std::forward<Token>(token));
  }

  /// Inserts every entity of `es` in one pipelined batch on a connection: one result each, in
  /// order. Completion: void(std::vector<result<T>>).
  template <class Token = default_token>
  auto insert_batch(std::span<const T> es, Token&& token = {})
    requires std::same_as<S, pg::async_connection>
  {
    using Op =
        typename decltype(ops::insert(std::declval<const T&>(), write_options{}))::value_type;
    std::vector<result<Op>> batch;
    batch.reserve(es.size());
    for (const T& e : es) batch.push_back(ops::insert(e, write_options{}));
    return async_run_batch(*conn_, std::move(batch), std::forward<Token>(token));
  }

  /// Partial update (PATCH) in one statement: `co_await dao.update(key, set<&T::m>(v), ...)`;
  /// a completion token may follow the changes. NOT_FOUND when no row has the key. Members the
  /// caller did not change are not rendered in constraint errors (the blocking DAO reads them).
  template <class... A>
  auto update(const key_type& k, A&&... args) {
    if (auto errs = detail::key_problems<T>(k); !errs.empty())
      return update_with<detail::pk_cols<T>>(k, detail::invalid_primary_key(std::move(errs)),
                                             std::forward<A>(args)...);
    return update_with<detail::pk_cols<T>>(k, std::optional<error>(), std::forward<A>(args)...);
  }

  /// Partial update by a unique member.
  template <auto By, class... A>
  auto update_by(const by_type<By>& v, A&&... args) {
    constexpr std::size_t U = detail::unique_member_index<T, By>();
    std::optional<error> problem;
    if (auto e = ops::template by_value_problem<U>(v)) problem = std::move(*e);
    return update_with<detail::member_cols<T, U>>(v, std::move(problem), std::forward<A>(args)...);
  }

  /// SELECT by primary key (an empty optional when there is none).
  template <class Token = default_token>
  auto select(const key_type& k, const read_options& o, Token&& token = {}) {
    return checked(ops::select(k, o), std::forward<Token>(token));
  }
  template <class Token = default_token>
  auto select(const key_type& k, Token&& token = {}) {
    return select(k, read_options{}, std::forward<Token>(token));
  }

  /// SELECT by a unique member.
  template <auto By, class Token = default_token>
  auto select_by(const by_type<By>& v, Token&& token = {}) {
    return checked(ops::template select_by<detail::unique_member_index<T, By>()>(v, read_options{}),
                   std::forward<Token>(token));
  }

  /// INSERT ... ON CONFLICT (key) DO UPDATE.
  template <class Token = default_token>
  auto upsert(const key_type& k, const T& e, Token&& token = {}) {
    return checked(ops::upsert(k, e, write_options{}), std::forward<Token>(token));
  }

  /// DELETE by primary key (with the cascaded descendants).
  template <class Token = default_token>
  auto remove(const key_type& k, Token&& token = {}) {
    using Op = decltype(ops::template remove<detail::pk_cols<T>>(k, false));
    if (auto errs = detail::key_problems<T>(k); !errs.empty())
      return async_run(*conn_, result<Op>(detail::invalid_primary_key(std::move(errs))),
                       std::forward<Token>(token));
    return async_run(*conn_, result<Op>(ops::template remove<detail::pk_cols<T>>(k, false)),
                     std::forward<Token>(token));
  }

  /// Upsert by a unique member.
  template <auto By, class Token = default_token>
  auto upsert_by(const by_type<By>& v, const T& e, Token&& token = {}) {
    return checked(
        ops::template upsert_by<detail::unique_member_index<T, By>()>(v, e, write_options{}),
        std::forward<Token>(token));
  }

  /// DELETE by a unique member (with the cascaded descendants).
  template <auto By, class Token = default_token>
  auto remove_by(const by_type<By>& v, Token&& token = {}) {
    constexpr std::size_t U = detail::unique_member_index<T, By>();
    using Op = decltype(ops::template remove<detail::member_cols<T, U>>(v, false));
    if (auto e = ops::template by_value_problem<U>(v))
      return async_run(*conn_, result<Op>(std::move(*e)), std::forward<Token>(token));
    return async_run(*conn_, result<Op>(ops::template remove<detail::member_cols<T, U>>(v, false)),
                     std::forward<Token>(token));
  }

  /// The children of one parent through the foreign<> member Fk, one page.
  template <auto Fk, class Token = default_token>
  auto page_for(const by_type<Fk>& parent, std::optional<std::int64_t> size,
                std::string_view offset, Token&& token = {}) {
    constexpr std::size_t F = ops::template foreign_member_index<Fk>();
    using Op = typename decltype(ops::template page<F>(&parent, size, offset, page_options{},
                                                       pagination{}))::value_type;
    if (auto errs = ops::template foreign_problems<F>(parent); errs)
      return async_run(*conn_, result<Op>(std::move(*errs)), std::forward<Token>(token));
    return checked(ops::template page<F>(&parent, size, offset, page_options{}, pagination{}),
                   std::forward<Token>(token));
  }

  /// Number of (unexpired) children of one parent.
  template <auto Fk, class Token = default_token>
  auto count_for(const by_type<Fk>& parent, Token&& token = {}) {
    constexpr std::size_t F = ops::template foreign_member_index<Fk>();
    using Op = decltype(ops::template count<F>(&parent));
    if (auto errs = ops::template foreign_problems<F>(parent); errs)
      return async_run(*conn_, result<Op>(std::move(*errs)), std::forward<Token>(token));
    return async_run(*conn_, result<Op>(ops::template count<F>(&parent)),
                     std::forward<Token>(token));
  }

  /// Seconds until the row expires (empty: never); NOT_FOUND when there is no unexpired row.
  template <class Token = default_token>
  auto ttl(const key_type& k, Token&& token = {}) {
    static_assert(M::has_ttl,
                  "typedao::async_dao::ttl: the entity is not TTL-enabled. Declare "
                  "typedao::with_ttl in TYPEDAO_ENTITY.");
    return checked(ops::ttl(k), std::forward<Token>(token));
  }

  /// Deletes expired rows in batches of at most `batch` rows, one statement after another;
  /// completes with how many it deleted (or the first error).
  template <class Token = default_token>
  auto purge_expired(std::int64_t batch = 50000, Token&& token = {}) {
    static_assert(M::has_ttl,
                  "typedao::async_dao::purge_expired: the entity is not TTL-enabled. Declare "
                  "typedao::with_ttl in TYPEDAO_ENTITY.");
    return boost::asio::async_initiate<Token, void(result<std::int64_t>)>(
        [conn = conn_](auto handler, std::int64_t batch) {
          if (batch < 1) {
            detail::post_result<std::int64_t>(
                conn->get_executor(), std::move(handler),
                result<std::int64_t>(detail::make_error(
                    error_code::invalid_size, "batch must be an integer greater than 0")));
            return;
          }
          using H = decltype(handler);
          struct purge : std::enable_shared_from_this<purge> {
            S* conn;
            std::int64_t batch;
            std::int64_t total = 0;
            H h;
            purge(S* c, std::int64_t b, H&& hh) : conn(c), batch(b), h(std::move(hh)) {}
            void next() {
              detail::start_run(*conn, ops::purge_batch(batch),
                                [self = this->shared_from_this()](result<std::int64_t> n) {
                                  if (!n) return std::move(self->h)(std::move(n));
                                  self->total += *n;
                                  if (*n < self->batch)
                                    return std::move(self->h)(result<std::int64_t>(self->total));
                                  self->next();
                                });
            }
          };
          std::make_shared<purge>(conn, batch, std::move(handler))->next();
        },
        token, batch);
  }

  /// One page in primary-key order.
  template <class Token = default_token>
  auto page(std::optional<std::int64_t> size, std::string_view offset, Token&& token = {}) {
    return checked(
        ops::template page<detail::npos, int>(nullptr, size, offset, page_options{}, pagination{}),
        std::forward<Token>(token));
  }

  /// Number of (unexpired) rows.
  template <class Token = default_token>
  auto count(Token&& token = {}) {
    return async_run(*conn_, ops::template count<detail::npos, int>(nullptr),
                     std::forward<Token>(token));
  }

  S& connection() const noexcept { return *conn_; }

 private:
  // update / update_by: the changes, then optionally a completion token.
  template <class KeyCols, class KeyV, class... A>
  auto update_with(const KeyV& kv, std::optional<error> problem, A&&... args) {
    constexpr std::size_t n = sizeof...(A);
    using Last = std::remove_cvref_t<std::tuple_element_t<n - 1, std::tuple<A...>>>;
    constexpr bool has_token =
        !detail::is_set<Last>::value && !detail::is_write_options<Last>::value;
    auto all = std::forward_as_tuple(std::forward<A>(args)...);
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      if constexpr (has_token)
        return start_update<KeyCols>(kv, std::move(problem), std::get<n - 1>(all),
                                     std::get<I>(all)...);
      else
        return start_update<KeyCols>(kv, std::move(problem), default_token{}, std::get<I>(all)...);
    }(std::make_index_sequence < has_token ? n - 1 : n > {});
  }

  // The changes, the key and the error mappings are copied into the operation's state: they
  // live until the completion.
  template <class KeyCols, class KeyV, class Token, class... C>
  auto start_update(const KeyV& kv, std::optional<error> problem, Token&& token,
                    const C&... changes) {
    static_assert(
        ((detail::is_set<C>::value || detail::is_write_options<C>::value) && ...),
        "typedao::async_dao::update: changes must be typedao::set<&Entity::member>(value) (and at "
        "most one typedao::write_options), then optionally a completion token.");
    static_assert((std::size_t{0} + ... + (detail::is_set<C>::value ? 1 : 0)) > 0,
                  "typedao::async_dao::update: nothing to change. Pass "
                  "typedao::set<&Entity::member>(value).");
    static constexpr auto idx = detail::set_member_indices<T, C...>();
    return [&]<std::size_t... J>(std::index_sequence<J...>) {
      static_assert(!ops::template update_needs_current<idx[J]...>(),
                    "typedao::async_dao::update: changing an immutable member or a member of an "
                    "entity rule needs the stored row (read, check and write in one transaction); "
                    "the asynchronous DAO does not do that yet: use the blocking DAO for it.");
      return boost::asio::async_initiate<Token, void(result<T>)>(
          [conn = conn_](auto handler, KeyV kv, std::optional<error> problem, C... changes) {
            if (problem) {
              detail::post_result<T>(conn->get_executor(), std::move(handler),
                                     result<T>(std::move(*problem)));
              return;
            }
            if (auto err = ops::update_problems(changes...)) {
              detail::post_result<T>(conn->get_executor(), std::move(handler),
                                     result<T>(std::move(*err)));
              return;
            }
            struct state {
              KeyV kv;
              std::tuple<C...> changes;
              std::function<error()> not_found;
              std::function<detail::shown_value(std::size_t)> other;
            };
            auto st =
                std::make_shared<state>(state{std::move(kv), {std::move(changes)...}, {}, {}});
            st->not_found = [s = st.get()]() -> error {
              if constexpr (std::is_same_v<KeyCols, detail::pk_cols<T>>)
                return detail::not_found_by_key<T>(s->kv);
              else
                return detail::not_found_by_member(M::member_names[KeyCols::member],
                                                   detail::show(s->kv));
            };
            st->other = [](std::size_t) { return detail::shown_value{}; };
            auto op = std::apply(
                [&](const C&... c) {
                  return ops::template update<KeyCols, idx[J]...>(st->kv, st->not_found, st->other,
                                                                  c...);
                },
                st->changes);
            detail::start_run(
                *conn, std::move(op),
                [st, h = std::move(handler)](result<T> r) mutable { std::move(h)(std::move(r)); });
          },
          token, kv, std::move(problem), changes...);
    }(std::make_index_sequence<idx.size()>{});
  }

  template <class Op, class Token>
  auto checked(result<Op>&& op, Token&& token) {
    return async_run(*conn_, std::move(op), std::forward<Token>(token));
  }

  S* conn_;
};

namespace detail {
struct async_tx_key {
  explicit async_tx_key() = default;
};
}  // namespace detail

/// A transaction on a connection of its own (a lease of an async_pool, or a connection nothing
/// else uses meanwhile): `auto tx = co_await typedao::async_begin<Registry>(pool);`, then
/// `tx->dao<T>()`, `co_await tx->commit()`. A scope that ends without commit() or rollback()
/// rolls back (sent without waiting; on a pool the connection goes back afterwards).
template <class Registry>
class async_transaction {
 public:
  async_transaction(async_transaction&& o) noexcept
      : conn_(o.conn_), lease_(std::move(o.lease_)), active_(std::exchange(o.active_, false)) {}
  async_transaction& operator=(async_transaction&&) = delete;
  async_transaction(const async_transaction&) = delete;
  ~async_transaction() {
    if (!active_ || !conn_ || !conn_->is_open()) return;
    // Rolled back without waiting; the lease (if any) is kept until the server has answered.
    conn_->async_execute_script(
        "ROLLBACK", [lease = std::move(lease_)](result<pg::rows>) mutable { lease.release(); });
  }

  /// The DAO of an entity, inside this transaction.
  template <class T>
  async_dao<T, pg::async_connection, Registry> dao() const noexcept {
    return async_dao<T, pg::async_connection, Registry>(*conn_);
  }
  pg::async_connection& connection() const noexcept { return *conn_; }
  bool active() const noexcept { return active_; }

  /// COMMIT. Completion: void(result<void>); the transaction has ended either way.
  template <class Token = default_token>
  auto commit(Token&& token = {}) {
    return end("COMMIT", std::forward<Token>(token));
  }
  /// ROLLBACK. Completion: void(result<void>).
  template <class Token = default_token>
  auto rollback(Token&& token = {}) {
    return end("ROLLBACK", std::forward<Token>(token));
  }

  /// Made by async_begin (after its BEGIN succeeded).
  async_transaction(detail::async_tx_key, pg::async_connection& c, pg::async_lease lease)
      : conn_(&c), lease_(std::move(lease)) {}

 private:
  template <class Token>
  auto end(const char* sql, Token&& token) {
    const bool was_active = std::exchange(active_, false);
    return boost::asio::async_initiate<Token, void(result<void>)>(
        [conn = conn_, was_active](auto handler, const char* sql) {
          if (!was_active) {
            detail::post_result<void>(
                conn->get_executor(), std::move(handler),
                result<void>(detail::make_error(error_code::invalid_options,
                                                "the transaction has already ended")));
            return;
          }
          conn->async_execute_script(sql, [h = std::move(handler)](result<pg::rows> r) mutable {
            std::move(h)(r ? result<void>() : result<void>(std::move(r).error()));
          });
        },
        token, sql);
  }

  pg::async_connection* conn_;
  pg::async_lease lease_;
  bool active_ = true;
};

/// BEGIN (with the isolation level and access mode of `o`) on a connection of its own: a lease
/// of `source` when it is an async_pool, `source` itself when it is an async_connection (send
/// nothing else on it until the transaction ends). Completion:
/// void(result<async_transaction<Registry>>).
template <class Registry, class S, class Token = default_token>
auto async_begin(S& source, const transaction_options& o = {}, Token&& token = {}) {
  using tx_t = async_transaction<Registry>;
  return boost::asio::async_initiate<Token, void(result<tx_t>)>(
      [&source](auto handler, std::string sql) {
        auto begin_on = [sql = std::move(sql)](pg::async_connection& c, pg::async_lease lease,
                                               auto h) {
          c.async_execute_script(
              sql, [&c, lease = std::move(lease), h = std::move(h)](result<pg::rows> r) mutable {
                if (!r) {
                  std::move(h)(result<tx_t>(std::move(r).error()));
                  return;
                }
                std::move(h)(result<tx_t>(tx_t(detail::async_tx_key{}, c, std::move(lease))));
              });
        };
        if constexpr (std::is_same_v<S, pg::async_connection>) {
          begin_on(source, pg::async_lease(), std::move(handler));
        } else {
          source.async_acquire([begin_on = std::move(begin_on),
                                h = std::move(handler)](result<pg::async_lease> l) mutable {
            if (!l) {
              std::move(h)(result<tx_t>(std::move(l).error()));
              return;
            }
            auto& c = **l;
            begin_on(c, std::move(*l), std::move(h));
          });
        }
      },
      token, detail::begin_sql(o));
}

}  // namespace typedao

#endif
