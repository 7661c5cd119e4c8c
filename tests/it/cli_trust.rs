//! Issue 13, the gate's trust: rules report only what is really there
//! (a compound command is read, not guessed at), railway files whose
//! builder is not Nixpacks are left alone, and the multi-repository recipe
//! of the README works on real git repositories. The real binary is run in
//! temporary directories.

use crate::common::*;
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

// ---------------------------------------------------------------------------
// Railway's build.builder
// ---------------------------------------------------------------------------

const BUILD_CMD: &str = "python -m ensurepip && pip install -r requirements.txt";

fn railway_json(builder: Option<&str>) -> String {
    let b = builder.map_or(String::new(), |b| format!("\"builder\": \"{b}\", "));
    format!("{{\n  \"build\": {{{b}\"buildCommand\": \"{BUILD_CMD}\"}}\n}}\n")
}

fn railway_toml(builder: Option<&str>) -> String {
    let b = builder.map_or(String::new(), |b| format!("builder = \"{b}\"\n"));
    format!("[build]\n{b}buildCommand = \"{BUILD_CMD}\"\n")
}

#[test]
fn railway_files_built_by_another_builder_are_left_alone() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let mut left = Vec::new();
    for (i, b) in ["DOCKERFILE", "RAILPACK", "dockerfile", "railpack"]
        .iter()
        .enumerate()
    {
        left.push((
            write(r, &format!("j{i}/railway.json"), railway_json(Some(b))),
            *b,
        ));
        left.push((
            write(r, &format!("t{i}/railway.toml"), railway_toml(Some(b))),
            *b,
        ));
    }
    let before: Vec<String> = left
        .iter()
        .map(|(p, _)| fs::read_to_string(p).unwrap())
        .collect();
    let check = nf(r, &["--check", "."]);
    assert_eq!(check.code, 0, "{check:?}");
    assert!(
        check.stdout.is_empty() && !check.stderr.contains("NF0"),
        "{check:?}"
    );
    assert!(
        summary_line(&check.stderr).contains(&format!("({} files checked)", left.len())),
        "{check:?}"
    );
    // -v says why, one line a file, with the builder as written.
    let verbose = nf(r, &["--check", "-v", "."]);
    assert_eq!(verbose.code, 0, "{verbose:?}");
    for (p, b) in &left {
        let rel = p.strip_prefix(r).unwrap().to_str().unwrap();
        let line = verbose
            .stderr
            .lines()
            .find(|l| l.starts_with(rel))
            .unwrap_or_else(|| panic!("no line for {rel}: {}", verbose.stderr));
        assert!(line.contains(&format!("skipped: builder is {b}")), "{line}");
    }
    // Without -v nothing is said of them; a list of paths is the same.
    let paths: Vec<String> = left
        .iter()
        .map(|(p, _)| p.strip_prefix(r).unwrap().to_str().unwrap().to_string())
        .collect();
    let mut args = vec!["-v", "--write"];
    args.extend(paths.iter().map(String::as_str));
    let written = nf(r, &args);
    assert_eq!(written.code, 0, "{written:?}");
    assert_eq!(
        written.stderr.matches("skipped: builder is").count(),
        left.len(),
        "{written:?}"
    );
    for ((p, _), b) in left.iter().zip(&before) {
        assert_eq!(
            &fs::read_to_string(p).unwrap(),
            b,
            "{} was changed",
            p.display()
        );
    }
    // JSON says it too.
    let json = nf(r, &["--format", "json", "j0/railway.json"]);
    let first: serde_json::Value =
        serde_json::from_str(json.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["skipped"], "builder is DOCKERFILE", "{json:?}");
    assert_eq!(first["status"], "unchanged");
    // The stdin filter echoes such a file unchanged.
    let text = railway_json(Some("DOCKERFILE"));
    let piped = nf_stdin(
        r,
        &["--stdin-filename", "railway.json", "-"],
        text.as_bytes(),
    );
    assert_eq!(
        (piped.code, piped.stdout.as_str()),
        (0, text.as_str()),
        "{piped:?}"
    );
}

#[test]
fn railway_files_built_by_nixpacks_or_by_default_are_fixed() {
    for builder in [Some("NIXPACKS"), Some("nixpacks"), None] {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        let j = write(r, "a/railway.json", railway_json(builder));
        let t = write(r, "b/railway.toml", railway_toml(builder));
        let run = nf(r, &["--write", "-v", "."]);
        assert_eq!(run.code, 0, "{builder:?}: {run:?}");
        assert!(!run.stderr.contains("skipped"), "{run:?}");
        for p in [j, t] {
            let now = fs::read_to_string(&p).unwrap();
            assert!(
                !now.contains("ensurepip"),
                "{builder:?} {}: {now}",
                p.display()
            );
        }
    }
}

#[test]
fn a_config_named_by_a_railway_file_of_another_builder_is_not_followed() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let named = "[phases.install]\ncmds = ['python -m ensurepip']\n";
    for (dir, builder) in [("docker", "DOCKERFILE"), ("nix", "NIXPACKS")] {
        write(
            r,
            &format!("{dir}/railway.json"),
            format!(
                "{{\"build\": {{\"builder\": \"{builder}\", \"nixpacksConfigPath\": \"ci/build.toml\"}}}}\n"
            ),
        );
        write(r, &format!("{dir}/ci/build.toml"), named);
    }
    // The walk and a list of paths follow only the Nixpacks one.
    for args in [
        &["--check", "."][..],
        &["--check", "docker/railway.json", "nix/railway.json"],
    ] {
        let run = nf(r, args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stdout.contains("nix/ci/build.toml"),
            "{args:?}: {run:?}"
        );
        assert!(
            !run.stdout.contains("docker/ci/build.toml"),
            "{args:?}: {run:?}"
        );
    }
    // Named on its own, it is an ordinary config and is fixed.
    let run = nf(r, &["--check", "docker/ci/build.toml"]);
    assert_eq!(run.code, 1, "{run:?}");
}

// ---------------------------------------------------------------------------
// Many repositories: the README's per-clone command and script
// ---------------------------------------------------------------------------

const FIXABLE: &str = "[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = ['python3.11 -m ensurepip --upgrade', 'python3.11 -m pip install -r requirements.txt']\n";
const CLEAN: &str = "[phases.setup]\nnixPkgs = ['nodejs_18', 'yarn']\n\n[phases.build]\ncmds = ['yarn install --frozen-lockfile', 'yarn build']\n";
const BROKEN: &str = "[phases.install\ncmds = ['python -m ensurepip']\n";

/// Three clones, as a multi-repository tool leaves them: one with nothing
/// to fix, one to fix, one with an unparsable config beside one to fix.
fn clones(root: &std::path::Path) -> [std::path::PathBuf; 3] {
    let make = |name: &str, files: &[(&str, &str)]| {
        let dir = root.join(name);
        fs::create_dir_all(&dir).unwrap();
        git(&dir, &["init", "-q"]);
        for (rel, text) in files {
            write(&dir, rel, text);
        }
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-qm", "init"]);
        dir
    };
    [
        make("clean", &[("nixpacks.toml", CLEAN), ("README", "x\n")]),
        make(
            "fixable",
            &[("api/nixpacks.toml", FIXABLE), ("web/nixpacks.toml", CLEAN)],
        ),
        make(
            "broken",
            &[
                ("old/nixpacks.toml", BROKEN),
                ("api/nixpacks.toml", FIXABLE),
            ],
        ),
    ]
}

/// The JSON summary: the last line of a `--format json` run.
fn json_summary(stdout: &str) -> serde_json::Value {
    let last = stdout.lines().last().expect("a summary line");
    let v: serde_json::Value = serde_json::from_str(last).unwrap();
    v["summary"].clone()
}

#[test]
fn many_repositories_fixed_nothing_to_do_and_error_are_told_apart() {
    let d = tempfile::tempdir().unwrap();
    let [clean, fixable, broken] = clones(d.path());
    let per_repo = ["--write", "--format", "json", "."];
    // Nothing to do: exit 0, nothing fixed, the tree unchanged.
    let r = nf(&clean, &per_repo);
    assert_eq!(r.code, 0, "{r:?}");
    let s = json_summary(&r.stdout);
    assert_eq!(
        (s["fixed"].as_u64(), s["errors"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );
    assert_eq!(git(&clean, &["status", "--porcelain"]), "");
    // Fixed: exit 0 too; the summary and git status say what changed.
    let r = nf(&fixable, &per_repo);
    assert_eq!(r.code, 0, "{r:?}");
    let s = json_summary(&r.stdout);
    assert_eq!(
        (s["fixed"].as_u64(), s["errors"].as_u64()),
        (Some(1), Some(0)),
        "{s}"
    );
    assert_eq!(
        git(&fixable, &["status", "--porcelain"]),
        " M api/nixpacks.toml\n"
    );
    // An error: exit 2, yet the other config of that repository is fixed
    // and the broken one is untouched.
    let r = nf(&broken, &per_repo);
    assert_eq!(r.code, 2, "{r:?}");
    let s = json_summary(&r.stdout);
    assert_eq!(
        (s["fixed"].as_u64(), s["errors"].as_u64()),
        (Some(1), Some(1)),
        "{s}"
    );
    assert_eq!(
        git(&broken, &["status", "--porcelain"]),
        " M api/nixpacks.toml\n"
    );
    assert_eq!(
        fs::read_to_string(broken.join("old/nixpacks.toml")).unwrap(),
        BROKEN
    );
    assert!(
        !fs::read_to_string(broken.join("api/nixpacks.toml"))
            .unwrap()
            .contains("ensurepip")
    );
}

#[test]
fn the_many_repositories_script_of_the_readme() {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = manifest.join("examples/many-repos.sh");
    let text = fs::read_to_string(&script).unwrap();
    // The README shows the script as it is.
    let readme = fs::read_to_string(manifest.join("README.md")).unwrap();
    assert!(
        readme.contains(&text),
        "README.md does not show examples/many-repos.sh as it is"
    );
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_nixfix"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let d = tempfile::tempdir().unwrap();
    let outcome = |dir: &std::path::Path| {
        let o = std::process::Command::new("sh")
            .arg(&script)
            .current_dir(dir)
            .env("PATH", &path)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        (
            o.status.code().unwrap(),
            out.lines().last().unwrap_or("").to_string(),
        )
    };
    let [clean, fixable, broken] = clones(d.path());
    assert_eq!(outcome(&clean), (0, "nothing to do".into()));
    assert_eq!(outcome(&fixable), (0, "fixed".into()));
    // Fixes and an error: the fixes are kept (exit 0) for the tool to commit.
    assert_eq!(outcome(&broken), (0, "fixed".into()));
    assert_eq!(
        git(&broken, &["status", "--porcelain"]),
        " M api/nixpacks.toml\n"
    );
    // Once fixed, the broken file alone is an error.
    git(&broken, &["commit", "-qam", "fixed"]);
    assert_eq!(outcome(&broken), (2, "error".into()));
    git(&fixable, &["commit", "-qam", "fixed"]);
    assert_eq!(outcome(&fixable), (0, "nothing to do".into()));
}
