//! The integration tests, one binary with a module per area (one link
//! instead of nine). Run one area with its module path as the filter:
//! `cargo test --test it cli::` (or `snapshots::`, `oracle::`, ...).
//!
//! - `cli`, `cli_bad_input`, `cli_product`, `cli_gate`, `cli_trust`,
//!   `faults`, `install`: the real binary in temporary directories (the
//!   gate, the pipeline, the Action and the pre-commit hook);
//! - `rule_docs`: every rule's documented example run through the binary;
//! - `snapshots`: reviewed output for every fixture under `tests/fixtures/`;
//! - `properties`: generated inputs through the library;
//! - `corpus`, `oracle`: the shared corpus (`NIXFIX_CORPUS`), and the real
//!   Nixpacks as the judge;
//! - `build`: the build check (root, nixpacks, CPython).
//!
//! `common` holds the helpers they share, and the lock that keeps the heavy
//! tests (`build`, `oracle`) apart from the others' nixfix runs, which have
//! a timeout (`common::heavy`).

mod common;

mod build;
mod cli;
mod cli_bad_input;
mod cli_gate;
mod cli_product;
mod cli_trust;
mod corpus;
mod faults;
mod install;
mod oracle;
mod properties;
mod rule_docs;
mod snapshots;
