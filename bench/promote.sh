#!/usr/bin/env bash
# `tend promote observe` on a realistic 1 GB audit log (issue 10), side by side
# with jq and a straightforward Python json.loads script computing the same
# figures (they must agree), and `cat > /dev/null` as the floor. Release build,
# warm page cache, wall clock and peak RSS from /usr/bin/time -v.
#
# The log: 31 daily segments ending on the run's day; the platform's
# inference.recorded (40 %) and reasoning.tool_called (45 %) rows, tend's own
# rows (probe.observed, notification.dispatched, probe.investigation_completed
# 1 %), 30 % of lines in Python's `"key": "value"` spacing, and 2 % of rows
# written a day late or out of order into the neighbouring segment.
#
# Usage: bench/promote.sh                      (1 GB, 3 runs each)
#        TEND_BENCH_BYTES=200000000 TEND_BENCH_RUNS=1 bench/promote.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/tend
BYTES=${TEND_BENCH_BYTES:-1000000000}
RUNS=${TEND_BENCH_RUNS:-3}
NOW=2026-05-24T08:00:00.000Z

work=$(mktemp -d "${TMPDIR:-/tmp}/tend-promote-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/audit"
export TEND_ROOT=$root TEND_NOW=$NOW

python3 bench/gen_audit.py "$root/audit" "$BYTES" 31
size=$(du -cb "$root"/audit/*.jsonl | tail -1 | cut -f1)
echo "log: $((size / 1000000)) MB in $(ls "$root"/audit | wc -l) segments"

cat > "$work/figures.py" <<'PY'
# The same figures as `tend promote observe`, the straightforward way.
import json, sys, datetime
loop, since, until = sys.argv[1], sys.argv[2], sys.argv[3]
kind = {"router-tuning": "inference.recorded", "tool-trimming": "reasoning.tool_called",
        "probe-envelopes": "probe.investigation_completed"}[loop]
figures = {}
for path in sys.argv[4:]:
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            if row["kind"] != kind or not (since <= row["ts"] <= until):
                continue
            d = row["details"]
            if loop == "router-tuning":
                r = figures.setdefault(d["route"], [0, 0])
                r[0] += 1
                r[1] += 1 if d.get("escalated") else 0
            elif loop == "tool-trimming":
                key = d["route"] + "/" + d["tool_name"]
                figures[key] = figures.get(key, 0) + 1
            elif not d.get("autofix_attempted"):
                key = d["probe"] + "/" + d["issue_category"]
                figures[key] = figures.get(key, 0) + 1
print(json.dumps(figures, sort_keys=True))
PY
cat > "$work/tend-figures.py" <<'PY'
import json, sys
loop, path = sys.argv[1], sys.argv[2]
f = json.load(open(path))["figures"]
if loop == "router-tuning":
    out = {r: [v["calls_count"], v["escalation_count"]] for r, v in f["routes"].items()}
elif loop == "tool-trimming":
    out = {f"{r}/{t}": n for r, ts in f["tool_calls"].items() for t, n in ts.items()}
else:
    out = {k: v["rows"] for k, v in f["clusters"].items()}
print(json.dumps(out, sort_keys=True))
PY
jq_program() {
  case $1 in
    router-tuning) echo 'reduce (inputs | select(.kind == "inference.recorded" and .ts >= $s and .ts <= $u) | .details) as $d ({}; .[$d.route] |= ((. // [0,0]) | [.[0] + 1, .[1] + (if $d.escalated then 1 else 0 end)]))' ;;
    tool-trimming) echo 'reduce (inputs | select(.kind == "reasoning.tool_called" and .ts >= $s and .ts <= $u) | .details) as $d ({}; .[$d.route + "/" + $d.tool_name] += 1)' ;;
    probe-envelopes) echo 'reduce (inputs | select(.kind == "probe.investigation_completed" and .ts >= $s and .ts <= $u) | .details | select(.autofix_attempted | not)) as $d ({}; .[$d.probe + "/" + $d.issue_category] += 1)' ;;
  esac
}

# Wall seconds and peak RSS (MB) of a command, from GNU time.
measure() {
  /usr/bin/time -v "$@" > "$work/out" 2> "$work/time" || { cat "$work/time" >&2; exit 1; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$work/time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$work/time")
  echo "$wall $rss"
}

cat "$root"/audit/*.jsonl > /dev/null   # warm the page cache
printf '%-34s %10s %10s %10s %12s\n' what seconds 'GB/s' 'RSS MB' 'rows'
best() { sort -n | head -1; }
for loop in router-tuning tool-trimming probe-envelopes; do
  cat_best= ; tend_best= ; tend_rss=
  for _ in $(seq "$RUNS"); do
    read -r s _ < <(measure cat "$root"/audit/*.jsonl)
    cat_best=$(printf '%s\n%s\n' "${cat_best:-999}" "$s" | best)
    # A full scan each time: without the per-segment cache of the last run.
    rm -rf "$root"/state/promote.*
    read -r s r < <(measure "$BIN" promote observe "$loop")
    if [ -z "$tend_best" ] || awk "BEGIN{exit !($s < $tend_best)}"; then tend_best=$s; tend_rss=$r; fi
  done
  obs=$root/observations/$loop.json
  since=$(python3 -c "import json;print(json.load(open('$obs'))['since'].replace('Z','') )")
  until=$(python3 -c "import json;print(json.load(open('$obs'))['until'].replace('Z',''))")
  # Our rows carry milliseconds: compare as the same string shape.
  since="${since%%.*}"; until="${until%%.*}"
  since_ts="${since}.000Z"; until_ts="${until}.000Z"
  rows=$(python3 -c "import json;print(sum(json.load(open('$obs'))['rows'].values()))")
  segs=$(python3 - "$root/audit" "$since" "$until" <<'PY'
import os, sys, datetime
d, s, u = sys.argv[1], sys.argv[2], sys.argv[3]
lo = (datetime.datetime.fromisoformat(s) - datetime.timedelta(days=1)).date().isoformat()
hi = (datetime.datetime.fromisoformat(u) + datetime.timedelta(days=1)).date().isoformat()
print(" ".join(os.path.join(d, n) for n in sorted(os.listdir(d)) if lo <= n[:10] <= hi))
PY
)
  read_bytes=$(du -cb $segs | tail -1 | cut -f1)
  python3 "$work/tend-figures.py" "$loop" "$obs" > "$work/tend.json"
  read -r py_s py_rss < <(measure python3 "$work/figures.py" "$loop" "$since_ts" "$until_ts" $segs)
  cp "$work/out" "$work/py.json"
  read -r jq_s jq_rss < <(measure jq -n -c --arg s "$since_ts" --arg u "$until_ts" "$(jq_program "$loop")" $segs)
  python3 -c "import json,sys; print(json.dumps(json.load(open('$work/out')), sort_keys=True))" > "$work/jq.json"
  agree=yes
  cmp -s "$work/tend.json" "$work/py.json" || agree="NO (python)"
  cmp -s "$work/tend.json" "$work/jq.json" || agree="NO (jq)"
  gb() { awk "BEGIN{printf \"%.2f\", $read_bytes / $1 / 1e9}"; }
  printf '%-34s %10.3f %10s %10s %12s\n' "cat (floor), $loop segments" "$cat_best" "$(awk "BEGIN{printf \"%.2f\", $size / $cat_best / 1e9}")" - -
  printf '%-34s %10.3f %10s %10s %12s\n' "tend promote observe $loop" "$tend_best" "$(gb "$tend_best")" "$tend_rss" "$rows"
  printf '%-34s %10.3f %10s %10s %12s\n' "python json.loads" "$py_s" "$(gb "$py_s")" "$py_rss" -
  printf '%-34s %10.3f %10s %10s %12s\n' "jq" "$jq_s" "$(gb "$jq_s")" "$jq_rss" -
  echo "  figures agree: $agree; tend vs jq: $(awk "BEGIN{printf \"%.0f\", $jq_s / $tend_best}")x"
done

# The hourly re-run (design §7 "Speed"): a 30-day router-tuning window over 29
# unchanged past segments of TEND_BENCH_HOURLY_SEGMENT bytes (default 100 MB)
# and today's, observed once at the end of the day (every segment inside the
# window), then again after today's segment grew by ~1 MB:
#  (a) at the same instant: the 29 segments come from the cache and only the
#      appended bytes are read;
#  (b) an hour later: the window's start moved into the oldest segment, whose
#      rows are leaving the window, so that segment is read again in full.
# Each timed run starts from the cache the first run left. Compared with the
# process start (`tend --version`).
SEGMENT=${TEND_BENCH_HOURLY_SEGMENT:-100000000}
rm -rf "$root/audit" "$root/observations" "$root/state"
mkdir -p "$work/grow" "$root/audit"
printf '[promote.router-tuning]\nwindow = "30d"\n' > "$root/tend.toml"
python3 bench/gen_audit.py "$root/audit" $((SEGMENT * 30)) 30
cat "$root"/audit/*.jsonl > /dev/null
END=2026-05-24T23:59:59.999Z
echo
echo "hourly re-run: $(ls "$root"/audit | wc -l) segments, $(( $(du -cb "$root"/audit/*.jsonl | tail -1 | cut -f1) / 1000000 )) MB, 30-day router-tuning window"
read -r first first_rss < <(TEND_NOW=$END measure "$BIN" promote observe router-tuning)
rm -rf "$work/state.snap"; cp -a "$root/state" "$work/state.snap"
python3 bench/gen_audit.py "$work/grow" 1000000 1 11
cat "$work/grow/2026-05-24.jsonl" >> "$root/audit/2026-05-24.jsonl"
start_best=
for _ in $(seq 5); do
  read -r s _ < <(measure "$BIN" --version)
  start_best=$(printf '%s\n%s\n' "${start_best:-999}" "$s" | best)
done
rerun() { # now → best seconds, RSS, bytes read
  local best_s= rss= bytes=
  for _ in $(seq 5); do
    rm -rf "$root/state"; cp -a "$work/state.snap" "$root/state"
    read -r s r < <(TEND_NOW=$1 measure "$BIN" promote observe router-tuning)
    if [ -z "$best_s" ] || awk "BEGIN{exit !($s < $best_s)}"; then best_s=$s; rss=$r; fi
  done
  bytes=$(python3 -c "import json;print(json.load(open('$root/observations/router-tuning.json'))['bytes_read'])")
  echo "$best_s $rss $bytes"
}
read -r same same_rss same_bytes < <(rerun "$END")
read -r later later_rss later_bytes < <(rerun 2026-05-25T00:59:59.999Z)
printf '%-44s %10s %10s %14s\n' what seconds 'RSS MB' 'bytes read'
printf '%-44s %10.3f %10s %14s\n' "process start (tend --version)" "$start_best" - -
printf '%-44s %10.3f %10s %14s\n' "first observe (cache built)" "$first" "$first_rss" -
printf '%-44s %10.3f %10s %14s\n' "(a) re-run, same instant, +1 MB today" "$same" "$same_rss" "$same_bytes"
printf '%-44s %10.3f %10s %14s\n' "(b) re-run an hour later, +1 MB today" "$later" "$later_rss" "$later_bytes"
echo "  (a) beyond process start: $(awk "BEGIN{printf \"%.0f\", ($same - $start_best) * 1000}") ms"
