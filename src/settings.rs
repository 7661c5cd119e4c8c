//! nixfix's own settings file: `nixfix.toml` or `.nixfix.toml`, found in the
//! current directory or the nearest parent that has one. Keys may be at the
//! top level or under `[tool.nixfix]`:
//!
//! ```toml
//! select = ["NF001", "NF002"]        # default: every rule that is on by default
//! extend-select = ["NF006"]          # add opt-in rules to the selection
//! ignore = ["NF004"]
//! exclude = ["services/legacy/**"]  # paths never fixed (globs)
//! ```
//!
//! Command-line flags win over the file.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Settings {
    pub select: Option<Vec<String>>,
    pub extend_select: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(serde::Deserialize)]
struct Wrapped {
    tool: Tools,
}

#[derive(serde::Deserialize)]
struct Tools {
    nixfix: Settings,
}

pub const FILE_NAMES: &[&str] = &["nixfix.toml", ".nixfix.toml"];

/// The settings file that applies to `dir`: in it or the nearest parent.
pub fn find(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    for d in dir.ancestors() {
        for n in FILE_NAMES {
            let p = d.join(n);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Read a settings file.
pub fn load(path: &Path) -> Result<Settings, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    parse(&text)
}

pub fn parse(text: &str) -> Result<Settings, String> {
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    if doc.get("tool").is_some() {
        let w: Wrapped = toml_edit::de::from_document(doc).map_err(|e| e.to_string())?;
        return Ok(w.tool.nixfix);
    }
    toml_edit::de::from_document(doc).map_err(|e| e.to_string())
}

/// Globs of paths to leave alone.
pub fn exclude_set(globs: &[String]) -> Result<globset::GlobSet, String> {
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        let glob = globset::GlobBuilder::new(g)
            .literal_separator(false)
            .build()
            .map_err(|e| format!("bad exclude glob `{g}`: {e}"))?;
        b.add(glob);
        // `dir/` or `dir` also excludes everything below it.
        let below = format!("{}/**", g.trim_end_matches('/'));
        if let Ok(glob) = globset::Glob::new(&below) {
            b.add(glob);
        }
    }
    b.build().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_layouts() {
        let a = parse("select = [\"NF001\"]\nexclude = [\"x/**\"]\n").unwrap();
        assert_eq!(a.select, Some(vec!["NF001".to_string()]));
        let b = parse("[tool.nixfix]\nignore = [\"NF004\"]\n").unwrap();
        assert_eq!(b.ignore, Some(vec!["NF004".to_string()]));
        assert!(parse("selct = []\n").is_err());
    }

    #[test]
    fn finds_the_nearest_file() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert!(find(&sub).is_none_or(|p| !p.starts_with(d.path())));
        std::fs::write(d.path().join(".nixfix.toml"), "").unwrap();
        assert_eq!(
            find(&sub).unwrap(),
            std::fs::canonicalize(d.path())
                .unwrap()
                .join(".nixfix.toml")
        );
    }

    #[test]
    fn exclude_globs() {
        let s = exclude_set(&["services/legacy".into(), "**/railway.json".into()]).unwrap();
        assert!(s.is_match("services/legacy/a/nixpacks.toml"));
        assert!(s.is_match("x/railway.json"));
        assert!(!s.is_match("services/new/nixpacks.toml"));
    }
}
