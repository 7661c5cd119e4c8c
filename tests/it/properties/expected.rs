//! What the fix must produce, from the model.

use super::*;

/// Structure of a command string: lists of (connector, words) pipelines.
pub(super) type Shape = Vec<Vec<(Option<Connector>, Vec<String>)>>;

pub(super) fn shape(s: &str) -> Result<Shape, String> {
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
pub(super) type Model = Vec<Vec<(Connector, &'static str, Class)>>;

/// One pass of the fix over a string, as the spec describes it.
pub(super) fn fix_pass(lists: &Model, mut in_venv: bool) -> Model {
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
pub(super) fn expected(chain: &Chain, in_venv: bool) -> Option<String> {
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
    pub(super) fn phase(&self, name: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| PHASES[p.name] == name)
    }
    /// Whether the install phase replaces the provider's (no `"..."`), which
    /// takes away the provider's virtualenv from the later phases.
    pub(super) fn replaces_install(&self) -> bool {
        match self.phase("install").and_then(|p| p.cmds.as_ref()) {
            None => false,
            Some(c) if CMD_KEYS[c.key] == "cmd" => true,
            Some(c) => !c.items.iter().any(|i| matches!(i.value, Elem::Ellipsis)),
        }
    }
    pub(super) fn provider_venv(&self, phase: Option<&str>) -> bool {
        (!self.replaces_install() || self.install_creates_opt_venv())
            && !matches!(phase, Some("setup" | "install"))
    }
    /// An install item runs `python -m venv --copies /opt/venv` (the
    /// provider's PATH has its bin, so the later phases run in it).
    pub(super) fn install_creates_opt_venv(&self) -> bool {
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
    pub(super) fn renamed_keys(&self) -> Vec<&'static str> {
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
