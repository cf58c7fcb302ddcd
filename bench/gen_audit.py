#!/usr/bin/env python3
# gen_audit.py DIR BYTES DAYS [SEED]: DAYS daily audit segments ending 2026-05-24
# (the shape of bench/promote.sh: see there).
import datetime, random, sys
out, total, ndays = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 7)
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
for d in days:
    written, i = 0, 0
    base = datetime.datetime(d.year, d.month, d.day)
    while written < per_day:
        i += 1
        t = base + datetime.timedelta(milliseconds=(i * 997) % 86_400_000)
        ts = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
        p = rnd.random()
        py = rnd.random() < 0.3
        if p < 0.40:
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
