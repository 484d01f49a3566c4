#!/usr/bin/env bash
# deps.sh: install what typedao's build, tests and demo need, on Debian 12.
#
# Checks first (dpkg-query, command -v, header versions); if everything is
# there it does nothing at all. Otherwise one `apt-get update` and one
# `apt-get install -y` of the missing packages (through sudo when not root).
#
#   cmake g++ make pkg-config      build tools (ninja-build is used if present)
#   libboost1.81-dev               Boost >= 1.81: Describe, PFR, Mp11 (any installed
#                                  Boost >= 1.81 is accepted)
#   libboost-json1.81-dev          Boost.JSON (compiled) for typedao::json and its tests
#   catch2 (v2)                    unit and integration tests
#   libpq-dev                      the libpq client library
#   postgresql                     server binaries for scripts/pg-tmp
#   libbenchmark-dev               Google Benchmark (benchmarks/)
#   time                           /usr/bin/time for scripts/compile-time.sh
#   clang-16 libclang-rt-16-dev    the second compiler in scripts/test.sh
#   clang-format-16                the formatting check in scripts/test.sh (.clang-format)
#   pgbouncer                      the transaction-pooling tests (started by the tests themselves)
#   postgresql-15-auto-failover    pg_autoctl: the failover test's monitor and nodes (started by it)
#   curl                           the HTTP client of the Admin API example's test
#
# Set TYPEDAO_SKIP_DEPS=1 to skip all of this (e.g. on a non-Debian system
# where you installed the equivalents yourself).
set -euo pipefail

if [[ "${TYPEDAO_SKIP_DEPS:-0}" == 1 ]]; then
  exit 0
fi

missing=()

installed() { # package
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

need_cmd() { # command package
  command -v "$1" >/dev/null 2>&1 || installed "$2" || missing+=("$2")
}

need_pkg() { # package
  installed "$1" || missing+=("$1")
}

boost_ok() {
  local f v
  for f in /usr/include/boost/version.hpp /usr/local/include/boost/version.hpp; do
    [[ -f "$f" ]] || continue
    v=$(sed -n 's/^#define BOOST_VERSION \([0-9]*\).*/\1/p' "$f")
    [[ -n "$v" && "$v" -ge 108100 ]] && [[ -f "$(dirname "$f")/describe.hpp" ]] && return 0
  done
  return 1
}

postgres_ok() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && return 0
  done
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1
}

need_cmd cmake cmake
need_cmd g++ g++
command -v make >/dev/null 2>&1 || command -v ninja >/dev/null 2>&1 || missing+=(make)
need_cmd pkg-config pkg-config
boost_ok || missing+=(libboost1.81-dev)
installed libboost-json1.81-dev || compgen -G '/usr/lib/*/libboost_json.so' >/dev/null \
  || compgen -G '/usr/local/lib/libboost_json.so' >/dev/null || missing+=(libboost-json1.81-dev)
[[ -f /usr/include/catch2/catch.hpp ]] || installed catch2 || missing+=(catch2)
[[ -f /usr/include/postgresql/libpq-fe.h ]] || installed libpq-dev || missing+=(libpq-dev)
postgres_ok || missing+=(postgresql)
[[ -f /usr/include/benchmark/benchmark.h ]] || installed libbenchmark-dev || missing+=(libbenchmark-dev)
[[ -x /usr/bin/time ]] || missing+=(time)
need_cmd clang++-16 clang-16
need_pkg libclang-rt-16-dev
need_cmd clang-format-16 clang-format-16
[[ -x /usr/sbin/pgbouncer ]] || command -v pgbouncer >/dev/null 2>&1 || missing+=(pgbouncer)
need_cmd curl curl
need_cmd pg_autoctl postgresql-15-auto-failover

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

echo "deps.sh: installing: ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "deps.sh: no apt-get here; install the equivalents of: ${missing[*]}" >&2
  echo "deps.sh: (or set TYPEDAO_SKIP_DEPS=1 if they are already there)" >&2
  exit 1
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "deps.sh: not root and no sudo; run as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
