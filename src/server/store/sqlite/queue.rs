//! The runtime registry and the task queue (SPEC §7) in SQLite: plain
//! reads and writes. Which task to claim, what a token allows, when to
//! retry are the core's decisions (`crate::queue`); these statements only
//! fetch the rows the rules read and store the rows the rules return.

use rusqlite::{OptionalExtension, Row, Transaction, params};

use super::values::{count_from_sql, id_array};
use super::{RUNTIME_COLUMNS, runtime_of, sql};
use crate::id::Id;
use crate::queue::{QueueTask, TaskStatus};
use crate::server::store::{
    IssueRecord, Registration, RuntimeRecord, StoreError, StoreResult, TaskRow,
};
use crate::time::Instant;

/// Every task column, in the order [`task_of`] reads them.
const TASK_COLUMNS: &str = "t.id, t.agent_id, t.runtime_id, t.issue_id, t.chat_session_id,
    t.autopilot_run_id, t.status, t.priority, t.created_at, t.dispatched_at, t.started_at,
    t.finished_at, t.claim_token, t.claim_expires_at, t.attempt, t.max_attempts,
    t.parent_task_id, t.failure_reason, t.error, t.session_id, t.work_dir,
    t.workspace_id, t.result, t.force_fresh_session";

fn task_of(row: &Row<'_>) -> rusqlite::Result<TaskRow> {
    Ok(TaskRow {
        task: QueueTask {
            id: row.get(0)?,
            agent_id: row.get(1)?,
            runtime_id: row.get(2)?,
            issue_id: row.get(3)?,
            chat_session_id: row.get(4)?,
            autopilot_run_id: row.get(5)?,
            status: row.get(6)?,
            priority: row.get(7)?,
            created_at: row.get(8)?,
            dispatched_at: row.get(9)?,
            started_at: row.get(10)?,
            finished_at: row.get(11)?,
            claim_token: row.get(12)?,
            claim_expires_at: row.get(13)?,
            attempt: count_from_sql(row.get(14)?),
            max_attempts: count_from_sql(row.get(15)?),
            parent_task_id: row.get(16)?,
            failure_reason: row.get(17)?,
            error: row.get(18)?,
            session_id: row.get(19)?,
            work_dir: row.get(20)?,
        },
        workspace_id: row.get(21)?,
        result: row.get(22)?,
        force_fresh_session: row.get(23)?,
    })
}

/// Every row of a query, read by `of`.
fn all<T>(
    tx: &Transaction<'_>,
    sql_text: &str,
    params: impl rusqlite::Params,
    of: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let mut stmt = tx.prepare_cached(sql_text).map_err(sql)?;
    let rows = stmt.query_map(params, of).map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

fn tasks(
    tx: &Transaction<'_>,
    sql_text: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Vec<TaskRow>> {
    all(tx, sql_text, params, task_of)
}

fn whole(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(super) fn daemon_token(
    tx: &Transaction<'_>,
    token_sha256: &str,
) -> StoreResult<Option<(Id, Option<Id>)>> {
    tx.prepare_cached("SELECT workspace_id, user_id FROM daemon_token WHERE token_sha256 = ?1")
        .and_then(|mut stmt| {
            stmt.query_row([token_sha256], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        })
        .map_err(sql)
}

pub(super) fn runtime_by_daemon(
    tx: &Transaction<'_>,
    workspace_id: Id,
    daemon_id: &str,
    provider: &str,
) -> StoreResult<Option<RuntimeRecord>> {
    tx.prepare_cached(&format!(
        "SELECT {RUNTIME_COLUMNS} FROM runtime r
         WHERE r.workspace_id = ?1 AND r.daemon_id = ?2 AND r.provider = ?3"
    ))
    .and_then(|mut stmt| {
        stmt.query_row(params![workspace_id, daemon_id, provider], runtime_of)
            .optional()
    })
    .map_err(sql)
}

pub(super) fn upsert_runtime(
    tx: &Transaction<'_>,
    new_id: Id,
    r: &Registration,
    now: Instant,
) -> StoreResult<Id> {
    // The seeds' upsert: on the daemon's key, a registration again updates
    // the row (online, seen now) and keeps an owner it does not name.
    tx.prepare_cached(
        "INSERT INTO runtime (id, workspace_id, name, owner_id, visibility, status, last_seen_at,
            daemon_id, provider, created_at, hostname, device_info, metadata)
         VALUES (?1, ?2, ?3, ?10, 'private', 'online', ?4, ?5, ?6, ?4, ?7, ?8, ?9)
         ON CONFLICT (workspace_id, daemon_id, provider) DO UPDATE SET
            name = excluded.name, status = 'online', last_seen_at = excluded.last_seen_at,
            hostname = coalesce(excluded.hostname, hostname),
            device_info = excluded.device_info, metadata = excluded.metadata,
            owner_id = coalesce(excluded.owner_id, owner_id)
         RETURNING id",
    )
    .and_then(|mut stmt| {
        stmt.query_row(
            params![
                new_id,
                r.workspace_id,
                r.name,
                now,
                r.daemon_id,
                r.provider,
                r.hostname,
                r.device_info,
                r.metadata,
                r.owner_id
            ],
            |row| row.get(0),
        )
    })
    .map_err(sql)
}

pub(super) fn legacy_runtimes(
    tx: &Transaction<'_>,
    workspace_id: Id,
    provider: &str,
    daemon_ids: &[String],
    except: Id,
) -> StoreResult<Vec<RuntimeRecord>> {
    let lowered: Vec<rusqlite::types::Value> = daemon_ids
        .iter()
        .map(|id| rusqlite::types::Value::Text(id.to_lowercase()))
        .collect();
    all(
        tx,
        &format!(
            "SELECT {RUNTIME_COLUMNS} FROM runtime r
             WHERE r.workspace_id = ?1 AND r.provider = ?2 AND r.id <> ?3
               AND lower(r.daemon_id) IN rarray(?4)
             ORDER BY r.created_at, r.id"
        ),
        params![workspace_id, provider, except, std::rc::Rc::new(lowered)],
        runtime_of,
    )
}

pub(super) fn merge_runtime(
    tx: &Transaction<'_>,
    from: Id,
    into: Id,
    legacy_daemon_id: &str,
) -> StoreResult<Vec<Id>> {
    let moved: Vec<Id> = all(
        tx,
        "SELECT id FROM agent WHERE runtime_id = ?1 ORDER BY id",
        [from],
        |row| row.get(0),
    )?;
    for statement in [
        "UPDATE agent SET runtime_id = ?2 WHERE runtime_id = ?1",
        "UPDATE task SET runtime_id = ?2 WHERE runtime_id = ?1",
        "UPDATE chat_session SET runtime_id = ?2 WHERE runtime_id = ?1",
    ] {
        tx.prepare_cached(statement)
            .and_then(|mut stmt| stmt.execute(params![from, into]))
            .map_err(sql)?;
    }
    // Usage keeps the old runtime id as a plain value, as it does after a
    // teardown: its reports stay where they were recorded.
    tx.prepare_cached("DELETE FROM runtime WHERE id = ?1")
        .and_then(|mut stmt| stmt.execute([from]))
        .map_err(sql)?;
    tx.prepare_cached(
        "UPDATE runtime SET legacy_daemon_id = coalesce(legacy_daemon_id, ?2) WHERE id = ?1",
    )
    .and_then(|mut stmt| stmt.execute(params![into, legacy_daemon_id]))
    .map_err(sql)?;
    Ok(moved)
}

pub(super) fn touch_runtime(tx: &Transaction<'_>, id: Id, now: Instant) -> StoreResult<bool> {
    // Only while online: a sweeper that just flipped the row offline is not
    // undone silently; the caller marks it online instead, as a change.
    tx.prepare_cached("UPDATE runtime SET last_seen_at = ?2 WHERE id = ?1 AND status = 'online'")
        .and_then(|mut stmt| stmt.execute(params![id, now]))
        .map(|n| n > 0)
        .map_err(sql)
}

pub(super) fn mark_runtime_online(tx: &Transaction<'_>, id: Id, now: Instant) -> StoreResult<()> {
    tx.prepare_cached("UPDATE runtime SET status = 'online', last_seen_at = ?2 WHERE id = ?1")
        .and_then(|mut stmt| stmt.execute(params![id, now]))
        .map_err(sql)?;
    Ok(())
}

pub(super) fn runtimes_by_status(
    tx: &Transaction<'_>,
    status: &str,
) -> StoreResult<Vec<RuntimeRecord>> {
    all(
        tx,
        &format!("SELECT {RUNTIME_COLUMNS} FROM runtime r WHERE r.status = ?1 ORDER BY r.id"),
        [status],
        runtime_of,
    )
}

pub(super) fn mark_offline(
    tx: &Transaction<'_>,
    ids: &[Id],
    stale_before: Instant,
) -> StoreResult<Vec<Id>> {
    // The staleness is checked again in the statement that flips the row:
    // a heartbeat that landed after the candidates were read wins.
    let mut stmt = tx
        .prepare_cached(
            "UPDATE runtime SET status = 'offline'
             WHERE id IN rarray(?1) AND status = 'online'
               AND (last_seen_at IS NULL OR last_seen_at < ?2)
             RETURNING id",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map(params![id_array(ids), stale_before], |row| row.get(0))
        .map_err(sql)?;
    let mut flipped: Vec<Id> = rows.collect::<Result<_, _>>().map_err(sql)?;
    flipped.sort_unstable();
    Ok(flipped)
}

pub(super) fn unfinished_on_runtime(tx: &Transaction<'_>, runtime_id: Id) -> StoreResult<u64> {
    tx.prepare_cached(&format!(
        "SELECT count(*) FROM task WHERE runtime_id = ?1 AND status IN {}",
        super::teardown::UNFINISHED
    ))
    .and_then(|mut stmt| stmt.query_row([runtime_id], |row| row.get(0)))
    .map(count_from_sql)
    .map_err(sql)
}

pub(super) fn collect_runtime(
    tx: &Transaction<'_>,
    id: Id,
    collect_before: Instant,
) -> StoreResult<bool> {
    // Everything that makes a runtime collectable, checked where it is
    // deleted (in this write transaction nothing changes in between):
    // never one with a bound agent or an unfinished task.
    let collectable = tx
        .prepare_cached(&format!(
            "SELECT count(*) FROM runtime
             WHERE id = ?1 AND status <> 'online'
               AND last_seen_at IS NOT NULL AND last_seen_at < ?2
               AND NOT EXISTS (SELECT 1 FROM agent WHERE runtime_id = ?1)
               AND NOT EXISTS (SELECT 1 FROM task WHERE runtime_id = ?1 AND status IN {})",
            super::teardown::UNFINISHED
        ))
        .and_then(|mut stmt| {
            stmt.query_row(params![id, collect_before], |row| row.get::<_, i64>(0))
        })
        .map_err(sql)?;
    if collectable == 0 {
        return Ok(false);
    }
    // Finished tasks keep their history, detached (the runtime's delete
    // would cascade to them).
    tx.prepare_cached(&format!(
        "UPDATE task SET runtime_id = NULL WHERE runtime_id = ?1 AND status NOT IN {}",
        super::teardown::UNFINISHED
    ))
    .and_then(|mut stmt| stmt.execute([id]))
    .map_err(sql)?;
    let deleted = tx
        .prepare_cached("DELETE FROM runtime WHERE id = ?1")
        .and_then(|mut stmt| stmt.execute([id]))
        .map_err(sql)?;
    Ok(deleted > 0)
}

pub(super) fn task(tx: &Transaction<'_>, id: Id) -> StoreResult<Option<TaskRow>> {
    tx.prepare_cached(&format!(
        "SELECT {TASK_COLUMNS} FROM task t WHERE t.id = ?1"
    ))
    .and_then(|mut stmt| stmt.query_row([id], task_of).optional())
    .map_err(sql)
}

pub(super) fn runtime_tasks(
    tx: &Transaction<'_>,
    runtime_id: Id,
    with: &[TaskStatus],
) -> StoreResult<Vec<TaskRow>> {
    // One indexed range per status (task_by_runtime: runtime, status).
    let mut rows = Vec::new();
    for status in with {
        rows.extend(tasks(
            tx,
            &format!("SELECT {TASK_COLUMNS} FROM task t WHERE t.runtime_id = ?1 AND t.status = ?2"),
            params![runtime_id, status],
        )?);
    }
    rows.sort_by_key(|row| (row.task.created_at, row.task.id));
    Ok(rows)
}

pub(super) fn leases_ended(
    tx: &Transaction<'_>,
    runtime_id: Id,
    now: Instant,
) -> StoreResult<Vec<TaskRow>> {
    tasks(
        tx,
        &format!(
            "SELECT {TASK_COLUMNS} FROM task t
             WHERE t.runtime_id = ?1 AND t.status = 'dispatched' AND t.claim_expires_at < ?2
             ORDER BY t.claim_expires_at, t.id"
        ),
        params![runtime_id, now],
    )
}

pub(super) fn in_flight_on_offline_runtimes(
    tx: &Transaction<'_>,
    limit: u64,
) -> StoreResult<Vec<TaskRow>> {
    tasks(
        tx,
        &format!(
            "SELECT {TASK_COLUMNS} FROM runtime r JOIN task t ON t.runtime_id = r.id
             WHERE r.status = 'offline'
               AND t.status IN ('dispatched', 'running', 'waiting_local_directory')
             LIMIT ?1"
        ),
        [whole(limit)],
    )
}

pub(super) fn sweep_candidates(
    tx: &Transaction<'_>,
    limits: &crate::queue::Cutoffs,
    limit: u64,
) -> StoreResult<Vec<TaskRow>> {
    // A superset of what `crate::queue::sweep_reason` fails, one range of
    // a partial index each (the status is written into the statement, so
    // SQLite can see that the index covers it); the rule decides row by row.
    let mut rows = Vec::new();
    for (status, column, cutoff) in [
        ("queued", "created_at", limits.queued_before),
        ("dispatched", "dispatched_at", limits.dispatched_before),
        ("running", "started_at", limits.running_before),
    ] {
        rows.extend(tasks(
            tx,
            &sweep_range_sql(status, column),
            params![cutoff, whole(limit)],
        )?);
    }
    Ok(rows)
}

pub(super) fn queued_page(
    tx: &Transaction<'_>,
    runtime_id: Id,
    agent_id: Option<Id>,
    after: Option<&QueueTask>,
    limit: u64,
) -> StoreResult<Vec<TaskRow>> {
    // The claim order of `crate::queue::claim_next`, continuing after the
    // last task of the previous page (instants and ids are stored as
    // fixed-width text, which sorts as they compare), so each page is one
    // range of task_queued_claim_order however deep the queue.
    let (priority, created_at, id) = match after {
        Some(t) => (Some(t.priority), Some(t.created_at), Some(t.id)),
        None => (None, None, None),
    };
    tasks(
        tx,
        &queued_page_sql(),
        params![runtime_id, agent_id, priority, created_at, id, whole(limit)],
    )
}

fn queued_page_sql() -> String {
    format!(
        "SELECT {TASK_COLUMNS} FROM task t
         WHERE t.runtime_id = ?1 AND t.status = 'queued' AND (?2 IS NULL OR t.agent_id = ?2)
           AND (?3 IS NULL OR t.priority < ?3
                OR (t.priority = ?3 AND (t.created_at > ?4
                    OR (t.created_at = ?4 AND t.id > ?5))))
         ORDER BY t.priority DESC, t.created_at, t.id
         LIMIT ?6"
    )
}

fn sweep_range_sql(status: &str, column: &str) -> String {
    format!(
        "SELECT {TASK_COLUMNS} FROM task t
         WHERE t.status = '{status}' AND t.{column} < ?1 ORDER BY t.{column} LIMIT ?2"
    )
}

pub(super) fn in_flight_of(tx: &Transaction<'_>, agent_ids: &[Id]) -> StoreResult<Vec<TaskRow>> {
    tasks(
        tx,
        &format!(
            "SELECT {TASK_COLUMNS} FROM task t
             WHERE t.agent_id IN rarray(?1) AND t.status IN ('dispatched', 'running')
             ORDER BY t.created_at, t.id"
        ),
        [id_array(agent_ids)],
    )
}

pub(super) fn issue_tasks(
    tx: &Transaction<'_>,
    agent_id: Id,
    issue_id: Id,
) -> StoreResult<Vec<TaskRow>> {
    tasks(tx, &issue_tasks_sql(), params![agent_id, issue_id])
}

fn issue_tasks_sql() -> String {
    format!(
        "SELECT {TASK_COLUMNS} FROM task t WHERE t.agent_id = ?1 AND t.issue_id = ?2
         ORDER BY t.created_at, t.id"
    )
}

pub(super) fn insert_task(tx: &Transaction<'_>, row: &TaskRow) -> StoreResult<()> {
    let t = &row.task;
    tx.prepare_cached(
        "INSERT INTO task (id, workspace_id, agent_id, runtime_id, issue_id, chat_session_id,
            autopilot_run_id, status, priority, created_at, dispatched_at, started_at,
            finished_at, claim_token, claim_expires_at, attempt, max_attempts, parent_task_id,
            failure_reason, error, session_id, work_dir, result, force_fresh_session)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            t.id,
            row.workspace_id,
            t.agent_id,
            t.runtime_id,
            t.issue_id,
            t.chat_session_id,
            t.autopilot_run_id,
            t.status,
            t.priority,
            t.created_at,
            t.dispatched_at,
            t.started_at,
            t.finished_at,
            t.claim_token,
            t.claim_expires_at,
            whole(t.attempt),
            whole(t.max_attempts),
            t.parent_task_id,
            t.failure_reason,
            t.error,
            t.session_id,
            t.work_dir,
            row.result,
            row.force_fresh_session
        ])
    })
    .map_err(sql)?;
    Ok(())
}

pub(super) fn save_task(tx: &Transaction<'_>, row: &TaskRow, was: TaskStatus) -> StoreResult<()> {
    let t = &row.task;
    let changed = tx
        .prepare_cached(
            "UPDATE task SET status = ?3, dispatched_at = ?4, started_at = ?5, finished_at = ?6,
                claim_token = ?7, claim_expires_at = ?8, failure_reason = ?9, error = ?10,
                session_id = ?11, work_dir = ?12, result = ?13
             WHERE id = ?1 AND status = ?2",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                t.id,
                was,
                t.status,
                t.dispatched_at,
                t.started_at,
                t.finished_at,
                t.claim_token,
                t.claim_expires_at,
                t.failure_reason,
                t.error,
                t.session_id,
                t.work_dir,
                row.result
            ])
        })
        .map_err(sql)?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            code: "task_state_conflict",
            message: format!("task {} is no longer {}", t.id, was.as_str()),
        })
    }
}

pub(super) fn issue(tx: &Transaction<'_>, id: Id) -> StoreResult<Option<IssueRecord>> {
    tx.prepare_cached(
        "SELECT id, workspace_id, title, status, assignee_type, assignee_id FROM issue
         WHERE id = ?1",
    )
    .and_then(|mut stmt| {
        stmt.query_row([id], |row| {
            Ok(IssueRecord {
                id: row.get(0)?,
                workspace_id: row.get(1)?,
                title: row.get(2)?,
                status: row.get(3)?,
                assignee_type: row.get(4)?,
                assignee_id: row.get(5)?,
            })
        })
        .optional()
    })
    .map_err(sql)
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;
    use rusqlite_migration::Migrations;

    /// The plan SQLite picks for `sql`, one line per step.
    fn plan(sql: &str) -> String {
        let mut conn = Connection::open_in_memory().unwrap();
        Migrations::from_slice(super::super::MIGRATIONS)
            .to_latest(&mut conn)
            .unwrap();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        // Every parameter NULL: the plan does not depend on their values.
        let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
        let steps = stmt
            .query_map(rusqlite::params_from_iter(nulls), |row| {
                row.get::<_, String>(3)
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        steps.join("\n")
    }

    #[test]
    fn the_claim_the_sweeper_and_session_resume_read_their_indexes() {
        // Partial indexes hold only unfinished tasks, so a teardown
        // deleting finished ones never writes them; a plan that fell back
        // to a scan or a sort would make the claim slow on a deep queue.
        let claim = plan(&super::queued_page_sql());
        assert!(
            claim.contains("USING INDEX task_queued_claim_order"),
            "{claim}"
        );
        assert!(!claim.contains("TEMP B-TREE"), "{claim}");
        for (status, column, index) in [
            ("queued", "created_at", "task_queued_by_created"),
            (
                "dispatched",
                "dispatched_at",
                "task_dispatched_by_dispatched",
            ),
            ("running", "started_at", "task_running_by_started"),
        ] {
            let sweep = plan(&super::sweep_range_sql(status, column));
            assert!(sweep.contains(&format!("USING INDEX {index}")), "{sweep}");
            assert!(!sweep.contains("TEMP B-TREE"), "{sweep}");
        }
        // Session resume: an issue has a few tasks, an agent may have
        // thousands (0004 dropped the index on both).
        let resume = plan(&super::issue_tasks_sql());
        assert!(resume.contains("USING INDEX task_by_issue"), "{resume}");
    }
}
