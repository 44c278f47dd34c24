#!/usr/bin/env bash
# Installs what skillsync needs on Debian 12, skipping what is already there.
#   scripts/install-deps.sh          build and run
#   scripts/install-deps.sh --test   also what the tests and benchmarks need
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

packages=(build-essential cmake ninja-build pkg-config ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libcurl4-openssl-dev libssl-dev libsqlite3-dev libpq-dev zlib1g-dev libzstd-dev
  libspdlog-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev)
if (( want_test )); then
  # postgresql-15: the PostgreSQL store's tests; sqlite3: the benchmark's peer;
  # chromium: the web console's browser tests (tests/browser); tmux: the client's
  # progress line is tested on a real terminal.
  packages+=(clang-format clang libclang-rt-14-dev sqlite3 postgresql-15 procps curl ccache chromium
    tmux)
  # prometheus: promtool and a Prometheus server for the metrics tests (they
  # start their own; the package's service is kept from starting, below).
  packages+=(prometheus)
  command -v node >/dev/null 2>&1 || packages+=(nodejs)
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "install-deps: installing ${missing[*]}"
  as_root=()
  [[ $(id -u) -ne 0 ]] && as_root=(sudo)
  "${as_root[@]}" apt-get update -qq
  # The prometheus package would start a system-wide server on :9090: deny
  # that service (only) during the install, unless a policy already rules.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [[ " ${missing[*]} " == *" prometheus "* && ! -e $policy ]]; then
    printf '#!/bin/sh\n[ "$1" = prometheus ] && exit 101\nexit 0\n' |
      "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod 755 "$policy"
    trap "${as_root[*]} rm -f $policy" EXIT  # also when the install fails
    own_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}"
  if (( own_policy )); then "${as_root[@]}" rm -f "$policy"; trap - EXIT; fi
  if [[ " ${missing[*]} " == *" prometheus "* && -d /run/systemd/system ]]; then
    "${as_root[@]}" systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

if (( want_test )); then
  # The real S3 server the tests run against (an npm package, pinned in package.json).
  s3dir=tests/support/s3rver
  if [[ ! -d $s3dir/node_modules/@20minutes/s3rver ]]; then
    echo "install-deps: npm install in $s3dir"
    (cd "$s3dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # playwright-core (drives Debian's chromium; downloads no browser) and axe-core.
  browserdir=tests/browser
  if [[ ! -d $browserdir/node_modules/playwright-core || ! -d $browserdir/node_modules/axe-core ]]; then
    echo "install-deps: npm ci in $browserdir"
    (cd "$browserdir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
if (( want_test )); then
  # The OpenAPI linter and validating proxy (tests/openapi/run.sh), pinned.
  oadir=tests/openapi
  if [[ ! -x $oadir/node_modules/.bin/prism || ! -x $oadir/node_modules/.bin/redocly ]]; then
    echo "install-deps: npm ci in $oadir"
    (cd "$oadir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  # The webhook receiver's CloudEvents SDK (tests/webhooks/run.sh), pinned.
  whdir=tests/webhooks
  if [[ ! -d $whdir/node_modules/cloudevents ]]; then
    echo "install-deps: npm ci in $whdir"
    (cd "$whdir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
