//! JSON front end: a strict RFC 8259 parser that keeps the byte span of every
//! value and produces the neutral tree, and the JSON way of writing new things.
//!
//! The parser is hand-written (recursive descent) so that every node knows
//! exactly where it sits in the original text, BOM included. It is strict on
//! purpose: Nixpacks reads its JSON with serde_json, so anything serde_json
//! would reject (comments, trailing commas, single quotes, ...) is reported
//! instead of being "fixed" into a file the build still cannot read. Duplicate
//! keys are refused too: serde would silently keep one copy, and a fixer that
//! edits the other copy changes nothing.

use std::collections::HashMap;
use std::ops::Range;

use super::ops::{self, indent_of, line_start};
use super::{
    Array, Entry, Map, MapStyle, Node, NodeKind, ParseError, Str, StrStyle, Syntax, eol, line_col,
    strings,
};
use crate::edit::Edit;

/// How deeply objects and arrays may nest (serde_json's default limit too).
pub use super::MAX_DEPTH;

const BOM: &str = "\u{feff}";

/// Parse JSON text (a leading BOM is allowed) into the tree.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let mut p = Parser {
        text,
        b: text.as_bytes(),
        pos: 0,
    };
    if text.starts_with(BOM) {
        p.pos = BOM.len();
    }
    p.skip_ws()?;
    if p.pos >= p.b.len() {
        return Err(p.err_at("empty file", p.pos));
    }
    let root = p.value(0)?;
    p.skip_ws()?;
    if p.pos < p.b.len() {
        return Err(p.err_at(
            format!(
                "unexpected {} after the end of the JSON value (a file holds exactly one value)",
                p.found(p.pos)
            ),
            p.pos,
        ));
    }
    Ok(root)
}

struct Parser<'a> {
    text: &'a str,
    b: &'a [u8],
    /// Always on a character boundary of `text`.
    pos: usize,
}

impl Parser<'_> {
    fn err_at(&self, msg: impl AsRef<str>, at: usize) -> ParseError {
        ParseError::at(format!("invalid JSON: {}", msg.as_ref()), self.text, at)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// A description of the character at `at`, for messages.
    fn found(&self, at: usize) -> String {
        match self.text.get(at..).map(|s| s.chars().next()) {
            Some(Some(c)) => format!("{c:?}"),
            Some(None) => "end of file".to_string(),
            None => "a character".to_string(),
        }
    }

    /// Skip JSON whitespace; a comment is an error with its own message.
    fn skip_ws(&mut self) -> Result<(), ParseError> {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                b'/' if matches!(self.b.get(self.pos + 1), Some(b'/' | b'*')) => {
                    return Err(self.err_at("comments are not allowed in JSON", self.pos));
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        let start = self.pos;
        let rest = &self.b[start..];
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => {
                let (value, span) = self.string()?;
                Ok(Node {
                    span,
                    kind: NodeKind::Str(Str {
                        value,
                        style: StrStyle::Json,
                    }),
                })
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true"),
            Some(b'f') => self.literal("false"),
            Some(b'n') => self.literal("null"),
            Some(b'\'') => Err(self.err_at("strings must be written in double quotes in JSON", start)),
            Some(_) if rest.starts_with(b"NaN") || rest.starts_with(b"Infinity") => {
                Err(self.err_at("NaN and Infinity are not allowed in JSON", start))
            }
            _ => Err(self.err_at(
                format!(
                    "expected a value (string, number, object, array, true, false or null), found {}",
                    self.found(start)
                ),
                start,
            )),
        }
    }

    fn check_depth(&self, depth: usize) -> Result<(), ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.err_at(
                format!("objects and arrays nest deeper than {MAX_DEPTH} levels"),
                self.pos,
            ));
        }
        Ok(())
    }

    fn object(&mut self, depth: usize) -> Result<Node, ParseError> {
        self.check_depth(depth)?;
        let start = self.pos;
        self.pos += 1; // `{`
        let mut entries = Vec::new();
        let mut seen: HashMap<String, usize> = HashMap::new();
        self.skip_ws()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
        } else {
            loop {
                let key_start = self.pos;
                match self.peek() {
                    Some(b'"') => {}
                    Some(b'\'') => {
                        return Err(self.err_at(
                            "strings must be written in double quotes in JSON",
                            key_start,
                        ));
                    }
                    Some(c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' => {
                        return Err(self.err_at(
                            "object keys must be double-quoted strings in JSON",
                            key_start,
                        ));
                    }
                    _ => {
                        return Err(self.err_at(
                            format!(
                                "expected a double-quoted key, found {}",
                                self.found(key_start)
                            ),
                            key_start,
                        ));
                    }
                }
                let (key, key_span) = self.string()?;
                if let Some(&first) = seen.get(&key) {
                    let (line, col) = line_col(self.text, first);
                    return Err(self.err_at(
                        format!(
                            "duplicate key {} (first at line {line}, column {col}); \
                             Nixpacks would silently use only one of them, remove the other",
                            strings::encode(&key, StrStyle::Json)
                        ),
                        key_start,
                    ));
                }
                seen.insert(key.clone(), key_start);
                self.skip_ws()?;
                if self.peek() != Some(b':') {
                    return Err(self.err_at(
                        format!(
                            "expected ':' after an object key, found {}",
                            self.found(self.pos)
                        ),
                        self.pos,
                    ));
                }
                self.pos += 1;
                self.skip_ws()?;
                let value = self.value(depth)?;
                entries.push(Entry {
                    key,
                    key_span,
                    value,
                });
                if self.after_item(b'}', "an object member")? {
                    break;
                }
            }
        }
        Ok(Node {
            span: start..self.pos,
            kind: NodeKind::Map(Map {
                style: MapStyle::JsonObject,
                entries,
            }),
        })
    }

    fn array(&mut self, depth: usize) -> Result<Node, ParseError> {
        self.check_depth(depth)?;
        let start = self.pos;
        self.pos += 1; // `[`
        let mut items = Vec::new();
        self.skip_ws()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
        } else {
            loop {
                items.push(self.value(depth)?);
                if self.after_item(b']', "an array item")? {
                    break;
                }
            }
        }
        Ok(Node {
            span: start..self.pos,
            kind: NodeKind::Array(Array { items }),
        })
    }

    /// After an item of an object or array: a `,` and more to come
    /// (`false`), or the `close` bracket (`true`, consumed).
    fn after_item(&mut self, close: u8, what: &str) -> Result<bool, ParseError> {
        self.skip_ws()?;
        match self.peek() {
            Some(b',') => {
                let comma = self.pos;
                self.pos += 1;
                self.skip_ws()?;
                if self.peek() == Some(close) {
                    return Err(self.err_at("trailing commas are not allowed in JSON", comma));
                }
                Ok(false)
            }
            Some(c) if c == close => {
                self.pos += 1;
                Ok(true)
            }
            _ => Err(self.err_at(
                format!(
                    "expected ',' or '{}' after {what}, found {}",
                    close as char,
                    self.found(self.pos)
                ),
                self.pos,
            )),
        }
    }

    /// A string literal at `pos` (on its `"`): the decoded value and its span.
    fn string(&mut self) -> Result<(String, Range<usize>), ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos; // start of the not yet copied unescaped text
        loop {
            let Some(c) = self.peek() else {
                return Err(self.err_at("unterminated string", start));
            };
            match c {
                b'"' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    return Ok((out, start..self.pos));
                }
                b'\\' => {
                    out.push_str(&self.text[run..self.pos]);
                    out.push(self.escape(start)?);
                    run = self.pos;
                }
                b'\n' | b'\r' => {
                    return Err(self.err_at(
                        "line break inside a string (unterminated string? write a line break as \\n)",
                        self.pos,
                    ));
                }
                0..=0x1f => {
                    return Err(self.err_at(
                        format!(
                            "control character {:?} inside a string (write it as an escape such as \\u{:04x})",
                            c as char, c
                        ),
                        self.pos,
                    ));
                }
                _ => self.pos += 1,
            }
        }
    }

    /// The escape sequence at `pos` (on its backslash), decoded.
    fn escape(&mut self, string_start: usize) -> Result<char, ParseError> {
        let at = self.pos;
        let Some(e) = self.b.get(at + 1).copied() else {
            return Err(self.err_at("unterminated string", string_start));
        };
        self.pos += 2;
        let c = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4(at)?;
                let code = if (0xD800..0xDC00).contains(&hi) {
                    if self.b.get(self.pos) != Some(&b'\\')
                        || self.b.get(self.pos + 1) != Some(&b'u')
                    {
                        return Err(
                            self.err_at(format!("unpaired surrogate \\u{hi:04X} in a string"), at)
                        );
                    }
                    let low_at = self.pos;
                    self.pos += 2;
                    let lo = self.hex4(low_at)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return Err(
                            self.err_at(format!("unpaired surrogate \\u{hi:04X} in a string"), at)
                        );
                    }
                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                } else {
                    hi
                };
                match char::from_u32(code) {
                    Some(c) => c,
                    None => {
                        return Err(self
                            .err_at(format!("unpaired surrogate \\u{code:04X} in a string"), at));
                    }
                }
            }
            _ => {
                return Err(self.err_at(
                    format!(
                        "invalid escape \\{} in a string (JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                        self.found(at + 1).trim_matches('\'')
                    ),
                    at,
                ));
            }
        };
        Ok(c)
    }

    /// Four hex digits at `pos` (after a `\u` that starts at `escape_at`).
    fn hex4(&mut self, escape_at: usize) -> Result<u32, ParseError> {
        let digits = self.b.get(self.pos..self.pos + 4);
        let Some(digits) = digits.filter(|d| d.iter().all(u8::is_ascii_hexdigit)) else {
            return Err(self.err_at("\\u must be followed by four hex digits", escape_at));
        };
        let v = digits.iter().fold(0u32, |acc, &d| {
            acc * 16 + (d as char).to_digit(16).unwrap_or(0)
        });
        self.pos += 4;
        Ok(v)
    }

    fn digits(&mut self) -> usize {
        let from = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.pos - from
    }

    fn number(&mut self) -> Result<Node, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.err_at("leading zeros are not allowed in JSON numbers", start));
                }
            }
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ if self.b[self.pos..].starts_with(b"Infinity") => {
                return Err(self.err_at("NaN and Infinity are not allowed in JSON", start));
            }
            _ => {
                return Err(self.err_at(
                    format!("expected a digit after '-', found {}", self.found(self.pos)),
                    self.pos,
                ));
            }
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err_at(
                    format!(
                        "expected a digit after the decimal point, found {}",
                        self.found(self.pos)
                    ),
                    self.pos,
                ));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err_at(
                    format!(
                        "expected a digit in the exponent, found {}",
                        self.found(self.pos)
                    ),
                    self.pos,
                ));
            }
        }
        if matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == b'.') {
            return Err(self.err_at(
                format!("invalid number: unexpected {}", self.found(self.pos)),
                self.pos,
            ));
        }
        // serde_json reads a fraction, an exponent or an integer past u64
        // as an f64, and refuses one that overflows it (`1e999`): asked
        // itself, so that the two never disagree about the last digit.
        let literal = &self.text[start..self.pos];
        let may_overflow = literal.len() > 19 || literal.contains(['.', 'e', 'E']);
        if may_overflow && serde_json::from_str::<serde_json::Number>(literal).is_err() {
            return Err(self.err_at(
                format!("the number {literal} is out of range (Nixpacks reads JSON numbers as 64-bit floats at most)"),
                start,
            ));
        }
        Ok(Node {
            span: start..self.pos,
            kind: NodeKind::Other,
        })
    }

    fn literal(&mut self, word: &str) -> Result<Node, ParseError> {
        let start = self.pos;
        let end = start + word.len();
        let word_ends =
            !matches!(self.b.get(end), Some(c) if c.is_ascii_alphanumeric() || *c == b'_');
        if !self.b[start..].starts_with(word.as_bytes()) || !word_ends {
            return Err(self.err_at(
                format!(
                    "expected a value (string, number, object, array, true, false or null), found {}",
                    self.found(start)
                ),
                start,
            ));
        }
        self.pos = end;
        Ok(Node {
            span: start..end,
            kind: NodeKind::Other,
        })
    }
}

/// Every JSON object in the tree under `node` (itself included), in document order.
fn objects<'a>(node: &'a Node, out: &mut Vec<&'a Node>) {
    match &node.kind {
        NodeKind::Map(m) => {
            out.push(node);
            for e in &m.entries {
                objects(&e.value, out);
            }
        }
        NodeKind::Array(a) => {
            for i in &a.items {
                objects(i, out);
            }
        }
        _ => {}
    }
}

/// Whether only spaces and tabs come before `pos` on its line.
fn starts_line(text: &str, pos: usize) -> bool {
    text[line_start(text, pos)..pos]
        .chars()
        .all(|c| c == ' ' || c == '\t')
}

/// The indentation one nesting level adds in this file: the difference
/// between a member's indentation and its object's, looked up in `map`
/// first, then anywhere in the document. Two spaces when nothing tells.
fn indent_unit(text: &str, root: &Node, map: &Node) -> String {
    let mut all = vec![map];
    objects(root, &mut all);
    for node in all {
        let Some(m) = node.as_map() else { continue };
        let outer = indent_of(text, node.span.start);
        for e in &m.entries {
            let k = e.key_span.start;
            if !starts_line(text, k) || line_start(text, k) == line_start(text, node.span.start) {
                continue;
            }
            let inner = indent_of(text, k);
            if inner.len() > outer.len() && inner.starts_with(outer) {
                return inner[outer.len()..].to_string();
            }
        }
    }
    "  ".to_string()
}

/// What the file writes between a key and its value (`": "`, `":"`, ...).
fn colon_style(text: &str, root: &Node, map: &Node) -> String {
    let mut all = vec![map];
    objects(root, &mut all);
    for node in all {
        let Some(m) = node.as_map() else { continue };
        for e in &m.entries {
            let gap = &text[e.key_span.end..e.value.span.start];
            if !gap.contains(['\n', '\r']) {
                return gap.to_string();
            }
        }
    }
    ": ".to_string()
}

/// How new nested objects are written.
enum Layout<'a> {
    /// One member per line, each level indented by `unit` more.
    Multi { unit: &'a str, nl: &'a str },
    /// On one line, with `pad` inside the braces (`{ "a": 1 }` has `" "`).
    Inline { pad: &'a str },
}

/// `"path0": { "path1": ... value }`, with nested objects in `layout`;
/// `indent` is the indentation of the line the member starts on.
fn render_member(path: &[&str], value: &str, colon: &str, layout: &Layout, indent: &str) -> String {
    let key = strings::encode(path[0], StrStyle::Json);
    if path.len() == 1 {
        return format!("{key}{colon}{value}");
    }
    match layout {
        Layout::Multi { unit, nl } => {
            let inner_indent = format!("{indent}{unit}");
            let inner = render_member(&path[1..], value, colon, layout, &inner_indent);
            format!("{key}{colon}{{{nl}{inner_indent}{inner}{nl}{indent}}}")
        }
        Layout::Inline { pad } => {
            let inner = render_member(&path[1..], value, colon, layout, indent);
            format!("{key}{colon}{{{pad}{inner}{pad}}}")
        }
    }
}

/// Extra deletions for removed items written comma-first
/// (`[\n  "a"\n  , "b"\n]`): `ops::remove_items` deletes the line of an item
/// that stands alone on it, which leaves the comma that separated it from the
/// next item at the start of the next line (`[\n  , "b"\n]`). That comma,
/// and the spaces after it, go too. Only deletions, so they merge with the
/// ones `ops` makes (and stay harmless if `ops` learns to handle this layout).
fn comma_first_fixups(text: &str, array: &Node, idxs: &[usize]) -> Vec<Edit> {
    let Some(arr) = array.as_array() else {
        return Vec::new();
    };
    let b = text.as_bytes();
    let mut edits = Vec::new();
    for &i in idxs {
        let (Some(item), Some(next)) = (arr.items.get(i), arr.items.get(i + 1)) else {
            continue;
        };
        let (s, e, next) = (item.span.start, item.span.end, next.span.start);
        let le = ops::line_end(text, e);
        if !starts_line(text, s) || le >= next || !text[e..le].trim().is_empty() {
            continue;
        }
        if let Some(c) = ops::find_comma(text, le, next, None) {
            let mut end = c + 1;
            while end < next && matches!(b[end], b' ' | b'\t') {
                end += 1;
            }
            edits.push(Edit::delete(c..end));
        }
    }
    edits
}

pub struct JsonSyntax;

impl Syntax for JsonSyntax {
    fn string_literal(&self, value: &str, _like: Option<&Str>) -> String {
        strings::encode(value, StrStyle::Json)
    }

    fn string_array(&self, items: &[&str]) -> String {
        let inner: Vec<String> = items.iter().map(|s| self.string_literal(s, None)).collect();
        format!("[{}]", inner.join(", "))
    }

    fn remove_array_items(&self, text: &str, array: &Node, idxs: &[usize]) -> Vec<Edit> {
        let mut edits = ops::remove_items(text, array, idxs, None);
        edits.extend(comma_first_fixups(text, array, idxs));
        edits
    }

    fn append_array_item(&self, text: &str, array: &Node, literal: &str) -> Vec<Edit> {
        ops::append_item(text, array, literal, None)
    }

    fn insert_array_item(&self, text: &str, array: &Node, idx: usize, literal: &str) -> Vec<Edit> {
        ops::insert_item(text, array, idx, literal, None)
    }

    /// Adds `"path0": {"path1": ... value}` as the last member of the object
    /// `map_node`, in its layout. When `path[0]` already exists and is an
    /// object the insertion goes into it (JSON must not get a second copy of
    /// a key); when it exists as something else nothing can be added and no
    /// edit is returned.
    fn insert_path(
        &self,
        text: &str,
        root: &Node,
        map_node: &Node,
        path: &[&str],
        value: &str,
    ) -> Vec<Edit> {
        let Some(map) = map_node.as_map() else {
            return Vec::new();
        };
        let Some((first_key, rest)) = path.split_first() else {
            return Vec::new();
        };
        if map.style != MapStyle::JsonObject || map_node.span.len() < 2 {
            return Vec::new();
        }
        if let Some(existing) = map.get(first_key) {
            return match existing.as_map() {
                Some(_) if !rest.is_empty() => self.insert_path(text, root, existing, rest, value),
                _ => Vec::new(),
            };
        }
        let nl = eol(text);
        let unit = indent_unit(text, root, map_node);
        let colon = colon_style(text, root, map_node);
        let open = map_node.span.start;
        let close = map_node.span.end - 1;
        let (Some(first), Some(last)) = (map.entries.first(), map.entries.last()) else {
            // An empty object: `{}` or `{ }` stays on one line, `{\n}` gets a member line.
            let inner = &text[open + 1..close];
            if inner.contains('\n') {
                let outer = indent_of(text, open);
                let close_indent = if starts_line(text, close) {
                    &text[line_start(text, close)..close]
                } else {
                    outer
                };
                let indent = format!("{outer}{unit}");
                let layout = Layout::Multi { unit: &unit, nl };
                let member = render_member(path, value, &colon, &layout, &indent);
                return vec![Edit::replace(
                    open + 1..close,
                    format!("{nl}{indent}{member}{nl}{close_indent}"),
                )];
            }
            let layout = Layout::Inline { pad: inner };
            let member = render_member(path, value, &colon, &layout, "");
            return vec![Edit::replace(
                open + 1..close,
                format!("{inner}{member}{inner}"),
            )];
        };
        // Members on lines of their own when a line break separates any two
        // of them or a member from a brace.
        let mut gaps = vec![
            &text[open + 1..first.key_span.start],
            &text[last.value.span.end..close],
        ];
        for w in map.entries.windows(2) {
            gaps.push(&text[w[0].value.span.end..w[1].key_span.start]);
        }
        let multiline = gaps.iter().any(|g| g.contains('\n'));
        if multiline {
            let indent = match map
                .entries
                .iter()
                .rev()
                .find(|e| starts_line(text, e.key_span.start))
            {
                Some(e) => indent_of(text, e.key_span.start).to_string(),
                None => format!("{}{unit}", indent_of(text, open)),
            };
            let layout = Layout::Multi { unit: &unit, nl };
            let member = render_member(path, value, &colon, &layout, &indent);
            vec![Edit::insert(
                last.value.span.end,
                format!(",{nl}{indent}{member}"),
            )]
        } else {
            let sep = match map.entries.len() {
                n if n >= 2 => &text[map.entries[n - 2].value.span.end..last.key_span.start],
                _ => ", ",
            };
            let pad = &text[open + 1..first.key_span.start];
            let layout = Layout::Inline { pad };
            let member = render_member(path, value, &colon, &layout, "");
            vec![Edit::insert(last.value.span.end, format!("{sep}{member}"))]
        }
    }

    fn rename_key(&self, _text: &str, entry: &Entry, new_key: &str) -> Edit {
        Edit::replace(
            entry.key_span.clone(),
            strings::encode(new_key, StrStyle::Json),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply;
    use serde_json::{Value, json};

    fn root(text: &str) -> Node {
        parse(text).unwrap()
    }

    fn find<'a>(n: &'a Node, path: &[&str]) -> &'a Node {
        n.at(path).expect("the path exists")
    }

    /// `text` parses with our parser and with serde_json (which does not
    /// take a BOM) to `want`.
    fn check(text: &str, want: &Value) {
        parse(text).unwrap_or_else(|e| panic!("output does not parse: {e:?}\n{text}"));
        let got: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
            .unwrap_or_else(|e| panic!("serde_json rejects the output: {e}\n{text}"));
        assert_eq!(&got, want, "{text}");
    }

    fn err(text: &str) -> ParseError {
        match parse(text) {
            Ok(_) => panic!("accepted {text:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn tree_has_spans_paths_and_styles() {
        let t = "\u{feff}{\"build\": {\"nixpacksPlan\": {\"phases\": {\"setup\": {\"nixPkgs\": [\"...\", \"python311\"]}}}},\n \"n\": -1.5e+3, \"b\": [true, {\"x\": null}]}";
        let r = root(t);
        assert_eq!(r.span, 3..t.len());
        let m = r.as_map().unwrap();
        assert_eq!(m.style, MapStyle::JsonObject);
        assert_eq!(crate::document::path_to(&r, &r), Some(vec![]));
        assert_eq!(
            m.entries.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
            ["build", "n", "b"]
        );
        assert_eq!(&t[m.entries[0].key_span.clone()], "\"build\"");
        let setup = find(&r, &["build", "nixpacksPlan", "phases", "setup"]);
        assert_eq!(
            crate::document::path_to(&r, setup),
            Some(vec!["build", "nixpacksPlan", "phases", "setup"])
        );
        assert_eq!(
            &t[setup.span.clone()],
            "{\"nixPkgs\": [\"...\", \"python311\"]}"
        );
        let pkgs = find(setup, &["nixPkgs"]);
        assert_eq!(&t[pkgs.span.clone()], "[\"...\", \"python311\"]");
        let items = &pkgs.as_array().unwrap().items;
        assert_eq!(&t[items[1].span.clone()], "\"python311\"");
        assert_eq!(items[1].as_str().unwrap().value, "python311");
        assert_eq!(items[1].as_str().unwrap().style, StrStyle::Json);
        let n = find(&r, &["n"]);
        assert!(matches!(n.kind, NodeKind::Other));
        assert_eq!(&t[n.span.clone()], "-1.5e+3");
        let b = &find(&r, &["b"]).as_array().unwrap().items;
        assert_eq!(&t[b[0].span.clone()], "true");
        // Array items inherit the array's path.
        assert_eq!(crate::document::path_to(&r, &b[1]), Some(vec!["b"]));
        assert_eq!(crate::document::path_to(&r, &root(t)), None);
        assert_eq!(&t[find(&b[1], &["x"]).span.clone()], "null");
    }

    #[test]
    fn scalars_at_the_root_and_whitespace() {
        for (t, span) in [
            ("1", 0..1),
            (" \r\n\t\"x\" \n", 4..7),
            ("null", 0..4),
            ("[]", 0..2),
        ] {
            assert_eq!(root(t).span, span, "{t:?}");
        }
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let t = r#"{"k\u00e9\"y": "a\"b\\c\/d\b\f\n\r\t \u0041 \ud83d\ude00 caf\u00E9 ✓"}"#;
        let r = root(t);
        let e = &r.as_map().unwrap().entries[0];
        assert_eq!(e.key, "ké\"y");
        assert_eq!(&t[e.key_span.clone()], r#""k\u00e9\"y""#);
        assert_eq!(
            e.value.as_str().unwrap().value,
            "a\"b\\c/d\u{8}\u{c}\n\r\t A 😀 café ✓"
        );
        // The shared decoder agrees, offsets included.
        let raw = &t[e.value.span.clone()];
        let (v, _) = strings::decode_with_offsets(raw, StrStyle::Json).unwrap();
        assert_eq!(v, e.value.as_str().unwrap().value);
    }

    #[test]
    fn rejects_what_is_not_json() {
        let cases: &[(&str, &str, (usize, usize))] = &[
            (
                "{\n  // a comment\n  \"a\": 1\n}",
                "comments are not allowed in JSON",
                (2, 3),
            ),
            (
                "{\"a\": 1 /* c */}",
                "comments are not allowed in JSON",
                (1, 9),
            ),
            ("[1, 2,]", "trailing commas are not allowed", (1, 6)),
            ("{\"a\": 1,\n}", "trailing commas are not allowed", (1, 8)),
            ("{'a': 1}", "double quotes", (1, 2)),
            ("['a']", "double quotes", (1, 2)),
            ("{a: 1}", "keys must be double-quoted", (1, 2)),
            ("[\"a\tb\"]", "control character", (1, 4)),
            ("[\"a\nb\"]", "line break inside a string", (1, 4)),
            ("[\"a\\qb\"]", "invalid escape \\q", (1, 4)),
            ("[\"\\u12g4\"]", "four hex digits", (1, 3)),
            ("[\"\\ud83d\"]", "unpaired surrogate", (1, 3)),
            ("[\"\\ude00\"]", "unpaired surrogate", (1, 3)),
            ("[\"\\ud83d\\u0041\"]", "unpaired surrogate", (1, 3)),
            ("[01]", "leading zeros", (1, 2)),
            ("[-01]", "leading zeros", (1, 2)),
            ("[NaN]", "NaN and Infinity", (1, 2)),
            ("[-Infinity]", "NaN and Infinity", (1, 2)),
            ("[+1]", "expected a value", (1, 2)),
            ("[.5]", "expected a value", (1, 2)),
            ("[1.]", "after the decimal point", (1, 4)),
            ("[1e]", "in the exponent", (1, 4)),
            ("[0x10]", "invalid number", (1, 3)),
            ("[True]", "expected a value", (1, 2)),
            ("[nul]", "expected a value", (1, 2)),
            ("[truex]", "expected a value", (1, 2)),
            (
                "{\"a\": 1}\n{\"b\": 2}",
                "after the end of the JSON value",
                (2, 1),
            ),
            ("{\"a\": 1} x", "after the end of the JSON value", (1, 10)),
            ("", "empty file", (1, 1)),
            ("\u{feff}  \n", "empty file", (2, 1)),
            ("{\"a\" 1}", "expected ':'", (1, 6)),
            ("{\"a\": 1 \"b\": 2}", "expected ',' or '}'", (1, 9)),
            ("[1 2]", "expected ',' or ']'", (1, 4)),
            ("{\"a\": [1}", "expected ',' or ']'", (1, 9)),
            ("{\"a\": ", "found end of file", (1, 7)),
            ("{\"a", "unterminated string", (1, 2)),
            ("[\"a\\", "unterminated string", (1, 2)),
            ("\u{feff}\u{feff}{}", "expected a value", (1, 1)),
            ("[\u{a0}1]", "expected a value", (1, 2)),
            ("[1e999]", "out of range", (1, 2)),
            ("{\"a\": -1e309}", "out of range", (1, 7)),
            ("[1.8e308]", "out of range", (1, 2)),
            ("[1e99999999999999999999]", "out of range", (1, 2)),
        ];
        for (text, want, pos) in cases {
            let e = err(text);
            assert!(
                e.message.starts_with("invalid JSON: "),
                "{text:?}: {}",
                e.message
            );
            assert!(e.message.contains(want), "{text:?}: {}", e.message);
            assert_eq!(e.position, Some(*pos), "{text:?}: {}", e.message);
            // serde_json rejects all of these as well (it does not take a BOM).
            let without_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
            assert!(
                serde_json::from_str::<Value>(without_bom).is_err(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn rejects_duplicate_keys() {
        let t = "{\n  \"phases\": {},\n  \"start\": {},\n  \"phases\": {\"setup\": {}}\n}";
        let e = err(t);
        assert!(
            e.message
                .starts_with("invalid JSON: duplicate key \"phases\" (first at line 2, column 3)"),
            "{}",
            e.message
        );
        assert_eq!(e.position, Some((4, 3)));
        // The same key in different objects is fine.
        root("{\"a\": {\"a\": 1}, \"b\": [{\"a\": 1}, {\"a\": 2}]}");
    }

    #[test]
    fn nesting_is_limited_without_overflowing_the_stack() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        root(&ok);
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(err(&deep).message.contains("nest deeper than 128 levels"));
        let hostile = "{\"a\":[".repeat(100_000);
        assert!(err(&hostile).message.contains("nest deeper"));
    }

    /// Our verdict on `text` matches serde_json's, except for what we refuse
    /// on purpose (duplicate keys) or take on purpose (a leading BOM).
    fn agrees_with_serde(text: &str) {
        let ours = parse(text);
        let theirs = serde_json::from_str::<Value>(text.strip_prefix('\u{feff}').unwrap_or(text));
        match (&ours, &theirs) {
            (Ok(_), Err(e)) => panic!("we accept what serde_json rejects ({e}): {text:?}"),
            (Err(e), Ok(_)) => assert!(
                e.message.contains("duplicate key") || e.message.contains("nest deeper"),
                "we reject what serde_json accepts ({}): {text:?}",
                e.message
            ),
            _ => {}
        }
        if let Err(e) = ours {
            assert!(e.message.starts_with("invalid JSON: "));
            let (line, col) = e.position.expect("a position");
            assert!(line >= 1 && col >= 1);
        }
    }

    /// Numbers at the edges of what serde_json takes (issue 11: `1e999`
    /// was accepted and fixed).
    #[test]
    fn numbers_agree_with_serde_at_the_limits() {
        let mut cases: Vec<String> = [
            "1e999",
            "-1e999",
            "1e308",
            "1.7976931348623157e308",
            "1.7976931348623158e308",
            "1.7976931348623159e308",
            "1.797693134862315807937e308",
            "1.8e308",
            "2e308",
            "1e-999",
            "4.9e-324",
            "2.4e-324",
            "0e999999999999999999999",
            "-0.0e-99999",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.0",
            "0.1e1",
            "1E+2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        cases.push(format!("1{}", "0".repeat(308)));
        cases.push(format!("1{}", "0".repeat(309)));
        cases.push(format!("0.{}1e400", "0".repeat(100)));
        for c in &cases {
            agrees_with_serde(&format!("[{c}]"));
            agrees_with_serde(&format!("{{\"phases\": {{\"x\": {c}}}}}"));
        }
        assert!(parse("[1e999]").is_err() && parse("[1e308]").is_ok());
    }

    /// What serde_json does with numbers out of range, as found (not as
    /// assumed), and that we agree: an integer past u64/i64 is read as an
    /// f64 (accepted while it fits), anything past f64::MAX in magnitude is
    /// refused, an underflow is 0.0.
    #[test]
    fn numbers_out_of_range_as_serde_reads_them() {
        let serde = |t: &str| serde_json::from_str::<Value>(t).map(|v| v["a"].clone());
        let big = |sign: &str, digits: usize| format!("{{\"a\":{sign}1{}}}", "0".repeat(digits));
        for text in [
            "{\"a\":1e999}".to_string(),
            "{\"a\":-1e999}".to_string(),
            "{\"a\":1E+309}".to_string(),
            big("", 309),
            big("-", 309),
            big("", 400),
        ] {
            assert!(serde(&text).is_err(), "serde_json takes {text}");
            let e = parse(&text).expect_err(&text);
            assert!(e.message.contains("out of range"), "{text}: {}", e.message);
            assert_eq!(e.position, Some((1, 6)), "{text}");
        }
        for (text, want) in [
            (
                "{\"a\":18446744073709551616}".to_string(),
                18446744073709551616.0,
            ),
            (
                "{\"a\":-9223372036854775809}".to_string(),
                -9223372036854775809.0,
            ),
            (big("", 308), 1e308),
            (big("-", 308), -1e308),
            ("{\"a\":1e-999}".to_string(), 0.0),
        ] {
            let v = serde(&text).unwrap_or_else(|e| panic!("serde_json refuses {text}: {e}"));
            assert!(v.is_f64() && v.as_f64() == Some(want), "{text}: {v}");
            parse(&text).unwrap_or_else(|e| panic!("{text}: {}", e.message));
        }
        // Around both edges of the range, in every spelling of an exponent.
        for m in [
            "1",
            "9",
            "1.7976931348623157",
            "1.7976931348623159",
            "17976931348623157",
            "0.0001",
        ] {
            for e in (295..=330).chain(-340..=-300) {
                for x in ["e", "E", "e+"] {
                    if x == "e+" && e < 0 {
                        continue;
                    }
                    for sign in ["", "-"] {
                        agrees_with_serde(&format!("{{\"a\":{sign}{m}{x}{e}}}"));
                    }
                }
            }
        }
        for n in 300..=312 {
            agrees_with_serde(&format!("[{}]", "9".repeat(n)));
            agrees_with_serde(&format!("[-{}.5]", "9".repeat(n)));
        }
    }

    const SAMPLE: &str = "\u{feff}{\r\n  \"build\": {\"builder\": \"NIXPACKS\", \"n\": -0.5e-7},\r\n  \"phases\": {\r\n    \"setup\": {\"nixPkgs\": [\"...\", \"python311\", \"x\\\"\\u00e9\\ud83d\\ude00\"]},\r\n    \"install\": {\"cmds\": [\"python -m ensurepip\", true, false, null, 10, {}]}\r\n  }\r\n}\r\n";

    #[test]
    fn no_panic_on_truncations_and_mutations() {
        agrees_with_serde(SAMPLE);
        let chars: Vec<(usize, char)> = SAMPLE.char_indices().collect();
        let inserts = [
            "", "\"", "\\", ",", "{", "}", "[", "]", ":", "/", "/*", "//", "0", "-", "e", "\u{1}",
            "é", "\\u", "\\ud800", " ",
        ];
        for &(i, c) in &chars {
            // Every prefix and suffix.
            agrees_with_serde(&SAMPLE[..i]);
            agrees_with_serde(&SAMPLE[i..]);
            // Delete one character, or put something else there / before it.
            let after = i + c.len_utf8();
            for ins in inserts {
                agrees_with_serde(&format!("{}{ins}{}", &SAMPLE[..i], &SAMPLE[after..]));
                agrees_with_serde(&format!("{}{ins}{}", &SAMPLE[..i], &SAMPLE[i..]));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_agrees_with_serde(s in "[\\[\\]{}\",:0-9a-z\\\\ \n/*.eE+\\-\u{feff}é]{0,40}") {
            agrees_with_serde(&s);
        }

        #[test]
        fn never_panics_on_any_string(s in "\\PC{0,60}") {
            agrees_with_serde(&s);
        }
    }

    // --- Editing -----------------------------------------------------------

    fn remove(text: &str, idxs: &[usize], want: &str, value: Value) {
        let r = root(text);
        let node = find(&r, &["a"]);
        let out = apply(text, JsonSyntax.remove_array_items(text, node, idxs)).unwrap();
        assert_eq!(out, want, "removing {idxs:?} from {text:?}");
        check(&out, &json!({ "a": value }));
    }

    #[test]
    fn remove_items_from_multiline_arrays() {
        let ml = "{\n  \"a\": [\n    \"x\",\n    \"y\",\n    \"z\"\n  ]\n}\n";
        remove(
            ml,
            &[0],
            "{\n  \"a\": [\n    \"y\",\n    \"z\"\n  ]\n}\n",
            json!(["y", "z"]),
        );
        remove(
            ml,
            &[1],
            "{\n  \"a\": [\n    \"x\",\n    \"z\"\n  ]\n}\n",
            json!(["x", "z"]),
        );
        // The last item goes: the new last item loses its comma.
        remove(
            ml,
            &[2],
            "{\n  \"a\": [\n    \"x\",\n    \"y\"\n  ]\n}\n",
            json!(["x", "y"]),
        );
        remove(
            ml,
            &[1, 2],
            "{\n  \"a\": [\n    \"x\"\n  ]\n}\n",
            json!(["x"]),
        );
        remove(
            ml,
            &[0, 2],
            "{\n  \"a\": [\n    \"y\"\n  ]\n}\n",
            json!(["y"]),
        );
        remove(ml, &[0, 1, 2], "{\n  \"a\": [\n  ]\n}\n", json!([]));
        // The closing bracket on the last item's line.
        let tight = "{\"a\": [\n  \"x\",\n  \"y\"]}";
        remove(tight, &[1], "{\"a\": [\n  \"x\"]}", json!(["x"]));
        remove(tight, &[0], "{\"a\": [\n  \"y\"]}", json!(["y"]));
        // The first item on the opening bracket's line.
        let open = "{\"a\": [\"x\",\n       \"y\"\n]}";
        remove(open, &[0], "{\"a\": [\"y\"\n]}", json!(["y"]));
        remove(open, &[1], "{\"a\": [\"x\"\n]}", json!(["x"]));
        remove(open, &[0, 1], "{\"a\": []}", json!([]));
        // CRLF, objects as items.
        let crlf = "{\r\n  \"a\": [\r\n    {\"k\": 1},\r\n    \"y\"\r\n  ]\r\n}";
        remove(
            crlf,
            &[1],
            "{\r\n  \"a\": [\r\n    {\"k\": 1}\r\n  ]\r\n}",
            json!([{"k": 1}]),
        );
        remove(
            crlf,
            &[0],
            "{\r\n  \"a\": [\r\n    \"y\"\r\n  ]\r\n}",
            json!(["y"]),
        );
        // Two items on one line.
        let pairs = "{\"a\": [\n  \"w\", \"x\",\n  \"y\", \"z\"\n]}";
        remove(
            pairs,
            &[3],
            "{\"a\": [\n  \"w\", \"x\",\n  \"y\"\n]}",
            json!(["w", "x", "y"]),
        );
        remove(
            pairs,
            &[1],
            "{\"a\": [\n  \"w\", \"y\", \"z\"\n]}",
            json!(["w", "y", "z"]),
        );
        remove(
            pairs,
            &[2, 3],
            "{\"a\": [\n  \"w\", \"x\"\n]}",
            json!(["w", "x"]),
        );
    }

    #[test]
    fn remove_items_written_comma_first() {
        let t = "{\"a\": [\n  \"x\"\n  , \"y\"\n  , \"z\"\n]}";
        remove(
            t,
            &[0],
            "{\"a\": [\n  \"y\"\n  , \"z\"\n]}",
            json!(["y", "z"]),
        );
        remove(
            t,
            &[1],
            "{\"a\": [\n  \"x\"\n  , \"z\"\n]}",
            json!(["x", "z"]),
        );
        remove(
            t,
            &[2],
            "{\"a\": [\n  \"x\"\n  , \"y\"\n]}",
            json!(["x", "y"]),
        );
        remove(t, &[0, 1], "{\"a\": [\n  \"z\"\n]}", json!(["z"]));
        remove(t, &[0, 2], "{\"a\": [\n  \"y\"\n]}", json!(["y"]));
    }

    #[test]
    fn remove_items_from_inline_arrays() {
        let inline = "{\"a\": [\"x\", \"y\", \"z\"]}";
        remove(inline, &[0], "{\"a\": [\"y\", \"z\"]}", json!(["y", "z"]));
        remove(inline, &[1], "{\"a\": [\"x\", \"z\"]}", json!(["x", "z"]));
        remove(inline, &[2], "{\"a\": [\"x\", \"y\"]}", json!(["x", "y"]));
        remove(inline, &[1, 2], "{\"a\": [\"x\"]}", json!(["x"]));
        remove(inline, &[0, 2], "{\"a\": [\"y\"]}", json!(["y"]));
        remove(inline, &[0, 1], "{\"a\": [\"z\"]}", json!(["z"]));
        remove(inline, &[0, 1, 2], "{\"a\": []}", json!([]));
        remove(
            "{\"a\": [\"a\", \"b\"]}",
            &[1],
            "{\"a\": [\"a\"]}",
            json!(["a"]),
        );
        remove(
            "{\"a\":[\"a\",\"b\"]}",
            &[0],
            "{\"a\":[\"b\"]}",
            json!(["b"]),
        );
        remove("{\"a\": [ \"a\" ]}", &[0], "{\"a\": [  ]}", json!([]));
    }

    fn append(text: &str, want: &str, value: Value) {
        let r = root(text);
        let node = find(&r, &["a"]);
        let lit = JsonSyntax.string_literal("n", None);
        let out = apply(text, JsonSyntax.append_array_item(text, node, &lit)).unwrap();
        assert_eq!(out, want, "appending to {text:?}");
        check(&out, &json!({ "a": value }));
    }

    #[test]
    fn append_in_each_layout() {
        append("{\"a\": []}", "{\"a\": [\"n\"]}", json!(["n"]));
        append("{\"a\": [ ]}", "{\"a\": [\"n\"]}", json!(["n"]));
        append(
            "{\"a\": [\"x\"]}",
            "{\"a\": [\"x\", \"n\"]}",
            json!(["x", "n"]),
        );
        append(
            "{\"a\": [\"x\", \"y\"]}",
            "{\"a\": [\"x\", \"y\", \"n\"]}",
            json!(["x", "y", "n"]),
        );
        append(
            "{\"a\":[\"x\",\"y\"]}",
            "{\"a\":[\"x\",\"y\",\"n\"]}",
            json!(["x", "y", "n"]),
        );
        append(
            "{\n  \"a\": [\n    \"x\",\n    \"y\"\n  ]\n}\n",
            "{\n  \"a\": [\n    \"x\",\n    \"y\",\n    \"n\"\n  ]\n}\n",
            json!(["x", "y", "n"]),
        );
        append(
            "{\r\n\t\"a\": [\r\n\t\t\"x\"\r\n\t]\r\n}",
            "{\r\n\t\"a\": [\r\n\t\t\"x\",\r\n\t\t\"n\"\r\n\t]\r\n}",
            json!(["x", "n"]),
        );
        append(
            "{\"a\": [\n  \"x\"]}",
            "{\"a\": [\n  \"x\",\n  \"n\"]}",
            json!(["x", "n"]),
        );
        append(
            "{\"a\": [\"x\",\n       \"y\"]}",
            "{\"a\": [\"x\",\n       \"y\",\n       \"n\"]}",
            json!(["x", "y", "n"]),
        );
    }

    /// Array layouts met in real files, each holding the items "a", "b", "c".
    const LAYOUTS: &[&str] = &[
        "[\"a\", \"b\", \"c\"]",
        "[\"a\",\"b\",\"c\"]",
        "[ \"a\" , \"b\" , \"c\" ]",
        "[\n    \"a\",\n    \"b\",\n    \"c\"\n  ]",
        "[\r\n    \"a\",\r\n    \"b\",\r\n    \"c\"\r\n  ]",
        "[\n    \"a\",\n    \"b\",\n    \"c\"]",
        "[\"a\",\n    \"b\",\n    \"c\"\n  ]",
        "[\n    \"a\", \"b\",\n    \"c\"\n  ]",
        "[\n    \"a\"\n    , \"b\"\n    , \"c\"\n  ]",
        "[\n\t\"a\",\n\n\t\"b\"  ,\n\t\"c\"   \n]",
    ];

    #[test]
    fn removing_any_items_in_any_layout_keeps_valid_json() {
        let all = ["a", "b", "c"];
        for layout in LAYOUTS {
            let text = format!("{{\n  \"a\": {layout}\n}}\n");
            for mask in 0u8..8 {
                let idxs: Vec<usize> = (0..3).filter(|i| mask & (1 << i) != 0).collect();
                let r = root(&text);
                let edits = JsonSyntax.remove_array_items(&text, find(&r, &["a"]), &idxs);
                let out = apply(&text, edits).unwrap();
                let kept: Vec<&str> = (0..3)
                    .filter(|i| !idxs.contains(i))
                    .map(|i| all[i])
                    .collect();
                check(&out, &json!({ "a": kept }));
                // Nothing outside the array moved.
                assert!(
                    out.starts_with("{\n  \"a\": [") && out.ends_with("]\n}\n"),
                    "{out:?}"
                );
            }
        }
    }

    #[test]
    fn appending_in_any_layout_keeps_valid_json() {
        let layouts =
            LAYOUTS
                .iter()
                .copied()
                .chain(["[]", "[ ]", "[\n]", "[\"a\"]", "[\n  \"a\"\n]"]);
        for layout in layouts {
            let text = format!("{{\"a\": {layout}}}");
            let r = root(&text);
            let before: Value = serde_json::from_str(&text).unwrap();
            let mut want = before["a"].as_array().unwrap().clone();
            want.push(json!("n"));
            let edits = JsonSyntax.append_array_item(&text, find(&r, &["a"]), "\"n\"");
            let out = apply(&text, edits).unwrap();
            check(&out, &json!({ "a": want }));
        }
    }

    #[test]
    fn string_literals_and_arrays() {
        assert_eq!(JsonSyntax.string_literal("a\"b\\\n", None), r#""a\"b\\\n""#);
        let arr = JsonSyntax.string_array(&["...", "python3Packages.pip"]);
        assert_eq!(arr, r#"["...", "python3Packages.pip"]"#);
        check(&arr, &json!(["...", "python3Packages.pip"]));
    }

    #[test]
    fn rename_replaces_the_key() {
        let t = "{\"phases\": {\"setup\": {\"nixpkgs\": [], \"nix_libs\": []}}}\n";
        let r = root(t);
        let setup = find(&r, &["phases", "setup"]).as_map().unwrap();
        let e1 = JsonSyntax.rename_key(t, setup.entry("nixpkgs").unwrap(), "nixPkgs");
        let e2 = JsonSyntax.rename_key(t, setup.entry("nix_libs").unwrap(), "nixLibs");
        let out = apply(t, vec![e1, e2]).unwrap();
        assert_eq!(
            out,
            "{\"phases\": {\"setup\": {\"nixPkgs\": [], \"nixLibs\": []}}}\n"
        );
        check(
            &out,
            &json!({"phases": {"setup": {"nixPkgs": [], "nixLibs": []}}}),
        );
        // An escaped key is rewritten whole.
        let t = r#"{"nix\u0070kgs": []}"#;
        let r = root(t);
        let e = JsonSyntax.rename_key(t, &r.as_map().unwrap().entries[0], "nixPkgs");
        assert_eq!(apply(t, vec![e]).unwrap(), r#"{"nixPkgs": []}"#);
    }

    const PIP: &str = r#"["...", "python3Packages.pip"]"#;

    fn insert(text: &str, map_path: &[&str], path: &[&str], want: &str, value: Value) {
        let r = root(text);
        let node = find(&r, map_path);
        let edits = JsonSyntax.insert_path(text, &r, node, path, PIP);
        assert!(!edits.is_empty());
        let out = apply(text, edits).unwrap();
        assert_eq!(
            out, want,
            "inserting {path:?} into {map_path:?} of {text:?}"
        );
        check(&out, &value);
    }

    #[test]
    fn insert_into_multiline_object_nested() {
        let t = "{\n  \"phases\": {\n    \"install\": {\n      \"cmds\": [\"pip install -r requirements.txt\"]\n    }\n  }\n}\n";
        insert(
            t,
            &["phases"],
            &["setup", "nixPkgs"],
            "{\n  \"phases\": {\n    \"install\": {\n      \"cmds\": [\"pip install -r requirements.txt\"]\n    },\n    \"setup\": {\n      \"nixPkgs\": [\"...\", \"python3Packages.pip\"]\n    }\n  }\n}\n",
            json!({"phases": {
                "install": {"cmds": ["pip install -r requirements.txt"]},
                "setup": {"nixPkgs": ["...", "python3Packages.pip"]},
            }}),
        );
        insert(
            t,
            &["phases", "install"],
            &["nixPkgs"],
            "{\n  \"phases\": {\n    \"install\": {\n      \"cmds\": [\"pip install -r requirements.txt\"],\n      \"nixPkgs\": [\"...\", \"python3Packages.pip\"]\n    }\n  }\n}\n",
            json!({"phases": {"install": {
                "cmds": ["pip install -r requirements.txt"],
                "nixPkgs": ["...", "python3Packages.pip"],
            }}}),
        );
        // From the root, three levels deep, no final newline.
        let t = "{\n  \"start\": {\"cmd\": \"x\"}\n}";
        insert(
            t,
            &[],
            &["phases", "setup", "nixPkgs"],
            "{\n  \"start\": {\"cmd\": \"x\"},\n  \"phases\": {\n    \"setup\": {\n      \"nixPkgs\": [\"...\", \"python3Packages.pip\"]\n    }\n  }\n}",
            json!({"start": {"cmd": "x"}, "phases": {"setup": {"nixPkgs": ["...", "python3Packages.pip"]}}}),
        );
    }

    #[test]
    fn insert_follows_indentation_crlf_and_bom() {
        // Tabs.
        let t = "{\n\t\"phases\": {\n\t\t\"install\": {\"cmds\": []}\n\t}\n}\n";
        insert(
            t,
            &["phases"],
            &["setup", "nixPkgs"],
            "{\n\t\"phases\": {\n\t\t\"install\": {\"cmds\": []},\n\t\t\"setup\": {\n\t\t\t\"nixPkgs\": [\"...\", \"python3Packages.pip\"]\n\t\t}\n\t}\n}\n",
            json!({"phases": {"install": {"cmds": []}, "setup": {"nixPkgs": ["...", "python3Packages.pip"]}}}),
        );
        // Four spaces, CRLF, a BOM, no final newline.
        let t = "\u{feff}{\r\n    \"providers\": [\"python\"]\r\n}";
        insert(
            t,
            &[],
            &["phases", "setup", "nixPkgs"],
            "\u{feff}{\r\n    \"providers\": [\"python\"],\r\n    \"phases\": {\r\n        \"setup\": {\r\n            \"nixPkgs\": [\"...\", \"python3Packages.pip\"]\r\n        }\r\n    }\r\n}",
            json!({"providers": ["python"], "phases": {"setup": {"nixPkgs": ["...", "python3Packages.pip"]}}}),
        );
        // The unit comes from elsewhere in the file when the target cannot tell.
        let t = "{\n    \"a\": 1, \"phases\": {\"install\": {}\n    }\n}\n";
        insert(
            t,
            &["phases"],
            &["setup", "nixPkgs"],
            "{\n    \"a\": 1, \"phases\": {\"install\": {},\n        \"setup\": {\n            \"nixPkgs\": [\"...\", \"python3Packages.pip\"]\n        }\n    }\n}\n",
            json!({"a": 1, "phases": {"install": {}, "setup": {"nixPkgs": ["...", "python3Packages.pip"]}}}),
        );
    }

    #[test]
    fn insert_into_railway_json() {
        let t = "{\n  \"$schema\": \"https://railway.com/railway.schema.json\",\n  \"build\": {\n    \"builder\": \"NIXPACKS\",\n    \"nixpacksPlan\": {\n      \"phases\": {\n        \"install\": {\n          \"cmds\": [\"python3.11 -m pip install -r requirements.txt\"]\n        }\n      }\n    }\n  },\n  \"deploy\": {\"startCommand\": \"python main.py\"}\n}\n";
        insert(
            t,
            &["build", "nixpacksPlan", "phases"],
            &["setup", "nixPkgs"],
            "{\n  \"$schema\": \"https://railway.com/railway.schema.json\",\n  \"build\": {\n    \"builder\": \"NIXPACKS\",\n    \"nixpacksPlan\": {\n      \"phases\": {\n        \"install\": {\n          \"cmds\": [\"python3.11 -m pip install -r requirements.txt\"]\n        },\n        \"setup\": {\n          \"nixPkgs\": [\"...\", \"python3Packages.pip\"]\n        }\n      }\n    }\n  },\n  \"deploy\": {\"startCommand\": \"python main.py\"}\n}\n",
            json!({
                "$schema": "https://railway.com/railway.schema.json",
                "build": {"builder": "NIXPACKS", "nixpacksPlan": {"phases": {
                    "install": {"cmds": ["python3.11 -m pip install -r requirements.txt"]},
                    "setup": {"nixPkgs": ["...", "python3Packages.pip"]},
                }}},
                "deploy": {"startCommand": "python main.py"},
            }),
        );
        // The whole plan on one line.
        let t = "{\"build\": {\"builder\": \"NIXPACKS\", \"nixpacksPlan\": {\"phases\": {\"install\": {\"cmds\": [\"pip install -r r.txt\"]}}}}}";
        insert(
            t,
            &["build", "nixpacksPlan", "phases"],
            &["setup", "nixPkgs"],
            "{\"build\": {\"builder\": \"NIXPACKS\", \"nixpacksPlan\": {\"phases\": {\"install\": {\"cmds\": [\"pip install -r r.txt\"]}, \"setup\": {\"nixPkgs\": [\"...\", \"python3Packages.pip\"]}}}}}",
            json!({"build": {"builder": "NIXPACKS", "nixpacksPlan": {"phases": {
                "install": {"cmds": ["pip install -r r.txt"]},
                "setup": {"nixPkgs": ["...", "python3Packages.pip"]},
            }}}}),
        );
    }

    #[test]
    fn insert_inline_follows_spacing() {
        insert(
            "{\"a\":1,\"b\":2}",
            &[],
            &["phases", "setup", "nixPkgs"],
            "{\"a\":1,\"b\":2,\"phases\":{\"setup\":{\"nixPkgs\":[\"...\", \"python3Packages.pip\"]}}}",
            json!({"a": 1, "b": 2, "phases": {"setup": {"nixPkgs": ["...", "python3Packages.pip"]}}}),
        );
        insert(
            "{ \"a\": 1 }\n",
            &[],
            &["setup", "nixPkgs"],
            "{ \"a\": 1, \"setup\": { \"nixPkgs\": [\"...\", \"python3Packages.pip\"] } }\n",
            json!({"a": 1, "setup": {"nixPkgs": ["...", "python3Packages.pip"]}}),
        );
    }

    #[test]
    fn insert_into_empty_objects() {
        insert(
            "{}",
            &[],
            &["phases", "setup", "nixPkgs"],
            "{\"phases\": {\"setup\": {\"nixPkgs\": [\"...\", \"python3Packages.pip\"]}}}",
            json!({"phases": {"setup": {"nixPkgs": ["...", "python3Packages.pip"]}}}),
        );
        insert(
            "{\n  \"phases\": {}\n}\n",
            &["phases"],
            &["setup", "nixPkgs"],
            "{\n  \"phases\": {\"setup\": {\"nixPkgs\": [\"...\", \"python3Packages.pip\"]}}\n}\n",
            json!({"phases": {"setup": {"nixPkgs": ["...", "python3Packages.pip"]}}}),
        );
        insert(
            "{\n  \"phases\": {\n  }\n}\n",
            &["phases"],
            &["setup", "nixPkgs"],
            "{\n  \"phases\": {\n    \"setup\": {\n      \"nixPkgs\": [\"...\", \"python3Packages.pip\"]\n    }\n  }\n}\n",
            json!({"phases": {"setup": {"nixPkgs": ["...", "python3Packages.pip"]}}}),
        );
        insert(
            "\u{feff}{\r\n}",
            &[],
            &["nixPkgs"],
            "\u{feff}{\r\n  \"nixPkgs\": [\"...\", \"python3Packages.pip\"]\r\n}",
            json!({"nixPkgs": ["...", "python3Packages.pip"]}),
        );
    }

    #[test]
    fn insert_goes_into_an_existing_object_instead_of_duplicating_it() {
        let t = "{\n  \"phases\": {\n    \"install\": {}\n  }\n}\n";
        insert(
            t,
            &[],
            &["phases", "setup", "nixPkgs"],
            "{\n  \"phases\": {\n    \"install\": {},\n    \"setup\": {\n      \"nixPkgs\": [\"...\", \"python3Packages.pip\"]\n    }\n  }\n}\n",
            json!({"phases": {"install": {}, "setup": {"nixPkgs": ["...", "python3Packages.pip"]}}}),
        );
        // An existing non-object value cannot take the path: no edit at all.
        let t = "{\"phases\": 1}";
        let r = root(t);
        assert!(
            JsonSyntax
                .insert_path(t, &r, &r, &["phases", "setup"], PIP)
                .is_empty()
        );
        assert!(
            JsonSyntax
                .insert_path(t, &r, &r, &["phases"], PIP)
                .is_empty()
        );
    }
}
