//! A stable-toolchain mutation fuzzer for `nixfix::driver::fix_bytes`.
//!
//! ```text
//! cargo run --release --example fuzz -- [N] [--seed S]
//! ```
//!
//! Seeds: the fixture files under `tests/fixtures` (when present), every file
//! in `../shared/corpus/files` (read in place, never copied) and a few
//! built-in snippets. Each input is a seed with a few mutations (bit flips,
//! interesting tokens, deletions, duplications, splices with another seed,
//! truncation, line-ending and BOM changes), fixed as each of the four kinds
//! (nixpacks.toml / nixpacks.json / railway.toml / railway.json).
//!
//! Checked for every run: no panic; no input slower than 100 ms; and when the
//! fix succeeds, the output parses (with nixfix's own front end and with
//! toml_edit / serde_json), keeps the BOM, the line-ending style and the
//! final-newline state, every string the fix wrote is one `shell::parse`
//! accepts (no dangling operators), and a second fix is a no-op. A rule
//! that makes invalid output (an internal error of the engine) is a failure
//! too: crashes, internal errors and property failures all make the exit
//! status 1 (a hang, 3). Failing inputs are minimised, printed as Rust
//! literals and saved under `/tmp/nixfix-fuzz-*.bin`.
//!
//! The same [`run`] is called by a small smoke test in `tests/properties.rs`.
#![allow(dead_code)]

use nixfix::config::{Environment, Kind};
use nixfix::driver::{FileReport, RunOptions, Status, fix_bytes};
use nixfix::engine::Options;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Anything slower than this per input is reported (unoptimised builds,
/// as in the smoke test, get more time).
pub const SLOW: Duration = if cfg!(debug_assertions) {
    Duration::from_secs(1)
} else {
    Duration::from_millis(100)
};
/// An input still running after this long is taken for an infinite loop.
pub const HANG: Duration = Duration::from_secs(20);

pub const KINDS: [Kind; 4] = [
    Kind::NixpacksToml,
    Kind::NixpacksJson,
    Kind::RailwayToml,
    Kind::RailwayJson,
];

/// xorshift64* (Vigna), seeded through splitmix64 so that small seeds work.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x1234_5678_9ABC_DEF1 } else { z })
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform-ish in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n as u64) as usize
    }
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Tokens worth inserting: quoting, structure, shell operators and the
/// words the rules look for.
pub const TOKENS: &[&[u8]] = &[
    b"\"",
    b"'",
    b"'''",
    b"\"\"\"",
    b"\\",
    b"\\\\",
    b"\\\n",
    b"\\\r\n",
    b"\r\n",
    b"\n",
    b"\r",
    b"[",
    b"]",
    b"[[",
    b"{",
    b"}",
    b",",
    b"#",
    b"# c\n",
    b"=",
    b":",
    b".",
    b"&&",
    b" && ",
    b"||",
    b" || true",
    b";",
    b"|",
    b"&",
    b"$(",
    b")",
    b"`",
    b"${",
    b"<<",
    b"ensurepip",
    b"python -m ensurepip",
    b"python3.11 -m ensurepip --upgrade",
    b"pip install -U pip",
    b"pip install --upgrade pip setuptools",
    b"python3 -m pip install --upgrade pip",
    b"pip install -r requirements.txt",
    b". /opt/venv/bin/activate && ",
    b"pip",
    b"\"pip\"",
    b"\"...\"",
    b"nixpkgs",
    b"nixPkgs",
    b"nixPackages",
    b"cmds",
    b"cmd",
    b"commands",
    b"python311",
    b"python311Packages.pip",
    b"[phases.setup]\n",
    b"[phases.install]\n",
    b"[start]\n",
    b"[build]\n",
    b"[build.nixpacksPlan.phases.install]\n",
    b"phases.setup.nixPkgs = [\"pip\"]\n",
    b"cmds = [\"python -m ensurepip && b\"]\n",
    b"\"cmds\": [\"pip install --upgrade pip\"]",
    b"{\"phases\": {\"install\": {\"cmds\": [\"python -m ensurepip\"]}}}",
    b"\"nixpacksPlan\": {",
    b"\\u0000",
    b"\\u00e9",
    b"\\ud83d\\ude00",
    b"\\U0001F600",
    b"\\x41",
    b"\xEF\xBB\xBF",
    b"\0",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xc3\xa9",
    b"\t",
    b"  ",
    b"1979-05-27T07:32:00Z",
    b"inf",
    b"true",
    b"null",
    b"-1e9",
];

/// Shell text put at the start of a string.
pub const SHELL_PREFIXES: &[&str] = &[
    "python -m ensurepip && ",
    "python3.11 -m ensurepip --upgrade; ",
    "python3 -m ensurepip || true && ",
    "pip install -U pip && ",
    "pip3 install --upgrade pip setuptools && ",
    "python -m pip install --upgrade pip || echo skip; ",
    "/opt/venv/bin/pip install -U pip && ",
    ". /opt/venv/bin/activate && ",
    "FOO=1 ",
    "sudo ",
    "echo x | ",
    "if true; then ",
    "$(python -m ensurepip) ",
    "a && \\\n ",
    "# c\n",
    "\\\"",
    "\\n",
    "\\u0070ip install -U pip && ",
];

/// Shell text put at the end of a string.
pub const SHELL_SUFFIXES: &[&str] = &[
    " && python -m ensurepip",
    " && pip install --upgrade pip",
    " && pip install -U pip wheel",
    "; python3 -m ensurepip --default-pip",
    " || python -m ensurepip",
    " || true",
    " | tee log",
    " # comment",
    " 2>&1",
    " &",
    " &&",
    "; fi",
    "\\",
    " pip",
];

/// Whole lines put at a line start.
pub const LINES: &[&str] = &[
    "[phases.setup]\n",
    "[phases.install]\n",
    "[phases.build]\n",
    "[start]\n",
    "nixPkgs = [\"python311\", \"pip\"]\n",
    "nixpkgs = [\"...\", \"python39\"]\n",
    "nix_pkgs = ['pip3']\n",
    "cmds = [\"python -m ensurepip\", \"pip install -U pip\"]\n",
    "cmd = \"pip install --upgrade pip && make\"\n",
    "commands = ['''\npython -m ensurepip\n''']\n",
    "phases.setup.nixPkgs = [\"pip\"]\n",
    "phases.install.cmds = [\"python3.12 -m pip install -U pip\"]\n",
    "\"nixPkgs\": [\"pip\"],\n",
    "\"cmds\": [\"python -m ensurepip\"],\n",
    "\"cmd\": \"pip install -U pip\",\n",
    "\"phases\": {\"setup\": {}},\n",
    "# a comment\n",
    "\n",
    "[variables]\nNIXPACKS_PYTHON_VERSION = \"3.12\"\n",
];

/// Built-in seeds, so the fuzzer has something to chew on without the
/// fixtures or the corpus.
pub const SNIPPETS: &[&str] = &[
    "[phases.setup]\nnixPkgs = ['python311']\n\n[phases.install]\ncmds = [\n  'python3.11 -m ensurepip --upgrade',\n  'python3.11 -m pip install --upgrade pip',\n  'python3.11 -m pip install -r requirements.txt',\n]\n",
    "phases.setup.nixpkgs = [\"python310\", \"pip\"] # note\nphases.install.cmds = [\"python -m ensurepip && pip install -U pip wheel && pip install -r r.txt\"]\nstart.cmd = \"python app.py\"\n",
    "\u{feff}[phases.install]\r\ncmds = [\"\"\"\r\npython3 -m ensurepip || true\r\npip install --upgrade pip\r\necho done\"\"\"]\r\n[phases.build]\r\ncmd = 'pip3 install -U pip'",
    "[phases.setup]\nnixPkgs = [\"...\", \"ffmpeg\"]\n[phases.install]\ncmds = ['''\na && \\\n  python -m ensurepip && \\\n  b\n''', \"x\",]\n[start]\ncmd = \"python -m ensurepip && python main.py\"\n",
    "[phases.install]\ncmds = [\"if true; then python -m ensurepip; fi\", \"python -m ensurepip | tee log\"]\n",
    "{\n  \"phases\": {\n    \"setup\": { \"nixPkgs\": [\"python311\", \"pip\"] },\n    \"install\": {\n      \"cmds\": [\"python3.11 -m ensurepip --upgrade\", \"python3.11 -m pip install --upgrade pip\", \"pip install -r \\\"req s.txt\\\"\"]\n    }\n  }\n}\n",
    "{\"phases\":{\"install\":{\"cmds\":[\"python -m ensurepip\\u0020&& pip install -r r.txt\"]}},\"start\":{\"cmd\":\"python app.py\"}}",
    "[build]\nbuilder = \"NIXPACKS\"\nbuildCommand = \"pip install --upgrade pip && pip install -r requirements.txt\"\n\n[build.nixpacksPlan.phases.setup]\nnixpkgs = [\"python39\"]\n\n[deploy]\nstartCommand = \"python app.py\"\n",
    "{\n\t\"build\": {\n\t\t\"builder\": \"NIXPACKS\",\n\t\t\"nixpacksPlan\": {\n\t\t\t\"phases\": {\n\t\t\t\t\"install\": {\"cmds\": [\"python -m ensurepip\", \"pip install -U pip\"]}\n\t\t\t}\n\t\t}\n\t}\n}",
    "[phases]\ninstall.cmds = [\n  # own-line comment\n  \"python -m ensurepip\", # same-line comment\n  \"pip install -r r.txt\" # last\n]\nsetup = { nixPkgs = [\"python3\"] }\n",
    "[phases.install]\ncmds = [\"FOO=1 python3 -m ensurepip 2>&1 >/dev/null; echo $(date) && pip install pip==24.0 ; make\"]\n[phases.build]\ncmds = [\"...\", \"python -m pip install --upgrade pip\"]\n",
];

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub inputs: u64,
    /// Runs (one input as one kind) that fixed or left the text unchanged.
    pub ok: u64,
    /// Runs whose input was rejected (bad UTF-8, TOML or JSON, ...).
    pub errors: u64,
    pub crashes: u64,
    /// Runs where the engine caught a rule making invalid output.
    pub internal_errors: u64,
    /// Runs that succeeded but broke a property (output does not parse,
    /// second fix not a no-op, BOM / line endings / final newline lost).
    pub property_failures: u64,
    /// Inputs slower than [`SLOW`].
    pub slow: u64,
    /// Runs that changed the text.
    pub changed: u64,
    pub max_time: Duration,
    /// One line per distinct problem found (kind, what, saved file).
    pub problems: Vec<String>,
    /// How many runs hit each kind of problem (`kind label`).
    pub by_label: std::collections::BTreeMap<String, u64>,
}

impl Stats {
    pub fn summary(&self) -> String {
        format!(
            "{} inputs, {} ok, {} errors (rejected input), {} crashes, {} internal errors, {} property failures, {} slow, max time per input {:.3?}",
            self.inputs,
            self.ok,
            self.errors,
            self.crashes,
            self.internal_errors,
            self.property_failures,
            self.slow,
            self.max_time
        )
    }
}

/// The seed inputs: fixtures, corpus, snippets.
pub fn seeds() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut files = Vec::new();
    collect(&root.join("tests/fixtures"), &mut files);
    collect(&root.join("../shared/corpus/files"), &mut files);
    files.sort();
    for f in files {
        if let Ok(b) = std::fs::read(&f) {
            out.push(b);
        }
    }
    out.extend(SNIPPETS.iter().map(|s| s.as_bytes().to_vec()));
    out
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| x == "toml" || x == "json")
            && std::fs::metadata(&p).is_ok_and(|m| m.len() <= 256 * 1024)
        {
            out.push(p);
        }
    }
}

/// One mutation of `buf` (which is never left empty unless it was).
pub fn mutate_once(rng: &mut Rng, buf: &mut Vec<u8>, seeds: &[Vec<u8>]) {
    let len = buf.len();
    let pos = |rng: &mut Rng| if len == 0 { 0 } else { rng.below(len + 1) };
    match rng.below(18) {
        0 if len > 0 => {
            let i = rng.below(len);
            buf[i] ^= 1 << rng.below(8);
        }
        1 if len > 0 => {
            let i = rng.below(len);
            buf[i] = *rng.pick(b" \t\n\r\"'\\[]{},#=.&|;$()`0aZ\x00\x7f\xff\xc3");
        }
        2..=5 => {
            // Insert a token, preferably somewhere interesting.
            let at = interesting_pos(rng, buf);
            let t = rng.pick(TOKENS);
            buf.splice(at..at, t.iter().copied());
        }
        6 if len > 0 => {
            let a = rng.below(len);
            let max = if rng.chance(4) { 64 } else { 8 };
            let n = 1 + rng.below((len - a).min(max));
            buf.drain(a..a + n);
        }
        7 if len > 0 => {
            // Replace a small range with a token.
            let a = rng.below(len);
            let n = rng.below((len - a).min(6) + 1);
            let t = rng.pick(TOKENS);
            buf.splice(a..a + n, t.iter().copied());
        }
        8 if len > 0 => {
            // Duplicate a range.
            let a = rng.below(len);
            let n = 1 + rng.below((len - a).min(80));
            let chunk = buf[a..a + n].to_vec();
            let at = pos(rng);
            buf.splice(at..at, chunk);
        }
        9 => {
            // Splice: our prefix, another seed's suffix (or a chunk of it).
            let other = rng.pick(seeds);
            let cut = pos(rng);
            buf.truncate(cut);
            if !other.is_empty() {
                let from = rng.below(other.len());
                let to = if rng.chance(2) {
                    other.len()
                } else {
                    from + rng.below(other.len() - from) + 1
                };
                buf.extend_from_slice(&other[from..to]);
            }
        }
        10 if len > 0 => {
            let cut = rng.below(len);
            buf.truncate(cut);
        }
        11 => match rng.below(4) {
            0 => *buf = to_crlf(buf),
            1 => *buf = buf.iter().copied().filter(|&b| b != b'\r').collect(),
            2 => {
                if buf.starts_with(b"\xEF\xBB\xBF") {
                    buf.drain(..3);
                } else {
                    buf.splice(0..0, *b"\xEF\xBB\xBF");
                }
            }
            _ => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                    if buf.last() == Some(&b'\r') {
                        buf.pop();
                    }
                } else {
                    buf.push(b'\n');
                }
            }
        },
        12 if len > 0 => {
            // Swap two lines.
            let lines: Vec<usize> = line_starts(buf);
            if lines.len() >= 3 {
                let i = rng.below(lines.len() - 1);
                let (a0, a1) = (lines[i], lines[i + 1]);
                let line = buf[a0..a1].to_vec();
                buf.drain(a0..a1);
                let j = lines[rng.below(lines.len() - 1)].min(buf.len());
                buf.splice(j..j, line);
            }
        }
        13..=15 => {
            // Shell text inside a string: after an opening quote or before
            // a closing one, so the file usually stays valid.
            let quotes: Vec<usize> = buf
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'"' || **b == b'\'')
                .map(|(i, _)| i)
                .collect();
            if quotes.is_empty() {
                return;
            }
            let q = *rng.pick(&quotes);
            let (at, bit) = if rng.chance(2) {
                (q + 1, *rng.pick(SHELL_PREFIXES))
            } else {
                (q, *rng.pick(SHELL_SUFFIXES))
            };
            buf.splice(at..at, bit.bytes());
        }
        16 => {
            // A whole line at a line start.
            let starts: Vec<usize> = line_starts(buf);
            let at = *rng.pick(&starts);
            let line = rng.pick(LINES);
            buf.splice(at..at, line.bytes());
        }
        _ => {
            // Repeat a token a few times (deep nesting, long runs).
            let at = pos(rng);
            const REPEATED: &[&[u8]] = &[b"[", b"{", b"\\", b"\"", b"&& ", b"a."];
            let t = rng.pick(REPEATED);
            let max = if rng.chance(8) { 200 } else { 8 };
            let n = 1 + rng.below(max);
            let rep: Vec<u8> = t.repeat(n);
            buf.splice(at..at, rep);
        }
    }
}

/// A random position, biased towards the characters where syntax happens.
fn interesting_pos(rng: &mut Rng, buf: &[u8]) -> usize {
    if buf.is_empty() {
        return 0;
    }
    if rng.chance(3) {
        return rng.below(buf.len() + 1);
    }
    let start = rng.below(buf.len());
    let hit = buf[start..]
        .iter()
        .position(|b| b"\"'[]{},=#&|;\n\\ ".contains(b))
        .map_or(buf.len(), |p| start + p);
    if rng.chance(2) {
        hit
    } else {
        (hit + 1).min(buf.len())
    }
}

fn to_crlf(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len() + b.len() / 16);
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' && (i == 0 || b[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(c);
    }
    out
}

/// A seed with 1..=6 mutations (fewer more often).
pub fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], pippy: &[usize]) -> Vec<u8> {
    // Half the time a seed that mentions pip, where the rules have work to do.
    let mut buf = if pippy.is_empty() || rng.chance(2) {
        rng.pick(seeds).clone()
    } else {
        seeds[*rng.pick(pippy)].clone()
    };
    let mut n = 1;
    while n < 6 && rng.chance(2) {
        n += 1;
    }
    for _ in 0..n {
        mutate_once(rng, &mut buf, seeds);
    }
    // Keep inputs small enough to stay fast.
    buf.truncate(64 * 1024);
    buf
}

/// What happened to one input fixed as one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Fixed or unchanged, and every property holds.
    Ok { changed: bool },
    /// The input was rejected with a clear error.
    Rejected,
    /// A panic (with its message).
    Crash(String),
    /// The engine reported an internal error (a rule broke the file).
    Internal(String),
    /// A property failed (which one).
    Property(String),
}

impl Verdict {
    /// A coarse label: minimisation keeps a candidate when its label matches.
    pub fn label(&self) -> String {
        match self {
            Verdict::Ok { .. } => "ok".into(),
            Verdict::Rejected => "rejected".into(),
            Verdict::Crash(_) => "crash".into(),
            Verdict::Internal(m) => {
                // The rule's complaint, without positions.
                let m = m.rsplit("(please report this): ").next().unwrap_or(m);
                let m: String = m
                    .chars()
                    .map(|c| if c.is_ascii_digit() { '#' } else { c })
                    .take(120)
                    .collect();
                format!("internal: {m}")
            }
            // What failed, without the details after the colon.
            Verdict::Property(m) => {
                let m: String = m
                    .split(": ")
                    .next()
                    .unwrap_or(m)
                    .chars()
                    .take(120)
                    .collect();
                format!("property: {m}")
            }
        }
    }
    pub fn is_problem(&self) -> bool {
        matches!(
            self,
            Verdict::Crash(_) | Verdict::Internal(_) | Verdict::Property(_)
        )
    }
}

fn run_options() -> RunOptions {
    RunOptions {
        engine: Options::default(),
        write: false,
        keep_text: true,
        config_paths: false,
    }
}

fn fix(bytes: &[u8], kind: Kind) -> FileReport {
    fix_bytes(
        Path::new(kind.name()),
        bytes,
        Some(kind),
        &Environment::default(),
        &run_options(),
    )
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".into())
}

/// Whether `text` parses with the reference parser of its format.
fn reference_parses(text: &str, kind: Kind) -> bool {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    match kind.format() {
        nixfix::document::Format::Toml => body.parse::<toml_edit::DocumentMut>().is_ok(),
        nixfix::document::Format::Json => serde_json::from_str::<serde_json::Value>(body).is_ok(),
    }
}

/// The string values of `text` (at any depth), with the reference parser
/// of its format; `None` when it does not parse.
fn string_values(text: &str, kind: Kind) -> Option<Vec<String>> {
    fn toml_value(v: &toml_edit::Value, out: &mut Vec<String>) {
        match v {
            toml_edit::Value::String(s) => out.push(s.value().clone()),
            toml_edit::Value::Array(a) => a.iter().for_each(|x| toml_value(x, out)),
            toml_edit::Value::InlineTable(t) => t.iter().for_each(|(_, x)| toml_value(x, out)),
            _ => {}
        }
    }
    fn toml_item(i: &toml_edit::Item, out: &mut Vec<String>) {
        match i {
            toml_edit::Item::Value(v) => toml_value(v, out),
            toml_edit::Item::Table(t) => t.iter().for_each(|(_, x)| toml_item(x, out)),
            toml_edit::Item::ArrayOfTables(a) => a
                .iter()
                .for_each(|t| t.iter().for_each(|(_, x)| toml_item(x, out))),
            toml_edit::Item::None => {}
        }
    }
    fn json_value(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| json_value(x, out)),
            serde_json::Value::Object(m) => m.values().for_each(|x| json_value(x, out)),
            _ => {}
        }
    }
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    match kind.format() {
        nixfix::document::Format::Toml => {
            let doc = body.parse::<toml_edit::DocumentMut>().ok()?;
            doc.as_table()
                .iter()
                .for_each(|(_, x)| toml_item(x, &mut out));
        }
        nixfix::document::Format::Json => {
            json_value(&serde_json::from_str(body).ok()?, &mut out);
        }
    }
    Some(out)
}

/// Every `\n` is preceded by `\r` (and there is at least one).
fn all_crlf(s: &str) -> bool {
    let b = s.as_bytes();
    b.contains(&b'\n')
        && b.iter()
            .enumerate()
            .all(|(i, &c)| c != b'\n' || (i > 0 && b[i - 1] == b'\r'))
}

/// Fix `input` as `kind` and check the properties of the result.
pub fn check(input: &[u8], kind: Kind) -> Verdict {
    let r = match catch_unwind(AssertUnwindSafe(|| fix(input, kind))) {
        Ok(r) => r,
        Err(p) => return Verdict::Crash(panic_message(&*p)),
    };
    match r.status {
        Status::Error => {
            let msg = r.error.unwrap_or_default();
            if msg.starts_with("internal error") {
                return Verdict::Internal(msg);
            }
            return Verdict::Rejected;
        }
        Status::Unchanged => {
            if r.findings.iter().any(|f| f.fixed) {
                return Verdict::Property("a fixed finding but the text is unchanged".into());
            }
            return Verdict::Ok { changed: false };
        }
        Status::Fixed => {}
    }
    let Some(out) = r.fixed else {
        return Verdict::Property("status Fixed without the fixed text".into());
    };
    let text = std::str::from_utf8(input).expect("a fixed input was UTF-8");
    if let Err(e) = nixfix::document::parse(kind.format(), &out) {
        return Verdict::Property(format!("the output does not parse: {e}"));
    }
    if reference_parses(text, kind) && !reference_parses(&out, kind) {
        return Verdict::Property("the output does not parse with toml_edit/serde_json".into());
    }
    // A string the fix wrote (an edited command, a new package) is one the
    // shell layer reads: an edit never leaves dangling operators behind.
    if let (Some(before), Some(after)) = (string_values(text, kind), string_values(&out, kind)) {
        let before: std::collections::HashSet<String> = before.into_iter().collect();
        for s in after.iter().filter(|s| !before.contains(*s)) {
            if let Err(e) = nixfix::shell::parse(s) {
                return Verdict::Property(format!(
                    "the fix wrote a string the shell layer refuses ({e}): {s:?}"
                ));
            }
        }
    }
    if text.starts_with('\u{feff}') != out.starts_with('\u{feff}') {
        return Verdict::Property("the BOM was added or lost".into());
    }
    if text.ends_with('\n') != out.ends_with('\n') {
        return Verdict::Property("the final newline state changed".into());
    }
    if all_crlf(text) && !all_crlf(&out) {
        return Verdict::Property("a lone LF in a CRLF file".into());
    }
    if !text.contains('\r') && out.contains('\r') {
        return Verdict::Property("a CR in an LF file".into());
    }
    let again = match catch_unwind(AssertUnwindSafe(|| fix(out.as_bytes(), kind))) {
        Ok(r) => r,
        Err(p) => return Verdict::Crash(format!("on the second fix: {}", panic_message(&*p))),
    };
    match again.status {
        Status::Unchanged if again.findings.iter().all(|f| !f.fixed) => {}
        Status::Unchanged => {
            return Verdict::Property("the second fix reports fixes".into());
        }
        Status::Fixed => return Verdict::Property("the second fix changes the text".into()),
        Status::Error => {
            return Verdict::Property(format!(
                "the second fix fails: {}",
                again.error.unwrap_or_default()
            ));
        }
    }
    Verdict::Ok { changed: true }
}

/// Shrink `input` while `check(_, kind)` keeps the same label.
pub fn minimize(input: &[u8], kind: Kind, label: &str) -> Vec<u8> {
    let same = |b: &[u8]| check(b, kind).label() == label;
    let mut cur = input.to_vec();
    let mut budget = 4000usize;
    let mut chunk = cur.len().div_ceil(2).max(1);
    while chunk >= 1 && budget > 0 {
        let mut i = 0;
        let mut progress = false;
        while i < cur.len() && budget > 0 {
            let end = (i + chunk).min(cur.len());
            let mut cand = cur.clone();
            cand.drain(i..end);
            budget -= 1;
            if same(&cand) {
                cur = cand;
                progress = true;
            } else {
                i += chunk;
            }
        }
        if !progress {
            if chunk == 1 {
                break;
            }
            chunk /= 2;
        }
    }
    cur
}

/// A Rust literal for the bytes: a string literal when they are UTF-8.
pub fn rust_literal(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => format!("{s:?}"),
        Err(_) => format!("b\"{}\"", b.escape_ascii()),
    }
}

struct Watchdog {
    done: Arc<AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Fuzz `n` inputs from `seed`; prints progress every 100k inputs and the
/// problems found; saves each problem's (minimised) input under /tmp.
pub fn run(n: u64, seed: u64) -> Stats {
    let seeds = seeds();
    let pippy: Vec<usize> = (0..seeds.len())
        .filter(|&i| seeds[i].windows(3).any(|w| w == b"pip"))
        .collect();
    let mut rng = Rng::new(seed);
    let mut stats = Stats::default();
    let mut seen_labels: Vec<String> = Vec::new();
    // Watchdog: an input running longer than HANG is an infinite loop.
    let started = Instant::now();
    let current_start = Arc::new(AtomicU64::new(u64::MAX));
    let current_input = Arc::new(Mutex::new(Vec::<u8>::new()));
    let done = Arc::new(AtomicBool::new(false));
    let _watchdog = {
        let (cs, ci, dn) = (current_start.clone(), current_input.clone(), done.clone());
        Watchdog {
            done: done.clone(),
            handle: Some(std::thread::spawn(move || {
                while !dn.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(200));
                    let s = cs.load(Ordering::SeqCst);
                    if s != u64::MAX
                        && started.elapsed().as_millis() as u64 > s + HANG.as_millis() as u64
                    {
                        let input = ci.lock().map(|g| g.clone()).unwrap_or_default();
                        let path = format!("/tmp/nixfix-fuzz-hang-{seed}.bin");
                        let _ = std::fs::write(&path, &input);
                        eprintln!(
                            "HANG: an input ran for more than {HANG:?}; saved to {path}:\n{}",
                            rust_literal(&input)
                        );
                        std::process::exit(3);
                    }
                }
            })),
        }
    };
    // Whole seeds first, when there are inputs enough to afford it.
    let whole = if n >= 10 * seeds.len() as u64 {
        seeds.len() as u64
    } else {
        0
    };
    for i in 0..n {
        let input = if i < whole {
            seeds[i as usize].clone()
        } else {
            mutate(&mut rng, &seeds, &pippy)
        };
        if let Ok(mut g) = current_input.lock() {
            g.clone_from(&input);
        }
        current_start.store(started.elapsed().as_millis() as u64, Ordering::SeqCst);
        let t0 = Instant::now();
        let verdicts: Vec<(Kind, Verdict)> = KINDS.iter().map(|&k| (k, check(&input, k))).collect();
        let mut dt = t0.elapsed();
        // A slow input is timed again (best of three), so that a busy
        // machine is not taken for a slow input.
        if dt > SLOW {
            for _ in 0..3 {
                let t = Instant::now();
                for &k in &KINDS {
                    check(&input, k);
                }
                dt = dt.min(t.elapsed());
            }
        }
        current_start.store(u64::MAX, Ordering::SeqCst);
        stats.inputs += 1;
        stats.max_time = stats.max_time.max(dt);
        if dt > SLOW {
            stats.slow += 1;
            let path = format!("/tmp/nixfix-fuzz-slow-{seed}-{i}.bin");
            let _ = std::fs::write(&path, &input);
            let msg = format!(
                "slow: input {i} took {dt:.3?} ({} bytes), saved to {path}",
                input.len()
            );
            eprintln!("{msg}");
            if stats.problems.len() < 50 {
                stats.problems.push(msg);
            }
        }
        for (kind, v) in verdicts {
            match &v {
                Verdict::Ok { changed } => {
                    stats.ok += 1;
                    stats.changed += u64::from(*changed);
                }
                Verdict::Rejected => stats.errors += 1,
                Verdict::Crash(_) => stats.crashes += 1,
                Verdict::Internal(_) => stats.internal_errors += 1,
                Verdict::Property(_) => stats.property_failures += 1,
            }
            if !v.is_problem() {
                continue;
            }
            let label = format!("{} {}", kind.name(), v.label());
            *stats.by_label.entry(label.clone()).or_default() += 1;
            if seen_labels.contains(&label) || seen_labels.len() >= 40 {
                continue;
            }
            seen_labels.push(label);
            report_problem(&mut stats, &input, kind, &v, seed, i);
        }
        if (i + 1) % 100_000 == 0 {
            eprintln!("[{:>8.1?}] {}", started.elapsed(), stats.summary());
        }
    }
    stats
}

fn report_problem(stats: &mut Stats, input: &[u8], kind: Kind, v: &Verdict, seed: u64, i: u64) {
    let what = match v {
        Verdict::Crash(_) => "crash",
        Verdict::Internal(_) => "internal",
        _ => "property",
    };
    let path = format!("/tmp/nixfix-fuzz-{what}-{seed}-{i}-{}.bin", kind.name());
    let _ = std::fs::write(&path, input);
    let min = minimize(input, kind, &v.label());
    let min_path = format!("{path}.min");
    let _ = std::fs::write(&min_path, &min);
    let detail = match v {
        Verdict::Crash(m) | Verdict::Internal(m) | Verdict::Property(m) => m.clone(),
        _ => String::new(),
    };
    let msg = format!(
        "{what} as {}: {detail}\n  input {i} saved to {path}; minimised ({} bytes) to {min_path}:\n  {}",
        kind.name(),
        min.len(),
        rust_literal(&min)
    );
    eprintln!("{msg}");
    stats.problems.push(msg);
}

fn main() {
    let mut n: u64 = 1_000_000;
    let mut seed: u64 = 1;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--seed" {
            seed = args
                .next()
                .and_then(|s| s.parse().ok())
                .expect("--seed takes a number");
        } else if let Some(s) = a.strip_prefix("--seed=") {
            seed = s.parse().expect("--seed takes a number");
        } else {
            n = a.replace('_', "").parse().expect("N is a number of inputs");
        }
    }
    // Panics are caught and reported with their input; keep stderr readable.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("panic: {info}");
    }));
    let t0 = Instant::now();
    let stats = run(n, seed);
    println!(
        "seed {seed}: {} seeds; each input is fixed as the 4 kinds, counts below are per run ({} runs); {} changed the text",
        seeds().len(),
        stats.inputs * KINDS.len() as u64,
        stats.changed
    );
    println!(
        "{} internal errors, {} property failures, {} inputs slower than {:?}; wall time {:.1?}",
        stats.internal_errors,
        stats.property_failures,
        stats.slow,
        SLOW,
        t0.elapsed()
    );
    for p in &stats.problems {
        println!("{p}");
    }
    for (label, n) in &stats.by_label {
        println!("{n:>8} x {label}");
    }
    println!("{}; wall time {:.1?}", stats.summary(), t0.elapsed());
    if stats.crashes > 0 || stats.internal_errors > 0 || stats.property_failures > 0 {
        std::process::exit(1);
    }
}

/// Offsets where the lines of `buf` start.
fn line_starts(buf: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            buf.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}
