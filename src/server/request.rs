//! Reading requests: JSON bodies through the core's decoder (so a bad
//! value is reported with its path and code), ids in paths, query values.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::error::ApiError;
use crate::id::Id;

/// A JSON body of type `T`. An empty body reads as `{}`, so routes whose
/// fields are all optional accept a bare POST.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "payload_too_large",
                        format!("request bodies are limited to {} bytes", super::BODY_LIMIT),
                    )
                } else {
                    ApiError::invalid_request(rejection.body_text())
                }
            })?;
        let text = if bytes.iter().all(u8::is_ascii_whitespace) {
            &b"{}"[..]
        } else {
            &bytes[..]
        };
        let mut de = serde_json::Deserializer::from_slice(text);
        let value = crate::decode("", &mut de)?;
        de.end().map_err(|e| {
            ApiError::invalid_request(format!("trailing characters after the JSON body: {e}"))
        })?;
        Ok(Body(value))
    }
}

/// An id from the path; a malformed one is a 400 with `code`
/// (`invalid_runtime_id`, `invalid_agent_id`, ...).
pub fn path_id(raw: &str, what: &str) -> Result<Id, ApiError> {
    Id::parse(raw).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("invalid_{what}_id"),
            format!("{what} ids are UUIDs, got {raw:?}"),
        )
        .at(format!("{what}_id"))
    })
}

/// Query parameters; a repeated name keeps its last value.
pub type Query = HashMap<String, String>;

/// An optional id from the query (`?workspace_id=`); malformed is a 400.
pub fn query_id(query: &Query, name: &str) -> Result<Option<Id>, ApiError> {
    query
        .get(name)
        .map(|raw| {
            Id::parse(raw).map_err(|_| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    format!("{name} must be a UUID, got {raw:?}"),
                )
                .at(name)
            })
        })
        .transpose()
}
