#![forbid(unsafe_code)]
//! nixfix: repair Nixpacks / Railway build configs that break Python builds
//! with `externally-managed-environment`.

pub mod config;
pub mod document;
pub mod edit;
pub mod engine;
pub mod python;
pub mod rules;
pub mod shell;
pub mod cli;
pub mod driver;
pub mod output;
pub mod write;
