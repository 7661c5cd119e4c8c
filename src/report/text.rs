//! The text reporter: diffs (or `--check` lines) on standard output;
//! warnings, errors and the summary on standard error.

use super::{FileReport, Level, Mode, Style, Summary, level, message, put};
use crate::output::{paint_diff, shown_path, unified_diff};
use anstyle::{AnsiColor, Style as Paint};
use std::io::Write;

pub struct Text(pub Style);

/// `path:line:col: CODE message` for each finding of `r` at one of the
/// `levels`: fixes plain, what needs a hand fix tagged `error:`, advice
/// tagged `warning:`.
pub fn finding_lines(r: &FileReport, levels: &[Level], pending: bool) -> Vec<String> {
    let p = shown_path(&r.path);
    let bold = Paint::new().bold();
    r.findings
        .iter()
        .filter_map(|f| {
            let lv = level(f);
            if !levels.contains(&lv) {
                return None;
            }
            let (style, tag) = match lv {
                Level::Fix => (AnsiColor::Red.on_default().bold(), ""),
                Level::Error => (AnsiColor::Red.on_default().bold(), " error:"),
                Level::Warning => (AnsiColor::Yellow.on_default().bold(), " warning:"),
            };
            Some(format!(
                "{bold}{p}:{}:{}:{bold:#} {style}{}{tag}{style:#} {}",
                f.line,
                f.column,
                f.code,
                message(f, pending)
            ))
        })
        .collect()
}

/// The error line for a failed file: `path:line:col: error: message`.
pub fn error_line(r: &FileReport) -> Option<String> {
    let e = r.error.as_ref()?;
    let p = shown_path(&r.path);
    let pos = r
        .error_position
        .map(|(l, c)| format!(":{l}:{c}"))
        .unwrap_or_default();
    let style = AnsiColor::Red.on_default().bold();
    Some(format!("{p}{pos}: {style}error:{style:#} {e}"))
}

/// The line `-v` prints for a file left alone without running the rules:
/// `railway.json: skipped: builder is DOCKERFILE, which is not Nixpacks`.
pub fn skipped_line(r: &FileReport) -> Option<String> {
    let why = r.skipped.as_ref()?;
    Some(format!(
        "{}: skipped: {why}, which is not Nixpacks (the file is left alone)",
        shown_path(&r.path)
    ))
}

fn lines(w: &mut Vec<u8>, lines: Vec<String>) {
    for l in lines {
        w.extend_from_slice(l.as_bytes());
        w.push(b'\n');
    }
}

impl super::Reporter for Text {
    fn file(&self, r: &FileReport, out: &mut Vec<u8>, err: &mut Vec<u8>) {
        let Style { mode, quiet, .. } = self.0;
        if let Some(l) = error_line(r) {
            lines(err, vec![l]);
        }
        if self.0.verbose
            && let Some(l) = skipped_line(r)
        {
            lines(err, vec![l]);
        }
        let pending = r.pending(mode);
        match mode {
            // The gate's listing: what fails it, on standard output.
            Mode::Check => lines(out, finding_lines(r, &[Level::Fix, Level::Error], pending)),
            Mode::Diff => {
                if let (Some(a), Some(b)) = (&r.original, &r.fixed) {
                    put(out, &paint_diff(&unified_diff(&r.path, a, b)));
                }
                lines(err, finding_lines(r, &[Level::Error], pending));
            }
            // The fixed text is the output (the pipeline prints it).
            Mode::Write | Mode::Filter => lines(err, finding_lines(r, &[Level::Error], pending)),
        }
        if !quiet {
            lines(err, finding_lines(r, &[Level::Warning], pending));
        }
    }

    fn finish(&self, s: &Summary, _out: &mut dyn Write, err: &mut dyn Write) {
        if self.0.quiet || self.0.mode == Mode::Filter {
            return;
        }
        if s.files == 0 && s.excluded > 0 {
            put(
                err,
                &format!(
                    "nixfix: every config found is excluded ({} by `exclude`)\n",
                    s.excluded
                ),
            );
        } else if s.files == 0 {
            put(err, "nixfix: no Nixpacks or Railway config found\n");
        } else {
            put(err, &format!("{}\n", s.line()));
        }
    }
}
