//! Usage on SQLite: raw rows, and the quarter-hour rollup kept beside them
//! in the same transaction. The rollup's sums are the core's
//! (`rollup_usage`): SQLite only stores them.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::sql;
use super::values::{count_from_sql, count_to_sql};
use crate::id::Id;
use crate::server::store::{HourSeries, StoreResult};
use crate::time::Instant;
use crate::usage::{Bucket, RollupKey, Usage, UsageRow, rollup_key, rollup_usage};

const ROW_COLUMNS: &str = "task_id, agent_id, runtime_id, workspace_id, provider, model,
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd_ticks, created_at";

fn row_of(row: &Row<'_>) -> rusqlite::Result<UsageRow> {
    Ok(UsageRow {
        task_id: row.get(0)?,
        agent_id: row.get(1)?,
        runtime_id: row.get(2)?,
        workspace_id: Some(row.get(3)?),
        provider: row.get(4)?,
        model: row.get(5)?,
        input_tokens: count_from_sql(row.get(6)?),
        output_tokens: count_from_sql(row.get(7)?),
        cache_read_tokens: count_from_sql(row.get(8)?),
        cache_write_tokens: count_from_sql(row.get(9)?),
        cost_usd_ticks: row.get::<_, Option<i64>>(10)?.map(count_from_sql),
        created_at: row.get(11)?,
    })
}

pub(super) fn rows(
    tx: &Transaction<'_>,
    runtime_id: Id,
    since: Instant,
) -> StoreResult<Vec<UsageRow>> {
    let mut stmt = tx
        .prepare_cached(&format!(
            "SELECT {ROW_COLUMNS} FROM usage_row WHERE runtime_id = ?1 AND created_at >= ?2"
        ))
        .map_err(sql)?;
    let rows = stmt
        .query_map(params![runtime_id, since], row_of)
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

pub(super) fn buckets(
    tx: &Transaction<'_>,
    runtime_id: Id,
    since: Instant,
) -> StoreResult<Vec<Bucket>> {
    let mut stmt = tx
        .prepare_cached(
            "SELECT bucket_start, workspace_id, runtime_id, agent_id, provider, model,
                input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd_ticks,
                uncosted_input_tokens, uncosted_output_tokens, uncosted_cache_read_tokens,
                uncosted_cache_write_tokens, task_count, event_count
             FROM usage_rollup WHERE runtime_id = ?1 AND bucket_start >= ?2",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map(params![runtime_id, since], |row| {
            let n = |i: usize| row.get::<_, i64>(i).map(count_from_sql);
            Ok(Bucket {
                key: RollupKey {
                    bucket_start: row.get(0)?,
                    workspace_id: row.get(1)?,
                    runtime_id: row.get(2)?,
                    agent_id: row.get(3)?,
                    provider: row.get(4)?,
                    model: row.get(5)?,
                },
                usage: usage_of(row, 6)?,
                task_count: n(15)?,
                event_count: n(16)?,
            })
        })
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// Upserts raw rows (a row reported again replaces the old one), then
/// recomputes every quarter hour of every runtime the rows touched, the
/// old rows' buckets included, from the raw rows now stored.
pub(super) fn record(tx: &Transaction<'_>, rows: &[UsageRow]) -> StoreResult<()> {
    let mut touched: BTreeSet<(Id, Instant)> = BTreeSet::new();
    for (i, row) in rows.iter().enumerate() {
        let at = |field: &str| format!("[{i}].{field}");
        let key = rollup_key(row).map_err(|e| e.within(&format!("[{i}]")))?;
        let previous: Option<(Id, Instant)> = tx
            .prepare_cached(
                "SELECT runtime_id, bucket_start FROM usage_row
                 WHERE task_id = ?1 AND provider = ?2 AND model = ?3",
            )
            .and_then(|mut stmt| {
                stmt.query_row(params![row.task_id, row.provider, row.model], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
            })
            .map_err(sql)?;
        touched.extend(previous);
        touched.insert((row.runtime_id, key.bucket_start));
        let ticks = row
            .cost_usd_ticks
            .map(|t| count_to_sql(t, &at("cost_usd_ticks")))
            .transpose()?;
        let tokens = [
            count_to_sql(row.input_tokens, &at("input_tokens"))?,
            count_to_sql(row.output_tokens, &at("output_tokens"))?,
            count_to_sql(row.cache_read_tokens, &at("cache_read_tokens"))?,
            count_to_sql(row.cache_write_tokens, &at("cache_write_tokens"))?,
        ];
        tx.prepare_cached(
            "INSERT INTO usage_row (task_id, provider, model, workspace_id, runtime_id, agent_id,
                input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd_ticks,
                created_at, bucket_start)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (task_id, provider, model) DO UPDATE SET
                workspace_id = excluded.workspace_id, runtime_id = excluded.runtime_id,
                agent_id = excluded.agent_id, input_tokens = excluded.input_tokens,
                output_tokens = excluded.output_tokens,
                cache_read_tokens = excluded.cache_read_tokens,
                cache_write_tokens = excluded.cache_write_tokens,
                cost_usd_ticks = excluded.cost_usd_ticks, created_at = excluded.created_at,
                bucket_start = excluded.bucket_start",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                row.task_id,
                row.provider,
                row.model,
                key.workspace_id,
                row.runtime_id,
                row.agent_id,
                tokens[0],
                tokens[1],
                tokens[2],
                tokens[3],
                ticks,
                row.created_at,
                key.bucket_start,
            ])
        })
        .map_err(sql)?;
    }
    let mut hours = BTreeSet::new();
    for (runtime_id, bucket_start) in touched {
        recompute(tx, runtime_id, bucket_start)?;
        hours.insert((runtime_id, bucket_start.floor_to(HOUR)));
    }
    for (runtime_id, hour_start) in hours {
        recompute_hour(tx, runtime_id, hour_start)?;
    }
    Ok(())
}

const HOUR: i64 = 3600;

/// The hourly series of a runtime at or after `since`: the rollup summed
/// over agents into whole UTC hours.
pub(super) fn hours(
    tx: &Transaction<'_>,
    runtime_id: Id,
    since: Instant,
) -> StoreResult<Vec<HourSeries>> {
    let mut stmt = tx
        .prepare_cached(
            "SELECT hour_start, provider, model, input_tokens, output_tokens, cache_read_tokens,
                cache_write_tokens, cost_usd_ticks, uncosted_input_tokens, uncosted_output_tokens,
                uncosted_cache_read_tokens, uncosted_cache_write_tokens
             FROM usage_hourly WHERE runtime_id = ?1 AND hour_start >= ?2",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map(params![runtime_id, since], |row| {
            Ok(HourSeries {
                hour_start: row.get(0)?,
                provider: row.get(1)?,
                model: row.get(2)?,
                usage: usage_of(row, 3)?,
            })
        })
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// The nine sums of [`Usage`] from nine columns starting at `first`.
fn usage_of(row: &Row<'_>, first: usize) -> rusqlite::Result<Usage> {
    let n = |i: usize| row.get::<_, i64>(first + i).map(count_from_sql);
    Ok(Usage {
        input_tokens: n(0)?,
        output_tokens: n(1)?,
        cache_read_tokens: n(2)?,
        cache_write_tokens: n(3)?,
        cost_usd_ticks: n(4)?,
        uncosted_input_tokens: n(5)?,
        uncosted_output_tokens: n(6)?,
        uncosted_cache_read_tokens: n(7)?,
        uncosted_cache_write_tokens: n(8)?,
    })
}

/// The nine sums of a [`Usage`] as SQLite integers.
fn usage_to_sql(u: &Usage) -> StoreResult<[i64; 9]> {
    let counts = [
        u.input_tokens,
        u.output_tokens,
        u.cache_read_tokens,
        u.cache_write_tokens,
        u.cost_usd_ticks,
        u.uncosted_input_tokens,
        u.uncosted_output_tokens,
        u.uncosted_cache_read_tokens,
        u.uncosted_cache_write_tokens,
    ];
    let mut out = [0_i64; 9];
    for (slot, count) in out.iter_mut().zip(counts) {
        *slot = count_to_sql(count, "usage")?;
    }
    Ok(out)
}

/// Rebuilds one runtime's hour of `usage_hourly` from the quarter-hour
/// rollup, summing with the core's `Usage::add`.
fn recompute_hour(tx: &Transaction<'_>, runtime_id: Id, hour_start: Instant) -> StoreResult<()> {
    let end = Instant::from_unix(hour_start.unix_seconds() + HOUR, 0).unwrap_or(hour_start);
    let mut sums: BTreeMap<(String, String), Usage> = BTreeMap::new();
    {
        let mut stmt = tx
            .prepare_cached(
                "SELECT provider, model, input_tokens, output_tokens, cache_read_tokens,
                    cache_write_tokens, cost_usd_ticks, uncosted_input_tokens,
                    uncosted_output_tokens, uncosted_cache_read_tokens,
                    uncosted_cache_write_tokens
                 FROM usage_rollup
                 WHERE runtime_id = ?1 AND bucket_start >= ?2 AND bucket_start < ?3",
            )
            .map_err(sql)?;
        let mut rows = stmt
            .query(params![runtime_id, hour_start, end])
            .map_err(sql)?;
        while let Some(row) = rows.next().map_err(sql)? {
            let key = (row.get(0).map_err(sql)?, row.get(1).map_err(sql)?);
            sums.entry(key)
                .or_default()
                .add(&usage_of(row, 2).map_err(sql)?);
        }
    }
    tx.prepare_cached("DELETE FROM usage_hourly WHERE runtime_id = ?1 AND hour_start = ?2")
        .and_then(|mut stmt| stmt.execute(params![runtime_id, hour_start]))
        .map_err(sql)?;
    for ((provider, model), usage) in sums {
        let n = usage_to_sql(&usage)?;
        tx.prepare_cached(
            "INSERT INTO usage_hourly (runtime_id, hour_start, provider, model, input_tokens,
                output_tokens, cache_read_tokens, cache_write_tokens, cost_usd_ticks,
                uncosted_input_tokens, uncosted_output_tokens, uncosted_cache_read_tokens,
                uncosted_cache_write_tokens)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                runtime_id, hour_start, provider, model, n[0], n[1], n[2], n[3], n[4], n[5], n[6],
                n[7], n[8]
            ])
        })
        .map_err(sql)?;
    }
    Ok(())
}

/// Rebuilds the rollup of one runtime's quarter hour from its raw rows.
fn recompute(tx: &Transaction<'_>, runtime_id: Id, bucket_start: Instant) -> StoreResult<()> {
    let raw: Vec<UsageRow> = {
        let mut stmt = tx
            .prepare_cached(&format!(
                "SELECT {ROW_COLUMNS} FROM usage_row WHERE runtime_id = ?1 AND bucket_start = ?2"
            ))
            .map_err(sql)?;
        let rows = stmt
            .query_map(params![runtime_id, bucket_start], row_of)
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)?
    };
    tx.prepare_cached("DELETE FROM usage_rollup WHERE runtime_id = ?1 AND bucket_start = ?2")
        .and_then(|mut stmt| stmt.execute(params![runtime_id, bucket_start]))
        .map_err(sql)?;
    for bucket in rollup_usage(&raw)? {
        let u = &bucket.usage;
        let k = &bucket.key;
        let u = usage_to_sql(u)?;
        let sums = [
            u[0],
            u[1],
            u[2],
            u[3],
            u[4],
            u[5],
            u[6],
            u[7],
            u[8],
            count_to_sql(bucket.task_count, "task_count")?,
            count_to_sql(bucket.event_count, "event_count")?,
        ];
        tx.prepare_cached(
            "INSERT INTO usage_rollup (runtime_id, bucket_start, agent_id, provider, model,
                workspace_id, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                cost_usd_ticks, uncosted_input_tokens, uncosted_output_tokens,
                uncosted_cache_read_tokens, uncosted_cache_write_tokens, task_count, event_count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        )
        .and_then(|mut stmt| {
            let key: [&dyn rusqlite::ToSql; 6] = [
                &k.runtime_id,
                &k.bucket_start,
                &k.agent_id,
                &k.provider,
                &k.model,
                &k.workspace_id,
            ];
            let all = key
                .into_iter()
                .chain(sums.iter().map(|s| s as &dyn rusqlite::ToSql));
            stmt.execute(rusqlite::params_from_iter(all))
        })
        .map_err(sql)?;
    }
    Ok(())
}
