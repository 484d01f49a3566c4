// A small multi-threaded gateway service on typedao's runtime: 8 worker threads share one pool
// of 4 connections; each worker registers consumers and moves credits between them in a
// transaction that transact() retries on serialization failures; an admin call runs under a
// short deadline and is cancelled on the server when it takes too long. Runs against the server
// named by libpq's environment (scripts/pg-tmp run -- ./gateway), in a schema of its own. Prints
// what happens; exits non-zero on the first surprise.

#include <typedao/typedao.hpp>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

struct Consumer {
  typedao::uuid id;
  typedao::timestamp created_at;
  std::string username;
  std::int64_t credits = 0;
};
BOOST_DESCRIBE_STRUCT(Consumer, (), (id, created_at, username, credits))
TYPEDAO_ENTITY(Consumer, "consumers", typedao::unique(&Consumer::username))

namespace {

int fail(const char* what, const typedao::error& e) {
  std::fprintf(stderr, "%s: %s (%s)\n", what, e.to_string().c_str(),
               std::string(e.constant()).c_str());
  return 1;
}

}  // namespace

int main() {
  typedao::pg::pool_options o;
  o.max_size = 4;
  o.max_waiting = 32;
  o.acquire_timeout_ms = 10'000;
  o.connection.init_sql =
      "SET search_path TO gateway_example; SET application_name = 'gateway-example'";
  {
    auto admin = typedao::pg::connect();
    if (!admin) return fail("connect", admin.error());
    if (auto r = admin->execute_script(
            "DROP SCHEMA IF EXISTS gateway_example CASCADE; CREATE SCHEMA gateway_example");
        !r)
      return fail("schema", r.error());
  }
  typedao::pg::pool pool(o);
  typedao::pool_database<Consumer> db{pool};
  if (auto m = db.migrate(); !m) return fail("migrate", m.error());

  // Workers: each registers 50 consumers with 100 credits, then moves credits between its own
  // consumers; every transfer is one serializable transaction, retried on 40001.
  constexpr int workers = 8, per_worker = 50;
  std::atomic<int> failures{0}, transfers{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w)
    threads.emplace_back([&, w] {
      auto consumers = db.dao<Consumer>();
      std::vector<typedao::uuid> mine;
      for (int i = 0; i < per_worker; ++i) {
        auto c = consumers.insert(
            {.username = "w" + std::to_string(w) + "-" + std::to_string(i), .credits = 100});
        if (!c) {
          fail("insert", c.error());
          ++failures;
          return;
        }
        mine.push_back(c->id);
      }
      for (int i = 0; i + 1 < per_worker; ++i) {
        auto moved = db.transact(
            [&](auto& tx) -> typedao::result<void> {
              auto d = tx.template dao<Consumer>();
              auto from = d.select(mine[i]);
              if (!from) return std::move(from).error();
              auto to = d.select(mine[i + 1]);
              if (!to) return std::move(to).error();
              if (auto r =
                      d.update(mine[i], typedao::set<&Consumer::credits>((*from)->credits - 10));
                  !r)
                return std::move(r).error();
              if (auto r =
                      d.update(mine[i + 1], typedao::set<&Consumer::credits>((*to)->credits + 10));
                  !r)
                return std::move(r).error();
              return {};
            },
            {.isolation = typedao::isolation::serializable, .max_attempts = 20});
        if (moved)
          ++transfers;
        else {
          fail("transfer", moved.error());
          ++failures;
        }
      }
    });
  for (auto& t : threads) t.join();
  if (failures) return 1;

  // Credits are conserved: every transfer moved 10 from one consumer to another.
  auto total = db.transact(
      [](auto& tx) -> typedao::result<std::int64_t> {
        std::int64_t sum = 0;
        for (auto&& c : tx.template dao<Consumer>().each(100)) {
          if (!c) return c.error();
          sum += c->credits;
        }
        return sum;
      },
      {.read_only = true});
  if (!total) return fail("total", total.error());
  std::printf("%d workers, %d consumers, %d transfers, credits %lld (expected %d)\n", workers,
              workers * per_worker, transfers.load(), static_cast<long long>(*total),
              workers * per_worker * 100);
  if (*total != workers * per_worker * 100) return 1;

  // An admin call under a short deadline: cancelled on the server, the connection kept.
  auto lease = pool.acquire();
  if (!lease) return fail("acquire", lease.error());
  {
    auto t = (*lease)->with_timeout(100);
    auto slow = (*lease)->execute_script("SELECT pg_sleep(10)");
    if (slow || slow.error().code != typedao::error_code::deadline_exceeded) {
      std::fprintf(stderr, "expected DEADLINE_EXCEEDED\n");
      return 1;
    }
    std::printf("admin call: %s (%s, retry safe: %s)\n",
                std::string(slow.error().constant()).c_str(),
                slow.error().outcome == typedao::outcome::refused ? "cancelled on the server"
                                                                  : "connection dropped",
                slow.error().retry_safe() ? "yes" : "no");
  }
  if (auto again = (*lease)->execute_script("SELECT 1"); !again)
    return fail("after the deadline", again.error());
  lease->release();

  const auto s = pool.stats();
  std::printf("pool: %zu connections, %llu acquires, %llu created, %llu timeouts, %llu rejected\n",
              s.size, s.acquired, s.created, s.timeouts, s.rejected);
  return s.created <= 4 && s.timeouts == 0 && s.rejected == 0 ? 0 : 1;
}
