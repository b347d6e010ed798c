//! `GET /api/me`: who the token belongs to, their workspaces and roles.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::server::AppState;
use crate::server::auth::Viewer;
use crate::server::demo::DemoUser;
use crate::server::error::ApiError;
use crate::server::store::{Membership, User};

#[derive(Serialize)]
pub(super) struct Me {
    #[serde(flatten)]
    user: User,
    memberships: Vec<Membership>,
}

/// `GET /api/demo/users` (no token needed): the demo's users with their
/// tokens, for the page's sign-in; 404 unless the server runs the demo.
pub(super) async fn demo_users(
    State(state): State<AppState>,
) -> Result<Json<Vec<DemoUser>>, ApiError> {
    state
        .demo_users
        .as_deref()
        .map(|users| Json(users.to_vec()))
        .ok_or_else(|| ApiError::not_found("demo"))
}

pub(super) async fn me(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Json<Me>, ApiError> {
    let user = viewer.0.clone();
    let memberships = state
        .read(move |tx| Ok(tx.memberships(viewer.id())?))
        .await?;
    Ok(Json(Me { user, memberships }))
}
