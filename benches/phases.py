#!/usr/bin/env python3
"""Split a `perf record -g` profile of nixfix into phases.

Usage: perf script -F tid,time,ip,sym -i perf.data | phases.py [--hz F]

A directory run fixes each config on the walker's own threads as the walk
finds it, so "walk" is at the bottom of most call chains. Each sample goes
to the phase of the innermost frame (perf lists frames innermost first)
that matches a marker: a parse called from a rule called from the walk is a
parse. Prints, per phase, the CPU time (samples / F), and per stage (the
steps nixfix runs one after the other: the walk with its fixing, the links
and Railway-named configs after it, the sorted output) the wall-clock
window from its first to its last sample on any thread. perf's own
overhead (dwarf unwinding) inflates the times: read the shares, and compare
windows with each other, not with hyperfine.
A marker is a substring, or a tuple of substrings that must all appear in
the same frame. The markers are function-name substrings of the current
sources: update them when functions move (an unmatched sample lands in
`other`).
"""
import collections
import re
import sys

PHASES = [
    ("write (atomic write: temp file, fdatasync, rename)", ["write::replace", "write::atomic_write"]),
    ("sorted output (spill to runs, merge)", ["sorted::"]),
    ("output (render, diff, emit, anstream)", ["cli::render", "output::", "anstream::", "similar::"]),
    ("parse (document::parse / toml_edit / json)", ["document::parse", "document::toml::parse", "document::json::parse", "toml_edit::", "toml_parser::"]),
    ("pinned-Python lookups (Environment)", ["nixpacks::Environment", "Environment>::"]),
    ("rules + edits (engine::fix_text)", ["engine::", "rules::", "shell::", "python::", "nixpacks::"]),
    ("read (open, read, close)", ["driver::read_capped", "File>::open", "OpenOptions"]),
    ("links and Railway targets after the walk", ["driver::extras", "driver::walked", "driver::follow_config_path", "canonicalize"]),
    ("report (driver::fix_bytes / process rest)", ["driver::fix_bytes", "driver::process"]),
    ("multi-path runs (discover, link, run_ordered)", ["driver::discover", "driver::link", "run_ordered", "mpmc::"]),
    ("walk (ignore crate)", ["ignore::"]),
    ("start-up / exit", ["_dl_", "exit", "lang_start"]),
]
# Stages: the phases that run one after the other.
STAGE = {
    "links and Railway targets after the walk": "2 links and Railway targets",
    "sorted output (spill to runs, merge)": "3 sorted output",
}
WALK_STAGE = "1 walk + fix (streamed)"


def phase_of(frames):
    for f in frames:
        for name, marks in PHASES:
            if any(all(x in f for x in m) if isinstance(m, tuple) else m in f for m in marks):
                return name
    return "other"


def samples(stream):
    head, frames = None, []
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if head:
                yield head, frames
            head, frames = None, []
        elif line[0] not in " \t" or head is None:
            m = re.match(r"\s*(\d+)\s+([\d.]+):", line)
            head = (int(m.group(1)), float(m.group(2))) if m else None
            frames = []
        else:
            frames.append(line.strip())
    if head:
        yield head, frames


def main():
    hz = 4000.0
    if "--hz" in sys.argv:
        hz = float(sys.argv[sys.argv.index("--hz") + 1])
    cpu = collections.Counter()
    span = {}
    per_tid = collections.Counter()
    t0 = t1 = None
    for (tid, t), frames in samples(sys.stdin):
        t0 = t if t0 is None else min(t0, t)
        t1 = t if t1 is None else max(t1, t)
        chain = " | ".join(frames)
        phase = phase_of(frames)
        cpu[phase] += 1
        per_tid[tid] += 1
        stage = STAGE.get(phase) or (WALK_STAGE if "ignore::walk" in chain else None)
        if stage:
            a, b, n = span.get(stage, (t, t, 0))
            span[stage] = (min(a, t), max(b, t), n + 1)
    total = sum(cpu.values())
    print(f"{total} samples = {total / hz * 1e3:.0f} ms CPU over {((t1 or 0) - (t0 or 0)) * 1e3:.0f} ms wall, {len(per_tid)} threads")
    print(f"{'phase':<50} {'CPU ms':>8} {'share':>6}")
    for name, _ in PHASES + [("other", [])]:
        n = cpu.get(name, 0)
        if n:
            print(f"{name:<50} {n / hz * 1e3:8.0f} {n / total:6.1%}")
    print(f"{'stage (wall window, first..last sample)':<50} {'wall ms':>8} {'CPU ms':>8}")
    for stage in sorted(span):
        a, b, n = span[stage]
        print(f"{stage:<50} {(b - a) * 1e3:8.0f} {n / hz * 1e3:8.0f}   ({(a - t0) * 1e3:.0f}..{(b - t0) * 1e3:.0f} ms)")


if __name__ == "__main__":
    main()
