//! The shared test vectors and the code that runs them, for every Rust host.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod dispatch;

use serde::Deserialize;
use serde_json::Value;

/// Every vector file, embedded so hosts without a file system (wasm) run
/// exactly the same cases. `tests/vectors.rs` checks this list against the
/// directory.
pub const FILES: &[(&str, &str)] = &[
    ("access.json", include_str!("../vectors/access.json")),
    ("agent_set.json", include_str!("../vectors/agent_set.json")),
    (
        "plan_teardown.json",
        include_str!("../vectors/plan_teardown.json"),
    ),
    (
        "snapshot_for_viewer.json",
        include_str!("../vectors/snapshot_for_viewer.json"),
    ),
    ("window.json", include_str!("../vectors/window.json")),
    (
        "start_of_local_day.json",
        include_str!("../vectors/start_of_local_day.json"),
    ),
    ("usage.json", include_str!("../vectors/usage.json")),
    (
        "usage_daily.json",
        include_str!("../vectors/usage_daily.json"),
    ),
    ("pricing.json", include_str!("../vectors/pricing.json")),
    ("cost.json", include_str!("../vectors/cost.json")),
    ("aggregate.json", include_str!("../vectors/aggregate.json")),
    ("format.json", include_str!("../vectors/format.json")),
    ("liveness.json", include_str!("../vectors/liveness.json")),
    ("queue.json", include_str!("../vectors/queue.json")),
];

/// A vector file: cases of one or more rules.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct File {
    /// What the file covers.
    pub about: String,
    /// The rules, each with its JavaScript name and argument order.
    pub rules: std::collections::BTreeMap<String, Signature>,
    pub cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub js: String,
    pub args: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub rule: String,
    pub name: String,
    /// Where the case comes from (a SPEC section, a seed, a bug, an oracle).
    pub source: String,
    pub input: serde_json::Map<String, Value>,
    /// Present (even as `null`) when the case expects a value.
    #[serde(default, deserialize_with = "present")]
    pub expected: Option<Value>,
    #[serde(default)]
    pub error: Option<ExpectedError>,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExpectedError {
    pub code: String,
    pub field: Option<String>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// The outcome of running one file.
pub struct Report {
    pub cases: usize,
    pub failures: Vec<String>,
}

/// Runs every case of a vector file.
pub fn run(file_name: &str, text: &str) -> Report {
    let file: File = serde_json::from_str(text).unwrap_or_else(|e| panic!("{file_name}: {e}"));
    let mut failures = Vec::new();
    for case in &file.cases {
        let label = format!("{file_name} · {} · {}", case.rule, case.name);
        let signature = file.rules.get(&case.rule);
        if signature.is_none() {
            failures.push(format!("{label}: rule not declared in the file's `rules`"));
            continue;
        }
        if let Some(unknown) = case
            .input
            .keys()
            .find(|k| !signature.unwrap().args.contains(k))
        {
            failures.push(format!(
                "{label}: input `{unknown}` is not an argument of the rule"
            ));
            continue;
        }
        let got = dispatch::call(&case.rule, &dispatch::Args(&case.input));
        match (&case.expected, &case.error, got) {
            (Some(want), None, Ok(got)) => {
                if !same(want, &got) {
                    failures.push(format!("{label}\n  expected {want}\n  got      {got}"));
                }
            }
            (None, Some(want), Err(e)) => {
                let got = ExpectedError {
                    code: e.code().as_str().to_owned(),
                    field: e.field().map(str::to_owned),
                };
                if *want != got {
                    failures.push(format!(
                        "{label}\n  expected error {want:?}\n  got error      {got:?} ({e})"
                    ));
                }
            }
            (Some(want), None, Err(e)) => {
                failures.push(format!("{label}\n  expected {want}\n  got error {e}"))
            }
            (None, Some(want), Ok(got)) => {
                failures.push(format!("{label}\n  expected error {want:?}\n  got {got}"))
            }
            _ => failures.push(format!(
                "{label}: a case has exactly one of `expected` and `error`"
            )),
        }
    }
    Report {
        cases: file.cases.len(),
        failures,
    }
}

/// JSON equality where numbers compare by value (JavaScript has one number
/// type: `18` and `18.0` are the same) within a relative 1e-12, for sums of
/// money computed in a different order by hand.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs())
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
