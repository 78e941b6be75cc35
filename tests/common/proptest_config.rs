//! The run configuration every property suite shares (`functions/*/tests/properties.rs`), kept
//! once here and included by each suite with
//! `#[path = "../../../tests/common/proptest_config.rs"] mod proptest_config;`.
//!
//! A file rather than a crate: the suites need one function and already depend on proptest, and
//! a test-support crate (or a feature of `ccwb-core`) would put test code into the dependency
//! graph of the Lambda crates for it. `env!("CARGO_MANIFEST_DIR")` below expands in the crate
//! that includes the file, so each suite keeps its own regressions file.
//!
//! Runs are bounded and repeatable: each property sets its case count and every run starts from
//! one fixed seed, so CI checks the same inputs each time and a failure seen there is a failure
//! anyone can reproduce. `PROPTEST_CASES=… PROPTEST_RNG_SEED=…` explore further by hand;
//! failures are saved to the suite's `tests/proptest-regressions/properties.txt` (commit it) and
//! replayed first by every later run.

use proptest::test_runner::{Config as ProptestConfig, FileFailurePersistence, RngSeed};

/// The seed every run starts from unless `PROPTEST_RNG_SEED` names another.
pub const SEED: u64 = 0x0000_ccb0_2026;

/// `cases` cases from [`SEED`], failures saved beside the including suite. `PROPTEST_CASES` and
/// `PROPTEST_RNG_SEED` override the two for a deeper run by hand.
pub fn config(cases: u32) -> ProptestConfig {
    let from_env = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            from_env.cases
        } else {
            cases
        },
        rng_seed: if std::env::var_os("PROPTEST_RNG_SEED").is_some() {
            from_env.rng_seed
        } else {
            RngSeed::Fixed(SEED)
        },
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/proptest-regressions/properties.txt"
        )))),
        ..from_env
    }
}
