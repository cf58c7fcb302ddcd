#!/bin/sh
# Runs tend's fuzz targets with cargo fuzz (nightly), each for N minutes, one
# after the other, niced (the machine is shared), and prints per target the
# executions, libFuzzer's coverage (cov = edges, ft = features) and whether
# it crashed. Crashes land in fuzz/artifacts/<target>/; add each as a
# regression unit test beside the code it broke, then fix it.
#
#   fuzz/run.sh [-m MINUTES] [TARGET…]      default: 10 minutes, every target
#
# Needs: rustup's nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
#
# Without AddressSanitizer (`-s none`): the code under fuzz is safe Rust (the
# crate's few `unsafe` blocks are system calls in store/, user.rs and
# terminal.rs, which no target reaches), so bounds and overflow checks already
# catch what ASan would, and ASan's allocator hooks made every input 4-15x
# slower. libFuzzer's coverage guidance stays on.
set -eu
cd "$(dirname "$0")"
minutes=10
if [ "${1:-}" = "-m" ]; then minutes=$2; shift 2; fi
targets=${*:-"audit_reader audit_window nagios_output probe_json alert_input entity_source duration config_toml"}
command -v cargo-fuzz >/dev/null 2>&1 || { echo "run.sh: cargo-fuzz is missing: cargo install cargo-fuzz" >&2; exit 2; }
mkdir -p logs
cargo +nightly fuzz build --release -s none >/dev/null
status=0
for target in $targets; do
    mkdir -p "corpus/$target"
    cp -n seeds/"$target"/* "corpus/$target/" 2>/dev/null || true
    log="logs/$target.log"
    if nice -n 19 cargo +nightly fuzz run --release -s none "$target" "corpus/$target" -- \
        -max_total_time=$((minutes * 60)) -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1; then
        outcome=ok
    else
        outcome="CRASH (see $log and artifacts/$target/)"
        status=1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
    echo "$target: ${runs:-?} executions in ${minutes} min, ${cov:-cov ?}, $outcome"
done
exit $status
