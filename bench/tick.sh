#!/usr/bin/env bash
# `tend tick` with nothing new (design §10, issue 21 goal 4: ≤ 2× `tend
# --version`), side by side: both commands in turn (A/B/A/B) so that the load
# of a shared machine falls on both, medians. The root is `tend init`'s
# (no probe, no watcher, promote off), ticked once before timing, so each
# timed tick finds nothing new: what remains is process start, the
# configuration, three steps' locks and reads, and their run records (one
# durable write for the whole tick).
#
# Usage: nice -n 0 bench/tick.sh        TEND_BENCH_RUNS=300 bench/tick.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=$PWD/target/release/tend
RUNS=${TEND_BENCH_RUNS:-200}
work=$(mktemp -d "${TMPDIR:-/tmp}/tend-tick-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TEND_ROOT=$work/root
"$BIN" init >/dev/null
"$BIN" tick >/dev/null
echo "== tend tick with nothing new, $RUNS runs each"
python3 bench/abab.py "$RUNS" \
  "tend --version" -- "$BIN" --version --- \
  "tend tick (nothing new)" -- "$BIN" tick
echo "== fsyncs of one tick (strace -f -c)"
if command -v strace >/dev/null; then
  strace -f -e trace=fsync,fdatasync,sync_file_range -o "$work/strace" "$BIN" tick >/dev/null
  printf 'fsync calls: %s\n' "$(grep -c 'sync' "$work/strace" || true)"
fi
