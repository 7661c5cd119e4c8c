//! NF007 break-system-packages: the externally-managed error silenced instead of fixed.

use super::commands::for_each_command;
use super::{Context, Finding, Rule};
use crate::document::Node;
use crate::python::{pip_install, pip_invocation};

const MESSAGE: &str = "silences externally-managed-environment by letting pip write into the Nix Python's own environment in the /nix/store, where console scripts (gunicorn, uvicorn) land off PATH; install into a virtualenv instead (NF006 does, when it can) and drop the flag";

super::rule!(
    BreakSystemPackages,
    warning,
    "nf007_break_system_packages.md"
);

impl Rule for BreakSystemPackages {
    fn may_apply(&self, text: &str) -> bool {
        text.contains("break-system-packages") || text.contains("BREAK_SYSTEM_PACKAGES")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        for_each_command(cx, |site, c, args, in_venv| {
            let at = site.node.span.start;
            if c.words
                .iter()
                .any(|w| w.text.starts_with("PIP_BREAK_SYSTEM_PACKAGES="))
            {
                out.push(Finding::warning(
                    at,
                    format!("{}: PIP_BREAK_SYSTEM_PACKAGES {MESSAGE}", site.location),
                ));
                return;
            }
            if args.first() == Some(&"export")
                && args
                    .iter()
                    .any(|a| a.starts_with("PIP_BREAK_SYSTEM_PACKAGES"))
            {
                out.push(Finding::warning(
                    at,
                    format!("{}: PIP_BREAK_SYSTEM_PACKAGES {MESSAGE}", site.location),
                ));
                return;
            }
            if in_venv {
                return;
            }
            if let Some(inv) = pip_invocation(args)
                && !inv.venv
                && pip_install(args, inv.rest).is_some_and(|p| p.break_system_packages)
            {
                out.push(Finding::warning(
                    at,
                    format!("{}: --break-system-packages {MESSAGE}", site.location),
                ));
            }
        });
        if let Some(e) = cx
            .plan()
            .and_then(Node::as_map)
            .and_then(|p| p.get_map("variables"))
            .and_then(|v| v.entry("PIP_BREAK_SYSTEM_PACKAGES"))
        {
            out.push(Finding::warning(
                e.key_span.start,
                format!("PIP_BREAK_SYSTEM_PACKAGES {MESSAGE}"),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use crate::nixpacks::Kind;
    use crate::rules::testing::fix_with;

    fn notes(t: &str) -> Vec<String> {
        fix_with("NF007", Kind::NixpacksToml, t, &Default::default()).1
    }

    #[test]
    fn reports_each_spelling() {
        assert_eq!(
            notes("[phases.install]\ncmds = ['pip install --break-system-packages -r r.txt']\n")
                .len(),
            1
        );
        assert_eq!(
            notes("[variables]\nPIP_BREAK_SYSTEM_PACKAGES = '1'\n").len(),
            1
        );
        assert_eq!(
            notes("[phases.install]\ncmds = ['PIP_BREAK_SYSTEM_PACKAGES=1 pip install x']\n").len(),
            1
        );
        assert_eq!(
            notes(
                "[phases.install]\ncmds = ['/opt/venv/bin/pip install --break-system-packages x']\n"
            )
            .len(),
            0
        );
        assert_eq!(
            notes("[phases.install]\ncmds = ['pip install x']\n").len(),
            0
        );
    }
}
