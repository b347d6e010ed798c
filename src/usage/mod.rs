//! Usage and its buckets (SPEC §5).
//!
//! Daemons report raw [`UsageRow`]s (one per task × provider × model,
//! overwritten when reported again). The server keeps their sums per
//! **quarter hour** of UTC ([`Bucket`]): every UTC offset in use today is a
//! multiple of 15 minutes, so a local day in India, Nepal, Newfoundland,
//! Adelaide, Chatham or Lord Howe is an exact union of buckets. Reports group
//! buckets or raw rows by the viewer's local date or hour.

mod report;
mod rollup;
mod wire;

use serde::{Deserialize, Serialize};

pub use report::{
    DailyInput, fill_hours, task_activity, usage_by_agent, usage_by_hour, usage_daily,
    usage_daily_from,
};
pub use rollup::{QUARTER_HOUR, RollupKey, rollup_key, rollup_usage};

use crate::id::Id;
use crate::number::{count, optional_count};
use crate::time::{Date, Instant};

/// One raw usage report: a task's tokens for one provider and model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRow {
    /// The task.
    pub task_id: Id,
    /// Its agent.
    pub agent_id: Id,
    /// The runtime it ran on (a plain value: usage outlives runtimes).
    pub runtime_id: Id,
    /// The workspace; needed by [`rollup_usage`], optional elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<Id>,
    /// `anthropic`, `openai`, ... (any case; reports lowercase it).
    pub provider: String,
    /// The model string as the provider reported it.
    pub model: String,
    /// Input tokens.
    #[serde(deserialize_with = "count")]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(deserialize_with = "count")]
    pub output_tokens: u64,
    /// Cache-read tokens.
    #[serde(deserialize_with = "count")]
    pub cache_read_tokens: u64,
    /// Cache-write tokens.
    #[serde(deserialize_with = "count")]
    pub cache_write_tokens: u64,
    /// The provider-reported cost in units of 1e-10 USD, or `null`.
    #[serde(default, deserialize_with = "optional_count")]
    pub cost_usd_ticks: Option<u64>,
    /// When it was reported.
    pub created_at: Instant,
}

/// The sums every usage row carries: four token counts, the reported cost,
/// and the tokens of the rows that had no reported cost (`uncosted_*`),
/// which are priced from the table instead.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Input tokens.
    #[serde(deserialize_with = "count")]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(deserialize_with = "count")]
    pub output_tokens: u64,
    /// Cache-read tokens.
    #[serde(deserialize_with = "count")]
    pub cache_read_tokens: u64,
    /// Cache-write tokens.
    #[serde(deserialize_with = "count")]
    pub cache_write_tokens: u64,
    /// Reported cost, 1e-10 USD, summed over rows that had one.
    #[serde(deserialize_with = "count")]
    pub cost_usd_ticks: u64,
    /// Input tokens of rows without a reported cost.
    #[serde(deserialize_with = "count")]
    pub uncosted_input_tokens: u64,
    /// Output tokens of rows without a reported cost.
    #[serde(deserialize_with = "count")]
    pub uncosted_output_tokens: u64,
    /// Cache-read tokens of rows without a reported cost.
    #[serde(deserialize_with = "count")]
    pub uncosted_cache_read_tokens: u64,
    /// Cache-write tokens of rows without a reported cost.
    #[serde(deserialize_with = "count")]
    pub uncosted_cache_write_tokens: u64,
}

impl Usage {
    /// The sums of one raw row. A row "has a reported cost" when
    /// `cost_usd_ticks > 0` (as in SPEC §6); otherwise its tokens are
    /// uncosted. A reported zero therefore counts as no report, so the cost
    /// of a bucket equals the sum of the costs of its rows.
    pub fn of_row(row: &UsageRow) -> Usage {
        let ticks = row.cost_usd_ticks.unwrap_or(0);
        let uncosted = |n: u64| if ticks > 0 { 0 } else { n };
        Usage {
            input_tokens: row.input_tokens,
            output_tokens: row.output_tokens,
            cache_read_tokens: row.cache_read_tokens,
            cache_write_tokens: row.cache_write_tokens,
            cost_usd_ticks: ticks,
            uncosted_input_tokens: uncosted(row.input_tokens),
            uncosted_output_tokens: uncosted(row.output_tokens),
            uncosted_cache_read_tokens: uncosted(row.cache_read_tokens),
            uncosted_cache_write_tokens: uncosted(row.cache_write_tokens),
        }
    }

    /// Adds `other` into `self` (saturating: sums never wrap or panic).
    pub fn add(&mut self, other: &Usage) {
        let sum = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        sum(&mut self.input_tokens, other.input_tokens);
        sum(&mut self.output_tokens, other.output_tokens);
        sum(&mut self.cache_read_tokens, other.cache_read_tokens);
        sum(&mut self.cache_write_tokens, other.cache_write_tokens);
        sum(&mut self.cost_usd_ticks, other.cost_usd_ticks);
        sum(&mut self.uncosted_input_tokens, other.uncosted_input_tokens);
        sum(
            &mut self.uncosted_output_tokens,
            other.uncosted_output_tokens,
        );
        sum(
            &mut self.uncosted_cache_read_tokens,
            other.uncosted_cache_read_tokens,
        );
        sum(
            &mut self.uncosted_cache_write_tokens,
            other.uncosted_cache_write_tokens,
        );
    }
}

/// The rollup of one quarter hour × workspace × runtime × agent × provider
/// × model: its key and its sums. On the wire the fields of both sit side by
/// side (`bucket_start`, ..., `input_tokens`, ..., `task_count`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "wire::Bucket")]
pub struct Bucket {
    /// What the bucket sums under.
    #[serde(flatten)]
    pub key: RollupKey,
    /// Sums.
    #[serde(flatten)]
    pub usage: Usage,
    /// Distinct tasks in the bucket.
    pub task_count: u64,
    /// Raw rows in the bucket.
    pub event_count: u64,
}

/// Usage of one local date, provider and model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyRow {
    /// Local date in the report's zone.
    pub date: Date,
    /// Provider, lowercased.
    pub provider: String,
    /// Model.
    pub model: String,
    /// Sums.
    #[serde(flatten)]
    pub usage: Usage,
}

/// Usage of one agent, provider and model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRow {
    /// Agent.
    pub agent_id: Id,
    /// Provider, lowercased.
    pub provider: String,
    /// Model.
    pub model: String,
    /// Sums.
    #[serde(flatten)]
    pub usage: Usage,
    /// Distinct tasks.
    #[serde(deserialize_with = "count")]
    pub task_count: u64,
}

/// Usage of one local wall-clock hour and model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "wire::HourRow")]
pub struct HourRow {
    /// Local hour, 0..=23.
    pub hour: u8,
    /// Model.
    pub model: String,
    /// Sums.
    #[serde(flatten)]
    pub usage: Usage,
    /// Distinct tasks.
    #[serde(deserialize_with = "count")]
    pub task_count: u64,
}

/// Usage of one local hour, every model summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourTotal {
    /// Local hour, 0..=23.
    pub hour: u8,
    /// Sums.
    #[serde(flatten)]
    pub usage: Usage,
    /// Tasks, summed over the hour's models.
    #[serde(deserialize_with = "count")]
    pub task_count: u64,
}

/// Task starts in one local hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourCount {
    /// Local hour, 0..=23.
    pub hour: u8,
    /// Tasks started.
    pub count: u64,
}
