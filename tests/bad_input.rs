//! Bad input gets a clear error with a stable code and the field at fault;
//! it never panics. One table of named cases per rule, then a sweep that
//! breaks every argument and every nested value of every valid vector case.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};

use common::dispatch::{Args, call};
use serde_json::{Map, Value, json};

const ID: &str = "44444444-0000-4000-8000-000000000001";
const NOW: &str = "2026-05-19T16:00:00Z";

fn member() -> Value {
    json!({ "user_id": ID, "role": "owner" })
}

fn runtime() -> Value {
    json!({ "id": ID, "workspace_id": ID, "name": "rt", "owner_id": ID, "visibility": "private", "status": "online" })
}

fn raw_row() -> Value {
    json!({ "task_id": ID, "agent_id": ID, "runtime_id": ID, "workspace_id": ID, "provider": "openai", "model": "gpt-5",
            "input_tokens": 1, "output_tokens": 1, "cache_read_tokens": 0, "cache_write_tokens": 0, "created_at": NOW })
}

fn with(base: Value, key: &str, value: Value) -> Value {
    let mut v = base;
    v[key] = value;
    v
}

fn run(rule: &str, args: Value) -> Result<Value, (String, Option<String>)> {
    let map = args.as_object().cloned().unwrap_or_default();
    catch_unwind(AssertUnwindSafe(|| call(rule, &Args(&map))))
        .unwrap_or_else(|_| panic!("{rule} panicked on {args}"))
        .map_err(|e| (e.code().as_str().to_owned(), e.field().map(str::to_owned)))
}

/// One malformed input per rule, with the code and field it must report.
#[test]
fn every_rule_names_the_code_and_the_field() {
    let cases: Vec<(&str, Value, &str, &str)> = vec![
        (
            "can_edit_runtime",
            json!({ "member": { "user_id": "nope", "role": "owner" }, "runtime": runtime() }),
            "invalid_id",
            "member.user_id",
        ),
        (
            "can_use_runtime_for_agent",
            json!({ "member": member(), "runtime": with(runtime(), "visibility", json!(null)) }),
            "invalid_input",
            "runtime.visibility",
        ),
        (
            "can_set_runtime_visibility",
            json!({ "member": member() }),
            "invalid_input",
            "runtime",
        ),
        (
            "can_see_agent",
            json!({ "member": member(), "agent": { "id": "{".to_owned() + ID + "}" } }),
            "invalid_id",
            "agent.id",
        ),
        (
            "plan_runtime_update",
            json!({ "member": member(), "runtime": runtime(), "patch": { "name": 7 } }),
            "invalid_input",
            "patch.name",
        ),
        (
            "parse_agent_ids",
            json!({ "list": [ID, " ".to_owned() + ID] }),
            "invalid_agent_ids",
            "expected_active_agent_ids[1]",
        ),
        (
            "compare_agent_sets",
            json!({ "live": {}, "confirmed": [] }),
            "invalid_agent_ids",
            "live",
        ),
        (
            "plan_teardown",
            json!({ "input": { "actor": member(), "request": { "mode": "strict", "policy": "archive" } } }),
            "invalid_input",
            "snapshot",
        ),
        (
            "snapshot_for_viewer",
            json!({ "viewer": { "user_id": ID }, "snapshot": {} }),
            "invalid_input",
            "viewer.role",
        ),
        (
            "parse_days",
            json!({ "raw": "7", "default": -30 }),
            "invalid_days",
            "default",
        ),
        (
            "start_of_local_day",
            json!({ "date": "2025-06-01", "tz": "Local" }),
            "invalid_time_zone",
            "tz",
        ),
        (
            "since_from_days",
            json!({ "now": NOW, "days": 2.5, "tz": "UTC" }),
            "invalid_days",
            "days",
        ),
        (
            "since_exact",
            json!({ "now": "2026-05-19T16:00:00", "days": 2, "tz": "UTC" }),
            "invalid_instant",
            "now",
        ),
        (
            "rollup_usage",
            json!({ "rows": [with(raw_row(), "task_id", json!("t-1"))] }),
            "invalid_id",
            "rows[0].task_id",
        ),
        (
            "usage_daily",
            json!({ "buckets": [], "tz": "", "since": NOW }),
            "invalid_time_zone",
            "tz",
        ),
        (
            "usage_by_agent",
            json!({ "rows": [with(raw_row(), "output_tokens", json!(-3))], "since": NOW }),
            "invalid_count",
            "rows[0].output_tokens",
        ),
        (
            "usage_by_hour",
            json!({ "rows": [raw_row()], "tz": "Europe/Narnia", "since": NOW }),
            "invalid_time_zone",
            "tz",
        ),
        (
            "fill_hours",
            json!({ "rows": [{ "hour": 3 }] }),
            "invalid_input",
            "rows[0].model",
        ),
        (
            "task_activity",
            json!({ "started_at": [NOW, 7], "tz": "UTC" }),
            "invalid_input",
            "started_at[1]",
        ),
        (
            "pricing_candidates",
            json!({ "model": null }),
            "invalid_input",
            "model",
        ),
        (
            "estimate_cost",
            json!({ "row": { "model": "gpt-5", "input_tokens": 1.5 } }),
            "invalid_count",
            "row.input_tokens",
        ),
        (
            "cost_breakdown",
            json!({ "row": { "model": "gpt-5", "cost_usd_ticks": -1 } }),
            "invalid_count",
            "row.cost_usd_ticks",
        ),
        (
            "cache_savings",
            json!({ "row": { "model": "gpt-5" }, "custom_prices": { "gpt-6": { "input": 1, "output": 1, "cache_read": -0.1, "cache_write": 0 } } }),
            "invalid_number",
            "custom_prices.gpt-6.cache_read",
        ),
        (
            "unmapped_models",
            json!({ "rows": [{ "model": "x", "date": "yesterday" }] }),
            "invalid_date",
            "rows[0].date",
        ),
        (
            "model_group_key",
            json!({ "model": ["gpt-5"] }),
            "invalid_input",
            "model",
        ),
        ("pricing_key", json!({}), "invalid_input", "model"),
        (
            "usage_totals",
            json!({ "rows": [{ "model": "gpt-5", "agent_id": "agent-7" }] }),
            "invalid_id",
            "rows[0].agent_id",
        ),
        (
            "aggregate_by_date",
            json!({ "rows": [{ "model": "gpt-5", "date": "2025-02-30" }] }),
            "invalid_date",
            "rows[0].date",
        ),
        (
            "aggregate_by_week",
            json!({ "rows": [], "weeks": 4, "tz": "UTC", "now": "now" }),
            "invalid_instant",
            "now",
        ),
        (
            "aggregate_by_agent",
            json!({ "rows": [{ "model": "gpt-5", "task_count": -2, "agent_id": ID }] }),
            "invalid_count",
            "rows[0].task_count",
        ),
        (
            "aggregate_by_model",
            json!({ "rows": "gpt-5" }),
            "invalid_input",
            "rows",
        ),
        (
            "slice_window",
            json!({ "rows": [], "days": { "$js": "Infinity" }, "tz": "UTC", "now": NOW }),
            "invalid_days",
            "days",
        ),
        (
            "pct_change",
            json!({ "cur": { "$js": "-Infinity" }, "prev": 1 }),
            "invalid_number",
            "cur",
        ),
        (
            "format_tokens",
            json!({ "n": "1000" }),
            "invalid_count",
            "n",
        ),
        (
            "format_usd",
            json!({ "usd": { "$js": "NaN" } }),
            "invalid_number",
            "usd",
        ),
        (
            "runtime_health",
            json!({ "runtime": { "status": "offline", "last_seen_at": "yesterday" }, "now": NOW }),
            "invalid_instant",
            "runtime.last_seen_at",
        ),
        (
            "agent_presence",
            json!({ "agent": { "id": ID }, "runtime": null, "tasks": [{ "agent_id": ID }], "now": NOW }),
            "invalid_input",
            "tasks[0].status",
        ),
    ];
    for (rule, args, code, field) in cases {
        assert_eq!(
            run(rule, args.clone()),
            Err((code.to_owned(), Some(field.to_owned()))),
            "{rule}({args})"
        );
    }
}

/// Values that break an argument when put in its place.
fn hostile() -> Vec<Value> {
    vec![
        Value::Null,
        json!(-1),
        json!(1.5),
        json!(""),
        json!("Local"),
        json!("not a uuid"),
        json!([]),
        json!({}),
        json!(true),
        json!(1e300),
        json!("x".repeat(10_000)),
        json!({ "$js": "NaN" }),
        json!({ "$js": "Infinity" }),
    ]
}

/// Every path to a value inside `v`, objects by key and arrays by index.
fn paths(v: &Value, prefix: Vec<PathPart>, out: &mut Vec<Vec<PathPart>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let mut p = prefix.clone();
                p.push(PathPart::Key(k.clone()));
                out.push(p.clone());
                paths(child, p, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate().take(3) {
                let mut p = prefix.clone();
                p.push(PathPart::Index(i));
                out.push(p.clone());
                paths(child, p, out);
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug)]
enum PathPart {
    Key(String),
    Index(usize),
}

fn replace(v: &mut Value, path: &[PathPart], with: Option<Value>) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = v;
    for part in parents {
        node = match part {
            PathPart::Key(k) => &mut node[k.as_str()],
            PathPart::Index(i) => &mut node[*i],
        };
    }
    match (last, with) {
        (PathPart::Key(k), Some(x)) => node[k.as_str()] = x,
        (PathPart::Key(k), None) => {
            node.as_object_mut().unwrap().remove(k);
        }
        (PathPart::Index(i), Some(x)) => node[*i] = x,
        (PathPart::Index(i), None) => {
            node.as_array_mut().unwrap().remove(*i);
        }
    }
}

/// Breaks every argument and nested value of every valid vector case: the
/// rule may answer or refuse the input, but never panic, and every error
/// names a field (only a whole-input argument replaced at its root may not).
#[test]
fn no_input_makes_a_rule_panic() {
    let mut calls = 0;
    for (name, text) in common::FILES {
        let file: common::File = serde_json::from_str(text).unwrap();
        for case in file.cases.iter().filter(|c| c.expected.is_some()) {
            let root = Value::Object(case.input.clone());
            let mut all = Vec::new();
            paths(&root, Vec::new(), &mut all);
            for path in all {
                let mut variants: Vec<Option<Value>> = hostile().into_iter().map(Some).collect();
                variants.push(None);
                for variant in variants {
                    let mut broken = root.clone();
                    replace(&mut broken, &path, variant);
                    calls += 1;
                    let map: Map<String, Value> = broken.as_object().cloned().unwrap();
                    let result = catch_unwind(AssertUnwindSafe(|| call(&case.rule, &Args(&map))));
                    let result = result.unwrap_or_else(|_| {
                        panic!(
                            "{name} · {} · {}: panicked with {path:?} broken: {broken}",
                            case.rule, case.name
                        )
                    });
                    if let Err(e) = result {
                        let whole_input_root = case.rule == "plan_teardown" && path.len() == 1;
                        assert!(
                            e.field().is_some_and(|f| !f.is_empty()) || whole_input_root,
                            "{name} · {}: error without field for {path:?}: {e}",
                            case.rule
                        );
                        assert!(!e.message().is_empty());
                    }
                }
            }
        }
    }
    println!("{calls} broken inputs, no panic");
    assert!(
        calls > 10_000,
        "the sweep covers the vectors ({calls} calls)"
    );
}
