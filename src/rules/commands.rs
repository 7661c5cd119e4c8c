//! Shared machinery for rules that remove commands (or words of commands)
//! from the config's shell strings.

use super::{Context, Finding};
use crate::document::strings::{decode_with_offsets, encode};
use crate::document::{Node, NodeKind};
use crate::edit::Edit;
use crate::python::activates_venv;
use crate::shell::{self, Action, SimpleCommand};
use std::collections::BTreeMap;

/// An array item to remove: its index, the message, its text, its offset,
/// its location.
type Removal = (usize, String, String, usize, String);

/// What a rule decides for one simple command: the action and, when it is not
/// `Keep`, a message naming what goes.
pub struct Decision {
    pub action: Action,
    pub message: String,
}

/// Run `decide` over every simple command of every command string whose
/// value contains `needle`, and turn its decisions into findings with edits.
/// `decide` gets the command, its argument words, and whether a virtualenv
/// was activated earlier in the same string. `suspicious` says whether a
/// string the shell parser refuses still looks like it holds a case, which
/// is then reported instead of fixed.
pub fn rewrite_commands(
    cx: &Context,
    needle: &str,
    mut decide: impl FnMut(&SimpleCommand, &[&str], bool) -> Option<Decision>,
    suspicious: impl Fn(&str) -> bool,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let dirs = cx.venv_dirs();
    // Items to remove, per array (keyed by the array's span start).
    let mut removals: BTreeMap<usize, (&Node, Vec<Removal>)> = BTreeMap::new();
    for site in cx.command_sites() {
        let Some(s) = site.node.as_str() else {
            continue;
        };
        let value = &s.value;
        if !super::may_contain_word(value, needle) {
            continue;
        }
        let at = site.node.span.start;
        if cx.suppressed(at) {
            continue;
        }
        let parsed = cx.shell(value);
        let script = match parsed.as_ref() {
            Ok(script) => script,
            Err(why) => {
                if holds_case(value, site.provider_venv, dirs, &mut decide, &suspicious) {
                    findings.push(Finding::warning(
                        at,
                        format!("{} was not changed: the shell in it is too complex to edit safely ({why}); fix it by hand", site.location),
                    ));
                }
                continue;
            }
        };
        let mut in_venv = site.provider_venv;
        let mut messages = Vec::new();
        let mut hidden_cases = Vec::new();
        let rw = shell::rewrite(script, |c| {
            let args = c.arguments();
            let venv = in_venv || runs_from(&args, dirs);
            let d = decide(c, &args, venv);
            if activates_venv(c) {
                in_venv = true;
            }
            match d {
                Some(d) if d.action != Action::Keep => {
                    messages.push(d.message);
                    d.action
                }
                _ => {
                    let mut probe = Probe {
                        decide: &mut decide,
                        suspicious: &suspicious,
                        in_venv: venv,
                    };
                    if let Some(what) = probe.hidden(script, value, c, &args, 0) {
                        hidden_cases.push(format!("`{}` runs {what}", shown(c)));
                    }
                    Action::Keep
                }
            }
        });
        for h in hidden_cases {
            findings.push(Finding::warning(
                at,
                format!(
                    "{}: {h}, which nixfix cannot edit exactly; fix it by hand",
                    site.location
                ),
            ));
        }
        for r in &rw.refused {
            findings.push(Finding::warning(
                at,
                format!(
                    "{}: `{}` is part of a pipeline and was left in place; fix it by hand",
                    site.location,
                    &value[r.clone()]
                ),
            ));
        }
        if rw.deletions.is_empty() {
            continue;
        }
        let new_value = rw.apply(value);
        let message = messages.join("; ");
        // Nothing left but blanks or a comment: the item goes.
        if new_value.trim().is_empty()
            || cx
                .shell(&new_value)
                .as_ref()
                .as_ref()
                .is_ok_and(|sc| sc.lists.is_empty())
        {
            match site.array {
                Some((array, idx)) => {
                    removals
                        .entry(array.span.start)
                        .or_insert_with(|| (array, Vec::new()))
                        .1
                        .push((idx, message, value.clone(), at, site.location.clone()));
                }
                None => findings.push(Finding::warning(at,
                    format!(
                        "{} holds nothing but what this rule removes ({}); it was left as it is, since an empty command is not valid: remove the key by hand",
                        site.location,
                        message.replace("removed ", "")
                    ),
                )),
            }
            continue;
        }
        let span = site.node.span.clone();
        let raw = &cx.text[span.clone()];
        let edits = match decode_with_offsets(raw, s.style) {
            Some((decoded, offs)) if decoded == *value => rw
                .deletions
                .iter()
                .map(|r| Edit::delete(span.start + offs[r.start]..span.start + offs[r.end]))
                .collect(),
            _ => vec![Edit::replace(span, encode(&new_value, s.style))],
        };
        findings.push(Finding {
            message: format!("{}: {message}", site.location),
            offset: at,
            fixed: true,
            edits,
            before: Some(value.clone()),
            after: Some(new_value),
        });
    }
    for (_, (array, items)) in removals {
        let idxs: Vec<usize> = items.iter().map(|i| i.0).collect();
        let mut edits = cx.syntax().remove_array_items(cx.text, array, &idxs);
        for (_, message, before, at, location) in items {
            findings.push(Finding {
                message: format!("{location}: {message}"),
                offset: at,
                fixed: true,
                edits: std::mem::take(&mut edits),
                before: Some(before),
                after: None,
            });
        }
    }
    findings
}

/// Whether a string the shell layer refuses to edit holds a command the rule
/// would fix: its commands are read through `if`, subshells, groups and
/// loops ([`shell::commands_loosely`]) and each goes to `decide`, so only a
/// real case is reported. When even that reading fails, `suspicious` judges
/// the text.
fn holds_case<D, S>(
    value: &str,
    provider_venv: bool,
    dirs: &[String],
    decide: &mut D,
    suspicious: &S,
) -> bool
where
    D: FnMut(&SimpleCommand, &[&str], bool) -> Option<Decision>,
    S: Fn(&str) -> bool,
{
    let Ok((commands, substitutions)) = shell::commands_loosely(value) else {
        return suspicious(value);
    };
    let script = shell::Script {
        lists: Vec::new(),
        substitutions,
    };
    let mut in_venv = provider_venv;
    for c in &commands {
        let args = c.arguments();
        let venv = in_venv || runs_from(&args, dirs);
        let acts = decide(c, &args, venv).is_some_and(|d| d.action != Action::Keep);
        if acts {
            return true;
        }
        let mut probe = Probe {
            decide: &mut *decide,
            suspicious,
            in_venv: venv,
        };
        if probe.hidden(&script, value, c, &args, 0).is_some() {
            return true;
        }
        if activates_venv(c) {
            in_venv = true;
        }
    }
    false
}

/// Shells (and `su`) whose `-c` argument is a script.
const SHELLS: &[&str] = &[
    "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "su", "runuser",
];

/// Looks for what a rule would fix where it cannot be edited exactly: in a
/// command substitution, in a script given to `sh -c` or `eval`, or behind
/// a wrapper nixfix does not read (`xargs`). Those are reported: removing
/// the whole command would remove more than the case, and editing inside
/// a quoted script is a different quoting level.
struct Probe<'p, D, S> {
    decide: &'p mut D,
    suspicious: &'p S,
    in_venv: bool,
}

impl<D, S> Probe<'_, D, S>
where
    D: FnMut(&SimpleCommand, &[&str], bool) -> Option<Decision>,
    S: Fn(&str) -> bool,
{
    fn acts(&mut self, c: &SimpleCommand, args: &[&str]) -> bool {
        (self.decide)(c, args, self.in_venv).is_some_and(|d| d.action != Action::Keep)
    }

    /// What `c` (a command of `script`, the parse of `src`) hides, described.
    fn hidden(
        &mut self,
        script: &shell::Script,
        src: &str,
        c: &SimpleCommand,
        args: &[&str],
        depth: usize,
    ) -> Option<String> {
        for r in &script.substitutions {
            if r.start >= c.range.start && r.end <= c.range.end {
                let found = self.in_text(&src[r.clone()], "inside a command substitution", depth);
                if found.is_some() {
                    return found;
                }
            }
        }
        let start = match crate::python::wrapped(args) {
            crate::python::Wrapped::At(i) => i,
            crate::python::Wrapped::NotRun => return None,
            crate::python::Wrapped::Unclear => {
                for p in 1..args.len() {
                    if self.acts(c, &args[p..]) {
                        return Some(format!(
                            "`{}` through `{}`",
                            args[p..].join(" "),
                            crate::python::basename(args[0])
                        ));
                    }
                }
                0
            }
        };
        let program = args.get(start).map_or("", |a| crate::python::basename(a));
        if program == "eval" {
            return self.in_text(&args[start + 1..].join(" "), "through `eval`", depth);
        }
        if SHELLS.contains(&program) {
            let script_at = args[start + 1..].iter().position(|a| {
                a.strip_prefix('-')
                    .is_some_and(|f| !f.starts_with('-') && f.contains('c'))
            });
            if let Some(k) = script_at
                && let Some(text) = args.get(start + 1 + k + 1)
            {
                return self.in_text(text, &format!("in a script given to `{program} -c`"), depth);
            }
        }
        None
    }

    /// A command the rule would fix in the shell text `text`, described.
    fn in_text(&mut self, text: &str, how: &str, depth: usize) -> Option<String> {
        if depth > 3 {
            return None;
        }
        let sub = match shell::parse(text) {
            Ok(sub) => sub,
            Err(_) => {
                return (self.suspicious)(text)
                    .then(|| format!("a command {how} that is too complex to read"));
            }
        };
        for c in sub.commands() {
            let args = c.arguments();
            if self.acts(c, &args) {
                return Some(format!("`{}` {how}", shown(c)));
            }
            if let Some(deeper) = self.hidden(&sub, text, c, &args, depth + 1) {
                return Some(format!("{deeper} {how}"));
            }
        }
        None
    }
}

/// Directories the config's commands create virtualenvs in.
pub(super) fn venv_dirs(cx: &Context) -> Vec<String> {
    let mut dirs = Vec::new();
    for site in cx.command_sites() {
        let Some(s) = site.node.as_str() else {
            continue;
        };
        if !s.value.contains("venv") {
            continue;
        }
        let parsed = cx.shell(&s.value);
        let Ok(script) = parsed.as_ref() else {
            continue;
        };
        for c in script.commands() {
            if let Some(d) = crate::python::creates_venv(&c.arguments())
                && !dirs.contains(&d)
            {
                dirs.push(d);
            }
        }
    }
    dirs
}

/// Whether a command runs a program from one of the virtualenv `dirs`.
fn runs_from(args: &[&str], dirs: &[String]) -> bool {
    !dirs.is_empty()
        && args
            .iter()
            .take(3)
            .any(|a| crate::python::in_venv_dir(a, dirs))
}

/// Call `f` for every simple command of every command string the shell
/// layer can parse, with its site, arguments, and whether it runs in a
/// virtualenv (the provider's, or one activated earlier in the string).
pub fn for_each_command<'a>(
    cx: &'a Context,
    mut f: impl FnMut(&crate::nixpacks::CommandSite<'a>, &SimpleCommand, &[&str], bool),
) {
    let dirs = cx.venv_dirs();
    for site in cx.command_sites() {
        let Some(s) = site.node.as_str() else {
            continue;
        };
        let parsed = cx.shell(&s.value);
        let Ok(script) = parsed.as_ref() else {
            continue;
        };
        let mut in_venv = site.provider_venv;
        for list in &script.lists {
            for p in &list.pipelines {
                for c in &p.commands {
                    let args = c.arguments();
                    f(site, c, &args, in_venv || runs_from(&args, dirs));
                    if activates_venv(c) {
                        in_venv = true;
                    }
                }
            }
        }
    }
}

/// Whether `node` is a string array.
pub fn is_string_array(node: &Node) -> bool {
    matches!(&node.kind, NodeKind::Array(a) if a.items.iter().all(|i| i.as_str().is_some()))
}

/// Render a command for a message, quoting words the shell would split or
/// read specially (`'pip>=23.0'`).
pub fn shown(c: &SimpleCommand) -> String {
    c.words
        .iter()
        .map(|w| {
            let t = w.text.as_str();
            let plain = !t.is_empty()
                && t.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "-_./=:,+@%^~[]{}$".contains(ch));
            if plain {
                t.to_string()
            } else {
                format!("'{}'", t.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
