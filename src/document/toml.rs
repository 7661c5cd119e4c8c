//! TOML front end: toml_edit's spanned parse turned into the neutral tree, and
//! the TOML way of writing new things.

use super::ops::{self, line_start, next_line};
use super::{
    Entry, Map, MapStyle, Node, NodeKind, ParseError, Str, StrStyle, Syntax, eol, strings,
};
use crate::edit::Edit;
use toml_edit::{Item, Table, Value};

/// Parse TOML text (a leading BOM is allowed) into the tree.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let doc = toml_edit::Document::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        // toml_edit's message repeats the position and the source line; keep its last line.
        let msg = e.message().trim().to_string();
        ParseError::at(format!("invalid TOML: {msg}"), text, offset)
    })?;
    let root = table_node(doc.as_table(), text, MapStyle::TomlRoot, 0..0, 1)?;
    toml10(&root, text)?;
    Ok(root)
}

/// Nixpacks reads TOML 1.0; toml_edit also accepts TOML 1.1. Refuse what
/// only 1.1 allows (newlines, comments and a trailing comma in an inline
/// table; `\e` and `\xHH` escapes), so nixfix never fixes a file Nixpacks
/// would reject, nor writes one.
fn toml10(node: &Node, text: &str) -> Result<(), ParseError> {
    // Each case needs a `{` or a backslash escape in the text: without
    // them (most configs) there is nothing to look for.
    if !text.contains('{') && !text.contains("\\e") && !text.contains("\\x") {
        return Ok(());
    }
    toml10_in(node, text)
}

fn toml10_in(node: &Node, text: &str) -> Result<(), ParseError> {
    let err = |msg: &str, at: usize| {
        Err(ParseError::at(
            format!(
                "invalid TOML for Nixpacks: {msg} is TOML 1.1 syntax, and Nixpacks reads TOML 1.0"
            ),
            text,
            at,
        ))
    };
    match &node.kind {
        NodeKind::Map(m) => {
            if m.style == MapStyle::TomlInline {
                let mut gaps = Vec::new();
                let mut pos = node.span.start + 1;
                for e in &m.entries {
                    gaps.push(pos..e.key_span.start);
                    pos = node_end(&e.value);
                }
                let close = node.span.end.saturating_sub(1);
                let last = pos..close.max(pos);
                for g in gaps.iter().chain(std::iter::once(&last)) {
                    let gap = &text[g.clone()];
                    if let Some(i) = gap.find(['\n', '#']) {
                        return err("a newline or comment inside an inline table", g.start + i);
                    }
                }
                if !m.entries.is_empty() && text[last.clone()].contains(',') {
                    return err("a trailing comma in an inline table", last.start);
                }
            }
            for e in &m.entries {
                toml10_in(&e.value, text)?;
            }
        }
        NodeKind::Array(a) => {
            for i in &a.items {
                toml10_in(i, text)?;
            }
        }
        NodeKind::Str(st) if matches!(st.style, StrStyle::TomlBasic | StrStyle::TomlMlBasic) => {
            let raw = &text[node.span.clone()];
            let b = raw.as_bytes();
            let mut i = 0;
            while i + 1 < b.len() {
                if b[i] == b'\\' {
                    if matches!(b[i + 1], b'e' | b'x') {
                        return err("a `\\e` or `\\x` escape", node.span.start + i);
                    }
                    i += 2;
                    continue;
                }
                i += 1;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Where a value's text ends (a dotted map ends with its last value).
fn node_end(n: &Node) -> usize {
    match &n.kind {
        NodeKind::Map(m) if m.style == MapStyle::TomlDotted => m
            .entries
            .iter()
            .map(|e| node_end(&e.value))
            .max()
            .unwrap_or(n.span.end),
        _ => n.span.end,
    }
}

fn key_span(
    t: &dyn TableLikeKeys,
    k: &str,
    fallback: std::ops::Range<usize>,
) -> std::ops::Range<usize> {
    t.key_span(k).unwrap_or(fallback)
}

trait TableLikeKeys {
    fn key_span(&self, k: &str) -> Option<std::ops::Range<usize>>;
}
impl TableLikeKeys for Table {
    fn key_span(&self, k: &str) -> Option<std::ops::Range<usize>> {
        self.get_key_value(k).and_then(|(key, _)| key.span())
    }
}
impl TableLikeKeys for toml_edit::InlineTable {
    fn key_span(&self, k: &str) -> Option<std::ops::Range<usize>> {
        self.get_key_value(k).and_then(|(key, _)| key.span())
    }
}

/// Refuse a map or array nested past [`super::MAX_DEPTH`] (the root is at
/// depth 1), before the tree builder recurses into it.
fn check_depth(depth: usize, text: &str, at: usize) -> Result<(), ParseError> {
    if depth > super::MAX_DEPTH {
        return Err(ParseError::at(
            format!(
                "tables and arrays nest deeper than {} levels (each part of a dotted key is a level); nixfix does not read a file this deep",
                super::MAX_DEPTH
            ),
            text,
            at,
        ));
    }
    Ok(())
}

fn table_node(
    t: &Table,
    text: &str,
    style: MapStyle,
    span: std::ops::Range<usize>,
    depth: usize,
) -> Result<Node, ParseError> {
    check_depth(depth, text, span.start)?;
    let mut entries = Vec::with_capacity(t.len());
    for (k, item) in t.iter() {
        let ks = key_span(t, k, span.clone());
        let value = match item {
            Item::Table(sub) => {
                let (st, sp) = if sub.is_dotted() {
                    (MapStyle::TomlDotted, ks.clone())
                } else if sub.is_implicit() || sub.span().is_none() {
                    (MapStyle::TomlImplicit, ks.clone())
                } else {
                    let h = sub.span().unwrap_or(ks.clone());
                    (MapStyle::TomlHeader { header: h.clone() }, h)
                };
                table_node(sub, text, st, sp, depth + 1)?
            }
            Item::Value(v) => value_node(v, text, &ks, depth + 1)?,
            Item::ArrayOfTables(a) => Node {
                span: a.span().unwrap_or(ks.clone()),
                kind: NodeKind::Other,
            },
            Item::None => continue,
        };
        entries.push(Entry {
            key: k.to_string(),
            key_span: ks,
            value,
        });
    }
    Ok(Node {
        span,
        kind: NodeKind::Map(Map { style, entries }),
    })
}

/// A value at `depth` whose key is at `ks`.
fn value_node(
    v: &Value,
    text: &str,
    ks: &std::ops::Range<usize>,
    depth: usize,
) -> Result<Node, ParseError> {
    let span = v.span().unwrap_or(ks.clone());
    let kind = match v {
        Value::String(s) => {
            let raw = &text[span.clone()];
            let style = if raw.starts_with("\"\"\"") {
                StrStyle::TomlMlBasic
            } else if raw.starts_with("'''") {
                StrStyle::TomlMlLiteral
            } else if raw.starts_with('\'') {
                StrStyle::TomlLiteral
            } else {
                StrStyle::TomlBasic
            };
            NodeKind::Str(Str {
                value: s.value().to_string(),
                style,
            })
        }
        Value::Array(a) => {
            check_depth(depth, text, span.start)?;
            let mut items = Vec::with_capacity(a.len());
            for x in a.iter() {
                items.push(value_node(x, text, ks, depth + 1)?);
            }
            NodeKind::Array(super::Array { items })
        }
        Value::InlineTable(t) => {
            check_depth(depth, text, ks.start.min(span.start))?;
            let mut entries = Vec::with_capacity(t.len());
            for (k, item) in t.iter() {
                let kspan = t.key_span(k).unwrap_or(span.clone());
                let value = value_node(item, text, &kspan, depth + 1)?;
                entries.push(Entry {
                    key: k.to_string(),
                    key_span: kspan,
                    value,
                });
            }
            let style = if t.is_dotted() {
                MapStyle::TomlDotted
            } else {
                MapStyle::TomlInline
            };
            NodeKind::Map(Map { style, entries })
        }
        _ => NodeKind::Other,
    };
    let span = match &kind {
        NodeKind::Map(m) if m.style == MapStyle::TomlDotted => ks.clone(),
        _ => span,
    };
    Ok(Node { span, kind })
}

/// A key as TOML wants it written: bare when it can be, quoted otherwise.
pub fn render_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        strings::encode(k, StrStyle::TomlBasic)
    }
}

fn render_path(p: &[impl AsRef<str>]) -> String {
    p.iter()
        .map(|k| render_key(k.as_ref()))
        .collect::<Vec<_>>()
        .join(".")
}

/// The furthest end of the values written in a table's body (its own key-values
/// and dotted keys, not its sub-tables with their own headers).
fn body_end(map: &Map) -> Option<usize> {
    map.entries
        .iter()
        .filter_map(|e| match &e.value.kind {
            NodeKind::Map(m) if m.style == MapStyle::TomlDotted => body_end(m),
            NodeKind::Map(m) if m.style != MapStyle::TomlInline => None,
            _ => Some(e.value.span.end),
        })
        .max()
}

/// Every `[header]` table in the document, with its path and header span.
fn headers(root: &Node) -> Vec<(Vec<&str>, usize)> {
    fn walk<'a>(node: &'a Node, path: &mut Vec<&'a str>, out: &mut Vec<(Vec<&'a str>, usize)>) {
        if let NodeKind::Map(m) = &node.kind {
            if let MapStyle::TomlHeader { header } = &m.style {
                out.push((path.clone(), header.start));
            }
            for e in &m.entries {
                path.push(&e.key);
                walk(&e.value, path, out);
                path.pop();
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut Vec::new(), &mut out);
    out
}

/// The root-most dotted-or-header anchor of a dotted map: the number of
/// leading path elements that belong to the table the dotted keys are written in.
fn anchor_depth(root: &Node, path: &[&str]) -> usize {
    let mut node = root;
    let mut depth = 0;
    for (i, k) in path.iter().enumerate() {
        let Some(m) = node.as_map() else { break };
        let Some(child) = m.get(k) else { break };
        match child.as_map().map(|m| &m.style) {
            Some(MapStyle::TomlDotted) => {}
            _ => depth = i + 1,
        }
        node = child;
    }
    depth
}

pub struct TomlSyntax;

impl Syntax for TomlSyntax {
    fn string_literal(&self, value: &str, like: Option<&Str>) -> String {
        let style = match like.map(|s| s.style) {
            Some(StrStyle::TomlLiteral | StrStyle::TomlMlLiteral) => StrStyle::TomlLiteral,
            _ => StrStyle::TomlBasic,
        };
        strings::encode(value, style)
    }

    fn string_array(&self, items: &[&str]) -> String {
        let inner: Vec<String> = items
            .iter()
            .map(|s| strings::encode(s, StrStyle::TomlBasic))
            .collect();
        format!("[{}]", inner.join(", "))
    }

    fn remove_array_items(&self, text: &str, array: &Node, idxs: &[usize]) -> Vec<Edit> {
        ops::remove_items(text, array, idxs, Some('#'))
    }

    fn append_array_item(&self, text: &str, array: &Node, literal: &str) -> Vec<Edit> {
        ops::append_item(text, array, literal, Some('#'))
    }

    fn insert_array_item(&self, text: &str, array: &Node, idx: usize, literal: &str) -> Vec<Edit> {
        ops::insert_item(text, array, idx, literal, Some('#'))
    }

    fn rename_key(&self, text: &str, entry: &Entry, new_key: &str) -> Edit {
        let s = entry.key_span.clone();
        let raw = &text[s.clone()];
        if (raw.starts_with('"') || raw.starts_with('\'')) && raw.len() >= 2 {
            Edit::replace(s.start + 1..s.end - 1, new_key)
        } else {
            Edit::replace(s, render_key(new_key))
        }
    }

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
        let nl = eol(text);
        let (key, parents) = path.split_last().expect("a non-empty path");
        let map_path = super::path_to(root, map_node).unwrap_or_default();
        match &map.style {
            MapStyle::TomlInline => {
                let mut v = format!("{} = {value}", render_key(key));
                for p in parents.iter().rev() {
                    v = format!("{} = {{ {v} }}", render_key(p));
                }
                match map.entries.last() {
                    Some(last) => vec![Edit::insert(node_end(&last.value), format!(", {v}"))],
                    None => vec![Edit::replace(
                        map_node.span.start + 1..map_node.span.end - 1,
                        format!(" {v} "),
                    )],
                }
            }
            MapStyle::TomlDotted => {
                // Written as dotted keys in an enclosing table: add one more line
                // with the same prefix, just before the first line of this map.
                let depth = anchor_depth(root, &map_path);
                let mut full: Vec<&str> = map_path[depth..].to_vec();
                full.extend_from_slice(path);
                let first = map
                    .entries
                    .first()
                    .map_or(map_node.span.start, |e| e.key_span.start);
                // The dotted key of the first entry starts at the anchor's first
                // path element on that line.
                let ls = line_start(text, first);
                let indent = ops::indent_of(text, first).to_string();
                vec![Edit::insert(
                    ls,
                    format!("{indent}{} = {value}{nl}", render_path(&full)),
                )]
            }
            // An implicit table has no body to add to: it gets a header below.
            MapStyle::TomlRoot | MapStyle::TomlHeader { .. } if parents.is_empty() => {
                let line = format!("{} = {value}", render_key(key));
                let at = match (&map.style, body_end(map)) {
                    (_, Some(end)) => next_line(text, end),
                    (MapStyle::TomlHeader { header }, None) => next_line(text, header.end),
                    _ => headers(root)
                        .iter()
                        .map(|(_, s)| line_start(text, *s))
                        .min()
                        .unwrap_or(text.len()),
                };
                vec![insert_line(text, at, &line, nl)]
            }
            _ => {
                // A new [header] section for the missing maps.
                let mut table_path: Vec<&str> = map_path.clone();
                table_path.extend_from_slice(parents);
                let block = format!(
                    "[{}]{nl}{} = {value}{nl}",
                    render_path(&table_path),
                    render_key(key)
                );
                // Before the first header that lives under the first new map
                // (e.g. `[phases.install]` for a new `[phases.setup]`), else at the end.
                let prefix = &map_path;
                let before = headers(root)
                    .iter()
                    .filter(|(p, _)| {
                        !prefix.is_empty() && p.len() > prefix.len() && p.starts_with(prefix)
                    })
                    .map(|(_, s)| line_start(text, *s))
                    .min();
                match before {
                    Some(at) => vec![Edit::insert(at, format!("{block}{nl}"))],
                    None => {
                        let lead = if text.is_empty() || text.ends_with(['\n', '\u{feff}']) {
                            if text.trim_start_matches('\u{feff}').trim().is_empty() {
                                String::new()
                            } else {
                                nl.to_string()
                            }
                        } else {
                            format!("{nl}{nl}")
                        };
                        let block = if text.ends_with('\n') || text.trim().is_empty() {
                            block
                        } else {
                            block.trim_end_matches(['\r', '\n']).to_string()
                        };
                        vec![Edit::insert(text.len(), format!("{lead}{block}"))]
                    }
                }
            }
        }
    }
}

/// Insert `line` as a line of its own starting at `at` (a line start, or the
/// end of a text that may lack its final newline).
fn insert_line(text: &str, at: usize, line: &str, nl: &str) -> Edit {
    if at >= text.len() && !text.is_empty() && !text.ends_with('\n') {
        Edit::insert(text.len(), format!("{nl}{line}"))
    } else {
        Edit::insert(at, format!("{line}{nl}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::apply;

    fn root(text: &str) -> Node {
        parse(text).unwrap()
    }

    fn find<'a>(n: &'a Node, path: &[&str]) -> &'a Node {
        n.at(path).expect("the path exists")
    }

    #[test]
    fn tree_has_styles_and_spans() {
        let t = "\u{feff}[phases.setup]\nnixPkgs = ['python311', \"gcc\"]\n[phases.install]\ncmds = [\"\"\"a\"\"\"]\n";
        let r = root(t);
        let setup = find(&r, &["phases", "setup"]);
        assert!(matches!(
            setup.as_map().unwrap().style,
            MapStyle::TomlHeader { .. }
        ));
        assert!(matches!(
            find(&r, &["phases"]).as_map().unwrap().style,
            MapStyle::TomlImplicit
        ));
        let pkgs = find(&r, &["phases", "setup", "nixPkgs"])
            .as_array()
            .unwrap();
        assert_eq!(&t[pkgs.items[0].span.clone()], "'python311'");
        assert_eq!(pkgs.items[0].as_str().unwrap().style, StrStyle::TomlLiteral);
        let cmd = &find(&r, &["phases", "install", "cmds"])
            .as_array()
            .unwrap()
            .items[0];
        assert_eq!(cmd.as_str().unwrap().style, StrStyle::TomlMlBasic);
    }

    #[test]
    fn toml_1_1_syntax_is_refused() {
        for (t, line) in [
            ("a = {\n b = 1\n}\n", 1),
            ("a = { b = 1, }\n", 1),
            ("x = 1\na = { b = 1, # c\n c = 2 }\n", 2),
            ("a = \"\\e[0m\"\n", 1),
            ("a = \"\\x41\"\n", 1),
        ] {
            let e = parse(t).expect_err(t);
            assert!(e.message.contains("TOML 1.1"), "{t:?}: {}", e.message);
            assert_eq!(e.position.map(|p| p.0), Some(line), "{t:?}");
        }
        for t in [
            "a = { b = 1, c.d = \"\"\"x\ny\"\"\" }\n",
            "a = {}\n",
            "a = { b = { c = [1,\n2] } }\n",
            "a = \"\\\\e\\u001b\"\n",
        ] {
            parse(t).unwrap_or_else(|e| panic!("{t:?}: {e}"));
        }
    }

    /// `x = {k1 = {k2 = ... 1}}` where key i has `parts[i]` dotted parts:
    /// its maps nest `1 + parts.sum()` levels (the root is one, `x`'s
    /// inline table two, each part one more).
    fn nested(parts: &[usize]) -> String {
        let mut s = String::from("x = ");
        for &p in parts {
            s.push_str(&format!("{{{} = ", vec!["a"; p].join(".")));
        }
        s.push('1');
        s.push_str(&"}".repeat(parts.len()));
        s.push('\n');
        s
    }

    #[test]
    fn nesting_past_the_limit_is_an_error_not_a_stack_overflow() {
        // The report of issue 11: 40 inline tables of 79-part dotted keys,
        // 3,161 levels, overflowed the 2 MiB stack of a walker thread. On a
        // stack that size (in an unoptimised build) the tree builder must
        // stop at the limit.
        let deep = nested(&[79; 40]);
        let err = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || parse(&deep).map(|_| ()))
            .unwrap()
            .join()
            .expect("no stack overflow");
        let e = err.expect_err("refused");
        assert!(
            e.message.contains("nest deeper than 128 levels"),
            "{}",
            e.message
        );
        assert_eq!(e.position.map(|p| p.0), Some(1));
        // The limit is exact: 128 levels are read, 129 are not.
        assert_eq!(1 + [60, 60, 7].iter().sum::<usize>(), 128);
        parse(&nested(&[60, 60, 7])).expect("128 levels");
        assert!(parse(&nested(&[60, 60, 8])).is_err());
        // Arrays count as levels too, and headers' dotted keys.
        let arrays = format!("x = {}1{}\n", "[".repeat(70), "]".repeat(70));
        let header = format!(
            "[{}]\nk = {}\n",
            vec!["a"; 70].join("."),
            arrays.trim_end().trim_start_matches("x = ")
        );
        assert!(parse(&arrays).is_ok());
        assert!(parse(&header).unwrap_err().message.contains("nest deeper"));
    }

    #[test]
    fn parse_error_has_position() {
        let e = parse("a = 1\n[x\n").unwrap_err();
        assert_eq!(e.position.map(|p| p.0), Some(2));
    }

    fn insert(text: &str, map_path: &[&str], path: &[&str]) -> String {
        let r = root(text);
        let node = find(&r, map_path);
        let edits = TomlSyntax.insert_path(text, &r, node, path, "[\"x\"]");
        let out = apply(text, edits).unwrap();
        parse(&out).expect("output parses");
        out
    }

    #[test]
    fn insert_into_header_table_after_last_value() {
        let t = "[phases.setup]\naptPkgs = [\"a\"] # c\n\n[start]\ncmd = \"x\"\n";
        assert_eq!(
            insert(t, &["phases", "setup"], &["nixPkgs"]),
            "[phases.setup]\naptPkgs = [\"a\"] # c\nnixPkgs = [\"x\"]\n\n[start]\ncmd = \"x\"\n"
        );
    }

    #[test]
    fn insert_new_section_before_sibling_header() {
        let t = "# top\n[phases.install]\ncmds = []\n";
        assert_eq!(
            insert(t, &["phases"], &["setup", "nixPkgs"]),
            "# top\n[phases.setup]\nnixPkgs = [\"x\"]\n\n[phases.install]\ncmds = []\n"
        );
    }

    #[test]
    fn insert_new_section_at_end_without_final_newline() {
        let t = "[start]\ncmd = \"x\"";
        assert_eq!(
            insert(t, &[], &["phases", "setup", "nixPkgs"]),
            "[start]\ncmd = \"x\"\n\n[phases.setup]\nnixPkgs = [\"x\"]"
        );
    }

    #[test]
    fn insert_dotted() {
        let t = "phases.install.cmds = [\"a\"]\nstart.cmd = \"b\"\n";
        assert_eq!(
            insert(t, &["phases"], &["setup", "nixPkgs"]),
            "phases.setup.nixPkgs = [\"x\"]\nphases.install.cmds = [\"a\"]\nstart.cmd = \"b\"\n"
        );
    }

    #[test]
    fn insert_inline() {
        let t = "phases = { install = { cmds = [] } }\n";
        assert_eq!(
            insert(t, &["phases"], &["setup", "nixPkgs"]),
            "phases = { install = { cmds = [] }, setup = { nixPkgs = [\"x\"] } }\n"
        );
    }

    #[test]
    fn insert_into_implicit_table_gets_a_header() {
        let t = "[phases.setup.x]\n[phases.install]\ncmds = []\n";
        assert_eq!(
            insert(t, &["phases", "setup"], &["nixPkgs"]),
            "[phases.setup]\nnixPkgs = [\"x\"]\n\n[phases.setup.x]\n[phases.install]\ncmds = []\n"
        );
    }

    #[test]
    fn insert_into_inline_table_after_a_dotted_key() {
        let t = "phases.setup = { a.b = 1 }\n";
        assert_eq!(
            insert(t, &["phases", "setup"], &["nixPkgs"]),
            "phases.setup = { a.b = 1, nixPkgs = [\"x\"] }\n"
        );
    }

    #[test]
    fn insert_after_a_bom_never_before_it() {
        let t = "\u{feff}[phases.install]\ncmds = []\n";
        assert_eq!(
            insert(t, &["phases"], &["setup", "nixPkgs"]),
            "\u{feff}[phases.setup]\nnixPkgs = [\"x\"]\n\n[phases.install]\ncmds = []\n"
        );
        let t = "\u{feff}phases.install.cmds = []\n";
        assert_eq!(
            insert(t, &["phases"], &["setup", "nixPkgs"]),
            "\u{feff}phases.setup.nixPkgs = [\"x\"]\nphases.install.cmds = []\n"
        );
    }

    #[test]
    fn insert_crlf_keeps_line_endings() {
        let t = "[phases.setup]\r\naptPkgs = []\r\n";
        assert_eq!(
            insert(t, &["phases", "setup"], &["nixPkgs"]),
            "[phases.setup]\r\naptPkgs = []\r\nnixPkgs = [\"x\"]\r\n"
        );
    }

    fn remove(text: &str, idxs: &[usize]) -> String {
        let r = root(text);
        let node = find(&r, &["a"]);
        let out = apply(text, TomlSyntax.remove_array_items(text, node, idxs)).unwrap();
        parse(&out).expect("output parses");
        out
    }

    #[test]
    fn remove_items_in_each_layout() {
        let ml = "a = [\n  \"x\", # about x\n  \"y\", # about y\n  \"z\",\n  # end\n]\n";
        assert_eq!(
            remove(ml, &[0]),
            "a = [\n  \"y\", # about y\n  \"z\",\n  # end\n]\n"
        );
        assert_eq!(
            remove(ml, &[1]),
            "a = [\n  \"x\", # about x\n  \"z\",\n  # end\n]\n"
        );
        assert_eq!(
            remove(ml, &[2]),
            "a = [\n  \"x\", # about x\n  \"y\", # about y\n  # end\n]\n"
        );
        assert_eq!(remove(ml, &[0, 1, 2]), "a = [\n  # end\n]\n");
        let no_trailing = "a = [\n  \"x\",\n  \"y\"\n]\n";
        assert_eq!(remove(no_trailing, &[1]), "a = [\n  \"x\"\n]\n");
        let inline = "a = [\"x\", \"y\", \"z\"]\n";
        assert_eq!(remove(inline, &[0]), "a = [\"y\", \"z\"]\n");
        assert_eq!(remove(inline, &[1]), "a = [\"x\", \"z\"]\n");
        assert_eq!(remove(inline, &[2]), "a = [\"x\", \"y\"]\n");
        assert_eq!(remove(inline, &[1, 2]), "a = [\"x\"]\n");
        assert_eq!(remove(inline, &[0, 1, 2]), "a = []\n");
        assert_eq!(remove("a = [\"x\", ]\n", &[0]), "a = [ ]\n");
    }

    fn append(text: &str) -> String {
        let r = root(text);
        let node = find(&r, &["a"]);
        let out = apply(text, TomlSyntax.append_array_item(text, node, "'n'")).unwrap();
        parse(&out).expect("output parses");
        out
    }

    #[test]
    fn append_in_each_layout() {
        assert_eq!(append("a = ['x', 'y']\n"), "a = ['x', 'y', 'n']\n");
        assert_eq!(append("a = ['x','y']\n"), "a = ['x','y','n']\n");
        assert_eq!(append("a = []\n"), "a = ['n']\n");
        assert_eq!(
            append("a = [\n    'x', # c\n]\n"),
            "a = [\n    'x', # c\n    'n',\n]\n"
        );
        assert_eq!(append("a = [\n  'x'\n]\n"), "a = [\n  'x',\n  'n'\n]\n");
        assert_eq!(append("a = [\n  'x']\n"), "a = [\n  'x',\n  'n']\n");
    }

    #[test]
    fn rename_keeps_quotes() {
        let t = "[phases.setup]\n\"nixpkgs\" = []\nnix_libs = []\n";
        let r = root(t);
        let setup = find(&r, &["phases", "setup"]).as_map().unwrap();
        let e1 = TomlSyntax.rename_key(t, setup.entry("nixpkgs").unwrap(), "nixPkgs");
        let e2 = TomlSyntax.rename_key(t, setup.entry("nix_libs").unwrap(), "nixLibs");
        assert_eq!(
            apply(t, vec![e1, e2]).unwrap(),
            "[phases.setup]\n\"nixPkgs\" = []\nnixLibs = []\n"
        );
    }
}
