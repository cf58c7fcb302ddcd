#!/usr/bin/env bash
# `tend alerts notify` at scale (issue 5), release build, stdout channel:
#
#   1. 10,000 active alerts of which 100 are new: the 100 go out as one burst
#      summary (to /dev/null), 10,000 entries are compared and the state is
#      written (once for the quiet decisions, once after the message);
#   2. a no-op run: the same 10,000 alerts, all already notified (nothing is
#      sent or written but the run record).
#
# Each case runs REPS times (default 3) on a fresh copy of the same root; the
# script prints wall time and peak resident memory of each run, measured by
# GNU time (`/usr/bin/time -f`, kernel rusage) when installed, else by Python's
# resource.getrusage(RUSAGE_CHILDREN) around the process (the same numbers).
#
# Usage: bench/alerts.sh            (TEND_BENCH_ALERTS, TEND_BENCH_NEW, REPS to change sizes)
set -euo pipefail
cd "$(dirname "$0")/.."

N=${TEND_BENCH_ALERTS:-10000}
NEW=${TEND_BENCH_NEW:-100}
REPS=${REPS:-3}

cargo build --release --quiet
BIN=$PWD/target/release/tend
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Alerts as tend's own JSON Lines: N - NEW already known, NEW more in their own
# categories (so that no cooldown holds them back).
python3 - "$WORK" "$N" "$NEW" <<'PY'
import json, sys
work, n, new = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sev = ["critical", "warning", "info"]
def alert(i, category):
    return json.dumps({"id": f"alert-{i:06d}", "severity": sev[i % 3], "category": category,
                       "title": f"Thing {i} is unhappy", "summary": f"value {i} above threshold",
                       "started_at": "2026-05-24T07:00:00Z", "source": "bench"})
with open(f"{work}/known.jsonl", "w") as f:
    for i in range(n - new):
        f.write(alert(i, f"cat-{i % 500}") + "\n")
with open(f"{work}/all.jsonl", "w") as f:
    for i in range(n):
        f.write(alert(i, f"cat-{i % 500}" if i < n - new else f"new-{i}") + "\n")
PY

measure() { # label, then the command; stdout to /dev/null
    local label=$1; shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -o "$WORK/time" -f "%e %M" "$@" > /dev/null
        read -r secs kib < "$WORK/time"
    else
        read -r secs kib < <(python3 -c '
import resource, subprocess, sys, time
t = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
print("%.2f" % (time.monotonic() - t), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
' "$@")
    fi
    printf '%-44s %6s s wall  %7.1f MiB peak RSS\n' "$label" "$secs" "$(awk "BEGIN { print $kib / 1024 }")"
}

BASE=$WORK/base
TEND_NOW=2026-05-24T08:00:00Z "$BIN" --root "$BASE" alerts notify --from "$WORK/known.jsonl" > /dev/null
echo "root: $((N - NEW)) alerts notified; state $(stat -c %s "$BASE/state/alerts.notified.json") bytes"

export TEND_NOW=2026-05-24T08:05:00Z
for rep in $(seq "$REPS"); do
    rm -rf "$WORK/run" && cp -a "$BASE" "$WORK/run"
    measure "notify: $N active, $NEW new (run $rep)" "$BIN" --root "$WORK/run" alerts notify --from "$WORK/all.jsonl"
done
counts() { python3 -c 'import json,sys; print("  counts:", json.load(open(sys.argv[1]))["counts"])' "$WORK/run/state/runs/alerts-notify.json"; }
counts
before=$(sha256sum < "$WORK/run/state/alerts.notified.json")
for rep in $(seq "$REPS"); do
    measure "no-op: $N active, all notified (run $rep)" "$BIN" --root "$WORK/run" alerts notify --from "$WORK/all.jsonl"
done
counts
if [ "$before" = "$(sha256sum < "$WORK/run/state/alerts.notified.json")" ]; then
    echo "  no-op runs left state/alerts.notified.json untouched"
else
    echo "  no-op runs REWROTE state/alerts.notified.json" >&2
    exit 1
fi
