//! Agents: list (as the viewer may see them), create, change, move,
//! archive and restore. Binding or moving an agent onto a runtime follows
//! `can_use_runtime_for_agent`; changing an agent follows `can_edit_agent`.

use axum::Json;
use axum::extract::{Path, Query as QueryString, State};
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer};

use super::{ids, workspaces};
use crate::access::{can_edit_agent, can_see_agent, can_use_runtime_for_agent};
use crate::id::Id;
use crate::server::AppState;
use crate::server::auth::Viewer;
use crate::server::error::ApiError;
use crate::server::events::Change;
use crate::server::request::{Body, Query, path_id, query_id};
use crate::server::store::{AgentRecord, AgentUpdate, Membership, NewAgent, Tx};
use crate::workspace::Member;

const VISIBILITIES: [&str; 3] = ["workspace", "public", "private"];

pub(super) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryString(query): QueryString<Query>,
) -> Result<Json<Vec<AgentRecord>>, ApiError> {
    let runtime_id = query_id(&query, "runtime_id")?;
    let agents = state
        .read(move |tx| {
            let memberships = workspaces(tx, &viewer, &query)?;
            visible_agents(tx, &viewer, &memberships, runtime_id)
        })
        .await?;
    Ok(Json(agents))
}

/// The agents of `memberships`' workspaces (of one runtime, when given)
/// that the viewer may see (`can_see_agent`).
pub(super) fn visible_agents(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    memberships: &[Membership],
    runtime_id: Option<Id>,
) -> Result<Vec<AgentRecord>, ApiError> {
    let agents = tx.agents(&ids(memberships), runtime_id)?;
    Ok(agents
        .into_iter()
        .filter(|agent| {
            memberships
                .iter()
                .find(|m| m.workspace_id == agent.workspace_id)
                .is_some_and(|m| {
                    let member = Member {
                        user_id: viewer.id(),
                        role: m.role.clone(),
                    };
                    can_see_agent(&member, &agent.to_rule())
                })
        })
        .collect())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateAgent {
    #[serde(default)]
    workspace_id: Option<Id>,
    #[serde(default)]
    runtime_id: Option<Id>,
    name: String,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    instructions: Option<String>,
    #[serde(default, deserialize_with = "crate::number::optional_count")]
    max_concurrent_tasks: Option<u64>,
    #[serde(default)]
    custom_env: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    mcp_config: Option<serde_json::Map<String, serde_json::Value>>,
}

fn check_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::invalid_request("a name cannot be empty").at("name"));
    }
    Ok(name.to_owned())
}

fn check_visibility(visibility: &str) -> Result<(), ApiError> {
    if VISIBILITIES.contains(&visibility) {
        Ok(())
    } else {
        Err(ApiError::invalid_request(format!(
            "visibility must be one of {VISIBILITIES:?}, got {visibility:?}"
        ))
        .at("visibility"))
    }
}

/// Binding onto `runtime_id` as `member` of `workspace_id`: the runtime
/// must be in that workspace (404 otherwise) and usable by the member (403).
fn check_binding(
    tx: &mut dyn Tx,
    member: &Member,
    workspace_id: Id,
    runtime_id: Id,
) -> Result<(), ApiError> {
    let runtime = tx
        .runtime(runtime_id)?
        .filter(|r| r.workspace_id == workspace_id)
        .ok_or_else(|| ApiError::not_found("runtime").at("runtime_id"))?;
    if can_use_runtime_for_agent(member, &runtime.to_rule()) {
        Ok(())
    } else {
        Err(
            ApiError::forbidden("agents can only be bound to public runtimes or runtimes you own")
                .at("runtime_id"),
        )
    }
}

pub(super) async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Body(body): Body<CreateAgent>,
) -> Result<(StatusCode, Json<AgentRecord>), ApiError> {
    let name = check_name(&body.name)?;
    let visibility = body
        .visibility
        .clone()
        .unwrap_or_else(|| "workspace".into());
    check_visibility(&visibility)?;
    let now = state.clock.now();
    let agent = state
        .write(move |tx| {
            let workspace_id = match (body.runtime_id, body.workspace_id) {
                (Some(runtime), only) => {
                    let runtime = tx
                        .runtime(runtime)?
                        .filter(|r| only.is_none_or(|w| w == r.workspace_id))
                        .ok_or_else(|| ApiError::not_found("runtime").at("runtime_id"))?;
                    runtime.workspace_id
                }
                (None, Some(workspace)) => workspace,
                (None, None) => match tx.memberships(viewer.id())?.as_slice() {
                    [only] => only.workspace_id,
                    _ => {
                        return Err(ApiError::invalid_request(
                            "name the workspace (workspace_id) or the runtime (runtime_id)",
                        )
                        .at("workspace_id"));
                    }
                },
            };
            let member = viewer.member_of(tx, workspace_id, "workspace")?;
            if let Some(runtime) = body.runtime_id {
                check_binding(tx, &member, workspace_id, runtime)?;
            }
            let record = AgentRecord {
                id: Id::from_u128(uuid::Uuid::new_v4().as_u128()),
                workspace_id,
                runtime_id: body.runtime_id,
                name,
                owner_id: Some(viewer.id()),
                visibility,
                status: "idle".into(),
                model: body.model.unwrap_or_default(),
                archived_at: None,
                created_at: now,
                max_concurrent_tasks: body.max_concurrent_tasks,
            };
            tx.insert_agent(&NewAgent {
                record: record.clone(),
                instructions: body.instructions.unwrap_or_default(),
                custom_env: NewAgent::object_text(body.custom_env),
                mcp_config: NewAgent::object_text(body.mcp_config),
            })?;
            Ok(record)
        })
        .await?;
    let mut change = Change::new("agent:created", agent.workspace_id);
    change.runtime_id = agent.runtime_id;
    change.agent_id = Some(agent.id);
    state.events.publish(agent.workspace_id, &[change]);
    Ok((StatusCode::CREATED, Json(agent)))
}

/// A field that may be absent (leave it), `null` (clear it) or a value.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct UpdateAgent {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    instructions: Option<String>,
    /// Absent: stays; `null`: unbound; an id: moved there.
    #[serde(default, deserialize_with = "present")]
    runtime_id: Option<Option<Id>>,
}

/// The agent in the path, the viewer as a member of its workspace, and
/// permission to change it.
fn editable(tx: &mut dyn Tx, viewer: &Viewer, id: Id) -> Result<(Member, AgentRecord), ApiError> {
    let agent = tx.agent(id)?.ok_or_else(|| ApiError::not_found("agent"))?;
    let member = viewer.member_of(tx, agent.workspace_id, "agent")?;
    if !can_see_agent(&member, &agent.to_rule()) {
        return Err(ApiError::not_found("agent"));
    }
    if !can_edit_agent(&member, &agent.to_rule()) {
        return Err(ApiError::forbidden(
            "only the agent's owner or a workspace owner or admin can change it",
        ));
    }
    Ok((member, agent))
}

pub(super) async fn update(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Body(body): Body<UpdateAgent>,
) -> Result<Json<AgentRecord>, ApiError> {
    let id = path_id(&raw, "agent")?;
    let name = body.name.as_deref().map(check_name).transpose()?;
    if let Some(visibility) = &body.visibility {
        check_visibility(visibility)?;
    }
    let (before, after) = state
        .write(move |tx| {
            let (member, before) = editable(tx, &viewer, id)?;
            let moves = body
                .runtime_id
                .filter(|target| *target != before.runtime_id);
            if let Some(Some(target)) = moves {
                check_binding(tx, &member, before.workspace_id, target)?;
            }
            tx.update_agent(
                id,
                &AgentUpdate {
                    name,
                    visibility: body.visibility,
                    model: body.model,
                    runtime_id: moves,
                    archived_at: None,
                    instructions: body.instructions,
                },
            )?;
            let after = tx.agent(id)?.ok_or_else(|| ApiError::not_found("agent"))?;
            Ok((before, after))
        })
        .await?;
    let mut change = Change::new("agent:updated", after.workspace_id);
    change.agent_id = Some(after.id);
    change.runtime_id = after.runtime_id;
    if before.runtime_id != after.runtime_id {
        change.previous_runtime_id = before.runtime_id;
    }
    state.events.publish(after.workspace_id, &[change]);
    Ok(Json(after))
}

pub(super) async fn archive(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Json<AgentRecord>, ApiError> {
    set_archived(state, viewer, &raw, true).await
}

pub(super) async fn restore(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Json<AgentRecord>, ApiError> {
    set_archived(state, viewer, &raw, false).await
}

/// Archives or restores; doing it again is a no-op that publishes nothing.
async fn set_archived(
    state: AppState,
    viewer: Viewer,
    raw: &str,
    archive: bool,
) -> Result<Json<AgentRecord>, ApiError> {
    let id = path_id(raw, "agent")?;
    let now = state.clock.now();
    let (changed, agent) = state
        .write(move |tx| {
            let (_, agent) = editable(tx, &viewer, id)?;
            if agent.archived_at.is_some() == archive {
                return Ok((false, agent));
            }
            let update = AgentUpdate {
                archived_at: Some(archive.then_some(now)),
                ..AgentUpdate::default()
            };
            tx.update_agent(id, &update)?;
            let agent = tx.agent(id)?.ok_or_else(|| ApiError::not_found("agent"))?;
            Ok((true, agent))
        })
        .await?;
    if changed {
        let kind = if archive {
            "agent:archived"
        } else {
            "agent:restored"
        };
        let mut change = Change::new(kind, agent.workspace_id);
        change.agent_id = Some(agent.id);
        change.runtime_id = agent.runtime_id;
        state.events.publish(agent.workspace_id, &[change]);
    }
    Ok(Json(agent))
}
