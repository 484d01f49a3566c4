#ifndef TYPEDAO_EVENTS_HPP
#define TYPEDAO_EVENTS_HPP

// Change events for cache invalidation (Kong's dao:crud events and cluster_events): every write
// of a DAO whose database has an event_hub publishes what changed -- the entity, the operation,
// the key and the cache key; a cascading delete publishes one for each descendant removed.
// In-process handlers run on the writing thread; across processes the event travels on the
// writing connection, so inside a transaction it is delivered at COMMIT and dropped at ROLLBACK:
// by PostgreSQL's NOTIFY, or (engines without LISTEN) as a row of an events table that
// listeners poll. pg/events.hpp has the listener. docs/scale-out.md.

#include <typedao/dialect.hpp>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace typedao {

/// What a write did.
enum class change { created, updated, deleted };

constexpr std::string_view change_name(change c) noexcept {
  return c == change::created ? "create" : c == change::updated ? "update" : "delete";
}

/// One change of one row.
struct change_event {
  std::string entity;  // the table ("services")
  typedao::change op = change::updated;
  std::string key;            // the primary key as text (composite: values joined by ':', escaped)
  std::string cache_key;      // Kong's cache key of the row ("services:<id>:::::" when it has none)
  std::string cascaded_from;  // for a row removed by on_delete cascade: the removed parent's table
  /// A listener's report that events may have been missed (its connection was lost and
  /// re-established, or it has just started): drop whatever is cached. Only `entity` is empty.
  bool gap = false;
};

/// How events cross processes.
enum class event_transport {
  none,    // in-process handlers only
  notify,  // SELECT pg_notify(channel, payload) on the writing connection; LISTEN on the other end
  table    // INSERT INTO typedao_events on the writing connection; listeners poll it (CockroachDB)
};

struct events_options {
  event_transport transport = event_transport::notify;
  /// The NOTIFY channel, or the value of the events table's channel column.
  std::string channel = "typedao_events";
};

/// The transport an engine has: NOTIFY where there is LISTEN, else the events table.
inline events_options events_options_for(dialect d) {
  events_options o;
  o.transport = has_notify(d) ? event_transport::notify : event_transport::table;
  return o;
}

/// The events table of event_transport::table (created by the listener, IF NOT EXISTS).
inline constexpr std::string_view events_table_sql =
    "CREATE TABLE IF NOT EXISTS \"typedao_events\" (\"id\" bigserial PRIMARY KEY, "
    "\"channel\" text NOT NULL, \"payload\" text NOT NULL, "
    "\"at\" timestamptz NOT NULL DEFAULT now())";

namespace detail {
inline void put_field(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  out += '\n';
}
}  // namespace detail

/// The payload of an event: its fields on lines ('\\' and newlines escaped).
inline std::string encode_event(const change_event& e) {
  std::string out;
  out.reserve(e.entity.size() + e.key.size() + e.cache_key.size() + 24);
  detail::put_field(out, change_name(e.op));
  detail::put_field(out, e.entity);
  detail::put_field(out, e.key);
  detail::put_field(out, e.cache_key);
  detail::put_field(out, e.cascaded_from);
  return out;
}

/// The event of a payload; empty when it is not one.
inline std::optional<change_event> decode_event(std::string_view p) {
  std::string fields[5];
  std::size_t n = 0;
  std::string cur;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 >= p.size()) return std::nullopt;
      const char d = p[++i];
      if (d == '\\')
        cur += '\\';
      else if (d == 'n')
        cur += '\n';
      else
        return std::nullopt;
    } else if (c == '\n') {
      if (n == 5) return std::nullopt;
      fields[n++] = std::move(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (n != 5 || !cur.empty()) return std::nullopt;
  change_event e;
  if (fields[0] == "create")
    e.op = change::created;
  else if (fields[0] == "update")
    e.op = change::updated;
  else if (fields[0] == "delete")
    e.op = change::deleted;
  else
    return std::nullopt;
  e.entity = std::move(fields[1]);
  e.key = std::move(fields[2]);
  e.cache_key = std::move(fields[3]);
  e.cascaded_from = std::move(fields[4]);
  if (e.entity.empty()) return std::nullopt;
  return e;
}

/// Where a database's DAOs publish their writes: in-process handlers, and the transport that
/// carries them to other processes. Thread-safe; outlives the databases that use it.
class event_hub {
 public:
  using handler = std::function<void(const change_event&)>;

  explicit event_hub(events_options o = {}) : options_(std::move(o)) {}

  /// Adds an in-process handler (Kong's dao:crud subscribers); returns its id. Handlers run on
  /// the writing thread after the write succeeded (inside a transaction: before its COMMIT).
  std::size_t subscribe(handler h) {
    std::lock_guard<std::mutex> g(m_);
    auto next = std::make_shared<std::vector<std::pair<std::size_t, handler>>>(*handlers_);
    next->emplace_back(++last_id_, std::move(h));
    handlers_ = std::move(next);
    return last_id_;
  }
  void unsubscribe(std::size_t id) {
    std::lock_guard<std::mutex> g(m_);
    auto next = std::make_shared<std::vector<std::pair<std::size_t, handler>>>();
    for (auto& p : *handlers_)
      if (p.first != id) next->push_back(p);
    handlers_ = std::move(next);
  }

  /// Runs the in-process handlers (the DAO calls it; a listener does not).
  void deliver(const change_event& e) const {
    std::shared_ptr<const std::vector<std::pair<std::size_t, handler>>> hs;
    {
      std::lock_guard<std::mutex> g(m_);
      hs = handlers_;
    }
    for (const auto& p : *hs) p.second(e);
    published_.fetch_add(1, std::memory_order_relaxed);
  }

  /// A write whose event could not be sent to other processes (the write itself stands).
  void note_publish_failure() const noexcept {
    publish_failures_.fetch_add(1, std::memory_order_relaxed);
  }

  const events_options& options() const noexcept { return options_; }
  /// Events published (in-process delivery), and events the transport failed to send: other
  /// processes' caches may hold those rows until their entries expire.
  unsigned long long published() const noexcept { return published_.load(); }
  unsigned long long publish_failures() const noexcept { return publish_failures_.load(); }

 private:
  events_options options_;
  mutable std::mutex m_;
  std::shared_ptr<const std::vector<std::pair<std::size_t, handler>>> handlers_ =
      std::make_shared<std::vector<std::pair<std::size_t, handler>>>();
  std::size_t last_id_ = 0;
  mutable std::atomic<unsigned long long> published_{0}, publish_failures_{0};
};

}  // namespace typedao

#endif
