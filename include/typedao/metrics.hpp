#ifndef TYPEDAO_METRICS_HPP
#define TYPEDAO_METRICS_HPP

// Per-statement metrics: every statement the DAO has run in this process (the statements are
// fixed at compile time, so each has one set of counters, kept beside it), as plain structs to
// export to a metrics system. Pool metrics: typedao::pg::pool::stats().

#include <typedao/sql/statement.hpp>

#include <atomic>
#include <cstddef>
#include <string_view>
#include <vector>

namespace typedao {

/// One statement's counters since the process started (a snapshot: each counter is read once;
/// a call that is finishing may be in some of them and not yet in others).
struct statement_stats {
  std::string_view name;   // the prepared statement's name ("td" + 16 hex digits)
  std::string_view text;   // its SQL
  std::string_view verb;   // "select", "insert", "update", "delete" (or "with", "truncate")
  std::string_view table;  // the first table it names, unquoted ("services")
  unsigned long long calls = 0;
  unsigned long long errors = 0;    // calls that failed in the connector (server or connection)
  unsigned long long total_ns = 0;  // time in the connector: sending, waiting, receiving
  unsigned long long max_ns = 0;
};

namespace detail {

// The first word of a statement, lower-cased by the caller's convention (typedao's SQL is
// upper-case keywords; "INSERT" -> "insert").
inline std::string_view statement_verb(std::string_view text) noexcept {
  static constexpr std::string_view verbs[] = {"select", "insert", "update",
                                               "delete", "with",   "truncate"};
  std::size_t n = 0;
  while (n < text.size() && text[n] >= 'A' && text[n] <= 'Z') ++n;
  for (auto v : verbs) {
    if (v.size() != n) continue;
    bool same = true;
    for (std::size_t i = 0; i < n; ++i) same = same && text[i] - 'A' + 'a' == v[i];
    if (same) return v;
  }
  return {};
}

// The table a statement works on: the first quoted name after FROM, INTO, UPDATE or TRUNCATE
// (typedao quotes every identifier it sends).
inline std::string_view statement_table(std::string_view text) noexcept {
  static constexpr std::string_view before[] = {"FROM \"", "INTO \"", "UPDATE \"", "TRUNCATE \""};
  std::size_t at = std::string_view::npos;
  for (auto b : before)
    if (auto i = text.find(b);
        i != std::string_view::npos && (at == text.npos || i + b.size() < at))
      at = i + b.size();
  if (at == std::string_view::npos) return {};
  const auto close = text.find('"', at);
  if (close == std::string_view::npos) return {};
  return text.substr(at, close - at);
}

}  // namespace detail

/// Every statement run so far in this process with its counters, the first one used first.
inline std::vector<statement_stats> statement_metrics() {
  std::vector<statement_stats> out;
  for (auto* c = detail::statement_list().load(std::memory_order_acquire); c; c = c->next) {
    statement_stats s;
    s.name = c->stmt->name ? std::string_view(c->stmt->name) : std::string_view();
    s.text = c->stmt->text;
    s.verb = detail::statement_verb(s.text);
    s.table = detail::statement_table(s.text);
    s.calls = c->calls.load(std::memory_order_relaxed);
    s.errors = c->errors.load(std::memory_order_relaxed);
    s.total_ns = c->total_ns.load(std::memory_order_relaxed);
    s.max_ns = c->max_ns.load(std::memory_order_relaxed);
    out.push_back(s);
  }
  return {out.rbegin(), out.rend()};
}

}  // namespace typedao

#endif
