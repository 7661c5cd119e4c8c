//! Regression tests: minimal inputs for the bugs the properties and the
//! fuzzer found, so that they stay fixed. Those still open are `#[ignore]`d
//! with the bug in the reason.

use super::*;

pub(super) fn fix_default(text: &str) -> Result<Outcome, nixfix::engine::FixError> {
    fix_text(
        text,
        Kind::NixpacksToml,
        &Environment::default(),
        &nixfix::engine::Options::default(),
    )
}

/// The fix leaves `input` as it is and warns with `code`.
pub(super) fn assert_left_and_reported(input: &str, code: &str) {
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
pub(super) fn regression_bom_and_a_new_setup_entry() {
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
pub(super) fn regression_an_operator_before_a_newline_continues_the_command() {
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
pub(super) fn regression_invalid_operator_sequences_are_refused() {
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
pub(super) fn regression_crlf_when_the_only_line_breaks_were_in_a_removed_string() {
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
pub(super) fn regression_implicit_setup_table() {
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
pub(super) fn regression_inline_setup_with_a_dotted_key() {
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
pub(super) fn regression_nf003_sees_the_commands_the_other_fixes_leave() {
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
pub(super) fn regression_removing_every_command_takes_the_trailing_separator() {
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
pub(super) fn regression_a_continuation_inside_a_word_joins_it() {
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
pub(super) fn regression_last_item_on_its_own_line_with_the_comma_after_it() {
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
