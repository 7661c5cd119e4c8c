//! Writing a fixed file: atomically, in place, keeping its permissions and
//! owner, and only if it is still the file that was read.
//!
//! The new text goes to a temporary file in the same directory, which is
//! flushed to disk, given the original's owner, group and mode, and renamed
//! over the original. A crash or SIGKILL leaves either the old or the new
//! file, never a mix or an empty one. What else can go wrong, and what
//! happens then:
//!
//! - The file changed after nixfix read it (an editor saved it, a chmod):
//!   checked just before the rename (device, inode, size, mtime, ctime,
//!   mode, owner, links); it is left as it is and the file reported.
//! - It has hard links: renaming would give this name the new text and
//!   leave the other names with the old one, so it is left and reported.
//! - Its owner or group cannot be given to the new file (not root, not a
//!   member of the group): left and reported, never silently re-owned.
//! - SIGINT, SIGTERM or SIGHUP during `--write` ([`clean_up_on_signals`]):
//!   the run's temporary files are removed, then the process ends as the
//!   signal would have ended it. Files already renamed are fixed, the rest
//!   untouched.
//! - SIGKILL (or a power cut) leaves a temporary file behind; a later
//!   `--write` that writes into the same directory removes it
//!   ([`sweep_stale`]) once it is unmistakably a leftover.

use std::collections::HashSet;
use std::fs::{File, Metadata};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Temporary files are named `.nixfix-<pid>-<n>.tmp`.
const PREFIX: &str = ".nixfix-";
const SUFFIX: &str = ".tmp";

/// The temporary files this process has made and not yet renamed, and
/// whether a signal is ending the run (then no new one is made).
struct Live {
    paths: HashSet<PathBuf>,
    stopping: bool,
}

static LIVE: Mutex<Option<Live>> = Mutex::new(None);

fn live() -> std::sync::MutexGuard<'static, Option<Live>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// A temporary file of this run: removed (and forgotten) when dropped,
/// unless it was renamed into place.
struct Temp {
    path: PathBuf,
    file: File,
    renamed: bool,
}

impl Temp {
    /// A new, empty temporary file in `dir`, readable by its owner only
    /// until it gets the original's mode. Made while holding the registry,
    /// so that a signal's clean-up sees every temporary file that exists.
    fn create(dir: &Path) -> std::io::Result<Temp> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let mut reg = live();
        let reg = reg.get_or_insert_with(|| Live {
            paths: HashSet::new(),
            stopping: false,
        });
        if reg.stopping {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "nixfix is stopping (a signal)",
            ));
        }
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{PREFIX}{}-{n:x}{SUFFIX}", pid()));
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            match opts.open(&path) {
                Ok(file) => {
                    reg.paths.insert(path.clone());
                    return Ok(Temp {
                        path,
                        file,
                        renamed: false,
                    });
                }
                // A leftover of an earlier process with the same pid.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    fn rename_to(mut self, target: &Path) -> std::io::Result<()> {
        std::fs::rename(&self.path, target)?;
        self.renamed = true;
        Ok(())
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.path);
        }
        if let Some(reg) = live().as_mut() {
            reg.paths.remove(&self.path);
        }
    }
}

/// On SIGINT, SIGTERM or SIGHUP, remove this run's temporary files and end
/// as the signal would have. Call once, before writing (`--write` does).
/// Without it (a dry run, `--check`) the signals keep their default
/// action: nothing is being written then.
pub fn clean_up_on_signals() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
        std::thread::Builder::new()
            .name("nixfix-signals".into())
            .spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    // Held until the process ends: no temporary file is
                    // made after this point.
                    let mut reg = live();
                    let reg = reg.get_or_insert_with(|| Live {
                        paths: HashSet::new(),
                        stopping: true,
                    });
                    reg.stopping = true;
                    for p in reg.paths.drain() {
                        let _ = std::fs::remove_file(p);
                    }
                    let _ = signal_hook::low_level::emulate_default_handler(sig);
                    std::process::exit(128 + sig);
                }
            })?;
    }
    Ok(())
}

/// The name of a temporary file nixfix makes or made: this version's
/// `.nixfix-<pid>-<hex>.tmp` (the pid, when there is one), or the
/// `.nixfix-XXXXXX.tmp` (six letters and digits) of earlier versions.
fn temp_name(name: &str) -> Option<Option<u32>> {
    let mid = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    if let Some((pid, n)) = mid.split_once('-') {
        let ok = !pid.is_empty()
            && !n.is_empty()
            && pid.bytes().all(|b| b.is_ascii_digit())
            && n.bytes().all(|b| b.is_ascii_hexdigit());
        return ok.then(|| pid.parse().ok());
    }
    (mid.len() == 6 && mid.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(None)
}

/// A temporary file older than this is a leftover whoever made it: one
/// lives for the milliseconds between writing a fix and renaming it.
pub const STALE_AFTER: Duration = Duration::from_secs(10 * 60);
/// A temporary file of a process that no longer exists is a leftover
/// once it is this old (the grace covers a process in another pid
/// namespace sharing the directory, which looks gone from here).
pub const DEAD_GRACE: Duration = Duration::from_secs(5);

/// Whether process `pid` exists, when this system can tell (Linux /proc).
fn alive(pid: u32) -> Option<bool> {
    Path::new("/proc/self")
        .exists()
        .then(|| Path::new(&format!("/proc/{pid}")).exists())
}

/// Remove nixfix's leftover temporary files from `dir`: regular files
/// named as [`temp_name`] says, not this process's, and either older
/// than [`STALE_AFTER`], or made by a process that no longer exists and
/// older than [`DEAD_GRACE`]. Returns how many were removed. Errors are
/// ignored: this is tidying, never a reason to fail a run.
pub fn sweep_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = SystemTime::now();
    let me = pid();
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(temp_name) else {
            continue;
        };
        if pid == Some(me) {
            continue;
        }
        // symlink_metadata: a link or a directory with such a name is not ours.
        let Ok(meta) = std::fs::symlink_metadata(e.path()) else {
            continue;
        };
        let age = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .unwrap_or_default();
        let gone = pid.and_then(alive) == Some(false);
        let stale = age >= STALE_AFTER || (gone && age >= DEAD_GRACE);
        if meta.is_file() && stale && std::fs::remove_file(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Directories already swept in this run (by a hash of their path: a
/// collision only skips a sweep).
static SWEPT: Mutex<Option<HashSet<u64>>> = Mutex::new(None);

/// [`sweep_stale`] once per directory and run.
fn sweep_once(dir: &Path) {
    use std::hash::BuildHasher;
    let first = SWEPT
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_or_insert_with(HashSet::new)
        .insert(rustc_hash::FxBuildHasher.hash_one(dir));
    if first {
        sweep_stale(dir);
    }
}

fn refused(msg: String) -> std::io::Error {
    std::io::Error::other(msg)
}

/// What must not have changed between reading a file and replacing it.
#[cfg(unix)]
fn identity(m: &Metadata) -> impl PartialEq + std::fmt::Debug {
    use std::os::unix::fs::MetadataExt;
    (
        (m.dev(), m.ino(), m.size(), m.nlink()),
        (m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec()),
        (m.mode(), m.uid(), m.gid()),
    )
}

#[cfg(not(unix))]
fn identity(m: &Metadata) -> impl PartialEq + std::fmt::Debug {
    (m.len(), m.modified().ok(), m.permissions().readonly())
}

/// This process's id (asked once: it is in every temporary file's name).
fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// Replace the contents of `path` with `bytes` (see the module
/// documentation). `read` is the metadata of the open file the text was
/// read from (an `fstat` taken before reading); `link` says whether `path`
/// is a symlink, which is written through: its target is replaced and the
/// link stays a link.
pub fn replace(path: &Path, bytes: &[u8], read: &Metadata, link: bool) -> std::io::Result<()> {
    let target = if link {
        std::fs::canonicalize(path)?
    } else {
        path.to_path_buf()
    };
    if read.permissions().readonly() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the file is read-only",
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if read.nlink() > 1 {
            return Err(refused(format!(
                "the file has {} hard links, and replacing it would give the fix to this name only (the others would keep the old text); it was left as it is",
                read.nlink()
            )));
        }
    }
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = Temp::create(dir)?;
    tmp.file.write_all(bytes)?;
    tmp.file.sync_data()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let made = tmp.file.metadata()?;
        if (made.uid(), made.gid()) != (read.uid(), read.gid()) {
            // Before the mode: a change of owner clears set-id bits.
            std::os::unix::fs::fchown(&tmp.file, Some(read.uid()), Some(read.gid())).map_err(
                |e| {
                    refused(format!(
                        "the fixed file cannot be given the original's owner and group ({}:{}): {e}; it was left as it is",
                        read.uid(),
                        read.gid()
                    ))
                },
            )?;
        }
    }
    tmp.file.set_permissions(read.permissions())?;
    // Still the file that was read? (An edit or a chmod since then would be
    // undone by the rename.)
    let now = std::fs::metadata(&target)?;
    if identity(&now) != identity(read) {
        return Err(refused(
            "the file changed while nixfix was fixing it; it was left as it is (run nixfix again)"
                .into(),
        ));
    }
    tmp.rename_to(&target)?;
    // The directory is not synced: a crash may lose the rename and leave the
    // old file, which is one of the two allowed outcomes; syncing the data
    // before the rename is what rules out a new name with missing data.
    sweep_once(dir);
    Ok(())
}

/// [`replace`] for a caller that has not read the file through an open
/// handle: its metadata is looked up now (the tests' way in).
#[cfg(test)]
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let meta = std::fs::metadata(path)?;
    replace(path, bytes, &meta, path.is_symlink())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temps(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(PREFIX))
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_content_and_keeps_mode() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("nixpacks.toml");
        std::fs::write(&p, "old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        }
        atomic_write(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o640
            );
        }
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_symlinks() {
        let d = tempfile::tempdir().unwrap();
        let real = d.path().join("real.toml");
        let link = d.path().join("nixpacks.toml");
        std::fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        atomic_write(&link, b"new").unwrap();
        assert!(link.is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
    }

    /// An edit, or a chmod, between reading the file and replacing it is
    /// never undone: the file is left as the other writer made it.
    #[cfg(unix)]
    #[test]
    fn a_file_changed_since_it_was_read_is_left_alone() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("nixpacks.toml");
        std::fs::write(&p, "old").unwrap();
        let read = File::open(&p).unwrap().metadata().unwrap();
        // Same size, same second: only the nanoseconds or ctime tell.
        std::fs::write(&p, "edt").unwrap();
        let e = replace(&p, b"new", &read, false).unwrap_err();
        assert!(e.to_string().contains("changed while nixfix"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"edt");
        let read = File::open(&p).unwrap().metadata().unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(replace(&p, b"new", &read, false).is_err());
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(std::fs::read(&p).unwrap(), b"edt");
        assert!(temps(d.path()).is_empty(), "{:?}", temps(d.path()));
    }

    #[cfg(unix)]
    #[test]
    fn hard_links_are_not_split() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("nixpacks.toml");
        let other = d.path().join("copy.toml");
        std::fs::write(&p, "old").unwrap();
        std::fs::hard_link(&p, &other).unwrap();
        let e = atomic_write(&p, b"new").unwrap_err();
        assert!(e.to_string().contains("2 hard links"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read(&other).unwrap(), b"old");
        assert!(temps(d.path()).is_empty());
    }

    #[test]
    fn temp_names() {
        assert_eq!(temp_name(".nixfix-1234-1f.tmp"), Some(Some(1234)));
        assert_eq!(temp_name(".nixfix-aB3xZ9.tmp"), Some(None));
        for n in [
            ".nixfix-.tmp",
            ".nixfix-12-.tmp",
            ".nixfix-x2-1f.tmp",
            ".nixfix-abcdefg.tmp",
            ".nixfix-abc.tmp",
            "nixfix-1234-1f.tmp",
            ".nixfix-1234-1f.tmp.bak",
            ".nixfix-notes.txt",
        ] {
            assert_eq!(temp_name(n), None, "{n}");
        }
    }

    #[test]
    fn only_stale_temporary_files_of_nixfix_are_swept() {
        let d = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        let put = |name: &str, age: Option<SystemTime>| {
            let p = d.path().join(name);
            std::fs::write(&p, "x").unwrap();
            if let Some(t) = age {
                File::options()
                    .write(true)
                    .open(&p)
                    .unwrap()
                    .set_modified(t)
                    .unwrap();
            }
        };
        put(".nixfix-aB3xZ9.tmp", Some(old)); // an earlier version's, old
        put(".nixfix-Fresh1.tmp", None); // maybe a live run's
        put(".nixfix-notes.tmp", Some(old)); // not our pattern
        put(&format!(".nixfix-{}-0.tmp", std::process::id()), Some(old)); // ours, live
        put("nixpacks.toml", Some(old));
        std::fs::create_dir(d.path().join(".nixfix-dir123.tmp")).unwrap();
        // A process that cannot exist (above the kernel's pid limit).
        let dead = ".nixfix-4294967295-a.tmp";
        put(
            dead,
            Some(SystemTime::now() - DEAD_GRACE - Duration::from_secs(1)),
        );
        let removed = sweep_stale(d.path());
        let mut left = temps(d.path());
        if alive(u32::MAX).is_none() {
            // No /proc: a dead process's file is kept until it is old.
            left.retain(|n| n != dead);
        }
        assert_eq!(
            left,
            [
                format!(".nixfix-{}-0.tmp", std::process::id()),
                ".nixfix-Fresh1.tmp".to_string(),
                ".nixfix-dir123.tmp".to_string(),
                ".nixfix-notes.tmp".to_string(),
            ]
        );
        assert!(removed >= 1);
    }
}
