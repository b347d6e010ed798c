//! Usage reports of a runtime in the viewer's time zone (SPEC §4, §5).
//!
//! SQLite has no time zones: the database hands over buckets and rows at
//! or after an instant, and every local date and hour is the core's.
//!
//! The zone is `?tz=` if valid, else the viewer's stored zone, else UTC
//! (`resolve_viewing_tz`); `?days=` is read by `parse_days`. The daily
//! report has a date axis and covers `days + 1` local dates, today
//! included (`since_from_days`, as the original product did); the reports
//! without a date axis cover exactly `days` local dates (`since_exact`).

use axum::Json;
use axum::extract::{Path, Query as QueryString, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::runtimes::{runtime_for, runtime_id};
use crate::id::Id;
use crate::server::AppState;
use crate::server::auth::Viewer;
use crate::server::error::ApiError;
use crate::server::request::Query;
use crate::server::store::Tx;
use crate::time::Instant;
use crate::usage::{
    DailyInput, task_activity, usage_by_agent, usage_by_hour, usage_daily, usage_daily_from,
};
use crate::window::{
    DayCount, RawDays, local_days_start_on_whole_hours, parse_days, resolve_viewing_tz,
    since_exact, since_from_days,
};
use crate::zone::Zone;

/// The response header naming the zone a report was computed in.
pub const VIEWING_TZ: &str = "x-viewing-tz";

/// How a report's window starts.
#[derive(Clone, Copy)]
enum Window {
    /// `days + 1` local dates (a date axis).
    FromDays,
    /// Exactly `days` local dates.
    Exact,
}

struct Report {
    id: Id,
    tz: Zone,
    since: Instant,
}

/// Resolves the runtime, the zone and the window start for a report.
fn report(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: Id,
    query: &Query,
    default_days: u32,
    window: Window,
    now: Instant,
) -> Result<Report, ApiError> {
    runtime_for(tx, viewer, id)?;
    let name = resolve_viewing_tz(
        query.get("tz").map(String::as_str),
        viewer.0.timezone.as_deref(),
    );
    let tz = Zone::parse(&name, "tz")?;
    let raw = query
        .get("days")
        .map_or(RawDays::Number(f64::NAN), |d| RawDays::Text(d.clone()));
    let days = DayCount(parse_days(&raw, DayCount(default_days))?);
    let since = match window {
        Window::FromDays => since_from_days(now, days, tz)?,
        Window::Exact => since_exact(now, days, tz)?,
    };
    Ok(Report { id, tz, since })
}

fn answer<T: Serialize>(tz: Zone, rows: T) -> Response {
    let mut response = Json(rows).into_response();
    if let Ok(value) = HeaderValue::from_str(tz.name()) {
        response.headers_mut().insert(VIEWING_TZ, value);
    }
    response
}

/// Answers one report: resolves the runtime, the zone and the window in a
/// read transaction, then `compute`s the rows from the store and the core.
async fn run<T: Serialize + Send + 'static>(
    (state, viewer, raw, query): (AppState, Viewer, String, Query),
    default_days: u32,
    window: Window,
    compute: impl FnOnce(&mut dyn Tx, &Report) -> Result<T, ApiError> + Send + 'static,
) -> Result<Response, ApiError> {
    let id = runtime_id(&raw)?;
    let now = state.clock.now();
    let (tz, rows) = state
        .read(move |tx| {
            let r = report(tx, &viewer, id, &query, default_days, window, now)?;
            Ok((r.tz, compute(tx, &r)?))
        })
        .await?;
    Ok(answer(tz, rows))
}

/// `GET /api/runtimes/{id}/usage`: daily rows (`usage_daily`), default 90 days.
pub(super) async fn daily(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    QueryString(query): QueryString<Query>,
) -> Result<Response, ApiError> {
    run(
        (state, viewer, raw, query),
        90,
        Window::FromDays,
        |tx, r| {
            // Hourly sums group into local dates exactly when every date of
            // the window starts on a whole hour (checked up to the last hour
            // there is): a fraction of the rows to read. Otherwise the
            // quarter-hour rollup.
            let hours = tx.usage_hours(r.id, r.since)?;
            let last = hours.iter().map(|h| h.hour_start).max().unwrap_or(r.since);
            if local_days_start_on_whole_hours(r.tz, r.since, last) {
                let rows = hours.iter().map(|h| DailyInput {
                    bucket_start: h.hour_start,
                    provider: &h.provider,
                    model: &h.model,
                    usage: h.usage,
                });
                return Ok(usage_daily_from(rows, r.tz, r.since));
            }
            let buckets = tx.usage_buckets(r.id, r.since)?;
            Ok(usage_daily(&buckets, r.tz, r.since))
        },
    )
    .await
}

/// `GET /api/runtimes/{id}/usage/by-agent` (`usage_by_agent`), default 30 days.
pub(super) async fn by_agent(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    QueryString(query): QueryString<Query>,
) -> Result<Response, ApiError> {
    run((state, viewer, raw, query), 30, Window::Exact, |tx, r| {
        Ok(usage_by_agent(&tx.usage_rows(r.id, r.since)?, r.since))
    })
    .await
}

/// `GET /api/runtimes/{id}/usage/by-hour` (`usage_by_hour`), default 30 days.
pub(super) async fn by_hour(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    QueryString(query): QueryString<Query>,
) -> Result<Response, ApiError> {
    run((state, viewer, raw, query), 30, Window::Exact, |tx, r| {
        Ok(usage_by_hour(&tx.usage_rows(r.id, r.since)?, r.tz, r.since))
    })
    .await
}

/// `GET /api/runtimes/{id}/activity`: task starts by local hour
/// (`task_activity`), default 30 days.
pub(super) async fn activity(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    QueryString(query): QueryString<Query>,
) -> Result<Response, ApiError> {
    run((state, viewer, raw, query), 30, Window::Exact, |tx, r| {
        Ok(task_activity(&tx.task_starts(r.id, r.since)?, r.tz))
    })
    .await
}
