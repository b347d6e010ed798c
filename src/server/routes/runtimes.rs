//! Runtimes: list, read, rename and change visibility.

use axum::Json;
use axum::extract::{Path, Query as QueryString, State};

use super::{ids, workspaces};
use crate::Outcome;
use crate::access::{RuntimePatch, plan_runtime_update};
use crate::id::Id;
use crate::server::AppState;
use crate::server::auth::Viewer;
use crate::server::error::ApiError;
use crate::server::events::Change;
use crate::server::request::{Body, Query, path_id};
use crate::server::store::{RuntimeFilter, RuntimeRecord, Tx};
use crate::workspace::Member;

/// The runtime `raw` names, with the viewer as a member of its workspace;
/// 400 for a malformed id, 404 when missing or in another workspace.
pub(super) fn runtime_for(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    id: Id,
) -> Result<(Member, RuntimeRecord), ApiError> {
    let runtime = tx
        .runtime(id)?
        .ok_or_else(|| ApiError::not_found("runtime"))?;
    let member = viewer.member_of(tx, runtime.workspace_id, "runtime")?;
    Ok((member, runtime))
}

/// The id of the runtime in the path.
pub(super) fn runtime_id(raw: &str) -> Result<Id, ApiError> {
    let id = path_id(raw, "runtime")?;
    tracing::Span::current().record("runtime", tracing::field::display(id));
    Ok(id)
}

pub(super) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    QueryString(query): QueryString<Query>,
) -> Result<Json<Vec<RuntimeRecord>>, ApiError> {
    let owner_id = match query.get("owner").map(String::as_str) {
        None => None,
        Some("me") => Some(viewer.id()),
        Some(other) => {
            return Err(ApiError::invalid_request(format!(
                "owner can only be \"me\", got {other:?}"
            ))
            .at("owner"));
        }
    };
    let runtimes = state
        .read(move |tx| {
            let workspaces = ids(&workspaces(tx, &viewer, &query)?);
            Ok(tx.runtimes(&RuntimeFilter {
                workspaces,
                owner_id,
            })?)
        })
        .await?;
    Ok(Json(runtimes))
}

pub(super) async fn get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
) -> Result<Json<RuntimeRecord>, ApiError> {
    let id = runtime_id(&raw)?;
    let (_, runtime) = state.read(move |tx| runtime_for(tx, &viewer, id)).await?;
    Ok(Json(runtime))
}

pub(super) async fn patch(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(raw): Path<String>,
    Body(patch): Body<RuntimePatch>,
) -> Result<Json<RuntimeRecord>, ApiError> {
    let id = runtime_id(&raw)?;
    let (runtime, changed) = state
        .write(move |tx| {
            let (member, runtime) = runtime_for(tx, &viewer, id)?;
            match plan_runtime_update(&member, &runtime.to_rule(), &patch)? {
                Outcome::Refusal { refusal } => Err(ApiError::forbidden(refusal.error)),
                Outcome::Plan { plan } => {
                    let changed = plan != RuntimePatch::default();
                    if changed {
                        tx.update_runtime(id, plan.name.as_deref(), plan.visibility.as_deref())?;
                    }
                    let runtime = tx
                        .runtime(id)?
                        .ok_or_else(|| ApiError::not_found("runtime"))?;
                    Ok((runtime, changed))
                }
            }
        })
        .await?;
    if changed {
        let mut change = Change::new("runtime:updated", runtime.workspace_id);
        change.runtime_id = Some(runtime.id);
        state.events.publish(runtime.workspace_id, &[change]);
    }
    Ok(Json(runtime))
}
