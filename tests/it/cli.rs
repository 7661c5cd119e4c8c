//! The real `nixfix` binary, run in temporary directories: exit codes, the
//! dry-run diff (and that it applies), `--write`, `--check`, stdin, machine
//! output, rule selection, walking, colour and the summary line.
//!
//! The fixtures are written here; the expected fixed text of a file is
//! whatever the stdin filter (`nixfix --stdin-filename PATH -`) prints for
//! it, so these tests check that every mode agrees, plus a few properties of
//! the fix itself (ensurepip gone, the Nix pip added).

use crate::common::*;
use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn read(root: &Path, rel: &str) -> Vec<u8> {
    fs::read(root.join(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
}

fn read_s(root: &Path, rel: &str) -> String {
    String::from_utf8(read(root, rel)).unwrap()
}

fn old_time() -> SystemTime {
    SystemTime::now() - Duration::from_secs(3 * 24 * 3600)
}

/// Give a file an old mtime, so that a rewrite is visible even within the
/// file system's timestamp granularity.
fn age(p: &Path) -> SystemTime {
    let t = old_time();
    fs::File::open(p).unwrap().set_modified(t).unwrap();
    fs::metadata(p).unwrap().modified().unwrap()
}

fn mtime(p: &Path) -> SystemTime {
    fs::metadata(p).unwrap().modified().unwrap()
}

/// Bytes and mtime of a file, to check it was not touched.
fn snapshot(p: &Path) -> (Vec<u8>, SystemTime) {
    age(p);
    (fs::read(p).unwrap(), mtime(p))
}

fn assert_untouched(p: &Path, snap: &(Vec<u8>, SystemTime)) {
    assert_eq!(fs::read(p).unwrap(), snap.0, "{} was modified", p.display());
    assert_eq!(mtime(p), snap.1, "{} was rewritten (mtime)", p.display());
}

/// What the stdin filter makes of `text` when it comes from `name` (a path
/// relative to `root`, for the kind and the pinned Python).
fn filtered(root: &Path, name: &str, text: &[u8]) -> Vec<u8> {
    let r = nf_stdin(root, &["--stdin-filename", name, "-"], text);
    assert_eq!(r.code, 0, "stdin filter failed on {name}: {}", r.stderr);
    r.out
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\x1b' && it.peek() == Some(&'[') {
            it.next();
            for d in it.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn has_tool(name: &str) -> bool {
    std::process::Command::new(name)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    let o = std::process::Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .args([
            "-c",
            "user.name=nixfix tests",
            "-c",
            "user.email=tests@nixfix.invalid",
            "-c",
            "core.autocrlf=false",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `patch -p1` in `dir` with `diff` on stdin.
fn patch_p1(dir: &Path, diff: &[u8]) -> std::process::Output {
    let pd = tempfile::tempdir().unwrap();
    let p = pd.path().join("nixfix.patch");
    fs::write(&p, diff).unwrap();
    std::process::Command::new("patch")
        .current_dir(dir)
        .args(["-p1", "--batch", "--forward", "--no-backup-if-mismatch"])
        .stdin(fs::File::open(&p).unwrap())
        .output()
        .expect("patch runs")
}

/// `--- a/<rel>` headers of a diff, in order.
fn diff_files(diff: &str) -> Vec<String> {
    diff.lines()
        .filter_map(|l| l.strip_prefix("--- a/"))
        .map(|s| s.trim_end_matches('\t').to_string())
        .collect()
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}")))
        .collect()
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// The seed case: ensurepip and a pip self-upgrade next to an explicit python311.
const FIXABLE: &str = r#"# service a
[phases.setup]
nixPkgs = ["python311", "gcc"] # keep gcc

[phases.install]
cmds = [
  "python3.11 -m ensurepip --upgrade",
  "python3.11 -m pip install --upgrade pip",
  "python3.11 -m pip install -r requirements.txt",
]

[start]
cmd = "python3.11 main.py"
"#;

/// A Railway config with an inline plan to fix.
const FIXABLE_RAILWAY_JSON: &str = r#"{
  "$schema": "https://railway.app/railway.schema.json",
  "build": {
    "builder": "NIXPACKS",
    "nixpacksPlan": {
      "phases": {
        "setup": {"nixPkgs": ["python311"]},
        "install": {"cmds": ["python3.11 -m ensurepip", "python3.11 -m pip install -r requirements.txt"]}
      }
    }
  },
  "deploy": {"startCommand": "python3.11 main.py"}
}
"#;

/// A Python config with nothing to fix (or warn about): it installs into a
/// virtualenv, as a build must.
const CLEAN_PY: &str = r#"[variables]
NIXPACKS_PYTHON_VERSION = "3.11"

[phases.setup]
nixPkgs = ["python311", "python311Packages.pip"]

[phases.install]
cmds = ["python -m venv --copies /opt/venv && . /opt/venv/bin/activate && python3.11 -m pip install -r requirements.txt"]
"#;

/// A Node config: nothing for nixfix.
const CLEAN_NODE: &str = r#"[phases.setup]
nixPkgs = ["nodejs_18", "yarn"]

[phases.build]
cmds = ["yarn install --frozen-lockfile", "yarn build"]

[start]
cmd = "node dist/index.js"
"#;

/// Not valid TOML: an unclosed table header on line 1.
const BAD_TOML: &str = "[phases.setup\nnixPkgs = [\"python311\"]\n";

/// Not valid JSON: a trailing comma on line 3.
const BAD_JSON: &str =
    "{\n  \"phases\": {\n    \"setup\": {\"nixPkgs\": [\"python311\"],}\n  }\n}\n";

/// The fix must really have happened (not just "something changed").
fn assert_seed_fixed(text: &str) {
    assert!(!text.contains("ensurepip"), "ensurepip left in:\n{text}");
    assert!(
        !text.contains("--upgrade pip"),
        "pip upgrade left in:\n{text}"
    );
    assert!(
        text.contains("python311Packages.pip"),
        "no Nix pip in:\n{text}"
    );
    assert!(
        text.contains("python3.11 -m venv --copies /opt/venv")
            && text.contains(
                ". /opt/venv/bin/activate && python3.11 -m pip install -r requirements.txt"
            ),
        "the install does not run in a virtualenv:\n{text}"
    );
}

/// A small monorepo: two fixable services, two clean ones.
fn monorepo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "services/api/nixpacks.toml", FIXABLE);
    write(r, "services/worker/railway.json", FIXABLE_RAILWAY_JSON);
    write(r, "services/clean/nixpacks.toml", CLEAN_PY);
    write(r, "web/nixpacks.toml", CLEAN_NODE);
    d
}

// ---------------------------------------------------------------------------
// Exit codes and modes
// ---------------------------------------------------------------------------

#[test]
fn nothing_to_fix_exits_0_with_empty_stdout() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a/nixpacks.toml", CLEAN_PY);
    write(d.path(), "b/nixpacks.toml", CLEAN_NODE);
    for args in [&[][..], &["--check"], &["--write"], &["."]] {
        let r = nf(d.path(), args);
        assert_eq!(r.code, 0, "{args:?}: {r:?}");
        assert_eq!(r.stdout, "", "{args:?}");
    }
}

#[test]
fn dry_run_prints_a_diff_exits_1_and_writes_nothing() {
    let d = monorepo();
    let r = d.path();
    let snaps: Vec<_> = [
        "services/api/nixpacks.toml",
        "services/worker/railway.json",
        "services/clean/nixpacks.toml",
        "web/nixpacks.toml",
    ]
    .iter()
    .map(|p| (r.join(p), snapshot(&r.join(p))))
    .collect();
    let run = nf(r, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        diff_files(&run.stdout),
        ["services/api/nixpacks.toml", "services/worker/railway.json"]
    );
    assert!(
        run.stdout
            .starts_with("--- a/services/api/nixpacks.toml\n+++ b/services/api/nixpacks.toml\n@@ ")
    );
    assert!(
        run.stdout
            .contains("--- a/services/worker/railway.json\n+++ b/services/worker/railway.json\n")
    );
    assert!(
        run.stdout
            .contains("\n-  \"python3.11 -m ensurepip --upgrade\",\n")
    );
    assert!(run.stdout.contains("python311Packages.pip"));
    for (p, s) in &snaps {
        assert_untouched(p, s);
    }
}

#[test]
fn check_prints_one_line_per_fix_and_no_diff() {
    let d = monorepo();
    let r = d.path();
    let run = nf(r, &["--check"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stdout.contains("--- a/"), "{}", run.stdout);
    assert!(!run.stdout.contains("+++ b/"), "{}", run.stdout);
    assert!(!run.stdout.contains("\n@@"), "{}", run.stdout);
    // As many lines as fixes reported by the JSON output, each
    // `path:line:col: CODE message`.
    let json = json_lines(&nf(r, &["--format", "json"]).stdout);
    let fixes: usize = json
        .iter()
        .filter_map(|o| o.get("findings"))
        .flat_map(|f| f.as_array().unwrap())
        .filter(|f| f["fixed"] == true)
        .count();
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.contains(" warning: "))
        .collect();
    assert_eq!(lines.len(), fixes, "{}", run.stdout);
    assert!(fixes >= 4, "{}", run.stdout);
    for l in &lines {
        let (path, rest) = l.split_once(':').unwrap();
        assert!(
            path == "services/api/nixpacks.toml" || path == "services/worker/railway.json",
            "{l}"
        );
        let mut parts = rest.splitn(3, ':');
        let line: usize = parts.next().unwrap().parse().expect(l);
        let col: usize = parts.next().unwrap().parse().expect(l);
        assert!(line >= 1 && col >= 1, "{l}");
        assert!(parts.next().unwrap().starts_with(" NF0"), "{l}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("services/api/nixpacks.toml:7:") && l.contains("NF001")),
        "{}",
        run.stdout
    );
    // Nothing written.
    assert_eq!(read_s(r, "services/api/nixpacks.toml"), FIXABLE);
}

#[test]
fn write_fixes_in_place_exits_0_and_keeps_permissions() {
    let d = monorepo();
    let r = d.path();
    let api = r.join("services/api/nixpacks.toml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&api, fs::Permissions::from_mode(0o640)).unwrap();
    }
    let want_api = filtered(r, "services/api/nixpacks.toml", FIXABLE.as_bytes());
    let want_worker = filtered(
        r,
        "services/worker/railway.json",
        FIXABLE_RAILWAY_JSON.as_bytes(),
    );
    let run = nf(r, &["--write"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "", "--write prints no diff");
    assert_eq!(read(r, "services/api/nixpacks.toml"), want_api);
    assert_eq!(read(r, "services/worker/railway.json"), want_worker);
    assert_seed_fixed(&read_s(r, "services/api/nixpacks.toml"));
    assert!(read_s(r, "services/api/nixpacks.toml").contains("# keep gcc"));
    assert!(!read_s(r, "services/worker/railway.json").contains("ensurepip"));
    assert_eq!(read_s(r, "services/clean/nixpacks.toml"), CLEAN_PY);
    assert_eq!(read_s(r, "web/nixpacks.toml"), CLEAN_NODE);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&api).unwrap().permissions().mode() & 0o777,
            0o640
        );
    }
    // No temporary file left next to the rewritten files.
    for dir in ["services/api", "services/worker"] {
        let names: Vec<_> = fs::read_dir(r.join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "{dir}: {names:?}");
    }
}

#[test]
fn an_error_exits_2_even_when_other_files_are_fixed() {
    let d = monorepo();
    let r = d.path();
    let bad = write(r, "broken/nixpacks.toml", BAD_TOML);
    let bad_snap = snapshot(&bad);

    let dry = nf(r, &[]);
    assert_eq!(dry.code, 2, "{dry:?}");
    assert_eq!(
        diff_files(&dry.stdout),
        ["services/api/nixpacks.toml", "services/worker/railway.json"],
        "the good files' diffs are still printed"
    );

    let check = nf(r, &["--check"]);
    assert_eq!(check.code, 2, "{check:?}");

    let w = nf(r, &["--write"]);
    assert_eq!(w.code, 2, "{w:?}");
    assert!(w.stderr.contains("broken/nixpacks.toml:1:"), "{}", w.stderr);
    assert_seed_fixed(&read_s(r, "services/api/nixpacks.toml"));
    assert!(!read_s(r, "services/worker/railway.json").contains("ensurepip"));
    assert_untouched(&bad, &bad_snap);
}

// ---------------------------------------------------------------------------
// The diff applies
// ---------------------------------------------------------------------------

/// Configs whose formatting is easy to lose: CRLF, a BOM, no final newline,
/// JSON, Railway TOML; plus files with nothing to fix.
fn fidelity_tree(root: &Path) {
    write(root, "plain/nixpacks.toml", FIXABLE);
    write(root, "crlf/nixpacks.toml", FIXABLE.replace('\n', "\r\n"));
    write(root, "bom/nixpacks.toml", format!("\u{feff}{FIXABLE}"));
    write(
        root,
        "no-final-newline/nixpacks.toml",
        FIXABLE.trim_end_matches('\n'),
    );
    write(
        root,
        "all-three/nixpacks.toml",
        format!("\u{feff}{}", FIXABLE.replace('\n', "\r\n").trim_end()),
    );
    write(root, "rail/railway.json", FIXABLE_RAILWAY_JSON);
    write(
        root,
        "rail-toml/railway.toml",
        "[build]\nbuilder = \"NIXPACKS\"\n\n[build.nixpacksPlan.phases.setup]\nnixPkgs = [\"python311\"]\n\n[build.nixpacksPlan.phases.install]\ncmds = [\"python3.11 -m ensurepip && python3.11 -m pip install -r requirements.txt\"]\n",
    );
    write(
        root,
        "json/nixpacks.json",
        "{\n  \"phases\": {\n    \"setup\": {\"nixPkgs\": [\"python311\"]},\n    \"install\": {\"cmds\": [\"python3.11 -m pip install -U pip\", \"python3.11 -m pip install -r requirements.txt\"]}\n  }\n}",
    );
    write(root, "clean/nixpacks.toml", CLEAN_PY);
    write(root, "node/nixpacks.toml", CLEAN_NODE);
    write(root, "README.md", "# not a config\n");
}

/// The tree `fidelity_tree` makes, after `nixfix --write` on a fresh copy.
fn written_tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fidelity_tree(d.path());
    let w = nf(d.path(), &["--write"]);
    assert_eq!(w.code, 0, "{w:?}");
    d
}

fn assert_same_files(a: &Path, b: &Path, rels: &[&str]) {
    for rel in rels {
        assert_eq!(
            read(a, rel),
            read(b, rel),
            "{rel} differs between the patched and the --write tree"
        );
    }
}

const FIDELITY_FILES: &[&str] = &[
    "plain/nixpacks.toml",
    "crlf/nixpacks.toml",
    "bom/nixpacks.toml",
    "no-final-newline/nixpacks.toml",
    "all-three/nixpacks.toml",
    "rail/railway.json",
    "rail-toml/railway.toml",
    "json/nixpacks.json",
    "clean/nixpacks.toml",
    "node/nixpacks.toml",
    "README.md",
];

#[test]
fn dry_run_diff_applies_with_git_apply_and_equals_write() {
    if !has_tool("git") {
        skip(
            "dry_run_diff_applies_with_git_apply_and_equals_write",
            "git not found",
        );
        return;
    }
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    fidelity_tree(r);
    git(r, &["init", "-q", "."]);
    git(r, &["add", "-A"]);
    git(r, &["commit", "-q", "-m", "fixtures"]);
    let dry = nf(r, &[]);
    assert_eq!(dry.code, 1, "{dry:?}");
    assert_eq!(diff_files(&dry.stdout).len(), 8, "{}", dry.stdout);
    let pd = tempfile::tempdir().unwrap();
    let patch = pd.path().join("nixfix.patch");
    fs::write(&patch, &dry.out).unwrap();
    let patch_s = patch.to_str().unwrap();
    git(r, &["apply", "--check", patch_s]);
    git(r, &["apply", patch_s]);
    let w = written_tree();
    assert_same_files(r, w.path(), FIDELITY_FILES);
    // CRLF, BOM and the missing final newline survived.
    let crlf = read_s(r, "crlf/nixpacks.toml");
    assert!(!crlf.replace("\r\n", "").contains('\n'), "{crlf:?}");
    assert!(read_s(r, "bom/nixpacks.toml").starts_with('\u{feff}'));
    assert!(!read_s(r, "no-final-newline/nixpacks.toml").ends_with('\n'));
    let all = read_s(r, "all-three/nixpacks.toml");
    assert!(
        all.starts_with('\u{feff}') && !all.ends_with('\n'),
        "{all:?}"
    );
    assert_seed_fixed(&all);
    // And nixfix agrees there is nothing left to do.
    let again = nf(r, &[]);
    assert_eq!((again.code, again.stdout.as_str()), (0, ""), "{again:?}");
}

#[test]
fn dry_run_diff_applies_with_patch_p1_and_equals_write() {
    if !has_tool("patch") {
        skip(
            "dry_run_diff_applies_with_patch_p1_and_equals_write",
            "patch not found",
        );
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    fidelity_tree(r);
    let dry = nf(r, &[]);
    assert_eq!(dry.code, 1, "{dry:?}");
    let o = patch_p1(r, &dry.out);
    assert!(
        o.status.success(),
        "patch -p1 failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let w = written_tree();
    assert_same_files(r, w.path(), FIDELITY_FILES);
}

#[test]
fn diff_for_a_path_with_a_space_applies_with_patch_p1() {
    if !has_tool("patch") || !has_tool("git") {
        skip(
            "diff_for_a_path_with_a_space_applies_with_patch_p1",
            "patch or git not found",
        );
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "my service/nixpacks.toml", FIXABLE);
    let want = filtered(r, "my service/nixpacks.toml", FIXABLE.as_bytes());
    let dry = nf(r, &[]);
    assert_eq!(dry.code, 1, "{dry:?}");
    let o = patch_p1(r, &dry.out);
    assert!(
        o.status.success(),
        "patch -p1 failed: {}{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
        dry.stdout
    );
    assert_eq!(read(r, "my service/nixpacks.toml"), want);
}

#[test]
fn overlapping_roots_fix_each_file_once() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "svc/nixpacks.toml", FIXABLE);
    let dry = nf(r, &[".", "svc", "svc/nixpacks.toml", "./svc/nixpacks.toml"]);
    assert_eq!(dry.code, 1, "{dry:?}");
    assert_eq!(
        diff_files(&dry.stdout),
        ["svc/nixpacks.toml"],
        "{}",
        dry.stdout
    );
    let json = json_lines(&nf(r, &["--format", "json", ".", "svc"]).stdout);
    assert_eq!(json.len(), 2, "one file record and the summary: {json:?}");
    assert!(
        summary_line(&dry.stderr).starts_with("1 file to fix"),
        "{}",
        dry.stderr
    );
}

// ---------------------------------------------------------------------------
// Idempotence and untouched files
// ---------------------------------------------------------------------------

#[test]
fn second_write_changes_no_bytes_and_no_mtime() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    fidelity_tree(r);
    let first = nf(r, &["--write"]);
    assert_eq!(first.code, 0, "{first:?}");
    let snaps: Vec<_> = FIDELITY_FILES
        .iter()
        .map(|rel| (r.join(rel), snapshot(&r.join(rel))))
        .collect();
    let dry = nf(r, &[]);
    assert_eq!((dry.code, dry.stdout.as_str()), (0, ""), "{dry:?}");
    let check = nf(r, &["--check"]);
    assert_eq!((check.code, check.stdout.as_str()), (0, ""), "{check:?}");
    let second = nf(r, &["--write"]);
    assert_eq!((second.code, second.stdout.as_str()), (0, ""), "{second:?}");
    assert!(
        summary_line(&second.stderr).starts_with("0 files fixed"),
        "{}",
        second.stderr
    );
    for (p, s) in &snaps {
        assert_untouched(p, s);
    }
}

#[test]
fn write_never_touches_files_with_nothing_to_fix() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "fix/nixpacks.toml", FIXABLE);
    let untouched = [
        // Clean Python and non-Python configs.
        write(r, "clean/nixpacks.toml", CLEAN_PY),
        write(r, "node/nixpacks.toml", CLEAN_NODE),
        write(
            r,
            "clean-crlf/nixpacks.toml",
            CLEAN_PY.replace('\n', "\r\n"),
        ),
        write(
            r,
            "rail/railway.toml",
            "[build]\nbuilder = \"NIXPACKS\"\nbuildCommand = \"npm run build\"\n",
        ),
        write(
            r,
            "rail/railway.json",
            "{\"deploy\": {\"startCommand\": \"x\"}}",
        ),
        // Files that are not configs, even with the text of one.
        write(r, "fix/requirements.txt", "flask\n"),
        write(r, "fix/pyproject.toml", FIXABLE),
        write(r, "fix/nixpacks.toml.bak", FIXABLE),
        write(r, "fix/Nixpacks.toml", FIXABLE),
        write(r, "fix/build.sh", "python3 -m ensurepip\n"),
    ];
    let snaps: Vec<_> = untouched.iter().map(|p| snapshot(p)).collect();
    let w = nf(r, &["--write"]);
    assert_eq!(w.code, 0, "{w:?}");
    assert_seed_fixed(&read_s(r, "fix/nixpacks.toml"));
    for (p, s) in untouched.iter().zip(&snaps) {
        assert_untouched(p, s);
    }
    assert!(
        summary_line(&w.stderr).contains("(6 files checked)"),
        "only the six configs are checked: {}",
        w.stderr
    );
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// The stderr line for `path`'s error carries `path:LINE:COL: ...error...`.
fn assert_error_at(stderr: &str, path: &str, line: usize) {
    let prefix = format!("{path}:{line}:");
    let l = stderr
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no `{prefix}COL:` error line in:\n{stderr}"));
    let rest = &l[prefix.len()..];
    let (col, msg) = rest.split_once(':').unwrap();
    let col: usize = col.parse().unwrap_or_else(|_| panic!("no column in {l:?}"));
    assert!(col >= 1, "{l}");
    assert!(msg.contains("error"), "{l}");
}

#[test]
fn errors_name_the_file_and_position_and_do_not_stop_the_others() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let bad_toml = write(r, "a-bad/nixpacks.toml", BAD_TOML);
    let bad_json = write(r, "b-bad/nixpacks.json", BAD_JSON);
    write(r, "c-good/nixpacks.toml", FIXABLE);
    write(r, "d-good/railway.json", FIXABLE_RAILWAY_JSON);
    let s1 = snapshot(&bad_toml);
    let s2 = snapshot(&bad_json);
    let w = nf(r, &["--write"]);
    assert_eq!(w.code, 2, "{w:?}");
    assert_error_at(&w.stderr, "a-bad/nixpacks.toml", 1);
    assert_error_at(&w.stderr, "b-bad/nixpacks.json", 3);
    assert!(w.stderr.contains("TOML"), "{}", w.stderr);
    assert!(w.stderr.contains("JSON"), "{}", w.stderr);
    assert!(
        summary_line(&w.stderr)
            .starts_with("2 files fixed, 0 warnings, 2 errors (4 files checked)"),
        "{}",
        w.stderr
    );
    assert_seed_fixed(&read_s(r, "c-good/nixpacks.toml"));
    assert!(!read_s(r, "d-good/railway.json").contains("ensurepip"));
    assert_untouched(&bad_toml, &s1);
    assert_untouched(&bad_json, &s2);
}

// ---------------------------------------------------------------------------
// Standard input
// ---------------------------------------------------------------------------

#[test]
fn stdin_filter_is_byte_exact_with_crlf_bom_and_no_final_newline() {
    let d = tempfile::tempdir().unwrap();
    let input = format!("\u{feff}{}", FIXABLE.replace('\n', "\r\n").trim_end());
    let r = nf_stdin(d.path(), &["-"], input.as_bytes());
    assert_eq!(r.code, 0, "{r:?}");
    let out = String::from_utf8(r.out.clone()).unwrap();
    assert!(out.starts_with("\u{feff}# service a\r\n"), "{out:?}");
    assert!(!out.ends_with('\n'), "{out:?}");
    assert!(
        !out.replace("\r\n", "").contains('\n'),
        "bare LF in {out:?}"
    );
    assert_seed_fixed(&out);
    // Exactly the lines a fix needs changed: the same as --write on a file
    // (of a Python app: standard input assumes the Python provider).
    write(d.path(), "svc/nixpacks.toml", &input);
    write(d.path(), "svc/requirements.txt", "flask\n");
    assert_eq!(nf(d.path(), &["--write"]).code, 0);
    assert_eq!(read(d.path(), "svc/nixpacks.toml"), r.out);
    // Colour never reaches the filter's output.
    let c = nf_stdin(d.path(), &["--color", "always", "-"], input.as_bytes());
    assert_eq!(c.out, r.out);
}

#[test]
fn stdin_clean_input_is_echoed_exactly_with_exit_0() {
    let d = tempfile::tempdir().unwrap();
    for input in [
        CLEAN_PY.to_string(),
        CLEAN_NODE.replace('\n', "\r\n"),
        format!("\u{feff}{}", CLEAN_PY.trim_end()),
        String::new(),
    ] {
        let r = nf_stdin(d.path(), &["-"], input.as_bytes());
        assert_eq!(r.code, 0, "{r:?}");
        assert_eq!(r.out, input.as_bytes());
        let c = nf_stdin(d.path(), &["--check", "-"], input.as_bytes());
        assert_eq!((c.code, c.stdout.as_str()), (0, ""), "{c:?}");
    }
}

#[test]
fn stdin_check_exits_1_when_something_would_change() {
    let d = tempfile::tempdir().unwrap();
    let r = nf_stdin(d.path(), &["--check", "-"], FIXABLE.as_bytes());
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        !r.stdout.contains("[phases.setup]"),
        "no fixed text: {}",
        r.stdout
    );
    assert!(r.stdout.contains("NF001"), "{}", r.stdout);
}

#[test]
fn stdin_check_has_no_colour_when_piped() {
    let d = tempfile::tempdir().unwrap();
    let r = nf_stdin(d.path(), &["--check", "-"], FIXABLE.as_bytes());
    assert_eq!(r.code, 1, "{r:?}");
    assert!(!r.stdout.contains('\x1b'), "{:?}", r.stdout);
    assert!(!r.stderr.contains('\x1b'), "{:?}", r.stderr);
    let never = nf_stdin(
        d.path(),
        &["--check", "--color", "never", "-"],
        FIXABLE.as_bytes(),
    );
    assert!(!never.stdout.contains('\x1b'), "{:?}", never.stdout);
    // The same lines as `--check` on a file of that name.
    write(d.path(), "nixpacks.toml", FIXABLE);
    let file = nf(d.path(), &["--check", "nixpacks.toml"]);
    let named = nf_stdin(
        d.path(),
        &["--check", "--stdin-filename", "nixpacks.toml", "-"],
        FIXABLE.as_bytes(),
    );
    assert_eq!(named.stdout, file.stdout);
}

#[test]
fn stdin_filename_picks_the_kind_and_the_pinned_python() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    // The same JSON as a Railway file: the plan lives under build.nixpacksPlan.
    let j = nf_stdin(
        r,
        &["--stdin-filename", "railway.json", "--format", "json", "-"],
        FIXABLE_RAILWAY_JSON.as_bytes(),
    );
    let recs = json_lines(&j.stdout);
    assert_eq!(recs[0]["kind"], "railway.json", "{}", j.stdout);
    assert_eq!(recs[0]["status"], "fixed", "{}", j.stdout);
    // A top-level `phases` in a file named railway.json is not a plan...
    let plan = r#"{"phases": {"install": {"cmds": ["python3 -m ensurepip"]}}}"#;
    let as_railway = nf_stdin(
        r,
        &["--stdin-filename", "railway.json", "-"],
        plan.as_bytes(),
    );
    assert_eq!(as_railway.code, 0, "{as_railway:?}");
    assert_eq!(as_railway.stdout, plan);
    // ...but it is in nixpacks.json.
    let as_nixpacks = nf_stdin(
        r,
        &["--stdin-filename", "nixpacks.json", "-"],
        plan.as_bytes(),
    );
    assert_eq!(as_nixpacks.code, 0, "{as_nixpacks:?}");
    assert!(
        !as_nixpacks.stdout.contains("ensurepip"),
        "{}",
        as_nixpacks.stdout
    );
    // And TOML text named railway.toml is read as TOML.
    let rt = "[build.nixpacksPlan.phases.install]\ncmds = [\"python3 -m ensurepip\", \"python3 -m pip install -r requirements.txt\"]\n";
    let t = nf_stdin(
        r,
        &["--stdin-filename", "svc/railway.toml", "-"],
        rt.as_bytes(),
    );
    assert_eq!(t.code, 0, "{t:?}");
    assert!(!t.stdout.contains("ensurepip"), "{}", t.stdout);
    // The directory of the name is where the pinned Python is read.
    write(r, "pinned/.python-version", "3.12\n");
    let unpinned = "[phases.install]\ncmds = [\"python -m ensurepip\", \"python -m pip install -r requirements.txt\"]\n";
    let p = nf_stdin(
        r,
        &["--stdin-filename", "pinned/nixpacks.toml", "-"],
        unpinned.as_bytes(),
    );
    assert!(p.stdout.contains("python312Packages.pip"), "{p:?}");
    let u = nf_stdin(r, &["-"], unpinned.as_bytes());
    assert!(!u.stdout.contains("python312"), "{u:?}");
}

#[test]
fn stdin_cannot_be_mixed_with_paths() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a/nixpacks.toml", FIXABLE);
    let r = nf_stdin(d.path(), &["-", "a"], FIXABLE.as_bytes());
    assert_eq!(r.code, 2, "{r:?}");
    assert_eq!(r.stdout, "");
    assert!(r.stderr.contains('-'), "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// Machine output
// ---------------------------------------------------------------------------

fn check_json_record(o: &serde_json::Value) {
    let m = o
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {o}"));
    assert!(m["path"].is_string(), "{o}");
    assert!(m["kind"].is_string() || m["kind"].is_null(), "{o}");
    let status = m["status"].as_str().unwrap();
    assert!(
        ["fixed", "pending", "unchanged", "error"].contains(&status),
        "{o}"
    );
    assert_eq!(m["version"], 2, "{o}");
    assert!(m["written"].is_boolean(), "{o}");
    for f in m["findings"].as_array().unwrap() {
        assert!(f["code"].as_str().unwrap().starts_with("NF"), "{f}");
        assert!(f["message"].is_string(), "{f}");
        assert!(f["line"].as_u64().unwrap() >= 1, "{f}");
        assert!(f["column"].as_u64().unwrap() >= 1, "{f}");
        assert!(f["fixed"].is_boolean(), "{f}");
        let level = f["level"].as_str().unwrap();
        assert!(["fix", "error", "warning"].contains(&level), "{f}");
        assert_eq!(level == "fix", f["fixed"] == true, "{f}");
        for k in ["before", "after"] {
            assert!(f.get(k).is_none_or(|v| v.is_string()), "{f}");
        }
    }
    match status {
        "error" => assert!(m.contains_key("error"), "{o}"),
        _ => assert!(!m.contains_key("error"), "{o}"),
    }
}

#[test]
fn json_format_one_record_per_file_then_a_summary() {
    let d = monorepo();
    let r = d.path();
    write(r, "zz-bad/nixpacks.toml", BAD_TOML);
    let run = nf(r, &["--format", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    let recs = json_lines(&run.stdout);
    assert_eq!(recs.len(), 6, "{}", run.stdout);
    let (summary, files) = recs.split_last().unwrap();
    for o in files {
        check_json_record(o);
    }
    let by_path = |p: &str| {
        files
            .iter()
            .find(|o| o["path"] == p)
            .unwrap_or_else(|| panic!("no record for {p}: {}", run.stdout))
    };
    let api = by_path("services/api/nixpacks.toml");
    assert_eq!(api["kind"], "nixpacks.toml");
    assert_eq!(api["status"], "pending", "a dry run writes nothing");
    assert_eq!(api["written"], false);
    let codes: Vec<&str> = api["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    for c in ["NF001", "NF002", "NF003"] {
        assert!(codes.contains(&c), "{codes:?}");
    }
    let nf001 = api["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "NF001")
        .unwrap();
    assert_eq!(nf001["line"], 7);
    assert_eq!(nf001["fixed"], true);
    assert_eq!(nf001["before"], "python3.11 -m ensurepip --upgrade");
    assert!(
        api["diff"]
            .as_str()
            .unwrap()
            .starts_with("--- a/services/api/nixpacks.toml\n+++ b/services/api/nixpacks.toml\n")
    );
    assert_eq!(
        by_path("services/worker/railway.json")["kind"],
        "railway.json"
    );
    let clean = by_path("web/nixpacks.toml");
    assert_eq!(clean["status"], "unchanged");
    assert!(clean.get("diff").is_none(), "{clean}");
    let bad = by_path("zz-bad/nixpacks.toml");
    assert_eq!(bad["status"], "error");
    let err = &bad["error"];
    let msg = err
        .as_str()
        .or_else(|| err["message"].as_str())
        .unwrap_or_else(|| panic!("error has no message: {bad}"));
    assert!(msg.contains("TOML"), "{bad}");
    assert_eq!(err["line"], 1, "{bad}");
    assert!(err["column"].as_u64().is_some(), "{bad}");
    // The summary.
    let s = &summary["summary"];
    assert_eq!(s["files"], 5, "{summary}");
    assert_eq!(s["fixed"], 2, "{summary}");
    assert_eq!(s["unchanged"], 2, "{summary}");
    assert_eq!(s["errors"], 1, "{summary}");
    // JSON output keeps stderr free of the summary.
    assert!(!run.stderr.contains("files checked"), "{}", run.stderr);

    // Under --write, `written` says what was written.
    let w = nf(r, &["--format", "json", "--write"]);
    let recs = json_lines(&w.stdout);
    let api = recs
        .iter()
        .find(|o| o["path"] == "services/api/nixpacks.toml")
        .unwrap();
    assert_eq!(api["written"], true, "{api}");
    assert_eq!(api["status"], "fixed", "{api}");
    for o in &recs[..recs.len() - 1] {
        check_json_record(o);
        if o["status"] != "fixed" {
            assert_eq!(o["written"], false, "{o}");
        }
    }
}

#[test]
fn github_format_prints_annotations_only() {
    let d = monorepo();
    let r = d.path();
    write(r, "bad/nixpacks.toml", BAD_TOML);
    // Two Pythons: nixfix cannot tell which pip to add, so that is left
    // for a hand fix (an error: the build fails as it is).
    write(
        r,
        "two-pythons/nixpacks.toml",
        "[phases.setup]\nnixPkgs = [\"python311\", \"python312\"]\n\n[phases.install]\ncmds = [\"pip install -r requirements.txt\"]\n",
    );
    let run = nf(r, &["--format", "github"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(!run.stdout.is_empty());
    for l in run.stdout.lines() {
        assert!(
            l.starts_with("::error file=") || l.starts_with("::warning file="),
            "{l}"
        );
    }
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("::error file=bad/nixpacks.toml,line=1,")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.lines().any(|l| l
            .starts_with("::error file=services/api/nixpacks.toml,line=7,")
            && l.contains("NF001")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("::error file=two-pythons/nixpacks.toml,")),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

#[test]
fn select_runs_only_the_chosen_rules() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "svc/nixpacks.toml", FIXABLE);
    for sel in ["NF001", "ensurepip", "nf001"] {
        let run = nf(r, &["--select", sel]);
        assert_eq!(run.code, 1, "{run:?}");
        let removed: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| l.starts_with("-  "))
            .collect();
        assert_eq!(
            removed,
            ["-  \"python3.11 -m ensurepip --upgrade\","],
            "{}",
            run.stdout
        );
        assert!(!run.stdout.contains("Packages.pip"), "{}", run.stdout);
        assert!(
            !run.stdout
                .lines()
                .any(|l| l.starts_with('+') && !l.starts_with("+++")),
            "only removals: {}",
            run.stdout
        );
    }
    let w = nf(r, &["--select", "NF001", "--write"]);
    assert_eq!(w.code, 0, "{w:?}");
    let t = read_s(r, "svc/nixpacks.toml");
    assert!(
        !t.contains("ensurepip") && t.contains("--upgrade pip"),
        "{t}"
    );
}

#[test]
fn ignore_skips_a_rule() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "svc/nixpacks.toml", FIXABLE);
    let run = nf(r, &["--ignore", "NF003"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(!run.stdout.contains("Packages.pip"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("-  \"python3.11 -m ensurepip --upgrade\",")
    );
    assert!(
        run.stdout
            .contains("-  \"python3.11 -m pip install --upgrade pip\",")
    );
    // Comma lists; selecting and ignoring the same rules leaves nothing to do.
    let all = nf(r, &["--select", "NF001,NF002", "--ignore", "NF001,NF002"]);
    assert_eq!((all.code, all.stdout.as_str()), (0, ""), "{all:?}");
}

#[test]
fn unknown_rule_code_exits_2_and_touches_nothing() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let p = write(r, "svc/nixpacks.toml", FIXABLE);
    let snap = snapshot(&p);
    for args in [
        &["--select", "NF999", "--write"][..],
        &["--ignore", "NF999", "--write"],
        &["--select", "NF001,bogus", "--write"],
    ] {
        let run = nf(r, args);
        assert_eq!(run.code, 2, "{args:?}: {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        let bad = args[1].split(',').next_back().unwrap();
        assert!(run.stderr.contains(bad), "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("unknown rule"), "{}", run.stderr);
        assert_untouched(&p, &snap);
    }
}

#[test]
fn rules_lists_every_rule() {
    let d = tempfile::tempdir().unwrap();
    let run = nf(d.path(), &["rules"]);
    assert_eq!(run.code, 0, "{run:?}");
    for (code, name) in [
        ("NF001", "ensurepip"),
        ("NF002", "pip-self-upgrade"),
        ("NF003", "missing-nix-pip"),
        ("NF004", "ignored-key"),
    ] {
        let line = run
            .stdout
            .lines()
            .find(|l| l.starts_with(code))
            .unwrap_or_else(|| panic!("{code} not listed: {}", run.stdout));
        assert!(line.contains(name), "{line}");
    }
    let codes: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(codes, sorted, "listed in code order");
}

#[test]
fn rule_explains_by_code_and_by_name() {
    let d = tempfile::tempdir().unwrap();
    let by_code = nf(d.path(), &["rule", "NF002"]);
    assert_eq!(by_code.code, 0, "{by_code:?}");
    assert!(by_code.stdout.contains("NF002"), "{}", by_code.stdout);
    assert!(
        by_code.stdout.contains("pip-self-upgrade"),
        "{}",
        by_code.stdout
    );
    assert!(
        by_code.stdout.lines().count() > 3,
        "an explanation, not a line"
    );
    let by_name = nf(d.path(), &["rule", "pip-self-upgrade"]);
    assert_eq!(by_name.code, 0);
    assert_eq!(by_name.stdout, by_code.stdout);
    let lower = nf(d.path(), &["rule", "nf002"]);
    assert_eq!(lower.stdout, by_code.stdout);
}

#[test]
fn rule_unknown_exits_2() {
    let d = tempfile::tempdir().unwrap();
    let run = nf(d.path(), &["rule", "NF999"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("NF999"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

#[test]
fn files_from_a_file_and_from_stdin() {
    let d = monorepo();
    let r = d.path();
    write(r, "other/nixpacks.toml", FIXABLE);
    // Blank lines and CRLF endings are fine; only the listed files are read.
    write(
        r,
        "list.txt",
        "services/api/nixpacks.toml\r\n\nweb/nixpacks.toml\n",
    );
    let run = nf(r, &["--files-from", "list.txt"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(diff_files(&run.stdout), ["services/api/nixpacks.toml"]);
    assert!(
        summary_line(&run.stderr).contains("(2 files checked)"),
        "{}",
        run.stderr
    );
    let s = nf_stdin(
        r,
        &["--files-from", "-"],
        b"services/worker/railway.json\nother/nixpacks.toml\n",
    );
    assert_eq!(s.code, 1, "{s:?}");
    assert_eq!(
        diff_files(&s.stdout),
        ["services/worker/railway.json", "other/nixpacks.toml"]
    );
    // A directory in the list is walked.
    let dir = nf_stdin(r, &["--files-from", "-", "--check"], b"services\n");
    assert_eq!(dir.code, 1, "{dir:?}");
    assert!(
        summary_line(&dir.stderr).contains("(3 files checked)"),
        "{}",
        dir.stderr
    );
    // A missing list is an error naming it.
    let missing = nf(r, &["--files-from", "nope.txt"]);
    assert_eq!(missing.code, 2, "{missing:?}");
    assert!(missing.stderr.contains("nope.txt"), "{}", missing.stderr);
    // --write through a list writes only the listed files.
    let w = nf(r, &["--files-from", "list.txt", "--write"]);
    assert_eq!(w.code, 0, "{w:?}");
    assert_seed_fixed(&read_s(r, "services/api/nixpacks.toml"));
    assert_eq!(read_s(r, "other/nixpacks.toml"), FIXABLE);
}

#[test]
fn walking_skips_ignored_and_vendored_dirs_and_finds_nested_services() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, ".gitignore", "generated/\n*.local/\n");
    let skipped = [
        "generated/nixpacks.toml",
        "svc/cache.local/nixpacks.toml",
        "node_modules/pkg/nixpacks.toml",
        "web/node_modules/pkg/nixpacks.toml",
        "target/nixpacks.toml",
        "crates/x/target/debug/nixpacks.toml",
        ".git/nixpacks.toml",
        "sub/.git/nixpacks.toml",
    ];
    let found = [
        "apps/api/v2/nixpacks.toml",
        "apps/web/railway.json",
        "nixpacks.toml",
        "services/a/b/c/d/nixpacks.toml",
        "targets/nixpacks.toml",
    ];
    for p in skipped.iter().chain(&found) {
        if p.ends_with(".json") {
            write(r, p, FIXABLE_RAILWAY_JSON);
        } else {
            write(r, p, FIXABLE);
        }
    }
    let snaps: Vec<_> = skipped.iter().map(|p| snapshot(&r.join(p))).collect();
    let run = nf(r, &[]);
    assert_eq!(run.code, 1, "{run:?}");
    let mut want: Vec<&str> = found.to_vec();
    want.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    assert_eq!(diff_files(&run.stdout), want, "{}", run.stdout);
    // --hidden does not bring back .git.
    let hidden = nf(r, &["--hidden"]);
    assert_eq!(diff_files(&hidden.stdout), want, "{}", hidden.stdout);
    // --no-ignore brings back the .gitignored ones, never the vendored ones.
    let no_ignore = nf(r, &["--no-ignore"]);
    let got = diff_files(&no_ignore.stdout);
    assert!(
        got.contains(&"generated/nixpacks.toml".to_string()),
        "{got:?}"
    );
    assert!(
        !got.iter()
            .any(|p| p.contains("node_modules") || p.contains("target/")),
        "{got:?}"
    );
    // --write leaves the skipped ones alone.
    assert_eq!(nf(r, &["--write"]).code, 0);
    for (p, s) in skipped.iter().zip(&snaps) {
        assert_untouched(&r.join(p), s);
    }
    for p in &found {
        assert!(!read_s(r, p).contains("ensurepip"), "{p} not fixed");
    }
}

/// Output past nixfix's in-memory budget is sorted on disk in runs and
/// merged back: the same bytes, in path order, whatever the threads.
#[test]
fn output_larger_than_memory_budget_is_still_sorted_and_complete() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let n = 1200;
    for i in 0..n {
        // Unpadded numbers: path order is not creation order.
        let text = if i % 3 == 0 { CLEAN_PY } else { FIXABLE };
        write(r, &format!("svc{i}/nixpacks.toml"), text);
    }
    let j1 = nf(r, &["-j1"]);
    let j4 = nf(r, &["-j4"]);
    assert_eq!(j1.code, 1, "{j1:?}");
    // Several runs' worth (rendered output weighs a little more than this).
    let budget = nixfix::HOLD_BUDGET;
    assert!(j1.stdout.len() > 2 * budget, "{} bytes", j1.stdout.len());
    assert_eq!(j1.stdout, j4.stdout);
    let got = diff_files(&j1.stdout);
    assert_eq!(got.len(), n - n / 3);
    let mut sorted = got.clone();
    sorted.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    assert_eq!(got, sorted);
    let check = nf(r, &["--check", "-j4"]);
    assert_eq!(check.stdout, nf(r, &["--check", "-j1"]).stdout);
    let json = nf(r, &["--format", "json", "-j4"]);
    assert_eq!(json_lines(&json.stdout).len(), n + 1);
}

#[test]
fn output_is_sorted_by_path_and_the_same_for_any_number_of_jobs() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let mut names = vec![
        "a/nixpacks.toml".to_string(),
        "a-b/nixpacks.toml".into(),
        "a/b/nixpacks.toml".into(),
        "B/nixpacks.toml".into(),
        "z/railway.json".into(),
        "z/nixpacks.toml".into(),
    ];
    for i in (0..60).rev() {
        names.push(format!("svc{i}/nixpacks.toml"));
    }
    for (i, n) in names.iter().enumerate() {
        if n.ends_with(".json") {
            write(r, n, FIXABLE_RAILWAY_JSON);
        } else if i % 5 == 0 {
            write(r, n, CLEAN_PY);
        } else {
            write(r, n, FIXABLE);
        }
    }
    let j1 = nf(r, &["-j1"]);
    let j4 = nf(r, &["-j4"]);
    let j16 = nf(r, &["--jobs", "16"]);
    assert_eq!(j1.code, 1);
    assert_eq!(j1.stdout, j4.stdout);
    assert_eq!(j1.stdout, j16.stdout);
    let got = diff_files(&j1.stdout);
    let mut sorted = got.clone();
    sorted.sort_by(|a, b| Path::new(a).cmp(Path::new(b)));
    assert_eq!(got, sorted);
    // JSON lists every file, in path order, whatever the threads.
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("{\"summary\""))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let a = nf(r, &["-j1", "--format", "json"]);
    let b = nf(r, &["-j4", "--format", "json"]);
    assert_eq!(strip(&a.stdout), strip(&b.stdout));
    let paths: Vec<String> = json_lines(&a.stdout)
        .iter()
        .filter_map(|o| o["path"].as_str().map(str::to_string))
        .collect();
    let mut want = names.clone();
    want.sort_by(|x, y| Path::new(x).cmp(Path::new(y)));
    assert_eq!(paths, want);
    let c1 = nf(r, &["-j1", "--check"]);
    let c4 = nf(r, &["-j4", "--check"]);
    assert_eq!(c1.stdout, c4.stdout);
}

#[test]
fn missing_path_is_an_error_but_the_others_are_still_fixed() {
    let d = monorepo();
    let r = d.path();
    let run = nf(r, &["--write", "services", "no/such/dir"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("no/such/dir") && l.contains("error")),
        "{}",
        run.stderr
    );
    assert_seed_fixed(&read_s(r, "services/api/nixpacks.toml"));
}

// ---------------------------------------------------------------------------
// Colour and the summary
// ---------------------------------------------------------------------------

#[test]
fn no_colour_when_not_a_terminal() {
    let d = monorepo();
    let r = d.path();
    write(r, "bad/nixpacks.toml", BAD_TOML);
    for args in [
        &[][..],
        &["--check"],
        &["--color", "auto"],
        &["--color", "never"],
    ] {
        let run = nf(r, args);
        assert!(!run.stdout.contains('\x1b'), "{args:?}: {:?}", run.stdout);
        assert!(!run.stderr.contains('\x1b'), "{args:?}: {:?}", run.stderr);
    }
    let never = run(nixfix(r)
        .args(["--color", "never"])
        .env("CLICOLOR_FORCE", "1"));
    assert!(
        !never.stdout.contains('\x1b'),
        "--color never wins over CLICOLOR_FORCE"
    );
}

#[test]
fn color_always_paints_the_diff() {
    let d = monorepo();
    let r = d.path();
    let plain = nf(r, &[]);
    let color = nf(r, &["--color", "always"]);
    assert_eq!(color.code, 1);
    assert!(color.stdout.contains("\x1b["), "{:?}", color.stdout);
    assert_eq!(strip_ansi(&color.stdout), plain.stdout);
    // Removed lines are red, added lines green.
    assert!(
        color
            .stdout
            .lines()
            .any(|l| l.starts_with("\x1b[31m-") || l.starts_with("\x1b[0;31m-")),
        "{:?}",
        color.stdout
    );
}

#[test]
fn summary_line_on_stderr() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "a/nixpacks.toml", FIXABLE);
    write(r, "b/nixpacks.toml", CLEAN_PY);
    write(r, "c/nixpacks.toml", CLEAN_NODE);
    let dry = nf(r, &[]);
    let s = summary_line(&dry.stderr);
    assert!(
        s.starts_with("1 file to fix, 0 warnings, 0 errors (3 files checked) in "),
        "{s}"
    );
    assert!(s.ends_with(" s"), "{s}");
    assert!(
        !dry.stdout.contains("files checked"),
        "the summary is not on stdout"
    );
    let check = nf(r, &["--check"]);
    assert!(
        summary_line(&check.stderr)
            .starts_with("1 file to fix, 0 warnings, 0 errors (3 files checked) in "),
        "{}",
        check.stderr
    );
    let quiet = nf(r, &["--quiet"]);
    assert_eq!(quiet.code, 1);
    assert!(!quiet.stderr.contains("checked"), "{}", quiet.stderr);
    assert_eq!(quiet.stdout, dry.stdout);
    let w = nf(r, &["--write"]);
    let s = summary_line(&w.stderr);
    assert!(
        s.starts_with("1 file fixed, 0 warnings, 0 errors (3 files checked) in "),
        "{s}"
    );
    // Nothing found at all.
    let e = tempfile::tempdir().unwrap();
    write(e.path(), "README.md", "hi\n");
    let none = nf(e.path(), &[]);
    assert_eq!(none.code, 0, "{none:?}");
    assert!(
        none.stderr.contains("no Nixpacks or Railway config found"),
        "{}",
        none.stderr
    );
}

/// Railway's `build.nixpacksConfigPath` names a config to fix whatever its
/// name; one escaping the walked root is reported and not followed; a
/// nixpacks.json beside a nixpacks.toml is noted (Nixpacks reads the TOML).
#[test]
fn railway_config_path_and_shadowed_json() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let bad = "[phases.install]\ncmds = ['python -m ensurepip', 'pip install -r r.txt']\n";
    write(
        r,
        "svc/railway.toml",
        "[build]\nbuilder = \"NIXPACKS\"\nnixpacksConfigPath = \"config/nixpacks.prod.toml\"\n",
    );
    write(r, "svc/config/nixpacks.prod.toml", bad);
    write(
        r,
        "out/railway.json",
        "{\"build\": {\"nixpacksConfigPath\": \"../../elsewhere.toml\"}}\n",
    );
    write(r, "both/nixpacks.toml", "");
    write(r, "both/nixpacks.json", "{}\n");
    let outside = r.parent().unwrap().join("elsewhere.toml");
    let outside_existed = outside.exists();
    let run = nf(r, &["--write"]);
    assert_eq!(run.code, 0, "{run:?}");
    let fixed = read_s(r, "svc/config/nixpacks.prod.toml");
    assert!(
        !fixed.contains("ensurepip") && fixed.contains("python3Packages.pip"),
        "{fixed}"
    );
    assert!(run.stderr.contains("out/railway.json:1:1: nixfix warning: build.nixpacksConfigPath names `../../elsewhere.toml`"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "both/nixpacks.json:1:1: nixfix warning: nixpacks.toml is in the same directory"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(outside.exists(), outside_existed);
    // Named twice (by the walk and by the Railway file), fixed once.
    write(
        r,
        "svc2/railway.json",
        "{\"build\": {\"nixpacksConfigPath\": \"nixpacks.toml\"}}\n",
    );
    write(r, "svc2/nixpacks.toml", bad);
    write(r, "svc2/requirements.txt", "flask\n");
    let run = nf(r, &["--check"]);
    assert_eq!(run.code, 1, "{run:?}");
    // Three findings (NF003, NF001, NF006), each once.
    assert_eq!(
        run.stdout.matches("svc2/nixpacks.toml:").count(),
        3,
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("(7 files checked)"), "{}", run.stderr);
}

/// A long run shows a progress line on a terminal and clears it; piped, the
/// same run writes nothing but the summary to stderr. The terminal is a
/// pseudo-terminal from util-linux `script`; the test is skipped without it.
#[cfg(target_os = "linux")]
#[test]
fn progress_only_on_a_terminal() {
    let script = Path::new("/usr/bin/script");
    if !script.exists() {
        skip(
            "progress_only_on_a_terminal",
            "no /usr/bin/script to provide a terminal",
        );
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    // Past the 2,000 configs after which the progress line appears.
    for i in 0..4000 {
        write(r, &format!("s{i}/nixpacks.toml"), CLEAN_PY);
    }
    let piped = nf(r, &["--check"]);
    assert_eq!(piped.code, 0, "{piped:?}");
    assert_eq!(piped.stderr.lines().count(), 1, "{}", piped.stderr);
    assert!(!piped.stderr.contains('\x1b'), "{:?}", piped.stderr);
    // What a terminal shows of `nixfix ARGS` (a minute at most: a hang fails).
    let on_tty = |args: &str| {
        let bin = env!("CARGO_BIN_EXE_nixfix");
        let out = std::process::Command::new(script)
            .args(["-qec", &format!("timeout 60 {bin} {args}"), "/dev/null"])
            .current_dir(r)
            .output()
            .unwrap();
        let tty = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success(), "{tty}");
        tty
    };
    let tty = on_tty("--check --color never .");
    assert!(tty.contains(" configs "), "no progress line: {tty:?}");
    assert!(
        tty.contains("\x1b[2K"),
        "the progress line is not cleared: {tty:?}"
    );
    assert!(
        tty.contains("0 files to fix, 0 warnings, 0 errors (4000 files checked)"),
        "{tty:?}"
    );
    // A list of paths (the other driver) shows its bar the same way.
    let list: String = (0..4000).map(|i| format!("s{i}/nixpacks.toml\n")).collect();
    write(r, "list.txt", list);
    let tty = on_tty("--check --color never --files-from list.txt");
    assert!(tty.contains("/4000 configs"), "no progress bar: {tty:?}");
    assert!(tty.contains("(4000 files checked)"), "{tty:?}");
}
