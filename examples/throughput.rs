//! In-process throughput of the fixing engine, without the walk or I/O.
//!
//! ```text
//! cargo run --release --example throughput -- LIST [ROUNDS]
//! ```
//!
//! LIST holds one config path per line (`benches/run.sh` writes one for its
//! workload, e.g. `/tmp/nixfix-bench/mono.configs` relative to `mono/`;
//! relative paths are taken from the list's `<list minus .configs>/`
//! directory when that exists). Every file is read once; then each round
//! runs parse + every default rule on all of them on one thread. Prints
//! microseconds per file for a parse alone and for the whole fix.
use nixfix::engine::{Options, fix_text};
use nixfix::nixpacks::{Environment, Kind};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let list = PathBuf::from(args.next().expect("usage: throughput LIST [ROUNDS]"));
    let rounds: usize = args.next().map_or(5, |r| r.parse().expect("ROUNDS"));
    let base = list.with_extension("");
    let text = std::fs::read_to_string(&list).expect("read LIST");
    let files: Vec<(PathBuf, Kind, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let p = Path::new(l);
            let p = if p.is_relative() && base.is_dir() {
                base.join(p)
            } else {
                p.to_path_buf()
            };
            let t = std::fs::read_to_string(&p).expect("read config");
            let k = Kind::detect(&p, &t);
            (p, k, t)
        })
        .collect();
    let opts = Options::default();
    let envs: Vec<Environment> = files
        .iter()
        .map(|(p, _, _)| Environment::from_dir(p.parent().unwrap_or(Path::new("."))))
        .collect();
    let per = |d: std::time::Duration| d.as_secs_f64() * 1e6 / files.len() as f64;
    for round in 0..rounds {
        let t = Instant::now();
        for (_, k, text) in &files {
            let _ = nixfix::document::parse(k.format(), text);
        }
        let parse = per(t.elapsed());
        let t = Instant::now();
        let (mut fixed, mut fixed_time) = (0, std::time::Duration::ZERO);
        for ((_, k, text), env) in files.iter().zip(&envs) {
            let one = Instant::now();
            if let Ok(o) = fix_text(text, *k, env, &opts)
                && o.changed(text)
            {
                fixed += 1;
                fixed_time += one.elapsed();
            }
        }
        let all = t.elapsed();
        let fix = per(all);
        let us = |d: std::time::Duration, n: usize| d.as_secs_f64() * 1e6 / n.max(1) as f64;
        println!(
            "round {round}: {} files: parse {parse:.2} us/file; fix {fix:.2} us/file \
             ({fixed} fixed at {:.2} us, {} unchanged at {:.2} us)",
            files.len(),
            us(fixed_time, fixed),
            files.len() - fixed,
            us(all - fixed_time, files.len() - fixed),
        );
    }
}
