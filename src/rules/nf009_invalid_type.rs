//! NF009 invalid-type: values of a type Nixpacks refuses, so the whole file is rejected.

use super::{Context, Finding, Rule};
use crate::document::{Map, Node};
use crate::nixpacks::keys::{KeyTable, Value, keys_of};

super::rule!(InvalidType, warning, "nf009_invalid_type.md");

impl Rule for InvalidType {
    fn check(&self, cx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        let Some(plan) = cx.plan().and_then(Node::as_map) else {
            return out;
        };
        for &(section, ref prefix, map) in cx.plan_sections() {
            check(map, keys_of(section), prefix, &mut out);
        }
        // A phase that is not a table at all.
        if let Some(phases) = plan.get_map("phases") {
            for ph in phases.entries.iter().filter(|p| p.value.as_map().is_none()) {
                out.push(bad(
                    &format!("phases.{}", ph.key),
                    Value::Table,
                    ph.key_span.start,
                ));
            }
        }
        out
    }
}

fn bad(path: &str, want: Value, at: usize) -> Finding {
    Finding::warning(
        at,
        format!(
            "`{path}` must be {}; Nixpacks rejects this file until it is",
            want.name()
        ),
    )
}

fn check(map: &Map, table: KeyTable, prefix: &str, out: &mut Vec<Finding>) {
    for e in &map.entries {
        if let Some(k) = table.iter().find(|k| k.is(&e.key))
            && !k.value.accepts(&e.value)
        {
            out.push(bad(
                &format!("{prefix}{}", e.key),
                k.value,
                e.key_span.start,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::nixpacks::Kind;
    use crate::rules::testing::fix_with;

    fn notes(t: &str) -> Vec<String> {
        fix_with("NF009", Kind::NixpacksToml, t, &Default::default()).1
    }

    #[test]
    fn wrong_types() {
        assert_eq!(notes("[providers]\npython = 1\n").len(), 1);
        assert_eq!(notes("[phases.install]\ncmds = 'pip install x'\n").len(), 1);
        assert_eq!(notes("start = 'python app.py'\n").len(), 1);
        assert_eq!(notes("[start]\ncmd = ['a']\n").len(), 1);
        assert_eq!(notes("phases.install = 'x'\n").len(), 1);
        assert_eq!(notes("[variables]\nPORT = 8000\n").len(), 1);
    }

    #[test]
    fn right_types_are_quiet() {
        assert!(notes("providers = ['python']\n[variables]\nA = 'b'\n[phases.setup]\nnixPkgs = ['...']\n[start]\ncmd = 'x'\n").is_empty());
    }
}
