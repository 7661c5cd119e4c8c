#!/usr/bin/env python3
"""Build every Python-related corpus config before and after `nixfix --write`.

    python3 benches/corpus_builds.py [--every K] [--jobs J] [--out DIR] [--nixfix BIN]

For each config of ../shared/corpus (manifest.tsv) that mentions Python, an
app directory is laid out (the config under its real name, a
requirements.txt, a main.py, and the files its commands name, see `lay_out`),
copied, fixed with `nixfix --write`, and both copies are built by the build
check (tests/buildcheck/buildcheck.py). The report counts, among the configs
Nixpacks accepts that the build check judges Python builds: how many build
as found, how many after the fix, which broke, which were fixed, and why
each one left fails (the failure class, the command, whether nixfix warned).

It writes DIR/report.md and DIR/results.jsonl (default
/tmp/nixfix-corpus-builds) and prints the summary. `--every 4` takes every
4th Python-related config, as a quicker sample. Needs what the build check
needs (root, unshare, nixpacks 1.41, CPythons); about 2 to 4 seconds of CPU
per build.
"""

import argparse
import collections
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "tests" / "buildcheck" / "buildcheck.py"
KINDS = {"nixpacks.toml", "nixpacks.json", "railway.toml", "railway.json"}
# Servers a start command may run: a real app lists the one it starts with.
SERVERS = {"gunicorn", "uvicorn", "hypercorn", "daphne", "streamlit", "celery",
           "waitress-serve", "flask", "fastapi", "chainlit", "gradio"}


def lay_out(dir_, kind, config_bytes):
    """The app around a config: its requirements (flask, and the server its
    start command runs), a main.py, and every file or directory its commands
    name (`-r FILE`, `cd DIR`, `python FILE.py`). The same layout serves the
    build before and after the fix."""
    dir_.mkdir(parents=True)
    (dir_ / kind).write_bytes(config_bytes)
    text = config_bytes.decode("utf-8", errors="replace")
    reqs = ["flask"]
    for m in re.finditer(r"\b(" + "|".join(sorted(SERVERS)) + r")\b", text):
        if m.group(1) not in reqs:
            reqs.append(m.group(1))
    # Modules the commands run (`python -m spacy download ...`) are the app's.
    for m in re.finditer(r"\bpython[0-9.]*\s+-m\s+([A-Za-z_][A-Za-z0-9_]*)", text):
        mod = m.group(1)
        if mod not in ("pip", "venv", "ensurepip", "virtualenv", "site") and mod not in reqs:
            reqs.append(mod)
    body = "".join(r + "\n" for r in reqs)

    def put(rel, content):
        rel = rel.strip().strip("'\"").rstrip("/")
        if not rel or rel.startswith(("/", "$", "~")) or ".." in rel.split("/"):
            return
        p = dir_ / rel
        if p.exists():
            return
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content)

    put("requirements.txt", body)
    put("main.py", "import flask\n")
    for m in re.finditer(r"(?:-r|--requirement)[ =]+([^\s\"'&;|,\]]+)", text):
        put(m.group(1), body)
    for m in re.finditer(r"\bcd\s+([A-Za-z0-9_./-]+)", text):
        d = m.group(1).strip().rstrip("/")
        if d and not d.startswith(("/", "$", "~", "..")) and d != ".":
            put(f"{d}/requirements.txt", body)
            put(f"{d}/main.py", "import flask\n")
    dirs = [""] + [m.group(1).strip().rstrip("/") + "/" for m in re.finditer(r"\bcd\s+([A-Za-z0-9_./-]+)", text)
                   if not m.group(1).startswith(("/", "$", "~", ".."))]
    for m in re.finditer(r"\bpython[0-9.]*\s+([A-Za-z0-9_./-]+\.py)\b", text):
        for d in dirs:
            put(d + m.group(1), "import flask\n")
    # A project pip installs as a package (`pip install -e .`).
    if re.search(r"pip[0-9.]*\s+install\b[^\n\"]*?\s(-e\s+)?'?\.(\[[^\]]*\])?'?(\s|$|\"|&|;)", text):
        put("setup.py", "from setuptools import setup\nsetup(name='app', version='1.0', py_modules=['main'])\n")


def run_json(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True)
    return [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")], out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--out", default="/tmp/nixfix-corpus-builds")
    ap.add_argument("--nixfix", default=str(ROOT / "target" / "release" / "nixfix"))
    a = ap.parse_args()
    corpus = Path(a.corpus)
    rows = list(csv.DictReader(open(corpus / "manifest.tsv"), delimiter="\t"))
    rows = [r for r in rows if r["kind"] in KINDS and r["mentions_python"] == "1"]
    rows = rows[:: a.every]
    out = Path(a.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="nixfix-corpus-builds-"))
    try:
        for r in rows:
            data = (corpus / "files" / r["file"]).read_bytes()
            lay_out(work / "before" / r["id"], r["kind"], data)
            lay_out(work / "after" / r["id"], r["kind"], data)
        # What nixfix says about the files as found, then the fix.
        reports, _ = run_json([a.nixfix, "--format", "json", str(work / "before")])
        warned = collections.defaultdict(list)
        for rep in reports:
            if "path" not in rep:
                continue
            i = Path(rep["path"]).parent.name
            for f in rep.get("findings", []):
                if not f.get("fixed"):
                    warned[i].append(f"{f['code']} {f['message']}")
        subprocess.run([a.nixfix, "--write", "--quiet", str(work / "after")], capture_output=True)
        dirs = [str(work / s / r["id"]) for r in rows for s in ("before", "after")]
        results, proc = run_json([sys.executable, str(HARNESS), "--json", "--jobs", str(a.jobs)] + dirs)
        if len(results) != len(dirs):
            sys.exit(f"the build check failed: {proc.stderr[-2000:]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = []
    for i, r in enumerate(rows):
        b, f = results[2 * i], results[2 * i + 1]
        table.append({"id": r["id"], "repo": r["repo"], "path": r["path"], "kind": r["kind"],
                      "before": b, "after": f, "warned": warned.get(r["id"], [])})
    with open(out / "results.jsonl", "w") as fh:
        for t in table:
            fh.write(json.dumps(t) + "\n")
    write_report(table, out / "report.md", a.every)
    print((out / "report.md").read_text())


def verdict(r):
    if r.get("skipped"):
        return "skipped"
    if r["builds"]:
        return "builds"
    f = r.get("failure", {})
    return f"{f.get('class')}@{f.get('phase')}"


def write_report(table, path, every):
    judged = [t for t in table if t["after"]["accepted"] and t["after"]["python_build"]
              and not t["after"].get("skipped")]
    before = sum(t["before"]["builds"] for t in judged)
    after = sum(t["after"]["builds"] for t in judged)
    broke = [t for t in judged if t["before"]["builds"] and not t["after"]["builds"]]
    fixed = [t for t in judged if not t["before"]["builds"] and t["after"]["builds"]]
    left = [t for t in judged if not t["after"]["builds"]]
    lines = [f"# Corpus builds before and after `nixfix --write`", "",
             f"- configs: {len(table)} Python-related (every {every}), "
             f"{sum(t['after']['accepted'] for t in table)} accepted by Nixpacks, "
             f"{sum(1 for t in table if t['after'].get('skipped'))} not built by Nixpacks (Railway builder)",
             f"- harness errors (no verdict): {sum(1 for t in table if 'harness_error' in t['before'] or 'harness_error' in t['after'])}",
             f"- Python builds: {len(judged)}",
             f"- built as found: {before} / {len(judged)}",
             f"- built after the fix: {after} / {len(judged)}",
             f"- fixed by nixfix: {len(fixed)}; broken by nixfix: {len(broke)}",
             "", "## Failure classes", "", "| class | as found | after the fix |", "|---|---:|---:|"]
    cb = collections.Counter(verdict(t["before"]) for t in judged if not t["before"]["builds"])
    ca = collections.Counter(verdict(t["after"]) for t in left)
    for k in sorted(set(cb) | set(ca)):
        lines.append(f"| {k} | {cb.get(k, 0)} | {ca.get(k, 0)} |")
    lines += ["", "## Broken by the fix", ""]
    for t in broke:
        lines.append(f"- {t['id']} ({t['repo']}:{t['path']}): {describe(t['after'])}")
    lines += ["", "## Left failing after the fix", ""]
    for t in left:
        w = "; nixfix warned: " + " | ".join(t["warned"])[:300] if t["warned"] else "; nixfix said nothing"
        lines.append(f"- {t['id']} ({t['repo']}:{t['path']}): {describe(t['after'])}{w}")
    path.write_text("\n".join(lines) + "\n")


def describe(r):
    f = r.get("failure", {})
    msg = (f.get("message") or "").strip().splitlines()
    return f"{f.get('class')} at {f.get('phase')}: `{(f.get('command') or '')[:160]}`: {msg[-1][:200] if msg else ''}"


if __name__ == "__main__":
    main()
