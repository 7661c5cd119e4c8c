//! The rules as the registry declares them, checked against what documents
//! them: each rule doc's example is run through the real binary, `nixfix
//! rule` and `nixfix rules` print the registry's metadata, and the README's
//! rules table lists exactly the registry's rules.
//!
//! The examples' layout (in the doc's `## Example` section, up to the next
//! `## ` heading): fenced blocks, each after a label line.
//! - A block labelled `Before:` is an input; the next block, labelled
//!   `After:`, is what nixfix makes of it. The rule must report a fix.
//! - A lone block (no `After:` follows) is reported by the rule and left as
//!   it is: a warning rule's example.
//! - A command in backticks in the label (``After `nixfix --select NF001`:``)
//!   gives the rule options the example is run with; without one, nixfix
//!   runs with its default rules.
//! - The fence's info string is `toml` or `json`, optionally followed by the
//!   file's name (`json railway.json`); otherwise `nixpacks.toml` or
//!   `nixpacks.json`.
//!
//! Examples run on stdin in the directory of a Python app (one holding a
//! `requirements.txt`, so Nixpacks' Python provider applies), which is what
//! the docs describe.

use crate::common::*;

use nixfix::rules::{REGISTRY, RuleKind, RuleMeta};

/// One example of a rule doc.
#[derive(Debug)]
struct Example {
    /// nixfix's options (`--select NF001`), from the label.
    args: Vec<String>,
    /// The file name the text comes from.
    file: String,
    before: String,
    /// `None`: left as it is, and reported.
    after: Option<String>,
}

/// A fenced block and the label line before it.
struct Block {
    label: String,
    info: String,
    text: String,
}

fn blocks(section: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut last = String::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let mut text = String::new();
            for l in lines.by_ref() {
                if l == "```" {
                    break;
                }
                text.push_str(l);
                text.push('\n');
            }
            out.push(Block {
                label: std::mem::take(&mut last),
                info: info.to_string(),
                text,
            });
        } else if !line.trim().is_empty() {
            last = line.to_string();
        }
    }
    out
}

/// The nixfix options named in a label: the words after `nixfix` in its
/// first backticked span that starts with `nixfix `.
fn label_args(label: &str) -> Vec<String> {
    label
        .split('`')
        .skip(1)
        .step_by(2)
        .find_map(|span| span.strip_prefix("nixfix "))
        .map(|rest| rest.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

fn file_name(info: &str, code: &str) -> String {
    let mut words = info.split_whitespace();
    let lang = words.next().unwrap_or("");
    assert!(
        lang == "toml" || lang == "json",
        "{code}: an example's fence says `{info}`, not toml or json"
    );
    words
        .next()
        .map_or_else(|| format!("nixpacks.{lang}"), String::from)
}

fn examples(m: &RuleMeta) -> Vec<Example> {
    let start = m
        .doc
        .find("\n## Example")
        .unwrap_or_else(|| panic!("{} has no `## Example` section", m.code));
    let rest = &m.doc[start + 1..];
    let section = match rest[3..].find("\n## ") {
        Some(end) => &rest[..end + 3],
        None => rest,
    };
    let mut out = Vec::new();
    let mut it = blocks(section).into_iter().peekable();
    while let Some(b) = it.next() {
        let file = file_name(&b.info, m.code);
        let after = match it.peek() {
            Some(next) if next.label.starts_with("After") => it.next(),
            _ => None,
        };
        if after.is_some() {
            assert!(
                b.label.starts_with("Before"),
                "{}: an `After:` block follows `{}`, not `Before:`",
                m.code,
                b.label
            );
        }
        assert!(
            !b.label.starts_with("After"),
            "{}: an `After:` block with no `Before:`",
            m.code
        );
        let mut args = label_args(&b.label);
        if let Some(a) = &after {
            args.extend(label_args(&a.label));
            assert_eq!(
                file_name(&a.info, m.code),
                file,
                "{}: Before and After are different kinds of file",
                m.code
            );
        }
        out.push(Example {
            args,
            file,
            before: b.text,
            after: after.map(|a| a.text),
        });
    }
    out
}

#[test]
fn the_example_layout_is_read_as_documented() {
    // A parser that read nothing would pass every doc below.
    let doc = "# NF999 x\n\ns\n\n## Example\nBefore:\n```toml\na = 1\n```\nAfter `nixfix --select NF999`:\n```toml\nb = 1\n```\n\nReported:\n```json railway.json\n{}\n```\n## More\n```toml\nc = 1\n```\n";
    let ex = examples(&RuleMeta::fix(doc));
    assert_eq!(ex.len(), 2, "{ex:?}");
    assert_eq!(ex[0].args, ["--select", "NF999"]);
    assert_eq!(
        (ex[0].file.as_str(), ex[0].before.as_str()),
        ("nixpacks.toml", "a = 1\n")
    );
    assert_eq!(ex[0].after.as_deref(), Some("b = 1\n"));
    assert!(ex[1].args.is_empty());
    assert_eq!(
        (
            ex[1].file.as_str(),
            ex[1].before.as_str(),
            ex[1].after.as_deref()
        ),
        ("railway.json", "{}\n", None)
    );
}

/// Whether a `--check` report has a finding of `code`, as a fix or a warning.
fn reported(report: &str, file: &str, code: &str, kind: RuleKind) -> bool {
    report.lines().any(|l| {
        let Some(rest) = l.strip_prefix(file).and_then(|r| r.strip_prefix(':')) else {
            return false;
        };
        // `file:line:col: CODE message`, or `CODE warning: message`.
        let Some((_, finding)) = rest.split_once(": ") else {
            return false;
        };
        match kind {
            RuleKind::Fix => {
                finding.starts_with(&format!("{code} "))
                    && !finding.starts_with(&format!("{code} warning:"))
            }
            RuleKind::Warning => finding.starts_with(&format!("{code} warning:")),
        }
    })
}

#[test]
fn every_rule_doc_example_does_what_it_shows() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "requirements.txt", "flask\n");
    let mut failed = Vec::new();
    for m in REGISTRY.iter().map(|r| r.meta()) {
        let all = examples(m);
        assert!(!all.is_empty(), "{} has no example", m.code);
        for ex in all {
            let mut args: Vec<&str> = ex.args.iter().map(String::as_str).collect();
            args.extend(["--stdin-filename", &ex.file, "-"]);
            let fixed = nf_stdin(d.path(), &args, ex.before.as_bytes());
            let want = ex.after.as_deref().unwrap_or(&ex.before);
            if fixed.code != 0 || fixed.stdout != want {
                failed.push(format!(
                    "{} `nixfix {}` (exit {}):\n--- want\n{want}--- got\n{}{}",
                    m.code,
                    args.join(" "),
                    fixed.code,
                    fixed.stdout,
                    fixed.stderr
                ));
                continue;
            }
            // The rule itself makes the change, or reports the example.
            let mut check = vec!["--check"];
            check.extend(&args);
            let run = nf_stdin(d.path(), &check, ex.before.as_bytes());
            let report = format!("{}{}", run.stdout, run.stderr);
            if !reported(&report, &ex.file, m.code, m.kind) {
                failed.push(format!(
                    "{}: `nixfix {}` does not report a {:?} of {}:\n{report}",
                    m.code,
                    check.join(" "),
                    m.kind,
                    m.code
                ));
            }
            // What the example shows is settled.
            let again = nf_stdin(d.path(), &args, want.as_bytes());
            if again.stdout != want {
                failed.push(format!(
                    "{}: the example's result changes again:\n{}",
                    m.code, again.stdout
                ));
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n\n"));
}

#[test]
fn rule_and_rules_print_the_registry() {
    let d = tempfile::tempdir().unwrap();
    let listed = nf(d.path(), &["rules"]);
    assert_eq!(listed.code, 0);
    assert_eq!(listed.stdout.lines().count(), REGISTRY.len());
    for m in REGISTRY.iter().map(|r| r.meta()) {
        for key in [m.code, m.name, &m.code.to_lowercase()] {
            let r = nf(d.path(), &["rule", key]);
            assert_eq!(r.code, 0, "{key}: {}", r.stderr);
            assert_eq!(r.stdout, m.doc, "`nixfix rule {key}` is not its doc");
        }
        let line = listed
            .stdout
            .lines()
            .find(|l| l.starts_with(&format!("{} ", m.code)))
            .unwrap_or_else(|| panic!("`nixfix rules` does not list {}", m.code));
        let words: Vec<&str> = line.split_whitespace().take(4).collect();
        assert_eq!(words, [m.code, m.name, kind(m), on(m)], "{line}");
        assert!(line.ends_with(m.summary), "{line}");
    }
}

fn kind(m: &RuleMeta) -> &'static str {
    match m.kind {
        RuleKind::Fix => "fix",
        RuleKind::Warning => "warning",
    }
}

fn on(m: &RuleMeta) -> &'static str {
    if m.default { "on" } else { "off" }
}

#[test]
fn the_readme_rules_table_is_the_registry() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    // Rows `| NF001 | ensurepip | fix | on | what it does |`.
    let rows: Vec<Vec<&str>> = readme
        .lines()
        .filter_map(|l| l.strip_prefix("| NF"))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            cells
        })
        .collect();
    let table: Vec<[String; 4]> = rows
        .iter()
        .map(|c| {
            assert!(c.len() >= 5, "short README row: NF{}", c.join("|"));
            [format!("NF{}", c[0]), c[1].into(), c[2].into(), c[3].into()]
        })
        .collect();
    let mut registry: Vec<[String; 4]> = REGISTRY
        .iter()
        .map(|r| {
            let m = r.meta();
            [m.code.into(), m.name.into(), kind(m).into(), on(m).into()]
        })
        .collect();
    registry.sort();
    assert_eq!(
        table, registry,
        "README rules table (in code order) vs the registry"
    );
}
