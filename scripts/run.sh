#!/usr/bin/env bash
# Installs what is missing, builds the release binary and runs the server on
# its embedded default (SQLite in ./data). Extra arguments go to `serve`,
# e.g. scripts/run.sh --s3-endpoint http://127.0.0.1:9000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target skillsync
exec build/release/skillsync serve "$@"
