//! Fixing one text: run the rules in order; when one has edits, apply them,
//! re-parse, and start again from the first rule, until a whole pass
//! changes nothing. So each rule sees the text every rule before it has
//! settled (NF003 adds pip only for what NF001/NF002 leave in place).
//!
//! Every intermediate text is re-parsed (patching the tree in place for
//! deletions inside strings was tried and measured: it saved nothing on the
//! reference workload, so it went); a rule whose edits do not parse is a
//! bug, and the whole file is left as it was (the ruff rule: never write a fix that
//! breaks the file). Rules see each other's results, so the order in
//! the registry matters only for what each one reads, and a second run over
//! the output changes nothing.

use crate::document::{self, Document, Format, ParseError};
use crate::edit::{self, Edit};
use crate::nixpacks::{Environment, Kind};
use crate::rules::{Context, Derived, Finding, Rule};

/// At most this many fixing steps (a rule's edits, then a fresh pass from the
/// first rule); real files settle in two to four.
const MAX_STEPS: usize = 32;

pub struct Options {
    /// The rules to run, in registry order.
    pub rules: Vec<&'static dyn Rule>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            rules: crate::rules::REGISTRY
                .iter()
                .copied()
                .filter(|r| r.meta().default)
                .collect(),
        }
    }
}

/// A finding, placed in the original text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reported {
    pub code: &'static str,
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub fixed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
}

/// `NF001 message`, or `NF005 (warning) message`: the finding without its
/// place, as the tests list them.
impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tag = if self.fixed { "" } else { " (warning)" };
        write!(f, "{}{tag} {}", self.code, self.message)
    }
}

impl Reported {
    /// A warning from nixfix itself about the file as a whole (code `nixfix`).
    pub fn note(message: &str) -> Reported {
        Reported {
            code: "nixfix",
            message: message.to_string(),
            line: 1,
            column: 1,
            fixed: false,
            before: None,
            after: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub output: String,
    pub findings: Vec<Reported>,
    /// Why the file was left alone without running the rules
    /// (`builder is DOCKERFILE`: Nixpacks does not build it).
    pub skipped: Option<String>,
}

impl Outcome {
    pub fn changed(&self, input: &str) -> bool {
        self.output != input
    }
}

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FixError {
    #[error("{0}")]
    Parse(#[from] ParseError),
    /// A rule misbehaved; the file is left untouched.
    #[error("internal error, the file was left unchanged (please report this): {0}")]
    Bug(String),
}

/// Fix `text`, a config of `kind`.
pub fn fix_text(
    text: &str,
    kind: Kind,
    env: &Environment,
    opts: &Options,
) -> Result<Outcome, FixError> {
    let format = kind.format();
    let mut doc = document::parse(format, text)?;
    if let Some(b) = crate::nixpacks::other_builder(kind, &doc.root) {
        return Ok(Outcome {
            output: text.to_string(),
            findings: Vec::new(),
            skipped: Some(format!("builder is {b}")),
        });
    }
    let active: Vec<&dyn Rule> = opts
        .rules
        .iter()
        .copied()
        .filter(|r| r.may_apply(text))
        .collect();
    let mut cur = text.to_string();
    // Each step's edits, to place findings made on later texts in the original.
    let mut history: Vec<edit::MapBack> = Vec::new();
    let crlf = document::eol(text) == "\r\n";
    let scripts = crate::rules::ScriptCache::default();
    // Findings with their rule's code and the number of steps applied
    // before the text they were made on; placed in the original text all at
    // once at the end.
    let mut findings: Vec<(&'static str, Finding, usize)> = Vec::new();
    for _step in 0..MAX_STEPS {
        match step(&cur, &doc, kind, env, &active, &scripts, crlf)? {
            Step::Settled(warnings) => {
                let steps = history.len();
                findings.extend(warnings.into_iter().map(|(code, w)| (code, w, steps)));
                let mut findings = place(findings, text, &history);
                findings.sort_by_key(|f| (f.line, f.column, !f.fixed));
                return Ok(Outcome {
                    output: cur,
                    findings,
                    skipped: None,
                });
            }
            Step::Fixed {
                rule,
                fixes,
                edits,
                next,
            } => {
                doc = document::parse(format, &next).map_err(|e| {
                    FixError::Bug(format!(
                        "the {rule} fix would make the file invalid {}: {e}",
                        format_name(format)
                    ))
                })?;
                let steps = history.len();
                findings.extend(fixes.into_iter().map(|f| (rule, f, steps)));
                history.push(edit::MapBack::new(edits));
                cur = next;
            }
        }
    }
    Err(FixError::Bug(format!(
        "the fixes did not settle after {MAX_STEPS} steps"
    )))
}

/// What one pass over a text version did.
enum Step {
    /// No rule changed anything: these are the warnings, with their rule's
    /// code.
    Settled(Vec<(&'static str, Finding)>),
    /// A rule's fixes, applied (not yet parsed). Start over on `next`.
    Fixed {
        rule: &'static str,
        fixes: Vec<Finding>,
        edits: Vec<Edit>,
        next: String,
    },
}

/// Run the rules over one version of the text until one of them changes
/// it. What the rules derive from the version (command sites, virtualenv
/// directories, suppressions) is worked out once and shared.
fn step(
    cur: &str,
    doc: &Document,
    kind: Kind,
    env: &Environment,
    active: &[&dyn Rule],
    scripts: &crate::rules::ScriptCache,
    crlf: bool,
) -> Result<Step, FixError> {
    scripts.next_step();
    let suppressions = crate::suppress::Suppressions::scan(cur, doc.format);
    let derived = Derived::default();
    let base = Context {
        code: "",
        text: cur,
        doc,
        kind,
        env,
        suppressions: &suppressions,
        scripts,
        derived: &derived,
    };
    let mut warnings = Vec::new();
    for rule in active {
        // The engine, not the rule, says whose findings these are.
        let cx = Context {
            code: rule.code(),
            ..base
        };
        let mut found = rule.check(&cx);
        found.retain(|f| !cx.suppressed(f.offset));
        let (fixes, warns): (Vec<Finding>, Vec<Finding>) = found.into_iter().partition(|f| f.fixed);
        warnings.extend(warns.into_iter().map(|w| (cx.code, w)));
        if fixes.is_empty() {
            continue;
        }
        let mut edits: Vec<Edit> = fixes.iter().flat_map(|f| f.edits.iter().cloned()).collect();
        if crlf {
            // New lines follow the original file's line endings, even when
            // earlier fixes removed every CRLF the current text had.
            for e in &mut edits {
                if e.replacement.contains('\n') {
                    e.replacement = e.replacement.replace("\r\n", "\n").replace('\n', "\r\n");
                }
            }
        }
        let edits = edit::normalize(edits)
            .map_err(|e| FixError::Bug(format!("{} made conflicting edits: {e}", rule.code())))?;
        let next = edit::apply(cur, edits.clone())
            .map_err(|e| FixError::Bug(format!("{}: {e}", rule.code())))?;
        if next == cur {
            continue;
        }
        // Start over: every rule sees the text settled by those before it.
        return Ok(Step::Fixed {
            rule: rule.code(),
            fixes,
            edits,
            next,
        });
    }
    Ok(Step::Settled(warnings))
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Toml => "TOML",
        Format::Json => "JSON",
    }
}

/// Place findings in the original text: each was made on the text after
/// the first `n` steps of `history`, and is mapped back through them.
fn place(
    findings: Vec<(&'static str, Finding, usize)>,
    original: &str,
    history: &[edit::MapBack],
) -> Vec<Reported> {
    let offsets: Vec<usize> = findings
        .iter()
        .map(|(_, f, n)| {
            history[..*n]
                .iter()
                .rev()
                .fold(f.offset, |pos, step| step.map(pos))
        })
        .collect();
    let places = document::line_cols(original, &offsets);
    findings
        .into_iter()
        .zip(places)
        .map(|((code, f, _), (line, column))| Reported {
            code,
            message: f.message,
            line,
            column,
            fixed: f.fixed,
            before: f.before,
            after: f.after,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = [\n  'python3.11 -m ensurepip --upgrade',\n  'python3.11 -m pip install --upgrade pip',\n  'python3.11 -m pip install -r requirements.txt',\n]\n";

    #[test]
    fn seed_case_is_exact() {
        let out = fix_text(
            SEED,
            Kind::NixpacksToml,
            &Environment::default(),
            &Options::default(),
        )
        .unwrap();
        let want = "[phases.setup]\nnixPkgs = ['python311', 'python311Packages.pip']\n\n[phases.install]\ncmds = [\n  'python3.11 -m venv --copies /opt/venv',\n  '. /opt/venv/bin/activate && python3.11 -m pip install -r requirements.txt',\n]\n";
        assert_eq!(out.output, want);
        let lines: Vec<(usize, &str)> = out.findings.iter().map(|f| (f.line, f.code)).collect();
        assert_eq!(
            lines,
            vec![(2, "NF003"), (6, "NF001"), (7, "NF002"), (8, "NF006")]
        );
        // A second run changes nothing.
        let again = fix_text(
            &out.output,
            Kind::NixpacksToml,
            &Environment::default(),
            &Options::default(),
        )
        .unwrap();
        assert_eq!(again.output, out.output);
        assert!(again.findings.is_empty());
    }

    #[test]
    fn suppression_comments_hold_back_a_fix() {
        let t = "[phases.setup]\nnixPkgs = ['python311'] # nixfix: ignore[NF003]\n[phases.install]\ncmds = [\n  'python3.11 -m pip install -U pip', # nixfix: ignore[NF002]\n  'python3.11 -m ensurepip',\n]\n";
        let out = fix_text(
            t,
            Kind::NixpacksToml,
            &Environment::default(),
            &Options::default(),
        )
        .unwrap();
        // NF002 is held back: the upgrade stays, and runs in the virtualenv
        // NF006 makes (where it works).
        assert_eq!(
            out.output,
            t.replace("  'python3.11 -m ensurepip',\n", "")
                .replace(
                    "  'python3.11 -m pip install -U pip',",
                    "  'python3.11 -m venv --copies /opt/venv',\n  '. /opt/venv/bin/activate && python3.11 -m pip install -U pip',"
                )
        );
        let whole = format!("# nixfix: ignore\n{t}");
        let out = fix_text(
            &whole,
            Kind::NixpacksToml,
            &Environment::default(),
            &Options::default(),
        )
        .unwrap();
        assert_eq!(out.output, whole);
    }

    fn fixed(t: &str, kind: Kind) -> String {
        fix_text(t, kind, &Environment::default(), &Options::default())
            .unwrap()
            .output
    }

    /// Issue 11: removing the next item kept the suppression comment of the
    /// one before only until the next pass, which then removed it too.
    #[test]
    fn suppression_holds_across_passes_and_comments_of_kept_items_stay() {
        for (t, want) in [
            (
                "[phases.install]\ncmds = [\n  \"python -m ensurepip\", # nixfix: ignore\n  \"pip install -U pip\"]\n",
                "[phases.install]\ncmds = [\n  \"python -m ensurepip\" # nixfix: ignore\n]\n",
            ),
            // With a trailing comma, the kept item's comma stays as the new one.
            (
                "[phases.install]\ncmds = [\n  \"python -m ensurepip\", # nixfix: ignore[NF001]\n  \"pip install -U pip\",]\n",
                "[phases.install]\ncmds = [\n  \"python -m ensurepip\", # nixfix: ignore[NF001]\n]\n",
            ),
            // A comment on the line before a removed item, or after a kept one.
            (
                "[phases.install]\ncmds = [\n  'make', # build it\n  'python -m ensurepip']\n",
                "[phases.install]\ncmds = [\n  'make' # build it\n]\n",
            ),
            (
                "[phases.install]\ncmds = [\n  'make',\n  # then\n  'python -m ensurepip']\n",
                "[phases.install]\ncmds = [\n  'make'\n  # then\n]\n",
            ),
            (
                "[phases.install]\ncmds = ['python -m ensurepip', # why\n  'make']\n",
                "[phases.install]\ncmds = [# why\n  'make']\n",
            ),
            (
                "[phases.install]\ncmds = ['python -m ensurepip', # a\n  'pip install -U pip']\n",
                // (Emptied, the install goes back to the provider's: NF006.)
                "[phases.install]\ncmds = [\"...\" # a\n  ]\n",
            ),
            // Found by the fuzzer: the item before a line removed whole was
            // cut up to the next item, joining its line with the comment's.
            (
                "[phases.install]\ncmds = [\n  'pip install -U pip', 'python -m ensurepip',\n  'python -m ensurepip',\n  # own line\n  'make',\n]\n",
                "[phases.install]\ncmds = [\n  # own line\n  'make',\n]\n",
            ),
        ] {
            let out = fixed(t, Kind::NixpacksToml);
            assert_eq!(out, want, "{t:?}");
            assert_eq!(fixed(&out, Kind::NixpacksToml), out, "idempotent");
        }
    }

    /// Issue 11: text inside a string is not a suppression comment.
    #[test]
    fn a_directive_inside_a_string_suppresses_nothing() {
        let t = "[phases.install]\ncmds = [\"echo # nixfix: ignore\", \"python -m ensurepip\"]\n";
        assert_eq!(
            fixed(t, Kind::NixpacksToml),
            "[phases.install]\ncmds = [\"echo # nixfix: ignore\"]\n"
        );
        let j = "{\"phases\": {\"install\": {\"cmds\": [\"echo # nixfix: ignore\", \"python -m ensurepip\"]}}}";
        assert_eq!(
            fixed(j, Kind::NixpacksJson),
            "{\"phases\": {\"install\": {\"cmds\": [\"echo # nixfix: ignore\"]}}}"
        );
    }

    #[test]
    fn parse_errors_are_errors() {
        let e = fix_text(
            "[phases\n",
            Kind::NixpacksToml,
            &Environment::default(),
            &Options::default(),
        )
        .unwrap_err();
        assert!(matches!(e, FixError::Parse(_)));
    }

    #[test]
    fn railway_files_not_built_by_nixpacks_are_left_alone() {
        // A directory without Python files: no provider virtualenv, so
        // ensurepip in a build command is fixed when the file is read.
        let dir = tempfile::tempdir().unwrap();
        let env = Environment::from_dir(dir.path());
        let run = |kind: Kind, text: &str| fix_text(text, kind, &env, &Options::default()).unwrap();
        let cmd = "python -m ensurepip && pip install -r requirements.txt";
        for builder in [
            "DOCKERFILE",
            "RAILPACK",
            "dockerfile",
            "HEROKU",
            "PAKETO",
            " Railpack ",
        ] {
            let json =
                format!(r#"{{"build": {{"builder": "{builder}", "buildCommand": "{cmd}"}}}}"#);
            let toml = format!("[build]\nbuilder = \"{builder}\"\nbuildCommand = \"{cmd}\"\n");
            for (kind, text) in [(Kind::RailwayJson, json), (Kind::RailwayToml, toml)] {
                let out = run(kind, &text);
                assert_eq!(out.output, text, "{builder}");
                assert!(out.findings.is_empty(), "{builder}: {:?}", out.findings);
                assert_eq!(out.skipped, Some(format!("builder is {}", builder.trim())));
            }
        }
        // Nixpacks in any case, or no builder (the service's setting): fixed.
        for build in [
            "builder = \"NIXPACKS\"\n",
            "builder = \"nixpacks\"\n",
            "builder = \"\"\n",
            "",
        ] {
            let text = format!("[build]\n{build}buildCommand = \"{cmd}\"\n");
            let out = run(Kind::RailwayToml, &text);
            assert_eq!(out.skipped, None, "{build}");
            assert!(!out.output.contains("ensurepip"), "{build}: {}", out.output);
        }
        // A nixpacks file has no builder: a `build` key there means nothing.
        let text = format!("[build]\nbuilder = \"DOCKERFILE\"\n[start]\ncmd = \"{cmd}\"\n");
        assert_eq!(run(Kind::NixpacksToml, &text).skipped, None);
    }
}
