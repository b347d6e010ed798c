//! Tasks: the unfinished ones, for the presence of their agents
//! (`agentPresence` in the page).

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Query as QueryString, State};

use super::agents::visible_agents;
use super::{ids, workspaces};
use crate::server::AppState;
use crate::server::auth::Viewer;
use crate::server::error::ApiError;
use crate::server::request::{Query, query_id};
use crate::server::store::TaskRecord;

/// `GET /api/tasks[?runtime_id=][&workspace_id=]`: unfinished tasks of the
/// agents the viewer may see; with `runtime_id`, those on that runtime or
/// of an agent bound to it.
pub(super) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryString(query): QueryString<Query>,
) -> Result<Json<Vec<TaskRecord>>, ApiError> {
    let runtime_id = query_id(&query, "runtime_id")?;
    let tasks = state
        .read(move |tx| {
            let memberships = workspaces(tx, &viewer, &query)?;
            let visible: HashSet<_> = visible_agents(tx, &viewer, &memberships, None)?
                .into_iter()
                .map(|agent| agent.id)
                .collect();
            let tasks = tx.open_tasks(&ids(&memberships), runtime_id)?;
            Ok(tasks
                .into_iter()
                .filter(|task| visible.contains(&task.agent_id))
                .collect())
        })
        .await?;
    Ok(Json(tasks))
}
