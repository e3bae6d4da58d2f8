//! Compile-time checks through the eyes of a user: every `tests/ui/*.rs` must fail to compile
//! with exactly the reviewed `.stderr` next to it; every `tests/ui/pass/*.rs` must compile and
//! run (its `main` asserts what was embedded).

#[test]
fn compile_errors_and_passing_sets() {
    // Each case builds in a generated crate elsewhere; make the macro resolve its folder
    // relative to this package instead (the macro prefers PGSHIFT_MANIFEST_DIR to
    // CARGO_MANIFEST_DIR for exactly this).
    // SAFETY: set before any thread of this test binary reads the environment.
    unsafe {
        std::env::set_var("PGSHIFT_MANIFEST_DIR", env!("CARGO_MANIFEST_DIR"));
        std::env::remove_var("ALLOW_BREAKING_MIGRATIONS");
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
