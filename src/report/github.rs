//! GitHub Actions workflow commands: an annotation per finding and error.
//! What fails the gate is `::error` (a pending fix, a fix to make by
//! hand, a file that cannot be read); a fix already written is a
//! `::notice`; advice is a `::warning`.

use super::{FileReport, Level, Style, Summary, level, message, put};
use crate::output::display_path;
use std::io::Write;

pub struct Github(pub Style);

fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The annotations for one file.
pub fn github_lines(r: &FileReport, pending: bool) -> Vec<String> {
    let p = display_path(&r.path);
    let mut out = Vec::new();
    for f in &r.findings {
        let kind = match level(f) {
            Level::Fix if pending => "error",
            Level::Fix => "notice",
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let title = match crate::rules::lookup(f.code) {
            Some(rule) => format!("{} {}", f.code, rule.meta().name),
            None => f.code.to_string(),
        };
        out.push(format!(
            "::{kind} file={},line={},col={},title={}::{}",
            prop(&p),
            f.line,
            f.column,
            prop(&title),
            data(&message(f, pending))
        ));
    }
    if let Some(e) = &r.error {
        let (l, c) = r.error_position.unwrap_or((1, 1));
        out.push(format!(
            "::error file={},line={l},col={c},title=nixfix::{}",
            prop(&p),
            data(e)
        ));
    }
    out
}

impl super::Reporter for Github {
    fn file(&self, r: &FileReport, out: &mut Vec<u8>, _err: &mut Vec<u8>) {
        for l in github_lines(r, r.pending(self.0.mode)) {
            out.extend_from_slice(l.as_bytes());
            out.push(b'\n');
        }
    }

    fn finish(&self, s: &Summary, _out: &mut dyn Write, err: &mut dyn Write) {
        if !self.0.quiet && s.files > 0 {
            put(err, &format!("{}\n", s.line()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(prop("a:b,c"), "a%3Ab%2Cc");
    }
}
