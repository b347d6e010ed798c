//! Errors as the API answers them: `{ "error", "code", "field"? }` with a
//! status. Input errors keep the core's code (`invalid_agent_ids`,
//! `invalid_time_zone`, ...); a body that is not the JSON a route expects
//! is `invalid_request`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::store::StoreError;
use crate::error::Code;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    error: String,
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

impl ApiError {
    /// An error with a status, a stable code and a sentence.
    pub fn new(status: StatusCode, code: impl Into<String>, error: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.into(),
            error: error.into(),
            field: None,
        }
    }

    /// The same error, naming the field at fault.
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// 401: no token, or one nobody holds.
    pub fn unauthorized() -> Self {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in: send `Authorization: Bearer <token>`",
        )
    }

    /// 404 for a resource the viewer cannot reach, whether it exists in
    /// another workspace or not at all: existence does not leak.
    pub fn not_found(what: &str) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("{what}_not_found"),
            format!("{what} not found"),
        )
    }

    /// 403.
    pub fn forbidden(error: impl Into<String>) -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", error)
    }

    /// 400 `invalid_request`.
    pub fn invalid_request(error: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", error)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.code
    }
}

impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> Self {
        let code = match e.code() {
            Code::InvalidInput => "invalid_request",
            other => other.as_str(),
        };
        let error = ApiError::new(StatusCode::BAD_REQUEST, code, e.message());
        match e.field() {
            Some(field) => error.at(field),
            None => error,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Busy => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the database is busy; try again",
            ),
            StoreError::Conflict { code, message } => {
                tracing::warn!(code, %message, "write rolled back");
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            StoreError::Invalid(e) => e.into(),
            StoreError::Internal(message) => {
                // The details stay in the log: they may name tables, paths, rows.
                tracing::error!(%message, "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server failed; nothing was changed",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self)).into_response()
    }
}
