// async_bench: the asynchronous connector (pg::async_connection, pg::async_pool) beside the
// blocking runtime and hand-written libpq, in one binary, alternating round by round.
//
//   BM_inflight256_vs_threads4   300 ms rounds, alternating: one loop thread with 256
//                                coroutines selecting by primary key over an async_pool of 4
//                                pipelined connections, then 4 threads each selecting on a
//                                blocking pg::connection of its own. counters: async_per_s,
//                                blocking_per_s, throughput_ratio (async / blocking),
//                                async_cpu_us_per_op, blocking_cpu_us_per_op (client CPU: the
//                                loop thread's, or the 4 threads', per select), cpu_ratio
//   BM_together100_vs_sequential on one async_connection: 100 selects awaited together, then 100
//                                awaited one after another, alternating; counters: together_us,
//                                sequential_us, speedup (medians)
//   BM_batch10000                10,000 inserts: one pipelined batch (async_dao::insert_batch),
//                                10,000 separate inserts in one transaction (blocking DAO), and
//                                hand-written libpq pipeline mode (one Sync); alternating, each
//                                in a transaction of its own that is rolled back (the table
//                                stays small). counters: batch_ms, transaction_ms, libpq_ms
//                                (medians), speedup (transaction / batch), libpq_speedup
//
// The server: TYPEDAO_TEST_DSN, or libpq's environment (scripts/bench.sh async runs it under
// scripts/pg-tmp). Not pinned: the blocking side needs every CPU of this 2-core machine.

#include "bench_common.hpp"

#include <typedao/async.hpp>

#include <benchmark/benchmark.h>
#include <time.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

std::string conninfo() {
  const char* dsn = std::getenv("TYPEDAO_TEST_DSN");
  return dsn ? dsn : "";
}

typedao::pg::connection_options bench_options() {
  typedao::pg::connection_options o;
  o.init_sql = "SET search_path TO typedao_async_bench";
  return o;
}

int round_ms() {
  const char* e = std::getenv("TYPEDAO_BENCH_ROUND_MS");  // the smoke test: 20
  return e ? std::atoi(e) : 300;
}

typedao::uuid the_id;

bool setup() {
  auto admin = typedao::pg::connect(conninfo());
  if (!admin) {
    std::fprintf(stderr, "async_bench: connect: %s\n", admin.error().message.c_str());
    return false;
  }
  if (!admin->execute_script(
          "DROP SCHEMA IF EXISTS typedao_async_bench CASCADE; CREATE SCHEMA typedao_async_bench"))
    return false;
  auto c = typedao::pg::connect(conninfo(), bench_options());
  if (!c) return false;
  typedao::database<Service> db{*c};
  if (!db.migrate()) return false;
  Service s{};
  s.name = "async";
  s.host = "h";
  auto ins = db.dao<Service>().insert(s);
  if (!ins) return false;
  the_id = ins->id;
  return true;
}

long long thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<long long>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// ---- 256 in flight on one loop thread vs 4 blocking threads ----------------------------------

struct round_out {
  long long ops = 0;
  long long cpu_ns = 0;
  bool ok = true;
};

round_out async_round(asio::io_context& io, typedao::pg::async_pool& pool, int ms) {
  round_out out;
  bool stop = false;
  int running = 0;
  typedao::async_dao<Service, typedao::pg::async_pool> d(pool);
  for (int i = 0; i < 256; ++i) {
    ++running;
    asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
          while (!stop) {
            auto r = co_await d.select(the_id);
            if (!r || !r->has_value()) out.ok = false;
            ++out.ops;
          }
          --running;
        },
        asio::detached);
  }
  asio::steady_timer t(io, std::chrono::milliseconds(ms));
  t.async_wait([&](const boost::system::error_code&) { stop = true; });
  const long long c0 = thread_cpu_ns();
  io.restart();
  while (running > 0 && io.run_one() > 0) {
  }
  out.cpu_ns = thread_cpu_ns() - c0;
  return out;
}

round_out blocking_round(std::vector<typedao::pg::connection>& conns, int ms) {
  std::atomic<bool> stop{false};
  std::atomic<long long> ops{0}, cpu{0};
  std::atomic<bool> ok{true};
  std::vector<std::thread> ts;
  for (auto& c : conns)
    ts.emplace_back([&, cp = &c] {
      typedao::dao<Service, typedao::pg::connection> d(*cp);
      const long long c0 = thread_cpu_ns();
      long long n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        auto r = d.select(the_id);
        if (!r || !r->has_value()) ok = false;
        ++n;
      }
      cpu += thread_cpu_ns() - c0;
      ops += n;
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  stop = true;
  for (auto& t : ts) t.join();
  return {ops.load(), cpu.load(), ok.load()};
}

void BM_inflight256_vs_threads4(benchmark::State& state) {
  asio::io_context io;
  typedao::pg::pool_options o;
  o.conninfo = conninfo();
  o.connection = bench_options();
  o.max_size = 4;
  o.max_waiting = 1024;
  typedao::pg::async_pool pool(io.get_executor(), o, /*max_pipeline=*/64);
  std::vector<typedao::pg::connection> conns;
  for (int i = 0; i < 4; ++i) {
    auto c = typedao::pg::connect(conninfo(), bench_options());
    if (!c) {
      state.SkipWithError("connect failed");
      for (auto _ : state) {
      }
      return;
    }
    conns.push_back(std::move(*c));
  }
  const int ms = round_ms();
  long long a_ops = 0, a_cpu = 0, b_ops = 0, b_cpu = 0;
  bool ok = true;
  (void)async_round(io, pool, ms / 4 + 1);  // opens the pool's connections
  for (auto _ : state) {
    auto a = async_round(io, pool, ms);
    auto b = blocking_round(conns, ms);
    a_ops += a.ops;
    a_cpu += a.cpu_ns;
    b_ops += b.ops;
    b_cpu += b.cpu_ns;
    ok = ok && a.ok && b.ok;
  }
  if (!ok) state.SkipWithError("a select failed");
  const double secs = static_cast<double>(state.iterations()) * ms / 1000.0;
  const double a_rate = static_cast<double>(a_ops) / secs,
               b_rate = static_cast<double>(b_ops) / secs;
  const double a_cpu_op =
      a_ops ? static_cast<double>(a_cpu) / static_cast<double>(a_ops) / 1000 : 0;
  const double b_cpu_op =
      b_ops ? static_cast<double>(b_cpu) / static_cast<double>(b_ops) / 1000 : 0;
  state.counters["async_per_s"] = a_rate;
  state.counters["blocking_per_s"] = b_rate;
  state.counters["throughput_ratio"] = b_rate > 0 ? a_rate / b_rate : 0;
  state.counters["async_cpu_us_per_op"] = a_cpu_op;
  state.counters["blocking_cpu_us_per_op"] = b_cpu_op;
  state.counters["cpu_ratio"] = b_cpu_op > 0 ? a_cpu_op / b_cpu_op : 0;
}

// ---- 100 together vs 100 one after another --------------------------------------------------

void BM_together100_vs_sequential(benchmark::State& state) {
  asio::io_context io;
  typedao::pg::async_connection conn(io.get_executor(), bench_options());
  bool connected = false;
  conn.async_connect(conninfo(),
                     [&](typedao::result<void> r) { connected = static_cast<bool>(r); });
  io.run();
  if (!connected) {
    state.SkipWithError("connect failed");
    for (auto _ : state) {
    }
    return;
  }
  typedao::async_dao<Service> d(conn);
  std::vector<double> together, sequential;
  bool ok = true;
  for (auto _ : state) {
    // 100 together: all sent before any answer is read.
    auto t0 = std::chrono::steady_clock::now();
    int left = 100;
    for (int i = 0; i < 100; ++i)
      d.select(the_id, [&](typedao::result<std::optional<Service>> r) {
        ok = ok && r && r->has_value();
        --left;
      });
    io.restart();
    while (left > 0 && io.run_one() > 0) {
    }
    auto t1 = std::chrono::steady_clock::now();
    // 100 one after another.
    int done = 0;
    std::function<void()> next = [&] {
      d.select(the_id, [&](typedao::result<std::optional<Service>> r) {
        ok = ok && r && r->has_value();
        if (++done < 100) next();
      });
    };
    next();
    io.restart();
    while (done < 100 && io.run_one() > 0) {
    }
    auto t2 = std::chrono::steady_clock::now();
    together.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    sequential.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
  }
  if (!ok) state.SkipWithError("a select failed");
  const double tm = median(together), sm = median(sequential);
  state.counters["together_us"] = tm;
  state.counters["sequential_us"] = sm;
  state.counters["speedup"] = tm > 0 ? sm / tm : 0;
}

// ---- 10,000 inserts ----------------------------------------------------------------------------

std::vector<Service> batch_rows(int n) {
  std::vector<Service> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    v[static_cast<std::size_t>(i)].host = "h" + std::to_string(i);
    v[static_cast<std::size_t>(i)].tags = {"a", "b"};
  }
  return v;
}

// Hand-written: pipeline mode, every insert prepared once and executed, one Sync.
bool libpq_pipeline(PGconn* c, const std::vector<Service>& rows) {
  if (PQenterPipelineMode(c) != 1) return false;
  bool ok = true;
  for (const auto& s : rows) {
    handpq::insert_params p(s);
    if (!PQsendQueryPrepared(c, "bench_insert", 7, p.values, p.lengths, handpq::binary_formats, 1))
      ok = false;
  }
  if (PQpipelineSync(c) != 1) ok = false;
  if (PQflush(c) != 0) ok = false;
  std::size_t got = 0;
  for (;;) {
    PGresult* r = PQgetResult(c);
    if (!r) continue;  // end of one query's results
    const auto st = PQresultStatus(r);
    if (st == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      break;
    }
    if (st == PGRES_TUPLES_OK) {
      Service out;
      if (!handpq::decode_service(r, 0, out)) ok = false;
      ++got;
    } else {
      ok = false;
    }
    PQclear(r);
  }
  PQexitPipelineMode(c);
  return ok && got == rows.size();
}

void BM_batch10000(benchmark::State& state) {
  const char* env_n = std::getenv("TYPEDAO_BENCH_BATCH");  // the smoke test: 500
  const int n = env_n ? std::atoi(env_n) : static_cast<int>(state.range(0));
  const auto rows = batch_rows(n);
  asio::io_context io;
  typedao::pg::async_connection conn(io.get_executor(), bench_options());
  bool connected = false;
  conn.async_connect(conninfo(),
                     [&](typedao::result<void> r) { connected = static_cast<bool>(r); });
  io.run();
  auto blocking = typedao::pg::connect(conninfo(), bench_options());
  PGconn* hand = PQconnectdb(conninfo().c_str());
  if (!connected || !blocking || PQstatus(hand) != CONNECTION_OK) {
    state.SkipWithError("connect failed");
    for (auto _ : state) {
    }
    PQfinish(hand);
    return;
  }
  PQclear(PQexec(hand, "SET search_path TO typedao_async_bench"));
  PQclear(PQprepare(hand, "bench_insert", handpq::insert_sql, 7, handpq::insert_types));
  typedao::async_dao<Service> ad(conn);
  typedao::dao<Service, typedao::pg::connection> bd(*blocking);
  std::vector<double> batch, tx, lib;
  bool ok = true;
  auto run_script = [&](const char* sql) {
    bool done = false;
    conn.async_execute_script(sql, [&](typedao::result<typedao::pg::rows> r) {
      ok = ok && r;
      done = true;
    });
    io.restart();
    while (!done && io.run_one() > 0) {
    }
  };
  for (auto _ : state) {
    // The pipelined batch, in a transaction that is rolled back.
    run_script("BEGIN");
    auto t0 = std::chrono::steady_clock::now();
    bool done = false;
    ad.insert_batch(std::span<const Service>(rows), [&](std::vector<typedao::result<Service>> out) {
      for (auto& r : out) ok = ok && r;
      done = true;
    });
    io.restart();
    while (!done && io.run_one() > 0) {
    }
    auto t1 = std::chrono::steady_clock::now();
    run_script("ROLLBACK");
    // 10,000 separate inserts in one transaction, blocking.
    ok = ok && blocking->execute_script("BEGIN");
    auto t2 = std::chrono::steady_clock::now();
    for (const auto& s : rows) ok = ok && static_cast<bool>(bd.insert(s));
    auto t3 = std::chrono::steady_clock::now();
    ok = ok && blocking->execute_script("ROLLBACK");
    // Hand-written libpq pipeline.
    PQclear(PQexec(hand, "BEGIN"));
    auto t4 = std::chrono::steady_clock::now();
    ok = libpq_pipeline(hand, rows) && ok;
    auto t5 = std::chrono::steady_clock::now();
    PQclear(PQexec(hand, "ROLLBACK"));
    batch.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    tx.push_back(std::chrono::duration<double, std::milli>(t3 - t2).count());
    lib.push_back(std::chrono::duration<double, std::milli>(t5 - t4).count());
  }
  PQfinish(hand);
  if (!ok) state.SkipWithError("an insert failed");
  const double b = median(batch), t = median(tx), l = median(lib);
  state.counters["batch_ms"] = b;
  state.counters["transaction_ms"] = t;
  state.counters["libpq_ms"] = l;
  state.counters["speedup"] = b > 0 ? t / b : 0;
  state.counters["libpq_speedup"] = l > 0 ? t / l : 0;
}

}  // namespace

BENCHMARK(BM_inflight256_vs_threads4)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_together100_vs_sequential)->UseRealTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_batch10000)->Arg(10'000)->UseRealTime()->Unit(benchmark::kMillisecond)->Iterations(5);

int main(int argc, char** argv) {
  if (!setup()) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
