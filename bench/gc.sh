#!/usr/bin/env bash
# gc checkpoints benchmark (design §9 "Speed"; a benchmark, not a timed test).
#
#  1. Scanning N threads (default 1,000,000):
#     - directory store: `tend gc checkpoints --dry-run` vs `find DIR -printf
#       '%T@ %p\n'` (the same stat per entry) on the same tree;
#     - SQLite: `tend gc checkpoints --dry-run` vs `sqlite3 DB 'select distinct
#       thread_id from checkpoints'` on the same database.
#     Every session is active, so the dry run decides and prints nothing per
#     thread with -q: what is measured is the whole command — reading the
#     N-row sessions file (which the baselines do not read), the scan, and the
#     rule — against the baseline on the same store, both run twice,
#     interleaved, in the same run of this script (the first pass warms the
#     page cache for both; compare the second).
#  2. Deleting D orphaned threads (default 10,000) from a LangGraph SQLite
#     database of about S MB (default 600): `tend gc checkpoints` (one
#     transaction per thread, an audit row each) vs LangGraph's
#     `SqliteSaver.delete_thread` called in a loop, on copies of the same file
#     (WAL mode, as SqliteSaver.setup() leaves it). Both are bound by fsyncs:
#     SqliteSaver commits each thread with synchronous=FULL (one WAL fsync per
#     thread); tend commits each thread without syncing and syncs its audit
#     rows, then the WAL, every 100 threads (see src/gc/journal.rs).
#  Wall time, user CPU time and peak RSS of each (GNU time, %e %U %M).
#
# Environment: GC_BENCH_THREADS, GC_BENCH_DELETE, GC_BENCH_MB, GC_BENCH_DIR
# (scratch, default a temporary directory), GC_BENCH_PARTS (any of `dir
# sqlite delete`, default all three). Run it `nice -n 19`.
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=${GC_BENCH_THREADS:-1000000}
DELETE=${GC_BENCH_DELETE:-10000}
MB=${GC_BENCH_MB:-600}
WORK=${GC_BENCH_DIR:-$(mktemp -d)}
PARTS=${GC_BENCH_PARTS:-dir sqlite delete}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
mkdir -p "$WORK"
trap '[ -z "${GC_BENCH_DIR:-}" ] && rm -rf "$WORK"' EXIT

cargo build --release --quiet
TEND=$PWD/target/release/tend
FIXTURE=$PWD/tests/gc_langgraph.py
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

measure() { # label, command…: prints wall seconds and peak RSS
  local label=$1; shift
  /usr/bin/time -f "%e %U %M" -o "$WORK/time" "$@" >/dev/null 2>"$WORK/stderr" || {
    echo "$label failed:" >&2; cat "$WORK/stderr" >&2; exit 1; }
  read -r secs user kb <"$WORK/time"
  printf '%-44s %8.2f s wall %8.2f s user %8d KB\n' "$label" "$secs" "$user" "$kb"
}

root() { # store-config → a root whose sessions list every thread as active
  local r=$WORK/root-$RANDOM
  mkdir -p "$r"
  printf '[gc.checkpoints]\nstore = %s\nsessions = { file = "%s" }\n' "$1" "$2" >"$r/tend.toml"
  echo "$r"
}

if part dir || part sqlite; then
echo "== scan: $THREADS threads"
python3 - "$WORK" "$THREADS" "$PARTS" <<'EOF'
import os, sys, sqlite3
work, n, parts = sys.argv[1], int(sys.argv[2]), sys.argv[3].split()
# Sessions: every thread's session is active.
with open(f"{work}/sessions.jsonl", "w") as f:
    for i in range(n):
        f.write('{"id":"S-%d"}\n' % i)
if "sqlite" in parts and "dir" not in parts:
    n_dir = 0
else:
    n_dir = n
# Directory store: one directory per thread with one checkpoint file.
d = f"{work}/dir"
os.makedirs(d, exist_ok=True)
for i in range(n_dir):
    t = f"{d}/S-{i}"
    os.mkdir(t)
    with open(f"{t}/c.json", "w") as f:
        f.write("{}")
# SQLite store: the LangGraph schema, 2 checkpoints per thread.
db = sqlite3.connect(f"{work}/scan.sqlite")
db.executescript(open(sys.argv[0]).read() if False else """
CREATE TABLE checkpoints (thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL, parent_checkpoint_id TEXT, type TEXT, checkpoint BLOB, metadata BLOB, PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id));
CREATE TABLE writes (thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL, task_id TEXT NOT NULL, task_path TEXT NOT NULL DEFAULT '', idx INTEGER NOT NULL, channel TEXT NOT NULL, type TEXT, value BLOB, PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx));
PRAGMA journal_mode=WAL;
""")
rows = ((f"S-{i}", "", "1f144f0b-255c-60%02d-8000-%012x" % (s, i), None, "msgpack", b"x" * 64, b"{}")
        for i in range(n) for s in (14, 28))
db.executemany("INSERT INTO checkpoints VALUES (?,?,?,?,?,?,?)", rows)
db.commit()
db.close()
EOF
sync
if part dir; then
  R=$(root "{ dir = \"$WORK/dir\" }" "$WORK/sessions.jsonl")
  # Twice each, interleaved: the first pass warms the cache for both.
  for _ in 1 2; do
    measure "find -printf '%T@ %p' (directory)" find "$WORK/dir" -printf '%T@ %p\n'
    measure "tend gc checkpoints --dry-run (directory)" "$TEND" --root "$R" -q gc checkpoints --dry-run
  done
fi
if part sqlite; then
  R=$(root "{ sqlite = \"$WORK/scan.sqlite\" }" "$WORK/sessions.jsonl")
  for _ in 1 2; do
    measure "sqlite3 select distinct thread_id" sqlite3 "$WORK/scan.sqlite" 'select distinct thread_id from checkpoints'
    measure "tend gc checkpoints --dry-run (sqlite)" "$TEND" --root "$R" -q gc checkpoints --dry-run
  done
fi
rm -rf "$WORK/dir" "$WORK/scan.sqlite"
fi
part delete || exit 0

echo "== delete: $DELETE orphaned threads from a ~${MB} MB LangGraph SQLite database"
# Threads of 3 checkpoints and 3 writes of 2 KB each: SQLite stores each
# row on its own 4 KB page, ~24 KB a thread.
TOTAL=$(( MB * 1024 / 24 ))
[ "$TOTAL" -ge "$DELETE" ] || TOTAL=$DELETE
python3 "$FIXTURE" bulk sqlite "$WORK/del.sqlite" "$TOTAL" 3
ls -l "$WORK/del.sqlite" | awk '{printf "database: %d MB, %d threads\n", $5/1048576, '"$TOTAL"'}'
# The first DELETE threads are orphans; the rest are active.
python3 - "$WORK" "$TOTAL" "$DELETE" <<'EOF'
import sys
work, total, delete = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(f"{work}/del-sessions.jsonl", "w") as f:
    for i in range(delete, total):
        f.write('{"id":"bulk-%d"}\n' % i)
with open(f"{work}/del-ids.txt", "w") as f:
    f.write("\n".join(f"bulk-{i}" for i in range(delete)))
EOF
cp "$WORK/del.sqlite" "$WORK/del-py.sqlite"
R=$(root "{ sqlite = \"$WORK/del.sqlite\" }" "$WORK/del-sessions.jsonl")
sync
measure "tend gc checkpoints ($DELETE threads)" "$TEND" --root "$R" -q gc checkpoints --max-deletions "$DELETE"
cat >"$WORK/delete.py" <<'EOF'
import sqlite3, sys
from langgraph.checkpoint.sqlite import SqliteSaver
conn = sqlite3.connect(sys.argv[1], check_same_thread=False)
saver = SqliteSaver(conn)
for thread in open(sys.argv[2]).read().split():
    saver.delete_thread(thread)
conn.close()
EOF
sync
measure "SqliteSaver.delete_thread loop ($DELETE)" python3 "$WORK/delete.py" "$WORK/del-py.sqlite" "$WORK/del-ids.txt"
for db in del del-py; do
  printf '%s: %s threads left\n' "$db" "$(sqlite3 "$WORK/$db.sqlite" 'select count(distinct thread_id) from checkpoints')"
done
