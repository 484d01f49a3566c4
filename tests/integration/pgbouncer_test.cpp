// Behind a real pgbouncer (Debian's 1.18, no prepared-statement tracking) in transaction pooling
// mode, with more clients than server connections: in the unnamed-statement mode every DAO
// operation and transaction works, with no prepared-statement error at all.

#include "pg_fixture.hpp"
#include "pgbouncer_tmp.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace typedao_it_pgbouncer {
namespace {

struct Service {
  typedao::uuid id;
  typedao::timestamp created_at;
  typedao::timestamp updated_at;
  std::string name;
  std::int32_t port = 80;
  std::vector<std::string> tags;
};
BOOST_DESCRIBE_STRUCT(Service, (), (id, created_at, updated_at, name, port, tags))
TYPEDAO_ENTITY(Service, "services", typedao::unique(&Service::name))

struct Route {
  typedao::uuid id;
  typedao::foreign<Service> service;
  std::string path;
};
BOOST_DESCRIBE_STRUCT(Route, (), (id, service, path))
TYPEDAO_ENTITY(Route, "routes", typedao::on_delete(&Route::service, typedao::cascade))

using db_t = typedao::database<Service, Route>;

// A database of its own (pgbouncer maps databases, and search_path does not survive
// transaction pooling), dropped at the end.
struct bouncer_fixture : typedao_test::pg_fixture {
  std::string db = "td_bouncer_" + schema();
  bouncer_fixture() {
    exec("CREATE DATABASE \"" + db + "\"");
    auto direct = typedao::pg::connect("dbname=" + db);
    REQUIRE_OK(direct);
    REQUIRE_OK(db_t(*direct).migrate());
  }
  ~bouncer_fixture() {
    PGresult* r = PQexec(conn.native_handle(),
                         ("DROP DATABASE IF EXISTS \"" + db + "\" WITH (FORCE)").c_str());
    PQclear(r);
  }
};

bool statement_error(const typedao::error& e) {
  return e.server.sqlstate == "26000" || e.server.sqlstate == "42P05";
}

TEST_CASE_METHOD(bouncer_fixture,
                 "pgbouncer: 8 clients on 2 server connections, unnamed statements: every DAO "
                 "operation and transaction works, no prepared-statement error",
                 "[pg][pgbouncer]") {
  typedao_test::pgbouncer_tmp bouncer(db, 2);
  typedao::pg::connection_options o;
  o.statement_mode = typedao::pg::connection_options::statements::unnamed;
  constexpr int clients = 8, rounds = 60;
  std::atomic<int> failures{0}, statement_errors{0};
  std::mutex m;
  std::vector<std::string> first_errors;
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      auto note = [&](const typedao::error& e) {
        ++failures;
        if (statement_error(e)) ++statement_errors;
        std::lock_guard lock(m);
        if (first_errors.size() < 5)
          first_errors.push_back(e.to_string() + " [" + e.server.sqlstate + "]");
      };
      auto conn = typedao::pg::connect(bouncer.conninfo(), o);
      if (!conn) return note(conn.error());
      db_t cdb{*conn};
      auto services = cdb.dao<Service>();
      auto routes = cdb.dao<Route>();
      for (int i = 0; i < rounds; ++i) {
        const std::string name = "c" + std::to_string(c) + "-" + std::to_string(i);
        auto s = services.insert({.name = name, .tags = {"t" + std::to_string(i % 3)}});
        if (!s) {
          note(s.error());
          continue;
        }
        if (auto r = services.select(s->id); !r)
          note(r.error());
        else if (!r->has_value())
          ++failures;
        if (auto r = services.update_by<&Service::name>(name, typedao::set<&Service::port>(i)); !r)
          note(r.error());
        if (auto r = services.page(5, {}, {.tags = {"t0"}}); !r) note(r.error());
        if (auto r = services.count(); !r) note(r.error());
        // A transaction: one server connection for its length, as transaction pooling gives.
        auto t = cdb.transact([&](auto& tx) -> typedao::result<void> {
          auto ro = tx.template dao<Route>().insert({.service = *s, .path = "/" + name});
          if (!ro) return std::move(ro).error();
          auto n = tx.template dao<Route>().template count_for<&Route::service>(s->id);
          if (!n) return std::move(n).error();
          if (*n != 1)
            return typedao::detail::make_error(typedao::error_code::database_error,
                                               "count_for != 1");
          return {};
        });
        if (!t) note(t.error());
        if (i % 2 == 1) {
          auto removed = services.remove(s->id);  // cascades to the route
          if (!removed) note(removed.error());
        }
      }
      (void)routes;
    });
  for (auto& t : threads) t.join();
  INFO("first errors: " << (first_errors.empty() ? std::string("none") : first_errors.front()));
  INFO("pgbouncer log: " << bouncer.log().substr(0, 2000));
  CHECK(statement_errors == 0);
  CHECK(failures == 0);
  auto direct = typedao::pg::connect("dbname=" + db);
  REQUIRE_OK(direct);
  CHECK(typedao_test::raw_scalar(*direct, "SELECT count(*) FROM services") ==
        std::optional<std::string>(std::to_string(clients * rounds / 2)));
  CHECK(typedao_test::raw_scalar(*direct, "SELECT count(*) FROM routes") ==
        std::optional<std::string>(std::to_string(clients * rounds / 2)));
  // More clients than server connections: the pooler really multiplexed them.
  CHECK(typedao_test::raw_scalar(
            *direct, "SELECT count(*) <= 2 FROM pg_stat_activity WHERE datname = '" + db +
                         "' AND backend_type = 'client backend' AND pid <> pg_backend_pid()") ==
        std::optional<std::string>("t"));
}

}  // namespace
}  // namespace typedao_it_pgbouncer
