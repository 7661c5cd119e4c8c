//! The generated model.

use super::*;

#[derive(Debug, Clone)]
pub(super) struct Chain {
    /// Lists; each pipeline is (index into CONNS for the connector before it
    /// (ignored for the first), index into VOCAB).
    pub(super) lists: Vec<Vec<(usize, usize)>>,
    /// Index into SEPS for the separator after each list but the last.
    pub(super) seps: Vec<usize>,
    /// Index into TAILS for what ends the string.
    pub(super) tail: usize,
}

#[derive(Debug, Clone)]
pub(super) struct Lit {
    pub(super) chain: Chain,
    /// 0 literal, 1 basic, 2 multi-line basic, 3 multi-line literal (TOML).
    pub(super) style: usize,
    /// Escape `/` and `.` (`\u002F`, `\/`, ...).
    pub(super) escapes: bool,
    /// A TOML line-ending backslash after `&& ` (multi-line basic only).
    pub(super) toml_cont: bool,
    /// A newline right after the opening `"""` / `'''`.
    pub(super) ml_newline: bool,
}

#[derive(Debug, Clone)]
pub(super) enum Elem {
    Ellipsis,
    Cmd(Lit),
}

#[derive(Debug, Clone)]
pub(super) struct Item<T> {
    pub(super) value: T,
    pub(super) comment_before: bool,
    pub(super) comment_after: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Layout {
    pub(super) multiline: bool,
    pub(super) trailing_comma: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Pkgs {
    pub(super) key: usize,
    pub(super) items: Vec<Item<usize>>,
    pub(super) layout: Layout,
}

#[derive(Debug, Clone)]
pub(super) struct Cmds {
    pub(super) key: usize,
    pub(super) items: Vec<Item<Elem>>,
    /// The value when the key is `cmd` (a single string).
    pub(super) single: Lit,
    pub(super) layout: Layout,
}

#[derive(Debug, Clone)]
pub(super) struct Phase {
    pub(super) name: usize,
    pub(super) pkgs: Option<Pkgs>,
    pub(super) cmds: Option<Cmds>,
    pub(super) depends: bool,
    pub(super) header_comment: bool,
}

#[derive(Debug, Clone)]
pub(super) struct Config {
    pub(super) phases: Vec<Phase>,
    pub(super) start: Option<Lit>,
    pub(super) variables: bool,
    pub(super) providers: bool,
    /// 0 `[phases.x]` headers, 1 root dotted keys, 2 `[phases]` + `x.key`.
    pub(super) layout: usize,
    pub(super) crlf: bool,
    pub(super) bom: bool,
    pub(super) final_newline: bool,
    pub(super) top_comment: bool,
    /// JSON: 0 compact, 1 two spaces, 2 four spaces, 3 tabs.
    pub(super) json_indent: usize,
}

pub(super) fn chain() -> impl Strategy<Value = Chain> {
    let list = prop::collection::vec((0..CONNS.len(), 0..VOCAB.len()), 1..4);
    (
        prop::collection::vec(list, 1..3),
        prop::collection::vec(0..SEPS.len(), 2),
        0..TAILS.len(),
    )
        .prop_map(|(lists, seps, tail)| Chain { lists, seps, tail })
}

pub(super) fn lit() -> impl Strategy<Value = Lit> {
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

pub(super) fn item<T: std::fmt::Debug + Clone>(
    v: impl Strategy<Value = T>,
) -> impl Strategy<Value = Item<T>> {
    (v, prop::bool::weighted(0.2), prop::bool::weighted(0.2)).prop_map(
        |(value, comment_before, comment_after)| Item {
            value,
            comment_before,
            comment_after,
        },
    )
}

pub(super) fn layout() -> impl Strategy<Value = Layout> {
    (any::<bool>(), any::<bool>()).prop_map(|(multiline, trailing_comma)| Layout {
        multiline,
        trailing_comma,
    })
}

pub(super) fn elem() -> impl Strategy<Value = Elem> {
    prop_oneof![1 => Just(Elem::Ellipsis), 6 => lit().prop_map(Elem::Cmd)]
}

pub(super) fn phase(name: usize) -> impl Strategy<Value = Phase> {
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

pub(super) fn config() -> impl Strategy<Value = Config> {
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
