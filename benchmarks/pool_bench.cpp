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
//
// The server: TYPEDAO_TEST_DSN, or libpq's environment (scripts/bench.sh pool runs it under
// scripts/pg-tmp). Not pinned: the thread benchmarks need every CPU; the overhead benchmark
// alternates its two variants call by call, which cancels the drift pinning would remove.

#include "bench_common.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
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

}  // namespace

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
