#!/usr/bin/env bash
# format.sh: clang-format-16 over every tracked C++ file, with the committed .clang-format
# (tests/compile_fail/.clang-format keeps the `// expect:` first lines whole).
#
#   scripts/format.sh            reformat in place
#   scripts/format.sh --check    report and fail, change nothing (scripts/test.sh runs this)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

fmt=${CLANG_FORMAT:-clang-format-16}
if ! command -v "$fmt" >/dev/null 2>&1; then
  echo "format.sh: $fmt not found (scripts/deps.sh installs clang-format-16)" >&2
  exit 1
fi
mapfile -t files < <(git ls-files '*.hpp' '*.cpp' '*.h')
if [[ ${1:-} == --check ]]; then
  if ! "$fmt" --dry-run -Werror "${files[@]}"; then
    echo "format.sh: files above are not formatted; run scripts/format.sh" >&2
    exit 1
  fi
  echo "format.sh: ${#files[@]} files formatted" >&2
else
  "$fmt" -i "${files[@]}"
fi
