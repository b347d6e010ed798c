//! Totals of cost rows by date, week, agent and model, and the two equal
//! windows behind the KPI cards.

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;

use serde::{Deserialize, Serialize};

use super::pricing::{PriceBook, model_group_key};
use super::{Breakdown, CostRow, CustomPrices, breakdown_with, cost_with, savings_with};
use crate::error::{Code, Error};
use crate::id::Id;
use crate::number::count;
use crate::time::{Date, Instant};
use crate::window::DayCount;
use crate::zone::Zone;

/// A cost split by token kind, with its total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Input tokens, USD.
    pub input: f64,
    /// Output tokens, USD.
    pub output: f64,
    /// Cache-read tokens, USD.
    pub cache_read: f64,
    /// Cache-write tokens, USD.
    pub cache_write: f64,
    /// The sum of the rows' estimated costs (equal to the sum of the parts
    /// up to floating-point rounding).
    pub total: f64,
}

/// Token counts, cost, cache savings and tasks of a set of rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
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
    /// Estimated cost.
    pub cost: Cost,
    /// What reading from the cache saved, USD.
    pub cache_savings: f64,
    /// Tasks, summed over rows that carry `task_count`.
    #[serde(deserialize_with = "count")]
    pub task_count: u64,
}

impl Totals {
    fn add(&mut self, row: &CostRow, book: &mut PriceBook<'_>) {
        let price = book.price(&row.model, row.provider.as_deref());
        let sum = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        sum(&mut self.input_tokens, row.input_tokens);
        sum(&mut self.output_tokens, row.output_tokens);
        sum(&mut self.cache_read_tokens, row.cache_read_tokens);
        sum(&mut self.cache_write_tokens, row.cache_write_tokens);
        sum(&mut self.task_count, row.task_count.unwrap_or(0));
        let Breakdown {
            input,
            output,
            cache_read,
            cache_write,
        } = breakdown_with(row, price);
        self.cost.input += input;
        self.cost.output += output;
        self.cost.cache_read += cache_read;
        self.cost.cache_write += cache_write;
        self.cost.total += cost_with(row, price);
        self.cache_savings += savings_with(row, price);
    }
}

/// Sums `rows` into totals per key. `key` names a row's group, `None` to
/// leave the row out, or an error for a row that cannot be grouped.
fn group<'a, K: Ord, E>(
    rows: &'a [CostRow],
    custom: Option<&CustomPrices>,
    mut key: impl FnMut(usize, &'a CostRow) -> Result<Option<K>, E>,
) -> Result<BTreeMap<K, Totals>, E> {
    let mut book = PriceBook::new(custom);
    let mut groups: BTreeMap<K, Totals> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        if let Some(k) = key(i, row)? {
            groups.entry(k).or_default().add(row, &mut book);
        }
    }
    Ok(groups)
}

/// Most expensive first.
fn by_cost(a: &Totals, b: &Totals) -> std::cmp::Ordering {
    b.cost.total.total_cmp(&a.cost.total)
}

/// The totals of all `rows`.
pub fn usage_totals(rows: &[CostRow], custom: Option<&CustomPrices>) -> Totals {
    let mut all = Totals::default();
    let mut book = PriceBook::new(custom);
    for row in rows {
        all.add(row, &mut book);
    }
    all
}

/// The totals of one local date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DateTotal {
    /// Local date.
    pub date: Date,
    /// Totals.
    #[serde(flatten)]
    pub totals: Totals,
}

/// Totals per date, ascending; dates without rows are absent.
///
/// # Errors
///
/// `invalid_input` naming `rows[i].date` for a row without a date.
pub fn aggregate_by_date(
    rows: &[CostRow],
    custom: Option<&CustomPrices>,
) -> Result<Vec<DateTotal>, Error> {
    let dates = group(rows, custom, |i, row| date_of(row, i).map(Some))?;
    Ok(dates
        .into_iter()
        .map(|(date, totals)| DateTotal { date, totals })
        .collect())
}

/// The totals of one Monday-to-Sunday week.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekTotal {
    /// Monday.
    pub week_start: Date,
    /// Sunday.
    pub week_end: Date,
    /// Today is before the week's Sunday (`days_covered` < 7). On Sunday the
    /// current week counts as complete, as in the original product.
    pub partial: bool,
    /// Days of the week up to today (7 for past weeks).
    pub days_covered: u8,
    /// Totals.
    #[serde(flatten)]
    pub totals: Totals,
}

/// Totals of the last `weeks` Monday weeks, ascending, ending with the
/// current week in `tz` at `now`; every week present (zeros where there
/// were no rows). Rows before the first week or after today are dropped,
/// as [`slice_window`] drops them. The current week has `days_covered` up
/// to and including today.
///
/// # Errors
///
/// `invalid_count` when `weeks` is outside 1..=520; `invalid_input` naming
/// `rows[i].date` for a row without a date.
pub fn aggregate_by_week(
    rows: &[CostRow],
    weeks: u64,
    tz: Zone,
    now: Instant,
    custom: Option<&CustomPrices>,
) -> Result<Vec<WeekTotal>, Error> {
    if !(1..=520).contains(&weeks) {
        return Err(Error::new(
            Code::InvalidCount,
            "weeks",
            format!("weeks must lie in 1..=520, got {weeks}"),
        ));
    }
    let today = tz.date_of(now);
    let current = today.week_start();
    // At most 520 weeks back: always within the calendar.
    let first = current.add_days(-7 * (weeks as i64 - 1)).unwrap_or(current);
    let totals = group(rows, custom, |i, row| {
        let date = date_of(row, i)?;
        Ok((first <= date && date <= today).then(|| date.week_start()))
    })?;
    Ok((0..weeks as i64)
        .filter_map(|k| {
            let week_start = first.add_days(7 * k)?;
            let week_end = week_start.add_days(6)?;
            let partial = today < week_end;
            let days_covered = if partial {
                (today.days_since(week_start) + 1).clamp(1, 7) as u8
            } else {
                7
            };
            let totals = totals.get(&week_start).copied().unwrap_or_default();
            Some(WeekTotal {
                week_start,
                week_end,
                partial,
                days_covered,
                totals,
            })
        })
        .collect())
}

/// The totals of one agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentTotal {
    /// Agent.
    pub agent_id: Id,
    /// Totals.
    #[serde(flatten)]
    pub totals: Totals,
}

/// Totals per agent, most expensive first (ties by id).
///
/// # Errors
///
/// `invalid_input` naming `rows[i].agent_id` for a row without an agent.
pub fn aggregate_by_agent(
    rows: &[CostRow],
    custom: Option<&CustomPrices>,
) -> Result<Vec<AgentTotal>, Error> {
    let agents = group(rows, custom, |i, row| {
        row.agent_id.map(Some).ok_or_else(|| missing(i, "agent_id"))
    })?;
    let mut out: Vec<AgentTotal> = agents
        .into_iter()
        .map(|(agent_id, totals)| AgentTotal { agent_id, totals })
        .collect();
    // A stable sort keeps ties in id order.
    out.sort_by(|a, b| by_cost(&a.totals, &b.totals));
    Ok(out)
}

/// The totals of one model group ([`super::model_group_key`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelTotal {
    /// The group key.
    pub model: String,
    /// Totals.
    #[serde(flatten)]
    pub totals: Totals,
}

/// Totals per model group, most expensive first (ties by key).
pub fn aggregate_by_model(rows: &[CostRow], custom: Option<&CustomPrices>) -> Vec<ModelTotal> {
    let mut keys: HashMap<(&str, Option<&str>), String> = HashMap::new();
    let Ok(models) = group(rows, custom, |_, row| {
        let key = keys
            .entry((row.model.as_str(), row.provider.as_deref()))
            .or_insert_with(|| model_group_key(&row.model, row.provider.as_deref()));
        Ok::<_, Infallible>(Some(key.clone()))
    });
    let mut out: Vec<ModelTotal> = models
        .into_iter()
        .map(|(model, totals)| ModelTotal { model, totals })
        .collect();
    // A stable sort keeps ties in key order.
    out.sort_by(|a, b| by_cost(&a.totals, &b.totals));
    out
}

/// Rows of the current KPI window and of the window before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Rows of the `days` local dates ending today.
    pub current: Vec<CostRow>,
    /// Rows of the `days` local dates before those.
    pub previous: Vec<CostRow>,
}

/// Splits daily rows into two windows of **equal length**: `current` is the
/// `days` local dates ending today (the local date of `now` in `tz`),
/// `previous` the `days` dates before them. Rows after today or before both
/// windows are dropped; order is kept. (The original product compared
/// `days + 1` dates with `days`.)
///
/// # Errors
///
/// `invalid_input` naming `rows[i].date` for a row without a date.
pub fn slice_window(
    rows: &[CostRow],
    days: DayCount,
    tz: Zone,
    now: Instant,
) -> Result<Window, Error> {
    let today = tz.date_of(now);
    let n = i64::from(days.0);
    let mut window = Window {
        current: Vec::new(),
        previous: Vec::new(),
    };
    for (i, row) in rows.iter().enumerate() {
        let back = today.days_since(date_of(row, i)?);
        if (0..n).contains(&back) {
            window.current.push(row.clone());
        } else if (n..2 * n).contains(&back) {
            window.previous.push(row.clone());
        }
    }
    Ok(window)
}

fn date_of(row: &CostRow, i: usize) -> Result<Date, Error> {
    row.date.ok_or_else(|| missing(i, "date"))
}

fn missing(i: usize, field: &str) -> Error {
    Error::new(
        Code::InvalidInput,
        format!("rows[{i}].{field}"),
        format!("missing field `{field}`"),
    )
}
