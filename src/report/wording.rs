//! Fix messages are written as done ("removed `python -m ensurepip`");
//! a fix that is only pending (dry run, `--check`) is reported as what
//! would change ("would remove ..."). The verbs rules use are listed here,
//! and a test over every fixture's fix messages (tests/it/cli_gate.rs) keeps
//! the list whole.

use std::borrow::Cow;

/// Past tense, then what a pending fix says instead.
pub const VERBS: &[(&str, &str)] = &[
    ("removed", "would remove"),
    ("added", "would add"),
    ("renamed", "would rename"),
    ("pinned", "would pin"),
    ("replaced", "would replace"),
    ("moved", "would move"),
    ("changed", "would change"),
    ("set", "would set"),
    ("now installs", "would install"),
    ("now runs", "would run"),
    ("handed back", "would hand back"),
];

/// Where the first verb of [`VERBS`] in `msg` is, as a whole word.
fn first_verb(msg: &str) -> Option<(usize, &'static str, &'static str)> {
    let word_at = |i: usize, w: &str| {
        let before = msg[..i].chars().next_back();
        let after = msg[i + w.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '`' || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '`' || c == '_')
    };
    VERBS
        .iter()
        .filter_map(|&(done, pending)| {
            msg.match_indices(done)
                .map(|(i, _)| i)
                .find(|&i| word_at(i, done) && !inside_backticks(msg, i))
                .map(|i| (i, done, pending))
        })
        .min_by_key(|&(i, _, _)| i)
}

/// Whether byte `i` of `msg` is inside a `code span`.
fn inside_backticks(msg: &str, i: usize) -> bool {
    msg[..i].matches('`').count() % 2 == 1
}

/// `msg` as a pending fix says it; unchanged when it names no known verb.
pub fn pending(msg: &str) -> Cow<'_, str> {
    match first_verb(msg) {
        Some((i, done, pending)) => {
            Cow::Owned(format!("{}{pending}{}", &msg[..i], &msg[i + done.len()..]))
        }
        None => Cow::Borrowed(msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_fixes_say_what_would_change() {
        assert_eq!(
            pending("phases.install.cmds: removed `python -m ensurepip`"),
            "phases.install.cmds: would remove `python -m ensurepip`"
        );
        assert_eq!(
            pending("added python311Packages.pip to the setup phase's nixPkgs"),
            "would add python311Packages.pip to the setup phase's nixPkgs"
        );
        assert_eq!(
            pending("phases.install.cmds: pip now installs into a virtualenv"),
            "phases.install.cmds: pip would install into a virtualenv"
        );
        // A verb inside a code span is the command's, not the message's.
        assert_eq!(pending("`git added` removed"), "`git added` would remove");
        // Parts of words are not verbs.
        assert_eq!(pending("unpinned settings"), "unpinned settings");
        assert_eq!(pending("nothing here"), "nothing here");
    }
}
