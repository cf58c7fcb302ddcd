#!/usr/bin/env python3
# gen_audit.py DIR BYTES DAYS [SEED] [SHAPE]: DAYS daily audit segments ending
# 2026-05-24.
#
# SHAPE `a` (the default) is bench/promote.sh's: see there.
# SHAPE `b` is a log shaped unlike it (issue 21 goal 5), written as other
# writers write: keys in other orders (`details` first or between `kind` and
# `ts`, `id` last, details' keys shuffled, a `correlation_key` or `source`
# on some rows); Python's `json.dumps` on half the lines (`"key": "value"`
# spacing; half of those with its default ensure_ascii, so non-ASCII text
# is `\uXXXX`-escaped); unicode route names; and 5 % of rows of kinds no
# promote loop reads (with `route` and `tool_name` in their details).
import datetime, json, random, sys
out, total, ndays = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
shape = sys.argv[5] if len(sys.argv) > 5 else "a"
if shape not in ("a", "b"):
    sys.exit(f"gen_audit.py: unknown shape {shape!r} (a or b)")
days = [datetime.date(2026, 5, 24) - datetime.timedelta(days=d) for d in range(ndays - 1, -1, -1)]
per_day = total // len(days)
routes = [f"route_{i}" for i in range(12)]
tools = [f"tool_{i}" for i in range(40)]
probes = ["api", "db", "queue", "disk", "fly"]
files = {d: open(f"{out}/{d.isoformat()}.jsonl", "a") for d in days}
def line(ts, kind, details, python):
    if python:
        body = ", ".join(f'"{k}": {v}' for k, v in details)
        return f'{{"id": "r-{rnd.getrandbits(64):016x}", "ts": "{ts}", "kind": "{kind}", "details": {{{body}}}}}\n'
    body = ",".join(f'"{k}":{v}' for k, v in details)
    return f'{{"id":"r-{rnd.getrandbits(64):016x}","ts":"{ts}","kind":"{kind}","details":{{{body}}}}}\n'
ROUTES_B = ["recherche_é", "поиск", "検索ルート", "suche-ä", "Σ-router", "triage 🚑", "plain_6",
            "route_ñ", "ĉefa", "요약", "plain_10", "خلاصه"]
ORDERS_B = [("id", "ts", "kind", "details"), ("kind", "ts", "details", "id"),
            ("details", "kind", "ts", "id"), ("ts", "kind", "id", "correlation_key", "details"),
            ("kind", "details", "ts", "source", "id"), ("source", "details", "id", "ts", "kind")]
OTHER_KINDS_B = ["platform.session_started", "agent.step_finished", "billing.usage_reported"]
def line_b(ts, kind, details):
    row = {"id": f"r-{rnd.getrandbits(64):016x}", "ts": ts, "kind": kind, "details": details,
           "correlation_key": f"session:{rnd.getrandbits(24):06x}", "source": "platform"}
    order = rnd.choice(ORDERS_B)
    row = {k: row[k] for k in order}
    p = rnd.random()
    if p < 0.5:
        return json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(row, ensure_ascii=p < 0.75) + "\n"
def shuffled(pairs):
    pairs = list(pairs)
    rnd.shuffle(pairs)
    return dict(pairs)
def row_b(ts):
    p = rnd.random()
    r = rnd.choice(ROUTES_B)
    k = ROUTES_B.index(r)
    if p < 0.35:
        esc = rnd.random() < (0.6 if k == 0 else 0.1)
        return line_b(ts, "inference.recorded", shuffled([("route", r), ("model", "claude-haiku"),
            ("input_tokens", rnd.randint(100, 4000)), ("output_tokens", rnd.randint(10, 800)),
            ("cost_usd", rnd.randint(1, 500) / 100000), ("latency_ms", rnd.randint(200, 9000)),
            ("escalated", esc)]))
    if p < 0.85:
        tool = tools[(k * 3 + int(rnd.random() ** 2 * 30)) % 40]
        extra = [("turn", rnd.randint(1, 40))] if rnd.random() < 0.5 else [("ok", True), ("duration_ms", rnd.randint(1, 900))]
        return line_b(ts, "reasoning.tool_called", shuffled([("route", r), ("tool_name", tool),
            ("caller_session_id", f"s-{rnd.getrandbits(32):08x}")] + extra))
    if p < 0.86:
        pr = rnd.choice(probes)
        return line_b(ts, "probe.investigation_completed", shuffled([("probe", pr), ("issue_category", "down"),
            ("severity", "critical"), ("wake_id", f"w-{rnd.getrandbits(40):010x}"),
            ("caller_session_id", f"probe:{pr}:down"), ("engine_status", "ok"),
            ("summary", "pool exhausted — workers stuck"), ("recommendation_text", "Restart the worker."),
            ("autofix_attempted", rnd.random() < 0.2)]))
    if p < 0.95:
        return line_b(ts, "probe.observed", shuffled([("probe", rnd.choice(probes)), ("status", "ok"),
            ("summary", "OK – all good"), ("perfdata", "time=0.01s"), ("duration_ms", 12), ("exit_code", 0)]))
    # 5 %: kinds no promote loop reads, some with the keys a loop reads.
    return line_b(ts, rnd.choice(OTHER_KINDS_B), shuffled([("route", r), ("tool_name", rnd.choice(tools)),
        ("session_id", f"s-{rnd.getrandbits(32):08x}"), ("steps", rnd.randint(1, 9))]))
for d in days:
    written, i = 0, 0
    base = datetime.datetime(d.year, d.month, d.day)
    while written < per_day:
        i += 1
        t = base + datetime.timedelta(milliseconds=(i * 997) % 86_400_000)
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
        if shape == "b":
            l = row_b(ts)
            p = py = None
        else:
            p = rnd.random()
            py = rnd.random() < 0.3
        if p is None:
            pass
        elif p < 0.40:
            r = rnd.choice(routes)
            esc = "true" if rnd.random() < (0.6 if r == "route_0" else 0.1) else "false"
            l = line(ts, "inference.recorded", [("route", f'"{r}"'), ("model", '"gpt-4o-mini"'),
                     ("input_tokens", rnd.randint(100, 4000)), ("output_tokens", rnd.randint(10, 800)),
                     ("cost_usd", f"{rnd.randint(1, 500) / 100000:.5f}"), ("latency_ms", rnd.randint(200, 9000)),
                     ("escalated", esc)], py)
        elif p < 0.85:
            r = rnd.choice(routes)
            k = int(r.split("_")[1])
            tool = tools[(k * 3 + int(rnd.random() ** 2 * 30)) % 40]
            l = line(ts, "reasoning.tool_called", [("route", f'"{r}"'), ("tool_name", f'"{tool}"'),
                     ("caller_session_id", f'"s-{rnd.getrandbits(32):08x}"')], py)
        elif p < 0.86:
            pr = rnd.choice(probes)
            rec = rnd.choice(["Restart the worker.", "restart the worker", "Scale the pool up", "Check the disk"])
            l = line(ts, "probe.investigation_completed", [("probe", f'"{pr}"'), ("issue_category", '"down"'),
                     ("severity", '"critical"'), ("wake_id", f'"w-{rnd.getrandbits(40):010x}"'),
                     ("caller_session_id", f'"probe:{pr}:down"'), ("engine_status", '"ok"'),
                     ("summary", '"worker pool exhausted"'), ("recommendation_text", f'"{rec}"'),
                     ("autofix_attempted", "true" if rnd.random() < 0.2 else "false")], py)
        elif p < 0.95:
            l = line(ts, "probe.observed", [("probe", f'"{rnd.choice(probes)}"'), ("status", '"ok"'),
                     ("summary", '"OK - all good"'), ("perfdata", '"time=0.01s"'), ("duration_ms", 12), ("exit_code", 0)], py)
        else:
            l = line(ts, "notification.dispatched", [("channel", '"slack_dm"'), ("ref", '"a-1"'),
                     ("severity", '"warning"'), ("category", '"disk"'), ("status", '"ok"')], py)
        # 2 %: a batching writer appends late (next day's segment) or early.
        target = d
        if rnd.random() < 0.02:
            j = days.index(d) + rnd.choice([-1, 1])
            if 0 <= j < len(days):
                target = days[j]
        files[target].write(l)
        written += len(l)
for f in files.values():
    f.close()
