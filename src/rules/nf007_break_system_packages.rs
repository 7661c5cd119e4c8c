//! NF007 break-system-packages: the externally-managed error silenced instead of fixed.

use super::commands::for_each_command;
use super::{Context, Finding, Rule, RuleKind};
use crate::document::Node;
use crate::python::{pip_install, pip_invocation};

pub struct BreakSystemPackages;

const MESSAGE: &str = "silences externally-managed-environment by letting pip write into the Nix Python's own environment in the /nix/store, where console scripts (gunicorn, uvicorn) land off PATH; install into a virtualenv instead (NF006 does, when it can) and drop the flag";

impl Rule for BreakSystemPackages {
    fn code(&self) -> &'static str {
        "NF007"
    }
    fn name(&self) -> &'static str {
        "break-system-packages"
    }
    fn summary(&self) -> &'static str {
        "warn about --break-system-packages / PIP_BREAK_SYSTEM_PACKAGES used to silence the error"
    }
    fn kind(&self) -> RuleKind {
        RuleKind::Warning
    }
    fn explanation(&self) -> &'static str {
        "\
## What it reports
`pip install --break-system-packages ...`, or `PIP_BREAK_SYSTEM_PACKAGES`
set in `[variables]` or in a command.

## Why
The flag does not make the error's cause go away: it tells pip to write
into the Nix Python's own site-packages in the `/nix/store` anyway. As root
during the build that can succeed, but console scripts (`gunicorn`,
`uvicorn`) land in the store, off PATH, and the start command is not found;
the install depends on a store path nothing else manages. The fix that
builds is a virtualenv, like the Python provider's own install: drop the
flag and let NF006 move the install into `/opt/venv`.

## Example
```toml
[phases.install]
cmds = ['pip install --break-system-packages -r requirements.txt']   # NF007
```
"
    }
    fn may_apply(&self, text: &str) -> bool {
        text.contains("break-system-packages") || text.contains("BREAK_SYSTEM_PACKAGES")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        let code = self.code();
        let mut out = Vec::new();
        for_each_command(cx, |site, c, args, in_venv| {
            let at = site.node.span.start;
            if c.words
                .iter()
                .any(|w| w.text.starts_with("PIP_BREAK_SYSTEM_PACKAGES="))
            {
                out.push(Finding::warning(
                    code,
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
                    code,
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
                    code,
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
                code,
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
