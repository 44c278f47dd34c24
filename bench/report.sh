#!/usr/bin/env bash
# Prints bench/run.sh's results (run by run.sh, not by hand): the table of
# every load, skillsync's ratio to each peer and whether issue #14's targets
# hold. Prints only; judging "met"/"MISSED" never changes run.sh's exit code.
#
#   report.sh table STORE ROWS CSV_BYTES FIRST RELOAD PEER...
#     FIRST and RELOAD are "name|seconds|cpu|server_seconds|vmhwm_kib" (RELOAD's
#     fields empty without RELOAD=1); each PEER is "name|seconds|cpu".
#     ratio = peer seconds / skillsync seconds (above 1: skillsync is faster).
#   report.sh scale STORE ROWS MIB MIB10 SECONDS HWM_KIB SECONDS10 HWM10_KIB
#     the 1x and 10x loads of SCALE=1.
set -euo pipefail
load=$(cut -d' ' -f1-3 /proc/loadavg)

# The target of a peer's ratio: a minimum, or "" where issue #14 sets none.
target_of() {
  case $1 in
    "sqlite3 .import keyed") echo 1.6 ;;
    "sqlite3 .import plain") echo 0.6 ;;
    "DuckDB keyed") echo 1.3 ;;
    'psql \copy keyed') echo 1.0 ;;
    *) echo "" ;;
  esac
}

table() {
  local store=$1 rows=$2 bytes=$3 first=$4 reload=$5
  shift 5
  local peers="" p
  for p in "$@"; do peers+="$p|$(target_of "${p%%|*}")"$'\n'; done
  # Through the environment, not -v: awk would read the backslash of \copy as an escape.
  FIRST=$first RELOAD=$reload PEERS=$peers awk -v rows="$rows" -v bytes="$bytes" -v store="$store" \
    -v load="$load" '
  function line(name, s, c) { printf "%-24s %10.3f %10.2f %12.0f\n", name, s, c, rows / s }
  function verdict(ok) { return ok ? "met" : "MISSED" }
  BEGIN {
    split(ENVIRON["FIRST"], f, "|"); split(ENVIRON["RELOAD"], r, "|")
    np = split(ENVIRON["PEERS"], pl, "\n") - 1
    printf "\nrows %d (%.1f MiB CSV), %s store, load average after the run: %s\n\n", rows, bytes / 1048576, store, load
    printf "%-24s %10s %10s %12s\n", "", "seconds", "cpu s", "rows/s"
    line("skillsync", f[2], f[3])
    printf "%-24s %10s   (the task as timed by the server, from its log)\n", "  server-side", f[4]
    if (r[2] != "") {
      line("skillsync reload", r[2], r[3])
      printf "%-24s %10s\n", "  server-side", r[4]
    }
    for (i = 1; i <= np; i++) { split(pl[i], p, "|"); line(p[1], p[2], p[3]) }
    printf "\nskillsync against each peer (ratio = peer seconds / skillsync seconds; above 1, skillsync is faster):\n"
    for (i = 1; i <= np; i++) {
      split(pl[i], p, "|"); ratio = p[2] / f[2]
      if (p[4] == "") printf "  %-26s %6.2f   (no target)\n", p[1], ratio
      else printf "  %-26s %6.2f   target >= %s   %s\n", p[1], ratio, p[4], verdict(ratio >= p[4] + 0)
    }
    if (r[2] != "") {
      ratio = r[2] / f[2]
      printf "  %-26s %6.2f   target <= 1.5   %s\n", "reload / first load", ratio, verdict(ratio <= 1.5)
    }
    printf "\nskillsync peak memory (VmHWM): %.1f MiB", f[5] / 1024
    if (r[2] != "") printf " after the first load, %.1f MiB after the reload", r[5] / 1024
    printf "\n"
  }'
}

scale() {
  awk -v store="$1" -v rows="$2" -v mib="$3" -v mib10="$4" -v s="$5" -v h="$6" -v s10="$7" -v h10="$8" \
    -v load="$load" 'BEGIN {
    printf "\nscale: skillsync alone, a fresh server for each load, %s store, load average after the run: %s\n\n", store, load
    printf "%12s %10s %10s %12s %14s\n", "rows", "MiB CSV", "seconds", "rows/s", "peak memory"
    printf "%12d %10.1f %10.3f %12.0f %10.1f MiB\n", rows, mib, s, rows / s, h / 1024
    printf "%12d %10.1f %10.3f %12.0f %10.1f MiB\n", rows * 10, mib10, s10, rows * 10 / s10, h10 / 1024
    ratio = s10 / s
    printf "\n10x the rows in %.2fx the time          target <= 11     %s\n", ratio, ratio <= 11 ? "met" : "MISSED"
    printf "peak memory at 10x: %+.1f MiB against 1x   target: no higher   %s\n", (h10 - h) / 1024, h10 <= h ? "met" : "MISSED"
  }'
}

mode=$1
shift
case $mode in
  table) table "$@" ;;
  scale) scale "$@" ;;
  *) echo "report.sh: table or scale" >&2; exit 2 ;;
esac
