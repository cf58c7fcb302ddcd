#!/usr/bin/env bash
# `tend wake consume` on a large audit log (issue 4). Release build. Measures,
# per run (median and mean of TEND_BENCH_RUNS runs, wall clock, page cache warm):
#
#   1. process start: `true` and `tend --version`;
#   2. no-op `tend wake consume`: the cursor at the end of a 1 GB segment, no
#      new rows (it must not read the log: cost independent of the log size);
#   3. `tend wake consume` after 1,000 new rows were appended at the end of
#      the 1 GB log: 900 rows of platform traffic (reasoning.tool_called,
#      inference.recorded), 90 probe.observed, 10 probe.wake_requested that
#      the debounce buffers (one probe.wake_debounced batch is written) — the
#      cost must follow the new bytes, not the log;
#   4. the same with 1,000 new probe.wake_requested rows (1,000 debounce
#      decisions, 1,000 probe.wake_debounced rows in one append).
#
# The same two with `--dry-run` separate reading and deciding from the durable
# writes (the audit append, the state and cursor files, and the run record of
# `state/runs/`, each fsynced): on a slow virtual disk those dominate.
#
# The 1 GB segment is written with `yes | head` (a few seconds); the rows are
# realistic in shape, not in variety (the no-op run reads none of them).
#
# Usage: bench/wake.sh            (1 GB)
#        TEND_BENCH_BYTES=100000000 TEND_BENCH_RUNS=10 bench/wake.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/tend
BYTES=${TEND_BENCH_BYTES:-1000000000}
RUNS=${TEND_BENCH_RUNS:-20}

work=$(mktemp -d "${TMPDIR:-/tmp}/tend-wake-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/audit"
export TEND_ROOT=$root TEND_NOW=2026-05-24T08:00:00Z
# Every wake buffers: the debounce path is measured, not an engine or a channel.
export TEND_WAKE_CONSECUTIVE_REQUIRED=1000000 TEND_WAKE_DEBOUNCE_SECONDS=86400
seg=$root/audit/2026-05-24.jsonl

line='{"id":"0190f3c2-5b1e-7a3d-9c4f-2e8b6d1a0f37","ts":"2026-05-24T07:00:00.000Z","kind":"reasoning.tool_called","correlation_key":"s-4711","details":{"route":"slack_dm","tool_name":"search_docs","caller_session_id":"slack:U0123456:1716537600.000100"}}'
lines=$(( BYTES / (${#line} + 1) ))
echo "generating a $(( lines * (${#line} + 1) / 1000000 )) MB segment ($lines rows)…"
{ yes "$line" || true; } | head -n "$lines" > "$seg"
# Durable before measuring, as rows appended by tend's own writers are (an
# fsync would otherwise flush a gigabyte of someone else's dirty pages).
sync "$seg"

# 1,000 new rows: mixed traffic, and wakes only.
mixed=$work/mixed.jsonl
wakes=$work/wakes.jsonl
for i in $(seq 1 1000); do
  ts=$(printf '2026-05-24T07:%02d:%02d.%03dZ' $(( i / 60 % 60 )) $(( i % 60 )) $(( i % 1000 )))
  id=$(printf '0190f3c2-5b1e-7a3d-9c4f-%012d' "$i")
  wake="{\"id\":\"$id\",\"ts\":\"$ts\",\"kind\":\"probe.wake_requested\",\"correlation_key\":\"probe:api:api_down\",\"details\":{\"probe\":\"api\",\"issue_category\":\"api_down\",\"severity\":\"critical\",\"summary\":\"HTTP 503 from /health\",\"observations\":{\"status\":503,\"latency_ms\":12},\"envelope\":{\"enabled\":false}}}"
  echo "$wake" >> "$wakes"
  if (( i % 100 == 0 )); then
    echo "$wake" >> "$mixed"
  elif (( i % 10 == 0 )); then
    echo "{\"id\":\"$id\",\"ts\":\"$ts\",\"kind\":\"probe.observed\",\"details\":{\"probe\":\"api\",\"status\":\"critical\",\"summary\":\"HTTP 503 from /health\",\"perfdata\":\"\",\"duration_ms\":12,\"exit_code\":2}}" >> "$mixed"
  elif (( i % 2 == 0 )); then
    echo "{\"id\":\"$id\",\"ts\":\"$ts\",\"kind\":\"inference.recorded\",\"details\":{\"route\":\"slack_dm\",\"model\":\"gpt-4o-mini\",\"input_tokens\":1200,\"output_tokens\":80,\"cost_usd\":0.00023,\"latency_ms\":900,\"escalated\":false}}" >> "$mixed"
  else
    echo "$line" >> "$mixed"
  fi
done

now_ns() { date +%s%N; }

# Runs "$@" RUNS times (after `before`, untimed, each time); prints
# "median mean" in milliseconds.
measure() {
  local before=$1; shift
  local times=()
  for _ in $(seq 1 "$RUNS"); do
    eval "$before"
    local t0 t1
    t0=$(now_ns)
    "$@" >/dev/null
    t1=$(now_ns)
    times+=( $(( t1 - t0 )) )
  done
  printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1; s += $1 } END {
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
    printf "%.2f %.2f", m / 1e6, s / NR / 1e6 }'
}

report() { printf '%-66s median %7s ms   mean %7s ms\n' "$1" $2; }

t0=$(now_ns)
"$BIN" wake consume
t1=$(now_ns)
printf '%-58s %7.2f ms\n' "first run (stamps the end of the log)" "$(echo "($t1 - $t0) / 1000000" | bc -l)"
echo "(log: $(du -h "$seg" | cut -f1), $RUNS runs each)"

report "true" "$(measure : true)"
report "tend --version (process start)" "$(measure : "$BIN" --version)"
report "tend wake consume, no-op (cursor at the end)" "$(measure : "$BIN" wake consume)"
report "  the same with --dry-run (no lock, no run record)" "$(measure : "$BIN" --dry-run wake consume)"
# Each trial's rows get ids of their own (as new rows would).
k=0
fresh() {
  k=$(( k + 1 ))
  sed "s/-9c4f-/-$(printf %04d "$k")-/" "$1" >> "$seg"
  sync "$seg" # the writer of these rows made them durable (untimed)
}
report "tend wake consume, 1,000 new mixed rows (10 wakes)" \
  "$(measure "fresh '$mixed'" "$BIN" wake consume)"
report "tend wake consume, 1,000 new wake rows" \
  "$(measure "fresh '$wakes'" "$BIN" wake consume)"

# Reading and deciding alone: --dry-run writes nothing, so each run reads the
# same 1,000 new rows again.
fresh "$mixed"
report "  1,000 new mixed rows, --dry-run (reads, decides, writes nothing)" \
  "$(measure : "$BIN" --dry-run wake consume)"
fresh "$wakes"

# The runs above must have decided every wake they read.
"$BIN" --json wake consume >/dev/null
debounced=$(grep -c '"kind":"probe.wake_debounced"' "$seg" || true)
expected=$(( RUNS * 10 + RUNS * 1000 + 10 + 1000 ))
echo "probe.wake_debounced rows written: $debounced (expected $expected)"
[ "$debounced" -eq "$expected" ]
