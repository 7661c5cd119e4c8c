//! The Python provider's choices of Python (nixpacks 1.41, SPEC "What
//! happens in the build"): it installs `python3` unless a version is
//! pinned, from the archive `bc8f8d1` (late 2024: `python3` is 3.12;
//! python39..python313 exist; python38 is gone), and maps 3.7, 3.8, 3.9 and
//! 2.7 to the legacy archive `5148520` (Sept 2023: python38 and python39
//! exist). Two interpreters of different versions in one environment
//! collide. Which Python a directory pins is [`super::Environment`]'s.

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
