//! NF008 unknown-key: keys Nixpacks does not know at all (not a misspelling NF004 can fix).

use super::nf004_ignored_key::{intended, keys_of};
use super::{Context, Finding, Rule};
use crate::document::Map;
use crate::nixpacks::keys::{KeyTable, Section};

super::rule!(UnknownKey, warning, "nf008_unknown_key.md");

impl Rule for UnknownKey {
    fn check(&self, cx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        for &(section, ref prefix, map) in cx.plan_sections() {
            let also: &[&str] = if section == Section::Top {
                &["$schema"]
            } else {
                &[]
            };
            check(map, keys_of(section), prefix, also, &mut out);
        }
        out
    }
}

/// Known keys, and the misspellings NF004 handles.
type Keys = (KeyTable, &'static [(&'static str, &'static str)]);

fn check(map: &Map, (known, extra): Keys, prefix: &str, also: &[&str], out: &mut Vec<Finding>) {
    for e in &map.entries {
        let k = e.key.as_str();
        let is_known = known.iter().any(|real| real.is(k));
        if is_known || also.contains(&k) || intended(k, known, extra).is_some() {
            continue;
        }
        let names: Vec<&str> = known.iter().map(|real| real.name).collect();
        out.push(Finding::warning(
            e.key_span.start,
            format!(
                "`{prefix}{k}` is not a Nixpacks key and is ignored; the keys read here are: {}",
                names.join(", ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::nixpacks::Kind;
    use crate::rules::testing::fix_with;

    fn notes(kind: Kind, t: &str) -> Vec<String> {
        fix_with("NF008", kind, t, &Default::default()).1
    }

    #[test]
    fn unknown_keys_are_reported() {
        let n = notes(
            Kind::NixpacksToml,
            "[phases.setup]\npackages = ['x']\nnixPkgs = ['y']\n[start]\ncmd = 'a'\nport = 1\n",
        );
        assert_eq!(n.len(), 2, "{n:?}");
        assert!(n[0].contains("phases.setup.packages") && n[0].contains("nixPkgs, nixLibs"));
        assert!(n[1].contains("start.port"));
    }

    #[test]
    fn known_keys_misspellings_and_schema_are_quiet() {
        assert!(notes(Kind::NixpacksToml, "providers = []\n[phases.setup]\nnixpkgs = []\nnixPackages = []\n[phases.build]\ncmd = 'x'\n").is_empty());
        assert!(notes(Kind::NixpacksJson, "{\"$schema\": \"x\", \"phases\": {}}").is_empty());
    }
}
