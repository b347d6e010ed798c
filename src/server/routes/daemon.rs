//! The daemon routes of SPEC §7: register, heartbeat, claim, and the steps
//! of a claimed task. Signed in with a daemon token ([`Daemon`]), which
//! acts in its own workspace only; the work is done by
//! [`crate::server::queue`], inside one write transaction per request.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::id::Id;
use crate::queue::LeaseAction;
use crate::server::AppState;
use crate::server::auth::Daemon;
use crate::server::error::ApiError;
use crate::server::queue::{self, Changes, Report, UsageReport};
use crate::server::request::{Body, path_id};
use crate::server::store::Registration;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Register {
    workspace_id: Id,
    daemon_id: String,
    provider: String,
    name: String,
    #[serde(default)]
    hostname: Option<String>,
    #[serde(default)]
    profile: Option<String>,
    #[serde(default)]
    device_info: Option<serde_json::Value>,
    #[serde(default)]
    metadata: Option<serde_json::Value>,
}

fn required(value: &str, field: &str) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        Err(ApiError::invalid_request(format!("{field} must not be blank")).at(field))
    } else {
        Ok(())
    }
}

/// `POST /api/daemon/register`.
pub(super) async fn register(
    State(state): State<AppState>,
    daemon: Daemon,
    Body(body): Body<Register>,
) -> Result<Json<queue::Registered>, ApiError> {
    if body.workspace_id != daemon.workspace_id {
        return Err(ApiError::not_found("workspace"));
    }
    required(&body.daemon_id, "daemon_id")?;
    required(&body.provider, "provider")?;
    required(&body.name, "name")?;
    let registration = Registration {
        workspace_id: body.workspace_id,
        daemon_id: body.daemon_id,
        provider: body.provider,
        name: body.name,
        owner_id: daemon.user_id,
        hostname: body.hostname,
        device_info: body.device_info.map(|v| v.to_string()),
        metadata: body.metadata.map(|v| v.to_string()),
    };
    // Read under the write lock: instants stored follow commit order.
    let clock = state.clock;
    let (registered, changes) = state
        .write(move |tx| {
            let now = clock.now();
            let mut changes = Changes::default();
            let registered = queue::register(
                tx,
                &registration,
                body.profile.as_deref(),
                now,
                &mut changes,
            )?;
            Ok((registered, changes))
        })
        .await?;
    changes.publish(&state.events);
    Ok(Json(registered))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Beat {
    runtime_id: Id,
}

/// `POST /api/daemon/heartbeat`.
pub(super) async fn heartbeat(
    State(state): State<AppState>,
    daemon: Daemon,
    Body(body): Body<Beat>,
) -> Result<Json<queue::Beat>, ApiError> {
    // Read under the write lock: instants stored follow commit order.
    let clock = state.clock;
    let (beat, changes) = state
        .write(move |tx| {
            let now = clock.now();
            let mut changes = Changes::default();
            let beat =
                queue::heartbeat(tx, daemon.workspace_id, body.runtime_id, now, &mut changes)?;
            Ok((beat, changes))
        })
        .await?;
    changes.publish(&state.events);
    Ok(Json(beat))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClaimBody {
    #[serde(default)]
    agent_id: Option<Id>,
}

/// `POST /api/runtimes/{id}/tasks/claim`: the claimed task, or 204.
pub(super) async fn claim(
    State(state): State<AppState>,
    daemon: Daemon,
    Path(id): Path<String>,
    Body(body): Body<ClaimBody>,
) -> Result<Response, ApiError> {
    let runtime_id = path_id(&id, "runtime")?;
    // Read under the write lock: instants stored follow commit order.
    let clock = state.clock;
    let (claimed, changes) = state
        .write(move |tx| {
            let now = clock.now();
            let mut changes = Changes::default();
            let claimed = queue::claim(
                tx,
                daemon.workspace_id,
                runtime_id,
                body.agent_id,
                now,
                &mut changes,
            )?;
            Ok((claimed, changes))
        })
        .await?;
    changes.publish(&state.events);
    Ok(match claimed {
        Some(claimed) => Json(claimed).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// A claim token as sent: absent or `null` is none; anything but a UUID
/// is a 400 `invalid_claim_token`.
fn token(raw: Option<String>) -> Result<Option<Id>, ApiError> {
    raw.map(|text| {
        Id::parse(&text).map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_claim_token",
                "claim_token is not a UUID",
            )
            .at("claim_token")
        })
    })
    .transpose()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StepBody {
    #[serde(default)]
    claim_token: Option<String>,
    #[serde(default)]
    result: Option<serde_json::Value>,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    work_dir: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    failure_reason: Option<String>,
}

async fn step(
    state: AppState,
    daemon: Daemon,
    id: &str,
    action: LeaseAction,
    body: StepBody,
) -> Result<queue::Stepped, ApiError> {
    let task_id = path_id(id, "task")?;
    let claim_token = token(body.claim_token)?;
    if action != LeaseAction::Fail && (body.error.is_some() || body.failure_reason.is_some()) {
        return Err(
            ApiError::invalid_request("error and failure_reason belong to a fail").at("error"),
        );
    }
    if action == LeaseAction::Fail && body.error.is_none() {
        return Err(ApiError::invalid_request("a fail says what went wrong (error)").at("error"));
    }
    if action != LeaseAction::Complete && body.result.is_some() {
        return Err(ApiError::invalid_request("result belongs to a complete").at("result"));
    }
    let report = Report {
        claim_token,
        result: body.result.map(|v| v.to_string()),
        session_id: body.session_id,
        work_dir: body.work_dir,
        error: body.error,
        failure_reason: body.failure_reason,
    };
    // Read under the write lock: instants stored follow commit order.
    let clock = state.clock;
    let (stepped, changes) = state
        .write(move |tx| {
            let now = clock.now();
            let mut changes = Changes::default();
            let stepped = queue::step(
                tx,
                daemon.workspace_id,
                task_id,
                action,
                report,
                now,
                &mut changes,
            )?;
            Ok((stepped, changes))
        })
        .await?;
    changes.publish(&state.events);
    Ok(stepped)
}

/// `POST /api/tasks/{id}/start`.
pub(super) async fn start(
    State(state): State<AppState>,
    daemon: Daemon,
    Path(id): Path<String>,
    Body(body): Body<StepBody>,
) -> Result<Response, ApiError> {
    let stepped = step(state, daemon, &id, LeaseAction::Start, body).await?;
    Ok(Json(stepped.task).into_response())
}

/// `POST /api/tasks/{id}/complete`.
pub(super) async fn complete(
    State(state): State<AppState>,
    daemon: Daemon,
    Path(id): Path<String>,
    Body(body): Body<StepBody>,
) -> Result<Response, ApiError> {
    let stepped = step(state, daemon, &id, LeaseAction::Complete, body).await?;
    Ok(Json(stepped.task).into_response())
}

/// `POST /api/tasks/{id}/fail`: the failed task and its new attempt, if any.
pub(super) async fn fail(
    State(state): State<AppState>,
    daemon: Daemon,
    Path(id): Path<String>,
    Body(body): Body<StepBody>,
) -> Result<Json<queue::Stepped>, ApiError> {
    Ok(Json(
        step(state, daemon, &id, LeaseAction::Fail, body).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct SessionBody {
    #[serde(default)]
    claim_token: Option<String>,
    #[serde(default)]
    session_id: Option<String>,
    #[serde(default)]
    work_dir: Option<String>,
}

/// `POST /api/tasks/{id}/session`.
pub(super) async fn session(
    State(state): State<AppState>,
    daemon: Daemon,
    Path(id): Path<String>,
    Body(body): Body<SessionBody>,
) -> Result<Response, ApiError> {
    let task_id = path_id(&id, "task")?;
    let report = Report {
        claim_token: token(body.claim_token)?,
        session_id: body.session_id,
        work_dir: body.work_dir,
        ..Report::default()
    };
    let (row, changes) = state
        .write(move |tx| {
            let mut changes = Changes::default();
            let row = queue::pin_session(tx, daemon.workspace_id, task_id, report, &mut changes)?;
            Ok((row, changes))
        })
        .await?;
    changes.publish(&state.events);
    Ok(Json(row).into_response())
}

/// `POST /api/tasks/{id}/usage`.
pub(super) async fn usage(
    State(state): State<AppState>,
    daemon: Daemon,
    Path(id): Path<String>,
    Body(lines): Body<Vec<UsageReport>>,
) -> Result<Response, ApiError> {
    let task_id = path_id(&id, "task")?;
    // Read under the write lock: instants stored follow commit order.
    let clock = state.clock;
    let workspace_id = daemon.workspace_id;
    let (recorded, runtime_id) = state
        .write(move |tx| queue::record_usage(tx, workspace_id, task_id, lines, clock.now()))
        .await?;
    if recorded > 0 {
        let mut change = crate::server::events::Change::new("usage:recorded", workspace_id);
        change.task_id = Some(task_id);
        change.runtime_id = Some(runtime_id);
        state.events.publish(workspace_id, &[change]);
    }
    Ok(Json(serde_json::json!({ "recorded": recorded })).into_response())
}
