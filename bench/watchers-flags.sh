#!/usr/bin/env bash
# A watchers tick that flags many new entities (design §8 speed, issue 21 goal
# 2: ≥ 16× the seed-style Python script and ≤ 0.3 s), side by side, A/B/A/B,
# medians. 100,000 entities, 1,000,000 past decisions; 35,000 entities
# stalled, 20,181 of them already flagged, so each tick flags 14,819.
# Before every timed run the decision file, the audit log and the state are
# put back as they were (not timed), so every run flags the same 14,819;
# the index starts from what the tick before left (the base file written,
# no delta), as in steady operation.
#
# Usage: nice -n 0 bench/watchers-flags.sh       TEND_BENCH_RUNS=5 bench/watchers-flags.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/tend
RUNS=${TEND_BENCH_RUNS:-7}
NS=8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5f
work=$(mktemp -d "${TMPDIR:-/tmp}/tend-flags-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/entities" "$root/decisions" "$root/state"
export TEND_ROOT=$root TEND_NOW=2026-05-24T08:00:00Z
cat > "$root/tend.toml" <<EOF2
[[watcher]]
name = "campaign"
enabled = true
source = { file = "entities/campaigns.jsonl" }
id_field = "campaign_id"
status_field = "status"
statuses = ["Held"]
since_field = "last_status_changed_at"
stale_after = "72h"
context = "CampaignProgress"
choice = "Stuck"
decided_by = "agent:campaign-watcher"
namespace = "$NS"
max_flags_per_run = 100000
EOF2
echo "== generating 100,000 entities and 1,000,000 past decisions"
python3 - "$root" "$NS" <<'EOF2'
import json, sys, uuid
root, ns = sys.argv[1], uuid.UUID(sys.argv[2])
STALLED, FLAGGED = 35_000, 20_181
with open(f"{root}/entities/campaigns.jsonl", "w") as f:
    for i in range(100_000):
        since = "2026-05-01T00:00:00Z" if i < STALLED else "2026-05-23T00:00:00Z"
        f.write(json.dumps({"campaign_id": f"c-{i}", "status": "Held",
                            "last_status_changed_at": since}) + "\n")
with open(f"{root}/decisions/2026-05.jsonl", "w") as f:
    for i in range(1_000_000):
        if i < FLAGGED:
            did = uuid.uuid5(ns, f"decision:c-{i}:2026-05-01T00:00:00+00:00")
        else:
            did = uuid.uuid5(ns, f"decision:old-{i}:2026-01-01T00:00:00+00:00")
        f.write(json.dumps({"decision_id": str(did), "decided_at": "2026-05-01T00:00:00.000Z",
            "decided_by": "agent:campaign-watcher", "context": "CampaignProgress", "choice": "Stuck",
            "rule": "stale_after:3d", "reasoning": "campaign x has been Held since 2026-01-01T00:00:00+00:00 with no progress for 3d.",
            "inputs": {"entity_id": f"old-{i}", "status": "Held", "since": "2026-01-01T00:00:00+00:00",
                       "last_progress": "2026-01-01T00:00:00+00:00", "threshold_seconds": 259200,
                       "observed_at": "2026-05-01T00:00:00.000Z"},
            "confidence_source": "deterministic", "event_id": str(uuid.uuid4()), "watcher": "campaign"},
            separators=(",", ":")) + "\n")
EOF2
# The index as the tick before left it (a dry run writes nothing; build it
# with a tick over no stalled entity).
mv "$root/entities/campaigns.jsonl" "$work/campaigns.jsonl"
: > "$root/entities/campaigns.jsonl"
"$BIN" watchers tick campaign > /dev/null
mv "$work/campaigns.jsonl" "$root/entities/campaigns.jsonl"
rm -f "$root/state/decisions.index.delta"
mkdir -p "$root/audit"
cp -a "$root/decisions" "$work/decisions.snap"
cp -a "$root/state" "$work/state.snap"
cp -a "$root/audit" "$work/audit.snap"

cat > "$work/watcher.py" <<'EOF2'
# The seed-style script: every past id into a set, uuid5 per stalled entity,
# append the new Decisions.
import json, sys, uuid, glob
from datetime import datetime, timezone, timedelta
root, ns = sys.argv[1], uuid.UUID(sys.argv[2])
now = datetime(2026, 5, 24, 8, tzinfo=timezone.utc)
seen = set()
for path in glob.glob(f"{root}/decisions/*.jsonl"):
    with open(path) as f:
        for line in f:
            seen.add(json.loads(line)["decision_id"])
new = []
with open(f"{root}/entities/campaigns.jsonl") as f:
    for line in f:
        e = json.loads(line)
        if e["status"] != "Held":
            continue
        since = datetime.fromisoformat(e["last_status_changed_at"].replace("Z", "+00:00")).astimezone(timezone.utc)
        if now - since >= timedelta(hours=72):
            did = str(uuid.uuid5(ns, f"decision:{e['campaign_id']}:{since.isoformat()}"))
            if did not in seen:
                new.append({"decision_id": did, "decided_at": now.isoformat(), "choice": "Stuck",
                            "inputs": {"entity_id": e["campaign_id"], "since": since.isoformat()}})
with open(f"{root}/decisions/2026-05.jsonl", "a") as f:
    for d in new:
        f.write(json.dumps(d) + "\n")
print(len(new), file=sys.stderr)
EOF2
restore="rm -rf '$root/decisions' '$root/state' '$root/audit'; cp -a '$work/decisions.snap' '$root/decisions'; cp -a '$work/state.snap' '$root/state'; cp -a '$work/audit.snap' '$root/audit'"
echo "== a tick flagging 14,819 of 100,000 entities over 1,000,000 past decisions, $RUNS runs each"
ABAB_SETUP="$restore" python3 bench/abab.py "$RUNS" \
  "seed-style python" -- python3 "$work/watcher.py" "$root" "$NS" --- \
  "tend watchers tick" -- "$BIN" watchers tick campaign
eval "$restore"
"$BIN" --json watchers tick campaign | tail -1
ls -l "$root/state/" | grep decisions
