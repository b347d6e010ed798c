//! Reports over buckets and raw rows, in the viewer's time zone.

use std::collections::{HashMap, HashSet};

/// Grouping maps: foldhash with a fixed seed. Fast on short keys (ids,
/// model names) and deterministic; reports sort their rows, so the order
/// of a map never reaches an output.
type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
type Set<T> = HashSet<T, foldhash::fast::FixedState>;

use super::{AgentRow, Bucket, DailyRow, HourCount, HourRow, HourTotal, Usage, UsageRow};
use crate::error::{Code, Error};
use crate::id::Id;
use crate::time::{DAY, Date, Instant};
use crate::zone::Zone;

/// Daily usage: buckets at or after `since`, grouped by the local date of
/// their start in `tz`, provider (lowercased) and model; ordered by date
/// descending, then provider, then model (byte order).
///
/// On a fall-back day the two UTC hours that share a local hour both land
/// on that date; a bucket is never split.
pub fn usage_daily(buckets: &[Bucket], tz: Zone, since: Instant) -> Vec<DailyRow> {
    let buckets = buckets.iter().map(|b| DailyInput {
        bucket_start: b.key.bucket_start,
        provider: &b.key.provider,
        model: &b.key.model,
        usage: b.usage,
    });
    usage_daily_from(buckets, tz, since)
}

/// What [`usage_daily`] reads of a bucket.
#[derive(Debug, Clone, Copy)]
pub struct DailyInput<'a> {
    /// The bucket's start.
    pub bucket_start: Instant,
    /// Provider, any case.
    pub provider: &'a str,
    /// Model, as reported.
    pub model: &'a str,
    /// The bucket's sums.
    pub usage: Usage,
}

/// [`usage_daily`] over buckets a host holds in another form than
/// [`Bucket`] (the wasm bindings read them from JavaScript as columns):
/// the same rule, one implementation.
pub fn usage_daily_from<'a>(
    buckets: impl IntoIterator<Item = DailyInput<'a>>,
    tz: Zone,
    since: Instant,
) -> Vec<DailyRow> {
    let mut offsets = tz.offsets();
    let mut series = Series::default();
    let mut days: Map<(i64, u32), Usage> = Map::default();
    for bucket in buckets.into_iter().filter(|b| b.bucket_start >= since) {
        let day = offsets
            .local(bucket.bucket_start.unix_seconds())
            .div_euclid(DAY);
        let id = series.id(bucket.provider, bucket.model);
        days.entry((day, id)).or_default().add(&bucket.usage);
    }
    let mut rows: Vec<DailyRow> = days
        .into_iter()
        .map(|((day, id), usage)| {
            let (provider, model) = series.name(id);
            DailyRow {
                date: Date::of_local_seconds(day * DAY),
                provider: provider.to_owned(),
                model: model.to_owned(),
                usage,
            }
        })
        .collect();
    rows.sort_unstable_by(|a, b| {
        (b.date, &a.provider, &a.model).cmp(&(a.date, &b.provider, &b.model))
    });
    rows
}

/// Usage per agent: raw rows at or after `since`, grouped by agent,
/// provider (lowercased) and model, with the number of distinct tasks;
/// ordered by agent, provider, model.
pub fn usage_by_agent(rows: &[UsageRow], since: Instant) -> Vec<AgentRow> {
    let mut series = Series::default();
    let mut groups: Map<(Id, u32), (Usage, Set<Id>)> = Map::default();
    for row in rows.iter().filter(|r| r.created_at >= since) {
        let id = series.id(&row.provider, &row.model);
        let (usage, tasks) = groups.entry((row.agent_id, id)).or_default();
        usage.add(&Usage::of_row(row));
        tasks.insert(row.task_id);
    }
    let mut out: Vec<AgentRow> = groups
        .into_iter()
        .map(|((agent_id, id), (usage, tasks))| {
            let (provider, model) = series.name(id);
            AgentRow {
                agent_id,
                provider: provider.to_owned(),
                model: model.to_owned(),
                usage,
                task_count: tasks.len() as u64,
            }
        })
        .collect();
    out.sort_unstable_by(|a, b| {
        (a.agent_id, &a.provider, &a.model).cmp(&(b.agent_id, &b.provider, &b.model))
    });
    out
}

/// Usage per local wall-clock hour of `created_at` in `tz` and model, for
/// raw rows at or after `since`; hours without usage are absent. Ordered by
/// hour, then model.
///
/// On a fall-back day two UTC hours share one local hour (summed); on a
/// spring-forward day one local hour never occurs.
pub fn usage_by_hour(rows: &[UsageRow], tz: Zone, since: Instant) -> Vec<HourRow> {
    let mut offsets = tz.offsets();
    let mut groups: Map<(u8, &str), (Usage, Set<Id>)> = Map::default();
    for row in rows.iter().filter(|r| r.created_at >= since) {
        let hour = local_hour(offsets.local(row.created_at.unix_seconds()));
        let (usage, tasks) = groups.entry((hour, row.model.as_str())).or_default();
        usage.add(&Usage::of_row(row));
        tasks.insert(row.task_id);
    }
    let mut out: Vec<HourRow> = groups
        .into_iter()
        .map(|((hour, model), (usage, tasks))| HourRow {
            hour,
            model: model.to_owned(),
            usage,
            task_count: tasks.len() as u64,
        })
        .collect();
    out.sort_unstable_by(|a, b| (a.hour, &a.model).cmp(&(b.hour, &b.model)));
    out
}

/// Twenty-four rows, one per local hour in order, each summing every model
/// of that hour (zeros where there was none). `task_count` is the sum over
/// the hour's models, so a task that used two models counts twice.
///
/// # Errors
///
/// `invalid_input` naming `rows[i].hour` for an hour outside 0..=23.
pub fn fill_hours(rows: &[HourRow]) -> Result<Vec<HourTotal>, Error> {
    let mut hours: Vec<HourTotal> = (0..24)
        .map(|hour| HourTotal {
            hour,
            usage: Usage::default(),
            task_count: 0,
        })
        .collect();
    for (i, row) in rows.iter().enumerate() {
        let total = hours.get_mut(usize::from(row.hour)).ok_or_else(|| {
            Error::new(
                Code::InvalidInput,
                format!("rows[{i}].hour"),
                format!("an hour lies in 0..=23, got {}", row.hour),
            )
        })?;
        total.usage.add(&row.usage);
        total.task_count = total.task_count.saturating_add(row.task_count);
    }
    Ok(hours)
}

/// How many tasks started in each local hour of `tz`: 24 entries in order.
/// `None` entries (tasks that never started) are skipped.
pub fn task_activity(started_at: &[Option<Instant>], tz: Zone) -> Vec<HourCount> {
    let mut offsets = tz.offsets();
    let mut counts = [0_u64; 24];
    for t in started_at.iter().flatten() {
        if let Some(c) = counts.get_mut(usize::from(local_hour(offsets.local(t.unix_seconds())))) {
            *c += 1;
        }
    }
    counts
        .iter()
        .zip(0..)
        .map(|(&count, hour)| HourCount { hour, count })
        .collect()
}

/// The wall-clock hour of local seconds.
fn local_hour(local: i64) -> u8 {
    // rem_euclid(DAY) / 3600 lies in 0..24.
    (local.rem_euclid(DAY) / 3600) as u8
}

/// Interns (provider, model) pairs: the same pair spelled with a different
/// provider case gets the same id, named by the lowercased provider.
#[derive(Default)]
struct Series<'a> {
    by_spelling: Map<(&'a str, &'a str), u32>,
    by_name: Map<(String, &'a str), u32>,
    names: Vec<(String, &'a str)>,
}

impl<'a> Series<'a> {
    fn id(&mut self, provider: &'a str, model: &'a str) -> u32 {
        if let Some(&id) = self.by_spelling.get(&(provider, model)) {
            return id;
        }
        let name = (provider.to_lowercase(), model);
        let id = match self.by_name.get(&name) {
            Some(&id) => id,
            None => {
                let id = self.names.len() as u32;
                self.by_name.insert(name.clone(), id);
                self.names.push(name);
                id
            }
        };
        self.by_spelling.insert((provider, model), id);
        id
    }

    fn name(&self, id: u32) -> (&str, &'a str) {
        self.names
            .get(id as usize)
            .map_or(("", ""), |(p, m)| (p.as_str(), *m))
    }
}
