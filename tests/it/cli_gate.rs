//! The gate and the pipeline as a user meets them: what fails `--check`,
//! what every source (a directory, a path, a list, standard input) says
//! alike, settings that mean the same wherever nixfix runs, and output
//! that says whether a fix is pending or written.

use crate::common::{nf, nf_stdin, write};
use std::fs;
use std::path::Path;

/// A fix rule matches but cannot fix: the command sits in an `if`.
const HAND_FIX: &str = "[phases.install]\ncmds = ['if [ -f req.txt ]; then python -m ensurepip && pip install -r req.txt; fi']\n";

/// Fixable by NF001/NF003/NF006.
const FIXABLE: &str = "[phases.setup]\nnixPkgs = [\"python311\"]\n\n[phases.install]\ncmds = [\"python3.11 -m ensurepip\", \"python3.11 -m pip install -r requirements.txt\"]\n";

/// Only advice (NF007: --break-system-packages set in the environment).
const ADVICE: &str = "[variables]\nPIP_BREAK_SYSTEM_PACKAGES = \"1\"\n";

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn a_fix_that_cannot_be_made_fails_the_gate_and_advice_does_not() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "hand/nixpacks.toml", HAND_FIX);
    for args in [&["--check", "hand"][..], &["--write", "hand"], &["hand"]] {
        let run = nf(r, args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stdout.contains("NF001 error:") || run.stderr.contains("NF001 error:"),
            "{args:?}: {run:?}"
        );
    }
    let piped = nf_stdin(
        r,
        &["--stdin-filename", "hand/nixpacks.toml", "-"],
        HAND_FIX.as_bytes(),
    );
    assert_eq!(piped.code, 1, "{piped:?}");
    assert_eq!(
        piped.stdout, HAND_FIX,
        "the filter prints the text, unchanged"
    );
    // --exit-zero: a report, not a gate (an error would still be 2).
    assert_eq!(nf(r, &["--check", "--exit-zero", "hand"]).code, 0);
    write(r, "bad/nixpacks.toml", "[phases\n");
    assert_eq!(nf(r, &["--check", "--exit-zero", "bad"]).code, 2);
    // Advice only: a warning, exit 0.
    write(r, "advice/nixpacks.toml", ADVICE);
    let run = nf(r, &["--check", "advice"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stderr.contains("NF007 warning:"), "{run:?}");
    // The summary counts the hand fix apart.
    let run = nf(r, &["--check", "hand"]);
    assert!(run.stderr.contains(" to fix by hand"), "{}", run.stderr);
}

#[test]
fn every_source_notes_a_shadowed_nixpacks_json() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "svc/nixpacks.toml", "[start]\ncmd = \"x\"\n");
    write(r, "svc/nixpacks.json", "{\"start\": {\"cmd\": \"y\"}}\n");
    write(r, "list.txt", "svc/nixpacks.json\n");
    let note = "this nixpacks.json has no effect";
    for args in [
        &["--check", "svc"][..],
        &["--check", "svc/nixpacks.json"],
        &["--check", "--files-from", "list.txt"],
    ] {
        let run = nf(r, args);
        assert!(run.stderr.contains(note), "{args:?}: {run:?}");
    }
    let run = nf_stdin(
        r,
        &["--check", "--stdin-filename", "svc/nixpacks.json", "-"],
        b"{}\n",
    );
    assert!(run.stderr.contains(note), "{run:?}");
}

#[test]
fn pending_fixes_say_what_would_change_written_ones_what_changed() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "svc/nixpacks.toml", FIXABLE);
    let check = nf(r, &["--check", "svc"]);
    assert!(
        check
            .stdout
            .contains("would remove `python3.11 -m ensurepip`"),
        "{check:?}"
    );
    assert!(!check.stdout.contains(" removed "), "{check:?}");
    let gh = nf(r, &["--check", "--format", "github", "svc"]);
    assert!(
        gh.stdout.lines().all(|l| l.starts_with("::error ")),
        "{gh:?}"
    );
    let dry = json_lines(&nf(r, &["--format", "json", "svc"]).stdout);
    assert_eq!(dry[0]["status"], "pending");
    assert_eq!(dry[0]["version"], 2);
    let written = json_lines(&nf(r, &["--write", "--format", "json", "svc"]).stdout);
    assert_eq!(written[0]["status"], "fixed");
    assert_eq!(written[0]["written"], true);
    let msgs: Vec<&str> = written[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("removed `python3.11 -m ensurepip`")),
        "{msgs:?}"
    );
    assert!(msgs.iter().all(|m| !m.contains("would ")), "{msgs:?}");
    let summary = &written.last().unwrap()["summary"];
    assert_eq!(summary["written"], 1, "{summary}");
    assert_eq!(summary["version"], 2, "{summary}");
    // Already written: GitHub gets notices, not errors.
    fs::write(r.join("svc/nixpacks.toml"), FIXABLE).unwrap();
    let gh = nf(r, &["--write", "--format", "github", "svc"]);
    assert_eq!(gh.code, 0, "{gh:?}");
    assert!(!gh.stdout.is_empty());
    assert!(
        gh.stdout.lines().all(|l| l.starts_with("::notice ")),
        "{gh:?}"
    );
}

#[test]
fn stdin_exit_status_does_not_depend_on_the_format() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    for (input, want) in [(FIXABLE, 0), (HAND_FIX, 1), ("[phases\n", 2)] {
        for format in ["text", "json", "github", "sarif"] {
            let run = nf_stdin(
                r,
                &["--format", format, "--stdin-filename", "nixpacks.toml", "-"],
                input.as_bytes(),
            );
            assert_eq!(run.code, want, "{format} on {input:?}: {run:?}");
        }
        let check = nf_stdin(r, &["--check", "-"], input.as_bytes());
        assert_eq!(check.code, if want == 0 { 1 } else { want }, "{check:?}");
    }
    // JSON on stdin ends with the summary, like any run.
    let run = nf_stdin(r, &["--format", "json", "-"], FIXABLE.as_bytes());
    let recs = json_lines(&run.stdout);
    assert_eq!(recs.len(), 2, "{}", run.stdout);
    assert_eq!(recs[1]["summary"]["files"], 1);
}

#[test]
fn quiet_prints_no_summary_and_no_warnings() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "a/nixpacks.toml", ADVICE);
    write(r, "b/nixpacks.toml", FIXABLE);
    let loud = nf(r, &["--check", "."]);
    assert!(
        loud.stderr.contains("warning:") && loud.stderr.contains("checked"),
        "{loud:?}"
    );
    let quiet = nf(r, &["--check", "-q", "."]);
    assert_eq!(quiet.stderr, "", "{quiet:?}");
    assert!(
        quiet.stdout.contains("NF001"),
        "what fails the gate still prints: {quiet:?}"
    );
}

#[test]
fn exclude_is_relative_to_the_settings_file_and_forced_on_named_files() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "nixfix.toml", "exclude = [\"services/legacy/**\"]\n");
    write(r, "services/legacy/nixpacks.toml", FIXABLE);
    write(r, "services/new/nixpacks.toml", FIXABLE);
    let from_root = nf(r, &["--check", "."]);
    assert!(!from_root.stdout.contains("legacy"), "{from_root:?}");
    assert!(from_root.stdout.contains("services/new"), "{from_root:?}");
    // From services/: the same file is left alone.
    let from_sub = nf(&r.join("services"), &["--check", "."]);
    assert!(!from_sub.stdout.contains("legacy"), "{from_sub:?}");
    assert!(
        from_sub.stdout.contains("new/nixpacks.toml"),
        "{from_sub:?}"
    );
    // Every config excluded: said so, not "no config found".
    let legacy = nf(&r.join("services/legacy"), &["--check", "."]);
    assert_eq!(legacy.code, 0, "{legacy:?}");
    assert!(legacy.stderr.contains("excluded"), "{legacy:?}");
    // Named on the command line (pre-commit): fixed unless --force-exclude.
    let named = "services/legacy/nixpacks.toml";
    assert_eq!(nf(r, &["--check", named]).code, 1);
    let forced = nf(r, &["--check", "--force-exclude", named]);
    assert_eq!(forced.code, 0, "{forced:?}");
    assert_eq!(forced.stdout, "", "{forced:?}");
    write(
        r,
        "list.txt",
        format!("{named}\nservices/new/nixpacks.toml\n"),
    );
    let listed = nf(
        r,
        &["--check", "--force-exclude", "--files-from", "list.txt"],
    );
    assert!(
        !listed.stdout.contains("legacy") && listed.stdout.contains("new"),
        "{listed:?}"
    );
}

#[test]
fn pyproject_tool_table_is_read() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.nixfix]\nignore = [\"NF001\", \"NF006\", \"NF003\", \"NF010\"]\n",
    );
    write(
        r,
        "svc/nixpacks.toml",
        "[phases.install]\ncmds = [\"python -m ensurepip\"]\n",
    );
    let run = nf(r, &["--check", "svc"]);
    assert_eq!(run.code, 0, "NF001 ignored by pyproject.toml: {run:?}");
    let settings = nf(r, &["--show-settings"]);
    assert!(settings.stdout.contains("pyproject.toml"), "{settings:?}");
    assert!(!settings.stdout.contains("NF001"), "{settings:?}");
    let isolated = nf(r, &["--check", "--isolated", "svc"]);
    assert_eq!(isolated.code, 1, "{isolated:?}");
}

#[test]
fn show_settings_and_show_files() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        ".nixfix.toml",
        "exclude = [\"old/**\"]\nextend-select = []\n",
    );
    write(r, "old/nixpacks.toml", FIXABLE);
    write(r, "a/nixpacks.toml", FIXABLE);
    write(r, "b/railway.json", "{}\n");
    let files = nf(r, &["--show-files"]);
    assert_eq!(files.code, 0, "{files:?}");
    assert_eq!(files.stdout, "a/nixpacks.toml\nb/railway.json\n");
    let s = nf(r, &["--show-settings", "--check"]);
    assert_eq!(s.code, 0, "{s:?}");
    assert!(s.stdout.contains(".nixfix.toml"), "{s:?}");
    assert!(s.stdout.contains("mode: check"), "{s:?}");
    assert!(s.stdout.contains("old/**"), "{s:?}");
    // Nothing was fixed or checked.
    assert_eq!(
        fs::read_to_string(r.join("a/nixpacks.toml")).unwrap(),
        FIXABLE
    );
}

#[test]
fn sarif_for_code_scanning() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "a b/nixpacks.toml", FIXABLE);
    write(r, "hand/nixpacks.toml", HAND_FIX);
    write(r, "bad/nixpacks.toml", "[phases\n");
    let run = nf(r, &["--check", "--format", "sarif", "."]);
    assert_eq!(run.code, 2, "{run:?}");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let run0 = &doc["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), nixfix::rules::REGISTRY.len());
    let results = run0["results"].as_array().unwrap();
    let uris: Vec<&str> = results
        .iter()
        .map(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"a%20b/nixpacks.toml"), "{uris:?}");
    assert!(uris.contains(&"bad/nixpacks.toml"), "{uris:?}");
    let mut sorted = uris.clone();
    sorted.sort();
    assert_eq!(uris, sorted, "results in path order");
    for x in results {
        let id = x["ruleId"].as_str().unwrap();
        if let Some(i) = x["ruleIndex"].as_u64() {
            assert_eq!(rules[i as usize]["id"], id);
        }
        assert_eq!(x["level"], "error", "all of these fail the gate: {x}");
        assert!(
            x["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }
    assert_eq!(run0["invocations"][0]["executionSuccessful"], false);
}

/// Every fix message of every fixture speaks of what it did with a verb
/// the pending wording knows, so a dry run never says "removed".
#[test]
fn every_fix_message_has_a_pending_form() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut seen = 0;
    for dir in fs::read_dir(&fixtures).unwrap() {
        let dir = dir.unwrap().path();
        let run = nf(&dir, &["--format", "json", "--extend-select", "ALL", "."]);
        for rec in json_lines(&run.stdout) {
            let Some(findings) = rec["findings"].as_array() else {
                continue;
            };
            for f in findings.iter().filter(|f| f["fixed"] == true) {
                let m = f["message"].as_str().unwrap();
                assert!(m.contains("would "), "{}: {m}", dir.display());
                seen += 1;
            }
        }
    }
    assert!(seen > 100, "{seen} fix messages");
}

/// A setup list without `"..."` replaces the provider's Python, which its
/// own install needs, even in a config that names no Python at all (corpus
/// config 0859: `nixPkgs = ["gcc"]` and a uvicorn start; the build stopped
/// at `python: command not found`, and nixfix said nothing).
#[test]
fn a_setup_list_that_drops_the_providers_python_gets_one() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "svc/requirements.txt", "uvicorn\n");
    write(r, "svc/main.py", "app = 1\n");
    write(
        r,
        "svc/nixpacks.toml",
        "[phases.setup]\nnixPkgs = [\"gcc\"]\n\n[start]\ncmd = \"uvicorn main:app\"\n",
    );
    let run = nf(r, &["--check", "svc"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stdout.contains("NF010 would add python3"), "{run:?}");
}
