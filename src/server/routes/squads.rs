//! Squads: list, create, and archive (`DELETE`), which first hands the
//! squad's issues and autopilots to its leader, in one transaction.

use axum::Json;
use axum::extract::{Path, Query as QueryString, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::{ids, workspaces};
use crate::access::can_edit_agent;
use crate::id::Id;
use crate::server::AppState;
use crate::server::auth::Viewer;
use crate::server::error::ApiError;
use crate::server::events::Change;
use crate::server::request::{Body, Query, path_id};
use crate::server::store::{NewSquad, SquadRecord};

pub(super) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryString(query): QueryString<Query>,
) -> Result<Json<Vec<SquadRecord>>, ApiError> {
    let squads = state
        .read(move |tx| {
            let workspaces = ids(&workspaces(tx, &viewer, &query)?);
            Ok(tx.squads(&workspaces)?)
        })
        .await?;
    Ok(Json(squads))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateSquad {
    name: String,
    leader_id: Id,
    #[serde(default)]
    member_ids: Vec<Id>,
}

pub(super) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Body(body): Body<CreateSquad>,
) -> Result<(StatusCode, Json<SquadRecord>), ApiError> {
    let name = body.name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::invalid_request("a name cannot be empty").at("name"));
    }
    let now = state.clock.now();
    let squad = state
        .write(move |tx| {
            let leader = tx
                .agent(body.leader_id)?
                .ok_or_else(|| ApiError::not_found("agent").at("leader_id"))?;
            let member = viewer.member_of(tx, leader.workspace_id, "agent")?;
            // Leading a squad pins the agent (a squad's leader restricts
            // deleting it): only who may change the agent may do that.
            if !can_edit_agent(&member, &leader.to_rule()) {
                return Err(ApiError::forbidden(
                    "only the agent's owner or a workspace owner or admin can make it lead a squad",
                )
                .at("leader_id"));
            }
            if leader.archived_at.is_some() {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "agent_archived",
                    "an archived agent cannot lead a squad; restore it first",
                )
                .at("leader_id"));
            }
            let mut member_ids = vec![leader.id];
            for (i, id) in body.member_ids.iter().enumerate() {
                tx.agent(*id)?
                    .filter(|a| a.workspace_id == leader.workspace_id)
                    .ok_or_else(|| ApiError::not_found("agent").at(format!("member_ids[{i}]")))?;
                member_ids.push(*id);
            }
            member_ids.sort_unstable();
            member_ids.dedup();
            let squad = NewSquad {
                id: Id::from_u128(uuid::Uuid::new_v4().as_u128()),
                workspace_id: leader.workspace_id,
                name,
                leader_id: leader.id,
                archived_at: None,
                created_at: now,
                member_ids,
            };
            tx.insert_squad(&squad)?;
            Ok(squad)
        })
        .await?;
    let mut change = Change::new("squad:created", squad.workspace_id);
    change.squad_id = Some(squad.id);
    change.agent_id = Some(squad.leader_id);
    state.events.publish(squad.workspace_id, &[change]);
    Ok((StatusCode::CREATED, Json(squad)))
}

#[derive(Debug, Serialize)]
pub(super) struct Archived {
    status: &'static str,
    squad_id: Id,
    leader_id: Id,
    issues_moved: u64,
    autopilots_moved: u64,
}

/// `DELETE /api/squads/{id}`: archive. Whoever may change the leader agent
/// may archive its squad. Archiving an archived squad changes nothing.
pub(super) async fn archive(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Json<Archived>, ApiError> {
    let id = path_id(&raw, "squad")?;
    let now = state.clock.now();
    let (workspace_id, changed, archived) = state
        .write(move |tx| {
            let squad = tx.squad(id)?.ok_or_else(|| ApiError::not_found("squad"))?;
            let member = viewer.member_of(tx, squad.workspace_id, "squad")?;
            let leader = tx
                .agent(squad.leader_id)?
                .ok_or_else(|| ApiError::not_found("agent"))?;
            if !can_edit_agent(&member, &leader.to_rule()) {
                return Err(ApiError::forbidden(
                    "only the leader's owner or a workspace owner or admin can archive a squad",
                ));
            }
            let (issues_moved, autopilots_moved) = if squad.archived_at.is_some() {
                (0, 0)
            } else {
                tx.archive_squad(id, leader.id, now)?
            };
            Ok((
                squad.workspace_id,
                squad.archived_at.is_none(),
                Archived {
                    status: "ok",
                    squad_id: id,
                    leader_id: leader.id,
                    issues_moved,
                    autopilots_moved,
                },
            ))
        })
        .await?;
    if changed {
        let mut change = Change::new("squad:archived", workspace_id);
        change.squad_id = Some(archived.squad_id);
        change.agent_id = Some(archived.leader_id);
        state.events.publish(workspace_id, &[change]);
    }
    Ok(Json(archived))
}
