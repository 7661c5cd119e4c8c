//! NF009 invalid-type: values of a type Nixpacks refuses, so the whole file is rejected.

use super::{Context, Finding, Rule, RuleKind};
use crate::document::{Map, Node};
use crate::nixpacks::keys::{KeyTable, Value, keys_of};

pub struct InvalidType;

impl Rule for InvalidType {
    fn code(&self) -> &'static str {
        "NF009"
    }
    fn name(&self) -> &'static str {
        "invalid-type"
    }
    fn summary(&self) -> &'static str {
        "warn about values Nixpacks refuses (a string where it wants a list, ...), which make it reject the file"
    }
    fn kind(&self) -> RuleKind {
        RuleKind::Warning
    }
    fn explanation(&self) -> &'static str {
        "\
## What it reports
A known key whose value has a type Nixpacks does not accept: `providers` as a
table, `cmds` or `nixPkgs` as a string, `start` or a phase as a string,
`start.cmd` as a list. Nixpacks then refuses the whole file
(`nixpacks plan` fails), so no other fix matters until this one is made.

## Example
```toml
[phases.install]
cmds = 'pip install -r requirements.txt'   # NF009: cmds must be a list of strings
```
"
    }
    fn may_apply(&self, _text: &str) -> bool {
        true
    }
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
        "NF009",
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
