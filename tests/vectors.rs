//! Runs every file of `tests/vectors/` natively and prints how many cases
//! each holds. The same files run in wasm and from JavaScript.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .map(|e| {
            e.expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = common::FILES.iter().map(|(n, _)| (*n).to_owned()).collect();
    listed.sort();
    if on_disk != listed {
        eprintln!(
            "tests/common/mod.rs FILES does not list exactly tests/vectors/*.json:\n  disk   {on_disk:?}\n  listed {listed:?}"
        );
        return ExitCode::FAILURE;
    }

    let (mut total, mut failed) = (0, 0);
    println!("test vectors (native):");
    for (name, text) in common::FILES {
        let report = common::run(name, text);
        println!("  {name:<28} {:>4} cases", report.cases);
        total += report.cases;
        for failure in &report.failures {
            eprintln!("FAIL {failure}");
        }
        failed += report.failures.len();
    }
    println!("  {:<28} {total:>4} cases, {failed} failed", "total");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
