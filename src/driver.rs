//! Finding config files, fixing each one, and handing the reports back in a
//! stable order whatever the number of threads.

use crate::engine::{FixError, Options, Reported, fix_text};
use crate::nixpacks::{Environment, Kind};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Files larger than this are refused: no real config comes near it, and it
/// keeps memory bounded on a stray multi-gigabyte file.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Files bigger than this are fixed one budget's worth at a time (see
/// [`MemoryBudget`]); real configs are a few KiB.
pub const BIG_FILE: usize = 64 * 1024;

/// How many bytes of big files may be being fixed at once, over all
/// threads. Fixing a file takes memory in proportion to its size (the
/// parsed TOML and the shell structure of its commands: up to about 170
/// bytes per byte of input, see benches/scale.py), so 16 threads each on a
/// file of several MiB could take tens of GiB; held to one
/// [`MAX_FILE_SIZE`] of input at a time, a run stays within a bounded
/// multiple of it however many threads it has.
pub struct MemoryBudget {
    used: Mutex<usize>,
    freed: std::sync::Condvar,
    limit: usize,
}

/// A share of a [`MemoryBudget`], given back when dropped.
pub struct Share<'a> {
    budget: &'a MemoryBudget,
    bytes: usize,
}

impl MemoryBudget {
    pub const fn new(limit: usize) -> MemoryBudget {
        MemoryBudget {
            used: Mutex::new(0),
            freed: std::sync::Condvar::new(),
            limit,
        }
    }

    /// Wait until `bytes` (at most the whole budget) fit, and take them.
    pub fn take(&self, bytes: usize) -> Share<'_> {
        let bytes = bytes.min(self.limit);
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        while *used + bytes > self.limit {
            used = self.freed.wait(used).unwrap_or_else(|e| e.into_inner());
        }
        *used += bytes;
        Share {
            budget: self,
            bytes,
        }
    }
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|e| e.into_inner());
        *used -= self.bytes;
        self.budget.freed.notify_all();
    }
}

/// The budget every run shares.
static BIG_FILES: MemoryBudget = MemoryBudget::new(MAX_FILE_SIZE as usize);

/// A file to process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub path: PathBuf,
    /// Named on the command line (any file name), rather than found by walking.
    pub explicit: bool,
    /// The root it was found under (for the symlink policy).
    pub root: Option<PathBuf>,
    /// Found by walking as a symbolic link (a walked regular file needs no
    /// extra lstat before it is read).
    pub link: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Unchanged,
    Fixed,
    Error,
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: PathBuf,
    pub kind: Option<Kind>,
    pub status: Status,
    pub findings: Vec<Reported>,
    /// The error, for `Status::Error`, with its position when known.
    pub error: Option<String>,
    pub error_position: Option<(usize, usize)>,
    /// The text before and after, when it changed.
    pub original: Option<String>,
    pub fixed: Option<String>,
    /// Whether the fix was written to disk.
    pub written: bool,
    /// A Railway file's `build.nixpacksConfigPath`.
    pub config_path: Option<String>,
}

impl FileReport {
    pub fn error(path: &Path, kind: Option<Kind>, message: impl Into<String>) -> FileReport {
        FileReport {
            path: path.to_path_buf(),
            kind,
            status: Status::Error,
            findings: Vec::new(),
            error: Some(message.into()),
            error_position: None,
            original: None,
            fixed: None,
            written: false,
            config_path: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    /// Do not honour .gitignore and other ignore files.
    pub no_ignore: bool,
    /// Also walk hidden files and directories.
    pub hidden: bool,
    pub jobs: usize,
}

/// Directories never walked into.
const SKIP_DIRS: &[&str] = &[".git", "node_modules", "target"];

/// The walk of `root` as ripgrep does it: ignore files honoured unless
/// `no_ignore`, hidden entries skipped unless `hidden`, links not followed,
/// `.git`, `node_modules` and `target` never entered. `descend` can prune
/// more directories.
fn builder(
    root: &Path,
    opts: &WalkOptions,
    descend: impl Fn(&ignore::DirEntry) -> bool + Send + Sync + 'static,
) -> ignore::WalkBuilder {
    let mut b = ignore::WalkBuilder::new(root);
    b.hidden(!opts.hidden)
        .ignore(!opts.no_ignore)
        .git_ignore(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .parents(!opts.no_ignore)
        .require_git(false)
        .follow_links(false)
        .threads(opts.jobs)
        .filter_entry(move |e| {
            let dir = e.file_type().is_some_and(|t| t.is_dir());
            !(e.depth() > 0
                && dir
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| SKIP_DIRS.contains(&n)))
                && (!dir || descend(e))
        });
    b
}

/// A parallel walk of `root` (see [`builder`]).
fn walker(root: &Path, opts: &WalkOptions) -> ignore::WalkParallel {
    builder(root, opts, |_| true).build_parallel()
}

/// Whether the walk of `root` reaches `target` (a real path) as a config it
/// processes (not left out by `skip`). Walks only the directories on the way
/// to it, with the same ignore rules.
pub fn walked(
    root: &Path,
    opts: &WalkOptions,
    skip: &dyn Fn(&Candidate) -> bool,
    target: &Path,
) -> bool {
    let named = target
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(Kind::from_file_name)
        .is_some();
    let Ok(real_root) = std::fs::canonicalize(root) else {
        return false;
    };
    let Ok(rel) = target.strip_prefix(&real_root) else {
        return false;
    };
    if !named {
        return false;
    }
    let (want, base) = (rel.to_path_buf(), root.to_path_buf());
    let on_the_way = move |e: &ignore::DirEntry| {
        e.path()
            .strip_prefix(&base)
            .is_ok_and(|r| want.starts_with(r))
    };
    builder(root, opts, on_the_way)
        .build()
        .filter_map(Result::ok)
        .filter(|e| e.depth() > 0 && e.file_type().is_some_and(|t| t.is_file()))
        .any(|e| {
            e.path().strip_prefix(root).is_ok_and(|r| r == rel)
                && !skip(&Candidate {
                    path: e.path().to_path_buf(),
                    explicit: false,
                    root: Some(root.to_path_buf()),
                    link: false,
                })
        })
}

/// Of `extra` (links found by the walk of `root`, configs named by its
/// Railway files), the ones to fix after the walk: each real file once, and
/// none the walk itself fixed. Sorted by path.
pub fn extras(
    root: &Path,
    opts: &WalkOptions,
    skip: &dyn Fn(&Candidate) -> bool,
    mut extra: Vec<Candidate>,
) -> Vec<Candidate> {
    extra.sort_by(|a, b| a.path.cmp(&b.path));
    let mut taken = HashSet::new();
    extra.retain(|c| {
        let real = std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone());
        taken.insert(real.clone()) && !walked(root, opts, skip, &real)
    });
    extra
}

/// Find the configs under `paths`. Missing paths become error reports.
pub fn discover(paths: &[PathBuf], opts: &WalkOptions) -> (Vec<Candidate>, Vec<FileReport>) {
    let mut found = Vec::new();
    let mut errors = Vec::new();
    let mut saw_link = false;
    for p in paths {
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                errors.push(FileReport::error(p, None, io_message(&e)));
                continue;
            }
        };
        if !meta.is_dir() {
            found.push(Candidate {
                path: p.clone(),
                explicit: true,
                root: None,
                link: false,
            });
            continue;
        }
        // The same walk as the streaming one, keeping the candidates.
        let walked = walk_process(p, opts, &|_| false, &|c: &Candidate| Some(c.clone()));
        if !walked.links.is_empty() {
            saw_link = true;
        }
        let mut v = walked.kept;
        v.extend(walked.links);
        v.sort_by(|a, b| a.path.cmp(&b.path));
        found.extend(v);
        errors.extend(walked.errors);
    }
    // The same file named twice, reached through two roots (`. svc`) or
    // through a symlink is fixed once.
    // One root walked without symlinks yields every file once, and needs no
    // realpath per file.
    if paths.len() > 1 || saw_link || found.iter().any(|c| c.explicit) {
        let mut seen = HashSet::new();
        found.retain(|c| {
            seen.insert(std::fs::canonicalize(&c.path).unwrap_or_else(|_| c.path.clone()))
        });
    }
    (found, errors)
}

/// What [`walk_process`] leaves behind.
#[derive(Debug)]
pub struct Streamed<T> {
    /// What `work` returned to keep (unsorted).
    pub kept: Vec<T>,
    /// Symbolic links to configs, left for a second pass (they may name a
    /// file the walk also reaches).
    pub links: Vec<Candidate>,
    pub errors: Vec<FileReport>,
}

/// Walk one directory and handle each config on the walker's own threads as
/// soon as it is found, so reading and fixing overlap the walk (one root
/// holds each regular file once). `work` returns what to keep of a file (the
/// output it has to print, say), `skip` filters candidates.
pub fn walk_process<T: Send>(
    root: &Path,
    opts: &WalkOptions,
    skip: &(dyn Fn(&Candidate) -> bool + Sync),
    work: &(dyn Fn(&Candidate) -> Option<T> + Sync),
) -> Streamed<T> {
    let out = Mutex::new(Streamed {
        kept: Vec::new(),
        links: Vec::new(),
        errors: Vec::new(),
    });
    walker(root, opts).run(|| {
        let out = &out;
        let root = root.to_path_buf();
        Box::new(move |entry| {
            let e = match entry {
                Ok(e) => e,
                Err(err) => {
                    out.lock()
                        .expect("not poisoned")
                        .errors
                        .push(FileReport::error(&root, None, err.to_string()));
                    return ignore::WalkState::Continue;
                }
            };
            let file_like = e.file_type().is_some_and(|t| t.is_file() || t.is_symlink());
            let named = e
                .file_name()
                .to_str()
                .and_then(Kind::from_file_name)
                .is_some();
            if !(file_like && named && e.depth() > 0) {
                return ignore::WalkState::Continue;
            }
            let c = Candidate {
                link: e.path_is_symlink(),
                path: e.into_path(),
                explicit: false,
                root: Some(root.clone()),
            };
            if skip(&c) {
                return ignore::WalkState::Continue;
            }
            if c.link {
                out.lock().expect("not poisoned").links.push(c);
                return ignore::WalkState::Continue;
            }
            if let Some(k) = work(&c) {
                out.lock().expect("not poisoned").kept.push(k);
            }
            ignore::WalkState::Continue
        })
    });
    out.into_inner().expect("not poisoned")
}

/// Of `extra` (links and configs named by Railway files), the ones that are
/// not a file already in `seen`.
pub fn not_seen(extra: Vec<Candidate>, seen: &[PathBuf]) -> Vec<Candidate> {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let mut taken: HashSet<PathBuf> = HashSet::new();
    extra
        .into_iter()
        .filter(|c| {
            let real = canon(&c.path);
            // Only files with the same name can be the same file.
            let name = real.file_name();
            let dup = seen
                .iter()
                .filter(|s| s.file_name() == name)
                .any(|s| canon(s) == real);
            !dup && taken.insert(real)
        })
        .collect()
}

/// A note about a file found while linking configs (not from a rule).
pub type Note = (PathBuf, String);

/// Follow Railway's `build.nixpacksConfigPath` to the config it names (a
/// config to fix whatever its name, if it stays inside the root the Railway
/// file was found under), and note directories holding both nixpacks.toml
/// and nixpacks.json (Nixpacks reads only the TOML). Returns notes to attach
/// to the files' reports.
pub fn link(candidates: &mut Vec<Candidate>) -> Vec<Note> {
    let mut notes = Vec::new();
    // Configs named by a Railway file, placed right after it.
    let mut added: Vec<(usize, Candidate)> = Vec::new();
    for (at, c) in candidates.iter().enumerate() {
        let name = c.path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let kind = if c.explicit {
            None
        } else {
            Kind::from_file_name(name)
        };
        if kind.is_some_and(|k| !k.is_railway())
            || !std::fs::metadata(&c.path).is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE_SIZE)
        {
            continue;
        }
        let Ok(bytes) = std::fs::read(&c.path) else {
            continue;
        };
        let Ok(text) = crate::document::decode(&bytes) else {
            continue;
        };
        let kind = kind.unwrap_or_else(|| Kind::detect(&c.path, text));
        if !kind.is_railway() {
            continue;
        }
        let Some(target) = config_path(kind, text) else {
            continue;
        };
        match follow_config_path(c, &target) {
            Some(Named::Config(named)) => added.push((at, named)),
            Some(Named::Note(note)) => notes.push((c.path.clone(), note)),
            None => {}
        }
    }
    if !added.is_empty() {
        let paths: Vec<PathBuf> = candidates.iter().map(|c| c.path.clone()).collect();
        let (ats, cands): (Vec<usize>, Vec<Candidate>) = added.into_iter().unzip();
        let fresh = not_seen(cands.clone(), &paths);
        for (at, a) in ats.into_iter().zip(cands).rev() {
            if fresh.contains(&a) {
                candidates.insert(at + 1, a);
            }
        }
    }
    let paths: Vec<&Path> = candidates.iter().map(|c| c.path.as_path()).collect();
    notes.extend(shadowed_json(&paths));
    notes
}

/// A Railway file's `build.nixpacksConfigPath`, when it has one.
pub fn config_path(kind: Kind, text: &str) -> Option<String> {
    // A key may be written with escapes: only a text with neither is skipped.
    if !kind.is_railway() || !(text.contains("nixpacksConfigPath") || text.contains('\\')) {
        return None;
    }
    let doc = crate::document::parse(kind.format(), text).ok()?;
    doc.root
        .as_map()?
        .get_map("build")?
        .get("nixpacksConfigPath")?
        .as_str()
        .map(|s| s.value.clone())
}

/// Where a Railway file's `nixpacksConfigPath` leads.
pub enum Named {
    /// A config to fix too, inside the root the Railway file was found under.
    Config(Candidate),
    /// Why it is not followed.
    Note(String),
}

/// Follow `target`, the `nixpacksConfigPath` of the Railway file `railway`.
/// `None` when it names something that is not a file (a directory, say).
pub fn follow_config_path(railway: &Candidate, target: &str) -> Option<Named> {
    let dir = railway.path.parent().unwrap_or(Path::new(""));
    let joined = dir.join(target);
    let root = railway.root.clone().unwrap_or_else(|| dir.to_path_buf());
    let (Ok(real), Ok(real_root)) = (std::fs::canonicalize(&joined), std::fs::canonicalize(&root))
    else {
        return Some(Named::Note(format!(
            "build.nixpacksConfigPath names `{target}`, which does not exist"
        )));
    };
    if !real.starts_with(&real_root) {
        return Some(Named::Note(format!(
            "build.nixpacksConfigPath names `{target}`, outside {}; not followed",
            crate::output::shown_path(&root)
        )));
    }
    real.is_file().then_some({
        Named::Config(Candidate {
            path: joined,
            explicit: true,
            root: Some(root),
            link: false,
        })
    })
}

/// The note for a nixpacks.json beside a nixpacks.toml.
pub const SHADOWED_JSON: &str = "nixpacks.toml is in the same directory, and Nixpacks reads only that one: this nixpacks.json has no effect (it is fixed anyway)";

/// Notes for each nixpacks.json beside a nixpacks.toml: Nixpacks reads only
/// the TOML.
pub fn shadowed_json(paths: &[&Path]) -> Vec<Note> {
    let jsons: Vec<&Path> = paths
        .iter()
        .copied()
        .filter(|p| p.file_name().is_some_and(|n| n == "nixpacks.json"))
        .collect();
    if jsons.is_empty() {
        return Vec::new();
    }
    let tomls: HashSet<&Path> = paths
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == "nixpacks.toml"))
        .filter_map(|p| p.parent())
        .collect();
    jsons
        .into_iter()
        .filter(|j| j.parent().is_some_and(|d| tomls.contains(d)))
        .map(|j| (j.to_path_buf(), SHADOWED_JSON.into()))
        .collect()
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        // A message of nixfix's own says more than the kind.
        _ if e.get_ref().is_some() => e.to_string(),
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// What to do with each file.
pub struct RunOptions {
    pub engine: Options,
    pub write: bool,
    /// Keep the before and after texts in reports (for diffs and JSON).
    pub keep_text: bool,
    /// Put a Railway file's `nixpacksConfigPath` in its report (the
    /// directory walk follows it; lists of paths are linked beforehand by
    /// [`link`]).
    pub config_paths: bool,
}

/// Fix text read from somewhere (a file or stdin).
pub fn fix_bytes(
    path: &Path,
    bytes: &[u8],
    kind: Option<Kind>,
    env: &Environment,
    opts: &RunOptions,
) -> FileReport {
    let text = match crate::document::decode(bytes) {
        Ok(t) => t,
        Err(e) => {
            let mut r = FileReport::error(path, kind, e.message.clone());
            r.error_position = e.position;
            return r;
        }
    };
    let kind = kind.unwrap_or_else(|| Kind::detect(path, text));
    let config_path = if opts.config_paths {
        config_path(kind, text)
    } else {
        None
    };
    match fix_text(text, kind, env, &opts.engine) {
        Ok(out) => {
            let changed = out.changed(text);
            FileReport {
                path: path.to_path_buf(),
                kind: Some(kind),
                status: if changed {
                    Status::Fixed
                } else {
                    Status::Unchanged
                },
                findings: out.findings,
                error: None,
                error_position: None,
                original: (changed && opts.keep_text).then(|| text.to_string()),
                fixed: changed.then_some(out.output),
                written: false,
                config_path,
            }
        }
        Err(FixError::Parse(e)) => {
            let mut r = FileReport::error(path, Some(kind), e.message.clone());
            r.error_position = e.position;
            r
        }
        Err(e @ FixError::Bug(_)) => FileReport::error(path, Some(kind), e.to_string()),
    }
}

/// Why a file could not be read.
enum ReadError {
    /// Over [`MAX_FILE_SIZE`]: its length.
    TooLarge(u64),
    Io(std::io::Error),
}

/// The whole file, refusing one over [`MAX_FILE_SIZE`]. Reads straight into
/// a buffer: no `fstat`/`lseek` to size it first (`fs::read` does both),
/// which is two of the six system calls a small config would otherwise cost.
fn read_capped(file: &std::fs::File) -> Result<Vec<u8>, ReadError> {
    use std::io::Read as _;
    let mut bytes = Vec::with_capacity(4096);
    let mut limited = file.take(MAX_FILE_SIZE + 1);
    limited.read_to_end(&mut bytes).map_err(ReadError::Io)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        let len = file.metadata().map_or(bytes.len() as u64, |m| m.len());
        return Err(ReadError::TooLarge(len));
    }
    Ok(bytes)
}

/// Open a file for reading without blocking on a FIFO or a device.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut o, libc::O_NONBLOCK);
    o.open(path)
}

/// Read, fix and (with `write`) write one file.
pub fn process(c: &Candidate, opts: &RunOptions) -> FileReport {
    let path = &c.path;
    let name_kind = if c.explicit {
        None
    } else {
        path.file_name()
            .and_then(|n| n.to_str())
            .and_then(Kind::from_file_name)
    };
    // A walked regular file (the usual case) is opened straight away; a
    // file named on the command line is checked for being a link first.
    let is_link = c.link || (c.explicit && path.is_symlink());
    if is_link {
        match (
            std::fs::canonicalize(path),
            c.root.as_ref().map(std::fs::canonicalize),
        ) {
            (Err(e), _) => {
                return FileReport::error(
                    path,
                    name_kind,
                    format!("broken or looping symlink: {}", io_message(&e)),
                );
            }
            (Ok(target), Some(Ok(root))) if !target.starts_with(&root) => {
                return FileReport::error(
                    path,
                    name_kind,
                    format!(
                        "symlink to {} outside {}; not followed",
                        crate::output::shown_path(&target),
                        crate::output::shown_path(&root)
                    ),
                );
            }
            _ => {}
        }
    }
    // A FIFO or a device would block or never end: regular files only,
    // checked before opening (through a link too) and opened non-blocking,
    // so a file swapped for a FIFO in between cannot hang the run either.
    if (c.explicit || is_link)
        && let Ok(m) = std::fs::metadata(path)
        && !m.is_file()
        && !m.is_dir()
    {
        return FileReport::error(path, name_kind, "not a regular file");
    }
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        Err(e) => return FileReport::error(path, name_kind, io_message(&e)),
    };
    // With --write, what the file is before it is read: the write checks
    // that it is still the same before replacing it.
    let read_meta = if opts.write {
        match file.metadata() {
            Ok(m) if m.is_file() => Some(m),
            Ok(m) if m.is_dir() => return FileReport::error(path, name_kind, "is a directory"),
            Ok(_) => return FileReport::error(path, name_kind, "not a regular file"),
            Err(e) => return FileReport::error(path, name_kind, io_message(&e)),
        }
    } else {
        None
    };
    let bytes = match read_capped(&file) {
        Ok(b) => b,
        Err(ReadError::TooLarge(len)) => {
            return FileReport::error(
                path,
                name_kind,
                format!(
                    "the file is {} MiB, larger than the {} MiB nixfix reads; it is not a Nixpacks config",
                    len / (1024 * 1024),
                    MAX_FILE_SIZE / (1024 * 1024)
                ),
            );
        }
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::IsADirectory => {
            return FileReport::error(path, name_kind, "is a directory");
        }
        Err(ReadError::Io(e)) => return FileReport::error(path, name_kind, io_message(&e)),
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let env = Environment::from_dir(dir);
    let _share = (bytes.len() > BIG_FILE).then(|| BIG_FILES.take(bytes.len()));
    let mut report = fix_bytes(path, &bytes, name_kind, &env, opts);
    if let Some(meta) = read_meta
        .as_ref()
        .filter(|_| report.status == Status::Fixed)
    {
        let fixed = report.fixed.as_deref().unwrap_or_default();
        match crate::write::replace(path, fixed.as_bytes(), meta, is_link) {
            Ok(()) => report.written = true,
            Err(e) => {
                report.status = Status::Error;
                report.error = Some(format!("could not write the fix: {}", io_message(&e)));
            }
        }
    }
    if !opts.keep_text {
        report.fixed = None;
    }
    report
}

/// Process `items` on `jobs` threads and hand each report to `sink` in the
/// order of `items`, as soon as it and all before it are done.
pub fn run_ordered<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    work: impl Fn(&T) -> R + Sync,
    mut sink: impl FnMut(R),
) {
    let jobs = jobs.max(1).min(items.len().max(1));
    if jobs == 1 {
        for it in items {
            sink(work(it));
        }
        return;
    }
    // Work is handed out, and results sent back, in batches: one channel
    // message per item costs more than fixing a small config.
    const BATCH: usize = 32;
    let next = AtomicUsize::new(0);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Vec<R>)>();
    std::thread::scope(|s| {
        for _ in 0..jobs {
            let tx = tx.clone();
            let next = &next;
            let work = &work;
            s.spawn(move || {
                loop {
                    let start = next.fetch_add(BATCH, Ordering::Relaxed);
                    if start >= items.len() {
                        break;
                    }
                    let end = (start + BATCH).min(items.len());
                    let out: Vec<R> = items[start..end].iter().map(work).collect();
                    if tx.send((start, out)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = BTreeMap::new();
        let mut want = 0;
        for (i, batch) in rx {
            pending.insert(i, batch);
            while let Some(batch) = pending.remove(&want) {
                want += batch.len();
                for r in batch {
                    sink(r);
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_output_whatever_the_threads() {
        let items: Vec<usize> = (0..500).collect();
        let mut got = Vec::new();
        run_ordered(&items, 4, |&i| i * 2, |r| got.push(r));
        assert_eq!(got, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn a_memory_budget_holds_back_what_does_not_fit() {
        let budget = MemoryBudget::new(10);
        let a = budget.take(6);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let _b = budget.take(6);
                tx.send(()).unwrap();
            });
            // The second share does not fit while the first is held.
            assert!(
                rx.recv_timeout(std::time::Duration::from_millis(200))
                    .is_err()
            );
            drop(a);
            rx.recv_timeout(std::time::Duration::from_secs(10))
                .expect("taken once the first share is given back");
        });
        // More than the whole budget is taken as the whole budget.
        drop(budget.take(1000));
    }

    #[test]
    fn discover_skips_ignored_and_vendored() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path();
        for p in [
            "a/nixpacks.toml",
            "b/railway.json",
            "node_modules/x/nixpacks.toml",
            "ig/nixpacks.toml",
            "c/other.toml",
        ] {
            let f = root.join(p);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, "").unwrap();
        }
        std::fs::write(root.join(".gitignore"), "ig/\n").unwrap();
        let (found, errors) = discover(
            &[root.to_path_buf()],
            &WalkOptions {
                jobs: 2,
                ..Default::default()
            },
        );
        assert!(errors.is_empty());
        let names: Vec<String> = found
            .iter()
            .map(|c| {
                c.path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(names, vec!["a/nixpacks.toml", "b/railway.json"]);
    }
}
