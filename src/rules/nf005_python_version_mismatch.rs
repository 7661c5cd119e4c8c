//! NF005 python-version-mismatch: a variable that looks like it pins the
//! Python but does not.

use super::{Context, Finding, Rule};
use crate::document::Node;

super::rule!(
    PythonVersionMismatch,
    warning,
    "nf005_python_version_mismatch.md"
);

impl Rule for PythonVersionMismatch {
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
