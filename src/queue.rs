//! The task queue (SPEC §7): which task a runtime claims next, what a
//! claim token allows, when a failed task gets another attempt, which
//! session a new task resumes, and when the sweeper steps in.
//!
//! Every rule here decides; the host carries out. The server reads the
//! rows in one transaction, asks these functions, and writes what they
//! answer; new claim tokens and ids come from the host, so the same rows
//! and the same `now` always give the same answer.
//!
//! ```
//! use runtime_rules::queue::{check_lease, claim_next, ClaimInput, LeaseAction, LeaseCheck, QueueTask};
//! use runtime_rules::{decode, Id, Instant};
//! use serde_json::json;
//!
//! let now = Instant::parse("2026-05-19T16:00:00Z", "now")?;
//! let input: ClaimInput = decode("input", json!({
//!     "runtime_id": "33333333-0000-4000-8000-000000000001",
//!     "tasks": [
//!         { "id": "55555555-0000-4000-8000-000000000001", "status": "queued", "priority": 0,
//!           "agent_id": "44444444-0000-4000-8000-000000000001",
//!           "runtime_id": "33333333-0000-4000-8000-000000000001",
//!           "created_at": "2026-05-19T15:00:00Z" },
//!         { "id": "55555555-0000-4000-8000-000000000002", "status": "queued", "priority": 5,
//!           "agent_id": "44444444-0000-4000-8000-000000000001",
//!           "runtime_id": "33333333-0000-4000-8000-000000000001",
//!           "created_at": "2026-05-19T15:30:00Z" }
//!     ]
//! }))?;
//! let token = Id::parse("66666666-0000-4000-8000-000000000001").unwrap();
//! let claim = claim_next(&input, token, now).unwrap();
//! // Priority before age; the lease lasts 60 s.
//! assert_eq!(claim.task_id.to_string(), "55555555-0000-4000-8000-000000000002");
//! assert_eq!(claim.claim_expires_at.to_string(), "2026-05-19T16:01:00Z");
//!
//! // A daemon holding an old token cannot start the task.
//! let task: QueueTask = decode("task", json!({
//!     "id": "55555555-0000-4000-8000-000000000002", "status": "dispatched",
//!     "agent_id": "44444444-0000-4000-8000-000000000001",
//!     "created_at": "2026-05-19T15:30:00Z",
//!     "claim_token": "66666666-0000-4000-8000-000000000001",
//!     "claim_expires_at": "2026-05-19T16:01:00Z"
//! }))?;
//! let stale = Id::parse("66666666-0000-4000-8000-000000000009").ok();
//! assert_eq!(
//!     serde_json::to_value(check_lease(&task, LeaseAction::Start, stale, now)).unwrap(),
//!     json!({ "type": "conflict", "reason": "claim_superseded" })
//! );
//! # Ok::<(), runtime_rules::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::liveness::{AgentState, RuntimeState};
use crate::number::{count, integer};
use crate::time::{DAY, Instant};

/// How often a daemon heartbeats, in seconds.
pub const HEARTBEAT_SECS: i64 = 15;
/// An online runtime whose last heartbeat is older than this is stale.
pub const STALE_SECS: i64 = 150;
/// How often the sweeper runs, in seconds.
pub const SWEEP_SECS: i64 = 30;
/// An offline runtime nothing keeps is collected after this long.
pub const COLLECT_SECS: i64 = 7 * DAY;
/// How long a claim lease lasts.
pub const LEASE_SECS: i64 = 60;
/// A dispatched task not started within this long times out.
pub const DISPATCH_TIMEOUT_SECS: i64 = 300;
/// A running task not finished within this long times out.
pub const RUNNING_TIMEOUT_SECS: i64 = 9000;
/// A queued task not claimed within this long expires.
pub const QUEUED_TTL_SECS: i64 = 7200;
/// Attempts a task gets when it does not say.
pub const DEFAULT_MAX_ATTEMPTS: u64 = 2;

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Waiting to be claimed.
    Queued,
    /// Claimed by a runtime, not started yet.
    Dispatched,
    /// Started.
    Running,
    /// Waiting for its local directory.
    WaitingLocalDirectory,
    /// Done.
    Completed,
    /// Failed.
    Failed,
    /// Cancelled.
    Cancelled,
}

impl TaskStatus {
    /// Every status, unfinished ones first.
    pub const ALL: [TaskStatus; 7] = [
        TaskStatus::Queued,
        TaskStatus::Dispatched,
        TaskStatus::Running,
        TaskStatus::WaitingLocalDirectory,
        TaskStatus::Completed,
        TaskStatus::Failed,
        TaskStatus::Cancelled,
    ];

    /// The status as stored and sent.
    pub const fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Queued => "queued",
            TaskStatus::Dispatched => "dispatched",
            TaskStatus::Running => "running",
            TaskStatus::WaitingLocalDirectory => "waiting_local_directory",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
        }
    }

    /// Completed, failed or cancelled: nothing more happens to it.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }

    /// Dispatched or running: a runtime holds it.
    pub const fn is_in_flight(self) -> bool {
        matches!(self, TaskStatus::Dispatched | TaskStatus::Running)
    }
}

/// A task as the queue rules read it. Fields other than these are ignored,
/// so a stored task can be passed as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueTask {
    /// The task.
    pub id: Id,
    /// The agent that runs it.
    pub agent_id: Id,
    /// The runtime it is queued on; `null` once detached.
    #[serde(default)]
    pub runtime_id: Option<Id>,
    /// The issue it works on, if any.
    #[serde(default)]
    pub issue_id: Option<Id>,
    /// The chat session it answers, if any.
    #[serde(default)]
    pub chat_session_id: Option<Id>,
    /// The autopilot run that made it, if any.
    #[serde(default)]
    pub autopilot_run_id: Option<Id>,
    /// Where it is.
    pub status: TaskStatus,
    /// Higher runs first.
    #[serde(default, deserialize_with = "integer")]
    pub priority: i64,
    /// When it was queued.
    pub created_at: Instant,
    /// When a runtime claimed it.
    #[serde(default)]
    pub dispatched_at: Option<Instant>,
    /// When it started.
    #[serde(default)]
    pub started_at: Option<Instant>,
    /// When it completed, failed or was cancelled.
    #[serde(default)]
    pub finished_at: Option<Instant>,
    /// The token of its current claim; kept until it ends.
    #[serde(default)]
    pub claim_token: Option<Id>,
    /// When the current claim's lease runs out (while dispatched).
    #[serde(default)]
    pub claim_expires_at: Option<Instant>,
    /// Which attempt this is, from 1.
    #[serde(default = "first_attempt", deserialize_with = "count")]
    pub attempt: u64,
    /// How many attempts it may have.
    #[serde(default = "default_max_attempts", deserialize_with = "count")]
    pub max_attempts: u64,
    /// The task this one retries.
    #[serde(default)]
    pub parent_task_id: Option<Id>,
    /// Why it failed.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// What the daemon said when it failed.
    #[serde(default)]
    pub error: Option<String>,
    /// The agent's session, once it has one.
    #[serde(default)]
    pub session_id: Option<String>,
    /// The agent's working directory, once it has one.
    #[serde(default)]
    pub work_dir: Option<String>,
}

fn first_attempt() -> u64 {
    1
}

fn default_max_attempts() -> u64 {
    DEFAULT_MAX_ATTEMPTS
}

// Claims

/// What an agent's tasks queue behind: one at a time per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum SerializationKey {
    /// Its issue.
    Issue(Id),
    /// Its chat session (a task with no issue).
    ChatSession(Id),
    /// A quick task: no issue, chat session or autopilot run.
    NoLink,
}

/// The key `task` queues behind, or `None` for an autopilot run with no
/// issue or chat session (such runs never wait for each other).
pub fn serialization_key(task: &QueueTask) -> Option<SerializationKey> {
    match (task.issue_id, task.chat_session_id, task.autopilot_run_id) {
        (Some(issue), _, _) => Some(SerializationKey::Issue(issue)),
        (None, Some(chat), _) => Some(SerializationKey::ChatSession(chat)),
        (None, None, None) => Some(SerializationKey::NoLink),
        (None, None, Some(_)) => None,
    }
}

/// What a runtime's claim looks at.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClaimInput {
    /// The runtime claiming.
    pub runtime_id: Id,
    /// Only this agent's tasks; `null` (or absent) for any agent's.
    #[serde(default)]
    pub agent_id: Option<Id>,
    /// The agents whose tasks may be claimed, when known: an archived one
    /// gets nothing, and one already running `max_concurrent_tasks` tasks
    /// gets nothing more. An agent missing from the list has no limit.
    #[serde(default)]
    pub agents: Vec<AgentState>,
    /// The queued tasks of the runtime and the dispatched and running
    /// tasks of their agents (other tasks are ignored).
    pub tasks: Vec<QueueTask>,
}

/// A claim: the task, its new status and lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Claim {
    /// The task claimed.
    pub task_id: Id,
    /// Always `dispatched`.
    pub status: TaskStatus,
    /// The token the daemon must present to start, complete or fail it.
    pub claim_token: Id,
    /// When the claim was made.
    pub dispatched_at: Instant,
    /// When the lease runs out: `now` + 60 s.
    pub claim_expires_at: Instant,
}

/// The task the runtime claims next, with `claim_token` (a fresh random
/// id from the host) and a 60-second lease; `None` when nothing is
/// claimable.
///
/// Candidates are the `queued` tasks on `runtime_id` (of `agent_id` when
/// given). A candidate waits while another task of the same agent with the
/// same [`serialization_key`] is dispatched or running, while its agent is
/// archived, and while its agent already has `max_concurrent_tasks` tasks
/// dispatched or running. The first candidate by priority (highest first),
/// then age (oldest first), then id wins.
pub fn claim_next(input: &ClaimInput, claim_token: Id, now: Instant) -> Option<Claim> {
    let busy = |agent_id: Id, key: Option<SerializationKey>| {
        key.is_some_and(|key| {
            input.tasks.iter().any(|other| {
                other.agent_id == agent_id
                    && other.status.is_in_flight()
                    && serialization_key(other) == Some(key)
            })
        })
    };
    let full = |agent_id: Id| {
        input.agents.iter().any(|agent| {
            agent.id == agent_id
                && (agent.archived_at.is_some()
                    || agent.max_concurrent_tasks.is_some_and(|most| {
                        let held = input
                            .tasks
                            .iter()
                            .filter(|t| t.agent_id == agent_id && t.status.is_in_flight())
                            .count() as u64;
                        held >= most
                    }))
        })
    };
    input
        .tasks
        .iter()
        .filter(|task| {
            task.status == TaskStatus::Queued
                && task.runtime_id == Some(input.runtime_id)
                && input.agent_id.is_none_or(|agent| task.agent_id == agent)
        })
        .filter(|task| !busy(task.agent_id, serialization_key(task)) && !full(task.agent_id))
        .min_by(|a, b| {
            b.priority
                .cmp(&a.priority)
                .then(a.created_at.cmp(&b.created_at))
                .then(a.id.cmp(&b.id))
        })
        .map(|task| Claim {
            task_id: task.id,
            status: TaskStatus::Dispatched,
            claim_token,
            dispatched_at: now,
            claim_expires_at: now.saturating_add_secs(LEASE_SECS),
        })
}

/// Whether `task`'s claim lease ran out before `now`: dispatched, with a
/// lease ending strictly before `now`. Only the runtime that holds such a
/// task requeues it, when it next claims (it proves it is alive by
/// claiming); a runtime that died keeps it until the sweeper fails it.
pub fn lease_expired(task: &QueueTask, now: Instant) -> bool {
    task.status == TaskStatus::Dispatched && task.claim_expires_at.is_some_and(|end| end < now)
}

// Claim tokens

/// What a daemon asks to do with a claimed task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseAction {
    /// dispatched → running.
    Start,
    /// running → completed.
    Complete,
    /// dispatched or running → failed.
    Fail,
}

/// Why a daemon may not do what it asked (HTTP 409, with this as the code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaseConflict {
    /// The task was claimed with a token and the request has none.
    ClaimTokenRequired,
    /// The token is not the task's (another claim superseded it, or the
    /// task was never claimed with one).
    ClaimSuperseded,
    /// The claim's lease ran out before the start.
    ClaimExpired,
    /// The task is not in a state the action applies to.
    TaskStateConflict,
}

impl LeaseConflict {
    /// The stable code.
    pub const fn as_str(self) -> &'static str {
        match self {
            LeaseConflict::ClaimTokenRequired => "claim_token_required",
            LeaseConflict::ClaimSuperseded => "claim_superseded",
            LeaseConflict::ClaimExpired => "claim_expired",
            LeaseConflict::TaskStateConflict => "task_state_conflict",
        }
    }
}

/// The answer to a daemon's start, complete or fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LeaseCheck {
    /// Go ahead.
    Proceed,
    /// The same start again on a task it already started (its first
    /// answer was lost): answer with the task, change nothing.
    AlreadyDone,
    /// Refused.
    Conflict {
        /// Why.
        reason: LeaseConflict,
    },
}

/// Whether the daemon presenting `claim_token` (`None`: no token) may
/// `action` the task at `now`.
///
/// A task that ended refuses everything (`task_state_conflict`). Otherwise
/// the token comes first: a task claimed with a token needs that token
/// (`claim_token_required`, `claim_superseded`), and a task claimed
/// without one (loaded from elsewhere) takes none. Then the state: start
/// needs `dispatched` with its lease not yet over (`claim_expired`; the
/// lease's last instant still counts) — except that repeating a start on a
/// task already running with the same token is [`LeaseCheck::AlreadyDone`];
/// complete needs `running`; fail needs `dispatched` (lease not over) or
/// `running`.
pub fn check_lease(
    task: &QueueTask,
    action: LeaseAction,
    claim_token: Option<Id>,
    now: Instant,
) -> LeaseCheck {
    let conflict = |reason| LeaseCheck::Conflict { reason };
    if task.status.is_terminal() {
        return conflict(LeaseConflict::TaskStateConflict);
    }
    match (task.claim_token, claim_token) {
        (Some(_), None) => return conflict(LeaseConflict::ClaimTokenRequired),
        (held, given) if held != given => return conflict(LeaseConflict::ClaimSuperseded),
        _ => {}
    }
    let lease_over = task.claim_expires_at.is_some_and(|end| end < now);
    match (action, task.status) {
        (LeaseAction::Start, TaskStatus::Running) if claim_token.is_some() => {
            LeaseCheck::AlreadyDone
        }
        (LeaseAction::Start | LeaseAction::Fail, TaskStatus::Dispatched) if lease_over => {
            conflict(LeaseConflict::ClaimExpired)
        }
        (LeaseAction::Start | LeaseAction::Fail, TaskStatus::Dispatched)
        | (LeaseAction::Complete | LeaseAction::Fail, TaskStatus::Running) => LeaseCheck::Proceed,
        _ => conflict(LeaseConflict::TaskStateConflict),
    }
}

// Transitions: what a task becomes when a step is allowed

/// What a daemon (or the sweeper) says about a failure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Failure {
    /// What went wrong, in words.
    #[serde(default)]
    pub error: Option<String>,
    /// Why, as a reason code; `agent_error` when not given.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// The session reached, when the daemon knows it.
    #[serde(default)]
    pub session_id: Option<String>,
    /// The working directory, when the daemon knows it.
    #[serde(default)]
    pub work_dir: Option<String>,
}

/// `task` claimed as `claim` says: dispatched, with its token and lease.
pub fn dispatched(task: &QueueTask, claim: &Claim) -> QueueTask {
    QueueTask {
        status: TaskStatus::Dispatched,
        dispatched_at: Some(claim.dispatched_at),
        claim_token: Some(claim.claim_token),
        claim_expires_at: Some(claim.claim_expires_at),
        ..task.clone()
    }
}

/// `task` back in the queue after its lease ran out: no claim, no lease.
pub fn requeued(task: &QueueTask) -> QueueTask {
    QueueTask {
        status: TaskStatus::Queued,
        dispatched_at: None,
        claim_token: None,
        claim_expires_at: None,
        ..task.clone()
    }
}

/// `task` started at `now`: running, its lease over (the token stays until
/// it ends, so a repeated start can be recognised).
pub fn started(task: &QueueTask, now: Instant) -> QueueTask {
    QueueTask {
        status: TaskStatus::Running,
        started_at: Some(task.started_at.unwrap_or(now)),
        claim_expires_at: None,
        ..task.clone()
    }
}

/// `task` completed at `now`; the session and working directory it
/// reports replace the known ones, which are kept when it reports none.
pub fn completed(
    task: &QueueTask,
    session_id: Option<String>,
    work_dir: Option<String>,
    now: Instant,
) -> QueueTask {
    QueueTask {
        status: TaskStatus::Completed,
        finished_at: Some(now),
        claim_expires_at: None,
        session_id: session_id.or_else(|| task.session_id.clone()),
        work_dir: work_dir.or_else(|| task.work_dir.clone()),
        ..task.clone()
    }
}

/// `task` failed at `now`: `failure_reason` defaults to `agent_error`;
/// the session and working directory are kept when not given.
pub fn failed(task: &QueueTask, failure: Failure, now: Instant) -> QueueTask {
    QueueTask {
        status: TaskStatus::Failed,
        finished_at: Some(now),
        claim_expires_at: None,
        failure_reason: Some(
            failure
                .failure_reason
                .unwrap_or_else(|| "agent_error".to_owned()),
        ),
        error: failure.error,
        session_id: failure.session_id.or_else(|| task.session_id.clone()),
        work_dir: failure.work_dir.or_else(|| task.work_dir.clone()),
        ..task.clone()
    }
}

/// `task` cancelled at `now`.
pub fn cancelled(task: &QueueTask, now: Instant) -> QueueTask {
    QueueTask {
        status: TaskStatus::Cancelled,
        finished_at: Some(now),
        claim_expires_at: None,
        ..task.clone()
    }
}

/// Whether a daemon may pin a session and working directory on `task`
/// mid-flight (SPEC §7's session route carries no token): only while it is
/// dispatched or running, and a claim token, when one is sent, must be the
/// task's (a superseded daemon's session is not this task's). A task that
/// ended refuses first, as in [`check_lease`].
pub fn check_pin(task: &QueueTask, claim_token: Option<Id>) -> LeaseCheck {
    let conflict = |reason| LeaseCheck::Conflict { reason };
    if task.status.is_terminal() {
        conflict(LeaseConflict::TaskStateConflict)
    } else if claim_token.is_some() && claim_token != task.claim_token {
        conflict(LeaseConflict::ClaimSuperseded)
    } else if !task.status.is_in_flight() {
        conflict(LeaseConflict::TaskStateConflict)
    } else {
        LeaseCheck::Proceed
    }
}

/// `task` with the session and working directory a daemon pinned; each is
/// kept when not given.
pub fn pinned(task: &QueueTask, session_id: Option<String>, work_dir: Option<String>) -> QueueTask {
    QueueTask {
        session_id: session_id.or_else(|| task.session_id.clone()),
        work_dir: work_dir.or_else(|| task.work_dir.clone()),
        ..task.clone()
    }
}

// Retries

/// The failure reasons worth another attempt: the machine failed, not the
/// work.
pub const RETRYABLE_REASONS: [&str; 4] = [
    "runtime_offline",
    "runtime_recovery",
    "timeout",
    "codex_semantic_inactivity",
];

/// Why a failed task does or does not get another attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryReason {
    /// It gets one.
    Retryable,
    /// It has not failed.
    NotFailed,
    /// Its failure reason is not on the allow-list.
    ReasonNotRetryable,
    /// It had all its attempts.
    AttemptsExhausted,
    /// It is an autopilot run: the next run is the retry.
    AutopilotRun,
    /// It has no issue or chat session to carry the new attempt.
    NoLink,
}

/// Whether a failed task gets another attempt, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RetryDecision {
    /// `true`: queue a new attempt ([`retry_of`]).
    pub retry: bool,
    /// Why.
    pub reason: RetryReason,
}

/// A task as the retry rule reads it (SPEC §8.1): a stored task or a
/// [`QueueTask`] can be passed as it is; other fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryTask {
    /// Where it is.
    pub status: TaskStatus,
    /// Why it failed.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// Which attempt this is, from 1 (the default).
    #[serde(default = "first_attempt", deserialize_with = "count")]
    pub attempt: u64,
    /// How many attempts it may have; 2 when absent.
    #[serde(default = "default_max_attempts", deserialize_with = "count")]
    pub max_attempts: u64,
    /// The autopilot run that made it, if any.
    #[serde(default)]
    pub autopilot_run_id: Option<Id>,
    /// The issue it works on, if any.
    #[serde(default)]
    pub issue_id: Option<Id>,
    /// The chat session it answers, if any.
    #[serde(default)]
    pub chat_session_id: Option<Id>,
}

impl From<&QueueTask> for RetryTask {
    fn from(task: &QueueTask) -> Self {
        RetryTask {
            status: task.status,
            failure_reason: task.failure_reason.clone(),
            attempt: task.attempt,
            max_attempts: task.max_attempts,
            autopilot_run_id: task.autopilot_run_id,
            issue_id: task.issue_id,
            chat_session_id: task.chat_session_id,
        }
    }
}

/// Whether `task` gets a new queued attempt: it failed, with a reason in
/// [`RETRYABLE_REASONS`], `attempt < max_attempts`, it is not an autopilot
/// run, and it has an issue or a chat session (checked in that order; the
/// first that fails is the reason).
pub fn retry_decision(task: &RetryTask) -> RetryDecision {
    let reason = if task.status != TaskStatus::Failed {
        RetryReason::NotFailed
    } else if !task
        .failure_reason
        .as_deref()
        .is_some_and(|reason| RETRYABLE_REASONS.contains(&reason))
    {
        RetryReason::ReasonNotRetryable
    } else if task.attempt >= task.max_attempts {
        RetryReason::AttemptsExhausted
    } else if task.autopilot_run_id.is_some() {
        RetryReason::AutopilotRun
    } else if task.issue_id.is_none() && task.chat_session_id.is_none() {
        RetryReason::NoLink
    } else {
        RetryReason::Retryable
    };
    RetryDecision {
        retry: reason == RetryReason::Retryable,
        reason,
    }
}

/// A new task of `agent_id`, queued at `now` with the id `id` on
/// `runtime_id` (on `issue_id` when given): attempt 1 of
/// [`DEFAULT_MAX_ATTEMPTS`], nothing claimed, started or reported yet.
pub fn queued_task(
    id: Id,
    agent_id: Id,
    runtime_id: Option<Id>,
    issue_id: Option<Id>,
    priority: i64,
    now: Instant,
) -> QueueTask {
    QueueTask {
        id,
        agent_id,
        runtime_id,
        issue_id,
        chat_session_id: None,
        autopilot_run_id: None,
        status: TaskStatus::Queued,
        priority,
        created_at: now,
        dispatched_at: None,
        started_at: None,
        finished_at: None,
        claim_token: None,
        claim_expires_at: None,
        attempt: 1,
        max_attempts: DEFAULT_MAX_ATTEMPTS,
        parent_task_id: None,
        failure_reason: None,
        error: None,
        session_id: None,
        work_dir: None,
    }
}

/// The new attempt of `parent`, queued at `now` with the id `id`: the same
/// agent, runtime, links, priority, session and working directory;
/// `attempt + 1` of the same `max_attempts`.
pub fn retry_of(parent: &QueueTask, id: Id, now: Instant) -> QueueTask {
    QueueTask {
        chat_session_id: parent.chat_session_id,
        autopilot_run_id: parent.autopilot_run_id,
        attempt: parent.attempt.saturating_add(1),
        max_attempts: parent.max_attempts,
        parent_task_id: Some(parent.id),
        session_id: parent.session_id.clone(),
        work_dir: parent.work_dir.clone(),
        ..queued_task(
            id,
            parent.agent_id,
            parent.runtime_id,
            parent.issue_id,
            parent.priority,
            now,
        )
    }
}

// Session resume

/// The failure reasons that poison a session: resuming it would replay a
/// conversation the agent cannot get past.
pub const POISONED_REASONS: [&str; 3] = [
    "iteration_limit",
    "agent_fallback_message",
    "api_invalid_request",
];

/// A session a new task can resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resume {
    /// The session.
    pub session_id: String,
    /// Its working directory, if known.
    pub work_dir: Option<String>,
    /// The runtime of the row it comes from.
    pub runtime_id: Option<Id>,
    /// The row it comes from.
    pub task_id: Id,
}

/// The session a new task of `agent_id` on `issue_id` resumes, if any.
///
/// Among that agent's tasks on that issue with a session id, the newest
/// ended row of each session decides for the session (newest by
/// `finished_at`, else `started_at`, else `dispatched_at`, else
/// `created_at`; then by id). The session is usable when that row
/// completed, was cancelled, or failed for a reason outside
/// [`POISONED_REASONS`] with an error text that does not contain both
/// `400` and `invalid_request_error` (in any case). The usable session
/// whose deciding row is newest is resumed. A poisoned turn therefore ends
/// its session even when earlier turns of it were fine.
pub fn session_to_resume(tasks: &[QueueTask], agent_id: Id, issue_id: Id) -> Option<Resume> {
    let when = |t: &QueueTask| {
        (
            t.finished_at
                .or(t.started_at)
                .or(t.dispatched_at)
                .unwrap_or(t.created_at),
            t.id,
        )
    };
    let rows: Vec<&QueueTask> = tasks
        .iter()
        .filter(|t| {
            t.agent_id == agent_id
                && t.issue_id == Some(issue_id)
                && t.status.is_terminal()
                && t.session_id.is_some()
        })
        .collect();
    let newest_of_its_session = |t: &QueueTask| {
        !rows
            .iter()
            .any(|other| other.session_id == t.session_id && when(other) > when(t))
    };
    rows.iter()
        .filter(|t| newest_of_its_session(t) && !poisoned(t))
        .max_by_key(|t| when(t))
        .and_then(|t| {
            Some(Resume {
                session_id: t.session_id.clone()?,
                work_dir: t.work_dir.clone(),
                runtime_id: t.runtime_id,
                task_id: t.id,
            })
        })
}

fn poisoned(task: &QueueTask) -> bool {
    if task.status != TaskStatus::Failed {
        return false;
    }
    let reason = task.failure_reason.as_deref().unwrap_or("");
    let error = task.error.as_deref().unwrap_or("").to_ascii_lowercase();
    POISONED_REASONS.contains(&reason)
        || (error.contains("400") && error.contains("invalid_request_error"))
}

// The sweeper

/// The instants the sweeper compares with at `now`: a row is past a limit
/// when its instant is strictly before the cutoff. The server puts these
/// into its SQL, so its statements and the predicates below draw the same
/// line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Cutoffs {
    /// An online runtime last seen before this is stale.
    pub stale_before: Instant,
    /// An offline runtime last seen before this may be collected.
    pub collect_before: Instant,
    /// A dispatched task dispatched before this timed out.
    pub dispatched_before: Instant,
    /// A running task started before this timed out.
    pub running_before: Instant,
    /// A queued task created before this expired.
    pub queued_before: Instant,
}

/// The sweeper's cutoffs at `now`.
pub fn cutoffs(now: Instant) -> Cutoffs {
    Cutoffs {
        stale_before: now.saturating_add_secs(-STALE_SECS),
        collect_before: now.saturating_add_secs(-COLLECT_SECS),
        dispatched_before: now.saturating_add_secs(-DISPATCH_TIMEOUT_SECS),
        running_before: now.saturating_add_secs(-RUNNING_TIMEOUT_SECS),
        queued_before: now.saturating_add_secs(-QUEUED_TTL_SECS),
    }
}

/// What a heartbeat does to its runtime's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Heartbeat {
    /// The row is online: bump `last_seen_at` only, and only while it is
    /// still online (a sweeper that just flipped it must not be undone
    /// silently: when no row changed, come online instead).
    Touch,
    /// The row is offline: mark it online with `last_seen_at`, a real
    /// change of state that others hear about.
    ComeOnline,
}

/// What a heartbeat does to `runtime` as last read.
pub fn heartbeat(runtime: &RuntimeState) -> Heartbeat {
    if runtime.status == "online" {
        Heartbeat::Touch
    } else {
        Heartbeat::ComeOnline
    }
}

/// Whether the sweeper takes `runtime` offline at `now`: it is online and
/// last seen before [`Cutoffs::stale_before`] (150 s ago), or never seen.
pub fn is_stale(runtime: &RuntimeState, now: Instant) -> bool {
    runtime.status == "online"
        && runtime
            .last_seen_at
            .is_none_or(|seen| seen < cutoffs(now).stale_before)
}

/// Why the sweeper fails `task` at `now`, if it does: `timeout` for a
/// task dispatched more than 300 s ago or running for more than 9000 s,
/// `queued_expired` for one queued more than 7200 s ago. (Tasks of an
/// offline runtime fail with `runtime_offline`; that needs the runtime,
/// not the task.)
pub fn sweep_reason(task: &QueueTask, now: Instant) -> Option<&'static str> {
    let limits = cutoffs(now);
    let before = |at: Option<Instant>, cutoff: Instant| at.is_some_and(|at| at < cutoff);
    match task.status {
        TaskStatus::Dispatched if before(task.dispatched_at, limits.dispatched_before) => {
            Some("timeout")
        }
        TaskStatus::Running if before(task.started_at, limits.running_before) => Some("timeout"),
        TaskStatus::Queued if before(Some(task.created_at), limits.queued_before) => {
            Some("queued_expired")
        }
        _ => None,
    }
}

/// Whether the collector deletes `runtime` at `now`: not online, last seen
/// (never-seen runtimes are kept) before [`Cutoffs::collect_before`] (7
/// days ago), no agent bound (`bound_agent_count` 0 or unknown, as in
/// [`crate::liveness::runtime_health`]) and `unfinished_tasks` 0.
pub fn is_collectable(runtime: &RuntimeState, unfinished_tasks: u64, now: Instant) -> bool {
    runtime.status != "online"
        && runtime
            .last_seen_at
            .is_some_and(|seen| seen < cutoffs(now).collect_before)
        && runtime.bound_agent_count.unwrap_or(0) == 0
        && unfinished_tasks == 0
}

// Legacy daemon ids

/// The daemon ids a machine may have registered under before daemon ids
/// were persistent UUIDs, from its hostname and profile.
///
/// The hostname is trimmed (blank: none at all). Hostnames drift between
/// `host` and `host.local`, so both forms are candidates whichever is
/// current (one trailing `.local` is stripped, in any case, then added
/// back); with a non-blank profile, `host-profile` and
/// `host.local-profile` as well. Ids are matched case-insensitively, so
/// the list holds no two that differ only in case.
pub fn legacy_daemon_ids(hostname: &str, profile: Option<&str>) -> Vec<String> {
    let host = hostname.trim();
    if host.is_empty() {
        return Vec::new();
    }
    let bare = strip_dot_local(host);
    if bare.is_empty() {
        return Vec::new();
    }
    let forms = [bare.to_owned(), format!("{bare}.local")];
    let mut candidates: Vec<String> = forms.to_vec();
    if let Some(profile) = profile.map(str::trim).filter(|p| !p.is_empty()) {
        candidates.extend(forms.iter().map(|form| format!("{form}-{profile}")));
    }
    let mut out: Vec<String> = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        let taken = out.iter().any(|c| c.eq_ignore_ascii_case(&candidate));
        if !taken {
            out.push(candidate);
        }
    }
    out
}

fn strip_dot_local(host: &str) -> &str {
    const SUFFIX: &str = ".local";
    let cut = host.len().saturating_sub(SUFFIX.len());
    match (host.get(..cut), host.get(cut..)) {
        (Some(bare), Some(tail)) if tail.eq_ignore_ascii_case(SUFFIX) => bare,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_ids_cover_both_forms_and_profiles() {
        assert_eq!(
            legacy_daemon_ids("  Foo.LOCAL ", Some("work")),
            ["Foo", "Foo.local", "Foo-work", "Foo.local-work"]
        );
        assert_eq!(legacy_daemon_ids("foo", None), ["foo", "foo.local"]);
        assert!(legacy_daemon_ids("   ", Some("x")).is_empty());
        assert_eq!(legacy_daemon_ids(".local", None), Vec::<String>::new());
        assert_eq!(legacy_daemon_ids("é.local", Some(" ")), ["é", "é.local"]);
    }

    #[test]
    fn a_pin_needs_a_claimed_task_and_its_own_token() {
        let at = Instant::parse("2026-05-19T16:00:00Z", "t").unwrap();
        let id = |n: u128| Id::from_u128(n);
        let task = |status| {
            QueueTask {
                claim_token: Some(id(7)),
                ..queued_task(id(1), id(2), Some(id(3)), None, 0, at)
            }
            .with_status(status)
        };
        let conflict = |reason| LeaseCheck::Conflict { reason };
        for status in [TaskStatus::Dispatched, TaskStatus::Running] {
            assert_eq!(check_pin(&task(status), None), LeaseCheck::Proceed);
            assert_eq!(check_pin(&task(status), Some(id(7))), LeaseCheck::Proceed);
            assert_eq!(
                check_pin(&task(status), Some(id(8))),
                conflict(LeaseConflict::ClaimSuperseded)
            );
        }
        for status in [
            TaskStatus::Queued,
            TaskStatus::Completed,
            TaskStatus::Failed,
        ] {
            assert_eq!(
                check_pin(&task(status), Some(id(7))),
                conflict(LeaseConflict::TaskStateConflict)
            );
        }
        let kept = pinned(
            &pinned(&task(TaskStatus::Running), Some("s".into()), None),
            None,
            Some("/w".into()),
        );
        assert_eq!(
            (kept.session_id.as_deref(), kept.work_dir.as_deref()),
            (Some("s"), Some("/w"))
        );
    }

    impl QueueTask {
        fn with_status(self, status: TaskStatus) -> QueueTask {
            QueueTask { status, ..self }
        }
    }
}
