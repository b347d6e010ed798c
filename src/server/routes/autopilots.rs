//! Autopilots: list and create.

use axum::Json;
use axum::extract::{Query as QueryString, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::{ids, workspaces};
use crate::id::Id;
use crate::server::AppState;
use crate::server::auth::Viewer;
use crate::server::error::ApiError;
use crate::server::events::Change;
use crate::server::request::{Body, Query};
use crate::server::store::{AutopilotRecord, NewAutopilot};
use crate::workspace::AssigneeType;

pub(super) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryString(query): QueryString<Query>,
) -> Result<Json<Vec<AutopilotRecord>>, ApiError> {
    let autopilots = state
        .read(move |tx| {
            let workspaces = ids(&workspaces(tx, &viewer, &query)?);
            Ok(tx.autopilots(&workspaces)?)
        })
        .await?;
    Ok(Json(autopilots))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateAutopilot {
    name: String,
    assignee_type: AssigneeType,
    assignee_id: Id,
    #[serde(default)]
    status: Option<String>,
}

pub(super) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Body(body): Body<CreateAutopilot>,
) -> Result<(StatusCode, Json<AutopilotRecord>), ApiError> {
    let name = body.name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::invalid_request("a name cannot be empty").at("name"));
    }
    let status = body.status.unwrap_or_else(|| "active".into());
    if !["active", "paused"].contains(&status.as_str()) {
        return Err(ApiError::invalid_request(format!(
            "status must be \"active\" or \"paused\", got {status:?}"
        ))
        .at("status"));
    }
    let now = state.clock.now();
    let autopilot = state
        .write(move |tx| {
            let workspace_id = match body.assignee_type {
                AssigneeType::Agent => tx.agent(body.assignee_id)?.map(|a| a.workspace_id),
                AssigneeType::Squad => tx.squad(body.assignee_id)?.map(|s| s.workspace_id),
            };
            let what = match body.assignee_type {
                AssigneeType::Agent => "agent",
                AssigneeType::Squad => "squad",
            };
            let workspace_id =
                workspace_id.ok_or_else(|| ApiError::not_found(what).at("assignee_id"))?;
            viewer
                .member_of(tx, workspace_id, what)
                .map_err(|e| e.at("assignee_id"))?;
            let autopilot = NewAutopilot {
                id: Id::from_u128(uuid::Uuid::new_v4().as_u128()),
                workspace_id,
                name,
                status,
                pause_reason: None,
                assignee_type: body.assignee_type,
                assignee_id: body.assignee_id,
                created_at: now,
            };
            tx.insert_autopilot(&autopilot)?;
            Ok(autopilot)
        })
        .await?;
    let mut change = Change::new("autopilot:created", autopilot.workspace_id);
    change.autopilot_id = Some(autopilot.id);
    state.events.publish(autopilot.workspace_id, &[change]);
    Ok((StatusCode::CREATED, Json(autopilot)))
}
