//! The command line: arguments, modes, and the exit code.

use crate::driver::{self, Candidate, FileReport, Named, RunOptions, Status, WalkOptions};
use crate::engine::Options;
use crate::engine::Reported;
use crate::output::{self, Summary, Which, emit};
use crate::rules::{self, REGISTRY, Rule, RuleKind};
use crate::sorted::{Record, Sorted};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Exit codes, as ruff and ripgrep use them.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_PENDING: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Default threads for --write (I/O-bound: each fix is flushed to disk).
const WRITE_JOBS: usize = 16;

/// Output held in memory before it is spilled, sorted, to a temporary file
/// (see [`crate::sorted`]): keeps memory flat on huge trees.
pub const HOLD_BUDGET: usize = 128 * 1024;

/// Runs over this many configs show a progress bar on a terminal.
const PROGRESS_MIN: usize = 2000;

#[derive(Parser, Debug)]
#[command(
    name = "nixfix",
    version,
    about = "Fix Nixpacks / Railway configs that break Python builds with externally-managed-environment",
    long_about = "Fix Nixpacks / Railway configs that break Python builds with \
externally-managed-environment: remove `python -m ensurepip` and pip self-upgrades, \
provide pip from Nix, and rename keys Nixpacks ignores.\n\n\
By default nixfix prints a unified diff of the fixes and writes nothing. \
Use --write to apply them, --check in CI.",
    after_help = "Exit status: 0 nothing to fix (or all fixed with --write), 1 fixes pending, 2 an error.\n\
Rules: `nixfix rules` lists them, `nixfix rule NF001` explains one.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub fix: FixArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Explain a rule: what it fixes, why, and an example.
    Rule {
        /// A rule code (NF001) or name (ensurepip).
        code: String,
    },
    /// List every rule.
    Rules,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) on standard output.
    Man,
}

#[derive(Args, Debug)]
pub struct FixArgs {
    /// Files or directories to fix; `-` reads a config from standard input
    /// and writes the fixed text to standard output.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Apply the fixes in place.
    #[arg(short, long, conflicts_with = "check")]
    pub write: bool,

    /// List what would change, without a diff; exit 1 if anything would.
    #[arg(long)]
    pub check: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Only run these rules (codes or names, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub select: Vec<String>,

    /// Run these rules on top of the selected ones (e.g. the opt-in NF006).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub extend_select: Vec<String>,

    /// Do not run these rules (codes or names, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    pub ignore: Vec<String>,

    /// Leave paths matching this glob alone (repeatable; also `exclude` in nixfix.toml).
    #[arg(long, value_name = "GLOB", visible_alias = "ignore-path")]
    pub exclude: Vec<String>,

    /// Use this settings file instead of looking for nixfix.toml / .nixfix.toml.
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    pub config: Option<PathBuf>,

    /// Ignore settings files.
    #[arg(long)]
    pub isolated: bool,

    /// Read the paths to fix from FILE, one per line (`-` for standard input).
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    /// With `-`: the path the text comes from (picks the config kind and
    /// the directory whose pinned Python is read).
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,

    /// Number of threads (default: the number of CPUs; at least 16 with
    /// --write, whose time is mostly spent waiting for the disk).
    #[arg(short, long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Do not honour .gitignore and other ignore files.
    #[arg(long)]
    pub no_ignore: bool,

    /// Also search hidden files and directories.
    #[arg(long)]
    pub hidden: bool,

    /// When to use colour.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Print only errors (no summary).
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Diffs (or with --check, one line per fix) and a summary.
    Text,
    /// One JSON object per file, then a summary object (JSON Lines).
    Json,
    /// GitHub Actions annotations.
    Github,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Parse the arguments and run. Returns the process exit code.
pub fn run() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = e.print();
            return code;
        }
    };
    match cli.fix.color {
        ColorWhen::Always => anstream::ColorChoice::Always.write_global(),
        ColorWhen::Never => anstream::ColorChoice::Never.write_global(),
        ColorWhen::Auto => {}
    }
    let code = match cli.command {
        Some(Command::Rule { code }) => explain(&code),
        Some(Command::Rules) => list_rules(),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "nixfix", &mut buf);
            emit(&mut output::stdout(), &String::from_utf8_lossy(&buf));
            EXIT_CLEAN
        }
        Some(Command::Man) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut buf) {
                Ok(()) => {
                    emit(&mut output::stdout(), &String::from_utf8_lossy(&buf));
                    EXIT_CLEAN
                }
                Err(e) => {
                    eprintln!("nixfix: {e}");
                    EXIT_ERROR
                }
            }
        }
        None => fix(cli.fix),
    };
    output::delivered(code)
}

fn explain(code: &str) -> u8 {
    match rules::lookup(code) {
        Some(r) => {
            emit(&mut output::painted_stdout(), r.meta().doc);
            EXIT_CLEAN
        }
        None => {
            eprintln!("nixfix: no rule `{code}`; `nixfix rules` lists them");
            EXIT_ERROR
        }
    }
}

fn list_rules() -> u8 {
    let mut s = String::new();
    let mut all: Vec<&dyn Rule> = REGISTRY.to_vec();
    all.sort_by_key(|r| r.code());
    for m in all.iter().map(|r| r.meta()) {
        let kind = match m.kind {
            RuleKind::Fix => "fix",
            RuleKind::Warning => "warning",
        };
        let on = if m.default { "on" } else { "off" };
        s.push_str(&format!(
            "{}  {:<24} {:<8} {:<4} {}\n",
            m.code, m.name, kind, on, m.summary
        ));
    }
    emit(&mut output::painted_stdout(), &s);
    EXIT_CLEAN
}

/// The rules chosen by --select / --ignore.
fn chosen_rules(
    select: &[String],
    extend: &[String],
    ignore: &[String],
) -> Result<Vec<&'static dyn Rule>, String> {
    let resolve = |names: &[String]| -> Result<Vec<&'static str>, String> {
        names
            .iter()
            .map(|n| n.trim())
            .filter(|n| !n.is_empty())
            .map(|n| {
                if n.eq_ignore_ascii_case("ALL") {
                    return Ok("ALL");
                }
                rules::lookup(n)
                    .map(|r| r.code())
                    .ok_or_else(|| format!("unknown rule `{n}`; `nixfix rules` lists them"))
            })
            .collect()
    };
    let sel = resolve(select)?;
    let ext = resolve(extend)?;
    let ign = resolve(ignore)?;
    Ok(REGISTRY
        .iter()
        .copied()
        .filter(|r| {
            let selected = if sel.is_empty() {
                r.meta().default
            } else {
                sel.contains(&"ALL") || sel.contains(&r.code())
            } || ext.contains(&r.code())
                || ext.contains(&"ALL");
            selected && !ign.contains(&r.code()) && !ign.contains(&"ALL")
        })
        .collect())
}

fn fix(mut args: FixArgs) -> u8 {
    let started = Instant::now();
    let settings_path = if args.isolated {
        None
    } else {
        args.config
            .clone()
            .or_else(|| crate::settings::find(Path::new(".")))
    };
    if let Some(p) = &settings_path {
        match crate::settings::load(p) {
            Ok(s) => {
                if args.select.is_empty() {
                    args.select = s.select.unwrap_or_default();
                }
                if args.ignore.is_empty() {
                    args.ignore = s.ignore.unwrap_or_default();
                }
                if args.extend_select.is_empty() {
                    args.extend_select = s.extend_select.unwrap_or_default();
                }
                args.exclude.extend(s.exclude);
            }
            Err(e) => {
                eprintln!("nixfix: {}: {e}", output::shown_path(p));
                return EXIT_ERROR;
            }
        }
    }
    let exclude = match crate::settings::exclude_set(&args.exclude) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("nixfix: {e}");
            return EXIT_ERROR;
        }
    };
    let rules = match chosen_rules(&args.select, &args.extend_select, &args.ignore) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("nixfix: {e}");
            return EXIT_ERROR;
        }
    };
    // With --write most of the time is spent waiting for fsync, which many
    // threads overlap; otherwise one thread per CPU.
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let jobs = args
        .jobs
        .unwrap_or(if args.write {
            cpus.max(WRITE_JOBS)
        } else {
            cpus
        })
        .max(1);
    let mut paths = args.paths.clone();
    if let Some(list) = &args.files_from {
        match read_list(list) {
            Ok(more) => paths.extend(more),
            Err(e) => {
                eprintln!("nixfix: {}: {e}", output::shown_path(list));
                return EXIT_ERROR;
            }
        }
    } else if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let stdin_mode = paths.iter().any(|p| p == Path::new("-"));
    if stdin_mode {
        if paths.len() > 1 {
            eprintln!("nixfix: `-` (standard input) cannot be combined with other paths");
            return EXIT_ERROR;
        }
        return fix_stdin(&args, rules);
    }
    if args.write
        && let Err(e) = crate::write::clean_up_on_signals()
    {
        eprintln!("nixfix: warning: no clean-up on SIGINT/SIGTERM ({e})");
    }
    let walk = WalkOptions {
        no_ignore: args.no_ignore,
        hidden: args.hidden,
        jobs,
    };
    let excluded = |c: &Candidate| {
        let rel = c.root.as_ref().and_then(|r| c.path.strip_prefix(r).ok());
        !c.explicit
            && !exclude.is_empty()
            && (exclude.is_match(output::display_path(&c.path))
                || rel.is_some_and(|r| exclude.is_match(output::display_path(r))))
    };
    let one_dir = args.files_from.is_none() && paths.len() == 1 && paths[0].is_dir();
    let opts = RunOptions {
        engine: Options { rules },
        write: args.write,
        keep_text: (!args.write && !args.check) || args.format == Format::Json,
        config_paths: one_dir,
    };
    let summary = std::sync::Mutex::new(Summary::default());
    let mut out = output::buffered_stdout();
    // Not locked for the whole run: the progress bar draws on stderr from
    // the walker's threads, and a held lock would block it forever.
    let mut err = anstream::stderr();
    let watched = stderr_is_terminal() && !args.quiet;
    if one_dir {
        // The usual case: fix while walking. What to print is sorted by path
        // in bounded memory and printed at the end.
        let root = paths[0].clone();
        let progress = watched.then(|| {
            let pb = indicatif::ProgressBar::new_spinner();
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} {pos} configs {elapsed}")
            {
                pb.set_style(style);
            }
            pb.set_draw_target(indicatif::ProgressDrawTarget::hidden());
            pb
        });
        let json = args.format == Format::Json;
        let sorted = std::sync::Mutex::new(Sorted::new(HOLD_BUDGET));
        // Configs named by Railway files, fixed after the walk.
        let named = std::sync::Mutex::new(Vec::new());
        let keep = |mut r: FileReport, c: Option<&Candidate>| {
            if let (Some(target), Some(c)) = (r.config_path.take(), c) {
                match driver::follow_config_path(c, &target) {
                    Some(Named::Config(n)) => named.lock().expect("not poisoned").push(n),
                    Some(Named::Note(note)) => r.findings.insert(0, Reported::note(&note)),
                    None => {}
                }
            }
            if r.path.file_name().is_some_and(|n| n == "nixpacks.json")
                && r.path.with_file_name("nixpacks.toml").is_file()
            {
                r.findings.insert(0, Reported::note(driver::SHADOWED_JSON));
            }
            summary.lock().expect("not poisoned").add(&r);
            if let Some(pb) = &progress {
                pb.inc(1);
                if pb.position() == PROGRESS_MIN as u64 {
                    pb.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
            }
            if !json && r.status == Status::Unchanged && r.findings.is_empty() {
                return;
            }
            let (mut o, mut e) = (Vec::new(), Vec::new());
            render(&args, &r, &mut o, &mut e);
            sorted.lock().expect("not poisoned").push(Record {
                path: r.path,
                out: o,
                err: e,
            });
        };
        let work = |c: &Candidate| -> Option<()> {
            keep(driver::process(c, &opts), Some(c));
            None
        };
        let streamed = driver::walk_process(&root, &walk, &excluded, &work);
        for r in streamed.errors {
            keep(r, None);
        }
        // Symlinks, and configs Railway files name, unless the walk fixed
        // the same file.
        let mut extra = streamed.links;
        extra.append(&mut named.lock().expect("not poisoned"));
        for c in driver::extras(&root, &walk, &excluded, extra) {
            if !excluded(&c) {
                keep(driver::process(&c, &opts), Some(&c));
            }
        }
        if let Some(pb) = &progress {
            pb.finish_and_clear();
        }
        let sorted = sorted.into_inner().expect("not poisoned");
        if let Err(e) = sorted.drain(|r| {
            emit(&mut out, &String::from_utf8_lossy(&r.out));
            emit(&mut err, &String::from_utf8_lossy(&r.err));
        }) {
            emit(
                &mut err,
                &format!("nixfix: reading back the sorted output: {e}\n"),
            );
            summary.lock().expect("not poisoned").errors += 1;
        }
    } else {
        let (mut candidates, missing) = driver::discover(&paths, &walk);
        candidates.retain(|c| !excluded(c));
        let notes = driver::link(&mut candidates);
        // A progress bar on long runs, only when a person is watching stderr.
        let progress = (watched && candidates.len() >= PROGRESS_MIN).then(|| {
            let pb = indicatif::ProgressBar::new(candidates.len() as u64);
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} configs {elapsed}")
            {
                pb.set_style(style);
            }
            pb
        });
        let mut summary = summary.lock().expect("not poisoned");
        let mut report = |mut r: FileReport| {
            for (_, note) in notes.iter().filter(|(p, _)| *p == r.path) {
                r.findings.insert(0, crate::engine::Reported::note(note));
            }
            summary.add(&r);
            match &progress {
                Some(pb) => {
                    pb.suspend(|| render(&args, &r, &mut out, &mut err));
                    pb.inc(1);
                }
                None => render(&args, &r, &mut out, &mut err),
            }
        };
        for r in missing {
            report(r);
        }
        driver::run_ordered(
            &candidates,
            jobs,
            |c: &Candidate| driver::process(c, &opts),
            &mut report,
        );
        if let Some(pb) = &progress {
            pb.finish_and_clear();
        }
    }
    let mut summary = summary.into_inner().expect("not poisoned");
    summary.seconds = started.elapsed().as_secs_f64();
    if args.format == Format::Json {
        let line = serde_json::json!({ "summary": summary });
        emit(&mut out, &format!("{line}\n"));
    }
    output::finish(&mut out);
    if args.format != Format::Json && !args.quiet {
        if summary.files == 0 {
            emit(&mut err, "nixfix: no Nixpacks or Railway config found\n");
        } else {
            emit(&mut err, &format!("{}\n", summary.line(args.write)));
        }
    }
    if summary.errors > 0 {
        EXIT_ERROR
    } else if summary.fixed > 0 && !args.write {
        EXIT_PENDING
    } else {
        EXIT_CLEAN
    }
}

/// Print one file's report in the chosen format.
fn render(
    args: &FixArgs,
    r: &FileReport,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) {
    match args.format {
        Format::Json => emit(out, &format!("{}\n", output::json_line(r))),
        Format::Github => {
            for l in output::github_lines(r) {
                emit(out, &format!("{l}\n"));
            }
        }
        Format::Text => {
            if let Some(l) = output::error_line(r) {
                emit(err, &format!("{l}\n"));
            }
            if args.check {
                for l in output::finding_lines(r, Which::Fixes) {
                    emit(out, &format!("{l}\n"));
                }
                if !args.quiet {
                    for l in output::finding_lines(r, Which::Warnings) {
                        emit(err, &format!("{l}\n"));
                    }
                }
            } else {
                if !args.write
                    && let (Some(a), Some(b)) = (&r.original, &r.fixed)
                {
                    emit(
                        out,
                        &output::paint_diff(&output::unified_diff(&r.path, a, b)),
                    );
                }
                if !args.quiet {
                    for l in output::finding_lines(r, Which::Warnings) {
                        emit(err, &format!("{l}\n"));
                    }
                }
            }
        }
    }
}

fn read_list(list: &Path) -> std::io::Result<Vec<PathBuf>> {
    let text = if list == Path::new("-") {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(list)?
    };
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .map(PathBuf::from)
        .collect())
}

fn fix_stdin(args: &FixArgs, rules: Vec<&'static dyn Rule>) -> u8 {
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut bytes) {
        eprintln!("nixfix: <stdin>: {e}");
        return EXIT_ERROR;
    }
    let name = args
        .stdin_filename
        .clone()
        .unwrap_or_else(|| PathBuf::from("<stdin>"));
    let kind = args
        .stdin_filename
        .as_deref()
        .and_then(|p| p.file_name()?.to_str())
        .and_then(crate::nixpacks::Kind::from_file_name);
    let env = match args.stdin_filename.as_deref().and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => crate::nixpacks::Environment::from_dir(dir),
        // A bare file name: the current directory.
        Some(_) => crate::nixpacks::Environment::from_dir(Path::new(".")),
        _ => crate::nixpacks::Environment::default(),
    };
    let opts = RunOptions {
        engine: Options { rules },
        write: false,
        keep_text: true,
        config_paths: false,
    };
    let r = driver::fix_bytes(&name, &bytes, kind, &env, &opts);
    let mut out = output::stdout();
    let mut err = anstream::stderr().lock();
    if r.status == Status::Error {
        if let Some(l) = output::error_line(&r) {
            emit(&mut err, &format!("{l}\n"));
        }
        return EXIT_ERROR;
    }
    match args.format {
        Format::Json => emit(&mut out, &format!("{}\n", output::json_line(&r))),
        Format::Github => {
            for l in output::github_lines(&r) {
                emit(&mut out, &format!("{l}\n"));
            }
        }
        Format::Text if args.check => {
            let mut painted = output::painted_stdout();
            for l in output::finding_lines(&r, Which::Fixes) {
                emit(&mut painted, &format!("{l}\n"));
            }
        }
        Format::Text => {
            // A filter: the fixed text, byte for byte, whatever the terminal.
            let text = r
                .fixed
                .as_deref()
                .unwrap_or_else(|| std::str::from_utf8(&bytes).unwrap_or_default());
            emit(&mut out, text);
        }
    }
    if !args.quiet && args.format == Format::Text {
        for l in output::finding_lines(&r, Which::Warnings) {
            emit(&mut err, &format!("{l}\n"));
        }
    }
    if (args.check || args.format != Format::Text) && r.status == Status::Fixed {
        EXIT_PENDING
    } else {
        EXIT_CLEAN
    }
}

/// Whether standard error is a terminal (for progress output).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}
