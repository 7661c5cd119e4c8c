#!/usr/bin/env python3
"""Time and peak memory of one nixfix run over a single big or deep config.

    benches/scale.py [--bin PATH] [--mode check|diff|both] [--sizes 1000,10000,...]
                     [--depths 1,10,...] [--timeout S] [--json OUT]

The size axis: one file of N items (1k .. 1M), in each shape that once made
a step quadratic: N tables, a `cmds` array of N items (one in ten a
`python -m ensurepip` to remove), the same as nixpacks.json, and one command
string of N `;`-separated commands (one in ten removed). Item shapes are
short so that 1M items stay under the 8 MiB nixfix reads.

The depth axis: one file nested D levels deep (1 .. 1,000, and 6,320: 80
inline tables of 79-part dotted keys, the most toml_edit itself takes), as
TOML inline tables with dotted keys, TOML inline tables alone (toml_edit
stops at 80) and JSON objects. Past nixfix's own bound (`document::MAX_DEPTH`)
the file is an error (exit 2) found before any tree is built.

Each run is `/usr/bin/time -v nixfix [--check] FILE` (files are generated
under $NIXFIX_BENCH_DIR, default /tmp/nixfix-bench/scale, never in the
repository); the table gives wall time, peak RSS, the RSS above a run on a
tiny config divided by the input's size, and the exit code. Runs past --timeout (default 600 s) are killed and shown as such.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def b36(i):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while True:
        i, r = divmod(i, 36)
        s = digits[r] + s
        if i == 0:
            return s


def removed(i):
    return i % 10 == 0


def gen_tables(n):
    head = '[phases.install]\ncmds = ["python -m ensurepip", "b"]\n'
    return head + "".join(f"[t{b36(i)}]\n" for i in range(n))


def gen_cmds(n):
    items = "".join(
        '"python -m ensurepip",\n' if removed(i) else '"a",\n' for i in range(n)
    )
    return f"[phases.install]\ncmds = [\n{items}]\n"


def gen_json(n):
    items = ",\n".join(
        '"python -m ensurepip"' if removed(i) else '"a"' for i in range(n)
    )
    return '{"phases": {"install": {"cmds": [\n' + items + "\n]}}}\n"


def gen_chain(n):
    cmds = ";".join("python -m ensurepip" if removed(i) else "a" for i in range(n))
    return f'[phases.install]\ncmds = ["{cmds}", "b"]\n'


def gen_toml_dotted_inline(d):
    """Nesting depth d: inline tables whose keys are dotted (79 parts each
    at most, toml_edit's limit), as in the report of issue 11."""
    parts = 79
    levels, rest = divmod(d, parts)
    body = "1"
    if rest:
        body = "{" + ".".join(["a"] * rest) + " = 1}"
    key = ".".join(["a"] * parts)
    for _ in range(levels):
        body = "{" + key + " = " + body + "}"
    return "x = " + body + "\n" + '[phases.install]\ncmds = ["python -m ensurepip", "b"]\n'


def gen_toml_inline(d):
    return (
        "x = " + "{a = " * d + "1" + "}" * d + "\n"
        + '[phases.install]\ncmds = ["python -m ensurepip", "b"]\n'
    )


def gen_json_nest(d):
    return (
        '{"phases": {"install": {"cmds": ["python -m ensurepip", "b"]}}, "x": '
        + '{"a": ' * d + "1" + "}" * d + "}\n"
    )


SIZE_SHAPES = {
    "tables (TOML)": (gen_tables, "nixpacks.toml"),
    "cmds items (TOML)": (gen_cmds, "nixpacks.toml"),
    "cmds items (JSON)": (gen_json, "nixpacks.json"),
    "`;` commands": (gen_chain, "nixpacks.toml"),
}
DEPTH_SHAPES = {
    "inline tables + dotted keys (TOML)": (gen_toml_dotted_inline, "nixpacks.toml"),
    "inline tables (TOML)": (gen_toml_inline, "nixpacks.toml"),
    "objects (JSON)": (gen_json_nest, "nixpacks.json"),
}


def measure(binary, path, check, timeout):
    cmd = ["/usr/bin/time", "-v", binary]
    if check:
        cmd.append("--check")
    cmd.append(path)
    t0 = time.monotonic()
    # In a session of its own, so that a timeout kills nixfix too, not only
    # /usr/bin/time (whose child would run on, orphaned).
    p = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        _, stderr = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return {"seconds": None, "rss_kib": None, "rc": "timeout"}
    wall = time.monotonic() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr)
    status = re.search(r"Exit status: (\d+)", stderr)
    sig = re.search(r"Command terminated by signal (\d+)", stderr)
    rc = int(status.group(1)) if status else p.returncode
    if sig:
        rc = f"signal {sig.group(1)}"
    return {
        "seconds": wall,
        "rss_kib": int(rss.group(1)) if rss else None,
        "rc": rc,
    }


def fmt_row(axis, shape, n, size, mode, m, base_kib, timeout):
    t = f"> {timeout:.0f} s (killed)" if m["seconds"] is None else f"{m['seconds']:.3f} s"
    rss = "-" if m["rss_kib"] is None else f"{m['rss_kib'] / 1024:.1f} MiB"
    # What the file costs: above the RSS of a run on a tiny config.
    per = (
        "-"
        if m["rss_kib"] is None
        else f"{max(m['rss_kib'] - base_kib, 0) * 1024 / max(size, 1):.0f}"
    )
    return f"| {shape} | {n:,} | {size / 1024:,.0f} KiB | {mode} | {t} | {rss} | {per} | {m['rc']} |"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.environ.get("NIXFIX_BIN"))
    ap.add_argument("--mode", choices=["check", "diff", "both"], default="both")
    ap.add_argument("--sizes", default="1000,10000,100000,1000000")
    ap.add_argument("--depths", default="1,10,100,1000,6320")
    ap.add_argument("--shapes", default="", help="only shapes whose name contains this")
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--json", help="also write the raw results here")
    a = ap.parse_args()
    binary = a.bin
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, "target", "release", "nixfix")
    work = os.path.join(os.environ.get("NIXFIX_BENCH_DIR", "/tmp/nixfix-bench"), "scale")
    os.makedirs(work, exist_ok=True)
    modes = {"check": [True], "diff": [False], "both": [True, False]}[a.mode]
    plan = []
    for n in [int(x) for x in a.sizes.split(",") if x]:
        for shape, (gen, name) in SIZE_SHAPES.items():
            plan.append(("size", shape, n, gen, name))
    for d in [int(x) for x in a.depths.split(",") if x]:
        for shape, (gen, name) in DEPTH_SHAPES.items():
            plan.append(("depth", shape, d, gen, name))
    tiny = os.path.join(work, "tiny", "nixpacks.toml")
    os.makedirs(os.path.dirname(tiny), exist_ok=True)
    with open(tiny, "w") as f:
        f.write(gen_cmds(10))
    base_kib = measure(binary, tiny, True, a.timeout)["rss_kib"] or 0
    print(f"baseline: peak RSS {base_kib / 1024:.1f} MiB on a 10-item config\n")
    results = []
    print("| shape | N or depth | input | mode | time | peak RSS | RSS above baseline per input byte | exit |")
    print("|---|---:|---:|---|---:|---:|---:|---|")
    for axis, shape, n, gen, name in plan:
        if a.shapes and a.shapes not in shape:
            continue
        slug = re.sub(r"[^a-z]+", "-", shape.lower()).strip("-")
        d = os.path.join(work, f"{axis}-{slug}-{n}")
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, name)
        text = gen(n)
        with open(path, "w") as f:
            f.write(text)
        size = len(text.encode())
        for check in modes:
            m = measure(binary, path, check, a.timeout)
            mode = "--check" if check else "diff"
            print(fmt_row(axis, shape, n, size, mode, m, base_kib, a.timeout), flush=True)
            results.append(dict(axis=axis, shape=shape, n=n, bytes=size, mode=mode, **m))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
