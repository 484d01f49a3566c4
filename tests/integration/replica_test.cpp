// Read replicas against real servers of the test's own: a primary and a streaming replica made
// with pg_basebackup. Plain reads go to the replica, writes to the primary; a thread reads its
// own writes even while the replica's replay is paused; a replica further behind than
// max_lag_ms is skipped; reads keep succeeding while the replica is stopped and started.

#include "pg_fixture.hpp"
#include "server_tmp.hpp"

#include <typedao/typedao.hpp>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace typedao_it_replica {
namespace {

struct Note {
  typedao::uuid id;
  std::string name;
  std::int64_t n = 0;
};
BOOST_DESCRIBE_STRUCT(Note, (), (id, name, n))
TYPEDAO_ENTITY(Note, "replica_notes", typedao::unique(&Note::name))

using db_t = typedao::replicated_database<Note>;

// One SQL statement on a server, by raw libpq (the replica's replay controls); its first value.
std::string sql_on(const std::string& conninfo, const char* sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  REQUIRE(PQstatus(c) == CONNECTION_OK);
  PGresult* r = PQexec(c, sql);
  const auto st = PQresultStatus(r);
  INFO(sql << ": " << PQerrorMessage(c));
  CHECK((st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK));
  std::string v = st == PGRES_TUPLES_OK && PQntuples(r) > 0 ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(c);
  return v;
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

struct replica_fixture {
  typedao_test::pg_server_tmp primary;
  typedao_test::pg_server_tmp replica{typedao_test::replica_of, primary};

  typedao::pg::replica_options options(int max_lag_ms = 60'000) const {
    typedao::pg::replica_options o;
    o.primary.conninfo = primary.conninfo();
    o.primary.max_size = 4;
    o.replicas = {replica.conninfo()};
    o.max_lag_ms = max_lag_ms;
    o.check_interval_ms = 50;
    return o;
  }

  // Waits (bounded) until the replica has replayed everything the primary has now.
  void wait_replayed() {
    const std::string lsn = sql_on(primary.conninfo(), "SELECT pg_current_wal_lsn()::text");
    const std::string q = "SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn";
    for (int i = 0; i < 1000; ++i) {
      if (sql_on(replica.conninfo(), q.c_str()) == "t") return;
      sleep_ms(10);
    }
    FAIL("the replica did not catch up");
  }
};

// On a thread that never wrote through the pool: the stored note, or an empty optional.
std::optional<Note> read_elsewhere(db_t& db, const typedao::uuid& id) {
  std::optional<Note> out;
  bool ok = false;
  std::thread t([&] {
    auto r = db.dao<Note>().select(id);
    ok = static_cast<bool>(r);
    if (r) out = *r;
  });
  t.join();
  REQUIRE(ok);
  return out;
}

TEST_CASE_METHOD(replica_fixture,
                 "replicas: reads go to the replica, writes to the primary; a thread reads its "
                 "own writes while the replica's replay is paused",
                 "[pg][replica][own_server]") {
  typedao::pg::replicated_pool pool(options());
  db_t db(pool);
  REQUIRE_OK(db.migrate());
  wait_replayed();
  auto notes = db.dao<Note>();
  const Note first{.name = "first", .n = 1};
  auto a = notes.insert(first);
  REQUIRE_OK(a);
  wait_replayed();
  pool.check_now();
  // Another thread's read is the replica's.
  const auto before = pool.stats();
  REQUIRE(read_elsewhere(db, a->id).has_value());
  CHECK(pool.stats().replicas[0].reads == before.replicas[0].reads + 1);

  sql_on(replica.conninfo(), "SELECT pg_wal_replay_pause()");
  // Written now: the replica does not have these rows. This thread still reads each at once.
  int missed = 0;
  std::vector<typedao::uuid> ids;
  for (int i = 0; i < 20; ++i) {
    const Note n{.name = "n" + std::to_string(i), .n = i};
    auto w = notes.insert(n);
    REQUIRE_OK(w);
    ids.push_back(w->id);
    auto r = notes.select(w->id);
    REQUIRE_OK(r);
    if (!r->has_value()) ++missed;
    auto by = notes.select_by<&Note::name>(n.name);
    REQUIRE_OK(by);
    if (!by->has_value()) ++missed;
  }
  CHECK(missed == 0);
  // A thread that did not write reads the (paused) replica: the new rows are not there yet.
  CHECK_FALSE(read_elsewhere(db, ids.back()).has_value());
  sql_on(replica.conninfo(), "SELECT pg_wal_replay_resume()");
  wait_replayed();
  pool.check_now();
  CHECK(read_elsewhere(db, ids.back()).has_value());
  // And this thread reads from the replica again once it has replayed past its writes.
  bool back = false;
  for (int i = 0; i < 500 && !back; ++i) {
    const auto before_read = pool.stats().replicas[0].reads;
    auto again = notes.select(ids.front());
    REQUIRE_OK(again);
    CHECK(again->has_value());
    back = pool.stats().replicas[0].reads > before_read;
    if (!back) sleep_ms(10);
  }
  CHECK(back);
  // Writes and the locked read of a transaction never went to the replica (it is read-only:
  // a write there would have failed with 25006).
  auto c = notes.count();
  REQUIRE_OK(c);
  CHECK(*c == 21);
}

TEST_CASE_METHOD(replica_fixture,
                 "replicas: a replica further behind than max_lag_ms is skipped, and used again "
                 "once it catches up",
                 "[pg][replica][own_server]") {
  typedao::pg::replicated_pool pool(options(/*max_lag_ms=*/300));
  db_t db(pool);
  REQUIRE_OK(db.migrate());
  wait_replayed();
  sql_on(replica.conninfo(), "SELECT pg_wal_replay_pause()");
  const Note n{.name = "late", .n = 7};
  auto w = db.dao<Note>().insert(n);
  REQUIRE_OK(w);
  // Another thread: the paused replica does not have the row; within a bounded time the lag
  // passes 300 ms, the replica is skipped, and the primary serves the read.
  bool found = false;
  for (int i = 0; i < 500 && !found; ++i) {
    found = read_elsewhere(db, w->id).has_value();
    if (!found) sleep_ms(10);
  }
  REQUIRE(found);
  const auto skipped = pool.stats();
  CHECK(skipped.replicas[0].lag_ms > 300);
  CHECK(skipped.primary_reads > 0);
  sql_on(replica.conninfo(), "SELECT pg_wal_replay_resume()");
  wait_replayed();
  bool back = false;
  for (int i = 0; i < 500 && !back; ++i) {
    const auto before = pool.stats().replicas[0].reads;
    REQUIRE(read_elsewhere(db, w->id).has_value());
    back = pool.stats().replicas[0].reads > before;
    if (!back) sleep_ms(10);
  }
  CHECK(back);
  CHECK(pool.stats().replicas[0].lag_ms <= 300);
}

TEST_CASE_METHOD(replica_fixture,
                 "replicas: reads keep succeeding while the replica is stopped and started",
                 "[pg][replica][own_server]") {
  typedao::pg::replicated_pool pool(options());
  db_t db(pool);
  REQUIRE_OK(db.migrate());
  const Note n{.name = "steady", .n = 1};
  auto w = db.dao<Note>().insert(n);
  REQUIRE_OK(w);
  wait_replayed();
  pool.check_now();
  const typedao::uuid id = w->id;
  std::atomic<bool> stop{false};
  std::atomic<long> ok{0}, failed{0}, missing{0};
  std::vector<std::string> failures;
  std::mutex fm;
  auto reader = [&] {
    auto notes = db.dao<Note>();
    for (int i = 0; i < 1'000'000 && !stop.load(); ++i) {
      auto r = notes.select(id);
      if (!r) {
        ++failed;
        std::lock_guard<std::mutex> g(fm);
        if (failures.size() < 5) failures.push_back(r.error().to_string());
      } else if (!r->has_value()) {
        ++missing;
      } else {
        ++ok;
      }
    }
  };
  std::thread r1(reader), r2(reader);
  sleep_ms(300);
  const auto before_stop = pool.stats();
  replica.stop();  // fast: its sessions are ended
  sleep_ms(700);
  const auto during = pool.stats();
  replica.start();
  bool back = false;
  for (int i = 0; i < 1000 && !back; ++i) {
    sleep_ms(10);
    back = pool.stats().replicas[0].reads > during.replicas[0].reads + 10;
  }
  stop = true;
  r1.join();
  r2.join();
  INFO((failures.empty() ? std::string("-") : failures.front()));
  CHECK(failed == 0);
  CHECK(missing == 0);
  CHECK(ok > 100);
  CHECK(before_stop.replicas[0].reads > 0);                 // the replica served before
  CHECK(during.primary_reads > before_stop.primary_reads);  // the primary while it was down
  CHECK(back);  // and the replica again after its restart
  WARN("replica stopped 0.7 s and started under 2 reader threads: "
       << ok << " reads, " << failed << " failed; the primary served "
       << during.primary_reads - before_stop.primary_reads << " while it was down");
}

}  // namespace
}  // namespace typedao_it_replica
