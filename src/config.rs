//! What a Nixpacks or Railway config is, where its build plan and its shell
//! commands live, and what the directory around it pins.

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
pub fn command_sites<'a>(kind: Kind, root: &'a Node) -> Vec<CommandSite<'a>> {
    let mut out = Vec::new();
    let plan_map = plan(kind, root).and_then(Node::as_map);
    let venv_after_install = !plan_map.is_some_and(replaces_install);
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
                        push_strings(&mut out, v, &loc, venv_after_install && !early);
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

/// The Python version pinned for the app, and where the pin comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pin {
    /// The Nix attribute (`python311`).
    pub attr: String,
    /// Where it was read (`.python-version`, `NIXPACKS_PYTHON_VERSION`).
    pub source: String,
}

/// What the directory around a config says about the app. Read lazily: most
/// configs name their Python in `nixPkgs` and never need the files.
#[derive(Debug, Default)]
pub struct Environment {
    dir: Option<std::path::PathBuf>,
    pin: std::sync::OnceLock<Option<Pin>>,
}

impl Environment {
    /// The environment of the app in `dir`.
    pub fn from_dir(dir: &Path) -> Environment {
        Environment {
            dir: Some(dir.to_path_buf()),
            pin: std::sync::OnceLock::new(),
        }
    }

    /// An environment with a known pin (tests, stdin).
    pub fn with_pin(pin: Option<Pin>) -> Environment {
        let cell = std::sync::OnceLock::new();
        let _ = cell.set(pin);
        Environment {
            dir: None,
            pin: cell,
        }
    }

    /// The Python pinned by a file next to the config, as Nixpacks' Python
    /// provider reads it: `.python-version`, `runtime.txt`, `Pipfile`,
    /// `.tool-versions`.
    pub fn file_pin(&self) -> Option<Pin> {
        self.pin
            .get_or_init(|| self.dir.as_deref().and_then(read_pin))
            .clone()
    }
}

fn read_pin(dir: &Path) -> Option<Pin> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    let pin = |attr: Option<String>, source: &str| {
        attr.map(|attr| Pin {
            attr,
            source: source.to_string(),
        })
    };
    read(".python-version")
        .and_then(|t| {
            pin(
                first_line(&t).and_then(crate::python::version_to_attr),
                ".python-version",
            )
        })
        .or_else(|| {
            read("runtime.txt").and_then(|t| {
                pin(
                    first_line(&t).and_then(crate::python::version_to_attr),
                    "runtime.txt",
                )
            })
        })
        .or_else(|| {
            read("Pipfile").and_then(|t| {
                let v = t.lines().find_map(|l| {
                    let l = l.trim();
                    let rest = l
                        .strip_prefix("python_version")?
                        .trim_start()
                        .strip_prefix('=')?;
                    Some(rest.trim().trim_matches(['"', '\'']).to_string())
                });
                pin(
                    v.as_deref().and_then(crate::python::version_to_attr),
                    "Pipfile",
                )
            })
        })
        .or_else(|| {
            read(".tool-versions").and_then(|t| {
                let v = t.lines().find_map(|l| {
                    let mut it = l.split_whitespace();
                    (it.next() == Some("python"))
                        .then(|| it.next().map(str::to_string))
                        .flatten()
                });
                pin(
                    v.as_deref().and_then(crate::python::version_to_attr),
                    ".tool-versions",
                )
            })
        })
}

fn first_line(t: &str) -> Option<&str> {
    t.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
}

/// `NIXPACKS_PYTHON_VERSION` set in the plan's `variables`.
pub fn variables_pin(plan: &Map) -> Option<Pin> {
    let v = plan
        .get_map("variables")?
        .get("NIXPACKS_PYTHON_VERSION")?
        .as_str()?;
    crate::python::version_to_attr(&v.value).map(|attr| Pin {
        attr,
        source: "NIXPACKS_PYTHON_VERSION".into(),
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
    fn pins_from_files() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(Environment::from_dir(d.path()).file_pin(), None);
        std::fs::write(d.path().join("runtime.txt"), "python-3.10.12\n").unwrap();
        assert_eq!(
            Environment::from_dir(d.path()).file_pin().unwrap().attr,
            "python310"
        );
        std::fs::write(d.path().join(".python-version"), "3.12\n").unwrap();
        let p = Environment::from_dir(d.path()).file_pin().unwrap();
        assert_eq!(
            (p.attr.as_str(), p.source.as_str()),
            ("python312", ".python-version")
        );
    }
}
