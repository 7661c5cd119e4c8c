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
    let mut inside = 0;
    if !visit(&mut doc.root, edits, new, &mut inside) {
        return false;
    }
    // Every edit fell inside some string literal.
    inside == edits.len()
}

/// Where byte `p` of the old text is in the new one (`p` is never inside a
/// deleted range: spans start and end outside string contents).
fn shift(p: usize, edits: &[Edit]) -> usize {
    let gone: usize = edits
        .iter()
        .take_while(|e| e.range.end <= p)
        .map(|e| e.range.len())
        .sum();
    p - gone
}

fn visit(n: &mut Node, edits: &[Edit], new: &str, inside: &mut usize) -> bool {
    let old = n.span.clone();
    // Edits within this node's text.
    let mine: Vec<&Edit> = edits
        .iter()
        .filter(|e| e.range.start < old.end && e.range.end > old.start)
        .collect();
    n.span = shift(old.start, edits)..shift(old.end, edits);
    match &mut n.kind {
        NodeKind::Map(m) => {
            if let MapStyle::TomlHeader { header } = &mut m.style {
                if mine
                    .iter()
                    .any(|e| e.range.start < header.end && e.range.end > header.start)
                {
                    return false;
                }
                *header = shift(header.start, edits)..shift(header.end, edits);
            }
            for e in &mut m.entries {
                let ks = e.key_span.clone();
                if edits
                    .iter()
                    .any(|d| d.range.start < ks.end && d.range.end > ks.start)
                {
                    return false;
                }
                e.key_span = shift(ks.start, edits)..shift(ks.end, edits);
                if !visit(&mut e.value, edits, new, inside) {
                    return false;
                }
            }
            true
        }
        NodeKind::Array(a) => a.items.iter_mut().all(|i| visit(i, edits, new, inside)),
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
            if mine
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
            *inside += mine.len();
            true
        }
        NodeKind::Other => mine.is_empty(),
    }
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
    }

    #[test]
    fn other_edits_are_left_to_a_parse() {
        let t =
            "[phases.install]\ncmds = ['a', 'ensurepip']\nkey = \"qq\\\\ z\"\nml = '''\nabc'''\n";
        // A whole item with its comma, a key, quotes, escapes, multi-line.
        assert!(patched(Format::Toml, t, &[", 'ensurepip'"]).is_none());
        assert!(patched(Format::Toml, t, &["cmds"]).is_none());
        assert!(patched(Format::Toml, t, &["'a'"]).is_none());
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
