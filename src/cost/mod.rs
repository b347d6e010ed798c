//! Cost (SPEC §6): what usage costs in USD, from the provider's reported
//! cost where there is one and from the price table for the rest.
//!
//! ```
//! use runtime_rules::cost::{estimate_cost, CostRow};
//! let row = CostRow::new("anthropic/claude-sonnet-4.6", 1_000_000, 1_000_000, 0, 0);
//! assert_eq!(estimate_cost(&row, None), 18.0);
//! ```

mod aggregate;
mod format;
mod pricing;

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

pub use aggregate::{
    AgentTotal, Cost, DateTotal, ModelTotal, Totals, WeekTotal, Window, aggregate_by_agent,
    aggregate_by_date, aggregate_by_model, aggregate_by_week, slice_window, usage_totals,
};
pub use format::{format_tokens, format_usd, pct_change};
pub use pricing::{
    CustomPrices, Price, built_in_price, built_in_prices, candidates, model_group_key, pricing_key,
    resolve_price,
};

use crate::id::Id;
use crate::number::{count, optional_count};
use crate::time::Date;
use crate::usage::{AgentRow, Bucket, DailyRow, Usage};

/// Provider cost units per USD (`cost_usd_ticks` are 1e-10 USD).
pub const TICKS_PER_USD: f64 = 1e10;

/// A usage row as cost functions read it: any row of SPEC §5 (raw, bucket,
/// daily, per agent, per hour) passes. Token counts absent are 0; the
/// `uncosted_*` counts, when `uncosted_input_tokens` is present, say which
/// tokens the reported cost does not cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostRow {
    /// Local date (daily rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<Date>,
    /// Agent (per-agent rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<Id>,
    /// Provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Model.
    pub model: String,
    /// Input tokens.
    #[serde(default, deserialize_with = "count")]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default, deserialize_with = "count")]
    pub output_tokens: u64,
    /// Cache-read tokens.
    #[serde(default, deserialize_with = "count")]
    pub cache_read_tokens: u64,
    /// Cache-write tokens.
    #[serde(default, deserialize_with = "count")]
    pub cache_write_tokens: u64,
    /// Reported cost, 1e-10 USD.
    #[serde(
        default,
        deserialize_with = "optional_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub cost_usd_ticks: Option<u64>,
    /// Input tokens the reported cost does not cover.
    #[serde(
        default,
        deserialize_with = "optional_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub uncosted_input_tokens: Option<u64>,
    /// Output tokens the reported cost does not cover.
    #[serde(
        default,
        deserialize_with = "optional_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub uncosted_output_tokens: Option<u64>,
    /// Cache-read tokens the reported cost does not cover.
    #[serde(
        default,
        deserialize_with = "optional_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub uncosted_cache_read_tokens: Option<u64>,
    /// Cache-write tokens the reported cost does not cover.
    #[serde(
        default,
        deserialize_with = "optional_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub uncosted_cache_write_tokens: Option<u64>,
    /// Distinct tasks (per-agent rows).
    #[serde(
        default,
        deserialize_with = "optional_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub task_count: Option<u64>,
}

impl CostRow {
    /// A row of `model` with these token counts and nothing else.
    pub fn new(model: &str, input: u64, output: u64, cache_read: u64, cache_write: u64) -> Self {
        CostRow {
            date: None,
            agent_id: None,
            provider: None,
            model: model.to_owned(),
            input_tokens: input,
            output_tokens: output,
            cache_read_tokens: cache_read,
            cache_write_tokens: cache_write,
            cost_usd_ticks: None,
            uncosted_input_tokens: None,
            uncosted_output_tokens: None,
            uncosted_cache_read_tokens: None,
            uncosted_cache_write_tokens: None,
            task_count: None,
        }
    }

    fn with_usage(model: &str, provider: &str, usage: &Usage) -> Self {
        CostRow {
            provider: Some(provider.to_owned()),
            cost_usd_ticks: Some(usage.cost_usd_ticks),
            uncosted_input_tokens: Some(usage.uncosted_input_tokens),
            uncosted_output_tokens: Some(usage.uncosted_output_tokens),
            uncosted_cache_read_tokens: Some(usage.uncosted_cache_read_tokens),
            uncosted_cache_write_tokens: Some(usage.uncosted_cache_write_tokens),
            ..CostRow::new(
                model,
                usage.input_tokens,
                usage.output_tokens,
                usage.cache_read_tokens,
                usage.cache_write_tokens,
            )
        }
    }

    /// The provider cost reported for the row, in USD.
    fn reported_usd(&self) -> f64 {
        self.cost_usd_ticks.unwrap_or(0) as f64 / TICKS_PER_USD
    }

    /// All four token counts.
    fn tokens(&self) -> [u64; 4] {
        [
            self.input_tokens,
            self.output_tokens,
            self.cache_read_tokens,
            self.cache_write_tokens,
        ]
    }

    /// The tokens to price from the table. With `uncosted_input_tokens`
    /// present: the four `uncosted_*` counts (a missing one is 0). Without:
    /// every token when the row has no reported cost (`cost_usd_ticks` null
    /// or 0), none when it has one.
    fn uncosted(&self) -> [u64; 4] {
        match self.uncosted_input_tokens {
            Some(input) => [
                input,
                self.uncosted_output_tokens.unwrap_or(0),
                self.uncosted_cache_read_tokens.unwrap_or(0),
                self.uncosted_cache_write_tokens.unwrap_or(0),
            ],
            None if self.cost_usd_ticks.unwrap_or(0) > 0 => [0; 4],
            None => self.tokens(),
        }
    }
}

impl From<&Bucket> for CostRow {
    fn from(b: &Bucket) -> Self {
        CostRow::with_usage(&b.key.model, &b.key.provider, &b.usage)
    }
}

impl From<&DailyRow> for CostRow {
    fn from(r: &DailyRow) -> Self {
        CostRow {
            date: Some(r.date),
            ..CostRow::with_usage(&r.model, &r.provider, &r.usage)
        }
    }
}

impl From<&AgentRow> for CostRow {
    fn from(r: &AgentRow) -> Self {
        CostRow {
            agent_id: Some(r.agent_id),
            task_count: Some(r.task_count),
            ..CostRow::with_usage(&r.model, &r.provider, &r.usage)
        }
    }
}

/// A cost split by token kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Breakdown {
    /// Input tokens, USD.
    pub input: f64,
    /// Output tokens, USD.
    pub output: f64,
    /// Cache-read tokens, USD.
    pub cache_read: f64,
    /// Cache-write tokens, USD.
    pub cache_write: f64,
}

impl Price {
    /// USD for these token counts (`[input, output, cache_read, cache_write]`).
    fn charge(&self, [i, o, r, w]: [u64; 4]) -> f64 {
        (i as f64 * self.input
            + o as f64 * self.output
            + r as f64 * self.cache_read
            + w as f64 * self.cache_write)
            / 1e6
    }

    fn rates(&self) -> [f64; 4] {
        [self.input, self.output, self.cache_read, self.cache_write]
    }
}

/// The cost of a row in USD: the reported cost plus the table price of the
/// uncosted tokens (0 for them when the model has no price).
pub fn estimate_cost(row: &CostRow, custom: Option<&CustomPrices>) -> f64 {
    cost_with(
        row,
        resolve_price(&row.model, row.provider.as_deref(), custom),
    )
}

fn cost_with(row: &CostRow, price: Option<Price>) -> f64 {
    row.reported_usd() + price.map_or(0.0, |p| p.charge(row.uncosted()))
}

/// [`estimate_cost`] split by token kind, the parts adding up to it (up to
/// floating-point rounding). The reported cost is spread in proportion to
/// what the table would charge for the tokens it covers; it all lands on
/// input when that would be nothing, or when the model has no price.
pub fn cost_breakdown(row: &CostRow, custom: Option<&CustomPrices>) -> Breakdown {
    breakdown_with(
        row,
        resolve_price(&row.model, row.provider.as_deref(), custom),
    )
}

fn breakdown_with(row: &CostRow, price: Option<Price>) -> Breakdown {
    let reported = row.reported_usd();
    let Some(price) = price else {
        return Breakdown {
            input: reported,
            ..Breakdown::default()
        };
    };
    let rates = price.rates();
    let uncosted = row.uncosted();
    let mut parts = [0.0; 4];
    for ((part, n), rate) in parts.iter_mut().zip(uncosted).zip(rates) {
        *part = n as f64 * rate / 1e6;
    }
    if reported > 0.0 {
        let mut shape = [0.0; 4];
        for (((s, full), n), rate) in shape.iter_mut().zip(row.tokens()).zip(uncosted).zip(rates) {
            *s = full.saturating_sub(n) as f64 * rate;
        }
        let total: f64 = shape.iter().sum();
        if total > 0.0 {
            for (part, s) in parts.iter_mut().zip(shape) {
                *part += s * (reported / total);
            }
        } else {
            parts[0] += reported;
        }
    }
    let [input, output, cache_read, cache_write] = parts;
    Breakdown {
        input,
        output,
        cache_read,
        cache_write,
    }
}

/// What reading from the cache saved: cache-read tokens × (input price −
/// cache-read price). 0 when the model has no price.
pub fn cache_savings(row: &CostRow, custom: Option<&CustomPrices>) -> f64 {
    savings_with(
        row,
        resolve_price(&row.model, row.provider.as_deref(), custom),
    )
}

fn savings_with(row: &CostRow, price: Option<Price>) -> f64 {
    price.map_or(0.0, |p| {
        row.cache_read_tokens as f64 * (p.input - p.cache_read) / 1e6
    })
}

/// The models of `rows` that have no price (built-in or custom) and still
/// need one: rows with a model, some tokens, and tokens the reported cost
/// does not cover. Each appears once as the key its custom price would be
/// stored under ([`pricing_key`], e.g. `acme/auto`), sorted.
pub fn unmapped_models(rows: &[CostRow], custom: Option<&CustomPrices>) -> Vec<String> {
    let mut book = pricing::PriceBook::new(custom);
    rows.iter()
        .filter(|r| !r.model.is_empty())
        .filter(|r| r.tokens().iter().any(|&n| n > 0))
        .filter(|r| !(r.uncosted() == [0; 4] && r.cost_usd_ticks.unwrap_or(0) > 0))
        .filter(|r| book.price(&r.model, r.provider.as_deref()).is_none())
        .map(|r| pricing_key(&r.model, r.provider.as_deref()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}
