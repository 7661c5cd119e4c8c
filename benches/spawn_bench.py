#!/usr/bin/env python3
"""Time short commands that read a file on standard input.

Usage: spawn_bench.py OUT.json RUNS WARMUP NAME STDIN_FILE|- ARGV... [-- NAME STDIN_FILE|- ARGV...]...

hyperfine 1.15 (the one installed) has no --input, and its shell mode
subtracts a shell-spawn estimate that is noisy at the millisecond scale.
This runs each ARGV directly with os.posix_spawn, stdin opened afresh on
STDIN_FILE (or /dev/null for `-`) and stdout/stderr on /dev/null, the
benchmarks interleaved round-robin so a burst of background load hits them
all alike. It writes hyperfine-style JSON (`results[].command/mean/stddev/
median/min/max/times`, in seconds). The spawn overhead of the harness itself
is in every number: compare with the `--version` row run the same way.
"""
import json
import os
import statistics
import sys
import time


def parse(argv):
    out, runs, warmup = argv[0], int(argv[1]), int(argv[2])
    benches, cur = [], []
    for a in argv[3:] + ["--"]:
        if a == "--":
            if cur:
                benches.append({"command": cur[0], "stdin": cur[1], "argv": cur[2:]})
            cur = []
        else:
            cur.append(a)
    return out, runs, warmup, benches


def once(b, devnull):
    src = b["stdin"]
    fd = os.open(src if src != "-" else os.devnull, os.O_RDONLY)
    try:
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(
            b["argv"][0],
            b["argv"],
            os.environ,
            file_actions=[
                (os.POSIX_SPAWN_DUP2, fd, 0),
                (os.POSIX_SPAWN_DUP2, devnull, 1),
                (os.POSIX_SPAWN_DUP2, devnull, 2),
            ],
        )
        _, status = os.waitpid(pid, 0)
        t1 = time.perf_counter_ns()
    finally:
        os.close(fd)
    return (t1 - t0) / 1e9, os.waitstatus_to_exitcode(status)


def main():
    out, runs, warmup, benches = parse(sys.argv[1:])
    devnull = os.open(os.devnull, os.O_WRONLY)
    for b in benches:
        b["times"], b["exit_codes"] = [], []
    for i in range(warmup + runs):
        for b in benches:
            t, rc = once(b, devnull)
            if i >= warmup:
                b["times"].append(t)
                b["exit_codes"].append(rc)
    results = []
    for b in benches:
        ts = b["times"]
        results.append({
            "command": b["command"],
            "argv": b["argv"],
            "stdin": b["stdin"],
            "mean": statistics.fmean(ts),
            "stddev": statistics.stdev(ts) if len(ts) > 1 else 0.0,
            "median": statistics.median(ts),
            "min": min(ts),
            "max": max(ts),
            "times": ts,
            "exit_codes": b["exit_codes"],
        })
        print(f"{b['command']:<40} mean {results[-1]['mean'] * 1e3:6.2f} ms ± {results[-1]['stddev'] * 1e3:5.2f}"
              f"  median {results[-1]['median'] * 1e3:6.2f}  min {results[-1]['min'] * 1e3:6.2f}  ({len(ts)} runs)",
              file=sys.stderr)
    with open(out, "w", encoding="utf-8") as f:
        json.dump({"results": results}, f, indent=1)


if __name__ == "__main__":
    main()
