//! Railway links: a Railway file's `build.nixpacksConfigPath` names the
//! config Nixpacks reads, which is fixed too; a nixpacks.json beside a
//! nixpacks.toml is read by nobody.

use super::Candidate;
use crate::nixpacks::Kind;
use std::path::Path;

/// A Railway file's `build.nixpacksConfigPath`, when it has one.
pub fn config_path(kind: Kind, text: &str) -> Option<String> {
    // A key may be written with escapes: only a text with neither is skipped.
    if !kind.is_railway() || !(text.contains("nixpacksConfigPath") || text.contains('\\')) {
        return None;
    }
    let doc = crate::document::parse(kind.format(), text).ok()?;
    // Not built by Nixpacks: the config it names is not this service's.
    if crate::nixpacks::other_builder(kind, &doc.root).is_some() {
        return None;
    }
    doc.root
        .as_map()?
        .get_map("build")?
        .get("nixpacksConfigPath")?
        .as_str()
        .map(|s| s.value.clone())
}

/// Where a Railway file's `nixpacksConfigPath` leads.
pub enum Named {
    /// A config to fix too, inside the root the Railway file was found under.
    Config(Candidate),
    /// Why it is not followed.
    Note(String),
}

/// Follow `target`, the `nixpacksConfigPath` of the Railway file `railway`.
/// `None` when it names something that is not a file (a directory, say).
pub fn follow_config_path(railway: &Candidate, target: &str) -> Option<Named> {
    let dir = railway.path.parent().unwrap_or(Path::new(""));
    let joined = dir.join(target);
    let root = railway.root.clone().unwrap_or_else(|| dir.to_path_buf());
    let (Ok(real), Ok(real_root)) = (std::fs::canonicalize(&joined), std::fs::canonicalize(&root))
    else {
        return Some(Named::Note(format!(
            "build.nixpacksConfigPath names `{target}`, which does not exist"
        )));
    };
    if !real.starts_with(&real_root) {
        return Some(Named::Note(format!(
            "build.nixpacksConfigPath names `{target}`, outside {}; not followed",
            crate::output::shown_path(&root)
        )));
    }
    real.is_file().then_some({
        Named::Config(Candidate {
            path: joined,
            explicit: true,
            root: Some(root),
            link: false,
        })
    })
}

/// The note for a nixpacks.json beside a nixpacks.toml.
pub const SHADOWED_JSON: &str = "nixpacks.toml is in the same directory, and Nixpacks reads only that one: this nixpacks.json has no effect (it is fixed anyway)";

/// Whether `path` is a nixpacks.json that a nixpacks.toml beside it
/// shadows (Nixpacks reads only the TOML), whatever way the file was named.
pub fn shadowed_json(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "nixpacks.json")
        && path.with_file_name("nixpacks.toml").is_file()
}
