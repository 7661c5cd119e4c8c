//! NF004 ignored-key: keys Nixpacks silently ignores because of their spelling.

use super::{Context, Finding, Rule};
use crate::document::{Entry, MapStyle, NodeKind};
use crate::edit::Edit;
use crate::nixpacks::keys::{self, KeyTable, Section};

/// Misspellings that are not just case or separators.
pub const PHASE_EXTRA: &[(&str, &str)] =
    &[("cmd", "cmds"), ("command", "cmds"), ("script", "cmds")];
pub const START_EXTRA: &[(&str, &str)] =
    &[("cmds", "cmd"), ("command", "cmd"), ("commands", "cmd")];

/// A key without `_` and `-`, in lower case (compared without allocating:
/// this runs for every key of every table).
fn normalized(k: &str) -> impl Iterator<Item = char> + '_ {
    k.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
}

fn same_key(a: &str, b: &str) -> bool {
    normalized(a).eq(normalized(b))
}

/// The real key `key` stands for, when it is not itself a real key or alias.
pub fn intended(
    key: &str,
    known: KeyTable,
    extra: &'static [(&'static str, &'static str)],
) -> Option<&'static str> {
    if known.iter().any(|k| k.is(key)) {
        return None;
    }
    for k in known {
        if same_key(k.name, key) || k.aliases.iter().any(|a| same_key(a, key)) {
            return Some(k.name);
        }
    }
    extra
        .iter()
        .find(|(alias, _)| same_key(alias, key))
        .map(|(_, real)| *real)
}

super::rule!(IgnoredKey, fix, "nf004_ignored_key.md");

impl Rule for IgnoredKey {
    fn may_apply(&self, text: &str) -> bool {
        // Any key at all could be misspelled; the check is cheap once parsed,
        // but unparsed files can be skipped when no candidate word appears.
        let lower = text.to_ascii_lowercase();
        [
            "nix", "apt", "cmd", "command", "depends", "paths", "cache", "only", "provider",
            "build", "variable", "static", "phase", "start", "run", "user", "script",
        ]
        .iter()
        .any(|w| lower.contains(w))
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        let mut out = Vec::new();
        for &(section, ref prefix, map) in cx.plan_sections() {
            let (known, extra) = keys_of(section);
            check_map(cx, map, known, extra, prefix, &mut out);
        }
        out
    }
}

/// The keys read in a section, and the misspellings handled beyond case
/// and separators.
pub fn keys_of(section: Section) -> (KeyTable, &'static [(&'static str, &'static str)]) {
    let extra: &[(&str, &str)] = match section {
        Section::Top => &[],
        Section::Phase => PHASE_EXTRA,
        Section::Start => START_EXTRA,
    };
    (keys::keys_of(section), extra)
}

fn check_map(
    cx: &Context,
    map: &crate::document::Map,
    known: KeyTable,
    extra: &'static [(&'static str, &'static str)],
    prefix: &str,
    out: &mut Vec<Finding>,
) {
    let mut claimed: Vec<&str> = Vec::new();
    for e in &map.entries {
        let Some(real) = intended(&e.key, known, extra) else {
            continue;
        };
        let present = map
            .entries
            .iter()
            .any(|o| o.key == real || known.iter().any(|k| k.name == real && k.is(&o.key)));
        if present || claimed.contains(&real) {
            out.push(Finding::warning(e.key_span.start,
                format!(
                    "`{prefix}{}` is ignored by Nixpacks, and `{prefix}{real}` is also set; merge them by hand",
                    e.key
                ),
            ));
            continue;
        }
        if let Some(reason) = not_renamable(e) {
            out.push(Finding::warning(
                e.key_span.start,
                format!(
                    "`{prefix}{}` is ignored by Nixpacks (it reads `{real}`); {reason}",
                    e.key
                ),
            ));
            continue;
        }
        if prefix == "phases.start." && real == "cmds" {
            out.push(Finding::warning(e.key_span.start,
                format!(
                    "`{prefix}{}` is ignored by Nixpacks; `[phases.start]` is a build phase named start, not the start command: move it to `[start] cmd` by hand",
                    e.key
                ),
            ));
            continue;
        }
        claimed.push(real);
        let mut edits = vec![cx.syntax().rename_key(cx.text, e, real)];
        let mut note = String::new();
        // `cmd = "x"` in a phase: `cmds` is a list.
        if real == "cmds" {
            match &e.value.kind {
                NodeKind::Str(_) => {
                    edits.push(Edit::insert(e.value.span.start, "["));
                    edits.push(Edit::insert(e.value.span.end, "]"));
                    note = " (as a list)".into();
                }
                NodeKind::Array(_) => {}
                _ => {
                    out.push(Finding::warning(e.key_span.start,
                        format!("`{prefix}{}` is ignored by Nixpacks and is not a list of commands; fix it by hand", e.key),
                    ));
                    continue;
                }
            }
        }
        if real == "cmd" && e.value.as_str().is_none() {
            out.push(Finding::warning(e.key_span.start,
                format!("`{prefix}{}` is ignored by Nixpacks (it reads `cmd`, a single string); fix it by hand", e.key),
            ));
            continue;
        }
        out.push(Finding {
            message: format!(
                "renamed `{prefix}{}` to `{prefix}{real}`{note}: Nixpacks ignores `{}`",
                e.key, e.key
            ),
            offset: e.key_span.start,
            fixed: true,
            edits,
            before: Some(e.key.clone()),
            after: Some(real.to_string()),
        });
    }
}

/// Keys that cannot be renamed by editing one span: a table named in headers.
fn not_renamable(e: &Entry) -> Option<&'static str> {
    match e.value.as_map().map(|m| &m.style) {
        Some(MapStyle::TomlHeader { .. } | MapStyle::TomlImplicit | MapStyle::TomlDotted) => {
            Some("it names a table, so rename it by hand")
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nixpacks::keys::{PHASE_KEYS, START_KEYS};
    use crate::rules::testing::{fix, fix_with};

    #[test]
    fn intended_keys() {
        assert_eq!(
            intended("nixpkgs", PHASE_KEYS, PHASE_EXTRA),
            Some("nixPkgs")
        );
        assert_eq!(
            intended("nix_pkgs", PHASE_KEYS, PHASE_EXTRA),
            Some("nixPkgs")
        );
        assert_eq!(
            intended("nix-packages", PHASE_KEYS, PHASE_EXTRA),
            Some("nixPkgs")
        );
        assert_eq!(
            intended("NIXPKGS", PHASE_KEYS, PHASE_EXTRA),
            Some("nixPkgs")
        );
        assert_eq!(
            intended("apt_pkgs", PHASE_KEYS, PHASE_EXTRA),
            Some("aptPkgs")
        );
        assert_eq!(intended("cmd", PHASE_KEYS, PHASE_EXTRA), Some("cmds"));
        assert_eq!(intended("nixPkgs", PHASE_KEYS, PHASE_EXTRA), None);
        assert_eq!(intended("nixPackages", PHASE_KEYS, PHASE_EXTRA), None);
        assert_eq!(intended("nixpkgsArchive", PHASE_KEYS, PHASE_EXTRA), None);
        assert_eq!(intended("frobnicate", PHASE_KEYS, PHASE_EXTRA), None);
        assert_eq!(intended("cmds", START_KEYS, START_EXTRA), Some("cmd"));
    }

    #[test]
    fn renames() {
        assert_eq!(
            fix("NF004", "[phases.setup]\nnixpkgs = ['python311'] # pkgs\n"),
            "[phases.setup]\nnixPkgs = ['python311'] # pkgs\n"
        );
        assert_eq!(
            fix("NF004", "[phases.build]\ncmd = \"make\"\n"),
            "[phases.build]\ncmds = [\"make\"]\n"
        );
        assert_eq!(
            fix("NF004", "phases.setup.nix_pkgs = [\"a\"]\n"),
            "phases.setup.nixPkgs = [\"a\"]\n"
        );
    }

    #[test]
    fn conflicts_are_reported() {
        let t = "[phases.setup]\nnixPkgs = ['a']\nnixpkgs = ['b']\n";
        let (out, notes) = fix_with(
            "NF004",
            crate::nixpacks::Kind::NixpacksToml,
            t,
            &Default::default(),
        );
        assert_eq!(out, t);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].contains("merge them by hand"));
        let t = "[phases.setup]\nnix_pkgs = ['a']\nnixpkgs = ['b']\n";
        let (out, notes) = fix_with(
            "NF004",
            crate::nixpacks::Kind::NixpacksToml,
            t,
            &Default::default(),
        );
        assert_eq!(out, "[phases.setup]\nnixPkgs = ['a']\nnixpkgs = ['b']\n");
        assert!(
            notes.iter().any(|n| n.contains("merge them by hand")),
            "{notes:?}"
        );
    }

    #[test]
    fn railway_plan() {
        let t = "[build]\nbuilder = \"nixpacks\"\n[build.nixpacksPlan.phases.setup]\nnixpkgs = [\"python311\"]\n";
        let (out, _) = fix_with(
            "NF004",
            crate::nixpacks::Kind::RailwayToml,
            t,
            &Default::default(),
        );
        assert!(out.contains("\nnixPkgs = [\"python311\"]"), "{out}");
    }
}
