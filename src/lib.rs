#![forbid(unsafe_code)]
//! nixfix: repair Nixpacks / Railway build configs that break Python builds
//! with `externally-managed-environment`.

pub mod cli;
pub mod document;
pub mod driver;
pub mod edit;
pub mod engine;
pub mod nixpacks;
pub mod output;
pub mod pipeline;
pub mod python;
pub mod report;
pub mod rules;
pub mod settings;
pub mod shell;
pub mod sorted;
pub mod suppress;
pub mod write;
