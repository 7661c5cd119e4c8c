//! NF006 venv-install (opt-in): install into a virtualenv, as the Python
//! provider itself does, instead of into the Nix Python.

use super::commands::for_each_command;
use super::{Context, Finding, Rule};
use crate::config::replaces_install;
use crate::document::ops::prepend_item;
use crate::document::strings::decode_with_offsets;
use crate::document::{Node, NodeKind};
use crate::edit::Edit;
use crate::python::{pip_install, pip_invocation, python_program};

pub struct VenvInstall;

const VENV: &str = "/opt/venv";
const ACTIVATE: &str = ". /opt/venv/bin/activate && ";

impl Rule for VenvInstall {
    fn code(&self) -> &'static str {
        "NF006"
    }
    fn name(&self) -> &'static str {
        "venv-install"
    }
    fn summary(&self) -> &'static str {
        "opt-in: install requirements into /opt/venv, like the Python provider, instead of the Nix Python"
    }
    fn default_enabled(&self) -> bool {
        false
    }
    fn explanation(&self) -> &'static str {
        "\
## What it does (off by default: `--extend-select NF006`)
For a custom `[phases.install]` that runs `pip install` on the Nix Python,
switches to the Python provider's own approach: the first command creates
a virtualenv (`python -m venv --copies /opt/venv`), every command that runs
pip gets `. /opt/venv/bin/activate && ` in front, and `/opt/venv/bin` is
added to the phase's `paths` so later phases and the app find it.

## Why
pip from Nix (NF003) stops `ensurepip` and pip upgrades from failing, but a
plain `pip install -r requirements.txt` then still targets the Nix Python,
whose site-packages are read-only; whether that works depends on pip falling
back to a user install. A virtualenv is what Nixpacks' Python provider does
by default, and always writable. With this rule on, NF003 adds no Nix pip
(the virtualenv has its own), and pip upgrades inside the virtualenv are left
alone by NF002.

## Example
Before:
```toml
[phases.install]
cmds = ['pip install -r requirements.txt']
```
After:
```toml
[phases.install]
cmds = ['python -m venv --copies /opt/venv', '. /opt/venv/bin/activate && pip install -r requirements.txt']
paths = [\"/opt/venv/bin\"]
```
"
    }
    fn may_apply(&self, text: &str) -> bool {
        super::may_contain(text, "pip")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        let code = self.code();
        let Some(plan) = cx.plan().and_then(Node::as_map) else {
            return Vec::new();
        };
        if !replaces_install(plan) {
            return Vec::new();
        }
        let Some(install_node) = plan.get_map("phases").and_then(|p| p.get("install")) else {
            return Vec::new();
        };
        let Some(install) = install_node.as_map() else {
            return Vec::new();
        };
        let Some(cmds) = install.get_any(&["cmds", "commands"]).map(|e| &e.value) else {
            return Vec::new();
        };
        if cmds.as_array().is_none() {
            return Vec::new();
        }
        // Which strings run pip outside a venv, and does one create a venv?
        let mut targets: Vec<&Node> = Vec::new();
        let mut has_venv = false;
        let mut python = None::<String>;
        for_each_command(cx, |site, _c, args, in_venv| {
            if !site.location.starts_with("phases.install.") {
                return;
            }
            if args.len() >= 3
                && python_program(args[0]).is_some()
                && args[1] == "-m"
                && matches!(args[2], "venv" | "virtualenv")
                || args.first() == Some(&"virtualenv")
            {
                has_venv = true;
            }
            if let Some(inv) = pip_invocation(args)
                && !inv.venv
                && !in_venv
                && pip_install(args, inv.rest).is_some()
            {
                if python.is_none() && python_program(args[inv.program]).is_some() {
                    python = Some(args[inv.program].to_string());
                }
                if !targets.iter().any(|n| n.span == site.node.span) {
                    targets.push(site.node);
                }
            }
        });
        if targets.is_empty() || has_venv {
            return Vec::new();
        }
        let syntax = cx.syntax();
        let like = cmds
            .as_array()
            .and_then(|a| a.items.first())
            .and_then(Node::as_str);
        let python = python.unwrap_or_else(|| "python".to_string());
        let create = syntax.string_literal(&format!("{python} -m venv --copies {VENV}"), like);
        let mut edits = prepend_item(cx.text, cmds, &create);
        for t in &targets {
            let Some(s) = t.as_str() else { continue };
            let raw = &cx.text[t.span.clone()];
            match decode_with_offsets(raw, s.style) {
                Some((v, offs)) if v == s.value => {
                    edits.push(Edit::insert(t.span.start + offs[0], ACTIVATE))
                }
                _ => return Vec::new(),
            }
        }
        let bin = format!("{VENV}/bin");
        match install.entry("paths").map(|e| &e.value) {
            None => edits.extend(syntax.insert_path(
                cx.text,
                cx.root(),
                install_node,
                &["paths"],
                &syntax.string_array(&[&bin]),
            )),
            Some(Node {
                kind: NodeKind::Array(a),
                ..
            }) if !a
                .items
                .iter()
                .any(|i| i.as_str().is_some_and(|s| s.value == bin)) =>
            {
                let p = install.get("paths").expect("present");
                edits.extend(syntax.append_array_item(
                    cx.text,
                    p,
                    &syntax.string_literal(&bin, None),
                ));
            }
            _ => {}
        }
        vec![Finding {
            code,
            message: format!(
                "phases.install.cmds: installs into a virtualenv at {VENV} (created with `{python} -m venv --copies`), like the Python provider, instead of into the Nix Python"
            ),
            offset: cmds.span.start,
            fixed: true,
            edits,
            before: None,
            after: None,
        }]
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{Environment, Kind};
    use crate::engine::{Options, fix_text};

    fn fix_all_with_venv(t: &str) -> String {
        let mut rules: Vec<&'static dyn crate::rules::Rule> = crate::rules::REGISTRY
            .iter()
            .copied()
            .filter(|r| r.default_enabled())
            .collect();
        rules.push(crate::rules::lookup("NF006").unwrap());
        rules.sort_by_key(|r| {
            crate::rules::REGISTRY
                .iter()
                .position(|x| x.code() == r.code())
        });
        fix_text(
            t,
            Kind::NixpacksToml,
            &Environment::default(),
            &Options { rules },
        )
        .unwrap()
        .output
    }

    #[test]
    fn switches_to_a_venv_and_skips_the_nix_pip() {
        let t = "[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = [\n  'python3.11 -m ensurepip --upgrade',\n  'python3.11 -m pip install --upgrade pip',\n  'python3.11 -m pip install -r requirements.txt',\n]\n";
        assert_eq!(
            fix_all_with_venv(t),
            "[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = [\n  'python3.11 -m venv --copies /opt/venv',\n  '. /opt/venv/bin/activate && python3.11 -m pip install --upgrade pip',\n  '. /opt/venv/bin/activate && python3.11 -m pip install -r requirements.txt',\n]\npaths = [\"/opt/venv/bin\"]\n"
        );
    }

    #[test]
    fn leaves_existing_venvs_and_provider_installs() {
        for t in [
            "[phases.install]\ncmds = ['python -m venv /opt/venv', '/opt/venv/bin/pip install -r r.txt']\n",
            "[phases.install]\ncmds = ['...', 'echo done']\n",
            "[phases.build]\ncmds = ['pip install x']\n",
        ] {
            assert_eq!(fix_all_with_venv(t), t);
        }
    }
}
