// Deadlines against a real server: a statement that runs past the call's deadline is cancelled
// on the server and the connection kept; a frozen backend (SIGSTOP) is given up on and the
// connection dropped, inside a transaction the transaction is lost; connecting to a server that
// never answers is bounded by connect_timeout. No test measures time: a call that was not
// bounded would hang until ctest's timeout and fail the test.

#include "pg_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <optional>
#include <string>

namespace typedao_it_deadline {
namespace {

struct Account {
  typedao::uuid id;
  std::string name;
  std::int64_t balance = 0;
};
BOOST_DESCRIBE_STRUCT(Account, (), (id, name, balance))
TYPEDAO_ENTITY(Account, "accounts", typedao::unique(&Account::name))

using typedao_test::pg_fixture;
using db_t = typedao::database<Account>;
using account_dao = typedao_test::dao_t<db_t, Account>;

struct deadline_fixture : pg_fixture {
  db_t db{conn};
  deadline_fixture() { REQUIRE_OK(db.migrate()); }
};

// Resumes a stopped backend whatever happens in the test.
struct frozen_backend {
  int pid;
  explicit frozen_backend(int p) : pid(p) { REQUIRE(::kill(pid, SIGSTOP) == 0); }
  ~frozen_backend() { ::kill(pid, SIGCONT); }
};

TEST_CASE_METHOD(deadline_fixture,
                 "deadline: the defaults are Kong's pg_timeout and bounded connects",
                 "[pg][deadline]") {
  typedao::pg::connection_options o;
  CHECK(o.timeout_ms == 5000);
  CHECK(o.connect_timeout_s == 5);
  CHECK(conn.options().timeout_ms == 5000);
  // The caller's connection string wins over the defaults.
  auto c = typedao::pg::connect(conninfo() + " connect_timeout=7");
  REQUIRE_OK(c);
  bool found = false;
  PQconninfoOption* opts = PQconninfo(c->native_handle());
  for (auto* op = opts; op && op->keyword; ++op)
    if (std::string(op->keyword) == "connect_timeout") {
      found = true;
      CHECK(op->val != nullptr);
      if (op->val) CHECK(std::string(op->val) == "7");
    }
  PQconninfoFree(opts);
  CHECK(found);
}

TEST_CASE_METHOD(deadline_fixture,
                 "deadline: a statement past its deadline is cancelled on the server and the "
                 "connection is kept",
                 "[pg][deadline]") {
  auto victim = open_second();
  const int pid = backend_pid(victim);
  {
    auto t = victim.with_timeout(200);
    auto r = victim.execute_script("SELECT pg_sleep(60)");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::deadline_exceeded);
    CHECK(r.error().outcome == typedao::outcome::refused);
    CHECK(r.error().server.sqlstate == "57014");
    CHECK(r.error().retry_safe());
  }
  CHECK(victim.options().timeout_ms == 5000);  // restored by the scope
  CHECK(victim.is_open());
  CHECK(backend_pid(victim) == pid);  // same session: cancelled, not reconnected
  account_dao d(victim);
  REQUIRE_OK(d.insert({.name = "after"}));
  CHECK(count("accounts") == 1);
}

TEST_CASE_METHOD(deadline_fixture,
                 "deadline: a DAO call waiting on a lock is cancelled at its deadline, the "
                 "holder is not disturbed",
                 "[pg][deadline]") {
  account_dao mine(conn);
  auto a = mine.insert({.name = "a", .balance = 1});
  REQUIRE_OK(a);
  // Another session holds the row.
  auto holder = open_second();
  REQUIRE_OK(holder.execute_script("BEGIN"));
  typedao_test::raw_exec(holder, "SELECT * FROM accounts FOR UPDATE");
  auto victim = open_second();
  account_dao d(victim);
  {
    auto t = victim.with_timeout(200);
    auto u = d.update(a->id, typedao::set<&Account::balance>(2));
    REQUIRE_FALSE(u);
    CHECK(u.error().code == typedao::error_code::deadline_exceeded);
    CHECK(u.error().outcome == typedao::outcome::refused);
  }
  REQUIRE_OK(holder.execute_script("COMMIT"));
  REQUIRE_OK(d.update(a->id, typedao::set<&Account::balance>(3)));
  CHECK(value("SELECT balance FROM accounts") == "3");
}

TEST_CASE_METHOD(deadline_fixture,
                 "deadline: a frozen backend (SIGSTOP) is given up on; the next call reconnects",
                 "[pg][deadline][faults]") {
  typedao::pg::connection_options o;
  o.timeout_ms = 300;
  o.cancel_grace_ms = 300;
  auto opened = typedao::pg::connect(conninfo(), o);
  REQUIRE_OK(opened);
  auto& victim = *opened;
  account_dao d(victim);
  REQUIRE_OK(d.insert({.name = "before"}));
  const int pid = backend_pid(victim);
  {
    frozen_backend frozen(pid);
    auto r = d.select_by<&Account::name>("before");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == typedao::error_code::deadline_exceeded);
    CHECK(r.error().outcome == typedao::outcome::maybe_applied);
    CHECK_FALSE(r.error().retry_safe());
    CHECK_FALSE(victim.is_open());
  }
  // Resumed; the old session is abandoned. It is not "in a transaction": a scope opened now is
  // a real BEGIN on the new session, not a savepoint.
  CHECK_FALSE(victim.in_transaction());
  {
    db_t vdb{victim};
    auto tx = vdb.begin();
    REQUIRE_OK(tx);
    CHECK_FALSE(tx->is_nested());
    REQUIRE_OK(tx->dao<Account>().insert({.name = "in a new session"}));
    REQUIRE_OK(tx->commit());
  }
  auto again = d.select_by<&Account::name>("before");
  REQUIRE_OK(again);
  REQUIRE(again->has_value());
  CHECK(backend_pid(victim) != pid);
}

TEST_CASE_METHOD(deadline_fixture,
                 "deadline: a backend frozen inside a transaction loses the transaction, nothing "
                 "is committed",
                 "[pg][deadline][faults][transaction]") {
  typedao::pg::connection_options o;
  o.timeout_ms = 300;
  o.cancel_grace_ms = 300;
  auto opened = typedao::pg::connect(conninfo(), o);
  REQUIRE_OK(opened);
  auto& victim = *opened;
  db_t vdb{victim};
  {
    auto tx = vdb.begin();
    REQUIRE_OK(tx);
    auto d = tx->dao<Account>();
    REQUIRE_OK(d.insert({.name = "a"}));
    {
      frozen_backend frozen(backend_pid(victim));
      auto b = d.insert({.name = "b"});
      REQUIRE_FALSE(b);
      CHECK(b.error().code == typedao::error_code::deadline_exceeded);
    }
    auto c = d.insert({.name = "c"});
    REQUIRE_FALSE(c);
    CHECK(c.error().code == typedao::error_code::transaction_lost);
    auto commit = tx->commit();
    REQUIRE_FALSE(commit);
    CHECK(commit.error().code == typedao::error_code::transaction_lost);
  }
  // The frozen session was cut off (its socket shut down): resumed, it can only roll back.
  CHECK(count("accounts") == 0);
  REQUIRE_OK(vdb.dao<Account>().insert({.name = "d"}));
  CHECK(count("accounts") == 1);
}

TEST_CASE("deadline: connecting to a server that never answers is bounded by connect_timeout",
          "[pg][deadline]") {
  // A socket that listens but never accepts: the TCP handshake completes, the startup packet
  // is never answered.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  typedao::pg::connection_options o;
  o.connect_timeout_s = 2;
  auto c = typedao::pg::connect("host=127.0.0.1 port=" + std::to_string(ntohs(addr.sin_port)) +
                                    " user=nobody dbname=none sslmode=disable",
                                o);
  ::close(fd);
  REQUIRE_FALSE(c);
  CHECK(c.error().code == typedao::error_code::database_error);
  INFO(c.error().message);
  CHECK(c.error().message.find("timeout") != std::string::npos);
}

}  // namespace
}  // namespace typedao_it_deadline
