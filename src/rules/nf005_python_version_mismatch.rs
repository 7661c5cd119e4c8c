//! NF005 python-version-mismatch: a variable that looks like it pins the
//! Python but does not.

use super::{Context, Finding, Rule, RuleKind};
use crate::document::Node;

pub struct PythonVersionMismatch;

impl Rule for PythonVersionMismatch {
    fn code(&self) -> &'static str {
        "NF005"
    }
    fn name(&self) -> &'static str {
        "python-version-mismatch"
    }
    fn summary(&self) -> &'static str {
        "warn when `[variables] PYTHON_VERSION` is set: Nixpacks pins the Python only by NIXPACKS_PYTHON_VERSION"
    }
    fn kind(&self) -> RuleKind {
        RuleKind::Warning
    }
    fn explanation(&self) -> &'static str {
        "\
## What it reports
`[variables] PYTHON_VERSION` is set but `NIXPACKS_PYTHON_VERSION` is not.
Nixpacks reads only the latter: the Python installed is still the
provider's default (`python3`, 3.12), whatever `PYTHON_VERSION` says. The
variable may mean something to the app itself, so it is not renamed.

Commands that run a Python the environment does not have, and two Pythons
in one environment, are NF010's: it pins the Python when it can and
reports what it cannot fix.

## What to do
Set `NIXPACKS_PYTHON_VERSION = \"3.11\"` (the version you mean) in
`[variables]`, or list `python311` in `nixPkgs`.

## Example
```toml
[variables]
PYTHON_VERSION = '3.11'   # NF005: does not pin the Python
```
"
    }
    fn may_apply(&self, text: &str) -> bool {
        text.contains("PYTHON_VERSION")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        let plan = cx.plan().and_then(Node::as_map);
        let Some(vars) = plan.and_then(|p| p.get_map("variables")) else {
            return Vec::new();
        };
        if vars.get("NIXPACKS_PYTHON_VERSION").is_some() {
            return Vec::new();
        }
        let Some(e) = vars.entry("PYTHON_VERSION") else {
            return Vec::new();
        };
        vec![Finding::warning(
            self.code(),
            e.key_span.start,
            "`PYTHON_VERSION` does not pin the Python: Nixpacks reads `NIXPACKS_PYTHON_VERSION`",
        )]
    }
}

#[cfg(test)]
mod tests {
    use crate::nixpacks::Kind;
    use crate::rules::testing::fix_with;

    fn notes(t: &str) -> Vec<String> {
        let (out, notes) = fix_with("NF005", Kind::NixpacksToml, t, &Default::default());
        assert_eq!(out, t, "a warning rule never edits");
        notes
    }

    #[test]
    fn python_version_is_not_a_pin() {
        let n = notes("[variables]\nPYTHON_VERSION = '3.11'\n");
        assert!(n[0].contains("NIXPACKS_PYTHON_VERSION"), "{n:?}");
        assert!(
            notes("[variables]\nPYTHON_VERSION = '3.11'\nNIXPACKS_PYTHON_VERSION = '3.11'\n")
                .is_empty()
        );
        // Version mismatches in commands are NF010's now.
        assert!(notes("[phases.setup]\nnixPkgs = ['python310']\n[phases.install]\ncmds = ['python3.11 -m pip install -r r.txt']\n").is_empty());
    }
}
