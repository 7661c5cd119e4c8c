//! What Nixpacks reads: what a Nixpacks or Railway config is, where its
//! build plan and its shell commands live, and what the directory around it
//! pins; the keys of a plan and their types are in [`keys`], the Python
//! provider's choices of Python in [`python`].

pub mod keys;
pub mod python;

use crate::document::{Format, Map, Node, NodeKind};
use std::path::Path;

/// The kinds of config nixfix reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Kind {
    #[serde(rename = "nixpacks.toml")]
    NixpacksToml,
    #[serde(rename = "nixpacks.json")]
    NixpacksJson,
    #[serde(rename = "railway.toml")]
    RailwayToml,
    #[serde(rename = "railway.json")]
    RailwayJson,
}

impl Kind {
    pub fn format(self) -> Format {
        match self {
            Kind::NixpacksToml | Kind::RailwayToml => Format::Toml,
            Kind::NixpacksJson | Kind::RailwayJson => Format::Json,
        }
    }
    pub fn is_railway(self) -> bool {
        matches!(self, Kind::RailwayToml | Kind::RailwayJson)
    }
    pub fn name(self) -> &'static str {
        match self {
            Kind::NixpacksToml => "nixpacks.toml",
            Kind::NixpacksJson => "nixpacks.json",
            Kind::RailwayToml => "railway.toml",
            Kind::RailwayJson => "railway.json",
        }
    }

    /// The kind of a file found by walking: only the four real names.
    pub fn from_file_name(name: &str) -> Option<Kind> {
        match name {
            "nixpacks.toml" => Some(Kind::NixpacksToml),
            "nixpacks.json" => Some(Kind::NixpacksJson),
            "railway.toml" => Some(Kind::RailwayToml),
            "railway.json" => Some(Kind::RailwayJson),
            _ => None,
        }
    }

    /// The kind of a file named explicitly: its name when it is a real one,
    /// else its extension (or content) for the format and its content for
    /// nixpacks vs railway (a top-level `build` table means Railway).
    pub fn detect(path: &Path, text: &str) -> Kind {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Some(k) = Kind::from_file_name(name) {
            return k;
        }
        let lower = name.to_ascii_lowercase();
        let json = if lower.ends_with(".json") {
            true
        } else if lower.ends_with(".toml") {
            false
        } else {
            text.trim_start_matches('\u{feff}')
                .trim_start()
                .starts_with('{')
        };
        let railway = lower.contains("railway") || looks_like_railway(text, json);
        match (json, railway) {
            (false, false) => Kind::NixpacksToml,
            (true, false) => Kind::NixpacksJson,
            (false, true) => Kind::RailwayToml,
            (true, true) => Kind::RailwayJson,
        }
    }
}

fn looks_like_railway(text: &str, json: bool) -> bool {
    let Ok(doc) = crate::document::parse(if json { Format::Json } else { Format::Toml }, text)
    else {
        return false;
    };
    let Some(root) = doc.root.as_map() else {
        return false;
    };
    root.get("build").is_some() || root.get("deploy").is_some()
}

/// The map holding the Nixpacks plan: the root, or Railway's
/// `build.nixpacksPlan`. `None` when a Railway file has no inline plan.
pub fn plan(kind: Kind, root: &Node) -> Option<&Node> {
    if kind.is_railway() {
        root.as_map()?
            .get_map("build")?
            .get("nixpacksPlan")
            .filter(|n| n.as_map().is_some())
    } else {
        Some(root)
    }
}

/// A Railway file's `build.builder` when it names a builder other than
/// Nixpacks (`DOCKERFILE`, `RAILPACK`, the old `HEROKU`/`PAKETO`, any other
/// value): Nixpacks does not build that service, so the file is left alone.
/// The name is compared without case (`nixpacks` is common). No builder
/// (or `""`, or `null`, or another value that is not a string) leaves it to
/// the service's settings, which for a service with Nixpacks config is
/// Nixpacks: such a file is fixed.
pub fn other_builder(kind: Kind, root: &Node) -> Option<&str> {
    let b = root.as_map()?.get_map("build")?.get("builder")?.as_str()?;
    let name = b.value.trim();
    (kind.is_railway() && !name.is_empty() && !name.eq_ignore_ascii_case("NIXPACKS"))
        .then_some(name)
}

/// The key path from the document root to the plan.
pub fn plan_path(kind: Kind) -> &'static [&'static str] {
    if kind.is_railway() {
        &["build", "nixpacksPlan"]
    } else {
        &[]
    }
}

/// A string that is run by a shell during the build or at start.
#[derive(Debug, Clone)]
pub struct CommandSite<'a> {
    pub node: &'a Node,
    /// The array holding it and its index there, when it is an array item.
    pub array: Option<(&'a Node, usize)>,
    /// Where it is, for messages: `phases.install.cmds` (the line number
    /// says which item).
    pub location: String,
    /// Whether it runs inside the Python provider's own virtualenv: after
    /// the provider's install phase (`python -m venv --copies /opt/venv`,
    /// with `/opt/venv/bin` first on PATH), which the config did not
    /// replace. pip and ensurepip work there.
    pub provider_venv: bool,
}

/// Every command string of the config: each phase's `cmds`/`commands`,
/// `start.cmd`, and Railway's `build.buildCommand` and `deploy.startCommand`.
/// `python_provider` says whether Nixpacks' Python provider builds the app
/// (its install phase is what creates `/opt/venv`).
pub fn command_sites<'a>(
    kind: Kind,
    root: &'a Node,
    python_provider: &dyn Fn() -> bool,
) -> Vec<CommandSite<'a>> {
    let mut out = Vec::new();
    let plan_map = plan(kind, root).and_then(Node::as_map);
    // Asked only when it matters: the install phase is the provider's and
    // a later command may run Python.
    let venv_after_install = later_python(kind, root, plan_map)
        && if plan_map.is_some_and(replaces_install) {
            plan_map.is_some_and(|p| install_venv_on_path(p, python_provider))
        } else {
            python_provider()
        };
    if let Some(plan) = plan_map {
        if let Some(phases) = plan.get_map("phases") {
            for ph in &phases.entries {
                let Some(pm) = ph.value.as_map() else {
                    continue;
                };
                let early = ph.key == "setup" || ph.key == "install";
                for key in ["cmds", "commands"] {
                    if let Some(v) = pm.get(key) {
                        let loc = format!("phases.{}.{key}", ph.key);
                        let before = out.len();
                        push_strings(&mut out, v, &loc, venv_after_install && !early);
                        // The install phase's own commands after "..." run
                        // after the provider's venv install, with its venv
                        // first on PATH.
                        if ph.key == "install"
                            && let Some(dots) = ellipsis_index(v)
                            && python_provider()
                        {
                            for site in &mut out[before..] {
                                if site.array.is_some_and(|(_, i)| i > dots) {
                                    site.provider_venv = true;
                                }
                            }
                        }
                    }
                }
            }
        }
        if let Some(start) = plan.get_map("start")
            && let Some(v) = start.get("cmd")
        {
            push_strings(&mut out, v, "start.cmd", venv_after_install);
        }
    }
    if kind.is_railway()
        && let Some(build) = root.as_map().and_then(|m| m.get_map("build"))
        && let Some(v) = build.get("buildCommand")
    {
        push_strings(&mut out, v, "build.buildCommand", venv_after_install);
    }
    if kind.is_railway()
        && let Some(deploy) = root.as_map().and_then(|m| m.get_map("deploy"))
        && let Some(v) = deploy.get("startCommand")
    {
        push_strings(&mut out, v, "deploy.startCommand", venv_after_install);
    }
    out
}

/// Whether a custom install phase creates a virtualenv whose `bin` is on
/// PATH for the later phases: `/opt/venv` while the Python provider builds
/// the app (its install phase's `paths` stay), or any directory whose
/// `bin` the phase's `paths` list.
fn install_venv_on_path(plan: &Map, python_provider: &dyn Fn() -> bool) -> bool {
    let Some(install) = plan.get_map("phases").and_then(|p| p.get_map("install")) else {
        return false;
    };
    let Some(cmds) = install
        .get_any(&["cmds", "commands"])
        .and_then(|e| e.value.as_array())
    else {
        return false;
    };
    let paths: Vec<&str> = install
        .get_any(&["paths", "envPaths"])
        .and_then(|e| e.value.as_array())
        .map(|a| {
            a.items
                .iter()
                .filter_map(|i| i.as_str())
                .map(|s| s.value.as_str())
                .collect()
        })
        .unwrap_or_default();
    cmds.items.iter().filter_map(Node::as_str).any(|s| {
        if !s.value.contains("venv") {
            return false;
        }
        let Ok(script) = crate::shell::parse(&s.value) else {
            return false;
        };
        script
            .commands()
            .filter_map(|c| crate::python::creates_venv(&c.arguments()))
            .any(|d| {
                let abs = if d.starts_with('/') {
                    d.clone()
                } else {
                    format!("/app/{d}")
                };
                paths.contains(&format!("{abs}/bin").as_str())
                    || (d == "/opt/venv" && python_provider())
            })
    })
}

/// The index of `"..."` (or `"@auto"`) in a string array.
fn ellipsis_index(v: &Node) -> Option<usize> {
    v.as_array()?.items.iter().position(|i| {
        i.as_str()
            .is_some_and(|s| s.value == "..." || s.value == "@auto")
    })
}

/// Whether a command after the install phase mentions Python or pip.
fn later_python(kind: Kind, root: &Node, plan: Option<&Map>) -> bool {
    let mentions = |n: &Node| match &n.kind {
        NodeKind::Str(s) => s.value.contains("pip") || s.value.contains("python"),
        NodeKind::Array(a) => a.items.iter().any(|i| {
            i.as_str()
                .is_some_and(|s| s.value.contains("pip") || s.value.contains("python"))
        }),
        _ => false,
    };
    let phases = plan.and_then(|p| p.get_map("phases")).is_some_and(|ph| {
        ph.entries.iter().any(|e| {
            e.key != "setup"
                && e.key != "install"
                && e.value.as_map().is_some_and(|m| {
                    m.entries
                        .iter()
                        .any(|c| (c.key == "cmds" || c.key == "commands") && mentions(&c.value))
                })
        })
    });
    let start = plan
        .and_then(|p| p.get_map("start"))
        .and_then(|s| s.get("cmd"))
        .is_some_and(mentions);
    let railway = kind.is_railway()
        && root.as_map().is_some_and(|r| {
            r.get_map("build")
                .and_then(|b| b.get("buildCommand"))
                .is_some_and(mentions)
                || r.get_map("deploy")
                    .and_then(|d| d.get("startCommand"))
                    .is_some_and(mentions)
        });
    phases || start || railway
}

/// Whether the plan replaces the provider's install commands (a `cmds`
/// list without `"..."`), which is what creates the provider's virtualenv.
pub fn replaces_install(plan: &Map) -> bool {
    let Some(install) = plan.get_map("phases").and_then(|p| p.get_map("install")) else {
        return false;
    };
    let Some(e) = install.get_any(&["cmds", "commands"]) else {
        return false;
    };
    match &e.value.kind {
        NodeKind::Array(a) => !a.items.iter().any(|i| {
            i.as_str()
                .is_some_and(|s| s.value == "..." || s.value == "@auto")
        }),
        _ => true,
    }
}

fn push_strings<'a>(out: &mut Vec<CommandSite<'a>>, v: &'a Node, loc: &str, provider_venv: bool) {
    match &v.kind {
        NodeKind::Str(s) if s.value != "..." => out.push(CommandSite {
            node: v,
            array: None,
            location: loc.to_string(),
            provider_venv,
        }),
        NodeKind::Array(a) => {
            for (i, item) in a.items.iter().enumerate() {
                if item
                    .as_str()
                    .is_some_and(|s| s.value != "..." && s.value != "@auto")
                {
                    out.push(CommandSite {
                        node: item,
                        array: Some((v, i)),
                        location: loc.to_string(),
                        provider_venv,
                    });
                }
            }
        }
        _ => {}
    }
}

/// The Python Nixpacks' Python provider will install, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pin {
    /// The Nix attribute (`python311`, or the provider's default `python3`).
    pub attr: String,
    /// Where it comes from (`.python-version`, `NIXPACKS_PYTHON_VERSION`, ...).
    pub source: String,
    /// Whether something pins it (false: the provider's default).
    pub pinned: bool,
}

/// Files whose presence makes Nixpacks pick a provider that comes before
/// Python in its order (Node, Go, Ruby, PHP, Deno, Elixir, Java, ...).
const EARLIER_PROVIDERS: &[&str] = &[
    "package.json",
    "go.mod",
    "Gemfile",
    "composer.json",
    "index.php",
    "deno.json",
    "deno.jsonc",
    "mix.exs",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "shard.yml",
    "pubspec.yaml",
    "gleam.toml",
    "stack.yaml",
    "build.sbt",
    "project.clj",
];
/// Files that make Nixpacks' Python provider apply.
const PYTHON_FILES: &[&str] = &["main.py", "requirements.txt", "pyproject.toml", "Pipfile"];

/// What the directory around a config says about the app: which provider
/// Nixpacks picks, and which Python. Read lazily, once per directory.
#[derive(Debug, Default)]
pub struct Environment {
    dir: Option<std::path::PathBuf>,
    files: std::sync::OnceLock<Vec<String>>,
    /// For tests and stdin: the content of a `.python-version`.
    python_version_file: Option<String>,
}

impl Environment {
    /// The environment of the app in `dir`.
    pub fn from_dir(dir: &Path) -> Environment {
        Environment {
            dir: Some(dir.to_path_buf()),
            ..Environment::default()
        }
    }

    /// No directory, but a `.python-version` holding `version`.
    pub fn with_python_version(version: &str) -> Environment {
        Environment {
            python_version_file: Some(version.to_string()),
            ..Environment::default()
        }
    }

    /// Whether the app's directory is known (not standard input without
    /// `--stdin-filename`).
    pub fn knows_dir(&self) -> bool {
        self.dir.is_some()
    }

    /// The names in the app directory (empty when there is none).
    fn files(&self) -> &[String] {
        self.files.get_or_init(|| {
            let Some(dir) = &self.dir else {
                return Vec::new();
            };
            let Ok(rd) = std::fs::read_dir(dir) else {
                return Vec::new();
            };
            rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        })
    }

    fn has(&self, name: &str) -> bool {
        self.files().iter().any(|f| f == name)
    }

    /// Whether one of `names` is next to the config; true without a
    /// directory (standard input), where nothing can be looked at.
    pub fn has_any(&self, names: &[&str]) -> bool {
        self.dir.is_none() || names.iter().any(|n| self.has(n))
    }

    fn read(&self, name: &str) -> Option<String> {
        if name == ".python-version" && self.python_version_file.is_some() {
            return self.python_version_file.clone();
        }
        if !self.has(name) {
            return None;
        }
        std::fs::read_to_string(self.dir.as_ref()?.join(name)).ok()
    }

    /// Whether Nixpacks' Python provider builds the app: named in the plan's
    /// `providers`, or detected (Python files and no provider that comes
    /// first). Without a directory (standard input) it is assumed.
    pub fn python_provider(&self, plan: Option<&Map>) -> bool {
        if let Some(list) = plan
            .and_then(|p| p.get("providers"))
            .and_then(Node::as_array)
        {
            let names: Vec<&str> = list
                .items
                .iter()
                .filter_map(|i| i.as_str())
                .map(|s| s.value.as_str())
                .collect();
            if names.contains(&"python") {
                return true;
            }
            if !names.contains(&"...") {
                return false;
            }
        }
        if self.dir.is_none() {
            return true;
        }
        !EARLIER_PROVIDERS.iter().any(|f| self.has(f)) && PYTHON_FILES.iter().any(|f| self.has(f))
    }

    /// The Python the provider installs, read exactly as Nixpacks 1.41 reads
    /// it: `NIXPACKS_PYTHON_VERSION`, else `.python-version`; but
    /// `runtime.txt`, then `Pipfile`, then `.tool-versions` win over both
    /// when present. Versions it does not package fall back to `python3`.
    pub fn python(&self, plan: Option<&Map>) -> Pin {
        let var = plan
            .and_then(|p| p.get_map("variables"))
            .and_then(|v| v.get("NIXPACKS_PYTHON_VERSION"))
            .and_then(Node::as_str)
            .map(|s| s.value.clone());
        let (version, source): (Option<String>, &str) = if var.is_none()
            && (self.python_version_file.is_some() || self.has(".python-version"))
        {
            (self.read(".python-version"), ".python-version")
        } else if self.has("runtime.txt") {
            (self.read("runtime.txt"), "runtime.txt")
        } else if self.has("Pipfile") {
            (
                self.read("Pipfile").and_then(|t| pipfile_version(&t)),
                "Pipfile",
            )
        } else if self.has(".tool-versions") {
            (
                self.read(".tool-versions").and_then(|t| tool_versions(&t)),
                ".tool-versions",
            )
        } else {
            (var, "NIXPACKS_PYTHON_VERSION")
        };
        match version.as_deref().and_then(crate::python::supported_attr) {
            Some(attr) => Pin {
                attr,
                source: source.to_string(),
                pinned: true,
            },
            None => Pin {
                attr: "python3".into(),
                source: match version {
                    Some(v) => format!(
                        "{source} asks for {}, which Nixpacks does not package, so it uses python3",
                        v.trim()
                    ),
                    None => "nothing pins the Python, so the provider installs python3".into(),
                },
                pinned: false,
            },
        }
    }
}

/// `python_version = "3.11"` or `python_full_version = "3.11.4"` in a Pipfile.
fn pipfile_version(t: &str) -> Option<String> {
    t.lines().find_map(|l| {
        let l = l.trim();
        let rest = l
            .strip_prefix("python_version")
            .or_else(|| l.strip_prefix("python_full_version"))?
            .trim_start()
            .strip_prefix('=')?;
        Some(rest.trim().trim_matches(['"', '\'']).to_string())
    })
}

/// `python 3.11.4` in `.tool-versions`.
fn tool_versions(t: &str) -> Option<String> {
    t.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        (it.next() == Some("python"))
            .then(|| it.next().map(str::to_string))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(
            Kind::detect(Path::new("a/nixpacks.toml"), ""),
            Kind::NixpacksToml
        );
        assert_eq!(
            Kind::detect(Path::new("ci/build.json"), "{\"phases\": {}}"),
            Kind::NixpacksJson
        );
        assert_eq!(
            Kind::detect(Path::new("x.toml"), "[build]\nbuilder = \"NIXPACKS\"\n"),
            Kind::RailwayToml
        );
        assert_eq!(
            Kind::detect(Path::new("x.conf"), "[phases.setup]\n"),
            Kind::NixpacksToml
        );
    }

    #[test]
    fn python_as_nixpacks_reads_it() {
        let d = tempfile::tempdir().unwrap();
        let w = |n: &str, t: &str| std::fs::write(d.path().join(n), t).unwrap();
        let plan = |var: Option<&str>| {
            let t = match var {
                Some(v) => format!("[variables]\nNIXPACKS_PYTHON_VERSION = \"{v}\"\n"),
                None => String::new(),
            };
            crate::document::parse(Format::Toml, &t).unwrap().root
        };
        let py = |var: Option<&str>| {
            Environment::from_dir(d.path())
                .python(plan(var).as_map())
                .attr
        };
        assert_eq!(py(None), "python3");
        assert_eq!(py(Some("3.12")), "python312");
        w(".python-version", "3.10.4\n");
        assert_eq!(py(None), "python310");
        assert_eq!(
            py(Some("3.12")),
            "python312",
            "the variable beats .python-version"
        );
        w("runtime.txt", "python-3.9.18\n");
        assert_eq!(
            py(Some("3.12")),
            "python39",
            "runtime.txt beats the variable"
        );
        assert_eq!(
            py(None),
            "python310",
            ".python-version comes first without the variable"
        );
        std::fs::remove_file(d.path().join("runtime.txt")).unwrap();
        std::fs::remove_file(d.path().join(".python-version")).unwrap();
        w("Pipfile", "[requires]\npython_full_version = \"3.11.4\"\n");
        assert_eq!(py(None), "python311");
        w("Pipfile", "[requires]\n");
        assert_eq!(
            py(Some("3.12")),
            "python3",
            "a Pipfile without a version overrides the variable"
        );
        std::fs::remove_file(d.path().join("Pipfile")).unwrap();
        w(".python-version", "3.14\n");
        let p = Environment::from_dir(d.path()).python(None);
        assert_eq!((p.attr.as_str(), p.pinned), ("python3", false));
    }

    #[test]
    fn python_provider_detection() {
        let d = tempfile::tempdir().unwrap();
        let env = || Environment::from_dir(d.path());
        assert!(!env().python_provider(None), "no Python files");
        std::fs::write(d.path().join("requirements.txt"), "").unwrap();
        assert!(env().python_provider(None));
        std::fs::write(d.path().join("package.json"), "{}").unwrap();
        assert!(!env().python_provider(None), "Node comes first");
        let plan = crate::document::parse(Format::Toml, "providers = [\"python\"]\n")
            .unwrap()
            .root;
        assert!(env().python_provider(plan.as_map()));
        assert!(
            Environment::default().python_provider(None),
            "assumed without a directory"
        );
    }
}
