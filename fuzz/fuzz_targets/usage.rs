//! The usage rules on any JSON: an object with `rows` (raw `UsageRow`s),
//! `buckets` (quarter-hour `Bucket`s), `tz`, `since` and `started_at`, the
//! argument names of the vectors. Raw rows are rolled up
//! (`rollup_usage`, then `usage_daily` over the rollup) and reported
//! (`usage_by_agent`, `usage_by_hour`, then `fill_hours`); buckets go
//! through `usage_daily`; `started_at` through `task_activity`. A `tz` or
//! `since` that is absent or bad falls back to UTC and the epoch so the
//! rows are still exercised. Read from the text as the server reads a body
//! and from a `serde_json::Value` one argument at a time as the vector
//! hosts do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runtime_rules::usage::{
    Bucket, HourRow, UsageRow, fill_hours, rollup_usage, task_activity, usage_by_agent,
    usage_by_hour, usage_daily,
};
use runtime_rules::{Instant, Zone};
use runtime_rules_fuzz::{arg, emit, from_text, parse};
use serde::Deserialize;

#[derive(Deserialize)]
struct Input {
    #[serde(default)]
    rows: Option<Vec<UsageRow>>,
    #[serde(default)]
    buckets: Option<Vec<Bucket>>,
    #[serde(default)]
    tz: Option<Zone>,
    #[serde(default)]
    since: Option<Instant>,
    #[serde(default)]
    started_at: Option<Vec<Option<Instant>>>,
}

fn utc() -> Zone {
    Zone::parse("UTC", "tz").unwrap_or_else(|e| panic!("UTC is a zone: {e}"))
}

fn run(input: Input) {
    let tz = input.tz.unwrap_or_else(utc);
    let since = input.since.unwrap_or(Instant::EPOCH);
    if let Some(rows) = &input.rows {
        match rollup_usage(rows) {
            Ok(buckets) => {
                emit(&buckets);
                emit(&usage_daily(&buckets, tz, since));
            }
            Err(e) => emit(&e),
        }
        emit(&usage_by_agent(rows, since));
        let hours = usage_by_hour(rows, tz, since);
        emit(&hours);
        match fill_hours(&hours) {
            Ok(filled) => emit(&filled),
            Err(e) => emit(&e),
        }
    }
    if let Some(buckets) = &input.buckets {
        emit(&usage_daily(buckets, tz, since));
    }
    if let Some(started_at) = &input.started_at {
        emit(&task_activity(started_at, tz));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = from_text::<Input>(data) {
        run(input);
    }
    if let Some(args) = parse(data) {
        run(Input {
            rows: arg(&args, "rows").ok(),
            buckets: arg(&args, "buckets").ok(),
            tz: arg(&args, "tz").ok(),
            since: arg(&args, "since").ok(),
            started_at: arg(&args, "started_at").ok(),
        });
        // fill_hours's own input: the vectors pass hour rows as `rows`.
        if let Ok(hours) = arg::<Vec<HourRow>>(&args, "rows") {
            match fill_hours(&hours) {
                Ok(filled) => emit(&filled),
                Err(e) => emit(&e),
            }
        }
    }
});
