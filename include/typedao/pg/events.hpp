#ifndef TYPEDAO_PG_EVENTS_HPP
#define TYPEDAO_PG_EVENTS_HPP

// typedao::pg::event_listener: the receiving end of change events (events.hpp) in another
// process, on a dedicated connection and thread of its own. With event_transport::notify it
// LISTENs on the channel; when its connection is lost it connects again, LISTENs again and
// reports a gap (events sent meanwhile are lost: drop the cache). With event_transport::table
// (engines without LISTEN) it reads the events table every poll_interval_ms, again from a little
// before the newest event it saw (commits land out of order), so a lost connection loses nothing
// that is still in the table. docs/scale-out.md.

#include <typedao/events.hpp>
#include <typedao/pg/support.hpp>

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace typedao::pg {

struct listener_options {
  /// Where to listen (the primary: notifications are not replicated).
  std::string conninfo;
  /// The transport and channel the writers use.
  events_options events;
  /// event_transport::table: how often the table is read (ms).
  int poll_interval_ms = 1000;
  /// event_transport::table: each read goes back this far before the newest event seen (ms):
  /// a transaction that commits later than this after its events were written is missed.
  int overlap_ms = 10'000;
  /// event_transport::table: events older than this are deleted by the listeners (s).
  int retention_s = 3600;
  /// After a lost connection, the first attempt to connect again (doubling up to 2 s).
  int reconnect_backoff_ms = 50;
};

struct listener_stats {
  unsigned long long received = 0;    // events handed to the handler
  unsigned long long gaps = 0;        // reconnections reported as gaps
  unsigned long long reconnects = 0;  // connections lost and made again
  unsigned long long malformed = 0;   // payloads that were not events (ignored)
};

class event_listener {
 public:
  using handler = std::function<void(const change_event&)>;

  /// Starts listening on a thread of its own; `h` runs there, one event at a time.
  event_listener(listener_options o, handler h) : o_(std::move(o)), h_(std::move(h)) {
    thread_ = std::thread([this] { loop(); });
  }
  event_listener(const event_listener&) = delete;
  event_listener& operator=(const event_listener&) = delete;
  ~event_listener() {
    {
      std::lock_guard<std::mutex> g(m_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  /// Waits until subscribed (LISTEN done, or the table's starting point read); false when
  /// `timeout_ms` passed first.
  bool wait_ready(int timeout_ms) {
    std::unique_lock<std::mutex> lk(m_);
    return cv_.wait_for(lk, std::chrono::milliseconds(timeout_ms), [this] { return ready_; });
  }

  listener_stats stats() const {
    std::lock_guard<std::mutex> g(m_);
    return stats_;
  }

 private:
  // Sleeps up to `ms` unless stopped; false when stopped.
  bool pause(int ms) {
    std::unique_lock<std::mutex> lk(m_);
    return !cv_.wait_for(lk, std::chrono::milliseconds(ms), [this] { return stop_; });
  }
  bool stopping() {
    std::lock_guard<std::mutex> g(m_);
    return stop_;
  }
  void count(unsigned long long listener_stats::*field) {
    std::lock_guard<std::mutex> g(m_);
    ++(stats_.*field);
  }

  // Safe defaults first, the caller's conninfo (string or URI) last: its settings win.
  PGconn* connect() {
    const char* keys[] = {
        "connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
        "keepalives_count", "application_name", "dbname",          nullptr};
    const char* values[] = {"2",    "1", "5", "2", "3", "typedao-listener", o_.conninfo.c_str(),
                            nullptr};
    PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (PQstatus(c) != CONNECTION_OK) {
      PQfinish(c);
      return nullptr;
    }
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);  // not on the caller's stderr
    return c;
  }

  static bool command(PGconn* c, const std::string& sql) {
    PGresult* r = PQexec(c, sql.c_str());
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok;
  }

  void hand_out(std::string_view payload) {
    auto e = decode_event(payload);
    if (!e) return count(&listener_stats::malformed);
    count(&listener_stats::received);
    h_(*e);
  }

  void became_ready() {
    {
      std::lock_guard<std::mutex> g(m_);
      ready_ = true;
    }
    cv_.notify_all();
  }

  void loop() {
    int backoff = o_.reconnect_backoff_ms;
    bool first = true;
    while (!stopping()) {
      PGconn* c = connect();
      if (!c) {
        if (!pause(backoff)) return;
        backoff = std::min(backoff * 2, 2000);
        continue;
      }
      backoff = o_.reconnect_backoff_ms;
      if (o_.events.transport == event_transport::table)
        poll_table(c, first);
      else
        listen(c, first);
      PQfinish(c);
      first = false;
    }
  }

  void listen(PGconn* c, bool first) {
    char* quoted = PQescapeIdentifier(c, o_.events.channel.data(), o_.events.channel.size());
    if (!quoted) return;
    const bool ok = command(c, std::string("LISTEN ") + quoted);
    PQfreemem(quoted);
    if (!ok) return;
    if (!first) {
      count(&listener_stats::reconnects);
      count(&listener_stats::gaps);
      change_event gap;
      gap.gap = true;
      h_(gap);
    }
    became_ready();
    while (!stopping()) {
      pollfd p{PQsocket(c), POLLIN, 0};
      const int n = ::poll(&p, 1, 100);
      if (n < 0) continue;
      if (n > 0 && !PQconsumeInput(c)) return;  // the connection is gone
      while (PGnotify* note = PQnotifies(c)) {
        hand_out(note->extra ? std::string_view(note->extra) : std::string_view());
        PQfreemem(note);
      }
      if (PQstatus(c) != CONNECTION_OK) return;
    }
  }

  void poll_table(PGconn* c, bool first) {
    if (!command(c, std::string(events_table_sql))) return;
    if (!first) count(&listener_stats::reconnects);
    if (!since_) {  // the first start: events from now on
      PGresult* r = PQexec(c, "SELECT now()::text");
      if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) since_ = PQgetvalue(r, 0, 0);
      PQclear(r);
      if (!since_) return;
    }
    became_ready();
    int polls = 0;
    while (!stopping()) {
      const std::string overlap = std::to_string(o_.overlap_ms) + " milliseconds";
      const char* params[3] = {o_.events.channel.c_str(), since_->c_str(), overlap.c_str()};
      PGresult* r = PQexecParams(c,
                                 "SELECT id, payload, at::text FROM \"typedao_events\" WHERE "
                                 "channel = $1 AND at >= $2::timestamptz - $3::interval "
                                 "ORDER BY id",
                                 3, nullptr, params, nullptr, nullptr, 0);
      if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        PQclear(r);
        return;
      }
      std::string newest = *since_;
      for (int i = 0; i < PQntuples(r); ++i) {
        const long long id = std::atoll(PQgetvalue(r, i, 0));
        const std::string at = PQgetvalue(r, i, 2);
        if (seen_.emplace(id, at).second) hand_out(PQgetvalue(r, i, 1));
        newest = std::max(newest, at);  // same format and zone: text order is time order
      }
      PQclear(r);
      since_ = newest;
      // Seen ids are remembered while a read can still return them (bounded: the oldest go).
      while (seen_.size() > 100'000) seen_.erase(seen_.begin());
      if (++polls % 100 == 1) {
        const std::string keep = std::to_string(o_.retention_s) + " seconds";
        const char* p[1] = {keep.c_str()};
        PGresult* d =
            PQexecParams(c, "DELETE FROM \"typedao_events\" WHERE at < now() - $1::interval", 1,
                         nullptr, p, nullptr, nullptr, 0);
        PQclear(d);
      }
      if (!pause(o_.poll_interval_ms)) return;
    }
  }

  listener_options o_;
  handler h_;
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool ready_ = false;
  listener_stats stats_;
  std::optional<std::string> since_;       // table: the newest event time seen (server's text)
  std::map<long long, std::string> seen_;  // table: ids handed out (by id)
  std::thread thread_;
};

}  // namespace typedao::pg

#endif
