//! Giving agents work, as a signed-in user: queue a task for an agent, or
//! rerun an issue's assignee from a fresh session.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::access::can_see_agent;
use crate::id::Id;
use crate::server::AppState;
use crate::server::auth::Viewer;
use crate::server::error::ApiError;
use crate::server::queue::{self, Changes};
use crate::server::request::{Body, path_id};
use crate::server::store::{AgentRecord, TaskRow, Tx};

/// The agent, when the viewer is in its workspace and may see it; 404
/// otherwise (an agent one may not see does not exist for one).
fn visible_agent(tx: &mut dyn Tx, viewer: &Viewer, id: Id) -> Result<AgentRecord, ApiError> {
    let agent = tx.agent(id)?.ok_or_else(|| ApiError::not_found("agent"))?;
    let member = viewer.member_of(tx, agent.workspace_id, "agent")?;
    if can_see_agent(&member, &agent.to_rule()) {
        Ok(agent)
    } else {
        Err(ApiError::not_found("agent"))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewTask {
    #[serde(default)]
    issue_id: Option<Id>,
    #[serde(default)]
    priority: i64,
}

/// `POST /api/agents/{id}/tasks`: a queued task on the agent's runtime.
pub(super) async fn enqueue(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Body(body): Body<NewTask>,
) -> Result<(StatusCode, Json<TaskRow>), ApiError> {
    let agent_id = path_id(&id, "agent")?;
    let now = state.clock.now();
    let (row, changes) = state
        .write(move |tx| {
            let agent = visible_agent(tx, &viewer, agent_id)?;
            let mut changes = Changes::default();
            let row = queue::queue_task(
                tx,
                &agent,
                body.issue_id,
                body.priority,
                false,
                now,
                &mut changes,
            )?;
            Ok((row, changes))
        })
        .await?;
    changes.publish(&state.events);
    Ok((StatusCode::CREATED, Json(row)))
}

#[derive(Debug, Serialize)]
pub(super) struct Rerun {
    task: TaskRow,
    cancelled_task_ids: Vec<Id>,
}

/// `POST /api/issues/{id}/rerun`: cancels the assignee's unfinished tasks
/// on the issue (other agents' tasks on it go on) and queues a new one
/// that starts a fresh session.
pub(super) async fn rerun(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Rerun>), ApiError> {
    let issue_id = path_id(&id, "issue")?;
    let now = state.clock.now();
    let (rerun, changes) = state
        .write(move |tx| {
            let issue = tx
                .issue(issue_id)?
                .ok_or_else(|| ApiError::not_found("issue"))?;
            viewer.member_of(tx, issue.workspace_id, "issue")?;
            let assignee = match (issue.assignee_type.as_deref(), issue.assignee_id) {
                (Some("agent"), Some(agent_id)) => agent_id,
                _ => {
                    return Err(ApiError::new(
                        StatusCode::CONFLICT,
                        "issue_not_assigned_to_agent",
                        "only an issue assigned to an agent can be rerun",
                    ));
                }
            };
            let agent = visible_agent(tx, &viewer, assignee)?;
            let mut changes = Changes::default();
            let unfinished: Vec<TaskRow> = tx
                .issue_tasks(agent.id, issue_id)?
                .into_iter()
                .filter(|row| !row.task.status.is_terminal())
                .collect();
            let cancelled_task_ids = queue::cancel_tasks(tx, unfinished, now, &mut changes)?;
            let task = queue::queue_task(tx, &agent, Some(issue_id), 0, true, now, &mut changes)?;
            Ok((
                Rerun {
                    task,
                    cancelled_task_ids,
                },
                changes,
            ))
        })
        .await?;
    changes.publish(&state.events);
    Ok((StatusCode::CREATED, Json(rerun)))
}
