#!/usr/bin/env bash
# Webhooks end to end (tests/webhooks/webhooks.test.js): the release binary,
# the S3 test server and a receiver that parses deliveries with the
# CloudEvents SDK and verifies their Ed25519 signatures with Node's crypto.
# The spec starts, kills (-9) and restarts the server itself.
# Needs build/release/skillsync (or SKILLSYNC_BINARY) and `npm ci` in
# tests/webhooks and tests/support/s3rver (scripts/install-deps.sh --test).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=${SKILLSYNC_BINARY:-$root/build/release/skillsync}
here=$root/tests/webhooks

for need in "$bin" "$here/node_modules/cloudevents" \
  "$root/tests/support/s3rver/node_modules/@20minutes/s3rver"; do
  [[ -e $need ]] || { echo "webhook tests: $need is missing (scripts/install-deps.sh --test, then build)" >&2; exit 1; }
done

echo "== webhook tests (CloudEvents + Ed25519 verified by an independent receiver)"
cd "$here"
SKILLSYNC_ROOT=$root SKILLSYNC_BINARY=$bin \
  node --test --test-concurrency=1 --test-timeout=120000 webhooks.test.js
