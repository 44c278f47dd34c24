#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test:
#   1. clang-format check of every C++ file;
#   2. unit tests under ASan + UBSan (build/sanitize), then the integration
#      tests against the ASan + UBSan binary (all but the heaviest, see below),
#      the PostgreSQL store, scale-out and S3 client suites;
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

# The integration tests start build/sanitize/skillsync (ASan+UBSan) too: its
# SKILLSYNC_BINARY is the binary of the same build. The test binary runs
# directly, not through ctest (one process per test), so that each suite
# starts its S3 server and skillsync once: about 4 minutes on 2 cores instead
# of about 15. Left out here and kept in the release run below: the heaviest
# big-file, crash and burst tests, which move 40,000-200,000-row files or
# 1,000 tasks: several minutes under ASan. Crash recovery still runs
# under ASan in SecretPathsTest (kill -9 mid-load, restart, completes) and
# LifecycleCrashTest.FailedAndCancelledTasksLeaveNoRowsAfterACrash.
sanitize_skip=(
  CrashTest.KillNineDuringALoadLosesAndDuplicatesNothing
  LargeFileTest.ProgressRisesRowsAppearAtOnceAndAllArriveIntact
  LifecycleCrashTest.KillNineAtThePublishMomentLoadsEveryRowExactlyOnce
  LifecycleCrashTest.SigtermWithTasksPendingThenRestartCompletesThemAll
  LifecycleTest.BurstOfAThousandPostsAllAcceptedAllCompleteEachWithItsRows
  LifecycleTest.CancelDuringPublicationIsAllOrNothing
  LifecycleCrashTest.SigtermDuringAStalledDownloadExitsAtOnceAndTheRestartLoadsItOnce
  CliTmuxTest.ProgressIsOneLineRedrawnInPlaceAndEndsWithASummary  # 1,000,000 rows
)
echo "== integration tests under ASan+UBSan (all but ${#sanitize_skip[@]} heavy ones)"
skip_filter=$(IFS=:; echo "${sanitize_skip[*]}")
timeout 1800 build/sanitize/tests/integration/integration_test \
  --gtest_filter="-${skip_filter}" --gtest_brief=1
# The PostgreSQL store (store_pg_test), the scale-out suite on PostgreSQL
# (pg_integration_test) and the S3 client against the real S3 server
# (source_s3_*_test) are not labelled `unit`: run them under ASan+UBSan too
# (about a minute on 2 cores), the PostgreSQL store above all.
echo "== PostgreSQL store, scale-out and S3 client suites under ASan+UBSan"
ctest --preset sanitize -j "$jobs" \
  -R '^(store_pg_test|pg_integration_test|source_s3_integration_test|source_s3_fault_test|source_s3_listing_presign_test)$'
# integration_test is one ctest test (one process for all its suites), so
# under -j it runs beside the unit, PostgreSQL and S3 client tests.
echo "== all tests (release)"
ctest --preset release -j "$jobs"
tests/browser/run.sh
tests/openapi/run.sh build/release  # OpenAPI: redocly lint, integration suites through prism
tests/webhooks/run.sh  # webhooks: CloudEvents + Ed25519 checked by an independent receiver
echo "== fuzzers (a few seconds each; see fuzz/README.md for long runs)"
fuzz/run.sh 5
