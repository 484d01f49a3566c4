#ifndef TYPEDAO_ASYNC_DAO_HPP
#define TYPEDAO_ASYNC_DAO_HPP

// typedao::async_dao: Kong's kong.db.<entity> methods on an asynchronous connection or pool,
// running the same operation values as the blocking DAO (dao/ops.hpp). Every call takes an Asio
// completion token last (default: use_awaitable); the completion signature is
// void(typedao::result<R>) with R as in the blocking DAO. docs/async.md.

#include <typedao/async/run.hpp>
#include <typedao/dao.hpp>
#include <typedao/dao/operation.hpp>
#include <typedao/dao/ops.hpp>
#include <typedao/entity.hpp>
#include <typedao/error.hpp>
#include <typedao/pg/async_connection.hpp>
#include <typedao/pg/async_pool.hpp>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace typedao {

namespace detail {
struct async_tx_key {
  explicit async_tx_key() = default;
};
}  // namespace detail

/// dao.each(): every row, one page in memory at a time; `co_await rows.next()` gives the next row
/// (an empty optional at the end). A page that failed gives one element holding its error, then
/// the end. Neither copied nor moved (the page being fetched is decoded into it): keep it where
/// it was made until the last next() has completed.
template <class T, class S, class Registry>
class async_rows {
  using ops = detail::ops<T, Registry>;

 public:
  async_rows(S& c, const pg::exec_options& eo, std::optional<std::int64_t> size, page_options o)
      : conn_(&c), eo_(eo), size_(size), o_(std::move(o)) {}
  async_rows(const async_rows&) = delete;
  async_rows& operator=(const async_rows&) = delete;

  /// Completion: void(std::optional<result<T>>).
  template <class Token = default_token>
  auto next(Token&& token = {}) {
    using R = std::optional<result<T>>;
    return boost::asio::async_initiate<Token, void(R)>(
        [this](auto handler) {
          auto ex = conn_->get_executor();
          auto give = [&](R r) {
            auto hex = boost::asio::get_associated_executor(handler, ex);
            boost::asio::post(hex, [h = std::move(handler), r = std::move(r)]() mutable {
              std::move(h)(std::move(r));
            });
          };
          if (next_ < rows_.size()) return give(R(std::move(rows_[next_++])));
          if (done_) return give(R());
          rows_.clear();
          next_ = 0;
          auto op = ops::template page<detail::npos, int>(
              nullptr, size_, offset_ ? std::string_view(*offset_) : std::string_view{}, o_,
              pagination{}, typename ops::each_sink{&rows_});
          if (!op) {
            done_ = true;
            return give(R(result<T>(std::move(op).error())));
          }
          detail::start_run(
              *conn_, std::move(*op), eo_,
              [this, h = std::move(handler)](result<std::optional<std::string>> off) mutable {
                R r;
                if (!off) {
                  done_ = true;
                  rows_.clear();
                  r.emplace(std::move(off).error());
                } else {
                  ++page_no_;
                  offset_ = std::move(*off);
                  done_ = !offset_;
                  if (next_ < rows_.size()) r.emplace(std::move(rows_[next_++]));
                }
                std::move(h)(std::move(r));
              });
        },
        token);
  }

  /// 1-based number of the page the last row came from.
  std::size_t page_number() const noexcept { return page_no_; }

 private:
  S* conn_;
  pg::exec_options eo_;
  std::optional<std::int64_t> size_;
  page_options o_;
  std::vector<result<T>> rows_;
  std::size_t next_ = 0, page_no_ = 0;
  std::optional<std::string> offset_;
  bool done_ = false;
};

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
  /// Made by async_transaction::dao(): statements go under the transaction's hold.
  async_dao(detail::async_tx_key, S& c, const pg::exec_options& eo) noexcept
      : conn_(&c), eo_(eo), in_tx_(true) {}

  /// This DAO with another deadline for each of its statements (ms; 0: none) instead of the
  /// connection's timeout_ms.
  async_dao with_timeout(int ms) const noexcept {
    async_dao d = *this;
    d.eo_.timeout_ms = ms < 0 ? 0 : ms;
    return d;
  }

  /// Every row in primary-key order, one page in memory at a time:
  /// `auto rows = dao.each(100); while (auto row = co_await rows.next()) use(*row);`.
  /// The DAO's source must outlive the cursor.
  async_rows<T, S, Registry> each(std::optional<std::int64_t> size = std::nullopt,
                                  page_options o = {}) const {
    return async_rows<T, S, Registry>(*conn_, eo_, size, std::move(o));
  }

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
    return async_run_batch(*conn_, std::move(batch), std::forward<Token>(token), eo_);
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
      return run_(result<Op>(detail::invalid_primary_key(std::move(errs))),
                  std::forward<Token>(token));
    return run_(result<Op>(ops::template remove<detail::pk_cols<T>>(k, false)),
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
      return run_(result<Op>(std::move(*e)), std::forward<Token>(token));
    return run_(result<Op>(ops::template remove<detail::member_cols<T, U>>(v, false)),
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
      return run_(result<Op>(std::move(*errs)), std::forward<Token>(token));
    return checked(ops::template page<F>(&parent, size, offset, page_options{}, pagination{}),
                   std::forward<Token>(token));
  }

  /// Number of (unexpired) children of one parent.
  template <auto Fk, class Token = default_token>
  auto count_for(const by_type<Fk>& parent, Token&& token = {}) {
    constexpr std::size_t F = ops::template foreign_member_index<Fk>();
    using Op = decltype(ops::template count<F>(&parent));
    if (auto errs = ops::template foreign_problems<F>(parent); errs)
      return run_(result<Op>(std::move(*errs)), std::forward<Token>(token));
    return run_(result<Op>(ops::template count<F>(&parent)), std::forward<Token>(token));
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
        [conn = conn_, eo = eo_](auto handler, std::int64_t batch) {
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
            pg::exec_options eo;
            std::int64_t batch;
            std::int64_t total = 0;
            H h;
            purge(S* c, const pg::exec_options& e, std::int64_t b, H&& hh)
                : conn(c), eo(e), batch(b), h(std::move(hh)) {}
            void next() {
              detail::start_run(*conn, ops::purge_batch(batch), eo,
                                [self = this->shared_from_this()](result<std::int64_t> n) {
                                  if (!n) return std::move(self->h)(std::move(n));
                                  self->total += *n;
                                  if (*n < self->batch)
                                    return std::move(self->h)(result<std::int64_t>(self->total));
                                  self->next();
                                });
            }
          };
          std::make_shared<purge>(conn, eo, batch, std::move(handler))->next();
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
    return run_(ops::template count<detail::npos, int>(nullptr), std::forward<Token>(token));
  }

  S& connection() const noexcept { return *conn_; }
  /// The per-statement options this DAO sends with (deadline, transaction hold).
  const pg::exec_options& exec_options() const noexcept { return eo_; }

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
      if constexpr (ops::template update_needs_current<idx[J]...>())
        return start_checked_update<KeyCols, idx[J]...>(kv, std::move(problem),
                                                        std::forward<Token>(token), changes...);
      else
        return boost::asio::async_initiate<Token, void(result<T>)>(
            [conn = conn_, eo = eo_](auto handler, KeyV kv, std::optional<error> problem,
                                     C... changes) {
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
                    return ops::template update<KeyCols, idx[J]...>(st->kv, st->not_found,
                                                                    st->other, c...);
                  },
                  st->changes);
              detail::start_run(*conn, std::move(op), eo,
                                [st, h = std::move(handler)](result<T> r) mutable {
                                  std::move(h)(std::move(r));
                                });
            },
            token, kv, std::move(problem), changes...);
    }(std::make_index_sequence<idx.size()>{});
  }

  // Update with the stored-row checks (immutable members, entity rules): on a connection of its
  // own -- a lease of a pool, a hold of a shared connection, or inside the caller's transaction
  // (a savepoint) -- BEGIN; SELECT ... FOR UPDATE; check the merged row; UPDATE; COMMIT.
  template <class KeyCols, std::size_t... Is, class KeyV, class Token, class... C>
  auto start_checked_update(const KeyV& kv, std::optional<error> problem, Token&& token,
                            const C&... changes) {
    return boost::asio::async_initiate<Token, void(result<T>)>(
        [conn = conn_, eo = eo_, in_tx = in_tx_](auto handler, KeyV kv,
                                                 std::optional<error> problem, C... changes) {
          auto ex = conn->get_executor();
          if (!problem) problem = ops::update_problems(changes...);
          if (problem) {
            detail::post_result<T>(ex, std::move(handler), result<T>(std::move(*problem)));
            return;
          }
          auto hex = boost::asio::get_associated_executor(handler, ex);
          boost::asio::co_spawn(
              ex,
              checked_update<KeyCols, Is...>(conn, eo, in_tx, std::move(kv),
                                             std::tuple<C...>(std::move(changes)...)),
              boost::asio::bind_executor(
                  hex, [h = std::move(handler)](std::exception_ptr e, result<T> r) mutable {
                    if (e)
                      r = result<T>(detail::make_error(error_code::database_error,
                                                       "the update failed: out of memory"));
                    std::move(h)(std::move(r));
                  }));
        },
        token, kv, std::move(problem), changes...);
  }

  template <class KeyCols, class KeyV>
  static error not_found_for(const KeyV& kv) {
    if constexpr (std::is_same_v<KeyCols, detail::pk_cols<T>>)
      return detail::not_found_by_key<T>(kv);
    else
      return detail::not_found_by_member(M::member_names[KeyCols::member], detail::show(kv));
  }

  template <class KeyCols, std::size_t... Is, class KeyV, class... C>
  static boost::asio::awaitable<result<T>> checked_update(S* src, pg::exec_options eo, bool in_tx,
                                                          KeyV kv, std::tuple<C...> changes) {
    pg::async_lease lease;            // a pool's connection, for this call alone
    pg::async_connection::hold hold;  // or exclusive use of a shared connection
    pg::async_connection* c = nullptr;
    if constexpr (std::is_same_v<S, pg::async_pool>) {
      auto l = co_await src->async_acquire(boost::asio::use_awaitable);
      if (!l) co_return result<T>(std::move(l).error());
      lease = std::move(*l);
      c = &*lease;
    } else {
      c = src;
      if (!in_tx) {
        auto h = co_await src->async_hold(boost::asio::use_awaitable);
        if (!h) co_return result<T>(std::move(h).error());
        hold = std::move(*h);
        eo.hold = hold.id();
      }
    }
    // (Every SQL string is named before it is awaited: g++ 12 mishandles string temporaries in
    // a co_await expression.)
    std::string sql = in_tx ? "SAVEPOINT typedao_update" : "BEGIN";
    auto began = co_await detail::await_script(*c, std::move(sql), eo);
    if (!began) co_return result<T>(std::move(began).error());
    auto select = ops::template select_locked<KeyCols>(kv);
    using Sel = decltype(select);
    auto cur = co_await detail::await_run(*c, result<Sel>(std::move(select)), eo);
    std::optional<result<T>> r;
    if (!cur) {
      r.emplace(std::move(cur).error());
    } else if (!*cur) {
      r.emplace(not_found_for<KeyCols>(kv));
    } else if (auto e = std::apply(
                   [&](const C&... ch) { return ops::stored_row_problems(**cur, ch...); },
                   changes)) {
      r.emplace(std::move(*e));
    } else {
      const T& stored = **cur;
      auto not_found = [&kv] { return not_found_for<KeyCols>(kv); };
      auto other = [&stored](std::size_t i) { return ops::render_member(stored, i); };
      auto op = std::apply(
          [&](const C&... ch) {
            return ops::template update<KeyCols, Is...>(kv, not_found, other, ch...);
          },
          changes);
      using Op = decltype(op);
      auto updated = co_await detail::await_run(*c, result<Op>(std::move(op)), eo);
      r.emplace(std::move(updated));
    }
    if (*r) {
      sql = in_tx ? "RELEASE SAVEPOINT typedao_update" : "COMMIT";
      auto done = co_await detail::await_script(*c, std::move(sql), eo);
      if (!done) co_return result<T>(std::move(done).error());
    } else if (c->is_open()) {  // undone; a failure here changes nothing the caller gets
      sql = in_tx ? "ROLLBACK TO SAVEPOINT typedao_update" : "ROLLBACK";
      (void)co_await detail::await_script(*c, std::move(sql), eo);
      if (in_tx) {
        sql = "RELEASE SAVEPOINT typedao_update";
        (void)co_await detail::await_script(*c, std::move(sql), eo);
      }
    }
    co_return std::move(*r);
  }

  template <class Op, class Token>
  auto checked(result<Op>&& op, Token&& token) {
    return run_(std::move(op), std::forward<Token>(token));
  }
  template <class Op, class Token>
  auto run_(result<Op> op, Token&& token) {
    return detail::initiate_run(*conn_, std::move(op), eo_, std::forward<Token>(token));
  }
  template <class R, std::size_t N, class F, class Token>
  auto run_(operation<R, N, F> op, Token&& token) {
    return run_(result<operation<R, N, F>>(std::move(op)), std::forward<Token>(token));
  }

  S* conn_;
  pg::exec_options eo_{};
  bool in_tx_ = false;  // made by async_transaction::dao(): the update's check uses a savepoint
};

}  // namespace typedao

#endif
