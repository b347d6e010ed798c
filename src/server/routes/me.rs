//! `GET /api/me`: who the token belongs to, their workspaces and roles.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::server::AppState;
use crate::server::auth::Viewer;
use crate::server::error::ApiError;
use crate::server::store::{Membership, User};

#[derive(Serialize)]
pub(super) struct Me {
    #[serde(flatten)]
    user: User,
    memberships: Vec<Membership>,
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
