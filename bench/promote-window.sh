#!/usr/bin/env bash
# The hourly `tend promote observe` re-run once the log holds more than 30
# days (design §7 "Speed", issue 21 goal 1: ≤ 20 ms beyond process start), side
# by side with process start (`tend --version`), A/B/A/B, medians.
#
# The log: 37 daily segments (bench/gen_audit.py's shape, TEND_BENCH_BYTES
# in all, default 1.2 GB) ending 2026-05-24, every loop's default window (30
# days for router-tuning and tool-trimming, a day for probe-envelopes). Each
# case starts from the state an earlier run left (restored before every
# timed run), then a writer appends some rows, and the run is timed:
#   10:00     cache from 09:00, +1 hour of rows in today's segment;
#   10:01     cache from 10:00, +1 minute of rows;
#   00:00:30  cache from 23:00 the day before, +30 s of rows in a new segment.
# Each timed run's figures are checked against a full recomputation (the
# same run with no cache): the digests must be equal.
#
# Usage: nice -n 0 bench/promote-window.sh
#        TEND_BENCH_BYTES=300000000 TEND_BENCH_RUNS=20 bench/promote-window.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/tend
BYTES=${TEND_BENCH_BYTES:-1200000000}
RUNS=${TEND_BENCH_RUNS:-30}
work=$(mktemp -d "${TMPDIR:-/tmp}/tend-window-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/audit" "$work/grow"
export TEND_ROOT=$root
"$BIN" init >/dev/null
python3 bench/gen_audit.py "$root/audit" "$BYTES" 37
# Today's segment as it stands at 09:00: no rows timed later yet.
python3 - "$root/audit/2026-05-24.jsonl" <<'PY'
import sys
path = sys.argv[1]
lines = [l for l in open(path) if l[l.index('"', l.index('"ts"') + 4) + 1:][:19] < "2026-05-24T09:00:00"]
open(path, "w").writelines(lines)
PY
echo "log: $(( $(du -cb "$root"/audit/*.jsonl | tail -1 | cut -f1) / 1000000 )) MB in $(ls "$root"/audit | wc -l) segments"
cat "$root"/audit/*.jsonl > /dev/null

# Rows of one day's shape, `bytes` of them, from gen_audit.py (seed 11),
# cut to those timed in [from, to) and appended to `segment`.
grow() { # segment from to bytes
  rm -rf "$work/grow"/*
  python3 bench/gen_audit.py "$work/grow" "$4" 1 11
  python3 - "$work/grow/2026-05-24.jsonl" "$2" "$3" >> "$root/audit/$1" <<'PY'
import sys
src, lo, hi = sys.argv[1:4]
for line in open(src):
    k = line.index('"', line.index('"ts"') + 4) + 1
    ts = lo[:10] + line[k + 10:k + 23]
    if lo <= ts < hi:
        sys.stdout.write(line[:k] + lo[:10] + line[k + 10:])
PY
}

digest() { python3 -c "import json,sys; print(' '.join(json.load(open(f'$root/observations/{l}.json'))['digest'][5:13] for l in ['router-tuning','tool-trimming','probe-envelopes']))"; }

case_() { # label, cache-at, segment, grow-from, grow-to, now
  local label=$1 before=$2 seg=$3 from=$4 to=$5 now=$6
  rm -rf "$root/state/promote."* "$root/observations"
  TEND_NOW=$before "$BIN" promote observe >/dev/null
  grow "$seg" "$from" "$to" 40000000
  rm -rf "$work/state.snap"; cp -a "$root/state" "$work/state.snap"
  echo "== $label: cache from $before, then $(( $(wc -c < "$root/audit/$seg") )) bytes in $seg"
  ABAB_SETUP="rm -rf '$root/state'; cp -a '$work/state.snap' '$root/state'" \
    TEND_NOW=$now python3 bench/abab.py "$RUNS" \
    "tend --version (process start)" -- "$BIN" --version --- \
    "tend promote observe ($label)" -- "$BIN" promote observe
  python3 - "$root" <<'PY'
import json, sys
for l in ["router-tuning", "tool-trimming", "probe-envelopes"]:
    o = json.load(open(f"{sys.argv[1]}/observations/{l}.json"))
    print(f"  {l}: {sum(o['rows'].values())} rows, {o['bytes_read']} bytes read, {o['bytes_cached']} from the cache")
PY
  local cached full
  cached=$(digest)
  rm -rf "$root/state/promote."*
  TEND_NOW=$now "$BIN" promote observe >/dev/null
  full=$(digest)
  if [ "$cached" = "$full" ]; then echo "  figures equal a full recomputation ($cached)"; else echo "  FIGURES DIFFER: $cached vs $full"; exit 1; fi
}
case_ "10:00" 2026-05-24T09:00:00Z 2026-05-24.jsonl 2026-05-24T09:00:00 2026-05-24T10:00:00 2026-05-24T10:00:00Z
case_ "10:01" 2026-05-24T10:00:00Z 2026-05-24.jsonl 2026-05-24T10:00:00 2026-05-24T10:01:00 2026-05-24T10:01:00Z
case_ "00:00:30" 2026-05-24T23:00:00Z 2026-05-25.jsonl 2026-05-25T00:00:00 2026-05-25T00:00:30 2026-05-25T00:00:30Z
