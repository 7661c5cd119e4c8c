#!/usr/bin/env python3
"""buildcheck: does this Nixpacks config build?

Runs the build that Nixpacks 1.41 would run for an app directory, offline and
without Docker, and says whether it builds; when it does not, it names the
phase, the command and a failure class. See README.md beside this file.

Real parts: the real `nixpacks build DIR --out OUT` writes the Dockerfile and
the `.nix` files; every `RUN` is run, in order, by the real bash
(`bash -ol pipefail -c`, the image's SHELL) with the Dockerfile's ENV and the
image's PATH and profile files; the Pythons are real CPythons (pyenv builds
found on this machine), and pip is the real pip.

Modelled parts (from the facts in SPEC.md and research/nix_python_facts.md):
- the Nix store: each Python is a store path holding a CPython whose
  site-packages is empty and whose stdlib carries the `EXTERNALLY-MANAGED`
  marker; `pythonXYPackages.pip` is pip in its own store path, reachable only
  through `pip`/`pip3`/`pipX.Y` wrapper scripts (as nixpkgs wraps it);
- `nix-env -if FILE.nix`: every attribute is looked up in a model of the
  nixpkgs archive the file names (a name that is not a Nix attribute, such as
  `pip`, or a Python the archive no longer has, such as python38 at the
  Python provider's archive, fails evaluation), and the packages are linked
  into one profile as `buildEnv` does (two packages providing the same file
  collide). Non-Python packages are not modelled: they are assumed to exist;
  a few well-known ones get stub programs that succeed and say so;
- apt packages are not installed (noted);
- an offline wheelhouse replaces PyPI: each requirement gets a small wheel of
  its own (a module of that name, a console script of that name).
The image's base system is this machine's `/usr` with every Python, pip and
Node program hidden; `/app`, `/opt`, `/nix` and `/root` are the image's, in a
private mount namespace and a chroot (root and `unshare -m` needed), so
nothing leaks into the machine.

Usage: buildcheck.py [--json] [--jobs N] [--keep] [-v] APP_DIR...
Exit: 0 every app builds, 1 some app does not build, 3 the harness cannot run
here (not root, no unshare, no nixpacks, no CPython).
"""

import argparse
import concurrent.futures
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

LAYOUT_VERSION = "4"
PROVIDER_ARCHIVE = "bc8f8d1be58e8c8383e683a06e1e1e57893fff87"
LEGACY_ARCHIVE = "5148520bfab61f99fd25fb9ff7bfbb50dad3c9db"

# The Pythons each nixpkgs archive has: attribute digits -> version. `python3`
# is the archive's default (3.12 at bc8f8d1, 3.11 assumed at 5148520);
# `python` is Python 2.7 (an insecure package Nixpacks allows).
ARCHIVES = {
    PROVIDER_ARCHIVE: {
        "default": "3.12",
        "pythons": {"27": "2.7", "39": "3.9", "310": "3.10", "311": "3.11", "312": "3.12", "313": "3.13"},
    },
    LEGACY_ARCHIVE: {
        "default": "3.11",
        "pythons": {"27": "2.7", "38": "3.8", "39": "3.9", "310": "3.10", "311": "3.11", "312": "3.12"},
    },
}

# Names that are not Nix attributes at all (seen in real configs).
NOT_ATTRIBUTES = {
    "pip", "pip3", "python-pip", "python3-pip", "python3-venv", "python3-dev",
    "python-dev", "python3.11", "python3.12", "python3.10", "python3.9",
}

# Programs of non-Python packages that get a stub (the package prefix -> programs).
STUBS = {
    "nodejs": ["node", "npm", "npx", "corepack"],
    "yarn": ["yarn"],
    "pnpm": ["pnpm"],
    "bun": ["bun"],
    "postgresql": ["psql", "pg_config", "pg_dump"],
    "ffmpeg": ["ffmpeg", "ffprobe"],
    "poetry": ["poetry"],
    "uv": ["uv", "uvx"],
    "chromium": ["chromium"],
    "tesseract": ["tesseract"],
    "redis": ["redis-server", "redis-cli"],
    "playwright-driver": ["playwright"],
}

# Host programs hidden from the image's base system: every Python and pip,
# and interpreters the Nixpacks base image does not ship.
HIDDEN = re.compile(
    r"^(python|pip|pydoc|idle|2to3|easy_install|virtualenv|pipx|pipenv|poetry|uv|uvx|"
    r"node|nodejs|npm|npx|corepack|yarn|pnpm|go|gofmt|java|javac|ruby|gem|php|bun|deno)"
)

# Import names of distributions whose module differs from the name.
MODULES = {
    "pillow": "PIL", "python-dotenv": "dotenv", "beautifulsoup4": "bs4",
    "scikit-learn": "sklearn", "pyyaml": "yaml", "psycopg2-binary": "psycopg2",
    "psycopg-binary": "psycopg", "opencv-python": "cv2", "opencv-python-headless": "cv2",
    "python-multipart": "multipart", "pymupdf": "fitz", "python-jose": "jose",
    "python-telegram-bot": "telegram", "djangorestframework": "rest_framework",
    "django-cors-headers": "corsheaders", "dnspython": "dns", "pyjwt": "jwt",
    "msgpack-python": "msgpack", "faiss-cpu": "faiss", "setuptools": "setuptools",
    "python-socketio": "socketio", "python-engineio": "engineio", "pymongo": "pymongo",
    "google-generativeai": "google_generativeai", "protobuf": "protobuf",
    "attrs": "attr", "typing-extensions": "typing_extensions",
}
# Console scripts other than the distribution's own name.
SCRIPTS = {"django": ["django-admin"], "celery": ["celery"], "streamlit": ["streamlit"]}
OPTIONS_WITH_VALUE = {
    "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-t", "--target",
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
    "--prefix", "--root", "--platform", "--python-version", "--cache-dir", "--src",
    "--upgrade-strategy", "--progress-bar", "--no-binary", "--only-binary", "--timeout",
    "--retries", "--log", "--proxy", "--python", "-C", "--config-settings",
}

CLASSES = ("not-found", "no-pip-module", "externally-managed", "nix-eval", "collision",
           "start-import", "dockerfile", "timeout", "other")


class Unavailable(Exception):
    """The harness cannot run on this machine."""


def repo_root():
    return Path(__file__).resolve().parents[2]


def cache_root():
    env = os.environ.get("NIXFIX_BUILDCHECK_CACHE")
    if env:
        return Path(env)
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else repo_root() / "target"
    return base / "buildcheck"


# --------------------------------------------------------------------------
# What this machine has.

def find_nixpacks():
    found = shutil.which("nixpacks")
    if not found:
        cand = Path.home() / ".cargo/bin/nixpacks"
        found = str(cand) if cand.is_file() else None
    if not found:
        raise Unavailable("nixpacks is not installed (cargo install nixpacks --locked --version 1.41.0)")
    return found


def find_cpythons():
    """Full CPython installs (with ensurepip's bundled wheels): 'X.Y' -> prefix."""
    roots = []
    extra = os.environ.get("NIXFIX_BUILDCHECK_PYTHONS")
    if extra:
        roots += [Path(p) for p in extra.split(os.pathsep) if p]
    pyenv = Path(os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))) / "versions"
    if pyenv.is_dir():
        roots += sorted(pyenv.iterdir())
    found = {}
    for prefix in roots:
        for exe in sorted(prefix.glob("bin/python[23].*")):
            m = re.fullmatch(r"python(\d)\.(\d+)", exe.name)
            if not m:
                continue
            ver = f"{m.group(1)}.{m.group(2)}"
            lib = prefix / "lib" / f"python{ver}"
            if (lib / "ensurepip" / "_bundled").is_dir() and ver not in found:
                found[ver] = prefix
    if not any(v.startswith("3.") for v in found):
        raise Unavailable("no full CPython 3 install found (pyenv versions, or NIXFIX_BUILDCHECK_PYTHONS)")
    return found


def check_namespace():
    if os.geteuid() != 0:
        raise Unavailable("needs root (a private mount namespace and a chroot)")
    if not shutil.which("unshare") or not shutil.which("chroot"):
        raise Unavailable("needs unshare and chroot (util-linux, coreutils)")
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True)
    if r.returncode != 0:
        raise Unavailable("unshare -m fails here: " + r.stderr.decode(errors="replace").strip())


def full_version(prefix, ver):
    exe = prefix / "bin" / f"python{ver}"
    r = subprocess.run([str(exe), "-c", "import platform; print(platform.python_version())"],
                       capture_output=True, text=True)
    return r.stdout.strip() or ver


# --------------------------------------------------------------------------
# The modelled Nix store, cached under target/buildcheck and built lazily, one
# store path at a time. Each store path is its own overlay layer:
# layers/NAME/store/NAME/...

class Store:
    def __init__(self, pythons):
        self.pythons = pythons
        self.root = cache_root() / f"store-v{LAYOUT_VERSION}"
        (self.root / "layers").mkdir(parents=True, exist_ok=True)
        self.versions = {}

    def layer(self, name):
        return self.root / "layers" / name

    def stand_in(self, ver):
        """The CPython that plays `ver`: itself when present, else the nearest."""
        if ver in self.pythons:
            return ver, self.pythons[ver]
        same_major = [v for v in self.pythons if v.split(".")[0] == ver.split(".")[0]] or list(self.pythons)
        best = min(same_major, key=lambda v: abs(int(v.split(".")[1]) - int(ver.split(".")[1])))
        return best, self.pythons[best]

    def full(self, ver):
        if ver not in self.versions:
            real, prefix = self.stand_in(ver)
            self.versions[ver] = (real, prefix, full_version(prefix, real))
        return self.versions[ver]

    def python_name(self, ver, variant=""):
        real, _, full = self.full(ver)
        return f"{'f' if variant else 'p'}-python3-{full}" if not ver.startswith("2") else f"{'f' if variant else 'p'}-python-{full}"

    def pip_name(self, ver):
        real, _, full = self.full(ver)
        return f"p-python{real}-pip-{self.pip_wheel(real).name.split('-')[1]}"

    def pip_wheel(self, real):
        """The pip wheel nixpkgs would package for Python `real`: the newest bundled one."""
        wheels = []
        for v, prefix in self.pythons.items():
            for w in (prefix / "lib" / f"python{v}" / "ensurepip" / "_bundled").glob("pip-*.whl"):
                wheels.append(w)
        def key(w):
            return tuple(int(x) for x in re.findall(r"\d+", w.name.split("-")[1])[:3])
        ok = [w for w in wheels if real.startswith("2") == ("py2" in w.name)]
        if real.startswith("3") and real in ("3.7",):
            ok = [w for w in ok if key(w) < (24,)]
        return max(ok or wheels, key=key)

    @contextlib.contextmanager
    def locked(self):
        with open(self.root / ".lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            yield

    def ensure(self, name, build):
        layer = self.layer(name)
        if layer.is_dir():
            return layer
        with self.locked():
            if layer.is_dir():
                return layer
            tmp = Path(tempfile.mkdtemp(dir=self.root, prefix=".tmp-"))
            try:
                build(tmp / "store" / name)
                os.rename(tmp, layer)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
        return layer

    def ensure_python(self, ver, variant=""):
        name = self.python_name(ver, variant)
        real, prefix, full = self.full(ver)
        self.ensure(name, lambda out: build_python(prefix, real, out, f"/nix/store/{name}"))
        return name

    def ensure_pip(self, ver):
        py = self.ensure_python(ver)
        name = self.pip_name(ver)
        real, _, _ = self.full(ver)
        wheel = self.pip_wheel(real)
        self.ensure(name, lambda out: build_pip(wheel, real, out, f"/nix/store/{name}", f"/nix/store/{py}"))
        return name


def link_or_copy(src, dst):
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def build_python(prefix, ver, out, store_path):
    """A store path for CPython `ver`: the interpreter (its RUNPATH moved into
    the store), its shared library, the stdlib without tests and without
    anything in site-packages, and the EXTERNALLY-MANAGED marker."""
    (out / "bin").mkdir(parents=True)
    (out / "lib").mkdir()
    exe = prefix / "bin" / f"python{ver}"
    data = exe.read_bytes()
    old = str(prefix / "lib").encode()
    new = f"{store_path}/lib".encode()
    if old + b"\0" in data:
        if len(new) > len(old):
            raise Unavailable(f"cannot move {exe}'s RUNPATH into the store: {new!r} is longer than {old!r}")
        data = data.replace(old + b"\0", new + b"\0" * (len(old) - len(new) + 1))
    target = out / "bin" / f"python{ver}"
    target.write_bytes(data)
    target.chmod(0o555)
    major = ver.split(".")[0]
    for alias in ([f"python{major}", "python"] if major == "3" else ["python2", "python"]):
        (out / "bin" / alias).symlink_to(f"python{ver}")
    for lib in (prefix / "lib").glob("libpython*.so*"):
        if lib.is_symlink():
            (out / "lib" / lib.name).symlink_to(os.readlink(lib))
        else:
            link_or_copy(lib, out / "lib" / lib.name)
    std = prefix / "lib" / f"python{ver}"

    def ignore(d, names):
        skip = set()
        if Path(d) == std:
            skip |= {"test", "site-packages"} | {n for n in names if n.startswith("config-")}
        return skip

    shutil.copytree(std, out / "lib" / f"python{ver}", ignore=ignore, copy_function=link_or_copy, symlinks=True)
    site = out / "lib" / f"python{ver}" / "site-packages"
    site.mkdir()
    (site / "README.txt").write_text("This directory exists so that 3rd party packages can be installed here.\n")
    precompile_bundled_wheels(prefix / "bin" / f"python{ver}", out / "lib" / f"python{ver}" / "ensurepip" / "_bundled")
    if major == "3":
        (out / "lib" / f"python{ver}" / "EXTERNALLY-MANAGED").write_text(
            "[externally-managed]\n"
            "Error=This command has been disabled as it tries to modify the immutable\n"
            " `/nix/store` filesystem.\n\n"
            " To use Python with Nix and nixpkgs, have a look at the online documentation:\n"
            " <https://nixos.org/manual/nixpkgs/stable/#python>.\n"
        )
    pydoc = out / "bin" / f"pydoc{ver}"
    pydoc.write_text(f"#!{store_path}/bin/python{ver}\nimport pydoc\nif __name__ == '__main__':\n    pydoc.cli()\n")
    pydoc.chmod(0o555)


def precompile_bundled_wheels(python, bundled):
    """Add bytecode to the wheels ensurepip installs from (the same pip and
    setuptools, their modules also compiled). ensurepip runs pip from inside
    its wheel, where Python caches no bytecode, so every venv made in a build
    compiles pip's modules again: about half of `python -m venv`. The model
    precompiles them once; what the commands do and print is unchanged."""
    if not bundled.is_dir():
        return
    for whl in sorted(bundled.glob("*.whl")):
        with tempfile.TemporaryDirectory() as tmp:
            with zipfile.ZipFile(whl) as z:
                z.extractall(tmp)
                names = z.namelist()
            subprocess.run([str(python), "-m", "compileall", "-b", "-q", "-j", "0", tmp],
                           check=True, capture_output=True)
            new = whl.with_name(whl.name + ".new")
            with zipfile.ZipFile(new, "w", zipfile.ZIP_DEFLATED) as z:
                for n in names:
                    z.write(Path(tmp) / n, n)
                    if n.endswith(".py") and (Path(tmp) / (n + "c")).is_file():
                        z.write(Path(tmp) / (n + "c"), n + "c")
            whl.unlink()
            os.rename(new, whl)


def build_pip(wheel, ver, out, store_path, python_path):
    """pythonXYPackages.pip: pip in its own site-packages, run through
    wrapper scripts as nixpkgs' wrapPythonPrograms makes them."""
    site = out / "lib" / f"python{ver}" / "site-packages"
    site.mkdir(parents=True)
    with zipfile.ZipFile(wheel) as z:
        z.extractall(site)
    (out / "bin").mkdir()
    wrapped = out / "bin" / ".pip-wrapped"
    wrapped.write_text(
        f"#!{python_path}/bin/python{ver}\n"
        "import sys;import site;import functools;sys.argv[0] = 'pip';"
        f"functools.reduce(lambda k, p: site.addsitedir(p, k), ['{store_path}/lib/python{ver}/site-packages'], site._init_pathinfo())\n"
        "import re\nfrom pip._internal.cli.main import main\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\n"
        "    sys.exit(main())\n"
    )
    wrapped.chmod(0o555)
    for name in ("pip", f"pip{ver.split('.')[0]}", f"pip{ver}"):
        w = out / "bin" / name
        w.write_text(
            "#!/bin/bash -e\n"
            "export PYTHONNOUSERSITE='true'\n"
            f"exec -a \"$0\" \"{store_path}/bin/.pip-wrapped\" \"$@\"\n"
        )
        w.chmod(0o555)


NIX_PACKAGE = "n-nix-2.24.9"
NIX_PROGRAMS = ["nix", "nix-env", "nix-store", "nix-build", "nix-shell", "nix-channel",
                "nix-collect-garbage", "nix-instantiate", "nix-daemon"]


def build_nix(out):
    """The nix package the base image's profile holds (its programs are not modelled)."""
    (out / "bin").mkdir(parents=True)
    for p in NIX_PROGRAMS:
        f = out / "bin" / p
        f.write_text("#!/bin/bash\n"
                     f"echo \"buildcheck: '{p}' inside the build is not modelled\" >&2\n"
                     "exit 1\n")
        f.chmod(0o555)
    (out / "etc" / "profile.d").mkdir(parents=True)
    (out / "etc" / "profile.d" / "nix-daemon.sh").write_text("# modelled in /etc/profile.d/nix.sh\n")


def build_stub(pkg, programs, out):
    (out / "bin").mkdir(parents=True)
    for p in programs:
        f = out / "bin" / p
        f.write_text(
            "#!/bin/bash\n"
            f"echo \"buildcheck: stub '{p}' of Nix package {pkg} (not modelled): $*\" >&2\n"
            "exit 0\n"
        )
        f.chmod(0o555)


# --------------------------------------------------------------------------
# Evaluating the .nix files Nixpacks writes.

def parse_nix(text):
    """(archive, packages) of a Nixpacks .nix file."""
    m = re.search(r"nixpkgs/archive/([0-9a-f]+)\.tar\.gz", text)
    archive = m.group(1) if m else LEGACY_ARCHIVE
    m = re.search(r"paths = \[(.*?)\n      \];", text, re.S)
    body = m.group(1) if m else ""
    body = re.sub(r"\(runCommand.*?''\s*\)", " ", body, flags=re.S)
    return archive, body.split()


class EvalError(Exception):
    def __init__(self, cls, message):
        super().__init__(message)
        self.cls = cls


def python_attr(name, model):
    """The version a Python attribute names, None when it is not one, or
    raise EvalError when it names a Python the archive does not have."""
    m = re.fullmatch(r"python(\d*)(Full|Minimal)?", name)
    if not m:
        return None
    digits = m.group(1)
    if digits in ("", "2") and not m.group(2) and name in ("python", "python2"):
        digits = "27"
    if digits == "3":
        return model["default"]
    if digits not in model["pythons"]:
        raise EvalError("nix-eval", f"error: undefined variable '{name}'")
    return model["pythons"][digits]


def resolve_packages(store, archive, names, notes):
    """Store paths for the package names, building the ones needed."""
    def played(ver):
        real, _, full = store.full(ver)
        if real != ver:
            notes.add(f"python {ver} is played by CPython {full} (no {ver} on this machine)")
        return ver
    model = ARCHIVES.get(archive)
    if model is None:
        model = ARCHIVES[LEGACY_ARCHIVE]
        notes.add(f"archive {archive[:8]} is modelled as {LEGACY_ARCHIVE[:8]}")
    paths = []
    for name in names:
        base = name.split(".")[0]
        if name in NOT_ATTRIBUTES:
            raise EvalError("nix-eval", f"error: undefined variable '{name}'")
        ver = python_attr(name, model)
        if ver is not None:
            full = name.endswith("Full")
            paths.append(store.ensure_python(played(ver), "full" if full else ""))
            continue
        m = re.fullmatch(r"python(\d*)Packages\.(.+)", name)
        if m:
            digits = m.group(1)
            ver = model["default"] if digits == "3" else model["pythons"].get(digits)
            if ver is None:
                raise EvalError("nix-eval", f"error: undefined variable 'python{digits}Packages'")
            if m.group(2) == "pip":
                paths.append(store.ensure_pip(played(ver)))
            else:
                notes.add(f"{name} is not modelled (assumed to exist, provides nothing)")
            continue
        progs = next((v for k, v in STUBS.items() if re.match(re.escape(k) + r"($|[-_\d])", base)), None)
        if progs:
            sname = f"s-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}"
            store.ensure(sname, lambda out, n=name, p=progs: build_stub(n, p, out))
            paths.append(sname)
            notes.add(f"{name}: stub programs {', '.join(progs)}")
        else:
            notes.add(f"{name} is not modelled (assumed to exist)")
    seen = []
    for p in paths:
        if p not in seen:
            seen.append(p)
    return seen


def link_env(store, paths):
    """What buildEnv links: relative path -> store path of the file, with
    directories provided by one package linked whole. Raises EvalError on a
    collision."""
    links = {}

    def merge(rel, sources):
        # sources: list of (pkg, absolute dir or file)
        if len(sources) == 1:
            pkg, p = sources[0]
            links[rel] = f"/nix/store/{pkg}/{rel}"
            return
        if all(p.is_dir() and not p.is_symlink() for _, p in sources):
            names = {}
            for pkg, p in sources:
                for child in sorted(os.listdir(p)):
                    names.setdefault(child, []).append((pkg, p / child))
            for child, srcs in names.items():
                merge(f"{rel}/{child}" if rel else child, srcs)
            return
        a, b = sources[0][0], sources[1][0]
        raise EvalError("collision",
                        f"error: collision between `/nix/store/{b}/{rel}' and `/nix/store/{a}/{rel}'")

    top = {}
    for pkg in paths:
        d = store.layer(pkg) / "store" / pkg
        for child in sorted(os.listdir(d)):
            top.setdefault(child, []).append((pkg, d / child))
    for child, srcs in top.items():
        merge(child, srcs)
    return links


# --------------------------------------------------------------------------
# Reading what Nixpacks wrote.

def parse_dockerfile(text):
    """Instructions as (keyword, argument, phase), the way Docker reads them:
    backslash-newline continues a line, `#` lines are comments. The phase
    comes from Nixpacks' `# NAME phase` comments."""
    out = []
    phase = "setup"
    buf = None
    for line in text.split("\n"):
        s = line.strip()
        if buf is None:
            if not s:
                continue
            if s.startswith("#"):
                m = re.fullmatch(r"# (\S+) phase", s)
                if m:
                    phase = m.group(1)
                elif s == "# start":
                    phase = "start"
                continue
            buf = line
        else:
            if s.startswith("#"):
                continue
            buf += line
        if buf.endswith("\\"):
            buf = buf[:-1]
            continue
        kw, _, arg = buf.strip().partition(" ")
        out.append((kw.upper(), arg.strip(), phase))
        buf = None
    if buf is not None:
        kw, _, arg = buf.strip().partition(" ")
        out.append((kw.upper(), arg.strip(), phase))
    return out


def expand(value, env):
    """Docker's $VAR / ${VAR} substitution in ENV values."""
    def sub(m):
        if m.group(0).startswith("\\"):
            return m.group(0)[1:]
        name = m.group(1) or m.group(2)
        return env.get(name, "")
    return re.sub(r"\\\$|\$\{(\w+)\}|\$(\w+)", sub, value)


def env_pairs(arg):
    try:
        words = shlex.split(arg)
    except ValueError:
        words = arg.split()
    pairs = []
    for w in words:
        k, eq, v = w.partition("=")
        if eq:
            pairs.append((k, v))
    return pairs


# --------------------------------------------------------------------------
# Requirements and the wheelhouse.

def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def module_of(dist):
    n = normalize(dist)
    return MODULES.get(n, n.replace("-", "_"))


REQ = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def parse_requirement(line):
    """(name, [(op, version)]) of a requirement line, or None."""
    line = line.split(" #")[0].split(";")[0].strip()
    if not line or line.startswith(("#", "-", "git+", "http:", "https:", "file:", ".", "/")):
        return None
    if " @ " in line:
        return None
    m = REQ.match(line)
    if not m:
        return None
    specs = re.findall(r"(===|==|~=|>=|<=|!=|>|<)\s*([A-Za-z0-9.*+!-]+)", m.group(3))
    return m.group(1), specs


def requirement_files(app, path, seen):
    """Requirement lines of a requirements file and the files it includes."""
    if path in seen or not path.is_file():
        return []
    seen.add(path)
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        s = raw.strip()
        m = re.match(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)", s)
        if m:
            lines += requirement_files(app, (path.parent / m.group(2)).resolve(), seen)
        else:
            lines.append(s)
    return lines


def pip_args(cmd):
    """Requirement words and -r files of `pip install` calls in a shell command."""
    try:
        lex = shlex.shlex(cmd, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        words = list(lex)
    except ValueError:
        words = cmd.split()
    reqs, files = [], []
    for i, w in enumerate(words):
        if w != "install" or i == 0 or not re.search(r"(^|/)(pip[\d.]*|-m|uv)$", words[i - 1]):
            continue
        j = i + 1
        while j < len(words) and words[j] not in ("&&", "||", ";", "|", "&"):
            a = words[j]
            if a in ("-r", "--requirement", "-c", "--constraint") and j + 1 < len(words):
                files.append(words[j + 1])
                j += 2
                continue
            if a.startswith("-r") and len(a) > 2:
                files.append(a[2:])
            elif a in OPTIONS_WITH_VALUE:
                j += 1
            elif not a.startswith("-"):
                reqs.append(a)
            j += 1
    return reqs, files


def make_wheel(out_dir, dist, version, module, scripts):
    dist_n = re.sub(r"[-_.]+", "_", dist)
    info = f"{dist_n}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f"__version__ = {version!r}\n\ndef main():\n    print({dist!r} + ' (buildcheck stand-in)')\n",
        f"{module}/__main__.py": f"from {module} import main\nmain()\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: buildcheck\nRoot-Is-Purelib: true\nTag: py2-none-any\nTag: py3-none-any\n",
        f"{info}/top_level.txt": module + "\n",
    }
    if scripts:
        files[f"{info}/entry_points.txt"] = "[console_scripts]\n" + "".join(f"{s} = {module}:main\n" for s in scripts)
    record = []
    for name, content in files.items():
        import base64
        digest = base64.urlsafe_b64encode(hashlib.sha256(content.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(content.encode())}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = "\n".join(record) + "\n"
    path = out_dir / f"{dist_n}-{version}-py2.py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as z:
        for name, content in files.items():
            z.writestr(name, content)


def candidate_versions(specs):
    vs = {"1.0.0"}
    for op, v in specs:
        v = v.replace("*", "0").rstrip(".")
        if not re.fullmatch(r"\d+(\.\d+)*([a-z]+\d*)?(\.post\d+)?", v):
            continue
        if op in ("==", "===", ">=", "~=", "<="):
            vs.add(v)
        elif op == ">":
            vs.add(v + ".post1")
        elif op == "<":
            parts = v.split(".")
            if parts[-1].isdigit() and int(parts[-1]) > 0:
                vs.add(".".join(parts[:-1] + [str(int(parts[-1]) - 1)]))
            else:
                vs.add("0.0.1")
    return vs


def debian_wheel_package(out_dir):
    """The real `wheel` package (setuptools needs it to build a project), as
    a wheel made from Debian's installed copy when the machine has one."""
    src = Path("/usr/lib/python3/dist-packages/wheel")
    infos = sorted(Path("/usr/lib/python3/dist-packages").glob("wheel-*.egg-info"))
    if not src.is_dir() or not infos:
        return False
    version = infos[-1].name[len("wheel-"):-len(".egg-info")]
    info = f"wheel-{version}.dist-info"
    files = {}
    for p in sorted(src.rglob("*.py")):
        files[f"wheel/{p.relative_to(src)}"] = p.read_bytes()
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: wheel\nVersion: {version}\n".encode()
    files[f"{info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: buildcheck\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ep = infos[-1] / "entry_points.txt"
    if ep.is_file():
        files[f"{info}/entry_points.txt"] = ep.read_bytes()
    import base64
    record = []
    for name, content in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(content).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(content)}")
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    with zipfile.ZipFile(out_dir / f"wheel-{version}-py3-none-any.whl", "w") as z:
        for name, content in files.items():
            z.writestr(name, content)
    return True


def build_wheelhouse(out_dir, requirements, pythons, store):
    """Wheels for every requirement (several versions when specifiers ask),
    the real pip and setuptools, and a stand-in `wheel`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    real = {}
    for v, prefix in pythons.items():
        for w in (prefix / "lib" / f"python{v}" / "ensurepip" / "_bundled").glob("*.whl"):
            real.setdefault(w.name, w)
    for w in real.values():
        if w.name.startswith("pip-") and "py2" in w.name:
            continue
        link_or_copy(w, out_dir / w.name)
    by_name = {}
    for name, specs in requirements:
        by_name.setdefault(normalize(name), []).extend(specs)
    real_wheel = debian_wheel_package(out_dir)
    if not real_wheel:
        by_name.setdefault("wheel", [])
    for n, specs in sorted(by_name.items()):
        if n in ("pip", "setuptools") or (n == "wheel" and real_wheel):
            continue
        scripts = [n] + SCRIPTS.get(n, [])
        for v in sorted(candidate_versions(specs)):
            make_wheel(out_dir, n, v, module_of(n), scripts)


# --------------------------------------------------------------------------
# One build.

PROFILE_D_NIX = """\
# Nix (the Determinate installer's /etc/profile.d/nix.sh, which sources nix-daemon.sh)
if [ -n "${__ETC_PROFILE_NIX_SOURCED:-}" ]; then return; fi
export __ETC_PROFILE_NIX_SOURCED=1
export NIX_PROFILES="/nix/var/nix/profiles/default $HOME/.nix-profile"
export NIX_SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
export PATH="$HOME/.nix-profile/bin:/nix/var/nix/profiles/default/bin:$PATH"
"""

ETC_PROFILE = """\
# /etc/profile as Ubuntu ships it (it does not set PATH)
if [ "${PS1-}" ]; then
  if [ "${BASH-}" ] && [ "$BASH" != "/bin/sh" ]; then
    if [ -f /etc/bash.bashrc ]; then . /etc/bash.bashrc; fi
  fi
fi
if [ -d /etc/profile.d ]; then
  for i in /etc/profile.d/*.sh; do
    if [ -r $i ]; then . $i; fi
  done
  unset i
fi
"""

ROOT_PROFILE = """\
# ~/.profile: executed by Bourne-compatible login shells.
if [ "$BASH" ]; then
  if [ -f ~/.bashrc ]; then
    . ~/.bashrc
  fi
fi
mesg n 2> /dev/null || true
if [ -d $HOME/.nix-profile/etc/profile.d ]; then
 for i in $HOME/.nix-profile/etc/profile.d/*.sh; do
 if [ -r $i ]; then
 . $i
 fi
 done
 fi
PATH=$NIXPACKS_PATH:$PATH"""

ROOT_BASHRC = "[ -z \"$PS1\" ] && return\n"

IMAGE_ENV = {
    "ENV": "/etc/profile",
    "USER": "root",
    "HOME": "/root",
    "HOSTNAME": "buildcheck",
    "PATH": "/nix/var/nix/profiles/default/bin:/nix/var/nix/profiles/default/sbin:/bin:/sbin:/usr/bin:/usr/sbin",
    "GIT_SSL_CAINFO": "/etc/ssl/certs/ca-certificates.crt",
    "NIX_SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt",
    "NIX_PATH": "/nix/var/nix/profiles/per-user/root/channels",
    "NIXPKGS_ALLOW_BROKEN": "1",
    "NIXPKGS_ALLOW_UNFREE": "1",
    "NIXPKGS_ALLOW_INSECURE": "1",
    "LD_LIBRARY_PATH": "/usr/lib",
    "CPATH": "~/.nix-profile/include:",
    "LIBRARY_PATH": "~/.nix-profile/lib:",
    "QTDIR": "~/.nix-profile:",
}

PIP_CONF = "[global]\nno-index = true\nfind-links = /buildcheck/wheels\ndisable-pip-version-check = true\n"

IMPORT_CHECK = (
    "import sys\n"
    "bad = []\n"
    "for m in sys.argv[1:]:\n"
    "    try:\n"
    "        __import__(m)\n"
    "    except Exception as e:\n"
    "        bad.append('%s: %s' % (m, e))\n"
    "sys.stdout.write('\\n'.join(bad) + ('\\n' if bad else ''))\n"
    "sys.exit(1 if bad else 0)\n"
)


def railway_inputs(app):
    """What Railway hands Nixpacks from railway.json / railway.toml, and its builder."""
    for name in ("railway.json", "railway.toml"):
        p = app / name
        if not p.is_file():
            continue
        try:
            text = p.read_text(encoding="utf-8-sig")
            if name.endswith(".json"):
                doc = json.loads(text)
            else:
                import tomllib
                doc = tomllib.loads(text)
        except Exception:
            return {"builder": None, "unreadable": name}
        build = doc.get("build") if isinstance(doc.get("build"), dict) else {}
        deploy = doc.get("deploy") if isinstance(doc.get("deploy"), dict) else {}
        out = {"builder": build.get("builder")}
        if isinstance(build.get("nixpacksPlan"), dict):
            out["plan"] = build["nixpacksPlan"]
        if isinstance(build.get("buildCommand"), str):
            out["build_cmd"] = build["buildCommand"]
        if isinstance(deploy.get("startCommand"), str):
            out["start_cmd"] = deploy["startCommand"]
        return out
    return {}


def nixpacks_args(railway):
    args = []
    if "plan" in railway:
        args += ["--json-plan", json.dumps(railway["plan"])]
    if "build_cmd" in railway:
        args += ["--build-cmd", railway["build_cmd"]]
    if "start_cmd" in railway:
        args += ["--start-cmd", railway["start_cmd"]]
    return args


def nixpacks_error(stderr):
    lines = [l.strip() for l in stderr.splitlines() if l.strip()]
    if "Caused by:" in lines:
        i = lines.index("Caused by:")
        if i + 1 < len(lines):
            return lines[i + 1].removeprefix("0: ")
    return lines[0] if lines else "nixpacks failed"


def classify(output, code):
    if "externally-managed-environment" in output:
        return "externally-managed", None
    if re.search(r"No module named pip\b", output):
        return "no-pip-module", None
    m = re.search(r"(?:^|\n)(?:/bin/bash: )?(?:line \d+: )?(\S+): (?:command not found|No such file or directory)", output)
    if code == 127 or m:
        return "not-found", (m.group(1) if m else None)
    return "other", None


def is_python_word(w):
    return re.fullmatch(r"(.*/)?python(\d(\.\d+)?)?", w) is not None


def start_candidates(cmd):
    """Simple commands of the start command, with the `cd` and activation
    commands that come before each (they decide what its program resolves to)."""
    try:
        lex = shlex.shlex(cmd, posix=True, punctuation_chars=True)
        lex.whitespace_split = True
        words = list(lex)
    except ValueError:
        return []
    cmds, cur = [], []
    for w in words:
        if w in ("&&", "||", ";", "|", "&", "(", ")"):
            if cur:
                cmds.append(cur)
            cur = []
        else:
            cur.append(w)
    if cur:
        cmds.append(cur)
    out, prefix = [], []
    for c in cmds:
        while c and re.fullmatch(r"\w+=.*", c[0]):
            c = c[1:]
        if c and c[0] == "exec":
            c = c[1:]
        if not c:
            continue
        if c[0] == "cd" or (c[0] in (".", "source") and len(c) > 1 and c[1].endswith("activate")):
            prefix.append(shlex.join(c))
            continue
        out.append((list(prefix), c))
    return out


def start_check(run, start_cmd, modules):
    """Whether the start command's Python (or a console-script start's
    Python) is found and imports every requirement."""
    if not start_cmd:
        return {"status": "skipped", "why": "no start command"}
    for prefix, words in start_candidates(start_cmd):
        prog = words[0]
        pre = "".join(p + " && " for p in prefix)
        r = run(pre + "command -v -- " + shlex.quote(prog))
        path = r["output"].strip().splitlines()[-1] if r["exit"] == 0 and r["output"].strip() else None
        python = None
        if is_python_word(prog) or (prog in ("python", "python3") or prog.startswith("python")):
            if path is None:
                return {"status": "failed", "class": "not-found", "program": prog,
                        "message": f"{prog}: command not found (at start)"}
            python = prog
        elif path:
            shebang = run(f"head -c 200 -- {shlex.quote(path)} | head -n 1")["output"].strip()
            m = re.match(r"#!\s*(\S*python[\d.]*)\b", shebang)
            if not m:
                continue
            python = m.group(1)
        else:
            if normalize(prog) in modules.get("scripts", set()) or prog in ("gunicorn", "uvicorn", "hypercorn", "daphne", "waitress-serve", "celery", "streamlit", "flask", "fastapi"):
                return {"status": "failed", "class": "not-found", "program": prog,
                        "message": f"{prog}: command not found (at start)"}
            continue
        mods = sorted(modules.get("modules", set()))
        r = run(pre + shlex.join([python, "-c", IMPORT_CHECK] + mods))
        if r["exit"] != 0:
            return {"status": "failed", "class": "start-import", "program": python,
                    "message": r["output"].strip()[-2000:] or f"{python} exited {r['exit']}"}
        return {"status": "ok", "program": python, "resolved": path, "imports": mods}
    return {"status": "skipped", "why": "the start command runs no Python program"}


def hidden_programs(dirs):
    """Entries of the host's program directories to hide from the base system."""
    out = {}
    for d in dirs:
        names = []
        try:
            entries = sorted(os.listdir(d))
        except OSError:
            continue
        for n in entries:
            p = Path(d) / n
            hide = HIDDEN.match(n) is not None
            if not hide and p.is_file():
                try:
                    with open(p, "rb") as f:
                        first = f.readline(200)
                    hide = first.startswith(b"#!") and b"python" in first
                except OSError:
                    pass
            if hide:
                names.append(n)
        out[d] = names
    return out


def sh(*args, **kw):
    subprocess.run(list(args), check=True, **kw)


def worker(job_path):
    """Inside a private mount namespace: set up the image's file system and
    run the instructions. Writes the result next to the job."""
    job = json.loads(Path(job_path).read_text())
    B = Path(job["dir"])
    T = B / "ns"
    sh("mount", "--make-rprivate", "/")
    sh("mount", "-t", "tmpfs", "-o", "mode=0755", "buildcheck", str(T))
    R = T / "root"
    for d in ("root", "u", "w"):
        (T / d).mkdir()
    # /usr: the host's, with Pythons, pips and Node hidden (overlay whiteouts).
    for part, lower in (("usr", "/usr"), ("etc", "/etc")):
        (T / "u" / part).mkdir()
        (T / "w" / part).mkdir()
    for d, names in job["hidden"].items():
        rel = Path(d).relative_to("/usr")
        up = T / "u" / "usr" / rel
        up.mkdir(parents=True, exist_ok=True)
        for n in names:
            os.mknod(up / n, stat.S_IFCHR | 0o000, os.makedev(0, 0))
    # /etc: the host's, with Ubuntu's profile, Nix's profile.d and our pip.conf.
    ue = T / "u" / "etc"
    (ue / "profile").write_text(ETC_PROFILE)
    (ue / "profile.d").mkdir()
    os.setxattr(ue / "profile.d", "trusted.overlay.opaque", b"y")
    (ue / "profile.d" / "nix.sh").write_text(PROFILE_D_NIX)
    (ue / "pip.conf").write_text(PIP_CONF)
    (ue / "hostname").write_text("buildcheck\n")
    for d in ("usr", "etc", "nix", "dev", "proc", "tmp", "app", "opt", "root", "var/tmp", "run", "buildcheck/wheels"):
        (R / d).mkdir(parents=True, exist_ok=True)
    (R / "tmp").chmod(0o1777)
    for link in ("bin", "sbin", "lib", "lib64", "lib32", "libx32"):
        host = Path("/") / link
        if host.is_symlink():
            (R / link).symlink_to(os.readlink(host))
        elif host.is_dir():
            (R / link).mkdir()
            sh("mount", "--bind", "-o", "ro", str(host), str(R / link))
    sh("mount", "-t", "overlay", "overlay", "-o",
       f"lowerdir=/usr,upperdir={T}/u/usr,workdir={T}/w/usr", str(R / "usr"))
    sh("mount", "-t", "overlay", "overlay", "-o",
       f"lowerdir=/etc,upperdir={T}/u/etc,workdir={T}/w/etc", str(R / "etc"))
    # /nix: the modelled store paths, stacked, with a writable layer on top.
    base = T / "nixbase"
    (base / "store").mkdir(parents=True)
    (base / "var/nix/profiles/per-user/root").mkdir(parents=True)
    (T / "u" / "nix").mkdir()
    (T / "w" / "nix").mkdir()
    lowers = ":".join(job["layers"] + [str(base)])
    sh("mount", "-t", "overlay", "overlay", "-o",
       f"lowerdir={lowers},upperdir={T}/u/nix,workdir={T}/w/nix", str(R / "nix"))
    sh("mount", "--bind", "/dev", str(R / "dev"))
    sh("mount", "-t", "proc", "proc", str(R / "proc"))
    sh("mount", "--bind", "-o", "ro", job["wheels"], str(R / "buildcheck/wheels"))
    (R / "root" / ".profile").write_text(ROOT_PROFILE)
    (R / "root" / ".bashrc").write_text(ROOT_BASHRC)
    (R / "root" / ".nix-profile").symlink_to("/nix/var/nix/profiles/default")
    install_env(R, job["base_env"])

    env = dict(IMAGE_ENV)
    workdir = "/"
    steps = []
    result = {"steps": steps}
    context = Path(job["context"])

    def run(cmd, phase=None, timeout=None):
        # chroot by its absolute path: `env` is the image's, whose PATH a
        # config may set to anything (the lookup would use it).
        argv = [CHROOT, str(R), "/bin/bash", "-c", 'cd -- "$1" && shift && exec "$@"', "_", workdir,
                "/bin/bash", "-ol", "pipefail", "-c", cmd]
        t0 = time.monotonic()
        try:
            return {**run_timed(argv), "seconds": round(time.monotonic() - t0, 3)}
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace")
            return {"exit": -1, "output": out + "\n(timed out)", "timeout": True}

    def run_timed(argv):
        p = subprocess.run(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=job["timeout"])
        out = p.stdout.decode(errors="replace")
        return {"exit": p.returncode, "output": out}

    def copy_in(src, dest):
        dest_abs = R / dest.lstrip("/") if dest.startswith("/") else R / workdir.lstrip("/") / dest
        if src in (".", "./"):
            shutil.copytree(context, dest_abs, dirs_exist_ok=True, symlinks=True)
        else:
            s = context / src
            if s.is_dir():
                shutil.copytree(s, dest_abs, dirs_exist_ok=True, symlinks=True)
            elif s.exists():
                if dest.endswith("/"):
                    dest_abs = dest_abs / s.name
                dest_abs.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(s, dest_abs)

    froms = 0
    for kw, arg, phase in job["instructions"]:
        if kw == "FROM":
            froms += 1
            if froms > 1:
                result["start"] = {"status": "skipped", "why": f"a separate run image ({arg}) is not modelled"}
                break
        elif kw == "WORKDIR":
            workdir = arg if arg.startswith("/") else str(Path(workdir) / arg)
            (R / workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif kw == "ARG":
            for name in arg.split():
                name = name.split("=")[0]
                if name in job["variables"]:
                    env[name] = job["variables"][name]
        elif kw == "ENV":
            for k, v in env_pairs(arg):
                env[k] = expand(v, env)
        elif kw == "COPY":
            words = arg.split()
            words = [w for w in words if not w.startswith("--")]
            if len(words) >= 2:
                for src in words[:-1]:
                    copy_in(src, words[-1])
        elif kw == "RUN":
            cmd = arg
            while cmd.startswith("--"):
                cmd = cmd.split(None, 1)[1] if len(cmd.split(None, 1)) > 1 else ""
                for m in re.finditer(r"target=([^,\s]+)", arg):
                    (R / m.group(1).lstrip("/")).mkdir(parents=True, exist_ok=True)
            cmd = cmd.strip()
            m = re.fullmatch(r"nix-env -if (\S+) && nix-collect-garbage -d", cmd)
            if m:
                install_env(R, job["envs"][m.group(1).split("/")[-1]])
                steps.append({"phase": "setup", "command": cmd, "exit": 0, "output": "(modelled nix-env)"})
                continue
            if cmd.startswith("sudo apt-get update && sudo apt-get install"):
                steps.append({"phase": "setup", "command": cmd, "exit": 0, "output": "(apt packages not modelled)"})
                continue
            r = run(cmd, phase)
            steps.append({"phase": phase, "command": cmd, "exit": r["exit"], "output": r["output"][-6000:],
                          "seconds": r.get("seconds"),
                          **({"timeout": True} if r.get("timeout") else {})})
            if r["exit"] != 0:
                break
        elif kw == "CMD":
            try:
                parsed = json.loads(arg)
                result["start_cmd"] = parsed[0] if isinstance(parsed, list) and parsed else str(parsed)
            except ValueError:
                result["start_cmd"] = arg
        elif kw in ("ENTRYPOINT", "USER", "EXPOSE", "LABEL"):
            pass
        else:
            steps.append({"phase": phase, "command": f"{kw} {arg}", "exit": 1,
                          "output": f"dockerfile parse error: unknown instruction: {kw}", "dockerfile": True})
            break
    if steps and steps[-1]["exit"] != 0:
        result["start"] = {"status": "skipped", "why": "the build failed"}
    elif "start" not in result:
        result["start"] = start_check(lambda c: run(c, "start", 120), result.get("start_cmd"), {
            "modules": set(job["modules"]), "scripts": set(job["scripts"])})
    Path(job["result"]).write_text(json.dumps(result))


def install_env(R, env):
    """`nix-env -if`: a new user environment (the profile's packages so far,
    linked as buildEnv links them) and the profile pointing at it."""
    root = R / "nix" / "store" / env["name"]
    root.mkdir(parents=True)
    for rel, target in env["links"].items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.symlink_to(target)
    prof = R / "nix/var/nix/profiles"
    prof.mkdir(parents=True, exist_ok=True)
    link = prof / f"default-{env['generation']}-link"
    link.symlink_to(f"/nix/store/{env['name']}")
    default = prof / "default"
    if default.is_symlink():
        default.unlink()
    default.symlink_to(link.name)


# --------------------------------------------------------------------------
# The driver, outside the namespace.

def build_one(app, ctx, keep=False, verbose=False):
    app = Path(app).resolve()
    res = {"app": str(app), "accepted": False, "python_build": False, "builds": False, "notes": []}
    railway = railway_inputs(app)
    builder = railway.get("builder")
    if builder and str(builder).upper() not in ("NIXPACKS",):
        res.update(skipped=f"railway builder {builder} is not Nixpacks")
        return res
    B = Path(tempfile.mkdtemp(prefix="nixfix-buildcheck-"))
    try:
        out = B / "out"
        args = nixpacks_args(railway)
        plan = subprocess.run([ctx["nixpacks"], "plan", str(app)] + args, capture_output=True, text=True,
                              env={**os.environ, "RUST_BACKTRACE": "0"})
        if plan.returncode != 0:
            res["failure"] = {"phase": "plan", "class": "rejected", "message": nixpacks_error(plan.stderr)}
            return res
        variables = json.loads(plan.stdout).get("variables") or {}
        b = subprocess.run([ctx["nixpacks"], "build", str(app), "--out", str(out)] + args,
                           capture_output=True, text=True, env={**os.environ, "RUST_BACKTRACE": "0"})
        if b.returncode != 0:
            res["failure"] = {"phase": "plan", "class": "rejected", "message": nixpacks_error(b.stderr)}
            return res
        res["accepted"] = True
        dockerfile = (out / ".nixpacks" / "Dockerfile").read_text()
        instructions = parse_dockerfile(dockerfile)
        runs = [a for k, a, _ in instructions if k == "RUN"]
        cmd_line = next((a for k, a, _ in instructions if k == "CMD"), "")
        store = ctx["store"]
        notes = set()
        envs, pkgs = {}, []
        store.ensure(NIX_PACKAGE, build_nix)
        profile = [NIX_PACKAGE]
        base_env = {"name": "u0-user-environment", "links": link_env(store, profile), "generation": 0}
        failure = None
        for i, nix in enumerate(sorted((out / ".nixpacks").glob("*.nix")), start=1):
            archive, names = parse_nix(nix.read_text())
            pkgs += names
            try:
                paths = resolve_packages(store, archive, names, notes)
                profile += [p for p in paths if p not in profile]
                envs[nix.name] = {"name": f"u{i}-user-environment", "links": link_env(store, profile),
                                  "generation": i}
            except EvalError as e:
                failure = {"phase": "setup", "command": f"nix-env -if .nixpacks/{nix.name}", "class": e.cls,
                           "message": str(e)}
                break
        text = "\n".join(runs) + "\n" + cmd_line
        res["python_build"] = ("python" in str(variables.get("NIXPACKS_METADATA", "")).split(",")
                               or any(re.match(r"python", p) for p in pkgs)
                               or re.search(r"\b(pip[\d.]*|python[\d.]*)\b", text) is not None)
        if failure:
            res["failure"] = failure
            res["notes"] = sorted(notes)
            return res
        # Requirements: the app's requirement files and what the commands install.
        reqs, modules, scripts = [], set(), set()
        seen = set()
        lines = requirement_files(app, (app / "requirements.txt").resolve(), seen)
        for l in lines:
            r = parse_requirement(l)
            if r:
                reqs.append(r)
                modules.add(module_of(r[0]))
                scripts.add(normalize(r[0]))
        for f in app.rglob("*.txt"):
            if "requirements" in f.name and f.stat().st_size < 1 << 20:
                for l in requirement_files(app, f.resolve(), seen):
                    r = parse_requirement(l)
                    if r:
                        reqs.append(r)
        for cmd in runs + [cmd_line]:
            words, files = pip_args(cmd)
            for w in words:
                r = parse_requirement(w)
                if r:
                    reqs.append(r)
        wheels = B / "wheels"
        build_wheelhouse(wheels, reqs, ctx["pythons"], store)
        context = B / "context"
        shutil.copytree(app, context, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        shutil.copytree(out / ".nixpacks", context / ".nixpacks", dirs_exist_ok=True)
        (B / "ns").mkdir()
        job = {"dir": str(B), "context": str(context), "instructions": instructions, "variables": variables,
               "envs": envs, "base_env": base_env, "wheels": str(wheels),
               "layers": [str(store.layer(p)) for p in reversed(profile)],
               "hidden": ctx["hidden"], "timeout": ctx["timeout"], "modules": sorted(modules),
               "scripts": sorted(scripts), "result": str(B / "result.json")}
        (B / "job.json").write_text(json.dumps(job))
        # The build is a function of the Dockerfile, the Nix files, the
        # variables, the requirements and the app's files; the config file
        # itself only matters through what Nixpacks made of it. Apps equal in
        # all that (two formattings of one config) are built once.
        # (The cache mounts' ids name the app, not what is built.)
        same = re.sub(r"--mount=type=cache,id=[^,\s]*", "--mount=type=cache", dockerfile)
        key = hashlib.sha256(json.dumps([same, envs, variables, sorted(map(list, reqs)), sorted(modules),
                                         tree_key(app, skip=CONFIG_NAMES)], sort_keys=True).encode()).hexdigest()
        r = ctx["runs"].get(key, lambda: run_worker(B, app))
        if r is None:
            raise RuntimeError(f"buildcheck worker failed for {app}")
        res["steps"] = [{k: v for k, v in s.items() if verbose or k != "output"} for s in r["steps"]]
        res["start_cmd"] = r.get("start_cmd")
        res["start"] = r["start"]
        bad = next((s for s in r["steps"] if s["exit"] != 0), None)
        if bad:
            if bad.get("dockerfile"):
                cls, prog = "dockerfile", None
            elif bad.get("timeout"):
                cls, prog = "timeout", None
            else:
                cls, prog = classify(bad["output"], bad["exit"])
            res["failure"] = {"phase": bad["phase"], "command": bad["command"], "class": cls,
                              "exit": bad["exit"], "message": last_lines(bad["output"])}
            if prog:
                res["failure"]["program"] = prog
        elif r["start"]["status"] == "failed":
            s = r["start"]
            res["failure"] = {"phase": "start", "command": r.get("start_cmd"), "class": s["class"],
                              "message": s["message"], **({"program": s["program"]} if "program" in s else {})}
        else:
            res["builds"] = True
        res["notes"] = sorted(notes)
        return res
    finally:
        if keep:
            res["kept"] = str(B)
        else:
            shutil.rmtree(B, ignore_errors=True)


CHROOT = shutil.which("chroot") or "/usr/sbin/chroot"

CONFIG_NAMES = ("nixpacks.toml", "nixpacks.json", "railway.toml", "railway.json")


def run_worker(B, app):
    """Run a prepared job in its own mount namespace; its result."""
    w = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, __file__,
                        "--worker", str(B / "job.json")], capture_output=True, text=True)
    if w.returncode != 0 or not (B / "result.json").exists():
        raise RuntimeError(f"buildcheck worker failed for {app}: {w.stderr.strip()[-3000:]}")
    return json.loads((B / "result.json").read_text())


class Once:
    """Results by key, each computed once however many threads ask."""

    def __init__(self):
        self.lock = threading.Lock()
        self.slots = {}

    def get(self, key, compute):
        with self.lock:
            slot = self.slots.get(key)
            owner = slot is None
            if owner:
                slot = self.slots[key] = {"done": threading.Event(), "value": None}
        if owner:
            try:
                slot["value"] = compute()
            finally:
                slot["done"].set()
        slot["done"].wait()
        return slot["value"]


def last_lines(out, n=6):
    """The line that says what went wrong (pip's `error: ...`, bash's
    `command not found`), then the last lines of the output."""
    lines = [l for l in out.strip().splitlines() if l.strip()]
    key = next((l for l in lines if re.match(r"\s*(error: |ERROR: )", l)
                or "No module named" in l or "command not found" in l), None)
    tail = lines[-n:]
    if key and key not in tail:
        tail = [key, "..."] + tail
    return "\n".join(tail)


def describe(r):
    if r.get("skipped"):
        return f"{r['app']}: skipped ({r['skipped']})"
    if r["builds"]:
        s = r.get("start", {})
        extra = f"; start: {s.get('program')} imports {', '.join(s.get('imports', [])) or 'nothing'}" if s.get("status") == "ok" else f"; start {s.get('status')}: {s.get('why', '')}"
        return f"{r['app']}: builds{extra}"
    f = r.get("failure", {})
    head = f"{r['app']}: fails at {f.get('phase')}"
    if f.get("command"):
        head += f": `{f['command']}`"
    return f"{head}: {f.get('class')}\n    " + (f.get("message") or "").replace("\n", "\n    ")


def main(argv=None):
    ap = argparse.ArgumentParser(description="Run a Nixpacks build offline and say whether it builds.")
    ap.add_argument("apps", nargs="*", help="app directories (each holding its config)")
    ap.add_argument("--json", action="store_true", help="JSON Lines, one record per app")
    ap.add_argument("--jobs", "-j", type=int, default=max(2, os.cpu_count() or 2))
    ap.add_argument("--keep", action="store_true", help="keep each build's directory (for debugging)")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per command")
    ap.add_argument("-v", "--verbose", action="store_true", help="include every command's output")
    ap.add_argument("--check-available", action="store_true", help="exit 0 when the harness can run here, 3 with the reason when not")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.worker:
        worker(a.worker)
        return 0
    try:
        check_namespace()
        ctx = {"nixpacks": find_nixpacks(), "pythons": find_cpythons(), "timeout": a.timeout}
    except Unavailable as e:
        print(f"buildcheck: unavailable: {e}", file=sys.stderr)
        return 3
    if a.check_available:
        return 0
    ctx["store"] = Store(ctx["pythons"])
    ctx["runs"] = Once()
    ctx["hidden"] = hidden_programs(["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"])
    failed = False
    harness_errors = 0
    # Identical app directories build identically: each is built once.
    keys = [tree_key(Path(app)) for app in a.apps]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futs = {}
        for app, key in zip(a.apps, keys):
            if key not in futs:
                futs[key] = pool.submit(build_one, app, ctx, a.keep, a.verbose)
        for app, key in zip(a.apps, keys):
            try:
                r = dict(futs[key].result())
            except Exception as e:  # a harness bug: say so, do not hide it
                # ...but the other apps still get their verdicts (a run of
                # a thousand builds is not lost to one); the exit status is 2.
                print(f"buildcheck: internal error: {e}", file=sys.stderr)
                harness_errors += 1
                r = {"accepted": False, "python_build": False, "builds": False,
                     "harness_error": str(e)[-500:]}
            r["app"] = str(Path(app).resolve())
            failed |= not r["builds"] and not r.get("skipped")
            print(json.dumps(r) if a.json else describe(r), flush=True)
    print(f"buildcheck: {len(a.apps)} apps, {len(futs)} distinct, {len(ctx['runs'].slots)} builds run",
          file=sys.stderr)
    if harness_errors:
        return 2
    return 1 if failed else 0


def tree_key(app, skip=()):
    """A hash of every file under `app` (names and bytes), but the top-level
    files named in `skip`."""
    h = hashlib.sha256()
    app = Path(app)
    for root, dirs, files in os.walk(app):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for f in sorted(files):
            p = Path(root) / f
            if Path(root) == app and f in skip:
                continue
            h.update(str(p.relative_to(app)).encode() + b"\0")
            try:
                h.update(p.read_bytes() if not p.is_symlink() else b"link:" + os.readlink(p).encode())
            except OSError:
                h.update(b"unreadable")
            h.update(b"\0")
    return h.hexdigest()


if __name__ == "__main__":
    sys.exit(main())
