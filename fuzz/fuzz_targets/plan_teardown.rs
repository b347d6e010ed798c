//! `plan_teardown` on any JSON: the input is a `TeardownInput` (`actor`,
//! `request`, `snapshot`), read from the text as the server reads a body
//! and from a `serde_json::Value` as the vector hosts do; every input that
//! decodes is planned as it is and as its actor may see it
//! (`snapshot_for_viewer`), and the outcome serialised.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runtime_rules::teardown::{TeardownInput, plan_teardown, snapshot_for_viewer};
use runtime_rules_fuzz::{check_error, emit, from_text, parse};

fn plan(input: &TeardownInput) {
    match plan_teardown(input) {
        Ok(outcome) => emit(&outcome),
        Err(e) => emit(&e),
    }
    let redacted = TeardownInput {
        snapshot: snapshot_for_viewer(&input.actor, &input.snapshot),
        ..input.clone()
    };
    emit(&redacted);
    if let Ok(outcome) = plan_teardown(&redacted) {
        emit(&outcome);
    }
}

fuzz_target!(|data: &[u8]| {
    match from_text::<TeardownInput>(data) {
        Ok(input) => plan(&input),
        Err(e) => emit(&e),
    }
    if let Some(value) = parse(data) {
        match runtime_rules::decode::<TeardownInput, _>("input", &value) {
            Ok(input) => plan(&input),
            Err(e) => check_error(&e, "input"),
        }
    }
});
