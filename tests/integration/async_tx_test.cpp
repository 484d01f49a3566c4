// The asynchronous DAO's work that needs a connection of its own, against a real server: update
// with the stored-row checks (immutable members, entity rules: read FOR UPDATE, check, write, in
// one transaction) on a pool, inside a transaction and on a connection other coroutines share;
// holds (a transaction on a shared connection keeps the others' statements out of it, their
// deadlines and cancellation still work); each(); nested scopes (savepoints); async_transact
// running a unit again after a serialization failure; async_database.

#include "async_fixture.hpp"

#include <typedao/async.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>

#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace typedao_it_async_tx {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using typedao::set;

// An immutable member (owner), an entity rule (at_least_one_of name/path) and a plain member.
struct Acct {
  typedao::uuid id;
  std::string login;
  std::string owner;
  std::optional<std::string> path;
  std::optional<std::string> label;
  std::int64_t quota = 1;
};
BOOST_DESCRIBE_STRUCT(Acct, (), (id, login, owner, path, label, quota))
TYPEDAO_ENTITY(Acct, "async_accts", typedao::unique(&Acct::login), typedao::immutable(&Acct::owner),
               typedao::at_least_one_of(&Acct::label, &Acct::path))

struct Counter {
  typedao::uuid id;
  std::string name;
  std::int64_t value = 0;
};
BOOST_DESCRIBE_STRUCT(Counter, (), (id, name, value))
TYPEDAO_ENTITY(Counter, "async_counters", typedao::unique(&Counter::name))

using db_t = typedao::async_database<Acct, Counter>;
using reg = db_t::registry_type;

struct tx_fixture : typedao_test::async_fixture_base {
  tx_fixture() { REQUIRE_OK((typedao::database<Acct, Counter>(conn).migrate())); }

  awaitable<Acct> make(typedao::async_dao<Acct, typedao::pg::async_pool, reg> d, const char* login,
                       const char* owner) {
    Acct a{};
    a.login = login;
    a.owner = owner;
    a.label = "l";
    auto r = co_await d.insert(a);
    REQUIRE_OK(r);
    co_return *r;
  }
};

TEST_CASE_METHOD(tx_fixture,
                 "async update with stored-row checks: immutable members and entity rules on a "
                 "pool, one transaction each",
                 "[pg][async][async_tx]") {
  typedao::pg::async_pool pool(io.get_executor(), typedao_test::async_pool_options(conninfo(), 2));
  db_t db(pool);
  run([&]() -> awaitable<void> {
    auto accts = db.dao<Acct>();
    const Acct a = co_await make(accts, "alice", "team-a");
    // Same value: allowed (Kong compares with the stored one); another value is refused.
    auto same = co_await accts.update(a.id, set<&Acct::owner>("team-a"), set<&Acct::quota>(5));
    REQUIRE_OK(same);
    CHECK(same->quota == 5);
    auto changed = co_await accts.update(a.id, set<&Acct::owner>("team-b"));
    REQUIRE_FALSE(changed);
    CHECK(changed.error().code == typedao::error_code::schema_violation);
    CHECK(changed.error().message == "schema violation (owner: immutable field cannot be updated)");
    // The entity rule judges the merged row: clearing label on a row without a path fails,
    // clearing it while setting path succeeds.
    auto cleared = co_await accts.update_by<&Acct::login>(
        "alice", set<&Acct::label>(std::optional<std::string>()));
    REQUIRE_FALSE(cleared);
    CHECK(cleared.error().code == typedao::error_code::schema_violation);
    CHECK_THAT(cleared.error().message, Catch::Contains("at least one of these fields"));
    auto moved = co_await accts.update_by<&Acct::login>(
        "alice", set<&Acct::label>(std::optional<std::string>()),
        set<&Acct::path>(std::optional<std::string>("/a")), use_awaitable);
    REQUIRE_OK(moved);
    CHECK_FALSE(moved->label.has_value());
    CHECK(moved->path == "/a");
    auto missing = co_await accts.update_by<&Acct::login>("nobody", set<&Acct::owner>("x"));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == typedao::error_code::not_found);
    // A unique violation in the UPDATE itself: rolled back, the stored row renders the others.
    const Acct b = co_await make(accts, "bob", "team-b");
    auto dup = co_await accts.update(b.id, set<&Acct::owner>("team-b"), set<&Acct::login>("alice"));
    REQUIRE_FALSE(dup);
    CHECK(dup.error().code == typedao::error_code::unique_violation);
    CHECK(pool.stats().in_use == 0);  // every lease went back
  });
  CHECK(value("SELECT string_agg(login || ':' || owner || ':' || quota || ':' || "
              "coalesce(path, '-'), ',' ORDER BY login) FROM async_accts") ==
        "alice:team-a:5:/a,bob:team-b:1:-");
}

TEST_CASE_METHOD(tx_fixture,
                 "async update with stored-row checks on a shared connection: a hold keeps the "
                 "other coroutines' statements out of its transaction",
                 "[pg][async][async_tx]") {
  run([&]() -> awaitable<void> {
    auto c = co_await open();
    typedao::async_dao<Acct, typedao::pg::async_connection, reg> accts(c);
    Acct a{};
    a.login = "carol";
    a.owner = "team-c";
    a.label = "l";
    auto ins = co_await accts.insert(a);
    REQUIRE_OK(ins);
    const typedao::uuid id = ins->id;
    // 50 inserts in flight from other coroutines around a refused checked update (its
    // transaction rolls back): every insert is committed, none rolled back with it.
    int done = 0, ok = 0;
    for (int i = 0; i < 25; ++i)
      asio::co_spawn(
          io,
          [&, i]() -> awaitable<void> {
            Counter k{};
            k.name = "before" + std::to_string(i);
            typedao::async_dao<Counter, typedao::pg::async_connection, reg> counters(c);
            auto r = co_await counters.insert(k);
            ok += r ? 1 : 0;
            ++done;
          },
          asio::detached);
    auto refused = co_await accts.update(id, set<&Acct::owner>("someone else"));
    for (int i = 0; i < 25; ++i)
      asio::co_spawn(
          io,
          [&, i]() -> awaitable<void> {
            Counter k{};
            k.name = "after" + std::to_string(i);
            typedao::async_dao<Counter, typedao::pg::async_connection, reg> counters(c);
            auto r = co_await counters.insert(k);
            ok += r ? 1 : 0;
            ++done;
          },
          asio::detached);
    auto accepted = co_await accts.update(id, set<&Acct::owner>("team-c"), set<&Acct::quota>(9));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == typedao::error_code::schema_violation);
    REQUIRE_OK(accepted);
    CHECK(accepted->quota == 9);
    asio::steady_timer t(io);
    for (int i = 0; i < 500 && done < 50; ++i) {
      t.expires_after(std::chrono::milliseconds(10));
      co_await t.async_wait(use_awaitable);
    }
    CHECK(done == 50);
    CHECK(ok == 50);
    CHECK(c.in_flight() == 0);
  });
  CHECK(count("async_counters") == 50);
  CHECK(value("SELECT quota FROM async_accts") == "9");
}

TEST_CASE_METHOD(tx_fixture,
                 "async transaction on a shared connection: other statements wait unsent, their "
                 "deadlines and cancellation answer not_sent, and they run after the transaction",
                 "[pg][async][async_tx]") {
  run([&]() -> awaitable<void> {
    auto c = co_await open(/*timeout_ms=*/0);
    typedao::async_dao<Counter, typedao::pg::async_connection, reg> outside(c);
    auto tx = co_await typedao::async_begin<reg>(c);
    REQUIRE_OK(tx);
    Counter inside{};
    inside.name = "inside";
    REQUIRE_OK(co_await tx->dao<Counter>().insert(inside));
    // Sent meanwhile by others: one waits for the transaction, one with a deadline, one cancelled.
    std::optional<typedao::result<Counter>> waited, timed, cancelled;
    Counter w{}, d{}, x{};
    w.name = "waited";
    d.name = "timed out";
    x.name = "cancelled";
    asio::co_spawn(
        io, [&]() -> awaitable<void> { waited = co_await outside.insert(w); }, asio::detached);
    asio::co_spawn(
        io, [&]() -> awaitable<void> { timed = co_await outside.with_timeout(50).insert(d); },
        asio::detached);
    asio::cancellation_signal sig;
    outside.insert(x, asio::bind_cancellation_slot(sig.slot(), [&](typedao::result<Counter> r) {
                     cancelled = std::move(r);
                   }));
    asio::steady_timer t(io, std::chrono::milliseconds(150));
    co_await t.async_wait(use_awaitable);
    sig.emit(asio::cancellation_type::terminal);
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(use_awaitable);
    CHECK_FALSE(waited.has_value());  // still waiting for the transaction
    REQUIRE(timed.has_value());
    REQUIRE_FALSE(*timed);
    CHECK(timed->error().code == typedao::error_code::deadline_exceeded);
    CHECK(timed->error().outcome == typedao::outcome::not_sent);
    REQUIRE(cancelled.has_value());
    REQUIRE_FALSE(*cancelled);
    CHECK(cancelled->error().code == typedao::error_code::cancelled);
    CHECK(cancelled->error().outcome == typedao::outcome::not_sent);
    // Inside the transaction only its own row is seen.
    auto n = co_await tx->dao<Counter>().count();
    REQUIRE_OK(n);
    CHECK(*n == 1);
    REQUIRE_OK(co_await tx->rollback());
    for (int i = 0; i < 500 && !waited; ++i) {
      t.expires_after(std::chrono::milliseconds(10));
      co_await t.async_wait(use_awaitable);
    }
    REQUIRE(waited.has_value());
    REQUIRE_OK(*waited);
  });
  CHECK(value("SELECT string_agg(name, ',') FROM async_counters") == "waited");
}

TEST_CASE_METHOD(tx_fixture,
                 "async nested scopes: savepoints commit into the transaction, roll back only "
                 "their own work, and roll back at scope end",
                 "[pg][async][async_tx]") {
  typedao::pg::async_pool pool(io.get_executor(), typedao_test::async_pool_options(conninfo(), 2));
  db_t db(pool);
  run([&]() -> awaitable<void> {
    auto tx = co_await db.begin();
    REQUIRE_OK(tx);
    CHECK_FALSE(tx->is_nested());
    auto add = [&](typedao::async_transaction<reg>& t, const char* name) -> awaitable<void> {
      Counter k{};
      k.name = name;
      auto r = co_await t.dao<Counter>().insert(k);
      REQUIRE_OK(r);
    };
    co_await add(*tx, "outer");
    {
      auto kept = co_await tx->nested();
      REQUIRE_OK(kept);
      CHECK(kept->is_nested());
      co_await add(*kept, "kept");
      REQUIRE_OK(co_await kept->commit());
    }
    {
      auto undone = co_await tx->nested();
      REQUIRE_OK(undone);
      co_await add(*undone, "undone");
      // A checked update inside a nested scope uses a savepoint of its own.
      Acct a{};
      a.login = "dave";
      a.owner = "o";
      a.path = "/d";
      auto ins = co_await undone->dao<Acct>().insert(a);
      REQUIRE_OK(ins);
      auto bad = co_await undone->dao<Acct>().update(ins->id, set<&Acct::owner>("p"));
      REQUIRE_FALSE(bad);
      auto good = co_await undone->dao<Acct>().update(ins->id, set<&Acct::quota>(3),
                                                      set<&Acct::owner>("o"));
      REQUIRE_OK(good);  // the refused update left the scope usable
      REQUIRE_OK(co_await undone->rollback());
    }
    {
      auto dropped = co_await tx->nested();
      REQUIRE_OK(dropped);
      co_await add(*dropped, "scope end");
    }  // ROLLBACK TO SAVEPOINT, sent without waiting; the next statement queues behind it
    co_await add(*tx, "outer again");
    REQUIRE_OK(co_await tx->commit());
    CHECK(pool.stats().in_use == 0);
  });
  CHECK(value("SELECT string_agg(name, ',' ORDER BY name) FROM async_counters") ==
        "kept,outer,outer again");
  CHECK(count("async_accts") == 0);
}

TEST_CASE_METHOD(tx_fixture,
                 "async_transact runs the unit again after a serialization failure and commits "
                 "once",
                 "[pg][async][async_tx]") {
  typedao::pg::async_pool pool(io.get_executor(), typedao_test::async_pool_options(conninfo(), 2));
  db_t db(pool);
  run([&]() -> awaitable<void> {
    Counter k{};
    k.name = "hits";
    auto made = co_await db.dao<Counter>().insert(k);
    REQUIRE_OK(made);
    const typedao::uuid id = made->id;
    int reads = 0, attempts_b = 0;
    bool a_committed = false;
    auto wait_for = [&](auto ready) -> awaitable<void> {
      asio::steady_timer t(io);  // one per waiter: a timer's new expiry cancels its waits
      for (int i = 0; i < 1000 && !ready(); ++i) {
        t.expires_after(std::chrono::milliseconds(2));
        co_await t.async_wait(use_awaitable);
      }
      REQUIRE(ready());
    };
    // Both read the counter in REPEATABLE READ, A writes and commits, then B writes: B's UPDATE
    // fails with 40001 and its unit runs again on a new snapshot.
    auto increment = [&](bool is_b) {
      return [&, is_b](typedao::async_transaction<reg>& tx) -> awaitable<typedao::result<int>> {
        if (is_b) ++attempts_b;
        auto cur = co_await tx.dao<Counter>().select(id);
        if (!cur) co_return cur.error();
        ++reads;
        const std::int64_t next = (*cur)->value + 1;
        co_await wait_for([&] { return reads >= 2; });
        if (is_b) co_await wait_for([&] { return a_committed; });
        auto up = co_await tx.dao<Counter>().update(id, set<&Counter::value>(next));
        if (!up) co_return up.error();
        co_return 1;
      };
    };
    const typedao::transaction_options rr{.isolation = typedao::isolation::repeatable_read,
                                          .max_attempts = 3};
    std::optional<typedao::result<int>> ra;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
          ra = co_await db.transact(increment(false), rr);
          a_committed = true;
        },
        asio::detached);
    auto rb = co_await db.transact(increment(true), rr);
    REQUIRE_OK(rb);
    REQUIRE(ra.has_value());
    REQUIRE_OK(*ra);
    CHECK(attempts_b == 2);
    // With one attempt the same conflict is returned as the server's error.
    const typedao::transaction_options once{.isolation = typedao::isolation::repeatable_read};
    reads = 0;
    a_committed = false;
    attempts_b = 0;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
          ra = co_await db.transact(increment(false), once);
          a_committed = true;
        },
        asio::detached);
    auto failed = co_await db.transact(increment(true), once);
    REQUIRE_FALSE(failed);
    CHECK(failed.error().server.sqlstate == "40001");
    CHECK(attempts_b == 1);
    CHECK(pool.stats().in_use == 0);
  });
  CHECK(value("SELECT value FROM async_counters") == "3");
}

TEST_CASE_METHOD(tx_fixture, "async each: every row, one page at a time, in key order",
                 "[pg][async][async_tx]") {
  typedao::pg::async_pool pool(io.get_executor(), typedao_test::async_pool_options(conninfo(), 2));
  db_t db(pool);
  run([&]() -> awaitable<void> {
    auto counters = db.dao<Counter>();
    {
      auto rows = counters.each(10);
      auto first = co_await rows.next();
      CHECK_FALSE(first.has_value());  // an empty table: the end at once
    }
    std::vector<typedao::result<Counter>> made;
    {
      auto c = co_await open();
      typedao::async_dao<Counter, typedao::pg::async_connection, reg> on_conn(c);
      std::vector<Counter> batch(250);
      for (int i = 0; i < 250; ++i) batch[i].name = "c" + std::to_string(i);
      made = co_await on_conn.insert_batch(batch);
    }
    std::set<std::string> names;
    std::string last_key;
    bool ordered = true;
    auto rows = counters.each(100);
    while (auto row = co_await rows.next()) {
      REQUIRE_OK(*row);
      const std::string key = typedao::to_string((*row)->id);
      if (!last_key.empty() && !(last_key < key)) ordered = false;
      last_key = key;
      names.insert((*row)->name);
    }
    CHECK(names.size() == 250);
    CHECK(ordered);
    CHECK(rows.page_number() == 3);
    CHECK_FALSE((co_await rows.next()).has_value());  // stays at the end
    // A page that fails (an invalid size) gives one error, then the end.
    auto bad = counters.each(0);
    auto e = co_await bad.next();
    REQUIRE(e.has_value());
    REQUIRE_FALSE(*e);
    CHECK(e->error().code == typedao::error_code::invalid_size);
    CHECK_FALSE((co_await bad.next()).has_value());
  });
}

}  // namespace
}  // namespace typedao_it_async_tx
