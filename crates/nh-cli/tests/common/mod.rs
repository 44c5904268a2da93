//! Helpers shared by the integration tests: the status check of an `nh` run.

use std::process::Output;

/// `output` of an `nh` run that must have succeeded; otherwise the test fails with its stderr.
pub fn ok(output: Output) -> Output {
    assert!(
        output.status.success(),
        "nh failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}
