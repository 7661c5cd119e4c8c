//! The rules. Each lives in its own module with its code, name, explanation
//! and tests; [`REGISTRY`] lists them in the order they run.
//!
//! Adding a rule: write `nfNNN_name.rs` with a unit struct implementing
//! [`Rule`], and add one line to [`REGISTRY`].

pub mod commands;
mod nf001_ensurepip;
mod nf002_pip_self_upgrade;
mod nf003_missing_nix_pip;
mod nf004_ignored_key;
mod nf005_python_version_mismatch;
mod nf006_venv_install;
mod nf007_break_system_packages;
mod nf008_unknown_key;
mod nf009_invalid_type;
mod nf010_pin_python;
pub mod python_env;

use crate::document::{Document, Node, Syntax};
use crate::edit::Edit;
use crate::nixpacks::keys::{Section, plan_sections};
use crate::nixpacks::{Environment, Kind};

/// Every rule, in the order they run (each sees the text the ones before it
/// left). Keys are renamed first, so the others see the real keys; the
/// failing commands (ensurepip, pip's self-upgrade) go next, so a pip
/// nothing uses any more is not added; the Python is pinned before the pip
/// matching it is chosen; the Nix pip is added for the installs that ran
/// outside a virtualenv before those are moved into one; the warnings look
/// at the result.
pub static REGISTRY: &[&dyn Rule] = &[
    &nf004_ignored_key::IgnoredKey,
    &nf001_ensurepip::Ensurepip,
    &nf002_pip_self_upgrade::PipSelfUpgrade,
    &nf010_pin_python::PinPython,
    &nf003_missing_nix_pip::MissingNixPip,
    &nf006_venv_install::VenvInstall,
    &nf005_python_version_mismatch::PythonVersionMismatch,
    &nf007_break_system_packages::BreakSystemPackages,
    &nf008_unknown_key::UnknownKey,
    &nf009_invalid_type::InvalidType,
];

/// Whether a rule rewrites the file or only reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Fix,
    Warning,
}

pub trait Rule: Sync {
    /// Stable code, `NF001`.
    fn code(&self) -> &'static str;
    /// Short kebab-case name, `ensurepip`.
    fn name(&self) -> &'static str;
    /// One line: what it fixes or reports.
    fn summary(&self) -> &'static str;
    /// The full explanation shown by `nixfix rule CODE`: why, what the fix
    /// does, an example before and after.
    fn explanation(&self) -> &'static str;
    fn kind(&self) -> RuleKind {
        RuleKind::Fix
    }
    fn default_enabled(&self) -> bool {
        true
    }
    /// A cheap test on the raw text: `false` when the rule cannot apply, so
    /// files no rule can touch are never parsed. Must never miss a case.
    fn may_apply(&self, text: &str) -> bool;
    /// Look at the document and return what to fix or report.
    fn check(&self, cx: &Context) -> Vec<Finding>;
}

/// One thing a rule found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub code: &'static str,
    pub message: String,
    /// Byte offset the finding is about (for its line number).
    pub offset: usize,
    /// Whether the edits carry out a fix (a finding may be fixed by edits
    /// attached to another finding of the same rule, e.g. one array rewrite).
    pub fixed: bool,
    pub edits: Vec<Edit>,
    /// The text before and after the fix, for reports.
    pub before: Option<String>,
    pub after: Option<String>,
}

impl Finding {
    pub fn warning(code: &'static str, offset: usize, message: impl Into<String>) -> Finding {
        Finding {
            code,
            message: message.into(),
            offset,
            fixed: false,
            edits: Vec::new(),
            before: None,
            after: None,
        }
    }
}

/// What a rule sees.
pub struct Context<'a> {
    pub text: &'a str,
    pub doc: &'a Document,
    pub kind: Kind,
    pub env: &'a Environment,
    pub suppressions: &'a crate::suppress::Suppressions,
    /// Command strings already split by the shell layer (shared by the rules
    /// and the steps of one file: most strings are parsed once).
    pub scripts: &'a ScriptCache,
    /// What the rules derive from this version of the text, worked out once.
    pub derived: &'a Derived<'a>,
}

/// What several rules derive from one version of a document, computed the
/// first time one asks.
#[derive(Default)]
pub struct Derived<'a> {
    sites: std::cell::OnceCell<Vec<crate::nixpacks::CommandSite<'a>>>,
    venv_dirs: std::cell::OnceCell<Vec<String>>,
    sections: std::cell::OnceCell<Vec<(Section, String, &'a crate::document::Map)>>,
    python: std::cell::OnceCell<crate::nixpacks::Pin>,
}

/// Parsed command strings, by their text. Looked up by every rule that
/// reads commands, so hashed with FxHash rather than SipHash (the keys come
/// from the file being fixed; nothing here is exposed to hash flooding
/// beyond one file's own strings).
///
/// Each step of the engine starts with [`ScriptCache::next_step`], which
/// drops what the step before did not look up: the versions of a string
/// that fixes replaced are not kept for the rest of the file (a big
/// command string would otherwise stay in memory once per fix made to it).
#[derive(Default)]
pub struct ScriptCache {
    entries: std::cell::RefCell<rustc_hash::FxHashMap<String, (u32, Rc<ParsedScript>)>>,
    step: std::cell::Cell<u32>,
}

/// A command string split by the shell layer, or why it could not be.
pub type ParsedScript = Result<crate::shell::Script, crate::shell::Unsupported>;

use std::rc::Rc;

impl ScriptCache {
    /// Start a step: forget the strings the last step did not ask for.
    pub fn next_step(&self) {
        let last = self.step.get();
        self.entries
            .borrow_mut()
            .retain(|_, (seen, _)| *seen == last);
        self.step.set(last.wrapping_add(1));
    }

    fn get(&self, value: &str) -> Rc<ParsedScript> {
        let step = self.step.get();
        if let Some((seen, s)) = self.entries.borrow_mut().get_mut(value) {
            *seen = step;
            return s.clone();
        }
        let parsed = Rc::new(crate::shell::parse(value));
        self.entries
            .borrow_mut()
            .insert(value.to_string(), (step, parsed.clone()));
        parsed
    }
}

impl<'a> Context<'a> {
    pub fn syntax(&self) -> &'static dyn Syntax {
        crate::document::syntax(self.doc.format)
    }
    pub fn root(&self) -> &Node {
        &self.doc.root
    }
    /// The shell structure of a command string.
    pub fn shell(&self, value: &str) -> Rc<ParsedScript> {
        self.scripts.get(value)
    }
    /// Whether a suppression comment turns `code` off at `offset`.
    pub fn suppressed(&self, code: &str, offset: usize) -> bool {
        self.suppressions.covers(self.text, code, offset)
    }
    /// Every command string, knowing whether the Python provider's
    /// virtualenv surrounds it.
    pub fn command_sites(&self) -> &'a [crate::nixpacks::CommandSite<'a>] {
        self.derived.sites.get_or_init(|| {
            let plan = crate::nixpacks::plan(self.kind, &self.doc.root).and_then(Node::as_map);
            crate::nixpacks::command_sites(self.kind, &self.doc.root, &|| {
                self.env.python_provider(plan)
            })
        })
    }
    /// Directories the config's commands create virtualenvs in.
    pub fn venv_dirs(&self) -> &'a [String] {
        self.derived
            .venv_dirs
            .get_or_init(|| commands::venv_dirs(self))
    }
    /// The plan's sections whose keys Nixpacks reads (see [`crate::nixpacks::keys::plan_sections`]);
    /// none without a plan.
    pub fn plan_sections(&self) -> &'a [(Section, String, &'a crate::document::Map)] {
        self.derived.sections.get_or_init(|| {
            crate::nixpacks::plan(self.kind, &self.doc.root)
                .and_then(Node::as_map)
                .map(plan_sections)
                .unwrap_or_default()
        })
    }
    /// The Python the provider installs when `nixPkgs` names none.
    pub fn provider_python(&self) -> crate::nixpacks::Pin {
        self.derived
            .python
            .get_or_init(|| self.env.python(self.plan().and_then(Node::as_map)))
            .clone()
    }
    pub fn plan(&self) -> Option<&Node> {
        crate::nixpacks::plan(self.kind, &self.doc.root)
    }
}

/// Whether the file `text` may hold `word` in a command string: the cheap
/// pre-filter of a rule, which must never miss a case. Besides `word`
/// itself, a maybe is any escape that could spell a letter of it (`\u0070`
/// in TOML or JSON) and any line continuation, and `word` spelled with
/// quotes or backslashes in it (`"ensure"pip`, `ensure\<newline>pip`).
pub fn may_contain(text: &str, word: &str) -> bool {
    text.contains(word)
        || text.contains("\\u")
        || text.contains("\\U")
        // An escaped backslash before an escaped newline (`\\\n` in a basic
        // string) is a continuation once decoded.
        || text.contains("\\\\")
        || contains_unquoted(text, word)
}

/// Whether the command string `value` may hold `word` as (part of) a
/// shell word: with quotes and backslashes taken out.
pub fn may_contain_word(value: &str, word: &str) -> bool {
    value.contains(word) || contains_unquoted(value, word)
}

/// Whether `text` holds `word` once every quote, backslash and line break
/// is taken out (a linear scan; `word` is a short ASCII word).
fn contains_unquoted(text: &str, word: &str) -> bool {
    let w = word.as_bytes();
    if w.is_empty() || !text.bytes().any(|b| matches!(b, b'"' | b'\'' | b'\\')) {
        return false;
    }
    // The last `w.len()` kept bytes, compared at every kept byte.
    let mut window = std::collections::VecDeque::with_capacity(w.len());
    for b in text.bytes() {
        if matches!(b, b'"' | b'\'' | b'\\' | b'\n' | b'\r') {
            continue;
        }
        if window.len() == w.len() {
            window.pop_front();
        }
        window.push_back(b);
        if window.len() == w.len() && window.iter().eq(w.iter()) {
            return true;
        }
    }
    false
}

/// Edits that add `rel = value` (value already rendered) under the plan,
/// creating the maps missing along the way (`["variables",
/// "NIXPACKS_PYTHON_VERSION"]`, `["phases", "setup", "nixPkgs"]`), and the
/// offset of the deepest map that exists; or why it cannot be done.
pub fn insert_in_plan(
    cx: &Context,
    rel: &[&str],
    value: &str,
) -> Result<(Vec<Edit>, usize), String> {
    let mut path: Vec<&str> = crate::nixpacks::plan_path(cx.kind).to_vec();
    path.extend_from_slice(rel);
    let root = cx.root();
    let mut node = root;
    let mut depth = 0;
    while depth + 1 < path.len() {
        match node.as_map().and_then(|m| m.get(path[depth])) {
            Some(child) if child.as_map().is_some() => {
                node = child;
                depth += 1;
            }
            Some(_) => return Err(format!("`{}` is not a table", path[..=depth].join("."))),
            None => break,
        }
    }
    let edits = cx
        .syntax()
        .insert_path(cx.text, root, node, &path[depth..], value);
    Ok((edits, node.span.start))
}

/// Find a rule by code (`NF002`, any case) or name (`pip-self-upgrade`).
pub fn lookup(code_or_name: &str) -> Option<&'static dyn Rule> {
    REGISTRY.iter().copied().find(|r| {
        r.code().eq_ignore_ascii_case(code_or_name) || r.name().eq_ignore_ascii_case(code_or_name)
    })
}

#[cfg(test)]
pub(crate) mod testing {
    //! Run one rule to a fixed point on a text, for the rules' own tests.
    use crate::engine::{Options, fix_text};
    use crate::nixpacks::{Environment, Kind};

    pub fn fix_with(
        code: &str,
        kind: Kind,
        text: &str,
        env: &Environment,
    ) -> (String, Vec<String>) {
        let rules = vec![super::lookup(code).expect("rule exists")];
        let out = fix_text(text, kind, env, &Options { rules }).expect("fixes");
        let notes = out.findings.iter().map(ToString::to_string).collect();
        (out.output, notes)
    }

    pub fn fix(code: &str, text: &str) -> String {
        fix_with(code, Kind::NixpacksToml, text, &Environment::default()).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pre_filter_never_misses_a_spelling() {
        for text in [
            "cmds = ['python -m ensurepip']",
            "cmds = ['python -m \"ensure\"pip']",
            "cmds = [\"python -m 'ensure'pip\"]",
            "cmds = [\"python -m ensure\\\\pip\"]",
            "cmds = [\"python -m ensure\\u0070ip\"]",
            "cmds = [\"python -m ensure\\U00000070ip\"]",
            "cmds = ['''python -m ensure\\\npip''']",
            "cmds = [\"python -m ensure\\\\\\npip\"]",
        ] {
            assert!(may_contain(text, "ensurepip"), "{text}");
        }
        assert!(!may_contain(
            "cmds = ['python -m pip install x']",
            "ensurepip"
        ));
        assert!(may_contain_word("python -m \"ensure\"pip", "ensurepip"));
        assert!(!may_contain_word("echo 'ensure' pip", "ensurepip"));
    }

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for r in REGISTRY {
            assert!(seen.insert(r.code()), "duplicate code {}", r.code());
            assert!(seen.insert(r.name()), "duplicate name {}", r.name());
            assert!(r.code().starts_with("NF") && r.code().len() == 5);
            assert!(
                r.explanation().contains("Example"),
                "{} has no example",
                r.code()
            );
            assert!(lookup(r.name()).is_some() && lookup(&r.code().to_lowercase()).is_some());
        }
    }
}
