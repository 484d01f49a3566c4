#!/usr/bin/env bash
# demo.sh: build examples/ (g++, Release, in build/demo) and run the
# quickstart against a throwaway PostgreSQL cluster (scripts/pg-tmp).
# Installs what is missing first (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/deps.sh

extra=()
if [[ ! -f build/demo/CMakeCache.txt ]] && command -v ninja >/dev/null 2>&1; then
  extra+=(-G Ninja)
fi
cmake -S . -B build/demo "${extra[@]}" -DCMAKE_CXX_COMPILER=g++ -DCMAKE_BUILD_TYPE=Release \
  -DTYPEDAO_BUILD_EXAMPLES=ON -DTYPEDAO_BUILD_TESTS=OFF -DTYPEDAO_BUILD_BENCHMARKS=OFF \
  -DTYPEDAO_VERIFY_HEADERS=OFF -DTYPEDAO_INSTALL=OFF -DTYPEDAO_SANITIZE=OFF
cmake --build build/demo -j"${TYPEDAO_JOBS:-2}"

exec scripts/pg-tmp run -- build/demo/examples/quickstart
