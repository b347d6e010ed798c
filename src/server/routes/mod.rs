//! The routes of SPEC §8.2, one file per resource; the daemon routes of
//! §7 in `daemon`.

mod agents;
mod autopilots;
mod daemon;
mod events;
mod me;
mod runtimes;
mod squads;
mod tasks;
mod teardown;
mod usage;
mod work;

use axum::Router;
use axum::routing::{get, post};

use super::AppState;
use super::auth::Viewer;
use super::error::ApiError;
use super::request::{Query, query_id};
use super::store::{Membership, Tx};
use crate::id::Id;

/// Every API route.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me::me))
        .route("/api/demo/users", get(me::demo_users))
        .route("/api/runtimes", get(runtimes::list))
        .route(
            "/api/runtimes/{id}",
            get(runtimes::get)
                .patch(runtimes::patch)
                .delete(teardown::strict),
        )
        .route(
            "/api/runtimes/{id}/teardown-snapshot",
            get(teardown::snapshot),
        )
        .route(
            "/api/runtimes/{id}/archive-agents-and-delete",
            post(teardown::archive_agents_and_delete),
        )
        .route(
            "/api/runtimes/{id}/unbind-agents-and-delete",
            post(teardown::unbind_agents_and_delete),
        )
        .route("/api/runtimes/{id}/usage", get(usage::daily))
        .route("/api/runtimes/{id}/usage/by-agent", get(usage::by_agent))
        .route("/api/runtimes/{id}/usage/by-hour", get(usage::by_hour))
        .route("/api/runtimes/{id}/activity", get(usage::activity))
        .route("/api/agents", get(agents::list).post(agents::create))
        .route("/api/agents/{id}", axum::routing::patch(agents::update))
        .route("/api/agents/{id}/archive", post(agents::archive))
        .route("/api/agents/{id}/restore", post(agents::restore))
        .route("/api/agents/{id}/tasks", post(work::enqueue))
        .route("/api/issues/{id}/rerun", post(work::rerun))
        .route("/api/tasks", get(tasks::list))
        .route("/api/daemon/register", post(daemon::register))
        .route("/api/daemon/heartbeat", post(daemon::heartbeat))
        .route("/api/runtimes/{id}/tasks/claim", post(daemon::claim))
        .route("/api/tasks/{id}/start", post(daemon::start))
        .route("/api/tasks/{id}/complete", post(daemon::complete))
        .route("/api/tasks/{id}/fail", post(daemon::fail))
        .route("/api/tasks/{id}/session", post(daemon::session))
        .route("/api/tasks/{id}/usage", post(daemon::usage))
        .route("/api/squads", get(squads::list).post(squads::create))
        .route("/api/squads/{id}", axum::routing::delete(squads::archive))
        .route(
            "/api/autopilots",
            get(autopilots::list).post(autopilots::create),
        )
        .route("/api/events", get(events::stream))
        .fallback(not_found)
}

async fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "no such route",
    )
}

/// The viewer's memberships, or only the one `?workspace_id=` names
/// (404 when the viewer is not in it).
fn workspaces(
    tx: &mut dyn Tx,
    viewer: &Viewer,
    query: &Query,
) -> Result<Vec<Membership>, ApiError> {
    let only = query_id(query, "workspace_id")?;
    let all = tx.memberships(viewer.id())?;
    match only {
        None => Ok(all),
        Some(id) => {
            let one: Vec<_> = all.into_iter().filter(|m| m.workspace_id == id).collect();
            if one.is_empty() {
                Err(ApiError::not_found("workspace"))
            } else {
                Ok(one)
            }
        }
    }
}

fn ids(memberships: &[Membership]) -> Vec<Id> {
    memberships.iter().map(|m| m.workspace_id).collect()
}
