//! A stable-toolchain mutation fuzzer for `nixfix::fix_bytes`.
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
//! One input in three is generated instead (see [`generate`]): nesting
//! around the depth limit and far past it, files of tens of thousands of
//! items (one generated input in 20,000), commands behind wrappers or in
//! command substitutions, bash `$'...'` quoting, suppression comments
//! between array items; each with what its fix must do on top of the
//! properties below (refused exactly past the depth limit, never silent
//! about a case, quoted words and comments of kept items kept).
//!
//! Checked for every run: no panic; no input slower than 100 ms (plus 5 µs
//! per byte: time must stay linear in the size); and when the
//! fix succeeds, the output parses (with nixfix's own front end and with
//! toml_edit / serde_json), keeps the BOM, the line-ending style and the
//! final-newline state, every string the fix wrote is one `shell::parse`
//! accepts (no dangling operators), and a second fix is a no-op. A rule
//! that makes invalid output (an internal error of the engine) is a failure
//! too: crashes, internal errors and property failures all make the exit
//! status 1 (a hang, 3). Failing inputs are minimised, printed as Rust
//! literals and saved under `/tmp/nixfix-fuzz-*.bin`.
//!
//! The same [`run`] is called by a small smoke test in `tests/it/properties/fuzz_smoke.rs`.
#![allow(dead_code)]

use nixfix::engine::Options;
use nixfix::nixpacks::{Environment, Kind};
use nixfix::{FileReport, RunOptions, Status, fix_bytes};
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
/// An input still running after this long (plus twenty times its
/// [`slow_limit`]) is taken for an infinite loop.
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
    /// Inputs made by [`generate`] rather than by mutating a seed.
    pub generated: u64,
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
            "{} inputs ({} generated), {} ok, {} errors (rejected input), {} crashes, {} internal errors, {} property failures, {} slow, max time per input {:.3?}",
            self.inputs,
            self.generated,
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

/// A Rust literal for the bytes: a string literal when they are UTF-8
/// (only the first and last bytes of a big input, whose file is saved).
pub fn rust_literal(b: &[u8]) -> String {
    const SHOWN: usize = 2048;
    if b.len() > 2 * SHOWN {
        let cut = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
        return format!(
            "{:?} ... ({} bytes) ... {:?}",
            cut(&b[..SHOWN]),
            b.len(),
            cut(&b[b.len() - SHOWN..])
        );
    }
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
/// One input in three is [`generate`]d, one generated input in `big_one_in`
/// a big one.
pub fn run(n: u64, seed: u64) -> Stats {
    run_with(n, seed, 20_000)
}

/// [`run`], with one generated input in `big_one_in` a big one.
pub fn run_with(n: u64, seed: u64, big_one_in: usize) -> Stats {
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
                    if s == u64::MAX {
                        continue;
                    }
                    // A big input is checked several times over (and on a
                    // loaded machine): its allowance grows with its size.
                    let len = ci.lock().map_or(0, |g| g.len());
                    let limit = HANG + slow_limit(len) * 20;
                    if started.elapsed().as_millis() as u64 > s + limit.as_millis() as u64 {
                        let input = ci.lock().map(|g| g.clone()).unwrap_or_default();
                        let path = format!("/tmp/nixfix-fuzz-hang-{seed}.bin");
                        let _ = std::fs::write(&path, &input);
                        eprintln!(
                            "HANG: an input ran for more than {limit:?}; saved to {path}:\n{}",
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
        let generated = (i >= whole && rng.chance(3)).then(|| generate(&mut rng, big_one_in));
        let input = match &generated {
            Some(g) => g.bytes.clone(),
            None if i < whole => seeds[i as usize].clone(),
            None => mutate(&mut rng, &seeds, &pippy),
        };
        // A big input is checked as its own kind only (the others refuse
        // it in a moment, but each still costs a parse).
        let kinds: Vec<Kind> = match &generated {
            Some(g) if g.big => vec![g.kind],
            _ => KINDS.to_vec(),
        };
        if let Ok(mut g) = current_input.lock() {
            g.clone_from(&input);
        }
        current_start.store(started.elapsed().as_millis() as u64, Ordering::SeqCst);
        let t0 = Instant::now();
        let mut verdicts: Vec<(Kind, Verdict)> =
            kinds.iter().map(|&k| (k, check(&input, k))).collect();
        let mut dt = t0.elapsed();
        let limit = slow_limit(input.len());
        // A slow input is timed again (best of three), so that a busy
        // machine is not taken for a slow input.
        if dt > limit {
            for _ in 0..3 {
                let t = Instant::now();
                for &k in &kinds {
                    check(&input, k);
                }
                dt = dt.min(t.elapsed());
            }
        }
        if let Some(g) = &generated {
            stats.generated += 1;
            if let Err(m) = expect_holds(g) {
                verdicts.push((g.kind, Verdict::Property(format!("generated: {m}"))));
            }
        }
        current_start.store(u64::MAX, Ordering::SeqCst);
        stats.inputs += 1;
        stats.max_time = stats.max_time.max(dt);
        if dt > limit {
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
            report_problem(&mut stats, &input, kind, &v, seed, i, generated.is_none());
        }
        if (i + 1) % 100_000 == 0 {
            eprintln!("[{:>8.1?}] {}", started.elapsed(), stats.summary());
        }
    }
    stats
}

fn report_problem(
    stats: &mut Stats,
    input: &[u8],
    kind: Kind,
    v: &Verdict,
    seed: u64,
    i: u64,
    shrink: bool,
) {
    let what = match v {
        Verdict::Crash(_) => "crash",
        Verdict::Internal(_) => "internal",
        _ => "property",
    };
    let path = format!("/tmp/nixfix-fuzz-{what}-{seed}-{i}-{}.bin", kind.name());
    let _ = std::fs::write(&path, input);
    // A generated input's expectation is not what `minimize` re-checks.
    let min = if shrink {
        minimize(input, kind, &v.label())
    } else {
        input.to_vec()
    };
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

// ---------------------------------------------------------------------------
// Generators: inputs built to reach what mutations of small seeds cannot
// (issue 11): nesting around the depth limit and far past it, files of
// tens of thousands of items, commands behind wrappers and in command
// substitutions, bash `$'...'` quoting, suppression comments between array
// items. Each comes with what must hold of its fix besides the properties
// every input is checked for.

/// What a generated input's fix must do.
#[derive(Debug, Clone)]
pub enum Expect {
    /// Only the common properties.
    Nothing,
    /// The document nests this deep: refused with the depth error past
    /// `document::MAX_DEPTH`, never refused for its depth below it.
    Depth(usize),
    /// A command the rules act on is in it: the text changes or NF001 /
    /// NF002 report something; with `exact`, it is fixed (not only reported).
    NotSilent { exact: bool },
    /// These strings must still be (part of) string values of the output,
    /// and these comments still in its text.
    Keeps {
        values: Vec<String>,
        comments: Vec<String>,
    },
}

/// A generated input, the kind it is fixed as, and what must hold.
#[derive(Debug, Clone)]
pub struct Generated {
    pub bytes: Vec<u8>,
    pub kind: Kind,
    pub expect: Expect,
    /// Tens of thousands of items: checked as its own kind only.
    pub big: bool,
}

/// A TOML basic string holding `value`.
fn toml_basic(value: &str) -> String {
    nixfix::document::strings::encode(value, nixfix::document::StrStyle::TomlBasic)
}

fn json_str(value: &str) -> String {
    nixfix::document::strings::encode(value, nixfix::document::StrStyle::Json)
}

const CMDS_TOML: &str = "[phases.install]\ncmds = [\"python -m ensurepip\", \"b\"]\n";

/// Nesting of depth `d` (the root counts one) as TOML inline tables with
/// dotted keys and arrays, or as JSON objects and arrays.
fn gen_deep(rng: &mut Rng) -> Generated {
    let limit = nixfix::document::MAX_DEPTH;
    let d = match rng.below(4) {
        0 => 1 + rng.below(limit + 10),
        1 => limit - 3 + rng.below(7),
        2 => limit + rng.below(1000),
        _ => 2 + rng.below(6320),
    };
    if rng.chance(2) {
        // x = {a.a = [{a = ... 1}]}: an inline table adds its key's parts,
        // an array one level; the document is 1 + their sum deep.
        let mut levels: Vec<(bool, usize)> = Vec::new();
        let mut left = d - 1;
        while left > 0 {
            if rng.chance(4) {
                levels.push((false, 1));
                left -= 1;
            } else {
                let p = 1 + rng.below(left.min(79));
                levels.push((true, p));
                left -= p;
            }
        }
        let mut body = String::from("1");
        for &(table, p) in levels.iter().rev() {
            body = if table {
                format!("{{{} = {body}}}", vec!["a"; p].join("."))
            } else {
                format!("[{body}]")
            };
        }
        let text = if levels.is_empty() {
            format!("x = 1\n{CMDS_TOML}")
        } else {
            format!("x = {body}\n{CMDS_TOML}")
        };
        let depth = if levels.is_empty() { 1 } else { d };
        Generated {
            bytes: text.into_bytes(),
            kind: Kind::NixpacksToml,
            expect: Expect::Depth(depth),
            big: false,
        }
    } else {
        let n = d.min(1000).saturating_sub(1);
        let mut body = String::from("1");
        for _ in 0..n {
            body = if rng.chance(2) {
                format!("{{\"a\": {body}}}")
            } else {
                format!("[{body}]")
            };
        }
        let text = format!(
            "{{\"phases\": {{\"install\": {{\"cmds\": [\"python -m ensurepip\", \"b\"]}}}}, \"x\": {body}}}\n"
        );
        Generated {
            bytes: text.into_bytes(),
            kind: Kind::NixpacksJson,
            expect: Expect::Depth(1 + n.max(if n == 0 { 0 } else { 1 })),
            big: false,
        }
    }
}

/// One file of `n` items, in a shape that once made a step quadratic.
fn gen_big(rng: &mut Rng) -> Generated {
    let n = 5_000 + rng.below(60_000);
    let item = |i: usize| {
        if i.is_multiple_of(10) {
            "python -m ensurepip"
        } else {
            "a"
        }
    };
    let (text, kind) = match rng.below(5) {
        0 => {
            let mut t = String::from(CMDS_TOML);
            for i in 0..n {
                t.push_str(&format!("[t{i}]\nk = {i}\n"));
            }
            (t, Kind::NixpacksToml)
        }
        1 => {
            let items: Vec<String> = (0..n).map(|i| toml_basic(item(i))).collect();
            let sep = if rng.chance(2) { ",\n" } else { ", " };
            (
                format!("[phases.install]\ncmds = [\n{}\n]\n", items.join(sep)),
                Kind::NixpacksToml,
            )
        }
        2 => {
            let items: Vec<String> = (0..n).map(|i| json_str(item(i))).collect();
            let sep = if rng.chance(2) { ",\n" } else { "," };
            (
                format!(
                    "{{\"phases\": {{\"install\": {{\"cmds\": [{}]}}}}}}\n",
                    items.join(sep)
                ),
                Kind::NixpacksJson,
            )
        }
        3 => {
            let cmds: Vec<&str> = (0..n).map(item).collect();
            let sep = *rng.pick(&[";", " && ", "\n", "; pip install -U pip;"]);
            (
                format!(
                    "[phases.install]\ncmds = [{}, \"b\"]\n",
                    toml_basic(&cmds.join(sep))
                ),
                Kind::NixpacksToml,
            )
        }
        _ => {
            // A warning on every line (unknown keys).
            let mut t = String::from(CMDS_TOML);
            for i in 0..n {
                t.push_str(&format!("k{i} = 1\n"));
            }
            (t, Kind::NixpacksToml)
        }
    };
    Generated {
        bytes: text.into_bytes(),
        kind,
        expect: Expect::Nothing,
        big: true,
    }
}

/// Wrappers nixfix removes with the command they run.
const EXACT_WRAPPERS: &[&str] = &[
    "nice",
    "nice -n 10",
    "nice -5",
    "nice --adjustment=3",
    "timeout 60",
    "timeout -s KILL 5m",
    "timeout --preserve-status -k 5 30",
    "sudo",
    "sudo -u app",
    "sudo -E -H",
    "sudo -Eu app VAR=1",
    "exec -a x",
    "exec -c",
    "env A=1",
    "env -u X B=2",
    "env -i",
    "command",
    "command -p",
    "time",
    "time -p",
    "nohup",
    "stdbuf -oL",
    "setsid",
    "ionice -c 3",
    "doas -u app",
];
/// How a command can run where it cannot be edited exactly.
const HIDING: &[&str] = &[
    "xargs {}",
    "xargs -n1 {}",
    "chrt 10 {}",
    "flock /tmp/l {}",
    "echo \"$({})\"",
    "\"$({})\"",
    "echo `{}`",
    "sh -c '{}'",
    "bash -lc \"{}\"",
    "eval {}",
    "sudo sh -c '{}'",
    "su app -c '{}'",
];

fn python_spelling(rng: &mut Rng) -> String {
    let prog = *rng.pick(&[
        "python",
        "python3",
        "python3.11",
        "/usr/bin/python3",
        "$PYTHON",
        "py",
    ]);
    let flags = *rng.pick(&["", " -I", " -B", " -X utf8", " -W ignore", " -E -s"]);
    format!("{prog}{flags}")
}

/// A command NF001 or NF002 acts on, in one of its spellings.
fn case_command(rng: &mut Rng) -> String {
    let py = python_spelling(rng);
    match rng.below(8) {
        0 => format!("{py} -m ensurepip"),
        1 => format!("{py} -m ensurepip --upgrade"),
        2 => format!("{py} -m \"ensure\"pip"),
        3 => format!("{py} -m ens'ure'pip --default-pip"),
        4 => format!("{}m ensurepip", py.replace(" -I", "") + " -I"),
        5 => "pip install -U pip".to_string(),
        6 => format!("{py} -m pip install --upgrade pip"),
        _ => "pip3 install --upgrade pip".to_string(),
    }
}

/// A command string with a case behind wrappers, or hidden, among others.
fn gen_wrappers(rng: &mut Rng) -> Generated {
    let mut exact = true;
    let mut case = case_command(rng);
    for _ in 0..rng.below(4) {
        case = format!("{} {case}", rng.pick(EXACT_WRAPPERS));
    }
    if rng.chance(3) {
        exact = false;
        let hide = *rng.pick(HIDING);
        // Inside single quotes the case must not hold one.
        if hide.contains('\'') {
            case = case.replace('\'', "");
        }
        if hide.contains('"') || hide.contains('`') {
            case = case.replace(['"', '`'], "");
        }
        case = hide.replace("{}", &case);
    }
    let noise = [
        "make",
        "echo hi",
        "pip install -r requirements.txt",
        "cd app",
    ];
    let mut parts = Vec::new();
    for _ in 0..rng.below(3) {
        parts.push(rng.pick(&noise).to_string());
    }
    parts.insert(rng.below(parts.len() + 1), case);
    let sep = *rng.pick(&[" && ", "; ", "\n"]);
    let cmd = parts.join(sep);
    let kind = *rng.pick(&[Kind::NixpacksToml, Kind::NixpacksJson, Kind::RailwayToml]);
    let mut lit = match kind.format() {
        nixfix::document::Format::Json => json_str(&cmd),
        nixfix::document::Format::Toml => toml_basic(&cmd),
    };
    // An escape spelling a letter of the module's name.
    if rng.chance(4) {
        lit = lit.replacen("ensurepip", "ensure\\u0070ip", 1);
    }
    let text = match kind {
        Kind::NixpacksJson => {
            format!("{{\"phases\": {{\"install\": {{\"cmds\": [{lit}, \"b\"]}}}}}}\n")
        }
        // (A `buildCommand` runs after the provider's virtualenv exists.)
        Kind::RailwayToml => format!("[build.nixpacksPlan.phases.install]\ncmds = [{lit}]\n"),
        _ => format!("[phases.install]\ncmds = [{lit}, \"b\"]\n"),
    };
    Generated {
        bytes: text.into_bytes(),
        kind,
        expect: Expect::NotSilent { exact },
        big: false,
    }
}

/// `echo $'...'` with shell operators and a case inside the quotes (bash
/// reads it as one word: nothing in it may be removed), maybe a real case
/// around it.
fn gen_ansi_c(rng: &mut Rng) -> Generated {
    let inner = [
        "\\' && python -m ensurepip && \\'",
        "a\\'b; pip install -U pip; \\'",
        "\\\\' && python -m ensurepip",
        "x\\x27 && python3 -m ensurepip && \\047",
        "\\n && \\t",
        "it\\'s",
    ];
    let mut word = String::from("$'");
    for _ in 0..1 + rng.below(2) {
        let piece: &str = inner[rng.below(inner.len())];
        word.push_str(piece);
    }
    word.push('\'');
    // `\\'` ends the quote early: what follows must still be valid.
    if word.contains("\\\\'") {
        word = "$'\\\\'".to_string();
    }
    let mut parts = vec![format!("echo {word}")];
    if rng.chance(2) {
        parts.insert(0, case_command(rng));
    }
    if rng.chance(2) {
        parts.push("python -m ensurepip".to_string());
    }
    let cmd = parts.join(" && ");
    let text = format!("[phases.install]\ncmds = [{}, \"b\"]\n", toml_basic(&cmd));
    Generated {
        bytes: text.into_bytes(),
        kind: Kind::NixpacksToml,
        expect: Expect::Keeps {
            values: vec![format!("echo {word}")],
            comments: Vec::new(),
        },
        big: false,
    }
}

/// An array of items with suppression and other comments between them.
fn gen_suppressed(rng: &mut Rng) -> Generated {
    const ITEMS: &[(&str, Option<&str>)] = &[
        ("python -m ensurepip", Some("NF001")),
        ("python3 -m ensurepip --upgrade", Some("NF001")),
        ("pip install -U pip", Some("NF002")),
        ("make", None),
        ("pip install -r requirements.txt", None),
    ];
    const COMMENTS: &[&str] = &[
        "# nixfix: ignore",
        "# nixfix: ignore[NF001]",
        "# nixfix: ignore[NF002]",
        "# nixfix: ignore[ensurepip]",
        "# a note",
        "",
        "",
    ];
    let json = rng.chance(5);
    // The closing bracket on the last item's line (which then has no comment).
    let tight = !json && rng.chance(3);
    let mut lines = Vec::new();
    let (mut values, mut comments) = (Vec::new(), Vec::new());
    let n = 1 + rng.below(6);
    for line in 0..n {
        let last = line + 1 == n;
        if !json && rng.chance(4) {
            let c = format!("# own line {line}");
            comments.push(c.clone());
            lines.push(format!("  {c}"));
        }
        let comment = if json || (last && tight) {
            ""
        } else {
            *rng.pick(COMMENTS)
        };
        let mut items = Vec::new();
        let mut kept_here = false;
        for _ in 0..1 + usize::from(rng.chance(4)) {
            let (text, rule) = ITEMS[rng.below(ITEMS.len())];
            let suppressed = rule.is_some_and(|r| {
                comment == "# nixfix: ignore"
                    || comment.contains(r)
                    || (r == "NF001" && comment.contains("ensurepip"))
            });
            if rule.is_none() || suppressed {
                kept_here = true;
                values.push(text.to_string());
            }
            items.push(if json {
                json_str(text)
            } else {
                toml_basic(text)
            });
        }
        if kept_here && !comment.is_empty() {
            comments.push(comment.to_string());
        }
        let comma = if last && (json || rng.chance(2)) {
            ""
        } else {
            ","
        };
        let mut l = format!("  {}{comma}", items.join(", "));
        if !comment.is_empty() {
            l.push(' ');
            l.push_str(comment);
        }
        if last && tight {
            l.push(']');
        }
        lines.push(l);
    }
    let close = if tight { "" } else { "\n]" };
    let body = format!("{}{close}", lines.join("\n"));
    let (text, kind) = if json {
        (
            format!("{{\"phases\": {{\"install\": {{\"cmds\": [\n{body}\n}}}}}}\n"),
            Kind::NixpacksJson,
        )
    } else {
        (
            format!("[phases.install]\ncmds = [\n{body}\n"),
            Kind::NixpacksToml,
        )
    };
    Generated {
        bytes: text.into_bytes(),
        kind,
        expect: Expect::Keeps { values, comments },
        big: false,
    }
}

/// One generated input (a big one about once in `big_one_in`).
pub fn generate(rng: &mut Rng, big_one_in: usize) -> Generated {
    if rng.chance(big_one_in) {
        return gen_big(rng);
    }
    match rng.below(4) {
        0 => gen_deep(rng),
        1 => gen_wrappers(rng),
        2 => gen_ansi_c(rng),
        _ => gen_suppressed(rng),
    }
}

/// Whether what `g` expects holds of its fix (the common properties are
/// [`check`]'s).
pub fn expect_holds(g: &Generated) -> Result<(), String> {
    let r = fix(&g.bytes, g.kind);
    let out = r
        .fixed
        .clone()
        .unwrap_or_else(|| String::from_utf8_lossy(&g.bytes).into_owned());
    let err = r.error.clone().unwrap_or_default();
    match &g.expect {
        Expect::Nothing => Ok(()),
        Expect::Depth(d) => {
            let refused = r.status == Status::Error;
            let for_depth = err.contains("nest deeper than");
            if *d <= nixfix::document::MAX_DEPTH && for_depth {
                Err(format!("depth {d} refused: {err}"))
            } else if *d > nixfix::document::MAX_DEPTH && !refused {
                Err(format!("depth {d} accepted"))
            } else {
                Ok(())
            }
        }
        Expect::NotSilent { exact } => {
            if r.status == Status::Error {
                return Err(format!("refused: {err}"));
            }
            let ours = |f: &&nixfix::engine::Reported| f.code == "NF001" || f.code == "NF002";
            let fixed = r.findings.iter().filter(ours).any(|f| f.fixed);
            let reported = r.findings.iter().any(|f| ours(&f));
            if *exact && !fixed {
                Err(format!("not fixed: {:?}", r.findings))
            } else if !reported && r.status != Status::Fixed {
                Err("passed silently".into())
            } else {
                Ok(())
            }
        }
        Expect::Keeps { values, comments } => {
            if r.status == Status::Error {
                return Err(format!("refused: {err}"));
            }
            let strings = string_values(&out, g.kind).ok_or("the output does not parse")?;
            for v in values {
                if !strings.iter().any(|s| s.contains(v.as_str())) {
                    return Err(format!("lost the value {v:?}"));
                }
            }
            for c in comments {
                if !out.contains(c.as_str()) {
                    return Err(format!("lost the comment {c:?}"));
                }
            }
            Ok(())
        }
    }
}

/// The time a run of `bytes` may take before it counts as slow: linear in
/// its size.
pub fn slow_limit(bytes: usize) -> Duration {
    let per_byte = if cfg!(debug_assertions) { 50 } else { 5 };
    SLOW + Duration::from_micros((bytes * per_byte) as u64)
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
