// typedao::pg::pool against a real server: DAO calls and transactions over a pool, a full pool
// refusing at once or after the acquire timeout with typed errors, broken and in-transaction
// connections never handed out again, health checks, lifetimes, init_sql on every connection,
// and 8 threads x 10,000 operations on 4 connections with no lost or duplicated row.

#include "pg_fixture.hpp"

#include <typedao/metrics.hpp>

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace typedao_it_pool {
namespace {

struct Item {
  typedao::uuid id;
  std::string name;
  std::int64_t n = 0;
};
BOOST_DESCRIBE_STRUCT(Item, (), (id, name, n))
TYPEDAO_ENTITY(Item, "items", typedao::unique(&Item::name))

using typedao_test::pg_fixture;

struct pool_fixture : pg_fixture {
  typedao::pg::pool_options options(std::size_t max_size) {
    typedao::pg::pool_options o;
    o.conninfo = conninfo();
    o.max_size = max_size;
    return o;
  }
  pool_fixture() { REQUIRE_OK(typedao::database<Item>(conn).migrate()); }
};

int pid_of(typedao::pg::connection& c) { return PQbackendPID(c.native_handle()); }

TEST_CASE_METHOD(pool_fixture, "pool: DAO calls take a connection each and give it back",
                 "[pg][pool]") {
  typedao::pg::pool pool(options(2));
  typedao::pool_database<Item> db{pool};
  auto items = db.dao<Item>();
  auto a = items.insert({.name = "a", .n = 1});
  REQUIRE_OK(a);
  REQUIRE_OK(items.update(a->id, typedao::set<&Item::n>(2)));
  auto got = items.select_by<&Item::name>("a");
  REQUIRE_OK(got);
  REQUIRE(got->has_value());
  CHECK((*got)->n == 2);
  auto page = items.page(10);
  REQUIRE_OK(page);
  CHECK(page->rows.size() == 1);
  auto s = pool.stats();
  CHECK(s.created == 1);  // one caller at a time: one connection, reused
  CHECK(s.in_use == 0);
  CHECK(s.idle == 1);
  CHECK(s.acquired >= 4);
  CHECK(count("items") == 1);
}

TEST_CASE_METHOD(pool_fixture,
                 "pool: a full pool with a full queue refuses at once (POOL_EXHAUSTED)",
                 "[pg][pool]") {
  auto o = options(1);
  o.max_waiting = 0;
  typedao::pg::pool pool(o);
  auto held = pool.acquire();
  REQUIRE_OK(held);
  auto r = pool.acquire();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::pool_exhausted);
  CHECK(r.error().outcome == typedao::outcome::not_sent);
  CHECK(r.error().retry_safe());
  // Through the DAO too, before anything is sent.
  typedao::pool_database<Item> db{pool};
  auto ins = db.dao<Item>().insert({.name = "x"});
  REQUIRE_FALSE(ins);
  CHECK(ins.error().code == typedao::error_code::pool_exhausted);
  CHECK(pool.stats().rejected == 2);
  held->release();
  REQUIRE_OK(db.dao<Item>().insert({.name = "y"}));
  CHECK(count("items") == 1);
}

TEST_CASE_METHOD(pool_fixture,
                 "pool: a caller that waits past the acquire timeout gets ACQUIRE_TIMEOUT",
                 "[pg][pool]") {
  auto o = options(1);
  o.max_waiting = 4;
  o.acquire_timeout_ms = 100;
  typedao::pg::pool pool(o);
  auto held = pool.acquire();
  REQUIRE_OK(held);
  auto r = pool.acquire();
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::acquire_timeout);
  CHECK(r.error().retry_safe());
  auto s = pool.stats();
  CHECK(s.timeouts == 1);
  CHECK(s.waiting == 0);
  CHECK(s.in_use == 1);
  // A waiter is woken by a release.
  std::optional<typedao::result<typedao::pg::lease>> waited;
  std::thread waiter([&] { waited.emplace(pool.acquire_for(30'000)); });
  for (int i = 0; i < 1000 && pool.stats().waiting == 0; ++i) ::usleep(1'000);
  CHECK(pool.stats().waiting == 1);
  held->release();
  waiter.join();
  REQUIRE(waited.has_value());
  REQUIRE_OK(*waited);
}

TEST_CASE_METHOD(pool_fixture,
                 "pool: waiters are served first come first served; a caller arriving later "
                 "does not jump the line",
                 "[pg][pool]") {
  auto o = options(1);
  o.acquire_timeout_ms = 30'000;
  typedao::pg::pool pool(o);
  auto held = pool.acquire();
  REQUIRE_OK(held);
  std::mutex m;
  std::vector<int> order;
  auto wait_for_waiting = [&](std::size_t n) {
    for (int i = 0; i < 5000 && pool.stats().waiting < n; ++i) ::usleep(1'000);
    REQUIRE(pool.stats().waiting == n);
  };
  std::atomic<bool> late_tried{false};
  auto take = [&](int who) {
    auto l = pool.acquire();
    CHECK(l);
    {
      std::lock_guard lock(m);
      order.push_back(who);
    }
    // Held until the late caller has tried (on a busy machine both waiters could otherwise be
    // done before it asks, and it would rightly get the idle connection).
    for (int i = 0; i < 10'000 && !late_tried.load(); ++i) ::usleep(1'000);
  };  // the lease ends here: the next waiter's turn
  std::thread a([&] { take(1); });
  wait_for_waiting(1);
  std::thread b([&] { take(2); });
  wait_for_waiting(2);
  held->release();  // goes straight to the first waiter
  auto late = pool.acquire_for(0);
  late_tried = true;
  if (late) {  // (joined before failing: a thread left running would abort the test)
    a.join();
    b.join();
  }
  REQUIRE_FALSE(late);  // the connection is not idle for a moment: it is the first waiter's
  CHECK(late.error().code == typedao::error_code::acquire_timeout);
  a.join();
  b.join();
  CHECK(order == std::vector<int>{1, 2});
  CHECK(pool.stats().created == 1);
  CHECK(pool.stats().idle == 1);
}

TEST_CASE_METHOD(pool_fixture,
                 "pool: a broken connection, or one left in a transaction, is not handed out again",
                 "[pg][pool][faults]") {
  typedao::pg::pool pool(options(1));
  int first_pid = 0;
  {
    auto l = pool.acquire();
    REQUIRE_OK(l);
    first_pid = pid_of(**l);
    terminate_backend(first_pid);
    CHECK_FALSE((*l)->execute_script("SELECT 1"));  // it notices
  }
  CHECK(pool.stats().discarded == 1);
  int second_pid = 0;
  {
    auto l = pool.acquire();
    REQUIRE_OK(l);
    second_pid = pid_of(**l);
    CHECK(second_pid != first_pid);
    REQUIRE_OK((*l)->execute_script("BEGIN"));  // left open
  }
  CHECK(pool.stats().discarded == 2);
  auto l = pool.acquire();
  REQUIRE_OK(l);
  CHECK(pid_of(**l) != second_pid);
  CHECK_FALSE((*l)->in_transaction());
  CHECK(pool.stats().created == 3);
}

TEST_CASE_METHOD(pool_fixture,
                 "pool: an idle connection whose backend died is caught by the health check, the "
                 "caller gets a good one",
                 "[pg][pool][faults]") {
  auto o = options(2);
  o.health_check_after_idle_ms = 0;
  typedao::pg::pool pool(o);
  int pid = 0;
  {
    auto l = pool.acquire();
    REQUIRE_OK(l);
    pid = pid_of(**l);
  }
  terminate_backend(pid);
  ::usleep(2'000);  // idle for longer than health_check_after_idle_ms (0)
  typedao::pool_database<Item> db{pool};
  REQUIRE_OK(db.dao<Item>().insert({.name = "after"}));  // no error reaches the caller
  auto s = pool.stats();
  CHECK(s.discarded == 1);
  CHECK(s.created == 2);
}

TEST_CASE_METHOD(pool_fixture, "pool: idle and maximum lifetimes retire connections",
                 "[pg][pool]") {
  auto o = options(2);
  o.max_lifetime_ms = 1;
  typedao::pg::pool pool(o);
  {
    auto l = pool.acquire();
    REQUIRE_OK(l);
    ::usleep(5'000);
  }  // older than max_lifetime when it comes back: closed
  CHECK(pool.stats().idle == 0);
  CHECK(pool.stats().discarded == 1);
  auto o2 = options(2);
  o2.max_idle_ms = 1;
  typedao::pg::pool pool2(o2);
  { REQUIRE_OK(pool2.acquire()); }
  ::usleep(5'000);
  auto l = pool2.acquire();  // the idle one is too old: a new one
  REQUIRE_OK(l);
  CHECK(pool2.stats().created == 2);
  CHECK(pool2.stats().discarded == 1);
}

TEST_CASE_METHOD(pool_fixture, "pool: init_sql runs on every connection of the pool",
                 "[pg][pool]") {
  auto o = options(2);
  o.connection.init_sql = "SET application_name = 'typedao-pool'";
  typedao::pg::pool pool(o);
  auto a = pool.acquire();
  auto b = pool.acquire();
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  CHECK(typedao_test::raw_scalar(**a, "SHOW application_name") ==
        std::optional<std::string>("typedao-pool"));
  CHECK(typedao_test::raw_scalar(**b, "SHOW application_name") ==
        std::optional<std::string>("typedao-pool"));
}

TEST_CASE_METHOD(pool_fixture, "pool: a transaction keeps one connection until it ends",
                 "[pg][pool][transaction]") {
  typedao::pg::pool pool(options(2));
  typedao::pool_database<Item> db{pool};
  {
    auto tx = db.begin();
    REQUIRE_OK(tx);
    REQUIRE_OK(tx->dao<Item>().insert({.name = "in tx"}));
    CHECK(pool.stats().in_use == 1);
    auto outside = db.dao<Item>().count();  // another connection: does not see it yet
    REQUIRE_OK(outside);
    CHECK(*outside == 0);
    REQUIRE_OK(tx->commit());
  }
  CHECK(pool.stats().in_use == 0);
  auto after = db.dao<Item>().count();
  REQUIRE_OK(after);
  CHECK(*after == 1);
  {
    auto tx = db.begin();
    REQUIRE_OK(tx);
    REQUIRE_OK(tx->dao<Item>().insert({.name = "rolled back"}));
  }  // rolled back, then the connection goes back clean
  CHECK(pool.stats().discarded == 0);
  CHECK(count("items") == 1);
  auto r = db.transact([](auto& tx) -> typedao::result<std::int64_t> {
    REQUIRE_OK(tx.template dao<Item>().insert({.name = "transact"}));
    return tx.template dao<Item>().count();
  });
  REQUIRE_OK(r);
  CHECK(*r == 2);
}

TEST_CASE_METHOD(pool_fixture,
                 "pool: 8 threads x 10,000 mixed operations on 4 connections lose and duplicate "
                 "nothing",
                 "[pg][pool][threads]") {
  auto o = options(4);
  o.max_waiting = 16;
  o.acquire_timeout_ms = 30'000;
  typedao::pg::pool pool(o);
  typedao::pool_database<Item> db{pool};
  constexpr int threads = 8, per_thread = 10'000;
  std::mutex m;
  std::map<std::string, typedao::uuid> kept;  // acknowledged inserts not removed
  std::atomic<long long> failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      auto items = db.dao<Item>();
      std::vector<std::pair<std::string, typedao::uuid>> mine;
      for (int i = 0; i < per_thread; ++i) {
        const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i / 4);
        switch (i % 4) {
          case 0: {
            auto r = items.insert({.name = name, .n = i});
            if (r)
              mine.emplace_back(name, r->id);
            else
              ++failures;
            break;
          }
          case 1: {
            auto r = items.select_by<&Item::name>(name);
            if (!r || !r->has_value() || (*r)->name != name) ++failures;
            break;
          }
          case 2: {
            auto r = items.update_by<&Item::name>(name, typedao::set<&Item::n>(-i));
            if (!r || r->n != -i) ++failures;
            break;
          }
          default:
            if (i % 8 == 3) {  // remove every other row again
              auto r = items.remove_by<&Item::name>(name);
              if (r)
                mine.pop_back();
              else
                ++failures;
            }
        }
      }
      std::lock_guard lock(m);
      for (auto& [n, id] : mine) CHECK(kept.emplace(n, id).second);
    });
  for (auto& t : ts) t.join();
  CHECK(failures == 0);
  const auto expected = static_cast<long long>(threads) * (per_thread / 4) / 2;
  CHECK(static_cast<long long>(kept.size()) == expected);
  CHECK(count("items") == expected);
  CHECK(value("SELECT count(DISTINCT name) FROM items") == std::to_string(expected));
  // Every acknowledged row is there with its id.
  auto items = db.dao<Item>();
  std::size_t found = 0;
  for (auto&& row : items.each(1000)) {
    REQUIRE_OK(row);
    auto it = kept.find(row->name);
    REQUIRE(it != kept.end());
    CHECK(it->second == row->id);
    ++found;
  }
  CHECK(found == kept.size());
  auto s = pool.stats();
  CHECK(s.created <= 4);
  CHECK(s.timeouts == 0);
  CHECK(s.rejected == 0);
  CHECK(s.in_use == 0);
}

// ---- deadlines over a pool ------------------------------------------------------------------

TEST_CASE_METHOD(pool_fixture, "pool: the wait for a connection counts against the call's deadline",
                 "[pg][pool][deadline]") {
  auto o = options(1);
  o.acquire_timeout_ms = 600'000;  // never the limit here
  o.connection.timeout_ms = 150;
  typedao::pg::pool pool(o);
  typedao::pool_database<Item> db{pool};
  auto held = pool.acquire();
  REQUIRE_OK(held);
  // The connections' timeout_ms is each call's deadline: it passes while waiting.
  auto r = db.dao<Item>().insert({.name = "x"});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::deadline_exceeded);
  CHECK(r.error().outcome == typedao::outcome::not_sent);
  CHECK(r.error().retry_safe());
  CHECK_THAT(r.error().message, Catch::Contains("150 ms passed while waiting for a connection"));
  // A DAO's own deadline (with_timeout) replaces it, for every kind of call.
  auto items = db.dao<Item>().with_timeout(40);
  CHECK(items.timeout_ms() == 40);
  auto u = items.update_by<&Item::name>("x", typedao::set<&Item::n>(1));
  REQUIRE_FALSE(u);
  CHECK(u.error().code == typedao::error_code::deadline_exceeded);
  CHECK_THAT(u.error().message, Catch::Contains("40 ms"));
  auto tx = db.begin();
  REQUIRE_FALSE(tx);
  CHECK(tx.error().code == typedao::error_code::deadline_exceeded);
  auto s = pool.stats();
  CHECK(s.timeouts == 3);
  CHECK(s.waiting == 0);
  // When the acquire timeout is the shorter limit, it is the one reported.
  auto o2 = options(1);
  o2.acquire_timeout_ms = 30;
  o2.connection.timeout_ms = 600'000;
  typedao::pg::pool pool2(o2);
  auto held2 = pool2.acquire();
  REQUIRE_OK(held2);
  auto r2 = typedao::pool_database<Item>{pool2}.dao<Item>().insert({.name = "y"});
  REQUIRE_FALSE(r2);
  CHECK(r2.error().code == typedao::error_code::acquire_timeout);
  held->release();
  held2->release();
  CHECK(count("items") == 0);
}

TEST_CASE_METHOD(pool_fixture,
                 "pool: what is left of a call's deadline after the wait bounds what it sends",
                 "[pg][pool][deadline]") {
  auto o = options(1);
  o.connection.timeout_ms = 600'000;
  typedao::pg::pool pool(o);
  {
    auto l = pool.acquire_call(100);  // the call started now, with 100 ms in all
    REQUIRE_OK(l);
    ::usleep(150'000);  // spent before anything is sent (as if waiting for the connection)
    auto r = (*l)->execute_script("INSERT INTO items (id, name) VALUES (gen_random_uuid(), 'z')");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::deadline_exceeded);
    CHECK(r.error().outcome == typedao::outcome::not_sent);
    CHECK((*l)->is_open());
  }
  CHECK(count("items") == 0);
  // The lease's deadline ends with it: the next lease's calls each have timeout_ms.
  auto l = pool.acquire();
  REQUIRE_OK(l);
  ::usleep(120'000);
  REQUIRE_OK((*l)->execute_script("SELECT 1"));
  CHECK(pool.stats().created == 1);
}

TEST_CASE_METHOD(pool_fixture,
                 "pool: one deadline covers every statement of a DAO call; a transaction's calls "
                 "each have their own",
                 "[pg][pool][deadline][transaction]") {
  auto o = options(2);
  o.connection.timeout_ms = 300;
  typedao::pg::pool pool(o);
  typedao::pool_database<Item> db{pool};
  auto a = db.dao<Item>().insert({.name = "a", .n = 1});
  REQUIRE_OK(a);
  // Another session holds the row: the update's locked read waits and is cancelled.
  auto holder = open_second();
  REQUIRE_OK(holder.execute_script("BEGIN"));
  typedao_test::raw_exec(holder, "SELECT * FROM items FOR UPDATE");
  auto u = db.dao<Item>().with_timeout(100).update(a->id, typedao::set<&Item::n>(2));
  REQUIRE_FALSE(u);
  CHECK(u.error().code == typedao::error_code::deadline_exceeded);
  CHECK(u.error().outcome == typedao::outcome::refused);
  CHECK_THAT(u.error().message, Catch::Contains("100 ms"));
  REQUIRE_OK(holder.execute_script("COMMIT"));
  // A transaction's statements are calls of their own: the time between them is not counted.
  {
    auto tx = db.begin();
    REQUIRE_OK(tx);
    ::usleep(400'000);  // longer than timeout_ms
    REQUIRE_OK(tx->dao<Item>().update(a->id, typedao::set<&Item::n>(3)));
    ::usleep(400'000);
    REQUIRE_OK(tx->commit());
  }
  CHECK(value("SELECT n FROM items") == "3");
  // On one connection with_timeout bounds the DAO's calls too.
  auto c = open_second();
  auto d = typedao::database<Item>(c).dao<Item>().with_timeout(100);
  REQUIRE_OK(holder.execute_script("BEGIN"));
  typedao_test::raw_exec(holder, "SELECT * FROM items FOR UPDATE");
  auto u2 = d.update(a->id, typedao::set<&Item::n>(4));
  REQUIRE_FALSE(u2);
  CHECK(u2.error().code == typedao::error_code::deadline_exceeded);
  CHECK_THAT(u2.error().message, Catch::Contains("100 ms"));
  REQUIRE_OK(holder.execute_script("ROLLBACK"));
  CHECK(c.options().timeout_ms == 5000);
  REQUIRE_OK(d.update(a->id, typedao::set<&Item::n>(5)));
  CHECK(value("SELECT n FROM items") == "5");
}

// ---- metrics ----------------------------------------------------------------------------------

TEST_CASE("pool: wait_histogram percentiles are within one bucket (12.5%)", "[pool]") {
  typedao::pg::wait_histogram h;
  CHECK(h.percentile(0.5) == 0);
  for (unsigned long long v = 1; v <= 1000; ++v) h.add(v);
  CHECK(h.count() == 1000);
  const auto p50 = h.percentile(0.5), p99 = h.percentile(0.99), p100 = h.percentile(1.0);
  CHECK(p50 >= 500);
  CHECK(p50 <= 500 * 9 / 8);
  CHECK(p99 >= 990);
  CHECK(p99 <= 990 * 9 / 8);
  CHECK(p100 >= 1000);
  CHECK(p100 <= 1000 * 9 / 8);
  typedao::pg::wait_histogram small;
  for (int i = 0; i < 99; ++i) small.add(3);
  small.add(7'000'000);
  CHECK(small.percentile(0.5) == 3);
  CHECK(small.percentile(0.99) == 3);
  CHECK(small.percentile(1.0) >= 7'000'000);
  typedao::pg::wait_histogram huge;
  huge.add(~0ull);  // beyond the last bucket: counted in it
  CHECK(huge.percentile(1.0) > 0);
}

TEST_CASE_METHOD(pool_fixture,
                 "pool: stats report waits, reconnects and why connections were closed",
                 "[pg][pool][metrics]") {
  auto o = options(1);
  typedao::pg::pool pool(o);
  {
    auto l = pool.acquire();
    REQUIRE_OK(l);
    // The backend dies; the leased connection notices and re-establishes its session.
    terminate_backend(pid_of(**l));
    CHECK_FALSE((*l)->execute_script("SELECT 1"));
    REQUIRE_OK((*l)->execute_script("SELECT 1"));
  }
  auto s = pool.stats();
  CHECK(s.reconnects == 1);
  CHECK(s.discarded == 0);  // it came back healthy
  // A waiter: held for a while, then released; its wait is in the percentiles.
  auto held = pool.acquire();
  REQUIRE_OK(held);
  std::optional<typedao::result<typedao::pg::lease>> waited;
  std::thread waiter([&] { waited.emplace(pool.acquire()); });
  for (int i = 0; i < 1000 && pool.stats().waiting == 0; ++i) ::usleep(1'000);
  ::usleep(20'000);
  held->release();
  waiter.join();
  REQUIRE(waited.has_value());
  REQUIRE_OK(*waited);
  waited->value().release();
  s = pool.stats();
  CHECK(s.acquired == 3);
  CHECK(s.wait_us_max >= 20'000);
  CHECK(s.wait_us_p99 >= 20'000);
  CHECK(s.wait_us_p50 <= s.wait_us_p99);
  CHECK(s.wait_us_total >= s.wait_us_max);
  {
    auto l = pool.acquire();
    REQUIRE_OK(l);
    REQUIRE_OK((*l)->execute_script("BEGIN"));  // left in a transaction: closed
  }
  s = pool.stats();
  CHECK(s.discarded == 1);
  CHECK(s.discarded_broken == 1);
  CHECK(s.discarded_aged == 0);
}

TEST_CASE_METHOD(pool_fixture,
                 "metrics: each statement counts its calls, errors and time across threads",
                 "[pg][pool][metrics]") {
  typedao::pg::pool pool(options(2));
  typedao::pool_database<Item> db{pool};
  auto items = db.dao<Item>();
  // The sums over the statements on items of one kind (insert: insert and upsert, ...).
  auto find = [](std::string_view verb) {
    typedao::statement_stats sum;
    for (const auto& s : typedao::statement_metrics())
      if (s.table == "items" && s.verb == verb) {
        if (sum.name.empty()) sum.name = s.name, sum.text = s.text;
        sum.calls += s.calls;
        sum.errors += s.errors;
        sum.total_ns += s.total_ns;
        sum.max_ns = s.max_ns > sum.max_ns ? s.max_ns : sum.max_ns;
      }
    return sum;
  };
  const auto ins0 = find("insert"), sel0 = find("select");
  constexpr int threads = 4, per_thread = 50;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        const auto name = "m" + std::to_string(t) + "-" + std::to_string(i);
        CHECK(items.insert({.name = name}));
        CHECK(items.select_by<&Item::name>(name));
      }
    });
  for (auto& t : ts) t.join();
  REQUIRE_FALSE(items.insert({.name = "m0-0"}));  // a unique violation: an error
  const auto ins = find("insert"), sel = find("select");
  CHECK(ins.calls - ins0.calls == threads * per_thread + 1);
  CHECK(ins.errors - ins0.errors == 1);
  CHECK(sel.calls - sel0.calls >= threads * per_thread);
  CHECK(ins.total_ns > ins0.total_ns);
  CHECK(ins.max_ns > 0);
  CHECK(ins.max_ns <= ins.total_ns);
  CHECK(ins.name.size() == 18);
  CHECK(ins.name.substr(0, 2) == "td");
  CHECK(ins.text.find("INSERT INTO \"items\"") == 0);
}

}  // namespace
}  // namespace typedao_it_pool
