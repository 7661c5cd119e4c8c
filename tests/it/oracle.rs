//! The real Nixpacks as the judge of nixfix's fixes.
//!
//! For each case (the fixtures under `tests/oracle/`, and every corpus
//! config Nixpacks accepts before the fix), a temporary app directory is laid out with the
//! config under its real name, a `requirements.txt` and a `main.py`;
//! `nixpacks plan DIR` runs before and after `nixfix --write` (the library's
//! `process`, which reads the pins next to the config like the CLI does).
//!
//! What must hold after the fix:
//! - Nixpacks still accepts the config;
//! - when a Python rule fixed something, `phases.setup.nixPkgs` holds the
//!   `<python>Packages.pip` of the Python the plan installs there;
//! - no phase runs `ensurepip` or a pip self-upgrade outside a virtualenv
//!   (unless nixfix reported that it left one);
//! - everything else in the plan is as before: other phases' and the same
//!   phase's other commands, variables, start, aptPkgs, nixLibs, the other
//!   setup packages. When NF004 renamed an ignored key, the rename itself
//!   changes the plan (that is the point), so "before" is then the plan of
//!   the config with only NF004 applied, and that plan must differ from the
//!   original's.
//!
//! Railway files: `nixpacks plan` does not read `railway.toml`/`railway.json`
//! at all (Railway's builder does, and hands the inline `build.nixpacksPlan`
//! to Nixpacks as a JSON plan). The oracle does the same: it extracts
//! `build.nixpacksPlan` and passes it with `--json-plan`, and passes
//! `build.buildCommand` / `deploy.startCommand` as `--build-cmd` /
//! `--start-cmd`. A `nixpacksConfigPath` points at a file that is not in the
//! corpus, so it is not followed.
//!
//! Needs `nixpacks` on PATH (or in ~/.cargo/bin): without it the tests say
//! SKIPPED, or fail under `NIXFIX_REQUIRE_NIXPACKS=1`; the corpus part also
//! needs the corpus (see `common::corpus_dir`). Run with `--nocapture` for the counts.

use crate::common::{
    assert_known_failures, corpus_dir, is_pip_program, is_pip_requirement, is_python_program,
    skip_unless_required,
};
use nixfix::engine::{Options, fix_text};
use nixfix::nixpacks::{Environment, Kind};
use nixfix::{Candidate, FileReport, RunOptions, Status, process};
use serde_json::Value;
use similar::{Algorithm, DiffTag, capture_diff_slices};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Corpus ids whose failure is a known nixfix bug (see the report that came
/// with this test). They still run; the test fails if one starts passing.
const KNOWN_BUGS: &[&str] = &[];

/// Fixtures (by name) that fail because of a known nixfix bug.
const KNOWN_BUG_FIXTURES: &[&str] = &[];

/// Worker threads for the corpus part.
const WORKERS: usize = 4;

fn nixpacks() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("nixpacks"))
            .find(|f| f.is_file())
    });
    let in_cargo = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".cargo/bin/nixpacks"))
        .filter(|f| f.is_file());
    let found = on_path.or(in_cargo);
    if found.is_none() {
        skip_unless_required(
            "oracle test",
            "nixpacks is not on PATH nor in ~/.cargo/bin (cargo install nixpacks --locked --version 1.41.0)",
            "NIXFIX_REQUIRE_NIXPACKS",
        );
    }
    found
}

// ---------------------------------------------------------------------------
// Running Nixpacks.

/// What Railway would hand to Nixpacks from a railway file.
#[derive(Debug, Default)]
struct RailwayInputs {
    plan: Option<Value>,
    build_cmd: Option<String>,
    start_cmd: Option<String>,
}

fn toml_value(v: &toml_edit::Value) -> Value {
    use toml_edit::Value as T;
    match v {
        T::String(s) => Value::String(s.value().clone()),
        T::Integer(i) => Value::from(*i.value()),
        T::Float(f) => serde_json::Number::from_f64(*f.value()).map_or(Value::Null, Value::Number),
        T::Boolean(b) => Value::Bool(*b.value()),
        T::Datetime(d) => Value::String(d.value().to_string()),
        T::Array(a) => Value::Array(a.iter().map(toml_value).collect()),
        T::InlineTable(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), toml_value(v)))
                .collect(),
        ),
    }
}

fn toml_item(i: &toml_edit::Item) -> Value {
    match i {
        toml_edit::Item::None => Value::Null,
        toml_edit::Item::Value(v) => toml_value(v),
        toml_edit::Item::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.to_string(), toml_item(v)))
                .collect(),
        ),
        toml_edit::Item::ArrayOfTables(a) => Value::Array(
            a.iter()
                .map(|t| toml_item(&toml_edit::Item::Table(t.clone())))
                .collect(),
        ),
    }
}

/// The document as JSON (TOML converted), `None` when it does not parse.
fn as_json(kind: Kind, bytes: &[u8]) -> Option<Value> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match kind {
        Kind::NixpacksToml | Kind::RailwayToml => text
            .parse::<toml_edit::DocumentMut>()
            .ok()
            .map(|d| toml_item(d.as_item())),
        Kind::NixpacksJson | Kind::RailwayJson => serde_json::from_str(text).ok(),
    }
}

fn railway_inputs(kind: Kind, bytes: &[u8]) -> RailwayInputs {
    let Some(doc) = as_json(kind, bytes) else {
        return RailwayInputs::default();
    };
    let s = |v: &Value| v.as_str().map(str::to_string);
    RailwayInputs {
        plan: doc.pointer("/build/nixpacksPlan").cloned(),
        build_cmd: doc.pointer("/build/buildCommand").and_then(s),
        start_cmd: doc.pointer("/deploy/startCommand").and_then(s),
    }
}

/// `nixpacks plan DIR`: the plan, or the error Nixpacks printed.
fn plan(bin: &Path, dir: &Path, kind: Kind) -> Result<Value, String> {
    let mut cmd = Command::new(bin);
    cmd.arg("plan").arg(dir);
    if kind.is_railway() {
        let bytes = std::fs::read(dir.join(kind.name())).map_err(|e| e.to_string())?;
        let r = railway_inputs(kind, &bytes);
        if let Some(p) = r.plan {
            cmd.arg("--json-plan").arg(p.to_string());
        }
        if let Some(b) = r.build_cmd {
            cmd.arg("--build-cmd").arg(b);
        }
        if let Some(s) = r.start_cmd {
            cmd.arg("--start-cmd").arg(s);
        }
    }
    let out = cmd
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .output()
        .map_err(|e| format!("cannot run nixpacks: {e}"))?;
    if !out.status.success() {
        return Err(nixpacks_error(&String::from_utf8_lossy(&out.stderr)));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("plan is not JSON: {e}"))
}

/// The gist of a Nixpacks error: its cause without the position, or its
/// first line.
fn nixpacks_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let cause = lines
        .iter()
        .position(|l| *l == "Caused by:")
        .and_then(|i| lines.get(i + 1))
        .or(lines.first())
        .copied()
        .unwrap_or("nixpacks failed");
    let cause = cause.trim_start_matches("0: ");
    match cause.find(" at line ") {
        Some(i) => cause[..i].to_string(),
        None => cause.to_string(),
    }
}

// ---------------------------------------------------------------------------
// Reading plans and commands.

fn is_venv_path(w: &str) -> bool {
    let w = w.to_ascii_lowercase();
    w.contains('/') && (w.contains("venv") || w.contains("virtualenv"))
}

/// The Python of a nixPkgs entry (`python311Full` -> `python311`).
fn nix_python(entry: &str) -> Option<String> {
    let rest = entry.strip_prefix("python")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    matches!(&rest[digits.len()..], "" | "Full" | "Minimal").then(|| format!("python{digits}"))
}

/// The Python of a `pythonNNNPackages.pip` entry.
fn nix_pip_python(entry: &str) -> Option<String> {
    let set = entry.strip_suffix(".pip")?.strip_suffix("Packages")?;
    nix_python(set)
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn setup_pkgs(plan: &Value) -> Vec<String> {
    strings(plan.pointer("/phases/setup/nixPkgs"))
}

/// Simple commands of a shell string: split on `&&`, `||`, `;`, `|` and
/// newlines (quotes are not parsed: good enough to find pip and ensurepip).
fn simple_commands(s: &str) -> Vec<Vec<String>> {
    let s = s.replace("\\\n", " ");
    let mut out = Vec::new();
    for part in s.split(['\n', ';', '&', '|']) {
        let words: Vec<String> = part
            .split_whitespace()
            .map(|w| w.trim_matches(['"', '\'', '(', ')']).to_string())
            .filter(|w| !w.is_empty())
            .collect();
        if !words.is_empty() {
            out.push(words);
        }
    }
    out
}

fn activates_venv(words: &[String]) -> bool {
    matches!(words.first().map(String::as_str), Some("." | "source"))
        && words.get(1).is_some_and(|p| p.ends_with("activate"))
}

/// `ensurepip`, or a pip install upgrading pip itself.
fn failing_command(words: &[String]) -> Option<&'static str> {
    if words.iter().any(|w| w.contains("ensurepip")) {
        return Some("ensurepip");
    }
    let install = words.iter().position(|w| w == "install")?;
    let runs_pip = words[..install].iter().enumerate().any(|(i, w)| {
        is_pip_program(w) || (w == "-m" && words.get(i + 1).is_some_and(|m| m == "pip"))
    });
    let upgrade = words[install + 1..].iter().any(|w| {
        w == "--upgrade" || (w.starts_with('-') && !w.starts_with("--") && w.contains('U'))
    });
    (runs_pip && upgrade && words[install + 1..].iter().any(|w| is_pip_requirement(w)))
        .then_some("a pip self-upgrade")
}

/// The distinct Pythons a plan's setup installs, `python3` read as the
/// version it is at the archive the plan names.
fn plan_pythons(plan: &Value) -> BTreeSet<String> {
    let legacy = plan
        .pointer("/phases/setup/nixpkgsArchive")
        .and_then(Value::as_str)
        .is_some_and(|a| a.starts_with("5148520"));
    setup_pkgs(plan)
        .iter()
        .filter_map(|p| nix_python(p))
        .map(|p| match (p.as_str(), legacy) {
            ("python3", false) => "python312".to_string(),
            ("python3", true) => "python311".to_string(),
            _ => p,
        })
        .collect()
}

/// The commands of a plan (`where`, command, in the provider's venv).
fn plan_sites(plan: &Value) -> Vec<(String, String, bool)> {
    let install_cmds = strings(plan.pointer("/phases/install/cmds"));
    // The Python provider's install (or one like it) puts /opt/venv/bin first
    // on PATH for the later phases and the start command.
    let venv_after_install = install_cmds
        .iter()
        .any(|c| c.contains("/opt/venv") && (c.contains("-m venv") || c.contains("virtualenv")));
    let mut sites: Vec<(String, String, bool)> = Vec::new();
    if let Some(phases) = plan.get("phases").and_then(Value::as_object) {
        for (name, ph) in phases {
            let early = name == "setup" || name == "install";
            for c in strings(ph.get("cmds")) {
                sites.push((
                    format!("phases.{name}.cmds"),
                    c,
                    venv_after_install && !early,
                ));
            }
        }
    }
    if let Some(c) = plan.pointer("/start/cmd").and_then(Value::as_str) {
        sites.push(("start.cmd".into(), c.to_string(), venv_after_install));
    }
    sites
}

/// The pip installs of a plan that run outside a virtualenv (and not
/// elsewhere: `--target`, `--prefix`, `--root`, `--break-system-packages`).
fn installs_outside_venv(plan: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (loc, cmd, venv) in plan_sites(plan) {
        let mut in_venv = venv;
        for words in simple_commands(&cmd) {
            if activates_venv(&words) {
                in_venv = true;
            }
            let Some(install) = words.iter().position(|w| w == "install") else {
                continue;
            };
            let runs_pip = words[..install].iter().enumerate().any(|(i, w)| {
                (is_pip_program(w) && !is_venv_path(w))
                    || (w == "-m"
                        && words.get(i + 1).is_some_and(|m| m == "pip")
                        && !is_venv_path(&words[0]))
            });
            let elsewhere = words.iter().any(|w| {
                [
                    "--target",
                    "--prefix",
                    "--root",
                    "--break-system-packages",
                    "-t",
                ]
                .contains(&w.as_str())
                    || w.starts_with("--target=")
                    || w.starts_with("--prefix=")
                    || w.starts_with("--root=")
            });
            if runs_pip && !in_venv && !elsewhere {
                out.push((loc.clone(), cmd.clone()));
            }
        }
    }
    out
}

/// The ensurepip / pip self-upgrade commands of a plan that run outside a
/// virtualenv: `(where, command)`.
fn failing_commands(plan: &Value) -> Vec<(String, String)> {
    let sites = plan_sites(plan);
    let mut out = Vec::new();
    for (loc, cmd, venv) in sites {
        let mut in_venv = venv;
        for words in simple_commands(&cmd) {
            if activates_venv(&words) {
                in_venv = true;
            }
            let venv_prog = words.first().is_some_and(|w| is_venv_path(w));
            if let Some(what) = failing_command(&words)
                && !in_venv
                && !venv_prog
            {
                out.push((loc.clone(), format!("{what}: {cmd}")));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Comparing plans.

/// Tokens of a command list: words, single punctuation characters, and an
/// item separator.
fn cmd_tokens(cmds: &[String]) -> Vec<String> {
    const SEP: &str = "\u{1}";
    let mut out = Vec::new();
    for c in cmds {
        let mut rest = c.as_str();
        while let Some(ch) = rest.chars().next() {
            if ch.is_whitespace() {
                rest = &rest[ch.len_utf8()..];
            } else if "\"'`;&|()\\".contains(ch) {
                out.push(ch.to_string());
                rest = &rest[1..];
            } else {
                let end = rest
                    .find(|c: char| c.is_whitespace() || "\"'`;&|()\\".contains(c))
                    .unwrap_or(rest.len());
                out.push(rest[..end].to_string());
                rest = &rest[end..];
            }
        }
        out.push(SEP.to_string());
    }
    out
}

/// Words a removed ensurepip or pip self-upgrade is made of.
fn is_command_word(w: &str) -> bool {
    is_pip_program(w)
        || is_python_program(w)
        || is_pip_requirement(w)
        || w.contains("ensurepip")
        || w.starts_with('-')
        || w.len() == 1 && "\"'`;&|()\\\u{1}".contains(w)
        || matches!(w, "install" | "true" | ":" | "sudo")
}

fn is_anchor(w: &str) -> bool {
    w.contains("ensurepip") || is_pip_requirement(w) || is_pip_program(w)
}

/// A command that creates a virtualenv the way NF006 writes it:
/// `<python> -m venv --copies DIR`.
fn is_venv_creation(c: &str) -> bool {
    let w: Vec<&str> = c.split_whitespace().collect();
    w.len() == 5 && is_python_program(w[0]) && w[1] == "-m" && w[2] == "venv" && w[3] == "--copies"
}

/// A command without what NF006 puts in: the activation in front
/// (`. DIR/bin/activate && `) and the creation NF006 puts in front of a
/// scalar command (`<python> -m venv --copies DIR && `).
fn without_activation(c: &str) -> String {
    let mut c = c.to_string();
    if let Some((head, rest)) = c.split_once(" && ")
        && is_venv_creation(head)
    {
        c = rest.to_string();
    }
    if c.starts_with(". ")
        && let Some(i) = c.find("/bin/activate && ")
    {
        c = c[i + "/bin/activate && ".len()..].to_string();
    }
    c
}

/// The commands after the fix are the ones before, minus ensurepip and pip
/// self-upgrade material, and with the installs NF006 moves into a
/// virtualenv (its creation added, the activation in front, `--user` gone).
fn check_cmds(what: &str, before: &[String], after: &[String], problems: &mut Vec<String>) {
    let created: Vec<String> = after
        .iter()
        .filter(|c| is_venv_creation(c) && !before.contains(c))
        .cloned()
        .collect();
    let after: Vec<String> = after
        .iter()
        .filter(|c| !created.contains(c))
        .map(|c| {
            if before.contains(c) {
                c.clone()
            } else {
                without_activation(c)
            }
        })
        .collect();
    let old = cmd_tokens(before);
    let new = cmd_tokens(&after);
    for op in capture_diff_slices(Algorithm::Myers, &old, &new) {
        let (tag, o, n) = op.as_tag_tuple();
        if matches!(tag, DiffTag::Insert | DiffTag::Replace) {
            let added: Vec<&String> = new[n].iter().collect();
            problems.push(format!(
                "{what}: the fix adds {added:?}\n    before: {before:?}\n    after:  {after:?}"
            ));
        }
        if matches!(tag, DiffTag::Delete | DiffTag::Replace) {
            let seg = &old[o];
            let words: Vec<&String> = seg
                .iter()
                .filter(|w| !(w.len() == 1 && "\"'`;&|()\\\u{1}".contains(w.as_str())))
                .collect();
            let ok = seg.iter().all(|w| w == "--user")
                || seg.iter().all(|w| is_command_word(w))
                && (words.is_empty() || words.iter().any(|w| is_anchor(w)))
                // Two commands never merge: a removed item separator goes
                // with the removed command.
                && (!seg.iter().any(|w| w == "\u{1}") || words.iter().any(|w| is_anchor(w)));
            if !ok {
                problems.push(format!(
                    "{what}: the fix removes {seg:?}, which is not ensurepip or a pip self-upgrade\n    before: {before:?}\n    after:  {after:?}"
                ));
            }
        }
    }
}

/// Setup nixPkgs after = before, with nix pips added and bare pips (or the
/// pip of another Python) dropped.
fn check_setup_pkgs(before: &[String], after: &[String], problems: &mut Vec<String>) {
    let b: Vec<&String> = before
        .iter()
        .filter(|p| *p != "pip" && *p != "pip3")
        .filter(|p| nix_pip_python(p).is_none() || after.contains(p))
        .collect();
    let a: Vec<&String> = after
        .iter()
        .filter(|p| nix_pip_python(p).is_none() || before.contains(p))
        .collect();
    if a != b {
        problems.push(format!(
            "phases.setup.nixPkgs changed beyond adding pip: {before:?} -> {after:?}"
        ));
    }
}

/// Everything but the fix's own changes is the same in both plans.
fn compare_plans(before: &Value, after: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let empty = serde_json::Map::new();
    let bo = before.as_object().unwrap_or(&empty);
    let ao = after.as_object().unwrap_or(&empty);
    let keys: BTreeSet<&String> = bo.keys().chain(ao.keys()).collect();
    for k in keys {
        let (b, a) = (bo.get(k.as_str()), ao.get(k.as_str()));
        match k.as_str() {
            "phases" => {
                let bp = b.and_then(Value::as_object).unwrap_or(&empty);
                let ap = a.and_then(Value::as_object).unwrap_or(&empty);
                let names: BTreeSet<&String> = bp.keys().chain(ap.keys()).collect();
                for name in names {
                    let (Some(bph), Some(aph)) = (bp.get(name.as_str()), ap.get(name.as_str()))
                    else {
                        problems.push(format!(
                            "phase `{name}` is in only one plan: before {:?}, after {:?}",
                            bp.get(name.as_str()),
                            ap.get(name.as_str())
                        ));
                        continue;
                    };
                    let fo = bph.as_object().unwrap_or(&empty);
                    let fa = aph.as_object().unwrap_or(&empty);
                    let fields: BTreeSet<&String> = fo.keys().chain(fa.keys()).collect();
                    for f in fields {
                        let (x, y) = (fo.get(f.as_str()), fa.get(f.as_str()));
                        match (name.as_str(), f.as_str()) {
                            // NF006 hands an emptied install back to the
                            // provider's, which is its venv install.
                            ("install", "cmds")
                                if strings(x).is_empty()
                                    && strings(y)
                                        .iter()
                                        .any(|c| c.contains("-m venv --copies /opt/venv")) => {}
                            (_, "cmds") => check_cmds(
                                &format!("phases.{name}.cmds"),
                                &strings(x),
                                &strings(y),
                                &mut problems,
                            ),
                            // NF006 puts a virtualenv's bin on PATH.
                            (_, "paths") => {
                                let (bx, by) = (strings(x), strings(y));
                                let added: Vec<&String> =
                                    by.iter().filter(|p| !bx.contains(p)).collect();
                                if bx.iter().any(|p| !by.contains(p))
                                    || added.iter().any(|p| {
                                        !p.ends_with("/bin")
                                            || !is_venv_path(p) && !p.starts_with("/opt/venv")
                                    })
                                {
                                    problems.push(format!("phases.{name}.paths changed beyond a virtualenv's bin: {bx:?} -> {by:?}"));
                                }
                            }
                            ("setup", "nixPkgs") => {
                                check_setup_pkgs(&strings(x), &strings(y), &mut problems)
                            }
                            _ if x != y => {
                                problems.push(format!("phases.{name}.{f} changed: {x:?} -> {y:?}"))
                            }
                            _ => {}
                        }
                    }
                }
            }
            "start" => {
                let so = b.and_then(Value::as_object).unwrap_or(&empty);
                let sa = a.and_then(Value::as_object).unwrap_or(&empty);
                let fields: BTreeSet<&String> = so.keys().chain(sa.keys()).collect();
                for f in fields {
                    let (x, y) = (so.get(f.as_str()), sa.get(f.as_str()));
                    if f == "cmd" {
                        let one = |v: Option<&Value>| {
                            v.and_then(Value::as_str)
                                .map(|s| vec![s.to_string()])
                                .unwrap_or_default()
                        };
                        check_cmds("start.cmd", &one(x), &one(y), &mut problems);
                    } else if x != y {
                        problems.push(format!("start.{f} changed: {x:?} -> {y:?}"));
                    }
                }
            }
            _ if b != a => problems.push(format!("`{k}` changed: {b:?} -> {a:?}")),
            _ => {}
        }
    }
    problems
}

// ---------------------------------------------------------------------------
// One case.

struct Case {
    label: String,
    kind: Kind,
    config: Vec<u8>,
    /// Other files of the app (name, content); `requirements.txt` and
    /// `main.py` are always there.
    extra: Vec<(String, String)>,
}

#[derive(Debug)]
enum Verdict {
    /// Nixpacks rejects the original: not a case for the oracle.
    RejectedBefore(String),
    /// nixfix reports an error (the file stays as it is).
    FixError(String),
    Pass {
        changed: bool,
    },
    Fail(Vec<String>),
}

fn lay_out(dir: &Path, case: &Case, config: &[u8]) {
    std::fs::write(dir.join("requirements.txt"), "flask\n").unwrap();
    std::fs::write(dir.join("main.py"), "print('hello')\n").unwrap();
    for (name, content) in &case.extra {
        std::fs::write(dir.join(name), content).unwrap();
    }
    std::fs::write(dir.join(case.kind.name()), config).unwrap();
}

fn fix_in_place(path: &Path, dir: &Path) -> FileReport {
    process(
        &Candidate {
            path: path.to_path_buf(),
            explicit: false,
            root: Some(dir.to_path_buf()),
            link: false,
        },
        &RunOptions {
            engine: Options::default(),
            write: true,
            keep_text: true,
            config_paths: false,
        },
    )
}

fn warned(report: &FileReport, codes: &[&str]) -> bool {
    report
        .findings
        .iter()
        .any(|f| !f.fixed && codes.contains(&f.code))
}

fn judge(bin: &Path, case: &Case) -> Verdict {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dir = tmp.path();
    lay_out(dir, case, &case.config);
    let before = match plan(bin, dir, case.kind) {
        Ok(p) => p,
        Err(e) => return Verdict::RejectedBefore(e),
    };
    let path = dir.join(case.kind.name());
    let report = fix_in_place(&path, dir);
    let mut problems = Vec::new();
    let fixed_codes: BTreeSet<&str> = report
        .findings
        .iter()
        .filter(|f| f.fixed)
        .map(|f| f.code)
        .collect();
    match report.status {
        Status::Error => {
            return Verdict::FixError(report.error.unwrap_or_default());
        }
        Status::Unchanged => {
            if std::fs::read(&path).unwrap() != case.config {
                problems.push("status unchanged, yet the file on disk changed".into());
            }
        }
        Status::Fixed => {
            if !report.written {
                problems.push("status fixed, yet nothing was written".into());
            }
        }
    }
    let changed = report.status == Status::Fixed;
    let after = if changed {
        match plan(bin, dir, case.kind) {
            Ok(p) => p,
            Err(e) => {
                return Verdict::Fail(vec![format!(
                    "Nixpacks rejects the fixed config: {e}\n--- fixed file:\n{}",
                    String::from_utf8_lossy(&std::fs::read(&path).unwrap())
                )]);
            }
        }
    } else {
        before.clone()
    };

    // A pip of a Python the plan does not install is a version mix Nixpacks
    // really builds; nixfix must at least say something about it.
    {
        let pkgs = setup_pkgs(&after);
        let pythons: BTreeSet<String> = pkgs.iter().filter_map(|p| nix_python(p)).collect();
        let stray: Vec<&String> = pkgs
            .iter()
            .filter(|p| nix_pip_python(p).is_some_and(|py| !pythons.contains(&py)))
            .collect();
        if !stray.is_empty() && !pythons.is_empty() && !report.findings.iter().any(|f| !f.fixed) {
            problems.push(format!(
                "the plan installs {stray:?} beside the Python {pythons:?} (setup nixPkgs {pkgs:?}), and nixfix reports nothing"
            ));
        }
    }

    // No pip install left outside a virtualenv (NF006), unless nixfix said so.
    let installs = installs_outside_venv(&after);
    if !installs.is_empty() && !warned(&report, &["NF006", "NF001", "NF002", "NF010"]) {
        for (loc, c) in &installs {
            problems.push(format!(
                "{loc} still installs with pip outside a virtualenv: {c}"
            ));
        }
    }

    // No ensurepip / pip self-upgrade left outside a virtualenv, unless
    // nixfix said it left one.
    let left = failing_commands(&after);
    if !left.is_empty() && !warned(&report, &["NF001", "NF002"]) {
        for (loc, c) in &left {
            problems.push(format!("{loc} still runs {c} outside a virtualenv"));
        }
    }

    if changed {
        // The plan to compare with: with NF004's renames and NF010's Python
        // when they changed something (those change the plan on purpose).
        let structural: Vec<&str> = ["NF004", "NF010"]
            .into_iter()
            .filter(|c| fixed_codes.contains(c))
            .collect();
        let baseline = if structural.is_empty() {
            before.clone()
        } else {
            let text = std::str::from_utf8(&case.config).expect("a fixed file is UTF-8");
            let only = Options {
                rules: structural
                    .iter()
                    .map(|c| nixfix::rules::lookup(c).expect("the rule exists"))
                    .collect(),
            };
            let renamed = fix_text(text, case.kind, &Environment::from_dir(dir), &only)
                .expect("NF004/NF010 alone fix");
            let tmp2 = tempfile::tempdir().expect("a temp dir");
            lay_out(tmp2.path(), case, renamed.output.as_bytes());
            match plan(bin, tmp2.path(), case.kind) {
                Ok(p) => {
                    if p == before {
                        problems.push(format!(
                            "{structural:?} changed the file, yet the plan is the same as before: no effect"
                        ));
                    }
                    if structural.contains(&"NF010") {
                        let pythons = plan_pythons(&p);
                        if pythons.len() != 1 {
                            problems.push(format!(
                                "NF010 fixed the Python, yet the plan's setup installs {pythons:?}"
                            ));
                        }
                    }
                    p
                }
                Err(e) => {
                    problems.push(format!(
                        "Nixpacks rejects the config with only {structural:?} applied: {e}"
                    ));
                    before.clone()
                }
            }
        };
        let unknown: Vec<&&str> = fixed_codes
            .iter()
            .filter(|c| !["NF001", "NF002", "NF003", "NF004", "NF006", "NF010"].contains(*c))
            .collect();
        if !unknown.is_empty() {
            problems.push(format!(
                "rules the oracle does not know fixed something: {unknown:?}; teach the oracle what they may change"
            ));
        }
        problems.extend(compare_plans(&baseline, &after));

        let python_fix = ["NF001", "NF002", "NF003"]
            .iter()
            .any(|c| fixed_codes.contains(c));
        if python_fix {
            let pkgs = setup_pkgs(&after);
            let pythons: BTreeSet<String> = pkgs.iter().filter_map(|p| nix_python(p)).collect();
            let pips: Vec<&String> = pkgs
                .iter()
                .filter(|p| nix_pip_python(p).is_some())
                .collect();
            let base_pkgs = setup_pkgs(&baseline);
            if pips.is_empty() {
                if !warned(&report, &["NF003"]) {
                    problems.push(format!(
                        "a Python fix, yet no <python>Packages.pip in phases.setup.nixPkgs {pkgs:?}"
                    ));
                }
            } else if pythons.is_empty() {
                if !warned(&report, &["NF003"]) {
                    problems.push(format!(
                        "phases.setup.nixPkgs {pkgs:?} has pip but no Python to match it, and nixfix did not say so"
                    ));
                }
            } else {
                if !pips
                    .iter()
                    .any(|p| nix_pip_python(p).is_some_and(|py| pythons.contains(&py)))
                {
                    problems.push(format!(
                        "no pip of the Python in phases.setup.nixPkgs {pkgs:?}"
                    ));
                }
                for p in &pips {
                    let py = nix_pip_python(p).unwrap();
                    if !pythons.contains(&py) && !base_pkgs.contains(p) {
                        problems.push(format!(
                            "the fix added {p}, but the plan's Python is {pythons:?} ({pkgs:?})"
                        ));
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Verdict::Pass { changed }
    } else {
        if changed {
            problems.push(format!(
                "the fix:\n{}",
                nixfix::unified_diff(
                    Path::new(case.kind.name()),
                    report.original.as_deref().unwrap_or(""),
                    report.fixed.as_deref().unwrap_or("")
                )
            ));
        }
        let notes: Vec<String> = report.findings.iter().map(ToString::to_string).collect();
        if !notes.is_empty() {
            problems.push(format!("findings:\n  {}", notes.join("\n  ")));
        }
        Verdict::Fail(problems)
    }
}

fn judge_all(bin: &Path, cases: &[Case]) -> Vec<Verdict> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Verdict>>> = Mutex::new((0..cases.len()).map(|_| None).collect());
    let workers = WORKERS.min(
        std::thread::available_parallelism()
            .map(|n| n.get().max(2))
            .unwrap_or(2),
    );
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(case) = cases.get(i) else { break };
                    let v =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| judge(bin, case)))
                            .unwrap_or_else(|p| {
                                let msg = p
                                    .downcast_ref::<String>()
                                    .cloned()
                                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                                    .unwrap_or_default();
                                Verdict::Fail(vec![format!("panicked: {msg}")])
                            });
                    results.lock().unwrap()[i] = Some(v);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|v| v.expect("every case judged"))
        .collect()
}

// ---------------------------------------------------------------------------
// Fixtures: `tests/oracle/<case>/`, data (a new case is a directory).

/// What `oracle.toml` says must hold of a case.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    /// The case's label in the report.
    name: String,
    /// Whether nixfix must change the file.
    changes: bool,
    /// Entries the fixed plan's setup nixPkgs must hold.
    want_pkgs: Vec<String>,
}

struct Fixture {
    case: Case,
    expect: Expect,
}

/// The cases under `tests/oracle/`, one directory each: the config under
/// its real name (which gives its kind), the app's other files
/// (`.python-version`, `runtime.txt`, `package.json`, ...) and
/// `oracle.toml`.
fn fixtures() -> Vec<Fixture> {
    let sorted = |dir: &Path| {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a readable entry").path())
            .collect();
        v.sort();
        v
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle");
    let mut out = Vec::new();
    for dir in sorted(&root).into_iter().filter(|d| d.is_dir()) {
        let mut config = None;
        let mut extra = Vec::new();
        let mut expect = None;
        for path in sorted(&dir) {
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let bytes = std::fs::read(&path).unwrap();
            if name == "oracle.toml" {
                let text = String::from_utf8(bytes).unwrap();
                let e: Expect = toml_edit::de::from_str(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                expect = Some(e);
            } else if let Some(kind) = Kind::from_file_name(&name) {
                assert!(config.is_none(), "{}: two configs", dir.display());
                config = Some((kind, bytes));
            } else {
                extra.push((name, String::from_utf8(bytes).unwrap()));
            }
        }
        let (kind, config) = config.unwrap_or_else(|| panic!("{}: no config", dir.display()));
        let expect = expect.unwrap_or_else(|| panic!("{}: no oracle.toml", dir.display()));
        out.push(Fixture {
            case: Case {
                label: expect.name.clone(),
                kind,
                config,
                extra,
            },
            expect,
        });
    }
    out
}

#[test]
fn fixtures_pass_the_oracle() {
    let Some(bin) = nixpacks() else { return };
    let _heavy = crate::common::heavy();
    let started = Instant::now();
    let (cases, expects): (Vec<Case>, Vec<Expect>) =
        fixtures().into_iter().map(|f| (f.case, f.expect)).unzip();
    let verdicts = judge_all(&bin, &cases);
    let mut failures: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for ((f, case), v) in expects.iter().zip(&cases).zip(verdicts) {
        let mut problems = Vec::new();
        match v {
            Verdict::Pass { changed } => {
                if changed != f.changes {
                    problems.push(format!(
                        "nixfix {} the file, expected {}",
                        if changed { "changed" } else { "did not change" },
                        if f.changes { "a change" } else { "none" }
                    ));
                }
            }
            Verdict::Fail(p) => problems.extend(p),
            other => problems.push(format!("{other:?}")),
        }
        if !f.want_pkgs.is_empty() {
            // The fixed plan's setup packages.
            let tmp = tempfile::tempdir().unwrap();
            lay_out(tmp.path(), case, &case.config);
            fix_in_place(&tmp.path().join(case.kind.name()), tmp.path());
            match plan(&bin, tmp.path(), case.kind) {
                Ok(p) => {
                    let pkgs = setup_pkgs(&p);
                    let missing: Vec<&String> =
                        f.want_pkgs.iter().filter(|w| !pkgs.contains(w)).collect();
                    if !missing.is_empty() {
                        problems.push(format!(
                            "the fixed plan's setup nixPkgs {pkgs:?} lacks {missing:?}"
                        ));
                    }
                }
                Err(e) => problems.push(e),
            }
        }
        if !problems.is_empty() {
            failures.insert(&f.name, problems);
        }
    }
    eprintln!(
        "oracle fixtures: {} cases, {} fail ({} known bugs), {:.2} s",
        cases.len(),
        failures.len(),
        KNOWN_BUG_FIXTURES.len(),
        started.elapsed().as_secs_f64()
    );
    assert_known_failures(
        &failures,
        KNOWN_BUG_FIXTURES,
        "KNOWN_BUG_FIXTURES",
        "oracle fixtures",
    );
}

fn corpus_cases(dir: &Path) -> Vec<Case> {
    let rows = crate::common::manifest(dir);
    rows.into_iter()
        .filter_map(|r| {
            let config = std::fs::read(dir.join("files").join(&r.file)).unwrap();
            let kind = crate::common::kind_of(&r.kind_name);
            if kind.is_railway() {
                // Only railway files that hand Nixpacks something.
                let inputs = railway_inputs(kind, &config);
                if inputs.plan.is_none() && inputs.build_cmd.is_none() {
                    return None;
                }
            }
            Some(Case {
                label: r.id,
                kind,
                config,
                extra: Vec::new(),
            })
        })
        .collect()
}

#[test]
fn corpus_passes_the_oracle() {
    let Some(bin) = nixpacks() else { return };
    let _heavy = crate::common::heavy();
    let Some(dir) = corpus_dir("oracle corpus") else {
        return;
    };
    let started = Instant::now();
    let cases = corpus_cases(&dir);
    let verdicts = judge_all(&bin, &cases);
    let elapsed = started.elapsed();

    #[derive(Default)]
    struct Tally {
        cases: usize,
        rejected: usize,
        fix_errors: usize,
        accepted_after: usize,
        pass: usize,
        pass_changed: usize,
        fail: usize,
    }
    let mut by_kind: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut fix_errors = Vec::new();
    let mut rejected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (case, v) in cases.iter().zip(verdicts) {
        let t = by_kind.entry(case.kind.name()).or_default();
        t.cases += 1;
        match v {
            Verdict::RejectedBefore(e) => {
                t.rejected += 1;
                rejected.entry(e).or_default().push(case.label.clone());
            }
            Verdict::FixError(e) => {
                t.fix_errors += 1;
                fix_errors.push(format!("{}: {e}", case.label));
            }
            Verdict::Pass { changed } => {
                t.accepted_after += 1;
                t.pass += 1;
                if changed {
                    t.pass_changed += 1;
                }
            }
            Verdict::Fail(p) => {
                t.fail += 1;
                if !p
                    .iter()
                    .any(|m| m.starts_with("Nixpacks rejects the fixed"))
                {
                    t.accepted_after += 1;
                }
                failures.insert(case.label.clone(), p);
            }
        }
    }
    eprintln!(
        "oracle corpus: {} cases in {:.1} s on {} workers",
        cases.len(),
        elapsed.as_secs_f64(),
        WORKERS
    );
    eprintln!(
        "{:<14} {:>6} {:>9} {:>9} {:>9} {:>6} {:>8} {:>5} {:>10}",
        "kind", "cases", "rejected", "accepted", "accepted", "pass", "(fixed)", "fail", "nixfix"
    );
    eprintln!(
        "{:<14} {:>6} {:>9} {:>9} {:>9} {:>6} {:>8} {:>5} {:>10}",
        "", "", "before", "before", "after", "", "", "", "errors"
    );
    for (k, t) in &by_kind {
        eprintln!(
            "{:<14} {:>6} {:>9} {:>9} {:>9} {:>6} {:>8} {:>5} {:>10}",
            k,
            t.cases,
            t.rejected,
            t.cases - t.rejected,
            t.accepted_after,
            t.pass,
            t.pass_changed,
            t.fail,
            t.fix_errors
        );
    }
    for (reason, ids) in &rejected {
        eprintln!(
            "rejected before ({}): {reason}: {}",
            ids.len(),
            ids.join(" ")
        );
    }
    for e in &fix_errors {
        eprintln!("accepted by Nixpacks, error in nixfix: {e}");
    }
    assert_known_failures(
        &failures,
        KNOWN_BUGS,
        "KNOWN_BUGS",
        "corpus files failing the oracle",
    );
}

/// The oracle's own checks: they accept what the rules do and catch what
/// they must not do (no Nixpacks needed).
#[test]
fn oracle_checks_catch_bad_fixes() {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let cmds = |b: &[&str], a: &[&str]| {
        let mut p = Vec::new();
        check_cmds("cmds", &v(b), &v(a), &mut p);
        p
    };
    assert!(cmds(&["a && python -m ensurepip && b"], &["a && b"]).is_empty());
    assert!(
        cmds(
            &["python3 -m ensurepip || true", "pip install ."],
            &["pip install ."]
        )
        .is_empty()
    );
    assert!(
        cmds(
            &["pip install -U pip setuptools"],
            &["pip install -U setuptools"]
        )
        .is_empty()
    );
    assert!(!cmds(&["pip install -r r.txt"], &["pip r.txt"]).is_empty());
    assert!(!cmds(&["python -m ensurepip && make"], &[""]).is_empty());
    assert!(!cmds(&["x"], &["x", "y"]).is_empty());
    assert!(!cmds(&["a", "b"], &["a b"]).is_empty());

    let pkgs = |b: &[&str], a: &[&str]| {
        let mut p = Vec::new();
        check_setup_pkgs(&v(b), &v(a), &mut p);
        p
    };
    assert!(
        pkgs(
            &["python311", "pip"],
            &["python311", "python311Packages.pip"]
        )
        .is_empty()
    );
    assert!(
        pkgs(
            &["python3", "gcc"],
            &["python3", "gcc", "python3Packages.pip"]
        )
        .is_empty()
    );
    assert!(
        !pkgs(
            &["python311", "gcc"],
            &["python311", "python311Packages.pip"]
        )
        .is_empty()
    );
    assert!(!pkgs(&["python311"], &["python312", "python312Packages.pip"]).is_empty());

    let plan = |install: &[&str], build: &[&str]| serde_json::json!({"phases": {"install": {"cmds": install}, "build": {"cmds": build}}});
    let provider = "python -m venv --copies /opt/venv && . /opt/venv/bin/activate && pip install -r requirements.txt";
    assert_eq!(
        failing_commands(&plan(&["pip install --upgrade pip"], &[])).len(),
        1
    );
    assert_eq!(
        failing_commands(&plan(&["python3 -m ensurepip || true"], &[])).len(),
        1
    );
    assert_eq!(
        failing_commands(&plan(&["python3.11 -m pip install -U pip wheel"], &[])).len(),
        1
    );
    assert!(failing_commands(&plan(&[provider], &["pip install -U pip"])).is_empty());
    assert!(
        failing_commands(&plan(
            &[". /opt/venv/bin/activate && pip install -U pip"],
            &[]
        ))
        .is_empty()
    );
    assert!(failing_commands(&plan(&["/opt/venv/bin/pip install -U pip"], &[])).is_empty());
    assert!(failing_commands(&plan(&["pip install -U setuptools"], &[])).is_empty());
    assert_eq!(
        failing_commands(&plan(&["npm i"], &["pip install -U pip"])).len(),
        1
    );

    let a = serde_json::json!({"variables": {"A": "1"}, "phases": {"setup": {"nixPkgs": ["python3"]}}, "start": {"cmd": "x"}});
    assert!(compare_plans(&a, &a).is_empty());
    let mut b = a.clone();
    b["variables"]["A"] = "2".into();
    assert!(!compare_plans(&a, &b).is_empty());
    let mut b = a.clone();
    b["start"]["cmd"] = "y".into();
    assert!(!compare_plans(&a, &b).is_empty());
    let mut b = a.clone();
    b["phases"]["build"] = serde_json::json!({"cmds": ["make"]});
    assert!(!compare_plans(&a, &b).is_empty());
}
