//! Helpers shared by the integration tests: running the real binary in a
//! directory, and writing fixture files.
#![allow(dead_code)]

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

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

pub fn run(cmd: &mut Command) -> Run {
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
