#!/bin/sh
# Regenerates docs/report.png, the README's screenshot of `tend report`: an
# example root (`tend init --example`) with a generated month of history
# (bench/report-history.py), a tick, a silence, the page, and headless
# Chromium's screenshot of it at 1440 px. One command, from the repository:
#
#     contrib/report-screenshot.sh [OUT.png]
#
# Needs cargo, python3 and Debian's chromium (apt-get install chromium).
set -eu
cd "$(dirname "$0")/.."
out=${1:-docs/report.png}
now=2026-05-24T08:00:00Z
cargo build --release --quiet
tend=$PWD/target/release/tend
chromium=$(command -v chromium || command -v chromium-browser) || {
    echo "report-screenshot: chromium is not installed (apt-get install chromium)" >&2
    exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TEND_ROOT="$work/root" TEND_NOW="$now" NO_COLOR=1
"$tend" init --example >/dev/null
python3 bench/report-history.py "$TEND_ROOT" --now "$now" >/dev/null
"$tend" tick >/dev/null || true
"$tend" alerts silence add --match id=probe:example-queue:queue_stalled \
    --for 2h --reason "queue migration" >/dev/null
"$tend" report --out "$work/www" >/dev/null
"$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$work/profile" --window-size=1440,1500 \
    --screenshot="$work/report.png" "file://$work/www/index.html" 2>/dev/null
mkdir -p "$(dirname "$out")"
cp "$work/report.png" "$out"
echo "wrote $out"
