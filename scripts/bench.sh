#!/usr/bin/env bash
# bench.sh: build typedao's benchmarks in Release (-O2 -DNDEBUG) and run them against a
# throwaway PostgreSQL (scripts/pg-tmp). Results: docs/benchmarks.md explains how to read them.
#
#   scripts/bench.sh [all]     build, then dao, cpu, callgrind and compile below
#   scripts/bench.sh build     only build (CMake: -DTYPEDAO_BUILD_BENCHMARKS=ON, Release;
#                              without CMake, g++ by hand)
#   scripts/bench.sh dao       dao_bench: typedao vs hand-written libpq on a real server, TCP
#                              and Unix socket, pinned to one CPU, alternating call by call
#   scripts/bench.sh cpu       client_cpu_bench: client-side CPU only, no server
#   scripts/bench.sh async     async_bench: 256 in flight on one loop thread vs 4 blocking
#                              threads, 100 selects together vs one by one, 10,000 inserts as
#                              one pipelined batch vs one transaction vs libpq pipeline mode
#   scripts/bench.sh pool      pool_bench: a pooled select vs one on a dedicated connection
#                              (alternating), and 2/8/32 threads on a pool of 4 vs a connection each
#   scripts/bench.sh callgrind instructions per call (valgrind --tool=callgrind), client side:
#                              the real insert/select (with a server) and the replayed ones
#   scripts/bench.sh compile   compile time and peak memory of examples/quickstart.cpp (and of
#                              its hand-written floor, benchmarks/compile/quickstart_floor.cpp), of
#                              generated units with 1 and 20 entities (Kong scale:
#                              benchmarks/compile/gen_kong_scale.py), and the cost per added
#                              entity (g++ and clang++-16 if present; 3 runs each, median)
#   Arguments after `--` go to the benchmark programs (e.g. -- --benchmark_filter=select).
#
# Environment:
#   BUILD_DIR          build folder (default: build-bench, git-ignored)
#   CXX                compiler for the benchmarks (default: g++)
#   REPS               Google Benchmark repetitions (default 3)
#   MIN_TIME           seconds per benchmark and repetition (default 2 for dao, 0.5 for cpu)
#   TYPEDAO_BENCH_CPU  the CPU the client and its server backends are pinned to
#                      (default: the last CPU the process may use). Pinning the backends
#                      needs root (or the server's account); otherwise it is skipped and said.
#   COUNT              calls per callgrind measurement (default 2000)
#   TYPEDAO_TEST_DSN   use this existing server instead of a throwaway one (pg-tmp)
#
# JSON results land in $BUILD_DIR/results/. Needs: cmake (optional), g++, libbenchmark-dev,
# libpq-dev, PostgreSQL server binaries, valgrind (callgrind), GNU time (compile).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

cmd=${1:-all}
[[ $# -gt 0 ]] && shift
extra=()
if [[ $# -gt 0 ]]; then
  [[ $1 == -- ]] && shift
  extra=("$@")
fi

build_dir=${BUILD_DIR:-$root/build-bench}
reps=${REPS:-3}
results=$build_dir/results
bin_dao=$build_dir/benchmarks/dao_bench
bin_cpu=$build_dir/benchmarks/client_cpu_bench
bin_pool=$build_dir/benchmarks/pool_bench
bin_async=$build_dir/benchmarks/async_bench

say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "bench.sh: $*" >&2; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

build() {
  say "build ($build_dir)"
  if command -v cmake >/dev/null 2>&1 &&
     cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DTYPEDAO_BUILD_BENCHMARKS=ON \
       -DTYPEDAO_BUILD_TESTS=OFF -DTYPEDAO_BUILD_EXAMPLES=OFF -DTYPEDAO_VERIFY_HEADERS=OFF \
       ${CXX:+-DCMAKE_CXX_COMPILER=$CXX} >/dev/null &&
     cmake --build "$build_dir" --target benchmark_dao_bench benchmark_client_cpu_bench benchmark_pool_bench benchmark_async_bench -j "$(nproc)"; then
    return
  fi
  echo "bench.sh: CMake build unavailable or failed; compiling by hand" >&2
  mkdir -p "$build_dir/benchmarks"
  local pgi
  pgi=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
  for b in dao_bench client_cpu_bench pool_bench async_bench; do
    "${CXX:-g++}" -std=c++20 -O2 -DNDEBUG -Iinclude -I"$pgi" "benchmarks/$b.cpp" \
      -lbenchmark -lpq -lpthread -o "$build_dir/benchmarks/$b"
  done
}

need_built() {
  [[ -x $bin_dao && -x $bin_cpu && -x $bin_pool && -x $bin_async ]] || build
}

# Prints the alternating benchmarks' counters from a JSON file as a table (python3 if present).
summarize() {
  command -v python3 >/dev/null 2>&1 || return 0
  python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
bs = [b for b in d["benchmarks"] if "/alternating/" in b["name"] or "/control/" in b["name"]]
agg = [b for b in bs if b.get("aggregate_name") == "median"]
rows = agg or [b for b in bs if b.get("run_type") != "aggregate"]
if not rows:
    sys.exit(0)
print("\n%s" % ("median of the repetitions" if agg else "single run"))
print("%-44s %11s %11s %9s %12s %12s" % ("benchmark", "typedao_us", "libpq_us", "ratio_med", "ratio_paired",
                                         "delta_ns"))
for b in rows:
    print("%-44s %11.2f %11.2f %9.4f %12.4f %12.0f" % (b.get("run_name", b["name"]), b["typedao_med_us"],
          b["libpq_med_us"], b["ratio_med"], b.get("ratio_paired", 0), b["delta_ns"]))
print("(typedao_us, libpq_us: median call times; ratio_paired: median of per-iteration ratios;"
      " delta_ns: mean difference; control: the baseline in typedao's place)")
EOF
}

run_dao() {
  need_built
  mkdir -p "$results"
  local out=$results/dao_bench.json
  say "dao_bench (REPS=$reps, MIN_TIME=${MIN_TIME:-2})"
  scripts/pg-tmp run -- "$bin_dao" --benchmark_repetitions="$reps" --benchmark_min_time="${MIN_TIME:-2}" \
    --benchmark_out="$out" --benchmark_out_format=json "${extra[@]}"
  summarize "$out"
  echo "JSON: $out" >&2
}

run_pool() {
  need_built
  mkdir -p "$results"
  local out=$results/pool_bench.json
  say "pool_bench (REPS=$reps, MIN_TIME=${MIN_TIME:-1})"
  scripts/pg-tmp run -- "$bin_pool" --benchmark_repetitions="$reps" --benchmark_min_time="${MIN_TIME:-1}" \
    --benchmark_report_aggregates_only=true --benchmark_out="$out" --benchmark_out_format=json "${extra[@]}"
  echo "JSON: $out" >&2
}

run_async() {
  need_built
  mkdir -p "$results"
  local out=$results/async_bench.json
  say "async_bench (REPS=$reps)"
  scripts/pg-tmp run -- "$bin_async" --benchmark_repetitions="$reps" \
    --benchmark_report_aggregates_only=true --benchmark_out="$out" --benchmark_out_format=json "${extra[@]}"
  echo "JSON: $out" >&2
}

run_cpu() {
  need_built
  mkdir -p "$results"
  local out=$results/client_cpu_bench.json
  say "client_cpu_bench (REPS=$reps, MIN_TIME=${MIN_TIME:-0.5})"
  "$bin_cpu" --benchmark_repetitions="$reps" --benchmark_min_time="${MIN_TIME:-0.5}" \
    --benchmark_report_aggregates_only=true --benchmark_out="$out" --benchmark_out_format=json "${extra[@]}"
  echo "JSON: $out" >&2
}

# Instructions per call inside the program's loop function (client side only).
callgrind_one() {  # <binary> <loop function> <op> <count>
  local f
  f=$(mktemp "${TMPDIR:-/tmp}/td-callgrind.XXXXXX")
  valgrind --tool=callgrind --toggle-collect="$2" --callgrind-out-file="$f" "$1" --loop="$3" --count="$4" \
    >/dev/null 2>"$f.log" || { cat "$f.log" >&2; rm -f "$f" "$f.log"; die "callgrind $3 failed"; }
  local total
  total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
  rm -f "$f" "$f.log"
  echo $((total / $4))
}

run_callgrind() {
  need_built
  command -v valgrind >/dev/null 2>&1 || die "needs valgrind (apt-get install valgrind)"
  local count=${COUNT:-2000}
  say "callgrind: client instructions per call (COUNT=$count)"
  # The real calls need a server: run this script's inner part under pg-tmp.
  scripts/pg-tmp run -- "$0" _callgrind_real "$count"
  printf '%-28s %12s %12s %8s\n' "replayed (no server)" typedao libpq ratio
  for op in insert select decode decode100 page100; do
    local t p
    t=$(callgrind_one "$bin_cpu" td_cpu_loop "${op}_typedao" "$count")
    p=$(callgrind_one "$bin_cpu" td_cpu_loop "${op}_libpq" "$count")
    printf '%-28s %12s %12s %8s\n' "$op" "$t" "$p" "$(awk -v a="$t" -v b="$p" 'BEGIN{printf "%.3f", a/b}')"
  done
}

callgrind_real() {
  local count=$1
  printf '%-28s %12s %12s %8s\n' "real (server, TCP)" typedao libpq ratio
  for op in insert select; do
    local t p
    t=$(callgrind_one "$bin_dao" td_bench_loop "${op}_typedao" "$count")
    p=$(callgrind_one "$bin_dao" td_bench_loop "${op}_libpq" "$count")
    printf '%-28s %12s %12s %8s\n' "$op" "$t" "$p" "$(awk -v a="$t" -v b="$p" 'BEGIN{printf "%.3f", a/b}')"
  done
}

# Median of 3 runs of: /usr/bin/time -f '%e s %M KB' <cxx> -std=c++20 -O2 ... -c examples/quickstart.cpp
# (wall seconds; user CPU seconds too, which other load on the machine disturbs less).
run_compile() {
  [[ -x /usr/bin/time ]] || die "needs GNU time (apt-get install time)"
  local pgi out
  pgi=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
  out=$(mktemp "${TMPDIR:-/tmp}/td-quickstart.XXXXXX.o")
  say "compile time of examples/quickstart.cpp and of its hand-written floor (3 runs, median; load average: $(cut -d' ' -f1-3 /proc/loadavg))"
  printf '%-12s %-44s %8s %8s %10s\n' compiler unit wall_s user_s peak_KB
  for cxx in g++ clang++-16; do
    command -v "$cxx" >/dev/null 2>&1 || continue
    local users=()
    for src in examples/quickstart.cpp benchmarks/compile/quickstart_floor.cpp; do
      local runs=() r
      for _ in 1 2 3; do
        /usr/bin/time -o "$out.time" -f '%e %U %M' "$cxx" -std=c++20 -O2 -Iinclude -I"$pgi" \
          -c "$src" -o "$out" || die "$cxx failed on $src"
        r=$(tail -1 "$out.time")
        runs+=("$r")
      done
      local med_wall med_user med_kb
      med_wall=$(printf '%s\n' "${runs[@]}" | awk '{print $1}' | sort -n | sed -n 2p)
      med_user=$(printf '%s\n' "${runs[@]}" | awk '{print $2}' | sort -n | sed -n 2p)
      med_kb=$(printf '%s\n' "${runs[@]}" | awk '{print $3}' | sort -n | sed -n 2p)
      users+=("$med_wall")
      printf '%-12s %-44s %8s %8s %10s   (runs: %s)\n' "$cxx" "$src" "$med_wall" "$med_user" "$med_kb" \
        "$(printf '%s; ' "${runs[@]}")"
    done
    printf '%-12s %-44s %8s\n' "$cxx" "quickstart / floor (wall)" \
      "$(awk -v a="${users[0]}" -v b="${users[1]}" 'BEGIN{printf "%.2f", a/b}')"
  done
  rm -f "$out" "$out.time"
  run_compile_scale
}

# Median of 3 compiles of the generated units with 1 and 20 entities; per-entity cost is the
# difference over 19.
run_compile_scale() {
  local pgi dir
  pgi=$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/td-scale.XXXXXX")
  python3 benchmarks/compile/gen_kong_scale.py 1 >"$dir/k1.cpp"
  python3 benchmarks/compile/gen_kong_scale.py 20 >"$dir/k20.cpp"
  say "compile time at Kong scale: 1 and 20 entities, six operations each (3 runs, median)"
  printf '%-12s %8s %10s %8s %10s %14s %14s\n' compiler 1e_wall 1e_peakKB 20e_wall 20e_peakKB per_entity_s per_entity_MB
  for cxx in g++ clang++-16; do
    command -v "$cxx" >/dev/null 2>&1 || continue
    local res=()
    for k in 1 20; do
      local runs=() r
      for _ in 1 2 3; do
        /usr/bin/time -o "$dir/t" -f '%e %M' "$cxx" -std=c++20 -O2 -Iinclude -I"$pgi" -c "$dir/k$k.cpp" \
          -o "$dir/k$k.o" || die "$cxx failed on the $k-entity unit"
        runs+=("$(tail -1 "$dir/t")")
      done
      res+=("$(printf '%s\n' "${runs[@]}" | awk '{print $1}' | sort -n | sed -n 2p)")
      res+=("$(printf '%s\n' "${runs[@]}" | awk '{print $2}' | sort -n | sed -n 2p)")
    done
    printf '%-12s %8s %10s %8s %10s %14s %14s\n' "$cxx" "${res[0]}" "${res[1]}" "${res[2]}" "${res[3]}" \
      "$(awk -v a="${res[0]}" -v b="${res[2]}" 'BEGIN{printf "%.3f", (b-a)/19}')" \
      "$(awk -v a="${res[1]}" -v b="${res[3]}" 'BEGIN{printf "%.1f", (b-a)/19/1024}')"
  done
  rm -rf "$dir"
}

case $cmd in
  all) build; run_dao; run_cpu; run_pool; run_async; run_callgrind; run_compile ;;
  build) build ;;
  dao) run_dao ;;
  cpu) run_cpu ;;
  pool) run_pool ;;
  async) run_async ;;
  callgrind) run_callgrind ;;
  _callgrind_real) callgrind_real "$@" ;;
  compile) run_compile ;;
  compile-scale) run_compile_scale ;;
  -h|--help|help) usage ;;
  *) usage ;;
esac
