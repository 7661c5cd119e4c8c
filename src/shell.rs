//! Just enough of the POSIX shell grammar to remove one command from a
//! Nixpacks `cmds` string without changing what the rest of it means.
//!
//! A string is split into lists (separated by `;`, `&` or newlines), each an
//! and-or chain of pipelines (`&&`, `||`), each pipeline made of simple
//! commands (`|`). Quotes, escapes, `$(...)`, backticks, `${...}`, comments
//! and `\`-newline continuations are understood well enough to find the
//! boundaries. Anything richer (subshells, `if`/`for`/`case`, functions,
//! heredocs) makes [`parse`] refuse, and the caller leaves the string alone.
//!
//! Removing a command treats it as a command that succeeded, which is what
//! the person who wrote it intended (`ensurepip` was there to make pip
//! available; pip now comes from Nix):
//! - `X && b` -> `b`, `a && X` -> `a`, `a && X && b` -> `a && b`
//! - `X || fallback` -> nothing (the fallback handled X failing), and
//!   `X || true && b` -> `b`
//! - `a || X` -> `a` (X was a fallback that cannot work on Nix)
//! - a list that becomes empty goes with its separator: `a; X; b` -> `a; b`.

use std::ops::Range;

/// A word of a simple command: its raw span and its text with quotes removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub raw: Range<usize>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    And,
    Or,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// Commands joined by `|`.
    pub commands: Vec<SimpleCommand>,
    /// The connector before this pipeline in its chain (`None` for the first).
    pub before: Option<Connector>,
    pub range: Range<usize>,
}

/// An and-or chain; `range` includes a comment at the end of its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    pub pipelines: Vec<Pipeline>,
    pub range: Range<usize>,
    /// End of the word or comment before the list (0 for none).
    pub prev_end: usize,
    /// Start of the word or comment after the list (the string's end for none).
    pub next_start: usize,
    /// End of the `;` or `&` that ends the list, if one does.
    pub sep_end: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    pub lists: Vec<List>,
    /// The text inside each command substitution (`$(...)`, backticks) of
    /// the string, outside single quotes, in text order: commands that run
    /// there are not edited, but the rules look into them to report.
    pub substitutions: Vec<Range<usize>>,
}

impl Script {
    /// Every simple command of the script, in order (lists, then their
    /// pipelines, then the commands of each).
    pub fn commands(&self) -> impl Iterator<Item = &SimpleCommand> {
        self.lists
            .iter()
            .flat_map(|l| &l.pipelines)
            .flat_map(|p| &p.commands)
    }
}

/// Why a string was not edited.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unsupported(pub String);

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
    "function", "{", "}", "!", "[[", "]]", "select", "coproc",
];

impl SimpleCommand {
    /// Indices of the words that are arguments: leading `VAR=value`
    /// assignments and redirections (with their targets) are skipped.
    pub fn argument_indices(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.words.len());
        let mut i = 0;
        let mut leading = true;
        while i < self.words.len() {
            let w = &self.words[i].text;
            if leading && is_assignment(w) {
                i += 1;
                continue;
            }
            leading = false;
            if let Some(needs_target) = redirection(&self.words[i]) {
                i += if needs_target { 2 } else { 1 };
                continue;
            }
            out.push(i);
            i += 1;
        }
        out
    }

    /// The argument words (see [`SimpleCommand::argument_indices`]).
    pub fn arguments(&self) -> Vec<&str> {
        self.argument_indices()
            .into_iter()
            .map(|i| self.words[i].text.as_str())
            .collect()
    }
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// `Some(true)` for a redirection operator whose target is the next word
/// (`>`, `2>`), `Some(false)` for one that carries it (`>/dev/null`, `2>&1`).
fn redirection(w: &Word) -> Option<bool> {
    let t = w.text.as_str();
    let rest = t.trim_start_matches(|c: char| c.is_ascii_digit());
    let rest = rest.strip_prefix('&').unwrap_or(rest);
    if !(rest.starts_with('>') || rest.starts_with('<')) {
        return None;
    }
    let op_len = rest
        .chars()
        .take_while(|c| matches!(c, '>' | '<' | '&' | '|'))
        .count();
    Some(rest.len() == op_len && !rest.ends_with('&'))
}

#[derive(Debug, PartialEq)]
enum Tok {
    Word(Word),
    And(Range<usize>),
    Or(Range<usize>),
    Pipe,
    /// `;` or `&`
    Sep(Range<usize>),
    Newline,
    Comment(Range<usize>),
}

/// Parse a command string.
pub fn parse(s: &str) -> Result<Script, Unsupported> {
    let mut substitutions = Vec::new();
    let toks = tokenize(s, &mut substitutions, false)?;
    // Where the words and comments are, to find what surrounds each list.
    let marks: Vec<Range<usize>> = toks
        .iter()
        .filter_map(|t| match t {
            Tok::Word(w) => Some(w.raw.clone()),
            Tok::Comment(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    let mut lists = Vec::new();
    let mut pipelines: Vec<Pipeline> = Vec::new();
    let mut commands: Vec<SimpleCommand> = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut before: Option<Connector> = None;

    fn end_command(
        words: &mut Vec<Word>,
        commands: &mut Vec<SimpleCommand>,
    ) -> Result<(), Unsupported> {
        if words.is_empty() {
            return Err(Unsupported("an empty command between operators".into()));
        }
        let range = words[0].raw.start..words[words.len() - 1].raw.end;
        if let Some(k) = KEYWORDS.iter().find(|k| words[0].text == **k) {
            return Err(Unsupported(format!("shell keyword `{k}`")));
        }
        if words.len() >= 2 && words[1].text == "()" || words[0].text.ends_with("()") {
            return Err(Unsupported("a shell function".into()));
        }
        commands.push(SimpleCommand {
            // Collected at its exact size (a taken vector keeps the room
            // it grew to: four words' worth for a one-word command).
            words: exact(words),
            range,
        });
        Ok(())
    }
    fn end_pipeline(
        commands: &mut Vec<SimpleCommand>,
        pipelines: &mut Vec<Pipeline>,
        before: Option<Connector>,
    ) {
        let range = commands[0].range.start..commands[commands.len() - 1].range.end;
        pipelines.push(Pipeline {
            commands: exact(commands),
            before,
            range,
        });
    }
    fn end_list(pipelines: &mut Vec<Pipeline>, lists: &mut Vec<List>, comment_end: Option<usize>) {
        if pipelines.is_empty() {
            return;
        }
        let start = pipelines[0].range.start;
        let end = comment_end.unwrap_or(pipelines[pipelines.len() - 1].range.end);
        lists.push(List {
            pipelines: exact(pipelines),
            range: start..end,
            prev_end: 0,
            next_start: 0,
            sep_end: None,
        });
    }

    let mut iter = toks.into_iter().peekable();
    let mut after_pipe = false;
    let mut after_connector = false;
    while let Some(t) = iter.next() {
        match t {
            Tok::Word(w) => {
                words.push(w);
                after_pipe = false;
                after_connector = false;
            }
            Tok::Pipe => {
                end_command(&mut words, &mut commands)?;
                after_pipe = true;
            }
            Tok::And(_) | Tok::Or(_) => {
                end_command(&mut words, &mut commands)?;
                end_pipeline(&mut commands, &mut pipelines, before);
                before = Some(if matches!(t, Tok::And(_)) {
                    Connector::And
                } else {
                    Connector::Or
                });
                after_connector = true;
            }
            // `a &&` or `a |` at the end of a line: the command goes on.
            Tok::Newline | Tok::Comment(_) if after_pipe || after_connector => {
                if matches!(t, Tok::Comment(_)) && matches!(iter.peek(), Some(Tok::Newline)) {
                    iter.next();
                }
            }
            Tok::Sep(_) | Tok::Newline | Tok::Comment(_) => {
                if after_pipe || after_connector {
                    return Err(Unsupported("an operator with no command after it".into()));
                }
                let comment_end = if let Tok::Comment(r) = &t {
                    Some(r.end)
                } else {
                    None
                };
                if !words.is_empty() {
                    end_command(&mut words, &mut commands)?;
                }
                if !commands.is_empty() {
                    end_pipeline(&mut commands, &mut pipelines, before);
                    before = None;
                } else if matches!(t, Tok::Sep(_)) && pipelines.is_empty() {
                    return Err(Unsupported("`;` or `&` with no command before it".into()));
                }
                let attach = comment_end.is_some() && !pipelines.is_empty();
                let before_len = lists.len();
                end_list(
                    &mut pipelines,
                    &mut lists,
                    if attach { comment_end } else { None },
                );
                if let (Tok::Sep(r), true) = (&t, lists.len() > before_len)
                    && let Some(l) = lists.last_mut()
                {
                    l.sep_end = Some(r.end);
                }
                // A comment runs to the newline, which is the separator.
                if matches!(t, Tok::Comment(_)) && matches!(iter.peek(), Some(Tok::Newline)) {
                    iter.next();
                }
            }
        }
    }
    if !words.is_empty() {
        end_command(&mut words, &mut commands)?;
    }
    if after_pipe || after_connector {
        return Err(Unsupported("a command that ends with an operator".into()));
    }
    if !commands.is_empty() {
        end_pipeline(&mut commands, &mut pipelines, before);
    }
    end_list(&mut pipelines, &mut lists, None);
    lists.shrink_to_fit();
    // The marks are in text order and disjoint: a binary search each.
    for l in &mut lists {
        let before = marks.partition_point(|m| m.end <= l.range.start);
        l.prev_end = before.checked_sub(1).map_or(0, |i| marks[i].end);
        let after = marks.partition_point(|m| m.start < l.range.end);
        l.next_start = marks.get(after).map_or(s.len(), |m| m.start);
    }
    Ok(Script {
        lists,
        substitutions,
    })
}

/// Reserved words that open or close a compound command: read loosely, they
/// are dropped from the front of the command they start (`then pip install`
/// runs `pip install`; `fi` alone runs nothing).
const COMPOUND_WORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "while", "until", "do", "done", "{", "}", "!",
];

/// The simple commands a string runs, read through the compound commands
/// [`parse`] refuses (`if`/`while` bodies and conditions, subshells, `{ }`
/// groups, `for` bodies), in text order, with the string's command
/// substitutions. Nothing read this way may be edited: it tells a rule
/// whether a string it cannot edit really holds a case, rather than a word
/// that looks like one (the command word `pip` is not the package `pip`).
/// What even this reading cannot follow (`case`, functions, heredocs, an
/// unclosed quote) is refused.
pub fn commands_loosely(s: &str) -> Result<(Vec<SimpleCommand>, Vec<Range<usize>>), Unsupported> {
    let mut substitutions = Vec::new();
    let toks = tokenize(s, &mut substitutions, true)?;
    let mut commands = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut end = |words: &mut Vec<Word>| -> Result<(), Unsupported> {
        let skip = words
            .iter()
            .take_while(|w| COMPOUND_WORDS.contains(&w.text.as_str()))
            .count();
        let rest: Vec<Word> = words.drain(..).skip(skip).collect();
        let Some(first) = rest.first() else {
            return Ok(());
        };
        match first.text.as_str() {
            // `for x in a b`: the words are a list of values, not a command.
            "for" | "select" => return Ok(()),
            "case" | "esac" | "function" | "coproc" => {
                return Err(Unsupported(format!("shell keyword `{}`", first.text)));
            }
            _ => {}
        }
        if first.text.ends_with("()") || rest.get(1).is_some_and(|w| w.text == "()") {
            return Err(Unsupported("a shell function".into()));
        }
        let range = first.raw.start..rest[rest.len() - 1].raw.end;
        commands.push(SimpleCommand { words: rest, range });
        Ok(())
    };
    for t in toks {
        match t {
            Tok::Word(w) => words.push(w),
            _ => end(&mut words)?,
        }
    }
    end(&mut words)?;
    Ok((commands, substitutions))
}

/// The items of `v`, moved into a vector of exactly their number (`v`
/// keeps its room for the next ones).
fn exact<T>(v: &mut Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(v.len());
    out.append(v);
    out
}

/// The string being split, and where its command substitutions go.
struct Lexer<'s, 'v> {
    s: &'s str,
    subs: &'v mut Vec<Range<usize>>,
}

fn tokenize(s: &str, subs: &mut Vec<Range<usize>>, loose: bool) -> Result<Vec<Tok>, Unsupported> {
    let mut lx = Lexer { s, subs };
    let b = s.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut word_start: Option<usize> = None;
    let mut text = String::new();

    macro_rules! flush {
        ($end:expr) => {
            if let Some(ws) = word_start.take() {
                toks.push(Tok::Word(Word {
                    raw: ws..$end,
                    text: text.as_str().into(),
                }));
                text.clear();
            }
        };
    }

    while i < b.len() {
        let c = b[i];
        match c {
            b' ' | b'\t' | b'\r' => {
                flush!(i);
                i += 1;
            }
            // A line continuation is removed: it joins a word, or separates
            // nothing (`ensure\<newline>pip` is `ensurepip`).
            b'\\' if b.get(i + 1) == Some(&b'\n') => {
                i += 2;
            }
            b'\\' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => {
                i += 3;
            }
            b'\n' => {
                flush!(i);
                toks.push(Tok::Newline);
                i += 1;
            }
            b'#' if word_start.is_none() => {
                let end = s[i..].find('\n').map_or(s.len(), |p| i + p);
                toks.push(Tok::Comment(i..end));
                i = end;
            }
            b';' => {
                flush!(i);
                if b.get(i + 1) == Some(&b';') {
                    return Err(Unsupported("`;;` (a case statement)".into()));
                }
                toks.push(Tok::Sep(i..i + 1));
                i += 1;
            }
            b'&' => {
                // `2>&1`, `>&2` and `&>` are redirections, part of the word.
                let in_redir = word_start.is_some() && text.ends_with(['>', '<']);
                if in_redir || b.get(i + 1) == Some(&b'>') {
                    if word_start.is_none() {
                        word_start = Some(i);
                    }
                    text.push('&');
                    i += 1;
                    continue;
                }
                flush!(i);
                if b.get(i + 1) == Some(&b'&') {
                    toks.push(Tok::And(i..i + 2));
                    i += 2;
                } else {
                    toks.push(Tok::Sep(i..i + 1));
                    i += 1;
                }
            }
            b'|' => {
                if word_start.is_some() && text.ends_with('>') {
                    text.push('|');
                    i += 1;
                    continue;
                }
                flush!(i);
                if b.get(i + 1) == Some(&b'|') {
                    toks.push(Tok::Or(i..i + 2));
                    i += 2;
                } else {
                    if b.get(i + 1) == Some(&b'&') {
                        return Err(Unsupported("`|&`".into()));
                    }
                    toks.push(Tok::Pipe);
                    i += 1;
                }
            }
            b'(' | b')' => {
                if word_start.is_some() && c == b'(' && text.ends_with(['<', '>']) {
                    return Err(Unsupported("process substitution".into()));
                }
                if c == b'(' && b.get(i + 1) == Some(&b')') && word_start.is_some() {
                    return Err(Unsupported("a shell function".into()));
                }
                if !loose {
                    return Err(Unsupported("a subshell or group `( ... )`".into()));
                }
                // Read loosely, a subshell's parentheses only separate commands.
                flush!(i);
                toks.push(Tok::Sep(i..i + 1));
                i += 1;
            }
            b'<' if b.get(i + 1) == Some(&b'<') => {
                return Err(Unsupported("a heredoc or herestring `<<`".into()));
            }
            _ => {
                if word_start.is_none() {
                    word_start = Some(i);
                }
                i = word_char(&mut lx, i, &mut text)?;
            }
        }
    }
    flush!(s.len());
    Ok(toks)
}

/// Consume one unit of a word at `i` (a plain char, a quoted string, an
/// escape, a `$...` expansion), append its unquoted text, return the next
/// index. The insides of command substitutions go to `subs`.
fn word_char(lx: &mut Lexer, i: usize, text: &mut String) -> Result<usize, Unsupported> {
    let s = lx.s;
    let b = s.as_bytes();
    match b[i] {
        b'\'' => {
            let end = s[i + 1..]
                .find('\'')
                .ok_or_else(|| Unsupported("an unclosed single quote".into()))?;
            text.push_str(&s[i + 1..i + 1 + end]);
            Ok(i + end + 2)
        }
        b'"' => double_quoted(lx, i, text),
        b'\\' => match s[i + 1..].chars().next() {
            Some(c) => {
                text.push(c);
                Ok(i + 1 + c.len_utf8())
            }
            None => Err(Unsupported("a trailing backslash".into())),
        },
        // Bash's ANSI-C quoting: `$'a\'b'` is the one word `a'b`.
        b'$' if b.get(i + 1) == Some(&b'\'') => ansi_c(s, i, Some(text)),
        // `$"..."` (a translated string) is a double-quoted string.
        b'$' if b.get(i + 1) == Some(&b'"') => double_quoted(lx, i + 1, text),
        b'$' => dollar(lx, i, text),
        b'`' => backtick(lx, i, text),
        _ => {
            // A run of plain characters at once (specials are all ASCII, so
            // the run ends on a character boundary).
            let run = b[i + 1..]
                .iter()
                .position(|c| PLAIN_RUN_ENDS.contains(c))
                .map_or(b.len(), |n| i + 1 + n);
            let run = if s.is_char_boundary(run) {
                run
            } else {
                i + s[i..].chars().next().expect("in bounds").len_utf8()
            };
            text.push_str(&s[i..run]);
            Ok(run)
        }
    }
}

/// A double-quoted string at `i` (on its `"`): its text (escapes of `"`,
/// `\`, `$`, backtick and newline undone, expansions copied), the index after it.
fn double_quoted(lx: &mut Lexer, i: usize, text: &mut String) -> Result<usize, Unsupported> {
    let s = lx.s;
    let b = s.as_bytes();
    let mut j = i + 1;
    loop {
        match b.get(j) {
            None => return Err(Unsupported("an unclosed double quote".into())),
            Some(b'"') => return Ok(j + 1),
            Some(b'\\') => {
                match b.get(j + 1) {
                    Some(c @ (b'"' | b'\\' | b'$' | b'`')) => text.push(*c as char),
                    Some(b'\n') => {}
                    Some(_) => {
                        text.push('\\');
                        j += 1;
                        continue;
                    }
                    None => return Err(Unsupported("an unclosed double quote".into())),
                }
                j += 2;
            }
            Some(b'$') => j = dollar(lx, j, text)?,
            Some(b'`') => j = backtick(lx, j, text)?,
            Some(_) => {
                let c = s[j..].chars().next().expect("inside the string");
                text.push(c);
                j += c.len_utf8();
            }
        }
    }
}

/// Bash's `$'...'` at `i` (on its `$`): the index after it, and with `text`
/// its value (`\n`, `\t`, `\'`, `\xHH`, `\nnn`, `\uHHHH`, `\cX`, ...).
fn ansi_c(s: &str, i: usize, mut text: Option<&mut String>) -> Result<usize, Unsupported> {
    let b = s.as_bytes();
    let mut j = i + 2;
    let mut push = |c: char| {
        if let Some(t) = text.as_deref_mut() {
            t.push(c);
        }
    };
    loop {
        match b.get(j) {
            None => return Err(Unsupported("an unclosed `$'`".into())),
            Some(b'\'') => return Ok(j + 1),
            Some(b'\\') => {
                let Some(&e) = b.get(j + 1) else {
                    return Err(Unsupported("an unclosed `$'`".into()));
                };
                j += 2;
                let simple = match e {
                    b'a' => Some('\u{7}'),
                    b'b' => Some('\u{8}'),
                    b'e' | b'E' => Some('\u{1b}'),
                    b'f' => Some('\u{c}'),
                    b'n' => Some('\n'),
                    b'r' => Some('\r'),
                    b't' => Some('\t'),
                    b'v' => Some('\u{b}'),
                    b'\\' | b'\'' | b'"' | b'?' => Some(e as char),
                    _ => None,
                };
                if let Some(c) = simple {
                    push(c);
                    continue;
                }
                let digits = |j: usize, max: usize, radix: u32| {
                    let n = b[j..]
                        .iter()
                        .take(max)
                        .take_while(|c| (**c as char).is_digit(radix))
                        .count();
                    (n, u32::from_str_radix(&s[j..j + n], radix).ok())
                };
                match e {
                    b'0'..=b'7' => {
                        let (n, v) = digits(j - 1, 3, 8);
                        j += n - 1;
                        push(char::from_u32(v.unwrap_or(0) & 0xff).unwrap_or('\0'));
                    }
                    b'x' | b'u' | b'U' => {
                        let max = match e {
                            b'x' => 2,
                            b'u' => 4,
                            _ => 8,
                        };
                        let (n, v) = digits(j, max, 16);
                        j += n;
                        match v {
                            Some(v) => push(char::from_u32(v).unwrap_or('\u{fffd}')),
                            None => {
                                push('\\');
                                push(e as char);
                            }
                        }
                    }
                    b'c' => match b.get(j) {
                        Some(&x) if x.is_ascii() && x != b'\'' => {
                            j += 1;
                            push(char::from(x.to_ascii_uppercase() ^ 0x40));
                        }
                        _ => {
                            push('\\');
                            push('c');
                        }
                    },
                    _ => {
                        // Unknown escapes stay as written.
                        push('\\');
                        j -= 1;
                    }
                }
            }
            Some(_) => {
                let c = s[j..].chars().next().expect("inside the string");
                push(c);
                j += c.len_utf8();
            }
        }
    }
}

/// Bytes that end a run of plain word characters: blanks, operators and
/// the starts of quoting and expansions (and `<`, for `<<`).
const PLAIN_RUN_ENDS: &[u8] = b" \t\r\n\\;&|()<'\"$`";

/// `$(...)`, `$((...))`, `${...}` or a plain `$`: copied whole into the
/// word. Quotes, escapes and nested expansions inside are skipped as the
/// shell reads them, so a `)` in a quoted string does not end it.
fn dollar(lx: &mut Lexer, i: usize, text: &mut String) -> Result<usize, Unsupported> {
    let s = lx.s;
    let b = s.as_bytes();
    let (open, close) = match b.get(i + 1) {
        Some(b'(') => (b'(', b')'),
        Some(b'{') => (b'{', b'}'),
        _ => {
            text.push('$');
            return Ok(i + 1);
        }
    };
    let arithmetic = open == b'(' && b.get(i + 2) == Some(&b'(');
    let end = skip_expansion(s, i + 1, open, close)?;
    if open == b'(' && !arithmetic {
        lx.subs.push(i + 2..end - 1);
    }
    text.push_str(&s[i..end]);
    Ok(end)
}

/// From the opening bracket at `at`, the index after its closing one.
fn skip_expansion(s: &str, at: usize, open: u8, close: u8) -> Result<usize, Unsupported> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut j = at;
    // Nested expansions are skipped over, not recorded.
    let mut scratch = String::new();
    let mut nested = Lexer {
        s,
        subs: &mut Vec::new(),
    };
    while j < b.len() {
        let c = b[j];
        match c {
            b'\\' => {
                j += 2;
                continue;
            }
            b'\'' => {
                let end = s[j + 1..]
                    .find('\'')
                    .ok_or_else(|| Unsupported("an unclosed quote in `$(...)`".into()))?;
                j += end + 2;
                continue;
            }
            b'"' => {
                j = double_quoted(&mut nested, j, &mut scratch)?;
                continue;
            }
            b'`' => {
                j = backtick(&mut nested, j, &mut scratch)?;
                continue;
            }
            b'$' if b.get(j + 1) == Some(&b'\'') => {
                j = ansi_c(s, j, None)?;
                continue;
            }
            _ => {}
        }
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Ok(j + 1);
            }
        }
        j += 1;
    }
    Err(Unsupported("an unclosed `$(` or `${`".into()))
}

fn backtick(lx: &mut Lexer, i: usize, text: &mut String) -> Result<usize, Unsupported> {
    let s = lx.s;
    let b = s.as_bytes();
    let mut j = i + 1;
    loop {
        match b.get(j) {
            None => return Err(Unsupported("an unclosed backtick".into())),
            Some(b'`') => break,
            Some(b'\\') => j += 2,
            Some(_) => j += 1,
        }
    }
    lx.subs.push(i + 1..j);
    text.push_str(&s[i..=j]);
    Ok(j + 1)
}

/// What to do with one simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Keep,
    /// Remove the whole command (it must be alone in its pipeline).
    Remove,
    /// Remove some of its words (indices into `words`).
    RemoveWords(Vec<usize>),
}

/// The result of [`rewrite`]: deletions in the command string, and the
/// commands the caller asked to remove that could not be (inside a pipeline).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub deletions: Vec<Range<usize>>,
    pub refused: Vec<Range<usize>>,
}

impl Rewrite {
    pub fn apply(&self, s: &str) -> String {
        let mut d = self.deletions.clone();
        d.sort_by_key(|r| r.start);
        let mut out = String::new();
        let mut pos = 0;
        for r in d {
            if r.start >= pos {
                out.push_str(&s[pos..r.start]);
            }
            pos = pos.max(r.end);
        }
        out.push_str(&s[pos..]);
        out
    }
}

/// Compute the deletions that carry out `decide`'s choices on `script`.
pub fn rewrite(script: &Script, mut decide: impl FnMut(&SimpleCommand) -> Action) -> Rewrite {
    let mut rw = Rewrite::default();
    // Decisions per pipeline: removed or not, plus word removals.
    let mut kept_lists: Vec<(usize, Range<usize>)> = Vec::new(); // (list idx, kept span)
    let mut removed_lists = Vec::new();
    for (li, list) in script.lists.iter().enumerate() {
        let mut removed = Vec::with_capacity(list.pipelines.len());
        for p in &list.pipelines {
            let mut remove_pipeline = false;
            for c in &p.commands {
                match decide(c) {
                    Action::Keep => {}
                    Action::Remove if p.commands.len() == 1 => remove_pipeline = true,
                    Action::Remove => rw.refused.push(c.range.clone()),
                    Action::RemoveWords(ws) => {
                        for wi in ws {
                            let start = if wi == 0 {
                                c.words[0].raw.start
                            } else {
                                c.words[wi - 1].raw.end
                            };
                            let end = if wi == 0 && c.words.len() > 1 {
                                c.words[1].raw.start
                            } else {
                                c.words[wi].raw.end
                            };
                            rw.deletions.push(start..end);
                        }
                    }
                }
            }
            removed.push(remove_pipeline);
        }
        if !removed.iter().any(|&r| r) {
            kept_lists.push((li, list.range.clone()));
            continue;
        }
        // Left fold with a removed pipeline standing for `true`.
        #[derive(PartialEq)]
        enum State {
            Start,
            True,
            Normal,
        }
        let mut state = State::Start;
        let mut keep = vec![false; list.pipelines.len()];
        for (i, p) in list.pipelines.iter().enumerate() {
            if removed[i] {
                if state == State::Start {
                    state = State::True;
                }
                continue;
            }
            match state {
                State::Start | State::Normal => {
                    keep[i] = true;
                    state = State::Normal;
                }
                State::True => {
                    if p.before == Some(Connector::And) {
                        keep[i] = true;
                        state = State::Normal;
                    }
                }
            }
        }
        let kept: Vec<usize> = (0..keep.len()).filter(|&i| keep[i]).collect();
        if kept.is_empty() {
            removed_lists.push(li);
            continue;
        }
        let ps = &list.pipelines;
        // Before the head, between kept pipelines, and after the last one.
        rw.deletions.push(list.range.start..ps[kept[0]].range.start);
        for w in kept.windows(2) {
            let (a, b) = (w[0], w[1]);
            rw.deletions.push(ps[a].range.end..ps[b - 1].range.end);
        }
        let last = *kept.last().expect("non-empty");
        if last + 1 < ps.len() {
            rw.deletions.push(ps[last].range.end..list.range.end);
        }
        kept_lists.push((li, list.range.clone()));
    }
    if !removed_lists.is_empty() {
        let lists = &script.lists;
        let kept_idx: Vec<usize> = kept_lists.iter().map(|(i, _)| *i).collect();
        if kept_idx.is_empty() {
            if let (Some(f), Some(l)) = (lists.first(), lists.last()) {
                rw.deletions
                    .push(f.range.start..l.sep_end.unwrap_or(l.range.end).max(l.range.end));
            }
        } else {
            // A removed list goes with the separator after it (or, at the
            // end, the one before it); comments on lines of their own stay.
            for &r in &removed_lists {
                let l = &lists[r];
                let later_kept = kept_idx.last().is_some_and(|&k| k > r);
                if later_kept {
                    rw.deletions.push(l.range.start..l.next_start);
                } else {
                    // Its own `;` or `&` goes too: a separator with nothing
                    // after it is fine, one with nothing before it is not.
                    rw.deletions
                        .push(l.prev_end..l.sep_end.unwrap_or(l.range.end).max(l.range.end));
                }
            }
        }
    }
    rw.deletions.retain(|r| !r.is_empty());
    rw
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Remove every simple command whose first argument is `X` (or `Y`).
    fn strip(s: &str) -> String {
        let script = parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        let rw = rewrite(&script, |c| {
            let args = c.arguments();
            match args.first() {
                Some(&"X") | Some(&"Y") => Action::Remove,
                _ => Action::Keep,
            }
        });
        rw.apply(s)
    }

    #[test]
    fn chains_keep_their_meaning() {
        let cases = [
            ("X", ""),
            ("X && b", "b"),
            ("a && X", "a"),
            ("a && X && b", "a && b"),
            ("a&&X&&b", "a&&b"),
            ("X || true", ""),
            ("X || echo skip", ""),
            ("X || true && b", "b"),
            ("X || h1 || h2 && b || c", "b || c"),
            ("a || X", "a"),
            ("a && X || fail", "a || fail"),
            ("X && Y && b", "b"),
            ("a && X && Y", "a"),
            ("X && a || Y", "a"),
            ("a; X; b", "a; b"),
            ("X; b", "b"),
            ("a; X", "a"),
            ("a; X;", "a"),
            ("X;", ""),
            ("X &", ""),
            ("X; # c", " # c"),
            ("a\nX\nb", "a\nb"),
            ("a # c1\nX # c2\nb", "a # c1\nb"),
            ("X && \\\n  b", "b"),
            ("a && \\\n  X && \\\n  b", "a && \\\n  b"),
            ("a & X", "a"),
            ("  X  ", "    "),
            ("a; X || true; b", "a; b"),
        ];
        for (input, want) in cases {
            assert_eq!(strip(input), want, "input {input:?}");
        }
    }

    #[test]
    fn quotes_and_expansions_are_words() {
        let s = parse(r#"echo "a && b" 'c || d' $(x && y) `z; w` ${V:-1}&& X"#).unwrap();
        assert_eq!(s.lists.len(), 1);
        assert_eq!(s.lists[0].pipelines.len(), 2);
        let w = &s.lists[0].pipelines[0].commands[0].words;
        assert_eq!(w[1].text, "a && b");
        assert_eq!(w[2].text, "c || d");
        assert_eq!(w[3].text, "$(x && y)");
        assert_eq!(w[4].text, "`z; w`");
        assert_eq!(strip(r#"echo "a && b" && X"#), r#"echo "a && b""#);
    }

    #[test]
    fn redirections_and_assignments_are_not_arguments() {
        let s = parse("FOO=1 BAR=2 pip install -U pip > /dev/null 2>&1").unwrap();
        let c = &s.lists[0].pipelines[0].commands[0];
        assert_eq!(c.arguments(), vec!["pip", "install", "-U", "pip"]);
        let s = parse("pip install x 2>/dev/null >log").unwrap();
        assert_eq!(
            s.lists[0].pipelines[0].commands[0].arguments(),
            vec!["pip", "install", "x"]
        );
    }

    #[test]
    fn pipelines_are_not_split() {
        let script = parse("X | tee log && b").unwrap();
        let rw = rewrite(&script, |c| {
            if c.arguments()[0] == "X" {
                Action::Remove
            } else {
                Action::Keep
            }
        });
        assert!(rw.deletions.is_empty());
        assert_eq!(rw.refused.len(), 1);
    }

    #[test]
    fn word_removal() {
        let s = "pip install -U pip setuptools";
        let script = parse(s).unwrap();
        let rw = rewrite(&script, |_| Action::RemoveWords(vec![3]));
        assert_eq!(rw.apply(s), "pip install -U setuptools");
    }

    #[test]
    fn unsupported_constructs_are_refused() {
        for s in [
            "if true; then X; fi",
            "(cd a && X)",
            "cat <<EOF\nx\nEOF",
            "for i in 1 2; do X; done",
            "f() { X; }",
            "echo 'unclosed",
            "a &&",
            "case $x in a) X;; esac",
            "a |",
            "a | ; b",
            "; a",
            "& a",
            "a; ; b",
            "a && ; b",
        ] {
            assert!(parse(s).is_err(), "{s:?} should be refused");
        }
    }

    #[test]
    fn a_continuation_inside_a_word_joins_it() {
        let s = parse("pip ins\\\ntall x").unwrap();
        assert_eq!(
            s.lists[0].pipelines[0].commands[0].arguments(),
            vec!["pip", "install", "x"]
        );
    }

    #[test]
    fn operators_at_the_end_of_a_line_continue_the_command() {
        let s = parse("echo x |\nX").unwrap();
        assert_eq!(s.lists.len(), 1);
        assert_eq!(s.lists[0].pipelines[0].commands.len(), 2);
        assert_eq!(strip("a &&\n  X &&\n  b"), "a &&\n  b");
        assert_eq!(strip("a && # why\n X"), "a");
    }

    #[test]
    fn bash_ansi_c_quotes_are_one_word() {
        // The report of issue 11: under bash the whole `$'...'` is quoted,
        // `\'` included, so nothing here is a command to remove.
        let s = r"echo $'\' && python -m ensurepip && '\'";
        let script = parse(s).unwrap();
        assert_eq!(script.lists.len(), 1);
        let c = &script.lists[0].pipelines[0].commands;
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].words[1].text, "' && python -m ensurepip && '");
        assert_eq!(strip(r"X && echo $'a\'b' && b"), r"echo $'a\'b' && b");
        assert_eq!(
            parse(r#"echo $'\x41\101\u00e9\n\cA\z'"#).unwrap().lists[0].pipelines[0].commands[0]
                .words[1]
                .text,
            "AAé\n\u{1}\\z"
        );
        assert!(parse("echo $'unclosed").is_err());
    }

    #[test]
    fn substitutions_are_recorded_outside_single_quotes() {
        let s =
            r#"echo "$(python -m ensurepip)" `pip install -U pip` '$(no)' $((1+2)) "$(echo ")")""#;
        let script = parse(s).unwrap();
        let inner: Vec<&str> = script.substitutions.iter().map(|r| &s[r.clone()]).collect();
        assert_eq!(
            inner,
            ["python -m ensurepip", "pip install -U pip", r#"echo ")""#]
        );
        assert_eq!(script.lists[0].pipelines[0].commands[0].words.len(), 6);
    }

    /// Words as bash splits and unquotes them, against our tokenizer, for
    /// generated words of every quoting kind (no expansions: bash would
    /// run them). Skipped when bash is missing.
    #[test]
    fn words_agree_with_bash() {
        let pieces = [
            "a",
            "b-c",
            "'s q'",
            "\"d q\"",
            "\"x\\\"y\"",
            "\\ ",
            "\\'",
            "\\\"",
            "$'a\\'b'",
            "$'\\t\\x41\\n'",
            "$'\\101\\u00e9'",
            "$\"t\"",
            "\"\\\\\"",
            "'\\'",
            "é",
            "\"$'x'\"",
            "$'\\cA\\?\\q'",
            "\"a\\b\"",
            "=",
            "x=1",
            "''",
            "\"\"",
        ];
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: usize| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng % n as u64) as usize
        };
        let mut cases = Vec::new();
        for _ in 0..400 {
            let words: Vec<String> = (0..1 + next(4))
                .map(|_| {
                    (0..1 + next(3))
                        .map(|_| pieces[next(pieces.len())])
                        .collect()
                })
                .collect();
            cases.push(words.join(" "));
        }
        let script: String = cases
            .iter()
            .map(|c| format!("printf '%s\\0' {c}; printf '\\036'\n"))
            .collect();
        let Ok(out) = std::process::Command::new("bash")
            .args(["--norc", "-c", &script])
            .env("LC_ALL", "C.UTF-8")
            .output()
        else {
            eprintln!("SKIPPED: no bash");
            return;
        };
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<&[u8]> = out.stdout.split(|&b| b == 0x1e).collect();
        assert_eq!(got.len(), cases.len() + 1);
        for (case, bash) in cases.iter().zip(&got) {
            let parsed =
                parse(&format!("printf %s {case}")).unwrap_or_else(|e| panic!("{case}: {e}"));
            let ours: Vec<String> = parsed.lists[0].pipelines[0].commands[0].words[2..]
                .iter()
                .map(|w| w.text.clone())
                .collect();
            // printf '%s\0' ends every word with a NUL, empty words included.
            let mut want: Vec<String> = bash
                .split(|&b| b == 0)
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            want.pop();
            assert_eq!(ours, want, "case {case:?}");
        }
    }

    #[test]
    fn comments_and_blank_lines() {
        assert_eq!(strip("# setup\nX\n\nb"), "# setup\nb");
        assert_eq!(strip("a\n# note\nX"), "a\n# note");
    }

    #[test]
    fn loose_reading_sees_through_compound_commands() {
        let read = |s: &str| -> Vec<Vec<String>> {
            commands_loosely(s)
                .unwrap()
                .0
                .iter()
                .map(|c| c.arguments().iter().map(|a| a.to_string()).collect())
                .collect()
        };
        let v = |w: &[&str]| w.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            read("if [ -f r.txt ]; then pip install -r r.txt; fi"),
            vec![
                v(&["[", "-f", "r.txt", "]"]),
                v(&["pip", "install", "-r", "r.txt"])
            ]
        );
        assert_eq!(
            read("(cd app && pip install -r 'r s.txt') || { echo then; }"),
            vec![
                v(&["cd", "app"]),
                v(&["pip", "install", "-r", "r s.txt"]),
                v(&["echo", "then"])
            ]
        );
        assert_eq!(
            read("for r in a b; do\n  ! pip install $r\ndone"),
            vec![v(&["pip", "install", "$r"])]
        );
        assert_eq!(
            read("while read l; do echo \"$(pip list)\"; done"),
            vec![v(&["read", "l"]), v(&["echo", "$(pip list)"])]
        );
        let (_, subs) = commands_loosely("if x; then echo $(pip list); fi").unwrap();
        assert_eq!(subs.len(), 1);
        for refused in [
            "case $x in a) pip install -U pip;; esac",
            "f() { pip install -U pip; }",
            "cat <<EOF\npip\nEOF",
            "if 'unclosed; then x; fi",
        ] {
            assert!(commands_loosely(refused).is_err(), "{refused}");
        }
        // The strict parser still refuses what only the loose reading reads.
        assert!(parse("(cd app && pip install -r r.txt)").is_err());
    }
}
