//! The document layer: bytes in, a spanned tree and a syntax to edit it with,
//! bytes out.
//!
//! Loading checks the encoding (UTF-8, an optional BOM is kept as part of the
//! text) and parses with the format's front end. Nothing is ever re-serialized:
//! the output is the original text with edits spliced in, so line endings, the
//! BOM and the final newline are preserved exactly.

pub mod json;
pub mod ops;
pub mod strings;
pub mod toml;
pub mod tree;

pub use tree::{
    Array, Entry, Format, Map, MapStyle, Node, NodeKind, Str, StrStyle, line_col, line_cols,
    path_to,
};

use crate::edit::Edit;

/// How deeply maps and arrays may nest, the document root counting as one
/// (serde_json's limit for JSON, and Nixpacks reads JSON with serde_json).
/// Real configs nest five or six levels; a file past this is refused before
/// anything recurses over it (TOML nests a table per part of a dotted key,
/// so a small file can nest thousands of levels).
pub const MAX_DEPTH: usize = 128;

/// A parse or encoding failure, with the position when there is one.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    /// 1-based line and column.
    pub position: Option<(usize, usize)>,
}

impl ParseError {
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
            position: None,
        }
    }
    pub fn at(message: impl Into<String>, text: &str, offset: usize) -> Self {
        ParseError {
            message: message.into(),
            position: Some(line_col(text, offset)),
        }
    }
}

/// Decode file bytes as UTF-8 text. A UTF-8 BOM stays in the text (the
/// parsers skip it and spans count it), so writing the text back keeps it.
pub fn decode(bytes: &[u8]) -> Result<&str, ParseError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ParseError::new(
            "the file is UTF-16; nixfix reads UTF-8 only (the file was left as it is)",
        ));
    }
    std::str::from_utf8(bytes).map_err(|e| {
        let text = String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned();
        ParseError::at(
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
            &text,
            text.len(),
        )
    })
}

/// The line ending a file mostly uses, for inserted lines.
pub fn eol(text: &str) -> &'static str {
    // Most files have no CR at all: one fast scan.
    if !text.as_bytes().contains(&b'\r') {
        return "\n";
    }
    let crlf = text.matches("\r\n").count();
    let lf = text.matches('\n').count();
    if crlf > 0 && crlf * 2 >= lf {
        "\r\n"
    } else {
        "\n"
    }
}

/// A parsed document.
pub struct Document {
    pub format: Format,
    pub root: Node,
}

/// Parse `text` in the given format.
pub fn parse(format: Format, text: &str) -> Result<Document, ParseError> {
    let root = match format {
        Format::Toml => toml::parse(text)?,
        Format::Json => json::parse(text)?,
    };
    Ok(Document { format, root })
}

/// Format-specific ways of writing new things into a document. Rules use
/// these so they need not know which syntax the file is in.
pub trait Syntax {
    /// A new string literal for `value`, quoted like the sibling `like` when given.
    fn string_literal(&self, value: &str, like: Option<&Str>) -> String;
    /// An inline array of strings, e.g. `["...", "python3Packages.pip"]`.
    fn string_array(&self, items: &[&str]) -> String;
    /// Edits that remove the items at `idxs` from `array` (comments on the
    /// removed items' lines go with them; every other byte stays).
    fn remove_array_items(&self, text: &str, array: &Node, idxs: &[usize]) -> Vec<Edit>;
    /// Edits that append an already rendered `literal` to `array`, in its layout.
    fn append_array_item(&self, text: &str, array: &Node, literal: &str) -> Vec<Edit>;
    /// Edits that insert an already rendered `literal` before the item at
    /// `idx` of `array`, in its layout.
    fn insert_array_item(&self, text: &str, array: &Node, idx: usize, literal: &str) -> Vec<Edit>;
    /// Edits that add `path.. = value` (value already rendered) to `map`,
    /// creating the maps along `path` (all but the last element are maps to
    /// create; the last is the key of the value). `root` is the document root.
    fn insert_path(
        &self,
        text: &str,
        root: &Node,
        map: &Node,
        path: &[&str],
        value: &str,
    ) -> Vec<Edit>;
    /// An edit that renames the key of `entry` to `new_key` (a plain name).
    fn rename_key(&self, text: &str, entry: &Entry, new_key: &str) -> Edit;
}

/// The syntax helper for a format.
pub fn syntax(format: Format) -> &'static dyn Syntax {
    match format {
        Format::Toml => &toml::TomlSyntax,
        Format::Json => &json::JsonSyntax,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eol_detects_crlf() {
        assert_eq!(eol("a\r\nb\r\n"), "\r\n");
        assert_eq!(eol("a\nb\n"), "\n");
        assert_eq!(eol("a"), "\n");
    }

    proptest::proptest! {
        #[test]
        fn line_cols_agree_with_line_col(
            text in "\u{feff}?[a\né\r😀]{0,30}",
            picks in proptest::collection::vec(0usize..200, 0..12),
        ) {
            let bounds: Vec<usize> = (0..=text.len()).filter(|&i| text.is_char_boundary(i)).collect();
            let offsets: Vec<usize> = picks.iter().map(|p| bounds[p % bounds.len()]).collect();
            let want: Vec<(usize, usize)> = offsets.iter().map(|&o| line_col(&text, o)).collect();
            proptest::prop_assert_eq!(line_cols(&text, &offsets), want);
        }
    }

    #[test]
    fn decode_refuses_utf16_and_bad_utf8() {
        assert!(decode(&[0xFF, 0xFE, b'a', 0]).is_err());
        let e = decode(b"a = 1\nb = \xff").unwrap_err();
        assert_eq!(e.position, Some((2, 5)));
        assert_eq!(decode(b"\xEF\xBB\xBFa = 1").unwrap(), "\u{feff}a = 1");
    }
}
