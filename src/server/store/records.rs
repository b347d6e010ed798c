//! Rows as the store reads and writes them. The `*Record` types are also
//! what the API answers with: none of them has a field for a secret.

use serde::Serialize;

use crate::id::Id;
use crate::time::Instant;
use crate::workspace::{Agent, AssigneeType, Runtime};

/// A signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// The user.
    pub id: Id,
    /// Display name.
    pub name: String,
    /// The zone the user chose, if any (an IANA name, not re-validated).
    pub timezone: Option<String>,
}

/// A user's place in a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    /// The workspace.
    pub workspace_id: Id,
    /// Its name.
    pub workspace_name: String,
    /// `owner`, `admin` or `member`.
    pub role: String,
}

/// Which runtimes to list.
#[derive(Debug, Clone, Default)]
pub struct RuntimeFilter {
    /// Only these workspaces.
    pub workspaces: Vec<Id>,
    /// Only runtimes owned by this user (`?owner=me`).
    pub owner_id: Option<Id>,
}

/// A runtime, with how many agents are bound to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuntimeRecord {
    /// The runtime.
    pub id: Id,
    /// Its workspace.
    pub workspace_id: Id,
    /// Display name.
    pub name: String,
    /// Its owner; `null` for a shared daemon.
    pub owner_id: Option<Id>,
    /// `public` or `private`.
    pub visibility: String,
    /// `online` or `offline`.
    pub status: String,
    /// The last heartbeat.
    pub last_seen_at: Option<Instant>,
    /// The daemon that registered it.
    pub daemon_id: Option<String>,
    /// The agent provider it runs (`claude`, `codex`, ...).
    pub provider: Option<String>,
    /// When it was registered.
    pub created_at: Instant,
    /// Active agents bound to it.
    pub agent_count: u64,
    /// Agents bound to it, active or archived (SPEC §7's `bound_agent_count`).
    pub bound_agent_count: u64,
    /// Its owner's display name (for lists; members of a workspace see
    /// each other's names).
    pub owner_name: Option<String>,
}

impl RuntimeRecord {
    /// The runtime as the rules read it.
    pub fn to_rule(&self) -> Runtime {
        Runtime {
            id: self.id,
            workspace_id: self.workspace_id,
            name: self.name.clone(),
            owner_id: self.owner_id,
            visibility: self.visibility.clone(),
            status: self.status.clone(),
            last_seen_at: self.last_seen_at,
        }
    }

    /// The runtime as the liveness and sweeper rules read it.
    pub fn to_state(&self) -> crate::liveness::RuntimeState {
        crate::liveness::RuntimeState {
            status: self.status.clone(),
            last_seen_at: self.last_seen_at,
            bound_agent_count: Some(self.bound_agent_count),
        }
    }
}

/// An agent, without its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentRecord {
    /// The agent.
    pub id: Id,
    /// Its workspace.
    pub workspace_id: Id,
    /// The runtime it is bound to; `null` when unbound.
    pub runtime_id: Option<Id>,
    /// Display name.
    pub name: String,
    /// Its owner.
    pub owner_id: Option<Id>,
    /// `workspace`, `public` or `private`.
    pub visibility: String,
    /// `idle`, `working`, ...
    pub status: String,
    /// Its model.
    pub model: String,
    /// When it was archived; `null` while active.
    pub archived_at: Option<Instant>,
    /// When it was created.
    pub created_at: Instant,
    /// How many tasks it may have dispatched or running at once; `null`:
    /// no limit.
    pub max_concurrent_tasks: Option<u64>,
}

impl AgentRecord {
    /// The agent as the liveness and claim rules read it.
    pub fn to_state(&self) -> crate::liveness::AgentState {
        crate::liveness::AgentState {
            id: self.id,
            runtime_id: self.runtime_id,
            archived_at: self.archived_at,
            max_concurrent_tasks: self.max_concurrent_tasks,
        }
    }

    /// The agent as the rules read it.
    pub fn to_rule(&self) -> Agent {
        Agent {
            id: self.id,
            name: Some(self.name.clone()),
            owner_id: self.owner_id,
            visibility: Some(self.visibility.clone()),
            archived_at: self.archived_at,
            status: Some(self.status.clone()),
            model: Some(self.model.clone()),
            restricted: false,
        }
    }
}

/// A new agent.
#[derive(Debug, Clone)]
pub struct NewAgent {
    /// The agent without its secrets.
    pub record: AgentRecord,
    /// Secret: the agent's instructions.
    pub instructions: String,
    /// Secret: environment variables, as JSON text.
    pub custom_env: String,
    /// Secret: MCP configuration, as JSON text.
    pub mcp_config: String,
}

impl NewAgent {
    /// A secret JSON object (`custom_env`, `mcp_config`) as stored; absent is `{}`.
    pub fn object_text(object: Option<serde_json::Map<String, serde_json::Value>>) -> String {
        serde_json::Value::Object(object.unwrap_or_default()).to_string()
    }
}

/// Changes to an agent; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AgentUpdate {
    /// New name.
    pub name: Option<String>,
    /// New visibility.
    pub visibility: Option<String>,
    /// New model.
    pub model: Option<String>,
    /// New runtime (`Some(None)` unbinds).
    pub runtime_id: Option<Option<Id>>,
    /// New `archived_at` (`Some(None)` restores).
    pub archived_at: Option<Option<Instant>>,
    /// New secret instructions.
    pub instructions: Option<String>,
}

/// A squad with its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SquadRecord {
    /// The squad.
    pub id: Id,
    /// Its workspace.
    pub workspace_id: Id,
    /// Display name.
    pub name: String,
    /// The leading agent.
    pub leader_id: Id,
    /// When it was archived; `null` while active.
    pub archived_at: Option<Instant>,
    /// When it was created.
    pub created_at: Instant,
    /// Its members, sorted.
    pub member_ids: Vec<Id>,
}

/// A new squad.
pub type NewSquad = SquadRecord;

/// An unfinished task, as the presence of its agent reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskRecord {
    /// The task.
    pub id: Id,
    /// Its workspace.
    pub workspace_id: Id,
    /// The agent doing it.
    pub agent_id: Id,
    /// The runtime it is queued on; `null` once detached.
    pub runtime_id: Option<Id>,
    /// `queued`, `dispatched`, `running` or `waiting_local_directory`.
    pub status: String,
    /// Higher runs first.
    pub priority: i64,
    /// When it was queued.
    pub created_at: Instant,
    /// When it started, once it has.
    pub started_at: Option<Instant>,
}

/// A task of the queue as stored, and as the daemon routes answer with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskRow {
    /// Its workspace.
    pub workspace_id: Id,
    /// The task as the queue rules read it.
    #[serde(flatten)]
    pub task: crate::queue::QueueTask,
    /// What the daemon reported when it completed, as JSON text.
    pub result: Option<String>,
    /// A manual rerun: start a new conversation, resume nothing.
    pub force_fresh_session: bool,
}

/// A runtime a daemon registers (SPEC §7): upserted on workspace, daemon
/// id and provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// Its workspace (the daemon token's).
    pub workspace_id: Id,
    /// The daemon's id.
    pub daemon_id: String,
    /// The agent provider.
    pub provider: String,
    /// Display name.
    pub name: String,
    /// Its owner: the member the daemon token runs for, if any.
    pub owner_id: Option<Id>,
    /// The machine's hostname, when sent.
    pub hostname: Option<String>,
    /// The daemon's description of the device, as JSON text.
    pub device_info: Option<String>,
    /// Anything else the daemon sends, as JSON text.
    pub metadata: Option<String>,
}

/// An issue: whose it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IssueRecord {
    /// The issue.
    pub id: Id,
    /// Its workspace.
    pub workspace_id: Id,
    /// Its title.
    pub title: String,
    /// Its status.
    pub status: String,
    /// `agent` or `squad`; `null` when unassigned.
    pub assignee_type: Option<String>,
    /// The assignee.
    pub assignee_id: Option<Id>,
}

/// An autopilot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AutopilotRecord {
    /// The autopilot.
    pub id: Id,
    /// Its workspace.
    pub workspace_id: Id,
    /// Display name.
    pub name: String,
    /// `active`, `paused`, ...
    pub status: String,
    /// Why it was paused by the system (`agent_runtime_required`).
    pub pause_reason: Option<String>,
    /// Agent or squad.
    pub assignee_type: AssigneeType,
    /// The agent or squad.
    pub assignee_id: Id,
    /// When it was created.
    pub created_at: Instant,
}

/// A new autopilot.
pub type NewAutopilot = AutopilotRecord;
