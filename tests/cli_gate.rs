//! Issue 13, the gate's trust: rules report only what is really there
//! (a compound command is read, not guessed at), railway files whose
//! builder is not Nixpacks are left alone, and the multi-repository recipe
//! of the README works on real git repositories. The real binary is run in
//! temporary directories.

mod common;
use common::*;
use std::fs;

/// The lines of a run's output (both streams) that name `code`.
fn lines_with(r: &Run, code: &str) -> Vec<String> {
    r.stdout
        .lines()
        .chain(r.stderr.lines())
        .filter(|l| l.contains(code))
        .map(str::to_string)
        .collect()
}

fn nixpacks_cmds(cmds: &[&str]) -> String {
    let items: Vec<String> = cmds.iter().map(|c| format!("'{c}'")).collect();
    format!(
        "[phases.setup]\nnixPkgs = ['python311', 'python311Packages.pip']\n\n[phases.install]\ncmds = [{}]\n",
        items.join(", ")
    )
}

// ---------------------------------------------------------------------------
// Compound commands: a report names a real occurrence
// ---------------------------------------------------------------------------

#[test]
fn nf002_ignores_the_pip_command_word_in_compound_commands() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    for (i, cmd) in [
        "if [ -f r.txt ]; then pip install -r r.txt; fi",
        "(cd app && pip install -r r.txt)",
    ]
    .iter()
    .enumerate()
    {
        write(r, &format!("s{i}/nixpacks.toml"), nixpacks_cmds(&[cmd]));
    }
    for mode in [&["--check", "."][..], &["."], &["--write", "."]] {
        let run = nf(r, mode);
        assert_eq!(
            lines_with(&run, "NF002"),
            Vec::<String>::new(),
            "{mode:?}: {run:?}"
        );
        assert!(run.code != 2, "{mode:?}: {run:?}");
    }
    // With only NF002 selected there is nothing at all to say.
    let run = nf(r, &["--check", "--select", "NF002", "."]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(
        summary_line(&run.stderr).starts_with("0 files to fix, 0 warnings, 0 errors"),
        "{run:?}"
    );
    // The stdin filter agrees.
    let text = nixpacks_cmds(&["(cd app && pip install -r r.txt)"]);
    let run = nf_stdin(
        r,
        &[
            "--select",
            "NF002",
            "--stdin-filename",
            "nixpacks.toml",
            "-",
        ],
        text.as_bytes(),
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, text);
    assert_eq!(lines_with(&run, "NF002"), Vec::<String>::new(), "{run:?}");
}

#[test]
fn a_real_self_upgrade_in_a_compound_command_is_still_reported() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let text =
        nixpacks_cmds(&["if [ -f r.txt ]; then pip install -U pip && pip install -r r.txt; fi"]);
    let p = write(r, "nixpacks.toml", &text);
    let run = nf(r, &["--check", "--select", "NF002", "."]);
    let lines = lines_with(&run, "NF002");
    assert_eq!(lines.len(), 1, "{run:?}");
    assert!(lines[0].contains("fix it by hand"), "{lines:?}");
    let run = nf(r, &["--write", "--select", "NF002", "."]);
    assert_eq!(lines_with(&run, "NF002").len(), 1, "{run:?}");
    assert_eq!(fs::read_to_string(&p).unwrap(), text, "never edited");
}

#[test]
fn other_rules_read_compound_commands_too() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    // NF001: the word `ensurepip` in an echo is not ensurepip run.
    write(
        r,
        "a/nixpacks.toml",
        nixpacks_cmds(&["if true; then echo ensurepip; fi"]),
    );
    // NF006: nor is `pip install` in an echo an install.
    write(
        r,
        "b/nixpacks.toml",
        nixpacks_cmds(&["(echo pip install flask)"]),
    );
    let run = nf(r, &["--check", "--select", "NF001,NF006", "."]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        lines_with(&run, "NF001").is_empty() && lines_with(&run, "NF006").is_empty(),
        "{run:?}"
    );
    // Real occurrences still are reported.
    write(
        r,
        "a/nixpacks.toml",
        nixpacks_cmds(&["if true; then python -m ensurepip; fi"]),
    );
    write(
        r,
        "b/nixpacks.toml",
        nixpacks_cmds(&["(cd app && pip install -r r.txt)"]),
    );
    let run = nf(r, &["--check", "--select", "NF001,NF006", "."]);
    assert_eq!(lines_with(&run, "NF001").len(), 1, "{run:?}");
    assert_eq!(lines_with(&run, "NF006").len(), 1, "{run:?}");
}

