//! Liveness (SPEC §7): how a runtime's last heartbeat reads to people, and
//! what an agent is doing.
//!
//! Both rules take the current instant as an argument, so the browser, a
//! Node script and the server give the same answer for the same `now`:
//!
//! ```
//! use runtime_rules::liveness::{agent_presence, runtime_health, AgentState, Health, RuntimeState, TaskState};
//! use runtime_rules::{decode, Instant};
//! use serde_json::json;
//!
//! let now = Instant::parse("2026-05-19T16:00:00Z", "now")?;
//! // The daemon's last heartbeat came four minutes ago: lost, but only just.
//! let runtime: RuntimeState = decode("runtime", json!({
//!     "status": "offline", "last_seen_at": "2026-05-19T15:56:00Z"
//! }))?;
//! assert_eq!(runtime_health(&runtime, now), Health::RecentlyLost);
//!
//! let agent: AgentState = decode("agent", json!({
//!     "id": "44444444-0000-4000-8000-000000000001",
//!     "runtime_id": "33333333-0000-4000-8000-000000000001",
//!     "archived_at": null,
//!     "max_concurrent_tasks": 2
//! }))?;
//! let tasks: Vec<TaskState> = decode("tasks", json!([
//!     { "agent_id": "44444444-0000-4000-8000-000000000001", "status": "running" },
//!     { "agent_id": "44444444-0000-4000-8000-000000000002", "status": "running" }
//! ]))?;
//! let presence = agent_presence(&agent, Some(&runtime), &tasks, now);
//! assert_eq!(serde_json::to_value(presence).unwrap(), json!({
//!     "availability": "unstable", "workload": "working",
//!     "running_count": 1, "queued_count": 0, "capacity": 2
//! }));
//! # Ok::<(), runtime_rules::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::number::optional_count;
use crate::time::{DAY, Instant};

/// A runtime offline for less than this many seconds (since its last
/// heartbeat) is only `recently_lost`: 5 minutes.
pub const RECENTLY_LOST_SECS: i64 = 5 * 60;

/// A runtime offline for more than this many seconds is `about_to_gc`
/// when nothing keeps it: 6 days, a day before the collector's 7.
pub const ABOUT_TO_GC_SECS: i64 = 6 * DAY;

/// A runtime as the liveness rules read it. Other fields (its id, name,
/// owner, ...) are ignored, so a runtime record can be passed as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeState {
    /// `online`, or anything else (offline); case-sensitive.
    pub status: String,
    /// The last heartbeat; `null` (or absent) if it never sent one.
    #[serde(default)]
    pub last_seen_at: Option<Instant>,
    /// Agents bound to it, active or archived; `null` (or absent) when the
    /// caller does not know, which counts as none.
    #[serde(
        default,
        deserialize_with = "optional_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub bound_agent_count: Option<u64>,
}

/// How a runtime's liveness reads to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Its status is `online`.
    Online,
    /// Offline, but its last heartbeat is less than 5 minutes old (or in
    /// the future: a clock ahead of the caller's is no reason to alarm).
    RecentlyLost,
    /// Offline: for 5 minutes or more, or never seen.
    Offline,
    /// Offline for more than 6 days with no agent bound: the collector
    /// deletes it at 7.
    AboutToGc,
}

/// The health of `runtime` at `now`.
///
/// `online` when its status is `online`, whatever its heartbeat says (the
/// sweeper decides staleness, not the viewer). Otherwise the time since
/// `last_seen_at` decides: under 5 minutes is `recently_lost` (a heartbeat
/// in the future counts as under 5 minutes), over 6 days is `about_to_gc`
/// when the runtime could actually be collected (`bound_agent_count` 0 or
/// unknown, and a known `last_seen_at`), anything else `offline`. Exactly
/// 5 minutes and exactly 6 days are `offline`; so is a runtime never seen.
pub fn runtime_health(runtime: &RuntimeState, now: Instant) -> Health {
    if runtime.status == "online" {
        return Health::Online;
    }
    let Some(last_seen) = runtime.last_seen_at else {
        return Health::Offline;
    };
    let offline_for = nanos(now) - nanos(last_seen);
    let collectable = runtime.bound_agent_count.unwrap_or(0) == 0;
    if offline_for < secs(RECENTLY_LOST_SECS) {
        Health::RecentlyLost
    } else if offline_for > secs(ABOUT_TO_GC_SECS) && collectable {
        Health::AboutToGc
    } else {
        Health::Offline
    }
}

/// Nanoseconds since the epoch. Instants lie in years 0001..=2099, so
/// this and any difference of two of them fit an `i128` many times over.
fn nanos(t: Instant) -> i128 {
    i128::from(t.unix_seconds()) * 1_000_000_000 + i128::from(t.subsec_nanos())
}

fn secs(s: i64) -> i128 {
    i128::from(s) * 1_000_000_000
}

/// An agent as the presence rule reads it. Other fields are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentState {
    /// The agent: its tasks are those with this `agent_id`.
    pub id: Id,
    /// The runtime it is bound to; `null` (or absent) when unbound.
    #[serde(default)]
    pub runtime_id: Option<Id>,
    /// When it was archived; `null` (or absent) while active.
    #[serde(default)]
    pub archived_at: Option<Instant>,
    /// How many tasks it may run at once; `null` (or absent) when not set.
    #[serde(
        default,
        deserialize_with = "optional_count",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_concurrent_tasks: Option<u64>,
}

/// A task as the presence rule reads it: whose it is and its status.
/// Other fields are ignored, so task records can be passed as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskState {
    /// The agent that runs it.
    pub agent_id: Id,
    /// `queued`, `dispatched`, `running`, `waiting_local_directory`, or a
    /// terminal status (which counts for nothing).
    pub status: String,
}

impl TaskState {
    /// The statuses of a task waiting for its turn (counted in `queued_count`).
    pub const WAITING: [&'static str; 3] = ["queued", "dispatched", "waiting_local_directory"];

    fn is_running(&self) -> bool {
        self.status == "running"
    }

    fn is_waiting(&self) -> bool {
        TaskState::WAITING.contains(&self.status.as_str())
    }
}

/// Whether an agent can take work, as people see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    /// Its runtime is online.
    Online,
    /// Its runtime went offline less than 5 minutes ago.
    Unstable,
    /// Its runtime is offline, or missing.
    Offline,
    /// It is bound to no runtime.
    Unbound,
    /// It is archived.
    Archived,
}

/// What an agent is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Workload {
    /// At least one of its tasks is running.
    Working,
    /// None running, at least one queued, dispatched or waiting for its
    /// local directory.
    Queued,
    /// Nothing unfinished.
    Idle,
}

/// The presence of an agent: availability, workload, counts and capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Presence {
    /// Whether it can take work.
    pub availability: Availability,
    /// What it is doing.
    pub workload: Workload,
    /// Its running tasks.
    pub running_count: u64,
    /// Its tasks queued, dispatched or waiting for their local directory.
    pub queued_count: u64,
    /// Its `max_concurrent_tasks`; `null` when not set.
    pub capacity: Option<u64>,
}

/// The presence of `agent` at `now`, given its runtime (`None` when the
/// runtime is missing) and a list of tasks from which its own are picked
/// by `agent_id`; other agents' tasks are ignored.
///
/// Availability: `archived` if the agent is archived (and then workload
/// `idle`, counts 0, whatever its tasks); `unbound` when its `runtime_id`
/// is null (any runtime passed is ignored); `offline` when it has one but
/// `runtime` is `None`; otherwise from [`runtime_health`]: `online` →
/// `online`, `recently_lost` → `unstable`, anything else → `offline`. The
/// caller passes the agent's own runtime; its id is not compared.
///
/// Workload: `working` with a running task, else `queued` with one queued,
/// dispatched or waiting for its local directory, else `idle`. Capacity is
/// the agent's `max_concurrent_tasks`.
pub fn agent_presence(
    agent: &AgentState,
    runtime: Option<&RuntimeState>,
    tasks: &[TaskState],
    now: Instant,
) -> Presence {
    let capacity = agent.max_concurrent_tasks;
    if agent.archived_at.is_some() {
        return Presence {
            availability: Availability::Archived,
            workload: Workload::Idle,
            running_count: 0,
            queued_count: 0,
            capacity,
        };
    }
    let availability = match (agent.runtime_id, runtime) {
        (None, _) => Availability::Unbound,
        (Some(_), None) => Availability::Offline,
        (Some(_), Some(runtime)) => match runtime_health(runtime, now) {
            Health::Online => Availability::Online,
            Health::RecentlyLost => Availability::Unstable,
            Health::Offline | Health::AboutToGc => Availability::Offline,
        },
    };
    let own = || tasks.iter().filter(|task| task.agent_id == agent.id);
    let running_count = own().filter(|task| task.is_running()).count() as u64;
    let queued_count = own().filter(|task| task.is_waiting()).count() as u64;
    let workload = if running_count > 0 {
        Workload::Working
    } else if queued_count > 0 {
        Workload::Queued
    } else {
        Workload::Idle
    };
    Presence {
        availability,
        workload,
        running_count,
        queued_count,
        capacity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Instant {
        Instant::parse(text, "t").unwrap()
    }

    fn offline(last_seen_at: &str) -> RuntimeState {
        RuntimeState {
            status: "offline".into(),
            last_seen_at: Some(at(last_seen_at)),
            bound_agent_count: None,
        }
    }

    #[test]
    fn the_five_minute_edge_is_exact_to_the_nanosecond() {
        let now = at("2026-05-19T16:05:00Z");
        assert_eq!(
            runtime_health(&offline("2026-05-19T16:00:00.000000001Z"), now),
            Health::RecentlyLost
        );
        assert_eq!(
            runtime_health(&offline("2026-05-19T16:00:00Z"), now),
            Health::Offline
        );
    }

    #[test]
    fn the_six_day_edge_is_exact_to_the_nanosecond() {
        let now = at("2026-05-25T16:00:00.5Z");
        assert_eq!(
            runtime_health(&offline("2026-05-19T16:00:00.5Z"), now),
            Health::Offline
        );
        assert_eq!(
            runtime_health(&offline("2026-05-19T16:00:00.499999999Z"), now),
            Health::AboutToGc
        );
    }

    #[test]
    fn the_widest_gap_between_instants_does_not_overflow() {
        let runtime = offline("0001-01-01T00:00:00Z");
        assert_eq!(
            runtime_health(&runtime, at("2099-12-31T23:59:59.999999999Z")),
            Health::AboutToGc
        );
        let future = offline("2099-12-31T23:59:59.999999999Z");
        assert_eq!(
            runtime_health(&future, at("0001-01-01T00:00:00Z")),
            Health::RecentlyLost
        );
    }
}
