#!/usr/bin/env bash
# Peak memory of skillsync while it loads one big object (issue 4: a 5 GB
# object under 200 MiB peak).
#
#   bench/memory_run.sh                        the 5 GiB run (SIZE_MB=5120)
#   SIZE_MB=500 bench/memory_run.sh            another size
#   DESC_BYTES=5000 LIMIT_MIB=200              the defaults of the other knobs
#   DRY_RUN=1 bench/memory_run.sh              options.dry_run: stage, do not publish
#   BUILD_DIR=build/h-x bench/memory_run.sh    use binaries built there (see e2e_lib.sh)
#   KEEP_TMP=1                                 keep the logs (the big files go anyway)
#
# The object is a learning CSV whose rows carry a DESC_BYTES-byte
# learning_description (so 5 GiB is about 1,000,000 rows, not 60 million);
# every row is valid. awk writes it to disk row by row and bench_s3_put
# streams it from disk to the real S3 server (tests/support/s3rver) in one
# UNSIGNED-PAYLOAD PUT, so neither holds the object in memory; it is then
# loaded by a fresh `skillsync serve` with default settings. Peak memory is
# VmHWM of the skillsync process from /proc/<pid>/status, read after the
# task ended and before the process is stopped; VmRSS is also sampled five
# times a second to show the largest resident size seen and when. PASS when
# the task completes with every row and VmHWM < LIMIT_MIB.
#
# Disk: the file and S3's copy while uploading, then S3's copy, the staged
# rows, the published events and SQLite's WAL: at most about 5.7 times
# SIZE_MB under $TMPDIR (or /tmp) (measured at SIZE_MB=500); the run refuses
# to start with less than 6 times SIZE_MB free. The file is deleted once
# uploaded; S3's data and skillsync's data directory when the script exits,
# even with KEEP_TMP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/e2e_lib.sh

SIZE_MB=${SIZE_MB:-5120}
DESC_BYTES=${DESC_BYTES:-5000}
LIMIT_MIB=${LIMIT_MIB:-200}
DRY_RUN=${DRY_RUN:-0}
[[ $SIZE_MB =~ ^[1-9][0-9]*$ ]] || die "SIZE_MB must be a positive integer"
if ! [[ $DESC_BYTES =~ ^[1-9][0-9]*$ ]] || ((DESC_BYTES > 60000)); then
  die "DESC_BYTES must be 1..60000 (the field limit is 65536)"
fi

# The disk check comes first: a 5 GiB run that fails after the upload
# wastes minutes.
free_dir=${TMPDIR:-/tmp}
need_mb=$((6 * SIZE_MB))
free_mb=$(df -Pm "$free_dir" | awk 'NR == 2 { print $4 }')
[[ $free_mb =~ ^[0-9]+$ ]] || die "cannot read the free space of $free_dir with df"
((free_mb >= need_mb)) ||
  die "$free_dir has $free_mb MiB free; SIZE_MB=$SIZE_MB needs about $need_mb MiB (set TMPDIR)"

e2e_setup
# The big files go whatever happens, KEEP_TMP=1 included (it keeps the logs);
# e2e_cleanup stops the S3 server and skillsync first.
memory_cleanup() {
  e2e_cleanup
  [[ -d $tmp ]] && rm -rf "$tmp/big.csv" "$tmp/s3" "$tmp/data"
  return 0
}
trap memory_cleanup EXIT
say "SIZE_MB=$SIZE_MB DESC_BYTES=$DESC_BYTES LIMIT_MIB=$LIMIT_MIB; $free_mb MiB free in $free_dir"
start_s3

# 1. The object: ~SIZE_MB MiB of rows "emp-<r % 5000>,en,mem-<r>,<time>,course-<r % 997>,<desc>",
#    written row by row (awk's output is buffered, not the file).
csv=$tmp/big.csv
row_bytes=$((DESC_BYTES + 70))
rows=$((SIZE_MB * 1048576 / row_bytes))
t0=$(now)
awk -v rows="$rows" -v desc_bytes="$DESC_BYTES" 'BEGIN {
  pad = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
  while (length(pad) < desc_bytes) pad = pad pad
  pad = substr(pad, 1, desc_bytes - 12)
  print "employee_external_id,language,external_id,timestamp,course_id,learning_description"
  for (r = 0; r < rows; r++) {
    s = r % 86400
    printf "emp-%d,en,mem-%d,2021-%02d-%02dT%02d:%02d:%02dZ,course-%d,%010d %s\n",
      r % 5000, r, 1 + r % 12, 1 + r % 28, int(s / 3600), int(s / 60) % 60, s % 60,
      r % 997, r, pad
  }
}' >"$csv"
bytes=$(stat -c %s "$csv")
say "generated $rows rows, $bytes bytes in $(elapsed "$t0" "$(now)") s"
t0=$(now)
upload "$csv" big.csv
say "uploaded in $(elapsed "$t0" "$(now)") s"
rm -f "$csv"  # S3 has its copy; free the disk

# 2. The load, sampling memory.
log=$tmp/skillsync.log
start_skillsync "$tmp/data" "$log" --rate-limit 0
options=""
[[ $DRY_RUN == 1 ]] && options='{"dry_run":true}'
t_start=$(now)
task_id=$(post_task "s3://$bucket/big.csv" "$options")
max_rss=0
max_rss_at=0
last_sample=-1
while :; do
  task=$(get_task "$task_id")
  status=$(task_status "$task" || true)
  is_terminal "$status" && break
  kill -0 "$ss_pid" 2>/dev/null || die "skillsync exited while loading; its log: $(tail -n 5 "$log")"
  rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$ss_pid/status")
  if ((rss > max_rss)); then
    max_rss=$rss
    max_rss_at=$(elapsed "$t_start" "$(now)")
  fi
  if ((SECONDS != last_sample)) && [[ -n ${TRACE:-} ]]; then
    last_sample=$SECONDS
    echo "$(elapsed "$t_start" "$(now)") $status $(json_field "$task" rows_read) $rss" >>"$TRACE"
  fi
  sleep 0.2
done
seconds=$(elapsed "$t_start" "$(now)")
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$ss_pid/status")
stop_skillsync

loaded=$(json_field "$task" rows_loaded)
say "task: $status, rows_loaded=$loaded in $seconds s"
awk -v rows="$rows" -v bytes="$bytes" -v s="$seconds" -v hwm="$hwm" -v rss="$max_rss" \
  -v at="$max_rss_at" -v limit="$LIMIT_MIB" 'BEGIN {
  printf "\nobject %.1f MiB, %d rows of ~%d bytes\n", bytes / 1048576, rows, bytes / rows
  printf "load: %.1f s (%.1f MiB/s, %.0f rows/s)\n", s, bytes / 1048576 / s, rows / s
  printf "skillsync peak memory (VmHWM): %.1f MiB (limit %d MiB)\n", hwm / 1024, limit
  printf "largest VmRSS sampled: %.1f MiB, %.1f s after the POST\n", rss / 1024, at
}'
expected_status=completed
if [[ $status == "$expected_status" && $loaded == "$rows" ]] && ((hwm < LIMIT_MIB * 1024)); then
  echo "PASS"
else
  echo "FAIL: status $status, rows_loaded $loaded of $rows, VmHWM $hwm KiB"
  exit 1
fi
