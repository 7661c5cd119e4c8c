//! NF003 missing-nix-pip: provide pip from Nix, for the Python that runs.

use super::commands::for_each_command;
use super::python_env::python_env;
use super::{Context, Finding, Rule};
use crate::document::Node;
use crate::edit::Edit;
use crate::nixpacks::keys::NIX_PKGS;
use crate::nixpacks::plan_path;
use crate::nixpacks::python::{listed_python, string_items};
use crate::python::{
    is_nix_pip, is_venv_path, nix_packages_python, nix_python_attr, pip_for, pip_invocation,
    python_program,
};

super::rule!(MissingNixPip, fix, "nf003_missing_nix_pip.md");

impl Rule for MissingNixPip {
    fn may_apply(&self, text: &str) -> bool {
        super::may_contain(text, "pip")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        let usage = pip_usage(cx);
        let root = cx.root();
        let setup = root.at(&[plan_path(cx.kind), &["phases", "setup"]].concat());
        let pkgs = setup
            .and_then(Node::as_map)
            .and_then(|m| m.get_any(NIX_PKGS))
            .map(|e| &e.value);
        let items = string_items(pkgs);
        let env = python_env(cx);
        // Which Python: the one the environment holds, else the best guess.
        let (python, why) = match env.single() {
            Some(i) if i.listed => (
                listed_python(&i.attr).unwrap_or_else(|| i.attr.clone()),
                format!("{} is listed in nixPkgs", i.attr),
            ),
            Some(_) if env.pin.pinned => {
                (env.pin.attr.clone(), format!("{} pins it", env.pin.source))
            }
            Some(_) => (
                env.pin.attr.clone(),
                "the provider's default Python is python3".to_string(),
            ),
            None => {
                let listed: Vec<String> =
                    dedup(items.iter().filter_map(|(_, v)| nix_python_attr(v)));
                let from_sets: Vec<String> =
                    dedup(items.iter().filter_map(|(_, v)| nix_packages_python(v)));
                if listed.len() > 1 {
                    return self.several(cx, pkgs, &items, usage.is_some(), listed.join(", "));
                } else if let Some(p) = listed.first() {
                    (p.clone(), format!("{p} is listed in nixPkgs"))
                } else if from_sets.len() == 1 {
                    (
                        from_sets[0].clone(),
                        format!("{}Packages is used in nixPkgs", from_sets[0]),
                    )
                } else if env.pin.pinned {
                    (env.pin.attr.clone(), format!("{} pins it", env.pin.source))
                } else if let Some(v) = usage.as_ref().and_then(|u| u.invoked.clone()) {
                    (v.clone(), format!("the commands run {v}"))
                } else {
                    (
                        "python3".to_string(),
                        "the provider's default Python is python3".to_string(),
                    )
                }
            }
        };
        let same = |other: &str| {
            other == python
                || env
                    .archive
                    .version_of(other)
                    .is_some_and(|v| env.archive.version_of(&python) == Some(v))
        };
        // Entries to replace: a bare `pip` (not a Nix attribute) and the pip
        // of another Python.
        let bare: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, (_, v))| {
                *v == "pip"
                    || *v == "pip3"
                    || (is_nix_pip(v) && !nix_packages_python(v).is_some_and(|p| same(&p)))
            })
            .map(|(i, _)| i)
            .collect();
        if usage.is_none() && bare.is_empty() {
            return Vec::new();
        }
        if let Some(p) = pkgs
            && p.as_array().is_none()
        {
            return vec![Finding::warning(
                p.span.start,
                "the setup phase's nixPkgs is not a list; add the Nix pip by hand",
            )];
        }
        let has_pip = items
            .iter()
            .any(|(_, v)| is_nix_pip(v) && nix_packages_python(v).is_some_and(|p| same(&p)));
        let array = pkgs.filter(|p| p.as_array().is_some());
        let mut findings = Vec::new();
        let bare_names: Vec<&str> = bare.iter().map(|&i| items[i].1).collect();
        // Already provided: only wrong entries may be left to drop.
        if has_pip {
            let Some(array) = array else {
                return findings;
            };
            if bare.is_empty() {
                return findings;
            }
            let edits = cx.syntax().remove_array_items(cx.text, array, &bare);
            findings.push(Finding {
                message: format!(
                    "removed `{}` from nixPkgs: {} (the pip of {python} is already listed)",
                    bare_names.join("`, `"),
                    not_this_pip(&bare_names)
                ),
                offset: array.span.start,
                fixed: true,
                edits,
                before: Some(cx.text[array.span.clone()].to_string()),
                after: None,
            });
            return findings;
        }
        let pip = pip_for(&python);
        let syntax = cx.syntax();
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
                match super::insert_in_plan(cx, &["phases", "setup", "nixPkgs"], &value) {
                    Ok((edits, offset)) => (edits, offset, None),
                    Err(why) => {
                        return vec![Finding::warning(0, format!("{why}; add {pip} by hand"))];
                    }
                }
            }
        };
        let bare_note = if bare.is_empty() {
            String::new()
        } else {
            format!(
                " (replacing `{}`: {})",
                bare_names.join("`, `"),
                not_this_pip(&bare_names)
            )
        };
        findings.push(Finding {
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

impl MissingNixPip {
    /// Several Pythons listed: a bare `pip` still goes when a Nix pip is
    /// there; otherwise which pip to add is the user's call.
    fn several(
        &self,
        cx: &Context,
        pkgs: Option<&Node>,
        items: &[(&Node, &str)],
        used: bool,
        listed: String,
    ) -> Vec<Finding> {
        let bare: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, (_, v))| *v == "pip" || *v == "pip3")
            .map(|(i, _)| i)
            .collect();
        let array = pkgs.filter(|p| p.as_array().is_some());
        if let Some(array) = array
            && items.iter().any(|(_, v)| is_nix_pip(v))
            && !bare.is_empty()
        {
            let names: Vec<&str> = bare.iter().map(|&i| items[i].1).collect();
            return vec![Finding {
                message: format!(
                    "removed `{}` from nixPkgs: it is not a Nix package (a Nix pip is already listed)",
                    names.join("`, `")
                ),
                offset: array.span.start,
                fixed: true,
                edits: cx.syntax().remove_array_items(cx.text, array, &bare),
                before: Some(cx.text[array.span.clone()].to_string()),
                after: None,
            }];
        }
        if !used && bare.is_empty() {
            return Vec::new();
        }
        vec![Finding::warning(
            pkgs.map_or(0, |p| p.span.start),
            format!(
                "nixPkgs lists several Pythons ({listed}); add the pip of the one that runs by hand"
            ),
        )]
    }
}

/// Why entries replaced by the right pip were wrong.
fn not_this_pip(names: &[&str]) -> &'static str {
    let bare = names.iter().any(|n| *n == "pip" || *n == "pip3");
    let other = names.iter().any(|n| *n != "pip" && *n != "pip3");
    match (bare, other) {
        (true, false) => "it is not a Nix package",
        (false, _) => "it is the pip of another Python",
        (true, true) => "not a Nix package, or the pip of another Python",
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
    use crate::nixpacks::{Environment, Kind};
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
            "[phases.setup]\naptPkgs = [\"x\"]\nnixPkgs = [\"...\", \"python3Packages.pip\"]\n[phases.install]\ncmds = [\"python3.12 -m pip install .\"]\n"
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
