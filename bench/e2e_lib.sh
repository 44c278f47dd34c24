# shellcheck shell=bash
# Shared pieces of bench/run.sh, bench/crash_run.sh and bench/memory_run.sh
# (sourced, not run): the helpers, the build, the S3 server, skillsync
# processes and API calls. run.sh uses e2e_build but not e2e_setup (its
# cleanup also stops PostgreSQL); it starts skillsync with the server's
# defaults, crash_run.sh and memory_run.sh with the rate limit off.
#
# Every process started here is recorded and stopped (by its pid) when the
# script exits; the temporary directory ($tmp) is removed then, unless
# KEEP_TMP=1.
#
# Build: by default scripts/install-deps.sh --test and the `release` preset
# (build/release), like bench/run.sh. BUILD_DIR=<dir> uses binaries already
# built there instead (skillsync, bench/tools/bench_gen_learning and
# bench/tools/bench_s3_put) and builds nothing.

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
# A top-level JSON field of a compact or pretty object: string or number.
json_field() {
  sed -nE "s/.*\"$2\"[[:space:]]*:[[:space:]]*\"?([^\",}]*)\"?.*/\1/p" <<<"$1" | head -n1
}
# Waits up to $3 seconds for file $1 to match the regex $2 while process $4 lives.
wait_for_line() {
  local deadline=$((SECONDS + $3))
  until grep -qE "$2" "$1" 2>/dev/null; do
    kill -0 "$4" 2>/dev/null || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.02
  done
}

e2e_pids=()
e2e_cleanup() {
  local pid
  for pid in "${e2e_pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  if [[ ${KEEP_TMP:-0} == 1 ]]; then
    say "kept $tmp"
  else
    rm -rf "$tmp"
  fi
}

# Builds (or, with BUILD_DIR, finds) the binaries; sets $bin.
e2e_build() {
  if [[ -z ${BUILD_DIR:-} ]]; then
    scripts/install-deps.sh --test
    if ! command -v curl >/dev/null 2>&1 || ! command -v sqlite3 >/dev/null 2>&1; then
      local as_root=()
      [[ $(id -u) -ne 0 ]] && as_root=(sudo)
      "${as_root[@]}" apt-get update -qq
      DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq \
        --no-install-recommends curl sqlite3
    fi
    cmake --preset release >/dev/null
    cmake --build --preset release
    bin=build/release
  else
    bin=$BUILD_DIR
  fi
  local f
  for f in skillsync bench/tools/bench_gen_learning bench/tools/bench_s3_put; do
    [[ -x $bin/$f ]] || die "$bin/$f is missing (build it, or unset BUILD_DIR)"
  done
  command -v curl >/dev/null 2>&1 || die "curl is needed"
}

# e2e_build, then sets $tmp and the exit trap.
e2e_setup() {
  e2e_build
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/skillsync-bench.XXXXXX")
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM HUP PIPE
  local commit
  commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
  git diff --quiet HEAD 2>/dev/null || commit+=" + uncommitted changes"
  say "commit $commit; binaries in $bin; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# Starts the S3 server with a random key pair and bucket $bucket; sets
# $s3_endpoint, $access_key, $secret_key.
start_s3() {
  access_key="AKIA$(random_hex 8 | tr a-f A-F)"
  secret_key=$(random_hex 20)
  bucket=skillsync-bench
  mkdir -p "$tmp/s3"
  S3RVER_DIR=$tmp/s3 S3RVER_ACCESS_KEY_ID=$access_key S3RVER_SECRET_KEY=$secret_key \
    S3RVER_BUCKETS=$bucket S3RVER_REQUIRE_AUTH=1 S3RVER_PORT=0 \
    node --openssl-legacy-provider tests/support/s3rver/launch.js \
    >"$tmp/s3rver.out" 2>"$tmp/s3rver.log" &
  local pid=$!
  e2e_pids+=("$pid")
  wait_for_line "$tmp/s3rver.out" '"port"' 30 "$pid" ||
    die "the S3 server did not start; its log: $(tail -n 20 "$tmp/s3rver.log")"
  s3_endpoint=http://127.0.0.1:$(json_field "$(head -n1 "$tmp/s3rver.out")" port)
  say "S3 server on $s3_endpoint"
}

# upload FILE KEY: puts FILE as s3://$bucket/KEY.
upload() {
  AWS_ACCESS_KEY_ID=$access_key AWS_SECRET_ACCESS_KEY=$secret_key \
    "$bin/bench/tools/bench_s3_put" "$s3_endpoint" "s3://$bucket/$2" "$1" >/dev/null ||
    die "upload of $1 failed"
}

# start_skillsync DATA_DIR LOG [extra serve options...]: sets $ss_pid and $api.
api_key="bench_$(random_hex 24)"
start_skillsync() {
  local data=$1 log=$2
  shift 2
  SKILLSYNC_BOOTSTRAP_API_KEY=$api_key "$bin/skillsync" serve --listen 127.0.0.1:0 \
    --data-dir "$data" --s3-endpoint "$s3_endpoint" "$@" 2>"$log" &
  ss_pid=$!
  e2e_pids+=("$ss_pid")
  local listening='listening on (http://)?[0-9.]+:[0-9]+'
  wait_for_line "$log" "$listening" 30 "$ss_pid" ||
    die "skillsync did not start; its log: $(tail -n 20 "$log")"
  api=http://$(grep -oE "$listening" "$log" | tail -n1 | sed -E 's#.* (http://)?##')
  if [[ ! -f $tmp/auth-header ]]; then
    (umask 077 && printf 'Authorization: Bearer %s\n' "$api_key" >"$tmp/auth-header")
  fi
}

# post_task URI [OPTIONS_JSON]: prints the new task's id.
post_task() {
  local options=${2:-}
  local body
  body=$(printf '{"entity_type":"learning","method":"s3_iam_user","uri":"%s",%s%s}' "$1" \
    "$(printf '"credentials":{"aws_access_key_id":"%s","aws_secret_access_key":"%s"}' \
      "$access_key" "$secret_key")" "${options:+,\"options\":$options}")
  local created
  # Secrets go to curl through files and stdin, not its command line.
  created=$(curl -sS -X POST "$api/integrations/file-load-tasks" -H "@$tmp/auth-header" \
    -H 'Content-Type: application/json' --data-binary @- <<<"$body" -w '\n%{http_code}')
  [[ $(tail -n1 <<<"$created") == 201 ]] || die "POST answered: $created"
  local id
  id=$(json_field "$(head -n -1 <<<"$created")" task_id)
  [[ -n $id ]] || die "no task_id in: $created"
  echo "$id"
}

# get_task ID: prints the task's JSON (empty when the server does not answer).
get_task() { curl -sS -H "@$tmp/auth-header" "$api/integrations/file-load-tasks/$1" 2>/dev/null || true; }

task_status() {
  [[ $1 =~ \"status\"[[:space:]]*:[[:space:]]*\"([a-z_]+)\" ]] && echo "${BASH_REMATCH[1]}"
}
is_terminal() { [[ $1 =~ ^(completed|completed_with_errors|failed|cancelled)$ ]]; }

# stop_skillsync: SIGTERM, and waits (SIGKILL after 30 s).
stop_skillsync() {
  kill "$ss_pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$ss_pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  kill -9 "$ss_pid" 2>/dev/null || true
  wait "$ss_pid" 2>/dev/null || true
}
