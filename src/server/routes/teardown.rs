//! Tearing a runtime down (SPEC §3): the snapshot the browser previews
//! with, and the three routes that carry a plan out.
//!
//! A teardown is one write transaction: read the snapshot, call
//! [`plan_teardown`] on it, then either answer its refusal (nothing was
//! written) or execute the plan's steps in order, commit, and only then
//! publish the plan's events. The browser computes its preview with the
//! same function on the same snapshot shape ([`snapshot`]).

use axum::Json;
use axum::extract::{Path, Query as QueryString, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::runtimes::{runtime_for, runtime_id};
use crate::Outcome;
use crate::agent_set::AgentIdList;
use crate::id::Id;
use crate::server::AppState;
use crate::server::auth::Viewer;
use crate::server::error::ApiError;
use crate::server::request::{Body, Query};
use crate::teardown::{
    Mode, Plan, Policy, Request, Snapshot, TeardownInput, plan_teardown, snapshot_for_viewer,
};

/// `GET /api/runtimes/{id}/teardown-snapshot`: the planner's snapshot as
/// the viewer may see it (agents they may not see keep only their id and
/// whether they are active).
pub(super) async fn snapshot(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Json<Snapshot>, ApiError> {
    let id = runtime_id(&raw)?;
    let snapshot = state
        .read(move |tx| {
            let (member, runtime) = runtime_for(tx, &viewer, id)?;
            let snapshot = tx.teardown_snapshot(&runtime)?;
            Ok(snapshot_for_viewer(&member, &snapshot))
        })
        .await?;
    Ok(Json(snapshot))
}

/// `DELETE /api/runtimes/{id}?policy=archive|unbind`: strict mode.
pub(super) async fn strict(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    QueryString(query): QueryString<Query>,
) -> Result<Response, ApiError> {
    let id = runtime_id(&raw)?;
    let policy = match query.get("policy").map(String::as_str) {
        None | Some("archive") => Policy::Archive,
        Some("unbind") => Policy::Unbind,
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "policy must be \"archive\" or \"unbind\", got {other:?}"
            ))
            .at("policy"));
        }
    };
    let request = Request {
        mode: Mode::Strict,
        policy,
        expected_active_agent_ids: AgentIdList::default(),
    };
    teardown(state, viewer, id, request).await
}

/// The body of the confirmed routes.
#[derive(Debug, Deserialize)]
pub(super) struct Confirmation {
    /// The active agents the user saw and confirmed; absent or `null` is
    /// "I confirmed there are none".
    #[serde(default)]
    expected_active_agent_ids: AgentIdList,
}

/// `POST /api/runtimes/{id}/archive-agents-and-delete`.
pub(super) async fn archive_agents_and_delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Body(body): Body<Confirmation>,
) -> Result<Response, ApiError> {
    confirmed(state, viewer, &raw, body, Policy::Archive).await
}

/// `POST /api/runtimes/{id}/unbind-agents-and-delete`.
pub(super) async fn unbind_agents_and_delete(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Body(body): Body<Confirmation>,
) -> Result<Response, ApiError> {
    confirmed(state, viewer, &raw, body, Policy::Unbind).await
}

async fn confirmed(
    state: AppState,
    viewer: Viewer,
    raw: &str,
    body: Confirmation,
    policy: Policy,
) -> Result<Response, ApiError> {
    let id = runtime_id(raw)?;
    let request = Request {
        mode: Mode::Confirmed,
        policy,
        expected_active_agent_ids: body.expected_active_agent_ids,
    };
    teardown(state, viewer, id, request).await
}

async fn teardown(
    state: AppState,
    viewer: Viewer,
    id: Id,
    request: Request,
) -> Result<Response, ApiError> {
    let now = state.clock.now();
    let outcome = state
        .write(move |tx| {
            let (member, runtime) = runtime_for(tx, &viewer, id)?;
            let snapshot = tx.teardown_snapshot(&runtime)?;
            let input = TeardownInput {
                actor: member,
                request,
                snapshot,
            };
            // The field paths of the core name the planner's input; the
            // request body's fields are under `request`.
            let outcome = plan_teardown(&input).map_err(|e| strip_prefix(e, "request."))?;
            if let Outcome::Plan { plan } = &outcome {
                for step in &plan.steps {
                    tx.apply_step(step, now)?;
                }
            }
            Ok((runtime.workspace_id, outcome))
        })
        .await;
    let span = tracing::Span::current();
    let (workspace_id, outcome) = match outcome {
        Ok(answer) => answer,
        Err(e) => {
            span.record("outcome", e.code());
            return Err(e);
        }
    };
    Ok(match outcome {
        Outcome::Refusal { refusal } => {
            span.record("outcome", tracing::field::debug(refusal.code));
            tracing::info!(code = ?refusal.code, "teardown refused");
            let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::CONFLICT);
            (status, Json(refusal)).into_response()
        }
        Outcome::Plan { plan } => {
            span.record("outcome", "deleted");
            tracing::info!(
                policy = ?plan.policy,
                agents_archived = plan.response.agents_archived,
                agents_unbound = plan.response.agents_unbound,
                agents_deleted = plan.response.agents_deleted,
                tasks_cancelled = plan.response.tasks_cancelled,
                "runtime torn down"
            );
            publish(&state, workspace_id, &plan);
            Json(plan.response).into_response()
        }
    })
}

fn publish(state: &AppState, workspace_id: Id, plan: &Plan) {
    state.events.publish(workspace_id, &plan.events);
}

fn strip_prefix(e: crate::Error, prefix: &str) -> crate::Error {
    match e.field().and_then(|f| f.strip_prefix(prefix)) {
        Some(field) => crate::Error::new(e.code(), field, e.message()),
        None => e,
    }
}
