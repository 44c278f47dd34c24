#!/usr/bin/env bash
# Browser tests of the web console (/console/): Debian's chromium driven by
# playwright-core against the real release binary and the real S3 server.
#   tests/browser/run.sh           start S3 + skillsync, run every spec, stop all
#   tests/browser/run.sh --serve   start them, print the URL and keys, wait (Ctrl-C)
# Needs build/release/skillsync (or SKILLSYNC_BINARY), /usr/bin/chromium and
# `npm ci` in tests/browser and tests/support/s3rver (scripts/install-deps.sh --test).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=${SKILLSYNC_BINARY:-$root/build/release/skillsync}
here=$root/tests/browser

for need in "$bin" /usr/bin/chromium "$here/node_modules/playwright-core" \
  "$root/tests/support/s3rver/node_modules/@20minutes/s3rver"; do
  [[ -e $need ]] || { echo "browser tests: $need is missing (scripts/install-deps.sh --test, then build)" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/skillsync-browser.XXXXXX)
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if (( status != 0 )) && [[ -d $tmp ]]; then
    echo "--- skillsync log (last 40 lines)" >&2
    tail -n 40 "$tmp/skillsync.log" >&2 2>/dev/null || true
  fi
  rm -rf "$tmp"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Waits until file $1 holds a line matching regex $2; prints the first capture group.
wait_for() {
  local file=$1 regex=$2 what=$3
  for _ in $(seq 1 200); do
    if [[ -f $file ]] && [[ $(cat "$file") =~ $regex ]]; then
      echo "${BASH_REMATCH[1]}"
      return 0
    fi
    sleep 0.1
  done
  echo "browser tests: $what did not start; its output:" >&2
  cat "$file" >&2 || true
  return 1
}

# The S3 server: a random key pair, one bucket.
s3_key_id=AKIA$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n' | tr a-f A-F)
s3_secret=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p "$tmp/s3"
S3RVER_PORT=0 S3RVER_DIR=$tmp/s3 S3RVER_ACCESS_KEY_ID=$s3_key_id S3RVER_SECRET_KEY=$s3_secret \
  S3RVER_BUCKETS=console-test \
  node --openssl-legacy-provider "$root/tests/support/s3rver/launch.js" >"$tmp/s3.out" 2>"$tmp/s3.err" &
pids+=($!)
s3_port=$(wait_for "$tmp/s3.out" '"port": *([0-9]+)' "the S3 server")

# A slow network in front of it for skillsync's downloads (the specs upload
# straight to the S3 server).
UPSTREAM_PORT=$s3_port THROTTLE_BYTES_PER_SEC=$((4 * 1024 * 1024)) \
  node "$here/s3-throttle.js" >"$tmp/throttle.out" 2>"$tmp/throttle.err" &
pids+=($!)
throttle_port=$(wait_for "$tmp/throttle.out" '"port": *([0-9]+)' "the S3 throttle")

# skillsync: a bootstrap key (read and write), then a read-only key of the same tenant.
key=sk_console_test_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p "$tmp/data"
SKILLSYNC_BOOTSTRAP_API_KEY=$key "$bin" serve --listen 127.0.0.1:0 --data-dir "$tmp/data" \
  --s3-endpoint "http://127.0.0.1:$throttle_port" --workers 2 >"$tmp/skillsync.log" 2>&1 &
pids+=($!)
addr=$(wait_for "$tmp/skillsync.log" 'listening on http://(127\.0\.0\.1:[0-9]+)' "skillsync")
read_key=$("$bin" keys create --data-dir "$tmp/data" --tenant default --scope read 2>/dev/null | tail -n 1)

export CONSOLE_BASE_URL="http://$addr"
export CONSOLE_API_KEY=$key
export CONSOLE_READ_KEY=$read_key
export CONSOLE_S3_ENDPOINT="http://127.0.0.1:$s3_port"
export CONSOLE_S3_BUCKET=console-test
export CONSOLE_S3_KEY_ID=$s3_key_id
export CONSOLE_S3_SECRET=$s3_secret
# Screenshots go to a scratch folder; `CONSOLE_SCREENSHOT_DIR=$PWD/docs tests/browser/run.sh`
# refreshes the ones in docs/ (a test run leaves the tree as it was).
export CONSOLE_SCREENSHOT_DIR=${CONSOLE_SCREENSHOT_DIR:-$tmp/screenshots}
mkdir -p "$CONSOLE_SCREENSHOT_DIR"

if [[ ${1:-} == --serve ]]; then
  echo "console: $CONSOLE_BASE_URL/console/"
  echo "key (read, write): $key"
  echo "key (read): $read_key"
  echo "S3 (uploads; skillsync reads through a throttle): $CONSOLE_S3_ENDPOINT bucket console-test, key id $s3_key_id, secret $s3_secret"
  echo "to run a spec against it: $(export -p | grep -o 'CONSOLE_[A-Z0-9_]*=.*' | tr '\n' ' ')node --test <spec>"
  wait "${pids[2]}"
  exit 0
fi

echo "== browser tests (the web console in chromium: tests/browser/specs)"
cd "$here"
# One spec file at a time (they share the server); no test may hang the stage.
node --test --test-concurrency=1 --test-timeout=240000 specs/
