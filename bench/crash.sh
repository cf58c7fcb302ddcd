#!/usr/bin/env bash
# The kill -9 harness at scale: runs every crash scenario of the integration
# suite (tests/integration/crash/) with TEND_CRASH_ITERATIONS runs each
# (default 2000, so ≥ 16,000 runs across the scenarios), niced, and
# prints the figures: runs, kills, kills inside a send, lost, duplicates,
# messages given up (unconfirmed after two attempts) and the most copies of
# one message (a third copy fails the scenario).
#
#   bench/crash.sh [ITERATIONS_PER_SCENARIO] [SCENARIO…]
#
# Scenarios: wake_consume alerts_notify probe_run tick audit_emit gc_checkpoints
# watchers_tick promote_run_and_review (default: all).
# A failure prints its seed; replay with TEND_CRASH_SEED=<seed>.
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-2000}
shift || true
scenarios=${*:-"wake_consume alerts_notify probe_run tick audit_emit gc_checkpoints watchers_tick promote_run_and_review"}
cargo build --release --quiet --tests
status=0
declare -A module=([wake_consume]=wake [alerts_notify]=alerts [probe_run]=probe [tick]=tick [audit_emit]=audit_emit [gc_checkpoints]=gc
    [watchers_tick]=watchers [promote_run_and_review]=promote)
for s in $scenarios; do
    TEND_CRASH_ITERATIONS=$iterations nice -n 19 cargo test --release --quiet --test integration \
        "crash::${module[$s]}::$s" -- --exact --nocapture --test-threads=1 2>&1 |
        grep -E '^crash |panicked|seed [0-9]+:' || status=1
done
exit $status
