//! Property tests: random Nixpacks configs (TOML and JSON) built from a
//! vocabulary of commands whose correct fix is known, checked against the
//! formatting-fidelity bar of the spec; properties of the shell layer; and a
//! smoke run of the mutation fuzzer in `examples/fuzz.rs`.

#[path = "../../../examples/fuzz.rs"]
mod fuzz;

use nixfix::engine::{Outcome, fix_text};
use nixfix::nixpacks::{Environment, Kind};
use nixfix::shell::{self, Action, Connector};
use proptest::prelude::*;
use proptest::test_runner::Config as PtConfig;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

mod checks;
mod expected;
mod fuzz_smoke;
mod model;
mod regressions;
mod render;
mod shell_layer;
mod vocab;

use checks::*;
use expected::*;
use model::*;
use render::*;
use vocab::*;
