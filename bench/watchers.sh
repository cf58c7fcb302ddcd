#!/usr/bin/env bash
# `tend watchers tick` at scale (design §8 speed, issue 11). Release build.
# Measures (wall clock and peak RSS from /usr/bin/time):
#
#   1. rebuilding state/decisions.index from scratch over 1,000,000 past
#      Decisions (the first tick after the index is removed);
#   2. a tick over 100,000 entities (all Held; 20,000 stalled, of which 19,900
#      already flagged among the 1,000,000 past Decisions, so 100 are new and
#      max_flags_per_run = 100 flags them): target ≤ 0.5 s;
#   3. the same with `--dry-run` (no durable writes);
#   4. side by side, the straightforward Python a platform team would write:
#      load every decision id into a set, compute uuid5 per stalled entity,
#      append the new Decisions;
#   5. a command source streaming 10,000,000 entities (awk, JSON Lines): time
#      and peak RSS.
#
# Usage: nice -n 19 bench/watchers.sh
#        TEND_BENCH_STREAM=1000000 bench/watchers.sh   (a smaller stream)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/tend
STREAM=${TEND_BENCH_STREAM:-10000000}
NS=8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e5f

work=$(mktemp -d "${TMPDIR:-/tmp}/tend-watchers-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/entities" "$root/decisions" "$root/state"
export TEND_ROOT=$root TEND_NOW=2026-05-24T08:00:00Z

# The streamed source: awk printing JSON Lines (no quoting inside tend.toml).
cat > "$root/gen.sh" <<EOF
awk 'BEGIN { for (i = 0; i < $STREAM; i++) printf "{\\"campaign_id\\":\\"s-%d\\",\\"status\\":\\"Running\\",\\"last_status_changed_at\\":\\"2026-05-01T00:00:00Z\\"}\\n", i }'
EOF

cat > "$root/tend.toml" <<EOF
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
max_flags_per_run = 100

[[watcher]]
name = "stream"
source = { command = ["sh", "gen.sh"] }
id_field = "campaign_id"
status_field = "status"
statuses = ["Held"]
since_field = "last_status_changed_at"
stale_after = "72h"
context = "CampaignProgress"
choice = "Stuck"
decided_by = "agent:campaign-watcher"
namespace = "8d7f2c1e-4b6a-5d3c-9e8f-0a1b2c3d4e60"
timeout = "600s"
EOF

echo "== generating 100,000 entities and 1,000,000 past decisions"
python3 - "$root" "$NS" <<'EOF'
import json, sys, uuid
root, ns = sys.argv[1], uuid.UUID(sys.argv[2])
with open(f"{root}/entities/campaigns.jsonl", "w") as f:
    for i in range(100_000):
        # 20,000 stalled (held since May 1st), the rest held yesterday.
        since = "2026-05-01T00:00:00Z" if i < 20_000 else "2026-05-23T00:00:00Z"
        f.write(json.dumps({"campaign_id": f"c-{i}", "status": "Held",
                            "last_status_changed_at": since}) + "\n")
with open(f"{root}/decisions/2026-05.jsonl", "w") as f:
    for i in range(1_000_000):
        if i < 19_900:   # the stalled ones already flagged
            did = uuid.uuid5(ns, f"decision:c-{i}:2026-05-01T00:00:00+00:00")
        else:            # older episodes of other entities
            did = uuid.uuid5(ns, f"decision:old-{i}:2026-01-01T00:00:00+00:00")
        f.write(json.dumps({"decision_id": str(did), "decided_at": "2026-05-01T00:00:00.000Z",
            "decided_by": "agent:campaign-watcher", "context": "CampaignProgress", "choice": "Stuck",
            "rule": "stale_after:3d", "reasoning": "campaign x has been Held since 2026-01-01T00:00:00+00:00 with no progress for 3d.",
            "inputs": {"entity_id": f"old-{i}", "status": "Held", "since": "2026-01-01T00:00:00+00:00",
                       "last_progress": "2026-01-01T00:00:00+00:00", "threshold_seconds": 259200,
                       "observed_at": "2026-05-01T00:00:00.000Z"},
            "confidence_source": "deterministic", "event_id": str(uuid.uuid4()), "watcher": "campaign"},
            separators=(",", ":")) + "\n")
EOF
ls -la "$root/decisions"
cp "$root/decisions/2026-05.jsonl" "$work/decisions.orig"

measure() { # label, command…
  local label=$1; shift
  /usr/bin/time -f "$label: %e s wall, %M KB peak RSS" "$@" > /dev/null
}

echo "== 1. index rebuild over 1,000,000 decisions (dry run: the scan is the rebuild)"
measure "index rebuild (in memory)" "$BIN" watchers tick campaign --dry-run
echo "== 1b. first real tick: rebuild, write the index, flag 100"
measure "first tick (rebuild + write index + flag 100)" "$BIN" watchers tick campaign
ls -la "$root/state/decisions.index"
echo "== 2. steady ticks: 100,000 entities, 1,000,100 past decisions, 100 new flags each"
for i in 1 2 3; do measure "tick $i" "$BIN" watchers tick campaign; done
echo "== 3. the same, --dry-run"
for i in 1 2 3; do measure "dry-run tick $i" "$BIN" watchers tick campaign --dry-run; done

echo "== 4. the straightforward Python"
cat > "$work/watcher.py" <<'EOF'
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
            if did not in seen and len(new) < 100:
                new.append({"decision_id": did, "inputs": {"entity_id": e["campaign_id"]}})
with open(f"{root}/decisions/2026-05.jsonl", "a") as f:
    for d in new:
        f.write(json.dumps(d) + "\n")
EOF
for i in 1 2; do measure "python $i" python3 "$work/watcher.py" "$root" "$NS"; done

echo "== 5. a command source streaming $STREAM entities"
measure "stream $STREAM entities" "$BIN" watchers tick stream
