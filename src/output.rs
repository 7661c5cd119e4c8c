//! Rendering reports: unified diffs, diagnostics lines, JSON, GitHub
//! annotations and the closing summary.

use crate::driver::{FileReport, Status};
use anstyle::{AnsiColor, Style};
use std::io::Write;
use std::path::Path;

/// How a path is shown: as given, without a leading `./`, `/` separators.
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// A unified diff of one file, with `a/` and `b/` headers that
/// `git apply` and `patch -p1` accept. Empty when nothing changed.
pub fn unified_diff(path: &Path, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let p = display_path(path);
    let p = p.trim_start_matches('/');
    // Like git, end a header naming a path with spaces with a tab, so that
    // `patch` reads the whole name.
    let tab = if p.contains(' ') { "\t" } else { "" };
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{p}{tab}"), &format!("b/{p}{tab}"))
        .to_string()
}

/// Paint a diff for a terminal (anstream strips the colour when it must).
pub fn paint_diff(diff: &str) -> String {
    let bold = Style::new().bold();
    let red = AnsiColor::Red.on_default();
    let green = AnsiColor::Green.on_default();
    let cyan = AnsiColor::Cyan.on_default();
    let mut out = String::with_capacity(diff.len() + 64);
    for line in diff.split_inclusive('\n') {
        let style = if line.starts_with("---") || line.starts_with("+++") {
            bold
        } else if line.starts_with("@@") {
            cyan
        } else if line.starts_with('-') {
            red
        } else if line.starts_with('+') {
            green
        } else {
            Style::new()
        };
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        out.push_str(&format!("{style}{body}{style:#}{nl}"));
    }
    out
}

/// Which findings to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Fixes,
    Warnings,
}

/// `path:line:col: CODE message` lines, one per finding of the kind asked.
pub fn finding_lines(r: &FileReport, which: Which) -> Vec<String> {
    let p = display_path(&r.path);
    let code_style = AnsiColor::Red.on_default().bold();
    let warn_style = AnsiColor::Yellow.on_default().bold();
    let mut out = Vec::new();
    for f in &r.findings {
        if f.fixed != (which == Which::Fixes) {
            continue;
        }
        let (style, tag) = if f.fixed {
            (code_style, "")
        } else {
            (warn_style, " warning:")
        };
        out.push(format!(
            "{bold}{p}:{}:{}:{bold:#} {style}{}{style:#}{tag} {}",
            f.line,
            f.column,
            f.code,
            f.message,
            bold = Style::new().bold()
        ));
    }
    out
}

/// The error line for a failed file: `path:line:col: error: message`.
pub fn error_line(r: &FileReport) -> Option<String> {
    let e = r.error.as_ref()?;
    let p = display_path(&r.path);
    let pos = r
        .error_position
        .map(|(l, c)| format!(":{l}:{c}"))
        .unwrap_or_default();
    let style = AnsiColor::Red.on_default().bold();
    Some(format!("{p}{pos}: {style}error:{style:#} {e}"))
}

/// A GitHub Actions workflow command for each finding and error.
pub fn github_lines(r: &FileReport) -> Vec<String> {
    let p = display_path(&r.path);
    let mut out = Vec::new();
    for f in &r.findings {
        let level = if f.fixed { "error" } else { "warning" };
        let title = match crate::rules::lookup(f.code) {
            Some(rule) => format!("{} {}", f.code, rule.name()),
            None => f.code.to_string(),
        };
        out.push(format!(
            "::{level} file={},line={},col={},title={}::{}",
            gh_prop(&p),
            f.line,
            f.column,
            gh_prop(&title),
            gh_data(&f.message)
        ));
    }
    if let Some(e) = &r.error {
        let (l, c) = r.error_position.unwrap_or((1, 1));
        out.push(format!(
            "::error file={},line={l},col={c},title=nixfix::{}",
            gh_prop(&p),
            gh_data(e)
        ));
    }
    out
}

fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One JSON object per file (a line of JSON Lines).
#[derive(serde::Serialize)]
pub struct JsonFile<'a> {
    pub path: String,
    pub kind: Option<crate::config::Kind>,
    pub status: Status,
    pub written: bool,
    pub findings: &'a [crate::engine::Reported],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<JsonError<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
}

#[derive(serde::Serialize)]
pub struct JsonError<'a> {
    pub message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

pub fn json_line(r: &FileReport) -> String {
    let diff = match (&r.original, &r.fixed) {
        (Some(a), Some(b)) => Some(unified_diff(&r.path, a, b)),
        _ => None,
    };
    let j = JsonFile {
        path: display_path(&r.path),
        kind: r.kind,
        status: r.status,
        written: r.written,
        findings: &r.findings,
        error: r.error.as_deref().map(|m| JsonError {
            message: m,
            line: r.error_position.map(|p| p.0),
            column: r.error_position.map(|p| p.1),
        }),
        diff,
    };
    serde_json::to_string(&j).expect("serializable")
}

/// Counts for the closing summary.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    pub files: usize,
    pub fixed: usize,
    pub unchanged: usize,
    pub errors: usize,
    pub fixes: usize,
    pub warnings: usize,
    pub seconds: f64,
}

impl Summary {
    pub fn add(&mut self, r: &FileReport) {
        self.files += 1;
        match r.status {
            Status::Fixed => self.fixed += 1,
            Status::Unchanged => self.unchanged += 1,
            Status::Error => self.errors += 1,
        }
        self.fixes += r.findings.iter().filter(|f| f.fixed).count();
        self.warnings += r.findings.iter().filter(|f| !f.fixed).count();
    }

    /// `2 files fixed, 1 warning, 1 error (14 files checked) in 0.21 s`.
    pub fn line(&self, wrote: bool) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = vec![if wrote {
            format!("{} fixed", plural(self.fixed, "file", "files"))
        } else {
            format!("{} to fix", plural(self.fixed, "file", "files"))
        }];
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

/// Standard output, buffered (one write per 64 KiB, not per line), with
/// colour codes stripped unless the colour choice (`--color`, `NO_COLOR`, a
/// terminal) wants them.
pub fn buffered_stdout() -> Box<dyn Write> {
    let stdout = std::io::stdout();
    let color = !matches!(
        anstream::AutoStream::choice(&stdout),
        anstream::ColorChoice::Never
    );
    let w = std::io::BufWriter::with_capacity(64 * 1024, stdout);
    if color {
        Box::new(w)
    } else {
        Box::new(Strip(w))
    }
}

/// A writer that drops ANSI escape codes (every write is whole text).
struct Strip<W: Write>(W);

impl<W: Write> Write for Strip<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        write!(self.0, "{}", anstream::adapter::strip_str(&text))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Flush a buffered stream, ending quietly on a closed pipe.
pub fn finish(w: &mut dyn Write) {
    if let Err(e) = w.flush()
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Write to a stream, ending quietly on a closed pipe (`nixfix | head`).
pub fn emit(w: &mut dyn Write, s: &str) {
    if let Err(e) = w.write_all(s.as_bytes())
        && e.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_headers_and_no_newline_marker() {
        let d = unified_diff(Path::new("./svc/nixpacks.toml"), "a\nb", "a\nc");
        assert!(
            d.starts_with("--- a/svc/nixpacks.toml\n+++ b/svc/nixpacks.toml\n"),
            "{d}"
        );
        assert!(d.contains("\\ No newline at end of file"), "{d}");
        assert_eq!(unified_diff(Path::new("x"), "same", "same"), "");
    }

    #[test]
    fn github_escapes() {
        assert_eq!(gh_prop("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(gh_data("l1\nl2"), "l1%0Al2");
    }
}
