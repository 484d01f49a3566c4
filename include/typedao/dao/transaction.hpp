#ifndef TYPEDAO_DAO_TRANSACTION_HPP
#define TYPEDAO_DAO_TRANSACTION_HPP

// The transaction the DAO opens itself when a call must read and write the same row (update with
// immutable members or entity rules): on any connector with execute_script.

#include <typedao/error.hpp>

namespace typedao::detail {

// BEGIN ... COMMIT, or a savepoint when the connection is already in a transaction; rolls back
// unless committed.
template <class C>
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
      (void)c_->execute_script(
          nested_ ? "ROLLBACK TO SAVEPOINT typedao_update; RELEASE SAVEPOINT typedao_update"
                  : "ROLLBACK");
  }

 private:
  C* c_;
  bool nested_ = false;
  bool open_ = false;
};

}  // namespace typedao::detail

#endif
