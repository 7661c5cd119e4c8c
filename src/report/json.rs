//! JSON Lines: one object per file, then `{"summary": ...}`. The format is
//! versioned ([`JSON_VERSION`], in every object) and documented in the
//! README.

use super::{FileReport, Level, Mode, Status, Style, Summary, level, message, put};
use crate::output::{display_path, path_bytes, unified_diff};
use std::io::Write;

/// The version of the JSON report format. 2: `status` says `pending` for
/// fixes not written, findings carry a `level`, objects carry `version`.
pub const JSON_VERSION: u32 = 2;

pub struct Json(pub Style);

/// A file's status as a script should read it.
#[derive(serde::Serialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
pub enum JsonStatus {
    /// Nothing to fix.
    Unchanged,
    /// Fixes found, not written (dry run, `--check`).
    Pending,
    /// Fixes written (`--write`), or printed by the standard input filter.
    Fixed,
    /// Could not be read, parsed or written.
    Error,
}

pub fn status(r: &FileReport, mode: Mode) -> JsonStatus {
    match r.status {
        Status::Unchanged => JsonStatus::Unchanged,
        Status::Error => JsonStatus::Error,
        Status::Fixed if r.pending(mode) => JsonStatus::Pending,
        Status::Fixed => JsonStatus::Fixed,
    }
}

#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    level: Level,
    message: std::borrow::Cow<'a, str>,
    line: usize,
    column: usize,
    fixed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    before: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct JsonError<'a> {
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

#[derive(serde::Serialize)]
struct JsonFile<'a> {
    version: u32,
    /// The path (lossy when it is not UTF-8: then `path_bytes` has it).
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<Vec<u8>>,
    kind: Option<crate::nixpacks::Kind>,
    status: JsonStatus,
    written: bool,
    findings: Vec<JsonFinding<'a>>,
    /// Why the file was left alone (`builder is DOCKERFILE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    skipped: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<JsonError<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diff: Option<String>,
}

/// One file's object (a line of JSON Lines).
pub fn json_line(r: &FileReport, mode: Mode) -> String {
    let pending = r.pending(mode);
    let diff = match (&r.original, &r.fixed) {
        (Some(a), Some(b)) => Some(unified_diff(&r.path, a, b)),
        _ => None,
    };
    let bytes = path_bytes(&r.path);
    let j = JsonFile {
        version: JSON_VERSION,
        path: display_path(&r.path),
        path_bytes: std::str::from_utf8(&bytes)
            .is_err()
            .then(|| bytes.into_owned()),
        kind: r.kind,
        status: status(r, mode),
        written: r.written,
        findings: r
            .findings
            .iter()
            .map(|f| JsonFinding {
                code: f.code,
                level: level(f),
                message: message(f, pending),
                line: f.line,
                column: f.column,
                fixed: f.fixed,
                before: f.before.as_deref(),
                after: f.after.as_deref(),
            })
            .collect(),
        skipped: r.skipped.as_deref(),
        error: r.error.as_deref().map(|m| JsonError {
            message: m,
            line: r.error_position.map(|p| p.0),
            column: r.error_position.map(|p| p.1),
        }),
        diff,
    };
    serde_json::to_string(&j).expect("serializable")
}

impl super::Reporter for Json {
    fn file(&self, r: &FileReport, out: &mut Vec<u8>, _err: &mut Vec<u8>) {
        out.extend_from_slice(json_line(r, self.0.mode).as_bytes());
        out.push(b'\n');
    }

    fn finish(&self, s: &Summary, out: &mut dyn Write, _err: &mut dyn Write) {
        put(out, &format!("{}\n", serde_json::json!({ "summary": s })));
    }

    fn every_file(&self) -> bool {
        true
    }
}
