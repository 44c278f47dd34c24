#!/usr/bin/env bash
# Builds the fuzz preset and runs every fuzz target for N seconds each
# (default 10): first it replays fuzz/regressions/<target>/ (every crash ever
# found must stay fixed), then fuzzes a temporary copy of
# fuzz/corpus/<target>/, so a run never adds files to the repository.
# Exits non-zero if any target crashes, leaks, times out or runs out of memory.
#
#   fuzz/run.sh [seconds-per-target] [target...]
#
# Environment: FUZZ_JOBS (parallel fuzzing processes per target, default 1),
# FUZZ_KEEP=1 keeps the temporary directory (grown corpus, crash files).
# Crash inputs are copied to build/fuzz/crashes/<target>/ (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=${1:-10}
shift || true
all_targets=(fuzz_csv_reader fuzz_csv_row fuzz_task_body fuzz_s3_uri fuzz_sigv4 fuzz_decompress fuzz_token_request
  fuzz_glob fuzz_run_file)
targets=("$@")
(( ${#targets[@]} )) || targets=("${all_targets[@]}")
jobs=${FUZZ_JOBS:-1}

echo "== build: fuzz preset"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc)"

bin_dir=$root/build/fuzz/fuzz
crash_dir=$root/build/fuzz/crashes
work=$(mktemp -d /tmp/skillsync-fuzz.XXXXXX)
if [[ "${FUZZ_KEEP:-0}" == 1 ]]; then
  echo "(keeping $work)"
else
  trap 'rm -rf "$work"' EXIT
fi

# abort_on_error: ASan reports end the process the way libFuzzer expects;
# UBSan findings are fatal too (the preset builds with -fno-sanitize-recover).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
common_flags=(-rss_limit_mb=2048 -timeout=10 -malloc_limit_mb=2048 -print_final_stats=1)

failed=()
for t in "${targets[@]}"; do
  bin=$bin_dir/$t
  [[ -x $bin ]] || { echo "no fuzz target $bin" >&2; exit 2; }
  dict=()
  [[ -f fuzz/dicts/$t.dict ]] && dict=(-dict="$root/fuzz/dicts/$t.dict")

  regressions=("$root"/fuzz/regressions/"$t"/*)
  if [[ -e ${regressions[0]} ]]; then
    echo "== $t: replaying ${#regressions[@]} regression input(s)"
    if ! "$bin" "${common_flags[@]}" "${regressions[@]}" >"$work/$t.replay.log" 2>&1; then
      echo "FAILED: $t on a regression input" >&2
      tail -n 60 "$work/$t.replay.log" >&2
      failed+=("$t (regression)")
      continue
    fi
  fi

  echo "== $t: fuzzing for ${seconds}s"
  corpus=$work/corpus/$t
  artifacts=$work/artifacts/$t/
  mkdir -p "$corpus" "$artifacts"
  cp fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  log=$work/$t.log
  job_flags=()
  (( jobs > 1 )) && job_flags=(-jobs="$jobs" -workers="$jobs")
  # From the temporary directory: with -jobs, libFuzzer writes fuzz-N.log
  # files into the current directory.
  if (cd "$work" && "$bin" "${common_flags[@]}" "${dict[@]}" "${job_flags[@]}" \
    -max_total_time="$seconds" -artifact_prefix="$artifacts" "$corpus" >"$log" 2>&1); then
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" |
      sed "s/^/   $t /" || true
  else
    echo "FAILED: $t (log below; inputs in $crash_dir/$t/)" >&2
    mkdir -p "$crash_dir/$t"
    cp "$artifacts"* "$crash_dir/$t/" 2>/dev/null || true
    cat "$work"/fuzz-*.log >>"$log" 2>/dev/null || true
    grep -v '^#[0-9]' "$log" | tail -n 80 >&2
    failed+=("$t")
  fi
done

if (( ${#failed[@]} )); then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "== fuzzing: no crash in ${targets[*]}"
