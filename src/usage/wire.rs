//! Flat wire forms of the rows that rules take as input.
//!
//! The Rust types nest their sums in [`Usage`]; on the wire the sums sit
//! beside the other fields. serde's `flatten` would map one onto the other,
//! but it hides where inside a row a bad value is, so an error would name
//! `buckets[3]` instead of `buckets[3].input_tokens`. Reading through these
//! flat structs keeps every path exact.

use serde::Deserialize;

use super::Usage;
use crate::id::Id;
use crate::number::count;
use crate::time::Instant;

#[derive(Deserialize)]
pub(super) struct Bucket {
    bucket_start: Instant,
    workspace_id: Id,
    runtime_id: Id,
    agent_id: Id,
    provider: String,
    model: String,
    #[serde(deserialize_with = "count")]
    input_tokens: u64,
    #[serde(deserialize_with = "count")]
    output_tokens: u64,
    #[serde(deserialize_with = "count")]
    cache_read_tokens: u64,
    #[serde(deserialize_with = "count")]
    cache_write_tokens: u64,
    #[serde(deserialize_with = "count")]
    cost_usd_ticks: u64,
    #[serde(deserialize_with = "count")]
    uncosted_input_tokens: u64,
    #[serde(deserialize_with = "count")]
    uncosted_output_tokens: u64,
    #[serde(deserialize_with = "count")]
    uncosted_cache_read_tokens: u64,
    #[serde(deserialize_with = "count")]
    uncosted_cache_write_tokens: u64,
    #[serde(deserialize_with = "count")]
    task_count: u64,
    #[serde(deserialize_with = "count")]
    event_count: u64,
}

#[derive(Deserialize)]
pub(super) struct HourRow {
    hour: u8,
    model: String,
    #[serde(deserialize_with = "count")]
    input_tokens: u64,
    #[serde(deserialize_with = "count")]
    output_tokens: u64,
    #[serde(deserialize_with = "count")]
    cache_read_tokens: u64,
    #[serde(deserialize_with = "count")]
    cache_write_tokens: u64,
    #[serde(deserialize_with = "count")]
    cost_usd_ticks: u64,
    #[serde(deserialize_with = "count")]
    uncosted_input_tokens: u64,
    #[serde(deserialize_with = "count")]
    uncosted_output_tokens: u64,
    #[serde(deserialize_with = "count")]
    uncosted_cache_read_tokens: u64,
    #[serde(deserialize_with = "count")]
    uncosted_cache_write_tokens: u64,
    #[serde(deserialize_with = "count")]
    task_count: u64,
}

macro_rules! usage_of {
    ($w:expr) => {{
        let w = &$w;
        Usage {
            input_tokens: w.input_tokens,
            output_tokens: w.output_tokens,
            cache_read_tokens: w.cache_read_tokens,
            cache_write_tokens: w.cache_write_tokens,
            cost_usd_ticks: w.cost_usd_ticks,
            uncosted_input_tokens: w.uncosted_input_tokens,
            uncosted_output_tokens: w.uncosted_output_tokens,
            uncosted_cache_read_tokens: w.uncosted_cache_read_tokens,
            uncosted_cache_write_tokens: w.uncosted_cache_write_tokens,
        }
    }};
}

impl From<Bucket> for super::Bucket {
    fn from(w: Bucket) -> Self {
        super::Bucket {
            usage: usage_of!(w),
            bucket_start: w.bucket_start,
            workspace_id: w.workspace_id,
            runtime_id: w.runtime_id,
            agent_id: w.agent_id,
            provider: w.provider,
            model: w.model,
            task_count: w.task_count,
            event_count: w.event_count,
        }
    }
}

impl From<HourRow> for super::HourRow {
    fn from(w: HourRow) -> Self {
        super::HourRow {
            usage: usage_of!(w),
            hour: w.hour,
            model: w.model,
            task_count: w.task_count,
        }
    }
}
