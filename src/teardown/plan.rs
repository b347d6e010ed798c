//! The plan a teardown produces: effects for people, steps for the
//! executor, events for subscribers and the HTTP response.

use serde::Serialize;

use super::{History, Mode, Policy};
use crate::id::Id;

/// A teardown plan (SPEC §3.4). Every id list is sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// `archive` or `unbind`.
    pub policy: Policy,
    /// `strict` or `confirmed`.
    pub mode: Mode,
    /// The runtime torn down.
    pub runtime_id: Id,
    /// The confirmed agents (confirmed mode; empty in strict mode).
    pub confirmed_agent_ids: Vec<Id>,
    /// What happens, for the dialog.
    pub effects: Effects,
    /// The executor's script, in order.
    pub steps: Vec<Step>,
    /// What to publish after commit, in order.
    pub events: Vec<Event>,
    /// The HTTP response body on success.
    pub response: Response,
}

/// What a plan does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Effects {
    /// Active agents archived (archive policy, confirmed mode).
    pub archive_agents: Vec<Id>,
    /// Agents unbound from the runtime (unbind policy).
    pub unbind_agents: Vec<Id>,
    /// Agents deleted with their history (archive policy).
    pub delete_agents: Vec<Id>,
    /// Archived squads led by deleted agents, deleted first.
    pub delete_squads: Vec<Id>,
    /// Active autopilots paused.
    pub pause_autopilots: Vec<Id>,
    /// Unfinished tasks cancelled.
    pub cancel_tasks: Vec<Id>,
    /// History rows lost (archive policy).
    pub history_deleted: History,
    /// History rows kept, detached from the runtime (unbind policy).
    pub history_detached: History,
    /// Always `true`: both policies end by deleting the runtime.
    pub delete_runtime: bool,
}

/// One step of the executor's script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What to do.
    pub op: Op,
    /// To which rows (the runtime id for `lock_runtime`, `detach_history`
    /// and `delete_runtime`).
    pub ids: Vec<Id>,
    /// For `pause_autopilots` under the unbind policy: the reason to record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_reason: Option<&'static str>,
}

/// Executor operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Lock the runtime row.
    LockRuntime,
    /// Set `archived_at` on these agents.
    ArchiveAgents,
    /// Set `runtime_id = null` on these agents.
    UnbindAgents,
    /// Set these tasks to `cancelled`.
    CancelTasks,
    /// Set these autopilots to `paused`.
    PauseAutopilots,
    /// Delete these squads (their members go with them).
    DeleteSquads,
    /// Delete these agents (their tasks and chats go with them).
    DeleteAgents,
    /// Set `runtime_id = null` on the runtime's finished tasks and chats.
    DetachHistory,
    /// Delete the runtime.
    DeleteRuntime,
}

/// An event published after commit. Ids only: events reach every member of
/// the workspace, so they carry no names or summaries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum Event {
    /// A task was cancelled.
    #[serde(rename = "task:cancelled")]
    TaskCancelled {
        /// Workspace.
        workspace_id: Id,
        /// Runtime torn down.
        runtime_id: Id,
        /// The task.
        task_id: Id,
    },
    /// An agent was archived.
    #[serde(rename = "agent:archived")]
    AgentArchived {
        /// Workspace.
        workspace_id: Id,
        /// Runtime torn down.
        runtime_id: Id,
        /// The agent.
        agent_id: Id,
    },
    /// An agent was deleted.
    #[serde(rename = "agent:deleted")]
    AgentDeleted {
        /// Workspace.
        workspace_id: Id,
        /// Runtime torn down.
        runtime_id: Id,
        /// The agent.
        agent_id: Id,
    },
    /// An agent was unbound from the runtime.
    #[serde(rename = "agent:unbound")]
    AgentUnbound {
        /// Workspace.
        workspace_id: Id,
        /// Runtime torn down.
        runtime_id: Id,
        /// The agent.
        agent_id: Id,
    },
    /// An autopilot was paused.
    #[serde(rename = "autopilot:paused")]
    AutopilotPaused {
        /// Workspace.
        workspace_id: Id,
        /// Runtime torn down.
        runtime_id: Id,
        /// The autopilot.
        autopilot_id: Id,
    },
    /// A squad was deleted.
    #[serde(rename = "squad:deleted")]
    SquadDeleted {
        /// Workspace.
        workspace_id: Id,
        /// Runtime torn down.
        runtime_id: Id,
        /// The squad.
        squad_id: Id,
    },
    /// The runtime was deleted.
    #[serde(rename = "runtime:deleted")]
    RuntimeDeleted {
        /// Workspace.
        workspace_id: Id,
        /// The runtime.
        runtime_id: Id,
    },
}

/// The HTTP response on success: counts of the effect lists (0 where a
/// count does not apply to the policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    /// Always `ok`.
    pub status: &'static str,
    /// |archive_agents|
    pub agents_archived: usize,
    /// |unbind_agents|
    pub agents_unbound: usize,
    /// |delete_agents|
    pub agents_deleted: usize,
    /// |cancel_tasks|
    pub tasks_cancelled: usize,
    /// |pause_autopilots|
    pub autopilots_paused: usize,
    /// |delete_squads|
    pub squads_deleted: usize,
}

impl Response {
    pub(super) fn of(effects: &Effects) -> Self {
        Response {
            status: "ok",
            agents_archived: effects.archive_agents.len(),
            agents_unbound: effects.unbind_agents.len(),
            agents_deleted: effects.delete_agents.len(),
            tasks_cancelled: effects.cancel_tasks.len(),
            autopilots_paused: effects.pause_autopilots.len(),
            squads_deleted: effects.delete_squads.len(),
        }
    }
}
