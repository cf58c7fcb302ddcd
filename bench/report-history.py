#!/usr/bin/env python3
"""Writes a month (or --days) of made-up history into a tend root's audit log,
for `tend report` to draw: probe results with episodes of warnings and
failures, latency and perfdata with thresholds, LLM calls on a few routes
(one day over budget), watcher flags, and gc removals. With --pad-to BYTES,
platform rows (half inference.recorded, half reasoning.tool_called) are
added until the log holds that many bytes, for the benchmark.

Deterministic for a given --seed and --now. Standard library only.

    bench/report-history.py ROOT --now 2026-05-24T08:00:00Z [--days 30]
        [--every 5] [--pad-to 1000000000] [--seed 7]
"""

import argparse
import datetime as dt
import json
import os
import random

PROBES = {
    # name: (perfdata label, uom, warn, crit, base value, spread)
    "example-ok": ("latency", "s", "0.5", "1", 0.12, 0.05),
    "example-queue": ("waiting", "", "2", "5", 1.0, 1.5),
    "api": ("response", "s", "0.8", "2", 0.25, 0.1),
    "db-disk": ("used", "%", "80", "90", 62.0, 4.0),
}
ROUTES = {"support_triage": 0.0004, "billing": 0.0002, "research": 0.0030}


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)


class Log:
    def __init__(self, root, rnd):
        self.dir = os.path.join(root, "audit")
        os.makedirs(self.dir, exist_ok=True)
        self.files = {}
        self.rnd = rnd
        self.bytes = 0

    def row(self, t, kind, details, key=None):
        r = {"id": "%032x" % self.rnd.getrandbits(128), "ts": ts(t), "kind": kind}
        if key:
            r["correlation_key"] = key
        r["details"] = details
        line = json.dumps(r, separators=(",", ":")) + "\n"
        day = t.strftime("%Y-%m-%d.jsonl")
        f = self.files.get(day)
        if f is None:
            f = self.files[day] = open(os.path.join(self.dir, day), "a")
        f.write(line)
        self.bytes += len(line)

    def close(self):
        for f in self.files.values():
            f.close()


def status_at(name, t, start):
    """Episodes: example-queue fails for a few hours every 5 days, api warns
    now and then, db-disk grows past its warning threshold near the end."""
    hours = (t - start).total_seconds() / 3600
    if name == "example-queue":
        return "critical" if 100 <= hours % 120 < 104 else "ok"
    if name == "api":
        return "warning" if 50 <= hours % 73 < 51.5 else "ok"
    if name == "db-disk":
        return "warning" if hours > 24 * 26 else "ok"
    return "ok"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("root")
    p.add_argument("--now", required=True)
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--every", type=int, default=5, help="minutes between probe runs")
    p.add_argument("--pad-to", type=int, default=0)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    rnd = random.Random(a.seed)
    now = dt.datetime.strptime(a.now.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S%z")
    start = now - dt.timedelta(days=a.days)
    log = Log(a.root, rnd)
    step = dt.timedelta(minutes=a.every)
    t = start
    while t < now:
        for name, (label, uom, warn, crit, base, spread) in PROBES.items():
            # A gap: no results for example-ok for half a day.
            if name == "example-ok" and 24 * 9 <= (t - start).total_seconds() / 3600 < 24 * 9.5:
                continue
            status = status_at(name, t, start)
            value = base + rnd.uniform(-spread, spread)
            if name == "db-disk":
                value = base + 22 * (t - start).total_seconds() / (now - start).total_seconds()
            if status == "critical" and name == "example-queue":
                value = 6 + rnd.random() * 3
            perf = {"label": label, "value": round(max(value, 0), 3), "warn": warn, "crit": crit, "min": 0.0}
            if uom:
                perf["uom"] = uom
            log.row(t + dt.timedelta(seconds=rnd.random()), "probe.observed", {
                "probe": name, "kind": "exec", "status": status,
                "issue_category": "ok" if status == "ok" else "queue_stalled",
                "summary": "%s %s" % (name, status), "perfdata": [perf],
                "duration_ms": int(20 + rnd.expovariate(1 / 30) + (400 if status != "ok" else 0)),
                "exit_code": {"ok": 0, "warning": 1, "critical": 2}[status], "flapping": False,
            })
        t += step
    # LLM calls: a few an hour per route; one busy day goes over budget.
    t = start
    while t < now:
        busy = (now - t).days == 12
        for route, price in ROUTES.items():
            for _ in range(rnd.randint(1, 4) * (8 if busy else 1)):
                inp, out = rnd.randint(300, 2500), rnd.randint(50, 400)
                log.row(t + dt.timedelta(seconds=rnd.randint(0, 3599)), "inference.recorded", {
                    "route": route, "model": "gpt-4o-mini", "input_tokens": inp,
                    "output_tokens": out, "cost_usd": round(price * (inp + 4 * out) / 1000, 6),
                    "latency_ms": rnd.randint(200, 3000), "escalated": rnd.random() < 0.1,
                })
        t += dt.timedelta(hours=1)
    # Watcher flags and gc removals, once a day or so.
    for d in range(a.days):
        day = start + dt.timedelta(days=d, hours=3)
        if d % 3 == 0:
            for i in range(rnd.randint(1, 3)):
                log.row(day, "watcher.flagged", {
                    "watcher": "campaign", "entity_id": "cmp-%04d" % (d * 10 + i),
                    "decision_id": "%032x" % rnd.getrandbits(128),
                    "context": "CampaignProgress", "choice": "Stuck",
                })
        for i in range(rnd.randint(0, 40)):
            log.row(day, "gc.checkpoint_removed", {
                "thread_id": "thread-%d-%d" % (d, i), "base_session_id": "s-%d" % i,
                "bytes": rnd.randint(2000, 90000), "store": "dir",
            })
        if d % 7 == 0:
            log.row(day, "gc.audit_removed", {
                "segment": "old.jsonl", "bytes": rnd.randint(10 ** 6, 10 ** 7), "rows": rnd.randint(1000, 9000),
            })
    # Padding: platform rows spread over the window, in time order per segment.
    if a.pad_to > log.bytes:
        span = (now - start).total_seconds()
        n = 0
        while log.bytes < a.pad_to:
            t = start + dt.timedelta(seconds=span * n / 2_000_000 % span)
            n += 1
            route = ("support_triage", "billing", "research")[n % 3]
            if n % 2:
                log.row(t, "reasoning.tool_called", {
                    "route": route, "tool_name": "search_tickets", "caller_session_id": "session-%d" % (n % 977),
                })
            else:
                log.row(t, "inference.recorded", {
                    "route": route, "model": "gpt-4o-mini", "input_tokens": 1200, "output_tokens": 180,
                    "cost_usd": 0.0003, "latency_ms": 900, "escalated": False,
                })
    log.close()
    print("wrote %d bytes of history to %s" % (log.bytes, log.dir))


if __name__ == "__main__":
    main()
