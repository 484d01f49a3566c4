// Failover against a real pg_auto_failover formation of the test's own (a monitor, a primary and
// a synchronous secondary; tests/support/paf_tmp.hpp): a pool on the multi-host connection
// string writes only to the primary; the primary is killed outright under write load; writes
// then succeed on the promoted secondary; every write that failed meanwhile has a typed error
// with its outcome, and no acknowledged write is lost (replication was synchronous). The times
// (kill -> new primary accepts writes -> first acknowledged write) are printed, not asserted:
// docs/scale-out.md records them.

#include "paf_tmp.hpp"
#include "pg_fixture.hpp"

#include <typedao/typedao.hpp>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace typedao_it_failover {
namespace {

struct Order {
  typedao::uuid id;
  std::string name;
  std::int64_t n = 0;
};
BOOST_DESCRIBE_STRUCT(Order, (), (id, name, n))
TYPEDAO_ENTITY(Order, "failover_orders", typedao::unique(&Order::name))

long long now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct attempt {
  std::string name;
  long long started_us = 0, ended_us = 0;
  bool ok = false;
  typedao::error err;
};

TEST_CASE(
    "failover: the primary killed under write load; writes go on on the promoted "
    "secondary, every failure typed, no acknowledged write lost",
    "[pg][failover][own_server]") {
  typedao_test::paf_formation f;
  using typedao_test::paf_formation;
  typedao::pg::pool_options o;
  o.conninfo = f.conninfo();
  o.max_size = 4;
  o.connection.timeout_ms = 2000;
  o.acquire_timeout_ms = 3000;
  typedao::pg::pool pool(o);
  typedao::pool_database<Order> db(pool);
  REQUIRE_OK(db.migrate());
  REQUIRE(paf_formation::query(f.node_conninfo(1), "CREATE TABLE failover_probe (x int)") == "ok");
  // The secondary refuses writes: whatever the pool writes goes to the primary.
  CHECK(paf_formation::query(f.node_conninfo(2), "INSERT INTO failover_probe VALUES (0)") == "");

  std::atomic<bool> stop{false};
  std::mutex m;
  std::vector<attempt> attempts;
  auto writer = [&](int w) {
    auto orders = db.dao<Order>();
    for (int i = 0; i < 1'000'000 && !stop.load(); ++i) {
      attempt a;
      a.name = "w" + std::to_string(w) + "-" + std::to_string(i);
      const Order row{.name = a.name, .n = i};
      a.started_us = now_us();
      auto r = orders.insert(row);
      a.ended_us = now_us();
      a.ok = static_cast<bool>(r);
      if (!r) a.err = r.error();
      {
        std::lock_guard<std::mutex> g(m);
        attempts.push_back(std::move(a));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(r ? 2 : 20));
    }
  };
  std::thread w1(writer, 1), w2(writer, 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  const std::size_t before_kill = [&] {
    std::lock_guard<std::mutex> g(m);
    return attempts.size();
  }();
  f.kill_node(1);
  const long long killed_us = now_us();
  // The moment the secondary accepts writes (probed directly, every 10 ms).
  long long accepting_us = 0;
  for (int i = 0; i < 6000 && accepting_us == 0; ++i) {
    if (paf_formation::query(f.node_conninfo(2), "INSERT INTO failover_probe VALUES (1)") == "ok")
      accepting_us = now_us();
    else
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  INFO(f.logs());
  REQUIRE(accepting_us != 0);  // promoted within 60 s
  // Writes through the pool resume (the first acknowledged after the secondary accepted
  // writes); then a little more load.
  long long first_ok_us = 0;
  for (int i = 0; i < 3000 && first_ok_us == 0; ++i) {
    {
      std::lock_guard<std::mutex> g(m);
      for (const auto& a : attempts)
        if (a.ok && a.ended_us >= accepting_us && (first_ok_us == 0 || a.ended_us < first_ok_us))
          first_ok_us = a.ended_us;
    }
    if (first_ok_us == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  stop = true;
  w1.join();
  w2.join();
  REQUIRE(first_ok_us != 0);

  // What the new primary holds.
  std::set<std::string> stored;
  {
    PGconn* c = PQconnectdb(f.node_conninfo(2).c_str());
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    PGresult* r = PQexec(c, "SELECT name FROM failover_orders");
    REQUIRE(PQresultStatus(r) == PGRES_TUPLES_OK);
    for (int i = 0; i < PQntuples(r); ++i) stored.insert(PQgetvalue(r, i, 0));
    PQclear(r);
    PQfinish(c);
  }
  int acked = 0, lost = 0, not_sent = 0, refused = 0, maybe = 0, maybe_stored = 0, phantom = 0;
  int acked_in_outage = 0;  // acknowledged between the kill and the promotion
  for (const auto& a : attempts) {
    const bool there = stored.count(a.name) != 0;
    if (a.ok) {
      ++acked;
      if (!there) ++lost;
      if (a.started_us > killed_us && a.ended_us < accepting_us) ++acked_in_outage;
      continue;
    }
    INFO(a.err.to_string());
    CHECK((a.err.code == typedao::error_code::database_error ||
           a.err.code == typedao::error_code::deadline_exceeded ||
           a.err.code == typedao::error_code::acquire_timeout ||
           a.err.code == typedao::error_code::pool_exhausted));
    switch (a.err.outcome) {
      case typedao::outcome::not_sent:
        ++not_sent;
        if (there) ++phantom;
        break;
      case typedao::outcome::refused:
        ++refused;
        if (there) ++phantom;
        break;
      case typedao::outcome::maybe_applied:
        ++maybe;
        if (there) ++maybe_stored;
        break;
    }
  }
  CHECK(before_kill > 10);  // load was running when the primary died
  CHECK(acked > 0);
  CHECK(lost == 0);     // synchronous replication: every acknowledged write survived
  CHECK(phantom == 0);  // a write said not to have happened did not happen
  CHECK(stored.size() <= static_cast<std::size_t>(acked + maybe));
  CHECK(acked_in_outage == 0);  // no write was acknowledged while there was no primary
  WARN("failover: primary killed -> secondary accepts writes "
       << (accepting_us - killed_us) / 1000 << " ms; -> first acknowledged write through the pool "
       << (first_ok_us - accepting_us) / 1000 << " ms after that; writes: " << acked
       << " acknowledged (" << lost << " lost), " << not_sent << " not_sent, " << refused
       << " refused, " << maybe << " maybe_applied (" << maybe_stored << " of them stored)");
}

}  // namespace
}  // namespace typedao_it_failover
