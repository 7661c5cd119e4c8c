//! Helpers shared by the integration tests: running the real binary in a
//! directory, and writing fixture files.
#![allow(dead_code)]

use assert_cmd::Command;
use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{RwLock, RwLockWriteGuard};
use std::time::{Duration, Instant};

/// No single run may take longer (a hang is a failure, not a stuck suite).
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The binary, run in `dir`, with the environment that changes its output
/// (colour, Python pins) removed.
pub fn nixfix(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_nixfix"));
    c.current_dir(dir)
        .timeout(TIMEOUT)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .env_remove("NIXPACKS_PYTHON_VERSION")
        .env_remove("NIXPACKS_CONFIG_FILE")
        .env("TERM", "dumb");
    c
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub out: Vec<u8>,
    pub stdout: String,
    pub stderr: String,
}

/// The heavy tests (the build check, the oracle: many processes each) run
/// apart from the binary's other runs. Before the fold into one binary they
/// never shared the machine with the CLI tests; now a CLI run next to them
/// could pass its [`TIMEOUT`] under load. A heavy test holds the write side
/// for its whole run ([`heavy`]); every [`run`] holds the read side while
/// nixfix runs (not while it waits: the timeout starts at the spawn).
static HEAVY: RwLock<()> = RwLock::new(());

thread_local! {
    static HOLDS_HEAVY: Cell<bool> = const { Cell::new(false) };
}

/// Held by a heavy test while it runs (see [`HEAVY`]).
pub struct Heavy {
    _guard: RwLockWriteGuard<'static, ()>,
}

impl Drop for Heavy {
    fn drop(&mut self) {
        HOLDS_HEAVY.with(|h| h.set(false));
    }
}

/// Wait until no nixfix run and no other heavy test is under way, then keep
/// them out until the result is dropped.
pub fn heavy() -> Heavy {
    let guard = HEAVY.write().unwrap_or_else(|e| e.into_inner());
    HOLDS_HEAVY.with(|h| h.set(true));
    Heavy { _guard: guard }
}

pub fn run(cmd: &mut Command) -> Run {
    // A heavy test's own runs go ahead (it holds the write side already).
    let _light =
        (!HOLDS_HEAVY.with(Cell::get)).then(|| HEAVY.read().unwrap_or_else(|e| e.into_inner()));
    let o = cmd.output().expect("nixfix runs");
    let code = o
        .status
        .code()
        .unwrap_or_else(|| panic!("nixfix did not exit normally (timeout?): {:?}", o.status));
    Run {
        code,
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        out: o.stdout,
    }
}

/// Run `nixfix ARGS` in `dir`.
pub fn nf(dir: &Path, args: &[&str]) -> Run {
    run(nixfix(dir).args(args))
}

/// Run `nixfix ARGS` in `dir` with `input` on stdin.
pub fn nf_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Run {
    run(nixfix(dir).args(args).write_stdin(input.to_vec()))
}

/// Write `bytes` to `root/rel`, creating directories.
pub fn write(root: &Path, rel: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, bytes).unwrap();
    p
}

/// The last non-empty line of stderr (the summary).
pub fn summary_line(stderr: &str) -> &str {
    stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

/// Print every failure (marking the known ones), then assert that only the
/// names in `known` (the list called `list`) failed and that each of them
/// still does, so the list only shrinks. `what` names the cases.
pub fn assert_known_failures<K: AsRef<str> + Ord>(
    failures: &std::collections::BTreeMap<K, Vec<String>>,
    known: &[&str],
    list: &str,
    what: &str,
) {
    let mut unexpected = Vec::new();
    for (name, problems) in failures {
        let name = name.as_ref();
        let is_known = known.contains(&name);
        let s = format!(
            "{name}{}:\n  {}",
            if is_known {
                format!(" ({list})")
            } else {
                String::new()
            },
            problems.join("\n  ")
        );
        eprintln!("{s}");
        if !is_known {
            unexpected.push(s);
        }
    }
    let now_passing: Vec<&&str> = known
        .iter()
        .filter(|n| !failures.keys().any(|k| k.as_ref() == **n))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{} {what} fail:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        now_passing.is_empty(),
        "these {list} pass now; remove them from the list: {now_passing:?}"
    );
}

/// Say that `what` is skipped and why, where `cargo test` shows it even when
/// the test passes: libtest captures `print!`/`eprint!` but not writes to
/// the stderr handle itself.
pub fn skip(what: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "SKIPPED {what}: {why}");
}

/// Whether the switch `var` is on (`1`): what it guards must run, and
/// cannot skip.
pub fn required(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| v == "1")
}

/// Skip `what` because of `why`, visibly; or fail when the switch `var`
/// (`NIXFIX_REQUIRE_CORPUS`, `NIXFIX_REQUIRE_NIXPACKS`, ...) requires it.
pub fn skip_unless_required(what: &str, why: &str, var: &str) {
    if required(var) {
        panic!("{why}; {var}=1 requires the {what} to run");
    }
    skip(what, &format!("{why} (set {var}=1 to make this a failure)"));
}

/// The corpus of real-world configs, read in place: `$NIXFIX_CORPUS`, or
/// `../shared/corpus` next to the crate. `None` (and a visible skip of
/// `what`) when the default one is missing, unless `NIXFIX_REQUIRE_CORPUS=1`;
/// a `NIXFIX_CORPUS` that names no corpus always fails (it was asked for).
pub fn corpus_dir(what: &str) -> Option<PathBuf> {
    let set = std::env::var_os("NIXFIX_CORPUS").filter(|v| !v.is_empty());
    let dir = match &set {
        Some(v) => PathBuf::from(v),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    if dir.join("manifest.tsv").is_file() {
        return Some(dir);
    }
    let why = format!(
        "no corpus at {} (no manifest.tsv there; point NIXFIX_CORPUS at one)",
        dir.display()
    );
    if set.is_some() {
        panic!("{why}: NIXFIX_CORPUS is set, so the {what} must run");
    }
    skip_unless_required(what, &why, "NIXFIX_REQUIRE_CORPUS");
    None
}

// An independent reading of command words for the corpus and oracle
// checks (deliberately not `nixfix::python`, which they check).

pub fn basename(w: &str) -> &str {
    w.rsplit('/').next().unwrap_or(w)
}

pub fn is_pip_requirement(w: &str) -> bool {
    let w = w.trim_matches(['"', '\'']).to_ascii_lowercase();
    match w.strip_prefix("pip") {
        Some(rest) => rest.is_empty() || rest.starts_with(['<', '>', '=', '!', '~', ';']),
        None => false,
    }
}

pub fn is_pip_program(w: &str) -> bool {
    let b = basename(w);
    b == "pip"
        || b == "pip3"
        || b.strip_prefix("pip3.")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit()))
}

pub fn is_python_program(w: &str) -> bool {
    let b = basename(w);
    b == "py"
        || b.strip_prefix("python")
            .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        || (w.starts_with('$') && w.to_ascii_uppercase().contains("PYTHON"))
}

/// `git ARGS` in `dir` with a throwaway identity, no signing and no hooks;
/// its stdout (a failure fails the test).
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_nixfix_run_waits_for_a_heavy_test() {
    let (tx, rx) = std::sync::mpsc::channel();
    let hold = Duration::from_millis(600);
    let t = std::thread::spawn(move || {
        let _h = heavy();
        tx.send(Instant::now()).unwrap();
        std::thread::sleep(hold);
    });
    let since = rx.recv().unwrap();
    let d = tempfile::tempdir().unwrap();
    assert_eq!(nf(d.path(), &["--version"]).code, 0);
    assert!(since.elapsed() >= hold, "ran after {:?}", since.elapsed());
    t.join().unwrap();
    // And a heavy test's own runs do not wait for themselves.
    let _h = heavy();
    assert_eq!(nf(d.path(), &["--version"]).code, 0);
}

/// One row of the corpus's manifest.tsv: a config's id, its file under
/// `files/`, and its kind as the manifest names it.
pub struct Row {
    pub id: String,
    pub file: String,
    pub kind_name: String,
}

/// The rows of `dir/manifest.tsv`, columns found by their header.
pub fn manifest(dir: &Path) -> Vec<Row> {
    let text = fs::read_to_string(dir.join("manifest.tsv")).expect("manifest.tsv reads");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("manifest.tsv has no `{name}` column"))
    };
    let (id, file, kind) = (col("id"), col("file"), col("kind"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Row {
                id: f[id].to_string(),
                file: f[file].to_string(),
                kind_name: f[kind].to_string(),
            }
        })
        .collect()
}

/// The config kind a manifest kind names (`other`: read as TOML).
pub fn kind_of(name: &str) -> nixfix::nixpacks::Kind {
    use nixfix::nixpacks::Kind;
    match name {
        "nixpacks.toml" | "other" => Kind::NixpacksToml,
        "nixpacks.json" => Kind::NixpacksJson,
        "railway.toml" => Kind::RailwayToml,
        "railway.json" => Kind::RailwayJson,
        other => panic!("unknown kind `{other}` in manifest.tsv"),
    }
}
