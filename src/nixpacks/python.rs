//! The Python provider's choices of Python (nixpacks 1.41, SPEC "What
//! happens in the build"): it installs `python3` unless a version is
//! pinned, from the archive `bc8f8d1` (late 2024: `python3` is 3.12;
//! python39..python313 exist; python38 is gone), and maps 3.7, 3.8, 3.9 and
//! 2.7 to the legacy archive `5148520` (Sept 2023: python38 and python39
//! exist). Two interpreters of different versions in one environment
//! collide. Which Python a directory pins is [`super::Environment`]'s;
//! [`environment`] works out the interpreters a setup phase holds: what its
//! `nixPkgs` lists, and what the provider adds (through `"..."`, or when
//! there is no list).

use super::Pin;
use crate::document::{Map, Node, NodeKind};
use crate::python::nix_python_attr;

/// The nixpkgs archive the setup phase's packages come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archive {
    /// `bc8f8d1`, the Python provider's archive.
    Provider,
    /// `5148520`, the legacy archive (3.7, 3.8, 3.9, 2.7).
    Legacy,
    /// Another provider's archive: not modelled.
    Unknown,
}

impl Archive {
    /// The Python version of a Python attribute there (`python3` is the
    /// archive's default), or `None` when the archive has no such Python.
    pub fn version_of(self, attr: &str) -> Option<String> {
        let digits = attr.strip_prefix("python")?;
        let v = match digits {
            "3" => match self {
                Archive::Provider => "3.12",
                Archive::Legacy | Archive::Unknown => "3.11",
            }
            .to_string(),
            "" | "2" | "27" => "2.7".to_string(),
            d if d.len() >= 2 && d.starts_with('3') => format!("3.{}", &d[1..]),
            _ => return None,
        };
        let has = match self {
            Archive::Provider => {
                matches!(
                    v.as_str(),
                    "2.7" | "3.9" | "3.10" | "3.11" | "3.12" | "3.13"
                )
            }
            Archive::Legacy => {
                matches!(v.as_str(), "2.7" | "3.8" | "3.9" | "3.10" | "3.11" | "3.12")
            }
            Archive::Unknown => true,
        };
        has.then_some(v)
    }

    /// The archive the Python provider uses for a pinned version.
    pub fn for_version(version: &str) -> Archive {
        if matches!(version, "3.7" | "3.8" | "3.9" | "2.7") {
            Archive::Legacy
        } else {
            Archive::Provider
        }
    }
}

/// The Python attribute a `nixPkgs` entry installs: `python311Full` ->
/// `python311`; `python` and `python2` are nixpkgs' aliases of python27.
pub fn listed_python(entry: &str) -> Option<String> {
    match entry {
        "python" | "python2" => Some("python27".to_string()),
        _ => nix_python_attr(entry),
    }
}

/// `3.11` for `python311` / `python311Full`, without looking at an archive.
pub fn attr_version(attr: &str) -> Option<String> {
    let d = nix_python_attr(attr)?;
    let d = d.strip_prefix("python")?;
    match d {
        "3" => None,
        _ if d.len() >= 2 => Some(format!("{}.{}", &d[..1], &d[1..])),
        _ => None,
    }
}

/// The Python attribute of a version (`3.11` -> `python311`).
pub fn version_attr(version: &str) -> String {
    format!("python{}", version.replace('.', ""))
}

/// A Python in the environment, and why it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// The attribute as written (`python311Full`, or the provider's `python3`).
    pub attr: String,
    /// Its version at the archive, or `None` when the archive lacks it.
    pub version: Option<String>,
    /// Listed in `nixPkgs` (else added by the provider).
    pub listed: bool,
    /// Byte offset of the list item, or of the list.
    pub offset: usize,
}

/// The setup phase's Python environment.
pub struct PythonEnv<'a> {
    /// The `nixPkgs` (or `nixPackages`) array, when it is one.
    pub list: Option<&'a Node>,
    /// The list holds `"..."` or `"@auto"` (the provider's packages stay).
    pub ellipsis: bool,
    /// The Python provider builds the app (so its Python and its pin apply).
    pub provider: bool,
    /// The provider's Python choice (pin files, `NIXPACKS_PYTHON_VERSION`).
    pub pin: Pin,
    pub archive: Archive,
    /// Interpreters in the environment: the listed ones, then the provider's.
    pub installed: Vec<Installed>,
    /// `pythonNNNPackages.*` entries name these Pythons.
    pub package_sets: Vec<String>,
}

impl PythonEnv<'_> {
    /// The distinct versions installed (`None` for one the archive lacks).
    pub fn versions(&self) -> Vec<Option<String>> {
        let mut v: Vec<Option<String>> = Vec::new();
        for i in &self.installed {
            if !v.contains(&i.version) {
                v.push(i.version.clone());
            }
        }
        v
    }

    /// The one Python, when there is exactly one and the archive has it.
    pub fn single(&self) -> Option<&Installed> {
        match self.versions().as_slice() {
            [Some(_)] => self.installed.first(),
            _ => None,
        }
    }

    /// Whether the provider adds its own Python to the environment.
    pub fn provider_adds(&self) -> bool {
        self.provider && (self.list.is_none() || self.ellipsis)
    }
}

/// The setup phase's package list (`nixPkgs`), whatever its type.
pub fn setup_list(plan: Option<&Map>) -> Option<&Node> {
    plan?
        .get_map("phases")?
        .get_map("setup")?
        .get_any(crate::nixpacks::keys::NIX_PKGS)
        .map(|e| &e.value)
}

/// The string items of an array node, with their nodes (none when `list`
/// is not an array).
pub fn string_items(list: Option<&Node>) -> Vec<(&Node, &str)> {
    match list.map(|l| &l.kind) {
        Some(NodeKind::Array(a)) => a
            .items
            .iter()
            .filter_map(|i| i.as_str().map(|s| (i, s.value.as_str())))
            .collect(),
        _ => Vec::new(),
    }
}

/// The Pythons the setup phase of `plan` installs, given whether the Python
/// provider builds the app and the Python it would install (`pin`).
pub fn environment(plan: Option<&Map>, provider: bool, pin: Pin) -> PythonEnv<'_> {
    let list = setup_list(plan).filter(|n| n.as_array().is_some());
    let items = string_items(list);
    let ellipsis = items.iter().any(|(_, v)| *v == "..." || *v == "@auto");
    let archive = if !provider {
        Archive::Unknown
    } else if pin.pinned {
        attr_version(&pin.attr).map_or(Archive::Provider, |v| Archive::for_version(&v))
    } else {
        Archive::Provider
    };
    let mut installed: Vec<Installed> = items
        .iter()
        .filter_map(|(n, v)| {
            listed_python(v).map(|a| Installed {
                attr: v.to_string(),
                version: archive.version_of(&a),
                listed: true,
                offset: n.span.start,
            })
        })
        .collect();
    let package_sets = {
        let mut s: Vec<String> = Vec::new();
        for (_, v) in &items {
            if let Some(p) = crate::python::nix_packages_python(v)
                && !s.contains(&p)
            {
                s.push(p);
            }
        }
        s
    };
    let env = PythonEnv {
        list,
        ellipsis,
        provider,
        pin: pin.clone(),
        archive,
        installed: Vec::new(),
        package_sets,
    };
    if env.provider_adds() {
        installed.push(Installed {
            attr: pin.attr.clone(),
            version: archive.version_of(&pin.attr),
            listed: false,
            offset: list.map_or(0, |l| l.span.start),
        });
    }
    PythonEnv { installed, ..env }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archives() {
        assert_eq!(
            Archive::Provider.version_of("python3").as_deref(),
            Some("3.12")
        );
        assert_eq!(
            Archive::Provider.version_of("python311").as_deref(),
            Some("3.11")
        );
        assert_eq!(Archive::Provider.version_of("python38"), None);
        assert_eq!(
            Archive::Legacy.version_of("python38").as_deref(),
            Some("3.8")
        );
        assert_eq!(Archive::Legacy.version_of("python313"), None);
        assert_eq!(Archive::Provider.version_of("python37"), None);
        assert_eq!(Archive::Legacy.version_of("python37"), None);
        assert_eq!(Archive::for_version("3.9"), Archive::Legacy);
        assert_eq!(Archive::for_version("3.10"), Archive::Provider);
        assert_eq!(attr_version("python311Full").as_deref(), Some("3.11"));
        assert_eq!(attr_version("python3"), None);
        assert_eq!(version_attr("3.9"), "python39");
    }
}
