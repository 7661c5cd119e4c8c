//! Every real-world config of the corpus (`$NIXFIX_CORPUS`, by default
//! `../shared/corpus`) through the library fix:
//! no panic, parse errors reported as errors (exactly 16 files), every output
//! parses, a second run changes nothing, unchanged files stay byte-identical,
//! a changed file changes only where a rule fired, and the BOM, line endings
//! and final newline survive.
//!
//! The corpus is read in place (never copied into the repository). When it is
//! missing the test says SKIPPED, or fails under `NIXFIX_REQUIRE_CORPUS=1`.
//!
//! Run with `--nocapture` to see the counts by kind.

use nixfix::engine::Options;
use nixfix::nixpacks::{Environment, Kind};
use nixfix::{FileReport, RunOptions, Status, fix_bytes};
use similar::{Algorithm, DiffTag, TextDiff, capture_diff_slices};
use std::collections::BTreeMap;

use crate::common::{
    assert_known_failures, corpus_dir, is_pip_program, is_pip_requirement, is_python_program,
};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// Corpus ids whose failure is a known nixfix bug (see the report that came
/// with this test). The test still runs them, prints what fails, and fails if
/// one of them starts passing, so the list only shrinks.
const KNOWN_BUGS: &[&str] = &[];

/// Files of the corpus that do not parse (JS comments in JSON, TOML in a
/// `.json` file, UTF-16, ...): each must get an error report.
const EXPECTED_PARSE_ERRORS: usize = 16;

use crate::common::{kind_of, manifest};

fn run_fix(path: &Path, bytes: &[u8], kind: Kind) -> FileReport {
    fix_bytes(
        path,
        bytes,
        Some(kind),
        &Environment::default(),
        &RunOptions {
            engine: Options::default(),
            write: false,
            keep_text: true,
            config_paths: false,
        },
    )
}

/// Whether the text parses, judged by toml_edit / serde_json (not by nixfix).
fn parses(bytes: &[u8], kind: Kind) -> Result<(), String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err("UTF-16".into());
    }
    let text = std::str::from_utf8(bytes).map_err(|e| e.to_string())?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match kind {
        Kind::NixpacksToml | Kind::RailwayToml => text
            .parse::<toml_edit::DocumentMut>()
            .map(drop)
            .map_err(|e| e.to_string()),
        Kind::NixpacksJson | Kind::RailwayJson => serde_json::from_str::<serde_json::Value>(text)
            .map(drop)
            .map_err(|e| e.to_string()),
    }
}

/// The layout facts a fix must keep.
#[derive(Debug, PartialEq, Eq)]
struct Layout {
    bom: bool,
    /// Line endings: "crlf", "lf", "mixed" or "none".
    eol: &'static str,
    final_newline: bool,
}

fn layout(text: &str) -> Layout {
    let crlf = text.matches("\r\n").count();
    let lf = text.matches('\n').count() - crlf;
    Layout {
        bom: text.starts_with('\u{feff}'),
        eol: match (crlf > 0, lf > 0) {
            (true, true) => "mixed",
            (true, false) => "crlf",
            (false, true) => "lf",
            (false, false) => "none",
        },
        final_newline: text.ends_with('\n'),
    }
}

// ---------------------------------------------------------------------------
// What a fix may touch.

/// The keys (and aliases) Nixpacks reads in a plan, a phase and `[start]`;
/// another spelling of one of them is a key NF004 may rename.
const REAL_KEYS: &[&str] = &[
    "nixPkgs",
    "nixPackages",
    "nixLibs",
    "nixLibraries",
    "aptPkgs",
    "aptPackages",
    "cmds",
    "commands",
    "paths",
    "envPaths",
    "dependsOn",
    "nixOverlays",
    "nixpkgsArchive",
    "onlyIncludeFiles",
    "cacheDirectories",
    "name",
    "cmd",
    "runImage",
    "user",
    "providers",
    "buildImage",
    "variables",
    "staticAssets",
    "phases",
    "start",
];
/// Spellings NF004 renames that are not a case/separator variant.
const EXTRA_IGNORED: &[&str] = &["cmd", "command", "script", "cmds", "commands"];

fn normalize_key(k: &str) -> String {
    k.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A key Nixpacks ignores that NF004 may rename.
fn is_ignored_key(k: &str) -> bool {
    let n = normalize_key(k);
    EXTRA_IGNORED.contains(&k)
        || (!REAL_KEYS.contains(&k) && REAL_KEYS.iter().any(|r| normalize_key(r) == n))
}

/// The key a TOML or JSON line assigns (`nixpkgs = [`, `"cmd": "x"`).
fn line_key(line: &str) -> Option<String> {
    let l = line.trim_start().trim_start_matches('\u{feff}');
    if let Some(rest) = l.strip_prefix('"') {
        let end = rest.find('"')?;
        let after = rest[end + 1..].trim_start();
        return (after.starts_with(':') || after.starts_with('=')).then(|| rest[..end].to_string());
    }
    let eq = l.find('=')?;
    let key = l[..eq].trim();
    let last = key.rsplit('.').next()?.trim().trim_matches(['"', '\'']);
    (!last.is_empty()
        && last
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    .then(|| last.to_string())
}

/// Words of a shell-ish line: split on blanks, quotes and separators.
fn words(line: &str) -> Vec<&str> {
    line.split(|c: char| c.is_whitespace() || "\"'`,[]{}();&|".contains(c))
        .filter(|w| !w.is_empty())
        .collect()
}

/// A line holding a pip self-upgrade: a pip install with `-U`/`--upgrade`
/// and a bare `pip` requirement.
fn is_pip_upgrade_line(line: &str) -> bool {
    let w = words(line);
    let Some(install) = w.iter().position(|x| *x == "install") else {
        return false;
    };
    let runs_pip = w[..install]
        .iter()
        .enumerate()
        .any(|(i, x)| is_pip_program(x) || (*x == "-m" && w.get(i + 1) == Some(&"pip")));
    let upgrade = w.iter().any(|x| {
        *x == "--upgrade" || (x.starts_with('-') && !x.starts_with("--") && x.contains('U'))
    });
    runs_pip && upgrade && w[install + 1..].iter().any(|x| is_pip_requirement(x))
}

fn mentions_bare_pip(line: &str) -> bool {
    ["\"pip\"", "'pip'", "\"pip3\"", "'pip3'"]
        .iter()
        .any(|p| line.contains(p))
}

/// Words a removed ensurepip / pip-upgrade command is made of.
fn is_command_word(w: &str) -> bool {
    is_pip_program(w)
        || is_python_program(w)
        || is_pip_requirement(w)
        || w.contains("ensurepip")
        || w.starts_with('-')
        || matches!(w, "install" | "true" | ":" | "sudo" | "\\" | "pip")
}

/// Tokens of a block for the word-level check: words, single punctuation
/// characters, and a `#` comment to the end of its line as one token, each
/// with the index of its line.
fn tokenize<'a>(lines: &[&'a str]) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    for (li, line) in lines.iter().enumerate() {
        let mut rest: &'a str = line;
        while !rest.is_empty() {
            let c = rest.chars().next().unwrap();
            if c.is_whitespace() {
                rest = &rest[c.len_utf8()..];
            } else if c == '#' {
                out.push((li, rest.trim_end()));
                rest = "";
            } else if "\"'`,[]{}();&|\\".contains(c) {
                out.push((li, &rest[..1]));
                rest = &rest[1..];
            } else {
                let end = rest
                    .find(|c: char| c.is_whitespace() || "\"'`,[]{}();&|\\#".contains(c))
                    .unwrap_or(rest.len());
                out.push((li, &rest[..end]));
                rest = &rest[end..];
            }
        }
    }
    out
}

/// An added line without what NF006 and NF010 put in (`None`: nothing
/// else on it).
fn without_venv_and_pin(line: &str) -> Option<String> {
    let t = line.trim();
    if t == "[variables]"
        || t.starts_with("NIXPACKS_PYTHON_VERSION")
        || t.starts_with("\"NIXPACKS_PYTHON_VERSION\"")
        || (t.starts_with("paths") || t.starts_with("\"paths\"")) && t.contains("/bin\"")
        || t.is_empty()
    {
        return None;
    }
    let mut l = line.to_string();
    // The creation, as an item of its own or inline before another.
    for q in ['"', '\''] {
        while let Some(i) = l.find(&format!("{q}python")) {
            let Some(len) = l[i + 1..].find(q) else { break };
            let item = &l[i + 1..i + 1 + len];
            let words: Vec<&str> = item.split_whitespace().collect();
            if !(words.len() == 4
                && words[1] == "-m"
                && words[2] == "venv"
                && !words[3].is_empty()
                && words.contains(&"--copies"))
            {
                break;
            }
            let mut end = i + 2 + len;
            let rest = &l[end..];
            let sep = rest.len() - rest.trim_start_matches([',', ' ']).len();
            end += sep;
            l.replace_range(i..end, "");
        }
    }
    // The activation in front of a command.
    while let Some(i) = l.find(". /") {
        let Some(j) = l[i..].find("/bin/activate && ") else {
            break;
        };
        l.replace_range(i..i + j + "/bin/activate && ".len(), "");
    }
    let rest = l.trim().trim_matches(',').trim();
    (!rest.is_empty()).then_some(l)
}

/// Words of what NF006 and NF010 add: `python -m venv --copies DIR`,
/// `. DIR/bin/activate && `, `paths = ["DIR/bin"]`, `[variables]`
/// `NIXPACKS_PYTHON_VERSION = "3.11"`, a Python in nixPkgs.
fn venv_or_pin_word(t: &str) -> bool {
    let version = |v: &str| {
        let mut parts = v.split('.');
        parts.next() == Some("3")
            && parts
                .next()
                .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()))
            && parts.next().is_none()
    };
    is_python_program(t)
        || t.ends_with("/bin/activate")
        || t.ends_with("/bin")
        || t.ends_with("venv")
        || version(t)
        || matches!(
            t,
            "-m" | "venv"
                | "--copies"
                | "."
                | "paths"
                | "variables"
                | "NIXPACKS_PYTHON_VERSION"
                | "build.nixpacksPlan.variables"
                | "nixpacksPlan.variables"
                | "phases.build"
                | "\"variables\":"
                | "\"paths\":"
                | "\"NIXPACKS_PYTHON_VERSION\":"
        )
        || (t.starts_with("python") && t[6..].bytes().all(|b| b.is_ascii_digit()))
}

fn is_punct(t: &str) -> bool {
    t.len() == 1 && "\"'`,[]{}();&|\\:=".contains(t)
}

/// Whether a removed line is fix material: an ensurepip or pip-upgrade
/// command, a bare pip entry, or an ignored key.
fn removed_line_is_material(line: &str) -> bool {
    line.contains("ensurepip")
        || is_pip_upgrade_line(line)
        || mentions_bare_pip(line)
        || line_key(line).is_some_and(|k| is_ignored_key(&k))
}

/// Check one changed file's diff; returns the problems found.
fn check_diff(before: &str, after: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .diff_lines(before, after);
    for group in diff.grouped_ops(0) {
        let mut removed: Vec<&str> = Vec::new();
        let mut added: Vec<&str> = Vec::new();
        for op in &group {
            for ch in diff.iter_changes(op) {
                match ch.tag() {
                    similar::ChangeTag::Delete => removed.push(ch.value()),
                    similar::ChangeTag::Insert => added.push(ch.value()),
                    similar::ChangeTag::Equal => {}
                }
            }
        }
        let first_line = group.first().map_or(0, |op| op.old_range().start + 1);
        let show = || {
            let mut s = String::new();
            for l in &removed {
                s.push_str(&format!("\n      -{}", l.trim_end()));
            }
            for l in &added {
                s.push_str(&format!("\n      +{}", l.trim_end()));
            }
            s
        };
        // 1. The hunk is where a rule fired.
        let renamed = removed.iter().any(|r| {
            line_key(r).is_some_and(|k| {
                is_ignored_key(&k)
                    && added.iter().any(|a| {
                        line_key(a).is_some_and(|k2| k2 != k && REAL_KEYS.contains(&k2.as_str()))
                    })
            })
        });
        let justified = removed
            .iter()
            .any(|l| l.contains("ensurepip") || is_pip_upgrade_line(l) || mentions_bare_pip(l))
            || added.iter().any(|l| {
                l.contains("Packages.pip")
                    // NF006: the install moved into a virtualenv, put on PATH,
                    // or handed back to the provider.
                    || l.contains("/bin/activate && ")
                    || l.contains(" -m venv --copies ")
                    || (l.contains("paths") && l.contains("/bin\""))
                    || l.trim() == "cmds = [\"...\"]"
                    // NF010: the Python pinned, or added to nixPkgs.
                    || l.contains("NIXPACKS_PYTHON_VERSION")
                    || l.contains("[variables]")
                    || l.split(['"', '\'']).any(|w| {
                        w.strip_prefix("python").is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
                            && !removed.iter().any(|r| r.contains(&format!("\"{w}\"")) || r.contains(&format!("'{w}'")))
                    })
            })
            || renamed;
        if !justified {
            problems.push(format!(
                "hunk at line {first_line} is not where a rule fired:{}",
                show()
            ));
            continue;
        }
        // 2. Word level: what went away is fix material, what came in is
        // pip, "...", a real key or the tables holding it. What NF006 and
        // NF010 add has a known shape and is taken out first (the venv
        // creation, the activation in front of a command, `paths`, the
        // pinned Python), so the rest is checked word by word as before.
        let normalised: Vec<String> = added
            .iter()
            .filter_map(|l| without_venv_and_pin(l))
            .collect();
        let added: Vec<&str> = normalised.iter().map(String::as_str).collect();
        let old = tokenize(&removed);
        let new = tokenize(&added);
        let old_t: Vec<&str> = old.iter().map(|t| t.1).collect();
        let new_t: Vec<&str> = new.iter().map(|t| t.1).collect();
        // A word on both sides as often moved, it did not come or go (a token
        // diff can pair words across the lines of a hunk the wrong way).
        let count = |v: &[&str], w: &str| v.iter().filter(|x| **x == w).count();
        let moved = |w: &str| count(&old_t, w) == count(&new_t, w);
        for op in capture_diff_slices(Algorithm::Myers, &old_t, &new_t) {
            let (tag, o, n) = op.as_tag_tuple();
            if matches!(tag, DiffTag::Delete | DiffTag::Replace) {
                let seg = &old[o.clone()];
                for (li, t) in seg {
                    let ok = moved(t)
                        || is_punct(t)
                        || is_command_word(t)
                        || is_ignored_key(t)
                        || (t.starts_with('#') && removed_line_is_material(removed[*li]));
                    if !ok {
                        problems.push(format!(
                            "hunk at line {first_line} removes `{t}`, which no rule removes:{}",
                            show()
                        ));
                    }
                }
                // Removed words hang on an anchor: ensurepip, pip, an ignored key.
                let words: Vec<&str> = seg
                    .iter()
                    .map(|t| t.1)
                    .filter(|t| !is_punct(t) && !t.starts_with('#') && !moved(t))
                    .collect();
                let anchored = words.is_empty()
                    || seg
                        .iter()
                        .all(|(li, _)| removed_line_is_material(removed[*li]))
                    || words.iter().any(|w| {
                        w.contains("ensurepip")
                            || is_pip_requirement(w)
                            || is_pip_program(w)
                            || is_ignored_key(w)
                            // A virtualenv refuses `--user` (NF006 drops it).
                            || *w == "--user"
                    });
                if !anchored {
                    problems.push(format!(
                        "hunk at line {first_line} removes {words:?} from a command that stays:{}",
                        show()
                    ));
                }
            }
            if matches!(tag, DiffTag::Insert | DiffTag::Replace) {
                for (_, t) in &new[n.clone()] {
                    let ok = moved(t)
                        || is_punct(t)
                        || t.ends_with("Packages.pip")
                        || *t == "..."
                        || REAL_KEYS.contains(t)
                        || venv_or_pin_word(t)
                        || matches!(
                            *t,
                            "phases.setup"
                                | "setup"
                                | "build"
                                | "nixpacksPlan"
                                | "build.nixpacksPlan"
                                | "build.nixpacksPlan.phases.setup"
                                | "build.nixpacksPlan.phases"
                                | "nixpacksPlan.phases.setup"
                                | "\":"
                        );
                    if !ok {
                        problems.push(format!(
                            "hunk at line {first_line} adds `{t}`, which no rule adds:{}",
                            show()
                        ));
                    }
                }
            }
        }
    }
    problems
}

#[derive(Default)]
struct Counts {
    files: usize,
    fixed: usize,
    unchanged: usize,
    with_warnings: usize,
    warnings: usize,
    parse_errors: usize,
}

#[test]
fn corpus_fixes_are_safe_and_minimal() {
    let Some(dir) = corpus_dir("corpus") else {
        return;
    };
    let rows = manifest(&dir);
    assert!(rows.len() > 1000, "the corpus has {} rows", rows.len());
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    let mut failures: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut parse_error_ids = Vec::new();

    // Panics are caught per file; keep the default hook from printing each.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));

    for row in &rows {
        let kind = kind_of(&row.kind_name);
        let bytes = std::fs::read(dir.join("files").join(&row.file))
            .unwrap_or_else(|e| panic!("{}: cannot read {}: {e}", row.id, row.file));
        let path = PathBuf::from(format!("corpus/{}/{}", row.id, kind.name()));
        let c = counts.entry(row.kind_name.clone()).or_default();
        c.files += 1;
        let result = catch_unwind(AssertUnwindSafe(|| check_file(&path, &bytes, kind)));
        let outcome = match result {
            Ok(o) => o,
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures
                    .entry(row.id.clone())
                    .or_default()
                    .push(format!("panicked: {msg}"));
                continue;
            }
        };
        match outcome.status {
            Status::Fixed => c.fixed += 1,
            Status::Unchanged => c.unchanged += 1,
            Status::Error => {
                c.parse_errors += 1;
                parse_error_ids.push(row.id.clone());
            }
        }
        if outcome.warnings > 0 {
            c.with_warnings += 1;
            c.warnings += outcome.warnings;
        }
        if !outcome.problems.is_empty() {
            failures
                .entry(row.id.clone())
                .or_default()
                .extend(outcome.problems);
        }
    }
    std::panic::set_hook(hook);

    eprintln!("corpus: {} files", rows.len());
    eprintln!(
        "{:<14} {:>6} {:>6} {:>10} {:>14} {:>9} {:>13}",
        "kind", "files", "fixed", "unchanged", "with warnings", "warnings", "parse errors"
    );
    let mut total = Counts::default();
    for (k, c) in &counts {
        eprintln!(
            "{:<14} {:>6} {:>6} {:>10} {:>14} {:>9} {:>13}",
            k, c.files, c.fixed, c.unchanged, c.with_warnings, c.warnings, c.parse_errors
        );
        total.files += c.files;
        total.fixed += c.fixed;
        total.unchanged += c.unchanged;
        total.with_warnings += c.with_warnings;
        total.warnings += c.warnings;
        total.parse_errors += c.parse_errors;
    }
    eprintln!(
        "{:<14} {:>6} {:>6} {:>10} {:>14} {:>9} {:>13}",
        "total",
        total.files,
        total.fixed,
        total.unchanged,
        total.with_warnings,
        total.warnings,
        total.parse_errors
    );
    eprintln!("parse errors: {}", parse_error_ids.join(" "));

    assert_known_failures(&failures, KNOWN_BUGS, "KNOWN_BUGS", "corpus files");
    assert_eq!(
        total.parse_errors, EXPECTED_PARSE_ERRORS,
        "parse errors: {parse_error_ids:?}"
    );
}

struct FileOutcome {
    status: Status,
    warnings: usize,
    problems: Vec<String>,
}

fn check_file(path: &Path, bytes: &[u8], kind: Kind) -> FileOutcome {
    let mut problems = Vec::new();
    let report = run_fix(path, bytes, kind);
    let warnings = report.findings.iter().filter(|f| !f.fixed).count();
    let fixes = report.findings.iter().filter(|f| f.fixed).count();
    let parsed = parses(bytes, kind);
    match report.status {
        Status::Error => {
            let msg = report.error.clone().unwrap_or_default();
            if parsed.is_ok() {
                problems.push(format!("error report for a file that parses: {msg}"));
            }
            if msg.is_empty() || msg.contains("internal error") {
                problems.push(format!("not a parse error: {msg:?}"));
            }
            if !report.findings.is_empty() || report.fixed.is_some() || report.original.is_some() {
                problems.push("an error report that also carries findings or a fix".into());
            }
        }
        Status::Unchanged | Status::Fixed => {
            if let Err(e) = &parsed {
                problems.push(format!("no error for a file that does not parse ({e})"));
            }
        }
    }
    if report.status == Status::Unchanged {
        if fixes > 0 {
            problems.push(format!("unchanged, yet {fixes} findings say fixed"));
        }
        if report.fixed.is_some() || report.original.is_some() {
            problems.push("unchanged, yet the report carries a fixed text".into());
        }
        // Byte-identical: the engine's output is the input.
        let text = std::str::from_utf8(bytes).expect("an unchanged file is UTF-8");
        let out =
            nixfix::engine::fix_text(text, kind, &Environment::default(), &Options::default())
                .expect("fixes");
        if out.output.as_bytes() != bytes {
            problems.push("unchanged, yet the engine's output differs from the input".into());
        }
    }
    if report.status == Status::Fixed {
        let before = std::str::from_utf8(bytes).expect("a fixed file is UTF-8");
        let Some(after) = report.fixed.as_deref() else {
            problems.push("fixed, yet no fixed text".into());
            return FileOutcome {
                status: report.status,
                warnings,
                problems,
            };
        };
        if report.original.as_deref() != Some(before) {
            problems.push("the report's original is not the file's text".into());
        }
        if fixes == 0 {
            problems.push("changed, yet no finding says fixed".into());
        }
        if after == before {
            problems.push("status fixed, yet the text is the same".into());
        }
        if let Err(e) = parses(after.as_bytes(), kind) {
            problems.push(format!("the output does not parse: {e}"));
        }
        if layout(before) != layout(after) {
            problems.push(format!(
                "layout changed: {:?} -> {:?}",
                layout(before),
                layout(after)
            ));
        }
        let again = run_fix(path, after.as_bytes(), kind);
        if again.status != Status::Unchanged {
            problems.push(format!(
                "not idempotent: a second run gives {:?}{}",
                again.status,
                again
                    .fixed
                    .as_deref()
                    .map(|t| format!("\n{}", nixfix::unified_diff(path, after, t)))
                    .or(again.error.clone().map(|e| format!(": {e}")))
                    .unwrap_or_default()
            ));
        }
        if again.findings.iter().any(|f| f.fixed) {
            problems.push("not idempotent: a second run reports fixes".into());
        }
        problems.extend(check_diff(before, after));
    }
    FileOutcome {
        status: report.status,
        warnings,
        problems,
    }
}

/// The diff check itself: it accepts what the rules do and catches what
/// they must not do.
#[test]
fn diff_check_catches_spurious_changes() {
    let ok = |b: &str, a: &str| {
        let p = check_diff(b, a);
        assert!(p.is_empty(), "{b:?} -> {a:?}: {p:?}");
    };
    let bad = |b: &str, a: &str| {
        assert!(!check_diff(b, a).is_empty(), "not caught: {b:?} -> {a:?}");
    };
    ok(
        "[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = [\n  'python3.11 -m ensurepip --upgrade',\n  'python3.11 -m pip install --upgrade pip',\n  'python3.11 -m pip install -r requirements.txt',\n]\n",
        "[phases.setup]\nnixPkgs = ['python311', 'python311Packages.pip']\n\n[phases.install]\ncmds = [\n  'python3.11 -m pip install -r requirements.txt',\n]\n",
    );
    ok(
        "cmds = [\"a && python -m ensurepip && b\"]\n",
        "cmds = [\"a && b\"]\n",
    );
    ok(
        "cmds = [\"pip install -U pip setuptools\"] # up\n",
        "cmds = [\"pip install -U setuptools\"] # up\n",
    );
    ok(
        "[phases.setup]\nnixpkgs = [\"python311\"]\n",
        "[phases.setup]\nnixPkgs = [\"python311\"]\n",
    );
    ok(
        "[phases.install]\ncmds = [\"pip install .\"]\n",
        "[phases.setup]\nnixPkgs = [\"...\", \"python3Packages.pip\"]\n\n[phases.install]\ncmds = [\"pip install .\"]\n",
    );
    // Not where a rule fires.
    bad("a = 1\n", "a = 2\n");
    bad("# c\nnixPkgs = ['x']\n", "nixPkgs = ['x']\n");
    // Where a rule fires, but more than it.
    bad(
        "cmds = [\"python -m ensurepip && make\"]\n",
        "cmds = [\"\"]\n",
    );
    bad(
        "nixPkgs = ['python311'] # keep\n",
        "nixPkgs = ['python311', 'python311Packages.pip']\n",
    );
    bad(
        "nixPkgs = ['python311', 'gcc']\n",
        "nixPkgs = ['python311', 'python311Packages.pip']\n",
    );
    bad(
        "cmds = [\"pip install --upgrade pip\", \"pip install -r r.txt\"]\n",
        "cmds = [\"pip install --upgrade\"]\n",
    );
}
