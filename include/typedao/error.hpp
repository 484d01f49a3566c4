#ifndef TYPEDAO_ERROR_HPP
#define TYPEDAO_ERROR_HPP

#include <typedao/detail/config.hpp>
#include <typedao/result.hpp>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typedao {

/// Kong's DAO error codes (kong/db/errors.lua), same numbers and names.
enum class error_code : int {
  invalid_primary_key = 1,
  schema_violation = 2,
  primary_key_violation = 3,
  foreign_key_violation = 4,
  unique_violation = 5,
  not_found = 6,
  invalid_offset = 7,
  database_error = 8,
  invalid_size = 9,
  invalid_unique = 10,
  invalid_options = 11,
  operation_unsupported = 12,
  foreign_keys_unresolved = 13,
  declarative_config = 14,
  transformation_error = 15,
  invalid_foreign_key = 16,
  invalid_workspace = 17,
  invalid_unique_global = 18,
  referenced_by_others = 19,
  invalid_search_query = 20,
  sync_deltas = 21,
  // typedao's own codes, after Kong's (docs/errors.md):
  concurrent_use = 22,     // one plain connection used by two threads at once; nothing was sent
  transaction_lost = 23,   // the transaction's connection failed: nothing of it was committed
  deadline_exceeded = 24,  // the call did not finish in time; the statement was cancelled
  pool_exhausted = 25,     // no connection free and the pool's wait queue full: refused at once
  acquire_timeout = 26,    // no connection became free within the acquire timeout
  cancelled = 27,          // the caller cancelled the operation (Asio per-operation cancellation)
};

/// Kong's constant name for a code: "UNIQUE_VIOLATION".
constexpr std::string_view constant_name(error_code c) noexcept {
  constexpr std::string_view names[] = {
      "",
      "INVALID_PRIMARY_KEY",
      "SCHEMA_VIOLATION",
      "PRIMARY_KEY_VIOLATION",
      "FOREIGN_KEY_VIOLATION",
      "UNIQUE_VIOLATION",
      "NOT_FOUND",
      "INVALID_OFFSET",
      "DATABASE_ERROR",
      "INVALID_SIZE",
      "INVALID_UNIQUE",
      "INVALID_OPTIONS",
      "OPERATION_UNSUPPORTED",
      "FOREIGN_KEYS_UNRESOLVED",
      "DECLARATIVE_CONFIG",
      "TRANSFORMATION_ERROR",
      "INVALID_FOREIGN_KEY",
      "INVALID_WORKSPACE",
      "INVALID_UNIQUE_GLOBAL",
      "REFERENCED_BY_OTHERS",
      "INVALID_SEARCH_QUERY",
      "SYNC_DELTAS",
      "CONCURRENT_USE",
      "TRANSACTION_LOST",
      "DEADLINE_EXCEEDED",
      "POOL_EXHAUSTED",
      "ACQUIRE_TIMEOUT",
      "CANCELLED",
  };
  auto i = static_cast<std::size_t>(c);
  return i < std::size(names) ? names[i] : std::string_view{};
}

/// Kong's human name for a code (the `name` field of Kong's err_t): "unique constraint violation".
constexpr std::string_view error_name(error_code c) noexcept {
  constexpr std::string_view names[] = {
      "",
      "invalid primary key",
      "schema violation",
      "primary key violation",
      "foreign key violation",
      "unique constraint violation",
      "not found",
      "invalid offset",
      "database error",
      "invalid size",
      "invalid unique",
      "invalid options",
      "operation unsupported",
      "foreign keys unresolved",
      "invalid declarative configuration",
      "transformation error",
      "invalid foreign key",
      "invalid workspace",
      "invalid global query",
      "referenced by others",
      "invalid search query",
      "invalid sync deltas",
      "concurrent use of a connection",
      "transaction lost",
      "deadline exceeded",
      "connection pool exhausted",
      "connection acquire timeout",
      "operation cancelled",
  };
  auto i = static_cast<std::size_t>(c);
  return i < std::size(names) ? names[i] : std::string_view{};
}

/// One entry of an error's structured detail. For UNIQUE_VIOLATION, PRIMARY_KEY_VIOLATION,
/// NOT_FOUND and FOREIGN_KEY_VIOLATION `value` is the plain offending value (`httpbin`; a foreign
/// member gives one entry per parent key member, `service.id`), while the message renders it as
/// Kong does (`"httpbin"`, `{id="..."}`); for SCHEMA_VIOLATION and INVALID_PRIMARY_KEY it is the
/// message for that member (`required field missing`). `field` is the member path
/// (`service.id`) or `@referenced_by` / `@entity` as in Kong.
struct field_detail {
  std::string field;
  std::string value;
  friend bool operator==(const field_detail&, const field_detail&) = default;
};

/// What the server reported, kept for logs; messages never copy it.
struct server_report {
  std::string sqlstate;    // "23505"
  std::string constraint;  // PG_DIAG_CONSTRAINT_NAME
  std::string table;       // PG_DIAG_TABLE_NAME
  std::string column;      // PG_DIAG_COLUMN_NAME
  std::string message;     // PG_DIAG_MESSAGE_PRIMARY or the libpq message
  std::string detail;      // PG_DIAG_MESSAGE_DETAIL
};

/// How far a failed call got, for errors of the connection and the server (Kong's own errors,
/// found before anything was sent, are `not_sent` too).
enum class outcome : unsigned char {
  not_sent,       // nothing reached the server: the call had no effect
  refused,        // the server ran and rejected it (SQLSTATE in server.sqlstate): no effect
  maybe_applied,  // the connection failed after the statement was sent: it may have taken effect
};

/// A typed DAO error, returned as a value.
struct error {
  error_code code = error_code::database_error;
  std::string message;               // Kong's message text
  std::vector<field_detail> fields;  // structured detail (see field_detail)
  std::string entity;    // the other table involved: parent (missing reference) or child (restrict)
  server_report server;  // filled for errors that came from the database
  typedao::outcome outcome = typedao::outcome::not_sent;

  /// Whether running the same call again is safe and may succeed: it was never sent (a
  /// connection that could not be used), or the server refused it for a transient reason
  /// (serialization failure and deadlock, SQLSTATE class 40; lock not available, 55P03; the
  /// server shutting down or cancelling, 57P01-57P03 and 57014; a connection error, class 08).
  /// Not for maybe_applied: the first attempt may have taken effect.
  /// Not for TRANSACTION_LOST either: the whole transaction must run again, not this call.
  bool retry_safe() const noexcept {
    if (outcome == typedao::outcome::maybe_applied || code == error_code::transaction_lost)
      return false;
    const std::string_view st = server.sqlstate;
    if (outcome == typedao::outcome::not_sent)
      return code == error_code::database_error || code == error_code::concurrent_use ||
             code == error_code::deadline_exceeded || code == error_code::pool_exhausted ||
             code == error_code::acquire_timeout || code == error_code::cancelled;
    return st.substr(0, 2) == "40" || st == "55P03" || st == "57014" || st == "57P01" ||
           st == "57P02" || st == "57P03" || st.substr(0, 2) == "08";
  }

  std::string_view name() const noexcept { return error_name(code); }
  std::string_view constant() const noexcept { return constant_name(code); }
  std::string_view sqlstate() const noexcept { return server.sqlstate; }
  /// Kong's tostring(err_t): "[postgres] <message>".
  std::string to_string() const {
    return "[postgres] " + (message.empty() ? std::string(name()) : message);
  }
  /// Streams to_string() (a template, so the core needs no <ostream>).
  template <class Os>
    requires requires(Os& os, const std::string& str) { os << str; }
  friend Os& operator<<(Os& os, const error& e) {
    os << e.to_string();
    return os;
  }
  /// The detail for one field, or nullptr.
  const field_detail* field(std::string_view f) const noexcept {
    for (auto& d : fields)
      if (d.field == f) return &d;
    return nullptr;
  }
};

/// Thrown by result<T>::value() when it holds an error.
class exception : public std::runtime_error {
 public:
  explicit exception(typedao::error e) : std::runtime_error(e.to_string()), error_(std::move(e)) {}
  const typedao::error& error() const noexcept { return error_; }

 private:
  typedao::error error_;
};

// What result<T>::value() throws when it holds an error.
[[noreturn]] inline void throw_error(const error& e) { throw exception(e); }

/// Every DAO call returns a result: the value or a typedao::error
/// (`if (!r) r.error()`, `*r`, `r->member`, `r.value()` throws typedao::exception; see result.hpp).
template <class T>
using result = basic_result<T, error>;

namespace detail {

TYPEDAO_COLD inline error make_error(error_code c, std::string message,
                                     std::vector<field_detail> fields = {}) {
  error e;
  e.code = c;
  e.message = std::move(message);
  e.fields = std::move(fields);
  return e;
}

// A stable insertion sort for error details. The lists are short (one entry per member or
// rule), and one plain function keeps std::sort / std::stable_sort and their helpers (a quarter
// of a user's object code) out of every translation unit.
TYPEDAO_COLD inline void sort_fields(std::vector<field_detail>& v,
                                     bool (*less)(const field_detail&, const field_detail&)) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (!less(v[i], v[i - 1])) continue;
    field_detail x = std::move(v[i]);
    std::size_t j = i;
    do {
      v[j] = std::move(v[j - 1]);
      --j;
    } while (j > 0 && less(x, v[j - 1]));
    v[j] = std::move(x);
  }
}

inline bool field_name_less(const field_detail& a, const field_detail& b) {
  return a.field < b.field;
}

// Kong renders tables with keys sorted: {a=1,b="x"}.
TYPEDAO_COLD inline std::string render_table(std::vector<field_detail> kv) {
  sort_fields(kv, field_name_less);
  std::string out = "{";
  for (std::size_t i = 0; i < kv.size(); ++i) {
    if (i) out += ',';
    out += kv[i].field;
    out += '=';
    out += kv[i].value;
  }
  out += '}';
  return out;
}

// Kong's order of schema violations: entity-level (@entity) first, then by field name, sub-keys
// sorted too with array indices compared as numbers (tags.2 before tags.10).
TYPEDAO_COLD inline bool kong_field_less(std::string_view a, std::string_view b) noexcept {
  const bool ea = a == "@entity", eb = b == "@entity";
  if (ea != eb) return ea;
  auto is_index = [](std::string_view s) {
    for (char c : s)
      if (c < '0' || c > '9') return false;
    return !s.empty();
  };
  for (;;) {
    const auto da = a.find('.'), db = b.find('.');
    const std::string_view sa = a.substr(0, da), sb = b.substr(0, db);
    if (sa != sb) {
      if (is_index(sa) && is_index(sb) && sa.size() != sb.size()) return sa.size() < sb.size();
      return sa < sb;
    }
    if (da == std::string_view::npos || db == std::string_view::npos)
      return da == std::string_view::npos && db != std::string_view::npos;
    a.remove_prefix(da + 1);
    b.remove_prefix(db + 1);
  }
}

// One SCHEMA_VIOLATION for problems already in order: "schema violation (a: m)" for one,
// "<n> schema violations (a: m; b: n)" for several; entity-level ones (@entity) show no field.
TYPEDAO_COLD inline error schema_violation_sorted(std::vector<field_detail> errs) {
  std::string msg = errs.size() == 1 ? "schema violation ("
                                     : std::to_string(errs.size()) + " schema violations (";
  for (std::size_t i = 0; i < errs.size(); ++i) {
    if (i) msg += "; ";
    if (errs[i].field != "@entity") {
      msg += errs[i].field;
      msg += ": ";
    }
    msg += errs[i].value;
  }
  msg += ')';
  return make_error(error_code::schema_violation, std::move(msg), std::move(errs));
}

// Schema violations as typedao reports them: entity-level (@entity) messages first, then the
// members in declaration order (the order the validator produced them).
TYPEDAO_COLD inline error schema_violation_in_order(std::vector<field_detail> errs) {
  sort_fields(errs, [](const field_detail& x, const field_detail& y) {
    return x.field == "@entity" && y.field != "@entity";
  });
  return schema_violation_sorted(std::move(errs));
}

// Kong's schema_violation(): the same message, in Kong's order (kong_field_less).
TYPEDAO_COLD inline error schema_violation(std::vector<field_detail> errs) {
  sort_fields(errs, [](const field_detail& x, const field_detail& y) {
    return kong_field_less(x.field, y.field);
  });
  return schema_violation_sorted(std::move(errs));
}

}  // namespace detail
}  // namespace typedao

#endif
