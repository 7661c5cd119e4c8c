//! "Fixed" means "builds": the build check (`tests/buildcheck/buildcheck.py`,
//! see its README) runs each config's Nixpacks build offline, in a model of
//! the Nix image, and these tests hold nixfix to it.
//!
//! - `calibration`: the harness itself, against what public build logs
//!   report (`tests/buildcheck/calibration/<case>/`): the seed recipe fails
//!   at ensurepip, a bare app builds, the Nix pip refuses installs, `python
//!   -m pip` finds no pip, the provider's venv install builds, two Pythons
//!   collide, and the rest of the failure classes.
//! - `every_fixture_builds_after_the_fix`: each fixture under
//!   `tests/fixtures/` is built as found and after `nixfix --write`. Every
//!   Python build Nixpacks accepts builds after the fix (or is listed in
//!   [`CANNOT_BUILD`] with the reason, and nixfix warns about it), and every
//!   fixture that built before still builds.
//!
//! The harness needs root (a private mount namespace and a chroot),
//! `unshare`, the real `nixpacks` 1.41 and CPython installs (pyenv). Without
//! them the tests say SKIPPED; under `NIXFIX_REQUIRE_BUILDCHECK=1` they fail
//! instead.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Fixtures whose Python build nixfix cannot make pass, and why; nixfix
/// must report each (a warning naming what will fail).
const CANNOT_BUILD: &[(&str, &str)] = &[
    (
        "several-pythons-warn",
        "nixPkgs lists python310 and python311: which one the app needs is the user's call",
    ),
    (
        "pipeline-warn",
        "ensurepip feeds a pipeline (`| tee`): removing it would change what the pipeline does",
    ),
    (
        "unsupported-shell-if-warn",
        "ensurepip inside an `if`: shell the rules do not edit",
    ),
];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn script() -> PathBuf {
    manifest_dir().join("tests/buildcheck/buildcheck.py")
}

/// Whether the harness can run here; panics when it cannot and
/// `NIXFIX_REQUIRE_BUILDCHECK=1`.
fn available() -> bool {
    let out = Command::new("python3")
        .arg(script())
        .arg("--check-available")
        .output()
        .expect("python3 runs");
    if out.status.success() {
        return true;
    }
    let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
    crate::common::skip_unless_required("build check", &why, "NIXFIX_REQUIRE_BUILDCHECK");
    false
}

/// Build each app directory; one JSON record per directory, in order.
fn build(dirs: &[PathBuf]) -> Vec<Value> {
    let out = Command::new("python3")
        .arg(script())
        .args(["--json", "--jobs", "3"])
        .args(dirs)
        .output()
        .expect("python3 runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "the build check failed to run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON record"))
        .collect();
    assert_eq!(records.len(), dirs.len(), "one record per app");
    records
}

/// `builds`, or `fails at PHASE: CLASS` with the failing command.
fn verdict(r: &Value) -> String {
    if r["builds"] == true {
        return "builds".to_string();
    }
    if let Some(s) = r["skipped"].as_str() {
        return format!("skipped: {s}");
    }
    let f = &r["failure"];
    format!(
        "fails at {}: {} (`{}`: {})",
        f["phase"].as_str().unwrap_or("?"),
        f["class"].as_str().unwrap_or("?"),
        f["command"].as_str().unwrap_or(""),
        f["message"]
            .as_str()
            .unwrap_or("")
            .lines()
            .last()
            .unwrap_or("")
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

/// Where a calibration case must fail: phase, class, a piece of the command.
type Failure = (&'static str, &'static str, &'static str);

#[test]
fn calibration() {
    if !available() {
        return;
    }
    let _heavy = crate::common::heavy();
    // (case, phase, class, a piece of the failing command) or builds.
    let expect: &[(&str, Option<Failure>)] = &[
        (
            "a-seed-recipe",
            Some(("install", "externally-managed", "-m ensurepip")),
        ),
        ("b-no-config", None),
        (
            "c-nix-pip-then-pip-install",
            Some(("install", "externally-managed", "pip install -r")),
        ),
        (
            "d-nix-pip-then-python-m-pip",
            Some(("install", "no-pip-module", "python -m pip install")),
        ),
        ("e-provider-venv-install", None),
        (
            "f-ellipsis-and-python311-unpinned",
            Some(("setup", "collision", "nix-env -if")),
        ),
        (
            "g-bare-pip-entry",
            Some(("setup", "nix-eval", "nix-env -if")),
        ),
        (
            "h-python38-at-the-provider-archive",
            Some(("setup", "nix-eval", "nix-env -if")),
        ),
        ("i-python38-pinned", None),
        (
            "j-start-server-nothing-installs",
            Some(("start", "not-found", "uvicorn")),
        ),
        (
            "k-venv-not-on-path-at-start",
            Some(("start", "start-import", "python main.py")),
        ),
        ("l-break-system-packages", None),
        (
            "m-console-script-off-path",
            Some(("start", "not-found", "gunicorn")),
        ),
        (
            "n-python-version-not-in-environment",
            Some(("install", "not-found", "python3.11 -m venv")),
        ),
    ];
    let root = manifest_dir().join("tests/buildcheck/calibration");
    let dirs: Vec<PathBuf> = expect.iter().map(|(c, _)| root.join(c)).collect();
    let records = build(&dirs);
    let mut wrong = Vec::new();
    for ((case, want), r) in expect.iter().zip(&records) {
        let ok = match want {
            None => r["builds"] == true,
            Some((phase, class, cmd)) => {
                r["builds"] == false
                    && r["failure"]["phase"] == *phase
                    && r["failure"]["class"] == *class
                    && r["failure"]["command"]
                        .as_str()
                        .is_some_and(|c| c.contains(cmd))
            }
        };
        if !ok {
            wrong.push(format!("{case}: want {want:?}, got {}", verdict(r)));
        }
    }
    assert!(wrong.is_empty(), "calibration cases:\n{}", wrong.join("\n"));
    // What a build that works checks at start: the venv's Python imports
    // every requirement.
    let b = &records[1];
    assert_eq!(b["start"]["status"], "ok", "{b}");
    assert_eq!(
        b["start"]["imports"],
        serde_json::json!(["flask", "gunicorn"])
    );
    // The messages are the ones public logs show.
    let msg = |i: usize| {
        records[i]["failure"]["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        msg(2).contains("externally-managed-environment"),
        "{}",
        msg(2)
    );
    assert!(msg(3).contains("No module named pip"), "{}", msg(3));
    assert!(msg(5).contains("collision between"), "{}", msg(5));
    assert!(msg(6).contains("undefined variable 'pip'"), "{}", msg(6));
}

#[test]
fn every_fixture_builds_after_the_fix() {
    if !available() {
        return;
    }
    let _heavy = crate::common::heavy();
    let fixtures = manifest_dir().join("tests/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let tmp = tempfile::tempdir().unwrap();
    let (before, after) = (tmp.path().join("before"), tmp.path().join("after"));
    for n in &names {
        copy_dir(&fixtures.join(n), &before.join(n));
        copy_dir(&fixtures.join(n), &after.join(n));
    }
    // What nixfix reports before fixing, then the fix itself.
    let report = crate::common::nf(tmp.path(), &["--format", "json", "before"]);
    let mut warnings: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in report.stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let Some(path) = v["path"].as_str() else {
            continue;
        };
        let name = path.split('/').nth(1).unwrap_or("").to_string();
        for f in v["findings"].as_array().into_iter().flatten() {
            if f["fixed"] == false {
                warnings
                    .entry(name.clone())
                    .or_default()
                    .push(format!("{} {}", f["code"], f["message"]));
            }
        }
    }
    let w = crate::common::nf(tmp.path(), &["--write", "after"]);
    // Every fixture that cannot build after the fix is a hand fix that
    // fails the gate (exit 1, an `error:` line), never a silent pass.
    assert_eq!(w.code, 1, "nixfix --write: {}", w.stderr);
    for (name, _) in CANNOT_BUILD {
        assert!(
            w.stderr
                .lines()
                .any(|l| l.starts_with(&format!("after/{name}/")) && l.contains(" error: ")),
            "{name}: no hand fix reported: {}",
            w.stderr
        );
    }
    let dirs: Vec<PathBuf> = names
        .iter()
        .flat_map(|n| [before.join(n), after.join(n)])
        .collect();
    let records = build(&dirs);
    let mut problems = Vec::new();
    let (mut python, mut built_before, mut built_after) = (0, 0, 0);
    for (i, n) in names.iter().enumerate() {
        let (b, a) = (&records[2 * i], &records[2 * i + 1]);
        let is_python = a["accepted"] == true && a["python_build"] == true;
        python += usize::from(is_python);
        built_before += usize::from(is_python && b["builds"] == true);
        built_after += usize::from(is_python && a["builds"] == true);
        if b["builds"] == true && a["builds"] != true {
            problems.push(format!(
                "{n}: built before the fix, not after: {}",
                verdict(a)
            ));
        }
        let known = CANNOT_BUILD.iter().find(|(k, _)| k == n);
        match (is_python && a["builds"] != true, known) {
            (true, None) => {
                problems.push(format!("{n}: does not build after the fix: {}", verdict(a)))
            }
            (true, Some(_)) if !warnings.contains_key(n) => problems.push(format!(
                "{n}: cannot build, and nixfix says nothing about it"
            )),
            (false, Some((_, why))) => problems.push(format!(
                "{n}: listed in CANNOT_BUILD ({why}) but {}: remove it from the list",
                verdict(a)
            )),
            _ => {}
        }
    }
    eprintln!(
        "build check: {python} Python builds among {} fixtures; {built_before} build as found, {built_after} after nixfix --write",
        names.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
