//! Rendering.

use super::*;

impl Chain {
    /// The shell text (the value of the string).
    pub(super) fn text(&self) -> String {
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

pub(super) fn toml_basic_escape(v: &str, escapes: bool, multiline: bool) -> String {
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

pub(super) fn toml_lit(l: &Lit) -> String {
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

pub(super) fn json_lit(l: &Lit) -> String {
    json_str(&l.chain.text(), l.escapes)
}

pub(super) fn json_str(v: &str, escapes: bool) -> String {
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

pub(super) fn elem_toml(e: &Elem) -> String {
    match e {
        Elem::Ellipsis => "\"...\"".into(),
        Elem::Cmd(l) => toml_lit(l),
    }
}

pub(super) fn elem_json(e: &Elem) -> String {
    match e {
        Elem::Ellipsis => "\"...\"".into(),
        Elem::Cmd(l) => json_lit(l),
    }
}

/// A TOML array in the given layout, with comments.
pub(super) fn toml_array<T>(
    items: &[Item<T>],
    layout: &Layout,
    render: impl Fn(&T) -> String,
) -> String {
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

pub(super) fn json_array<T>(
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
pub(super) fn toml_phase_entries(p: &Phase) -> Vec<(String, String)> {
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

pub(super) fn finish(cfg: &Config, s: String) -> String {
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

pub(super) fn render_toml(cfg: &Config) -> String {
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

pub(super) fn render_json(cfg: &Config) -> String {
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
