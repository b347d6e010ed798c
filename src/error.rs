//! One error type for every rule: a stable `code`, a message for people and the
//! field at fault. The same code travels from Rust to JavaScript to HTTP.
//!
//! A refusal (the teardown is not allowed) is not an error: it is an answer,
//! see [`crate::teardown::Refusal`]. Errors are about malformed input only.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// The stable, machine-readable kind of an input error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Code {
    /// The input has the wrong shape: a missing field, a wrong type, an unknown enum value.
    InvalidInput,
    /// An id is not a UUID in the 36-character dashed or 32-hex form.
    InvalidId,
    /// The same id appears twice in one collection of a snapshot.
    DuplicateId,
    /// A confirmed agent list is not a list of UUIDs (SPEC §2).
    InvalidAgentIds,
    /// A time zone is empty, `Local`, or not an IANA name.
    InvalidTimeZone,
    /// A calendar date is not a real `YYYY-MM-DD` date.
    InvalidDate,
    /// An instant is not an RFC 3339 timestamp.
    InvalidInstant,
    /// A day count is negative, not an integer, or out of range (SPEC §4).
    InvalidDays,
    /// A count (tokens, ticks, tasks) is negative, not an integer, or not finite.
    InvalidCount,
    /// A number (price, money) is NaN, infinite, or out of its range.
    InvalidNumber,
}

impl Code {
    /// Every code, in declaration order.
    pub const ALL: [Code; 10] = [
        Code::InvalidInput,
        Code::InvalidId,
        Code::DuplicateId,
        Code::InvalidAgentIds,
        Code::InvalidTimeZone,
        Code::InvalidDate,
        Code::InvalidInstant,
        Code::InvalidDays,
        Code::InvalidCount,
        Code::InvalidNumber,
    ];

    /// The snake_case wire name of the code.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::InvalidInput => "invalid_input",
            Code::InvalidId => "invalid_id",
            Code::DuplicateId => "duplicate_id",
            Code::InvalidAgentIds => "invalid_agent_ids",
            Code::InvalidTimeZone => "invalid_time_zone",
            Code::InvalidDate => "invalid_date",
            Code::InvalidInstant => "invalid_instant",
            Code::InvalidDays => "invalid_days",
            Code::InvalidCount => "invalid_count",
            Code::InvalidNumber => "invalid_number",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An input error: what is wrong ([`Code`]), where (`field`, a path such as
/// `snapshot.agents[2].id`) and a lowercase sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Error {
    code: Code,
    #[serde(rename = "error")]
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

impl Error {
    /// An error about `field`.
    pub fn new(code: Code, field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        Error {
            code,
            message: message.into(),
            field: (!field.is_empty()).then_some(field),
        }
    }

    /// The stable code.
    pub fn code(&self) -> Code {
        self.code
    }

    /// The sentence for people.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The path of the offending value, when there is one.
    pub fn field(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// The same error, with its field placed under `prefix`
    /// (`tz` under `request` becomes `request.tz`).
    pub fn within(mut self, prefix: &str) -> Self {
        self.field = Some(join_path(prefix, self.field.as_deref().unwrap_or("")));
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}: {} ({})", field, self.message, self.code),
            None => write!(f, "{} ({})", self.message, self.code),
        }
    }
}

impl std::error::Error for Error {}

/// Reads a `T` from any serde deserializer (JSON text, a `serde_json::Value`,
/// a JavaScript value) and reports a failure as an [`Error`] whose field is
/// `field` followed by the path inside the value.
///
/// Value types of this crate (ids, instants, dates, counts) report their own
/// codes; shape errors (missing field, wrong type) are `invalid_input`, and a
/// missing field is named itself rather than by its parent.
pub fn decode<'de, T, D>(field: &str, deserializer: D) -> Result<T, Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    decode_with(field, deserializer, |text| text)
}

/// [`decode`] for a deserializer whose errors print more than the message
/// they were made with: `message` recovers it from the printed error.
/// serde-wasm-bindgen's errors are JavaScript `Error`s, which print as
/// `Error: <message>`.
pub fn decode_with<'de, T, D>(
    field: &str,
    deserializer: D,
    message: impl FnOnce(String) -> String,
) -> Result<T, Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { "" } else { path.as_str() };
        let mut at = join_path(field, path);
        let text = message(e.inner().to_string());
        let (code, message) = split_code(&text);
        if let Some(name) = missing_field(message) {
            at = join_path(&at, name);
        }
        Error::new(code, at, message)
    })
}

/// The message a value type gives serde so that [`decode`] can recover its code.
pub(crate) fn coded<E: serde::de::Error>(code: Code, message: impl fmt::Display) -> E {
    E::custom(format_args!("{}: {}", code.as_str(), message))
}

fn split_code(text: &str) -> (Code, &str) {
    Code::ALL
        .iter()
        .find_map(|code| {
            text.strip_prefix(code.as_str())
                .and_then(|rest| rest.strip_prefix(": "))
                .map(|rest| (*code, rest))
        })
        .unwrap_or((Code::InvalidInput, text))
}

fn missing_field(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split('`').next()
}

/// `a` + `b` as a field path: `a.b`, or `a[0]` when `b` is an index.
pub(crate) fn join_path(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_owned(),
        (_, true) => a.to_owned(),
        _ if b.starts_with('[') => format!("{a}{b}"),
        _ => format!("{a}.{b}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_like_javascript_accessors() {
        assert_eq!(
            join_path("snapshot", "agents[2].id"),
            "snapshot.agents[2].id"
        );
        assert_eq!(join_path("buckets", "[3].model"), "buckets[3].model");
        assert_eq!(join_path("", "tz"), "tz");
        assert_eq!(join_path("tz", ""), "tz");
    }

    #[test]
    fn coded_messages_round_trip() {
        let text = coded::<serde::de::value::Error>(Code::InvalidDate, "not a date").to_string();
        assert_eq!(split_code(&text), (Code::InvalidDate, "not a date"));
        let (code, rest) = split_code("invalid type: string");
        assert_eq!((code, rest), (Code::InvalidInput, "invalid type: string"));
    }

    #[test]
    fn every_code_has_a_distinct_wire_name() {
        let mut names: Vec<_> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
    }
}
