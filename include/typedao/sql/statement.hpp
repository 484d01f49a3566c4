#ifndef TYPEDAO_SQL_STATEMENT_HPP
#define TYPEDAO_SQL_STATEMENT_HPP

// A prepared statement's identity, what every connector receives: the text, the parameter
// types, and a process-wide id that connectors use to prepare it once per connection.

#include <typedao/codec/traits.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace typedao {

struct statement;

/// What one statement did in this process, on every connection and thread: what
/// typedao::statement_metrics() reports. Relaxed atomics: each call adds to them once.
struct statement_counters {
  std::atomic<unsigned long long> calls{0};
  std::atomic<unsigned long long> errors{0};  // calls the connector failed (server or connection)
  std::atomic<unsigned long long> total_ns{0};
  std::atomic<unsigned long long> max_ns{0};
  const statement* stmt = nullptr;
  statement_counters* next = nullptr;  // every statement used so far, newest first

  void record(unsigned long long ns, bool failed) noexcept {
    calls.fetch_add(1, std::memory_order_relaxed);
    if (failed) errors.fetch_add(1, std::memory_order_relaxed);
    total_ns.fetch_add(ns, std::memory_order_relaxed);
    unsigned long long m = max_ns.load(std::memory_order_relaxed);
    while (ns > m && !max_ns.compare_exchange_weak(m, ns, std::memory_order_relaxed)) {
    }
  }
};

/// A prepared statement's identity: text, parameter types, a process-wide id that connectors
/// use to remember what they prepared, and a name derived from the text and the parameter types
/// ("td" + 16 hex digits), so that the same name means the same SQL in every process (a pooler
/// may hand a connection another process prepared on).
struct statement {
  std::string_view text;
  std::size_t id;
  int param_count;
  const oid_t* param_types;
  const char* name = nullptr;              // null: the connector names it from `id`
  statement_counters* counters = nullptr;  // null: not counted
  /// A plain SELECT (no FOR UPDATE / FOR SHARE): a replica may serve it (pg::replicated_pool).
  bool read_only = false;
};

namespace detail {
constexpr bool read_only_text(std::string_view t) noexcept {
  return t.substr(0, 7) == "SELECT " && t.find(" FOR UPDATE") == std::string_view::npos &&
         t.find(" FOR SHARE") == std::string_view::npos &&
         t.find("pg_notify(") == std::string_view::npos;
}
}  // namespace detail

namespace detail {

inline std::size_t next_statement_id() noexcept {
  static std::atomic<std::size_t> next{0};
  return next.fetch_add(1, std::memory_order_relaxed);
}

// The first of the list of every statement's counters (statement_of adds each once).
inline std::atomic<statement_counters*>& statement_list() noexcept {
  static std::atomic<statement_counters*> head{nullptr};
  return head;
}
inline void register_statement(statement_counters& c, const statement& s) noexcept {
  c.stmt = &s;
  auto& head = statement_list();
  c.next = head.load(std::memory_order_relaxed);
  while (!head.compare_exchange_weak(c.next, &c, std::memory_order_release,
                                     std::memory_order_relaxed)) {
  }
}

// FNV-1a (64 bits) of the text and the parameter type oids, as "td" + 16 lower-case hex digits.
struct statement_name_buf {
  char text[19];
};
constexpr statement_name_buf statement_name_of(std::string_view text, const oid_t* types,
                                               std::size_t n) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (char c : text) mix(static_cast<unsigned char>(c));
  for (std::size_t i = 0; i < n; ++i)
    for (int b = 0; b < 4; ++b) mix(static_cast<unsigned char>(types[i] >> (8 * b)));
  statement_name_buf out{};
  out.text[0] = 't';
  out.text[1] = 'd';
  for (int i = 0; i < 16; ++i) out.text[2 + i] = "0123456789abcdef"[(h >> (60 - 4 * i)) & 15];
  out.text[18] = '\0';
  return out;
}

// The one statement object of a generator (Gen: its text, Types: its parameter oids).
template <class Gen, class Types>
const statement& statement_of() noexcept;

}  // namespace detail
}  // namespace typedao

#endif
