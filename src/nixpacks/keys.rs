//! The keys Nixpacks reads in a plan, where, under which other spellings,
//! and with which type of value (nixpacks 1.41's `BuildPlan`, `Phase` and
//! `StartPhase`, read with serde: an unknown key is ignored without a word,
//! a known key with a value of the wrong type makes the whole file fail).

use crate::document::{Map, Node, NodeKind};

/// Which part of a plan a map is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The plan's top level.
    Top,
    /// A phase (`phases.<name>`).
    Phase,
    /// `start`.
    Start,
}

/// The type of value Nixpacks accepts for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    Table,
    StringList,
    String,
    StringTable,
}

impl Value {
    /// Whether Nixpacks accepts `n` as this type.
    pub fn accepts(self, n: &Node) -> bool {
        match (self, &n.kind) {
            (Value::Table, NodeKind::Map(_)) | (Value::String, NodeKind::Str(_)) => true,
            (Value::StringList, NodeKind::Array(a)) => a.items.iter().all(|i| i.as_str().is_some()),
            (Value::StringTable, NodeKind::Map(m)) => {
                m.entries.iter().all(|e| e.value.as_str().is_some())
            }
            _ => false,
        }
    }

    /// `a list of strings`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Value::Table => "a table",
            Value::StringList => "a list of strings",
            Value::String => "a string",
            Value::StringTable => "a table of strings",
        }
    }
}

/// A key Nixpacks reads, the other spellings it accepts for it (serde
/// aliases), and its type.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub value: Value,
}

impl Key {
    /// Whether `k` is this key or one of its aliases.
    pub fn is(&self, k: &str) -> bool {
        self.name == k || self.aliases.contains(&k)
    }
}

/// The keys of one section.
pub type KeyTable = &'static [Key];

const fn key(name: &'static str, aliases: &'static [&'static str], value: Value) -> Key {
    Key {
        name,
        aliases,
        value,
    }
}

/// Keys of a phase.
pub const PHASE_KEYS: KeyTable = &[
    key("nixPkgs", &["nixPackages"], Value::StringList),
    key("nixLibs", &["nixLibraries"], Value::StringList),
    key("aptPkgs", &["aptPackages"], Value::StringList),
    key("cmds", &["commands"], Value::StringList),
    key("paths", &["envPaths"], Value::StringList),
    key("dependsOn", &[], Value::StringList),
    key("nixOverlays", &[], Value::StringList),
    key("nixpkgsArchive", &[], Value::String),
    key("onlyIncludeFiles", &[], Value::StringList),
    key("cacheDirectories", &[], Value::StringList),
    key("name", &[], Value::String),
];

/// Keys of `[start]`.
pub const START_KEYS: KeyTable = &[
    key("cmd", &[], Value::String),
    key("runImage", &[], Value::String),
    key("onlyIncludeFiles", &[], Value::StringList),
    key("user", &[], Value::String),
];

/// Top-level keys of a plan.
pub const TOP_KEYS: KeyTable = &[
    key("providers", &[], Value::StringList),
    key("buildImage", &[], Value::String),
    key("variables", &[], Value::StringTable),
    key("staticAssets", &[], Value::StringTable),
    key("phases", &[], Value::Table),
    key("start", &[], Value::Table),
];

/// The keys read in a section.
pub fn keys_of(section: Section) -> KeyTable {
    match section {
        Section::Top => TOP_KEYS,
        Section::Phase => PHASE_KEYS,
        Section::Start => START_KEYS,
    }
}

/// The spellings of a phase's `nixPkgs`.
pub const NIX_PKGS: &[&str] = &["nixPkgs", "nixPackages"];

/// The maps of a plan whose keys Nixpacks reads: the plan itself, each phase
/// written as a table, and `start`; with the key prefix for messages
/// (`""`, `"phases.install."`, `"start."`).
pub fn plan_sections(plan: &Map) -> Vec<(Section, String, &Map)> {
    let mut out = vec![(Section::Top, String::new(), plan)];
    if let Some(phases) = plan.get_map("phases") {
        for ph in &phases.entries {
            if let Some(m) = ph.value.as_map() {
                out.push((Section::Phase, format!("phases.{}.", ph.key), m));
            }
        }
    }
    if let Some(start) = plan.get_map("start") {
        out.push((Section::Start, "start.".to_string(), start));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_is_read_in_one_place_only() {
        for table in [TOP_KEYS, PHASE_KEYS, START_KEYS] {
            let mut seen = std::collections::HashSet::new();
            for k in table {
                for s in std::iter::once(&k.name).chain(k.aliases) {
                    assert!(seen.insert(*s), "{s} twice");
                }
            }
        }
        let nix_pkgs = PHASE_KEYS.iter().find(|k| k.is(NIX_PKGS[0])).unwrap();
        assert!(NIX_PKGS.iter().all(|s| nix_pkgs.is(s)));
        assert_eq!(NIX_PKGS.len(), 1 + nix_pkgs.aliases.len());
    }
}
