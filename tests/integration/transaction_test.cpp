// Transaction scopes against a real server: db.begin() and its DAOs, commit, rollback, rollback
// at the end of the scope, nested scopes as savepoints, isolation level and read-only, transact()
// retrying a unit that hit a serialization failure, and a scope whose connection dies.

#include "pg_fixture.hpp"

#include <catch2/catch.hpp>
#include <optional>
#include <string>

namespace typedao_it_transaction {
namespace {

struct Account {
  typedao::uuid id;
  std::string name;
  std::int64_t balance = 0;
};
BOOST_DESCRIBE_STRUCT(Account, (), (id, name, balance))
TYPEDAO_ENTITY(Account, "accounts", typedao::unique(&Account::name))

struct Entry {
  typedao::uuid id;
  typedao::foreign<Account> account;
  std::int64_t amount = 0;
};
BOOST_DESCRIBE_STRUCT(Entry, (), (id, account, amount))
TYPEDAO_ENTITY(Entry, "entries", typedao::on_delete(&Entry::account, typedao::cascade))

using typedao_test::pg_fixture;
using db_t = typedao::database<Account, Entry>;

struct tx_fixture : pg_fixture {
  db_t db{conn};
  tx_fixture() { REQUIRE_OK(db.migrate()); }
  long long accounts() { return count("accounts"); }
};

TEST_CASE_METHOD(tx_fixture, "transaction: commit keeps the work of every DAO of the scope",
                 "[pg][transaction]") {
  auto tx = db.begin();
  REQUIRE_OK(tx);
  CHECK(tx->active());
  CHECK_FALSE(tx->is_nested());
  auto a = tx->dao<Account>().insert({.name = "a", .balance = 10});
  REQUIRE_OK(a);
  REQUIRE_OK(tx->dao<Entry>().insert({.account = *a, .amount = 10}));
  // Not visible to another session before COMMIT.
  auto other = open_second();
  CHECK(typedao_test::raw_scalar(other, "SELECT count(*) FROM accounts") ==
        std::optional<std::string>("0"));
  REQUIRE_OK(tx->commit());
  CHECK_FALSE(tx->active());
  CHECK(accounts() == 1);
  CHECK(count("entries") == 1);
  // Committing twice is an error, not a second COMMIT.
  auto again = tx->commit();
  REQUIRE_FALSE(again);
  CHECK(again.error().message.find("not open") != std::string::npos);
}

TEST_CASE_METHOD(tx_fixture,
                 "transaction: rollback, and the end of a scope without commit, undo it",
                 "[pg][transaction]") {
  {
    auto tx = db.begin();
    REQUIRE_OK(tx);
    REQUIRE_OK(tx->dao<Account>().insert({.name = "rolled back"}));
    REQUIRE_OK(tx->rollback());
    CHECK_FALSE(tx->active());
  }
  {
    auto tx = db.begin();
    REQUIRE_OK(tx);
    REQUIRE_OK(tx->dao<Account>().insert({.name = "dropped"}));
  }  // no commit
  CHECK(accounts() == 0);
  CHECK_FALSE(conn.in_transaction());
  REQUIRE_OK(db.dao<Account>().insert({.name = "after"}));  // autocommit again
  CHECK(accounts() == 1);
}

TEST_CASE_METHOD(tx_fixture, "transaction: nested scopes are savepoints", "[pg][transaction]") {
  auto tx = db.begin();
  REQUIRE_OK(tx);
  auto accounts_dao = tx->dao<Account>();
  REQUIRE_OK(accounts_dao.insert({.name = "outer"}));
  {
    auto inner = tx->nested();
    REQUIRE_OK(inner);
    CHECK(inner->is_nested());
    REQUIRE_OK(inner->dao<Account>().insert({.name = "inner undone"}));
    // A failing statement inside the savepoint...
    auto dup = inner->dao<Account>().insert({.name = "outer"});
    REQUIRE_FALSE(dup);
    CHECK(dup.error().code == typedao::error_code::unique_violation);
    REQUIRE_OK(inner->rollback());  // ...is undone with it; the outer transaction goes on
  }
  {
    auto inner = tx->nested();
    REQUIRE_OK(inner);
    REQUIRE_OK(inner->dao<Account>().insert({.name = "inner kept"}));
    REQUIRE_OK(inner->commit());
  }
  {
    auto inner = tx->nested();
    REQUIRE_OK(inner);
    REQUIRE_OK(inner->dao<Account>().insert({.name = "inner ended"}));
  }  // end of scope: rolled back to its savepoint
  REQUIRE_OK(accounts_dao.insert({.name = "outer again"}));
  REQUIRE_OK(tx->commit());
  CHECK(value("SELECT string_agg(name, ',' ORDER BY name) FROM accounts") ==
        "inner kept,outer,outer again");
}

TEST_CASE_METHOD(tx_fixture, "transaction: an outer rollback undoes committed inner scopes too",
                 "[pg][transaction]") {
  {
    auto tx = db.begin();
    REQUIRE_OK(tx);
    auto inner = tx->nested();
    REQUIRE_OK(inner);
    REQUIRE_OK(inner->dao<Account>().insert({.name = "inner"}));
    REQUIRE_OK(inner->commit());
    REQUIRE_OK(tx->rollback());
  }
  CHECK(accounts() == 0);
}

TEST_CASE_METHOD(tx_fixture, "transaction: isolation level and read-only mode",
                 "[pg][transaction]") {
  {
    auto tx = db.begin({.isolation = typedao::isolation::serializable, .read_only = true});
    REQUIRE_OK(tx);
    CHECK(typedao_test::raw_scalar(conn, "SHOW transaction_isolation") ==
          std::optional<std::string>("serializable"));
    CHECK(typedao_test::raw_scalar(conn, "SHOW transaction_read_only") ==
          std::optional<std::string>("on"));
    auto w = tx->dao<Account>().insert({.name = "x"});
    REQUIRE_FALSE(w);
    CHECK(w.error().code == typedao::error_code::database_error);
    CHECK(w.error().server.sqlstate == "25006");  // read_only_sql_transaction
    CHECK(w.error().outcome == typedao::outcome::refused);
  }
  {
    auto tx = db.begin({.isolation = typedao::isolation::repeatable_read});
    REQUIRE_OK(tx);
    CHECK(typedao_test::raw_scalar(conn, "SHOW transaction_isolation") ==
          std::optional<std::string>("repeatable read"));
  }
  CHECK(accounts() == 0);
}

TEST_CASE_METHOD(tx_fixture,
                 "transaction: transact() runs the unit again after a serialization failure, up to "
                 "max_attempts",
                 "[pg][transaction][retry]") {
  auto seed = db.dao<Account>().insert({.name = "acct", .balance = 100});
  REQUIRE_OK(seed);
  auto other = open_second();
  auto other_accounts = typedao::database<Account, Entry>(other).dao<Account>();

  // Attempt 1 reads the balance, another session changes the row and commits, then attempt 1
  // writes: under REPEATABLE READ that is 40001. Attempt 2 runs undisturbed.
  int attempts = 0;
  auto unit = [&](auto& tx) -> typedao::result<std::int64_t> {
    ++attempts;
    auto d = tx.template dao<Account>();
    auto cur = d.select(seed->id);
    if (!cur) return std::move(cur).error();
    const std::int64_t balance = (*cur)->balance;
    if (attempts == 1) {
      auto bump = other_accounts.update(seed->id, typedao::set<&Account::balance>(balance + 1));
      if (!bump) return std::move(bump).error();
    }
    auto w = d.update(seed->id, typedao::set<&Account::balance>(balance - 30));
    if (!w) return std::move(w).error();
    return w->balance;
  };
  auto once =
      db.transact(unit, {.isolation = typedao::isolation::repeatable_read, .max_attempts = 1});
  REQUIRE_FALSE(once);
  CHECK(once.error().server.sqlstate == "40001");
  CHECK(once.error().retry_safe());
  CHECK(attempts == 1);
  CHECK(value("SELECT balance FROM accounts") == "101");  // only the other session's write

  attempts = 0;
  auto retried =
      db.transact(unit, {.isolation = typedao::isolation::repeatable_read, .max_attempts = 3});
  REQUIRE_OK(retried);
  CHECK(attempts == 2);
  CHECK(*retried == 102 - 30);
  CHECK(value("SELECT balance FROM accounts") == "72");
  CHECK_FALSE(conn.in_transaction());
}

TEST_CASE_METHOD(tx_fixture,
                 "transaction: transact() rolls back when the unit fails, and does not retry it",
                 "[pg][transaction][retry]") {
  int attempts = 0;
  auto r = db.transact(
      [&](auto& tx) -> typedao::result<void> {
        ++attempts;
        REQUIRE_OK(tx.template dao<Account>().insert({.name = "a"}));
        auto dup = tx.template dao<Account>().insert({.name = "a"});
        if (!dup) return std::move(dup).error();
        return {};
      },
      {.max_attempts = 5});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == typedao::error_code::unique_violation);
  CHECK(attempts == 1);
  CHECK(accounts() == 0);
}

TEST_CASE_METHOD(tx_fixture,
                 "transaction: a scope whose connection dies commits nothing and reports "
                 "TRANSACTION_LOST until it ends",
                 "[pg][transaction][faults]") {
  auto victim = open_second();
  db_t vdb{victim};
  {
    auto tx = vdb.begin();
    REQUIRE_OK(tx);
    auto d = tx->dao<Account>();
    REQUIRE_OK(d.insert({.name = "a"}));
    terminate_backend(backend_pid(victim));
    auto b = d.insert({.name = "b"});
    REQUIRE_FALSE(b);
    CHECK(b.error().code == typedao::error_code::transaction_lost);
    auto c = d.insert({.name = "c"});
    REQUIRE_FALSE(c);
    CHECK(c.error().code == typedao::error_code::transaction_lost);
    // A nested scope cannot start on it either.
    auto inner = tx->nested();
    REQUIRE_FALSE(inner);
    CHECK(inner.error().code == typedao::error_code::transaction_lost);
    auto commit = tx->commit();
    REQUIRE_FALSE(commit);
    CHECK(commit.error().code == typedao::error_code::transaction_lost);
    CHECK_FALSE(commit.error().retry_safe());
  }
  // The failed commit ended the lost transaction; the connection reconnects for the next one.
  CHECK_FALSE(victim.transaction_lost());
  CHECK(accounts() == 0);
  {
    auto tx = vdb.begin();
    REQUIRE_OK(tx);
    REQUIRE_OK(tx->dao<Account>().insert({.name = "d"}));
    REQUIRE_OK(tx->commit());
  }
  CHECK(value("SELECT string_agg(name, ',') FROM accounts") == "d");
}

}  // namespace
}  // namespace typedao_it_transaction
