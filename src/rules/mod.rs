//! The rules. Each lives in its own module with its logic and tests, and a
//! Markdown file beside it with its code, name, summary and explanation;
//! [`REGISTRY`] lists them in the order they run.
//!
//! Adding a rule: write `nfNNN_name.md` (the layout is [`RuleMeta`]'s),
//! `nfNNN_name.rs` declaring it with `rule!` and implementing [`Rule`], and
//! add its line to `registry!` where it should run. `tests/rule_docs.rs`
//! runs the doc's example and wants the rule in the README's table.

pub mod commands;
pub mod python_env;

use crate::document::{Document, Node, Syntax};
use crate::edit::Edit;
use crate::nixpacks::keys::{Section, plan_sections};
use crate::nixpacks::{Environment, Kind};

/// Declares each rule's module and [`REGISTRY`], from one line a rule.
macro_rules! registry {
    ($(#[$doc:meta])* $($module:ident::$rule:ident,)*) => {
        $(mod $module;)*
        $(#[$doc])*
        pub static REGISTRY: &[&dyn Rule] = &[$(&$module::$rule),*];
    };
}

registry! {
    /// Every rule, in the order they run (each sees the text the ones before
    /// it left). Keys are renamed first, so the others see the real keys; the
    /// failing commands (ensurepip, pip's self-upgrade) go next, so a pip
    /// nothing uses any more is not added; the Python is pinned before the pip
    /// matching it is chosen; the Nix pip is added for the installs that ran
    /// outside a virtualenv before those are moved into one; the warnings look
    /// at the result.
    nf004_ignored_key::IgnoredKey,
    nf001_ensurepip::Ensurepip,
    nf002_pip_self_upgrade::PipSelfUpgrade,
    nf010_pin_python::PinPython,
    nf003_missing_nix_pip::MissingNixPip,
    nf006_venv_install::VenvInstall,
    nf005_python_version_mismatch::PythonVersionMismatch,
    nf007_break_system_packages::BreakSystemPackages,
    nf008_unknown_key::UnknownKey,
    nf009_invalid_type::InvalidType,
}

/// Whether a rule rewrites the file or only reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleKind {
    Fix,
    Warning,
}

/// What a rule is, as data: one constant per rule (`META` in its module),
/// made at compile time from the rule's Markdown file, which is what
/// `nixfix rule CODE` prints. The file starts with a title line
/// `# NF001 ensurepip` (code and name), a blank line, the one-line summary
/// and a blank line; the explanation follows. Its `## Example` holds a
/// `Before:` and an `After:` fenced block (see `tests/rule_docs.rs`).
#[derive(Debug)]
pub struct RuleMeta {
    /// Stable code, `NF001`.
    pub code: &'static str,
    /// Short kebab-case name, `ensurepip`.
    pub name: &'static str,
    pub kind: RuleKind,
    /// Whether the rule runs when no `--select` names it.
    pub default: bool,
    /// One line: what it fixes or reports.
    pub summary: &'static str,
    /// The whole Markdown file.
    pub doc: &'static str,
}

impl RuleMeta {
    /// A rule that edits, on by default, described by `doc`.
    pub const fn fix(doc: &'static str) -> RuleMeta {
        RuleMeta::parse(doc, RuleKind::Fix)
    }
    /// A rule that only reports, on by default, described by `doc`.
    pub const fn warning(doc: &'static str) -> RuleMeta {
        RuleMeta::parse(doc, RuleKind::Warning)
    }
    /// The same rule, off unless selected.
    pub const fn off(self) -> RuleMeta {
        RuleMeta {
            default: false,
            ..self
        }
    }
    /// Read the title and summary; a doc laid out otherwise fails the build.
    const fn parse(doc: &'static str, kind: RuleKind) -> RuleMeta {
        let b = doc.as_bytes();
        assert!(
            b.len() > 2 && b[0] == b'#' && b[1] == b' ',
            "a rule doc starts with `# CODE name`"
        );
        let code_end = find(b, 2, b' ');
        let name_end = find(b, code_end + 1, b'\n');
        assert!(
            name_end + 1 < b.len() && b[name_end + 1] == b'\n',
            "a blank line after the title"
        );
        let summary_end = find(b, name_end + 2, b'\n');
        assert!(
            summary_end + 1 < b.len() && b[summary_end + 1] == b'\n',
            "a one-line summary, then a blank line"
        );
        RuleMeta {
            code: slice(doc, 2, code_end),
            name: slice(doc, code_end + 1, name_end),
            kind,
            default: true,
            summary: slice(doc, name_end + 2, summary_end),
            doc,
        }
    }
}

/// The index of the first `byte` at or after `from`.
const fn find(b: &[u8], from: usize, byte: u8) -> usize {
    let mut i = from;
    while i < b.len() && b[i] != byte {
        i += 1;
    }
    assert!(i < b.len(), "a rule doc's title or summary is not ended");
    i
}

/// `s[from..to]`, in a constant.
const fn slice(s: &'static str, from: usize, to: usize) -> &'static str {
    let (_, rest) = s.as_bytes().split_at(from);
    let (part, _) = rest.split_at(to - from);
    match std::str::from_utf8(part) {
        Ok(part) => part,
        Err(_) => panic!("a rule doc's title is split inside a character"),
    }
}

/// Declares a rule's unit struct and its `META`, read from the Markdown
/// file beside it: `rule!(Ensurepip, fix, "nf001_ensurepip.md");` (or
/// `warning`; a trailing `, off` makes it off unless selected). The rule's
/// logic is its `impl Rule`.
macro_rules! rule {
    ($name:ident, $kind:ident, $doc:literal $(, $off:ident)?) => {
        pub struct $name;

        /// The rule's metadata, from its doc (which `nixfix rule` prints).
        pub const META: $crate::rules::RuleMeta =
            $crate::rules::RuleMeta::$kind(include_str!($doc))$(.$off())?;

        impl $crate::rules::Declared for $name {
            fn declared(&self) -> &'static $crate::rules::RuleMeta {
                &META
            }
        }
    };
}
use rule;

/// What `rule!` implements: the metadata of a rule.
pub trait Declared {
    fn declared(&self) -> &'static RuleMeta;
}

pub trait Rule: Sync + Declared {
    /// Code, name, kind, default, summary and doc.
    fn meta(&self) -> &'static RuleMeta {
        self.declared()
    }
    /// The rule's code, `NF001` (short for `meta().code`).
    fn code(&self) -> &'static str {
        self.meta().code
    }
    /// A cheap test on the raw text: `false` when the rule cannot apply, so
    /// files no rule can touch are never parsed. Must never miss a case.
    fn may_apply(&self, _text: &str) -> bool {
        true
    }
    /// Look at the document and return what to fix or report. The engine
    /// stamps the findings with the rule's code.
    fn check(&self, cx: &Context) -> Vec<Finding>;
}

/// One thing a rule found.
#[derive(Debug, Clone)]
pub struct Finding {
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
    pub fn warning(offset: usize, message: impl Into<String>) -> Finding {
        Finding {
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
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The code of the rule looking (for its suppression comments).
    pub code: &'static str,
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
    /// Whether a suppression comment turns this rule off at `offset`.
    pub fn suppressed(&self, offset: usize) -> bool {
        self.suppressions.covers(self.text, self.code, offset)
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
        let m = r.meta();
        m.code.eq_ignore_ascii_case(code_or_name) || m.name.eq_ignore_ascii_case(code_or_name)
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
    fn metadata_is_read_from_the_doc() {
        let doc = "# NF123 some-name\n\nwhat it does, in `one` line\n\n## What it does\nx\n";
        let m = RuleMeta::warning(doc);
        assert_eq!(
            (m.code, m.name, m.summary, m.kind, m.default, m.doc),
            (
                "NF123",
                "some-name",
                "what it does, in `one` line",
                RuleKind::Warning,
                true,
                doc
            )
        );
        assert!(!RuleMeta::fix(doc).off().default);
        assert_eq!(RuleMeta::fix(doc).kind, RuleKind::Fix);
    }

    #[test]
    fn a_doc_without_a_title_summary_and_blank_lines_is_refused() {
        for doc in [
            "NF123 x\n\nsummary\n\nbody",
            "# NF123 x\nsummary\n\nbody",
            "# NF123 x\n\nsummary\nbody",
            "# NF123 x\n\nsummary",
            "# NF123",
        ] {
            let parsed = std::panic::catch_unwind(|| RuleMeta::fix(doc));
            assert!(parsed.is_err(), "{doc:?} was accepted");
        }
    }

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for r in REGISTRY {
            let m = r.meta();
            assert!(seen.insert(m.code), "duplicate code {}", m.code);
            assert!(seen.insert(m.name), "duplicate name {}", m.name);
            assert!(m.code.starts_with("NF") && m.code.len() == 5);
            assert!(
                m.doc.contains("\n## Example\n"),
                "{} has no example",
                m.code
            );
            assert!(lookup(m.name).is_some() && lookup(&m.code.to_lowercase()).is_some());
        }
    }
}
