//! String literals: where each decoded byte sits in the raw text, and how to
//! write a new literal in a given style.
//!
//! Rules edit command strings by value (remove `python -m ensurepip && `), but
//! the file holds the literal (`"python -m ensurepip && pip install \"x\""`).
//! [`decode_with_offsets`] maps every position of the value back to the raw
//! literal, so a cut in the value becomes a cut in the file and the escapes
//! and line continuations the user wrote around it stay as they were.

use super::StrStyle;

/// Decode the literal `raw` (quotes included) written in `style`. Returns the
/// value and, for every byte index `i` of the value (and `value.len()`), the
/// offset in `raw` where the character holding that byte starts. `None` when
/// `raw` is not a well-formed literal of that style.
pub fn decode_with_offsets(raw: &str, style: StrStyle) -> Option<(String, Vec<usize>)> {
    let (open, close) = match style {
        StrStyle::TomlBasic | StrStyle::Json => ("\"", "\""),
        StrStyle::TomlLiteral => ("'", "'"),
        StrStyle::TomlMlBasic => ("\"\"\"", "\"\"\""),
        StrStyle::TomlMlLiteral => ("'''", "'''"),
    };
    if raw.len() < open.len() + close.len() || !raw.starts_with(open) || !raw.ends_with(close) {
        return None;
    }
    let body_end = raw.len() - close.len();
    let mut i = open.len();
    let bytes = raw.as_bytes();
    let multiline = matches!(style, StrStyle::TomlMlBasic | StrStyle::TomlMlLiteral);
    if multiline {
        // A newline right after the opening delimiter is not part of the value.
        if raw[i..].starts_with("\r\n") {
            i += 2;
        } else if raw[i..].starts_with('\n') {
            i += 1;
        }
    }
    let escapes = matches!(
        style,
        StrStyle::TomlBasic | StrStyle::TomlMlBasic | StrStyle::Json
    );
    let mut value = String::new();
    let mut offsets = Vec::new();
    while i < body_end {
        let c = raw[i..].chars().next()?;
        if escapes && c == '\\' {
            let start = i;
            let next = *bytes.get(i + 1)?;
            let decoded: Option<char> = match next {
                b'"' => Some('"'),
                b'\\' => Some('\\'),
                b'/' if style == StrStyle::Json => Some('/'),
                b'b' => Some('\u{8}'),
                b'f' => Some('\u{c}'),
                b'n' => Some('\n'),
                b'r' => Some('\r'),
                b't' => Some('\t'),
                b'e' if style != StrStyle::Json => Some('\u{1b}'),
                b'x' if style != StrStyle::Json => {
                    let hex = raw.get(i + 2..i + 4)?;
                    i += 2;
                    char::from_u32(u32::from_str_radix(hex, 16).ok()?)
                }
                b'u' | b'U' => {
                    let n = if next == b'u' { 4 } else { 8 };
                    if next == b'U' && style == StrStyle::Json {
                        return None;
                    }
                    let hex = raw.get(i + 2..i + 2 + n)?;
                    let mut code = u32::from_str_radix(hex, 16).ok()?;
                    i += n;
                    if style == StrStyle::Json && (0xD800..0xDC00).contains(&code) {
                        // A surrogate pair: \uD83D\uDE00
                        let low = raw.get(i + 2..i + 8)?;
                        let low = low.strip_prefix("\\u")?;
                        let low = u32::from_str_radix(low, 16).ok()?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return None;
                        }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                        i += 6;
                    }
                    char::from_u32(code)
                }
                b' ' | b'\t' | b'\r' | b'\n' if style == StrStyle::TomlMlBasic => {
                    // Line-ending backslash: skip whitespace and newlines.
                    let mut j = i + 1;
                    while j < body_end && matches!(bytes[j], b' ' | b'\t') {
                        j += 1;
                    }
                    if !(raw[j..].starts_with('\n') || raw[j..].starts_with("\r\n")) {
                        return None;
                    }
                    while j < body_end && matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n') {
                        j += 1;
                    }
                    i = j;
                    continue;
                }
                _ => return None,
            };
            let d = decoded?;
            for _ in 0..d.len_utf8() {
                offsets.push(start);
            }
            value.push(d);
            i += 2;
            continue;
        }
        for _ in 0..c.len_utf8() {
            offsets.push(i);
        }
        value.push(c);
        i += c.len_utf8();
    }
    offsets.push(body_end);
    Some((value, offsets))
}

/// Write `value` as a literal in `style` (quotes included). A style that
/// cannot hold the value (a `'` in a literal string, a newline in a one-line
/// string) falls back to the escaped form of the same family.
pub fn encode(value: &str, style: StrStyle) -> String {
    match style {
        StrStyle::TomlLiteral if !value.contains(['\'', '\n', '\r']) => format!("'{value}'"),
        StrStyle::TomlMlLiteral if !value.contains("'''") => format!("'''{value}'''"),
        StrStyle::TomlMlBasic => {
            let mut s = String::from("\"\"\"");
            for c in value.chars() {
                match c {
                    '"' => s.push_str("\\\""),
                    '\\' => s.push_str("\\\\"),
                    '\n' => s.push('\n'),
                    c => push_escaped(&mut s, c, false),
                }
            }
            s.push_str("\"\"\"");
            s
        }
        StrStyle::Json => {
            let mut s = String::from("\"");
            for c in value.chars() {
                push_escaped(&mut s, c, true);
            }
            s.push('"');
            s
        }
        _ => {
            let mut s = String::from("\"");
            for c in value.chars() {
                push_escaped(&mut s, c, false);
            }
            s.push('"');
            s
        }
    }
}

fn push_escaped(s: &mut String, c: char, json: bool) {
    match c {
        '"' => s.push_str("\\\""),
        '\\' => s.push_str("\\\\"),
        '\n' => s.push_str("\\n"),
        '\r' => s.push_str("\\r"),
        '\t' => s.push_str("\\t"),
        '\u{8}' => s.push_str("\\b"),
        '\u{c}' => s.push_str("\\f"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            if json || (c as u32) < 0x20 {
                s.push_str(&format!("\\u{:04x}", c as u32));
            } else {
                s.push_str("\\u007f");
            }
        }
        c => s.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(raw: &str, style: StrStyle, want: &str) {
        let (v, offs) = decode_with_offsets(raw, style).expect("decodes");
        assert_eq!(v, want);
        assert_eq!(offs.len(), v.len() + 1);
        // Every char boundary maps to a position at or after the previous one.
        assert!(offs.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn decodes_each_style() {
        roundtrip(r#""a\"b""#, StrStyle::TomlBasic, "a\"b");
        roundtrip("'a\\b'", StrStyle::TomlLiteral, "a\\b");
        roundtrip(
            "\"\"\"\nline1\nline2\"\"\"",
            StrStyle::TomlMlBasic,
            "line1\nline2",
        );
        roundtrip("\"\"\"a && \\\n   b\"\"\"", StrStyle::TomlMlBasic, "a && b");
        roundtrip("'''\r\nx'''", StrStyle::TomlMlLiteral, "x");
        roundtrip(r#""caf\u00e9 \ud83d\ude00""#, StrStyle::Json, "café 😀");
        roundtrip(r#""a\/b""#, StrStyle::Json, "a/b");
    }

    #[test]
    fn offsets_point_into_the_raw_text() {
        let raw = r#""x \"q\" && y""#;
        let (v, offs) = decode_with_offsets(raw, StrStyle::TomlBasic).unwrap();
        let amp = v.find("&&").unwrap();
        assert_eq!(&raw[offs[amp]..offs[amp] + 2], "&&");
        assert_eq!(offs[v.len()], raw.len() - 1);
    }

    #[test]
    fn rejects_malformed() {
        assert!(decode_with_offsets(r#""a\qb""#, StrStyle::TomlBasic).is_none());
        assert!(decode_with_offsets("'abc", StrStyle::TomlLiteral).is_none());
    }

    #[test]
    fn encode_keeps_style_or_falls_back() {
        assert_eq!(encode("a b", StrStyle::TomlLiteral), "'a b'");
        assert_eq!(encode("it's", StrStyle::TomlLiteral), "\"it's\"");
        assert_eq!(encode("a\"b\n", StrStyle::TomlBasic), r#""a\"b\n""#);
        assert_eq!(encode("tab\t", StrStyle::Json), r#""tab\t""#);
        for (v, st) in [
            ("x\u{1}y", StrStyle::Json),
            ("q\"\\", StrStyle::TomlBasic),
            ("l1\nl2", StrStyle::TomlMlBasic),
        ] {
            let raw = encode(v, st);
            assert_eq!(decode_with_offsets(&raw, st).unwrap().0, v);
        }
    }
}
