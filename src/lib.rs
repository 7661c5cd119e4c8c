#![forbid(unsafe_code)]
//! nixfix: repair Nixpacks / Railway build configs that break Python builds
//! with `externally-managed-environment`.
//!
//! The library's API is small: [`engine::fix_text`] fixes one text (with
//! [`document`], [`nixpacks`], [`rules`], [`shell`] and [`python`], the
//! parts it is made of, public for the property tests and the fuzzer);
//! [`fix_bytes`] and [`process`] fix bytes or a file as a run does; [`run`]
//! is the command line. Everything else (the pipeline, the reporters, the
//! walk, writing) is private to the crate, so the compiler reports what
//! nothing uses.

mod cli;
pub mod document;
mod driver;
mod edit;
pub mod engine;
pub mod nixpacks;
mod output;
mod pipeline;
pub mod python;
mod report;
pub mod rules;
mod settings;
pub mod shell;
mod sorted;
mod suppress;
mod write;

pub use cli::run;
pub use driver::{Candidate, FileReport, RunOptions, Status, fix_bytes, process};
pub use output::unified_diff;
pub use pipeline::HOLD_BUDGET;
