//! What a run reports: one [`FileReport`] per file, the closing
//! [`Summary`], and the [`Reporter`]s that render them (text, JSON Lines,
//! GitHub annotations, SARIF). The driver makes reports; nothing here
//! depends on how files were found or fixed.

mod github;
mod json;
mod sarif;
mod text;
pub mod wording;

use crate::engine::Reported;
use crate::nixpacks::Kind;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use json::JSON_VERSION;
pub use text::error_line;

/// Exit codes, as ruff and ripgrep use them.
pub const EXIT_CLEAN: u8 = 0;
/// Fixes pending, or a fix rule that could not fix.
pub const EXIT_PENDING: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

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
    /// Why the file was left alone (`builder is DOCKERFILE`): it is not
    /// built by Nixpacks. Shown with `-v` and in JSON.
    pub skipped: Option<String>,
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
            skipped: None,
        }
    }

    /// Whether a fix was made that is not on disk (or on standard output).
    pub fn pending(&self, mode: Mode) -> bool {
        self.status == Status::Fixed && !self.written && !mode.applies()
    }
}

/// How bad a finding is, for the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A fix the rule made (written, printed, or pending).
    Fix,
    /// A fix rule matched and could not fix: the build still fails until a
    /// person fixes it. Fails the gate like a pending fix.
    Error,
    /// Advice (a warning rule, or a note of nixfix's own): never fails it.
    Warning,
}

/// The level of a finding: fixes are fixes; what a fix rule could not fix
/// is an error; what a warning rule (or nixfix itself) says is advice.
pub fn level(f: &Reported) -> Level {
    if f.fixed {
        return Level::Fix;
    }
    match crate::rules::lookup(f.code).map(|r| r.meta().kind) {
        Some(crate::rules::RuleKind::Fix) => Level::Error,
        _ => Level::Warning,
    }
}

/// What the run does with the fixes it makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Print a unified diff, write nothing (the default).
    Diff,
    /// List what would change (`--check`).
    Check,
    /// Write the fixes in place (`--write`).
    Write,
    /// Standard input in, the fixed text out (`-` without `--check`).
    Filter,
}

impl Mode {
    /// Whether fixes reach their destination (the file, or the output of a
    /// filter), rather than being only reported.
    pub fn applies(self) -> bool {
        matches!(self, Mode::Write | Mode::Filter)
    }
}

/// Counts for the closing summary.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    /// The report format's version (JSON only).
    pub version: u32,
    pub files: usize,
    /// Files with fixes: written with `--write`, pending otherwise.
    pub fixed: usize,
    /// Of those, the ones whose fixes were written.
    pub written: usize,
    pub unchanged: usize,
    pub errors: usize,
    /// Configs found but left alone (`exclude`).
    pub excluded: usize,
    /// Findings fixed (or to fix).
    pub fixes: usize,
    /// Findings a fix rule could not fix: they fail the gate.
    pub unfixed: usize,
    /// Advice.
    pub warnings: usize,
    pub seconds: f64,
    /// Whether fixes are written (or printed, by a filter) rather than pending.
    #[serde(skip)]
    pub applied: bool,
}

impl Summary {
    pub fn new(mode: Mode) -> Summary {
        Summary {
            version: JSON_VERSION,
            applied: mode.applies(),
            ..Summary::default()
        }
    }

    pub fn add(&mut self, r: &FileReport) {
        self.files += 1;
        match r.status {
            Status::Fixed => self.fixed += 1,
            Status::Unchanged => self.unchanged += 1,
            Status::Error => self.errors += 1,
        }
        self.written += usize::from(r.written);
        for f in &r.findings {
            match level(f) {
                Level::Fix => self.fixes += 1,
                Level::Error => self.unfixed += 1,
                Level::Warning => self.warnings += 1,
            }
        }
    }

    /// The exit status the run earned: 2 when a file could not be read,
    /// parsed or written; 1 when a fix is pending or a fix rule could not
    /// fix (unless `exit_zero`); 0 otherwise.
    pub fn exit_code(&self, exit_zero: bool) -> u8 {
        if self.errors > 0 {
            EXIT_ERROR
        } else if !exit_zero && (self.unfixed > 0 || (self.fixed > 0 && !self.applied)) {
            EXIT_PENDING
        } else {
            EXIT_CLEAN
        }
    }

    /// `2 files fixed, 1 to fix by hand, 1 warning, 1 error (14 files checked) in 0.21 s`.
    pub fn line(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = vec![if self.applied {
            format!("{} fixed", plural(self.fixed, "file", "files"))
        } else {
            format!("{} to fix", plural(self.fixed, "file", "files"))
        }];
        if self.unfixed > 0 {
            parts.push(format!("{} to fix by hand", self.unfixed));
        }
        parts.push(plural(self.warnings, "warning", "warnings"));
        parts.push(plural(self.errors, "error", "errors"));
        format!(
            "{} ({} checked) in {:.2} s",
            parts.join(", "),
            plural(self.files, "file", "files"),
            self.seconds
        )
    }
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Github,
    Sarif,
}

/// Renders reports. [`Reporter::file`] runs on the worker threads (its
/// output is buffered per file, then printed in path order), so it takes
/// `&self`; [`Reporter::finish`] prints what comes after every file.
pub trait Reporter: Sync {
    /// One file's report: what goes to standard output and to standard error.
    fn file(&self, r: &FileReport, out: &mut Vec<u8>, err: &mut Vec<u8>);
    /// After the last file.
    fn finish(&self, s: &Summary, out: &mut dyn Write, err: &mut dyn Write);
    /// Whether a file with nothing to report is still reported (a record
    /// per file in JSON).
    fn every_file(&self) -> bool {
        false
    }
}

/// What the reporters need to know of the run.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub mode: Mode,
    pub quiet: bool,
    /// Also say which files were left alone, and why.
    pub verbose: bool,
}

/// The reporter for a format.
pub fn reporter(format: Format, style: Style) -> Box<dyn Reporter> {
    match format {
        Format::Text => Box::new(text::Text(style)),
        Format::Json => Box::new(json::Json(style)),
        Format::Github => Box::new(github::Github(style)),
        Format::Sarif => Box::new(sarif::Sarif::new(style)),
    }
}

/// The message of a finding as the run should say it: a fix that is not
/// (yet) written speaks of what would change.
pub fn message(f: &Reported, pending: bool) -> std::borrow::Cow<'_, str> {
    if pending && f.fixed {
        wording::pending(&f.message)
    } else {
        std::borrow::Cow::Borrowed(&f.message)
    }
}

/// Write text to a buffer or a stream: standard output never fails (see
/// [`crate::output::Guarded`]), an error on standard error has nowhere to
/// be reported.
pub(crate) fn put(w: &mut dyn Write, s: &str) {
    let _ = w.write_all(s.as_bytes());
}
