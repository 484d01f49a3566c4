// pool_bench: what taking a connection from typedao::pg::pool costs, and how a pool of 4 serves
// many threads.
//
//   BM_pool_overhead/alternating   select by primary key through a pool (acquire, run, give back)
//                                  and on a dedicated connection, alternating call by call, each
//                                  call timed on its own; counters: pool_med_us, dedicated_med_us,
//                                  ratio_med (pool / dedicated), ratio_paired
//   BM_threads/pool4/threads:N     N threads selecting by primary key through one pool of 4
//   BM_threads/dedicated/threads:N N threads, each on a connection of its own (the baseline)
//                                  counters: items_per_second (all threads), p50_us, p99_us
//   BM_overload/threads:T/queue:Q/every_us:I
//                                  a pool of 4 with room for Q waiters (acquire timeout 1 s),
//                                  alternating 300 ms rounds: 4 threads back to back (the pool
//                                  just full, nobody waits: "unloaded"), 1 thread, then T threads
//                                  (far more than connections plus queue), each making a call
//                                  every I us whatever happened to the last one (an open loop,
//                                  as requests arrive at a gateway; T/I is the offered rate);
//                                  I = 0: back to back, a refused caller retries at once.
//                                  server_ms:1 runs the same select through a view that sleeps
//                                  1 ms per row (a remote or busy server, without the CPU load
//                                  of a local one: what is measured is the pool's queueing).
//                                  counters: unloaded_p50_us/_p99_us, one_thread_p99_us,
//                                  accepted_p50_us/_p99_us, p99_ratio (accepted / unloaded),
//                                  rejected_p50_us/_p99_us/_max_us, accepted_per_s,
//                                  rejected_per_s, timeouts, failures
//
// The server: TYPEDAO_TEST_DSN, or libpq's environment (scripts/bench.sh pool runs it under
// scripts/pg-tmp). Not pinned: the thread benchmarks need every CPU; the overhead benchmark
// alternates its two variants call by call, which cancels the drift pinning would remove.

#include "bench_common.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string conninfo() {
  const char* dsn = std::getenv("TYPEDAO_TEST_DSN");
  return dsn ? dsn : "";
}

typedao::pg::connection_options bench_options() {
  typedao::pg::connection_options o;
  o.init_sql = "SET search_path TO typedao_pool_bench";
  return o;
}

typedao::uuid the_id;
std::unique_ptr<typedao::pg::pool> the_pool;
std::unique_ptr<typedao::pg::connection> dedicated;

bool setup() {
  {
    auto admin = typedao::pg::connect(conninfo());
    if (!admin) {
      std::fprintf(stderr, "pool_bench: connect: %s\n", admin.error().message.c_str());
      return false;
    }
    if (auto r = admin->execute_script(
            "DROP SCHEMA IF EXISTS typedao_pool_bench CASCADE; CREATE SCHEMA typedao_pool_bench");
        !r)
      return false;
  }
  auto c = typedao::pg::connect(conninfo(), bench_options());
  if (!c) return false;
  typedao::database<Service> db{*c};
  if (!db.migrate()) return false;
  Service s{};
  s.name = "pooled";
  s.host = "h";
  auto ins = db.dao<Service>().insert(s);
  if (!ins) return false;
  the_id = ins->id;
  dedicated = std::make_unique<typedao::pg::connection>(std::move(*c));
  typedao::pg::pool_options o;
  o.conninfo = conninfo();
  o.connection = bench_options();
  o.max_size = 4;
  o.max_waiting = 1024;
  o.acquire_timeout_ms = 60'000;
  the_pool = std::make_unique<typedao::pg::pool>(o);
  // A server that takes 1 ms per query (a remote or busy one): the same table seen through a
  // view that sleeps 1 ms per row it returns (pg_sleep: no CPU), in a schema of its own.
  auto admin = typedao::pg::connect(conninfo(), bench_options());
  if (!admin) return false;
  if (auto r = admin->execute_script(
          "DROP SCHEMA IF EXISTS typedao_pool_bench_slow CASCADE;"
          "CREATE SCHEMA typedao_pool_bench_slow;"
          "CREATE FUNCTION typedao_pool_bench_slow.pause() RETURNS boolean VOLATILE "
          "LANGUAGE sql AS 'SELECT true FROM pg_sleep(0.001)';"
          "CREATE VIEW typedao_pool_bench_slow.services AS SELECT * FROM "
          "typedao_pool_bench.services WHERE typedao_pool_bench_slow.pause()");
      !r) {
    std::fprintf(stderr, "pool_bench: slow schema: %s\n", r.error().message.c_str());
    return false;
  }
  return true;
}

void BM_pool_overhead(benchmark::State& state) {
  typedao::dao<Service, typedao::pg::pool> pooled(*the_pool);
  typedao::dao<Service, typedao::pg::connection> direct(*dedicated);
  std::vector<std::int64_t> p, d;
  bool ok = true;
  std::uint64_t i = 0;
  auto run_pool = [&] {
    p.push_back(timed_ns([&] { return static_cast<bool>(pooled.select(the_id)); }, ok));
  };
  auto run_direct = [&] {
    d.push_back(timed_ns([&] { return static_cast<bool>(direct.select(the_id)); }, ok));
  };
  for (auto _ : state) {
    if ((i++ & 1) == 0) {
      run_pool();
      run_direct();
    } else {
      run_direct();
      run_pool();
    }
  }
  if (!ok) state.SkipWithError("a call failed");
  const double pm = median_us(p), dm = median_us(d);
  state.counters["pool_med_us"] = pm;
  state.counters["dedicated_med_us"] = dm;
  state.counters["ratio_med"] = dm > 0 ? pm / dm : 0;
  std::vector<double> r;
  for (std::size_t k = 0; k < p.size() && k < d.size(); ++k)
    if (d[k] > 0) r.push_back(static_cast<double>(p[k]) / static_cast<double>(d[k]));
  if (!r.empty()) {
    auto mid = r.begin() + static_cast<std::ptrdiff_t>(r.size() / 2);
    std::nth_element(r.begin(), mid, r.end());
    state.counters["ratio_paired"] = *mid;
  }
}

void report_latencies(benchmark::State& state, std::vector<std::int64_t>& lat) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["p50_us"] =
      benchmark::Counter(percentile_us(lat, 0.50), benchmark::Counter::kAvgThreads);
  state.counters["p99_us"] =
      benchmark::Counter(percentile_us(lat, 0.99), benchmark::Counter::kAvgThreads);
}

void BM_threads_pool(benchmark::State& state) {
  typedao::dao<Service, typedao::pg::pool> pooled(*the_pool);
  std::vector<std::int64_t> lat;
  lat.reserve(1 << 16);
  bool ok = true;
  for (auto _ : state)
    lat.push_back(timed_ns([&] { return static_cast<bool>(pooled.select(the_id)); }, ok));
  if (!ok) state.SkipWithError("a call failed");
  report_latencies(state, lat);
}

void BM_threads_dedicated(benchmark::State& state) {
  auto c = typedao::pg::connect(conninfo(), bench_options());
  if (!c) {
    state.SkipWithError("connect failed");
    for (auto _ : state) {
    }
    return;
  }
  typedao::dao<Service, typedao::pg::connection> direct(*c);
  std::vector<std::int64_t> lat;
  lat.reserve(1 << 16);
  bool ok = true;
  for (auto _ : state)
    lat.push_back(timed_ns([&] { return static_cast<bool>(direct.select(the_id)); }, ok));
  if (!ok) state.SkipWithError("a call failed");
  report_latencies(state, lat);
}

// One round: `threads` threads select by primary key through `pool` for `ms` milliseconds; each
// call's time goes to `accepted` (it ran) or `rejected` (POOL_EXHAUSTED).
struct overload_round {
  std::vector<std::int64_t> accepted, rejected;
  long long timeouts = 0, failures = 0;
};

// interval_us > 0: each thread makes a call every interval_us (an open loop: a refused or slow
// call does not delay the next arrival, missed arrivals are dropped); 0: back to back.
void run_round(typedao::pg::pool& pool, int threads, int ms, int interval_us, overload_round& out) {
  std::atomic<bool> go{false}, stop{false};
  std::mutex m;
  std::vector<std::thread> ts;
  for (int t = 0; t < threads; ++t)
    ts.emplace_back([&, t] {
      typedao::dao<Service, typedao::pg::pool> d(pool);
      overload_round mine;
      mine.accepted.reserve(1 << 14);
      mine.rejected.reserve(1 << 16);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      const auto step = std::chrono::microseconds(interval_us);
      auto next = std::chrono::steady_clock::now() + step * t / threads;  // spread out
      while (!stop.load(std::memory_order_relaxed)) {
        if (interval_us > 0) {
          const auto now = std::chrono::steady_clock::now();
          if (next > now)
            std::this_thread::sleep_until(next);
          else if (now - next > step)
            next = now;  // behind by more than one arrival: those are dropped
          next += step;
        }
        const auto a = std::chrono::steady_clock::now();
        auto r = d.select(the_id);
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::steady_clock::now() - a)
                            .count();
        if (r && r->has_value())
          mine.accepted.push_back(ns);
        else if (!r && r.error().code == typedao::error_code::pool_exhausted)
          mine.rejected.push_back(ns);
        else if (!r && r.error().code == typedao::error_code::acquire_timeout)
          ++mine.timeouts;
        else
          ++mine.failures;
      }
      std::lock_guard lock(m);
      out.accepted.insert(out.accepted.end(), mine.accepted.begin(), mine.accepted.end());
      out.rejected.insert(out.rejected.end(), mine.rejected.begin(), mine.rejected.end());
      out.timeouts += mine.timeouts;
      out.failures += mine.failures;
    });
  go.store(true, std::memory_order_release);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  stop.store(true);
  for (auto& t : ts) t.join();
}

void BM_overload(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const int interval_us = static_cast<int>(state.range(2));
  const bool slow = state.range(3) != 0;
  typedao::pg::pool_options o;
  o.conninfo = conninfo();
  o.connection = bench_options();
  if (slow) o.connection.init_sql = "SET search_path TO typedao_pool_bench_slow";
  o.max_size = 4;
  o.max_waiting = static_cast<std::size_t>(state.range(1));
  o.acquire_timeout_ms = 1000;
  typedao::pg::pool pool(o);
  if (!pool.warm_up()) {
    state.SkipWithError("warm_up failed");
    for (auto _ : state) {
    }
    return;
  }
  const char* env_ms = std::getenv("TYPEDAO_OVERLOAD_ROUND_MS");  // the smoke test: 20
  const int round_ms = env_ms ? std::atoi(env_ms) : 300;
  overload_round unloaded, one, loaded;
  double seconds = 0;
  for (auto _ : state) {
    run_round(pool, 4, round_ms, 0, unloaded);
    run_round(pool, 1, round_ms, 0, one);
    run_round(pool, threads, round_ms, interval_us, loaded);
    seconds += round_ms / 1000.0;
  }
  if (unloaded.failures + one.failures + loaded.failures > 0 || !unloaded.rejected.empty())
    state.SkipWithError("a call failed (or was refused without overload)");
  const double up99 = percentile_us(unloaded.accepted, 0.99);
  const double ap99 = percentile_us(loaded.accepted, 0.99);
  state.counters["unloaded_p50_us"] = percentile_us(unloaded.accepted, 0.50);
  state.counters["unloaded_p99_us"] = up99;
  state.counters["one_thread_p99_us"] = percentile_us(one.accepted, 0.99);
  state.counters["accepted_p50_us"] = percentile_us(loaded.accepted, 0.50);
  state.counters["accepted_p99_us"] = ap99;
  state.counters["p99_ratio"] = up99 > 0 ? ap99 / up99 : 0;
  state.counters["rejected_p50_us"] = percentile_us(loaded.rejected, 0.50);
  state.counters["rejected_p99_us"] = percentile_us(loaded.rejected, 0.99);
  state.counters["rejected_max_us"] = percentile_us(loaded.rejected, 1.0);
  state.counters["accepted_per_s"] =
      seconds > 0 ? static_cast<double>(loaded.accepted.size()) / seconds : 0;
  state.counters["rejected_per_s"] =
      seconds > 0 ? static_cast<double>(loaded.rejected.size()) / seconds : 0;
  state.counters["timeouts"] = static_cast<double>(loaded.timeouts);
  state.counters["failures"] =
      static_cast<double>(unloaded.failures + one.failures + loaded.failures);
}

}  // namespace

BENCHMARK(BM_overload)
    ->ArgNames({"threads", "queue", "every_us", "server_ms"})
    ->Args({64, 4, 500, 0})
    ->Args({256, 4, 2000, 0})
    ->Args({64, 16, 500, 0})
    ->Args({64, 4, 0, 0})
    ->Args({64, 4, 5000, 1})
    ->Args({256, 4, 20000, 1})
    ->Args({64, 2, 5000, 1})
    ->Args({64, 16, 5000, 1})
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_pool_overhead)->Name("BM_pool_overhead/alternating")->UseRealTime();
BENCHMARK(BM_threads_pool)
    ->Name("BM_threads/pool4")
    ->Threads(2)
    ->Threads(8)
    ->Threads(32)
    ->UseRealTime();
BENCHMARK(BM_threads_dedicated)
    ->Name("BM_threads/dedicated")
    ->Threads(2)
    ->Threads(8)
    ->Threads(32)
    ->UseRealTime();

int main(int argc, char** argv) {
  if (!setup()) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  the_pool.reset();
  dedicated.reset();
  return 0;
}
