//! NF010 pin-python: one Python in the build environment, the one the
//! commands run, from an archive that has it.

use super::python_env::python_env;
use crate::nixpacks::python::{Installed, PythonEnv};
use super::{Context, Finding, Rule, insert_in_plan};
use crate::document::Node;
use crate::nixpacks::python::{Archive, attr_version, version_attr};
use crate::python::supported_attr;

super::rule!(PinPython, fix, "nf010_pin_python.md");

/// Whether a config names a Python, pip, or a virtualenv to activate (NF006
/// may add the `python -m venv` that creates it).
fn names_python(text: &str) -> bool {
    ["python", "pip", "activate"].iter().any(|w| text.contains(w))
}

impl Rule for PinPython {
    fn may_apply(&self, text: &str) -> bool {
        // `activate`: NF006 may add a `python -m venv` to create what is activated.
        // A setup list (`nixPkgs`, or an alias NF004 renames) may replace the
        // provider's Python, which its own install needs, in a config that
        // names no Python at all.
        names_python(text)
            || text
                .as_bytes()
                .windows(4)
                .any(|w| w.eq_ignore_ascii_case(b"pkgs"))
            || text.contains("ackages")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        // A config that names no Python is the provider's business only
        // when its directory says the Python provider builds the app (on
        // standard input there is none to ask: a Node config stays as is).
        if !names_python(cx.text) && !cx.env.knows_dir() {
            return Vec::new();
        }
        let env = python_env(cx);
        let invoked = super::python_env::invoked(cx);
        let listed: Vec<&Installed> = env.installed.iter().filter(|i| i.listed).collect();
        let mut versions: Vec<Option<String>> = Vec::new();
        for i in &listed {
            if !versions.contains(&i.version) {
                versions.push(i.version.clone());
            }
        }
        if versions.len() > 1 {
            let names: Vec<&str> = listed.iter().map(|i| i.attr.as_str()).collect();
            return vec![Finding::warning(
                listed[0].offset,
                format!(
                    "nixPkgs lists several Pythons ({}): they collide in one environment and the build stops at `nix-env` (`collision between .../bin/python3`); keep one",
                    names.join(", ")
                ),
            )];
        }
        if let Some(first) = listed.first() {
            return self.listed(cx, &env, first, &invoked);
        }
        if env.provider_adds() {
            return self.provider_python(cx, &env, &invoked);
        }
        self.no_python(cx, &env, &invoked)
    }
}

impl PinPython {
    /// One Python listed in `nixPkgs`.
    fn listed(
        &self,
        cx: &Context,
        env: &PythonEnv,
        listed: &Installed,
        invoked: &[(String, String, String, usize)],
    ) -> Vec<Finding> {
        let wanted = attr_version(&listed.attr);
        let Some(version) = listed.version.clone() else {
            // The archive lacks it: the pin moves to the archive that has it.
            let Some(v) = wanted else {
                return Vec::new();
            };
            let target = Archive::for_version(&v);
            if env.provider && !env.pin.pinned && target.version_of(&version_attr(&v)).is_some() {
                return self.pin(
                    cx,
                    &v,
                    listed.offset,
                    format!(
                        "`{}` is not in the Python provider's nixpkgs archive (nix-env would stop with `undefined variable '{}'`); the pin moves the setup phase to the archive Nixpacks keeps for {v}",
                        listed.attr, listed.attr
                    ),
                );
            }
            return vec![Finding::warning(
                listed.offset,
                format!(
                    "`{}` is not in the nixpkgs archive this build uses: nix-env stops with `undefined variable '{}'`; list a Python from 3.9 to 3.13 (or 3.8 with NIXPACKS_PYTHON_VERSION = \"3.8\")",
                    listed.attr, listed.attr
                ),
            )];
        };
        if env.provider_adds() {
            let provider = env.installed.iter().find(|i| !i.listed);
            if let Some(p) = provider
                && p.version.as_ref() != Some(&version)
            {
                if !env.pin.pinned {
                    return self.pin(
                        cx,
                        &version,
                        listed.offset,
                        format!(
                            "nixPkgs keeps the provider's packages (\"...\") and lists {}, while the provider's own Python is {} ({}): two Pythons collide at `nix-env`; the pin makes the provider's Python {} too",
                            listed.attr,
                            p.attr,
                            p.version.as_deref().unwrap_or("?"),
                            listed.attr
                        ),
                    );
                }
                return vec![Finding::warning(
                    listed.offset,
                    format!(
                        "nixPkgs keeps the provider's packages (\"...\") and lists {}, but {} pins the provider's Python to {}: two Pythons collide at `nix-env`; drop one of them",
                        listed.attr, env.pin.source, env.pin.attr
                    ),
                )];
            }
        }
        self.mismatches(invoked, &version, &listed.attr, "listed in nixPkgs")
    }

    /// No Python listed; the provider's is in the environment.
    fn provider_python(
        &self,
        cx: &Context,
        env: &PythonEnv,
        invoked: &[(String, String, String, usize)],
    ) -> Vec<Finding> {
        let Some(p) = env.installed.iter().find(|i| !i.listed) else {
            return Vec::new();
        };
        let Some(have) = p.version.clone() else {
            return vec![Finding::warning(
                p.offset,
                format!(
                    "{} pins {}, which no nixpkgs archive Nixpacks uses still has: nix-env stops with `undefined variable`; pin 3.8 or later",
                    env.pin.source, env.pin.attr
                ),
            )];
        };
        let mut wanted: Vec<&str> = Vec::new();
        for (v, ..) in invoked {
            if !wanted.contains(&v.as_str()) {
                wanted.push(v);
            }
        }
        let from_sets: Vec<String> = env
            .package_sets
            .iter()
            .filter_map(|s| attr_version(s))
            .collect();
        let (target, why) = match (wanted.as_slice(), from_sets.as_slice()) {
            ([one], _) => (one.to_string(), "the commands run"),
            ([], [one]) => (one.clone(), "nixPkgs uses the package set of"),
            _ => return self.mismatches(invoked, &have, &p.attr, &env.pin.source),
        };
        if target == have {
            return Vec::new();
        }
        let supported = supported_attr(&target)
            .is_some_and(|a| Archive::for_version(&target).version_of(&a).is_some());
        if !env.pin.pinned && supported {
            let at = invoked.first().map_or(p.offset, |i| i.3);
            return self.pin(
                cx,
                &target,
                at,
                format!(
                    "{why} {}, but nothing pins the Python, so the provider installs python3 ({have}) and {} is not found",
                    version_attr(&target),
                    version_attr(&target)
                ),
            );
        }
        self.mismatches(invoked, &have, &p.attr, &env.pin.source)
    }

    /// Neither listed nor added by the provider.
    fn no_python(
        &self,
        cx: &Context,
        env: &PythonEnv,
        invoked: &[(String, String, String, usize)],
    ) -> Vec<Finding> {
        // The Python provider's own install and start run Python too.
        let plan = cx.plan().and_then(Node::as_map);
        let provider_runs = env.provider && !plan.is_some_and(crate::nixpacks::replaces_install);
        if !runs_python(cx) && !provider_runs {
            return Vec::new();
        }
        let attr = match invoked.first() {
            Some((v, ..)) if invoked.iter().all(|i| &i.0 == v) => version_attr(v),
            Some(_) => {
                return vec![Finding::warning(
                    invoked[0].3,
                    "the commands run several Python versions and the environment has none of them: list one Python in nixPkgs",
                )];
            }
            None if env.package_sets.len() == 1 => env.package_sets[0].clone(),
            None if env.pin.pinned => env.pin.attr.clone(),
            None => "python3".to_string(),
        };
        let syntax = cx.syntax();
        match env.list {
            Some(list) => {
                let like = list
                    .as_array()
                    .and_then(|a| a.items.first())
                    .and_then(Node::as_str);
                let edits =
                    syntax.append_array_item(cx.text, list, &syntax.string_literal(&attr, like));
                let why = if env.ellipsis {
                    "the Python provider does not build this app (no requirements.txt, pyproject.toml, Pipfile or main.py beside it), so \"...\" brings no Python"
                } else {
                    "the list replaces the provider's packages (it has no \"...\") and lists no Python"
                };
                vec![Finding {
                    message: format!(
                        "added {attr} to the setup phase's nixPkgs: {why}, while the commands run Python (`python: command not found`)"
                    ),
                    offset: list.span.start,
                    fixed: true,
                    edits,
                    before: Some(cx.text[list.span.clone()].to_string()),
                    after: Some(attr),
                }]
            }
            None => match insert_in_plan(
                cx,
                &["phases", "setup", "nixPkgs"],
                &syntax.string_array(&["...", &attr]),
            ) {
                Ok((edits, offset)) => vec![Finding {
                    message: format!(
                        "added {attr} to the setup phase's nixPkgs: the Python provider does not build this app, so nothing else installs the Python the commands run"
                    ),
                    offset,
                    fixed: true,
                    edits,
                    before: None,
                    after: Some(attr),
                }],
                Err(why) => vec![Finding::warning(
                    0,
                    format!("{why}: add {attr} to the setup phase's nixPkgs by hand"),
                )],
            },
        }
    }

    /// Commands that run a Python version other than `have`.
    fn mismatches(
        &self,
        invoked: &[(String, String, String, usize)],
        have: &str,
        attr: &str,
        source: &str,
    ) -> Vec<Finding> {
        invoked
            .iter()
            .filter(|(v, ..)| v != have)
            .map(|(v, prog, loc, at)| {
                Finding::warning(*at,
                    format!(
                        "{loc}: `{prog}` runs Python {v}, but the environment's Python is {attr} ({have}, {source}): the build stops with `{prog}: command not found`; call `python` / `pip`, or install {}",
                        version_attr(v)
                    ),
                )
            })
            .collect()
    }

    /// Pin the provider's Python to `version` in the plan's variables.
    fn pin(&self, cx: &Context, version: &str, at: usize, why: String) -> Vec<Finding> {
        let value = cx.syntax().string_literal(version, None);
        let vars = cx
            .plan()
            .and_then(Node::as_map)
            .and_then(|p| p.get("variables"));
        if vars.is_some_and(|v| v.as_map().is_none()) {
            return vec![Finding::warning(
                at,
                format!(
                    "{why}; `variables` is not a table: add NIXPACKS_PYTHON_VERSION = \"{version}\" by hand"
                ),
            )];
        }
        match insert_in_plan(cx, &["variables", "NIXPACKS_PYTHON_VERSION"], &value) {
            Ok((edits, _)) => vec![Finding {
                message: format!(
                    "pinned the Python to {version} (NIXPACKS_PYTHON_VERSION in [variables]): {why}"
                ),
                offset: at,
                fixed: true,
                edits,
                before: None,
                after: Some(format!("NIXPACKS_PYTHON_VERSION = \"{version}\"")),
            }],
            Err(e) => vec![Finding::warning(
                at,
                format!("{why}; {e}: add NIXPACKS_PYTHON_VERSION = \"{version}\" by hand"),
            )],
        }
    }
}

/// Whether a command runs a Python interpreter or pip.
fn runs_python(cx: &Context) -> bool {
    let mut found = false;
    super::commands::for_each_command(cx, |_site, _c, args, in_venv| {
        if in_venv {
            return;
        }
        if let Some(p) = args.first()
            && (crate::python::python_program(p).is_some()
                || crate::python::pip_invocation(args).is_some())
            && !crate::python::is_venv_path(p)
        {
            found = true;
        }
    });
    found
}

#[cfg(test)]
mod tests {
    use crate::nixpacks::{Environment, Kind};
    use crate::rules::testing::{fix, fix_with};

    #[test]
    fn pins_the_version_the_commands_run() {
        let t = "[phases.install]\ncmds = ['python3.11 -m pip install -r requirements.txt']\n";
        assert_eq!(
            fix("NF010", t),
            format!("{t}\n[variables]\nNIXPACKS_PYTHON_VERSION = \"3.11\"\n")
        );
        // Already the default (3.12), or unversioned: nothing to pin.
        let t =
            "[phases.install]\ncmds = ['python3.12 -m pip install .', 'python -m pip install x']\n";
        assert_eq!(fix("NF010", t), t);
    }

    #[test]
    fn ellipsis_beside_a_listed_python_gets_the_same_pin() {
        let t = "[variables]\nA = '1'\n[phases.setup]\nnixPkgs = ['...', 'python311']\n";
        assert_eq!(
            fix("NF010", t),
            "[variables]\nA = '1'\nNIXPACKS_PYTHON_VERSION = \"3.11\"\n[phases.setup]\nnixPkgs = ['...', 'python311']\n"
        );
        // Without "..." the list is the environment: one Python, nothing to do.
        let t = "[phases.setup]\nnixPkgs = ['python311']\n[phases.install]\ncmds = ['python3.11 -m pip install x']\n";
        assert_eq!(fix("NF010", t), t);
    }

    #[test]
    fn a_python_the_archive_lost_moves_to_the_legacy_archive() {
        let t = "[phases.setup]\nnixPkgs = [\"python38\", \"gcc\"]\n";
        let out = fix("NF010", t);
        assert!(out.contains("NIXPACKS_PYTHON_VERSION = \"3.8\""), "{out}");
        let t = "[phases.setup]\nnixPkgs = [\"python37\"]\n";
        let (out, notes) = fix_with("NF010", Kind::NixpacksToml, t, &Environment::default());
        assert_eq!(out, t);
        assert!(
            notes[0].contains("undefined variable 'python37'"),
            "{notes:?}"
        );
    }

    #[test]
    fn what_cannot_be_fixed_is_reported() {
        let env = Environment::with_python_version("3.10\n");
        let t = "[phases.install]\ncmds = ['python3.11 -m pip install x']\n";
        let (out, notes) = fix_with("NF010", Kind::NixpacksToml, t, &env);
        assert_eq!(out, t);
        assert!(
            notes[0].contains("command not found") && notes[0].contains("python310"),
            "{notes:?}"
        );
        let t = "[phases.setup]\nnixPkgs = ['python310', 'python311']\n";
        let (out, notes) = fix_with("NF010", Kind::NixpacksToml, t, &Environment::default());
        assert_eq!(out, t);
        assert!(notes[0].contains("collide"), "{notes:?}");
    }

    #[test]
    fn a_list_without_python_gets_one() {
        let t = "[phases.setup]\nnixPkgs = ['gcc']\n[phases.install]\ncmds = ['pip install -r r.txt']\n";
        assert_eq!(fix("NF010", t), t.replace("['gcc']", "['gcc', 'python3']"));
        let t =
            "[phases.setup]\nnixPkgs = ['gcc']\n[phases.install]\ncmds = ['python3.11 app.py']\n";
        assert!(fix("NF010", t).contains("['gcc', 'python311']"));
    }
}
