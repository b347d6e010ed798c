//! The storage interface: what the handlers need from a database, and
//! nothing about which database it is.
//!
//! A [`Store`] runs a closure inside one transaction ([`Store::run`]); the
//! closure talks to the database only through [`Tx`]. Handlers read a
//! snapshot through `Tx`, call the core, and hand the core's decision back
//! to `Tx` to execute. SQLite implements both ([`sqlite`]); a PostgreSQL
//! implementation would implement the same two traits and leave every
//! handler as it is.

pub mod records;
pub mod sqlite;

use std::fmt;

use crate::id::Id;
use crate::teardown::{Snapshot, Step};
use crate::time::Instant;
use crate::usage::{Bucket, UsageRow};
use crate::workspace::Member;

pub use records::{
    AgentRecord, AgentUpdate, AutopilotRecord, IssueRecord, Membership, NewAgent, NewAutopilot,
    NewSquad, Registration, RuntimeFilter, RuntimeRecord, SquadRecord, TaskRecord, TaskRow, User,
};

use super::fixture::Fixture;

/// One hour of one provider and model of a runtime, every agent summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HourSeries {
    /// The hour's start (a whole UTC hour).
    pub hour_start: Instant,
    /// Provider, lowercased.
    pub provider: String,
    /// Model.
    pub model: String,
    /// The sums.
    pub usage: crate::usage::Usage,
}

/// Why a store call failed.
#[derive(Debug)]
pub enum StoreError {
    /// The database stayed locked for longer than the busy timeout.
    Busy,
    /// A write the caller planned could not be carried out as planned
    /// (a step touched fewer rows than it names, a constraint failed): the
    /// transaction is rolled back.
    Conflict {
        /// Stable code.
        code: &'static str,
        /// What happened.
        message: String,
    },
    /// Input the store cannot hold (a count beyond 2^63, a row that breaks
    /// a constraint while loading a fixture), with the path at fault.
    Invalid(crate::Error),
    /// Anything else: the database failed.
    Internal(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Busy => f.write_str("the database is busy"),
            StoreError::Conflict { code, message } => write!(f, "{message} ({code})"),
            StoreError::Invalid(e) => write!(f, "{e}"),
            StoreError::Internal(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for StoreError {}

impl From<crate::Error> for StoreError {
    fn from(e: crate::Error) -> Self {
        StoreError::Invalid(e)
    }
}

/// A store result.
pub type StoreResult<T> = Result<T, StoreError>;

/// How a transaction takes its locks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reads only: a consistent snapshot, concurrent with writers.
    Read,
    /// Writes: takes the write lock at `BEGIN` (SQLite `BEGIN IMMEDIATE`),
    /// so what the closure reads cannot change before it writes.
    Write,
}

/// A database: runs closures in transactions.
pub trait Store: Send + Sync + 'static {
    /// Runs `body` in one transaction: committed when it returns `Ok`,
    /// rolled back when it returns `Err` (or panics).
    fn run(
        &self,
        access: Access,
        body: &mut dyn FnMut(&mut dyn Tx) -> StoreResult<()>,
    ) -> StoreResult<()>;
}

impl dyn Store {
    /// A read transaction returning a value.
    pub fn read<T>(&self, body: impl FnOnce(&mut dyn Tx) -> StoreResult<T>) -> StoreResult<T> {
        self.with(Access::Read, body)
    }

    /// A write transaction returning a value.
    pub fn write<T>(&self, body: impl FnOnce(&mut dyn Tx) -> StoreResult<T>) -> StoreResult<T> {
        self.with(Access::Write, body)
    }

    /// Runs `body` in one transaction and returns its value. Any error
    /// type that a [`StoreError`] converts into may come out of `body`: an
    /// `Err` from it rolls back whatever it wrote and is returned as it is.
    pub fn with<T, E: From<StoreError>>(
        &self,
        access: Access,
        body: impl FnOnce(&mut dyn Tx) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut body = Some(body);
        let mut answer: Option<Result<T, E>> = None;
        let outcome = self.run(access, &mut |tx| {
            let body = body
                .take()
                .ok_or_else(|| StoreError::Internal("a transaction body ran twice".into()))?;
            let result = body(tx);
            let failed = result.is_err();
            answer = Some(result);
            if failed {
                // Roll back; the body's own error is returned below.
                Err(StoreError::Internal("rolled back".into()))
            } else {
                Ok(())
            }
        });
        match (answer, outcome) {
            (Some(Err(e)), _) => Err(e),
            (_, Err(e)) => Err(e.into()),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (None, Ok(())) => {
                Err(StoreError::Internal("a transaction body did not run".into()).into())
            }
        }
    }
}

/// What the handlers may ask of a database inside one transaction.
///
/// Reads return records as they are stored (secrets excluded); every rule
/// about them is the core's, called by the handlers.
pub trait Tx {
    /// The user holding a bearer token whose SHA-256 is `token_sha256`.
    fn user_by_token(&mut self, token_sha256: &str) -> StoreResult<Option<User>>;
    /// The workspaces of a user, with their role in each.
    fn memberships(&mut self, user_id: Id) -> StoreResult<Vec<Membership>>;
    /// The user as a member of `workspace_id`, if they are one.
    fn member(&mut self, workspace_id: Id, user_id: Id) -> StoreResult<Option<Member>>;

    /// A runtime.
    fn runtime(&mut self, id: Id) -> StoreResult<Option<RuntimeRecord>>;
    /// The runtimes of some workspaces, by name.
    fn runtimes(&mut self, filter: &RuntimeFilter) -> StoreResult<Vec<RuntimeRecord>>;
    /// Renames a runtime and/or changes its visibility.
    fn update_runtime(
        &mut self,
        id: Id,
        name: Option<&str>,
        visibility: Option<&str>,
    ) -> StoreResult<()>;

    /// Everything a teardown of `runtime_id` touches (SPEC §3.1).
    fn teardown_snapshot(&mut self, runtime: &RuntimeRecord) -> StoreResult<Snapshot>;
    /// Carries out one step of a teardown plan. A step that finds fewer
    /// rows than it names fails with [`StoreError::Conflict`]: the plan was
    /// made on this very transaction's snapshot, so that is a bug or a
    /// broken database, and the whole teardown rolls back.
    fn apply_step(&mut self, step: &Step, now: Instant) -> StoreResult<()>;

    /// An agent.
    fn agent(&mut self, id: Id) -> StoreResult<Option<AgentRecord>>;
    /// The agents of some workspaces, optionally of one runtime.
    fn agents(
        &mut self,
        workspaces: &[Id],
        runtime_id: Option<Id>,
    ) -> StoreResult<Vec<AgentRecord>>;
    /// Creates an agent.
    fn insert_agent(&mut self, agent: &NewAgent) -> StoreResult<()>;
    /// Changes an agent.
    fn update_agent(&mut self, id: Id, update: &AgentUpdate) -> StoreResult<()>;

    /// A squad.
    fn squad(&mut self, id: Id) -> StoreResult<Option<SquadRecord>>;
    /// The squads of some workspaces.
    fn squads(&mut self, workspaces: &[Id]) -> StoreResult<Vec<SquadRecord>>;
    /// Creates a squad with its members.
    fn insert_squad(&mut self, squad: &NewSquad) -> StoreResult<()>;
    /// Moves every issue and autopilot assigned to the squad to `leader_id`,
    /// then archives the squad. Returns (issues moved, autopilots moved).
    fn archive_squad(&mut self, id: Id, leader_id: Id, now: Instant) -> StoreResult<(u64, u64)>;

    /// The autopilots of some workspaces.
    fn autopilots(&mut self, workspaces: &[Id]) -> StoreResult<Vec<AutopilotRecord>>;
    /// Creates an autopilot.
    fn insert_autopilot(&mut self, autopilot: &NewAutopilot) -> StoreResult<()>;

    /// The unfinished tasks of some workspaces; with `runtime_id`, only
    /// those on that runtime or of an agent bound to it.
    fn open_tasks(
        &mut self,
        workspaces: &[Id],
        runtime_id: Option<Id>,
    ) -> StoreResult<Vec<TaskRecord>>;

    /// The rollup buckets of a runtime starting at or after `since`.
    fn usage_buckets(&mut self, runtime_id: Id, since: Instant) -> StoreResult<Vec<Bucket>>;
    /// The rollup of a runtime summed over agents into whole UTC hours,
    /// for hours starting at or after `since`.
    fn usage_hours(&mut self, runtime_id: Id, since: Instant) -> StoreResult<Vec<HourSeries>>;
    /// The raw usage rows of a runtime created at or after `since`.
    fn usage_rows(&mut self, runtime_id: Id, since: Instant) -> StoreResult<Vec<UsageRow>>;
    /// Upserts raw usage rows and recomputes the rollup buckets they touch.
    fn record_usage(&mut self, rows: &[UsageRow]) -> StoreResult<()>;
    /// When the runtime's tasks started, for tasks started at or after `since`.
    fn task_starts(&mut self, runtime_id: Id, since: Instant) -> StoreResult<Vec<Option<Instant>>>;

    /// Loads a checked fixture; rows without `created_at` get `now`.
    fn load_fixture(&mut self, fixture: &Fixture, now: Instant) -> StoreResult<()>;

    // The runtime registry and the task queue (SPEC §7).

    /// The workspace of the daemon token whose SHA-256 is `token_sha256`,
    /// and the member it runs for, if it names one.
    fn daemon_token(&mut self, token_sha256: &str) -> StoreResult<Option<(Id, Option<Id>)>>;
    /// The runtime a daemon registered for a provider in a workspace.
    fn runtime_by_daemon(
        &mut self,
        workspace_id: Id,
        daemon_id: &str,
        provider: &str,
    ) -> StoreResult<Option<RuntimeRecord>>;
    /// Registers a runtime: inserts it with `new_id` (online, seen `now`,
    /// private), or, when the workspace, daemon id and provider are taken,
    /// updates that row (online, seen `now`, its name and what the daemon
    /// says about itself; its owner kept unless the registration names
    /// one). Returns the runtime's id.
    fn upsert_runtime(
        &mut self,
        new_id: Id,
        registration: &Registration,
        now: Instant,
    ) -> StoreResult<Id>;
    /// The other runtimes of a workspace and provider whose daemon id is one
    /// of `daemon_ids`, ignoring case.
    fn legacy_runtimes(
        &mut self,
        workspace_id: Id,
        provider: &str,
        daemon_ids: &[String],
        except: Id,
    ) -> StoreResult<Vec<RuntimeRecord>>;
    /// Moves the agents, tasks and chat sessions of `from` to `into`,
    /// deletes `from`, and remembers `legacy_daemon_id` on `into` unless it
    /// remembers one already. Returns the agents moved.
    fn merge_runtime(&mut self, from: Id, into: Id, legacy_daemon_id: &str)
    -> StoreResult<Vec<Id>>;
    /// Bumps `last_seen_at` of a runtime that is still online; `false` when
    /// no row changed.
    fn touch_runtime(&mut self, id: Id, now: Instant) -> StoreResult<bool>;
    /// Marks a runtime online, seen `now`.
    fn mark_runtime_online(&mut self, id: Id, now: Instant) -> StoreResult<()>;
    /// Every runtime with this status, in every workspace.
    fn runtimes_by_status(&mut self, status: &str) -> StoreResult<Vec<RuntimeRecord>>;
    /// Flips to offline those of `ids` still online and still last seen
    /// before `stale_before`, checked in the same statement; returns them.
    fn mark_offline(&mut self, ids: &[Id], stale_before: Instant) -> StoreResult<Vec<Id>>;
    /// How many unfinished tasks are on a runtime.
    fn unfinished_on_runtime(&mut self, runtime_id: Id) -> StoreResult<u64>;
    /// Deletes a runtime that is still offline, last seen before
    /// `collect_before`, with no agent bound and no unfinished task (all
    /// checked again in the deleting statement); its finished tasks stay,
    /// detached. `true` when it was deleted.
    fn collect_runtime(&mut self, id: Id, collect_before: Instant) -> StoreResult<bool>;

    /// A task.
    fn task(&mut self, id: Id) -> StoreResult<Option<TaskRow>>;
    /// The tasks of a runtime with one of `statuses`, oldest first.
    fn runtime_tasks(
        &mut self,
        runtime_id: Id,
        statuses: &[crate::queue::TaskStatus],
    ) -> StoreResult<Vec<TaskRow>>;
    /// A runtime's dispatched tasks whose lease ended before `now`.
    fn leases_ended(&mut self, runtime_id: Id, now: Instant) -> StoreResult<Vec<TaskRow>>;
    /// Up to `limit` dispatched, running and waiting tasks on runtimes that
    /// are offline.
    fn in_flight_on_offline_runtimes(&mut self, limit: u64) -> StoreResult<Vec<TaskRow>>;
    /// Queued tasks created, dispatched tasks dispatched, and running tasks
    /// started before the cutoffs: up to `limit` of each.
    fn sweep_candidates(
        &mut self,
        cutoffs: &crate::queue::Cutoffs,
        limit: u64,
    ) -> StoreResult<Vec<TaskRow>>;
    /// One page of a runtime's queued tasks (of one agent, when given), in
    /// claim order (priority, highest first; age; id), after `after`.
    fn queued_page(
        &mut self,
        runtime_id: Id,
        agent_id: Option<Id>,
        after: Option<&crate::queue::QueueTask>,
        limit: u64,
    ) -> StoreResult<Vec<TaskRow>>;
    /// The dispatched and running tasks of these agents.
    fn in_flight_of(&mut self, agent_ids: &[Id]) -> StoreResult<Vec<TaskRow>>;
    /// Every task of an agent on an issue.
    fn issue_tasks(&mut self, agent_id: Id, issue_id: Id) -> StoreResult<Vec<TaskRow>>;
    /// Inserts a task.
    fn insert_task(&mut self, row: &TaskRow) -> StoreResult<()>;
    /// Stores a task's new state if its status is still `was`; a
    /// [`StoreError::Conflict`] (`task_state_conflict`) otherwise.
    fn save_task(&mut self, row: &TaskRow, was: crate::queue::TaskStatus) -> StoreResult<()>;
    /// An issue.
    fn issue(&mut self, id: Id) -> StoreResult<Option<IssueRecord>>;
}
