//! Checks.

use super::*;

pub(super) fn fix(text: &str, kind: Kind, opts: &nixfix::engine::Options) -> Outcome {
    fix_text(text, kind, &Environment::default(), opts)
        .unwrap_or_else(|e| panic!("fix failed: {e}\ninput:\n{text}"))
}

/// The rules the model below describes: all the default ones but the two
/// that move installs into a virtualenv (NF006) and pin the Python (NF010),
/// which [`check_default`] holds to properties of their own.
pub(super) fn model_options() -> nixfix::engine::Options {
    let mut o = nixfix::engine::Options::default();
    o.rules
        .retain(|r| r.code() != "NF006" && r.code() != "NF010");
    o
}

/// The document as a plain value tree (TOML through toml_edit, JSON through serde_json).
pub(super) fn value_tree(text: &str, kind: Kind) -> Result<Value, String> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    match kind {
        Kind::NixpacksJson | Kind::RailwayJson => {
            serde_json::from_str(body).map_err(|e| e.to_string())
        }
        _ => {
            let doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
            Ok(table_value(doc.as_table()))
        }
    }
}

pub(super) fn table_value(t: &toml_edit::Table) -> Value {
    let mut m = serde_json::Map::new();
    for (k, item) in t.iter() {
        if let Some(v) = item_value(item) {
            m.insert(k.to_string(), v);
        }
    }
    Value::Object(m)
}

pub(super) fn item_value(item: &toml_edit::Item) -> Option<Value> {
    Some(match item {
        toml_edit::Item::None => return None,
        toml_edit::Item::Value(v) => toml_value(v),
        toml_edit::Item::Table(t) => table_value(t),
        toml_edit::Item::ArrayOfTables(a) => Value::Array(a.iter().map(table_value).collect()),
    })
}

pub(super) fn toml_value(v: &toml_edit::Value) -> Value {
    use toml_edit::Value as V;
    match v {
        V::String(s) => Value::String(s.value().clone()),
        V::Integer(i) => Value::from(*i.value()),
        V::Float(f) => Value::String(format!("{}", f.value())),
        V::Boolean(b) => Value::Bool(*b.value()),
        V::Datetime(d) => Value::String(d.value().to_string()),
        V::Array(a) => Value::Array(a.iter().map(toml_value).collect()),
        V::InlineTable(t) => {
            let mut m = serde_json::Map::new();
            for (k, v) in t.iter() {
                m.insert(k.to_string(), toml_value(v));
            }
            Value::Object(m)
        }
    }
}

/// The tree without what the fix may change: commands, package lists,
/// tables left empty by that.
pub(super) fn strip_fixable(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(phases) = v.get_mut("phases").and_then(Value::as_object_mut) {
        for (_, p) in phases.iter_mut() {
            if let Some(p) = p.as_object_mut() {
                for k in [
                    "cmds",
                    "commands",
                    "cmd",
                    "nixPkgs",
                    "nixPackages",
                    "nixpkgs",
                    "nix_pkgs",
                ] {
                    p.remove(k);
                }
            }
        }
        phases.retain(|_, p| p.as_object().is_none_or(|o| !o.is_empty()));
    }
    if let Some(o) = v.as_object_mut() {
        if o.get("phases")
            .and_then(Value::as_object)
            .is_some_and(|p| p.is_empty())
        {
            o.remove("phases");
        }
        if let Some(start) = o.get_mut("start").and_then(Value::as_object_mut) {
            start.remove("cmd");
            if start.is_empty() {
                o.remove("start");
            }
        }
    }
    v
}

pub(super) fn is_pip_req(w: &str) -> bool {
    let l = w.to_ascii_lowercase();
    l.strip_prefix("pip")
        .is_some_and(|r| r.is_empty() || r.starts_with(['<', '>', '=', '!', '~']))
}

/// An independent recogniser of the commands that must not survive: non-venv
/// `python -m ensurepip` and pip installing itself.
pub(super) fn forbidden(args: &[&str]) -> bool {
    let mut a = args;
    while let Some((first, rest)) = a.split_first() {
        if *first == "sudo" {
            a = rest;
        } else {
            break;
        }
    }
    let Some(prog) = a.first() else {
        return false;
    };
    if prog.contains('/') && prog.contains("venv") {
        return false;
    }
    let base = prog.rsplit('/').next().unwrap_or(prog);
    let is_py = base.starts_with("python") || prog.starts_with("$PYTHON") || base == "py";
    if is_py
        && (a.windows(2).any(|w| w[0] == "-m" && w[1] == "ensurepip") || a.contains(&"-mensurepip"))
    {
        return true;
    }
    let rest: &[&str] = if base == "pip" || base == "pip3" {
        &a[1..]
    } else if is_py {
        match a.windows(2).position(|w| w[0] == "-m" && w[1] == "pip") {
            Some(p) => &a[p + 2..],
            None => return false,
        }
    } else {
        return false;
    };
    let rest: Vec<&str> = rest
        .iter()
        .copied()
        .skip_while(|w| w.starts_with('-'))
        .collect();
    rest.first() == Some(&"install") && rest[1..].iter().any(|w| is_pip_req(w))
}

pub(super) fn activates(args: &[&str]) -> bool {
    matches!(args.first(), Some(&".") | Some(&"source"))
        && args.get(1).is_some_and(|a| a.ends_with("/activate"))
}

/// Command strings of a value tree, with whether each runs in the provider's venv.
pub(super) fn value_sites(v: &Value) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    let phases = v.get("phases").and_then(Value::as_object);
    let install_cmds = phases
        .and_then(|p| p.get("install"))
        .and_then(|i| i.get("cmds").or_else(|| i.get("commands")));
    // An install that creates /opt/venv (the provider's PATH has its bin)
    // counts as the provider's for the later phases.
    let creates_opt_venv = |a: &[Value]| {
        a.iter().filter_map(Value::as_str).any(|s| {
            shell::parse(s).is_ok_and(|sc| {
                sc.lists
                    .iter()
                    .flat_map(|l| &l.pipelines)
                    .flat_map(|p| &p.commands)
                    .any(|c| {
                        let w = c.arguments();
                        w.len() >= 4
                            && w[0].starts_with("python")
                            && w[1] == "-m"
                            && w[2] == "venv"
                            && w.last() == Some(&"/opt/venv")
                    })
            })
        })
    };
    let replaces = match install_cmds {
        None => false,
        Some(Value::Array(a)) => {
            !a.iter().any(|x| x == "..." || x == "@auto") && !creates_opt_venv(a)
        }
        Some(_) => true,
    };
    // Commands after "..." in the install phase run after the provider's
    // own install, in its venv.
    let mut push = |at: String, v: &Value, venv: bool| match v {
        Value::String(s) if s != "..." => out.push((at, s.clone(), venv)),
        Value::Array(a) => {
            let mut after_dots = false;
            for x in a {
                if let Some(s) = x.as_str()
                    && s != "..."
                    && s != "@auto"
                {
                    let dots_venv = after_dots && at.starts_with("phases.install.");
                    out.push((at.clone(), s.to_string(), venv || dots_venv));
                }
                after_dots |= x == "..." || x == "@auto";
            }
        }
        _ => {}
    };
    if let Some(phases) = phases {
        for (name, p) in phases {
            for k in ["cmds", "commands"] {
                if let Some(c) = p.get(k) {
                    push(
                        format!("phases.{name}.{k}"),
                        c,
                        !replaces && name != "setup" && name != "install",
                    );
                }
            }
        }
    }
    if let Some(c) = v.get("start").and_then(|s| s.get("cmd")) {
        push("start.cmd".into(), c, !replaces);
    }
    out
}

/// Whether a command string of the tree still runs pip outside a venv, and
/// whether such a command names python3.11.
pub(super) fn pip_use(v: &Value) -> (bool, bool) {
    let (mut uses, mut names_311) = (false, false);
    for (_, s, venv) in value_sites(v) {
        let Ok(script) = shell::parse(&s) else {
            continue;
        };
        let mut in_venv = venv;
        for c in script
            .lists
            .iter()
            .flat_map(|l| &l.pipelines)
            .flat_map(|p| &p.commands)
        {
            let args = c.arguments();
            let mut a: &[&str] = &args;
            while a.first() == Some(&"sudo") {
                a = &a[1..];
            }
            if !in_venv
                && let Some(prog) = a.first()
                && !(prog.contains('/') && prog.contains("venv"))
            {
                let base = prog.rsplit('/').next().unwrap_or(prog);
                let pip = base == "pip"
                    || base == "pip3"
                    || (base.starts_with("python") && a.windows(2).any(|w| w == ["-m", "pip"]));
                uses |= pip;
                names_311 |= base == "python3.11";
            }
            in_venv |= activates(&args);
        }
    }
    (uses, names_311)
}

/// Property 5: the command strings (with their location) that still hold a
/// forbidden command outside a venv, or that the shell layer refuses.
pub(super) fn surviving_forbidden(v: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (at, s, venv) in value_sites(v) {
        if venv {
            continue;
        }
        let Ok(script) = shell::parse(&s) else {
            if s.contains("ensurepip") || s.contains("pip") {
                out.push((at, format!("unparsed: {s:?}")));
            }
            continue;
        };
        let mut in_venv = false;
        for l in &script.lists {
            for p in &l.pipelines {
                for c in &p.commands {
                    let args = c.arguments();
                    if !in_venv && forbidden(&args) {
                        out.push((at.clone(), s.clone()));
                    }
                    in_venv |= activates(&args);
                }
            }
        }
    }
    out
}

/// Split into words (runs of name characters), single punctuation
/// characters and whitespace runs, for a diff that cannot misalign quotes.
pub(super) fn tokens(s: &str) -> Vec<&str> {
    let word = |c: char| c.is_alphanumeric() || "_-$=+<>~!@".contains(c);
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<u8> = None; // 0 word, 1 space
    let mut skip_to = 0;
    for (i, c) in s.char_indices() {
        if i < skip_to {
            continue;
        }
        if c == '\\' {
            // An escape is one token: `\n`, `\"`, `\u002F`.
            if i > start {
                out.push(&s[start..i]);
            }
            let rest = &s[i + 1..];
            let n = match rest.chars().next() {
                Some('u') if rest.len() >= 5 && rest.is_char_boundary(5) => 5,
                Some(c) => c.len_utf8(),
                None => 0,
            };
            out.push(&s[i..i + 1 + n]);
            start = i + 1 + n;
            skip_to = start;
            prev = None;
            continue;
        }
        let class = if word(c) {
            Some(0)
        } else if c.is_whitespace() {
            Some(1)
        } else {
            None
        };
        if i > start && (class.is_none() || class != prev) {
            out.push(&s[start..i]);
            start = i;
        }
        prev = class;
        if class.is_none() {
            out.push(&s[i..i + c.len_utf8()]);
            start = i + c.len_utf8();
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

pub(super) fn is_punctuation(t: &str) -> bool {
    t.starts_with('\\')
        || t.chars()
            .all(|c| c.is_whitespace() || ",;&|\\\"'[]{}:=/".contains(c))
}

/// Tokens the fix may take out: the words of the vocabulary (a removed
/// command, or a fallback that goes with it), a comment on a removed item's
/// line, renamed keys, a bare pip package.
pub(super) fn droppable(t: &str, renamed: &[&str]) -> bool {
    is_punctuation(t)
        || renamed.contains(&t)
        || ["#", "same-line", "note", "pip3", "."].contains(&t)
        // The pip of another Python, replaced by the right one.
        || t.ends_with("Packages")
        || VOCAB
            .iter()
            .flat_map(|(v, class)| {
                let fixed = match class {
                    Class::UpgradeWith(f) => *f,
                    _ => "",
                };
                tokens(v).into_iter().chain(tokens(fixed))
            })
            .any(|v| v == t)
}

/// Tokens that show the fix took out what it must.
pub(super) fn negative_token(t: &str, renamed: &[&str]) -> bool {
    t == "ensurepip" || t == "-mensurepip" || t == "pip3" || is_pip_req(t) || renamed.contains(&t)
}

/// Tokens the fix may put in: the Nix pip, `"..."`, a new setup entry,
/// a renamed key.
pub(super) fn addable(t: &str, renamed: &[&str]) -> bool {
    t.ends_with("Packages")
        || ["pip", ".", "setup", "phases", "nixPkgs"].contains(&t)
        || (renamed.contains(&"cmd") && ["cmds", "[", "]"].contains(&t))
}

/// Property 4: only what a fix needs changes. Each hunk of the line diff is
/// compared by its multisets of tokens (alignment-free): what went must be
/// words of removed commands, comments on removed items' lines, renamed
/// keys or separators, with at least one forbidden word among them; what
/// came must be the Nix pip, `"..."`, a new setup entry or a renamed key
/// (with their quotes and brackets), or commas and whitespace.
pub(super) fn check_line_diff(input: &str, output: &str, renamed: &[&str]) -> Result<(), String> {
    check_line_diff_with(input, output, renamed, addable)
}

pub(super) fn check_line_diff_with(
    input: &str,
    output: &str,
    renamed: &[&str],
    addable: fn(&str, &[&str]) -> bool,
) -> Result<(), String> {
    // Token multisets: what went and what came, over the whole file
    // (alignment-free, so a line diff that pairs the wrong lines of a
    // repetitive file cannot confuse it).
    fn balance<'a>(removed: &'a str, added: &'a str) -> (Vec<&'a str>, Vec<&'a str>) {
        let mut count: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
        for t in tokens(removed) {
            *count.entry(t).or_default() += 1;
        }
        for t in tokens(added) {
            *count.entry(t).or_default() -= 1;
        }
        let went = count
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(t, _)| *t)
            .collect();
        let came = count
            .iter()
            .filter(|(_, n)| **n < 0)
            .map(|(t, _)| *t)
            .collect();
        (went, came)
    }
    let diff = TextDiff::from_lines(input, output);
    let why = || format!("\n{}", diff.unified_diff().context_radius(1));
    let (went, came) = balance(input, output);
    if let Some(t) = went.iter().find(|t| !droppable(t, renamed)) {
        return Err(format!("{t:?} went, which no fix removes{}", why()));
    }
    let adds_something = came.iter().any(|t| addable(t, renamed));
    for t in &came {
        let ok = addable(t, renamed)
            || t.chars().all(|c| c == ',' || c.is_whitespace())
            || (adds_something && is_punctuation(t));
        if !ok {
            return Err(format!("{t:?} came, which no fix adds{}", why()));
        }
    }
    // Each hunk of the line diff has a reason: a forbidden command or a
    // renamed key went, or pip / a setup entry / a renamed key came; or it
    // only moves a comma (the trailing-comma style of a shortened array).
    for group in diff.grouped_ops(3) {
        let (mut removed, mut added) = (String::new(), String::new());
        for op in &group {
            for ch in diff.iter_changes(op) {
                match ch.tag() {
                    ChangeTag::Delete => removed.push_str(ch.value()),
                    ChangeTag::Insert => added.push_str(ch.value()),
                    ChangeTag::Equal => {}
                }
            }
        }
        let (went, came) = balance(&removed, &added);
        let reason = tokens(&removed).iter().any(|t| negative_token(t, renamed))
            || tokens(&added).iter().any(|t| addable(t, renamed))
            || went.iter().chain(&came).all(|t| *t == ",");
        if !reason {
            return Err(format!(
                "a change without a reason: -{removed:?} +{added:?}{}",
                why()
            ));
        }
    }
    Ok(())
}

pub(super) fn all_crlf(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter()
        .enumerate()
        .all(|(i, &c)| c != b'\n' || (i > 0 && b[i - 1] == b'\r'))
}

pub(super) fn strings_of(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect()
}

pub(super) fn nix_python(entry: &str) -> Option<String> {
    let rest = entry.strip_prefix("python")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let suffix = &rest[digits.len()..];
    (!digits.is_empty() && matches!(suffix, "" | "Full")).then(|| format!("python{digits}"))
}

pub(super) fn is_nix_pip(e: &str) -> bool {
    e.strip_suffix("Packages.pip")
        .is_some_and(|p| nix_python(p).is_some())
}

/// All properties for one generated config in one format.
pub(super) fn check_config(cfg: &Config, kind: Kind) -> Result<(), String> {
    let input = match kind {
        Kind::NixpacksJson => render_json(cfg),
        _ => render_toml(cfg),
    };
    let ctx = |m: String| format!("{m}\n--- input:\n{input}");
    let before =
        value_tree(&input, kind).map_err(|e| ctx(format!("generated invalid input: {e}")))?;
    let opts = model_options();
    let out = match fix_text(&input, kind, &Environment::default(), &opts) {
        Ok(out) => out,
        // Every generated input is valid: any error, an internal one
        // (`FixError::Bug`) above all, is a failure.
        Err(e) => return Err(ctx(format!("the fix failed: {e}"))),
    };
    let output = &out.output;
    let ctx = |m: String| format!("{m}\n--- input:\n{input}\n--- output:\n{output}");

    // 1. Idempotent.
    let again = fix(output, kind, &opts);
    if again.output != *output {
        return Err(ctx(format!(
            "not idempotent; second output:\n{}",
            again.output
        )));
    }
    if again.findings.iter().any(|f| f.fixed) {
        return Err(ctx(format!(
            "the second run reports fixes: {:?}",
            again.findings
        )));
    }
    // 2. Parses.
    let after = value_tree(output, kind).map_err(|e| ctx(format!("output does not parse: {e}")))?;
    // 3. BOM, line endings, final newline.
    if input.starts_with('\u{feff}') != output.starts_with('\u{feff}') {
        return Err(ctx("BOM changed".into()));
    }
    if output.matches('\u{feff}').count() != usize::from(cfg.bom) {
        return Err(ctx("BOM moved".into()));
    }
    if input.ends_with('\n') != output.ends_with('\n') {
        return Err(ctx("final newline state changed".into()));
    }
    // A CRLF file stays CRLF, even when its only line breaks were inside a
    // multi-line string the fix removed.
    if input.contains("\r\n") && !all_crlf(output) {
        return Err(ctx("a lone LF in a CRLF file".into()));
    }
    if !cfg.crlf && output.contains('\r') {
        return Err(ctx("a CR in an LF file".into()));
    }
    // A fix changes the text; nothing to fix leaves every byte as it was.
    if (out.output == input) == out.findings.iter().any(|f| f.fixed) {
        return Err(ctx("fixed findings and a changed text disagree".into()));
    }
    // 4. Only explained lines change.
    let renamed = cfg.renamed_keys();
    check_line_diff(&input, output, &renamed).map_err(ctx)?;
    // 5. No forbidden command survives unless reported.
    let survivors = surviving_forbidden(&after);
    let warned = out
        .findings
        .iter()
        .any(|f| !f.fixed && (f.code == "NF001" || f.code == "NF002"));
    // Every string the generator makes is one the shell layer handles; the
    // only legitimate survivor is a `start.cmd` the fix would leave empty
    // (an empty start command is invalid), which must be reported.
    if survivors.iter().any(|(at, _)| at != "start.cmd") || !survivors.is_empty() && !warned {
        return Err(ctx(format!(
            "forbidden commands survive (warned: {warned}): {survivors:?}"
        )));
    }
    // 6. Values: everything but commands and packages is equal ...
    if strip_fixable(&before) != strip_fixable(&after) {
        return Err(ctx(format!(
            "other values changed:\n{:#}\nvs\n{:#}",
            strip_fixable(&before),
            strip_fixable(&after)
        )));
    }
    // ... each command string is what the model says ...
    let phases_after = after.get("phases");
    for p in &cfg.phases {
        let name = PHASES[p.name];
        let venv = cfg.provider_venv(Some(name));
        let Some(c) = &p.cmds else { continue };
        let key = if CMD_KEYS[c.key] == "cmd" {
            "cmds"
        } else {
            CMD_KEYS[c.key]
        };
        let got = strings_of(
            phases_after
                .and_then(|ps| ps.get(name))
                .and_then(|x| x.get(key)),
        )
        .ok_or_else(|| {
            ctx(format!(
                "phases.{name}.{key} is not a string list after the fix"
            ))
        })?;
        let elems: Vec<Elem> = if CMD_KEYS[c.key] == "cmd" {
            vec![Elem::Cmd(c.single.clone())]
        } else {
            c.items.iter().map(|i| i.value.clone()).collect()
        };
        let mut want: Vec<Option<String>> = Vec::new();
        let mut after_dots = false;
        for e in &elems {
            match e {
                Elem::Ellipsis => {
                    want.push(None);
                    after_dots = true;
                }
                Elem::Cmd(l) => {
                    let venv = venv || (after_dots && name == "install");
                    if let Some(t) = expected(&l.chain, venv) {
                        want.push(Some(t));
                    }
                }
            }
        }
        if got.len() != want.len() {
            return Err(ctx(format!(
                "phases.{name}.{key}: got {got:?}, want {want:?}"
            )));
        }
        for (g, w) in got.iter().zip(&want) {
            let same = match w {
                None => g == "...",
                Some(w) => shape(g).map_err(ctx)? == shape(w).map_err(ctx)?,
            };
            if !same {
                return Err(ctx(format!("phases.{name}.{key}: got {g:?}, want {w:?}")));
            }
        }
    }
    if let Some(l) = &cfg.start {
        let want = expected(&l.chain, cfg.provider_venv(None));
        let got = after
            .get("start")
            .and_then(|s| s.get("cmd"))
            .and_then(Value::as_str)
            .ok_or_else(|| ctx("start.cmd lost".into()))?;
        match want {
            Some(w) => {
                if shape(got).map_err(ctx)? != shape(&w).map_err(ctx)? {
                    return Err(ctx(format!("start.cmd: got {got:?}, want {w:?}")));
                }
            }
            // Everything goes: an empty command is not valid, so what one
            // rule would empty is left (all of it, or what the other rule
            // did not remove), with a warning.
            None => {
                let rest = shape(got).map_err(ctx)?;
                // Each command left is one of the original ones, or its fixed form.
                let mut allowed: Vec<Vec<String>> = Vec::new();
                for &(_, cmd) in l.chain.lists.iter().flatten() {
                    let (text, class) = VOCAB[cmd];
                    let mut forms = vec![text];
                    if let Class::UpgradeWith(f) = class {
                        forms.push(f);
                    }
                    for f in forms {
                        allowed.extend(shape(f).map_err(ctx)?.into_iter().flatten().map(|p| p.1));
                    }
                }
                let known = rest.iter().flatten().all(|(_, w)| allowed.contains(w));
                let some_forbidden = rest.iter().flatten().any(|(_, words)| {
                    let w: Vec<&str> = words.iter().map(String::as_str).collect();
                    forbidden(&w)
                });
                if !known || !some_forbidden || !warned {
                    return Err(ctx(format!(
                        "start.cmd emptied: got {got:?}, warned {warned}"
                    )));
                }
            }
        }
    }
    // ... and the setup packages gain the pip of the Python that runs, when
    // pip is still used after the fix (outside a venv), or replace a bare pip.
    let (uses_pip, names_311) = pip_use(&after);
    let setup_after = phases_after.and_then(|p| p.get("setup"));
    let pkgs_before: Option<(usize, Vec<String>)> =
        cfg.phase("setup").and_then(|p| p.pkgs.as_ref()).map(|pk| {
            (
                pk.key,
                pk.items.iter().map(|i| PKGS[i.value].to_string()).collect(),
            )
        });
    let real_key = |k: usize| if k == 1 { "nixPackages" } else { "nixPkgs" };
    let got_pkgs = match &pkgs_before {
        Some((k, _)) => strings_of(setup_after.and_then(|s| s.get(real_key(*k)))),
        None => strings_of(setup_after.and_then(|s| s.get("nixPkgs"))),
    };
    let bare = |e: &String| e == "pip" || e == "pip3";
    let want_for = |uses_pip: bool, want_pip: &str| -> Option<Vec<String>> {
        match &pkgs_before {
            // No list: the provider's python3 is the Python.
            None if uses_pip => Some(vec!["...".into(), "python3Packages.pip".into()]),
            None => None,
            Some((_, items)) => {
                let mut pythons: Vec<String> = items.iter().filter_map(|e| nix_python(e)).collect();
                pythons.dedup();
                pythons.sort();
                pythons.dedup();
                // The pip to have: the listed Python's; with "..." and none
                // listed, the provider's python3; else what the commands run.
                let mut sets: Vec<&String> = items.iter().filter(|e| is_nix_pip(e)).collect();
                sets.dedup();
                let pip = match pythons.first() {
                    Some(p) => format!("{p}Packages.pip"),
                    None if items.iter().any(|e| e == "...") => "python3Packages.pip".to_string(),
                    None if sets.len() == 1 => sets[0].clone(),
                    None => want_pip.to_string(),
                };
                // A bare pip, or the pip of another Python, is replaced.
                let wrong =
                    |e: &String| bare(e) || (is_nix_pip(e) && pythons.len() <= 1 && *e != pip);
                let has_pip = items.iter().any(|e| is_nix_pip(e) && !wrong(e));
                let has_wrong = items.iter().any(wrong);
                if has_pip {
                    Some(items.iter().filter(|e| !wrong(e)).cloned().collect())
                } else if !(uses_pip || has_wrong) || pythons.len() > 1 {
                    Some(items.clone())
                } else {
                    let mut v: Vec<String> = Vec::new();
                    let mut placed = false;
                    for e in items {
                        if wrong(e) {
                            if !placed {
                                v.push(pip.clone());
                                placed = true;
                            }
                        } else {
                            v.push(e.clone());
                        }
                    }
                    if !placed {
                        v.push(pip);
                    }
                    Some(v)
                }
            }
        }
    };
    let pip_of = |is_311: bool| {
        if is_311 {
            "python311Packages.pip"
        } else {
            "python3Packages.pip"
        }
    };
    let want_pkgs = want_for(uses_pip, pip_of(uses_pip && names_311));
    if got_pkgs != want_pkgs {
        return Err(ctx(format!(
            "setup packages: got {got_pkgs:?}, want {want_pkgs:?}"
        )));
    }
    Ok(())
}

/// What the default rules may add besides what [`addable`] allows: the
/// virtualenv creation and activation (NF006), the pinned Python (NF010),
/// `paths`, and the provider's install handed back (`"..."`).
pub(super) fn addable_default(t: &str, renamed: &[&str]) -> bool {
    addable(t, renamed)
        || [
            "python", "python3", "python311", "python310", "python3.11", "-m", "venv",
            "--copies", "opt", "bin", "activate", "&&", "&", "/", "variables",
            "NIXPACKS_PYTHON_VERSION", "=", "3", "11", "10", "12", "paths", "...",
        ]
        .contains(&t)
        // The quotes and brackets of a new entry whose words cancel out
        // against removed ones (`python3` added to nixPkgs, gone from a command).
        || is_punctuation(t)
}

/// The default rules (NF006 and NF010 included) on the same configs: the
/// properties that hold whatever the fix, and the one NF006 is for: no
/// command installs with pip outside a virtualenv unless nixfix said it
/// could not move it.
pub(super) fn check_default(cfg: &Config, kind: Kind) -> Result<(), String> {
    let input = match kind {
        Kind::NixpacksJson => render_json(cfg),
        _ => render_toml(cfg),
    };
    let ctx = |m: String| format!("{m}\n--- input:\n{input}");
    let opts = nixfix::engine::Options::default();
    let out = fix_text(&input, kind, &Environment::default(), &opts)
        .map_err(|e| ctx(format!("the fix failed: {e}")))?;
    let output = &out.output;
    let ctx = |m: String| format!("{m}\n--- input:\n{input}\n--- output:\n{output}");
    let again = fix(output, kind, &opts);
    if again.output != *output || again.findings.iter().any(|f| f.fixed) {
        return Err(ctx(format!("not idempotent:\n{}", again.output)));
    }
    let after = value_tree(output, kind).map_err(|e| ctx(format!("output does not parse: {e}")))?;
    if input.starts_with('\u{feff}') != output.starts_with('\u{feff}')
        || output.matches('\u{feff}').count() != usize::from(cfg.bom)
        || input.ends_with('\n') != output.ends_with('\n')
        || (input.contains("\r\n") && !all_crlf(output))
        || (!cfg.crlf && output.contains('\r'))
    {
        return Err(ctx("BOM, final newline or line endings changed".into()));
    }
    if (out.output == input) == out.findings.iter().any(|f| f.fixed) {
        return Err(ctx("fixed findings and a changed text disagree".into()));
    }
    let renamed = cfg.renamed_keys();
    check_line_diff_with(&input, output, &renamed, addable_default).map_err(ctx)?;
    let warned = |codes: &[&str]| {
        out.findings
            .iter()
            .any(|f| !f.fixed && codes.contains(&f.code))
    };
    let survivors = surviving_forbidden(&after);
    if survivors.iter().any(|(at, _)| at != "start.cmd")
        || (!survivors.is_empty() && !warned(&["NF001", "NF002"]))
    {
        return Err(ctx(format!("forbidden commands survive: {survivors:?}")));
    }
    let (uses_pip, _) = pip_use(&after);
    if uses_pip && !warned(&["NF006", "NF001", "NF002"]) {
        return Err(ctx(
            "pip still runs outside a virtualenv, and nothing says so".into(),
        ));
    }
    Ok(())
}

/// `cases` cases, or `PROPTEST_CASES` when set (for long runs:
/// `PROPTEST_CASES=20000 cargo test --release --test it properties::`).
pub(super) fn pt_config(cases: u32) -> PtConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    PtConfig {
        cases,
        failure_persistence: None,
        ..PtConfig::default()
    }
}

proptest! {
    #![proptest_config(pt_config(256))]

    #[test]
    fn toml_configs(cfg in config()) {
        if let Err(e) = check_config(&cfg, Kind::NixpacksToml) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn json_configs(cfg in config()) {
        if let Err(e) = check_config(&cfg, Kind::NixpacksJson) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn toml_configs_with_every_default_rule(cfg in config()) {
        if let Err(e) = check_default(&cfg, Kind::NixpacksToml) {
            prop_assert!(false, "{}", e);
        }
    }

    #[test]
    fn json_configs_with_every_default_rule(cfg in config()) {
        if let Err(e) = check_default(&cfg, Kind::NixpacksJson) {
            prop_assert!(false, "{}", e);
        }
    }
}
