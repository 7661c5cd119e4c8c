//! The integration tests, one binary with a module per area (one link
//! instead of nine). Run one area with its module path as the filter:
//! `cargo test --test it cli::` (or `snapshots::`, `oracle::`, ...).
//!
//! - `cli`, `cli_bad_input`, `cli_product`, `faults`: the real binary in
//!   temporary directories;
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
mod cli_product;
mod corpus;
mod faults;
mod oracle;
mod properties;
mod snapshots;
