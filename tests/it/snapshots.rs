//! Reviewed snapshots of what nixfix does to each fixture under
//! `tests/fixtures/<name>/`.
//!
//! A fixture is a directory holding one config file under its real name
//! (`nixpacks.toml`, `nixpacks.json`, `railway.toml` or `railway.json`) and
//! optionally the files next to it that pin the Python (`.python-version`,
//! `runtime.txt`, ...). Each is fixed through the library the way the CLI
//! does it (`driver::process`, then `output::unified_diff`), and the
//! snapshot `snapshots/<name>.snap` holds the diff the CLI prints followed by
//! every finding (fixes and warnings). In snapshots a carriage return is
//! shown as `␍` and a byte order mark as `<BOM>`, since insta would otherwise
//! normalise them away.
//!
//! Independent of the snapshots, every fixture is checked for:
//! - parsing before and after (with toml_edit / serde_json directly);
//! - idempotence: fixing the output again changes nothing and fixes nothing;
//! - consistency: a diff comes with at least one fix, and a fix with a diff;
//! - name conventions: `*-clean*` (or listed in [`CLEAN`]) means no diff and
//!   no findings; `*-warn*` means at least one warning (what nixfix
//!   cannot fix, next to what it does);
//!   `*crlf*`, `*bom*` and `*no-final-newline*` check the output bytes keep
//!   the CRLF line endings, the BOM and the missing final newline.
//!
//! A fixture whose current output is wrong is listed in [`KNOWN_BUGS`]: it is
//! skipped (no snapshot is written for it) until the code is fixed.

use nixfix::engine::Options;
use nixfix::nixpacks::Environment;
use nixfix::unified_diff;
use nixfix::{Candidate, FileReport, RunOptions, Status};
use std::path::{Path, PathBuf};

/// Fixtures whose output is known to be wrong, with what is wrong. Skipped
/// (and no snapshot is kept for them) until the code is fixed; then remove
/// the entry and review the new snapshot.
const KNOWN_BUGS: &[(&str, &str)] = &[];

/// Fixtures that must produce no diff and no findings, besides `*-clean*`.
const CLEAN: &[&str] = &[];

const CONFIG_NAMES: &[&str] = &[
    "nixpacks.toml",
    "nixpacks.json",
    "railway.toml",
    "railway.json",
];

struct Fixture {
    name: String,
    /// The config file.
    path: PathBuf,
    /// `<name>/<file name>`, as shown in diffs and findings.
    shown: String,
}

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture, sorted by name.
fn fixtures() -> Vec<Fixture> {
    let root = fixtures_root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/fixtures exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let name = dir.file_name().unwrap().to_str().unwrap().to_string();
            let configs: Vec<&str> = CONFIG_NAMES
                .iter()
                .copied()
                .filter(|n| dir.join(n).is_file())
                .collect();
            assert_eq!(
                configs.len(),
                1,
                "fixture {name} must hold exactly one config file, found {configs:?}"
            );
            Fixture {
                shown: format!("{name}/{}", configs[0]),
                path: dir.join(configs[0]),
                name,
            }
        })
        .collect()
}

fn opts() -> RunOptions {
    RunOptions {
        engine: Options::default(),
        write: false,
        keep_text: true,
        config_paths: false,
    }
}

fn run(f: &Fixture) -> FileReport {
    let c = Candidate {
        path: f.path.clone(),
        explicit: false,
        root: Some(fixtures_root()),
        link: false,
    };
    nixfix::process(&c, &opts())
}

/// Make the bytes insta would normalise visible.
fn visible(s: &str) -> String {
    s.replace('\u{feff}', "<BOM>").replace('\r', "␍")
}

/// The snapshot text: the diff the CLI prints, then the findings.
fn render(f: &Fixture, r: &FileReport) -> String {
    let mut out = String::new();
    match (&r.original, &r.fixed) {
        (Some(a), Some(b)) => out.push_str(&visible(&unified_diff(Path::new(&f.shown), a, b))),
        _ => out.push_str("(no diff)\n"),
    }
    out.push_str(&format!(
        "\nstatus: {}\n",
        match r.status {
            Status::Fixed => "fixed",
            Status::Unchanged => "unchanged",
            Status::Error => "error",
        }
    ));
    if let Some(e) = &r.error {
        out.push_str(&format!("error: {e}\n"));
    }
    out.push_str("findings:\n");
    if r.findings.is_empty() {
        out.push_str("  (none)\n");
    }
    for x in &r.findings {
        out.push_str(&format!(
            "  {}:{}:{}: {} {}: {}\n",
            f.shown,
            x.line,
            x.column,
            x.code,
            if x.fixed { "fixed" } else { "warning" },
            x.message
        ));
    }
    out
}

/// Parse `text` with the format's own parser, independent of nixfix.
fn parses(f: &Fixture, text: &str) -> Result<(), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if f.shown.ends_with(".json") {
        serde_json::from_str::<serde_json::Value>(text)
            .map(|_| ())
            .map_err(|e| e.to_string())
    } else {
        text.parse::<toml_edit::DocumentMut>()
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// The checks that do not depend on the snapshot. Returns the problems.
fn check_invariants(f: &Fixture, r: &FileReport) -> Vec<String> {
    let mut bad = Vec::new();
    let name = f.name.as_str();
    let original = std::fs::read_to_string(&f.path).expect("fixture is UTF-8");
    if let Err(e) = parses(f, &original) {
        bad.push(format!("the fixture itself does not parse: {e}"));
    }
    if r.status == Status::Error {
        bad.push(format!("nixfix failed: {:?}", r.error));
        return bad;
    }
    let fixes = r.findings.iter().filter(|x| x.fixed).count();
    let warnings = r.findings.len() - fixes;
    let changed = r.status == Status::Fixed;
    if changed != r.fixed.is_some() {
        bad.push("status and fixed text disagree".into());
    }
    if changed && fixes == 0 {
        bad.push("the text changed but no finding is a fix".into());
    }
    if !changed && fixes > 0 {
        bad.push(format!(
            "{fixes} findings are fixes but the text is unchanged"
        ));
    }
    if let Some(fixed) = &r.fixed {
        if r.original.as_deref() != Some(original.as_str()) {
            bad.push("the report's original text is not the file's text".into());
        }
        if let Err(e) = parses(f, fixed) {
            bad.push(format!("the output does not parse: {e}"));
        }
        // A second run changes nothing and fixes nothing.
        let dir = f.path.parent().unwrap();
        let again = nixfix::fix_bytes(
            &f.path,
            fixed.as_bytes(),
            r.kind,
            &Environment::from_dir(dir),
            &opts(),
        );
        if again.status != Status::Unchanged {
            bad.push(format!(
                "second run: status {:?}, error {:?}, output:\n{}",
                again.status,
                again.error,
                again.fixed.as_deref().unwrap_or_default()
            ));
        }
        let refixes: Vec<String> = again
            .findings
            .iter()
            .filter(|x| x.fixed)
            .map(|x| format!("{} {}", x.code, x.message))
            .collect();
        if !refixes.is_empty() {
            bad.push(format!("second run reports fixes: {refixes:?}"));
        }
    }
    if name.contains("-clean") || CLEAN.contains(&name) {
        if changed {
            bad.push("a clean fixture got a diff".into());
        }
        if !r.findings.is_empty() {
            bad.push("a clean fixture got findings".into());
        }
    }
    if name.contains("-warn") && warnings == 0 {
        bad.push(format!(
            "a -warn fixture must get a warning (changed: {changed}, fixes: {fixes}, warnings: {warnings})"
        ));
    }
    // Byte-level fidelity.
    let wants_bytes = ["crlf", "bom", "no-final-newline"]
        .iter()
        .any(|k| name.contains(k));
    if wants_bytes {
        match &r.fixed {
            None => bad.push("a byte-fidelity fixture must have a fix to check".into()),
            Some(out) => {
                if name.contains("bom") {
                    assert!(original.starts_with('\u{feff}'), "{name}: no BOM in input");
                    if !out.starts_with('\u{feff}') {
                        bad.push("the BOM was lost".into());
                    }
                    if out.matches('\u{feff}').count() != 1 {
                        bad.push("the output holds more than one BOM".into());
                    }
                }
                if name.contains("crlf") {
                    assert!(original.contains("\r\n"), "{name}: no CRLF in input");
                    let lone = out
                        .match_indices('\n')
                        .filter(|(i, _)| !out[..*i].ends_with('\r'))
                        .count();
                    if lone > 0 {
                        bad.push(format!("{lone} line endings lost their \\r"));
                    }
                }
                if name.contains("no-final-newline") {
                    assert!(!original.ends_with('\n'), "{name}: input ends in newline");
                    if out.ends_with('\n') {
                        bad.push("a final newline was added".into());
                    }
                }
            }
        }
    }
    bad
}

fn is_known_bug(name: &str) -> bool {
    KNOWN_BUGS.iter().any(|(n, _)| *n == name)
}

#[test]
fn fixture_snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let mut failed = Vec::new();
    for f in fixtures() {
        if is_known_bug(&f.name) {
            continue;
        }
        let r = run(&f);
        let problems = check_invariants(&f, &r);
        if !problems.is_empty() {
            failed.push(format!("{}:\n  {}", f.name, problems.join("\n  ")));
        }
        let text = render(&f, &r);
        let mut s = settings.clone();
        s.set_input_file(&f.path);
        s.set_description(format!("nixfix on tests/fixtures/{}", f.shown));
        // Keep going after a mismatch so one run reports every fixture.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.bind(|| insta::assert_snapshot!(f.name.as_str(), text));
        }));
        if outcome.is_err() {
            failed.push(format!("{}: snapshot mismatch (see above)", f.name));
        }
    }
    assert!(
        failed.is_empty(),
        "{} fixture(s) failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
}

#[test]
fn enough_fixtures_and_known_bugs_exist() {
    let all = fixtures();
    assert!(all.len() >= 40, "only {} fixtures", all.len());
    for (name, why) in KNOWN_BUGS
        .iter()
        .map(|(n, w)| (*n, *w))
        .chain(CLEAN.iter().map(|n| (*n, "")))
    {
        assert!(
            all.iter().any(|f| f.name == name),
            "KNOWN_BUGS / CLEAN names a missing fixture: {name} {why}"
        );
    }
}

#[test]
fn no_orphan_snapshots() {
    // Every snapshot this file wrote belongs to a fixture that still runs.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let names: Vec<String> = fixtures()
        .into_iter()
        .map(|f| f.name)
        .filter(|n| !is_known_bug(n))
        .collect();
    for e in std::fs::read_dir(&dir).expect("snapshots/ exists") {
        let p = e.expect("readable entry").path();
        let Some(stem) = p
            .file_name()
            .and_then(|n| n.to_str()?.strip_suffix(".snap"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&p).expect("readable snapshot");
        // Written before the fold into `tests/it/` or after it.
        let ours = ["tests/snapshots.rs", "tests/it/snapshots.rs"]
            .iter()
            .any(|src| text.contains(&format!("\nsource: {src}\n")));
        if ours {
            assert!(
                names.iter().any(|n| n == stem),
                "{} has no fixture (or its fixture is a known bug); delete it",
                p.display()
            );
        }
    }
}

#[test]
fn no_snapshot_for_a_known_bug() {
    // A known bug's wrong output must not be committed as the reference.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    for (name, _) in KNOWN_BUGS {
        for ext in ["snap", "snap.new", "pending-snap"] {
            let p = dir.join(format!("{name}.{ext}"));
            assert!(!p.exists(), "{} exists for known bug {name}", p.display());
        }
    }
}
