//! What every reporter prints with: paths as people and git read them,
//! unified diffs, and a standard output that keeps its first error.

use anstyle::{AnsiColor, Style};
use std::io::Write;
use std::path::Path;

/// A path as given, without a leading `./` (and with `/` separators on
/// Windows), as text: lossy for a name that is not UTF-8. For JSON and for
/// matching globs; what is printed for people goes through [`shown_path`].
pub fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    let s = if cfg!(windows) {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    };
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

/// The bytes of a path, without a leading `./`.
pub(crate) fn path_bytes(p: &Path) -> std::borrow::Cow<'_, [u8]> {
    #[cfg(unix)]
    let b: std::borrow::Cow<[u8]> = {
        use std::os::unix::ffi::OsStrExt;
        std::borrow::Cow::Borrowed(p.as_os_str().as_bytes())
    };
    #[cfg(not(unix))]
    let b: std::borrow::Cow<[u8]> = std::borrow::Cow::Owned(display_path(p).into_bytes());
    match b.strip_prefix(b"./") {
        Some(rest) => std::borrow::Cow::Owned(rest.to_vec()),
        None => b,
    }
}

/// `name` quoted as git quotes paths (`core.quotePath`, its default): as
/// it is when it holds only printable ASCII other than `"` and `\`, else
/// in double quotes with C escapes (`\n`, `\t`, `\"`, `\\`, and `\ooo`
/// octal for other control bytes and every byte of a non-ASCII or
/// non-UTF-8 name). A name with a newline cannot inject lines into a patch
/// or a `--check` listing, and `git apply` reads the quoted form back.
pub fn git_quote(name: &[u8]) -> String {
    let plain = |c: u8| (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\';
    if name.iter().all(|&c| plain(c)) {
        return String::from_utf8_lossy(name).into_owned();
    }
    let mut out = String::with_capacity(name.len() + 8);
    out.push('"');
    for &c in name {
        match c {
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            0x0b => out.push_str("\\v"),
            0x0c => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            c if plain(c) => out.push(c as char),
            c => out.push_str(&format!("\\{c:03o}")),
        }
    }
    out.push('"');
    out
}

/// How a path is printed for people (diagnostic lines, `--check`): as
/// given, without a leading `./`, quoted by [`git_quote`] when it must be.
pub fn shown_path(p: &Path) -> String {
    git_quote(&path_bytes(p))
}

/// A unified diff of one file, with `a/` and `b/` headers that
/// `git apply` and `patch -p1` accept. Empty when nothing changed.
pub fn unified_diff(path: &Path, before: &str, after: &str) -> String {
    if before == after {
        return String::new();
    }
    let p = path_bytes(path);
    let p = p.strip_prefix(b"/").unwrap_or(&p);
    let header = |side: &[u8]| {
        let name = git_quote(&[side, p].concat());
        // Like git, end a header naming a path with spaces with a tab, so
        // that `patch` reads the whole name (a quoted name needs none).
        if !name.starts_with('"') && name.contains(' ') {
            format!("{name}\t")
        } else {
            name
        }
    };
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&header(b"a/"), &header(b"b/"))
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

/// Standard output, buffered (one write per 64 KiB, not per line), with
/// colour codes stripped unless the colour choice (`--color`, `NO_COLOR`, a
/// terminal) wants them. Errors go to [`stdout_failure`].
pub fn buffered_stdout() -> Box<dyn Write + Send> {
    let stdout = std::io::stdout();
    let color = !matches!(
        anstream::AutoStream::choice(&stdout),
        anstream::ColorChoice::Never
    );
    let w = std::io::BufWriter::with_capacity(64 * 1024, Guarded(stdout));
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

/// The first error writing to standard output, if one happened.
static STDOUT_FAILURE: std::sync::Mutex<Option<std::io::Error>> = std::sync::Mutex::new(None);

/// Standard output (or a stream to it) whose writes never fail: the first
/// error is kept for [`stdout_failure`], and everything after it is
/// dropped. So a closed pipe (`nixfix | head`) or a full disk stops the
/// report, never the work: every file is still fixed (or checked) and the
/// exit status says how that went.
pub struct Guarded<W: Write>(pub W);

fn failed() -> bool {
    STDOUT_FAILURE.lock().map_or(true, |f| f.is_some())
}

fn record(e: std::io::Error) {
    if let Ok(mut f) = STDOUT_FAILURE.lock()
        && f.is_none()
    {
        *f = Some(e);
    }
}

impl<W: Write> Write for Guarded<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !failed()
            && let Err(e) = self.0.write_all(buf)
        {
            record(e);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if !failed()
            && let Err(e) = self.0.flush()
        {
            record(e);
        }
        Ok(())
    }
}

/// Standard output, unbuffered, through [`Guarded`].
pub fn stdout() -> Guarded<std::io::StdoutLock<'static>> {
    Guarded(std::io::stdout().lock())
}

/// Standard output with colour as chosen, through [`Guarded`].
pub fn painted_stdout() -> Guarded<anstream::AutoStream<std::io::StdoutLock<'static>>> {
    Guarded(anstream::AutoStream::auto(std::io::stdout().lock()))
}

/// How writing to standard output went: `None` when every byte got there
/// or the reader closed the pipe (`nixfix --check | head -1`: not an
/// error, and the exit status stays what the run earned), otherwise the
/// error (`> /dev/full`), which makes the run fail.
pub fn stdout_failure() -> Option<std::io::Error> {
    let f = STDOUT_FAILURE.lock().ok()?;
    f.as_ref()
        .filter(|e| e.kind() != std::io::ErrorKind::BrokenPipe)
        .map(|e| std::io::Error::new(e.kind(), e.to_string()))
}

/// The exit status `code`, unless writing the report failed: then a
/// message on stderr and exit status 2.
pub fn delivered(code: u8) -> u8 {
    match stdout_failure() {
        Some(e) => {
            let msg = e.to_string();
            let msg = msg.split(" (os error").next().unwrap_or(&msg);
            eprintln!("nixfix: writing the report to standard output: {msg}");
            2
        }
        None => code,
    }
}

/// Write to a stream. Standard output is [`Guarded`]; an error on standard
/// error has nowhere to be reported and is dropped.
pub fn emit(w: &mut dyn Write, s: &str) {
    let _ = w.write_all(s.as_bytes());
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
    fn paths_are_quoted_as_git_quotes_them() {
        assert_eq!(git_quote(b"svc/nixpacks.toml"), "svc/nixpacks.toml");
        assert_eq!(git_quote(b"a b/c"), "a b/c");
        // What `git ls-files` prints for these names (core.quotePath).
        assert_eq!(git_quote(b"a\nb/x"), r#""a\nb/x""#);
        assert_eq!(git_quote(b"q\"\\\t"), r#""q\"\\\t""#);
        assert_eq!(git_quote("é".as_bytes()), r#""\303\251""#);
        assert_eq!(git_quote(b"\xff\x01\x7f"), r#""\377\001\177""#);
        let d = unified_diff(Path::new("./x\ny/nixpacks.toml"), "a\n", "b\n");
        assert!(
            d.starts_with("--- \"a/x\\ny/nixpacks.toml\"\n+++ \"b/x\\ny/nixpacks.toml\"\n"),
            "{d}"
        );
        let d = unified_diff(Path::new("s p/nixpacks.toml"), "a\n", "b\n");
        assert!(d.starts_with("--- a/s p/nixpacks.toml\t\n"), "{d}");
    }
}
