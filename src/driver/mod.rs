//! Fixing one file: reading it safely, running the engine, writing the fix.
//! [`walk`] finds the files, [`links`] follows Railway's links between them,
//! [`pool`] runs the work on several threads.

pub mod links;
pub mod pool;
pub mod walk;

use crate::engine::{FixError, Options, fix_text};
use crate::nixpacks::{Environment, Kind};
pub use crate::report::{FileReport, Status};
use pool::BIG_FILES;
use std::path::{Path, PathBuf};

/// Files larger than this are refused: no real config comes near it, and it
/// keeps memory bounded on a stray multi-gigabyte file.
pub const MAX_FILE_SIZE: u64 = 8 * 1024 * 1024;

/// Files bigger than this are fixed one budget's worth at a time (see
/// [`pool::MemoryBudget`]); real configs are a few KiB.
pub const BIG_FILE: usize = 64 * 1024;

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
        links::config_path(kind, text)
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
                skipped: out.skipped,
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

/// Why a candidate is not read: a link that leads nowhere or outside its
/// root, or something that is not a regular file.
fn refused(c: &Candidate, is_link: bool) -> Option<String> {
    if is_link {
        match (
            std::fs::canonicalize(&c.path),
            c.root.as_ref().map(std::fs::canonicalize),
        ) {
            (Err(e), _) => return Some(format!("broken or looping symlink: {}", io_message(&e))),
            (Ok(target), Some(Ok(root))) if !target.starts_with(&root) => {
                return Some(format!(
                    "symlink to {} outside {}; not followed",
                    crate::output::shown_path(&target),
                    crate::output::shown_path(&root)
                ));
            }
            _ => {}
        }
    }
    // A FIFO or a device would block or never end: regular files only,
    // checked before opening (through a link too) and opened non-blocking,
    // so a file swapped for a FIFO in between cannot hang the run either.
    if (c.explicit || is_link)
        && let Ok(m) = std::fs::metadata(&c.path)
        && !m.is_file()
        && !m.is_dir()
    {
        return Some("not a regular file".into());
    }
    None
}

/// The bytes of a file, and with `write` what the file was when it was
/// opened (the write checks that it is still the same before replacing it).
fn read(path: &Path, write: bool) -> Result<(Vec<u8>, Option<std::fs::Metadata>), String> {
    let file = open_nonblocking(path).map_err(|e| io_message(&e))?;
    let read_meta = if write {
        match file.metadata() {
            Ok(m) if m.is_file() => Some(m),
            Ok(m) if m.is_dir() => return Err("is a directory".into()),
            Ok(_) => return Err("not a regular file".into()),
            Err(e) => return Err(io_message(&e)),
        }
    } else {
        None
    };
    match read_capped(&file) {
        Ok(b) => Ok((b, read_meta)),
        Err(ReadError::TooLarge(len)) => Err(format!(
            "the file is {} MiB, larger than the {} MiB nixfix reads; it is not a Nixpacks config",
            len / (1024 * 1024),
            MAX_FILE_SIZE / (1024 * 1024)
        )),
        Err(ReadError::Io(e)) if e.kind() == std::io::ErrorKind::IsADirectory => {
            Err("is a directory".into())
        }
        Err(ReadError::Io(e)) => Err(io_message(&e)),
    }
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
    if let Some(why) = refused(c, is_link) {
        return FileReport::error(path, name_kind, why);
    }
    let (bytes, read_meta) = match read(path, opts.write) {
        Ok(read) => read,
        Err(why) => return FileReport::error(path, name_kind, why),
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
