// The libpq connector under faults, against a real server (issue 9's connection part):
// a transaction whose backend dies is never continued in autocommit (TRANSACTION_LOST until the
// caller rolls back, nothing committed); failures say whether the statement was sent; reconnects
// back off and re-run the session settings; a second thread on the same connection is refused
// (CONCURRENT_USE) instead of corrupting it; statement names come from the statement text, so a
// session that already holds the name (another client behind a pooler) is used as is.

#include "pg_fixture.hpp"
#include "server_tmp.hpp"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace typedao_it_connection_faults {
namespace {

struct Account {
  typedao::uuid id;
  typedao::timestamp created_at;
  std::string name;
  std::int64_t balance = 0;
};
BOOST_DESCRIBE_STRUCT(Account, (), (id, created_at, name, balance))
TYPEDAO_ENTITY(Account, "accounts", typedao::unique(&Account::name))

using typedao_test::pg_fixture;
using db_t = typedao::database<Account>;
using account_dao = typedao_test::dao_t<db_t, Account>;

struct faults_fixture : pg_fixture {
  db_t db{conn};
  faults_fixture() { REQUIRE_OK(db.migrate()); }

  long long accounts() { return count("accounts"); }
};

TEST_CASE_METHOD(faults_fixture,
                 "faults: a backend killed inside a transaction: nothing of it is committed, never "
                 "continued in autocommit",
                 "[pg][faults][transaction]") {
  auto victim = open_second();
  account_dao d(victim);
  REQUIRE_OK(victim.execute_script("BEGIN"));
  REQUIRE_OK(d.insert({.name = "a"}));
  terminate_backend(backend_pid(victim));

  // The call that meets the dead connection: the transaction is gone, the statement had no effect.
  auto b = d.insert({.name = "b"});
  REQUIRE_FALSE(b);
  CHECK(b.error().code == typedao::error_code::transaction_lost);
  CHECK(b.error().outcome == typedao::outcome::refused);
  CHECK_FALSE(b.error().retry_safe());
  CHECK(victim.transaction_lost());
  CHECK(victim.in_transaction());

  // Every later call of the transaction fails the same way, without reconnecting.
  auto c = d.insert({.name = "c"});
  REQUIRE_FALSE(c);
  CHECK(c.error().code == typedao::error_code::transaction_lost);
  CHECK(c.error().outcome == typedao::outcome::not_sent);
  auto sel = d.select_by<&Account::name>("a");
  REQUIRE_FALSE(sel);
  CHECK(sel.error().code == typedao::error_code::transaction_lost);
  // A savepoint rollback does not end it either.
  auto sp = victim.execute_script("ROLLBACK TO SAVEPOINT x");
  REQUIRE_FALSE(sp);
  CHECK(sp.error().code == typedao::error_code::transaction_lost);
  // COMMIT fails: nothing may be committed outside the transaction the caller opened.
  auto commit = victim.execute_script("COMMIT");
  REQUIRE_FALSE(commit);
  CHECK(commit.error().code == typedao::error_code::transaction_lost);
  CHECK(accounts() == 0);

  // ROLLBACK ends the lost transaction; the next call reconnects in a clean session.
  REQUIRE_OK(victim.execute_script("ROLLBACK"));
  CHECK_FALSE(victim.transaction_lost());
  REQUIRE_OK(d.insert({.name = "d"}));
  CHECK(accounts() == 1);
  CHECK(value("SELECT name FROM accounts") == "d");
}

TEST_CASE_METHOD(faults_fixture,
                 "faults: outside a transaction, the call that meets a dead backend says whether "
                 "it ran; the next call reconnects",
                 "[pg][faults][reconnect]") {
  auto victim = open_second();
  account_dao d(victim);
  auto a = d.insert({.name = "a", .balance = 5});
  REQUIRE_OK(a);
  REQUIRE_OK(d.update(a->id, typedao::set<&Account::balance>(6)));  // prepared on this backend
  terminate_backend(backend_pid(victim));
  // Outside a transaction the dead connection fails one call. If libpq read the server's
  // goodbye (57P01: the session was ended before the statement ran) it is refused and safe to
  // retry; if the socket failed first, the client cannot know whether the statement ran:
  // maybe_applied, not safe to retry. Which one depends on timing, both are checked.
  auto u = d.update(a->id, typedao::set<&Account::balance>(7));
  REQUIRE_FALSE(u);
  CHECK(u.error().code == typedao::error_code::database_error);
  INFO("sqlstate " << u.error().server.sqlstate);
  if (u.error().server.sqlstate == "57P01") {
    CHECK(u.error().outcome == typedao::outcome::refused);
    CHECK(u.error().retry_safe());
  } else {
    CHECK(u.error().server.sqlstate == "08006");
    CHECK(u.error().outcome == typedao::outcome::maybe_applied);
    CHECK_FALSE(u.error().retry_safe());
  }
  CHECK_FALSE(victim.transaction_lost());
  CHECK(value("SELECT balance FROM accounts") == "6");
  // A statement that was not prepared yet fails at its Parse: not sent.
  REQUIRE_OK(d.select(a->id));  // reconnects
  terminate_backend(backend_pid(victim));
  auto s = d.select_by<&Account::name>("a");
  REQUIRE_FALSE(s);
  CHECK(s.error().outcome == typedao::outcome::not_sent);
  CHECK(s.error().retry_safe());
  // The next call reconnects.
  REQUIRE_OK(d.update(a->id, typedao::set<&Account::balance>(7)));
  CHECK(value("SELECT balance FROM accounts") == "7");
}

TEST_CASE_METHOD(faults_fixture, "faults: reconnects back off, then run the session settings again",
                 "[pg][faults][reconnect]") {
  // A login role of this test's own: refusing its logins makes the reconnect fail without
  // touching the other tests that share the database.
  const std::string role = "td_faults_" + schema();
  exec("CREATE ROLE \"" + role + "\" LOGIN");
  exec("GRANT USAGE ON SCHEMA \"" + schema() + "\" TO \"" + role + "\"");
  exec("GRANT SELECT ON accounts TO \"" + role + "\"");
  struct drop_role {
    faults_fixture& f;
    std::string role;
    ~drop_role() {
      PGresult* r =
          PQexec(f.conn.native_handle(),
                 ("DROP OWNED BY \"" + role + "\"; DROP ROLE IF EXISTS \"" + role + "\"").c_str());
      PQclear(r);
    }
  } cleanup{*this, role};

  typedao::pg::connection_options o;
  o.init_sql = "SET application_name = 'typedao-faults'; SET statement_timeout = '7s'";
  o.reconnect_backoff_min_ms = 200;
  o.reconnect_backoff_max_ms = 400;
  auto opened = typedao::pg::connect(conninfo() + " user='" + role + "'", o);
  REQUIRE_OK(opened);
  auto& victim = *opened;
  account_dao d(victim);
  auto setting = [&](const char* name) {
    return typedao_test::raw_scalar(victim, std::string("SELECT current_setting('") + name + "')");
  };
  CHECK(setting("application_name") == std::optional<std::string>("typedao-faults"));
  CHECK(typedao_test::raw_scalar(victim, "SELECT current_user") ==
        std::optional<std::string>(role));

  exec("ALTER ROLE \"" + role + "\" NOLOGIN");
  terminate_backend(backend_pid(victim));

  auto lost = d.select_by<&Account::name>("x");  // the call that meets the dead socket
  REQUIRE_FALSE(lost);
  CHECK(lost.error().outcome != typedao::outcome::maybe_applied);  // never prepared: not sent
  CHECK(lost.error().retry_safe());
  auto refused = d.select_by<&Account::name>("x");  // reconnect attempt: refused by the server
  REQUIRE_FALSE(refused);
  CHECK(refused.error().outcome == typedao::outcome::not_sent);
  auto backing_off = d.select_by<&Account::name>("x");  // within the back-off: no attempt
  REQUIRE_FALSE(backing_off);
  CHECK(backing_off.error().outcome == typedao::outcome::not_sent);
  CHECK(backing_off.error().retry_safe());
  CHECK(backing_off.error().message.find("next reconnect attempt") != std::string::npos);

  exec("ALTER ROLE \"" + role + "\" LOGIN");
  // Bounded wait for the back-off (at most 400 ms) to pass.
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    back = static_cast<bool>(d.select_by<&Account::name>("x"));
    if (!back) ::usleep(20'000);
  }
  REQUIRE(back);
  CHECK(victim.is_open());
  CHECK(setting("application_name") == std::optional<std::string>("typedao-faults"));
  CHECK(setting("statement_timeout") == std::optional<std::string>("7s"));
}

TEST_CASE_METHOD(faults_fixture, "faults: a failing init_sql is the connect's error",
                 "[pg][faults][reconnect]") {
  typedao::pg::connection_options o;
  o.init_sql = "SET no_such_setting_anywhere = 1";
  auto c = typedao::pg::connect(conninfo(), o);
  REQUIRE_FALSE(c);
  CHECK(c.error().message.rfind("init_sql failed: ", 0) == 0);
  CHECK(c.error().server.sqlstate == "42704");
}

TEST_CASE_METHOD(faults_fixture,
                 "faults: a second thread on a busy connection gets CONCURRENT_USE, the first call "
                 "completes and the connection stays usable",
                 "[pg][faults][threads]") {
  auto shared = open_second();
  account_dao d(shared);
  const int pid = backend_pid(shared);
  std::thread slow([&] { CHECK(shared.execute_script("SELECT pg_sleep(0.5)")); });
  // Wait (bounded) until the slow call is running on the server.
  bool running = false;
  for (int i = 0; i < 500 && !running; ++i) {
    running = value(
                  "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int AND query LIKE "
                  "'SELECT pg_sleep%' AND state = 'active'",
                  {std::to_string(pid)}) == "1";
    if (!running) ::usleep(2'000);
  }
  REQUIRE(running);
  auto second = d.insert({.name = "x"});
  auto script = shared.execute_script("SELECT 1");
  slow.join();
  REQUIRE_FALSE(second);
  CHECK(second.error().code == typedao::error_code::concurrent_use);
  CHECK(second.error().outcome == typedao::outcome::not_sent);
  CHECK(second.error().retry_safe());
  REQUIRE_FALSE(script);
  CHECK(script.error().code == typedao::error_code::concurrent_use);
  CHECK(accounts() == 0);
  REQUIRE_OK(d.insert({.name = "y"}));
  CHECK(accounts() == 1);
}

TEST_CASE_METHOD(faults_fixture, "faults: many threads racing on one connection never corrupt it",
                 "[pg][faults][threads]") {
  auto shared = open_second();
  account_dao d(shared);
  auto seed = d.insert({.name = "seed", .balance = 1});
  REQUIRE_OK(seed);
  std::atomic<int> ok{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        auto r = d.select(seed->id);
        if (r && *r && (**r).name == "seed")
          ++ok;
        else if (!r && r.error().code == typedao::error_code::concurrent_use)
          ++refused;
        else
          ++other;
      }
    });
  for (auto& t : threads) t.join();
  INFO("ok " << ok << ", refused " << refused << ", other " << other);
  CHECK(other == 0);
  CHECK(ok + refused == 1200);
  CHECK(ok > 0);
  // Whatever happened, the connection answers correctly afterwards.
  auto after = d.select(seed->id);
  REQUIRE_OK(after);
  REQUIRE(after->has_value());
  CHECK((*after)->balance == 1);
}

TEST_CASE_METHOD(faults_fixture,
                 "faults: statement names derive from the text: the same in every session, and a "
                 "session that already holds the name uses it",
                 "[pg][faults][prepare]") {
  account_dao d(conn);
  auto a = d.insert({.name = "a"});
  REQUIRE_OK(a);
  REQUIRE_OK(d.select(a->id));
  const auto& st = typedao::detail::statement_of<
      typedao::detail::select_gen<Account>,
      typedao::detail::key_param_types<Account, typedao::detail::pk_cols<Account>>>();
  REQUIRE(st.name != nullptr);
  const std::string name = st.name;
  CHECK(name.size() == 18);
  CHECK(name.rfind("td", 0) == 0);
  CHECK(value("SELECT count(*) FROM pg_prepared_statements WHERE name = $1", {name}) == "1");

  // Another session: it prepared the same statement under its own PREPARE first (as another
  // client of a pooler would have): the DAO's prepare meets 42P05 and uses it.
  auto other = open_second();
  typedao_test::raw_exec(other, "PREPARE " + name + " (uuid) AS " + std::string(st.text));
  account_dao d2(other);
  auto r = d2.select(a->id);
  REQUIRE_OK(r);
  REQUIRE(r->has_value());
  CHECK((*r)->name == "a");
  CHECK(typedao_test::raw_scalar(
            other, "SELECT count(*) FROM pg_prepared_statements WHERE name = '" + name + "'") ==
        std::optional<std::string>("1"));
}

// ---- the server stopped and started again under load ------------------------------------------

// What one call of the load gave.
struct load_result {
  std::string name;
  bool ok = false;
  typedao::error_code code{};
  typedao::outcome outcome{};
  bool retry_safe = false;
};

TEST_CASE(
    "faults: the server stopped (fast, then immediate) and started again under load: no "
    "acknowledged row lost, every failure typed, the pool recovers",
    "[pg][faults][pool][restart][own_server]") {
  typedao_test::pg_server_tmp server;
  typedao::pg::pool_options o;
  o.conninfo = server.conninfo();
  o.max_size = 4;
  o.acquire_timeout_ms = 2000;
  o.connection.timeout_ms = 2000;
  o.connection.connect_timeout_s = 2;
  typedao::pg::pool pool(o);
  typedao::pool_database<Account> db{pool};
  REQUIRE_OK(db.migrate());

  constexpr int threads = 4;
  std::atomic<bool> stop{false};
  std::atomic<long long> acked{0};
  std::vector<std::vector<load_result>> results(threads);
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      auto d = db.dao<Account>();
      for (long long i = 0; !stop.load() && i < 1'000'000; ++i) {
        load_result r;
        r.name = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto ins = d.insert({.name = r.name, .balance = i});
        r.ok = static_cast<bool>(ins);
        if (ins) {
          ++acked;
        } else {
          r.code = ins.error().code;
          r.outcome = ins.error().outcome;
          r.retry_safe = ins.error().retry_safe();
          ::usleep(1'000);  // a failed request is answered; the next one comes a little later
        }
        results[t].push_back(std::move(r));
      }
    });
  // Waits (bounded) until `n` more inserts were acknowledged.
  auto await_acks = [&](long long n) {
    const long long target = acked.load() + n;
    for (int i = 0; i < 3000 && acked.load() < target; ++i) ::usleep(10'000);
    return acked.load() >= target;
  };
  const bool before = await_acks(200);
  server.stop(/*fast=*/true);
  ::usleep(300'000);  // the load goes on against a stopped server
  server.start();
  const bool after_fast = await_acks(200);
  server.stop(/*fast=*/false);
  ::usleep(300'000);
  server.start();
  const bool after_immediate = await_acks(200);
  stop = true;
  for (auto& t : ts) t.join();
  CHECK(before);
  CHECK(after_fast);       // the pool recovered after the clean restart
  CHECK(after_immediate);  // and after the crash and recovery

  // What the server has now, read on a connection of its own.
  auto check = typedao::pg::connect(server.conninfo());
  REQUIRE_OK(check);
  std::set<std::string> stored;
  for (auto&& row : typedao::database<Account>(*check).dao<Account>().each(1000)) {
    REQUIRE_OK(row);
    CHECK(stored.insert(row->name).second);
  }
  long long ok = 0, failed = 0, maybe = 0;
  for (const auto& per_thread : results)
    for (const auto& r : per_thread) {
      if (r.ok) {
        ++ok;
        CHECK(stored.count(r.name) == 1);  // acknowledged: there
        continue;
      }
      ++failed;
      // Every failure is one of the runtime's typed ones and says what happened.
      CHECK((r.code == typedao::error_code::database_error ||
             r.code == typedao::error_code::deadline_exceeded ||
             r.code == typedao::error_code::acquire_timeout ||
             r.code == typedao::error_code::pool_exhausted));
      if (r.outcome == typedao::outcome::maybe_applied) {
        ++maybe;
        CHECK_FALSE(r.retry_safe);
      } else {
        CHECK(stored.count(r.name) == 0);  // never sent, or refused: not there
      }
    }
  CHECK(ok >= 600);
  CHECK(failed > 0);  // the outages were seen
  // Rows of calls that may have been applied may be there; nothing else is.
  CHECK(static_cast<long long>(stored.size()) >= ok);
  CHECK(static_cast<long long>(stored.size()) <= ok + maybe);
  auto s = pool.stats();
  CHECK(s.discarded_broken > 0);
  CHECK(s.connect_failures > 0);
  CHECK(s.in_use == 0);
  WARN("ok " << ok << ", failed " << failed << ", maybe applied " << maybe);
}

}  // namespace
}  // namespace typedao_it_connection_faults
