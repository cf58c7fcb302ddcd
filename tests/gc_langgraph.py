#!/usr/bin/env python3
"""LangGraph checkpoint fixtures for `tend gc checkpoints` tests.

Writes checkpoint databases with LangGraph's own savers (SqliteSaver,
AsyncSqliteSaver, PostgresSaver) at fixed times, and checks them afterwards
with the same savers.

  write  sqlite|aiosqlite|postgres TARGET MANIFEST   write the scenario, save what each thread holds
  check  sqlite|postgres TARGET MANIFEST KEPT GONE   kept threads intact, gone ones gone (comma lists)
  hold   sqlite DB [--lock]                          keep a WAL writer open (with a write lock) until stdin closes
  hold   postgres DSN THREAD                         hold a row lock on THREAD's checkpoints until stdin closes
  bulk   sqlite DB THREADS CHECKPOINTS               many old threads (for benchmarks), written directly

The scenario (session ids active in tests: INC-1, graph-A, x):
  INC-1, INC-1:retry-1, INC-1:retry-2   old; session active: all kept
  INC-2 (+ subgraph namespace, pending writes), INC-2:retry-1   old orphans: gone
  INC-3 old, INC-3:retry-1 recent       orphan touched within min_age: both kept
  INC-10                                old orphan (INC-1 is active, INC-10 is not): gone
  x:retry-a                             old orphan (not a retry of x): gone
  graph-A                               a real StateGraph run with a subgraph, stopped at interrupt(): kept
  graph-B                               the same graph, orphaned: gone
"""

import asyncio
import json
import sqlite3
import sys
import time
from datetime import datetime, timezone
from typing import TypedDict

from langgraph.checkpoint.base import id as idmod
from langgraph.checkpoint.base import create_checkpoint, empty_checkpoint

OLD = "2026-05-01T00:00:00+00:00"
RECENT = "2026-05-24T07:30:00+00:00"


class Clock:
    """time.time_ns at a fixed instant, advancing 1 µs per call, so the
    UUIDv6 checkpoint ids LangGraph makes carry the scenario's times."""

    def __init__(self):
        self.ns = 0

    def set(self, iso):
        self.ns = int(datetime.fromisoformat(iso).timestamp()) * 1_000_000_000
        idmod._last_v6_timestamp = None

    def __call__(self):
        self.ns += 1000
        return self.ns


CLOCK = Clock()
time.time_ns = CLOCK


def cfg(thread, ns="", checkpoint_id=None):
    c = {"configurable": {"thread_id": thread, "checkpoint_ns": ns}}
    if checkpoint_id:
        c["configurable"]["checkpoint_id"] = checkpoint_id
    return c


def plain_threads():
    """(thread, time, [(namespace, pending writes)]) written with put/put_writes."""
    return [
        ("INC-1", OLD, [("", 0)]),
        ("INC-1:retry-1", OLD, [("", 1)]),
        ("INC-1:retry-2", OLD, [("", 2)]),
        ("INC-2", OLD, [("", 2), ("child:7b1c", 1)]),
        ("INC-2:retry-1", OLD, [("", 0)]),
        ("INC-3", OLD, [("", 1)]),
        ("INC-3:retry-1", RECENT, [("", 1)]),
        ("INC-10", OLD, [("", 1)]),
        ("x:retry-a", OLD, [("", 0)]),
    ]


def put_thread(saver, thread, at, namespaces):
    CLOCK.set(at)
    for ns, writes in namespaces:
        parent = None
        for step in range(3):
            base = empty_checkpoint()
            cp = create_checkpoint(base, None, step)
            cp["channel_values"] = {"messages": [f"{thread} {ns} step {step}"], "n": step}
            cp["channel_versions"] = {"messages": str(step + 1), "n": str(step + 1)}
            stored = saver.put(
                cfg(thread, ns, parent),
                cp,
                {"source": "loop", "step": step, "writes": None, "parents": {}},
                {"messages": str(step + 1), "n": str(step + 1)},
            )
            parent = stored["configurable"]["checkpoint_id"]
        if writes:
            saver.put_writes(
                cfg(thread, ns, parent),
                [("messages", f"pending {i} of {thread}") for i in range(writes)],
                task_id=f"task-{thread}-{ns}",
            )


async def aput_thread(saver, thread, at, namespaces):
    CLOCK.set(at)
    for ns, writes in namespaces:
        parent = None
        for step in range(3):
            cp = create_checkpoint(empty_checkpoint(), None, step)
            cp["channel_values"] = {"messages": [f"{thread} {ns} step {step}"], "n": step}
            cp["channel_versions"] = {"messages": str(step + 1), "n": str(step + 1)}
            stored = await saver.aput(
                cfg(thread, ns, parent),
                cp,
                {"source": "loop", "step": step, "writes": None, "parents": {}},
                {"messages": str(step + 1), "n": str(step + 1)},
            )
            parent = stored["configurable"]["checkpoint_id"]
        if writes:
            await saver.aput_writes(
                cfg(thread, ns, parent),
                [("messages", f"pending {i} of {thread}") for i in range(writes)],
                task_id=f"task-{thread}-{ns}",
            )


def graph(checkpointer):
    """A parent graph whose node is a subgraph that stops at interrupt()."""
    from langgraph.graph import END, START, StateGraph
    from langgraph.types import interrupt

    class State(TypedDict):
        text: str

    def draft(state):
        return {"text": state["text"] + " drafted"}

    def review(state):
        answer = interrupt({"question": "approve?", "text": state["text"]})
        return {"text": state["text"] + f" reviewed:{answer}"}

    sub = StateGraph(State)
    sub.add_node("draft", draft)
    sub.add_node("review", review)
    sub.add_edge(START, "draft")
    sub.add_edge("draft", "review")
    sub.add_edge("review", END)

    parent = StateGraph(State)
    parent.add_node("work", sub.compile())
    parent.add_node("finish", lambda s: {"text": s["text"] + " done"})
    parent.add_edge(START, "work")
    parent.add_edge("work", "finish")
    parent.add_edge("finish", END)
    return parent.compile(checkpointer=checkpointer)


def run_graphs(saver):
    app = graph(saver)
    for thread in ["graph-A", "graph-B"]:
        CLOCK.set(OLD)
        app.invoke({"text": thread}, {"configurable": {"thread_id": thread}})


async def arun_graphs(saver):
    app = graph(saver)
    for thread in ["graph-A", "graph-B"]:
        CLOCK.set(OLD)
        await app.ainvoke({"text": thread}, {"configurable": {"thread_id": thread}})


def snapshot(saver, threads):
    """What each thread holds, as the saver reads it back."""
    out = {}
    for thread in threads:
        items = []
        for t in saver.list({"configurable": {"thread_id": thread}}):
            c = t.config["configurable"]
            items.append(
                [c["checkpoint_ns"], c["checkpoint_id"], len(t.pending_writes or []),
                 json.dumps(t.checkpoint["channel_values"], sort_keys=True, default=str)]
            )
        items.sort()
        latest = saver.get_tuple(cfg(thread))
        out[thread] = {
            "checkpoints": items,
            "latest": latest.config["configurable"]["checkpoint_id"] if latest else None,
            "latest_pending": sorted(
                [w[1], json.dumps(w[2], default=str)] for w in (latest.pending_writes or [])
            ) if latest else [],
        }
    return out


def all_threads():
    return [t for t, _, _ in plain_threads()] + ["graph-A", "graph-B"]


def write(kind, target, manifest):
    if kind == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        conn = sqlite3.connect(target, check_same_thread=False)
        saver = SqliteSaver(conn)
        for thread, at, namespaces in plain_threads():
            put_thread(saver, thread, at, namespaces)
        run_graphs(saver)
        snap = snapshot(saver, all_threads())
        conn.close()
    elif kind == "aiosqlite":
        from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

        async def main():
            async with AsyncSqliteSaver.from_conn_string(target) as saver:
                for thread, at, namespaces in plain_threads():
                    await aput_thread(saver, thread, at, namespaces)
                await arun_graphs(saver)

        asyncio.run(main())
        from langgraph.checkpoint.sqlite import SqliteSaver

        with SqliteSaver.from_conn_string(target) as saver:
            snap = snapshot(saver, all_threads())
    elif kind == "postgres":
        from langgraph.checkpoint.postgres import PostgresSaver

        with PostgresSaver.from_conn_string(target) as saver:
            saver.setup()
            for thread, at, namespaces in plain_threads():
                put_thread(saver, thread, at, namespaces)
            run_graphs(saver)
            snap = snapshot(saver, all_threads())
    else:
        sys.exit(f"unknown kind {kind}")
    for thread in all_threads():
        if not snap[thread]["checkpoints"]:
            sys.exit(f"fixture wrote nothing for {thread}")
    # The interrupted graph must have left pending writes to check.
    if not any(c[2] for c in snap["graph-A"]["checkpoints"]):
        sys.exit("graph-A has no pending writes")
    with open(manifest, "w") as f:
        json.dump(snap, f, indent=1, sort_keys=True)


def check(kind, target, manifest, kept, gone):
    with open(manifest) as f:
        before = json.load(f)
    kept = [t for t in kept.split(",") if t]
    gone = [t for t in gone.split(",") if t]
    if kind == "sqlite":
        from langgraph.checkpoint.sqlite import SqliteSaver

        ctx = SqliteSaver.from_conn_string(target)
    else:
        from langgraph.checkpoint.postgres import PostgresSaver

        ctx = PostgresSaver.from_conn_string(target)
    problems = []
    with ctx as saver:
        now = snapshot(saver, kept + gone)
        for t in kept:
            if now[t] != before[t]:
                problems.append(f"kept thread {t} changed:\n before {before[t]}\n now    {now[t]}")
        for t in gone:
            if now[t]["checkpoints"] or now[t]["latest"] is not None:
                problems.append(f"thread {t} is still there: {now[t]}")
        if kind == "sqlite":
            for t in gone:
                n = saver.conn.execute("SELECT count(*) FROM writes WHERE thread_id = ?", (t,)).fetchone()[0]
                if n:
                    problems.append(f"thread {t} still has {n} writes")
        else:
            with saver._cursor() as cur:
                for t in gone:
                    for table in ["checkpoint_blobs", "checkpoint_writes"]:
                        cur.execute(f"SELECT count(*) AS n FROM {table} WHERE thread_id = %s", (t,))
                        n = cur.fetchone()["n"]
                        if n:
                            problems.append(f"thread {t} still has {n} rows in {table}")
    if problems:
        sys.exit("\n".join(problems))
    print("ok")


def hold(kind, target, rest):
    if kind == "sqlite":
        conn = sqlite3.connect(target, isolation_level=None)
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            sys.exit(f"{target} is in {mode} mode, not wal")
        conn.execute("SELECT count(*) FROM checkpoints").fetchone()
        if "--lock" in rest:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE checkpoints SET type = type WHERE thread_id = 'INC-2'")
    else:
        import psycopg

        conn = psycopg.connect(target)
        conn.execute(
            "SELECT checkpoint_id FROM checkpoints WHERE thread_id = %s FOR UPDATE", (rest[0],)
        ).fetchall()
    print("ready", flush=True)
    sys.stdin.read()
    conn.close()


def bulk(target, threads, checkpoints):
    """Old orphaned threads shaped as SqliteSaver writes them (3 namespaces
    are not needed for speed; one namespace, N checkpoints, 1 write each)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    threads, checkpoints = int(threads), int(checkpoints)
    conn = sqlite3.connect(target, check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    CLOCK.set(OLD)
    payload = b"x" * 2048
    rows, writes = [], []
    for i in range(threads):
        for s in range(checkpoints):
            cid = str(idmod.uuid6(clock_seq=s))
            rows.append((f"bulk-{i}", "", cid, None, "msgpack", payload, b"{}"))
            writes.append((f"bulk-{i}", "", cid, "task", "", 0, "messages", "msgpack", payload))
        if len(rows) >= 50_000:
            flush(conn, rows, writes)
    flush(conn, rows, writes)
    conn.close()


def flush(conn, rows, writes):
    conn.executemany("INSERT INTO checkpoints VALUES (?,?,?,?,?,?,?)", rows)
    conn.executemany(
        "INSERT INTO writes (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, value) VALUES (?,?,?,?,?,?,?,?,?)",
        writes,
    )
    conn.commit()
    rows.clear()
    writes.clear()


if __name__ == "__main__":
    cmd, kind, target, *rest = sys.argv[1:]
    if cmd == "write":
        write(kind, target, rest[0])
    elif cmd == "check":
        check(kind, target, rest[0], rest[1], rest[2])
    elif cmd == "hold":
        hold(kind, target, rest)
    elif cmd == "bulk":
        bulk(target, rest[0], rest[1])
    else:
        sys.exit(f"unknown command {cmd}")
