#!/usr/bin/env python3
"""The write floor: what the filesystem alone costs for the writes `nixfix --write` does.

Usage: write_floor.py PRISTINE COPY CONFIGS WRITTEN OUT.json [--reps R] [--warmup W] [--threads T]

PRISTINE, COPY and CONFIGS are restore.py's arguments (COPY is `cp -al
PRISTINE COPY`; CONFIGS lists every config, relative). WRITTEN lists the
configs `nixfix --write` rewrites on this workload (relative; run.sh collects
them as the configs of the copy whose bytes a pre-flight --write changed).

Each repetition restores COPY (restore.py's logic), runs sync(2) so no dirty
page of the previous repetition is left to write back, reads the files' bytes
and modes, and then times only this, on T threads (16 by default; the os
calls release the GIL), for every file in WRITTEN:

    open(".nixfix-floor-N.tmp" in the file's directory, O_WRONLY|O_CREAT|O_EXCL|O_CLOEXEC, 0600)
    write(the file's own bytes); fdatasync; fchmod(original mode); close
    rename over the file

which are the syscalls of nixfix's atomic write (tempfile in the same
directory, sync_data, set_permissions, persist), with no walk, read or parse.
The only file ever opened for writing is the new temporary one (O_EXCL: never
an existing inode), and the rename swaps COPY's directory entry, so no inode
COPY shares with PRISTINE is ever written.

Writes hyperfine-style JSON to OUT.json: {"results": [{"command", "mean",
"stddev", "median", "min", "max", "times"}], "n_files", "threads"} (seconds).
"""
import argparse
import itertools
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from restore import read_list, restore  # noqa: E402

FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


def checked(rel):
    parts = rel.split("/")
    if os.path.isabs(rel) or ".." in parts:
        sys.exit(f"write_floor.py: refusing a path outside the tree: {rel!r}")
    return rel


def write_one(path, tmp, data, mode):
    fd = os.open(tmp, FLAGS, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fdatasync(fd)
        os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    os.replace(tmp, path)


def one_rep(a, configs, written, pool):
    restore(a.pristine, a.copy, configs)
    os.sync()
    jobs = []
    for i, rel in enumerate(written):
        path = os.path.join(a.copy, rel)
        st = os.stat(path)
        p = os.stat(os.path.join(a.pristine, rel))
        # restore() gives each config a file of its own holding PRISTINE's
        # bytes (nixfix --write refuses hard-linked configs).
        if (st.st_dev, st.st_ino) == (p.st_dev, p.st_ino) or st.st_nlink != 1:
            sys.exit(f"write_floor.py: {path} is not a file of its own after restore")
        with open(path, "rb") as f:  # read-only
            data = f.read()
        tmp = os.path.join(os.path.dirname(path), f".nixfix-floor-{i}.tmp")
        jobs.append((path, tmp, data, st.st_mode & 0o7777))

    nxt = itertools.count()  # next() on a count is atomic under the GIL

    def worker():
        n = len(jobs)
        while True:
            i = next(nxt)
            if i >= n:
                return
            write_one(*jobs[i])

    t0 = time.perf_counter()
    for f in [pool.submit(worker) for _ in range(a.threads)]:
        f.result()
    elapsed = time.perf_counter() - t0

    # Every rewritten file is a new inode now; the pristine ones are untouched.
    for path, _, _, _ in jobs:
        if os.stat(path).st_nlink != 1:
            sys.exit(f"write_floor.py: {path} was not replaced")
    return elapsed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pristine")
    ap.add_argument("copy")
    ap.add_argument("configs")
    ap.add_argument("written")
    ap.add_argument("out")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=16)
    a = ap.parse_args()
    if a.reps < 1 or a.warmup < 0 or a.threads < 1:
        ap.error("--reps and --threads must be at least 1, --warmup at least 0")
    if os.path.samefile(a.pristine, a.copy):
        sys.exit("write_floor.py: PRISTINE and COPY are the same directory")

    configs = read_list(a.configs)
    written = [checked(r) for r in read_list(a.written)]
    times = []
    with ThreadPoolExecutor(max_workers=a.threads) as pool:
        # Start all the threads before timing anything.
        barrier = threading.Barrier(a.threads + 1)
        started = [pool.submit(barrier.wait) for _ in range(a.threads)]
        barrier.wait()
        for f in started:
            f.result()
        for rep in range(a.warmup + a.reps):
            t = one_rep(a, configs, written, pool)
            if rep >= a.warmup:
                times.append(t)
    restore(a.pristine, a.copy, configs)

    result = {
        "command": f"write floor: {len(written)} atomic rewrites "
        f"(O_EXCL tmp, write, fdatasync, fchmod, rename), {a.threads} threads",
        "mean": statistics.fmean(times),
        "stddev": statistics.stdev(times) if len(times) > 1 else None,
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "times": times,
    }
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump({"results": [result], "n_files": len(written), "threads": a.threads}, f, indent=2)
    print(
        f"{result['command']}\n  mean {result['mean'] * 1e3:.1f} ms, min {result['min'] * 1e3:.1f} ms, "
        f"max {result['max'] * 1e3:.1f} ms ({len(times)} runs)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
