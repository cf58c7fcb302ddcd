#!/usr/bin/env bash
# Audit-log substrate benchmark (issue 2): a 1 GB generated log; the tail
# reader's throughput for a kind in 5 % and in 60 % of rows next to `cat`; and
# no-op `tend status` / `tend audit tail` against `true`. See benches/audit.rs.
# TEND_BENCH_BYTES sets the log size (default 1e9).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench --bench audit
