#![forbid(unsafe_code)]
//! nixfix: repair Nixpacks / Railway build configs that break Python builds
//! with `externally-managed-environment`.

pub mod document;
pub mod edit;
pub mod shell;
