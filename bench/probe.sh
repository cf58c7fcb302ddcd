#!/bin/sh
# Wall time of `tend probe run` against running the same probe scripts one
# after another from a shell loop.
#
#   1. 50 probes that each sleep 0.5 s, with [probes] max_parallel = 8:
#      expected about ceil(50/8) = 7 rounds x 0.5 s = 3.5 s (a loop takes 25 s).
#   2. 50 trivial probes (echo OK): the fixed cost of spawning, reading,
#      deciding and writing 50 audit rows and the state file.
#
# Run from the repository:  sh bench/probe.sh   (builds the release binary)
# Each case runs REPEAT times (default 3); every wall time is printed.
set -eu

cd "$(dirname "$0")/.."
cargo build --release --quiet
TEND="$PWD/target/release/tend"
REPEAT="${REPEAT:-3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
elapsed() { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }

setup() { # root body
    mkdir -p "$1/probes.d"
    printf '[probes]\nmax_parallel = 8\n' > "$1/tend.toml"
    i=1
    while [ "$i" -le 50 ]; do
        name=$(printf 'p%02d' "$i")
        printf '#!/bin/sh\n%s\necho "OK - %s | t=0.5s"\n' "$2" "$name" > "$1/probes.d/$name"
        chmod +x "$1/probes.d/$name"
        i=$((i + 1))
    done
}

measure() { # label root
    n=1
    while [ "$n" -le "$REPEAT" ]; do
        start=$(now)
        "$TEND" --root "$2" probe run
        end=$(now)
        echo "$1: tend probe run            $(elapsed "$start" "$end") s"
        start=$(now)
        for f in "$2"/probes.d/*; do "$f" > /dev/null; done
        end=$(now)
        echo "$1: sequential shell loop     $(elapsed "$start" "$end") s"
        n=$((n + 1))
    done
}

setup "$WORK/sleepy" "sleep 0.5"
setup "$WORK/trivial" ":"
echo "tend $("$TEND" --version | cut -d' ' -f2), $(nproc) CPUs, 50 probes, max_parallel = 8"
measure "50 x sleep 0.5" "$WORK/sleepy"
measure "50 x trivial  " "$WORK/trivial"
