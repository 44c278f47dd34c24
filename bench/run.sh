#!/usr/bin/env bash
# End-to-end benchmark of a File Load Task against the store's own bulk import.
#
#   bench/run.sh                   1,000,000 rows into SQLite, vs `sqlite3 .import`
#   ROWS=100000 bench/run.sh       another row count
#   STORE=postgres bench/run.sh    into a throwaway PostgreSQL 15, vs `psql \copy`
#   BUILD_DIR=build/x bench/run.sh use binaries built there (see e2e_lib.sh)
#
# Run from anywhere on Debian 12 as root (or with sudo): it installs what it
# needs (scripts/install-deps.sh --test), builds the release preset, then:
#   1. generates a learning CSV of $ROWS rows (bench_gen_learning, seeded);
#   2. starts the real S3 server (tests/support/s3rver) with a random key pair;
#   3. uploads the file with skillsync's own S3 client (bench_s3_put);
#   4. starts skillsync serve (build/release) on a free port with a fresh data
#      dir, POSTs a File Load Task and polls it every 50 ms until it ends;
#      the time is from the POST to the first poll that sees a terminal status;
#      skillsync's peak memory is VmHWM from /proc, read just before stopping it;
#   5. times `sqlite3 .import` (or `psql \copy`) of the same file into an
#      equivalent table;
#   6. prints rows/s for both, their ratio and skillsync's peak memory.
# Everything it starts is stopped and its temp dir removed on exit (KEEP_TMP=1
# keeps the temp dir). The helpers and the S3 server start are bench/e2e_lib.sh's,
# shared with crash_run.sh and memory_run.sh.
# docs/benchmarks.md describes the method and records results.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/e2e_lib.sh
source bench/e2e_lib.sh

ROWS=${ROWS:-1000000}
STORE=${STORE:-sqlite}
[[ $STORE == sqlite || $STORE == postgres ]] || { echo "run.sh: STORE is sqlite or postgres" >&2; exit 2; }
SEED=${SEED:-42}
# TRACE=file: append one line per poll, "seconds status rows_read rss_kib".
TRACE=${TRACE:-}
POLL_SECONDS=0.05
[[ $ROWS =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: ROWS must be a positive integer" >&2; exit 2; }

# The curl and sqlite3 command line tools, the release build (or BUILD_DIR).
e2e_build
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
# PostgreSQL refuses to run as root: its programs run as the package's user.
pg_bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}
# Starts a throwaway PostgreSQL on a free port; sets pg_port and pg_url.
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
      pg_url=postgres://skillsync@127.0.0.1:$pg_port/postgres
      return 0
    fi
  done
  die "PostgreSQL did not start: $(tail -n 5 "$pg_dir/server.log")"
}

commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD 2>/dev/null || commit+=" + uncommitted changes"
say "commit $commit; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# 1. The CSV.
csv=$tmp/learning.csv
t0=$(now)
"$bin/bench/tools/bench_gen_learning" "$csv" "$ROWS" "$SEED"
t1=$(now)
bytes=$(stat -c %s "$csv")
say "generated $ROWS rows, $bytes bytes in $(elapsed "$t0" "$t1") s"

# 2. The S3 server, with a key pair of its own.
start_s3

# 3. Upload.
uri=s3://$bucket/learning.csv
t0=$(now)
upload "$csv" learning.csv
t1=$(now)
say "uploaded to $uri in $(elapsed "$t0" "$t1") s"

# 4. skillsync (with the default rate limit: the polls stay below it).
store_args=()
if [[ $STORE == postgres ]]; then
  start_postgres
  store_args=(--store "$pg_url")
  say "PostgreSQL on 127.0.0.1:$pg_port"
fi
SKILLSYNC_BOOTSTRAP_API_KEY=$api_key "$bin/skillsync" serve --listen 127.0.0.1:0 \
  --data-dir "$tmp/data" "${store_args[@]}" --s3-endpoint "$s3_endpoint" \
  2>"$tmp/skillsync.log" &
ss_pid=$!
e2e_pids+=("$ss_pid")
listening='listening on (http://)?[0-9.]+:[0-9]+'
wait_for_line "$tmp/skillsync.log" "$listening" 30 "$ss_pid" ||
  die "skillsync did not start; its log: $(tail -n 20 "$tmp/skillsync.log")"
api=http://$(grep -oE "$listening" "$tmp/skillsync.log" | head -n1 | sed -E 's#.* (http://)?##')
say "skillsync on $api"

# post_task (e2e_lib.sh) reads the API key from this file.
auth=$tmp/auth-header
(umask 077 && printf 'Authorization: Bearer %s\n' "$api_key" >"$auth")
t_start=$(now)
task_id=$(post_task "$uri")

status=pending
while :; do
  task=$(curl -sS -H "@$auth" "$api/integrations/file-load-tasks/$task_id") ||
    die "skillsync stopped answering; its log ends: $(tail -n 5 "$tmp/skillsync.log")"
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
    echo "$(elapsed "$t_start" "$(now)") $status ${read_now:-0} $rss_now" >>"$TRACE"
  fi
  sleep "$POLL_SECONDS"
done
t_end=$(now)
ss_seconds=$(elapsed "$t_start" "$t_end")
ss_cpu=$(cpu_seconds "$ss_pid")
ss_hwm_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$ss_pid/status")
stop_skillsync

rows_loaded=$(json_field "$task" rows_loaded)
rows_rejected=$(json_field "$task" rows_rejected)
server_line=$(grep -E "task $task_id (completed|completed_with_errors|failed)" \
  "$tmp/skillsync.log" | tail -n1 || true)
say "skillsync: $status, rows_loaded=$rows_loaded rows_rejected=$rows_rejected in $ss_seconds s"
[[ -n $server_line ]] && say "server log: $server_line"
# The server's own duration of the task (its log line ends "in <seconds>s"),
# free of the polling interval; "?" if the line is missing.
server_seconds=$(sed -nE 's/.* in ([0-9.]+)s$/\1/p' <<<"$server_line")
server_seconds=${server_seconds:-?}
if [[ $status != completed || $rows_loaded != "$ROWS" ]]; then
  die "expected status completed with rows_loaded=$ROWS; the task: $task"
fi

# 5. The peer: the same file into an equivalent table, by the store's own
# bulk import. Same columns, a primary key on (employee_external_id,
# external_id) as our events table has. Our timestamp is stored as an integer
# after parsing; the peers cannot parse, so there it stays TEXT.
TIMEFORMAT='%R %U %S'
if [[ $STORE == sqlite ]]; then
  peer="sqlite3 .import"
  db=$tmp/sqlite-import.db
  sqlite3 "$db" >/dev/null <<'SQL'
PRAGMA journal_mode = WAL;
CREATE TABLE learning (
  employee_external_id TEXT NOT NULL,
  language TEXT NOT NULL,
  external_id TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  course_id TEXT,
  source TEXT,
  PRIMARY KEY (employee_external_id, external_id)
) WITHOUT ROWID;
SQL
  sq_times=$({ time sqlite3 -cmd 'PRAGMA synchronous = NORMAL' -cmd 'PRAGMA cache_size = -65536' \
    "$db" ".import --csv --skip 1 $csv learning" >"$tmp/sqlite.out" 2>"$tmp/sqlite.err"; } 2>&1) ||
    die "sqlite3 .import failed: $(tail -n 5 "$tmp/sqlite.err")"
  read -r sq_seconds sq_user sq_sys <<<"$(tail -n1 <<<"$sq_times")"
  sq_cpu=$(awk -v u="$sq_user" -v s="$sq_sys" 'BEGIN { printf "%.2f", u + s }')
  sq_rows=$(sqlite3 "$db" 'SELECT count(*) FROM learning')
  [[ $sq_rows == "$ROWS" ]] || die "sqlite3 imported $sq_rows rows, expected $ROWS"
  say "sqlite3 .import: $sq_rows rows in $sq_seconds s"
else
  peer="psql \\copy"
  psql_cmd=("$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 "postgres://skillsync@127.0.0.1:$pg_port/postgres")
  "${psql_cmd[@]}" -c 'CREATE TABLE bench_learning (
    employee_external_id TEXT NOT NULL, language TEXT NOT NULL, external_id TEXT NOT NULL,
    timestamp TEXT NOT NULL, course_id TEXT, source TEXT,
    PRIMARY KEY (employee_external_id, external_id))' || die "cannot create the psql table"
  sq_times=$({ time "${psql_cmd[@]}" \
    -c "\\copy bench_learning FROM '$csv' WITH (FORMAT csv, HEADER true)" \
    >"$tmp/psql.out" 2>"$tmp/psql.err"; } 2>&1) ||
    die "psql \\copy failed: $(tail -n 5 "$tmp/psql.err")"
  read -r sq_seconds sq_user sq_sys <<<"$(tail -n1 <<<"$sq_times")"
  sq_cpu=$(awk -v u="$sq_user" -v s="$sq_sys" 'BEGIN { printf "%.2f", u + s }')
  sq_rows=$("${psql_cmd[@]}" -tA -c 'SELECT count(*) FROM bench_learning')
  [[ $sq_rows == "$ROWS" ]] || die "psql \\copy loaded $sq_rows rows, expected $ROWS"
  say "psql \\copy: $sq_rows rows in $sq_seconds s (CPU of psql only; the server's is not counted)"
fi

# 6. The table.
awk -v rows="$ROWS" -v bytes="$bytes" -v ss="$ss_seconds" -v sq="$sq_seconds" \
  -v server="$server_seconds" -v ss_cpu="$ss_cpu" -v sq_cpu="$sq_cpu" -v hwm="$ss_hwm_kib" \
  -v peer="$peer" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" 'BEGIN {
  printf "\nrows %d (%.1f MiB CSV), load average after the run: %s\n\n", rows, bytes / 1048576, load
  printf "%-18s %10s %10s %12s\n", "", "seconds", "cpu s", "rows/s"
  printf "%-18s %10.3f %10.2f %12.0f\n", "skillsync", ss, ss_cpu, rows / ss
  printf "%-18s %10.3f %10.2f %12.0f\n", peer, sq, sq_cpu, rows / sq
  printf "%-18s %10s   (the task as timed by the server, from its log)\n", "  server-side", server
  printf "\nratio (skillsync rows/s / %s rows/s): %.2f\n", peer, sq / ss
  printf "skillsync peak memory (VmHWM): %.1f MiB\n", hwm / 1024
}'
