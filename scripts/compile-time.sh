#!/usr/bin/env bash
# compile-time.sh: how long one translation unit takes to compile.
#
#   scripts/compile-time.sh [file.cpp] [extra compiler flags...]
#
# Compiles examples/quickstart.cpp (or the file given) with
# `${CXX:-g++} -std=c++20 -O2 -c` under /usr/bin/time and prints
# "<file>: <seconds> s, <peak memory> KB peak". Exits non-zero if it does not compile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

src=${1:-examples/quickstart.cpp}
[[ $# -gt 0 ]] && shift
cxx=${CXX:-g++}
[[ -f "$src" ]] || { echo "compile-time.sh: no such file: $src" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "compile-time.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

includes=(-Iinclude)
for d in /usr/include /usr/local/include; do
  if [[ -f "$d/boost/version.hpp" ]]; then
    [[ "$d" == /usr/include ]] || includes+=(-isystem "$d")
    break
  fi
done
if command -v pg_config >/dev/null 2>&1; then
  includes+=(-isystem "$(pg_config --includedir)")
else
  includes+=(-isystem /usr/include/postgresql)
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
/usr/bin/time -o "$out/time" -f '%e s, %M KB peak' \
  "$cxx" -std=c++20 -O2 "${includes[@]}" "$@" -c "$src" -o "$out/tu.o" || status=$?
if [[ $status -ne 0 ]]; then
  echo "compile-time.sh: $src does not compile ($cxx, exit $status)" >&2
  exit "$status"
fi
echo "$src ($cxx -std=c++20 -O2): $(tail -n1 "$out/time")"
