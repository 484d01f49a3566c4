#!/usr/bin/env bash
# test.sh: the whole test suite, as CI runs it (.ci/run).
#
#   scripts/test.sh [ctest args...]      e.g. scripts/test.sh -L unit
#
# 1. scripts/deps.sh installs whatever is missing (Debian 12, apt).
# 2. Formatting: clang-format-16 --dry-run -Werror over every tracked C++ file
#    (scripts/format.sh fixes what it reports).
# 3. build/gcc:   g++, Debug, ASan+UBSan (TYPEDAO_SANITIZE=ON).
# 4. build/clang: clang++-16, Release (NDEBUG; -O1, a third less compile time than -O3:
#                 the benchmarks' own build, scripts/bench.sh, uses -O3), no sanitizers;
#                 benchmarks built too (run once each as smoke tests), every public header
#                 compiled on its own.
# 5. One throwaway PostgreSQL (scripts/pg-tmp) serves both test runs:
#    ctest for build/clang, then for build/gcc (`ctest --output-on-failure -j2`).
#    Tests that start servers of their own (label own_server: a streaming replica, a
#    pg_auto_failover formation, a server restarted under load) run in build/gcc only.
# Exits non-zero if any step fails. Build folders are reused between runs.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=${TYPEDAO_JOBS:-2}
t0=$(date +%s)

scripts/deps.sh

echo "== format: clang-format-16 --dry-run -Werror" >&2
scripts/format.sh --check

configure() { # build-dir cmake-args...
  local dir=$1
  shift
  local extra=()
  if [[ ! -f "$dir/CMakeCache.txt" ]] && command -v ninja >/dev/null 2>&1; then
    extra+=(-G Ninja)
  fi
  if command -v ccache >/dev/null 2>&1; then
    extra+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  fi
  cmake -S . -B "$dir" "${extra[@]}" "$@"
}

echo "== build/gcc: g++, Debug, ASan+UBSan" >&2
configure build/gcc -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Debug \
  -DTYPEDAO_SANITIZE=ON -DTYPEDAO_BUILD_BENCHMARKS=OFF -DTYPEDAO_VERIFY_HEADERS=OFF
cmake --build build/gcc -j"$jobs"
t1=$(date +%s)

echo "== build/clang: clang++-16, Release" >&2
configure build/clang -DCMAKE_CXX_COMPILER=clang++-16 -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -DNDEBUG" \
  -DTYPEDAO_SANITIZE=OFF -DTYPEDAO_BUILD_BENCHMARKS=ON -DTYPEDAO_VERIFY_HEADERS=ON
cmake --build build/clang -j"$jobs"
t2=$(date +%s)

echo "== built in $((t2 - t0)) s (gcc $((t1 - t0)) s, clang $((t2 - t1)) s); running tests" >&2

# Sanitizer reports should say where, and any UB should fail the test.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# Each build's tests get a database of their own on the one server, so the
# clang run leaves nothing behind that the gcc run would trip over.
scripts/pg-tmp run -- bash -c '
  jobs=$1
  shift
  psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -n1)
  status=0
  for build in clang gcc; do
    (
      if [[ -z "${TYPEDAO_TEST_DSN:-}" ]]; then
        db=typedao_$build
        "$psql" -X -q -v ON_ERROR_STOP=1 -d postgres \
          -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >&2
        export PGDATABASE=$db TYPEDAO_PG_TCP="host=127.0.0.1 port=$PGPORT user=postgres dbname=$db"
      fi
      # Tests that start servers of their own (a replica, a failover formation, a server
      # restarted under load) run once, in the sanitizer build.
      skip=()
      [[ $build == clang ]] && skip=(-LE own_server)
      echo "== ctest build/$build (database ${PGDATABASE:-from TYPEDAO_TEST_DSN})" >&2
      ctest --test-dir "build/$build" --output-on-failure -j"$jobs" "${skip[@]}" "$@"
    ) || if [[ $build == clang ]]; then status=$((status | 1)); else status=$((status | 2)); fi
  done
  case $status in
    1) echo "test.sh: the clang tests failed (see above)" >&2 ;;
    2) echo "test.sh: the gcc tests failed (see above)" >&2 ;;
    3) echo "test.sh: the clang and gcc tests failed (see above)" >&2 ;;
  esac
  exit $status
' test.sh "$jobs" "$@"
