//! Byte-range edits on the original text, applied all at once.
//!
//! Rules never re-render a document: they describe the few bytes to replace,
//! and [`apply`] splices them into the original text. Everything outside the
//! edited ranges (comments, quoting, CRLF, a BOM, a missing final newline)
//! survives by construction.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
}

impl Edit {
    pub fn delete(range: Range<usize>) -> Self {
        Edit {
            range,
            replacement: String::new(),
        }
    }
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit {
            range: at..at,
            replacement: text.into(),
        }
    }
    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Self {
        Edit {
            range,
            replacement: text.into(),
        }
    }
    fn is_deletion(&self) -> bool {
        self.replacement.is_empty() && !self.range.is_empty()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error("edit {0:?} is outside the text or not on a character boundary")]
    OutOfBounds(Range<usize>),
    #[error("edits {0:?} and {1:?} overlap")]
    Overlap(Range<usize>, Range<usize>),
}

/// Sort the edits and fold overlapping deletions into one (removing the same
/// bytes twice is the same as removing them once). Any other overlap is an
/// error: two rules disagree about the same bytes.
pub fn normalize(mut edits: Vec<Edit>) -> Result<Vec<Edit>, EditError> {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    edits.dedup();
    let mut out: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        if let Some(last) = out.last_mut() {
            let touches = e.range.start < last.range.end
                || (e.range.start == last.range.end && e.range.is_empty() && last.range.is_empty());
            if touches {
                if last.is_deletion() && e.is_deletion() {
                    last.range.end = last.range.end.max(e.range.end);
                    continue;
                }
                return Err(EditError::Overlap(last.range.clone(), e.range));
            }
        }
        out.push(e);
    }
    Ok(out)
}

/// Apply edits to `text`. The edits are normalized first.
pub fn apply(text: &str, edits: Vec<Edit>) -> Result<String, EditError> {
    let edits = normalize(edits)?;
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for e in &edits {
        if e.range.end > text.len()
            || !text.is_char_boundary(e.range.start)
            || !text.is_char_boundary(e.range.end)
        {
            return Err(EditError::OutOfBounds(e.range.clone()));
        }
        out.push_str(&text[pos..e.range.start]);
        out.push_str(&e.replacement);
        pos = e.range.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

/// The edits of one step (normalized, as applied), ready to map many
/// offsets of the new text back to the old one in `O(log n)` each.
#[derive(Debug, Clone, Default)]
pub struct MapBack {
    edits: Vec<Edit>,
    /// Where each edit's replacement starts in the new text.
    new_starts: Vec<usize>,
    /// The length change of the edits up to and including each one.
    deltas: Vec<isize>,
}

impl MapBack {
    pub fn new(edits: Vec<Edit>) -> MapBack {
        let mut new_starts = Vec::with_capacity(edits.len());
        let mut deltas = Vec::with_capacity(edits.len());
        let mut delta: isize = 0;
        for e in &edits {
            new_starts.push((e.range.start as isize + delta) as usize);
            delta += e.replacement.len() as isize - e.range.len() as isize;
            deltas.push(delta);
        }
        MapBack {
            edits,
            new_starts,
            deltas,
        }
    }

    /// The offset in the old text of `pos` in the new one: inside a
    /// replacement, where the replaced range starts.
    pub fn map(&self, pos: usize) -> usize {
        // The new text's replacements are sorted and disjoint, so only the
        // last one starting at or before `pos` can hold it.
        let k = self.new_starts.partition_point(|&s| s <= pos);
        if k == 0 {
            return pos;
        }
        let e = &self.edits[k - 1];
        if pos < self.new_starts[k - 1] + e.replacement.len() {
            return e.range.start;
        }
        (pos as isize - self.deltas[k - 1]).max(0) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_order_regardless_of_input_order() {
        let t = "abcdef";
        let out = apply(
            t,
            vec![
                Edit::replace(4..5, "E"),
                Edit::delete(0..1),
                Edit::insert(3, "-"),
            ],
        )
        .unwrap();
        assert_eq!(out, "bc-dEf");
    }

    #[test]
    fn overlapping_deletions_merge() {
        let out = apply("0123456789", vec![Edit::delete(2..5), Edit::delete(4..7)]).unwrap();
        assert_eq!(out, "01789");
    }

    #[test]
    fn overlapping_replacements_are_refused() {
        let err = apply(
            "0123456789",
            vec![Edit::replace(2..5, "x"), Edit::delete(4..7)],
        );
        assert!(matches!(err, Err(EditError::Overlap(..))));
    }

    #[test]
    fn two_inserts_at_one_point_are_refused() {
        let err = apply("ab", vec![Edit::insert(1, "x"), Edit::insert(1, "y")]);
        assert!(matches!(err, Err(EditError::Overlap(..))));
    }

    #[test]
    fn out_of_bounds_is_an_error() {
        assert!(apply("ab", vec![Edit::delete(1..9)]).is_err());
        assert!(apply("é", vec![Edit::delete(1..2)]).is_err());
    }

    #[test]
    fn map_back_walks_through_edits() {
        let edits = normalize(vec![Edit::delete(0..2), Edit::insert(5, "XYZ")]).unwrap();
        let out = apply("0123456789", edits.clone()).unwrap();
        assert_eq!(out, "234XYZ56789");
        // '5' is at 6 in the output and 5 in the input.
        let m = MapBack::new(edits);
        assert_eq!(m.map(6), 5);
        assert_eq!(m.map(0), 2);
        assert_eq!(m.map(4), 5); // inside the insertion
    }

    /// The reference: walk every edit (what `MapBack` does in `O(log n)`).
    fn map_back_linear(pos: usize, edits: &[Edit]) -> usize {
        let mut delta: isize = 0;
        for e in edits {
            let new_start = (e.range.start as isize + delta) as usize;
            if pos < new_start {
                break;
            }
            if pos < new_start + e.replacement.len() {
                return e.range.start;
            }
            delta += e.replacement.len() as isize - e.range.len() as isize;
        }
        (pos as isize - delta).max(0) as usize
    }

    proptest::proptest! {
        #[test]
        fn map_back_agrees_with_a_walk_over_the_edits(
            raw in proptest::collection::vec((0usize..60, 0usize..4, 0usize..4), 0..12),
        ) {
            let mut edits: Vec<Edit> = raw
                .iter()
                .map(|&(at, len, rep)| Edit::replace(at..at + len, "x".repeat(rep)))
                .collect();
            edits.sort_by_key(|e| e.range.start);
            // Keep a disjoint subset, as normalize leaves them.
            let mut kept: Vec<Edit> = Vec::new();
            for e in edits {
                let fits = kept.last().is_none_or(|l| {
                    e.range.start >= l.range.end
                        && !(e.range.start == l.range.end && e.range.is_empty() && l.range.is_empty())
                });
                if fits {
                    kept.push(e);
                }
            }
            let m = MapBack::new(kept.clone());
            for pos in 0..80 {
                proptest::prop_assert_eq!(m.map(pos), map_back_linear(pos, &kept), "pos {}", pos);
            }
        }
    }
}
