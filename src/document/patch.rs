//! Updating a parsed document for edits that only delete characters inside
//! string literals, instead of parsing the new text again.
//!
//! Removing a command from a command string (what NF001 and NF002 do) is a
//! deletion strictly between a literal's quotes: the document's structure
//! does not change, only that string's value and the spans after it. Those
//! can be worked out from the edits, which costs a fraction of a parse. Any
//! other edit (array items removed, a package appended, a key renamed) is
//! not patched: the caller parses the new text.
//!
//! The engine checks the result: unoptimised builds (every test) compare
//! each patched document with a fresh parse, and every build compares the
//! document a run settles on, so a patch can never change what is written.

use super::tree::{MapStyle, Node, NodeKind, StrStyle};
use super::{Document, strings};
use crate::edit::Edit;

/// Update `doc`, the document of the text the `edits` (normalised: sorted,
/// disjoint) were made on, to describe `new`, the text after them. Returns
/// `false` when the edits are not all deletions inside single-line string
/// literals without escapes: `doc` is then partly updated and must be
/// replaced by a parse of `new`.
pub fn deletions_in_strings(doc: &mut Document, edits: &[Edit], new: &str) -> bool {
    if edits.is_empty() || edits.iter().any(|e| !e.replacement.is_empty()) {
        return false;
    }
    let cuts = Cuts::new(edits);
    let mut used = vec![false; edits.len()];
    let json = doc.format == super::Format::Json;
    if !visit(&mut doc.root, &cuts, new, json, &mut used) {
        return false;
    }
    // Every edit fell inside a string literal or removed array items.
    used.iter().all(|&u| u)
}

/// The deletions (sorted, disjoint), with what answers "which of them
/// touch this span" and "where does this offset move" by binary search:
/// a document with a node per line and a deletion per line stays linear.
struct Cuts<'a> {
    edits: &'a [Edit],
    /// Bytes deleted by the edits before each index (and in all, last).
    gone: Vec<usize>,
}

impl<'a> Cuts<'a> {
    fn new(edits: &'a [Edit]) -> Cuts<'a> {
        let mut gone = Vec::with_capacity(edits.len() + 1);
        gone.push(0);
        for e in edits {
            gone.push(gone[gone.len() - 1] + e.range.len());
        }
        Cuts { edits, gone }
    }

    /// Where byte `p` of the old text is in the new one (`p` is never
    /// inside a deleted range: spans start and end outside string contents).
    fn shift(&self, p: usize) -> usize {
        p - self.gone[self.edits.partition_point(|e| e.range.end <= p)]
    }

    /// Indices of the edits overlapping `span`.
    fn within(&self, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
        let lo = self.edits.partition_point(|e| e.range.end <= span.start);
        let hi = self.edits.partition_point(|e| e.range.start < span.end);
        lo..hi.max(lo)
    }

    /// The edit holding all of the non-empty `span`, if one does.
    fn holding(&self, span: &std::ops::Range<usize>) -> Option<usize> {
        let k = self.edits.partition_point(|e| e.range.end < span.end);
        self.edits
            .get(k)
            .filter(|e| e.range.start <= span.start && span.end <= e.range.end)
            .map(|_| k)
    }
}

fn visit(n: &mut Node, cuts: &Cuts, new: &str, json: bool, used: &mut [bool]) -> bool {
    let old = n.span.clone();
    // Edits within this node's text.
    let mine = cuts.within(&old);
    n.span = cuts.shift(old.start)..cuts.shift(old.end);
    match &mut n.kind {
        NodeKind::Map(m) => {
            if let MapStyle::TomlHeader { header } = &mut m.style {
                if !cuts.within(header).is_empty() {
                    return false;
                }
                *header = cuts.shift(header.start)..cuts.shift(header.end);
            }
            for e in &mut m.entries {
                let ks = e.key_span.clone();
                if !cuts.within(&ks).is_empty() {
                    return false;
                }
                e.key_span = cuts.shift(ks.start)..cuts.shift(ks.end);
                if !visit(&mut e.value, cuts, new, json, used) {
                    return false;
                }
            }
            true
        }
        NodeKind::Array(a) => {
            // Items wholly inside a deletion are removed (with whatever
            // commas and comments the deletion takes); the others are
            // visited. Whether the separators left are right is checked by
            // the parse the engine compares with.
            let mut ok = true;
            let before = a.items.len();
            // Only deletions between the brackets remove items.
            let (open, close) = (old.start, old.end);
            a.items.retain_mut(|i| {
                let gone = cuts.holding(&i.span).filter(|&k| {
                    let e = &cuts.edits[k];
                    e.range.start > open && e.range.end < close
                });
                match gone {
                    Some(k) => {
                        used[k] = true;
                        false
                    }
                    None => {
                        ok = ok && visit(i, cuts, new, json, used);
                        true
                    }
                }
            });
            ok && !a.items.is_empty()
                && (a.items.len() == before || separators_hold(&n.span, &a.items, new, json))
        }
        NodeKind::Str(s) => {
            if mine.is_empty() {
                return true;
            }
            let quote = match s.style {
                StrStyle::TomlBasic | StrStyle::TomlLiteral | StrStyle::Json => 1,
                // Multi-line strings have line-ending backslashes and
                // leading newlines to mind: parsed instead.
                StrStyle::TomlMlBasic | StrStyle::TomlMlLiteral => return false,
            };
            if cuts.edits[mine.clone()]
                .iter()
                .any(|e| e.range.start < old.start + quote || e.range.end > old.end - quote)
            {
                return false;
            }
            let Some(raw) = new.get(n.span.clone()) else {
                return false;
            };
            // No escapes to mind: a deletion cannot have joined or split one.
            if raw.contains('\\') || raw.contains(['\n', '\r']) {
                return false;
            }
            match strings::decode_with_offsets(raw, s.style) {
                Some((value, _)) => s.value = value,
                None => return false,
            }
            for k in mine {
                used[k] = true;
            }
            true
        }
        NodeKind::Other => mine.is_empty(),
    }
}

/// Whether what is left between the brackets and the items of an array
/// (new text) is one comma between items, at most one after the last (none
/// in JSON), none before the first, and otherwise blanks and TOML comments.
fn separators_hold(span: &std::ops::Range<usize>, items: &[Node], new: &str, json: bool) -> bool {
    let mut gaps = Vec::with_capacity(items.len() + 1);
    let mut at = span.start + 1;
    for i in items {
        gaps.push(at..i.span.start);
        at = i.span.end;
    }
    gaps.push(at..span.end.saturating_sub(1));
    let last = gaps.len() - 1;
    gaps.iter().enumerate().all(|(k, g)| {
        let Some(text) = new.get(g.clone()) else {
            return false;
        };
        let mut commas = 0;
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            match c {
                ',' => commas += 1,
                ' ' | '\t' | '\n' | '\r' => {}
                '#' if !json => {
                    rest = rest.find('\n').map_or("", |p| &rest[p..]);
                    continue;
                }
                _ => return false,
            }
            rest = &rest[c.len_utf8()..];
        }
        match (k, last) {
            (0, _) => commas == 0,
            (k, l) if k == l => commas == 0 || (commas == 1 && !json),
            _ => commas == 1,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{Format, parse};

    fn patched(format: Format, text: &str, cut: &[&str]) -> Option<Document> {
        let mut edits: Vec<Edit> = cut
            .iter()
            .map(|c| {
                let at = text.find(c).expect("in the text");
                Edit::delete(at..at + c.len())
            })
            .collect();
        edits.sort_by_key(|e| e.range.start);
        let new = crate::edit::apply(text, edits.clone()).unwrap();
        let mut doc = parse(format, text).unwrap();
        deletions_in_strings(&mut doc, &edits, &new).then_some(doc)
    }

    fn assert_same_as_parse(format: Format, text: &str, cut: &[&str]) {
        let doc = patched(format, text, cut).expect("patchable");
        let mut new = text.to_string();
        for c in cut {
            new = new.replacen(c, "", 1);
        }
        assert_eq!(doc.root, parse(format, &new).unwrap().root, "{new}");
    }

    #[test]
    fn deletions_inside_strings_match_a_fresh_parse() {
        let t = "# c\n[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = [\"python -m ensurepip && pip install -U pip && pip install -r r.txt\", 'x']\n\n[start]\ncmd = 'python main.py'\n";
        assert_same_as_parse(Format::Toml, t, &["python -m ensurepip && "]);
        assert_same_as_parse(
            Format::Toml,
            t,
            &["python -m ensurepip && ", "pip install -U pip && "],
        );
        let dotted = "phases.install.cmds = ['a && ensurepip', \"b\"]\nstart.cmd = 'c'\n";
        assert_same_as_parse(Format::Toml, dotted, &[" && ensurepip"]);
        let j = "{\"phases\": {\"install\": {\"cmds\": [\"a && ensurepip\"]}}, \"start\": {\"cmd\": \"x\"}}";
        assert_same_as_parse(Format::Json, j, &[" && ensurepip"]);
        // Whole array items, with their separators and comments.
        let items = "[phases.install]\ncmds = [\n  'a',\n  'python -m ensurepip', # bootstrap\n  \"b\",\n]\nx = 1\n";
        assert_same_as_parse(
            Format::Toml,
            items,
            &["  'python -m ensurepip', # bootstrap\n"],
        );
        assert_same_as_parse(Format::Toml, items, &["'a',\n  "]);
        let j = "{\"build\": {\"cmds\": [\"a\", \"ensurepip\", \"b\"]}}";
        assert_same_as_parse(Format::Json, j, &[", \"ensurepip\""]);
    }

    #[test]
    fn other_edits_are_left_to_a_parse() {
        let t =
            "[phases.install]\ncmds = ['a', 'ensurepip']\nkey = \"qq\\\\ z\"\nml = '''\nabc'''\n";
        // A key, quotes, escapes, multi-line.
        assert!(patched(Format::Toml, t, &["cmds"]).is_none());
        assert!(patched(Format::Toml, t, &["'a'"]).is_none());
        assert!(patched(Format::Toml, t, &["['a', 'ensurepip']"]).is_none());
        assert!(patched(Format::Toml, t, &["qq"]).is_none());
        assert!(patched(Format::Toml, t, &["abc"]).is_none());
        assert!(patched(Format::Toml, t, &["[phases"]).is_none());
        // An insertion is not a deletion.
        let mut doc = parse(Format::Toml, t).unwrap();
        let ins = vec![Edit::insert(20, "z".to_string())];
        let new = crate::edit::apply(t, ins.clone()).unwrap();
        assert!(!deletions_in_strings(&mut doc, &ins, &new));
    }
}
