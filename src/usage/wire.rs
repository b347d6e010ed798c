//! Flat wire forms of the rows that rules take as input.
//!
//! The Rust types nest their sums in [`Usage`] (and a bucket its key in
//! [`RollupKey`]); on the wire all fields sit side by side. serde's
//! `flatten` would map one onto the other, but it hides where inside a row
//! a bad value is, so an error would name `buckets[3]` instead of
//! `buckets[3].input_tokens`. Reading through these flat structs keeps
//! every path exact.

use serde::Deserialize;

use super::{RollupKey, Usage};
use crate::id::Id;
use crate::number::count;
use crate::time::Instant;

/// Declares a flat wire row: the given fields, then the nine sums of
/// [`Usage`], which `usage()` gathers back.
macro_rules! flat_row {
    ($name:ident { $($(#[$attr:meta])* $field:ident: $ty:ty,)* }) => {
        #[derive(Deserialize)]
        pub(super) struct $name {
            $($(#[$attr])* $field: $ty,)*
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
        }

        impl $name {
            fn usage(&self) -> Usage {
                Usage {
                    input_tokens: self.input_tokens,
                    output_tokens: self.output_tokens,
                    cache_read_tokens: self.cache_read_tokens,
                    cache_write_tokens: self.cache_write_tokens,
                    cost_usd_ticks: self.cost_usd_ticks,
                    uncosted_input_tokens: self.uncosted_input_tokens,
                    uncosted_output_tokens: self.uncosted_output_tokens,
                    uncosted_cache_read_tokens: self.uncosted_cache_read_tokens,
                    uncosted_cache_write_tokens: self.uncosted_cache_write_tokens,
                }
            }
        }
    };
}

flat_row!(Bucket {
    bucket_start: Instant,
    workspace_id: Id,
    runtime_id: Id,
    agent_id: Id,
    provider: String,
    model: String,
    #[serde(deserialize_with = "count")]
    task_count: u64,
    #[serde(deserialize_with = "count")]
    event_count: u64,
});

flat_row!(HourRow {
    hour: u8,
    model: String,
    #[serde(deserialize_with = "count")]
    task_count: u64,
});

impl From<Bucket> for super::Bucket {
    fn from(w: Bucket) -> Self {
        super::Bucket {
            usage: w.usage(),
            key: RollupKey {
                bucket_start: w.bucket_start,
                workspace_id: w.workspace_id,
                runtime_id: w.runtime_id,
                agent_id: w.agent_id,
                provider: w.provider,
                model: w.model,
            },
            task_count: w.task_count,
            event_count: w.event_count,
        }
    }
}

impl From<HourRow> for super::HourRow {
    fn from(w: HourRow) -> Self {
        super::HourRow {
            usage: w.usage(),
            hour: w.hour,
            model: w.model,
            task_count: w.task_count,
        }
    }
}
