//! One run, whatever the source: a resolved [`RunConfig`] (made by the CLI
//! from its arguments and the settings file) -> candidates (standard input,
//! one directory streamed while it is walked, or a list of paths) -> each
//! file fixed -> Railway links followed -> one [`Reporter`] -> the exit
//! status the run earned.

use crate::driver::links::{self, Named};
use crate::driver::walk::{self, WalkOptions};
use crate::driver::{self, Candidate, RunOptions, pool};
use crate::engine::{Options, Reported};
use crate::report::{self, FileReport, Format, Mode, Reporter, Status, Summary};
use crate::rules::Rule;
use crate::sorted::{Record, Sorted};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Output held in memory before it is spilled, sorted, to a temporary file
/// (see [`crate::sorted`]): keeps memory flat on huge trees.
pub const HOLD_BUDGET: usize = 128 * 1024;

/// Runs over this many configs show a progress bar on a terminal.
const PROGRESS_MIN: u64 = 2000;

/// Where the configs come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// `-`: one config on standard input; `filename` is the path it stands
    /// for (its kind, and the directory whose files the rules read).
    Stdin { filename: Option<PathBuf> },
    /// One directory, fixed while it is walked (the usual case).
    Dir(PathBuf),
    /// Files and directories named on the command line or in `--files-from`.
    List(Vec<PathBuf>),
}

/// Everything a run needs, resolved: no more arguments or settings files.
pub struct RunConfig {
    pub source: Source,
    pub mode: Mode,
    pub format: Format,
    pub quiet: bool,
    /// Say which files were left alone and why.
    pub verbose: bool,
    /// Exit 0 even when fixes are pending or need a hand (errors still 2).
    pub exit_zero: bool,
    pub rules: Vec<&'static dyn Rule>,
    pub exclude: crate::settings::Excludes,
    pub walk: WalkOptions,
    /// Draw a progress bar on standard error (a person is watching).
    pub progress: bool,
}

impl RunConfig {
    fn run_options(&self, config_paths: bool) -> RunOptions {
        RunOptions {
            engine: Options {
                rules: self.rules.clone(),
            },
            write: self.mode == Mode::Write,
            keep_text: matches!(self.mode, Mode::Diff | Mode::Filter)
                || self.format == Format::Json,
            config_paths,
        }
    }
}

/// Run: returns the exit status (0 clean, 1 fixes pending or to make by
/// hand, 2 an error).
pub fn execute(cfg: &RunConfig) -> u8 {
    let started = Instant::now();
    let reporter = report::reporter(
        cfg.format,
        report::Style {
            mode: cfg.mode,
            quiet: cfg.quiet,
            verbose: cfg.verbose,
        },
    );
    if cfg.mode == Mode::Write
        && let Err(e) = crate::write::clean_up_on_signals()
    {
        eprintln!("nixfix: warning: no clean-up on SIGINT/SIGTERM ({e})");
    }
    let sink = Sink::new(cfg, reporter.as_ref());
    match &cfg.source {
        Source::Stdin { filename } => stdin(cfg, &sink, filename.as_deref()),
        Source::Dir(root) => directory(cfg, &sink, root),
        Source::List(paths) => list(cfg, &sink, paths),
    }
    sink.finish(started)
}

/// Where every report goes: the summary, the Railway links to follow, and
/// the rendered output (held and sorted by path, or printed in order).
struct Sink<'a> {
    cfg: &'a RunConfig,
    reporter: &'a dyn Reporter,
    summary: Mutex<Summary>,
    /// Configs named by Railway files, fixed after the others.
    named: Mutex<Vec<Candidate>>,
    /// Reports held and sorted by path (a directory's walk finds files in
    /// no particular order), unless they come `in_order` (a list of paths:
    /// printed as they come, in the order given).
    sorted: Mutex<Sorted>,
    in_order: bool,
    out: Mutex<Box<dyn Write + Send>>,
    err: Mutex<anstream::Stderr>,
    progress: Option<indicatif::ProgressBar>,
}

impl<'a> Sink<'a> {
    fn new(cfg: &'a RunConfig, reporter: &'a dyn Reporter) -> Sink<'a> {
        let progress = (cfg.progress && !matches!(cfg.source, Source::Stdin { .. })).then(|| {
            let pb = indicatif::ProgressBar::new_spinner();
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {pos} configs {elapsed}")
            {
                pb.set_style(style);
            }
            pb.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            pb
        });
        Sink {
            cfg,
            reporter,
            summary: Mutex::new(Summary::new(cfg.mode)),
            named: Mutex::new(Vec::new()),
            sorted: Mutex::new(Sorted::new(HOLD_BUDGET)),
            in_order: matches!(cfg.source, Source::List(_)),
            out: Mutex::new(crate::output::buffered_stdout()),
            err: Mutex::new(anstream::stderr()),
            progress,
        }
    }

    /// The number of files to come, when it is known: the progress line
    /// becomes a bar.
    fn expect(&self, n: usize) {
        if let Some(pb) = &self.progress {
            pb.set_length(n as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} configs {elapsed}")
            {
                pb.set_style(style);
            }
        }
    }

    /// Print one file's output now (standard error unbuffered, so the two
    /// streams stay in step on a terminal).
    fn print(&self, out: &[u8], err: &[u8]) {
        let print = || {
            let _ = lock(&self.out).write_all(out);
            if !err.is_empty() {
                let _ = lock(&self.out).flush();
                let _ = lock(&self.err).write_all(err);
            }
        };
        match &self.progress {
            Some(pb) => pb.suspend(print),
            None => print(),
        }
    }

    /// Take one file's report (`from`: the candidate it was made for).
    fn accept(&self, mut r: FileReport, from: Option<&Candidate>) {
        self.annotate(&mut r, from);
        lock(&self.summary).add(&r);
        if let Some(pb) = &self.progress {
            pb.inc(1);
            if pb.position() == PROGRESS_MIN {
                pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
        if !self.reporter.every_file()
            && r.status == Status::Unchanged
            && r.findings.is_empty()
            && r.skipped.is_none()
        {
            return;
        }
        let (mut out, mut err) = (Vec::new(), Vec::new());
        self.reporter.file(&r, &mut out, &mut err);
        if out.is_empty() && err.is_empty() {
            return;
        }
        if self.in_order {
            return self.print(&out, &err);
        }
        lock(&self.sorted).push(Record {
            path: r.path,
            out,
            err,
        });
    }

    /// Notes that depend on the file's neighbours, whatever the source: a
    /// nixpacks.json that a nixpacks.toml shadows, and where a Railway
    /// file's `nixpacksConfigPath` leads (a config to fix too, or why not).
    fn annotate(&self, r: &mut FileReport, from: Option<&Candidate>) {
        if let (Some(target), Some(c)) = (r.config_path.take(), from) {
            match links::follow_config_path(c, &target) {
                Some(Named::Config(n)) => lock(&self.named).push(n),
                Some(Named::Note(note)) => r.findings.insert(0, Reported::note(&note)),
                None => {}
            }
        }
        if links::shadowed_json(&r.path) {
            r.findings.insert(0, Reported::note(links::SHADOWED_JSON));
        }
    }

    fn excluded(&self) {
        lock(&self.summary).excluded += 1;
    }

    /// Print what was held, the closing lines, and work out the exit status.
    fn finish(self, started: Instant) -> u8 {
        if let Some(pb) = &self.progress {
            pb.finish_and_clear();
        }
        let mut out = self.out.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut err = self.err.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut summary = self.summary.into_inner().unwrap_or_else(|e| e.into_inner());
        let sorted = self.sorted.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = sorted.drain(|r| {
            report::put(&mut out, &String::from_utf8_lossy(&r.out));
            report::put(&mut err, &String::from_utf8_lossy(&r.err));
        }) {
            report::put(
                &mut err,
                &format!("nixfix: reading back the sorted output: {e}\n"),
            );
            summary.errors += 1;
        }
        summary.seconds = started.elapsed().as_secs_f64();
        self.reporter.finish(&summary, &mut out, &mut err);
        let _ = out.flush();
        summary.exit_code(self.cfg.exit_zero)
    }

    fn take_named(&self) -> Vec<Candidate> {
        std::mem::take(&mut *lock(&self.named))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// One directory: each config is fixed on the walker's threads as soon as
/// it is found; links and the configs Railway files name come after.
fn directory(cfg: &RunConfig, sink: &Sink, root: &Path) {
    let opts = cfg.run_options(true);
    let skip = |c: &Candidate| {
        let out = cfg.exclude.excludes(c);
        if out {
            sink.excluded();
        }
        out
    };
    let work = |c: &Candidate| -> Option<()> {
        sink.accept(driver::process(c, &opts), Some(c));
        None
    };
    let streamed = walk::walk_process(root, &cfg.walk, &skip, &work);
    for r in streamed.errors {
        sink.accept(r, None);
    }
    let mut extra = streamed.links;
    extra.append(&mut sink.take_named());
    let quiet_skip = |c: &Candidate| cfg.exclude.excludes(c);
    for c in walk::extras(root, &cfg.walk, &quiet_skip, extra) {
        if !skip(&c) {
            sink.accept(driver::process(&c, &opts), Some(&c));
        }
    }
}

/// Files and directories named on the command line: found first (each
/// directory walked), then fixed on `jobs` threads in the order given.
fn list(cfg: &RunConfig, sink: &Sink, paths: &[PathBuf]) {
    let opts = cfg.run_options(true);
    let (mut candidates, missing) = walk::discover(paths, &cfg.walk);
    candidates.retain(|c| {
        let out = cfg.exclude.excludes(c);
        if out {
            sink.excluded();
        }
        !out
    });
    for r in missing {
        sink.accept(r, None);
    }
    sink.expect(candidates.len());
    pool::run_ordered(
        &candidates,
        cfg.walk.jobs,
        |c: &Candidate| (driver::process(c, &opts), c.clone()),
        |(r, c)| sink.accept(r, Some(&c)),
    );
    let seen: Vec<PathBuf> = candidates.iter().map(|c| c.path.clone()).collect();
    for c in walk::not_seen(sink.take_named(), &seen) {
        if !cfg.exclude.excludes(&c) {
            sink.accept(driver::process(&c, &opts), Some(&c));
        }
    }
}

/// Standard input: one config in; the fixed text out (a filter), or its
/// report. On a parse error a filter gives the input back unchanged, so an
/// editor's "filter through a command" never empties the buffer.
fn stdin(cfg: &RunConfig, sink: &Sink, filename: Option<&Path>) {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes) {
        sink.accept(
            FileReport::error(Path::new("<stdin>"), None, e.to_string()),
            None,
        );
        return;
    }
    let name = filename.map_or_else(|| PathBuf::from("<stdin>"), Path::to_path_buf);
    let kind = filename
        .and_then(|p| p.file_name()?.to_str())
        .and_then(crate::nixpacks::Kind::from_file_name);
    let env = match filename.and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => crate::nixpacks::Environment::from_dir(dir),
        // A bare file name: the current directory.
        Some(_) => crate::nixpacks::Environment::from_dir(Path::new(".")),
        _ => crate::nixpacks::Environment::default(),
    };
    let r = driver::fix_bytes(&name, &bytes, kind, &env, &cfg.run_options(false));
    if cfg.mode == Mode::Filter && cfg.format == Format::Text {
        // The fixed text, byte for byte, whatever the terminal.
        let text = r.fixed.as_deref().map_or(&bytes[..], str::as_bytes);
        let mut out = crate::output::stdout();
        let _ = out.write_all(text);
    }
    sink.accept(r, None);
}
