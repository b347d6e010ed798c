//! The quarter-hour rollup the server keeps.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::{Bucket, Usage, UsageRow};
use crate::error::{Code, Error};
use crate::id::Id;
use crate::time::Instant;

/// Seconds in a rollup bucket.
pub const QUARTER_HOUR: i64 = 15 * 60;

/// What a raw row is summed under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RollupKey {
    /// `created_at` floored to the quarter hour (UTC).
    pub bucket_start: Instant,
    /// Workspace.
    pub workspace_id: Id,
    /// Runtime.
    pub runtime_id: Id,
    /// Agent.
    pub agent_id: Id,
    /// Provider, lowercased.
    pub provider: String,
    /// Model, as reported.
    pub model: String,
}

/// The bucket a raw row belongs to.
///
/// # Errors
///
/// `invalid_input` when the row has no `workspace_id`.
pub fn rollup_key(row: &UsageRow) -> Result<RollupKey, Error> {
    let workspace_id = row.workspace_id.ok_or_else(|| {
        Error::new(
            Code::InvalidInput,
            "workspace_id",
            "missing field `workspace_id`",
        )
    })?;
    Ok(RollupKey {
        bucket_start: row.created_at.floor_to(QUARTER_HOUR),
        workspace_id,
        runtime_id: row.runtime_id,
        agent_id: row.agent_id,
        provider: row.provider.to_lowercase(),
        model: row.model.clone(),
    })
}

/// Sums raw rows into quarter-hour buckets, sorted by key. The server
/// recomputes every bucket a report touches from its raw rows (rows are
/// overwritten when a daemon reports again, so buckets are never patched
/// by deltas).
///
/// # Errors
///
/// `invalid_input` naming `rows[i].workspace_id` when a row has none.
pub fn rollup_usage(rows: &[UsageRow]) -> Result<Vec<Bucket>, Error> {
    let mut buckets: BTreeMap<RollupKey, (Usage, BTreeSet<Id>, u64)> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let key = rollup_key(row).map_err(|e| e.within(&format!("rows[{i}]")))?;
        let (usage, tasks, events) = buckets.entry(key).or_default();
        usage.add(&Usage::of_row(row));
        tasks.insert(row.task_id);
        *events += 1;
    }
    Ok(buckets
        .into_iter()
        .map(|(key, (usage, tasks, events))| Bucket {
            key,
            usage,
            task_count: tasks.len() as u64,
            event_count: events,
        })
        .collect())
}
