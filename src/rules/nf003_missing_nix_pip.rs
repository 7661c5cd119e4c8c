//! NF003 missing-nix-pip: provide pip from Nix, for the Python that runs.

use super::commands::for_each_command;
use super::{Context, Finding, Rule};
use crate::config::plan_path;
use crate::document::{Node, NodeKind};
use crate::edit::Edit;
use crate::python::{
    is_nix_pip, is_venv_path, nix_packages_python, nix_python_attr, pip_for, pip_invocation,
    python_program,
};

pub struct MissingNixPip;

/// The keys Nixpacks reads for a phase's Nix packages.
const NIX_PKGS: &[&str] = &["nixPkgs", "nixPackages"];

impl Rule for MissingNixPip {
    fn code(&self) -> &'static str {
        "NF003"
    }
    fn name(&self) -> &'static str {
        "missing-nix-pip"
    }
    fn summary(&self) -> &'static str {
        "add `<python>Packages.pip` to the setup phase's nixPkgs when the build uses pip"
    }
    fn explanation(&self) -> &'static str {
        "\
## What it does
When the build runs pip outside a virtualenv (after NF001 and NF002 took
out `ensurepip` and pip's self-upgrade, which need no pip of their own), makes sure `[phases.setup].nixPkgs` holds the Nix pip of the
Python that will really run: `python311` -> `python311Packages.pip`,
`python3` -> `python3Packages.pip`. A bare `\"pip\"` or `\"pip3\"` entry,
which is not a Nix attribute (`undefined variable 'pip'`), is replaced by it.

## Which Python
In this order: a Python listed in `nixPkgs` (`python311`, `python311Full`);
a `pythonNNNPackages.*` entry; `NIXPACKS_PYTHON_VERSION` in `[variables]`;
the version pinned next to the config by `.python-version`, `runtime.txt`,
`Pipfile` or `.tool-versions`; the version the commands invoke
(`python3.11 -m pip` -> `python311`); else the provider's `python3`.
Several different Pythons listed is reported, not guessed.

## Keeping the provider's packages
A `nixPkgs` list replaces the provider's unless it holds `\"...\"`. When the
file has no `nixPkgs`, the fix writes `[\"...\", \"python3Packages.pip\"]` so the
provider's Python stays. An existing list gets pip appended in its own style
(quotes, one item per line or inline, trailing comma); nothing is duplicated.

## Example
Before:
```toml
[phases.setup]
nixPkgs = ['python311']
```
After:
```toml
[phases.setup]
nixPkgs = ['python311', 'python311Packages.pip']
```
"
    }
    fn may_apply(&self, text: &str) -> bool {
        super::may_contain(text, "pip")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        let code = self.code();
        let usage = pip_usage(cx);
        let root = cx.root();
        let setup = root.at(&[plan_path(cx.kind), &["phases", "setup"]].concat());
        let pkgs = setup
            .and_then(Node::as_map)
            .and_then(|m| m.get_any(NIX_PKGS))
            .map(|e| &e.value);
        let items: Vec<(&Node, &str)> = match pkgs.map(|p| &p.kind) {
            Some(NodeKind::Array(a)) => a
                .items
                .iter()
                .filter_map(|i| i.as_str().map(|s| (i, s.value.as_str())))
                .collect(),
            _ => Vec::new(),
        };
        let bare: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, (_, v))| *v == "pip" || *v == "pip3")
            .map(|(i, _)| i)
            .collect();
        if usage.is_none() && bare.is_empty() {
            return Vec::new();
        }
        if let Some(p) = pkgs
            && p.as_array().is_none()
        {
            return vec![Finding::warning(
                code,
                p.span.start,
                "the setup phase's nixPkgs is not a list; add the Nix pip by hand",
            )];
        }
        let has_pip = items.iter().any(|(_, v)| is_nix_pip(v));
        let array = pkgs.filter(|p| p.as_array().is_some());
        let mut findings = Vec::new();
        // A list without "..." replaces the provider's, Python included.
        if let Some(array) = array
            && !items.iter().any(|(_, v)| *v == "..." || *v == "@auto")
            && !items.iter().any(|(_, v)| nix_python_attr(v).is_some())
        {
            findings.push(Finding::warning(
                code,
                array.span.start,
                "nixPkgs replaces the provider's packages (it has no \"...\") and lists no Python: add one (e.g. python311) or \"...\"",
            ));
        }
        // Already provided: only a bare `pip` may be left to drop.
        if has_pip {
            let Some(array) = array else {
                return findings;
            };
            if bare.is_empty() {
                return findings;
            }
            let edits = cx.syntax().remove_array_items(cx.text, array, &bare);
            findings.push(Finding {
                code,
                message: "removed the bare `pip` entry from nixPkgs: it is not a Nix package (the Nix pip is already listed)".into(),
                offset: array.span.start,
                fixed: true,
                edits,
                before: Some(cx.text[array.span.clone()].to_string()),
                after: None,
            });
            return findings;
        }
        // Which Python?
        let listed: Vec<String> = dedup(items.iter().filter_map(|(_, v)| nix_python_attr(v)));
        let from_sets: Vec<String> =
            dedup(items.iter().filter_map(|(_, v)| nix_packages_python(v)));
        let (python, why) = if listed.len() > 1 {
            return vec![Finding::warning(
                code,
                pkgs.map_or(0, |p| p.span.start),
                format!(
                    "nixPkgs lists several Pythons ({}); add the pip of the one that runs by hand",
                    listed.join(", ")
                ),
            )];
        } else if let Some(p) = listed.first() {
            (p.clone(), format!("{p} is listed in nixPkgs"))
        } else if from_sets.len() == 1 {
            (
                from_sets[0].clone(),
                format!("{}Packages is used in nixPkgs", from_sets[0]),
            )
        } else if let pin = cx.provider_python()
            && pin.pinned
        {
            (pin.attr, format!("{} pins it", pin.source))
        } else if let Some(v) = usage.as_ref().and_then(|u| u.invoked.clone()) {
            (v.clone(), format!("the commands run {v}"))
        } else {
            (
                "python3".to_string(),
                "the provider's default Python is python3".to_string(),
            )
        };
        let pip = pip_for(&python);
        let syntax = cx.syntax();
        let bare_names: Vec<&str> = bare.iter().map(|&i| items[i].1).collect();
        let reason = usage.map_or_else(|| "nothing else provides pip".to_string(), |u| u.reason);
        let (edits, offset, before) = match array {
            Some(array) => {
                let like = items.first().and_then(|(n, _)| n.as_str());
                let literal = syntax.string_literal(&pip, like);
                let edits = if let Some((&first, rest)) = bare.split_first() {
                    let mut e = vec![Edit::replace(items[first].0.span.clone(), literal)];
                    e.extend(syntax.remove_array_items(cx.text, array, rest));
                    e
                } else {
                    syntax.append_array_item(cx.text, array, &literal)
                };
                (
                    edits,
                    array.span.start,
                    Some(cx.text[array.span.clone()].to_string()),
                )
            }
            None => {
                let value = syntax.string_array(&["...", &pip]);
                let mut path: Vec<&str> = plan_path(cx.kind).to_vec();
                path.extend(["phases", "setup", "nixPkgs"]);
                // The deepest map that exists along the path.
                let mut node = root;
                let mut depth = 0;
                while depth + 1 < path.len() {
                    match node.as_map().and_then(|m| m.get(path[depth])) {
                        Some(child) if child.as_map().is_some() => {
                            node = child;
                            depth += 1;
                        }
                        Some(_) => {
                            return vec![Finding::warning(
                                code,
                                0,
                                format!(
                                    "`{}` is not a table; add {pip} by hand",
                                    path[..=depth].join(".")
                                ),
                            )];
                        }
                        None => break,
                    }
                }
                let edits = syntax.insert_path(cx.text, root, node, &path[depth..], &value);
                (edits, node.span.start, None)
            }
        };
        let bare_note = if bare.is_empty() {
            String::new()
        } else {
            format!(
                " (replacing `{}`, which is not a Nix package)",
                bare_names.join("`, `")
            )
        };
        findings.push(Finding {
            code,
            message: format!(
                "added {pip} to the setup phase's nixPkgs{bare_note}: {reason}; {why}"
            ),
            offset,
            fixed: true,
            edits,
            before,
            after: Some(pip),
        });
        findings
    }
}

fn dedup(it: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for x in it {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

/// Evidence that the build runs pip outside a virtualenv.
struct Usage {
    reason: String,
    /// The single Python version the commands invoke, if they name one.
    invoked: Option<String>,
}

fn pip_usage(cx: &Context) -> Option<Usage> {
    let mut reason = None;
    let mut versions: Vec<String> = Vec::new();
    for_each_command(cx, |site, _c, args, in_venv| {
        if in_venv {
            return;
        }
        if let Some(v) = args.first().and_then(|a| python_program(a)).flatten()
            && !is_venv_path(args[0])
            && !versions.contains(&v)
        {
            versions.push(v);
        }
        if let Some(inv) = pip_invocation(args) {
            if !inv.venv && reason.is_none() {
                reason = Some(format!("{} runs pip outside a virtualenv", site.location));
            }
            if let Some(v) = inv.python
                && !versions.contains(&v)
            {
                versions.push(v);
            }
        }
    });
    reason.map(|reason| Usage {
        reason,
        invoked: (versions.len() == 1).then(|| versions[0].clone()),
    })
}

#[cfg(test)]
mod tests {
    use crate::config::{Environment, Kind};
    use crate::rules::testing::{fix, fix_with};

    #[test]
    fn seed_case_appends_in_style() {
        let t = "[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = ['python3.11 -m pip install -r requirements.txt']\n";
        assert_eq!(
            fix("NF003", t),
            t.replace("['python311']", "['python311', 'python311Packages.pip']")
        );
    }

    #[test]
    fn no_pip_use_no_change() {
        let t = "[phases.setup]\nnixPkgs = ['python311']\n[start]\ncmd = 'python app.py'\n";
        assert_eq!(fix("NF003", t), t);
        let t = "[phases.install]\ncmds = ['. /opt/venv/bin/activate && pip install -r r.txt']\n";
        assert_eq!(fix("NF003", t), t);
    }

    #[test]
    fn existing_pip_is_not_duplicated_and_bare_pip_goes() {
        let t = "[phases.setup]\nnixPkgs = [\"python310\", \"python310Packages.pip\"]\n[phases.install]\ncmds = [\"pip install -r r.txt\"]\n";
        assert_eq!(fix("NF003", t), t);
        let t = "[phases.setup]\nnixPkgs = [\"python311\", \"pip\"]\n";
        assert_eq!(
            fix("NF003", t),
            "[phases.setup]\nnixPkgs = [\"python311\", \"python311Packages.pip\"]\n"
        );
        let t = "[phases.setup]\nnixPkgs = [\"python311\", \"pip\", \"python311Packages.pip\"]\n";
        assert_eq!(
            fix("NF003", t),
            "[phases.setup]\nnixPkgs = [\"python311\", \"python311Packages.pip\"]\n"
        );
    }

    #[test]
    fn creates_nixpkgs_with_ellipsis() {
        let t = "[phases.install]\ncmds = [\"pip install -r r.txt\"]\n";
        assert_eq!(
            fix("NF003", t),
            "[phases.setup]\nnixPkgs = [\"...\", \"python3Packages.pip\"]\n\n[phases.install]\ncmds = [\"pip install -r r.txt\"]\n"
        );
        let t = "[phases.setup]\naptPkgs = [\"x\"]\n[phases.install]\ncmds = [\"python3.12 -m pip install .\"]\n";
        assert_eq!(
            fix("NF003", t),
            "[phases.setup]\naptPkgs = [\"x\"]\nnixPkgs = [\"...\", \"python312Packages.pip\"]\n[phases.install]\ncmds = [\"python3.12 -m pip install .\"]\n"
        );
    }

    #[test]
    fn python_choice_order() {
        let base = "[phases.install]\ncmds = [\"python3.11 -m pip install -r r.txt\"]\n";
        let env = Environment::with_python_version("3.10\n");
        let (out, _) = fix_with("NF003", Kind::NixpacksToml, base, &env);
        assert!(out.contains("python310Packages.pip"), "{out}");
        let t = format!("[variables]\nNIXPACKS_PYTHON_VERSION = \"3.12\"\n{base}");
        let (out, _) = fix_with("NF003", Kind::NixpacksToml, &t, &env);
        assert!(out.contains("python312Packages.pip"), "{out}");
        let t = "[phases.setup]\nnixPkgs = [\"...\", \"python39Full\"]\n[phases.install]\ncmds = [\"pip install x\"]\n";
        let (out, _) = fix_with("NF003", Kind::NixpacksToml, t, &env);
        assert!(
            out.contains("\"python39Full\", \"python39Packages.pip\""),
            "{out}"
        );
    }

    #[test]
    fn several_pythons_are_reported() {
        let t = "[phases.setup]\nnixPkgs = [\"python310\", \"python311\"]\n[phases.install]\ncmds = [\"pip install x\"]\n";
        let (out, notes) = fix_with("NF003", Kind::NixpacksToml, t, &Environment::default());
        assert_eq!(out, t);
        assert!(notes[0].contains("several Pythons"));
    }
}
