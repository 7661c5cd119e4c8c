//! Property tests: random Nixpacks configs (TOML and JSON) built from a
//! vocabulary of commands whose correct fix is known, checked against the
//! formatting-fidelity bar of the spec; properties of the shell layer; and a
//! smoke run of the mutation fuzzer in `examples/fuzz.rs`.

#[path = "../../examples/fuzz.rs"]
mod fuzz;

use nixfix::config::{Environment, Kind};
use nixfix::engine::{Outcome, fix_text};
use nixfix::shell::{self, Action, Connector};
use proptest::prelude::*;
use proptest::test_runner::Config as PtConfig;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

// ---------------------------------------------------------------------------
// The command vocabulary and what the fix must do with each command.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// `python -m ensurepip` outside a venv: removed.
    Ensurepip,
    /// pip upgrading only itself: removed.
    Upgrade,
    /// pip upgrading itself and more: becomes the given command.
    UpgradeWith(&'static str),
    /// Activates a virtualenv: later commands of the string run in it.
    Activate,
    /// Uses the Nix pip (so pip must be provided) and stays.
    PipUse,
    /// Anything else: stays.
    Other,
}

const VOCAB: &[(&str, Class)] = &[
    ("python -m ensurepip", Class::Ensurepip),
    ("python3 -m ensurepip --upgrade", Class::Ensurepip),
    ("python3.11 -m ensurepip --upgrade", Class::Ensurepip),
    (
        "/usr/bin/python3 -m ensurepip --default-pip",
        Class::Ensurepip,
    ),
    ("$PYTHON -m ensurepip", Class::Ensurepip),
    ("python3 -mensurepip", Class::Ensurepip),
    ("sudo python3 -m ensurepip", Class::Ensurepip),
    ("python3 -I -m ensurepip", Class::Ensurepip),
    ("pip install --upgrade pip", Class::Upgrade),
    ("pip3 install -U pip", Class::Upgrade),
    ("python -m pip install --upgrade pip", Class::Upgrade),
    ("python3.11 -m pip install --upgrade pip", Class::Upgrade),
    ("pip install pip --upgrade", Class::Upgrade),
    ("pip install --no-cache-dir -U 'pip>=24'", Class::Upgrade),
    (
        "python3 -m pip install --upgrade --user pip",
        Class::Upgrade,
    ),
    ("pip install \"pip==24.0\"", Class::Upgrade),
    (
        "pip install -U pip setuptools wheel",
        Class::UpgradeWith("pip install -U setuptools wheel"),
    ),
    (
        "python3.11 -m pip install --upgrade pip wheel",
        Class::UpgradeWith("python3.11 -m pip install --upgrade wheel"),
    ),
    (
        "pip install --upgrade setuptools pip",
        Class::UpgradeWith("pip install --upgrade setuptools"),
    ),
    (
        "pip install -U pip -r requirements.txt",
        Class::UpgradeWith("pip install -U -r requirements.txt"),
    ),
    ("pip install -r requirements.txt", Class::PipUse),
    (
        "python3.11 -m pip install -r requirements.txt",
        Class::PipUse,
    ),
    ("pip install -r \"req s.txt\"", Class::PipUse),
    ("pip install --upgrade pipenv", Class::PipUse),
    ("python -m venv --copies /opt/venv", Class::Other),
    (". /opt/venv/bin/activate", Class::Activate),
    ("source /opt/venv/bin/activate", Class::Activate),
    ("/opt/venv/bin/pip install --upgrade pip", Class::Other),
    ("/opt/venv/bin/python -m ensurepip", Class::Other),
    ("echo hello", Class::Other),
    ("echo 'a && b'", Class::Other),
    ("echo ensurepip", Class::Other),
    ("npm ci", Class::Other),
    ("make build", Class::Other),
    ("FOO=1 make", Class::Other),
];

/// Connectors as written: `(connector, text)`.
const CONNS: &[(Connector, &str)] = &[
    (Connector::And, " && "),
    (Connector::And, "&&"),
    (Connector::And, " && \\\n  "),
    (Connector::Or, " || "),
    (Connector::Or, "||"),
];
/// Separators between the lists of a string.
const SEPS: &[&str] = &["; ", ";", "\n", " & "];
/// What ends a string: mostly nothing, or a separator.
const TAILS: &[&str] = &["", "", "", "", ";", "; ", " &", "\n"];

const PHASES: &[&str] = &["setup", "install", "build", "migrate"];
const PKGS: &[&str] = &[
    "python3",
    "python311",
    "python311Full",
    "...",
    "pip",
    "pip3",
    "gcc",
    "ffmpeg",
    "python311Packages.pip",
    "python310",
];
/// Spellings of the setup phase's package key; the last two are renamed.
const PKG_KEYS: &[&str] = &["nixPkgs", "nixPackages", "nixpkgs", "nix_pkgs"];
/// Spellings of a phase's commands key; `cmd` (a string) is renamed.
const CMD_KEYS: &[&str] = &["cmds", "commands", "cmd"];

// ---------------------------------------------------------------------------
// The generated model.

#[derive(Debug, Clone)]
struct Chain {
    /// Lists; each pipeline is (index into CONNS for the connector before it
    /// (ignored for the first), index into VOCAB).
    lists: Vec<Vec<(usize, usize)>>,
    /// Index into SEPS for the separator after each list but the last.
    seps: Vec<usize>,
    /// Index into TAILS for what ends the string.
    tail: usize,
}

#[derive(Debug, Clone)]
struct Lit {
    chain: Chain,
    /// 0 literal, 1 basic, 2 multi-line basic, 3 multi-line literal (TOML).
    style: usize,
    /// Escape `/` and `.` (`\u002F`, `\/`, ...).
    escapes: bool,
    /// A TOML line-ending backslash after `&& ` (multi-line basic only).
    toml_cont: bool,
    /// A newline right after the opening `"""` / `'''`.
    ml_newline: bool,
}

#[derive(Debug, Clone)]
enum Elem {
    Ellipsis,
    Cmd(Lit),
}

#[derive(Debug, Clone)]
struct Item<T> {
    value: T,
    comment_before: bool,
    comment_after: bool,
}

#[derive(Debug, Clone)]
struct Layout {
    multiline: bool,
    trailing_comma: bool,
}

#[derive(Debug, Clone)]
struct Pkgs {
    key: usize,
    items: Vec<Item<usize>>,
    layout: Layout,
}

#[derive(Debug, Clone)]
struct Cmds {
    key: usize,
    items: Vec<Item<Elem>>,
    /// The value when the key is `cmd` (a single string).
    single: Lit,
    layout: Layout,
}

#[derive(Debug, Clone)]
struct Phase {
    name: usize,
    pkgs: Option<Pkgs>,
    cmds: Option<Cmds>,
    depends: bool,
    header_comment: bool,
}

#[derive(Debug, Clone)]
struct Config {
    phases: Vec<Phase>,
    start: Option<Lit>,
    variables: bool,
    providers: bool,
    /// 0 `[phases.x]` headers, 1 root dotted keys, 2 `[phases]` + `x.key`.
    layout: usize,
    crlf: bool,
    bom: bool,
    final_newline: bool,
    top_comment: bool,
    /// JSON: 0 compact, 1 two spaces, 2 four spaces, 3 tabs.
    json_indent: usize,
}

fn chain() -> impl Strategy<Value = Chain> {
    let list = prop::collection::vec((0..CONNS.len(), 0..VOCAB.len()), 1..4);
    (
        prop::collection::vec(list, 1..3),
        prop::collection::vec(0..SEPS.len(), 2),
        0..TAILS.len(),
    )
        .prop_map(|(lists, seps, tail)| Chain { lists, seps, tail })
}

fn lit() -> impl Strategy<Value = Lit> {
    (
        chain(),
        0..4usize,
        prop::bool::weighted(0.2),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(chain, style, escapes, toml_cont, ml_newline)| Lit {
            chain,
            style,
            escapes,
            toml_cont,
            ml_newline,
        })
}

fn item<T: std::fmt::Debug + Clone>(v: impl Strategy<Value = T>) -> impl Strategy<Value = Item<T>> {
    (v, prop::bool::weighted(0.2), prop::bool::weighted(0.2)).prop_map(
        |(value, comment_before, comment_after)| Item {
            value,
            comment_before,
            comment_after,
        },
    )
}

fn layout() -> impl Strategy<Value = Layout> {
    (any::<bool>(), any::<bool>()).prop_map(|(multiline, trailing_comma)| Layout {
        multiline,
        trailing_comma,
    })
}

fn elem() -> impl Strategy<Value = Elem> {
    prop_oneof![1 => Just(Elem::Ellipsis), 6 => lit().prop_map(Elem::Cmd)]
}

fn phase(name: usize) -> impl Strategy<Value = Phase> {
    let pkgs = if name == 0 {
        prop::option::weighted(
            0.7,
            (
                prop::sample::select(vec![0usize, 0, 0, 1, 2, 3]),
                prop::collection::vec(item(0..PKGS.len()), 0..4),
                layout(),
            )
                .prop_map(|(key, items, layout)| Pkgs { key, items, layout }),
        )
        .boxed()
    } else {
        Just(None).boxed()
    };
    let cmds = prop::option::weighted(
        if name == 0 { 0.3 } else { 0.85 },
        (
            prop::sample::select(vec![0usize, 0, 0, 1, 2]),
            prop::collection::vec(item(elem()), 1..4),
            lit(),
            layout(),
        )
            .prop_map(|(key, items, single, layout)| Cmds {
                key,
                items,
                single,
                layout,
            }),
    );
    (
        pkgs,
        cmds,
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.2),
    )
        .prop_map(move |(pkgs, cmds, depends, header_comment)| Phase {
            name,
            pkgs,
            cmds,
            depends,
            header_comment,
        })
}

fn config() -> impl Strategy<Value = Config> {
    let phases = (
        prop::option::weighted(0.6, phase(0)),
        prop::option::weighted(0.8, phase(1)),
        prop::option::weighted(0.4, phase(2)),
        prop::option::weighted(0.2, phase(3)),
    )
        .prop_map(|(a, b, c, d)| [a, b, c, d].into_iter().flatten().collect::<Vec<_>>());
    (
        phases,
        prop::option::weighted(0.4, lit()),
        any::<bool>(),
        any::<bool>(),
        0..3usize,
        any::<bool>(),
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.8),
        prop::bool::weighted(0.3),
        0..4usize,
    )
        .prop_map(
            |(
                phases,
                start,
                variables,
                providers,
                layout,
                crlf,
                bom,
                final_newline,
                top_comment,
                json_indent,
            )| Config {
                phases,
                start,
                variables,
                providers,
                layout,
                crlf,
                bom,
                final_newline,
                top_comment,
                json_indent,
            },
        )
}

// ---------------------------------------------------------------------------
// Rendering.

impl Chain {
    /// The shell text (the value of the string).
    fn text(&self) -> String {
        let mut s = String::new();
        for (li, list) in self.lists.iter().enumerate() {
            if li > 0 {
                s.push_str(SEPS[self.seps[li - 1]]);
            }
            for (pi, &(conn, cmd)) in list.iter().enumerate() {
                if pi > 0 {
                    s.push_str(CONNS[conn].1);
                }
                s.push_str(VOCAB[cmd].0);
            }
        }
        s.push_str(TAILS[self.tail]);
        s
    }
}

fn toml_basic_escape(v: &str, escapes: bool, multiline: bool) -> String {
    let mut s = String::new();
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' if multiline => s.push('\n'),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '/' if escapes => s.push_str("\\u002F"),
            '.' if escapes => s.push_str("\\u002e"),
            c => s.push(c),
        }
    }
    s
}

fn toml_lit(l: &Lit) -> String {
    let v = l.chain.text();
    let style = match l.style {
        0 if v.contains(['\'', '\n']) || l.escapes => 1,
        3 if v.contains("'''") || l.escapes => 2,
        s => s,
    };
    let nl = if l.ml_newline { "\n" } else { "" };
    match style {
        0 => format!("'{v}'"),
        1 => format!("\"{}\"", toml_basic_escape(&v, l.escapes, false)),
        2 => {
            let mut body = toml_basic_escape(&v, l.escapes, true);
            if l.toml_cont {
                body = body.replace("&& ", "&& \\\n      ");
            }
            format!("\"\"\"{nl}{body}\"\"\"")
        }
        _ => format!("'''{nl}{v}'''"),
    }
}

fn json_lit(l: &Lit) -> String {
    json_str(&l.chain.text(), l.escapes)
}

fn json_str(v: &str, escapes: bool) -> String {
    let mut s = String::from("\"");
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            '/' if escapes => s.push_str("\\/"),
            '.' if escapes => s.push_str("\\u002E"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

fn elem_toml(e: &Elem) -> String {
    match e {
        Elem::Ellipsis => "\"...\"".into(),
        Elem::Cmd(l) => toml_lit(l),
    }
}

fn elem_json(e: &Elem) -> String {
    match e {
        Elem::Ellipsis => "\"...\"".into(),
        Elem::Cmd(l) => json_lit(l),
    }
}

/// A TOML array in the given layout, with comments.
fn toml_array<T>(items: &[Item<T>], layout: &Layout, render: impl Fn(&T) -> String) -> String {
    if !layout.multiline || items.is_empty() {
        let parts: Vec<String> = items.iter().map(|i| render(&i.value)).collect();
        let trailing = if layout.trailing_comma && !items.is_empty() {
            ","
        } else {
            ""
        };
        return format!("[{}{trailing}]", parts.join(", "));
    }
    let mut s = String::from("[\n");
    for (k, it) in items.iter().enumerate() {
        if it.comment_before {
            s.push_str("  # own-line note\n");
        }
        s.push_str("  ");
        s.push_str(&render(&it.value));
        if k + 1 < items.len() || layout.trailing_comma {
            s.push(',');
        }
        if it.comment_after {
            s.push_str(" # same-line note");
        }
        s.push('\n');
    }
    s.push(']');
    s
}

fn json_array<T>(
    items: &[Item<T>],
    layout: &Layout,
    indent: &str,
    depth: usize,
    render: impl Fn(&T) -> String,
) -> String {
    let parts: Vec<String> = items.iter().map(|i| render(&i.value)).collect();
    if !layout.multiline || indent.is_empty() || items.is_empty() {
        return format!("[{}]", parts.join(", "));
    }
    let inner = indent.repeat(depth + 1);
    let outer = indent.repeat(depth);
    format!("[\n{inner}{}\n{outer}]", parts.join(&format!(",\n{inner}")))
}

/// The entries (`key = value` lines) of a phase, in TOML.
fn toml_phase_entries(p: &Phase) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(pk) = &p.pkgs {
        out.push((
            PKG_KEYS[pk.key].to_string(),
            toml_array(&pk.items, &pk.layout, |&i| format!("\"{}\"", PKGS[i])),
        ));
    }
    if let Some(c) = &p.cmds {
        let v = if CMD_KEYS[c.key] == "cmd" {
            toml_lit(&c.single)
        } else {
            toml_array(&c.items, &c.layout, elem_toml)
        };
        out.push((CMD_KEYS[c.key].to_string(), v));
    }
    if p.depends {
        out.push(("dependsOn".into(), "[\"setup\"]".into()));
    }
    out
}

fn finish(cfg: &Config, s: String) -> String {
    let mut s = s;
    if !cfg.final_newline {
        while s.ends_with('\n') {
            s.pop();
        }
    } else if !s.ends_with('\n') {
        s.push('\n');
    }
    if cfg.crlf {
        s = s.replace('\n', "\r\n");
    }
    if cfg.bom {
        s.insert(0, '\u{feff}');
    }
    s
}

fn render_toml(cfg: &Config) -> String {
    let mut s = String::new();
    if cfg.top_comment {
        s.push_str("# build config\n");
    }
    if cfg.providers {
        s.push_str("providers = [\"python\"]\n");
    }
    let vars = "[variables]\nFOO = \"bar\"\nPORT = 8080 # the port\n";
    let start = |s: &mut String, dotted: bool| {
        if let Some(l) = &cfg.start {
            if dotted {
                s.push_str(&format!("start.cmd = {}\n", toml_lit(l)));
            } else {
                s.push_str(&format!("\n[start]\ncmd = {}\n", toml_lit(l)));
            }
        }
    };
    match cfg.layout {
        0 => {
            if cfg.variables {
                s.push('\n');
                s.push_str(vars);
            }
            for p in &cfg.phases {
                s.push_str(&format!("\n[phases.{}]", PHASES[p.name]));
                if p.header_comment {
                    s.push_str(" # phase");
                }
                s.push('\n');
                for (k, v) in toml_phase_entries(p) {
                    s.push_str(&format!("{k} = {v}\n"));
                }
            }
            start(&mut s, false);
        }
        1 => {
            if cfg.variables {
                s.push_str("variables.FOO = \"bar\"\nvariables.PORT = 8080\n");
            }
            for p in &cfg.phases {
                if p.header_comment {
                    s.push_str(&format!("# the {} phase\n", PHASES[p.name]));
                }
                for (k, v) in toml_phase_entries(p) {
                    s.push_str(&format!("phases.{}.{k} = {v}\n", PHASES[p.name]));
                }
            }
            start(&mut s, true);
        }
        _ => {
            s.push_str("[phases]\n");
            for p in &cfg.phases {
                if p.header_comment {
                    s.push_str(&format!("# the {} phase\n", PHASES[p.name]));
                }
                for (k, v) in toml_phase_entries(p) {
                    s.push_str(&format!("{}.{k} = {v}\n", PHASES[p.name]));
                }
            }
            start(&mut s, false);
            if cfg.variables {
                s.push('\n');
                s.push_str(vars);
            }
        }
    }
    finish(cfg, s)
}

fn render_json(cfg: &Config) -> String {
    let ind = ["", "  ", "    ", "\t"][cfg.json_indent];
    let (nl, sp) = if ind.is_empty() {
        ("", " ")
    } else {
        ("\n", " ")
    };
    let i = |d: usize| ind.repeat(d);
    let obj = |members: Vec<String>, d: usize| -> String {
        if members.is_empty() {
            return "{}".into();
        }
        if ind.is_empty() {
            return format!("{{{}}}", members.join(", "));
        }
        format!(
            "{{{nl}{}{nl}{}}}",
            members
                .iter()
                .map(|m| format!("{}{m}", i(d + 1)))
                .collect::<Vec<_>>()
                .join(&format!(",{nl}")),
            i(d)
        )
    };
    let mut top = Vec::new();
    if cfg.providers {
        top.push(format!("\"providers\":{sp}[\"python\"]"));
    }
    if cfg.variables {
        top.push(format!(
            "\"variables\":{sp}{}",
            obj(
                vec![
                    format!("\"FOO\":{sp}\"bar\""),
                    format!("\"PORT\":{sp}\"8080\"")
                ],
                1
            )
        ));
    }
    if !cfg.phases.is_empty() {
        let mut phases = Vec::new();
        for p in &cfg.phases {
            let mut m = Vec::new();
            if let Some(pk) = &p.pkgs {
                m.push(format!(
                    "\"{}\":{sp}{}",
                    PKG_KEYS[pk.key],
                    json_array(&pk.items, &pk.layout, ind, 3, |&x| format!(
                        "\"{}\"",
                        PKGS[x]
                    ))
                ));
            }
            if let Some(c) = &p.cmds {
                let v = if CMD_KEYS[c.key] == "cmd" {
                    json_lit(&c.single)
                } else {
                    json_array(&c.items, &c.layout, ind, 3, elem_json)
                };
                m.push(format!("\"{}\":{sp}{v}", CMD_KEYS[c.key]));
            }
            if p.depends {
                m.push(format!("\"dependsOn\":{sp}[\"setup\"]"));
            }
            phases.push(format!("\"{}\":{sp}{}", PHASES[p.name], obj(m, 2)));
        }
        top.push(format!("\"phases\":{sp}{}", obj(phases, 1)));
    }
    if let Some(l) = &cfg.start {
        top.push(format!(
            "\"start\":{sp}{}",
            obj(vec![format!("\"cmd\":{sp}{}", json_lit(l))], 1)
        ));
    }
    finish(cfg, obj(top, 0))
}

// ---------------------------------------------------------------------------
// What the fix must produce, from the model.

/// Structure of a command string: lists of (connector, words) pipelines.
type Shape = Vec<Vec<(Option<Connector>, Vec<String>)>>;

fn shape(s: &str) -> Result<Shape, String> {
    let script = shell::parse(s).map_err(|e| format!("{s:?}: {e}"))?;
    Ok(script
        .lists
        .iter()
        .map(|l| {
            l.pipelines
                .iter()
                .map(|p| {
                    let words = p
                        .commands
                        .iter()
                        .flat_map(|c| c.words.iter().map(|w| w.text.clone()))
                        .collect();
                    (p.before, words)
                })
                .collect()
        })
        .collect())
}

/// Commands of a string: lists of (connector before, text, class).
type Model = Vec<Vec<(Connector, &'static str, Class)>>;

/// One pass of the fix over a string, as the spec describes it.
fn fix_pass(lists: &Model, mut in_venv: bool) -> Model {
    let mut out = Vec::new();
    for list in lists {
        // (connector, new text and class, or None when removed)
        let mut ps: Vec<(Connector, Option<(&'static str, Class)>)> = Vec::new();
        for &(conn, text, class) in list {
            let forbidden = !in_venv
                && matches!(
                    class,
                    Class::Ensurepip | Class::Upgrade | Class::UpgradeWith(_)
                );
            let new = match class {
                _ if !forbidden => Some((text, class)),
                Class::UpgradeWith(fixed) => Some((fixed, Class::PipUse)),
                _ => None,
            };
            ps.push((conn, new));
            if class == Class::Activate {
                in_venv = true;
            }
        }
        // A removed pipeline stands for `true` at the head of a chain; after
        // that, `||` pipelines are skipped until an `&&` one (the spec's
        // `X || fallback` -> nothing, `a || X` -> `a`).
        #[derive(PartialEq)]
        enum St {
            Start,
            True,
            Normal,
        }
        let mut st = St::Start;
        let mut kept = Vec::new();
        for (i, (conn, new)) in ps.iter().enumerate() {
            let conn = if i == 0 { Connector::And } else { *conn };
            match new {
                None => {
                    if st == St::Start {
                        st = St::True;
                    }
                }
                Some((t, c)) => match st {
                    St::Start | St::Normal => {
                        kept.push((conn, *t, *c));
                        st = St::Normal;
                    }
                    St::True => {
                        if conn == Connector::And {
                            kept.push((conn, *t, *c));
                            st = St::Normal;
                        }
                    }
                },
            }
        }
        if !kept.is_empty() {
            out.push(kept);
        }
    }
    out
}

/// What the fixed string must be (canonical spacing; compared by shape),
/// or `None` when every command goes. The fix runs to a fixed point: a
/// command that ran in a venv activated by a pipeline the first pass
/// dropped is judged again without it.
fn expected(chain: &Chain, in_venv: bool) -> Option<String> {
    let mut m: Model = chain
        .lists
        .iter()
        .map(|l| {
            l.iter()
                .map(|&(conn, cmd)| (CONNS[conn].0, VOCAB[cmd].0, VOCAB[cmd].1))
                .collect()
        })
        .collect();
    loop {
        let next = fix_pass(&m, in_venv);
        if next == m {
            break;
        }
        m = next;
    }
    let lists: Vec<String> = m
        .iter()
        .map(|l| {
            let mut s = String::new();
            for (k, (conn, t, _)) in l.iter().enumerate() {
                if k > 0 {
                    s.push_str(match conn {
                        Connector::And => " && ",
                        Connector::Or => " || ",
                    });
                }
                s.push_str(t);
            }
            s
        })
        .collect();
    (!lists.is_empty()).then(|| lists.join("; "))
}

impl Config {
    fn phase(&self, name: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| PHASES[p.name] == name)
    }
    /// Whether the install phase replaces the provider's (no `"..."`), which
    /// takes away the provider's virtualenv from the later phases.
    fn replaces_install(&self) -> bool {
        match self.phase("install").and_then(|p| p.cmds.as_ref()) {
            None => false,
            Some(c) if CMD_KEYS[c.key] == "cmd" => true,
            Some(c) => !c.items.iter().any(|i| matches!(i.value, Elem::Ellipsis)),
        }
    }
    fn provider_venv(&self, phase: Option<&str>) -> bool {
        (!self.replaces_install() || self.install_creates_opt_venv())
            && !matches!(phase, Some("setup" | "install"))
    }
    /// An install item runs `python -m venv --copies /opt/venv` (the
    /// provider's PATH has its bin, so the later phases run in it).
    fn install_creates_opt_venv(&self) -> bool {
        let Some(c) = self.phase("install").and_then(|p| p.cmds.as_ref()) else {
            return false;
        };
        let chains: Vec<&Chain> = if CMD_KEYS[c.key] == "cmd" {
            vec![&c.single.chain]
        } else {
            c.items
                .iter()
                .filter_map(|i| match &i.value {
                    Elem::Cmd(l) => Some(&l.chain),
                    Elem::Ellipsis => None,
                })
                .collect()
        };
        // What the fix leaves of it (a creation in the `||` fallback of a
        // removed ensurepip goes with it).
        chains.iter().any(|ch| {
            expected(ch, false).is_some_and(|t| {
                shape(&t).is_ok_and(|s| {
                    s.iter()
                        .flatten()
                        .any(|(_, w)| w.join(" ") == "python -m venv --copies /opt/venv")
                })
            })
        })
    }
    fn renamed_keys(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for p in &self.phases {
            if let Some(pk) = &p.pkgs
                && pk.key >= 2
            {
                v.push(PKG_KEYS[pk.key]);
            }
            if let Some(c) = &p.cmds
                && CMD_KEYS[c.key] == "cmd"
            {
                v.push("cmd");
            }
        }
        v
    }
}

// ---------------------------------------------------------------------------
// Checks.

fn fix(text: &str, kind: Kind, opts: &nixfix::engine::Options) -> Outcome {
    fix_text(text, kind, &Environment::default(), opts)
        .unwrap_or_else(|e| panic!("fix failed: {e}\ninput:\n{text}"))
}

/// The rules the model below describes: all the default ones but the two
/// that move installs into a virtualenv (NF006) and pin the Python (NF010),
/// which [`check_default`] holds to properties of their own.
fn model_options() -> nixfix::engine::Options {
    let mut o = nixfix::engine::Options::default();
    o.rules
        .retain(|r| r.code() != "NF006" && r.code() != "NF010");
    o
}

/// The document as a plain value tree (TOML through toml_edit, JSON through serde_json).
fn value_tree(text: &str, kind: Kind) -> Result<Value, String> {
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

fn table_value(t: &toml_edit::Table) -> Value {
    let mut m = serde_json::Map::new();
    for (k, item) in t.iter() {
        if let Some(v) = item_value(item) {
            m.insert(k.to_string(), v);
        }
    }
    Value::Object(m)
}

fn item_value(item: &toml_edit::Item) -> Option<Value> {
    Some(match item {
        toml_edit::Item::None => return None,
        toml_edit::Item::Value(v) => toml_value(v),
        toml_edit::Item::Table(t) => table_value(t),
        toml_edit::Item::ArrayOfTables(a) => Value::Array(a.iter().map(table_value).collect()),
    })
}

fn toml_value(v: &toml_edit::Value) -> Value {
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
fn strip_fixable(v: &Value) -> Value {
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

fn is_pip_req(w: &str) -> bool {
    let l = w.to_ascii_lowercase();
    l.strip_prefix("pip")
        .is_some_and(|r| r.is_empty() || r.starts_with(['<', '>', '=', '!', '~']))
}

/// An independent recogniser of the commands that must not survive: non-venv
/// `python -m ensurepip` and pip installing itself.
fn forbidden(args: &[&str]) -> bool {
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

fn activates(args: &[&str]) -> bool {
    matches!(args.first(), Some(&".") | Some(&"source"))
        && args.get(1).is_some_and(|a| a.ends_with("/activate"))
}

/// Command strings of a value tree, with whether each runs in the provider's venv.
fn value_sites(v: &Value) -> Vec<(String, String, bool)> {
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
fn pip_use(v: &Value) -> (bool, bool) {
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
fn surviving_forbidden(v: &Value) -> Vec<(String, String)> {
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
fn tokens(s: &str) -> Vec<&str> {
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

fn is_punctuation(t: &str) -> bool {
    t.starts_with('\\')
        || t.chars()
            .all(|c| c.is_whitespace() || ",;&|\\\"'[]{}:=/".contains(c))
}

/// Tokens the fix may take out: the words of the vocabulary (a removed
/// command, or a fallback that goes with it), a comment on a removed item's
/// line, renamed keys, a bare pip package.
fn droppable(t: &str, renamed: &[&str]) -> bool {
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
fn negative_token(t: &str, renamed: &[&str]) -> bool {
    t == "ensurepip" || t == "-mensurepip" || t == "pip3" || is_pip_req(t) || renamed.contains(&t)
}

/// Tokens the fix may put in: the Nix pip, `"..."`, a new setup entry,
/// a renamed key.
fn addable(t: &str, renamed: &[&str]) -> bool {
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
fn check_line_diff(input: &str, output: &str, renamed: &[&str]) -> Result<(), String> {
    check_line_diff_with(input, output, renamed, addable)
}

fn check_line_diff_with(
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

fn all_crlf(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter()
        .enumerate()
        .all(|(i, &c)| c != b'\n' || (i > 0 && b[i - 1] == b'\r'))
}

fn strings_of(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect()
}

fn nix_python(entry: &str) -> Option<String> {
    let rest = entry.strip_prefix("python")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let suffix = &rest[digits.len()..];
    (!digits.is_empty() && matches!(suffix, "" | "Full")).then(|| format!("python{digits}"))
}

fn is_nix_pip(e: &str) -> bool {
    e.strip_suffix("Packages.pip")
        .is_some_and(|p| nix_python(p).is_some())
}

/// All properties for one generated config in one format.
fn check_config(cfg: &Config, kind: Kind) -> Result<(), String> {
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
fn addable_default(t: &str, renamed: &[&str]) -> bool {
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
fn check_default(cfg: &Config, kind: Kind) -> Result<(), String> {
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
fn pt_config(cases: u32) -> PtConfig {
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

// ---------------------------------------------------------------------------
// The shell layer.

const SHELL_TOKENS: &[&str] = &[
    "a",
    "pip",
    "install",
    "-U",
    "X",
    "echo",
    "python3",
    "-m",
    "ensurepip",
    "'q w'",
    "\"d q\"",
    "\"e\\\"x\"",
    "$(x && y)",
    "`b; c`",
    "${V:-1}",
    "$V",
    "2>&1",
    ">",
    "/dev/null",
    "FOO=1",
    "&&",
    "||",
    ";",
    "&",
    "|",
    "\n",
    "#",
    "# c\n",
    "\\\n",
    "\\",
    "\"",
    "'",
    "(",
    ")",
    "{",
    "}",
    "if",
    "then",
    "fi",
    "<<",
    "é",
    "\r\n",
    "\t",
    "=",
    "*",
];

fn shell_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(SHELL_TOKENS),
            prop::sample::select(&[" ", "", "  "][..]),
        ),
        0..16,
    )
    .prop_map(|v| v.into_iter().map(|(t, s)| format!("{t}{s}")).collect())
}

/// Words of the generated commands: as written, and their text once the
/// quotes are removed (expansions are kept whole).
const CHAIN_WORDS: &[(&str, &str)] = &[
    ("a", "a"),
    ("b", "b"),
    ("X", "X"),
    ("pip", "pip"),
    ("install", "install"),
    ("-U", "-U"),
    ("'q w'", "q w"),
    ("\"d && q\"", "d && q"),
    ("$(x; y)", "$(x; y)"),
    ("`z`", "`z`"),
    ("2>&1", "2>&1"),
    ("FOO=1", "FOO=1"),
    ("\"e\\\"x\"", "e\"x"),
    ("${V}", "${V}"),
    ("a\\;b", "a;b"),
    ("'|'", "|"),
    ("x#y", "x#y"),
];

/// A token of a generated command string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ShTok {
    /// A simple command: indices into [`CHAIN_WORDS`].
    Cmd(Vec<usize>),
    Pipe,
    And,
    Or,
    Semi,
    Amp,
    Newline,
    /// `# c`, always followed by a newline or the end of the string.
    Comment,
}

impl ShTok {
    fn is_operator(&self) -> bool {
        matches!(
            self,
            ShTok::Pipe | ShTok::And | ShTok::Or | ShTok::Semi | ShTok::Amp
        )
    }
}

/// Blanks between tokens: spaces, a tab, `\`-newline continuations (after a
/// blank, so that they never join two words).
const BLANKS: &[&str] = &["", " ", "  ", "\t", " \\\n  "];

/// A command string as tokens, and the blanks between them (indices into
/// [`BLANKS`], one per gap).
#[derive(Debug, Clone)]
struct ShChain {
    toks: Vec<ShTok>,
    blanks: Vec<usize>,
}

impl ShChain {
    fn text(&self) -> String {
        let mut s = String::new();
        for (i, t) in self.toks.iter().enumerate() {
            if i > 0 {
                let prev = &self.toks[i - 1];
                let mut blank = BLANKS[self.blanks[i - 1] % BLANKS.len()];
                // `&` `&` is `&&`, `|` `|` is `||`, `;` `;` is `;;`; a `#`
                // right after a word is part of it; a blank after a comment
                // is part of the comment.
                let glued = prev.is_operator() && t.is_operator()
                    || matches!(prev, ShTok::Cmd(_)) && *t == ShTok::Comment;
                if *prev == ShTok::Comment {
                    blank = "";
                } else if glued && blank.is_empty() {
                    blank = " ";
                }
                s.push_str(blank);
            }
            match t {
                ShTok::Cmd(ws) => {
                    let words: Vec<&str> = ws.iter().map(|&w| CHAIN_WORDS[w].0).collect();
                    s.push_str(&words.join(" "));
                }
                ShTok::Pipe => s.push('|'),
                ShTok::And => s.push_str("&&"),
                ShTok::Or => s.push_str("||"),
                ShTok::Semi => s.push(';'),
                ShTok::Amp => s.push('&'),
                ShTok::Newline => s.push('\n'),
                ShTok::Comment => s.push_str("# c"),
            }
        }
        s
    }
}

/// A parsed string as plain data: lists of pipelines, each with its
/// connector and its commands' words.
type Tree = Vec<Vec<(Option<Connector>, Vec<Vec<String>>)>>;

fn tree(script: &shell::Script) -> Tree {
    script
        .lists
        .iter()
        .map(|l| {
            l.pipelines
                .iter()
                .map(|p| {
                    let commands = p
                        .commands
                        .iter()
                        .map(|c| c.words.iter().map(|w| w.text.clone()).collect())
                        .collect();
                    (p.before, commands)
                })
                .collect()
        })
        .collect()
}

/// The shell grammar, for these tokens: what `shell::parse` must make of
/// them, or `None` when it must refuse (as `sh -n` does).
///
/// - `|`, `&&` and `||` need a command on each side; newlines (and comments)
///   may follow them, and the command goes on: `a |\n b` is one pipeline,
///   `a &&\n b` one chain.
/// - `;` and `&` end a list and need one before them: `; a`, `a; ; b`,
///   `a & ; b`, `a\n; b`, `a | ; b` and `a && ; b` are refused.
/// - A newline ends a list; blank lines and comments are nothing.
fn model_parse(toks: &[ShTok]) -> Option<Tree> {
    #[derive(PartialEq)]
    enum St {
        /// At the start of the string or after a list: only a command,
        /// a newline or a comment.
        ListStart,
        /// After a command.
        AfterCmd,
        /// After `|`, `&&` or `||`: a command must come.
        NeedCmd,
    }
    let mut st = St::ListStart;
    let mut lists: Tree = Vec::new();
    let mut pipelines = Vec::new();
    let mut commands: Vec<Vec<String>> = Vec::new();
    let mut before = None;
    for t in toks {
        match (t, &st) {
            (ShTok::Comment, _) => {}
            (ShTok::Cmd(ws), St::ListStart | St::NeedCmd) => {
                commands.push(ws.iter().map(|&w| CHAIN_WORDS[w].1.to_string()).collect());
                st = St::AfterCmd;
            }
            (ShTok::Pipe, St::AfterCmd) => st = St::NeedCmd,
            (ShTok::And | ShTok::Or, St::AfterCmd) => {
                pipelines.push((before, std::mem::take(&mut commands)));
                before = Some(if *t == ShTok::And {
                    Connector::And
                } else {
                    Connector::Or
                });
                st = St::NeedCmd;
            }
            (ShTok::Semi | ShTok::Amp | ShTok::Newline, St::AfterCmd) => {
                pipelines.push((before.take(), std::mem::take(&mut commands)));
                lists.push(std::mem::take(&mut pipelines));
                st = St::ListStart;
            }
            (ShTok::Newline, St::ListStart | St::NeedCmd) => {}
            _ => return None,
        }
    }
    match st {
        St::NeedCmd => None,
        St::AfterCmd => {
            pipelines.push((before, commands));
            lists.push(pipelines);
            Some(lists)
        }
        St::ListStart => Some(lists),
    }
}

/// Operators: `&&`, `||`, `|`, `;`, `&`, a newline, a comment.
fn sh_operator() -> impl Strategy<Value = ShTok> {
    prop_oneof![
        3 => Just(ShTok::And),
        2 => Just(ShTok::Or),
        2 => Just(ShTok::Pipe),
        2 => Just(ShTok::Semi),
        1 => Just(ShTok::Amp),
        2 => Just(ShTok::Newline),
        1 => Just(ShTok::Comment),
    ]
}

/// Chains of simple commands: mostly one operator between two commands,
/// sometimes one continued on the next line (`a |\n b`, `a && # c\n b`),
/// sometimes a random run of them (`a && ; b`, `a & & b`, `a\n; b`), and
/// operators before the first command or after the last, so that both
/// well-formed strings and every kind of dangling operator come up.
fn shell_chain() -> impl Strategy<Value = ShChain> {
    let cmd = prop::collection::vec(0..CHAIN_WORDS.len(), 1..4).prop_map(ShTok::Cmd);
    let ops = |min: usize| {
        let continued = (
            prop::sample::select(vec![ShTok::And, ShTok::Or, ShTok::Pipe]),
            prop::sample::select(vec![
                vec![ShTok::Newline],
                vec![ShTok::Newline, ShTok::Newline],
                vec![ShTok::Comment, ShTok::Newline],
            ]),
        )
            .prop_map(|(op, rest)| [vec![op], rest].concat());
        prop_oneof![
            8 => sh_operator().prop_map(|o| vec![o]),
            2 => continued,
            1 => prop::collection::vec(sh_operator(), min..4),
        ]
    };
    let edge = prop_oneof![4 => Just(Vec::new()), 1 => ops(1)];
    (
        edge.clone(),
        cmd.clone(),
        prop::collection::vec((ops(1), cmd), 0..6),
        edge,
        prop::collection::vec(any::<usize>(), 32),
    )
        .prop_map(|(prefix, first, rest, suffix, blanks)| {
            let mut toks = prefix;
            toks.push(first);
            for (o, c) in rest {
                toks.extend(o);
                toks.push(c);
            }
            toks.extend(suffix);
            // A comment runs to the end of its line.
            let mut out: Vec<ShTok> = Vec::new();
            for (i, t) in toks.iter().enumerate() {
                out.push(t.clone());
                if *t == ShTok::Comment && i + 1 < toks.len() && toks[i + 1] != ShTok::Newline {
                    out.push(ShTok::Newline);
                }
            }
            let blanks = blanks.into_iter().cycle().take(out.len()).collect();
            ShChain { toks: out, blanks }
        })
}

/// Parse `s` and rewrite it with random decisions: no panic, deletions on
/// word boundaries. With `strict` (chains of simple commands; random text
/// may hold invalid shell the layer accepts, such as `a >`), the result
/// also parses again and keeps the remaining words in order.
fn check_rewrite(s: &str, choices: &[u8], strict: bool) -> Result<(), TestCaseError> {
    let Ok(script) = shell::parse(s) else {
        return Ok(());
    };
    // Removing nothing deletes nothing.
    let rw = shell::rewrite(&script, |_| Action::Keep);
    prop_assert!(rw.deletions.is_empty() && rw.refused.is_empty());
    prop_assert_eq!(rw.apply(s), s);
    // Random decisions.
    let mut k = 0usize;
    let words: Vec<std::ops::Range<usize>> = script
        .lists
        .iter()
        .flat_map(|l| l.pipelines.iter())
        .flat_map(|p| p.commands.iter())
        .flat_map(|c| c.words.iter().map(|w| w.raw.clone()))
        .collect();
    let rw = shell::rewrite(&script, |c| {
        let ch = choices.get(k).copied().unwrap_or(0);
        k += 1;
        match ch % 4 {
            0 | 1 => Action::Keep,
            2 => Action::Remove,
            _ => {
                let idx = c.argument_indices();
                Action::RemoveWords(idx.into_iter().skip(1).take(1).collect())
            }
        }
    });
    for d in &rw.deletions {
        prop_assert!(
            d.start <= d.end && d.end <= s.len(),
            "{:?} out of {:?}",
            d,
            s
        );
        prop_assert!(s.is_char_boundary(d.start) && s.is_char_boundary(d.end));
        for w in &words {
            let cuts = |p: usize| w.start < p && p < w.end;
            prop_assert!(
                !cuts(d.start) && !cuts(d.end),
                "deletion {:?} cuts the word {:?} in {:?}",
                d,
                &s[w.clone()],
                s
            );
        }
    }
    let out = rw.apply(s);
    if !strict {
        return Ok(());
    }
    // The rest still parses, and keeps the words in order.
    let again = shell::parse(&out);
    prop_assert!(
        again.is_ok(),
        "{:?} -> {:?} does not parse: {:?}",
        s,
        out,
        again.err()
    );
    let texts = |sc: &shell::Script| -> Vec<String> {
        sc.lists
            .iter()
            .flat_map(|l| l.pipelines.iter())
            .flat_map(|p| p.commands.iter())
            .flat_map(|c| c.words.iter().map(|w| w.text.clone()))
            .collect()
    };
    let before = texts(&script);
    let after = texts(&again.unwrap());
    let mut it = before.iter();
    prop_assert!(
        after.iter().all(|w| it.any(|b| b == w)),
        "{:?} -> {:?}: words not a subsequence",
        s,
        out
    );
    Ok(())
}

proptest! {
    #![proptest_config(pt_config(512))]

    #[test]
    fn shell_random_text_never_panics(s in shell_text(), choices in prop::collection::vec(any::<u8>(), 0..12)) {
        check_rewrite(&s, &choices, false)?;
    }

    #[test]
    fn shell_chains(c in shell_chain(), choices in prop::collection::vec(any::<u8>(), 0..12)) {
        let s = c.text();
        let want = model_parse(&c.toks);
        match (shell::parse(&s), want) {
            (Ok(script), Some(want)) => prop_assert_eq!(tree(&script), want, "{:?}", s),
            (Err(_), None) => {}
            (Ok(script), None) => prop_assert!(false, "{:?} accepted, should be refused: {:?}", s, tree(&script)),
            (Err(e), Some(want)) => prop_assert!(false, "{:?} refused ({}), should be {:?}", s, e, want),
        }
        check_rewrite(&s, &choices, true)?;
    }
}

// ---------------------------------------------------------------------------
// The fuzzer, briefly.

#[test]
fn fuzz_smoke() {
    // No big inputs here (seconds each unoptimised): `examples/fuzz.rs`
    // runs them.
    let stats = fuzz::run_with(2_000, 7, usize::MAX);
    eprintln!("{}", stats.summary());
    assert_eq!(stats.inputs, 2_000);
    assert!(stats.generated > 500, "{}", stats.summary());
    assert!(stats.ok > 0);
    assert_eq!(stats.crashes, 0, "{:#?}", stats.problems);
    // A rule that made invalid output (the engine caught it and left the
    // file alone) is a bug like any other.
    assert_eq!(stats.internal_errors, 0, "{:#?}", stats.problems);
    assert_eq!(stats.property_failures, 0, "{:#?}", stats.problems);
}

// ---------------------------------------------------------------------------
// Regression tests: minimal inputs for the bugs the properties and the
// fuzzer found, so that they stay fixed. Those still open are `#[ignore]`d
// with the bug in the reason.

fn fix_default(text: &str) -> Result<Outcome, nixfix::engine::FixError> {
    fix_text(
        text,
        Kind::NixpacksToml,
        &Environment::default(),
        &nixfix::engine::Options::default(),
    )
}

/// The fix leaves `input` as it is and warns with `code`.
fn assert_left_and_reported(input: &str, code: &str) {
    let out = fix_default(input).unwrap();
    assert_eq!(out.output, input);
    assert!(
        out.findings.iter().any(|f| f.code == code && !f.fixed),
        "{:?}",
        out.findings
    );
}

/// A new `phases.setup.nixPkgs` entry at the top of a file that starts with
/// a BOM goes after the BOM (it once went before it, which the engine
/// caught as an internal error).
#[test]
fn regression_bom_and_a_new_setup_entry() {
    for input in [
        "\u{feff}[phases.install]\ncmds = [\"pip install -r r.txt\"]\n",
        "\u{feff}phases.install.cmds = ['pip install -r r.txt']\n",
    ] {
        let out = fix_default(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert!(out.output.starts_with('\u{feff}'), "{:?}", out.output);
        assert_eq!(
            out.output.matches('\u{feff}').count(),
            1,
            "{:?}",
            out.output
        );
        assert!(
            out.output.contains("python3Packages.pip"),
            "{:?}",
            out.output
        );
    }
}

/// `a |` or `a &&` at the end of a line: the command goes on on the next
/// line (it was once split into two lists, and `echo x |` left dangling).
#[test]
fn regression_an_operator_before_a_newline_continues_the_command() {
    let s = shell::parse("a |\nb").unwrap();
    assert_eq!(s.lists.len(), 1, "{s:?}");
    assert_eq!(s.lists[0].pipelines.len(), 1, "{s:?}");
    assert_eq!(s.lists[0].pipelines[0].commands.len(), 2, "{s:?}");
    let s = shell::parse("a &&\n\n  b || # why\n c").unwrap();
    assert_eq!(s.lists.len(), 1, "{s:?}");
    let before: Vec<_> = s.lists[0].pipelines.iter().map(|p| p.before).collect();
    assert_eq!(before, [None, Some(Connector::And), Some(Connector::Or)]);
    // The ensurepip is inside a pipeline: refused, so left alone.
    let input = "[phases.install]\ncmds = [\"\"\"echo x |\npython -m ensurepip\"\"\"]\n";
    let out = fix_default(input).unwrap();
    assert_eq!(out.output, input);
}

/// Operators without a command on each side are not shell: `shell::parse`
/// refuses them (it once accepted them), and the strings are left alone.
#[test]
fn regression_invalid_operator_sequences_are_refused() {
    for s in [
        "a |", "a |  ", "a | ; b", "a && ; b", "a ||", "; a", "& a", "a; ; b", "a & ; b", "a\n; b",
    ] {
        assert!(
            shell::parse(s).is_err(),
            "{s:?} should be refused like `a &&`"
        );
    }
    for cmd in [
        "python -m ensurepip |",
        "&python -m ensurepip&",
        "; python -m ensurepip",
    ] {
        let input = format!("[phases.install]\ncmds = [\"{cmd}\", \"b\"]\n");
        assert_left_and_reported(&input, "NF001");
    }
}

/// A CRLF file whose only line breaks are inside a multi-line string the
/// fix removes: the new setup line still gets CRLF (it once got LF).
#[test]
fn regression_crlf_when_the_only_line_breaks_were_in_a_removed_string() {
    let input =
        "phases.install.cmds = ['pip install -r r.txt', \"\"\"\r\npython -m ensurepip\"\"\"]";
    let out = fix_default(input).unwrap();
    assert!(
        out.output.contains("python3Packages.pip"),
        "{:?}",
        out.output
    );
    assert!(all_crlf(&out.output), "a lone LF: {:?}", out.output);
}

/// `[phases.setup.x]` makes `phases.setup` an implicit table: the new
/// `nixPkgs` goes into it, and the output is valid TOML (it once was not).
#[test]
fn regression_implicit_setup_table() {
    let input = "[phases.setup.x]\n[phases.install]\ncmds = [\"pip install -r r.txt\"]\n";
    let out = fix_default(input).unwrap_or_else(|e| panic!("{e}"));
    let v = value_tree(&out.output, Kind::NixpacksToml).unwrap();
    assert_eq!(
        v["phases"]["setup"]["nixPkgs"],
        serde_json::json!(["...", "python3Packages.pip"]),
        "{}",
        out.output
    );
}

/// `phases.setup = { a.b = 1 }`: the new `nixPkgs` goes into the inline
/// table beside the dotted key, which keeps its value.
#[test]
fn regression_inline_setup_with_a_dotted_key() {
    let input = "phases.install.cmds = [\"pip install -r r.txt\"]\nphases.setup = { a.b = 1 }\n";
    let out = fix_default(input).unwrap_or_else(|e| panic!("{e}"));
    let v = value_tree(&out.output, Kind::NixpacksToml).unwrap();
    assert_eq!(v["phases"]["setup"]["a"]["b"], 1, "{}", out.output);
    assert_eq!(
        v["phases"]["setup"]["nixPkgs"],
        serde_json::json!(["...", "python3Packages.pip"]),
        "{}",
        out.output
    );
}

/// NF003 judges the commands the other fixes leave: it once added pip (of
/// python3.11) for commands that a later round removed, once the venv
/// activation before them had gone.
#[test]
fn regression_nf003_sees_the_commands_the_other_fixes_leave() {
    // (a) Nothing left names python3.11: the pip must be python3's, as a
    // fresh run over the output without the nixPkgs line would choose.
    let input = "[phases.install]\ncmds = ['python -m ensurepip || . /opt/venv/bin/activate; python3.11 -m ensurepip', 'pip install -r r.txt']\n";
    let out = fix_default(input).unwrap();
    assert!(!out.output.contains("python3.11"), "{}", out.output);
    assert!(out.output.contains("python3Packages.pip"), "{}", out.output);
    // (b) Nothing left uses pip: nothing to add.
    let input = "[phases.install]\ncmds = ['pip install --upgrade pip || . /opt/venv/bin/activate; pip install --upgrade pip']\n";
    // The install phase it empties goes back to the provider's install.
    let out = fix_default(input).unwrap();
    assert_eq!(out.output, "[phases.install]\ncmds = [\"...\"]\n");
}

/// Removing every command of a string that ends with `;` or `&` must take
/// the separator too: `python -m ensurepip;` is left as `;` (and `X &` as
/// ` &`, `X; # c` as `; # c`, `a # c\nX \\\n;` as `a # c \\\n;`), which `sh -c` rejects ("Syntax error: ";"
/// unexpected"), so the fixed config breaks the build; `shell::parse`
/// refuses it too, so a second run cannot repair it. The array item should
/// go (as for `python -m ensurepip`), and `start.cmd` be left with the
/// NF001 warning (an empty start command is not valid).
#[test]
fn regression_removing_every_command_takes_the_trailing_separator() {
    for s in [
        "X;",
        "X &",
        "X; ",
        "X;\n",
        "X && Y;",
        "X; # c",
        "X & # c\n",
        "a # c\nX \\\n;",
    ] {
        let script = shell::parse(s).unwrap();
        let rw = shell::rewrite(&script, |c| match c.arguments().first() {
            Some(&"X" | &"Y") => Action::Remove,
            _ => Action::Keep,
        });
        let out = rw.apply(s);
        assert!(
            shell::parse(&out).is_ok() && !out.contains([';', '&']),
            "{s:?} -> {out:?}"
        );
    }
    let input = "[phases.install]\ncmds = [\"python -m ensurepip;\", \"b\"]\n";
    let out = fix_default(input).unwrap();
    assert_eq!(out.output, "[phases.install]\ncmds = [\"b\"]\n");
    // (The install phase is replaced: no provider virtualenv at start. A
    // build phase installs, so NF006 leaves the empty install as it is.)
    let input = "[phases.setup]\nnixPkgs = [\"...\", \"python3Packages.pip\"]\n[phases.install]\ncmds = []\n[phases.build]\ncmds = [\"pip install --target d x\"]\n[start]\ncmd = \"python -m ensurepip &\"\n";
    assert_left_and_reported(input, "NF001");
}

/// A `\`-newline inside a word joins its two halves (POSIX removes the
/// pair before splitting into words): `python -m ensure\<newline>pip` is
/// `python -m ensurepip`, which the fix must remove, and `pip install -U
/// pip\<newline>setuptools` installs `pipsetuptools` (no self-upgrade).
/// `shell::parse` splits such a word in two, so the first is missed and
/// the second rewritten to `pip install -U\<newline>setuptools`, which the
/// shell reads as `pip install -Usetuptools`.
#[test]
fn regression_a_continuation_inside_a_word_joins_it() {
    let s = shell::parse("pip ins\\\ntall -U pip").unwrap();
    let words: Vec<&str> = s.lists[0].pipelines[0].commands[0]
        .words
        .iter()
        .map(|w| w.text.as_str())
        .collect();
    assert_eq!(words, ["pip", "install", "-U", "pip"]);
    let input = "[phases.install]\ncmds = ['''python -m ensure\\\npip''', '''pip install -U pip\\\nsetuptools''']\n";
    // (Without NF006, which would put the install in a virtualenv.)
    let out = fix_text(
        input,
        Kind::NixpacksToml,
        &Environment::default(),
        &model_options(),
    )
    .unwrap();
    assert!(!out.output.contains("ensure"), "{}", out.output);
    assert!(
        out.output
            .contains("cmds = ['''pip install -U pip\\\nsetuptools''']"),
        "{}",
        out.output
    );
}

/// Removing the last item of a TOML array when it sits on a line of its
/// own and the array's trailing comma is on a later line (`["a",\n"X"\n,]`):
/// the item's line goes but both commas stay (`["a",\n,]`), which the
/// engine catches ("the NF001 fix would make the file invalid TOML: extra
/// comma in array"), so the file is left unfixed with an internal error.
/// NF003 dropping a bare `pip` hits the same. Found by the fuzzer (seeds 4
/// and 6 of 1,000,000 inputs).
#[test]
fn regression_last_item_on_its_own_line_with_the_comma_after_it() {
    for (input, path, want) in [
        (
            "[phases.install]\ncmds = [\"a\",\n\"python -m ensurepip\"\n,]\n",
            ["phases", "install", "cmds"],
            serde_json::json!(["a"]),
        ),
        (
            "[phases.setup]\nnixPkgs = [\"python311Packages.pip\",\n\"pip\"\n,]\n",
            ["phases", "setup", "nixPkgs"],
            serde_json::json!(["python311Packages.pip"]),
        ),
    ] {
        // (Without NF010, which would add the list's missing Python.)
        let out = fix_text(
            input,
            Kind::NixpacksToml,
            &Environment::default(),
            &model_options(),
        )
        .unwrap_or_else(|e| panic!("{input:?}: {e}"));
        let v = value_tree(&out.output, Kind::NixpacksToml).unwrap();
        assert_eq!(v[path[0]][path[1]][path[2]], want, "{}", out.output);
    }
}
