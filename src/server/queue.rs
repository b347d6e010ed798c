//! The runtime registry and the task queue as transactions (SPEC §7).
//!
//! Each function runs inside the caller's write transaction: it reads what
//! a rule of [`crate::queue`] needs, asks the rule, stores the answer, and
//! notes what changed in [`Changes`], which the caller publishes after the
//! commit. The routes and the sweeper share these functions, so a task
//! failed by a daemon, by a restart or by the sweeper goes through the one
//! retry path.

use axum::http::StatusCode;
use serde::Serialize;

use super::error::ApiError;
use super::events::{Change, Events};
use super::store::{Registration, RuntimeRecord, TaskRow, Tx};
use crate::id::Id;
use crate::queue::{
    self as rules, ClaimInput, Failure, Heartbeat, LeaseAction, LeaseCheck, TaskStatus,
};
use crate::time::Instant;
use crate::usage::UsageRow;

/// A fresh random id (a version 4 UUID): for runtimes, tasks and claim tokens.
pub fn new_id() -> Id {
    Id::from_u128(uuid::Uuid::new_v4().as_u128())
}

/// What a transaction changed, to publish once it committed.
#[derive(Debug, Default)]
pub struct Changes(Vec<Change>);

impl Changes {
    /// A task changed.
    pub fn task(&mut self, kind: &'static str, row: &TaskRow) {
        let mut change = Change::new(kind, row.workspace_id);
        change.task_id = Some(row.task.id);
        change.agent_id = Some(row.task.agent_id);
        change.runtime_id = row.task.runtime_id;
        change.status = Some(row.task.status.as_str());
        self.0.push(change);
    }

    /// A runtime changed.
    pub fn runtime(&mut self, kind: &'static str, workspace_id: Id, runtime_id: Id) {
        let mut change = Change::new(kind, workspace_id);
        change.runtime_id = Some(runtime_id);
        self.0.push(change);
    }

    /// An agent moved from one runtime to another.
    pub fn agent_moved(&mut self, workspace_id: Id, agent_id: Id, from: Id, to: Id) {
        let mut change = Change::new("agent:updated", workspace_id);
        change.agent_id = Some(agent_id);
        change.runtime_id = Some(to);
        change.previous_runtime_id = Some(from);
        self.0.push(change);
    }

    /// Publishes every change, one batch per workspace, in order.
    pub fn publish(self, events: &Events) {
        let mut batches: Vec<(Id, Vec<Change>)> = Vec::new();
        for change in self.0 {
            match batches
                .iter_mut()
                .find(|(ws, _)| *ws == change.workspace_id)
            {
                Some((_, batch)) => batch.push(change),
                None => batches.push((change.workspace_id, vec![change])),
            }
        }
        for (workspace_id, batch) in batches {
            events.publish(workspace_id, &batch);
        }
    }
}

fn conflict(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::CONFLICT, code, message)
}

/// A runtime of the daemon's workspace; 404 otherwise.
fn runtime_of(tx: &mut dyn Tx, workspace_id: Id, id: Id) -> Result<RuntimeRecord, ApiError> {
    tx.runtime(id)?
        .filter(|runtime| runtime.workspace_id == workspace_id)
        .ok_or_else(|| ApiError::not_found("runtime"))
}

/// A task of the daemon's workspace; 404 otherwise.
fn task_of(tx: &mut dyn Tx, workspace_id: Id, id: Id) -> Result<TaskRow, ApiError> {
    tx.task(id)?
        .filter(|row| row.workspace_id == workspace_id)
        .ok_or_else(|| ApiError::not_found("task"))
}

/// Fails `rows` (as read in this transaction) as `failure` says, then
/// gives each the new attempt [`rules::retry_decision`] allows. Returns the
/// failed rows and the new attempts.
pub fn fail_tasks(
    tx: &mut dyn Tx,
    rows: Vec<TaskRow>,
    failure: &Failure,
    now: Instant,
    changes: &mut Changes,
) -> Result<(Vec<TaskRow>, Vec<TaskRow>), ApiError> {
    let mut failed = Vec::with_capacity(rows.len());
    let mut retries = Vec::new();
    for row in rows {
        let was = row.task.status;
        let after = TaskRow {
            task: rules::failed(&row.task, failure.clone(), now),
            ..row
        };
        tx.save_task(&after, was)?;
        changes.task("task:failed", &after);
        if rules::retry_decision(&(&after.task).into()).retry {
            let retry = TaskRow {
                workspace_id: after.workspace_id,
                task: rules::retry_of(&after.task, new_id(), now),
                result: None,
                // A rerun's retry is still a rerun: it must not fall back
                // on the session the user rejected.
                force_fresh_session: after.force_fresh_session,
            };
            tx.insert_task(&retry)?;
            changes.task("task:queued", &retry);
            retries.push(retry);
        }
        failed.push(after);
    }
    Ok((failed, retries))
}

/// What a registration did.
#[derive(Debug, Serialize)]
pub struct Registered {
    /// The runtime, as stored now.
    pub runtime: RuntimeRecord,
    /// `true` when no runtime had this workspace, daemon id and provider.
    pub inserted: bool,
    /// Legacy runtimes merged into it (and deleted).
    pub merged_runtime_ids: Vec<Id>,
    /// Its tasks that were in flight, failed with `runtime_recovery`.
    pub recovered_task_ids: Vec<Id>,
    /// The new attempts of those.
    pub retried_task_ids: Vec<Id>,
}

/// Registers a runtime (SPEC §7): upsert on workspace, daemon id and
/// provider, keeping an existing owner; merge the runtimes the machine
/// registered under its legacy daemon ids; fail the tasks its previous
/// incarnation left in flight with `runtime_recovery` (then the retry
/// rule).
pub fn register(
    tx: &mut dyn Tx,
    registration: &Registration,
    profile: Option<&str>,
    now: Instant,
    changes: &mut Changes,
) -> Result<Registered, ApiError> {
    let ws = registration.workspace_id;
    let existing = tx.runtime_by_daemon(ws, &registration.daemon_id, &registration.provider)?;
    let inserted = existing.is_none();
    if let Some(runtime) = &existing
        && let (Some(owner), Some(claimant)) = (runtime.owner_id, registration.owner_id)
        && owner != claimant
    {
        return Err(conflict(
            "runtime_owned_by_another",
            "this daemon id is registered by another member's daemon",
        ));
    }
    let id = tx.upsert_runtime(new_id(), registration, now)?;

    let legacy: Vec<String> =
        rules::legacy_daemon_ids(registration.hostname.as_deref().unwrap_or(""), profile)
            .into_iter()
            .filter(|candidate| !candidate.eq_ignore_ascii_case(&registration.daemon_id))
            .collect();
    let mut merged_runtime_ids = Vec::new();
    if !legacy.is_empty() {
        // Only this member's (or nobody's) old rows: a guessable hostname
        // must not move someone else's agents onto this runtime.
        let mine =
            |old: &RuntimeRecord| old.owner_id.is_none() || old.owner_id == registration.owner_id;
        for old in tx.legacy_runtimes(ws, &registration.provider, &legacy, id)? {
            if !mine(&old) {
                continue;
            }
            let old_daemon_id = old.daemon_id.clone().unwrap_or_default();
            for agent in tx.merge_runtime(old.id, id, &old_daemon_id)? {
                changes.agent_moved(ws, agent, old.id, id);
            }
            changes.runtime("runtime:merged", ws, old.id);
            merged_runtime_ids.push(old.id);
        }
    }

    let in_flight = tx.runtime_tasks(id, &[TaskStatus::Dispatched, TaskStatus::Running])?;
    let recovery = Failure {
        error: Some("daemon restarted while task was in flight".into()),
        failure_reason: Some("runtime_recovery".into()),
        ..Failure::default()
    };
    let (recovered, retries) = fail_tasks(tx, in_flight, &recovery, now, changes)?;

    let runtime = tx
        .runtime(id)?
        .ok_or_else(|| ApiError::not_found("runtime"))?;
    changes.runtime(
        if inserted {
            "runtime:registered"
        } else {
            "runtime:online"
        },
        ws,
        id,
    );
    Ok(Registered {
        runtime,
        inserted,
        merged_runtime_ids,
        recovered_task_ids: recovered.iter().map(|row| row.task.id).collect(),
        retried_task_ids: retries.iter().map(|row| row.task.id).collect(),
    })
}

/// What a heartbeat did.
#[derive(Debug, Serialize)]
pub struct Beat {
    /// The runtime.
    pub runtime_id: Id,
    /// Always `online`.
    pub status: &'static str,
    /// `now`.
    pub last_seen_at: Instant,
    /// `true` when the runtime was offline (the sweeper had flipped it).
    pub came_online: bool,
}

/// A heartbeat (SPEC §7): bump `last_seen_at` where the runtime is still
/// online; if that changed nothing, mark it online explicitly.
pub fn heartbeat(
    tx: &mut dyn Tx,
    workspace_id: Id,
    runtime_id: Id,
    now: Instant,
    changes: &mut Changes,
) -> Result<Beat, ApiError> {
    let runtime = runtime_of(tx, workspace_id, runtime_id)?;
    let touched = match rules::heartbeat(&runtime.to_state()) {
        Heartbeat::Touch => tx.touch_runtime(runtime_id, now)?,
        Heartbeat::ComeOnline => false,
    };
    if !touched {
        tx.mark_runtime_online(runtime_id, now)?;
        changes.runtime("runtime:online", workspace_id, runtime_id);
    }
    Ok(Beat {
        runtime_id,
        status: "online",
        last_seen_at: now,
        came_online: !touched,
    })
}

/// The session a claimed task resumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResumeInfo {
    /// The session.
    pub session_id: String,
    /// Its working directory.
    pub work_dir: Option<String>,
}

/// A claimed task, with the session it resumes.
#[derive(Debug, Serialize)]
pub struct Claimed {
    /// The task, dispatched, with its claim token and lease.
    #[serde(flatten)]
    pub row: TaskRow,
    /// The session to resume; `null` for a fresh one.
    pub resume: Option<ResumeInfo>,
}

/// How many queued tasks a claim reads at a time.
const CLAIM_PAGE: u64 = 64;

/// A claim by `runtime_id` (SPEC §7): claiming proves it is alive, so an
/// offline runtime comes back online and its own expired leases go back to
/// the queue; then [`rules::claim_next`] picks the task, read a page at a
/// time in claim order.
pub fn claim(
    tx: &mut dyn Tx,
    workspace_id: Id,
    runtime_id: Id,
    agent_id: Option<Id>,
    now: Instant,
    changes: &mut Changes,
) -> Result<Option<Claimed>, ApiError> {
    let runtime = runtime_of(tx, workspace_id, runtime_id)?;
    if rules::heartbeat(&runtime.to_state()) == Heartbeat::ComeOnline {
        // Otherwise the next sweep would fail what it claims as offline.
        tx.mark_runtime_online(runtime_id, now)?;
        changes.runtime("runtime:online", workspace_id, runtime_id);
    }
    for row in tx.leases_ended(runtime_id, now)? {
        if rules::lease_expired(&row.task, now) {
            let after = TaskRow {
                task: rules::requeued(&row.task),
                ..row
            };
            tx.save_task(&after, TaskStatus::Dispatched)?;
            changes.task("task:requeued", &after);
        }
    }
    let mut after: Option<rules::QueueTask> = None;
    loop {
        let page = tx.queued_page(runtime_id, agent_id, after.as_ref(), CLAIM_PAGE)?;
        let Some(last) = page.last() else {
            return Ok(None);
        };
        after = Some(last.task.clone());
        let mut agent_ids: Vec<Id> = page.iter().map(|row| row.task.agent_id).collect();
        agent_ids.sort_unstable();
        agent_ids.dedup();
        let mut agents = Vec::with_capacity(agent_ids.len());
        for id in &agent_ids {
            if let Some(agent) = tx.agent(*id)? {
                agents.push(agent.to_state());
            }
        }
        let in_flight = tx.in_flight_of(&agent_ids)?;
        let input = ClaimInput {
            runtime_id,
            agent_id,
            agents,
            tasks: page
                .iter()
                .chain(&in_flight)
                .map(|row| row.task.clone())
                .collect(),
        };
        if let Some(claim) = rules::claim_next(&input, new_id(), now) {
            let row = page
                .into_iter()
                .find(|row| row.task.id == claim.task_id)
                .ok_or_else(|| ApiError::not_found("task"))?;
            let after = TaskRow {
                task: rules::dispatched(&row.task, &claim),
                ..row
            };
            tx.save_task(&after, TaskStatus::Queued)?;
            changes.task("task:dispatched", &after);
            let resume = resume_for(tx, &after)?;
            return Ok(Some(Claimed { row: after, resume }));
        }
    }
}

/// The session a task resumes: its own when it carries one (a retry, even
/// of a rerun: that session is the rerun's); none for a manual rerun; else
/// [`rules::session_to_resume`] over its agent's tasks on its issue.
fn resume_for(tx: &mut dyn Tx, row: &TaskRow) -> Result<Option<ResumeInfo>, ApiError> {
    let task = &row.task;
    if let Some(session_id) = &task.session_id {
        return Ok(Some(ResumeInfo {
            session_id: session_id.clone(),
            work_dir: task.work_dir.clone(),
        }));
    }
    if row.force_fresh_session {
        return Ok(None);
    }
    let Some(issue_id) = task.issue_id else {
        return Ok(None);
    };
    let history: Vec<_> = tx
        .issue_tasks(task.agent_id, issue_id)?
        .into_iter()
        .map(|row| row.task)
        .collect();
    Ok(
        rules::session_to_resume(&history, task.agent_id, issue_id).map(|resume| ResumeInfo {
            session_id: resume.session_id,
            work_dir: resume.work_dir,
        }),
    )
}

/// What a daemon sends with a step.
#[derive(Debug, Default)]
pub struct Report {
    /// The claim token it holds; `None`: it sent none.
    pub claim_token: Option<Id>,
    /// Complete: the result, as JSON text.
    pub result: Option<String>,
    /// The session reached.
    pub session_id: Option<String>,
    /// The working directory.
    pub work_dir: Option<String>,
    /// Fail: what went wrong.
    pub error: Option<String>,
    /// Fail: why.
    pub failure_reason: Option<String>,
}

/// What a start, complete or fail did.
#[derive(Debug, Serialize)]
pub struct Stepped {
    /// The task after the step.
    pub task: TaskRow,
    /// A failure's new attempt, if the retry rule gave one.
    pub retry: Option<TaskRow>,
}

/// A daemon's start, complete or fail with its claim token, as
/// [`rules::check_lease`] allows: a refusal is a 409 whose code is the
/// reason; a repeated start answers with the task as it is.
pub fn step(
    tx: &mut dyn Tx,
    workspace_id: Id,
    task_id: Id,
    action: LeaseAction,
    report: Report,
    now: Instant,
    changes: &mut Changes,
) -> Result<Stepped, ApiError> {
    let row = task_of(tx, workspace_id, task_id)?;
    match rules::check_lease(&row.task, action, report.claim_token, now) {
        LeaseCheck::Conflict { reason } => Err(conflict(
            reason.as_str(),
            format!(
                "the task is {} and the claim token does not allow this ({})",
                row.task.status.as_str(),
                reason.as_str()
            ),
        )),
        LeaseCheck::AlreadyDone => Ok(Stepped {
            task: row,
            retry: None,
        }),
        LeaseCheck::Proceed => {
            let was = row.task.status;
            match action {
                LeaseAction::Start => {
                    let after = TaskRow {
                        task: rules::started(&row.task, now),
                        ..row
                    };
                    tx.save_task(&after, was)?;
                    changes.task("task:running", &after);
                    Ok(Stepped {
                        task: after,
                        retry: None,
                    })
                }
                LeaseAction::Complete => {
                    let after = TaskRow {
                        task: rules::completed(&row.task, report.session_id, report.work_dir, now),
                        result: report.result.or(row.result.clone()),
                        ..row
                    };
                    tx.save_task(&after, was)?;
                    changes.task("task:completed", &after);
                    Ok(Stepped {
                        task: after,
                        retry: None,
                    })
                }
                LeaseAction::Fail => {
                    let failure = Failure {
                        error: report.error,
                        failure_reason: report.failure_reason,
                        session_id: report.session_id,
                        work_dir: report.work_dir,
                    };
                    let (mut failed, mut retries) =
                        fail_tasks(tx, vec![row], &failure, now, changes)?;
                    let task = failed.pop().ok_or_else(|| ApiError::not_found("task"))?;
                    Ok(Stepped {
                        task,
                        retry: retries.pop(),
                    })
                }
            }
        }
    }
}

/// Pins a task's session and working directory mid-flight (a daemon that
/// crashes later leaves a usable resume pointer); each is kept when not
/// given. Only while dispatched or running; a claim token, when sent, must
/// be the task's (a superseded daemon's session is not this task's).
pub fn pin_session(
    tx: &mut dyn Tx,
    workspace_id: Id,
    task_id: Id,
    report: Report,
    changes: &mut Changes,
) -> Result<TaskRow, ApiError> {
    let Report {
        claim_token,
        session_id,
        work_dir,
        ..
    } = report;
    let row = task_of(tx, workspace_id, task_id)?;
    if let LeaseCheck::Conflict { reason } = rules::check_pin(&row.task, claim_token) {
        return Err(conflict(
            reason.as_str(),
            format!(
                "the task is {} and the claim token does not allow a pin ({})",
                row.task.status.as_str(),
                reason.as_str()
            ),
        ));
    }
    let was = row.task.status;
    let after = TaskRow {
        task: rules::pinned(&row.task, session_id, work_dir),
        ..row
    };
    tx.save_task(&after, was)?;
    changes.task("task:session", &after);
    Ok(after)
}

/// One usage report line of a task, as a daemon sends it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageReport {
    /// The provider.
    pub provider: String,
    /// The model.
    pub model: String,
    /// Input tokens.
    #[serde(deserialize_with = "crate::number::count")]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(deserialize_with = "crate::number::count")]
    pub output_tokens: u64,
    /// Cache-read tokens.
    #[serde(default, deserialize_with = "crate::number::count")]
    pub cache_read_tokens: u64,
    /// Cache-write tokens.
    #[serde(default, deserialize_with = "crate::number::count")]
    pub cache_write_tokens: u64,
    /// The provider-reported cost in 1e-10 USD.
    #[serde(default, deserialize_with = "crate::number::optional_count")]
    pub cost_usd_ticks: Option<u64>,
}

/// Records a task's usage at `now`: the raw rows (one per provider and
/// model: reporting one again replaces it) and their quarter-hour rollup.
/// Returns how many rows, and the runtime they count on.
pub fn record_usage(
    tx: &mut dyn Tx,
    workspace_id: Id,
    task_id: Id,
    lines: Vec<UsageReport>,
    now: Instant,
) -> Result<(usize, Id), ApiError> {
    let row = task_of(tx, workspace_id, task_id)?;
    let Some(runtime_id) = row.task.runtime_id else {
        return Err(conflict(
            "task_state_conflict",
            "the task is detached from its runtime: its usage has no runtime to count on",
        ));
    };
    let rows: Vec<UsageRow> = lines
        .into_iter()
        .map(|line| UsageRow {
            task_id,
            agent_id: row.task.agent_id,
            runtime_id,
            workspace_id: Some(workspace_id),
            provider: line.provider,
            model: line.model,
            input_tokens: line.input_tokens,
            output_tokens: line.output_tokens,
            cache_read_tokens: line.cache_read_tokens,
            cache_write_tokens: line.cache_write_tokens,
            cost_usd_ticks: line.cost_usd_ticks,
            created_at: now,
        })
        .collect();
    tx.record_usage(&rows)?;
    Ok((rows.len(), runtime_id))
}

/// The most tasks of one kind a sweep fails; the rest wait for the next
/// tick, so one sweep never holds the write lock for long.
const SWEEP_BATCH: u64 = 1000;

/// What one sweep did.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Swept {
    /// Runtimes flipped offline.
    pub offline: Vec<Id>,
    /// Tasks failed: runtime offline, timed out, expired in the queue.
    pub failed: Vec<Id>,
    /// New attempts of those.
    pub retried: Vec<Id>,
    /// Runtimes collected.
    pub collected: Vec<Id>,
}

/// One sweep at `now` (SPEC §7): stale runtimes go offline (staleness
/// checked again where they flip); their in-flight tasks fail with
/// `runtime_offline`; dispatched and running tasks time out, queued ones
/// expire; offline runtimes nothing keeps are collected after 7 days.
/// Every failure goes through the retry rule.
pub fn sweep(tx: &mut dyn Tx, now: Instant, changes: &mut Changes) -> Result<Swept, ApiError> {
    let limits = rules::cutoffs(now);
    let mut swept = Swept::default();

    let online = tx.runtimes_by_status("online")?;
    let stale: Vec<Id> = online
        .iter()
        .filter(|runtime| rules::is_stale(&runtime.to_state(), now))
        .map(|runtime| runtime.id)
        .collect();
    if !stale.is_empty() {
        swept.offline = tx.mark_offline(&stale, limits.stale_before)?;
        for runtime in online.iter().filter(|r| swept.offline.contains(&r.id)) {
            changes.runtime("runtime:offline", runtime.workspace_id, runtime.id);
        }
    }

    let mut fail = |tx: &mut dyn Tx,
                    rows: Vec<TaskRow>,
                    reason: &str,
                    error: &str,
                    swept: &mut Swept|
     -> Result<(), ApiError> {
        if rows.is_empty() {
            return Ok(());
        }
        let failure = Failure {
            error: Some(error.into()),
            failure_reason: Some(reason.into()),
            ..Failure::default()
        };
        let (failed, retries) = fail_tasks(tx, rows, &failure, now, changes)?;
        swept.failed.extend(failed.iter().map(|row| row.task.id));
        swept.retried.extend(retries.iter().map(|row| row.task.id));
        Ok(())
    };

    let orphans = tx.in_flight_on_offline_runtimes(SWEEP_BATCH)?;
    fail(
        tx,
        orphans,
        "runtime_offline",
        "runtime went offline",
        &mut swept,
    )?;

    // Each candidate confirmed by the rule, failed with the reason it gives.
    let mut by_reason: std::collections::BTreeMap<&str, Vec<TaskRow>> = Default::default();
    for row in tx.sweep_candidates(&limits, SWEEP_BATCH)? {
        if let Some(reason) = rules::sweep_reason(&row.task, now) {
            by_reason.entry(reason).or_default().push(row);
        }
    }
    for (reason, rows) in by_reason {
        let error = if reason == "timeout" {
            "task timed out"
        } else {
            "task expired in queue"
        };
        fail(tx, rows, reason, error, &mut swept)?;
    }

    for runtime in tx.runtimes_by_status("offline")? {
        let unfinished = tx.unfinished_on_runtime(runtime.id)?;
        if rules::is_collectable(&runtime.to_state(), unfinished, now)
            && tx.collect_runtime(runtime.id, limits.collect_before)?
        {
            changes.runtime("runtime:deleted", runtime.workspace_id, runtime.id);
            swept.collected.push(runtime.id);
        }
    }
    Ok(swept)
}

/// Queues a task for `agent` on the runtime it is bound to (on `issue_id`
/// when given); `fresh`: a manual rerun, which resumes no session.
pub fn queue_task(
    tx: &mut dyn Tx,
    agent: &super::store::AgentRecord,
    issue_id: Option<Id>,
    priority: i64,
    fresh: bool,
    now: Instant,
    changes: &mut Changes,
) -> Result<TaskRow, ApiError> {
    if agent.archived_at.is_some() {
        return Err(conflict(
            "agent_archived",
            "the agent is archived: restore it before giving it work",
        ));
    }
    let Some(runtime_id) = agent.runtime_id else {
        return Err(conflict(
            "agent_unbound",
            "the agent is bound to no runtime: bind it before giving it work",
        ));
    };
    if let Some(issue_id) = issue_id {
        tx.issue(issue_id)?
            .filter(|issue| issue.workspace_id == agent.workspace_id)
            .ok_or_else(|| ApiError::not_found("issue"))?;
    }
    let row = TaskRow {
        workspace_id: agent.workspace_id,
        task: rules::queued_task(
            new_id(),
            agent.id,
            Some(runtime_id),
            issue_id,
            priority,
            now,
        ),
        result: None,
        force_fresh_session: fresh,
    };
    tx.insert_task(&row)?;
    changes.task("task:queued", &row);
    Ok(row)
}

/// Cancels `rows` (as read in this transaction) at `now`.
pub fn cancel_tasks(
    tx: &mut dyn Tx,
    rows: Vec<TaskRow>,
    now: Instant,
    changes: &mut Changes,
) -> Result<Vec<Id>, ApiError> {
    let mut ids = Vec::with_capacity(rows.len());
    for row in rows {
        let was = row.task.status;
        let after = TaskRow {
            task: rules::cancelled(&row.task, now),
            ..row
        };
        tx.save_task(&after, was)?;
        changes.task("task:cancelled", &after);
        ids.push(after.task.id);
    }
    Ok(ids)
}
