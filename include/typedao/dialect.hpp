#ifndef TYPEDAO_DIALECT_HPP
#define TYPEDAO_DIALECT_HPP

// Which engine behind the PostgreSQL wire protocol a database talks to. typedao's SQL is the
// same everywhere except where an engine rejects (or only pretends to do) what PostgreSQL does;
// those statements follow this setting. docs/scale-out.md lists every statement kind and where
// each engine stands.

#include <string_view>

namespace typedao {

enum class dialect {
  postgresql,   // also YugabyteDB (its YSQL accepts every statement typedao sends; no NOTIFY
                // before v2025.2.3: use event_transport::table there)
  cockroachdb,  // no advisory-lock serialisation of migrate, events by table
  citus         // purge without FOR UPDATE SKIP LOCKED (multi-shard row locks are refused)
};

constexpr std::string_view dialect_name(dialect d) noexcept {
  return d == dialect::cockroachdb ? "cockroachdb" : d == dialect::citus ? "citus" : "postgresql";
}

/// migrate() serialises concurrent runs with pg_advisory_xact_lock (CockroachDB: undefined,
/// then no-op stubs, before its 2026 transaction-level locks).
constexpr bool has_advisory_locks(dialect d) noexcept { return d != dialect::cockroachdb; }
/// purge_expired() locks the rows it deletes with FOR UPDATE SKIP LOCKED (Citus: row locks only
/// in single-shard queries).
constexpr bool has_skip_locked(dialect d) noexcept { return d != dialect::citus; }
/// LISTEN/NOTIFY carries change events (CockroachDB has none).
constexpr bool has_notify(dialect d) noexcept { return d != dialect::cockroachdb; }

}  // namespace typedao

#endif
