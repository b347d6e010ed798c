//! Runs every file of `tests/vectors/` inside WebAssembly: in Node with
//! `wasm-pack test --node`, in headless Chromium with
//! `WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome`.
//! Same files, same harness, same expected values as the native run.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use wasm_bindgen_test::{console_log, wasm_bindgen_test};

#[wasm_bindgen_test]
fn vectors() {
    let global = js_sys::global();
    let host = if js_sys::Reflect::has(&global, &"document".into()).unwrap_or(false) {
        "wasm, browser"
    } else {
        "wasm, Node"
    };
    let (mut total, mut failures) = (0, Vec::new());
    console_log!("test vectors ({host}):");
    for (name, text) in common::FILES {
        let report = common::run(name, text);
        console_log!("  {name:<28} {:>4} cases", report.cases);
        total += report.cases;
        failures.extend(report.failures);
    }
    console_log!(
        "  {:<28} {total:>4} cases, {} failed",
        "total",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
