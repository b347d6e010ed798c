//! Tearing down a runtime (SPEC §3).
//!
//! [`plan_teardown`] is a pure function of a [`Snapshot`] of everything a
//! teardown touches. The server reads the snapshot under lock inside its
//! transaction, calls this function and executes the plan's steps; the
//! browser calls the same function on the snapshot it fetched to preview
//! the plan. One function on one shape: the preview is the decision.
//!
//! ```
//! use runtime_rules::teardown::{plan_teardown, TeardownInput};
//! use runtime_rules::Outcome;
//!
//! let input: TeardownInput = runtime_rules::decode("", serde_json::json!({
//!     "actor": { "user_id": "00000000-0000-4000-8000-000000000001", "role": "member" },
//!     "request": { "mode": "strict", "policy": "archive" },
//!     "snapshot": {
//!         "runtime": { "id": "00000000-0000-4000-8000-0000000000aa",
//!                      "workspace_id": "00000000-0000-4000-8000-0000000000ff",
//!                      "name": "laptop", "owner_id": "00000000-0000-4000-8000-000000000001",
//!                      "visibility": "private", "status": "offline", "last_seen_at": null },
//!         "agents": [], "squads": [], "autopilots": [], "tasks": [],
//!         "history": { "finished_tasks": 0, "chat_sessions": 0 }
//!     }
//! }))?;
//! let Outcome::Plan { plan } = plan_teardown(&input)? else { unreachable!() };
//! assert_eq!(plan.response.status, "ok");
//! # Ok::<(), runtime_rules::Error>(())
//! ```

mod plan;
mod planner;

use serde::{Deserialize, Serialize};

pub use plan::{Effects, Event, Op, Plan, Response, Step};
pub use planner::plan_teardown;

use crate::access::can_see_agent;
use crate::agent_set::AgentIdList;
use crate::number::count;
use crate::workspace::{Agent, Autopilot, Member, Runtime, Squad, Task};

/// The planner's input: who asks, what they ask for, and the snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeardownInput {
    /// The member asking.
    pub actor: Member,
    /// Mode, policy and the confirmed agents.
    pub request: Request,
    /// Everything the teardown touches.
    pub snapshot: Snapshot,
}

/// What the member asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// `strict` refuses while agents are active; `confirmed` acts on the
    /// confirmed active agents.
    pub mode: Mode,
    /// What happens to the agents: `archive` (then delete) or `unbind`.
    pub policy: Policy,
    /// Confirmed mode: the active agents the user confirmed. Absent or
    /// `null` is the empty set. Ignored in strict mode.
    #[serde(default)]
    pub expected_active_agent_ids: AgentIdList,
}

/// How a teardown treats active agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Refuse while any agent is active.
    Strict,
    /// Act on the active agents, which must be exactly the confirmed ones.
    Confirmed,
}

/// What a teardown does to the runtime's agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// Archive the active agents, then delete every agent of the runtime
    /// with its history (the original product's behaviour, repaired).
    Archive,
    /// Keep every agent, unbound from any runtime; keep history, detached.
    Unbind,
}

/// Everything a teardown touches, read in one transaction.
///
/// `agents`: every agent bound to the runtime, active and archived.
/// `squads`: every squad led by one of them. `autopilots`: every autopilot
/// assigned to one of those agents or squads. `tasks`: every unfinished task
/// on the runtime or of those agents. Records outside that scope are
/// ignored, so an over-inclusive snapshot cannot widen a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The runtime.
    pub runtime: Runtime,
    /// Its agents.
    pub agents: Vec<Agent>,
    /// Squads led by its agents.
    pub squads: Vec<Squad>,
    /// Autopilots assigned to its agents or their squads.
    pub autopilots: Vec<Autopilot>,
    /// Unfinished tasks on the runtime or of its agents.
    pub tasks: Vec<Task>,
    /// Finished rows that a teardown deletes or detaches.
    pub history: History,
}

/// Rows of history: finished tasks (on the runtime or of its agents) and
/// the chat sessions of its agents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// Finished task rows.
    #[serde(deserialize_with = "count")]
    pub finished_tasks: u64,
    /// Chat sessions.
    #[serde(deserialize_with = "count")]
    pub chat_sessions: u64,
}

impl History {
    /// No rows.
    pub const NONE: History = History {
        finished_tasks: 0,
        chat_sessions: 0,
    };

    fn is_empty(self) -> bool {
        self == History::NONE
    }
}

/// The snapshot as `viewer` may see it: agents they may not see keep only
/// their id and whether they are active (`restricted: true`), everything
/// else is unchanged. Planning on this snapshot gives the same outcome as
/// planning on the full one.
pub fn snapshot_for_viewer(viewer: &Member, snapshot: &Snapshot) -> Snapshot {
    let agents = snapshot
        .agents
        .iter()
        .map(|agent| {
            if agent.restricted || !can_see_agent(viewer, agent) {
                Agent {
                    id: agent.id,
                    name: None,
                    owner_id: None,
                    visibility: None,
                    archived_at: agent.archived_at,
                    status: None,
                    model: None,
                    restricted: true,
                }
            } else {
                agent.clone()
            }
        })
        .collect();
    Snapshot {
        agents,
        ..snapshot.clone()
    }
}
