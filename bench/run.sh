#!/usr/bin/env bash
# End-to-end benchmark of a File Load Task against the stores' own bulk loads.
#
#   bench/run.sh                   1,000,000 rows into SQLite, against `sqlite3 .import`
#                                  (keyed and plain) and DuckDB (keyed and plain)
#   ROWS=100000 bench/run.sh       another row count (ROWS=10000000 works too)
#   STORE=postgres bench/run.sh    into a throwaway PostgreSQL 15, against `psql \copy`
#   RELOAD=1 bench/run.sh          also load the same file a second time into the
#                                  same skillsync (all updates), vs the first load
#   SCALE=1 bench/run.sh           skillsync alone at ROWS and at 10 x ROWS (fresh
#                                  servers), their time ratio and both peak memories
#   BUILD_DIR=build/x bench/run.sh use binaries built there (see e2e_lib.sh)
#
# Run from anywhere on Debian 12 as root (or with sudo): it installs what it
# needs (scripts/install-deps.sh --test, and `npm ci` in bench/duckdb for the
# DuckDB peers), builds the release preset, then:
#   1. generates a learning CSV of $ROWS rows (bench_gen_learning, seeded);
#   2. starts the real S3 server (tests/support/s3rver) with a random key pair;
#   3. uploads the file with skillsync's own S3 client (bench_s3_put);
#   4. starts skillsync serve on a free port with a fresh data dir (on
#      PostgreSQL: a fresh database), POSTs a File Load Task and polls it every
#      50 ms until it ends; the time is from the POST to the first poll that
#      sees a terminal status; with RELOAD=1 the same server then loads the
#      same file again; skillsync's peak memory is VmHWM from /proc, read just
#      before stopping it;
#   5. loads the same file with each peer (bench/peers.sh), timed and
#      count-checked: sqlite3 .import keyed and plain, DuckDB keyed and plain
#      (SQLite store), or psql \copy keyed (PostgreSQL store);
#      On PostgreSQL it also times the floor (bench/peers.sh pg_floor): the
#      rows skillsync published, copied in key order into a fresh table
#      shaped like events, by PostgreSQL alone;
#   6. prints seconds, CPU seconds and rows/s of each, skillsync's ratio to
#      each peer (peer seconds / skillsync seconds: above 1, skillsync is
#      faster) against issue #14's targets, and skillsync's peak memory.
# SCALE=1 does 1-4 twice, at ROWS and at 10 x ROWS, without peers or reload
# (on PostgreSQL with the floor at both sizes).
# It exits 0 whether or not a target is met (each is printed "met" or
# "MISSED"), and 1 if a load fails or a count is wrong.
# Everything it starts is stopped and its temp dir removed on exit (KEEP_TMP=1
# keeps the temp dir). The helpers and the S3 server start are bench/e2e_lib.sh's,
# shared with crash_run.sh and memory_run.sh.
# docs/benchmarks.md describes the method and records results.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/e2e_lib.sh
source bench/e2e_lib.sh
# shellcheck source=bench/peers.sh
source bench/peers.sh

ROWS=${ROWS:-1000000}
STORE=${STORE:-sqlite}
SEED=${SEED:-42}
RELOAD=${RELOAD:-0}
SCALE=${SCALE:-0}
# TRACE=file: append one line per poll, "seconds status rows_read rss_kib load".
TRACE=${TRACE:-}
POLL_SECONDS=0.05
[[ $STORE == sqlite || $STORE == postgres ]] || die "STORE is sqlite or postgres"
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || die "ROWS must be a positive integer"
[[ $RELOAD == [01] && $SCALE == [01] ]] || die "RELOAD and SCALE are 0 or 1"
((SCALE == 0 || RELOAD == 0)) || die "SCALE=1 runs no reload: use one or the other"

# The curl and sqlite3 command line tools, the release build (or BUILD_DIR).
e2e_build
((SCALE == 0)) && [[ $STORE == sqlite ]] && duckdb_install
tmp=$(mktemp -d "${TMPDIR:-/tmp}/skillsync-bench.XXXXXX")
pg_dir=""
# The PostgreSQL cluster first, then every process e2e_lib.sh recorded (the
# S3 server, skillsync) and the temp dir.
cleanup() {
  if [[ -n $pg_dir ]]; then
    as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
  e2e_cleanup
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE

# Sum of user and system CPU seconds of a live process (fields 14 and 15 of
# /proc/<pid>/stat; the command name in field 2 has no spaces here).
cpu_seconds() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"
}
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
# PostgreSQL refuses to run as root: its programs run as the package's user.
pg_bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
# Starts a throwaway PostgreSQL on a free port; sets pg_port and psql_cmd.
start_postgres() {
  [[ -x $pg_bin/initdb ]] || die "PostgreSQL is not installed (scripts/install-deps.sh --test)"
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/skillsync-bench-pg.XXXXXX")
  [[ $(id -u) -eq 0 ]] && chown postgres "$pg_dir"
  as_postgres "$pg_bin/initdb" -D "$pg_dir/data" -U skillsync --auth=trust -E UTF8 \
    >"$pg_dir/initdb.log" 2>&1 || die "initdb failed: $(tail -n 5 "$pg_dir/initdb.log")"
  local _
  for _ in 1 2 3 4 5; do
    pg_port=$((20000 + RANDOM % 20000))
    if as_postgres "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories=$pg_dir \
          -c shared_buffers=256MB -c max_wal_size=4GB" start >/dev/null 2>&1; then
      psql_cmd=("$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 "postgres://skillsync@127.0.0.1:$pg_port/postgres")
      say "PostgreSQL on 127.0.0.1:$pg_port"
      return 0
    fi
  done
  die "PostgreSQL did not start: $(tail -n 5 "$pg_dir/server.log")"
}

# make_csv ROWS NAME: generates $tmp/NAME (seeded) and uploads it as
# s3://$bucket/NAME; sets csv, bytes and uri.
make_csv() {
  local t0 t1
  csv=$tmp/$2
  t0=$(now)
  "$bin/bench/tools/bench_gen_learning" "$csv" "$1" "$SEED"
  t1=$(now)
  bytes=$(stat -c %s "$csv")
  say "generated $1 rows, $bytes bytes in $(elapsed "$t0" "$t1") s"
  uri=s3://$bucket/$2
  t0=$(now)
  upload "$csv" "$2"
  t1=$(now)
  say "uploaded to $uri in $(elapsed "$t0" "$t1") s"
}

# ss_start NAME: a fresh skillsync serve (data dir $tmp/data-NAME; on
# PostgreSQL the fresh database bench_NAME) with the server's defaults (the
# default rate limit too: the polls stay below it); sets ss_pid, ss_log, api.
ss_start() {
  local store_args=()
  if [[ $STORE == postgres ]]; then
    "${psql_cmd[@]}" -c "CREATE DATABASE bench_$1" || die "cannot create database bench_$1"
    store_args=(--store "postgres://skillsync@127.0.0.1:$pg_port/bench_$1")
  fi
  ss_log=$tmp/skillsync-$1.log
  start_skillsync "$tmp/data-$1" "$ss_log" "${store_args[@]}"
  say "skillsync on $api"
}

# ss_stop NAME: stops the server and frees its data (dir or database).
ss_stop() {
  stop_skillsync
  rm -rf "$tmp/data-$1"
  if [[ $STORE == postgres ]]; then "${psql_cmd[@]}" -c "DROP DATABASE bench_$1" || true; fi
}

# ss_load NAME ROWS: POSTs a task for $uri to the running server and polls it
# until it ends; dies unless it completed with rows_loaded == ROWS. Records
# seconds[NAME] (POST to the first poll that sees the end), server[NAME] (the
# task's duration in the server's log line, "?" without one), cpu[NAME] (the
# server's CPU seconds from the POST to that log line) and hwm[NAME] (its VmHWM after it, KiB).
declare -A seconds=() server=() cpu=() hwm=()
ss_load() {
  local name=$1 rows=$2 cpu0 t_start task_id task status read_now rss_now
  cpu0=$(cpu_seconds "$ss_pid")
  t_start=$(now)
  task_id=$(post_task "$uri")
  while :; do
    task=$(curl -sS -H "@$auth" "$api/integrations/file-load-tasks/$task_id") ||
      die "skillsync stopped answering; its log ends: $(tail -n 5 "$ss_log")"
    # Bash's own regex, not sed: each poll should cost as little as possible.
    [[ $task =~ \"status\"[[:space:]]*:[[:space:]]*\"([a-z_]+)\" ]] && status=${BASH_REMATCH[1]} ||
      status=""
    case $status in
      completed | completed_with_errors | failed | cancelled) break ;;
      pending | running) ;;
      *) die "unexpected answer while polling: $task" ;;
    esac
    kill -0 "$ss_pid" 2>/dev/null || die "skillsync exited while loading"
    if [[ -n $TRACE ]]; then
      [[ $task =~ \"rows_read\"[[:space:]]*:[[:space:]]*([0-9]+) ]] && read_now=${BASH_REMATCH[1]}
      rss_now=$(awk '/^VmRSS:/ { print $2 }' "/proc/$ss_pid/status")
      echo "$(elapsed "$t_start" "$(now)") $status ${read_now:-0} $rss_now $name" >>"$TRACE"
    fi
    sleep "$POLL_SECONDS"
  done
  seconds[$name]=$(elapsed "$t_start" "$(now)")
  # The server logs the task's end after its status is visible (it drops the
  # stage first): wait for that line, so that the CPU count, the peak and a
  # reload all come after the whole load.
  local done_line="task $task_id (completed|completed_with_errors|failed|cancelled)"
  wait_for_line "$ss_log" "$done_line" 120 "$ss_pid" || say "no end line for $task_id in the server's log"
  cpu[$name]=$(awk -v a="$cpu0" -v b="$(cpu_seconds "$ss_pid")" 'BEGIN { printf "%.2f", b - a }')
  hwm[$name]=$(hwm_kib "$ss_pid")
  local loaded rejected line
  loaded=$(json_field "$task" rows_loaded)
  rejected=$(json_field "$task" rows_rejected)
  say "skillsync ($name): $status, rows_loaded=$loaded rows_rejected=$rejected in ${seconds[$name]} s"
  line=$(grep -E "$done_line" "$ss_log" | tail -n1 || true)
  [[ -n $line ]] && say "server log: $line"
  # The log line ends "in <seconds>s": free of the polling interval.
  server[$name]=$(sed -nE 's/.* in ([0-9.]+)s$/\1/p' <<<"$line")
  server[$name]=${server[$name]:-?}
  [[ $status == completed && $loaded == "$rows" ]] ||
    die "expected status completed with rows_loaded=$rows; the task: $task"
}

# Disk: the CSV, S3's copy of it, skillsync's database (events, stage, WAL)
# and one peer database at a time: at most about 9 times the CSV's size under
# $TMPDIR (measured at 300,000 rows with RELOAD=1); the run refuses to start
# with less than 12 times free (the CSV is about 76 bytes a row). SCALE=1
# deletes each CSV once uploaded and each server's data once it stopped: 12
# times the larger CSV is needed.
need_free_kib=$((ROWS * 76 * 12 / 1024))
# On PostgreSQL the floor (pg_floor) writes the published rows out and loads
# them into a second events-shaped table while skillsync's is still there:
# 20 times the CSV is an allowance for that (the 10M-row SCALE=1 run of
# record, with the floor, ran with 46 GB free), not a measured peak.
[[ $STORE == postgres ]] && need_free_kib=$((ROWS * 76 * 20 / 1024))
((SCALE == 1)) && need_free_kib=$((need_free_kib * 10))
free_kib=$(df -Pk "$tmp" | awk 'NR == 2 { print $4 }')
((free_kib >= need_free_kib)) ||
  die "$((need_free_kib / 1024)) MiB free needed under $tmp, $((free_kib / 1024)) MiB there"

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit+=" + uncommitted changes"
say "commit $commit; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
start_s3
[[ $STORE == postgres ]] && start_postgres
# post_task (e2e_lib.sh) reads the API key from this file.
auth=$tmp/auth-header
(umask 077 && printf 'Authorization: Bearer %s\n' "$api_key" >"$auth")

if ((SCALE == 1)); then
  declare -A csv_mib=() floor_seconds=()
  for n in "$ROWS" $((ROWS * 10)); do
    make_csv "$n" "learning-$n.csv"
    rm -f "$csv" # S3 has its copy; no peer reads it
    csv_mib[$n]=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
    ss_start "rows$n"
    ss_load "$n" "$n"
    if [[ $STORE == postgres ]]; then
      pg_floor "bench_rows$n" "$n"
      floor_seconds[$n]=$peer_seconds
      say "PostgreSQL floor at $n rows: $peer_seconds s"
    fi
    ss_stop "rows$n"
  done
  if [[ $STORE == postgres ]]; then
    say "PostgreSQL floor, 10x the rows in $(awk -v a="${floor_seconds[$ROWS]}" \
      -v b="${floor_seconds[$((ROWS * 10))]}" 'BEGIN { printf "%.2f", b / a }')x the time"
  fi
  bench/report.sh scale "$STORE" "$ROWS" "${csv_mib[$ROWS]}" "${csv_mib[$((ROWS * 10))]}" \
    "${seconds[$ROWS]}" "${hwm[$ROWS]}" "${seconds[$((ROWS * 10))]}" "${hwm[$((ROWS * 10))]}"
  exit 0
fi

make_csv "$ROWS" learning.csv
ss_start main
ss_load first "$ROWS"
((RELOAD == 1)) && ss_load reload "$ROWS"
# PostgreSQL's own floor for the publish, on the rows skillsync published.
if [[ $STORE == postgres ]]; then
  pg_floor bench_main "$ROWS"
  floor_row="PostgreSQL floor|$peer_seconds|$peer_cpu"
  say "PostgreSQL floor (sorted \\copy into a table shaped like events): $peer_seconds s"
fi
ss_stop main

# The peers, in the same run, on the same file (in the page cache by now, as
# S3's copy was for skillsync).
peer_rows=()
if [[ $STORE == sqlite ]]; then
  for kind in keyed plain; do
    peer_sqlite "$kind" "$csv" "$ROWS"
    say "sqlite3 .import $kind: $ROWS rows in $peer_seconds s"
    peer_rows+=("sqlite3 .import $kind|$peer_seconds|$peer_cpu")
  done
  say "DuckDB $(duckdb_version) (@duckdb/node-api)"
  for kind in keyed plain; do
    peer_duckdb "$kind" "$csv" "$ROWS"
    say "DuckDB $kind: $ROWS rows in $peer_seconds s"
    peer_rows+=("DuckDB $kind|$peer_seconds|$peer_cpu")
  done
else
  peer_psql "$csv" "$ROWS"
  say "psql \\copy keyed: $ROWS rows in $peer_seconds s (CPU of psql only; the server's is not counted)"
  peer_rows+=("psql \\copy keyed|$peer_seconds|$peer_cpu" "$floor_row")
fi

bench/report.sh table "$STORE" "$ROWS" "$bytes" "first|${seconds[first]}|${cpu[first]}|${server[first]}|${hwm[first]}" \
  "reload|${seconds[reload]:-}|${cpu[reload]:-}|${server[reload]:-}|${hwm[reload]:-}" "${peer_rows[@]}"
