#!/usr/bin/env python3
"""Side-by-side timing for the bench scripts: runs each case in turn (A, B, A,
B, …) so that the load of a shared machine falls on all of them alike, and
prints each case's median wall time, median peak RSS, its ratio to the
reference (the first case) and its median CPU time (user + system, all
threads): on a loaded machine the wall time is mostly waiting for a core.

Usage: abab.py RUNS LABEL -- CMD… [--- LABEL -- CMD…]…
  Each case is a label, `--`, and the command (run without a shell); cases
  are separated by `---`. A case whose command fails stops the bench with its
  standard error. Environment: ABAB_SETUP, a shell command run before every
  run of every case (to put a state back); its time is not counted;
  ABAB_JSON, a file to write each case's median seconds and MB to (JSON).
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import time


def parse(argv):
    runs = int(argv[0])
    cases, current = [], []
    for arg in argv[1:] + ["---"]:
        if arg == "---":
            if current:
                label, sep, *cmd = current
                if sep != "--" or not cmd:
                    sys.exit(f"abab.py: bad case {current!r}")
                cases.append((label, cmd))
            current = []
        else:
            current.append(arg)
    return runs, cases


def run_once(cmd):
    setup = os.environ.get("ABAB_SETUP")
    if setup:
        subprocess.run(setup, shell=True, check=True)
    start = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ,
                          file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
                                        (os.POSIX_SPAWN_OPEN, 2, "/tmp/abab.stderr",
                                         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)])
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.stderr.write(open("/tmp/abab.stderr").read())
        sys.exit(f"abab.py: {' '.join(cmd)} exited {code}")
    return elapsed, usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def main():
    runs, cases = parse(sys.argv[1:])
    times = {label: [] for label, _ in cases}
    rss = {label: [] for label, _ in cases}
    cpu = {label: [] for label, _ in cases}
    for _ in range(runs):
        for label, cmd in cases:
            t, kb, c = run_once(cmd)
            times[label].append(t)
            rss[label].append(kb)
            cpu[label].append(c)
    ref = statistics.median(times[cases[0][0]])
    if os.environ.get("ABAB_JSON"):
        with open(os.environ["ABAB_JSON"], "w") as f:
            json.dump({label: {"median_s": statistics.median(times[label]),
                               "cpu_s": statistics.median(cpu[label]),
                               "rss_mb": statistics.median(rss[label]) / 1024} for label, _ in cases}, f)
    for label, _ in cases:
        med = statistics.median(times[label])
        print(f"{label:<48} median {med * 1000:9.2f} ms  min {min(times[label]) * 1000:9.2f} ms"
              f"  {statistics.median(rss[label]) / 1024:7.1f} MB  ratio {med / ref:6.2f}"
              f"  cpu {statistics.median(cpu[label]) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
