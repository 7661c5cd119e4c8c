#!/usr/bin/env python3
"""Turn the benchmark's raw results into one table (stdout and markdown).

Usage: report.py DIR OUT.md

Reads from DIR (all written by benches/run.sh):
  hyperfine.json  the main hyperfine run (commands named with -n, see KEYS)
  stdin.json      the stdin-latency hyperfine run
  interleaved.json  walk floor, --check and dry run again, round-robin (spawn_bench.py)
  write_floor.json  the write floor (benches/write_floor.py, hyperfine-style)
  rss.tsv         label <TAB> peak RSS in KiB <TAB> exit code (from /usr/bin/time -v)
  meta.env        key=value lines describing the run
"""
import json
import os
import sys

# hyperfine -n names used by run.sh, in table order.
WALK = "walk floor: rg --files -g nixpacks.toml"
CHECK = "nixfix --check"
DRY = "nixfix (dry-run diff)"
WRITE = "nixfix --write (fresh copy)"
PEER = "peer: python3 peer_tomlkit.py"
KEYS = [WALK, CHECK, DRY, WRITE, PEER]

TARGETS = {
    "check_vs_walk": 1.2,
    "dry_vs_walk": 1.5,
    "write_vs_walk": 1.5,
    "stdin_ms": 2.0,
    "rss_mib": 20.0,
    "rss_growth": 0.20,
    "peer_speedup": 20.0,
}


def load(path, default=None):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return default


def fmt_time(mean, sd):
    if mean < 1.0:
        return f"{mean * 1e3:.1f} ms ± {sd * 1e3:.1f}"
    return f"{mean:.3f} s ± {sd:.3f}"


def short(t):
    return fmt_time(t, 0.0).split(" ±")[0]


def fmt_rss(kib):
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def verdict(ok):
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def by_command(d, name):
    """The results of a hyperfine-style JSON file in `d`, by command name."""
    text = load(os.path.join(d, name))
    return {r["command"]: r for r in json.loads(text)["results"]} if text else {}


def main():
    d, out_md = sys.argv[1], sys.argv[2]
    meta = {}
    for line in (load(os.path.join(d, "meta.env"), "") or "").splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            meta[k] = v
    rss = {}
    for line in (load(os.path.join(d, "rss.tsv"), "") or "").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1].isdigit():
            rss[parts[0]] = int(parts[1])

    res = by_command(d, "hyperfine.json")
    walk = res.get(WALK)
    peer = res.get(PEER)

    L = []
    L.append(f"# nixfix benchmark{' (QUICK: not the reference workload)' if meta.get('quick') == '1' else ''}")
    L.append("")
    L.append(
        f"- workload: `{meta.get('mono', '?')}`: {meta.get('services', '?')} services, filler "
        f"{meta.get('filler', '?')} -> {meta.get('files', '?')} files, {meta.get('configs', '?')} configs, "
        f"{meta.get('need_fix', '?')} need a fix"
    )
    L.append(
        f"- nixfix `{meta.get('git', '?')}`; {meta.get('nproc', '?')} CPUs, {meta.get('kernel', '?')}; "
        f"{meta.get('hyperfine', '?')}, {meta.get('rg', '?')}, {meta.get('python', '?')}, tomlkit {meta.get('tomlkit', 'n/a')}"
    )
    L.append(f"- date: {meta.get('date', '?')}; hyperfine --warmup 2 --min-runs {meta.get('runs', '?')} -N -i")
    if meta.get("notes"):
        for n in meta["notes"].split(" | "):
            L.append(f"- note: {n}")
    L.append("")
    L.append("| command | mean ± σ | median | min | runs | × walk floor | × floor (min) | peer ÷ this | peak RSS |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for k in KEYS:
        r = res.get(k)
        if r is None:
            L.append(f"| {k} | skipped | | | | | | | {fmt_rss(rss.get(k))} |")
            continue
        x_walk = f"{r['mean'] / walk['mean']:.2f}x" if walk else "n/a"
        x_min = f"{r['min'] / walk['min']:.2f}x" if walk else "n/a"
        if peer and k not in (PEER, WALK):
            x_peer = f"{peer['mean'] / r['mean']:.1f}x"
        else:
            x_peer = ""
        L.append(
            f"| `{k}` | {fmt_time(r['mean'], r['stddev'] or 0.0)} | {short(r['median'])} | {short(r['min'])} "
            f"| {len(r['times'])} | {x_walk} | {x_min} | {x_peer} | {fmt_rss(rss.get(k))} |"
        )

    inter = by_command(d, "interleaved.json")
    if inter:
        iw = inter.get(WALK)
        L.append("")
        L.append(
            "Interleaved cross-check (the read-only commands again, round-robin with benches/spawn_bench.py, "
            "so load bursts hit all alike; process spawn included):"
        )
        L.append("")
        L.append("| command | mean ± σ | median | min | runs | × walk floor | × floor (median) | × floor (min) |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|")
        for k in (WALK, CHECK, DRY):
            r = inter.get(k)
            if r is None or iw is None:
                continue
            L.append(
                f"| `{k}` | {fmt_time(r['mean'], r['stddev'] or 0.0)} | {short(r['median'])} | {short(r['min'])} "
                f"| {len(r['times'])} | {r['mean'] / iw['mean']:.2f}x | {r['median'] / iw['median']:.2f}x "
                f"| {r['min'] / iw['min']:.2f}x |"
            )

    wf = load(os.path.join(d, "write_floor.json"))
    floor = None
    if wf:
        wf = json.loads(wf)
        floor = wf["results"][0]
        L.append("")
        L.append(
            f"Write floor (benches/write_floor.py: the filesystem alone, for the {wf['n_files']} configs `--write` "
            f"rewrites: the same atomic-write syscalls on {wf['threads']} threads, in-process, no spawn, walk, read "
            "or parse; the copy restored and `sync` run before each run):"
        )
        L.append("")
        L.append("| command | mean ± σ | median | min | runs | `--write` ÷ this |")
        L.append("|---|---|---:|---:|---:|---:|")
        wr = res.get(WRITE)
        x_wr = f"{wr['mean'] / floor['mean']:.2f}x" if wr and floor["mean"] > 0 else "n/a"
        L.append(
            f"| {floor['command']} | {fmt_time(floor['mean'], floor['stddev'] or 0.0)} | {short(floor['median'])} "
            f"| {short(floor['min'])} | {len(floor['times'])} | {x_wr} |"
        )

    st = load(os.path.join(d, "stdin.json"))
    stdin_mean = None
    if st:
        L.append("")
        L.append(f"Stdin latency (one config needing a fix, `{meta.get('one', '?')}`; benches/spawn_bench.py: "
                 "direct posix_spawn, interleaved, process spawn included):")
        L.append("")
        L.append("| command | mean ± σ | median | min | runs |")
        L.append("|---|---|---:|---:|---:|")
        for r in json.loads(st)["results"]:
            if r["command"].startswith("nixfix - <"):
                stdin_mean = r["mean"] * 1e3
            L.append(
                f"| `{r['command']}` | {r['mean'] * 1e3:.2f} ms ± {(r['stddev'] or 0) * 1e3:.2f} | "
                f"{r['median'] * 1e3:.2f} ms | {r['min'] * 1e3:.2f} ms | {len(r['times'])} |"
            )

    small, big = meta.get("rss_small"), meta.get("rss_big")
    L.append("")
    L.append(
        f"Peak RSS scaling (`/usr/bin/time -v`, max of {meta.get('rss_reps', '?')} runs; workloads with "
        f"--filler {meta.get('rss_filler', '?')}: RSS flatness is about the number of configs, not ignored files):"
    )
    L.append("")
    L.append("| workload | nixfix --check | nixfix (dry-run diff) | walk floor (rg) |")
    L.append("|---|---:|---:|---:|")
    rows = [(small, False), (meta.get("services"), True), (big, False)]
    rows = sorted({(int(n), main) for n, main in rows if n}, key=lambda x: (x[0], not x[1]))
    for n, main in rows:
        n = str(n)
        if main:
            L.append(
                f"| {n} configs (main workload, filler {meta.get('filler')}) | {fmt_rss(rss.get(CHECK))} "
                f"| {fmt_rss(rss.get(DRY))} | {fmt_rss(rss.get(WALK))} |"
            )
        else:
            L.append(
                f"| {n} configs | {fmt_rss(rss.get(f'check@{n}'))} | {fmt_rss(rss.get(f'dry@{n}'))} "
                f"| {fmt_rss(rss.get(f'walk@{n}'))} |"
            )
    if small and big:
        def growth(prefix):
            a, b = rss.get(f"{prefix}@{small}"), rss.get(f"{prefix}@{big}")
            return f"{b / a - 1:+.0%}" if a and b else "n/a"

        L.append(f"| growth, {small} -> {big} configs | {growth('check')} | {growth('dry')} | {growth('walk')} |")
        if rss.get("check@narrow"):
            L.append(
                f"| {big} configs, at most 40 services a directory (benches/narrow.py) | "
                f"{fmt_rss(rss.get('check@narrow'))} | {fmt_rss(rss.get('dry@narrow'))} | {fmt_rss(rss.get('walk@narrow'))} |"
            )

            def narrow_growth(prefix):
                a, b = rss.get(f"{prefix}@{small}"), rss.get(f"{prefix}@narrow")
                return f"{b / a - 1:+.0%}" if a and b else "n/a"

            L.append(
                f"| growth, {small} -> {big} configs in narrow directories | {narrow_growth('check')} "
                f"| {narrow_growth('dry')} | {narrow_growth('walk')} |"
            )

    # Targets.
    def ratio(a, b):
        return None if a is None or b is None else a["mean"] / b["mean"]

    L.append("")
    L.append("Targets (on means; the `min` column is the least load-sensitive estimate on a shared machine):")
    L.append("")
    L.append("| target | measured | status |")
    L.append("|---|---|---|")
    for key, label, r in (
        ("check_vs_walk", "`--check` within 1.2x of the walk floor", ratio(res.get(CHECK), walk)),
        ("dry_vs_walk", "dry-run within 1.5x of the walk floor", ratio(res.get(DRY), walk)),
        ("write_vs_walk", "`--write` within 1.5x of the walk floor", ratio(res.get(WRITE), walk)),
    ):
        L.append(f"| {label} | {'n/a' if r is None else f'{r:.2f}x'} | {verdict(None if r is None else r <= TARGETS[key])} |")
    iw = inter.get(WALK)
    for k, key, label in ((CHECK, "check_vs_walk", "`--check`"), (DRY, "dry_vs_walk", "dry-run")):
        r = ratio(inter.get(k), iw)
        if r is not None:
            L.append(
                f"| {label} within {TARGETS[key]}x of the walk floor, interleaved cross-check | {r:.2f}x | "
                f"{verdict(r <= TARGETS[key])} |"
            )
    L.append(
        f"| stdin < 2 ms | {'n/a' if stdin_mean is None else f'{stdin_mean:.2f} ms'} | "
        f"{verdict(None if stdin_mean is None else stdin_mean < TARGETS['stdin_ms'])} |"
    )
    nix_rss = {k: v for k, v in rss.items() if k.startswith(("nixfix", "check@", "dry@"))}
    if nix_rss:
        worst_k = max(nix_rss, key=nix_rss.get)
        worst = nix_rss[worst_k] / 1024
        L.append(f"| RSS < 20 MiB (every nixfix run measured) | {worst:.1f} MiB max (`{worst_k}`) | {verdict(worst < TARGETS['rss_mib'])} |")
    a, b = rss.get(f"check@{small}"), rss.get(f"check@{big}")
    if a and b:
        g = b / a - 1
        L.append(f"| `--check` RSS flat within 20% ({small} -> {big} configs) | {fmt_rss(a)} -> {fmt_rss(b)} ({g:+.0%}) | {verdict(g <= TARGETS['rss_growth'])} |")
    a, b = rss.get(f"check@{small}"), rss.get("check@narrow")
    if a and b:
        g = b / a - 1
        L.append(
            f"| `--check` RSS flat within 20%, {small} -> {big} configs in directories of at most 40 "
            f"(context: the same configs, without the walker's wide-directory queue) | {fmt_rss(a)} -> {fmt_rss(b)} ({g:+.0%}) | "
            f"{verdict(g <= TARGETS['rss_growth'])} |"
        )
    for k, label in ((CHECK, "`--check`"), (DRY, "dry-run (like for like: the peer prints a diff)")):
        r = ratio(peer, res.get(k))
        L.append(f"| >= 20x faster than the peer, {label} | {'n/a' if r is None else f'{r:.1f}x'} | {verdict(None if r is None else r >= TARGETS['peer_speedup'])} |")
    wr = res.get(WRITE)
    if wr and walk and floor:
        both = walk["mean"] + floor["mean"]
        both_min = walk["min"] + floor["min"]
        L.append("")
        L.append(
            f"Context, not a target: `--write` ÷ (walk floor + write floor) = {wr['mean'] / both:.2f}x on means "
            f"({short(wr['mean'])} ÷ ({short(walk['mean'])} + {short(floor['mean'])})), "
            f"{wr['min'] / both_min:.2f}x on minima: how far `--write` is from walking the tree and doing its "
            "writes back to back with nothing else."
        )

    text = "\n".join(L) + "\n"
    with open(out_md, "w", encoding="utf-8") as f:
        f.write(text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
