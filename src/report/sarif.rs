//! SARIF 2.1.0, for GitHub code scanning (`github/codeql-action/upload-sarif`)
//! and other SARIF viewers: one run, the rules of the registry, a result
//! per finding and per file that could not be read. Levels as in the
//! GitHub annotations: what fails the gate is `error`, a written fix a
//! `note`, advice a `warning`.

use super::{FileReport, Level, Style, Summary, level, message, put};
use serde_json::{Value, json};
use std::io::Write;
use std::sync::Mutex;

pub struct Sarif {
    style: Style,
    /// Results by file, in the order files are reported (sorted at the end).
    results: Mutex<Vec<(std::path::PathBuf, Vec<Value>)>>,
}

impl Sarif {
    pub fn new(style: Style) -> Sarif {
        Sarif {
            style,
            results: Mutex::new(Vec::new()),
        }
    }
}

/// A relative URI reference for a path: `/` separators, everything but
/// unreserved characters and `/` percent-encoded (RFC 3986).
fn uri(path: &std::path::Path) -> String {
    let bytes = crate::output::path_bytes(path);
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes.iter() {
        let b = if cfg!(windows) && b == b'\\' { b'/' } else { b };
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn result(rule: &str, level: &str, text: &str, uri: &str, line: usize, col: usize) -> Value {
    let mut r = json!({
        "ruleId": rule,
        "level": level,
        "message": { "text": text },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri },
                "region": { "startLine": line.max(1), "startColumn": col.max(1) }
            }
        }]
    });
    if let Some(i) = crate::rules::REGISTRY.iter().position(|x| x.code() == rule) {
        r["ruleIndex"] = json!(i);
    }
    r
}

fn results(r: &FileReport, pending: bool) -> Vec<Value> {
    let u = uri(&r.path);
    let mut out: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let lv = match level(f) {
                Level::Fix if pending => "error",
                Level::Fix => "note",
                Level::Error => "error",
                Level::Warning => "warning",
            };
            result(f.code, lv, &message(f, pending), &u, f.line, f.column)
        })
        .collect();
    if let Some(e) = &r.error {
        let (l, c) = r.error_position.unwrap_or((1, 1));
        out.push(result("nixfix", "error", e, &u, l, c));
    }
    out
}

fn rules() -> Vec<Value> {
    crate::rules::REGISTRY
        .iter()
        .map(|r| {
            let m = r.meta();
            let level = match m.kind {
                crate::rules::RuleKind::Fix => "error",
                crate::rules::RuleKind::Warning => "warning",
            };
            json!({
                "id": m.code,
                "name": m.name,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": m.summary },
                "help": { "text": m.doc, "markdown": m.doc },
                "defaultConfiguration": { "level": level, "enabled": m.default }
            })
        })
        .collect()
}

impl super::Reporter for Sarif {
    fn file(&self, r: &FileReport, _out: &mut Vec<u8>, _err: &mut Vec<u8>) {
        let found = results(r, r.pending(self.style.mode));
        if !found.is_empty() {
            let mut all = self.results.lock().unwrap_or_else(|e| e.into_inner());
            all.push((r.path.clone(), found));
        }
    }

    fn finish(&self, s: &Summary, out: &mut dyn Write, err: &mut dyn Write) {
        let mut all = std::mem::take(&mut *self.results.lock().unwrap_or_else(|e| e.into_inner()));
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let results: Vec<Value> = all.into_iter().flat_map(|(_, r)| r).collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "nixfix",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/nixfix/nixfix",
                    "rules": rules()
                }},
                "results": results,
                "invocations": [{ "executionSuccessful": s.errors == 0 }]
            }]
        });
        put(out, &format!("{doc:#}\n"));
        if !self.style.quiet && s.files > 0 {
            put(err, &format!("{}\n", s.line()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(
            uri(std::path::Path::new("./a b/nixpacks.toml")),
            "a%20b/nixpacks.toml"
        );
        assert_eq!(uri(std::path::Path::new("x/é")), "x/%C3%A9");
    }
}
