//! What nixfix guarantees under faults, through the real binary (issue 11):
//! a file too deep to read, a TMPDIR that does not exist, a closed or full
//! standard output, paths that need quoting, files owned by someone else or
//! hard-linked, SIGTERM during `--write`, leftover temporary files, and a
//! FIFO where a config should be.

use crate::common::*;
use std::fs;
use std::path::Path;
use std::process::{Command as Std, Stdio};
use std::time::{Duration, Instant, SystemTime};

const FIXABLE: &str = "[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = [\n  'python3.11 -m ensurepip --upgrade',\n  'python3.11 -m pip install -r requirements.txt',\n]\n";

/// `n` fixable services under `root/svcNNNN/`.
fn services(root: &Path, n: usize) {
    for i in 0..n {
        write(root, &format!("svc{i:04}/nixpacks.toml"), FIXABLE);
    }
}

/// The temporary files (`.nixfix-*`) anywhere under `root`.
fn temps(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p);
            } else if e.file_name().to_string_lossy().starts_with(".nixfix-") {
                out.push(p.display().to_string());
            }
        }
    }
    out
}

fn json_records(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_file_nested_too_deep_is_an_error_for_that_file_only() {
    let d = tempfile::tempdir().unwrap();
    // The report: 40 inline tables of 79-part dotted keys.
    let k = format!("a{}", ".a".repeat(78));
    let deep = format!(
        "x = {}1{}\n",
        format!("{{{k} = ").repeat(40),
        "}".repeat(40)
    );
    let bad = write(d.path(), "t/s/nixpacks.toml", &deep);
    write(d.path(), "t/good/nixpacks.toml", FIXABLE);
    let o = nf(d.path(), &["--write", "t"]);
    assert_eq!(o.code, 2, "{o:?}");
    let line = o
        .stderr
        .lines()
        .find(|l| l.starts_with("t/s/nixpacks.toml:1:"))
        .unwrap_or_default();
    assert!(
        line.contains(": error: tables and arrays nest deeper than 128 levels"),
        "{}",
        o.stderr
    );
    assert_eq!(fs::read_to_string(&bad).unwrap(), deep);
    assert!(
        !fs::read_to_string(d.path().join("t/good/nixpacks.toml"))
            .unwrap()
            .contains("ensurepip")
    );
    // Two paths (the other code path of the report).
    let o = nf(d.path(), &["--check", "t/s", "t/good"]);
    assert_eq!(o.code, 2, "{o:?}");
}

#[test]
fn no_temporary_directory_loses_no_output() {
    let d = tempfile::tempdir().unwrap();
    // Enough output to pass the 128 KiB nixfix holds before spilling.
    services(d.path(), 1500);
    let o = run(nixfix(d.path()).env("TMPDIR", "/nonexistent/nixfix-test"));
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(o.stdout.matches("\n+++ b/").count(), 1500);
    let o = run(nixfix(d.path())
        .env("TMPDIR", "/nonexistent/nixfix-test")
        .args(["--format", "json"]));
    let recs = json_records(&o.stdout);
    assert_eq!(recs.len(), 1501);
    assert_eq!(recs[1500]["summary"]["files"], 1500);
}

/// Run nixfix with its stdout a pipe whose reading end is already closed.
fn with_closed_stdout(dir: &Path, args: &[&str]) -> std::process::ExitStatus {
    let mut child = Std::new(env!("CARGO_BIN_EXE_nixfix"))
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    child.wait().unwrap()
}

#[test]
fn a_closed_stdout_never_turns_into_success() {
    let d = tempfile::tempdir().unwrap();
    services(d.path(), 600);
    // `nixfix --check DIR | true`: fixes are pending, exit 1.
    assert_eq!(
        with_closed_stdout(d.path(), &["--check", "."]).code(),
        Some(1)
    );
    assert_eq!(with_closed_stdout(d.path(), &["."]).code(), Some(1));
    // With --write the run goes on to the end: every file fixed, no
    // temporary file left, and only then exit 0.
    let st = with_closed_stdout(d.path(), &["--write", "--format", "json", "."]);
    assert_eq!(st.code(), Some(0));
    for i in 0..600 {
        let t = fs::read_to_string(d.path().join(format!("svc{i:04}/nixpacks.toml"))).unwrap();
        assert!(!t.contains("ensurepip"), "svc{i:04} not fixed");
    }
    assert!(temps(d.path()).is_empty(), "{:?}", temps(d.path()));
}

#[test]
fn a_full_stdout_is_an_error() {
    let d = tempfile::tempdir().unwrap();
    services(d.path(), 3);
    for args in [
        &["."][..],
        &["--check", "."],
        &["--format", "json", "."],
        &["rules"],
    ] {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Std::new(env!("CARGO_BIN_EXE_nixfix"))
            .current_dir(d.path())
            .args(args)
            .stdout(full)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr
                .contains("nixfix: writing the report to standard output: No space left on device"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn paths_are_quoted_as_git_quotes_them() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    let git = |args: &[&str]| {
        let o = Std::new("git")
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        o.stdout
    };
    git(&["init", "-q"]);
    let names: &[&[u8]] = &[
        b"a\nb",
        b"tab\there",
        b"q\"uote",
        b"back\\slash",
        "caf\u{e9}".as_bytes(),
        b"\xff\xfe",
        b"plain dir",
    ];
    for n in names {
        #[cfg(unix)]
        let dir = {
            use std::os::unix::ffi::OsStrExt;
            root.join(std::ffi::OsStr::from_bytes(n))
        };
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("nixpacks.toml"), FIXABLE).unwrap();
    }
    git(&["add", "-A"]);
    // What git itself prints for these paths.
    let listed = String::from_utf8(git(&["-c", "core.quotePath=true", "ls-files"])).unwrap();
    let want: Vec<&str> = listed.lines().collect();
    let o = nf(root, &["--check", "."]);
    assert_eq!(o.code, 1, "{o:?}");
    // One line per pending fix (three per file: NF003, NF001, NF006), each
    // starting with git's form.
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 3 * names.len(), "{}", o.stdout);
    for w in &want {
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.starts_with(&format!("{w}:")))
                .count(),
            3,
            "{w}: {}",
            o.stdout
        );
    }
    // The diff applies, newline in a directory name and all.
    let diff = nf(root, &[]);
    assert_eq!(diff.code, 1);
    let patch = root.join("../fix.patch");
    fs::write(&patch, &diff.out).unwrap();
    git(&["apply", "--check", patch.to_str().unwrap()]);
    git(&["apply", patch.to_str().unwrap()]);
    assert_eq!(nf(root, &["--check", "."]).code, 0);
    // JSON has the real path, and its bytes when it is not UTF-8.
    let o = nf(root, &["--format", "json", "--check", "."]);
    let recs = json_records(&o.stdout);
    assert!(recs.iter().any(|r| r["path"] == "a\nb/nixpacks.toml"));
    let odd = recs
        .iter()
        .find(|r| r.get("path_bytes").is_some())
        .expect("path_bytes");
    let bytes: Vec<u8> = odd["path_bytes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap() as u8)
        .collect();
    assert_eq!(bytes, b"\xff\xfe/nixpacks.toml");
}

/// Root only: a file owned by someone else keeps its owner and group.
#[cfg(unix)]
#[test]
fn write_keeps_owner_and_group() {
    use std::os::unix::fs::MetadataExt;
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "svc/nixpacks.toml", FIXABLE);
    if fs::metadata(d.path()).unwrap().uid() != 0 {
        skip(
            "write_keeps_owner_and_group",
            "not root, cannot give a file to another user",
        );
        return;
    }
    // nobody:nogroup, as in the report.
    std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
    let o = nf(d.path(), &["--write", "."]);
    assert_eq!(o.code, 0, "{o:?}");
    let m = fs::metadata(&p).unwrap();
    assert!(!fs::read_to_string(&p).unwrap().contains("ensurepip"));
    assert_eq!((m.uid(), m.gid()), (65534, 65534));
}

#[cfg(unix)]
#[test]
fn hard_links_are_reported_and_left_alone() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "svc/nixpacks.toml", FIXABLE);
    fs::hard_link(&p, d.path().join("svc/backup.toml")).unwrap();
    let o = nf(d.path(), &["--write", "."]);
    assert_eq!(o.code, 2, "{o:?}");
    assert!(
        o.stderr.contains(
            "svc/nixpacks.toml: error: could not write the fix: the file has 2 hard links"
        ),
        "{}",
        o.stderr
    );
    assert_eq!(fs::read_to_string(&p).unwrap(), FIXABLE);
    assert!(temps(d.path()).is_empty());
}

/// SIGTERM (and SIGINT) during `--write`: the run's temporary files are
/// removed, every file is its original or its fix, and the process ends
/// by the signal.
#[cfg(unix)]
#[test]
fn sigterm_during_write_leaves_no_temporary_file() {
    let d = tempfile::tempdir().unwrap();
    let n = 2000;
    services(d.path(), n);
    let fixed = nf_stdin(
        d.path(),
        &["--stdin-filename", "nixpacks.toml", "-"],
        FIXABLE.as_bytes(),
    )
    .out;
    let mut mid_way = 0;
    for (round, sig) in ["TERM", "INT", "TERM", "TERM", "INT", "TERM"]
        .iter()
        .enumerate()
    {
        let mut child = Std::new(env!("CARGO_BIN_EXE_nixfix"))
            .current_dir(d.path())
            .args(["--write", "--quiet", "."])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Signal once the writes have started (a few files fixed).
        let first = d
            .path()
            .join(format!("svc{:04}/nixpacks.toml", round * 7 % n));
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            let started = (0..n).step_by(97).any(|i| {
                fs::read(d.path().join(format!("svc{i:04}/nixpacks.toml")))
                    .is_ok_and(|b| b == fixed)
            });
            if started || fs::read(&first).is_ok_and(|b| b == fixed) {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        Std::new("kill")
            .args([&format!("-{sig}"), &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        let left = temps(d.path());
        assert!(
            left.is_empty(),
            "round {round} (SIG{sig}, {status}): {left:?}"
        );
        let mut done = 0;
        for i in 0..n {
            let p = d.path().join(format!("svc{i:04}/nixpacks.toml"));
            let b = fs::read(&p).unwrap();
            if b == fixed {
                done += 1;
            } else {
                assert_eq!(
                    b,
                    FIXABLE.as_bytes(),
                    "{} is neither old nor new",
                    p.display()
                );
            }
        }
        if done < n {
            use std::os::unix::process::ExitStatusExt;
            mid_way += 1;
            let want = if *sig == "TERM" { 15 } else { 2 };
            assert_eq!(status.signal(), Some(want), "round {round}: {status}");
        }
        for i in 0..n {
            write(d.path(), &format!("svc{i:04}/nixpacks.toml"), FIXABLE);
        }
    }
    eprintln!("{mid_way}/6 runs signalled mid-way");
}

#[cfg(unix)]
#[test]
fn write_removes_stale_temporary_files_of_its_own() {
    let d = tempfile::tempdir().unwrap();
    let p = write(d.path(), "svc/nixpacks.toml", FIXABLE);
    let old = SystemTime::now() - Duration::from_secs(24 * 3600);
    let put = |name: &str| {
        let f = write(d.path(), &format!("svc/{name}"), "half a file");
        fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(old)
            .unwrap();
        f
    };
    // Left by SIGKILL: an earlier version's name and this version's.
    let a = put(".nixfix-Ab3dE9.tmp");
    let b = put(".nixfix-4294967295-1a.tmp");
    let keep = put(".nixfix-notes.txt");
    // A dry run writes nothing and removes nothing.
    assert_eq!(nf(d.path(), &["."]).code, 1);
    assert!(a.exists() && b.exists());
    let o = nf(d.path(), &["--write", "."]);
    assert_eq!(o.code, 0, "{o:?}");
    assert!(!fs::read_to_string(&p).unwrap().contains("ensurepip"));
    assert!(!a.exists() && !b.exists() && keep.exists());
}

#[cfg(unix)]
#[test]
fn a_fifo_behind_a_symlink_does_not_hang() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir_all(d.path().join("t/s")).unwrap();
    let st = Std::new("mkfifo")
        .arg(d.path().join("t/s/p"))
        .status()
        .unwrap();
    assert!(st.success());
    std::os::unix::fs::symlink("p", d.path().join("t/s/nixpacks.toml")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.path().join("t/s/railway.json")).unwrap();
    write(d.path(), "t/good/nixpacks.toml", FIXABLE);
    for args in [
        &["--check", "t"][..],
        &["--write", "t"],
        &["t/s/nixpacks.toml"],
    ] {
        let o = nf(d.path(), args);
        assert_eq!(o.code, 2, "{args:?}: {o:?}");
        assert!(
            o.stderr
                .contains("t/s/nixpacks.toml: error: not a regular file"),
            "{}",
            o.stderr
        );
    }
    assert!(o_fixed(&d.path().join("t/good/nixpacks.toml")));
}

fn o_fixed(p: &Path) -> bool {
    !fs::read_to_string(p).unwrap().contains("ensurepip")
}
