//! How the core's value types sit in SQLite columns.
//!
//! Ids are canonical lowercase text. Instants are text of one fixed width,
//! `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`: readable in the `sqlite3` shell,
//! lossless (nanoseconds), and ordered as text exactly as in time, so
//! `created_at >= ?` is a range scan on an index.

use std::rc::Rc;

use chrono::{DateTime, SecondsFormat};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, Value, ValueRef};

use crate::error::{Code, Error};
use crate::id::Id;
use crate::queue::TaskStatus;
use crate::time::Instant;

impl ToSql for Id {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.to_string()))
    }
}

impl FromSql for Id {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Id::parse(text).map_err(|_| FromSqlError::Other(format!("not an id: {text:?}").into()))
    }
}

impl ToSql for Instant {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(fixed_width(*self)))
    }
}

impl FromSql for Instant {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        Instant::parse(text, "").map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

impl ToSql for TaskStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for TaskStatus {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        TaskStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| FromSqlError::Other(format!("not a task status: {text:?}").into()))
    }
}

/// The stored form of an instant.
pub fn fixed_width(instant: Instant) -> String {
    match DateTime::from_timestamp(instant.unix_seconds(), instant.subsec_nanos()) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Nanos, true),
        // Unreachable: every Instant lies in years 0001..=2099, inside chrono's range.
        None => instant.to_string(),
    }
}

/// Ids as one `rarray(?)` parameter, so a statement takes any number of
/// them without building SQL text.
pub fn id_array(ids: &[Id]) -> Rc<Vec<Value>> {
    Rc::new(ids.iter().map(|id| Value::Text(id.to_string())).collect())
}

/// A count as SQLite's signed 64-bit integer.
pub fn count_to_sql(value: u64, field: &str) -> Result<i64, Error> {
    i64::try_from(value).map_err(|_| {
        Error::new(
            Code::InvalidCount,
            field,
            format!("{value} is larger than the database can hold (2^63 - 1)"),
        )
    })
}

/// A stored count; never negative, since only [`count_to_sql`] writes them.
pub fn count_from_sql(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_instants_sort_as_text_in_time_order() {
        let texts = [
            "0001-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999999999Z",
            "2025-01-01T00:00:00Z",
            "2025-01-01T00:00:00.5Z",
            "2025-01-01T00:00:01Z",
            "2099-12-31T23:59:59Z",
        ];
        let stored: Vec<String> = texts
            .iter()
            .map(|t| fixed_width(Instant::parse(t, "").unwrap_or_else(|e| panic!("{e}"))))
            .collect();
        let mut sorted = stored.clone();
        sorted.sort();
        assert_eq!(stored, sorted);
        assert!(stored.iter().all(|s| s.len() == stored[0].len()));
    }
}
