#!/usr/bin/env bash
# gc checkpoints' scan of a LangGraph Postgres store (issue 21 goal 3):
# `tend gc checkpoints --dry-run` over N threads (default 1,000,000; 2
# checkpoints each, every session active) against `psql -c 'select distinct
# thread_id from checkpoints'` on the same database, A/B/A/B, medians. A
# throwaway cluster (initdb as `postgres` through runuser when run as root,
# fsync off), the tables as PostgresSaver.setup() creates them.
#
# Usage: nice -n 0 bench/gc-postgres.sh      GC_BENCH_THREADS=200000 bench/gc-postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# TEND_BENCH_BIN: another build to measure (e.g. main's), else this tree's.
if [ -n "${TEND_BENCH_BIN:-}" ]; then BIN=$TEND_BENCH_BIN; else cargo build --release --quiet; BIN=$PWD/target/release/tend; fi
N=${GC_BENCH_THREADS:-1000000}
RUNS=${TEND_BENCH_RUNS:-5}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d "${TMPDIR:-/tmp}/tend-gc-pg-bench.XXXXXX")
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; as_pg=(runuser -u postgres --); fi
PORT=$(( 20000 + RANDOM % 20000 ))
cleanup() { "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
"${as_pg[@]}" "$PGBIN/initdb" -D "$work/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$work/data" -o "-p $PORT -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" -l "$work/log" -w start >/dev/null
DSN="host=127.0.0.1 port=$PORT user=postgres dbname=postgres"
PSQL=("$PGBIN/psql" -X -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres)
"${PSQL[@]}" -v ON_ERROR_STOP=1 <<SQL
CREATE TABLE checkpoints (thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL, parent_checkpoint_id TEXT, type TEXT, checkpoint JSONB NOT NULL, metadata JSONB NOT NULL DEFAULT '{}', PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id));
CREATE TABLE checkpoint_blobs (thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', channel TEXT NOT NULL, version TEXT NOT NULL, type TEXT NOT NULL, blob BYTEA, PRIMARY KEY (thread_id, checkpoint_ns, channel, version));
CREATE TABLE checkpoint_writes (thread_id TEXT NOT NULL, checkpoint_ns TEXT NOT NULL DEFAULT '', checkpoint_id TEXT NOT NULL, task_id TEXT NOT NULL, idx INTEGER NOT NULL, channel TEXT NOT NULL, type TEXT, blob BYTEA NOT NULL, task_path TEXT NOT NULL DEFAULT '', PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx));
INSERT INTO checkpoints (thread_id, checkpoint_id, type, checkpoint)
  SELECT 'S-' || i, '1f144f0b-255c-60' || s || '-8000-' || lpad(to_hex(i), 12, '0'), 'msgpack', '{}'::jsonb
  FROM generate_series(0, $N - 1) i, (VALUES ('14'), ('28')) v(s);
VACUUM ANALYZE checkpoints;
SQL
python3 -c "
import sys
with open('$work/sessions.jsonl', 'w') as f:
    for i in range($N):
        f.write('{\"id\":\"S-%d\"}\n' % i)
"
root=$work/root; mkdir -p "$root"
printf '[gc.checkpoints]\nstore = { postgres_env = "TEND_BENCH_DSN" }\nsessions = { file = "%s" }\n' "$work/sessions.jsonl" > "$root/tend.toml"
"$BIN" --root "$root" init >/dev/null 2>&1 || true
export TEND_BENCH_DSN=$DSN
echo "== scan: $N threads, $((N * 2)) checkpoints, $RUNS runs each"
python3 bench/abab.py "$RUNS" \
  "psql select distinct thread_id" -- "${PSQL[@]}" -At -c 'select distinct thread_id from checkpoints' --- \
  "tend gc checkpoints --dry-run (postgres)" -- "$BIN" --root "$root" -q gc checkpoints --dry-run
