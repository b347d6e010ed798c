//! The JavaScript bindings: every rule of the core as a camelCase function
//! (SPEC §8.1). Nothing here decides anything. Each function reads its
//! arguments with serde-wasm-bindgen through [`decode`] (so a bad value is
//! reported with the path of the field at fault), calls the core and writes
//! the answer with the JSON-compatible serializer, so JavaScript receives the
//! very values the server sends as JSON: plain objects, `null` for absent.
//!
//! Invalid input throws an `Error` whose `code` is the core's stable code and
//! whose `field` is the path at fault; a refused teardown is a returned
//! `{ type: "refusal", refusal }`. The TypeScript declarations of the shapes
//! live in `types.d.ts` beside this file and are checked against every test
//! vector by `scripts/check-types`.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_wasm_bindgen::{Deserializer, Serializer};
use wasm_bindgen::prelude::*;

use crate::access::{self, RuntimePatch};
use crate::agent_set::{self, AgentIdList};
use crate::cost::{self, CostRow, CustomPrices};
use crate::liveness::{self, AgentState, RuntimeState, TaskState};
use crate::number::Count;
use crate::queue::{self, ClaimInput, LeaseAction, QueueTask, RetryTask};
use crate::teardown::{self, Snapshot, TeardownInput};
use crate::usage::{self, Bucket, HourRow, UsageRow};
use crate::window::{self, DayCount, RawDays};
use crate::workspace::{Agent, Member, Runtime};
use crate::{Date, Error, Id, Instant, Zone, decode_with};

mod columns;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("wasm/types.d.ts");

/// What every binding returns: a JavaScript value, or a thrown `Error`.
type Result<T = JsValue> = std::result::Result<T, JsValue>;

/// Reads argument `field` from JavaScript; errors name paths below `field`.
fn arg<T: DeserializeOwned>(field: &str, value: JsValue) -> Result<T> {
    decode_with(field, Deserializer::from(value), js_message).map_err(thrown)
}

/// The message of a serde-wasm-bindgen error. Its errors are JavaScript
/// `Error`s, which print as `Error: <message>` (Error.prototype.toString).
fn js_message(text: String) -> String {
    match text.strip_prefix("Error: ") {
        Some(message) => message.to_owned(),
        None => text,
    }
}

/// Reads the whole input of a rule whose one argument is the input itself
/// (`planTeardown(input)`): error paths start at its fields.
fn input<T: DeserializeOwned>(value: JsValue) -> Result<T> {
    arg("", value)
}

/// Reads an optional text argument: anything but a string counts as absent,
/// as a query parameter that is not there.
fn text(value: &JsValue) -> Option<String> {
    value.as_string()
}

/// Writes an answer as the server would write it in JSON. The one value
/// JSON holds and a JavaScript number does not is an integer beyond 2^53 - 1:
/// a sum of counts that large is reported, never rounded.
fn answer<T: Serialize>(value: T) -> Result {
    value
        .serialize(&Serializer::json_compatible())
        .map_err(|e| {
            let message = js_message(e.to_string());
            thrown(Error::new(
                crate::Code::InvalidCount,
                "",
                format!("the answer holds a number JavaScript cannot represent exactly: {message}"),
            ))
        })
}

/// Writes the answer of a rule that may reject its input.
fn checked<T: Serialize>(value: std::result::Result<T, Error>) -> Result {
    answer(value.map_err(thrown)?)
}

/// The `Error` thrown for bad input: `message`, `code`, and `field` when
/// the error has one.
fn thrown(error: Error) -> JsValue {
    let js = js_sys::Error::new(error.message());
    js.set_name("RuntimeRulesError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = js_sys::Reflect::set(&js, &"code".into(), &error.code().as_str().into());
    if let Some(field) = error.field() {
        let _ = js_sys::Reflect::set(&js, &"field".into(), &field.into());
    }
    js.into()
}

// §1 Access

/// Whether `member` may rename, delete or change the visibility of `runtime`.
#[wasm_bindgen(js_name = canEditRuntime, unchecked_return_type = "boolean")]
pub fn can_edit_runtime(
    #[wasm_bindgen(unchecked_param_type = "Member")] member: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Runtime")] runtime: JsValue,
) -> Result {
    answer(access::can_edit_runtime(
        &arg::<Member>("member", member)?,
        &arg::<Runtime>("runtime", runtime)?,
    ))
}

/// Whether `member` may bind an agent to `runtime`.
#[wasm_bindgen(js_name = canUseRuntimeForAgent, unchecked_return_type = "boolean")]
pub fn can_use_runtime_for_agent(
    #[wasm_bindgen(unchecked_param_type = "Member")] member: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Runtime")] runtime: JsValue,
) -> Result {
    answer(access::can_use_runtime_for_agent(
        &arg::<Member>("member", member)?,
        &arg::<Runtime>("runtime", runtime)?,
    ))
}

/// Whether `member` may change the visibility of `runtime`.
#[wasm_bindgen(js_name = canSetRuntimeVisibility, unchecked_return_type = "boolean")]
pub fn can_set_runtime_visibility(
    #[wasm_bindgen(unchecked_param_type = "Member")] member: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Runtime")] runtime: JsValue,
) -> Result {
    answer(access::can_set_runtime_visibility(
        &arg::<Member>("member", member)?,
        &arg::<Runtime>("runtime", runtime)?,
    ))
}

/// Whether `member` may see `agent` in full (restricted agents are summaries).
#[wasm_bindgen(js_name = canSeeAgent, unchecked_return_type = "boolean")]
pub fn can_see_agent(
    #[wasm_bindgen(unchecked_param_type = "Member")] member: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Agent")] agent: JsValue,
) -> Result {
    answer(access::can_see_agent(
        &arg::<Member>("member", member)?,
        &arg::<Agent>("agent", agent)?,
    ))
}

/// The change a `PATCH /api/runtimes/{id}` makes, or why it is refused.
#[wasm_bindgen(js_name = planRuntimeUpdate, unchecked_return_type = "Outcome<RuntimePatch>")]
pub fn plan_runtime_update(
    #[wasm_bindgen(unchecked_param_type = "Member")] member: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Runtime")] runtime: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RuntimePatch")] patch: JsValue,
) -> Result {
    checked(access::plan_runtime_update(
        &arg::<Member>("member", member)?,
        &arg::<Runtime>("runtime", runtime)?,
        &arg::<RuntimePatch>("patch", patch)?,
    ))
}

// §2 Confirming an agent set

/// The confirmed agent ids as a sorted set of canonical UUIDs.
#[wasm_bindgen(js_name = parseAgentIds, unchecked_return_type = "string[]")]
pub fn parse_agent_ids(
    #[wasm_bindgen(unchecked_param_type = "AgentIdList")] list: JsValue,
) -> Result {
    const FIELD: &str = "expected_active_agent_ids";
    checked(agent_set::parse_agent_ids(
        &arg::<AgentIdList>(FIELD, list)?,
        FIELD,
    ))
}

/// Compares the live set of active agents with the set a user confirmed.
#[wasm_bindgen(js_name = compareAgentSets, unchecked_return_type = "SetComparison")]
pub fn compare_agent_sets(
    #[wasm_bindgen(unchecked_param_type = "AgentIdList")] live: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AgentIdList")] confirmed: JsValue,
) -> Result {
    checked(agent_set::compare_agent_lists(
        &arg::<AgentIdList>("live", live)?,
        &arg::<AgentIdList>("confirmed", confirmed)?,
    ))
}

// §3 Teardown

/// The plan for tearing down a runtime, or the refusal: the function the
/// server runs inside its transaction.
#[wasm_bindgen(js_name = planTeardown, unchecked_return_type = "Outcome<Plan>")]
pub fn plan_teardown(
    #[wasm_bindgen(js_name = input, unchecked_param_type = "TeardownInput")] value: JsValue,
) -> Result {
    checked(teardown::plan_teardown(&input::<TeardownInput>(value)?))
}

/// The snapshot as `viewer` may see it: restricted agents become summaries.
#[wasm_bindgen(js_name = snapshotForViewer, unchecked_return_type = "Snapshot")]
pub fn snapshot_for_viewer(
    #[wasm_bindgen(unchecked_param_type = "Member")] viewer: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Snapshot")] snapshot: JsValue,
) -> Result {
    answer(teardown::snapshot_for_viewer(
        &arg::<Member>("viewer", viewer)?,
        &arg::<Snapshot>("snapshot", snapshot)?,
    ))
}

// §4 Windows and time zones

/// The zone a report uses: the query's, else the stored one, else UTC.
#[wasm_bindgen(js_name = resolveViewingTz, unchecked_return_type = "string")]
pub fn resolve_viewing_tz(
    #[wasm_bindgen(js_name = queryTz, unchecked_param_type = "string | null | undefined")]
    query_tz: JsValue,
    #[wasm_bindgen(js_name = storedTz, unchecked_param_type = "string | null | undefined")]
    stored_tz: JsValue,
) -> Result {
    answer(window::resolve_viewing_tz(
        text(&query_tz).as_deref(),
        text(&stored_tz).as_deref(),
    ))
}

/// The `?days=` value as a day count, or `defaultDays` when absent.
#[wasm_bindgen(js_name = parseDays, unchecked_return_type = "number")]
pub fn parse_days(
    #[wasm_bindgen(unchecked_param_type = "RawDays")] raw: JsValue,
    #[wasm_bindgen(js_name = defaultDays, unchecked_param_type = "number")] default: JsValue,
) -> Result {
    checked(window::parse_days(
        &arg::<RawDays>("raw", raw)?,
        arg::<DayCount>("default", default)?,
    ))
}

/// The first instant of `date` in `tz` (after the gap on a midnight-gap day).
#[wasm_bindgen(js_name = startOfLocalDay, unchecked_return_type = "Instant")]
pub fn start_of_local_day(
    #[wasm_bindgen(unchecked_param_type = "LocalDate")] date: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimeZone")] tz: JsValue,
) -> Result {
    checked(window::start_of_local_day(
        arg::<Date>("date", date)?,
        arg::<Zone>("tz", tz)?,
    ))
}

/// The local date of an instant in a zone.
#[wasm_bindgen(js_name = localDate, unchecked_return_type = "LocalDate")]
pub fn local_date(
    #[wasm_bindgen(unchecked_param_type = "Instant")] instant: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimeZone")] tz: JsValue,
) -> Result {
    checked(Ok(window::local_date(
        arg::<Instant>("instant", instant)?,
        arg::<Zone>("tz", tz)?,
    )))
}

/// The start of the report window: the start of the local date `days`
/// calendar days before today's (`days + 1` dates, today partial).
#[wasm_bindgen(js_name = sinceFromDays, unchecked_return_type = "Instant")]
pub fn since_from_days(
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] days: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimeZone")] tz: JsValue,
) -> Result {
    checked(window::since_from_days(
        arg::<Instant>("now", now)?,
        arg::<DayCount>("days", days)?,
        arg::<Zone>("tz", tz)?,
    ))
}

/// The start of a window of exactly `days` local dates ending today.
#[wasm_bindgen(js_name = sinceExact, unchecked_return_type = "Instant")]
pub fn since_exact(
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] days: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimeZone")] tz: JsValue,
) -> Result {
    checked(window::since_exact(
        arg::<Instant>("now", now)?,
        arg::<DayCount>("days", days)?,
        arg::<Zone>("tz", tz)?,
    ))
}

// §5 Usage

/// Raw usage rows folded into quarter-hour buckets.
#[wasm_bindgen(js_name = rollupUsage, unchecked_return_type = "Bucket[]")]
pub fn rollup_usage(#[wasm_bindgen(unchecked_param_type = "UsageRow[]")] rows: JsValue) -> Result {
    checked(usage::rollup_usage(&arg::<Vec<UsageRow>>("rows", rows)?))
}

/// Daily usage per provider and model, by the local date of `tz`.
#[wasm_bindgen(js_name = usageDaily, unchecked_return_type = "DailyRow[]")]
pub fn usage_daily(
    #[wasm_bindgen(unchecked_param_type = "Bucket[]")] buckets: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimeZone")] tz: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] since: JsValue,
) -> Result {
    // Plain rows take the fast path; anything else (and every error) the
    // general one. Both end in the same rule.
    match columns::Buckets::read(&buckets) {
        Some(columns) => answer(usage::usage_daily_from(
            columns.iter(),
            arg::<Zone>("tz", tz)?,
            arg::<Instant>("since", since)?,
        )),
        None => answer(usage::usage_daily(
            &arg::<Vec<Bucket>>("buckets", buckets)?,
            arg::<Zone>("tz", tz)?,
            arg::<Instant>("since", since)?,
        )),
    }
}

/// Usage per agent, provider and model since `since`.
#[wasm_bindgen(js_name = usageByAgent, unchecked_return_type = "AgentRow[]")]
pub fn usage_by_agent(
    #[wasm_bindgen(unchecked_param_type = "UsageRow[]")] rows: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] since: JsValue,
) -> Result {
    answer(usage::usage_by_agent(
        &arg::<Vec<UsageRow>>("rows", rows)?,
        arg::<Instant>("since", since)?,
    ))
}

/// Usage per local hour of the day in `tz`.
#[wasm_bindgen(js_name = usageByHour, unchecked_return_type = "HourRow[]")]
pub fn usage_by_hour(
    #[wasm_bindgen(unchecked_param_type = "UsageRow[]")] rows: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimeZone")] tz: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] since: JsValue,
) -> Result {
    answer(usage::usage_by_hour(
        &arg::<Vec<UsageRow>>("rows", rows)?,
        arg::<Zone>("tz", tz)?,
        arg::<Instant>("since", since)?,
    ))
}

/// All 24 hours, zero where `rows` has none.
#[wasm_bindgen(js_name = fillHours, unchecked_return_type = "HourTotal[]")]
pub fn fill_hours(#[wasm_bindgen(unchecked_param_type = "HourRow[]")] rows: JsValue) -> Result {
    checked(usage::fill_hours(&arg::<Vec<HourRow>>("rows", rows)?))
}

/// Task starts per local hour of the day in `tz` (24 entries).
#[wasm_bindgen(js_name = taskActivity, unchecked_return_type = "HourCount[]")]
pub fn task_activity(
    #[wasm_bindgen(js_name = startedAt, unchecked_param_type = "(Instant | null)[]")]
    started_at: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimeZone")] tz: JsValue,
) -> Result {
    answer(usage::task_activity(
        &arg::<Vec<Option<Instant>>>("started_at", started_at)?,
        arg::<Zone>("tz", tz)?,
    ))
}

// §6 Cost

/// The model names tried, in order, when looking up a price.
#[wasm_bindgen(js_name = pricingCandidates, unchecked_return_type = "string[]")]
pub fn pricing_candidates(
    #[wasm_bindgen(unchecked_param_type = "string")] model: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] provider: Option<JsValue>,
) -> Result {
    answer(cost::candidates(
        &arg::<String>("model", model)?,
        provider.as_ref().and_then(text).as_deref(),
    ))
}

/// The key a custom price for this model is stored under.
#[wasm_bindgen(js_name = pricingKey, unchecked_return_type = "string")]
pub fn pricing_key(
    #[wasm_bindgen(unchecked_param_type = "string")] model: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] provider: Option<JsValue>,
) -> Result {
    answer(cost::pricing_key(
        &arg::<String>("model", model)?,
        provider.as_ref().and_then(text).as_deref(),
    ))
}

/// The key rows of one model are grouped under in reports.
#[wasm_bindgen(js_name = modelGroupKey, unchecked_return_type = "string")]
pub fn model_group_key(
    #[wasm_bindgen(unchecked_param_type = "string")] model: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] provider: Option<JsValue>,
) -> Result {
    answer(cost::model_group_key(
        &arg::<String>("model", model)?,
        provider.as_ref().and_then(text).as_deref(),
    ))
}

/// The estimated cost of a row in USD.
#[wasm_bindgen(js_name = estimateCost, unchecked_return_type = "number")]
pub fn estimate_cost(
    #[wasm_bindgen(unchecked_param_type = "CostRow")] row: JsValue,
    #[wasm_bindgen(js_name = customPrices, unchecked_optional_param_type = "CustomPrices | null")]
    custom_prices: Option<JsValue>,
) -> Result {
    answer(cost::estimate_cost(
        &arg::<CostRow>("row", row)?,
        prices(custom_prices)?.as_ref(),
    ))
}

/// The cost of a row split by token kind, in USD.
#[wasm_bindgen(js_name = costBreakdown, unchecked_return_type = "Breakdown")]
pub fn cost_breakdown(
    #[wasm_bindgen(unchecked_param_type = "CostRow")] row: JsValue,
    #[wasm_bindgen(js_name = customPrices, unchecked_optional_param_type = "CustomPrices | null")]
    custom_prices: Option<JsValue>,
) -> Result {
    answer(cost::cost_breakdown(
        &arg::<CostRow>("row", row)?,
        prices(custom_prices)?.as_ref(),
    ))
}

/// What reading from the cache saved against paying full input price, in USD.
#[wasm_bindgen(js_name = cacheSavings, unchecked_return_type = "number")]
pub fn cache_savings(
    #[wasm_bindgen(unchecked_param_type = "CostRow")] row: JsValue,
    #[wasm_bindgen(js_name = customPrices, unchecked_optional_param_type = "CustomPrices | null")]
    custom_prices: Option<JsValue>,
) -> Result {
    answer(cost::cache_savings(
        &arg::<CostRow>("row", row)?,
        prices(custom_prices)?.as_ref(),
    ))
}

/// The models in `rows` that have no price, sorted.
#[wasm_bindgen(js_name = unmappedModels, unchecked_return_type = "string[]")]
pub fn unmapped_models(
    #[wasm_bindgen(unchecked_param_type = "CostRow[]")] rows: JsValue,
    #[wasm_bindgen(js_name = customPrices, unchecked_optional_param_type = "CustomPrices | null")]
    custom_prices: Option<JsValue>,
) -> Result {
    answer(cost::unmapped_models(
        &arg::<Vec<CostRow>>("rows", rows)?,
        prices(custom_prices)?.as_ref(),
    ))
}

/// Token and cost totals of `rows`.
#[wasm_bindgen(js_name = usageTotals, unchecked_return_type = "Totals")]
pub fn usage_totals(
    #[wasm_bindgen(unchecked_param_type = "CostRow[]")] rows: JsValue,
    #[wasm_bindgen(js_name = customPrices, unchecked_optional_param_type = "CustomPrices | null")]
    custom_prices: Option<JsValue>,
) -> Result {
    answer(cost::usage_totals(
        &arg::<Vec<CostRow>>("rows", rows)?,
        prices(custom_prices)?.as_ref(),
    ))
}

/// Cost per local date (the rows carry their date).
#[wasm_bindgen(js_name = aggregateByDate, unchecked_return_type = "DateTotal[]")]
pub fn aggregate_by_date(
    #[wasm_bindgen(unchecked_param_type = "CostRow[]")] rows: JsValue,
    #[wasm_bindgen(js_name = customPrices, unchecked_optional_param_type = "CustomPrices | null")]
    custom_prices: Option<JsValue>,
) -> Result {
    checked(cost::aggregate_by_date(
        &arg::<Vec<CostRow>>("rows", rows)?,
        prices(custom_prices)?.as_ref(),
    ))
}

/// Cost per local week (Monday first) for the last `weeks` weeks.
#[wasm_bindgen(js_name = aggregateByWeek, unchecked_return_type = "WeekTotal[]")]
pub fn aggregate_by_week(
    #[wasm_bindgen(unchecked_param_type = "CostRow[]")] rows: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] weeks: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimeZone")] tz: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
    #[wasm_bindgen(js_name = customPrices, unchecked_optional_param_type = "CustomPrices | null")]
    custom_prices: Option<JsValue>,
) -> Result {
    checked(cost::aggregate_by_week(
        &arg::<Vec<CostRow>>("rows", rows)?,
        arg::<Count>("weeks", weeks)?.0,
        arg::<Zone>("tz", tz)?,
        arg::<Instant>("now", now)?,
        prices(custom_prices)?.as_ref(),
    ))
}

/// Cost per agent.
#[wasm_bindgen(js_name = aggregateByAgent, unchecked_return_type = "AgentTotal[]")]
pub fn aggregate_by_agent(
    #[wasm_bindgen(unchecked_param_type = "CostRow[]")] rows: JsValue,
    #[wasm_bindgen(js_name = customPrices, unchecked_optional_param_type = "CustomPrices | null")]
    custom_prices: Option<JsValue>,
) -> Result {
    checked(cost::aggregate_by_agent(
        &arg::<Vec<CostRow>>("rows", rows)?,
        prices(custom_prices)?.as_ref(),
    ))
}

/// Cost per model group.
#[wasm_bindgen(js_name = aggregateByModel, unchecked_return_type = "ModelTotal[]")]
pub fn aggregate_by_model(
    #[wasm_bindgen(unchecked_param_type = "CostRow[]")] rows: JsValue,
    #[wasm_bindgen(js_name = customPrices, unchecked_optional_param_type = "CustomPrices | null")]
    custom_prices: Option<JsValue>,
) -> Result {
    answer(cost::aggregate_by_model(
        &arg::<Vec<CostRow>>("rows", rows)?,
        prices(custom_prices)?.as_ref(),
    ))
}

/// The last `days` local days and the equal window before them.
#[wasm_bindgen(js_name = sliceWindow, unchecked_return_type = "WindowSlice")]
pub fn slice_window(
    #[wasm_bindgen(unchecked_param_type = "CostRow[]")] rows: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] days: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimeZone")] tz: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result {
    checked(cost::slice_window(
        &arg::<Vec<CostRow>>("rows", rows)?,
        arg::<DayCount>("days", days)?,
        arg::<Zone>("tz", tz)?,
        arg::<Instant>("now", now)?,
    ))
}

/// The change from `prev` to `cur` in percent, `null` when `prev` is zero.
#[wasm_bindgen(js_name = pctChange, unchecked_return_type = "number | null")]
pub fn pct_change(
    #[wasm_bindgen(unchecked_param_type = "number")] cur: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] prev: JsValue,
) -> Result {
    checked(cost::pct_change(arg("cur", cur)?, arg("prev", prev)?))
}

/// A token count for people: `950`, `12.3K`, `4.5M`.
#[wasm_bindgen(js_name = formatTokens, unchecked_return_type = "string")]
pub fn format_tokens(#[wasm_bindgen(unchecked_param_type = "number")] n: JsValue) -> Result {
    answer(cost::format_tokens(arg::<Count>("n", n)?.0))
}

/// An amount of USD for people.
#[wasm_bindgen(js_name = formatUsd, unchecked_return_type = "string")]
pub fn format_usd(#[wasm_bindgen(unchecked_param_type = "number")] usd: JsValue) -> Result {
    checked(cost::format_usd(arg("usd", usd)?))
}

/// Every time-zone name the rules accept, sorted (for a zone picker).
#[wasm_bindgen(js_name = timeZones, unchecked_return_type = "TimeZone[]")]
pub fn time_zones() -> Result {
    checked(Ok(crate::time_zone_names()))
}

/// The IANA release of the embedded time-zone database, e.g. `2025b`.
#[wasm_bindgen(js_name = tzdbVersion)]
pub fn tzdb_version() -> String {
    crate::tzdb_version().to_owned()
}

/// Reads the optional custom price table. serde-wasm-bindgen would read an
/// array as a list of map entries; a table is an object, as in JSON.
fn prices(value: Option<JsValue>) -> Result<Option<CustomPrices>> {
    match value {
        Some(value) if js_sys::Array::is_array(&value) => Err(thrown(Error::new(
            crate::Code::InvalidInput,
            "custom_prices",
            "invalid type: sequence, expected an object of prices by key",
        ))),
        Some(value) => arg::<Option<CustomPrices>>("custom_prices", value),
        None => Ok(None),
    }
}

// §7 Liveness

/// How `runtime`'s liveness reads at `now`: `online`, `recently_lost`,
/// `offline` or `about_to_gc`.
#[wasm_bindgen(js_name = runtimeHealth, unchecked_return_type = "Health")]
pub fn runtime_health(
    #[wasm_bindgen(unchecked_param_type = "RuntimeState")] runtime: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result {
    answer(liveness::runtime_health(
        &arg::<RuntimeState>("runtime", runtime)?,
        arg::<Instant>("now", now)?,
    ))
}

/// Whether `agent` can take work and what it is doing, from its runtime
/// (`null` when missing) and its own tasks among `tasks`.
#[wasm_bindgen(js_name = agentPresence, unchecked_return_type = "Presence")]
pub fn agent_presence(
    #[wasm_bindgen(unchecked_param_type = "AgentState")] agent: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RuntimeState | null")] runtime: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TaskState[]")] tasks: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result {
    answer(liveness::agent_presence(
        &arg::<AgentState>("agent", agent)?,
        arg::<Option<RuntimeState>>("runtime", runtime)?.as_ref(),
        &arg::<Vec<TaskState>>("tasks", tasks)?,
        arg::<Instant>("now", now)?,
    ))
}

// §7 The task queue

/// The task the runtime claims next, dispatched with `claimToken` (a fresh
/// random id from the caller) and a 60-second lease; `null` when nothing
/// is claimable.
#[wasm_bindgen(js_name = claimNext, unchecked_return_type = "Claim | null")]
pub fn claim_next(
    #[wasm_bindgen(unchecked_param_type = "ClaimInput")] input: JsValue,
    #[wasm_bindgen(js_name = claimToken, unchecked_param_type = "Id")] claim_token: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result {
    answer(queue::claim_next(
        &arg::<ClaimInput>("input", input)?,
        arg::<Id>("claim_token", claim_token)?,
        arg::<Instant>("now", now)?,
    ))
}

/// What `task` queues behind (its issue, else its chat session, else
/// `no_link`); `null` for an autopilot run with neither.
#[wasm_bindgen(js_name = serializationKey, unchecked_return_type = "SerializationKey | null")]
pub fn serialization_key(
    #[wasm_bindgen(unchecked_param_type = "QueueTask")] task: JsValue,
) -> Result {
    answer(queue::serialization_key(&arg::<QueueTask>("task", task)?))
}

/// Whether `task` is dispatched with a lease that ended before `now`.
#[wasm_bindgen(js_name = leaseExpired, unchecked_return_type = "boolean")]
pub fn lease_expired(
    #[wasm_bindgen(unchecked_param_type = "QueueTask")] task: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result {
    answer(queue::lease_expired(
        &arg::<QueueTask>("task", task)?,
        arg::<Instant>("now", now)?,
    ))
}

/// Whether the daemon presenting `claimToken` (`null`: none) may start,
/// complete or fail `task` at `now`.
#[wasm_bindgen(js_name = checkLease, unchecked_return_type = "LeaseCheck")]
pub fn check_lease(
    #[wasm_bindgen(unchecked_param_type = "QueueTask")] task: JsValue,
    #[wasm_bindgen(unchecked_param_type = "LeaseAction")] action: JsValue,
    #[wasm_bindgen(js_name = claimToken, unchecked_param_type = "Id | null")] claim_token: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result {
    answer(queue::check_lease(
        &arg::<QueueTask>("task", task)?,
        arg::<LeaseAction>("action", action)?,
        arg::<Option<Id>>("claim_token", claim_token)?,
        arg::<Instant>("now", now)?,
    ))
}

/// Whether a failed task gets another attempt, and why.
#[wasm_bindgen(js_name = retryDecision, unchecked_return_type = "RetryDecision")]
pub fn retry_decision(#[wasm_bindgen(unchecked_param_type = "RetryTask")] task: JsValue) -> Result {
    answer(queue::retry_decision(&arg::<RetryTask>("task", task)?))
}

/// The new queued attempt of `parent`, with the id `id`, at `now`.
#[wasm_bindgen(js_name = retryOf, unchecked_return_type = "QueueTaskRecord")]
pub fn retry_of(
    #[wasm_bindgen(unchecked_param_type = "QueueTask")] parent: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Id")] id: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result {
    answer(queue::retry_of(
        &arg::<QueueTask>("parent", parent)?,
        arg::<Id>("id", id)?,
        arg::<Instant>("now", now)?,
    ))
}

/// The session a new task of `agentId` on `issueId` resumes, or `null`.
#[wasm_bindgen(js_name = sessionToResume, unchecked_return_type = "Resume | null")]
pub fn session_to_resume(
    #[wasm_bindgen(unchecked_param_type = "QueueTask[]")] tasks: JsValue,
    #[wasm_bindgen(js_name = agentId, unchecked_param_type = "Id")] agent_id: JsValue,
    #[wasm_bindgen(js_name = issueId, unchecked_param_type = "Id")] issue_id: JsValue,
) -> Result {
    answer(queue::session_to_resume(
        &arg::<Vec<QueueTask>>("tasks", tasks)?,
        arg::<Id>("agent_id", agent_id)?,
        arg::<Id>("issue_id", issue_id)?,
    ))
}

/// The instants the sweeper compares with at `now`.
#[wasm_bindgen(js_name = sweepCutoffs, unchecked_return_type = "SweepCutoffs")]
pub fn sweep_cutoffs(#[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue) -> Result {
    answer(queue::cutoffs(arg::<Instant>("now", now)?))
}

/// What a heartbeat does to `runtime` as last read: `touch` or `come_online`.
#[wasm_bindgen(js_name = heartbeatDecision, unchecked_return_type = "Heartbeat")]
pub fn heartbeat_decision(
    #[wasm_bindgen(unchecked_param_type = "RuntimeState")] runtime: JsValue,
) -> Result {
    answer(queue::heartbeat(&arg::<RuntimeState>("runtime", runtime)?))
}

/// Whether the sweeper takes `runtime` offline at `now`.
#[wasm_bindgen(js_name = isStale, unchecked_return_type = "boolean")]
pub fn is_stale(
    #[wasm_bindgen(unchecked_param_type = "RuntimeState")] runtime: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result {
    answer(queue::is_stale(
        &arg::<RuntimeState>("runtime", runtime)?,
        arg::<Instant>("now", now)?,
    ))
}

/// Why the sweeper fails `task` at `now` (`timeout`, `queued_expired`), or `null`.
#[wasm_bindgen(js_name = sweepReason, unchecked_return_type = "SweepReason | null")]
pub fn sweep_reason(
    #[wasm_bindgen(unchecked_param_type = "QueueTask")] task: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result {
    answer(queue::sweep_reason(
        &arg::<QueueTask>("task", task)?,
        arg::<Instant>("now", now)?,
    ))
}

/// Whether the collector deletes `runtime` at `now`, given how many of its
/// tasks are unfinished.
#[wasm_bindgen(js_name = isCollectable, unchecked_return_type = "boolean")]
pub fn is_collectable(
    #[wasm_bindgen(unchecked_param_type = "RuntimeState")] runtime: JsValue,
    #[wasm_bindgen(js_name = unfinishedTasks, unchecked_param_type = "number")]
    unfinished_tasks: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Instant")] now: JsValue,
) -> Result {
    answer(queue::is_collectable(
        &arg::<RuntimeState>("runtime", runtime)?,
        arg::<Count>("unfinished_tasks", unfinished_tasks)?.0,
        arg::<Instant>("now", now)?,
    ))
}

/// The daemon ids a machine may have registered under before daemon ids
/// were persistent, from its hostname and profile.
#[wasm_bindgen(js_name = legacyDaemonIds, unchecked_return_type = "string[]")]
pub fn legacy_daemon_ids(
    #[wasm_bindgen(unchecked_param_type = "string")] hostname: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "string | null")] profile: Option<JsValue>,
) -> Result {
    let hostname = arg::<String>("hostname", hostname)?;
    let profile = match profile {
        Some(profile) => arg::<Option<String>>("profile", profile)?,
        None => None,
    };
    answer(queue::legacy_daemon_ids(&hostname, profile.as_deref()))
}
