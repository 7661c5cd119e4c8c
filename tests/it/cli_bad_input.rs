//! Bad input, through the real binary: every case names the file on
//! stderr (with line and column for parse errors), exits 2, leaves the bad
//! file's bytes and mtime alone, and does not stop a fixable config in a
//! sibling directory from being fixed under `--write`. Plus a SIGKILL test
//! of the atomic writes.

use crate::common::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn read_s(p: &Path) -> String {
    String::from_utf8(fs::read(p).unwrap()).unwrap()
}

fn mtime(p: &Path) -> SystemTime {
    fs::metadata(p).unwrap().modified().unwrap()
}

/// Give the file an old mtime and remember its bytes and mtime.
fn snapshot(p: &Path) -> (Vec<u8>, SystemTime) {
    let t = SystemTime::now() - Duration::from_secs(3 * 24 * 3600);
    fs::File::open(p).unwrap().set_modified(t).unwrap();
    (fs::read(p).unwrap(), mtime(p))
}

fn assert_untouched(p: &Path, snap: &(Vec<u8>, SystemTime)) {
    assert!(
        fs::read(p).unwrap() == snap.0,
        "{} was modified",
        p.display()
    );
    assert_eq!(mtime(p), snap.1, "{} was rewritten (mtime)", p.display());
}

/// A fixable config: ensurepip and a pip self-upgrade next to python311.
const FIXABLE: &str = r#"[phases.setup]
nixPkgs = ["python311"]

[phases.install]
cmds = [
  "python3.11 -m ensurepip --upgrade",
  "python3.11 -m pip install --upgrade pip",
  "python3.11 -m pip install -r requirements.txt",
]
"#;

/// The good sibling every case carries.
const GOOD: &str = "good/nixpacks.toml";

fn assert_fixed(p: &Path) {
    let t = read_s(p);
    assert!(!t.contains("ensurepip"), "{} not fixed:\n{t}", p.display());
    assert!(
        !t.contains("--upgrade pip"),
        "{} not fixed:\n{t}",
        p.display()
    );
    assert!(
        t.contains("python311Packages.pip"),
        "{} not fixed:\n{t}",
        p.display()
    );
}

/// The stderr line for `path`'s error (`path: error: ...` or
/// `path:L:C: error: ...`).
fn error_line<'a>(stderr: &'a str, path: &str) -> &'a str {
    stderr
        .lines()
        .find(|l| {
            l.strip_prefix(path)
                .is_some_and(|rest| rest.starts_with(':') && l.contains("error"))
        })
        .unwrap_or_else(|| panic!("no error line for {path} in:\n{stderr}"))
}

/// The `(line, column)` of `path`'s error line.
fn error_position(stderr: &str, path: &str) -> (usize, usize) {
    let l = error_line(stderr, path);
    let mut parts = l[path.len() + 1..].splitn(3, ':');
    let line = parts.next().unwrap().parse();
    let col = parts.next().unwrap_or("").parse();
    match (line, col) {
        (Ok(a), Ok(b)) => (a, b),
        _ => panic!("no line:column in {l:?}"),
    }
}

/// A tree with `bad_rel` holding `bytes` and the good sibling.
fn case_tree(bad_rel: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let bad = write(d.path(), bad_rel, bytes);
    write(d.path(), GOOD, FIXABLE);
    (d, bad)
}

/// Run the matrix contract for a file nixfix must refuse: in the dry run,
/// `--check` and `--write`, exit 2 and the file named on stderr; the file
/// untouched; the good sibling fixed by `--write`. Returns the `--write` stderr.
fn assert_refused(bad_rel: &str, bytes: &[u8], must_mention: &[&str]) -> String {
    let (d, bad) = case_tree(bad_rel, bytes);
    let r = d.path();
    let snap = snapshot(&bad);
    let dry = nf(r, &[]);
    assert_eq!(dry.code, 2, "dry run: {dry:?}");
    assert!(
        dry.stdout.contains(&format!("--- a/{GOOD}\n")),
        "the good file's diff is still printed: {}",
        dry.stdout
    );
    assert!(
        !dry.stdout.contains(&format!("a/{bad_rel}")),
        "no diff for the bad file: {}",
        dry.stdout
    );
    let check = nf(r, &["--check"]);
    assert_eq!(check.code, 2, "--check: {check:?}");
    let w = nf(r, &["--write"]);
    assert_eq!(w.code, 2, "--write: {w:?}");
    let line = error_line(&w.stderr, bad_rel);
    for m in must_mention {
        assert!(
            line.to_lowercase().contains(&m.to_lowercase()),
            "{line:?} should mention {m:?}"
        );
    }
    assert!(
        summary_line(&w.stderr).starts_with("1 file fixed, 0 warnings, 1 error"),
        "{}",
        w.stderr
    );
    assert_untouched(&bad, &snap);
    assert_fixed(&r.join(GOOD));
    // Named explicitly, too.
    let explicit = nf(r, &["--write", bad_rel]);
    assert_eq!(explicit.code, 2, "explicit: {explicit:?}");
    error_line(&explicit.stderr, bad_rel);
    assert_untouched(&bad, &snap);
    w.stderr
}

/// `assert_refused` for a parse error, which must carry `line:col`.
fn assert_parse_error(bad_rel: &str, bytes: &[u8], line: usize, must_mention: &[&str]) {
    let stderr = assert_refused(bad_rel, bytes, must_mention);
    let (l, c) = error_position(&stderr, bad_rel);
    assert_eq!(l, line, "wrong line in {stderr}");
    assert!(c >= 1, "{stderr}");
}

/// A file that is valid and has nothing to fix: exit 0 under `--write`
/// (the sibling is fixed), the file untouched, no error.
fn assert_valid_unchanged(bad_rel: &str, bytes: &[u8]) {
    let (d, f) = case_tree(bad_rel, bytes);
    let r = d.path();
    let snap = snapshot(&f);
    let check = nf(r, &["--check", bad_rel]);
    assert_eq!((check.code, check.stdout.as_str()), (0, ""), "{check:?}");
    assert!(!check.stderr.contains("error:"), "{}", check.stderr);
    let w = nf(r, &["--write"]);
    assert_eq!(w.code, 0, "{w:?}");
    assert!(!w.stderr.contains("error:"), "{}", w.stderr);
    assert!(
        summary_line(&w.stderr).starts_with("1 file fixed, 0 warnings, 0 errors (2 files checked)"),
        "{}",
        w.stderr
    );
    assert_untouched(&f, &snap);
    assert_fixed(&r.join(GOOD));
}

fn is_root() -> bool {
    // Without libc: a mode-000 file we can still read means we bypass
    // permission checks (root or CAP_DAC_OVERRIDE).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("probe");
        fs::write(&p, "x").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
        let readable = fs::read(&p).is_ok();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o600)).unwrap();
        readable
    }
    #[cfg(not(unix))]
    {
        false
    }
}

// ---------------------------------------------------------------------------
// Invalid TOML and JSON
// ---------------------------------------------------------------------------

#[test]
fn toml_unclosed_table_header() {
    assert_parse_error(
        "bad/nixpacks.toml",
        b"[phases.setup\nnixPkgs = [\"python311\"]\n",
        1,
        &["TOML"],
    );
}

#[test]
fn toml_duplicate_key() {
    assert_parse_error(
        "bad/nixpacks.toml",
        b"[phases.setup]\nnixPkgs = [\"python311\"]\nnixPkgs = [\"python312\"]\n\n[phases.install]\ncmds = [\"python3.11 -m ensurepip\"]\n",
        3,
        &["TOML", "duplicate"],
    );
}

#[test]
fn toml_duplicate_table() {
    assert_parse_error(
        "bad/railway.toml",
        b"[build]\nbuilder = \"NIXPACKS\"\n\n[build]\nbuildCommand = \"python -m ensurepip\"\n",
        4,
        &["TOML"],
    );
}

/// Nixpacks 1.41 reads TOML 1.0 (`toml` 0.5/0.8): `nixpacks plan` rejects a
/// newline inside an inline table ("expected a table key, found a newline at
/// line 2 column 10"). nixfix must not "fix" a file Nixpacks cannot read.
#[test]
fn toml_multi_line_inline_table() {
    assert_parse_error(
        "bad/nixpacks.toml",
        b"[phases]\nsetup = {\n  nixPkgs = [\"python311\"]\n}\n\n[phases.install]\ncmds = [\"python3.11 -m ensurepip\"]\n",
        2,
        &["TOML"],
    );
}

#[test]
fn json_trailing_comma() {
    assert_parse_error(
        "bad/nixpacks.json",
        b"{\n  \"phases\": {\n    \"install\": {\"cmds\": [\"python3 -m ensurepip\",]}\n  }\n}\n",
        3,
        &["JSON"],
    );
}

#[test]
fn json_line_comment() {
    assert_parse_error(
        "bad/railway.json",
        b"{\n  \"build\": {\n    // the builder\n    \"builder\": \"NIXPACKS\"\n  }\n}\n",
        3,
        &["JSON"],
    );
}

#[test]
fn json_empty_file_is_invalid_json() {
    // Nixpacks rejects an empty nixpacks.json too (serde_json: EOF).
    assert_parse_error("bad/nixpacks.json", b"", 1, &["JSON"]);
}

// ---------------------------------------------------------------------------
// Encodings
// ---------------------------------------------------------------------------

#[test]
fn non_utf8_bytes() {
    assert_parse_error(
        "bad/nixpacks.toml",
        b"[phases.setup]\nnixPkgs = [\"python311\", \"caf\xe9\"]\n[phases.install]\ncmds = [\"python3.11 -m ensurepip\"]\n",
        2,
        &["UTF-8"],
    );
}

#[test]
fn utf16le_with_bom() {
    let text = "[phases.install]\r\ncmds = [\"python3 -m ensurepip\"]\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in text.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    assert_refused("bad/nixpacks.toml", &bytes, &["UTF-16"]);
}

// ---------------------------------------------------------------------------
// Valid files with nothing to fix
// ---------------------------------------------------------------------------

#[test]
fn empty_toml_is_valid_and_unchanged() {
    // An empty nixpacks.toml is valid TOML (Nixpacks accepts it) with nothing to fix.
    assert_valid_unchanged("empty/nixpacks.toml", b"");
}

#[test]
fn comments_only_is_valid_and_unchanged() {
    assert_valid_unchanged(
        "comments/nixpacks.toml",
        b"# python3 -m ensurepip --upgrade\r\n# nixpkgs = [\"pip\"]\r\n#",
    );
}

// ---------------------------------------------------------------------------
// Odd file-system objects
// ---------------------------------------------------------------------------

#[test]
fn directory_named_like_a_config_is_walked_not_read() {
    // Found while walking: skipped silently, its contents walked.
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, GOOD, FIXABLE);
    write(r, "weird/nixpacks.toml/notes.txt", "not a config\n");
    let inner = write(r, "weird/nixpacks.toml/inner/nixpacks.toml", FIXABLE);
    fs::create_dir_all(r.join("empty/railway.json")).unwrap();
    let w = nf(r, &["--write"]);
    assert_eq!(w.code, 0, "{w:?}");
    assert!(!w.stderr.contains("error:"), "{}", w.stderr);
    assert!(
        summary_line(&w.stderr)
            .starts_with("2 files fixed, 0 warnings, 0 errors (2 files checked)"),
        "{}",
        w.stderr
    );
    assert_fixed(&r.join(GOOD));
    assert_fixed(&inner);
    assert!(r.join("weird/nixpacks.toml").is_dir());

    // Named explicitly: a directory to walk, so no error.
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let inner = write(r, "weird/nixpacks.toml/inner/nixpacks.toml", FIXABLE);
    fs::create_dir_all(r.join("empty/railway.json")).unwrap();
    let w = nf(r, &["--write", "weird/nixpacks.toml", "empty/railway.json"]);
    assert_eq!(w.code, 0, "{w:?}");
    assert!(!w.stderr.contains("error:"), "{}", w.stderr);
    assert_fixed(&inner);
}

#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let root = is_root();
    let (d, bad) = case_tree("locked/nixpacks.toml", FIXABLE.as_bytes());
    let r = d.path();
    let snap = snapshot(&bad);
    fs::set_permissions(&bad, fs::Permissions::from_mode(0o000)).unwrap();
    let w = nf(r, &["--write"]);
    let dry = nf(r, &["--check"]);
    fs::set_permissions(&bad, fs::Permissions::from_mode(0o644)).unwrap();
    // Whoever we are, the good sibling is fixed and nothing crashed.
    assert_fixed(&r.join(GOOD));
    assert!(w.code == 0 || w.code == 2, "{w:?}");
    if root {
        eprintln!(
            "running as root: mode 000 does not stop reading; --write exit {}, stderr: {}",
            w.code, w.stderr
        );
        return;
    }
    assert_eq!(w.code, 2, "{w:?}");
    let line = error_line(&w.stderr, "locked/nixpacks.toml");
    assert!(line.contains("permission denied"), "{line}");
    assert_eq!(dry.code, 2, "{dry:?}");
    assert_untouched(&bad, &snap);
}

#[test]
fn path_that_does_not_exist() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, GOOD, FIXABLE);
    let w = nf(
        r,
        &["--write", "missing/nixpacks.toml", "good", "also-missing"],
    );
    assert_eq!(w.code, 2, "{w:?}");
    let l = error_line(&w.stderr, "missing/nixpacks.toml");
    assert!(l.contains("no such file"), "{l}");
    error_line(&w.stderr, "also-missing");
    assert_fixed(&r.join(GOOD));
    assert!(!r.join("missing").exists(), "nothing created");
    // Alone, too.
    let alone = nf(r, &["nope.toml"]);
    assert_eq!(alone.code, 2, "{alone:?}");
    error_line(&alone.stderr, "nope.toml");
}

#[cfg(unix)]
#[test]
fn symlinked_config_inside_the_root_is_fixed_through_the_link() {
    use std::os::unix::fs::symlink;
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, GOOD, FIXABLE);
    // The target's own name is not a config name, so only the link finds it.
    let target = write(r, "shared/python-base.toml", FIXABLE);
    fs::create_dir_all(r.join("svc")).unwrap();
    let link = r.join("svc/nixpacks.toml");
    symlink("../shared/python-base.toml", &link).unwrap();
    let dry = nf(r, &[]);
    assert_eq!(dry.code, 1, "{dry:?}");
    assert!(
        dry.stdout.contains("--- a/svc/nixpacks.toml\n"),
        "{}",
        dry.stdout
    );
    let w = nf(r, &["--write"]);
    assert_eq!(w.code, 0, "{w:?}");
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link stays a link"
    );
    assert_eq!(
        fs::read_link(&link).unwrap(),
        Path::new("../shared/python-base.toml")
    );
    assert_fixed(&target);
    assert_fixed(&r.join(GOOD));
    // No temporary file next to the link or the target.
    for dir in ["svc", "shared"] {
        assert_eq!(fs::read_dir(r.join(dir)).unwrap().count(), 1, "{dir}");
    }
}

#[cfg(unix)]
#[test]
fn symlink_pointing_outside_the_root_is_reported_and_not_followed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let target = write(outside.path(), "nixpacks.toml", FIXABLE);
    let snap = snapshot(&target);
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, GOOD, FIXABLE);
    fs::create_dir_all(r.join("out")).unwrap();
    let link = r.join("out/nixpacks.toml");
    symlink(&target, &link).unwrap();
    for args in [&[][..], &["--write"]] {
        let w = nf(r, args);
        assert_eq!(w.code, 2, "{args:?}: {w:?}");
        let l = error_line(&w.stderr, "out/nixpacks.toml");
        assert!(l.contains("outside"), "{l}");
        assert!(!w.stdout.contains("a/out/nixpacks.toml"), "{}", w.stdout);
    }
    assert_untouched(&target, &snap);
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(fs::read_link(&link).unwrap(), target);
    assert_fixed(&r.join(GOOD));
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_are_reported_without_hanging() {
    use std::os::unix::fs::symlink;
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, GOOD, FIXABLE);
    fs::create_dir_all(r.join("loop")).unwrap();
    fs::create_dir_all(r.join("self")).unwrap();
    fs::create_dir_all(r.join("dangling")).unwrap();
    fs::create_dir_all(r.join("dirloop/sub")).unwrap();
    symlink("nixpacks.json", r.join("loop/nixpacks.toml")).unwrap();
    symlink("nixpacks.toml", r.join("loop/nixpacks.json")).unwrap();
    symlink("nixpacks.toml", r.join("self/nixpacks.toml")).unwrap();
    symlink("gone.toml", r.join("dangling/nixpacks.toml")).unwrap();
    // A directory link back up the tree (walking must not follow it).
    symlink("..", r.join("dirloop/sub/up")).unwrap();
    let started = Instant::now();
    let w = nf(r, &["--write"]);
    assert!(started.elapsed() < Duration::from_secs(10), "too slow");
    assert_eq!(w.code, 2, "{w:?}");
    for p in [
        "loop/nixpacks.toml",
        "loop/nixpacks.json",
        "self/nixpacks.toml",
        "dangling/nixpacks.toml",
    ] {
        error_line(&w.stderr, p);
        assert!(
            fs::symlink_metadata(r.join(p))
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
    assert_eq!(
        fs::read_link(r.join("self/nixpacks.toml")).unwrap(),
        Path::new("nixpacks.toml")
    );
    assert!(!r.join("dangling/gone.toml").exists(), "nothing created");
    assert_fixed(&r.join(GOOD));
    // Named explicitly.
    let e = nf(r, &["self/nixpacks.toml"]);
    assert_eq!(e.code, 2, "{e:?}");
    error_line(&e.stderr, "self/nixpacks.toml");
}

/// The walk leaves out an ignored directory, so a link to a config in it is
/// the only way to the file: it is fixed through the link, once.
#[cfg(unix)]
#[test]
fn symlink_to_a_config_in_an_ignored_directory_is_fixed_once() {
    use std::os::unix::fs::symlink;
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, ".gitignore", "vendor/\n");
    let target = write(r, "vendor/base/nixpacks.toml", FIXABLE);
    fs::create_dir_all(r.join("svc")).unwrap();
    symlink("../vendor/base/nixpacks.toml", r.join("svc/nixpacks.toml")).unwrap();
    let dry = nf(r, &[]);
    assert_eq!(dry.code, 1, "{dry:?}");
    let heads: Vec<&str> = dry
        .stdout
        .lines()
        .filter(|l| l.starts_with("+++ "))
        .collect();
    assert_eq!(heads, ["+++ b/svc/nixpacks.toml"], "{}", dry.stdout);
    let w = nf(r, &["--write"]);
    assert_eq!(w.code, 0, "{w:?}");
    assert_fixed(&target);
    // With --no-ignore the walk reaches the target itself: still once.
    write(r, "vendor/base/nixpacks.toml", FIXABLE);
    let all = nf(r, &["--no-ignore"]);
    let diffs = all.stdout.lines().filter(|l| l.starts_with("+++ ")).count();
    assert_eq!(diffs, 1, "{}", all.stdout);
}

#[cfg(unix)]
#[test]
fn config_and_a_symlink_to_it_are_fixed_once() {
    use std::os::unix::fs::symlink;
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(r, "shared/nixpacks.toml", FIXABLE);
    fs::create_dir_all(r.join("svc")).unwrap();
    symlink("../shared/nixpacks.toml", r.join("svc/nixpacks.toml")).unwrap();
    let dry = nf(r, &[]);
    assert_eq!(dry.code, 1, "{dry:?}");
    let diffs = dry
        .stdout
        .lines()
        .filter(|l| l.starts_with("+++ b/"))
        .count();
    assert_eq!(diffs, 1, "one diff for one file:\n{}", dry.stdout);
    assert!(
        summary_line(&dry.stderr).starts_with("1 file to fix"),
        "{}",
        dry.stderr
    );
}

#[test]
fn very_large_file_is_refused_quickly() {
    // 50 MB of valid TOML comments.
    let line = format!("# {}\n", "x".repeat(77));
    let big = line.repeat(50 * 1024 * 1024 / line.len());
    let (d, bad) = case_tree("huge/nixpacks.toml", big.as_bytes());
    drop(big);
    let r = d.path();
    let snap = snapshot(&bad);
    let started = Instant::now();
    let w = nf(r, &["--write"]);
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert_eq!(w.code, 2, "{w:?}");
    let l = error_line(&w.stderr, "huge/nixpacks.toml");
    assert!(l.contains("MiB") || l.contains("large"), "{l}");
    assert_fixed(&r.join(GOOD));
    // Named explicitly and in the dry run too.
    let e = nf(r, &["huge/nixpacks.toml"]);
    assert_eq!(e.code, 2, "{e:?}");
    assert_eq!(e.stdout, "");
    assert_untouched(&bad, &snap);
}

#[cfg(unix)]
#[test]
fn read_only_file_under_write() {
    use std::os::unix::fs::PermissionsExt;
    let (d, ro) = case_tree("ro/nixpacks.toml", FIXABLE.as_bytes());
    let r = d.path();
    fs::set_permissions(&ro, fs::Permissions::from_mode(0o444)).unwrap();
    let snap = snapshot(&ro);
    // The dry run reads it fine: a fix is pending, no error.
    let dry = nf(r, &[]);
    assert_eq!(dry.code, 1, "{dry:?}");
    assert!(
        dry.stdout.contains("--- a/ro/nixpacks.toml\n"),
        "{}",
        dry.stdout
    );
    let w = nf(r, &["--write"]);
    assert_eq!(w.code, 2, "{w:?}");
    let l = error_line(&w.stderr, "ro/nixpacks.toml");
    assert!(l.contains("write"), "{l}");
    assert_untouched(&ro, &snap);
    assert_eq!(
        fs::metadata(&ro).unwrap().permissions().mode() & 0o777,
        0o444
    );
    assert_fixed(&r.join(GOOD));
    assert_eq!(
        fs::read_dir(r.join("ro")).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn stdin_with_invalid_input() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "[phases]\n".encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    // Arguments, input, the name the error must carry, the line of the error.
    type Case<'a> = (&'a [&'a str], &'a [u8], &'a str, Option<usize>);
    let cases: &[Case] = &[
        (&["-"], b"[phases.setup\nnixPkgs = []\n", "<stdin>", Some(1)),
        (&["--check", "-"], b"[phases.setup\n", "<stdin>", Some(1)),
        (
            &["--stdin-filename", "svc/nixpacks.toml", "-"],
            b"a = 1\na = 2\n",
            "svc/nixpacks.toml",
            Some(2),
        ),
        (
            &["--stdin-filename", "railway.json", "-"],
            b"{\"build\": {},}",
            "railway.json",
            Some(1),
        ),
        (&["-"], b"x = \"\xff\"\n", "<stdin>", Some(1)),
        (&["-"], &utf16, "<stdin>", None),
    ];
    for (args, input, name, line) in cases {
        let o = nf_stdin(r, args, input);
        assert_eq!(o.code, 2, "{args:?}: {o:?}");
        // The filter gives its input back unchanged (an editor's "filter
        // through a command" keeps the buffer); --check prints nothing.
        if args.contains(&"--check") {
            assert!(o.out.is_empty(), "{args:?}: got {:?}", o.stdout);
        } else {
            assert_eq!(&o.out[..], *input, "{args:?}: the input, byte for byte");
        }
        error_line(&o.stderr, name);
        if let Some(line) = line {
            assert_eq!(error_position(&o.stderr, name).0, *line, "{}", o.stderr);
        }
    }
}

// ---------------------------------------------------------------------------
// Atomic writes under SIGKILL
// ---------------------------------------------------------------------------

const SERVICES: usize = 300;

/// Two variants, so a half-written file of one cannot pass for the other.
fn service_text(i: usize) -> String {
    if i.is_multiple_of(2) {
        FIXABLE.to_string()
    } else {
        format!("# a service\r\n{}", FIXABLE.replace('\n', "\r\n"))
    }
}

fn make_services(root: &Path) {
    for i in 0..SERVICES {
        write(root, &format!("svc{i:03}/nixpacks.toml"), service_text(i));
    }
}

/// Each file is either its original or its fully fixed version; temp files
/// left behind are named `.nixfix-*.tmp`. Returns the services found fixed
/// and the temp files (relative paths).
fn check_after_kill(root: &Path, fixed: &[Vec<u8>]) -> (Vec<usize>, Vec<String>) {
    let (mut done, mut temps) = (Vec::new(), Vec::new());
    for (i, want) in fixed.iter().enumerate() {
        let dir = root.join(format!("svc{i:03}"));
        let got = fs::read(dir.join("nixpacks.toml")).unwrap();
        if got == *want {
            done.push(i);
        } else if got != service_text(i).as_bytes() {
            panic!(
                "svc{i:03}/nixpacks.toml is neither the original nor the fix:\n{}",
                String::from_utf8_lossy(&got)
            );
        }
        for e in fs::read_dir(&dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name == "nixpacks.toml" {
                continue;
            }
            assert!(
                name.starts_with(".nixfix-") && name.ends_with(".tmp"),
                "unexpected file svc{i:03}/{name}"
            );
            temps.push(format!("svc{i:03}/{name}"));
        }
    }
    (done, temps)
}

#[test]
fn sigkill_during_write_leaves_every_file_old_or_new() {
    let d = tempfile::tempdir().unwrap();
    let base = d.path();
    let fixed: Vec<Vec<u8>> = (0..2)
        .map(|v| {
            let o = nf_stdin(
                base,
                &["--stdin-filename", "nixpacks.toml", "-"],
                service_text(v).as_bytes(),
            );
            assert_eq!(o.code, 0, "{o:?}");
            assert_ne!(o.out, service_text(v).as_bytes());
            o.out
        })
        .collect();
    let fixed: Vec<Vec<u8>> = (0..SERVICES).map(|i| fixed[i % 2].clone()).collect();
    // A small xorshift, seeded from the clock; the seed is printed.
    let mut seed = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("sigkill seed {seed}");
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut partial, mut with_temps, mut all_temps) = (0, 0, Vec::new());
    let root = base.join("tree");
    make_services(&root);
    for iter in 0..20 {
        let delay = Duration::from_micros(rand() % 30_000);
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_nixfix"))
            .current_dir(&root)
            .args(["--write", "-j2", "--quiet", "."])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL on unix
        let status = child.wait().unwrap();
        let (done, temps) = check_after_kill(&root, &fixed);
        eprintln!(
            "iteration {iter}: killed after {delay:?} ({status}): {} fixed, {} original, {} temp files",
            done.len(),
            SERVICES - done.len(),
            temps.len()
        );
        if !done.is_empty() && done.len() < SERVICES {
            partial += 1;
        }
        if !temps.is_empty() {
            with_temps += 1;
            all_temps.extend(temps.iter().take(3).cloned());
            // Leftover temp files are never taken for configs, even with
            // --hidden --no-ignore.
            let dirs: Vec<&str> = temps.iter().map(|t| t.split('/').next().unwrap()).collect();
            let mut args = vec!["--check", "--format", "json", "--hidden", "--no-ignore"];
            args.extend(&dirs);
            let json = nf(&root, &args);
            let recs: Vec<serde_json::Value> = json
                .stdout
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(recs.len(), dirs.len() + 1, "{}", json.stdout);
            for v in &recs[..dirs.len()] {
                let p = v["path"].as_str().unwrap();
                assert!(p.ends_with("/nixpacks.toml"), "{p} taken for a config");
            }
        }
        if iter == 19 {
            // A run to the end finishes the job, temp files or not.
            let again = nf(&root, &["--write", "-j2"]);
            assert_eq!(again.code, 0, "{again:?}");
            let (done, _) = check_after_kill(&root, &fixed);
            assert_eq!(done.len(), SERVICES);
            break;
        }
        // Back to the original tree.
        for i in done {
            write(&root, &format!("svc{i:03}/nixpacks.toml"), service_text(i));
        }
        for t in temps {
            fs::remove_file(root.join(t)).unwrap();
        }
    }
    eprintln!(
        "sigkill: {partial}/20 runs killed mid-way, {with_temps}/20 left temp files {all_temps:?}"
    );
}
