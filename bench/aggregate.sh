#!/usr/bin/env bash
# Full aggregation (issue 21 goal 5: ≥ 2.5 GB/s on two cores): `tend promote
# observe tool-trimming` with no cache (every row of the 30-day window read
# and counted) on two logs of different shapes, side by side with `cat` of
# the same segments (the floor), A/B/A/B, medians:
#   a: bench/promote.sh's shape (tend's and the platform's spacing, 30 %
#      Python spacing, keys in writers' usual order);
#   b: a second shape (bench/gen_audit.py shape b): other key orders,
#      Python's spacing on half the lines (half of those \u-escaped),
#      unicode route names, 5 % of rows of kinds no loop reads.
# Each log's figures are checked against a straightforward Python json.loads
# computation over the same segments: they must be equal.
#
# Usage: nice -n 0 bench/aggregate.sh     TEND_BENCH_BYTES=300000000 TEND_BENCH_RUNS=5 bench/aggregate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# TEND_BENCH_BIN: another build to measure (e.g. main's), else this tree's.
if [ -n "${TEND_BENCH_BIN:-}" ]; then BIN=$TEND_BENCH_BIN; else cargo build --release --quiet; BIN=$PWD/target/release/tend; fi
BYTES=${TEND_BENCH_BYTES:-1000000000}
RUNS=${TEND_BENCH_RUNS:-7}
SHAPES=${TEND_BENCH_SHAPES:-a b}
export TEND_NOW=2026-05-24T23:59:59.999Z
work=$(mktemp -d "${TMPDIR:-/tmp}/tend-aggregate-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat > "$work/figures.py" <<'PY'
# tool-trimming's figures the straightforward way: rows of
# reasoning.tool_called inside the window, counted per route and tool, each
# row id once.
import json, sys
since, until = sys.argv[1], sys.argv[2]
figures, seen = {}, set()
for path in sys.argv[3:]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            if row["kind"] != "reasoning.tool_called" or not (since <= row["ts"] <= until):
                continue
            if row["id"] in seen:
                continue
            seen.add(row["id"])
            d = row["details"]
            key = d["route"] + "/" + d["tool_name"]
            figures[key] = figures.get(key, 0) + 1
print(json.dumps(figures, sort_keys=True, ensure_ascii=False))
PY
cat > "$work/tend-figures.py" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
f = o["figures"]["tool_calls"]
print(json.dumps({f"{r}/{t}": n for r, ts in f.items() for t, n in ts.items()}, sort_keys=True, ensure_ascii=False))
PY

for shape in $SHAPES; do
  root=$work/root-$shape
  mkdir -p "$root/audit"
  TEND_ROOT=$root "$BIN" init >/dev/null
  python3 bench/gen_audit.py "$root/audit" "$BYTES" 31 7 "$shape"
  export TEND_ROOT=$root
  "$BIN" promote observe tool-trimming >/dev/null
  obs=$root/observations/tool-trimming.json
  read -r bytes since until < <(python3 -c "import json; o = json.load(open('$obs')); print(o['bytes_read'], o['since'], o['until'])")
  # The segments the scan read: the window's days and one either side.
  segs=$(python3 - "$root/audit" "$since" "$until" <<'PY'
import datetime, os, sys
d, s, u = sys.argv[1:4]
day = lambda t, n: (datetime.datetime.fromisoformat(t.replace("Z", "+00:00")) + datetime.timedelta(days=n)).date().isoformat()
lo, hi = day(s, -1), day(u, 1)
print(" ".join(os.path.join(d, n) for n in sorted(os.listdir(d)) if lo <= n[:10] <= hi))
PY
)
  python3 "$work/tend-figures.py" "$obs" > "$work/tend.json"
  python3 "$work/figures.py" "$since" "$until" $segs > "$work/py.json"
  if cmp -s "$work/tend.json" "$work/py.json"; then agree="equal to Python's json.loads"; else agree="DIFFERENT from Python's"; fi
  cat $segs > /dev/null
  echo "== shape $shape: $(( bytes / 1000000 )) MB read ($(echo $segs | wc -w) segments), $RUNS runs each, load $(cut -d' ' -f1-3 /proc/loadavg)"
  ABAB_JSON=$work/abab.json ABAB_SETUP="rm -rf '$root'/state/promote.*" python3 bench/abab.py "$RUNS" \
    "cat (floor)" -- cat $segs --- \
    "tend promote observe tool-trimming" -- "$BIN" promote observe tool-trimming
  python3 - "$work/abab.json" "$bytes" <<'PY'
import json, sys
m, b = json.load(open(sys.argv[1])), int(sys.argv[2])
for label, v in m.items():
    print(f"  {label:<46} {b / v['median_s'] / 1e9:6.2f} GB/s wall, {b / v['cpu_s'] / 1e9:6.2f} GB/s per CPU-second")
PY
  echo "  figures: $(python3 -c "import json; print(sum(json.load(open('$work/tend.json')).values()))") rows, $agree; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  [ "$agree" = "equal to Python's json.loads" ] || exit 1
  rm -rf "$root"
done
