//! A teardown on SQLite: the snapshot of SPEC §3.1 read inside the
//! transaction, and each plan step as one statement.

use rusqlite::{Transaction, params};

use super::values::id_array;
use super::{assignee_type_of, sql};
use crate::id::Id;
use crate::server::store::{RuntimeRecord, StoreError, StoreResult};
use crate::teardown::{History, Op, Snapshot, Step};
use crate::time::Instant;
use crate::workspace::{Agent, Autopilot, Squad, Task};

/// `task.status` is one of the unfinished statuses (SQL text of `Task::UNFINISHED`).
pub(super) const UNFINISHED: &str =
    "('queued', 'dispatched', 'running', 'waiting_local_directory')";

/// The runtime's agents, as a subquery on `?1`.
const AGENTS_OF_RUNTIME: &str = "SELECT id FROM agent WHERE runtime_id = ?1";

pub(super) fn snapshot(tx: &Transaction<'_>, runtime: &RuntimeRecord) -> StoreResult<Snapshot> {
    let id = runtime.id;
    let agents = collect(
        tx,
        "SELECT id, name, owner_id, visibility, archived_at, status, model FROM agent
         WHERE runtime_id = ?1",
        id,
        |row| {
            Ok(Agent {
                id: row.get(0)?,
                name: Some(row.get(1)?),
                owner_id: row.get(2)?,
                visibility: Some(row.get(3)?),
                archived_at: row.get(4)?,
                status: Some(row.get(5)?),
                model: Some(row.get(6)?),
                restricted: false,
            })
        },
    )?;
    let squads = collect(
        tx,
        &format!(
            "SELECT id, name, leader_id, archived_at FROM squad
             WHERE leader_id IN ({AGENTS_OF_RUNTIME})"
        ),
        id,
        |row| {
            Ok(Squad {
                id: row.get(0)?,
                name: row.get(1)?,
                leader_id: row.get(2)?,
                archived_at: row.get(3)?,
            })
        },
    )?;
    let autopilots = collect(
        tx,
        &format!(
            "SELECT id, name, status, assignee_type, assignee_id FROM autopilot
             WHERE assignee_type = 'agent' AND assignee_id IN ({AGENTS_OF_RUNTIME})
             UNION
             SELECT id, name, status, assignee_type, assignee_id FROM autopilot
             WHERE assignee_type = 'squad' AND assignee_id IN
                 (SELECT id FROM squad WHERE leader_id IN ({AGENTS_OF_RUNTIME}))"
        ),
        id,
        |row| {
            Ok(Autopilot {
                id: row.get(0)?,
                name: row.get(1)?,
                status: row.get(2)?,
                assignee_type: assignee_type_of(&row.get::<_, String>(3)?)?,
                assignee_id: row.get(4)?,
            })
        },
    )?;
    let tasks = collect(
        tx,
        &format!(
            "SELECT id, agent_id, runtime_id, status FROM task
             WHERE runtime_id = ?1 AND status IN {UNFINISHED}
             UNION
             SELECT id, agent_id, runtime_id, status FROM task
             WHERE agent_id IN ({AGENTS_OF_RUNTIME}) AND status IN {UNFINISHED}"
        ),
        id,
        |row| {
            Ok(Task {
                id: row.get(0)?,
                agent_id: row.get(1)?,
                runtime_id: row.get(2)?,
                status: row.get(3)?,
            })
        },
    )?;
    // Finished tasks on the runtime, plus those of its agents elsewhere:
    // two counts rather than a UNION of every id.
    let finished_tasks = count(
        tx,
        &format!(
            "SELECT (SELECT count(*) FROM task
                     WHERE runtime_id = ?1 AND status NOT IN {UNFINISHED})
                  + (SELECT count(*) FROM task
                     WHERE agent_id IN ({AGENTS_OF_RUNTIME}) AND status NOT IN {UNFINISHED}
                       AND (runtime_id IS NULL OR runtime_id <> ?1))"
        ),
        id,
    )?;
    let chat_sessions = count(
        tx,
        &format!("SELECT count(*) FROM chat_session WHERE agent_id IN ({AGENTS_OF_RUNTIME})"),
        id,
    )?;
    Ok(Snapshot {
        runtime: runtime.to_rule(),
        agents,
        squads,
        autopilots,
        tasks,
        history: History {
            finished_tasks,
            chat_sessions,
        },
    })
}

fn collect<T>(
    tx: &Transaction<'_>,
    query: &str,
    runtime_id: Id,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let mut stmt = tx.prepare_cached(query).map_err(sql)?;
    let rows = stmt.query_map([runtime_id], row).map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

fn count(tx: &Transaction<'_>, query: &str, runtime_id: Id) -> StoreResult<u64> {
    let n: i64 = tx
        .prepare_cached(query)
        .and_then(|mut stmt| stmt.query_row([runtime_id], |row| row.get(0)))
        .map_err(sql)?;
    Ok(super::values::count_from_sql(n))
}

/// One step, one statement (two for `detach_history`). Every statement
/// that names rows must find each of them in the state the plan expects,
/// or the step fails and the transaction rolls back.
pub(super) fn apply(tx: &Transaction<'_>, step: &Step, now: Instant) -> StoreResult<()> {
    let ids = id_array(&step.ids);
    let cancel = format!(
        "UPDATE task SET status = 'cancelled', finished_at = ?2
         WHERE id IN rarray(?1) AND status IN {UNFINISHED}"
    );
    let (statement, expected) = match step.op {
        // The write lock was taken by BEGIN IMMEDIATE: locking the runtime
        // is making sure it is still there.
        Op::LockRuntime => ("SELECT count(*) FROM runtime WHERE id IN rarray(?1)", None),
        Op::ArchiveAgents => (
            "UPDATE agent SET archived_at = ?2 WHERE id IN rarray(?1) AND archived_at IS NULL",
            Some(step.ids.len()),
        ),
        Op::UnbindAgents => (
            "UPDATE agent SET runtime_id = NULL WHERE id IN rarray(?1) AND runtime_id IS NOT NULL",
            Some(step.ids.len()),
        ),
        Op::CancelTasks => (cancel.as_str(), Some(step.ids.len())),
        Op::PauseAutopilots => (
            "UPDATE autopilot SET status = 'paused', pause_reason = ?3
             WHERE id IN rarray(?1) AND status = 'active'",
            Some(step.ids.len()),
        ),
        Op::DeleteSquads => (
            "DELETE FROM squad WHERE id IN rarray(?1)",
            Some(step.ids.len()),
        ),
        Op::DeleteAgents => {
            // What ON DELETE CASCADE would remove, removed first in three
            // set-wise statements: SQLite runs a cascade as one statement per
            // parent row, which made deleting 1,000 agents with 100,000 tasks
            // take seconds under the write lock. Same rows, same result.
            for child in ["task", "chat_session", "squad_member"] {
                tx.prepare_cached(&format!("DELETE FROM {child} WHERE agent_id IN rarray(?1)"))
                    .and_then(|mut stmt| stmt.execute([&ids]))
                    .map_err(|e| constraint(step, e))?;
            }
            (
                "DELETE FROM agent WHERE id IN rarray(?1)",
                Some(step.ids.len()),
            )
        }
        Op::DetachHistory => {
            // About 0.26 s for 97,000 tasks (scripts/bench-server): the
            // unbind policy's largest step.
            for table in ["task", "chat_session"] {
                tx.prepare_cached(&format!(
                    "UPDATE {table} SET runtime_id = NULL WHERE runtime_id IN rarray(?1)"
                ))
                .and_then(|mut stmt| stmt.execute([&ids]))
                .map_err(sql)?;
            }
            return Ok(());
        }
        Op::DeleteRuntime => (
            "DELETE FROM runtime WHERE id IN rarray(?1)",
            Some(step.ids.len()),
        ),
    };
    let touched = if step.op == Op::LockRuntime {
        let found: i64 = tx
            .prepare_cached(statement)
            .and_then(|mut stmt| stmt.query_row([&ids], |row| row.get(0)))
            .map_err(sql)?;
        if found != 1 {
            return Err(gone(step, 1, 0));
        }
        return Ok(());
    } else {
        let mut stmt = tx.prepare_cached(statement).map_err(sql)?;
        let result = match step.op {
            Op::ArchiveAgents | Op::CancelTasks => stmt.execute(params![ids, now]),
            Op::PauseAutopilots => stmt.execute(params![ids, now, step.pause_reason]),
            _ => stmt.execute([&ids]),
        };
        result.map_err(|e| constraint(step, e))?
    };
    match expected {
        Some(n) if n != touched => Err(gone(step, n, touched)),
        _ => Ok(()),
    }
}

/// A constraint broken by a step is a conflict that rolls the teardown back.
fn constraint(step: &Step, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Conflict {
            code: "teardown_step_failed",
            message: format!("step {} broke a constraint: {e}", op_name(step.op)),
        },
        _ => sql(e),
    }
}

fn gone(step: &Step, expected: usize, touched: usize) -> StoreError {
    StoreError::Conflict {
        code: "teardown_step_failed",
        message: format!(
            "step {} expected {expected} rows and found {touched}",
            op_name(step.op)
        ),
    }
}

fn op_name(op: Op) -> String {
    serde_json::to_value(op)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sql_list_of_unfinished_statuses_is_the_cores() {
        let core = crate::workspace::Task::UNFINISHED
            .map(|s| format!("'{s}'"))
            .join(", ");
        assert_eq!(super::UNFINISHED, format!("({core})"));
    }
}
