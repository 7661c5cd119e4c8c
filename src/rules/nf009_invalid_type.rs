//! NF009 invalid-type: values of a type Nixpacks refuses, so the whole file is rejected.

use super::{Context, Finding, Rule, RuleKind, Section};
use crate::document::{Map, Node, NodeKind};

pub struct InvalidType;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    Table,
    StringList,
    String,
    StringTable,
}

impl Want {
    fn ok(self, n: &Node) -> bool {
        match (self, &n.kind) {
            (Want::Table, NodeKind::Map(_)) | (Want::String, NodeKind::Str(_)) => true,
            (Want::StringList, NodeKind::Array(a)) => a.items.iter().all(|i| i.as_str().is_some()),
            (Want::StringTable, NodeKind::Map(m)) => {
                m.entries.iter().all(|e| e.value.as_str().is_some())
            }
            _ => false,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Want::Table => "a table",
            Want::StringList => "a list of strings",
            Want::String => "a string",
            Want::StringTable => "a table of strings",
        }
    }
}

const TOP: &[(&str, Want)] = &[
    ("providers", Want::StringList),
    ("buildImage", Want::String),
    ("variables", Want::StringTable),
    ("staticAssets", Want::StringTable),
    ("phases", Want::Table),
    ("start", Want::Table),
];
const PHASE: &[(&str, Want)] = &[
    ("nixPkgs", Want::StringList),
    ("nixPackages", Want::StringList),
    ("nixLibs", Want::StringList),
    ("nixLibraries", Want::StringList),
    ("aptPkgs", Want::StringList),
    ("aptPackages", Want::StringList),
    ("cmds", Want::StringList),
    ("commands", Want::StringList),
    ("paths", Want::StringList),
    ("envPaths", Want::StringList),
    ("dependsOn", Want::StringList),
    ("nixOverlays", Want::StringList),
    ("nixpkgsArchive", Want::String),
    ("onlyIncludeFiles", Want::StringList),
    ("cacheDirectories", Want::StringList),
    ("name", Want::String),
];
const START: &[(&str, Want)] = &[
    ("cmd", Want::String),
    ("runImage", Want::String),
    ("onlyIncludeFiles", Want::StringList),
    ("user", Want::String),
];

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
            let table = match section {
                Section::Top => TOP,
                Section::Phase => PHASE,
                Section::Start => START,
            };
            check(map, table, prefix, &mut out);
        }
        // A phase that is not a table at all.
        if let Some(phases) = plan.get_map("phases") {
            for ph in phases.entries.iter().filter(|p| p.value.as_map().is_none()) {
                out.push(bad(
                    &format!("phases.{}", ph.key),
                    Want::Table,
                    ph.key_span.start,
                ));
            }
        }
        out
    }
}

fn bad(path: &str, want: Want, at: usize) -> Finding {
    Finding::warning(
        "NF009",
        at,
        format!(
            "`{path}` must be {}; Nixpacks rejects this file until it is",
            want.name()
        ),
    )
}

fn check(map: &Map, table: &[(&str, Want)], prefix: &str, out: &mut Vec<Finding>) {
    for e in &map.entries {
        if let Some((_, want)) = table.iter().find(|(k, _)| *k == e.key)
            && !want.ok(&e.value)
        {
            out.push(bad(&format!("{prefix}{}", e.key), *want, e.key_span.start));
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
