//! Bearer-token sign-in, and the workspace a viewer acts in.
//!
//! Tokens are stored as SHA-256 digests: a copy of the database does not
//! hand out sign-ins, and no query can return a token.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use sha2::{Digest, Sha256};

use super::AppState;
use super::error::ApiError;
use super::store::{Tx, User};
use crate::id::Id;
use crate::workspace::Member;

/// The hex SHA-256 of a token, as stored.
pub fn token_digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The signed-in user making a request.
#[derive(Debug, Clone)]
pub struct Viewer(pub User);

impl Viewer {
    /// The viewer's id.
    pub fn id(&self) -> Id {
        self.0.id
    }

    /// The viewer as a member of `workspace_id`, or a 404 naming `what`:
    /// a resource of a workspace the viewer is not in does not exist for them.
    pub fn member_of(
        &self,
        tx: &mut dyn Tx,
        workspace_id: Id,
        what: &str,
    ) -> Result<Member, ApiError> {
        tx.member(workspace_id, self.0.id)?
            .ok_or_else(|| ApiError::not_found(what))
    }
}

/// A daemon, signed in with its workspace's daemon token (SPEC §7).
#[derive(Debug, Clone, Copy)]
pub struct Daemon {
    /// The workspace the token belongs to: the only one it may act in.
    pub workspace_id: Id,
    /// The member it runs for: the owner of the runtimes it registers.
    pub user_id: Option<Id>,
}

impl FromRequestParts<AppState> for Daemon {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let digest = token_digest(bearer(parts)?);
        let (workspace_id, user_id) = state
            .read(move |tx| Ok(tx.daemon_token(&digest)?))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Daemon {
            workspace_id,
            user_id,
        })
    }
}

/// The bearer token of a request; 401 when there is none.
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        // The scheme is case-insensitive (RFC 9110 §11.1); the token is not.
        .and_then(|value| value.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(ApiError::unauthorized)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let digest = token_digest(bearer(parts)?);
        let user = state
            .read(move |tx| Ok(tx.user_by_token(&digest)?))
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        tracing::Span::current().record("user", tracing::field::display(user.id));
        Ok(Viewer(user))
    }
}
