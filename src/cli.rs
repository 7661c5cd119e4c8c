//! The command line: arguments, modes, and the exit code.

use crate::driver::walk::WalkOptions;
use crate::output::{self, emit};
use crate::pipeline::{RunConfig, Source};
use crate::report::{self, Mode};
use crate::rules::{self, REGISTRY, Rule, RuleKind};
use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::report::{EXIT_CLEAN, EXIT_ERROR};

/// Default threads for --write (I/O-bound: each fix is flushed to disk).
const WRITE_JOBS: usize = 16;

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
    after_help = "Exit status: 0 nothing to fix (or all fixed with --write), 1 fixes pending or a \
fix to make by hand, 2 an error (--exit-zero: 0 unless an error).\n\
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

    /// Quiet: no summary line and no warnings (diffs, --check lines,
    /// fixes to make by hand and errors still print).
    #[arg(short, long)]
    pub quiet: bool,

    /// Also say which files were left alone and why (a Railway builder
    /// other than Nixpacks).
    #[arg(short, long)]
    pub verbose: bool,

    /// Exit 0 even when fixes are pending or must be made by hand (an
    /// error still exits 2): report only.
    #[arg(long)]
    pub exit_zero: bool,

    /// Apply `exclude` to files named on the command line too (as
    /// pre-commit names every staged file).
    #[arg(long)]
    pub force_exclude: bool,

    /// Print the settings this run would use (the settings file, rules,
    /// excludes) and exit.
    #[arg(long, conflicts_with = "show_files")]
    pub show_settings: bool,

    /// Print the files this run would look at, one per line, and exit.
    #[arg(long)]
    pub show_files: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Diffs (or with --check, one line per fix) and a summary.
    Text,
    /// One JSON object per file, then a summary object (JSON Lines).
    Json,
    /// GitHub Actions annotations.
    Github,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
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
    let code = match command(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("nixfix: {e:#}");
            EXIT_ERROR
        }
    };
    output::delivered(code)
}

/// The subcommand, or a run.
fn command(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Some(Command::Rule { code }) => explain(&code),
        Some(Command::Rules) => Ok(list_rules()),
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, "nixfix", &mut buf);
            emit(&mut output::stdout(), &String::from_utf8_lossy(&buf));
            Ok(EXIT_CLEAN)
        }
        Some(Command::Man) => {
            let cmd = <Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut buf)
                .context("rendering the man page")?;
            emit(&mut output::stdout(), &String::from_utf8_lossy(&buf));
            Ok(EXIT_CLEAN)
        }
        None => {
            let (settings_only, files_only) = (cli.fix.show_settings, cli.fix.show_files);
            let (cfg, settings) = resolve(cli.fix)?;
            if settings_only {
                return Ok(show_settings(&cfg, settings.as_deref()));
            }
            if files_only {
                return Ok(show_files(&cfg));
            }
            Ok(crate::pipeline::execute(&cfg))
        }
    }
}

fn explain(code: &str) -> anyhow::Result<u8> {
    let Some(r) = rules::lookup(code) else {
        bail!("no rule `{code}`; `nixfix rules` lists them");
    };
    emit(&mut output::painted_stdout(), r.meta().doc);
    Ok(EXIT_CLEAN)
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
) -> anyhow::Result<Vec<&'static dyn Rule>> {
    let resolve = |names: &[String]| -> anyhow::Result<Vec<&'static str>> {
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
                    .ok_or_else(|| anyhow::anyhow!("unknown rule `{n}`; `nixfix rules` lists them"))
            })
            .collect()
    };
    let sel = resolve(select)?;
    let ext = resolve(extend)?;
    let ign = resolve(ignore)?;
    let has = |list: &[&str], code: &str| list.contains(&"ALL") || list.contains(&code);
    Ok(REGISTRY
        .iter()
        .copied()
        .filter(|r| {
            let selected = if sel.is_empty() {
                r.meta().default
            } else {
                has(&sel, r.code())
            } || has(&ext, r.code());
            selected && !has(&ign, r.code())
        })
        .collect())
}

/// The settings file in effect (`--config`, or the nearest one; none with
/// `--isolated`), merged under the flags: flags win, `exclude` adds up.
fn merge_settings(args: &mut FixArgs) -> anyhow::Result<(Option<PathBuf>, Vec<String>)> {
    let path = if args.isolated {
        None
    } else {
        args.config
            .clone()
            .or_else(|| crate::settings::find(Path::new(".")))
    };
    let Some(p) = &path else {
        return Ok((None, Vec::new()));
    };
    let s = crate::settings::load(p)
        .map_err(anyhow::Error::msg)
        .with_context(|| output::shown_path(p))?;
    if args.select.is_empty() {
        args.select = s.select.unwrap_or_default();
    }
    if args.ignore.is_empty() {
        args.ignore = s.ignore.unwrap_or_default();
    }
    if args.extend_select.is_empty() {
        args.extend_select = s.extend_select.unwrap_or_default();
    }
    Ok((path, s.exclude))
}

/// Where the configs come from: `-`, one directory, or a list.
fn source(args: &FixArgs) -> anyhow::Result<Source> {
    let mut paths = args.paths.clone();
    if let Some(list) = &args.files_from {
        let more = read_list(list).with_context(|| output::shown_path(list))?;
        paths.extend(more);
    } else if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    if paths.iter().any(|p| p == Path::new("-")) {
        if paths.len() > 1 {
            bail!("`-` (standard input) cannot be combined with other paths");
        }
        return Ok(Source::Stdin {
            filename: args.stdin_filename.clone(),
        });
    }
    Ok(
        if args.files_from.is_none() && paths.len() == 1 && paths[0].is_dir() {
            Source::Dir(paths.remove(0))
        } else {
            Source::List(paths)
        },
    )
}

/// The run the arguments and the settings file describe, and the settings
/// file it read.
fn resolve(mut args: FixArgs) -> anyhow::Result<(RunConfig, Option<PathBuf>)> {
    let (settings, file_excludes) = merge_settings(&mut args)?;
    let base = settings.as_deref().and_then(Path::parent);
    let exclude = crate::settings::Excludes::new(
        &args.exclude,
        base.map(|b| (file_excludes.as_slice(), b)),
        args.force_exclude,
    )
    .map_err(anyhow::Error::msg)?;
    let rules = chosen_rules(&args.select, &args.extend_select, &args.ignore)?;
    let source = source(&args)?;
    let stdin = matches!(source, Source::Stdin { .. });
    let mode = match (args.write, args.check, stdin) {
        (true, _, _) => Mode::Write,
        (_, true, _) => Mode::Check,
        (_, _, true) => Mode::Filter,
        _ => Mode::Diff,
    };
    if stdin && mode == Mode::Write {
        bail!("--write cannot be used with `-` (standard input): the fixed text is printed");
    }
    // With --write most of the time is spent waiting for fsync, which many
    // threads overlap; otherwise one thread per CPU.
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let default_jobs = if args.write {
        cpus.max(WRITE_JOBS)
    } else {
        cpus
    };
    let jobs = args.jobs.unwrap_or(default_jobs).max(1);
    let format = match args.format {
        Format::Text => report::Format::Text,
        Format::Json => report::Format::Json,
        Format::Github => report::Format::Github,
        Format::Sarif => report::Format::Sarif,
    };
    let cfg = RunConfig {
        source,
        mode,
        format,
        quiet: args.quiet,
        verbose: args.verbose,
        exit_zero: args.exit_zero,
        rules,
        exclude,
        walk: WalkOptions {
            no_ignore: args.no_ignore,
            hidden: args.hidden,
            jobs,
        },
        progress: stderr_is_terminal() && !args.quiet,
    };
    Ok((cfg, settings))
}

/// `--show-settings`: what the run would use.
fn show_settings(cfg: &RunConfig, settings: Option<&Path>) -> u8 {
    let mut s = String::new();
    let file = settings.map_or_else(|| "(none)".to_string(), output::shown_path);
    s.push_str(&format!("settings file: {file}\n"));
    let codes: Vec<&str> = cfg.rules.iter().map(|r| r.code()).collect();
    s.push_str(&format!("rules: {}\n", codes.join(", ")));
    s.push_str(&format!("exclude: {}\n", cfg.exclude.describe()));
    s.push_str(&format!("force-exclude: {}\n", cfg.exclude.force));
    s.push_str(&format!("mode: {:?}\n", cfg.mode).to_lowercase());
    s.push_str(&format!("format: {:?}\n", cfg.format).to_lowercase());
    s.push_str(&format!("jobs: {}\n", cfg.walk.jobs));
    s.push_str(&format!(
        "ignore files: {}\nhidden: {}\n",
        !cfg.walk.no_ignore, cfg.walk.hidden
    ));
    emit(&mut output::stdout(), &s);
    EXIT_CLEAN
}

/// `--show-files`: the files the run would look at, after `exclude`.
fn show_files(cfg: &RunConfig) -> u8 {
    let paths = match &cfg.source {
        Source::Stdin { .. } => {
            eprintln!("nixfix: --show-files lists files; `-` reads standard input");
            return EXIT_ERROR;
        }
        Source::Dir(p) => vec![p.clone()],
        Source::List(p) => p.clone(),
    };
    let (mut found, missing) = crate::driver::walk::discover(&paths, &cfg.walk);
    found.retain(|c| !cfg.exclude.excludes(c));
    let mut out = output::stdout();
    for c in &found {
        emit(&mut out, &format!("{}\n", output::shown_path(&c.path)));
    }
    for r in &missing {
        if let Some(l) = crate::report::error_line(r) {
            eprintln!("{l}");
        }
    }
    if missing.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_ERROR
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

/// Whether standard error is a terminal (for progress output).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}
