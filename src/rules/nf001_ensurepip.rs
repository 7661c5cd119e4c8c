//! NF001 ensurepip: remove `python -m ensurepip`, which cannot work on Nix.

use super::commands::{Decision, rewrite_commands, shown};
use super::{Context, Finding, Rule};
use crate::python::ensurepip_invocation;
use crate::shell::Action;

super::rule!(Ensurepip, fix, "nf001_ensurepip.md");

impl Rule for Ensurepip {
    fn may_apply(&self, text: &str) -> bool {
        super::may_contain(text, "ensurepip")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        rewrite_commands(
            cx,
            "ensurepip",
            |c, args, in_venv| {
                let inv = ensurepip_invocation(args)?;
                (!inv.venv && !in_venv).then(|| Decision {
                    action: Action::Remove,
                    message: format!("removed `{}`", shown(c)),
                })
            },
            |v| v.contains("ensurepip"),
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::fix;

    fn nf001(cmds: &str) -> String {
        fix("NF001", &format!("[phases.install]\ncmds = {cmds}\n"))
            .trim_start_matches("[phases.install]\ncmds = ")
            .trim_end()
            .to_string()
    }

    #[test]
    fn spellings() {
        for py in [
            "python",
            "python3",
            "python3.11",
            "/usr/bin/python3",
            "$PYTHON",
            "python3 -I",
            "sudo python3",
        ] {
            assert_eq!(
                nf001(&format!("[\"{py} -m ensurepip --upgrade\", \"b\"]")),
                "[\"b\"]",
                "{py}"
            );
        }
    }

    /// Issue 11: each of these was a silent miss (no fix, no warning).
    #[test]
    fn wrappers_quoting_and_escapes_are_fixed_exactly() {
        for cmd in [
            "nice -n 10 python -m ensurepip",
            "nice -5 python -m ensurepip",
            "timeout 60 python -m ensurepip",
            "timeout -s KILL --kill-after=5 60 python -m ensurepip",
            "sudo -u app python -m ensurepip",
            "sudo -E -u app VAR=1 python3 -m ensurepip --upgrade",
            "sudo -k python -m ensurepip",
            "exec -a x python -m ensurepip",
            "env -u HOME A=1 python -m ensurepip",
            "command -p python -m ensurepip",
            "nohup nice python -m ensurepip",
            "python -m \\\"ensure\\\"pip",
            "python -m ens'ure'pip",
            "python -Im ensurepip",
            "python -IBm ensurepip",
            "python -Imensurepip",
            "python -X utf8 -W ignore -m ensurepip",
        ] {
            assert_eq!(nf001(&format!("[\"{cmd}\", \"b\"]")), "[\"b\"]", "{cmd}");
            assert_eq!(nf001(&format!("[\"{cmd} && b\"]")), "[\"b\"]", "{cmd}");
        }
        // A TOML escape spelling a letter: the rules see decoded values.
        assert_eq!(nf001(r#"["python -m ensure\u0070ip && b"]"#), r#"["b"]"#);
        // Not a module run: left alone, and nothing to report.
        for cmds in [
            r#"["python -c 'import ensurepip'"]"#,
            r#"["command -v python -m ensurepip"]"#,
            r#"["python ensurepip.py -m ensurepip"]"#,
        ] {
            let (out, notes) = warnings(cmds);
            assert_eq!(out, cmds);
            assert!(notes.is_empty(), "{cmds}: {notes:?}");
        }
    }

    /// Issue 11: what cannot be removed exactly is reported, never passed.
    #[test]
    fn hidden_invocations_are_reported() {
        for (cmds, how) in [
            (
                r#"["find . | xargs python -m ensurepip"]"#,
                "through `xargs`",
            ),
            (
                r#"["xargs -n1 python -m ensurepip < list"]"#,
                "through `xargs`",
            ),
            (
                r#"["echo \"$(python -m ensurepip)\""]"#,
                "inside a command substitution",
            ),
            (
                r#"["\"$(python -m ensurepip)\""]"#,
                "inside a command substitution",
            ),
            (
                r#"["echo `python3 -m ensurepip`"]"#,
                "inside a command substitution",
            ),
            (
                r#"["sh -c 'python -m ensurepip && b'"]"#,
                "in a script given to `sh -c`",
            ),
            (
                r#"["sudo bash -lc 'python -m ensurepip'"]"#,
                "in a script given to `bash -c`",
            ),
            (r#"["eval python -m ensurepip"]"#, "through `eval`"),
            (r#"["chrt 10 python -m ensurepip"]"#, "through `chrt`"),
            (
                r#"["echo \"$(sh -c 'python -m ensurepip')\""]"#,
                "in a script given to `sh -c` inside a command substitution",
            ),
        ] {
            let (out, notes) = warnings(cmds);
            assert_eq!(out, cmds, "changed");
            assert_eq!(notes.len(), 1, "{cmds}: {notes:?}");
            assert!(
                notes[0].contains("(warning)") && notes[0].contains(how),
                "{cmds}: {notes:?}"
            );
        }
        // A substitution that only mentions it stays quiet.
        let (_, notes) = warnings(r#"["echo '$(python -m ensurepip)'", "echo $(echo ensurepip)"]"#);
        assert!(notes.is_empty(), "{notes:?}");
    }

    fn warnings(cmds: &str) -> (String, Vec<String>) {
        let (out, notes) = crate::rules::testing::fix_with(
            "NF001",
            crate::nixpacks::Kind::NixpacksToml,
            &format!("[phases.install]\ncmds = {cmds}\n"),
            &Default::default(),
        );
        let out = out
            .trim_start_matches("[phases.install]\ncmds = ")
            .trim_end()
            .to_string();
        (out, notes)
    }

    #[test]
    fn chains() {
        assert_eq!(
            nf001(r#"["a && python -m ensurepip && b"]"#),
            r#"["a && b"]"#
        );
        assert_eq!(nf001(r#"["python -m ensurepip || true", "b"]"#), r#"["b"]"#);
        assert_eq!(
            nf001(r#"["python3 -m ensurepip --upgrade || echo skip; b"]"#),
            r#"["b"]"#
        );
        assert_eq!(
            nf001(r#"['python -m ensurepip && pip install -r "req s.txt"']"#),
            r#"['pip install -r "req s.txt"']"#
        );
    }

    #[test]
    fn venvs_and_lookalikes_stay() {
        for cmds in [
            r#"["/opt/venv/bin/python -m ensurepip"]"#,
            r#"[". /opt/venv/bin/activate && python -m ensurepip"]"#,
            r#"["echo ensurepip", "python ensurepip.py"]"#,
        ] {
            assert_eq!(nf001(cmds), cmds);
        }
    }

    #[test]
    fn complex_shell_is_reported_not_changed() {
        let (out, notes) = crate::rules::testing::fix_with(
            "NF001",
            crate::nixpacks::Kind::NixpacksToml,
            "[phases.install]\ncmds = [\"if true; then python -m ensurepip; fi\"]\n",
            &Default::default(),
        );
        assert!(out.contains("if true"));
        assert_eq!(notes.len(), 1);
        assert!(
            notes[0].contains("(warning)") && notes[0].contains("too complex"),
            "{notes:?}"
        );
    }

    #[test]
    fn start_cmd_and_escapes() {
        // The install phase is replaced, so no provider virtualenv exists at start.
        let t = "[phases.install]\ncmds = []\n[start]\ncmd = \"python -m ensurepip && python \\\"app.py\\\"\"\n";
        assert_eq!(
            fix("NF001", t),
            "[phases.install]\ncmds = []\n[start]\ncmd = \"python \\\"app.py\\\"\"\n"
        );
        // Otherwise start runs in the provider's virtualenv, where ensurepip works.
        let t = "[start]\ncmd = \"python -m ensurepip && python app.py\"\n";
        assert_eq!(fix("NF001", t), t);
    }

    #[test]
    fn complex_shell_without_ensurepip_run_is_not_reported() {
        for t in [
            "[phases.install]\ncmds = [\"if true; then echo ensurepip; fi\"]\n",
            "[phases.install]\ncmds = [\"(python ensurepip.py)\"]\n",
            "[phases.install]\ncmds = [\"(. /opt/venv/bin/activate && python -m ensurepip)\"]\n",
        ] {
            let (out, notes) = crate::rules::testing::fix_with(
                "NF001",
                crate::nixpacks::Kind::NixpacksToml,
                t,
                &Default::default(),
            );
            assert_eq!(out, t);
            assert_eq!(notes, Vec::<String>::new(), "{t}");
        }
    }
}
