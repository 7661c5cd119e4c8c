//! Text operations on arrays shared by the TOML and JSON syntaxes: removing
//! items and appending one, in the layout the array already has.

use super::{Node, eol};
use crate::edit::Edit;

/// Start of the line holding `pos` (after a UTF-8 BOM on the first line,
/// so nothing is ever inserted before it or deletes it).
pub fn line_start(text: &str, pos: usize) -> usize {
    match text[..pos].rfind('\n') {
        Some(p) => p + 1,
        None if text.starts_with('\u{feff}') && pos >= 3 => 3,
        None => 0,
    }
}

/// Position of the line ending (`\r\n` or `\n`) of the line holding `pos`, or
/// the end of the text.
pub fn line_end(text: &str, pos: usize) -> usize {
    match text[pos..].find('\n') {
        Some(p) => {
            let nl = pos + p;
            if nl > pos && text.as_bytes()[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            }
        }
        None => text.len(),
    }
}

/// Position just after the line ending of the line holding `pos`.
pub fn next_line(text: &str, pos: usize) -> usize {
    match text[pos..].find('\n') {
        Some(p) => pos + p + 1,
        None => text.len(),
    }
}

/// The whitespace that starts the line holding `pos`.
pub fn indent_of(text: &str, pos: usize) -> &str {
    let ls = line_start(text, pos);
    let rest = &text[ls..];
    let n = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    &rest[..n]
}

/// Find the first comma in the gap `text[from..to]`, skipping comments that
/// start with `comment` (TOML `#`). Gaps between array items hold only
/// whitespace, commas and comments.
pub fn find_comma(text: &str, from: usize, to: usize, comment: Option<char>) -> Option<usize> {
    let mut i = from;
    let b = text.as_bytes();
    while i < to {
        let c = b[i];
        if c == b',' {
            return Some(i);
        }
        if Some(c as char) == comment {
            i = line_end(text, i);
            continue;
        }
        i += 1;
    }
    None
}

/// Whether the item spanning `s..e` is alone on its line(s): only
/// indentation before it, and after it at most a comma, spaces and a comment
/// before the line ends. Returns the range of whole lines to delete.
fn own_lines(
    text: &str,
    s: usize,
    e: usize,
    close: usize,
    comment: Option<char>,
    is_last: bool,
    trailing_comma: bool,
) -> Option<(usize, usize)> {
    let ls = line_start(text, s);
    if !text[ls..s].chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let b = text.as_bytes();
    let mut i = e;
    let skip_ws = |i: &mut usize| {
        while *i < text.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    skip_ws(&mut i);
    let comma_after = i < close && b[i] == b',';
    if comma_after {
        i += 1;
        skip_ws(&mut i);
    }
    if i < text.len() && Some(b[i] as char) == comment {
        i = line_end(text, i);
    }
    if i >= close {
        return None;
    }
    // Comma-first layouts (`, "y"` on the next line, or a last item whose
    // trailing comma sits on a later line) are not line-shaped.
    if !comma_after && (!is_last || trailing_comma) {
        return None;
    }
    if text[i..].starts_with('\n') || text[i..].starts_with("\r\n") {
        Some((ls, next_line(text, i)))
    } else {
        None
    }
}

/// Deletions of the item at `s..e` and of the comma after it (before
/// `to`), with the blanks that follow the comma on its line; a comment
/// in between stays.
fn item_and_comma(text: &str, s: usize, e: usize, to: usize, comment: Option<char>) -> Vec<Edit> {
    let b = text.as_bytes();
    let blanks = |mut i: usize| {
        while i < to && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        i
    };
    let i = blanks(e);
    if i < to && b[i] == b',' {
        return vec![Edit::delete(s..blanks(i + 1))];
    }
    match find_comma(text, e, to, comment) {
        Some(c) => vec![Edit::delete(s..e), Edit::delete(c..blanks(c + 1))],
        None => vec![Edit::delete(s..e)],
    }
}

/// Edits removing the items at `idxs` from the array `node`.
pub fn remove_items(text: &str, node: &Node, idxs: &[usize], comment: Option<char>) -> Vec<Edit> {
    let Some(arr) = node.as_array() else {
        return Vec::new();
    };
    let items = &arr.items;
    let n = items.len();
    let close = node.span.end - 1; // the `]`
    if idxs.is_empty() {
        return Vec::new();
    }
    let mut is_removed = vec![false; n];
    for &i in idxs {
        is_removed[i] = true;
    }
    let removed = |k: usize| is_removed[k];
    // The nearest kept item before each one (a lookup per removed item,
    // not a scan: removing most of a long array stays linear).
    let mut prev_kept = vec![None; n];
    for k in 1..n {
        prev_kept[k] = if removed(k - 1) {
            prev_kept[k - 1]
        } else {
            Some(k - 1)
        };
    }
    let mut edits = Vec::new();
    let last_comma = find_comma(text, items[n - 1].span.end, close, comment);
    let mut last_removed_by_line = false;
    // Comments in the gaps between items belong to the items kept around
    // them (a `# nixfix: ignore` on the line of the item before, a note on a
    // line of its own): the deletions below never cross one.
    let commented = |from: usize, to: usize| comment.is_some_and(|c| text[from..to].contains(c));
    let gap_after = |k: usize| {
        let to = items.get(k + 1).map_or(close, |next| next.span.start);
        items[k].span.end..to
    };
    let all =
        (0..n).all(removed) && !(0..n).any(|k| commented(gap_after(k).start, gap_after(k).end));
    // The removed items that go with their whole lines.
    let mut by_line = vec![None; n];
    for &i in idxs {
        let (s, e) = (items[i].span.start, items[i].span.end);
        by_line[i] = own_lines(text, s, e, close, comment, i == n - 1, last_comma.is_some());
    }
    for &i in idxs {
        let (s, e) = (items[i].span.start, items[i].span.end);
        if let Some((a, b)) = by_line[i] {
            edits.push(Edit::delete(a..b));
            if i == n - 1 {
                last_removed_by_line = true;
            }
            continue;
        }
        if all {
            // Nothing stays: remove the items and the commas between them.
            let end = last_comma.map_or(items[n - 1].span.end, |c| c + 1);
            edits.push(Edit::delete(items[0].span.start..end));
            continue;
        }
        let after = gap_after(i);
        if i + 1 < n && by_line.get(i + 1).is_some_and(Option::is_some) {
            // The next item goes with its line: this one goes up to its own
            // line's end, blanks before it included, so the lines are not
            // joined (what follows the next line, a comment of its own
            // say, would land on this one).
            let mut from = s;
            while from > 0 && matches!(text.as_bytes()[from - 1], b' ' | b'\t') {
                from -= 1;
            }
            let mut cut = item_and_comma(text, s, e, after.end, comment);
            if let Some(first) = cut.first_mut() {
                first.range.start = from;
            }
            edits.extend(cut);
        } else if i + 1 < n && !commented(after.start, after.end) {
            edits.push(Edit::delete(s..items[i + 1].span.start));
        } else if i + 1 < n || prev_kept[i].is_none() {
            // The item and its comma, not the comment after them.
            edits.extend(item_and_comma(text, s, e, after.end, comment));
        } else if let Some(p) = prev_kept[i]
            && !commented(items[p].span.end, s)
        {
            edits.push(Edit::delete(items[p].span.end..e));
        } else if let Some(p) = prev_kept[i] {
            // The last item, after a comment: it goes from its line's
            // start when it starts the line; one comma goes with it (its
            // own trailing one, or else the one after the item before).
            let from = if text[line_start(text, s)..s].trim().is_empty() {
                line_start(text, s)
            } else {
                s
            };
            match last_comma {
                Some(c) => edits.push(Edit::delete(from..c + 1)),
                None => {
                    edits.push(Edit::delete(from..e));
                    if let Some(c) = find_comma(text, items[p].span.end, s, comment) {
                        edits.push(Edit::delete(c..c + 1));
                    }
                }
            }
        }
    }
    // Keep the array's trailing-comma style: when the last item went with
    // its line and there was no trailing comma, the comma after the new
    // last item goes too.
    if last_removed_by_line && last_comma.is_none() {
        let p = (0..n).rev().find(|&k| !removed(k));
        if let Some(c) = p.and_then(|p| find_comma(text, items[p].span.end, close, comment)) {
            edits.push(Edit::delete(c..c + 1));
        }
    }
    edits
}

/// Edits appending `literal` to the array `node`, following its layout:
/// one item per line (with the same indent and trailing-comma style) or inline.
pub fn append_item(text: &str, node: &Node, literal: &str, comment: Option<char>) -> Vec<Edit> {
    let Some(arr) = node.as_array() else {
        return Vec::new();
    };
    let open = node.span.start; // `[`
    let close = node.span.end - 1; // `]`
    let nl = eol(text);
    let Some(last) = arr.items.last() else {
        let inner = &text[open + 1..close];
        if inner.trim().is_empty() {
            return vec![Edit::replace(open + 1..close, literal)];
        }
        // Only a comment inside: the item before it, a blank between.
        return vec![Edit::insert(open + 1, format!("{literal} "))];
    };
    let first = &arr.items[0];
    let multiline =
        text[open..first.span.start].contains('\n') || text[last.span.end..close].contains('\n');
    let trailing = find_comma(text, last.span.end, close, comment);
    if multiline {
        let indent = indent_of(text, last.span.start);
        let indent = if text[line_start(text, last.span.start)..last.span.start]
            .trim()
            .is_empty()
        {
            indent.to_string()
        } else {
            indent_of(text, first.span.start).to_string()
        };
        match trailing {
            Some(c) => {
                let le = line_end(text, c);
                if le < close {
                    vec![Edit::insert(le, format!("{nl}{indent}{literal},"))]
                } else {
                    vec![Edit::insert(c + 1, format!(" {literal},"))]
                }
            }
            None => {
                let le = line_end(text, last.span.end);
                if le < close && le > last.span.end {
                    vec![
                        Edit::insert(last.span.end, ","),
                        Edit::insert(le, format!("{nl}{indent}{literal}")),
                    ]
                } else {
                    vec![Edit::insert(
                        last.span.end,
                        format!(",{nl}{indent}{literal}"),
                    )]
                }
            }
        }
    } else {
        let sep = if arr.items.len() >= 2 {
            let prev = &arr.items[arr.items.len() - 2];
            let gap = &text[prev.span.end..last.span.start];
            if gap.contains(',') && !gap.contains(comment.unwrap_or('\0')) {
                gap.to_string()
            } else {
                ", ".to_string()
            }
        } else {
            ", ".to_string()
        };
        match trailing {
            Some(c) => {
                let after_comma = sep.split_once(',').map_or(" ", |(_, a)| a).to_string();
                vec![Edit::insert(c + 1, format!("{after_comma}{literal},"))]
            }
            None => vec![Edit::insert(last.span.end, format!("{sep}{literal}"))],
        }
    }
}

/// Edits inserting `literal` before the item at `idx` of the array `node`
/// (at the end when `idx` is past the last item), in the array's layout:
/// on a line of its own with the item's indent when the item starts its
/// line, else inline with the separator the array uses.
pub fn insert_item(
    text: &str,
    node: &Node,
    idx: usize,
    literal: &str,
    comment: Option<char>,
) -> Vec<Edit> {
    let Some(arr) = node.as_array() else {
        return Vec::new();
    };
    let Some(item) = arr.items.get(idx) else {
        return append_item(text, node, literal, comment);
    };
    let ls = line_start(text, item.span.start);
    let own_line = ls > node.span.start && text[ls..item.span.start].trim().is_empty();
    if own_line {
        let indent = indent_of(text, item.span.start);
        vec![Edit::insert(ls, format!("{indent}{literal},{}", eol(text)))]
    } else {
        let pair = if idx > 0 {
            Some((&arr.items[idx - 1], item))
        } else {
            arr.items.get(1).map(|second| (item, second))
        };
        let sep = match pair {
            Some((a, b)) => {
                let gap = &text[a.span.end..b.span.start];
                if gap.contains(',')
                    && !gap.contains(comment.unwrap_or('\0'))
                    && !gap.contains('\n')
                {
                    gap.to_string()
                } else {
                    ", ".to_string()
                }
            }
            None => ", ".to_string(),
        };
        vec![Edit::insert(item.span.start, format!("{literal}{sep}"))]
    }
}
