//! The fuzzer, briefly.

use super::*;

#[test]
pub(super) fn fuzz_smoke() {
    // No big inputs here (seconds each unoptimised): `examples/fuzz.rs`
    // runs them.
    let stats = fuzz::run_with(2_000, 7, usize::MAX);
    eprintln!("{}", stats.summary());
    assert_eq!(stats.inputs, 2_000);
    assert!(stats.generated > 500, "{}", stats.summary());
    assert!(stats.ok > 0);
    assert_eq!(stats.crashes, 0, "{:#?}", stats.problems);
    // A rule that made invalid output (the engine caught it and left the
    // file alone) is a bug like any other.
    assert_eq!(stats.internal_errors, 0, "{:#?}", stats.problems);
    assert_eq!(stats.property_failures, 0, "{:#?}", stats.problems);
}
