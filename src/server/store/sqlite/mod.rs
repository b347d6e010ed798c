//! The SQLite store: bundled SQLite, WAL, foreign keys on, a busy timeout,
//! the schema of SPEC §8.3 through migrations.
//!
//! Writers take the write lock when their transaction begins (`BEGIN
//! IMMEDIATE`), so a teardown's snapshot cannot change between the read and
//! the writes that execute its plan; readers work on WAL snapshots beside
//! them. Connections are pooled: SQLite connections are not `Sync`, and
//! opening one per request would re-run the pragmas each time.

mod load;
mod queue;
mod teardown;
mod usage;
pub mod values;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OptionalExtension, Row, TransactionBehavior, params};
use rusqlite_migration::{M, Migrations};

use super::{
    Access, AgentRecord, AgentUpdate, AutopilotRecord, HourSeries, IssueRecord, Membership,
    NewAgent, NewAutopilot, NewSquad, Registration, RuntimeFilter, RuntimeRecord, SquadRecord,
    Store, StoreError, StoreResult, TaskRecord, TaskRow, Tx, User,
};
use crate::id::Id;
use crate::server::fixture::Fixture;
use crate::teardown::{Snapshot, Step};
use crate::time::Instant;
use crate::usage::{Bucket, UsageRow};
use crate::workspace::Member;
use values::id_array;

/// The schema, oldest first. Never edit a migration that has shipped: add one.
const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("0001_init.sql")),
    M::up(include_str!("0002_open_tasks.sql")),
    M::up(include_str!("0003_queue.sql")),
    M::up(include_str!("0004_partial_task_indexes.sql")),
];

/// How long a writer waits for the write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A SQLite database file.
pub struct SqliteStore {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and brings its
    /// schema up to date.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or a migration fails.
    pub fn open(path: impl AsRef<Path>) -> StoreResult<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        let mut conn = connect(&path)?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut conn)
            .map_err(|e| StoreError::Internal(format!("migrating {}: {e}", path.display())))?;
        Ok(SqliteStore {
            path,
            idle: Mutex::new(vec![conn]),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn take(&self) -> StoreResult<Connection> {
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        match idle {
            Some(conn) => Ok(conn),
            None => connect(&self.path),
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock() {
            // Keep a few; a burst's extra connections are closed.
            if idle.len() < 16 {
                idle.push(conn);
            }
        }
    }
}

fn connect(path: &Path) -> StoreResult<Connection> {
    let conn = Connection::open(path).map_err(internal)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(internal)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;",
    )
    .map_err(sql)?;
    rusqlite::vtab::array::load_module(&conn).map_err(internal)?;
    Ok(conn)
}

impl Store for SqliteStore {
    fn run(
        &self,
        access: Access,
        body: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let mut conn = self.take()?;
        let behavior = match access {
            Access::Read => TransactionBehavior::Deferred,
            Access::Write => TransactionBehavior::Immediate,
        };
        let result = (|| {
            let tx = conn.transaction_with_behavior(behavior).map_err(sql)?;
            body(&mut SqliteTx { tx: &tx })?;
            tx.commit().map_err(sql)
        })();
        // A failed body dropped its transaction, which rolled it back: the
        // connection is clean either way.
        self.give_back(conn);
        result
    }
}

/// An open SQLite transaction.
pub struct SqliteTx<'c> {
    tx: &'c rusqlite::Transaction<'c>,
}

/// A database failure that is not the caller's: `Busy` when the lock wait
/// timed out, `Internal` otherwise.
pub(crate) fn sql(e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
        _ => StoreError::Internal(e.to_string()),
    }
}

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

const RUNTIME_COLUMNS: &str = "r.id, r.workspace_id, r.name, r.owner_id, r.visibility, r.status,
    r.last_seen_at, r.daemon_id, r.provider, r.created_at,
    (SELECT count(*) FROM agent a WHERE a.runtime_id = r.id AND a.archived_at IS NULL),
    (SELECT count(*) FROM agent a WHERE a.runtime_id = r.id),
    (SELECT u.name FROM user u WHERE u.id = r.owner_id)";

fn runtime_of(row: &Row<'_>) -> rusqlite::Result<RuntimeRecord> {
    Ok(RuntimeRecord {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        name: row.get(2)?,
        owner_id: row.get(3)?,
        visibility: row.get(4)?,
        status: row.get(5)?,
        last_seen_at: row.get(6)?,
        daemon_id: row.get(7)?,
        provider: row.get(8)?,
        created_at: row.get(9)?,
        agent_count: values::count_from_sql(row.get(10)?),
        bound_agent_count: values::count_from_sql(row.get(11)?),
        owner_name: row.get(12)?,
    })
}

/// The agent columns that may leave the server: never the secrets.
const AGENT_COLUMNS: &str =
    "id, workspace_id, runtime_id, name, owner_id, visibility, status, model,
    archived_at, created_at, max_concurrent_tasks";

fn agent_of(row: &Row<'_>) -> rusqlite::Result<AgentRecord> {
    Ok(AgentRecord {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        runtime_id: row.get(2)?,
        name: row.get(3)?,
        owner_id: row.get(4)?,
        visibility: row.get(5)?,
        status: row.get(6)?,
        model: row.get(7)?,
        archived_at: row.get(8)?,
        created_at: row.get(9)?,
        max_concurrent_tasks: row.get::<_, Option<i64>>(10)?.map(values::count_from_sql),
    })
}

fn squad_of(row: &Row<'_>) -> rusqlite::Result<SquadRecord> {
    Ok(SquadRecord {
        id: row.get(0)?,
        workspace_id: row.get(1)?,
        name: row.get(2)?,
        leader_id: row.get(3)?,
        archived_at: row.get(4)?,
        created_at: row.get(5)?,
        member_ids: Vec::new(),
    })
}

fn assignee_type_of(text: &str) -> rusqlite::Result<crate::workspace::AssigneeType> {
    use crate::workspace::AssigneeType;
    match text {
        "agent" => Ok(AssigneeType::Agent),
        "squad" => Ok(AssigneeType::Squad),
        other => Err(rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("not an assignee type: {other:?}").into(),
        )),
    }
}

pub(crate) fn assignee_type_text(kind: crate::workspace::AssigneeType) -> &'static str {
    match kind {
        crate::workspace::AssigneeType::Agent => "agent",
        crate::workspace::AssigneeType::Squad => "squad",
    }
}

impl Tx for SqliteTx<'_> {
    fn user_by_token(&mut self, token_sha256: &str) -> StoreResult<Option<User>> {
        self.tx
            .prepare_cached("SELECT id, name, timezone FROM user WHERE token_sha256 = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([token_sha256], |row| {
                    Ok(User {
                        id: row.get(0)?,
                        name: row.get(1)?,
                        timezone: row.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(sql)
    }

    fn memberships(&mut self, user_id: Id) -> StoreResult<Vec<Membership>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT m.workspace_id, w.name, m.role FROM member m
                 JOIN workspace w ON w.id = m.workspace_id
                 WHERE m.user_id = ?1 ORDER BY w.name, w.id",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map([user_id], |row| {
                Ok(Membership {
                    workspace_id: row.get(0)?,
                    workspace_name: row.get(1)?,
                    role: row.get(2)?,
                })
            })
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn member(&mut self, workspace_id: Id, user_id: Id) -> StoreResult<Option<Member>> {
        self.tx
            .prepare_cached("SELECT role FROM member WHERE workspace_id = ?1 AND user_id = ?2")
            .and_then(|mut stmt| {
                stmt.query_row(params![workspace_id, user_id], |row| {
                    Ok(Member {
                        user_id,
                        role: row.get(0)?,
                    })
                })
                .optional()
            })
            .map_err(sql)
    }

    fn runtime(&mut self, id: Id) -> StoreResult<Option<RuntimeRecord>> {
        self.tx
            .prepare_cached(&format!(
                "SELECT {RUNTIME_COLUMNS} FROM runtime r WHERE r.id = ?1"
            ))
            .and_then(|mut stmt| stmt.query_row([id], runtime_of).optional())
            .map_err(sql)
    }

    fn runtimes(&mut self, filter: &RuntimeFilter) -> StoreResult<Vec<RuntimeRecord>> {
        let mut stmt = self
            .tx
            .prepare_cached(&format!(
                "SELECT {RUNTIME_COLUMNS} FROM runtime r
                 WHERE r.workspace_id IN rarray(?1) AND (?2 IS NULL OR r.owner_id = ?2)
                 ORDER BY r.name, r.id"
            ))
            .map_err(sql)?;
        let rows = stmt
            .query_map(
                params![id_array(&filter.workspaces), filter.owner_id],
                runtime_of,
            )
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn update_runtime(
        &mut self,
        id: Id,
        name: Option<&str>,
        visibility: Option<&str>,
    ) -> StoreResult<()> {
        self.tx
            .prepare_cached(
                "UPDATE runtime SET name = coalesce(?2, name), visibility = coalesce(?3, visibility)
                 WHERE id = ?1",
            )
            .and_then(|mut stmt| stmt.execute(params![id, name, visibility]))
            .map_err(sql)?;
        Ok(())
    }

    fn teardown_snapshot(&mut self, runtime: &RuntimeRecord) -> StoreResult<Snapshot> {
        teardown::snapshot(self.tx, runtime)
    }

    fn apply_step(&mut self, step: &Step, now: Instant) -> StoreResult<()> {
        teardown::apply(self.tx, step, now)
    }

    fn agent(&mut self, id: Id) -> StoreResult<Option<AgentRecord>> {
        self.tx
            .prepare_cached(&format!("SELECT {AGENT_COLUMNS} FROM agent WHERE id = ?1"))
            .and_then(|mut stmt| stmt.query_row([id], agent_of).optional())
            .map_err(sql)
    }

    fn agents(
        &mut self,
        workspaces: &[Id],
        runtime_id: Option<Id>,
    ) -> StoreResult<Vec<AgentRecord>> {
        let mut stmt = self
            .tx
            .prepare_cached(&format!(
                "SELECT {AGENT_COLUMNS} FROM agent
                 WHERE workspace_id IN rarray(?1) AND (?2 IS NULL OR runtime_id = ?2)
                 ORDER BY name, id"
            ))
            .map_err(sql)?;
        let rows = stmt
            .query_map(params![id_array(workspaces), runtime_id], agent_of)
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn insert_agent(&mut self, agent: &NewAgent) -> StoreResult<()> {
        load::insert_agent(self.tx, agent).map_err(sql)
    }

    fn update_agent(&mut self, id: Id, update: &AgentUpdate) -> StoreResult<()> {
        let tx = self.tx;
        let set = |column: &str, value: &dyn rusqlite::ToSql| -> StoreResult<()> {
            tx.prepare_cached(&format!("UPDATE agent SET {column} = ?2 WHERE id = ?1"))
                .and_then(|mut stmt| stmt.execute(params![id, value]))
                .map_err(sql)?;
            Ok(())
        };
        if let Some(name) = &update.name {
            set("name", name)?;
        }
        if let Some(visibility) = &update.visibility {
            set("visibility", visibility)?;
        }
        if let Some(model) = &update.model {
            set("model", model)?;
        }
        if let Some(instructions) = &update.instructions {
            set("instructions", instructions)?;
        }
        if let Some(runtime_id) = &update.runtime_id {
            set("runtime_id", runtime_id)?;
        }
        if let Some(archived_at) = &update.archived_at {
            set("archived_at", archived_at)?;
        }
        Ok(())
    }

    fn squad(&mut self, id: Id) -> StoreResult<Option<SquadRecord>> {
        let squad = self
            .tx
            .prepare_cached(
                "SELECT id, workspace_id, name, leader_id, archived_at, created_at FROM squad
                 WHERE id = ?1",
            )
            .and_then(|mut stmt| stmt.query_row([id], squad_of).optional())
            .map_err(sql)?;
        match squad {
            Some(mut squad) => {
                squad.member_ids = squad_members(self.tx, squad.id)?;
                Ok(Some(squad))
            }
            None => Ok(None),
        }
    }

    fn squads(&mut self, workspaces: &[Id]) -> StoreResult<Vec<SquadRecord>> {
        let mut squads: Vec<SquadRecord> = {
            let mut stmt = self
                .tx
                .prepare_cached(
                    "SELECT id, workspace_id, name, leader_id, archived_at, created_at FROM squad
                     WHERE workspace_id IN rarray(?1) ORDER BY name, id",
                )
                .map_err(sql)?;
            let rows = stmt
                .query_map([id_array(workspaces)], squad_of)
                .map_err(sql)?;
            rows.collect::<Result<_, _>>().map_err(sql)?
        };
        for squad in &mut squads {
            squad.member_ids = squad_members(self.tx, squad.id)?;
        }
        Ok(squads)
    }

    fn insert_squad(&mut self, squad: &NewSquad) -> StoreResult<()> {
        load::insert_squad(self.tx, squad).map_err(sql)
    }

    fn archive_squad(&mut self, id: Id, leader_id: Id, now: Instant) -> StoreResult<(u64, u64)> {
        let moved = |table: &str| -> StoreResult<u64> {
            self.tx
                .prepare_cached(&format!(
                    "UPDATE {table} SET assignee_type = 'agent', assignee_id = ?2
                     WHERE assignee_type = 'squad' AND assignee_id = ?1"
                ))
                .and_then(|mut stmt| stmt.execute(params![id, leader_id]))
                .map(|n| n as u64)
                .map_err(sql)
        };
        let issues = moved("issue")?;
        let autopilots = moved("autopilot")?;
        self.tx
            .prepare_cached(
                "UPDATE squad SET archived_at = ?2 WHERE id = ?1 AND archived_at IS NULL",
            )
            .and_then(|mut stmt| stmt.execute(params![id, now]))
            .map_err(sql)?;
        Ok((issues, autopilots))
    }

    fn open_tasks(
        &mut self,
        workspaces: &[Id],
        runtime_id: Option<Id>,
    ) -> StoreResult<Vec<TaskRecord>> {
        let mut stmt = self
            .tx
            .prepare_cached(&format!(
                "SELECT id, workspace_id, agent_id, runtime_id, status, priority, created_at,
                    started_at
                 FROM task
                 WHERE workspace_id IN rarray(?1) AND status IN {unfinished}
                   AND (?2 IS NULL OR runtime_id = ?2
                        OR agent_id IN (SELECT id FROM agent WHERE runtime_id = ?2))
                 ORDER BY priority DESC, created_at, id",
                unfinished = teardown::UNFINISHED
            ))
            .map_err(sql)?;
        let rows = stmt
            .query_map(params![id_array(workspaces), runtime_id], |row| {
                Ok(TaskRecord {
                    id: row.get(0)?,
                    workspace_id: row.get(1)?,
                    agent_id: row.get(2)?,
                    runtime_id: row.get(3)?,
                    status: row.get(4)?,
                    priority: row.get(5)?,
                    created_at: row.get(6)?,
                    started_at: row.get(7)?,
                })
            })
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn autopilots(&mut self, workspaces: &[Id]) -> StoreResult<Vec<AutopilotRecord>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT id, workspace_id, name, status, pause_reason, assignee_type, assignee_id,
                    created_at
                 FROM autopilot WHERE workspace_id IN rarray(?1) ORDER BY name, id",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map([id_array(workspaces)], |row| {
                Ok(AutopilotRecord {
                    id: row.get(0)?,
                    workspace_id: row.get(1)?,
                    name: row.get(2)?,
                    status: row.get(3)?,
                    pause_reason: row.get(4)?,
                    assignee_type: assignee_type_of(&row.get::<_, String>(5)?)?,
                    assignee_id: row.get(6)?,
                    created_at: row.get(7)?,
                })
            })
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn insert_autopilot(&mut self, autopilot: &NewAutopilot) -> StoreResult<()> {
        load::insert_autopilot(self.tx, autopilot).map_err(sql)
    }

    fn usage_buckets(&mut self, runtime_id: Id, since: Instant) -> StoreResult<Vec<Bucket>> {
        usage::buckets(self.tx, runtime_id, since)
    }

    fn usage_hours(&mut self, runtime_id: Id, since: Instant) -> StoreResult<Vec<HourSeries>> {
        usage::hours(self.tx, runtime_id, since)
    }

    fn usage_rows(&mut self, runtime_id: Id, since: Instant) -> StoreResult<Vec<UsageRow>> {
        usage::rows(self.tx, runtime_id, since)
    }

    fn record_usage(&mut self, rows: &[UsageRow]) -> StoreResult<()> {
        usage::record(self.tx, rows)
    }

    fn task_starts(&mut self, runtime_id: Id, since: Instant) -> StoreResult<Vec<Option<Instant>>> {
        let mut stmt = self
            .tx
            .prepare_cached(
                "SELECT started_at FROM task WHERE runtime_id = ?1 AND started_at >= ?2",
            )
            .map_err(sql)?;
        let rows = stmt
            .query_map(params![runtime_id, since], |row| row.get(0))
            .map_err(sql)?;
        rows.collect::<Result<_, _>>().map_err(sql)
    }

    fn load_fixture(&mut self, fixture: &Fixture, now: Instant) -> StoreResult<()> {
        load::fixture(self.tx, fixture, now)
    }

    fn daemon_token(&mut self, token_sha256: &str) -> StoreResult<Option<(Id, Option<Id>)>> {
        queue::daemon_token(self.tx, token_sha256)
    }

    fn runtime_by_daemon(
        &mut self,
        workspace_id: Id,
        daemon_id: &str,
        provider: &str,
    ) -> StoreResult<Option<RuntimeRecord>> {
        queue::runtime_by_daemon(self.tx, workspace_id, daemon_id, provider)
    }

    fn upsert_runtime(&mut self, new_id: Id, r: &Registration, now: Instant) -> StoreResult<Id> {
        queue::upsert_runtime(self.tx, new_id, r, now)
    }

    fn legacy_runtimes(
        &mut self,
        workspace_id: Id,
        provider: &str,
        daemon_ids: &[String],
        except: Id,
    ) -> StoreResult<Vec<RuntimeRecord>> {
        queue::legacy_runtimes(self.tx, workspace_id, provider, daemon_ids, except)
    }

    fn merge_runtime(
        &mut self,
        from: Id,
        into: Id,
        legacy_daemon_id: &str,
    ) -> StoreResult<Vec<Id>> {
        queue::merge_runtime(self.tx, from, into, legacy_daemon_id)
    }

    fn touch_runtime(&mut self, id: Id, now: Instant) -> StoreResult<bool> {
        queue::touch_runtime(self.tx, id, now)
    }

    fn mark_runtime_online(&mut self, id: Id, now: Instant) -> StoreResult<()> {
        queue::mark_runtime_online(self.tx, id, now)
    }

    fn runtimes_by_status(&mut self, status: &str) -> StoreResult<Vec<RuntimeRecord>> {
        queue::runtimes_by_status(self.tx, status)
    }

    fn mark_offline(&mut self, ids: &[Id], stale_before: Instant) -> StoreResult<Vec<Id>> {
        queue::mark_offline(self.tx, ids, stale_before)
    }

    fn unfinished_on_runtime(&mut self, runtime_id: Id) -> StoreResult<u64> {
        queue::unfinished_on_runtime(self.tx, runtime_id)
    }

    fn collect_runtime(&mut self, id: Id, collect_before: Instant) -> StoreResult<bool> {
        queue::collect_runtime(self.tx, id, collect_before)
    }

    fn task(&mut self, id: Id) -> StoreResult<Option<TaskRow>> {
        queue::task(self.tx, id)
    }

    fn runtime_tasks(
        &mut self,
        runtime_id: Id,
        statuses: &[crate::queue::TaskStatus],
    ) -> StoreResult<Vec<TaskRow>> {
        queue::runtime_tasks(self.tx, runtime_id, statuses)
    }

    fn leases_ended(&mut self, runtime_id: Id, now: Instant) -> StoreResult<Vec<TaskRow>> {
        queue::leases_ended(self.tx, runtime_id, now)
    }

    fn in_flight_on_offline_runtimes(&mut self, limit: u64) -> StoreResult<Vec<TaskRow>> {
        queue::in_flight_on_offline_runtimes(self.tx, limit)
    }

    fn sweep_candidates(
        &mut self,
        cutoffs: &crate::queue::Cutoffs,
        limit: u64,
    ) -> StoreResult<Vec<TaskRow>> {
        queue::sweep_candidates(self.tx, cutoffs, limit)
    }

    fn queued_page(
        &mut self,
        runtime_id: Id,
        agent_id: Option<Id>,
        after: Option<&crate::queue::QueueTask>,
        limit: u64,
    ) -> StoreResult<Vec<TaskRow>> {
        queue::queued_page(self.tx, runtime_id, agent_id, after, limit)
    }

    fn in_flight_of(&mut self, agent_ids: &[Id]) -> StoreResult<Vec<TaskRow>> {
        queue::in_flight_of(self.tx, agent_ids)
    }

    fn issue_tasks(&mut self, agent_id: Id, issue_id: Id) -> StoreResult<Vec<TaskRow>> {
        queue::issue_tasks(self.tx, agent_id, issue_id)
    }

    fn insert_task(&mut self, row: &TaskRow) -> StoreResult<()> {
        queue::insert_task(self.tx, row)
    }

    fn save_task(&mut self, row: &TaskRow, was: crate::queue::TaskStatus) -> StoreResult<()> {
        queue::save_task(self.tx, row, was)
    }

    fn issue(&mut self, id: Id) -> StoreResult<Option<IssueRecord>> {
        queue::issue(self.tx, id)
    }
}

fn squad_members(tx: &rusqlite::Transaction<'_>, squad_id: Id) -> StoreResult<Vec<Id>> {
    let mut stmt = tx
        .prepare_cached("SELECT agent_id FROM squad_member WHERE squad_id = ?1 ORDER BY agent_id")
        .map_err(sql)?;
    let rows = stmt.query_map([squad_id], |row| row.get(0)).map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}
