//! Refusals: answers that say "not allowed, and here is what to do next".
//! A refusal is not an error: it has no side effect and is returned, not
//! thrown, by every host.

use serde::{Deserialize, Serialize};

use crate::access::can_see_agent;
use crate::id::Id;
use crate::time::Instant;
use crate::workspace::{Agent, Member};

/// What a planner answers: a plan, or a refusal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outcome<T> {
    /// Allowed: this is what will happen.
    Plan {
        /// The plan.
        plan: T,
    },
    /// Not allowed.
    Refusal {
        /// Why, and what to do next.
        refusal: Refusal,
    },
}

/// Why a plan is refused. The HTTP status comes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    /// 403: the member may not do this.
    Forbidden,
    /// 409: a strict delete met active agents.
    RuntimeHasActiveAgents,
    /// 409: the active agents are not the ones the user confirmed.
    RuntimeDeletePlanChanged,
    /// 409: an active squad is led by an agent the plan would delete.
    RuntimeHasActiveSquads,
}

impl RefusalCode {
    /// The HTTP status that carries this refusal.
    pub const fn status(self) -> u16 {
        match self {
            RefusalCode::Forbidden => 403,
            _ => 409,
        }
    }
}

/// A refusal: `status`, `code`, a sentence saying what to do next, and
/// where relevant the live active agents (as summaries), the difference to
/// what was confirmed, and the squads in the way. Lists are sorted by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Stable code.
    pub code: RefusalCode,
    /// What happened and what to do next.
    pub error: String,
    /// The live active agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_agents: Option<Vec<AgentSummary>>,
    /// Live set against confirmed set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<Diff>,
    /// Active squads led by agents the plan would delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blocking_squads: Option<Vec<BlockingSquad>>,
}

impl Refusal {
    /// A refusal with only a code and a sentence.
    pub fn new(code: RefusalCode, error: impl Into<String>) -> Self {
        Refusal {
            status: code.status(),
            code,
            error: error.into(),
            active_agents: None,
            diff: None,
            blocking_squads: None,
        }
    }
}

/// Agents that appeared (`added`) and went away (`removed`) against a
/// confirmed set, each sorted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    /// In the live set, not confirmed.
    pub added: Vec<Id>,
    /// Confirmed, no longer in the live set.
    pub removed: Vec<Id>,
}

/// A squad that blocks a teardown until it is archived or re-led.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockingSquad {
    /// The squad.
    pub id: Id,
    /// Its name.
    pub name: String,
    /// Its leader, an agent the plan would delete.
    pub leader_id: Id,
}

/// How an agent leaves the server: its public description, or, for a
/// viewer who may not see it, only its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AgentSummary {
    /// Hidden from this viewer; the id is needed to confirm a plan.
    Restricted {
        /// The agent.
        id: Id,
        /// Always `true`.
        restricted: bool,
    },
    /// Visible to this viewer.
    Visible {
        /// The agent.
        id: Id,
        /// Name.
        name: Option<String>,
        /// Owner.
        owner_id: Option<Id>,
        /// Visibility.
        visibility: Option<String>,
        /// Status.
        status: Option<String>,
        /// Model.
        model: Option<String>,
        /// When archived.
        archived_at: Option<Instant>,
    },
}

impl AgentSummary {
    /// The summary of `agent` as `viewer` may see it.
    pub fn of(agent: &Agent, viewer: &Member) -> Self {
        if agent.restricted || !can_see_agent(viewer, agent) {
            AgentSummary::Restricted {
                id: agent.id,
                restricted: true,
            }
        } else {
            AgentSummary::Visible {
                id: agent.id,
                name: agent.name.clone(),
                owner_id: agent.owner_id,
                visibility: agent.visibility.clone(),
                status: agent.status.clone(),
                model: agent.model.clone(),
                archived_at: agent.archived_at,
            }
        }
    }
}
