//! Suppression comments: `# nixfix: ignore` (every rule) or
//! `# nixfix: ignore[NF002, NF003]` at the end of the line a finding is on,
//! or on a comment line before the first key or table to cover the whole
//! file. TOML only: JSON has no comments (use `exclude` there).

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

impl Suppressions {
    pub fn scan(text: &str) -> Suppressions {
        let mut s = Suppressions::default();
        if !text.contains("nixfix:") {
            return s;
        }
        let mut header = true;
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim_start_matches('\u{feff}').trim();
            let is_comment_line = trimmed.starts_with('#');
            if !trimmed.is_empty() && !is_comment_line {
                header = false;
            }
            let Some(pos) = line.find("nixfix:") else {
                continue;
            };
            let Some(hash) = line[..pos].rfind('#') else {
                continue;
            };
            let Some(codes) = directive(&line[hash..]) else {
                continue;
            };
            if header && is_comment_line {
                s.file = Some(codes);
            } else {
                s.lines.insert(i, codes);
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

    #[test]
    fn line_and_file_directives() {
        let t = "[phases.install]\ncmds = [\n  'pip install -U pip', # nixfix: ignore[NF002]\n  'x', # nixfix: ignore\n]\n";
        let s = Suppressions::scan(t);
        let at = |needle: &str| t.find(needle).unwrap();
        assert!(s.covers(t, "NF002", at("'pip")));
        assert!(!s.covers(t, "NF001", at("'pip")));
        assert!(s.covers(t, "NF001", at("'x'")));
        assert!(!s.covers(t, "NF002", at("cmds")));
        let f = "# nixfix: ignore[pip-self-upgrade]\n[phases.install]\ncmds = []\n";
        let s = Suppressions::scan(f);
        assert!(s.covers(f, "NF002", f.len() - 2));
        assert!(!s.covers(f, "NF001", f.len() - 2));
        // After the first key it is a line directive, not a file one.
        let g = "a = 1\n# nixfix: ignore\nb = 2\n";
        let s = Suppressions::scan(g);
        assert!(!s.covers(g, "NF001", g.len() - 2));
    }
}
