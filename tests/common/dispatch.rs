//! Calls a rule by name with JSON arguments: the one table that maps the
//! vector files onto the core. Every host that runs the vectors in Rust
//! (native, wasm in Node, wasm in Chromium) goes through here.

use runtime_rules::access::{self, RuntimePatch};
use runtime_rules::agent_set::{self, AgentIdList};
use runtime_rules::cost::{self, CostRow, CustomPrices};
use runtime_rules::liveness::{self, AgentState, RuntimeState, TaskState};
use runtime_rules::number::Count;
use runtime_rules::queue::{self, ClaimInput, LeaseAction, QueueTask, RetryTask};
use runtime_rules::teardown::{self, Snapshot, TeardownInput};
use runtime_rules::usage::{self, Bucket, HourRow, UsageRow};
use runtime_rules::window::{self, DayCount, RawDays};
use runtime_rules::workspace::{Agent, Member, Runtime};
use runtime_rules::{Date, Error, Id, Instant, Zone, decode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde::de::value::{Error as ValueError, F64Deserializer};
use serde_json::Value;

/// The arguments of one case.
pub struct Args<'a>(pub &'a serde_json::Map<String, Value>);

impl Args<'_> {
    /// Decodes argument `name` as the core's own hosts do. An absent
    /// argument is `null`; `{"$js": "NaN"}` (and `Infinity`, `-Infinity`)
    /// stands for the JavaScript number JSON cannot hold.
    fn get<T: DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
        let value = self.0.get(name).unwrap_or(&Value::Null);
        match special_number(value) {
            Some(x) => decode(name, F64Deserializer::<ValueError>::new(x)),
            None => decode(name, value),
        }
    }

    /// Decodes argument `name`, reporting fields relative to it: for rules
    /// whose one argument is the whole input (`planTeardown(input)`).
    fn whole<T: DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
        decode("", self.0.get(name).unwrap_or(&Value::Null))
    }

    fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }
}

fn special_number(value: &Value) -> Option<f64> {
    match value.as_object()?.get("$js")?.as_str()? {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn json<T: Serialize>(value: T) -> Result<Value, Error> {
    // Serialising the crate's own output types cannot fail (no maps with
    // non-string keys, no non-finite floats reach the output).
    Ok(serde_json::to_value(value).expect("outputs serialise"))
}

/// Runs `rule` on `args`.
pub fn call(rule: &str, a: &Args) -> Result<Value, Error> {
    let custom = || a.get::<Option<CustomPrices>>("custom_prices");
    match rule {
        "can_edit_runtime" => json(access::can_edit_runtime(
            &a.get::<Member>("member")?,
            &a.get::<Runtime>("runtime")?,
        )),
        "can_use_runtime_for_agent" => json(access::can_use_runtime_for_agent(
            &a.get::<Member>("member")?,
            &a.get::<Runtime>("runtime")?,
        )),
        "can_set_runtime_visibility" => json(access::can_set_runtime_visibility(
            &a.get::<Member>("member")?,
            &a.get::<Runtime>("runtime")?,
        )),
        "can_see_agent" => json(access::can_see_agent(
            &a.get::<Member>("member")?,
            &a.get::<Agent>("agent")?,
        )),
        "plan_runtime_update" => json(access::plan_runtime_update(
            &a.get::<Member>("member")?,
            &a.get::<Runtime>("runtime")?,
            &a.get::<RuntimePatch>("patch")?,
        )?),

        "parse_agent_ids" => {
            let list: AgentIdList = decode(
                "expected_active_agent_ids",
                a.0.get("list").unwrap_or(&Value::Null),
            )?;
            json(agent_set::parse_agent_ids(
                &list,
                "expected_active_agent_ids",
            )?)
        }
        "compare_agent_sets" => json(agent_set::compare_agent_lists(
            &a.get::<AgentIdList>("live")?,
            &a.get::<AgentIdList>("confirmed")?,
        )?),

        "plan_teardown" => json(teardown::plan_teardown(
            &a.whole::<TeardownInput>("input")?,
        )?),
        "snapshot_for_viewer" => json(teardown::snapshot_for_viewer(
            &a.get::<Member>("viewer")?,
            &a.get::<Snapshot>("snapshot")?,
        )),

        "resolve_viewing_tz" => json(window::resolve_viewing_tz(
            a.text("query_tz"),
            a.text("stored_tz"),
        )),
        "parse_days" => json(window::parse_days(
            &a.get::<RawDays>("raw")?,
            a.get::<DayCount>("default")?,
        )?),
        "local_date" => json(window::local_date(
            a.get::<Instant>("instant")?,
            a.get::<Zone>("tz")?,
        )),
        "start_of_local_day" => json(window::start_of_local_day(
            a.get::<Date>("date")?,
            a.get::<Zone>("tz")?,
        )?),
        "since_from_days" => json(window::since_from_days(
            a.get::<Instant>("now")?,
            a.get::<DayCount>("days")?,
            a.get::<Zone>("tz")?,
        )?),
        "since_exact" => json(window::since_exact(
            a.get::<Instant>("now")?,
            a.get::<DayCount>("days")?,
            a.get::<Zone>("tz")?,
        )?),

        "rollup_usage" => json(usage::rollup_usage(&a.get::<Vec<UsageRow>>("rows")?)?),
        "usage_daily" => json(usage::usage_daily(
            &a.get::<Vec<Bucket>>("buckets")?,
            a.get::<Zone>("tz")?,
            a.get::<Instant>("since")?,
        )),
        "usage_by_agent" => json(usage::usage_by_agent(
            &a.get::<Vec<UsageRow>>("rows")?,
            a.get::<Instant>("since")?,
        )),
        "usage_by_hour" => json(usage::usage_by_hour(
            &a.get::<Vec<UsageRow>>("rows")?,
            a.get::<Zone>("tz")?,
            a.get::<Instant>("since")?,
        )),
        "fill_hours" => json(usage::fill_hours(&a.get::<Vec<HourRow>>("rows")?)?),
        "task_activity" => json(usage::task_activity(
            &a.get::<Vec<Option<Instant>>>("started_at")?,
            a.get::<Zone>("tz")?,
        )),

        "pricing_candidates" => json(cost::candidates(
            &a.get::<String>("model")?,
            a.text("provider"),
        )),
        "estimate_cost" => json(cost::estimate_cost(
            &a.get::<CostRow>("row")?,
            custom()?.as_ref(),
        )),
        "cost_breakdown" => json(cost::cost_breakdown(
            &a.get::<CostRow>("row")?,
            custom()?.as_ref(),
        )),
        "cache_savings" => json(cost::cache_savings(
            &a.get::<CostRow>("row")?,
            custom()?.as_ref(),
        )),
        "unmapped_models" => json(cost::unmapped_models(
            &a.get::<Vec<CostRow>>("rows")?,
            custom()?.as_ref(),
        )),
        "model_group_key" => json(cost::model_group_key(
            &a.get::<String>("model")?,
            a.text("provider"),
        )),
        "pricing_key" => json(cost::pricing_key(
            &a.get::<String>("model")?,
            a.text("provider"),
        )),
        "usage_totals" => json(cost::usage_totals(
            &a.get::<Vec<CostRow>>("rows")?,
            custom()?.as_ref(),
        )),
        "aggregate_by_date" => json(cost::aggregate_by_date(
            &a.get::<Vec<CostRow>>("rows")?,
            custom()?.as_ref(),
        )?),
        "aggregate_by_week" => json(cost::aggregate_by_week(
            &a.get::<Vec<CostRow>>("rows")?,
            a.get::<Count>("weeks")?.0,
            a.get::<Zone>("tz")?,
            a.get::<Instant>("now")?,
            custom()?.as_ref(),
        )?),
        "aggregate_by_agent" => json(cost::aggregate_by_agent(
            &a.get::<Vec<CostRow>>("rows")?,
            custom()?.as_ref(),
        )?),
        "aggregate_by_model" => json(cost::aggregate_by_model(
            &a.get::<Vec<CostRow>>("rows")?,
            custom()?.as_ref(),
        )),
        "slice_window" => json(cost::slice_window(
            &a.get::<Vec<CostRow>>("rows")?,
            a.get::<DayCount>("days")?,
            a.get::<Zone>("tz")?,
            a.get::<Instant>("now")?,
        )?),
        "pct_change" => json(cost::pct_change(
            a.get::<f64>("cur")?,
            a.get::<f64>("prev")?,
        )?),
        "format_tokens" => json(cost::format_tokens(a.get::<Count>("n")?.0)),
        "format_usd" => json(cost::format_usd(a.get::<f64>("usd")?)?),
        "tzdb_version" => json(runtime_rules::tzdb_version()),

        "runtime_health" => json(liveness::runtime_health(
            &a.get::<RuntimeState>("runtime")?,
            a.get::<Instant>("now")?,
        )),
        "agent_presence" => json(liveness::agent_presence(
            &a.get::<AgentState>("agent")?,
            a.get::<Option<RuntimeState>>("runtime")?.as_ref(),
            &a.get::<Vec<TaskState>>("tasks")?,
            a.get::<Instant>("now")?,
        )),

        "claim_next" => json(queue::claim_next(
            &a.get::<ClaimInput>("input")?,
            a.get::<Id>("claim_token")?,
            a.get::<Instant>("now")?,
        )),
        "serialization_key" => json(queue::serialization_key(&a.get::<QueueTask>("task")?)),
        "lease_expired" => json(queue::lease_expired(
            &a.get::<QueueTask>("task")?,
            a.get::<Instant>("now")?,
        )),
        "check_lease" => json(queue::check_lease(
            &a.get::<QueueTask>("task")?,
            a.get::<LeaseAction>("action")?,
            a.get::<Option<Id>>("claim_token")?,
            a.get::<Instant>("now")?,
        )),
        "retry_decision" => json(queue::retry_decision(&a.get::<RetryTask>("task")?)),
        "retry_of" => json(queue::retry_of(
            &a.get::<QueueTask>("parent")?,
            a.get::<Id>("id")?,
            a.get::<Instant>("now")?,
        )),
        "session_to_resume" => json(queue::session_to_resume(
            &a.get::<Vec<QueueTask>>("tasks")?,
            a.get::<Id>("agent_id")?,
            a.get::<Id>("issue_id")?,
        )),
        "cutoffs" => json(queue::cutoffs(a.get::<Instant>("now")?)),
        "heartbeat" => json(queue::heartbeat(&a.get::<RuntimeState>("runtime")?)),
        "is_stale" => json(queue::is_stale(
            &a.get::<RuntimeState>("runtime")?,
            a.get::<Instant>("now")?,
        )),
        "sweep_reason" => json(queue::sweep_reason(
            &a.get::<QueueTask>("task")?,
            a.get::<Instant>("now")?,
        )),
        "is_collectable" => json(queue::is_collectable(
            &a.get::<RuntimeState>("runtime")?,
            a.get::<Count>("unfinished_tasks")?.0,
            a.get::<Instant>("now")?,
        )),
        "legacy_daemon_ids" => json(queue::legacy_daemon_ids(
            &a.get::<String>("hostname")?,
            a.get::<Option<String>>("profile")?.as_deref(),
        )),
        other => panic!("no rule named {other:?}: add it to tests/common/dispatch.rs"),
    }
}
