//! The records of a workspace as the rules read them: members, runtimes,
//! agents, squads, autopilots and tasks. Unknown fields are ignored, so a
//! record fetched from the API can be passed as it is; fields written
//! `"x"|null` in SPEC.md may be absent or `null`.
//!
//! Secrets an agent carries on the server (instructions, environment, MCP
//! configuration) have no field here: they can never be echoed back.

use serde::{Deserialize, Serialize};

use crate::id::Id;
use crate::time::Instant;

/// A user acting in a workspace, with their role (`owner`, `admin` or
/// `member`; case-sensitive, any other string grants nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// The user.
    pub user_id: Id,
    /// `owner`, `admin` or `member`.
    pub role: String,
}

impl Member {
    /// Workspace owners and admins.
    pub fn is_owner_or_admin(&self) -> bool {
        matches!(self.role.as_str(), "owner" | "admin")
    }
}

/// A runtime: a machine or daemon that runs agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runtime {
    /// The runtime.
    pub id: Id,
    /// Its workspace.
    pub workspace_id: Id,
    /// Display name.
    pub name: String,
    /// The user who owns it; `null` for a shared daemon.
    #[serde(default)]
    pub owner_id: Option<Id>,
    /// `public`, or anything else (private).
    pub visibility: String,
    /// `online`, or anything else (offline).
    pub status: String,
    /// The last heartbeat.
    #[serde(default)]
    pub last_seen_at: Option<Instant>,
}

impl Runtime {
    /// Visibility is `public`; any other value means private.
    pub fn is_public(&self) -> bool {
        self.visibility == "public"
    }
}

/// An agent bound to a runtime.
///
/// Only `id` is required. An agent the viewer may not see arrives (and
/// leaves) as `{ "id", "archived_at", "restricted": true }`: planning needs
/// its id and whether it is active, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// The agent.
    pub id: Id,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The user who owns it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<Id>,
    /// `workspace` or `public` (visible to every member), or anything else
    /// (private: its owner and workspace owners/admins). Absent is private.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
    /// When it was archived; `null` while active.
    #[serde(default)]
    pub archived_at: Option<Instant>,
    /// Its working status as the server reports it (`idle`, `working`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Its model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Set on agents redacted for a viewer who may not see them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub restricted: bool,
}

impl Agent {
    /// Active while not archived.
    pub fn is_active(&self) -> bool {
        self.archived_at.is_none()
    }
}

/// A squad: a team of agents with one leader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Squad {
    /// The squad.
    pub id: Id,
    /// Display name.
    pub name: String,
    /// The leading agent (`squad.leader_id` restricts deleting that agent).
    pub leader_id: Id,
    /// When it was archived; `null` while active.
    #[serde(default)]
    pub archived_at: Option<Instant>,
}

/// Who an autopilot or an issue is assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssigneeType {
    /// `assignee_id` is an agent.
    Agent,
    /// `assignee_id` is a squad.
    Squad,
}

/// An autopilot: a scheduled job assigned to an agent or a squad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Autopilot {
    /// The autopilot.
    pub id: Id,
    /// Display name.
    pub name: String,
    /// `active`, `paused`, ...; only `active` ones are paused by a teardown.
    pub status: String,
    /// Agent or squad.
    pub assignee_type: AssigneeType,
    /// The agent or squad (polymorphic: no foreign key).
    pub assignee_id: Id,
}

/// A task in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// The task.
    pub id: Id,
    /// The agent that runs it.
    pub agent_id: Id,
    /// The runtime it is queued on (a task may be pinned to another runtime
    /// than its agent's); `null` once detached.
    #[serde(default)]
    pub runtime_id: Option<Id>,
    /// `queued`, `dispatched`, `running`, `waiting_local_directory`, or a
    /// terminal status.
    pub status: String,
}

impl Task {
    /// The statuses of a task that is not finished.
    pub const UNFINISHED: [&'static str; 4] =
        ["queued", "dispatched", "running", "waiting_local_directory"];

    /// Not yet finished: queued, dispatched, running or waiting for its local directory.
    pub fn is_unfinished(&self) -> bool {
        Task::UNFINISHED.contains(&self.status.as_str())
    }
}
