#ifndef TYPEDAO_PG_ROWS_HPP
#define TYPEDAO_PG_ROWS_HPP

// typedao::pg::rows: the binary result of one statement, as the DAO reads it (typedao::row_set).

#include <typedao/codec/traits.hpp>

#include <libpq-fe.h>
#include <cstdlib>
#include <utility>

namespace typedao::pg {

/// Rows of one statement result (binary format). Move-only; frees the PGresult.
class rows {
 public:
  rows() = default;
  explicit rows(PGresult* r) noexcept : r_(r) {}
  rows(rows&& o) noexcept : r_(std::exchange(o.r_, nullptr)) {}
  rows& operator=(rows&& o) noexcept {
    if (this != &o) {
      if (r_) PQclear(r_);
      r_ = std::exchange(o.r_, nullptr);
    }
    return *this;
  }
  rows(const rows&) = delete;
  rows& operator=(const rows&) = delete;
  ~rows() {
    if (r_) PQclear(r_);
  }

  int row_count() const noexcept { return r_ ? PQntuples(r_) : 0; }
  int column_count() const noexcept { return r_ ? PQnfields(r_) : 0; }
  oid_t column_type(int c) const noexcept { return PQftype(r_, c); }
  bool is_null(int r, int c) const noexcept { return PQgetisnull(r_, r, c) != 0; }
  const char* data(int r, int c) const noexcept { return PQgetvalue(r_, r, c); }
  int length(int r, int c) const noexcept { return PQgetlength(r_, r, c); }
  /// Rows inserted, updated or deleted (PQcmdTuples).
  long long affected_rows() const noexcept {
    const char* s = r_ ? PQcmdTuples(r_) : "";
    return *s ? std::atoll(s) : 0;
  }
  PGresult* native_handle() const noexcept { return r_; }

 private:
  PGresult* r_ = nullptr;
};

}  // namespace typedao::pg

#endif
