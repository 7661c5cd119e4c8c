#!/usr/bin/env bash
# Benchmark nixfix against the walk floor (ripgrep) and the tomlkit peer.
#
#   benches/run.sh [--services N] [--filler K] [--quick] [--runs R] [--no-peer]
#   NIXFIX_BIN=/path/to/nixfix benches/run.sh ...   (bench a prebuilt binary)
#
# Not part of the test suite or CI. Everything generated lives under
# $NIXFIX_BENCH_DIR (default /tmp/nixfix-bench), never in the repository.
# See benches/README.md for what is measured and how to read the table.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BENCHES="$ROOT/benches"
KIT=${NIXFIX_BENCH_KIT:-$ROOT/../shared/bench}
OUT=${NIXFIX_BENCH_DIR:-/tmp/nixfix-bench}

SERVICES=10000
FILLER=20
QUICK=0
RUNS=
PEER=1
services_given=0

usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --services) SERVICES=$2; services_given=1; shift 2 ;;
    --services=*) SERVICES=${1#*=}; services_given=1; shift ;;
    --filler) FILLER=$2; shift 2 ;;
    --filler=*) FILLER=${1#*=}; shift ;;
    --runs) RUNS=$2; shift 2 ;;
    --runs=*) RUNS=${1#*=}; shift ;;
    --quick) QUICK=1; shift ;;
    --no-peer) PEER=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

if [ "$QUICK" = 1 ]; then
  [ "$services_given" = 1 ] || SERVICES=1000
  RUNS=${RUNS:-5}
  MONO="$OUT/mono-quick"
  RSS_SMALL=1000
  RSS_BIG=10000
else
  MONO="$OUT/mono"
  RSS_SMALL=1000
  RSS_BIG=100000
fi
RUNS=${RUNS:-10}
RSS_FILLER=0
RSS_REPS=3
W="$MONO-write"
NOTES=()

say() { printf '\n== %s\n' "$*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }

mkdir -p "$OUT"
: > "$OUT/rss.tsv"
rm -f "$OUT/hyperfine.json" "$OUT/stdin.json" "$OUT/write_floor.json" "$OUT/interleaved.json"

# --- 1. tools and the release build ------------------------------------------
for t in hyperfine rg python3 cargo; do
  command -v "$t" >/dev/null || die "$t is required"
done
[ -f "$KIT/gen_monorepo.py" ] || die "benchmark kit not found at $KIT (set NIXFIX_BENCH_KIT)"

if [ -n "${NIXFIX_BIN:-}" ]; then
  # Benchmark a prebuilt binary (another commit, a snapshot) instead.
  NIXFIX=$NIXFIX_BIN
  NOTES+=("binary: $NIXFIX (NIXFIX_BIN, not built by run.sh)${NIXFIX_BIN_DESC:+: $NIXFIX_BIN_DESC}")
else
  say "cargo build --release"
  (cd "$ROOT" && cargo build --release)
  TARGET_DIR=$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  NIXFIX="$TARGET_DIR/release/nixfix"
fi
[ -x "$NIXFIX" ] || die "no binary at $NIXFIX"

TOMLKIT=n/a
if [ "$PEER" = 1 ]; then
  if ! python3 -c 'import tomlkit' 2>/dev/null; then
    say "installing tomlkit for the peer (pip install --user tomlkit)"
    python3 -m pip install --user --quiet tomlkit >&2 || true
  fi
  if TOMLKIT=$(python3 -c 'import tomlkit; print(tomlkit.__version__)' 2>/dev/null); then :; else
    PEER=0; TOMLKIT=n/a
    NOTES+=("python3 has no tomlkit and pip could not install it: the peer was skipped")
  fi
else
  NOTES+=("--no-peer: the peer was skipped")
fi

TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "apt-get install -y time (for peak RSS)"
    apt-get install -y -qq time >&2 || true
  fi
  [ -x "$TIME" ] || NOTES+=("/usr/bin/time missing: peak RSS not measured")
fi

# --- 2. workloads (regenerated only when missing or the parameters differ) ---
ensure_workload() { # DIR SERVICES FILLER
  local dir=$1 n=$2 k=$3 want
  want="services=$n filler=$k seed=7 gen=$(sha1sum < "$KIT/gen_monorepo.py" | cut -c1-12)"
  if [ -d "$dir" ] && [ -f "$dir.stamp" ] && [ "$(cat "$dir.stamp")" = "$want" ]; then
    return
  fi
  say "generating $dir ($n services, filler $k)"
  rm -rf "$dir" "$dir.stamp" "$dir.summary.json" "$dir.configs" "$dir.configs.sha1"
  python3 "$KIT/gen_monorepo.py" "$dir" --services "$n" --filler "$k" > "$dir.summary.json"
  # Configs relative to the root (the walk floor's answer), and their hashes,
  # to restore the --write copy and to prove the pristine tree was not touched.
  (cd "$dir" && rg --files -g nixpacks.toml --sort path) > "$dir.configs"
  (cd "$dir" && xargs -d '\n' sha1sum < "$dir.configs") > "$dir.configs.sha1"
  echo "$want" > "$dir.stamp" # last: an interrupted generation is redone
}
ensure_workload "$MONO" "$SERVICES" "$FILLER"
summary() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[sys.argv[2]])' "$MONO.summary.json" "$1"; }

# The --write copy: hard links to the pristine tree, but the configs, which
# get files of their own (nixfix --write refuses a hard-linked config; see
# restore.py), made fresh on every run.
say "cp -al $MONO $W"
rm -rf "$W"
cp -al "$MONO" "$W"
restore() { python3 "$BENCHES/restore.py" "$MONO" "$W" "$MONO.configs"; }
restore

# Pre-flight: --write fixes everything, restore brings it all back.
say "pre-flight: --write on the copy, then restore"
"$NIXFIX" --write -q "$W" >/dev/null 2>&1 || die "nixfix --write failed on $W"
"$NIXFIX" --check -q "$W" >/dev/null 2>&1 || die "nixfix --check still finds fixes after --write"
# The configs --write rewrote (for the write floor, section 3b): those whose
# bytes are no longer the pristine ones (sha1sum -c exits 1 for those, hence
# the `|| true` under pipefail).
WRITTEN="$MONO.written"
(cd "$W" && { sha1sum -c "$MONO.configs.sha1" 2>/dev/null || true; } | sed -n 's/: FAILED$//p' | sed 's|^\./||' | LC_ALL=C sort) > "$WRITTEN"
n_written=$(wc -l < "$WRITTEN")
[ "$n_written" = "$(summary need_fix)" ] ||
  NOTES+=("--write rewrote $n_written configs, the generator says $(summary need_fix) need a fix")
restore
rc=0; "$NIXFIX" --check -q "$W" >/dev/null 2>&1 || rc=$?
want=1; [ "$(summary need_fix)" = 0 ] && want=0
[ "$rc" = "$want" ] || die "nixfix --check on the restored copy exited $rc, expected $want"
(cd "$MONO" && sha1sum --quiet -c "$MONO.configs.sha1") || die "the pristine tree changed after --write on its hard-linked copy"

# --- 3. the main hyperfine run ---------------------------------------------------
# Two-core machines shared with builds: wait (up to QUIET_TIMEOUT seconds) until
# the CPUs are idle, and note the load if they never were.
cpu_busy() { # percent of all CPUs busy over one second
  local a b
  a=($(head -n 1 /proc/stat)); sleep 1; b=($(head -n 1 /proc/stat))
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}
wait_quiet() { # WHAT
  local deadline=$(( SECONDS + ${QUIET_TIMEOUT:-300} )) calm=0 busy
  while [ "$calm" -lt 3 ]; do
    busy=$(cpu_busy)
    if [ "$busy" -le "${QUIET_BUSY:-15}" ]; then calm=$((calm + 1)); else calm=0; fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      NOTES+=("the machine was busy before $1 (${busy}% CPU used by other work after waiting ${QUIET_TIMEOUT:-300} s): expect noisy, inflated numbers")
      return
    fi
  done
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
q() { printf '%q' "$1"; }
WALK="walk floor: rg --files -g nixpacks.toml"
CHECK="nixfix --check"
DRY="nixfix (dry-run diff)"
WRITE="nixfix --write (fresh copy)"
PEERN="peer: python3 peer_tomlkit.py"
RESTORE="python3 $(q "$BENCHES/restore.py") $(q "$MONO") $(q "$W") $(q "$MONO.configs")"

# --write's prepare: restore the copy, then sync, so the dirty pages the
# previous run left are written back before the timer starts, not during it.
args=(-N --warmup 2 --min-runs "$RUNS" -i --style basic
  --export-json "$OUT/hyperfine.json" --export-markdown "$OUT/hyperfine.md"
  --prepare true -n "$WALK" "rg --files -g nixpacks.toml $(q "$MONO")"
  --prepare true -n "$CHECK" "$(q "$NIXFIX") --check $(q "$MONO")"
  --prepare true -n "$DRY" "$(q "$NIXFIX") $(q "$MONO")"
  --prepare "sh -c $(q "$RESTORE && sync")" -n "$WRITE" "$(q "$NIXFIX") --write $(q "$W")")
if [ "$PEER" = 1 ]; then
  args+=(--prepare true -n "$PEERN" "python3 $(q "$KIT/peer_tomlkit.py") $(q "$MONO")")
fi
say "waiting for idle CPUs"
wait_quiet "the main hyperfine run"
say "hyperfine (stdout and stderr of the commands go to /dev/null)"
load_before=$(loadavg)
hyperfine "${args[@]}" >&2
NOTES+=("load average before/after the main run: $load_before / $(loadavg)")

# --- 3b. the write floor -------------------------------------------------------
# The filesystem's own cost for the rewrites --write does (same files, same
# syscalls, 16 threads, no walk or parse): see write_floor.py.
say "write floor (write_floor.py, $n_written files)"
wait_quiet "the write floor"
python3 "$BENCHES/write_floor.py" "$MONO" "$W" "$MONO.configs" "$WRITTEN" "$OUT/write_floor.json" \
  --reps "$RUNS" --warmup 2 --threads 16

# --- 3c. interleaved cross-check -----------------------------------------------------
# hyperfine runs each command's repetitions back to back, so a burst of load
# on a shared machine can land on one command only (the walk floor has been
# seen at 150 ms in one run and 200 ms in the next). The same read-only
# commands again, round-robin, so every command sees the same conditions.
say "interleaved cross-check (spawn_bench.py, round-robin)"
wait_quiet "the interleaved run"
python3 "$BENCHES/spawn_bench.py" "$OUT/interleaved.json" "$RUNS" 2 \
  "$WALK" - "$(command -v rg)" --files -g nixpacks.toml "$MONO" -- \
  "$CHECK" - "$NIXFIX" --check "$MONO" -- \
  "$DRY" - "$NIXFIX" "$MONO"

# --- 4. stdin latency --------------------------------------------------------------
ONE_SRC=$(rg -l --sort path -g nixpacks.toml ensurepip "$MONO" | head -n 1 || true)
[ -n "$ONE_SRC" ] || die "no config needing a fix in $MONO"
mkdir -p "$OUT/one"
cp "$ONE_SRC" "$OUT/one/nixpacks.toml"
ONE="$OUT/one/nixpacks.toml"
# hyperfine 1.15 has no --input and its shell mode is too coarse at 1 ms:
# spawn_bench.py spawns directly with stdin on the file (see its docstring).
say "stdin latency (spawn_bench.py)"
wait_quiet "the stdin run"
python3 "$BENCHES/spawn_bench.py" "$OUT/stdin.json" 500 20 \
  "nixfix - < one/nixpacks.toml" "$ONE" "$NIXFIX" - -- \
  "nixfix --check one/nixpacks.toml" - "$NIXFIX" --check "$ONE" -- \
  "nixfix --version (nixfix start-up)" - "$NIXFIX" --version -- \
  "/usr/bin/true (process spawn floor)" - /usr/bin/true

# --- 5. peak RSS -----------------------------------------------------------------
rss() { # LABEL REPS CMD...
  local label=$1 reps=$2 best=0 rc=0 kib i
  shift 2
  [ -x "$TIME" ] || return 0
  for ((i = 0; i < reps; i++)); do
    if [ "$label" = "$WRITE" ]; then restore; fi
    rc=0
    "$TIME" -v -o "$OUT/time.txt" "$@" >/dev/null 2>&1 || rc=$?
    kib=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$OUT/time.txt")
    [ -n "$kib" ] && [ "$kib" -gt "$best" ] && best=$kib
  done
  printf '%s\t%s\t%s\n' "$label" "$best" "$rc" >> "$OUT/rss.tsv"
}
if [ -x "$TIME" ]; then
  say "peak RSS"
  rss "$WALK" "$RSS_REPS" rg --files -g nixpacks.toml "$MONO"
  rss "$CHECK" "$RSS_REPS" "$NIXFIX" --check "$MONO"
  rss "$DRY" "$RSS_REPS" "$NIXFIX" "$MONO"
  rss "$WRITE" "$RSS_REPS" "$NIXFIX" --write "$W"
  if [ "$PEER" = 1 ]; then rss "$PEERN" 1 python3 "$KIT/peer_tomlkit.py" "$MONO"; fi
  for n in "$RSS_SMALL" "$RSS_BIG"; do
    ensure_workload "$OUT/rss-$n" "$n" "$RSS_FILLER"
    rss "check@$n" "$RSS_REPS" "$NIXFIX" --check "$OUT/rss-$n"
    rss "dry@$n" "$RSS_REPS" "$NIXFIX" "$OUT/rss-$n"
    # The parallel walker (the ignore crate's, in rg and in nixfix) queues a
    # directory's entries, so its RSS grows with directory width (50 groups:
    # 100k configs is 2000 entries a directory): context for nixfix's growth.
    rss "walk@$n" "$RSS_REPS" rg --files -g nixpacks.toml "$OUT/rss-$n"
  done
  # The big workload again with at most 40 services per directory (same
  # files, hard-linked): growth with the number of configs alone.
  NARROW="$OUT/narrow-$RSS_BIG"
  if [ ! -d "$NARROW" ] || [ "$(cat "$NARROW.stamp" 2>/dev/null)" != "$(cat "$OUT/rss-$RSS_BIG.stamp")" ]; then
    say "re-shaping rss-$RSS_BIG into narrow directories ($NARROW)"
    rm -rf "$NARROW" "$NARROW.stamp"
    python3 "$BENCHES/narrow.py" "$OUT/rss-$RSS_BIG" "$NARROW" 40
    cp "$OUT/rss-$RSS_BIG.stamp" "$NARROW.stamp"
  fi
  rss "check@narrow" "$RSS_REPS" "$NIXFIX" --check "$NARROW"
  rss "dry@narrow" "$RSS_REPS" "$NIXFIX" "$NARROW"
  rss "walk@narrow" "$RSS_REPS" rg --files -g nixpacks.toml "$NARROW"
fi
restore

# The pristine tree must be exactly as generated (the --write copy shares its inodes).
(cd "$MONO" && sha1sum --quiet -c "$MONO.configs.sha1") || die "the pristine tree changed during the benchmark"

# --- 6. the table ------------------------------------------------------------------
GIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$ROOT" status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null)" ]; then
  GIT="$GIT+uncommitted changes in src/"
fi
if [ -n "${NIXFIX_BIN:-}" ]; then GIT="${NIXFIX_BIN_DESC:-prebuilt $NIXFIX_BIN}"; fi
notes=""
for n in "${NOTES[@]+"${NOTES[@]}"}"; do notes="${notes:+$notes | }$n"; done
cat > "$OUT/meta.env" <<EOF
quick=$QUICK
mono=$MONO
services=$SERVICES
filler=$FILLER
files=$(summary files)
configs=$(summary configs)
need_fix=$(summary need_fix)
git=$GIT
nproc=$(nproc)
kernel=$(uname -sr)
hyperfine=$(hyperfine --version)
rg=$(rg --version | head -n 1)
python=$(python3 --version 2>&1)
tomlkit=$TOMLKIT
date=$(date -u +%Y-%m-%dT%H:%MZ)
runs=$RUNS
one=$ONE_SRC
rss_small=$RSS_SMALL
rss_big=$RSS_BIG
rss_filler=$RSS_FILLER
rss_reps=$RSS_REPS
written=$n_written
notes=$notes
EOF
echo
python3 "$BENCHES/report.py" "$OUT" "$OUT/results.md"
echo
echo "(written to $OUT/results.md; raw: $OUT/hyperfine.json, $OUT/interleaved.json, $OUT/write_floor.json, $OUT/stdin.json, $OUT/rss.tsv)"
