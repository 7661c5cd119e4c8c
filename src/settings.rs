//! nixfix's own settings file: `nixfix.toml`, `.nixfix.toml`, or a
//! `pyproject.toml` with a `[tool.nixfix]` table, found in the current
//! directory or the nearest parent that has one (in that order within a
//! directory, as ruff looks for its own). Keys may be at the top level or
//! under `[tool.nixfix]` (only the latter in `pyproject.toml`):
//!
//! ```toml
//! select = ["NF001", "NF002"]        # default: every rule that is on by default
//! extend-select = ["NF006"]          # add opt-in rules to the selection
//! ignore = ["NF004"]
//! exclude = ["services/legacy/**"]  # paths never fixed (globs)
//! ```
//!
//! Command-line flags win over the file. `exclude` globs in the file match
//! paths relative to the directory the file is in, wherever nixfix runs
//! from; `--exclude` globs match paths as given (relative to the current
//! directory) or relative to the directory walked.

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

pub const FILE_NAMES: &[&str] = &["nixfix.toml", ".nixfix.toml", "pyproject.toml"];

/// The settings file that applies to `dir`: in it or the nearest parent.
/// A `pyproject.toml` counts only when it has a `[tool.nixfix]` table.
pub fn find(dir: &Path) -> Option<PathBuf> {
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    for d in dir.ancestors() {
        for n in FILE_NAMES {
            let p = d.join(n);
            if p.is_file() && (*n != "pyproject.toml" || has_tool_table(&p)) {
                return Some(p);
            }
        }
    }
    None
}

/// Whether a pyproject.toml has `[tool.nixfix]` (one that does not parse
/// is read, so that its error is reported rather than skipped silently
/// when it mentions nixfix at all).
fn has_tool_table(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else {
        return false;
    };
    match text.parse::<toml_edit::DocumentMut>() {
        Ok(doc) => doc.get("tool").and_then(|t| t.get("nixfix")).is_some(),
        Err(_) => text.contains("tool.nixfix"),
    }
}

/// Read a settings file.
pub fn load(path: &Path) -> Result<Settings, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    if path.file_name().is_some_and(|n| n == "pyproject.toml") {
        return parse_pyproject(&text);
    }
    parse(&text)
}

/// `[tool.nixfix]` of a pyproject.toml (the rest of the file is not ours).
pub fn parse_pyproject(text: &str) -> Result<Settings, String> {
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.to_string())?;
    let Some(table) = doc.get("tool").and_then(|t| t.get("nixfix")) else {
        return Ok(Settings::default());
    };
    let mut own = toml_edit::DocumentMut::new();
    if let Some(t) = table.as_table_like() {
        for (k, v) in t.iter() {
            own.insert(k, v.clone());
        }
    }
    toml_edit::de::from_document(own).map_err(|e| format!("[tool.nixfix]: {e}"))
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

/// The paths to leave alone: `--exclude` globs, and the settings file's
/// globs relative to its directory.
#[derive(Debug, Default)]
pub struct Excludes {
    /// The globs as written, for `--show-settings`.
    globs: Vec<String>,
    cli: Option<globset::GlobSet>,
    file: Option<(globset::GlobSet, PathBuf)>,
    cwd: PathBuf,
    /// Also leave alone the files named on the command line (pre-commit
    /// names every staged file; `--force-exclude`).
    pub force: bool,
}

impl Excludes {
    /// `cli`: the `--exclude` globs; `file`: the settings file's globs and
    /// the directory they are relative to.
    pub fn new(
        cli: &[String],
        file: Option<(&[String], &Path)>,
        force: bool,
    ) -> Result<Excludes, String> {
        let cli_set = (!cli.is_empty()).then(|| exclude_set(cli)).transpose()?;
        let mut globs: Vec<String> = cli_globs(cli);
        if let Some((g, dir)) = file {
            let dir = crate::output::shown_path(dir);
            globs.extend(g.iter().map(|g| format!("{g} (in {dir})")));
        }
        let file = match file {
            Some((globs, dir)) if !globs.is_empty() => {
                let base = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
                Some((exclude_set(globs)?, base))
            }
            _ => None,
        };
        let cwd = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .unwrap_or_default();
        Ok(Excludes {
            globs,
            cli: cli_set,
            file,
            cwd,
            force,
        })
    }

    /// The globs, for `--show-settings`.
    pub fn describe(&self) -> String {
        if self.globs.is_empty() {
            "(none)".into()
        } else {
            self.globs.join(", ")
        }
    }

    /// Whether to leave `c` alone.
    pub fn excludes(&self, c: &crate::driver::Candidate) -> bool {
        if c.explicit && !self.force {
            return false;
        }
        let show = crate::output::display_path;
        if let Some(set) = &self.cli {
            let rel = c.root.as_ref().and_then(|r| c.path.strip_prefix(r).ok());
            if set.is_match(show(&c.path)) || rel.is_some_and(|r| set.is_match(show(r))) {
                return true;
            }
        }
        if let Some((set, base)) = &self.file {
            let abs = absolute(&self.cwd, &c.path);
            if let Ok(rel) = abs.strip_prefix(base)
                && set.is_match(show(rel))
            {
                return true;
            }
        }
        false
    }
}

fn cli_globs(globs: &[String]) -> Vec<String> {
    globs.iter().map(|g| format!("{g} (--exclude)")).collect()
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved by name.
fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in cwd.join(path).components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
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
    fn pyproject_reads_only_its_tool_table() {
        let s = parse_pyproject(
            "[project]\nname = \"x\"\n[tool.nixfix]\nignore = [\"NF004\"]\n[tool.ruff]\nline-length = 1\n",
        )
        .unwrap();
        assert_eq!(s.ignore, Some(vec!["NF004".to_string()]));
        assert_eq!(parse_pyproject("[project]\n").unwrap(), Settings::default());
        assert!(parse_pyproject("[tool.nixfix]\nselct = []\n").is_err());
    }

    #[test]
    fn a_pyproject_without_the_table_is_not_a_settings_file() {
        let d = tempfile::tempdir().unwrap();
        let sub = d.path().join("a");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("pyproject.toml"), "[project]\nname = \"a\"\n").unwrap();
        std::fs::write(d.path().join("pyproject.toml"), "[tool.nixfix]\n").unwrap();
        let found = find(&sub).unwrap();
        assert_eq!(
            found,
            std::fs::canonicalize(d.path())
                .unwrap()
                .join("pyproject.toml")
        );
    }

    #[test]
    fn absolute_resolves_dots_by_name() {
        let got = absolute(Path::new("/r/s"), Path::new("../t/./u"));
        assert_eq!(got, PathBuf::from("/r/t/u"));
    }

    #[test]
    fn exclude_globs() {
        let s = exclude_set(&["services/legacy".into(), "**/railway.json".into()]).unwrap();
        assert!(s.is_match("services/legacy/a/nixpacks.toml"));
        assert!(s.is_match("x/railway.json"));
        assert!(!s.is_match("services/new/nixpacks.toml"));
    }
}
