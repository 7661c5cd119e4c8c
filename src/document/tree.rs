//! A small, format-neutral view of a parsed config: maps, arrays and strings
//! with the byte spans they occupy in the original text.
//!
//! Both the TOML and the JSON front ends produce this tree, so the rules can
//! be written once. The tree is read-only: rules turn what they find into
//! [`crate::edit::Edit`]s on the original bytes, which is how every byte the
//! rule does not need to change survives.

use std::ops::Range;

/// Which syntax a document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Toml,
    Json,
}

/// A value in the tree, with the span of its text (quotes and brackets included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub span: Range<usize>,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    Map(Map),
    Array(Array),
    Str(Str),
    /// Numbers, booleans, dates, null, arrays of tables: present, not edited.
    Other,
}

/// How a map is written; decides how an entry can be added to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MapStyle {
    /// The TOML document root.
    TomlRoot,
    /// A `[a.b]` table; `header` is the span of the bracketed header.
    TomlHeader { header: Range<usize> },
    /// A table that exists only because a deeper header names it (`[a.b]` makes `a`).
    TomlImplicit,
    /// A table made by dotted keys (`a.b.c = 1`).
    TomlDotted,
    /// `{ a = 1 }`
    TomlInline,
    /// A JSON object `{ ... }`.
    JsonObject,
}

/// A map's key path from the root is not stored (a copy per node grows with
/// the square of the nesting depth): [`path_to`] works it out when an edit
/// needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Map {
    pub style: MapStyle,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key's name, unquoted and unescaped.
    pub key: String,
    /// The span of the key as written (quotes included when quoted). For a
    /// dotted TOML key `a.b.c`, each level has its own span.
    pub key_span: Range<usize>,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Array {
    pub items: Vec<Node>,
}

/// How a string literal is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrStyle {
    /// `"..."` in TOML
    TomlBasic,
    /// `'...'` in TOML
    TomlLiteral,
    /// `"""..."""` in TOML
    TomlMlBasic,
    /// `'''...'''` in TOML
    TomlMlLiteral,
    /// `"..."` in JSON
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str {
    /// The decoded value.
    pub value: String,
    pub style: StrStyle,
}

impl Node {
    /// The node at `path` below this one (keys of nested maps).
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in path {
            n = n.as_map()?.get(k)?;
        }
        Some(n)
    }
    pub fn as_map(&self) -> Option<&Map> {
        match &self.kind {
            NodeKind::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_array(&self) -> Option<&Array> {
        match &self.kind {
            NodeKind::Array(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&Str> {
        match &self.kind {
            NodeKind::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl Map {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key == key)
    }
    /// The first entry whose key is one of `keys`.
    pub fn get_any(&self, keys: &[&str]) -> Option<&Entry> {
        self.entries.iter().find(|e| keys.contains(&e.key.as_str()))
    }
    pub fn get_map(&self, key: &str) -> Option<&Map> {
        self.get(key).and_then(Node::as_map)
    }
}

/// The key path from `root` to `target` (a node of the same tree, compared
/// by address): the keys of the maps on the way, unquoted; an array item
/// has its array's path. `None` when `target` is not in the tree.
pub fn path_to<'a>(root: &'a Node, target: &Node) -> Option<Vec<&'a str>> {
    fn walk<'a>(n: &'a Node, target: &Node, path: &mut Vec<&'a str>) -> bool {
        if std::ptr::eq(n, target) {
            return true;
        }
        match &n.kind {
            NodeKind::Map(m) => m.entries.iter().any(|e| {
                path.push(&e.key);
                let found = walk(&e.value, target, path);
                if !found {
                    path.pop();
                }
                found
            }),
            NodeKind::Array(a) => a.items.iter().any(|i| walk(i, target, path)),
            _ => false,
        }
    }
    let mut path = Vec::new();
    walk(root, target, &mut path).then_some(path)
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let from = if line_start == 0 && text.starts_with('\u{feff}') && offset >= 3 {
        3
    } else {
        line_start
    };
    let col = text[from..offset].chars().count() + 1;
    (line, col)
}

/// [`line_col`] of many offsets at once, in one pass over the text (one
/// call per offset would cost the text's length each: quadratic for a file
/// with a finding on every line). Results are in the order of `offsets`.
pub fn line_cols(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&i| offsets[i]);
    let b = text.as_bytes();
    let bom = text.starts_with('\u{feff}');
    let mut out = vec![(1, 1); offsets.len()];
    // At byte `pos`: on `line`, `chars` characters after the line's start.
    let (mut pos, mut line, mut chars) = (0usize, 1usize, 0usize);
    for i in order {
        let target = offsets[i].min(text.len());
        for &c in &b[pos..target] {
            if c == b'\n' {
                line += 1;
                chars = 0;
            } else if c & 0xC0 != 0x80 {
                chars += 1;
            }
        }
        pos = target;
        // The BOM is not a column of the first line.
        let skip = usize::from(line == 1 && bom && target >= 3);
        out[i] = (line, chars - skip + 1);
    }
    out
}
