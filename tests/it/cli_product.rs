//! The product surface: help and rule docs (snapshotted), settings files,
//! suppression comments, opt-in rules, completions, man page, pre-commit hooks.

use crate::common::*;

fn snap(name: &str, text: &str) {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path("../../snapshots");
    s.set_prepend_module_to_snapshot(false);
    s.bind(|| insta::assert_snapshot!(name, text));
}

const BROKEN: &str = "[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = [\n  'python3.11 -m ensurepip --upgrade',\n  'python3.11 -m pip install --upgrade pip',\n  'python3.11 -m pip install -r requirements.txt',\n]\n";

#[test]
fn help_and_rule_docs_are_snapshotted() {
    let d = tempfile::tempdir().unwrap();
    let help = nf(d.path(), &["--help"]);
    assert_eq!(help.code, 0);
    snap("cli_help", &help.stdout);
    let rules = nf(d.path(), &["rules"]);
    assert_eq!(rules.code, 0);
    snap("cli_rules", &rules.stdout);
    for code in nixfix::rules::REGISTRY.iter().map(|r| r.code()) {
        let r = nf(d.path(), &["rule", code]);
        assert_eq!(r.code, 0, "{code}");
        assert!(
            r.stdout.starts_with(&format!("# {code} ")),
            "{code}: {}",
            r.stdout
        );
        assert!(r.stdout.contains("## Example"), "{code} has no example");
        snap(&format!("rule_{code}"), &r.stdout);
    }
    // Names work too, and the text is the same.
    let by_name = nf(d.path(), &["rule", "pip-self-upgrade"]);
    assert_eq!(by_name.stdout, nf(d.path(), &["rule", "nf002"]).stdout);
}

#[test]
fn settings_file_selects_ignores_and_excludes() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "a/nixpacks.toml", BROKEN);
    write(r, "legacy/b/nixpacks.toml", BROKEN);
    write(
        r,
        "nixfix.toml",
        "select = [\"NF001\"]\nexclude = [\"legacy\"]\n",
    );
    let run = nf(r, &["--check"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains("a/nixpacks.toml:6:3: NF001"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("NF002") && !run.stdout.contains("NF003"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("legacy"), "{}", run.stdout);
    // Flags win over the file; --isolated ignores it.
    let run = nf(r, &["--check", "--select", "NF002"]);
    assert!(
        run.stdout.contains("NF002") && !run.stdout.contains("NF001"),
        "{}",
        run.stdout
    );
    let run = nf(r, &["--check", "--isolated"]);
    assert!(
        run.stdout.contains("legacy/b/nixpacks.toml"),
        "{}",
        run.stdout
    );
    // Found from a subdirectory, under [tool.nixfix] too.
    write(
        r,
        "nixfix.toml",
        "[tool.nixfix]\nignore = [\"missing-nix-pip\"]\n",
    );
    let run = nf(&r.join("a"), &["--check", "."]);
    assert!(
        run.stdout.contains("NF001") && !run.stdout.contains("NF003"),
        "{}",
        run.stdout
    );
    // --config names another file; a bad one is an error naming it.
    write(r, "other.toml", "select = [\"NF004\"]\n");
    let run = nf(r, &["--check", "--config", "other.toml"]);
    assert_eq!(run.code, 0, "{run:?}");
    write(r, "nixfix.toml", "selct = []\n");
    let run = nf(r, &["--check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nixfix.toml"), "{}", run.stderr);
}

#[test]
fn suppression_comments() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let text = BROKEN.replace(
        "'python3.11 -m pip install --upgrade pip',",
        "'python3.11 -m pip install --upgrade pip', # nixfix: ignore[NF002]",
    );
    write(r, "a/nixpacks.toml", &text);
    write(r, "b/nixpacks.toml", format!("# nixfix: ignore\n{BROKEN}"));
    let run = nf(r, &["--write"]);
    assert_eq!(run.code, 0, "{run:?}");
    let a = std::fs::read_to_string(r.join("a/nixpacks.toml")).unwrap();
    assert!(!a.contains("ensurepip"), "{a}");
    assert!(a.contains("--upgrade pip', # nixfix: ignore[NF002]"), "{a}");
    assert_eq!(
        std::fs::read_to_string(r.join("b/nixpacks.toml")).unwrap(),
        format!("# nixfix: ignore\n{BROKEN}")
    );
}

#[test]
fn the_venv_install_is_on_by_default_and_can_be_turned_off() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    for svc in ["a", "b"] {
        write(r, &format!("{svc}/nixpacks.toml"), BROKEN);
        write(r, &format!("{svc}/requirements.txt"), "flask\n");
    }
    let run = nf(r, &["--write", "a"]);
    assert_eq!(run.code, 0, "{run:?}");
    let a = std::fs::read_to_string(r.join("a/nixpacks.toml")).unwrap();
    assert_eq!(
        a,
        "[phases.setup]\nnixPkgs = ['python311', 'python311Packages.pip']\n\n[phases.install]\ncmds = [\n  'python3.11 -m venv --copies /opt/venv',\n  '. /opt/venv/bin/activate && python3.11 -m pip install -r requirements.txt',\n]\n"
    );
    // Without NF006: the requested edits only (which do not build).
    let run = nf(r, &["--write", "--ignore", "NF006", "b"]);
    assert_eq!(run.code, 0, "{run:?}");
    let b = std::fs::read_to_string(r.join("b/nixpacks.toml")).unwrap();
    assert_eq!(
        b,
        "[phases.setup]\nnixPkgs = ['python311', 'python311Packages.pip']\n\n[phases.install]\ncmds = [\n  'python3.11 -m pip install -r requirements.txt',\n]\n"
    );
}

#[test]
fn completions_and_man_page() {
    let d = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = nf(d.path(), &["completions", shell]);
        assert_eq!(run.code, 0, "{shell}");
        assert!(
            run.stdout.contains("nixfix") && run.stdout.contains("write"),
            "{shell}"
        );
    }
    let man = nf(d.path(), &["man"]);
    assert_eq!(man.code, 0);
    assert!(
        man.stdout.contains(".TH nixfix 1"),
        "{}",
        &man.stdout[..200.min(man.stdout.len())]
    );
    assert!(man.stdout.contains("\\-\\-check"));
    assert_eq!(nf(d.path(), &["completions", "tcsh"]).code, 2);
}

// The pre-commit hooks and the GitHub Action are run as their runners run
// them in tests/install.rs.
