#!/usr/bin/env bash
# The crash test of issue 5 at full size: one load of a 1,000,000-row file
# while skillsync is killed with SIGKILL at random moments (at least 3, the
# last one during the final publication) and restarted on the same data
# directory each time; then the same file is loaded once more by a fresh
# server without crashes, and the two stores are compared.
#
#   bench/crash_run.sh                         1,000,000 rows, 3 kills
#   ROWS=200000 KILLS=4 bench/crash_run.sh     other sizes
#   BUILD_DIR=build/h-x bench/crash_run.sh     use binaries built there (see e2e_lib.sh)
#
# PASS when the crashed load ends `completed` with exact status counts
# (rows_read = rows_loaded = ROWS, rows_rejected = 0, bytes_read = file size),
# no staging table is left, and its events have the same count and the same
# content checksum (SHA-256 over every event's tenant, employee, external id,
# type, timestamp, language, content and source, in key order, read from the
# SQLite file with sqlite3) as the clean load's. Prints FAIL and exits 1
# otherwise. Timings: each kill (and where the load stood), the crashed
# load's total wall time including restarts, the clean load's time.
#
# Kill moments: KILLS-1 during reading and staging, when rows_read passes a
# random fraction (5%..90%) of the file, plus a random 0..200 ms; the last
# one a random 0..PUBLISH_KILL_MS ms after the server logs "task <id>
# publishing" (the start of the one publish transaction). Whether that kill
# really interrupted the publish is printed (the restarted server then
# publishes again). The lease is LEASE seconds (default 3): a killed
# server's task is continued by the restarted one after that long.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/e2e_lib.sh

ROWS=${ROWS:-1000000}
KILLS=${KILLS:-3}
SEED=${SEED:-$RANDOM}
LEASE=${LEASE:-3}
PUBLISH_KILL_MS=${PUBLISH_KILL_MS:-200}
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "ROWS must be a positive integer"
if ! [[ $KILLS =~ ^[0-9]+$ ]] || ! ((KILLS >= 3)); then
  die "KILLS must be at least 3"
fi
command -v sqlite3 >/dev/null 2>&1 || [[ -z ${BUILD_DIR:-} ]] || die "sqlite3 is needed"

e2e_setup
start_s3

csv=$tmp/learning.csv
"$bin/bench/tools/bench_gen_learning" "$csv" "$ROWS" 42
bytes=$(stat -c %s "$csv")
upload "$csv" learning.csv
uri=s3://$bucket/learning.csv
say "generated and uploaded $ROWS rows ($bytes bytes); random seed $SEED"
RANDOM=$SEED

# Polls task $1 until it is terminal; prints its last JSON. Dies if the
# server exits or $2 seconds pass.
wait_terminal() {
  local deadline=$((SECONDS + $2)) task status
  while :; do
    task=$(get_task "$1")
    status=$(task_status "$task" || true)
    if is_terminal "$status"; then
      echo "$task"
      return
    fi
    kill -0 "$ss_pid" 2>/dev/null || die "skillsync exited; its log: $(tail -n 5 "$log")"
    ((SECONDS < deadline)) || die "task $1 did not end in $2 s: $task"
    sleep 0.05
  done
}

# The store's content, from its SQLite file: "<count> <sha256>".
store_digest() {
  local db=$1/skillsync.db count sum
  count=$(sqlite3 "$db" 'SELECT count(*) FROM events')
  sum=$(sqlite3 -batch -noheader "$db" "SELECT tenant, employee_external_id, external_id,
      event_type, timestamp_us, language, content, quote(source) FROM events
      ORDER BY tenant, employee_external_id, external_id" | sha256sum | cut -d' ' -f1)
  echo "$count $sum"
}
stage_tables() {
  sqlite3 "$1/skillsync.db" \
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'stage\_%' ESCAPE '\'"
}

# --- 1. The load with crashes. ---
data=$tmp/crash-data
n=0
log=$tmp/skillsync-$n.log
start_skillsync "$data" "$log" --rate-limit 0 --task-lease "$LEASE"
t_start=$(now)
task_id=$(post_task "$uri")
say "task $task_id; killing skillsync $KILLS times"

# Fractions of the file at which to kill during reading, ascending.
mapfile -t fractions < <(for ((i = 1; i < KILLS; i++)); do echo $((5 + RANDOM % 86)); done |
  sort -n)
publish_interrupted=no
for ((k = 1; k <= KILLS; k++)); do
  if ((k < KILLS)); then
    target=$((ROWS * fractions[k - 1] / 100))
    while :; do
      task=$(get_task "$task_id")
      status=$(task_status "$task" || true)
      read_now=$(json_field "$task" rows_read)
      is_terminal "$status" && die "the task ended ($status) before kill $k: $task"
      # The checkpoint keeps rows_read across a restart: wait until this
      # server has claimed the task too, so that every kill hits an attempt.
      [[ $status == running && ${read_now:-0} -ge $target ]] &&
        grep -q "task $task_id running on" "$log" && break
      kill -0 "$ss_pid" 2>/dev/null || die "skillsync exited; its log: $(tail -n 5 "$log")"
      sleep 0.02
    done
    sleep "0.$(printf '%03d' $((RANDOM % 200)))"
    kill -9 "$ss_pid"
    wait "$ss_pid" 2>/dev/null || true
    say "kill $k: during reading, rows_read=$read_now (target ${fractions[k - 1]}%), at $(elapsed "$t_start" "$(now)") s"
  else
    # Wait for the publish of the restarted server (the load may have to
    # catch up first), then kill it soon after the line.
    wait_for_line "$log" "task $task_id publishing" 3600 "$ss_pid" ||
      die "no publish began; the log: $(tail -n 5 "$log")"
    delay=$((RANDOM % (PUBLISH_KILL_MS + 1)))
    sleep "$(awk -v ms="$delay" 'BEGIN { printf "%.3f", ms / 1000 }')"
    kill -9 "$ss_pid"
    wait "$ss_pid" 2>/dev/null || true
    say "kill $k: $delay ms after 'publishing', at $(elapsed "$t_start" "$(now)") s"
  fi
  n=$((n + 1))
  log=$tmp/skillsync-$n.log
  start_skillsync "$data" "$log" --rate-limit 0 --task-lease "$LEASE"
done
task=$(wait_terminal "$task_id" 7200)
t_end=$(now)
crash_seconds=$(elapsed "$t_start" "$t_end")
grep -q "task $task_id publishing" "$log" && publish_interrupted=yes
stop_skillsync
attempts=$(json_field "$task" attempts)
say "crashed load: $(task_status "$task"), attempts=$attempts, in $crash_seconds s (restarts included)"

# --- 2. The clean load of the same file. ---
clean=$tmp/clean-data
log=$tmp/skillsync-clean.log
start_skillsync "$clean" "$log" --rate-limit 0
t0=$(now)
clean_id=$(post_task "$uri")
clean_task=$(wait_terminal "$clean_id" 7200)
clean_seconds=$(elapsed "$t0" "$(now)")
stop_skillsync
say "clean load: $(task_status "$clean_task") in $clean_seconds s"

# --- 3. Compare. ---
read -r crash_count crash_sum <<<"$(store_digest "$data")"
read -r clean_count clean_sum <<<"$(store_digest "$clean")"
failures=()
check() { [[ $2 == "$3" ]] || failures+=("$1: $2, expected $3"); }
check "crashed task status" "$(task_status "$task")" completed
check "clean task status" "$(task_status "$clean_task")" completed
check "rows_read" "$(json_field "$task" rows_read)" "$ROWS"
check "rows_loaded" "$(json_field "$task" rows_loaded)" "$ROWS"
check "rows_rejected" "$(json_field "$task" rows_rejected)" 0
check "bytes_read" "$(json_field "$task" bytes_read)" "$bytes"
check "events after the crashes" "$crash_count" "$ROWS"
check "events of the clean load" "$clean_count" "$ROWS"
check "content checksum" "$crash_sum" "$clean_sum"
check "staging tables left" "$(stage_tables "$data")" 0
((attempts > KILLS)) || failures+=("attempts: $attempts, expected more than $KILLS")

printf '\nrows %d (%.1f MiB), %d kills (last one during publish: %s; publish interrupted: %s)\n' \
  "$ROWS" "$(awk -v b="$bytes" 'BEGIN { print b / 1048576 }')" "$KILLS" yes "$publish_interrupted"
printf '%-28s %12s %12s\n' "" "seconds" "events"
printf '%-28s %12s %12s\n' "load with kills + restarts" "$crash_seconds" "$crash_count"
printf '%-28s %12s %12s\n' "clean load" "$clean_seconds" "$clean_count"
printf 'checksum with kills: %s\nchecksum clean:      %s\n' "$crash_sum" "$clean_sum"
if ((${#failures[@]} == 0)); then
  echo "PASS"
else
  printf 'FAIL: %s\n' "${failures[@]}"
  exit 1
fi
