#ifndef TYPEDAO_DAO_TRANSACTION_HPP
#define TYPEDAO_DAO_TRANSACTION_HPP

// One transaction scope on one connection, for any connector with execute_script: BEGIN (with
// its isolation level and access mode) ... COMMIT, or a SAVEPOINT when the connection is already
// in a transaction; rolled back unless committed. The public typedao::basic_transaction
// (transaction.hpp) and the DAO's own read-check-write of update use it.

#include <typedao/error.hpp>

#include <string>
#include <utility>

namespace typedao {

/// The isolation level of a transaction (PostgreSQL's; `server_default` sends none).
enum class isolation { server_default, read_committed, repeatable_read, serializable };

/// How a transaction starts, and how often typedao::basic_database::transact runs it.
struct transaction_options {
  typedao::isolation isolation = typedao::isolation::server_default;
  bool read_only = false;
  /// transact(): attempts in all when the server reports a serialization failure (40001) or a
  /// deadlock (40P01). 1: no retry.
  int max_attempts = 1;
};

namespace detail {

inline std::string begin_sql(const transaction_options& o) {
  std::string sql = "BEGIN";
  switch (o.isolation) {
    case isolation::server_default:
      break;
    case isolation::read_committed:
      sql += " ISOLATION LEVEL READ COMMITTED";
      break;
    case isolation::repeatable_read:
      sql += " ISOLATION LEVEL REPEATABLE READ";
      break;
    case isolation::serializable:
      sql += " ISOLATION LEVEL SERIALIZABLE";
      break;
  }
  if (o.read_only) sql += " READ ONLY";
  return sql;
}

template <class C>
class tx_scope {
 public:
  // `savepoint`: the name used when the connection is already in a transaction.
  tx_scope(C& c, std::string savepoint) noexcept : c_(&c), savepoint_(std::move(savepoint)) {}
  tx_scope(tx_scope&& o) noexcept
      : c_(o.c_),
        savepoint_(std::move(o.savepoint_)),
        nested_(o.nested_),
        open_(std::exchange(o.open_, false)) {}
  tx_scope& operator=(tx_scope&&) = delete;
  tx_scope(const tx_scope&) = delete;
  tx_scope& operator=(const tx_scope&) = delete;
  ~tx_scope() { (void)rollback(); }

  result<void> begin(const transaction_options& o = {}) {
    if constexpr (requires { c_->in_transaction(); }) nested_ = c_->in_transaction();
    auto r = c_->execute_script(nested_ ? "SAVEPOINT " + savepoint_ : begin_sql(o));
    open_ = static_cast<bool>(r);
    return r;
  }
  result<void> commit() {
    if (!open_)
      return make_error(error_code::database_error,
                        "the transaction is not open (committed or rolled back)");
    open_ = false;
    auto r =
        c_->execute_script(nested_ ? "RELEASE SAVEPOINT " + savepoint_ : std::string("COMMIT"));
    // A lost transaction is over: end it on the connection too (its ROLLBACK sends nothing).
    if (!r && r.error().code == error_code::transaction_lost && !nested_)
      (void)c_->execute_script("ROLLBACK");
    return r;
  }
  result<void> rollback() {
    if (!open_) return {};
    open_ = false;
    return c_->execute_script(nested_ ? "ROLLBACK TO SAVEPOINT " + savepoint_ +
                                            "; RELEASE SAVEPOINT " + savepoint_
                                      : std::string("ROLLBACK"));
  }
  bool open() const noexcept { return open_; }
  bool nested() const noexcept { return nested_; }
  C& connection() const noexcept { return *c_; }

 private:
  C* c_;
  std::string savepoint_;
  bool nested_ = false;
  bool open_ = false;
};

}  // namespace detail
}  // namespace typedao

#endif
