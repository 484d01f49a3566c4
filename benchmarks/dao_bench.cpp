// dao_bench: typedao's DAO against hand-written libpq doing the same work, in one binary, on a
// real PostgreSQL server (libpq environment; TYPEDAO_PG_TCP for TCP). See docs/benchmarks.md.
//
//   BM_<op>/alternating/<transport>   the comparison: typedao and libpq call by call in one loop
//                                     (order swapped every iteration), each call timed on its own;
//                                     counters typedao_us, libpq_us (mean per call), ratio
//                                     (typedao/libpq), the same from medians (*_med_us,
//                                     ratio_med), ratio_paired (median of per-iteration
//                                     ratios) and delta_ns (mean difference).
//   BM_<op>/control/<transport>       the same loop with the baseline code in typedao's place, on
//                                     typedao's connection: an A/A test, ratio ~1 when the two
//                                     connections and backends are alike.
//   BM_<op>/typedao|libpq/<transport> the conventional view, one variant per benchmark.
//
// <op>: insert (the quickstart Service: client-side uuid, created_at/updated_at by the server,
// name, protocol, host, port, text[] tags, RETURNING every column) and select_by_pk.
// <transport>: tcp (TYPEDAO_PG_TCP) and unix (PGHOST naming a socket folder).
//
// The client is pinned to one CPU (TYPEDAO_BENCH_CPU, default the last allowed CPU) and so are
// both connections' server backends (taskset -p; needs root or the server's account; failure is
// reported in the context as backend_pinned=no and otherwise ignored).
//
// Deterministic client-side cost: `dao_bench --loop=<op>_<variant> [--count=N]` (op: insert,
// select; variant: typedao, libpq) runs N calls inside the function td_bench_loop and exits; run
// it under `valgrind --tool=callgrind --toggle-collect=td_bench_loop` (scripts/bench.sh callgrind).

#include "bench_common.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using typedao_dao = typedao::dao<Service, typedao::pg::connection>;

struct transport {
  std::string name;
  std::string conninfo;
  typedao::pg::connection td_conn;  // typedao's connection
  PGconn* raw = nullptr;            // the baseline's connection
  std::unique_ptr<typedao_dao> td;
  std::unique_ptr<handpq::service_dao> hand;
  std::unique_ptr<handpq::service_dao> hand_on_td;  // the baseline on typedao's connection (control)
  typedao::uuid select_id{};
  bool backends_pinned = false;

  ~transport() {
    if (raw) PQfinish(raw);
  }
};

std::vector<std::unique_ptr<transport>> transports;
int the_cpu = 0;

// A unique name per insert (unique constraint), written in place: no allocation (SSO).
std::uint64_t name_seq = 0;
void next_name(Service& s) {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "s%llu", static_cast<unsigned long long>(++name_seq));
  s.name->assign(buf, static_cast<std::size_t>(n));
}

Service insert_template() {
  Service s{};  // value-initialised: a nil id (uuid is a trivial type)
  s.name = std::string();
  s.protocol = "https";
  s.host = "httpbin.org";
  s.port = 8443;
  s.tags = {"prod", "edge"};
  return s;
}

bool fail(const char* what, const std::string& why) {
  std::fprintf(stderr, "dao_bench: %s: %s\n", what, why.c_str());
  return false;
}

bool setup(transport& t) {
  auto c = typedao::pg::connect(t.conninfo);
  if (!c) return fail(("connect " + t.name).c_str(), c.error().message);
  t.td_conn = std::move(*c);
  t.raw = PQconnectdb(t.conninfo.c_str());
  if (PQstatus(t.raw) != CONNECTION_OK) return fail(("connect " + t.name).c_str(), PQerrorMessage(t.raw));
  t.backends_pinned = pin_backend(t.td_conn.native_handle(), the_cpu) && pin_backend(t.raw, the_cpu);

  // Our own schema, fresh per run: never touches a "services" table of someone else's.
  const bool first = &t == transports.front().get();
  if (first) {
    if (auto r = t.td_conn.execute_script("DROP SCHEMA IF EXISTS typedao_bench CASCADE; CREATE SCHEMA typedao_bench");
        !r)
      return fail("schema", r.error().message);
  }
  if (auto r = t.td_conn.execute_script("SET search_path TO typedao_bench"); !r) return fail("schema", r.error().message);
  PGresult* sp = PQexec(t.raw, "SET search_path TO typedao_bench");
  const bool sp_ok = PQresultStatus(sp) == PGRES_COMMAND_OK;
  PQclear(sp);
  if (!sp_ok) return fail("schema", PQerrorMessage(t.raw));

  typedao::database<Service> db{t.td_conn};
  if (auto m = db.migrate(); !m) return fail("migrate", m.error().message);
  t.td = std::make_unique<typedao_dao>(t.td_conn);
  t.hand = std::make_unique<handpq::service_dao>(t.raw);
  if (!t.hand->prepare()) return fail("prepare", PQerrorMessage(t.raw));
  t.hand_on_td = std::make_unique<handpq::service_dao>(t.td_conn.native_handle());
  if (!t.hand_on_td->prepare()) return fail("prepare", PQerrorMessage(t.td_conn.native_handle()));

  // One row to select; both variants must read it identically (checks the baseline's decoder).
  Service s = insert_template();
  next_name(s);
  auto ins = t.hand->insert(s);
  if (!ins) return fail("baseline insert", PQerrorMessage(t.raw));
  t.select_id = ins->id;
  auto a = t.td->select(t.select_id);
  auto b = t.hand->select(t.select_id);
  if (!a || !*a || !b) return fail("select", a ? "no row" : a.error().message);
  if (!same_service(**a, *b) || !same_service(*b, *ins)) return fail("check", "variants decode differently");
  // And an insert through typedao reads back the same through the baseline (prepares it too).
  next_name(s);
  auto ti = t.td->insert(s);
  if (!ti) return fail("typedao insert", ti.error().message);
  auto tb = t.hand->select(ti->id);
  if (!tb || !same_service(*ti, *tb)) return fail("check", "typedao insert reads back differently");
  return true;
}

// First failure only, so a broken run says why (not on the hot path).
__attribute__((noinline, cold)) void report_failure(const char* what, const std::string& why) {
  static bool said = false;
  if (!said) std::fprintf(stderr, "dao_bench: %s failed: %s\n", what, why.c_str());
  said = true;
}

// The calls being compared. Each returns false on failure; the result is destroyed inside.
bool typedao_insert(transport& t, const Service& s) {
  auto r = t.td->insert(s);
  benchmark::DoNotOptimize(r);
  if (!r) report_failure("typedao insert", r.error().message);
  return r.has_value();
}
bool libpq_insert(transport& t, const Service& s) {
  auto r = t.hand->insert(s);
  benchmark::DoNotOptimize(r);
  return r.has_value();
}
bool typedao_select(transport& t) {
  auto r = t.td->select(t.select_id);
  benchmark::DoNotOptimize(r);
  return r && r->has_value();
}
bool libpq_select(transport& t) {
  auto r = t.hand->select(t.select_id);
  benchmark::DoNotOptimize(r);
  return r.has_value();
}

template <class F>
std::int64_t timed_ns(F&& f, bool& ok) {
  const auto a = clock_type::now();
  ok = f() && ok;
  const auto b = clock_type::now();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

double mean_us(const std::vector<std::int64_t>& v) {
  double s = 0;
  for (auto x : v) s += static_cast<double>(x);
  return v.empty() ? 0 : s / static_cast<double>(v.size()) / 1000.0;
}
double median_us(std::vector<std::int64_t> v) {
  if (v.empty()) return 0;
  auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return static_cast<double>(*mid) / 1000.0;
}

void report(benchmark::State& state, const std::vector<std::int64_t>& td, const std::vector<std::int64_t>& pq) {
  const double tm = mean_us(td), pm = mean_us(pq), tmed = median_us(td), pmed = median_us(pq);
  state.counters["typedao_us"] = tm;
  state.counters["libpq_us"] = pm;
  state.counters["ratio"] = pm > 0 ? tm / pm : 0;
  state.counters["typedao_med_us"] = tmed;
  state.counters["libpq_med_us"] = pmed;
  state.counters["ratio_med"] = pmed > 0 ? tmed / pmed : 0;
  state.counters["delta_ns"] = (tm - pm) * 1000.0;
  // Paired: the median over iterations of (typedao call / the libpq call next to it in time),
  // which cancels drift and load that last longer than one iteration.
  std::vector<double> r;
  r.reserve(td.size());
  for (std::size_t i = 0; i < td.size() && i < pq.size(); ++i)
    if (pq[i] > 0) r.push_back(static_cast<double>(td[i]) / static_cast<double>(pq[i]));
  if (!r.empty()) {
    auto mid = r.begin() + static_cast<std::ptrdiff_t>(r.size() / 2);
    std::nth_element(r.begin(), mid, r.end());
    state.counters["ratio_paired"] = *mid;
  }
}

// The control: the baseline code on typedao's connection, in typedao's place. Its ratio shows
// what the two connections (and their backends) alone make of the comparison: ~1.
bool control_insert(transport& t, const Service& s) {
  auto r = t.hand_on_td->insert(s);
  benchmark::DoNotOptimize(r);
  return r.has_value();
}
bool control_select(transport& t) {
  auto r = t.hand_on_td->select(t.select_id);
  benchmark::DoNotOptimize(r);
  return r.has_value();
}

// Both variants in one loop, alternating which goes first, each call timed separately.
// Control: the baseline runs in typedao's place on typedao's connection (an A/A test).
template <bool Insert, bool Control = false>
void BM_alternating(benchmark::State& state, transport* t) {
  std::vector<std::int64_t> td, pq;
  td.reserve(1 << 18);
  pq.reserve(1 << 18);
  Service s = insert_template();
  bool ok = true;
  std::uint64_t i = 0;
  auto run_td = [&] {
    if constexpr (Insert) {
      next_name(s);
      td.push_back(timed_ns([&] { return Control ? control_insert(*t, s) : typedao_insert(*t, s); }, ok));
    } else {
      td.push_back(timed_ns([&] { return Control ? control_select(*t) : typedao_select(*t); }, ok));
    }
  };
  auto run_pq = [&] {
    if constexpr (Insert) {
      next_name(s);
      pq.push_back(timed_ns([&] { return libpq_insert(*t, s); }, ok));
    } else {
      pq.push_back(timed_ns([&] { return libpq_select(*t); }, ok));
    }
  };
  for (auto _ : state) {
    if ((i++ & 1) == 0) {
      run_td();
      run_pq();
    } else {
      run_pq();
      run_td();
    }
  }
  if (!ok) state.SkipWithError("a call failed");
  report(state, td, pq);
}

template <bool Insert, bool Typedao>
void BM_single(benchmark::State& state, transport* t) {
  Service s = insert_template();
  bool ok = true;
  for (auto _ : state) {
    if constexpr (Insert) {
      next_name(s);  // inside the timing, the same for both variants (~20 ns)
      ok = (Typedao ? typedao_insert(*t, s) : libpq_insert(*t, s)) && ok;
    } else {
      ok = (Typedao ? typedao_select(*t) : libpq_select(*t)) && ok;
    }
  }
  if (!ok) state.SkipWithError("a call failed");
}

// ---- callgrind loop mode ------------------------------------------------------------------

bool run_op(transport& t, int op, const Service& s) {
  switch (op) {
    case 0: return typedao_insert(t, s);
    case 1: return libpq_insert(t, s);
    case 2: return typedao_select(t);
    default: return libpq_select(t);
  }
}

extern "C" __attribute__((noinline)) int td_bench_loop(transport* t, int op, long count, Service* s) {
  int failures = 0;
  for (long i = 0; i < count; ++i) {
    failures += run_op(*t, op, *s) ? 0 : 1;
    if (op < 2) next_name(*s);
  }
  return failures;
}

int run_loop(const std::string& what, long count) {
  const char* ops[] = {"insert_typedao", "insert_libpq", "select_typedao", "select_libpq"};
  int op = -1;
  for (int k = 0; k < 4; ++k)
    if (what == ops[k]) op = k;
  if (op < 0) {
    std::fprintf(stderr, "dao_bench: --loop=insert_typedao|insert_libpq|select_typedao|select_libpq\n");
    return 2;
  }
  transport& t = *transports.front();
  Service s = insert_template();
  next_name(s);
  // Warm up outside the measured function: statements prepared, generator seeded, caches filled.
  for (int k = 0; k < 10; ++k) {
    if (!run_op(t, op, s)) return fail("loop", "a call failed"), 1;
    if (op < 2) next_name(s);
  }
  const int failures = td_bench_loop(&t, op, count, &s);
  std::printf("%s: %ld calls on %s, %d failed\n", what.c_str(), count, t.name.c_str(), failures);
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  the_cpu = bench_cpu();
  const bool client_pinned = pin_self(the_cpu);

  std::string loop;
  long count = 1000;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--loop=", 0) == 0) loop = a.substr(7);
    else if (a.rfind("--count=", 0) == 0) count = std::atol(a.c_str() + 8);
    else args.push_back(argv[i]);
  }

  if (const char* tcp = std::getenv("TYPEDAO_PG_TCP"); tcp && *tcp) {
    transports.push_back(std::make_unique<transport>());
    transports.back()->name = "tcp";
    transports.back()->conninfo = tcp;
  }
  if (const char* host = std::getenv("PGHOST"); host && *host == '/') {
    transports.push_back(std::make_unique<transport>());
    transports.back()->name = "unix";
  }
  if (transports.empty()) {  // whatever libpq's environment reaches
    transports.push_back(std::make_unique<transport>());
    transports.back()->name = "env";
  }
  for (auto& t : transports)
    if (!setup(*t)) return 1;

  if (!loop.empty()) return run_loop(loop, count);

  int bargc = static_cast<int>(args.size());
  benchmark::Initialize(&bargc, args.data());
  if (benchmark::ReportUnrecognizedArguments(bargc, args.data())) return 1;

  benchmark::AddCustomContext("bench_cpu", std::to_string(the_cpu));
  benchmark::AddCustomContext("client_pinned", client_pinned ? "yes" : "no");
  for (auto& t : transports) {
    benchmark::AddCustomContext("backend_pinned_" + t->name, t->backends_pinned ? "yes" : "no");
    if (!t->backends_pinned)
      std::fprintf(stderr, "dao_bench: could not pin the %s backends to CPU %d (not root?); numbers will be noisier\n",
                   t->name.c_str(), the_cpu);
  }
  if (!client_pinned) std::fprintf(stderr, "dao_bench: could not pin to CPU %d\n", the_cpu);

  for (auto& tp : transports) {
    transport* t = tp.get();
    const std::string sfx = "/" + t->name;
    benchmark::RegisterBenchmark(("BM_insert/alternating" + sfx).c_str(), BM_alternating<true>, t)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_select_by_pk/alternating" + sfx).c_str(), BM_alternating<false>, t)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_insert/control" + sfx).c_str(), BM_alternating<true, true>, t)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_select_by_pk/control" + sfx).c_str(), BM_alternating<false, true>, t)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_insert/typedao" + sfx).c_str(), BM_single<true, true>, t)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_insert/libpq" + sfx).c_str(), BM_single<true, false>, t)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_select_by_pk/typedao" + sfx).c_str(), BM_single<false, true>, t)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("BM_select_by_pk/libpq" + sfx).c_str(), BM_single<false, false>, t)
        ->Unit(benchmark::kMicrosecond)
        ->UseRealTime();
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  transports.clear();
  return 0;
}
