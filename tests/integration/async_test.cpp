// The asynchronous connector against a real server: the DAO's operations awaited in C++20
// coroutines on one io_context thread, many in flight on one connection (pipeline mode), an
// error in one not failing the others, deadlines and Asio cancellation cancelling the statement
// on the server while the connection stays usable, and a backend killed mid-pipeline failing
// only what it carried, each with a typed error.
//
// The entities are named before they are awaited (support/async_fixture.hpp says why).

#include "async_fixture.hpp"

#include <typedao/async.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace typedao_it_async {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

struct Item {
  typedao::uuid id;
  std::string name;
  std::int64_t n = 0;
};
BOOST_DESCRIBE_STRUCT(Item, (), (id, name, n))
TYPEDAO_ENTITY(Item, "items", typedao::unique(&Item::name))

struct Svc {
  typedao::uuid id;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Svc, (), (id, name))
TYPEDAO_ENTITY(Svc, "svcs", typedao::unique(&Svc::name))

struct Rt {
  typedao::uuid id;
  typedao::foreign<Svc> svc;
  std::string name;
};
BOOST_DESCRIBE_STRUCT(Rt, (), (id, svc, name))
TYPEDAO_ENTITY(Rt, "rts", typedao::unique(&Rt::name),
               typedao::on_delete(&Rt::svc, typedao::cascade))

struct Tok {
  typedao::uuid id;
  std::string value;
};
BOOST_DESCRIBE_STRUCT(Tok, (), (id, value))
TYPEDAO_ENTITY(Tok, "toks", typedao::with_ttl)

struct async_fixture : typedao_test::async_fixture_base {
  async_fixture() { REQUIRE_OK(typedao::database<Item>(conn).migrate()); }
};
using typedao_test::async_pool_options;

TEST_CASE_METHOD(async_fixture, "async: the DAO's operations awaited in a coroutine",
                 "[pg][async]") {
  run([&]() -> awaitable<void> {
    auto c = co_await open();
    CHECK(c.is_open());
    typedao::async_dao<Item> items(c);
    const Item first{.name = "a", .n = 1};
    auto a = co_await items.insert(first);
    REQUIRE_OK(a);
    CHECK(!a->id.is_nil());
    auto got = co_await items.select(a->id);
    REQUIRE_OK(got);
    REQUIRE(got->has_value());
    CHECK((*got)->name == "a");
    auto by = co_await items.select_by<&Item::name>("a");
    REQUIRE_OK(by);
    REQUIRE(by->has_value());
    CHECK((*by)->id == a->id);
    const Item replacement{.name = "a2", .n = 2};
    auto up = co_await items.upsert(a->id, replacement);
    REQUIRE_OK(up);
    CHECK(up->n == 2);
    // update and update_by: the changes, then (optionally) a token.
    auto u = co_await items.update(a->id, typedao::set<&Item::n>(3));
    REQUIRE_OK(u);
    CHECK(u->n == 3);
    CHECK(u->name == "a2");
    auto ub = co_await items.update_by<&Item::name>("a2", typedao::set<&Item::n>(4), use_awaitable);
    REQUIRE_OK(ub);
    CHECK(ub->n == 4);
    auto missing = co_await items.update_by<&Item::name>("none", typedao::set<&Item::n>(5));
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == typedao::error_code::not_found);
    CHECK_THAT(missing.error().message, Catch::Contains("{name=\"none\"}"));
    CHECK(value("SELECT n FROM items") == "4");
    auto n = co_await items.count();
    REQUIRE_OK(n);
    CHECK(*n == 1);
    auto page = co_await items.page(10, "");
    REQUIRE_OK(page);
    CHECK(page->rows.size() == 1);
    // A check that fails before anything is sent completes the same way.
    auto bad = co_await items.page(0, "");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == typedao::error_code::invalid_size);
    const Item same{.name = "a2"};
    auto dup = co_await items.insert(same);
    REQUIRE_FALSE(dup);
    CHECK(dup.error().code == typedao::error_code::unique_violation);
    auto rm = co_await items.remove(a->id);
    REQUIRE_OK(rm);
    CHECK(count("items") == 0);
  });
}

TEST_CASE_METHOD(async_fixture,
                 "async: parents and children: upsert_by, page_for, count_for, remove_by with "
                 "the cascaded keys",
                 "[pg][async]") {
  REQUIRE_OK((typedao::database<Svc, Rt>(conn).migrate()));
  run([&]() -> awaitable<void> {
    auto c = co_await open();
    using reg = typedao::detail::registry<Svc, Rt>;
    typedao::async_dao<Svc, typedao::pg::async_connection, reg> svcs(c);
    typedao::async_dao<Rt, typedao::pg::async_connection, reg> rts(c);
    const Svc s0{.name = "billing"};
    auto s = co_await svcs.upsert_by<&Svc::name>("billing", s0);
    REQUIRE_OK(s);
    std::vector<typedao::uuid> route_ids;
    for (int i = 0; i < 5; ++i) {
      const Rt r{.svc = s->id, .name = "r" + std::to_string(i)};
      auto ins = co_await rts.insert(r);
      REQUIRE_OK(ins);
      route_ids.push_back(ins->id);
    }
    auto n = co_await rts.count_for<&Rt::svc>(s->id);
    REQUIRE_OK(n);
    CHECK(*n == 5);
    auto p1 = co_await rts.page_for<&Rt::svc>(s->id, 3, "");
    REQUIRE_OK(p1);
    CHECK(p1->rows.size() == 3);
    REQUIRE(p1->offset.has_value());
    const std::string off = *p1->offset;
    auto p2 = co_await rts.page_for<&Rt::svc>(s->id, 3, off);
    REQUIRE_OK(p2);
    CHECK(p2->rows.size() == 2);
    CHECK_FALSE(p2->offset.has_value());
    auto gone = co_await svcs.remove_by<&Svc::name>("billing");
    REQUIRE_OK(gone);
    CHECK(gone->cascaded_count() == 5);
    auto keys = gone->of<Rt>();
    std::sort(keys.begin(), keys.end());
    std::sort(route_ids.begin(), route_ids.end());
    CHECK(keys == route_ids);
  });
  CHECK(count("rts") == 0);
  CHECK(count("svcs") == 0);
}

TEST_CASE_METHOD(async_fixture, "async: TTL: ttl() and purge_expired() in batches",
                 "[pg][async][ttl]") {
  REQUIRE_OK(typedao::database<Tok>(conn).migrate());
  run([&]() -> awaitable<void> {
    auto c = co_await open();
    typedao::async_dao<Tok> toks(c);
    std::vector<typedao::uuid> ids;
    for (int i = 0; i < 7; ++i) {
      const Tok t{.value = "t" + std::to_string(i)};
      const typedao::write_options o{.ttl = 3600};
      auto r = co_await toks.insert(t, o);
      REQUIRE_OK(r);
      ids.push_back(r->id);
    }
    const typedao::uuid first = ids[0];
    auto left = co_await toks.ttl(first);
    REQUIRE_OK(left);
    REQUIRE(left->has_value());
    CHECK(**left > 3500);
    exec("UPDATE toks SET ttl = now() - interval '1 second' WHERE value <> 't6'");  // 6 expired
    auto bad = co_await toks.purge_expired(0);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == typedao::error_code::invalid_size);
    auto n = co_await toks.purge_expired(4);  // 4, then 2: two statements
    REQUIRE_OK(n);
    CHECK(*n == 6);
    auto gone = co_await toks.ttl(first);
    REQUIRE_FALSE(gone);
    CHECK(gone.error().code == typedao::error_code::not_found);
  });
  CHECK(count("toks") == 1);
}

TEST_CASE_METHOD(async_fixture, "async: completion tokens other than coroutines work",
                 "[pg][async]") {
  std::optional<typedao::pg::async_connection> c;
  run([&]() -> awaitable<void> { c.emplace(co_await open()); });
  typedao::async_dao<Item> items(*c);
  // A callback.
  std::optional<typedao::result<Item>> got;
  items.insert({.name = "cb"}, [&](typedao::result<Item> r) { got.emplace(std::move(r)); });
  io.restart();
  io.run_for(std::chrono::seconds(30));
  REQUIRE(got.has_value());
  REQUIRE_OK(*got);
  CHECK((*got)->name == "cb");
  // A future, completed by a thread running the io_context.
  io.restart();
  auto work = asio::make_work_guard(io);
  std::thread t([&] { io.run(); });
  auto f = items.count(asio::use_future);
  auto n = f.get();
  work.reset();
  t.join();
  REQUIRE_OK(n);
  CHECK(*n == 1);
}

TEST_CASE_METHOD(async_fixture,
                 "async: 1,000 coroutines on one connection are pipelined, each gets its own "
                 "result; an error in one fails no other",
                 "[pg][async][pipeline]") {
  run([&]() -> awaitable<void> {
    auto c = co_await open();
    typedao::async_dao<Item> items(c);
    constexpr int n = 1000;
    std::vector<std::optional<typedao::result<Item>>> got(n);
    int finished = 0;
    std::size_t max_in_flight = 0;
    for (int i = 0; i < n; ++i)
      asio::co_spawn(
          io,
          [&, i]() -> awaitable<void> {
            // Item 500 repeats item 499's name: a unique violation, for it alone.
            const std::string name = "p" + std::to_string(i == 500 ? 499 : i);
            const Item it{.name = name, .n = i};
            got[i].emplace(co_await items.insert(it));
            ++finished;
          },
          asio::detached);
    asio::steady_timer t(io);
    for (int k = 0; k < 60'000 && finished < n; ++k) {
      if (c.in_flight() > max_in_flight) max_in_flight = c.in_flight();
      t.expires_after(std::chrono::milliseconds(1));
      co_await t.async_wait(use_awaitable);
    }
    REQUIRE(finished == n);
    CHECK(max_in_flight > 100);  // they really were in flight together
    int errors = 0;
    for (int i = 0; i < n; ++i) {
      REQUIRE(got[i].has_value());
      if (i == 500) {
        REQUIRE_FALSE(*got[i]);
        CHECK(got[i]->error().code == typedao::error_code::unique_violation);
        ++errors;
        continue;
      }
      REQUIRE_OK(*got[i]);
      CHECK((*got[i])->n == i);  // its own row, not a neighbour's
      CHECK((*got[i])->name == "p" + std::to_string(i));
    }
    CHECK(errors == 1);
    CHECK(c.is_open());
  });
  CHECK(count("items") == 999);
}

TEST_CASE_METHOD(async_fixture,
                 "async: a batch of 2,000 inserts goes in one write, one result per item in "
                 "order; a bad item fails alone",
                 "[pg][async][pipeline][batch]") {
  run([&]() -> awaitable<void> {
    auto c = co_await open();
    typedao::async_dao<Item> items(c);
    std::vector<Item> rows(2000);
    for (int i = 0; i < 2000; ++i) rows[i] = {.name = "b" + std::to_string(i), .n = i};
    rows[700].name = "b699";                 // a unique violation, from the server
    rows[1500].id = typedao::uuid{};         // (nil: generated, fine)
    rows[1999].name = std::string(3, '\0');  // NUL bytes: refused before sending
    auto out = co_await items.insert_batch(std::span<const Item>(rows));
    REQUIRE(out.size() == rows.size());
    for (int i = 0; i < 2000; ++i) {
      if (i == 700) {
        REQUIRE_FALSE(out[i]);
        CHECK(out[i].error().code == typedao::error_code::unique_violation);
      } else if (i == 1999) {
        REQUIRE_FALSE(out[i]);
        CHECK(out[i].error().code == typedao::error_code::schema_violation);
        CHECK(out[i].error().outcome == typedao::outcome::not_sent);
      } else {
        REQUIRE_OK(out[i]);
        CHECK(out[i]->n == i);
        CHECK(out[i]->name == rows[i].name);
      }
    }
    CHECK(c.is_open());
  });
  CHECK(count("items") == 1998);
}

TEST_CASE_METHOD(async_fixture,
                 "async: a deadline shorter than the statement cancels it on the server; the "
                 "connection stays usable",
                 "[pg][async][deadline]") {
  run([&]() -> awaitable<void> {
    auto c = co_await open(200);
    auto r = co_await c.async_execute_script("SELECT pg_sleep(30)", use_awaitable);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::deadline_exceeded);
    CHECK(r.error().outcome == typedao::outcome::refused);
    CHECK(r.error().server.sqlstate == "57014");
    CHECK(c.is_open());
    typedao::async_dao<Item> items(c);
    const Item after{.name = "after"};
    REQUIRE_OK(co_await items.insert(after));
  });
  CHECK(count("items") == 1);
}

TEST_CASE_METHOD(async_fixture,
                 "async: Asio cancellation cancels the statement on the server and keeps the "
                 "connection",
                 "[pg][async][cancel]") {
  using namespace asio::experimental::awaitable_operators;
  run([&]() -> awaitable<void> {
    auto c = co_await open();
    // A cancellation signal emitted 200 ms into a statement that would sleep for an hour.
    asio::cancellation_signal sig;
    asio::steady_timer t(io, std::chrono::milliseconds(200));
    t.async_wait(
        [&](const boost::system::error_code&) { sig.emit(asio::cancellation_type::terminal); });
    auto r = co_await c.async_execute_script(
        "SELECT pg_sleep(3600)", asio::bind_cancellation_slot(sig.slot(), use_awaitable));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::cancelled);
    CHECK(r.error().outcome == typedao::outcome::refused);
    CHECK(r.error().server.sqlstate == "57014");
    CHECK(c.is_open());
    // The same through awaitable operators: the timer wins, the statement is cancelled on the
    // server (|| waits for it: an hour if the cancel did not reach the server).
    asio::steady_timer t2(io, std::chrono::milliseconds(200));
    auto first = co_await (c.async_execute_script("SELECT pg_sleep(3600)", use_awaitable) ||
                           t2.async_wait(use_awaitable));
    CHECK(first.index() == 1);
    CHECK(c.is_open());
    typedao::async_dao<Item> items(c);
    const Item after{.name = "after"};
    REQUIRE_OK(co_await items.insert(after));
  });
  CHECK(count("items") == 1);
}

TEST_CASE_METHOD(async_fixture,
                 "async: a backend killed mid-pipeline fails only the operations it carried, "
                 "each with a typed error",
                 "[pg][async][faults]") {
  run([&]() -> awaitable<void> {
    auto c = co_await open();
    typedao::async_dao<Item> items(c);
    const Item before{.name = "before"};
    REQUIRE_OK(co_await items.insert(before));
    const int pid = PQbackendPID(c.native_handle());
    constexpr int n = 50;
    std::vector<std::optional<typedao::result<typedao::pg::rows>>> got(n);
    int finished = 0;
    for (int i = 0; i < n; ++i)
      asio::co_spawn(
          io,
          [&, i]() -> awaitable<void> {
            got[i].emplace(co_await c.async_execute_script("SELECT pg_sleep(0.02)", use_awaitable));
            ++finished;
          },
          asio::detached);
    asio::steady_timer t(io, std::chrono::milliseconds(100));
    co_await t.async_wait(use_awaitable);
    terminate_backend(pid);
    for (int k = 0; k < 30'000 && finished < n; ++k) {
      t.expires_after(std::chrono::milliseconds(1));
      co_await t.async_wait(use_awaitable);
    }
    REQUIRE(finished == n);  // none hangs
    int ok = 0, failed = 0;
    for (auto& g : got) {
      REQUIRE(g.has_value());
      if (*g) {
        ++ok;
        continue;
      }
      ++failed;
      const auto& e = g->error();
      CHECK(e.code == typedao::error_code::database_error);
      CHECK((e.outcome == typedao::outcome::maybe_applied ||
             e.outcome == typedao::outcome::refused || e.outcome == typedao::outcome::not_sent));
    }
    CHECK(ok > 0);  // those answered before the kill succeeded
    CHECK(failed > 0);
    CHECK_FALSE(c.is_open());
    // A call on the broken connection fails at once, not sent.
    auto after = co_await items.count();
    REQUIRE_FALSE(after);
    CHECK(after.error().outcome == typedao::outcome::not_sent);
  });
}

// ---- the asynchronous pool --------------------------------------------------------------------

TEST_CASE_METHOD(
    async_fixture,
    "async pool: 1,000 coroutines on one thread over a pool of 4, every result checked",
    "[pg][async][pool]") {
  auto o = async_pool_options(conninfo(), 4);
  o.max_waiting = 1000;  // 4 x 64 in flight, the rest in line: none refused
  typedao::pg::async_pool pool(io.get_executor(), o);
  run([&]() -> awaitable<void> {
    typedao::async_dao<Item, typedao::pg::async_pool> items(pool);
    constexpr int n = 1000;
    std::vector<std::optional<typedao::result<Item>>> got(n);
    std::vector<std::optional<typedao::result<std::optional<Item>>>> read(n);
    int finished = 0;
    for (int i = 0; i < n; ++i)
      asio::co_spawn(
          io,
          [&, i]() -> awaitable<void> {
            const Item it{.name = "q" + std::to_string(i), .n = i};
            got[i].emplace(co_await items.insert(it));
            if (*got[i]) read[i].emplace(co_await items.select((*got[i])->id));
            ++finished;
          },
          asio::detached);
    asio::steady_timer t(io);
    std::size_t max_size = 0;
    for (int k = 0; k < 60'000 && finished < n; ++k) {
      if (pool.stats().size > max_size) max_size = pool.stats().size;
      t.expires_after(std::chrono::milliseconds(1));
      co_await t.async_wait(use_awaitable);
    }
    REQUIRE(finished == n);
    for (int i = 0; i < n; ++i) {
      REQUIRE(got[i].has_value());
      REQUIRE_OK(*got[i]);
      CHECK((*got[i])->n == i);
      REQUIRE(read[i].has_value());
      REQUIRE_OK(*read[i]);
      REQUIRE(read[i]->value().has_value());
      CHECK((*read[i])->value().name == "q" + std::to_string(i));
    }
    auto s = pool.stats();
    CHECK(max_size <= 4);
    CHECK(s.created <= 4);
    CHECK(s.created >= 1);
    CHECK(s.rejected == 0);
    CHECK(s.timeouts == 0);
  });
  CHECK(count("items") == 1000);
}

TEST_CASE_METHOD(async_fixture,
                 "async pool: a full line refuses at once, a wait past the acquire timeout fails; "
                 "a leased connection runs a transaction",
                 "[pg][async][pool]") {
  auto o = async_pool_options(conninfo(), 1);
  o.max_waiting = 1;
  o.acquire_timeout_ms = 150;
  typedao::pg::async_pool pool(io.get_executor(), o, /*max_pipeline=*/1);
  run([&]() -> awaitable<void> {
    typedao::async_dao<Item, typedao::pg::async_pool> items(pool);
    auto lease = co_await pool.async_acquire(use_awaitable);
    REQUIRE_OK(lease);
    // The only connection is leased: one caller waits, the next is refused at once.
    std::optional<typedao::result<std::int64_t>> waited;
    asio::co_spawn(
        io, [&]() -> awaitable<void> { waited.emplace(co_await items.count()); }, asio::detached);
    asio::steady_timer t(io, std::chrono::milliseconds(20));
    co_await t.async_wait(use_awaitable);
    CHECK(pool.stats().waiting == 1);
    auto refused = co_await items.count();
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == typedao::error_code::pool_exhausted);
    CHECK(refused.error().outcome == typedao::outcome::not_sent);
    t.expires_after(std::chrono::milliseconds(400));
    co_await t.async_wait(use_awaitable);
    REQUIRE(waited.has_value());
    REQUIRE_FALSE(*waited);
    CHECK(waited->error().code == typedao::error_code::acquire_timeout);
    // The lease: a transaction on its connection, nothing else sent there meanwhile.
    auto& c = **lease;
    REQUIRE_OK(co_await c.async_execute_script("BEGIN", use_awaitable));
    typedao::async_dao<Item> in_tx(c);
    const Item a{.name = "in tx"};
    REQUIRE_OK(co_await in_tx.insert(a));
    REQUIRE_OK(co_await c.async_execute_script("COMMIT", use_awaitable));
    lease->release();
    auto n = co_await items.count();  // the connection is shared again
    REQUIRE_OK(n);
    CHECK(*n == 1);
    auto s = pool.stats();
    CHECK(s.rejected == 1);
    CHECK(s.timeouts == 1);
  });
}

TEST_CASE_METHOD(async_fixture,
                 "async: a transaction scope: commit, rollback, and rollback at the end of the "
                 "scope; other callers do not see it before the commit",
                 "[pg][async][pool][transaction]") {
  typedao::pg::async_pool pool(io.get_executor(), async_pool_options(conninfo(), 2));
  using reg = typedao::detail::registry<Item>;
  run([&]() -> awaitable<void> {
    typedao::async_dao<Item, typedao::pg::async_pool> outside(pool);
    {
      auto tx = co_await typedao::async_begin<reg>(
          pool, {.isolation = typedao::isolation::repeatable_read});
      REQUIRE_OK(tx);
      const Item a{.name = "committed"};
      REQUIRE_OK(co_await tx->dao<Item>().insert(a));
      auto seen = co_await outside.count();  // another connection of the pool
      REQUIRE_OK(seen);
      CHECK(*seen == 0);
      REQUIRE_OK(co_await tx->commit());
      CHECK_FALSE(tx->active());
      auto again = co_await tx->commit();
      REQUIRE_FALSE(again);
    }
    {
      auto tx = co_await typedao::async_begin<reg>(pool);
      REQUIRE_OK(tx);
      const Item b{.name = "rolled back"};
      REQUIRE_OK(co_await tx->dao<Item>().insert(b));
      REQUIRE_OK(co_await tx->rollback());
    }
    {
      auto tx = co_await typedao::async_begin<reg>(pool);
      REQUIRE_OK(tx);
      const Item c{.name = "scope ended"};
      REQUIRE_OK(co_await tx->dao<Item>().insert(c));
    }  // ROLLBACK sent; the connection goes back after its answer
    asio::steady_timer t(io, std::chrono::milliseconds(50));
    co_await t.async_wait(use_awaitable);
    auto n = co_await outside.count();
    REQUIRE_OK(n);
    CHECK(*n == 1);
    CHECK(pool.stats().in_use == 0);
    // On a plain connection too.
    auto c = co_await open();
    auto tx = co_await typedao::async_begin<reg>(c);
    REQUIRE_OK(tx);
    const Item d{.name = "on a connection"};
    REQUIRE_OK(co_await tx->dao<Item>().insert(d));
    REQUIRE_OK(co_await tx->commit());
  });
  CHECK(count("items") == 2);
  CHECK(value("SELECT string_agg(name, ',' ORDER BY name) FROM items") ==
        "committed,on a connection");
}

TEST_CASE_METHOD(async_fixture,
                 "async pool: backends killed under load: the operations they carried fail typed, "
                 "the pool replaces the connections",
                 "[pg][async][pool][faults]") {
  typedao::pg::async_pool pool(io.get_executor(), async_pool_options(conninfo(), 2));
  run([&]() -> awaitable<void> {
    typedao::async_dao<Item, typedao::pg::async_pool> items(pool);
    constexpr int n = 400;
    std::vector<std::optional<typedao::result<Item>>> got(n);
    int finished = 0;
    for (int i = 0; i < n; ++i)
      asio::co_spawn(
          io,
          [&, i]() -> awaitable<void> {
            asio::steady_timer pause(io, std::chrono::milliseconds(i / 4));  // spread over 100 ms
            co_await pause.async_wait(use_awaitable);
            const Item it{.name = "k" + std::to_string(i), .n = i};
            got[i].emplace(co_await items.insert(it));
            ++finished;
          },
          asio::detached);
    asio::steady_timer t(io, std::chrono::milliseconds(40));
    co_await t.async_wait(use_awaitable);
    value(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
        "application_name = $1",
        {typedao_test::async_pool_name()});
    for (int k = 0; k < 30'000 && finished < n; ++k) {
      t.expires_after(std::chrono::milliseconds(1));
      co_await t.async_wait(use_awaitable);
    }
    REQUIRE(finished == n);
    int ok = 0, failed = 0;
    for (auto& g : got) {
      REQUIRE(g.has_value());
      if (*g) {
        ++ok;
        continue;
      }
      ++failed;
      // The connection failed: 57P01 from the server (refused: the statement was aborted),
      // or the socket closed (maybe_applied / not_sent); or, on a busy machine, the line for
      // the replacement connections was full or too slow (not sent).
      const auto code = g->error().code;
      INFO(g->error().to_string());
      if (code == typedao::error_code::pool_exhausted ||
          code == typedao::error_code::acquire_timeout)
        CHECK(g->error().outcome == typedao::outcome::not_sent);
      else
        CHECK(code == typedao::error_code::database_error);
      CHECK_FALSE(g->error().message.empty());
    }
    CHECK(ok > 0);
    CHECK(failed > 0);
    // After the kill, new calls succeed on replaced connections.
    const Item after{.name = "after the kill"};
    REQUIRE_OK(co_await items.insert(after));
    CHECK(pool.stats().created > 2);
    CHECK(count("items") >= ok + 1);
  });
}

TEST_CASE_METHOD(async_fixture,
                 "async: an idle connection and an idle pool leave no work on the io_context "
                 "(no deadline timer outlives the statements)",
                 "[pg][async]") {
  // Deadlines far longer than run()'s 10 s: a timer left armed would keep the io_context busy
  // past it, and run() would return with work still pending.
  auto o = async_pool_options(conninfo(), 2);
  o.connection.timeout_ms = 120'000;
  typedao::pg::async_pool pool(io.get_executor(), o);
  std::optional<typedao::pg::async_connection> kept;
  run(
      [&]() -> awaitable<void> {
        kept.emplace(co_await open(/*timeout_ms=*/120'000));  // every statement arms a deadline
        typedao::async_dao<Item> items(*kept);
        const Item a{.name = "idle"};
        REQUIRE_OK(co_await items.insert(a));
        typedao::async_dao<Item, typedao::pg::async_pool> pooled(pool);
        auto n = co_await pooled.count();
        REQUIRE_OK(n);
        CHECK(*n == 1);
      },
      /*seconds=*/10);
  // run() returned because the io_context ran out of work, with both still open.
  CHECK(io.stopped());
  CHECK(kept->is_open());
  CHECK(pool.stats().size >= 1);
}

}  // namespace
}  // namespace typedao_it_async
