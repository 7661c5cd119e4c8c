//! Suppression comments: `# nixfix: ignore` (every rule) or
//! `# nixfix: ignore[NF002, NF003]` at the end of the line a finding is on,
//! or on a comment line before the first key or table to cover the whole
//! file. TOML only: JSON has no comments (use `exclude` there). Only real
//! comments count: the same text inside a string (`"echo # nixfix:
//! ignore"`) is a string.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Codes {
    All,
    Some(Vec<String>),
}

impl Codes {
    fn covers(&self, code: &str) -> bool {
        match self {
            Codes::All => true,
            Codes::Some(v) => v
                .iter()
                .any(|c| c.eq_ignore_ascii_case(code) || matches_name(c, code)),
        }
    }
}

fn matches_name(name: &str, code: &str) -> bool {
    crate::rules::lookup(name).is_some_and(|r| r.code() == code)
}

#[derive(Debug, Clone, Default)]
pub struct Suppressions {
    file: Option<Codes>,
    /// By 0-based line number.
    lines: HashMap<usize, Codes>,
    /// Where each line of the scanned text starts (kept when `lines` is
    /// not empty, to find a finding's line in `O(log n)`).
    starts: Vec<usize>,
}

/// The directive in a comment, if any.
fn directive(comment: &str) -> Option<Codes> {
    let rest = comment.trim_start_matches('#').trim_start();
    let rest = rest.strip_prefix("nixfix:")?.trim_start();
    let rest = rest.strip_prefix("ignore")?;
    let rest = rest.trim_start();
    if let Some(list) = rest.strip_prefix('[') {
        let inner = list.split(']').next()?;
        let codes: Vec<String> = inner
            .split([',', ' '])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        return Some(Codes::Some(codes));
    }
    Some(Codes::All)
}

/// A comment of a TOML text: its 0-based line, its text (from the `#`),
/// and whether only blanks come before it on its line.
struct Comment<'a> {
    line: usize,
    text: &'a str,
    own_line: bool,
}

/// The comments of a TOML text, outside its strings, and the line of its
/// first key, table or value (`usize::MAX` for none). A lexical scan: in
/// TOML a `#` outside a string always starts a comment.
fn toml_comments(text: &str) -> (Vec<Comment<'_>>, usize) {
    #[derive(PartialEq)]
    enum In {
        Code,
        Basic,
        Literal,
        MlBasic,
        MlLiteral,
    }
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut state, mut line, mut first_content) = (In::Code, 0usize, usize::MAX);
    let mut content_on_line = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            line += 1;
            content_on_line = false;
            if matches!(state, In::Basic | In::Literal) {
                state = In::Code; // invalid TOML; resynchronise
            }
            i += 1;
            continue;
        }
        if b[i..].starts_with("\u{feff}".as_bytes()) {
            i += 3;
            continue;
        }
        let blank = matches!(c, b' ' | b'\t' | b'\r');
        if (state != In::Code || !blank) && !(state == In::Code && c == b'#') {
            content_on_line = true;
            first_content = first_content.min(line);
        }
        match state {
            In::Code => match c {
                b'#' => {
                    let end = text[i..].find('\n').map_or(text.len(), |p| i + p);
                    out.push(Comment {
                        line,
                        text: &text[i..end],
                        own_line: !content_on_line,
                    });
                    i = end;
                    continue;
                }
                b'"' if b[i..].starts_with(b"\"\"\"") => {
                    state = In::MlBasic;
                    i += 3;
                    continue;
                }
                b'\'' if b[i..].starts_with(b"\'\'\'") => {
                    state = In::MlLiteral;
                    i += 3;
                    continue;
                }
                b'"' => state = In::Basic,
                b'\'' => state = In::Literal,
                _ => {}
            },
            // An escape: the next byte is not a quote that ends it (a
            // line-ending backslash is counted as a line on the next turn).
            In::Basic | In::MlBasic if c == b'\\' && b.get(i + 1) != Some(&b'\n') => {
                i += 2;
                continue;
            }
            In::Basic if c == b'"' => state = In::Code,
            In::Literal if c == b'\'' => state = In::Code,
            In::MlBasic if b[i..].starts_with(b"\"\"\"") => {
                state = In::Code;
                i += 3;
                continue;
            }
            In::MlLiteral if b[i..].starts_with(b"\'\'\'") => {
                state = In::Code;
                i += 3;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    (out, first_content)
}

impl Suppressions {
    /// The suppressions of `text`, a document in `format` (JSON has none).
    pub fn scan(text: &str, format: crate::document::Format) -> Suppressions {
        let mut s = Suppressions::default();
        if format != crate::document::Format::Toml || !text.contains("nixfix:") {
            return s;
        }
        let (comments, first_content) = toml_comments(text);
        for c in comments {
            let Some(pos) = c.text.find("nixfix:") else {
                continue;
            };
            let Some(hash) = c.text[..pos].rfind('#') else {
                continue;
            };
            let Some(codes) = directive(&c.text[hash..]) else {
                continue;
            };
            if c.own_line && c.line < first_content {
                s.file = Some(codes);
            } else {
                s.lines.insert(c.line, codes);
            }
        }
        if !s.lines.is_empty() {
            s.starts = std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect();
        }
        s
    }

    /// Whether `code` is suppressed for a finding at byte `offset` of `text`.
    /// `text` is the text that was scanned.
    pub fn covers(&self, text: &str, code: &str, offset: usize) -> bool {
        if self.file.as_ref().is_some_and(|c| c.covers(code)) {
            return true;
        }
        if self.lines.is_empty() {
            return false;
        }
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        self.lines.get(&line).is_some_and(|c| c.covers(code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::Format;

    #[test]
    fn line_and_file_directives() {
        let t = "[phases.install]\ncmds = [\n  'pip install -U pip', # nixfix: ignore[NF002]\n  'x', # nixfix: ignore\n]\n";
        let s = Suppressions::scan(t, Format::Toml);
        let at = |needle: &str| t.find(needle).unwrap();
        assert!(s.covers(t, "NF002", at("'pip")));
        assert!(!s.covers(t, "NF001", at("'pip")));
        assert!(s.covers(t, "NF001", at("'x'")));
        assert!(!s.covers(t, "NF002", at("cmds")));
        let f = "# nixfix: ignore[pip-self-upgrade]\n[phases.install]\ncmds = []\n";
        let s = Suppressions::scan(f, Format::Toml);
        assert!(s.covers(f, "NF002", f.len() - 2));
        assert!(!s.covers(f, "NF001", f.len() - 2));
        // After the first key it is a line directive, not a file one.
        let g = "a = 1\n# nixfix: ignore\nb = 2\n";
        let s = Suppressions::scan(g, Format::Toml);
        assert!(!s.covers(g, "NF001", g.len() - 2));
    }

    /// Issue 11: the directive's text inside a string is not a comment.
    #[test]
    fn only_real_comments_suppress() {
        let at_end =
            |t: &str, format| Suppressions::scan(t, format).covers(t, "NF001", t.len() - 3);
        for t in [
            "cmds = [\"echo # nixfix: ignore\", \"python -m ensurepip\"]\n",
            "cmds = ['echo # nixfix: ignore', 'python -m ensurepip']\n",
            "cmds = [\"\"\"\n# nixfix: ignore\n\"\"\", 'x']\n",
            "cmds = ['''a\n# nixfix: ignore''', 'x']\n",
            "k = \"a\\\"# nixfix: ignore\"\n",
        ] {
            assert!(!at_end(t, Format::Toml), "{t:?}");
        }
        // Nor in JSON, which has no comments at all.
        let j = "{\"cmds\": [\"echo # nixfix: ignore\", \"python -m ensurepip\"]}";
        assert!(!Suppressions::scan(j, Format::Json).covers(j, "NF001", j.len() - 3));
        // A real comment after such a string still counts.
        let t = "cmds = [\"a # b\", 'x'] # nixfix: ignore\n";
        assert!(at_end(t, Format::Toml));
        // Before the first key, a string spanning lines is content.
        let t = "\u{feff}# nixfix: ignore[NF001]\nk = 1\n";
        assert!(Suppressions::scan(t, Format::Toml).covers(t, "NF001", t.len() - 1));
    }
}
