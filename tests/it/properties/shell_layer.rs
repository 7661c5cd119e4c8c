//! The shell layer.

use super::*;

pub(super) const SHELL_TOKENS: &[&str] = &[
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

pub(super) fn shell_text() -> impl Strategy<Value = String> {
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
pub(super) const CHAIN_WORDS: &[(&str, &str)] = &[
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
pub(super) enum ShTok {
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
    pub(super) fn is_operator(&self) -> bool {
        matches!(
            self,
            ShTok::Pipe | ShTok::And | ShTok::Or | ShTok::Semi | ShTok::Amp
        )
    }
}

/// Blanks between tokens: spaces, a tab, `\`-newline continuations (after a
/// blank, so that they never join two words).
pub(super) const BLANKS: &[&str] = &["", " ", "  ", "\t", " \\\n  "];

/// A command string as tokens, and the blanks between them (indices into
/// [`BLANKS`], one per gap).
#[derive(Debug, Clone)]
pub(super) struct ShChain {
    pub(super) toks: Vec<ShTok>,
    pub(super) blanks: Vec<usize>,
}

impl ShChain {
    pub(super) fn text(&self) -> String {
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
pub(super) type Tree = Vec<Vec<(Option<Connector>, Vec<Vec<String>>)>>;

pub(super) fn tree(script: &shell::Script) -> Tree {
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
pub(super) fn model_parse(toks: &[ShTok]) -> Option<Tree> {
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
pub(super) fn sh_operator() -> impl Strategy<Value = ShTok> {
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
pub(super) fn shell_chain() -> impl Strategy<Value = ShChain> {
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
pub(super) fn check_rewrite(s: &str, choices: &[u8], strict: bool) -> Result<(), TestCaseError> {
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
