//! NF006 venv-install: pip installs land in a virtualenv, the only place
//! pip may write in a Nixpacks build.

use super::{Context, Finding, Rule, insert_in_plan};
use crate::document::strings::{decode_with_offsets, encode};
use crate::document::{Node, NodeKind};
use crate::edit::Edit;
use crate::nixpacks::{CommandSite, replaces_install};
use crate::python::{
    activates_venv, basename, creates_venv, in_venv_dir, is_venv_path, pip_install, pip_invocation,
    python_program,
};
use std::ops::Range;

/// The Python provider's own virtualenv.
const PROVIDER_VENV: &str = "/opt/venv";

super::rule!(VenvInstall, fix, "nf006_venv_install.md");

impl Rule for VenvInstall {
    fn may_apply(&self, text: &str) -> bool {
        super::may_contain(text, "pip") || super::may_contain(text, "activate")
    }
    fn check(&self, cx: &Context) -> Vec<Finding> {
        if let Some(f) = self.hand_back(cx) {
            return vec![f];
        }
        let mut scan = scan(cx);
        let mut findings = std::mem::take(&mut scan.warnings);
        let created = cx.venv_dirs();
        if scan.needs.is_empty() && scan.uncreated.is_empty() && created.is_empty() {
            return findings;
        }
        let plan = cx.plan().and_then(Node::as_map);
        let provider = cx.env.python_provider(plan);
        let provider_creates = provider && !plan.is_some_and(replaces_install);
        // Which virtualenv: one the config creates, one it uses, or the provider's.
        let venv = created
            .first()
            .cloned()
            .or_else(|| scan.uncreated.first().map(|u| u.1.clone()))
            .unwrap_or_else(|| PROVIDER_VENV.to_string());
        let exists = created.contains(&venv) || (venv == PROVIDER_VENV && provider_creates);
        let mut edits: Vec<Edit> = Vec::new();
        let python = scan
            .needs
            .iter()
            .find_map(|n| n.python.clone())
            .unwrap_or_else(|| "python".to_string());
        let create = format!("{python} -m venv --copies {venv}");
        let activate = format!(". {venv}/bin/activate && ");
        // Where the creation goes: before the first site that needs or uses it.
        let first = (!exists).then(|| {
            let mut sites: Vec<(usize, usize)> =
                scan.needs.iter().map(|n| (n.order, n.index)).collect();
            sites.extend(
                scan.uncreated
                    .iter()
                    .filter(|u| u.1 == venv)
                    .map(|u| (u.0, u.2)),
            );
            sites.into_iter().min().map(|(_, i)| i)
        });
        let first = first.flatten();
        let sites = ordered_sites(cx);
        if let Some(i) = first {
            let site = sites[i].1;
            let like = site.node.as_str();
            match site.array {
                Some((array, idx)) => edits.extend(cx.syntax().insert_array_item(
                    cx.text,
                    array,
                    idx,
                    &cx.syntax().string_literal(&create, like),
                )),
                None if !scan.needs.iter().any(|n| n.index == i) => {
                    edits.extend(prefix(cx, site.node, &format!("{create} && ")));
                }
                None => {}
            }
        }
        let mut locations: Vec<String> = Vec::new();
        for n in &scan.needs {
            let site = sites[n.index].1;
            let scalar_first = first == Some(n.index) && site.array.is_none();
            let head = if scalar_first {
                format!("{create} && {activate}")
            } else {
                activate.clone()
            };
            edits.extend(edit_value(cx, site.node, &head, &n.user_words));
            if !locations.contains(&site.location) {
                locations.push(site.location.clone());
            }
        }
        // The venv's bin on PATH for the later phases and the start.
        let covered = venv == PROVIDER_VENV && provider;
        let path_note = if covered {
            String::new()
        } else {
            match self.add_path(cx, &sites, &venv, first, &scan) {
                Ok((e, note)) => {
                    edits.extend(e);
                    note
                }
                Err((at, why)) => {
                    findings.push(Finding::warning(at, why));
                    String::new()
                }
            }
        };
        if edits.is_empty() {
            return findings;
        }
        let what = if scan.needs.is_empty() && scan.uncreated.is_empty() {
            format!("the virtualenv {venv} is not on PATH after the phase that creates it")
        } else if scan.needs.is_empty() {
            format!(
                "created the virtualenv {venv} that the commands activate but nothing creates (`{create}`)"
            )
        } else {
            let made = if exists {
                format!("the virtualenv {venv}")
            } else {
                format!("a virtualenv at {venv} (created with `{create}`)")
            };
            format!(
                "{}: pip now installs into {made}, since pip may not write into the Nix Python (externally-managed-environment, or `No module named pip`)",
                locations.join(", ")
            )
        };
        let offset = scan
            .needs
            .first()
            .map(|n| sites[n.index].1.node.span.start)
            .or_else(|| scan.uncreated.first().map(|u| sites[u.2].1.node.span.start))
            .or_else(|| {
                sites
                    .iter()
                    .find(|(_, s)| creates_in(cx, s, &venv))
                    .map(|(_, s)| s.node.span.start)
            })
            .unwrap_or(0);
        findings.push(Finding {
            message: format!("{what}{path_note}"),
            offset,
            fixed: true,
            edits,
            before: None,
            after: None,
        });
        findings
    }
}

/// Files from which the Python provider installs an app's requirements.
const REQUIREMENT_FILES: &[&str] = &["requirements.txt", "pyproject.toml", "Pipfile", "setup.py"];

impl VenvInstall {
    /// An install phase with no commands (what it ran was removed, or never
    /// there) installs none of the app's requirements: it goes back to the
    /// Python provider's own install, the virtualenv one.
    fn hand_back(&self, cx: &Context) -> Option<Finding> {
        let plan = cx.plan().and_then(Node::as_map)?;
        let cmds = &plan
            .get_map("phases")?
            .get_map("install")?
            .get_any(&["cmds", "commands"])?
            .value;
        if !cmds.as_array().is_some_and(|a| a.items.is_empty())
            || !cx.env.python_provider(Some(plan))
            || !cx.env.has_any(REQUIREMENT_FILES)
            || cx.suppressed(cmds.span.start)
        {
            return None;
        }
        // Installed elsewhere: the empty list is on purpose.
        let mut elsewhere = false;
        super::commands::for_each_command(cx, |_s, _c, args, _v| {
            elsewhere |=
                pip_invocation(args).is_some_and(|inv| pip_install(args, inv.rest).is_some());
        });
        if elsewhere {
            return None;
        }
        let literal = cx.syntax().string_literal("...", None);
        Some(Finding {
            message: "phases.install.cmds is empty, so nothing installs the requirements: handed back to the Python provider's own install (\"...\": a virtualenv at /opt/venv, and pip install into it)".into(),
            offset: cmds.span.start,
            fixed: true,
            edits: cx.syntax().append_array_item(cx.text, cmds, &literal),
            before: Some(cx.text[cmds.span.clone()].to_string()),
            after: Some("[\"...\"]".into()),
        })
    }

    /// Edits putting `venv/bin` on PATH (in `paths` of the phase that
    /// creates it), when a later command or the start may need it.
    fn add_path(
        &self,
        cx: &Context,
        sites: &[(u8, &CommandSite)],
        venv: &str,
        first: Option<usize>,
        scan: &Scan,
    ) -> Result<(Vec<Edit>, String), (usize, String)> {
        let bin = if venv.starts_with('/') {
            format!("{venv}/bin")
        } else {
            format!("/app/{venv}/bin")
        };
        // The site that creates it: ours, or the config's own.
        let creator = match first {
            Some(i) => i,
            None => match sites.iter().position(|(_, s)| creates_in(cx, s, venv)) {
                Some(i) => i,
                None => return Ok((Vec::new(), String::new())),
            },
        };
        let phase = match sites[creator]
            .1
            .location
            .split('.')
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["phases", name, _] => name.to_string(),
            ["build", "buildCommand"] => "build".to_string(),
            _ => return Ok((Vec::new(), String::new())),
        };
        if scan.needs.is_empty() && first.is_none() {
            // The config's own venv: only when a later command does not see it.
            let later = sites[creator + 1..]
                .iter()
                .any(|(_, s)| !s.provider_venv && !uses_venv(cx, s, venv));
            // The Python provider's own start (`python main.py`) runs when
            // the config has none.
            let plan = cx.plan().and_then(Node::as_map);
            let default_start = !sites.iter().any(|(r, _)| *r == 4) && cx.env.python_provider(plan);
            if !later && !default_start {
                return Ok((Vec::new(), String::new()));
            }
        }
        let plan = cx.plan().and_then(Node::as_map);
        let phase_map = plan
            .and_then(|p| p.get_map("phases"))
            .and_then(|p| p.get(&phase));
        let existing = phase_map
            .and_then(Node::as_map)
            .and_then(|m| m.get_any(&["paths", "envPaths"]))
            .map(|e| &e.value);
        let syntax = cx.syntax();
        let note = format!(
            "; {bin} is added to phases.{phase}.paths so the later phases and the start find it"
        );
        // A new list replaces the provider's (its install phase has
        // `/opt/venv/bin`): "..." keeps that.
        let new_list = if phase == "install" && cx.env.python_provider(plan) {
            syntax.string_array(&["...", &bin])
        } else {
            syntax.string_array(&[&bin])
        };
        match existing.map(|n| &n.kind) {
            None => match phase_map {
                Some(node) if node.as_map().is_some() => {
                    let e = syntax.insert_path(cx.text, cx.root(), node, &["paths"], &new_list);
                    Ok((e, note))
                }
                _ => insert_in_plan(cx, &["phases", &phase, "paths"], &new_list)
                    .map(|(e, _)| (e, note))
                    .map_err(|why| {
                        (
                            0,
                            format!("{why}: add {bin} to phases.{phase}.paths by hand"),
                        )
                    }),
            },
            Some(NodeKind::Array(a)) => {
                if a.items
                    .iter()
                    .any(|i| i.as_str().is_some_and(|s| s.value == bin))
                {
                    return Ok((Vec::new(), String::new()));
                }
                let p = existing.expect("present");
                let like = a.items.first().and_then(Node::as_str);
                Ok((
                    syntax.append_array_item(cx.text, p, &syntax.string_literal(&bin, like)),
                    note,
                ))
            }
            Some(_) => Err((
                existing.map_or(0, |n| n.span.start),
                format!("phases.{phase}.paths is not a list: add {bin} to it by hand"),
            )),
        }
    }
}

/// A command string that must run its pip in a virtualenv.
struct Need {
    /// Index into [`ordered_sites`].
    index: usize,
    /// Build order of the site (phase rank, then position).
    order: usize,
    /// The Python the venv should be made with, when the command names one.
    python: Option<String>,
    /// `--user` words to drop (ranges in the value, leading blank included).
    user_words: Vec<Range<usize>>,
}

#[derive(Default)]
struct Scan {
    needs: Vec<Need>,
    /// Virtualenvs activated or run from but created by nothing (and not the
    /// provider's): (order, dir, site index).
    uncreated: Vec<(usize, String, usize)>,
    warnings: Vec<Finding>,
}

/// The command sites in build order: setup, install, build (and Railway's
/// build command), other phases, then the start.
fn ordered_sites<'a>(cx: &Context<'a>) -> Vec<(u8, &'a CommandSite<'a>)> {
    let mut v: Vec<(u8, &CommandSite)> = cx
        .command_sites()
        .iter()
        .map(|s| (rank(&s.location), s))
        .collect();
    v.sort_by_key(|(r, s)| (*r, s.node.span.start));
    v
}

fn rank(location: &str) -> u8 {
    if location.starts_with("phases.setup.") {
        0
    } else if location.starts_with("phases.install.") {
        1
    } else if location.starts_with("phases.build.") || location == "build.buildCommand" {
        2
    } else if location.starts_with("phases.") {
        3
    } else {
        4
    }
}

fn scan(cx: &Context) -> Scan {
    let sites = ordered_sites(cx);
    let created = cx.venv_dirs();
    let plan = cx.plan().and_then(Node::as_map);
    let mut out = Scan::default();
    let provider_venv = || cx.env.python_provider(plan) && !plan.is_some_and(replaces_install);
    for (index, (_, site)) in sites.iter().enumerate() {
        let Some(s) = site.node.as_str() else {
            continue;
        };
        let at = site.node.span.start;
        if cx.suppressed(at) {
            continue;
        }
        let value = &s.value;
        let parsed = cx.shell(value);
        let script = match parsed.as_ref() {
            Ok(s) => s,
            Err(why) => {
                if !site.provider_venv && installs_loosely(value, created) {
                    out.warnings.push(Finding::warning(
                    at,
                    format!("{}: pip installs outside a virtualenv, in shell too complex to edit safely ({why}); the build stops with externally-managed-environment (or `No module named pip`): run `. /opt/venv/bin/activate && ` before it, after `python -m venv --copies /opt/venv`", site.location),
                ));
                }
                continue;
            }
        };
        let mut in_venv = site.provider_venv;
        let mut need: Option<Need> = None;
        for c in script.commands()
        {
            let args = c.arguments();
            if activates_venv(c) {
                let dir = args[1]
                    .trim_end_matches("/bin/activate")
                    .trim_end_matches('/');
                let dir = dir.strip_prefix("./").unwrap_or(dir).to_string();
                let provided = dir == PROVIDER_VENV && provider_venv();
                if !created.contains(&dir) && !provided && !site.provider_venv {
                    out.uncreated.push((index, dir, index));
                }
                in_venv = true;
                continue;
            }
            let Some(inv) = pip_invocation(&args) else {
                continue;
            };
            let prog = args[inv.program];
            if inv.venv || in_venv_dir(prog, created) {
                if let Some(dir) = venv_dir_of(prog)
                    && !created.contains(&dir)
                    && !(dir == PROVIDER_VENV && provider_venv())
                    && !site.provider_venv
                    && !in_venv
                {
                    out.uncreated.push((index, dir, index));
                }
                continue;
            }
            if in_venv {
                continue;
            }
            let module = python_program(prog).is_some();
            let install = pip_install(&args, inv.rest);
            // `--break-system-packages` writes into the store, where the
            // console scripts land off PATH: the venv is where it builds (the
            // flag does nothing there).
            let needs = module || install.as_ref().is_some_and(|i| !i.elsewhere);
            if !needs {
                continue;
            }
            if prog.contains('/') {
                out.warnings.push(Finding::warning(at,
                    format!("{}: `{prog}` is not in the Nixpacks image; use `pip` or `python -m pip` so the virtualenv's is found", site.location),
                ));
                continue;
            }
            let n = need.get_or_insert(Need {
                index,
                order: index,
                python: None,
                user_words: Vec::new(),
            });
            if n.python.is_none() {
                n.python = python_of(prog, inv.python.as_deref());
            }
            for &wi in &c.argument_indices()[inv.rest.min(args.len())..] {
                let w = &c.words[wi];
                if w.text == "--user" {
                    let start = value[..w.raw.start].trim_end_matches([' ', '\t']).len();
                    n.user_words.push(start..w.raw.end);
                }
            }
        }
        if let Some(n) = need {
            out.needs.push(n);
        }
    }
    out.uncreated.dedup_by(|a, b| a.1 == b.1);
    out
}

/// The Python a venv for this program should be made with (`python3.11`
/// for `python3.11 -m pip` or `pip3.11`), when it names one.
fn python_of(prog: &str, attr: Option<&str>) -> Option<String> {
    let b = basename(prog);
    if b.starts_with("python") && python_program(b).is_some() {
        return Some(b.to_string());
    }
    attr?;
    b.strip_prefix("pip").map(|v| format!("python{v}"))
}

/// `D` for a program `D/bin/x` inside a virtualenv directory.
fn venv_dir_of(prog: &str) -> Option<String> {
    if !is_venv_path(prog) {
        return None;
    }
    let (dir, _) = prog.rsplit_once("/bin/")?;
    let dir = dir.strip_prefix("./").unwrap_or(dir);
    Some(dir.to_string())
}

/// Whether a string the shell layer refuses runs a pip install outside a
/// virtualenv: its commands are read through `if`, subshells, groups and
/// loops, so a word `pip` in an `echo` is not one. When even that reading
/// fails, a rough look at the words decides.
fn installs_loosely(value: &str, created: &[String]) -> bool {
    let Ok((commands, _)) = crate::shell::commands_loosely(value) else {
        return looks_like_install(value) && !value.contains("/bin/activate");
    };
    for c in &commands {
        if activates_venv(c) {
            return false;
        }
        let args = c.arguments();
        let Some(inv) = pip_invocation(&args) else {
            continue;
        };
        let prog = args[inv.program];
        if inv.venv || in_venv_dir(prog, created) {
            continue;
        }
        if python_program(prog).is_some()
            || pip_install(&args, inv.rest).is_some_and(|i| !i.elsewhere)
        {
            return true;
        }
    }
    false
}

/// A rough test for a pip install in a string the shell layer refuses.
fn looks_like_install(value: &str) -> bool {
    let words: Vec<&str> = value
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | ')' | '`'))
        .filter(|w| !w.is_empty())
        .collect();
    words.windows(2).any(|w| {
        let b = basename(w[0]);
        (w[1] == "install"
            && (b == "pip" || b == "pip3" || b.starts_with("pip3."))
            && !is_venv_path(w[0]))
            || (w[0] == "-m" && w[1] == "pip")
    })
}

/// Whether a site creates the virtualenv `dir`.
fn creates_in(cx: &Context, site: &CommandSite, dir: &str) -> bool {
    commands_of(cx, site, |args| creates_venv(args).as_deref() == Some(dir))
}

/// Whether a site activates `dir` or runs one of its programs.
fn uses_venv(cx: &Context, site: &CommandSite, dir: &str) -> bool {
    commands_of(cx, site, |args| {
        (matches!(args.first(), Some(&".") | Some(&"source"))
            && args
                .get(1)
                .is_some_and(|a| a.trim_start_matches("./").starts_with(dir)))
            || args
                .iter()
                .take(3)
                .any(|a| in_venv_dir(a, &[dir.to_string()]))
    })
}

fn commands_of(cx: &Context, site: &CommandSite, f: impl Fn(&[&str]) -> bool) -> bool {
    let Some(s) = site.node.as_str() else {
        return false;
    };
    let parsed = cx.shell(&s.value);
    let Ok(script) = parsed.as_ref() else {
        return false;
    };
    script.commands()
        .any(|c| f(&c.arguments()))
}

/// Edits putting `head` in front of a string's value.
fn prefix(cx: &Context, node: &Node, head: &str) -> Vec<Edit> {
    edit_value(cx, node, head, &[])
}

/// Edits putting `head` in front of a string's value and deleting the
/// value ranges `cut`, keeping the literal's quoting and escapes.
fn edit_value(cx: &Context, node: &Node, head: &str, cut: &[Range<usize>]) -> Vec<Edit> {
    let Some(s) = node.as_str() else {
        return Vec::new();
    };
    let span = node.span.clone();
    let raw = &cx.text[span.clone()];
    match decode_with_offsets(raw, s.style) {
        Some((v, offs)) if v == s.value => {
            let mut e = vec![Edit::insert(span.start + offs[0], head)];
            e.extend(
                cut.iter()
                    .map(|r| Edit::delete(span.start + offs[r.start]..span.start + offs[r.end])),
            );
            e
        }
        _ => {
            let mut value = s.value.clone();
            for r in cut.iter().rev() {
                value.replace_range(r.clone(), "");
            }
            vec![Edit::replace(
                span,
                encode(&format!("{head}{value}"), s.style),
            )]
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{Options, fix_text};
    use crate::nixpacks::{Environment, Kind};

    fn fix_all(t: &str) -> String {
        fix_text(
            t,
            Kind::NixpacksToml,
            &Environment::default(),
            &Options::default(),
        )
        .unwrap()
        .output
    }

    fn fix_in(t: &str, files: &[&str]) -> String {
        fix_in_with(t, files, Options::default())
    }

    fn fix_in_with(t: &str, files: &[&str], opts: Options) -> String {
        let d = tempfile::tempdir().unwrap();
        for f in files {
            std::fs::write(d.path().join(f), "").unwrap();
        }
        fix_text(
            t,
            Kind::NixpacksToml,
            &Environment::from_dir(d.path()),
            &opts,
        )
        .unwrap()
        .output
    }

    #[test]
    fn the_seed_recipe_installs_into_the_venv() {
        let t = "[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = [\n  'python3.11 -m ensurepip --upgrade',\n  'python3.11 -m pip install --upgrade pip',\n  'python3.11 -m pip install -r requirements.txt',\n]\n";
        assert_eq!(
            fix_in(t, &["requirements.txt"]),
            "[phases.setup]\nnixPkgs = ['python311', 'python311Packages.pip']\n\n[phases.install]\ncmds = [\n  'python3.11 -m venv --copies /opt/venv',\n  '. /opt/venv/bin/activate && python3.11 -m pip install -r requirements.txt',\n]\n"
        );
    }

    #[test]
    fn without_the_python_provider_the_venv_goes_on_path() {
        let t = "[phases.setup]\nnixPkgs = ['python311', 'nodejs']\n[phases.build]\ncmds = ['npm ci', 'pip install --user -r r.txt']\n";
        assert_eq!(
            fix_in(t, &["package.json"]),
            "[phases.setup]\nnixPkgs = ['python311', 'nodejs', 'python311Packages.pip']\n[phases.build]\ncmds = ['npm ci', 'python -m venv --copies /opt/venv', '. /opt/venv/bin/activate && pip install -r r.txt']\npaths = [\"/opt/venv/bin\"]\n"
        );
    }

    #[test]
    fn a_venv_activated_but_never_created_is_created() {
        let t = "[phases.install]\ncmds = ['. /opt/venv/bin/activate && pip install -r requirements.txt']\n";
        assert_eq!(
            fix_in(t, &["requirements.txt"]),
            "[phases.install]\ncmds = ['python -m venv --copies /opt/venv', '. /opt/venv/bin/activate && pip install -r requirements.txt']\n"
        );
    }

    #[test]
    fn the_configs_own_venv_is_used_and_put_on_path() {
        let t = "[phases.install]\ncmds = ['python -m venv .venv', 'pip install -r requirements.txt']\n";
        assert_eq!(
            fix_in(t, &["requirements.txt"]),
            "[phases.setup]\nnixPkgs = [\"...\", \"python3Packages.pip\"]\n\n[phases.install]\ncmds = ['python -m venv .venv', '. .venv/bin/activate && pip install -r requirements.txt']\npaths = [\"...\", \"/app/.venv/bin\"]\n"
        );
    }

    #[test]
    fn complex_shell_is_reported_with_what_will_fail() {
        let t = "[phases.install]\ncmds = ['if [ -f r.txt ]; then pip install -r r.txt; fi']\n";
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("requirements.txt"), "").unwrap();
        let only = Options {
            rules: vec![crate::rules::lookup("NF006").unwrap()],
        };
        let out = fix_text(
            t,
            Kind::NixpacksToml,
            &Environment::from_dir(d.path()),
            &only,
        )
        .unwrap();
        assert_eq!(out.output, t);
        assert!(
            out.findings[0]
                .message
                .contains("externally-managed-environment"),
            "{:?}",
            out.findings
        );
    }

    #[test]
    fn leaves_what_already_works() {
        for t in [
            "[phases.install]\ncmds = ['python -m venv /opt/venv', '. /opt/venv/bin/activate && pip install -r r.txt']\n",
            "[phases.install]\ncmds = ['...', 'pip install gunicorn']\n",
            "[phases.build]\ncmds = ['pip install x']\n",
            "[phases.install]\ncmds = ['pip install --target /app/deps -r r.txt']\n",
        ] {
            let only = Options {
                rules: vec![crate::rules::lookup("NF006").unwrap()],
            };
            assert_eq!(fix_in_with(t, &["requirements.txt"], only), t);
        }
        assert_eq!(
            fix_all("[start]\ncmd = 'python main.py'\n"),
            "[start]\ncmd = 'python main.py'\n"
        );
    }

    #[test]
    fn complex_shell_is_reported_only_for_a_real_install() {
        let notes = |cmds: &str| {
            let t = format!("[phases.install]\ncmds = {cmds}\n");
            let (out, notes) = crate::rules::testing::fix_with(
                "NF006",
                Kind::NixpacksToml,
                &t,
                &Default::default(),
            );
            assert_eq!(out, t);
            notes
        };
        for cmds in [
            r#"["if true; then echo pip install flask; fi"]"#,
            r#"["(cd app && /opt/venv/bin/pip install -r r.txt)"]"#,
            r#"["(pip download flask -d wheels)"]"#,
            r#"["(pip install --target vendor flask)"]"#,
        ] {
            assert_eq!(notes(cmds), Vec::<String>::new(), "{cmds}");
        }
        for cmds in [
            r#"["if [ -f r.txt ]; then pip install -r r.txt; fi"]"#,
            r#"["(cd app && python -m pip install -r r.txt)"]"#,
        ] {
            let n = notes(cmds);
            assert_eq!(n.len(), 1, "{cmds}: {n:?}");
            assert!(n[0].contains("too complex"), "{n:?}");
        }
    }
}
