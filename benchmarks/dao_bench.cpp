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
// name, protocol, host, port, text[] tags, RETURNING every column), select_by_pk, select_by
// (unique name), update (port, RETURNING the row), upsert (PUT by primary key of an existing row),
// remove (by primary key; the row is inserted before the call, outside its timing), page100 (the
// first page of 100 rows) and each1000 (every row, pages of 1000; the table holds >= 100k rows).
// <transport>: tcp (TYPEDAO_PG_TCP) and unix (PGHOST naming a socket folder).
//
// The client is pinned to one CPU (TYPEDAO_BENCH_CPU, default the last allowed CPU) and so are
// both connections' server backends (taskset -p; needs root or the server's account; failure is
// reported in the context as backend_pinned=no and otherwise ignored).
//
// Deterministic client-side cost: `dao_bench --loop=<op>_<variant> [--count=N]` (op: one of the
// above, select for select_by_pk; variant: typedao, libpq) runs N calls inside the function
// td_bench_loop and exits; run it under `valgrind --tool=callgrind --toggle-collect=td_bench_loop`
// (scripts/bench.sh callgrind).

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

using typedao_dao = typedao::dao<Service, typedao::pg::connection>;

struct transport {
  std::string name;
  std::string conninfo;
  typedao::pg::connection td_conn;  // typedao's connection
  PGconn* raw = nullptr;            // the baseline's connection
  std::unique_ptr<typedao_dao> td;
  std::unique_ptr<handpq::service_dao> hand;
  std::unique_ptr<handpq::service_dao>
      hand_on_td;  // the baseline on typedao's connection (control)
  typedao::uuid select_id{};
  std::string select_name;
  typedao::uuid upsert_id{};
  Service upsert_row;
  bool backends_pinned = false;

  ~transport() {
    if (raw) PQfinish(raw);
  }
};

std::vector<std::unique_ptr<transport>> transports;
int the_cpu = 0;
// Rows in the table before the benchmarks start (each1000 walks them all): 100k, or
// $TYPEDAO_BENCH_ROWS (the ctest smoke run uses fewer).
std::size_t table_rows = 100000;

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
  if (PQstatus(t.raw) != CONNECTION_OK)
    return fail(("connect " + t.name).c_str(), PQerrorMessage(t.raw));
  t.backends_pinned =
      pin_backend(t.td_conn.native_handle(), the_cpu) && pin_backend(t.raw, the_cpu);

  // Our own schema, fresh per run: never touches a "services" table of someone else's.
  const bool first = &t == transports.front().get();
  if (first) {
    if (auto r = t.td_conn.execute_script(
            "DROP SCHEMA IF EXISTS typedao_bench CASCADE; CREATE SCHEMA typedao_bench");
        !r)
      return fail("schema", r.error().message);
  }
  if (auto r = t.td_conn.execute_script("SET search_path TO typedao_bench"); !r)
    return fail("schema", r.error().message);
  PGresult* sp = PQexec(t.raw, "SET search_path TO typedao_bench");
  const bool sp_ok = PQresultStatus(sp) == PGRES_COMMAND_OK;
  PQclear(sp);
  if (!sp_ok) return fail("schema", PQerrorMessage(t.raw));

  typedao::database<Service> db{t.td_conn};
  if (auto m = db.migrate(); !m) return fail("migrate", m.error().message);
  if (first) {
    const std::string fill =
        "INSERT INTO services (id, created_at, updated_at, name, protocol, host, port, tags) "
        "SELECT "
        "gen_random_uuid(), now(), now(), 'bulk' || g, 'https', 'httpbin.org', 8443, ARRAY['prod', "
        "'edge'] "
        "FROM generate_series(1, " +
        std::to_string(table_rows) + ") g";
    if (auto r = t.td_conn.execute_script(fill); !r) return fail("fill", r.error().message);
  }
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
  if (!same_service(**a, *b) || !same_service(*b, *ins))
    return fail("check", "variants decode differently");
  t.select_name = *ins->name;
  // The row upsert replaces (PUT of the same values each time).
  next_name(s);
  auto up = t.hand->insert(s);
  if (!up) return fail("baseline insert", PQerrorMessage(t.raw));
  t.upsert_id = up->id;
  t.upsert_row = s;
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

// The calls being compared: one op is a typedao call and its hand-written twin, each returning
// false on failure (the result is destroyed inside). `prep` runs before each call, untimed.
struct op_ctx {
  transport* t;
  Service s;               // insert / upsert input
  std::int32_t port = 1;   // update value
  typedao::uuid doomed{};  // remove: the row prep inserted
};

using td_fn = bool (*)(op_ctx&);
using pq_fn = bool (*)(op_ctx&, handpq::service_dao&);

struct op_def {
  const char* name;
  td_fn td;
  pq_fn pq;
  // Before each call, untimed; `own` is the hand-written DAO on the connection the call will use.
  void (*prep)(op_ctx&, handpq::service_dao& own);
};

void prep_insert(op_ctx& c, handpq::service_dao&) { next_name(c.s); }
void prep_update(op_ctx& c, handpq::service_dao&) { c.port = c.port % 60000 + 1; }
void prep_remove(op_ctx& c, handpq::service_dao& own) {
  next_name(c.s);
  auto r = own.insert(c.s);
  c.doomed = r ? r->id : typedao::uuid{};
}
void prep_none(op_ctx&, handpq::service_dao&) {}

template <class R>
bool check_td(const R& r, const char* what) {
  if (!r) report_failure(what, r.error().message);
  return r.has_value();
}

bool td_insert(op_ctx& c) {
  auto r = c.t->td->insert(c.s);
  benchmark::DoNotOptimize(r);
  return check_td(r, "typedao insert");
}
bool pq_insert(op_ctx& c, handpq::service_dao& h) {
  auto r = h.insert(c.s);
  benchmark::DoNotOptimize(r);
  return r.has_value();
}
bool td_select(op_ctx& c) {
  auto r = c.t->td->select(c.t->select_id);
  benchmark::DoNotOptimize(r);
  return r && r->has_value();
}
bool pq_select(op_ctx& c, handpq::service_dao& h) {
  auto r = h.select(c.t->select_id);
  benchmark::DoNotOptimize(r);
  return r.has_value();
}
bool td_select_by(op_ctx& c) {
  auto r = c.t->td->select_by<&Service::name>(c.t->select_name);
  benchmark::DoNotOptimize(r);
  return r && r->has_value();
}
bool pq_select_by(op_ctx& c, handpq::service_dao& h) {
  auto r = h.select_by_name(c.t->select_name);
  benchmark::DoNotOptimize(r);
  return r.has_value();
}
bool td_update(op_ctx& c) {
  auto r = c.t->td->update(c.t->select_id, typedao::set<&Service::port>(c.port));
  benchmark::DoNotOptimize(r);
  return check_td(r, "typedao update");
}
bool pq_update(op_ctx& c, handpq::service_dao& h) {
  auto r = h.update_port(c.t->select_id, c.port);
  benchmark::DoNotOptimize(r);
  return r.has_value();
}
bool td_upsert(op_ctx& c) {
  auto r = c.t->td->upsert(c.t->upsert_id, c.t->upsert_row);
  benchmark::DoNotOptimize(r);
  return check_td(r, "typedao upsert");
}
bool pq_upsert(op_ctx& c, handpq::service_dao& h) {
  auto r = h.upsert(c.t->upsert_id, c.t->upsert_row);
  benchmark::DoNotOptimize(r);
  return r.has_value();
}
bool td_remove(op_ctx& c) {
  auto r = c.t->td->remove(c.doomed);
  benchmark::DoNotOptimize(r);
  return check_td(r, "typedao remove");
}
bool pq_remove(op_ctx& c, handpq::service_dao& h) { return h.remove(c.doomed); }
bool td_page100(op_ctx& c) {
  auto r = c.t->td->page(100);
  benchmark::DoNotOptimize(r);
  return check_td(r, "typedao page") && r->rows.size() == 100;
}
bool pq_page100(op_ctx&, handpq::service_dao& h) {
  auto r = h.page(100, nullptr);
  benchmark::DoNotOptimize(r);
  return r && r->rows.size() == 100;
}
bool td_each1000(op_ctx& c) {
  std::size_t n = 0;
  for (auto&& row : c.t->td->each(1000)) {
    if (!row) return check_td(row, "typedao each");
    benchmark::DoNotOptimize(row);
    ++n;
  }
  return n >= table_rows;
}
bool pq_each1000(op_ctx&, handpq::service_dao& h) {
  std::size_t n = 0;
  std::optional<typedao::uuid> after;
  for (;;) {
    auto p = h.page(1000, after ? &*after : nullptr);
    if (!p) return false;
    for (auto& row : p->rows) {
      benchmark::DoNotOptimize(row);
      ++n;
    }
    if (!p->next) break;
    after = p->next;
  }
  return n >= table_rows;
}

const op_def ops[] = {
    {"insert", td_insert, pq_insert, prep_insert},
    {"select", td_select, pq_select, prep_none},
    {"select_by", td_select_by, pq_select_by, prep_none},
    {"update", td_update, pq_update, prep_update},
    {"upsert", td_upsert, pq_upsert, prep_none},
    {"remove", td_remove, pq_remove, prep_remove},
    {"page100", td_page100, pq_page100, prep_none},
    {"each1000", td_each1000, pq_each1000, prep_none},
};

void report(benchmark::State& state, const std::vector<std::int64_t>& td,
            const std::vector<std::int64_t>& pq) {
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

// Both variants in one loop, alternating which goes first, each call timed separately.
// Control: the baseline runs in typedao's place on typedao's connection (an A/A test).
void BM_alternating(benchmark::State& state, transport* t, const op_def* op, bool control) {
  std::vector<std::int64_t> td, pq;
  td.reserve(1 << 18);
  pq.reserve(1 << 18);
  op_ctx c{t, insert_template()};
  bool ok = true;
  std::uint64_t i = 0;
  auto run_td = [&] {
    op->prep(c, *t->hand_on_td);
    td.push_back(timed_ns([&] { return control ? op->pq(c, *t->hand_on_td) : op->td(c); }, ok));
  };
  auto run_pq = [&] {
    op->prep(c, *t->hand);
    pq.push_back(timed_ns([&] { return op->pq(c, *t->hand); }, ok));
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

void BM_single(benchmark::State& state, transport* t, const op_def* op, bool typedao_variant) {
  op_ctx c{t, insert_template()};
  bool ok = true;
  for (auto _ : state) {
    state.PauseTiming();
    op->prep(c, typedao_variant ? *t->hand_on_td : *t->hand);
    state.ResumeTiming();
    ok = (typedao_variant ? op->td(c) : op->pq(c, *t->hand)) && ok;
  }
  if (!ok) state.SkipWithError("a call failed");
}

// ---- callgrind loop mode ------------------------------------------------------------------

extern "C" __attribute__((noinline)) int td_bench_loop(const op_def* op, bool typedao_variant,
                                                       long count, op_ctx* c) {
  int failures = 0;
  for (long i = 0; i < count; ++i) {
    op->prep(*c, typedao_variant ? *c->t->hand_on_td : *c->t->hand);  // counted too: alike for both
    failures += (typedao_variant ? op->td(*c) : op->pq(*c, *c->t->hand)) ? 0 : 1;
  }
  return failures;
}

int run_loop(const std::string& what, long count) {
  const op_def* op = nullptr;
  bool typedao_variant = false;
  for (auto& o : ops) {
    if (what == std::string(o.name) + "_typedao") op = &o, typedao_variant = true;
    if (what == std::string(o.name) + "_libpq") op = &o, typedao_variant = false;
  }
  if (!op) {
    std::fprintf(stderr, "dao_bench: --loop=<op>_typedao|<op>_libpq, op one of:");
    for (auto& o : ops) std::fprintf(stderr, " %s", o.name);
    std::fprintf(stderr, "\n");
    return 2;
  }
  transport& t = *transports.front();
  op_ctx c{&t, insert_template()};
  // Warm up outside the measured function: statements prepared, generator seeded, caches filled.
  for (int k = 0; k < 10; ++k) {
    op->prep(c, typedao_variant ? *t.hand_on_td : *t.hand);
    if (!(typedao_variant ? op->td(c) : op->pq(c, *t.hand)))
      return fail("loop", "a call failed"), 1;
  }
  const int failures = td_bench_loop(op, typedao_variant, count, &c);
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
    if (a.rfind("--loop=", 0) == 0)
      loop = a.substr(7);
    else if (a.rfind("--count=", 0) == 0)
      count = std::atol(a.c_str() + 8);
    else
      args.push_back(argv[i]);
  }

  if (const char* rows = std::getenv("TYPEDAO_BENCH_ROWS"); rows && *rows)
    table_rows = std::strtoul(rows, nullptr, 10);
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
      std::fprintf(stderr,
                   "dao_bench: could not pin the %s backends to CPU %d (not root?); numbers will "
                   "be noisier\n",
                   t->name.c_str(), the_cpu);
  }
  if (!client_pinned) std::fprintf(stderr, "dao_bench: could not pin to CPU %d\n", the_cpu);

  // Names keep the earlier ones: BM_select_by_pk for select.
  for (auto& tp : transports) {
    transport* t = tp.get();
    const std::string sfx = "/" + t->name;
    for (auto& op : ops) {
      const std::string base =
          std::string("BM_") + (op.name == std::string("select") ? "select_by_pk" : op.name);
      for (const char* kind : {"alternating", "control", "typedao", "libpq"}) {
        const std::string k = kind;
        auto* b = k == "alternating" || k == "control"
                      ? benchmark::RegisterBenchmark((base + "/" + k + sfx).c_str(), BM_alternating,
                                                     t, &op, k == "control")
                      : benchmark::RegisterBenchmark((base + "/" + k + sfx).c_str(), BM_single, t,
                                                     &op, k == "typedao");
        b->Unit(benchmark::kMicrosecond)->UseRealTime();
      }
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  transports.clear();
  return 0;
}
