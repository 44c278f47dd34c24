#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test:
#   1. clang-format check of every C++ file;
#   2. unit tests under ASan + UBSan (build/sanitize);
#   3. every test, unit and integration (real S3 server, real binary), on the
#      release build;
#   4. each libFuzzer target briefly, after replaying its regression inputs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

echo "== clang-format"
mapfile -t sources < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc')
if (( ${#sources[@]} )); then
  clang-format --dry-run -Werror "${sources[@]}"
fi

jobs=$(nproc)
echo "== build: sanitize (ASan+UBSan)"
cmake --preset sanitize >/dev/null
cmake --build --preset sanitize -j "$jobs"
echo "== build: release"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
echo "== unit tests under ASan+UBSan"
ctest --preset sanitize -L unit -j "$jobs"
echo "== all tests (release)"
ctest --preset release -j "$jobs"
echo "== fuzzers (a few seconds each; see fuzz/README.md for long runs)"
fuzz/run.sh 5
