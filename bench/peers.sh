# shellcheck shell=bash
# tmp and psql_cmd are run.sh's; peer_seconds and peer_cpu are read there.
# shellcheck disable=SC2154,SC2034
# The peers of bench/run.sh (sourced after bench/e2e_lib.sh, not run): the same
# CSV loaded into an equivalent table by another tool, each timed and
# count-checked. Contracts:
#   - every peer_* function takes the CSV path and the expected row count,
#     dies (e2e_lib.sh's die) unless the table holds exactly that many rows,
#     and sets peer_seconds (wall) and peer_cpu (user + system CPU of the
#     client process, as bash's `time` counts it);
#   - the databases live under $tmp and are deleted once counted (a 10M-row
#     run would otherwise keep gigabytes of them);
#   - no peer sees another's table: each gets a fresh database file (or, on
#     PostgreSQL, a fresh table).
# The keyed tables have the primary key (employee_external_id, external_id),
# as skillsync's events table does; the plain ones have no key at all.

# timed OUT ERR CMD...: runs CMD with stdout to OUT and stderr to ERR under
# bash's `time`; sets t_wall and t_cpu. Returns CMD's failure.
timed() {
  local out=$1 err=$2 times user sys TIMEFORMAT='%R %U %S'
  shift 2
  times=$({ time "$@" >"$out" 2>"$err"; } 2>&1) || return 1
  read -r t_wall user sys <<<"$(tail -n1 <<<"$times")"
  t_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
}

# The learning columns as sqlite3 and psql get them: all text (the peers do not
# parse the timestamp; skillsync does).
learning_text_columns='employee_external_id TEXT NOT NULL, language TEXT NOT NULL,
  external_id TEXT NOT NULL, timestamp TEXT NOT NULL, course_id TEXT, source TEXT'

# peer_sqlite keyed|plain CSV ROWS: `sqlite3 .import` into a fresh WAL database
# (as skillsync's store), the keyed table WITHOUT ROWID (as skillsync's events
# table), the plain one an ordinary rowid table. The shell wraps the import in
# one transaction.
peer_sqlite() {
  local kind=$1 csv=$2 rows=$3 db=$tmp/sqlite-$1.db table_sql count
  table_sql="CREATE TABLE learning ($learning_text_columns)"
  [[ $kind == keyed ]] &&
    table_sql="CREATE TABLE learning ($learning_text_columns,
      PRIMARY KEY (employee_external_id, external_id)) WITHOUT ROWID"
  sqlite3 "$db" >/dev/null <<<"PRAGMA journal_mode = WAL; $table_sql;" ||
    die "cannot create the sqlite3 $kind table"
  timed "$tmp/sqlite-$kind.out" "$tmp/sqlite-$kind.err" \
    sqlite3 -cmd 'PRAGMA synchronous = NORMAL' -cmd 'PRAGMA cache_size = -65536' \
    "$db" ".import --csv --skip 1 $csv learning" ||
    die "sqlite3 .import ($kind) failed: $(tail -n 5 "$tmp/sqlite-$kind.err")"
  count=$(sqlite3 "$db" 'SELECT count(*) FROM learning')
  [[ $count == "$rows" ]] || die "sqlite3 .import ($kind) loaded $count rows, expected $rows"
  peer_seconds=$t_wall peer_cpu=$t_cpu
  rm -f "$db" "$db-wal" "$db-shm"
}

duckdb_dir=bench/duckdb
# duckdb_install: `npm ci` in bench/duckdb unless the pinned @duckdb/node-api
# (package.json, locked in package-lock.json) is already installed there.
duckdb_install() {
  command -v npm >/dev/null 2>&1 || die "npm is needed for the DuckDB peers (scripts/install-deps.sh --test)"
  local want have
  want=$(node -p "require('./$duckdb_dir/package.json').dependencies['@duckdb/node-api']")
  have=$(node -p "require('./$duckdb_dir/node_modules/@duckdb/node-api/package.json').version" \
    2>/dev/null || true)
  [[ $want == "$have" ]] && return 0
  say "npm ci in $duckdb_dir (@duckdb/node-api $want)"
  (cd "$duckdb_dir" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
    die "npm ci in $duckdb_dir failed"
}
duckdb_version() {
  node -p "require('./$duckdb_dir/node_modules/@duckdb/node-api/package.json').version"
}

# peer_duckdb keyed|plain CSV ROWS: DuckDB (bench/duckdb/load.js) into a fresh
# database file. Both read the file with read_csv's own type detection (it
# finds five VARCHAR columns and a TIMESTAMPTZ: DuckDB parses the timestamp,
# as skillsync does). keyed: CREATE TABLE with the primary key (not timed),
# then INSERT INTO ... SELECT * FROM read_csv(...); plain: CREATE TABLE ... AS
# SELECT * FROM read_csv(...). The time is load.js's own: open, the statement
# and a CHECKPOINT (node's start-up is not in it; its CPU is in peer_cpu).
peer_duckdb() {
  local kind=$1 csv=$2 rows=$3 db=$tmp/duckdb-$1.db read sql seconds count
  read="read_csv('${csv//\'/\'\'}', header = true)"
  if [[ $kind == keyed ]]; then
    node "$duckdb_dir/load.js" "$db" learning "CREATE TABLE learning (
      employee_external_id VARCHAR NOT NULL, language VARCHAR NOT NULL,
      external_id VARCHAR NOT NULL, timestamp TIMESTAMPTZ NOT NULL,
      course_id VARCHAR, source VARCHAR,
      PRIMARY KEY (employee_external_id, external_id))" >/dev/null ||
      die "cannot create the DuckDB keyed table"
    sql="INSERT INTO learning SELECT * FROM $read"
  else
    sql="CREATE TABLE learning AS SELECT * FROM $read"
  fi
  timed "$tmp/duckdb-$kind.out" "$tmp/duckdb-$kind.err" node "$duckdb_dir/load.js" "$db" learning "$sql" ||
    die "DuckDB ($kind) failed: $(tail -n 5 "$tmp/duckdb-$kind.err")"
  read -r seconds count <"$tmp/duckdb-$kind.out"
  [[ $count == "$rows" ]] || die "DuckDB ($kind) loaded $count rows, expected $rows"
  peer_seconds=$seconds peer_cpu=$t_cpu
  rm -f "$db" "$db.wal"
}

# peer_psql CSV ROWS: `psql \copy` into a fresh keyed table of the PostgreSQL
# that psql_cmd (run.sh) reaches. peer_cpu is psql's only: the server's work
# is in the wall time.
peer_psql() {
  local csv=$1 rows=$2 count
  "${psql_cmd[@]}" -c "CREATE TABLE bench_learning ($learning_text_columns,
      PRIMARY KEY (employee_external_id, external_id))" || die "cannot create the psql table"
  timed "$tmp/psql.out" "$tmp/psql.err" "${psql_cmd[@]}" \
    -c "\\copy bench_learning FROM '$csv' WITH (FORMAT csv, HEADER true)" ||
    die "psql \\copy failed: $(tail -n 5 "$tmp/psql.err")"
  count=$("${psql_cmd[@]}" -tA -c 'SELECT count(*) FROM bench_learning')
  [[ $count == "$rows" ]] || die "psql \\copy loaded $count rows, expected $rows"
  peer_seconds=$t_wall peer_cpu=$t_cpu
  "${psql_cmd[@]}" -c "DROP TABLE bench_learning" || true
}

# pg_floor DATABASE ROWS: not a peer but PostgreSQL's own floor for what
# skillsync's publish must do. The rows skillsync published into DATABASE's
# `events` are written out in key order, then timed: `\copy` of them into a
# fresh table shaped like `events` (its columns, both indexes and its
# fillfactor), after a CHECKPOINT, in the same server. No parsing, no
# validation, no key lookups, no sort: just the heap, the two b-trees and
# the WAL. A publish that follows the reading of the file cannot take less.
pg_floor() {
  local db=$1 rows=$2 count opts file=$tmp/floor.tsv
  local psql_db=("${psql_cmd[@]:0:${#psql_cmd[@]}-1}" "${psql_cmd[-1]%/*}/$db")
  "${psql_db[@]}" -c "\\copy (SELECT * FROM events ORDER BY tenant, employee_external_id,
      external_id) TO '$file'" || die "cannot write out the events of $db"
  opts=$("${psql_db[@]}" -tA -c "SELECT coalesce(array_to_string(reloptions, ', '), '')
      FROM pg_class WHERE relname = 'events'")
  "${psql_db[@]}" -c "CREATE TABLE floor_events (LIKE events INCLUDING DEFAULTS
      INCLUDING INDEXES)${opts:+ WITH ($opts)}; CHECKPOINT" || die "cannot create floor_events"
  timed "$tmp/floor.out" "$tmp/floor.err" "${psql_db[@]}" -c "\\copy floor_events FROM '$file'" ||
    die "the floor's \\copy failed: $(tail -n 5 "$tmp/floor.err")"
  count=$("${psql_db[@]}" -tA -c 'SELECT count(*) FROM floor_events')
  [[ $count == "$rows" ]] || die "the floor's table holds $count rows, expected $rows"
  peer_seconds=$t_wall peer_cpu=$t_cpu
  "${psql_db[@]}" -c "DROP TABLE floor_events" || true
  rm -f "$file"
}
