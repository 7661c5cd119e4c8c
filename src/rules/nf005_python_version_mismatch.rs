//! NF005 python-version-mismatch: the commands run one Python, Nix installs another.

use super::commands::for_each_command;
use super::{Context, Finding, Rule, RuleKind};
use crate::document::Node;
use crate::python::{
    basename, is_nix_pip, is_venv_path, nix_packages_python, nix_python_attr, python_program,
};

pub struct PythonVersionMismatch;

impl Rule for PythonVersionMismatch {
    fn code(&self) -> &'static str {
        "NF005"
    }
    fn name(&self) -> &'static str {
        "python-version-mismatch"
    }
    fn summary(&self) -> &'static str {
        "warn when the commands invoke a Python version other than the one Nix installs"
    }
    fn kind(&self) -> RuleKind {
        RuleKind::Warning
    }
    fn explanation(&self) -> &'static str {
        "\
## What it reports
- A command runs `python3.11` (or `pip3.11`) while the Python that Nixpacks
  installs is another one: the one listed in `nixPkgs`, or pinned by
  `NIXPACKS_PYTHON_VERSION`, `.python-version`, `runtime.txt`, `Pipfile` or
  `.tool-versions`. The command fails (`python3.11: command not found`) or
  runs a Python without the packages.
- A command runs `python3.11` and nothing pins the Python: the provider
  installs its default `python3`, so `python311Packages.pip` and
  `python3.11` both pull in a second interpreter.
- `nixPkgs` lists the pip of one Python and a different Python.
- `[variables] PYTHON_VERSION` is set but `NIXPACKS_PYTHON_VERSION` is not:
  Nixpacks reads only the latter.

## What to do
Call `python` / `python3` / `pip` (whatever Nix installed), or pin the
version you invoke: `NIXPACKS_PYTHON_VERSION = \"3.11\"` in `[variables]`, or
`python311` in `nixPkgs`.

## Example
```toml
[phases.setup]
nixPkgs = ['python310', 'python310Packages.pip']
[phases.install]
cmds = ['python3.11 -m pip install -r requirements.txt']   # NF005: python310 is installed
```
"
    }
    fn may_apply(&self, text: &str) -> bool {
        text.contains("python") || text.contains("PYTHON_VERSION") || text.contains("pip3.")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        let code = self.code();
        let mut out = Vec::new();
        let plan = cx.plan().and_then(Node::as_map);
        let pkgs: Vec<(String, usize)> = plan
            .and_then(|p| p.get_map("phases"))
            .and_then(|p| p.get_map("setup"))
            .and_then(|s| s.get_any(&["nixPkgs", "nixPackages"]))
            .and_then(|e| e.value.as_array())
            .map(|a| {
                a.items
                    .iter()
                    .filter_map(|i| i.as_str().map(|s| (s.value.clone(), i.span.start)))
                    .collect()
            })
            .unwrap_or_default();
        let listed: Vec<String> = pkgs
            .iter()
            .filter_map(|(v, _)| nix_python_attr(v))
            .collect();
        // The Python Nixpacks installs: the one listed, or the provider's.
        // Nothing names a version: nothing to compare (and no need to read
        // the pins around the file).
        let versioned = ["python3.", "python2.", "pip3.", "Packages.pip"]
            .iter()
            .any(|n| cx.text.contains(n));
        if versioned {
            self.compare(cx, &pkgs, &listed, &mut out);
        }
        if let Some(vars) = plan.and_then(|p| p.get_map("variables"))
            && vars.get("NIXPACKS_PYTHON_VERSION").is_none()
            && let Some(e) = vars.entry("PYTHON_VERSION")
        {
            out.push(Finding::warning(
                code,
                e.key_span.start,
                "`PYTHON_VERSION` does not pin the Python: Nixpacks reads `NIXPACKS_PYTHON_VERSION`",
            ));
        }
        out
    }
}

impl PythonVersionMismatch {
    fn compare(
        &self,
        cx: &Context,
        pkgs: &[(String, usize)],
        listed: &[String],
        out: &mut Vec<Finding>,
    ) {
        let code = self.code();
        let (installed, source, pinned) = if listed.len() == 1 {
            (listed[0].clone(), "listed in nixPkgs".to_string(), true)
        } else if listed.is_empty() {
            let p = cx.provider_python();
            (p.attr, p.source, p.pinned)
        } else {
            return; // several listed: NF003 reports it
        };
        let source = if pinned && listed.is_empty() {
            format!("pinned by {source}")
        } else {
            source
        };
        for (v, at) in pkgs {
            let Some(of) = nix_packages_python(v).filter(|_| is_nix_pip(v)) else {
                continue;
            };
            if of != installed && (of != "python3" || pinned) {
                out.push(Finding::warning(
                    code,
                    *at,
                    format!(
                        "`{v}` is the pip of {of}, but the Python installed is {installed} ({source}): two Pythons; use {installed}Packages.pip or pin {of}"
                    ),
                ));
            }
        }
        let mut seen = Vec::new();
        for_each_command(cx, |site, _c, args, in_venv| {
            let Some(prog) = args.first() else { return };
            if in_venv || is_venv_path(prog) {
                return;
            }
            let b = basename(prog);
            let invoked = match python_program(prog) {
                Some(Some(v)) => v,
                _ => match b.strip_prefix("pip").filter(|v| v.contains('.')) {
                    Some(v) => match python_program(&format!("python{v}")) {
                        Some(Some(v)) => v,
                        _ => return,
                    },
                    None => return,
                },
            };
            if seen.contains(&(invoked.clone(), site.location.clone())) {
                return;
            }
            seen.push((invoked.clone(), site.location.clone()));
            let at = site.node.span.start;
            if invoked == installed {
                return;
            }
            let msg = if pinned {
                format!(
                    "{}: `{b}` runs {invoked}, but the Python installed is {installed} ({source}); call `python`/`pip` or pin {invoked}",
                    site.location
                )
            } else {
                format!(
                    "{}: `{b}` runs {invoked}, but {source}; pin it (NIXPACKS_PYTHON_VERSION, or {invoked} in nixPkgs) or call `python`/`pip`",
                    site.location
                )
            };
            out.push(Finding::warning(code, at, msg));
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Kind;
    use crate::rules::testing::fix_with;

    fn notes(t: &str) -> Vec<String> {
        let (out, notes) = fix_with("NF005", Kind::NixpacksToml, t, &Default::default());
        assert_eq!(out, t, "a warning rule never edits");
        notes
    }

    #[test]
    fn mismatches() {
        let n = notes(
            "[phases.setup]\nnixPkgs = ['python310']\n[phases.install]\ncmds = ['python3.11 -m pip install -r r.txt']\n",
        );
        assert_eq!(n.len(), 1);
        assert!(
            n[0].contains("python311") && n[0].contains("python310"),
            "{n:?}"
        );
        let n = notes("[phases.install]\ncmds = ['python3.12 -m pip install .']\n");
        assert!(n[0].contains("nothing pins"), "{n:?}");
        let n = notes("[phases.setup]\nnixPkgs = ['python311', 'python310Packages.pip']\n");
        assert!(n[0].contains("two Pythons"), "{n:?}");
        // The SPEC's case: the provider's unpinned python3 beside python311's pip.
        let n = notes("[phases.setup]\nnixPkgs = ['...', 'python311Packages.pip']\n");
        assert!(
            n[0].contains("python3 ") && n[0].contains("python311"),
            "{n:?}"
        );
        let n = notes("[variables]\nPYTHON_VERSION = '3.11'\n");
        assert!(n[0].contains("NIXPACKS_PYTHON_VERSION"), "{n:?}");
    }

    #[test]
    fn matching_versions_are_quiet() {
        assert!(notes("[phases.setup]\nnixPkgs = ['python311', 'python311Packages.pip']\n[phases.install]\ncmds = ['python3.11 -m pip install -r r.txt', 'pip install x']\n").is_empty());
        assert!(notes("[variables]\nNIXPACKS_PYTHON_VERSION = '3.11'\n[phases.install]\ncmds = ['python3.11 -m pip install .']\n").is_empty());
        assert!(
            notes("[phases.install]\ncmds = ['/opt/venv/bin/python3.9 -m pip install .']\n")
                .is_empty()
        );
    }
}
