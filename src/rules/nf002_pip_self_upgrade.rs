//! NF002 pip-self-upgrade: remove pip upgrading (or reinstalling) itself.

use super::commands::{Decision, rewrite_commands, shown};
use super::{Context, Finding, Rule};
use crate::python::{is_pip_requirement, pip_install, pip_invocation};
use crate::shell::Action;

super::rule!(PipSelfUpgrade, fix, "nf002_pip_self_upgrade.md");

impl Rule for PipSelfUpgrade {
    fn may_apply(&self, text: &str) -> bool {
        super::may_contain(text, "pip")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        rewrite_commands(
            cx,
            "pip",
            |c, args, in_venv| {
                let inv = pip_invocation(args)?;
                if inv.venv || in_venv {
                    return None;
                }
                let install = pip_install(args, inv.rest)?;
                if install.elsewhere {
                    return None;
                }
                let pips: Vec<usize> = install
                    .packages
                    .iter()
                    .copied()
                    .filter(|&i| is_pip_requirement(args[i]))
                    .collect();
                if pips.is_empty() {
                    return None;
                }
                if pips.len() == install.packages.len() && !install.other_sources {
                    return Some(Decision {
                        action: Action::Remove,
                        message: format!("removed `{}`", shown(c)),
                    });
                }
                let word_idx = c.argument_indices();
                let names: Vec<&str> = pips.iter().map(|&i| args[i]).collect();
                Some(Decision {
                    action: Action::RemoveWords(pips.iter().map(|&i| word_idx[i]).collect()),
                    message: format!("removed `{}` from `{}`", names.join(" "), shown(c)),
                })
            },
            |v| {
                let words: Vec<&str> = v
                    .split([' ', '\t', '\n', ';', '&', '|', '(', ')'])
                    .collect();
                words.contains(&"install")
                    && words
                        .iter()
                        .any(|w| is_pip_requirement(w.trim_matches(['"', '\''])))
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::fix;

    fn nf002(cmds: &str) -> String {
        fix("NF002", &format!("[phases.install]\ncmds = {cmds}\n"))
            .trim_start_matches("[phases.install]\ncmds = ")
            .trim_end()
            .to_string()
    }

    #[test]
    fn whole_commands() {
        for c in [
            "pip install --upgrade pip",
            "pip3 install -U pip",
            "python -m pip install --upgrade pip",
            "python3.11 -m pip install --upgrade --user pip",
            "pip install pip --upgrade",
            "pip install --no-cache-dir -U 'pip>=24'",
            "pip --disable-pip-version-check install -qU pip",
        ] {
            assert_eq!(nf002(&format!("[\"{c}\", \"b\"]")), "[\"b\"]", "{c}");
        }
    }

    #[test]
    fn wrapped_and_quoted_upgrades_go_whole() {
        for c in [
            "sudo -H pip install -U pip",
            "nice -n 5 pip install --upgrade pip",
            "timeout 120 python3 -m pip install -U pip",
            "env PIP_NO_CACHE_DIR=1 pip install -U 'p'ip",
            "python -Im pip install --upgrade pip",
        ] {
            assert_eq!(nf002(&format!("[\"{c}\", \"b\"]")), "[\"b\"]", "{c}");
        }
        assert_eq!(
            nf002(r#"["sudo pip install -U pip wheel"]"#),
            r#"["sudo pip install -U wheel"]"#
        );
    }

    #[test]
    fn hidden_upgrades_are_reported() {
        for cmds in [
            r#"["echo \"$(pip install -U pip)\""]"#,
            r#"["bash -c 'pip install --upgrade pip'"]"#,
            r#"["cat reqs | xargs pip install -U pip"]"#,
        ] {
            let (out, notes) = crate::rules::testing::fix_with(
                "NF002",
                crate::nixpacks::Kind::NixpacksToml,
                &format!("[phases.install]\ncmds = {cmds}\n"),
                &Default::default(),
            );
            assert!(out.contains(cmds), "{out}");
            assert_eq!(notes.len(), 1, "{cmds}: {notes:?}");
            assert!(notes[0].contains("cannot edit exactly"), "{notes:?}");
        }
    }

    #[test]
    fn other_packages_stay() {
        assert_eq!(
            nf002(r#"["pip install -U pip setuptools wheel"]"#),
            r#"["pip install -U setuptools wheel"]"#
        );
        assert_eq!(
            nf002(r#"["pip install --upgrade setuptools pip"]"#),
            r#"["pip install --upgrade setuptools"]"#
        );
        assert_eq!(
            nf002(r#"["pip install -U pip -r requirements.txt"]"#),
            r#"["pip install -U -r requirements.txt"]"#
        );
        assert_eq!(
            nf002(r#"["pip install --upgrade pip && pip install -r requirements.txt"]"#),
            r#"["pip install -r requirements.txt"]"#
        );
    }

    #[test]
    fn left_alone() {
        for cmds in [
            r#"["/opt/venv/bin/pip install --upgrade pip"]"#,
            r#"[". /opt/venv/bin/activate && pip install --upgrade pip"]"#,
            r#"["pip install --upgrade pipenv", "pip install -U pip-tools"]"#,
            r#"["pip install --target /tmp/x -U pip"]"#,
            r#"["pip download pip"]"#,
        ] {
            assert_eq!(nf002(cmds), cmds);
        }
    }

    /// The notes NF002 gives a config whose `cmds` are `cmds`.
    fn nf002_notes(cmds: &str) -> Vec<String> {
        let text = format!("[phases.install]\ncmds = {cmds}\n");
        let (out, notes) = crate::rules::testing::fix_with(
            "NF002",
            crate::nixpacks::Kind::NixpacksToml,
            &text,
            &Default::default(),
        );
        assert_eq!(
            out, text,
            "a string the shell layer refuses is never edited"
        );
        notes
    }

    #[test]
    fn compound_commands_are_reported_only_when_pip_upgrades_itself() {
        // The command word `pip` is not a requirement for pip.
        for cmds in [
            r#"["if [ -f r.txt ]; then pip install -r r.txt; fi"]"#,
            r#"["(cd app && pip install -r r.txt)"]"#,
            r#"["{ pip install flask; }"]"#,
            r#"["for r in a.txt b.txt; do pip install -r $r; done"]"#,
            r#"["if pip --version; then echo pip install -U pip; fi"]"#,
            r#"["(. /opt/venv/bin/activate && pip install -U pip)"]"#,
        ] {
            assert_eq!(nf002_notes(cmds), Vec::<String>::new(), "{cmds}");
        }
        for cmds in [
            r#"["if [ -f r.txt ]; then pip install -U pip && pip install -r r.txt; fi"]"#,
            r#"["(cd app && python -m pip install --upgrade pip)"]"#,
            r#"["{ pip install -U pip wheel; }"]"#,
            r#"["for i in 1; do pip install pip==24.0; done"]"#,
            r#"["if true; then echo \"$(pip install -U pip)\"; fi"]"#,
        ] {
            let notes = nf002_notes(cmds);
            assert_eq!(notes.len(), 1, "{cmds}: {notes:?}");
            assert!(notes[0].contains("too complex"), "{notes:?}");
        }
    }
}
