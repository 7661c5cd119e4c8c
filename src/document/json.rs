//! JSON front end (to be written): a span-keeping JSON parser producing the
//! neutral tree, and the JSON way of writing new things.

use super::{Entry, Node, ParseError, Str, Syntax};
use crate::edit::Edit;

/// Parse JSON text (a leading BOM is allowed) into the tree.
pub fn parse(_text: &str) -> Result<Node, ParseError> {
    Err(ParseError::new("JSON is not supported yet"))
}

pub struct JsonSyntax;

impl Syntax for JsonSyntax {
    fn string_literal(&self, value: &str, _like: Option<&Str>) -> String {
        super::strings::encode(value, super::StrStyle::Json)
    }
    fn string_array(&self, items: &[&str]) -> String {
        let inner: Vec<String> = items.iter().map(|s| self.string_literal(s, None)).collect();
        format!("[{}]", inner.join(", "))
    }
    fn remove_array_items(&self, text: &str, array: &Node, idxs: &[usize]) -> Vec<Edit> {
        super::ops::remove_items(text, array, idxs, None)
    }
    fn append_array_item(&self, text: &str, array: &Node, literal: &str) -> Vec<Edit> {
        super::ops::append_item(text, array, literal, None)
    }
    fn insert_path(&self, _text: &str, _root: &Node, _map: &Node, _path: &[&str], _value: &str) -> Vec<Edit> {
        Vec::new()
    }
    fn rename_key(&self, _text: &str, entry: &Entry, new_key: &str) -> Edit {
        Edit::replace(entry.key_span.start + 1..entry.key_span.end - 1, new_key)
    }
}
