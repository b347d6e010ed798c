//! Live events: what a commit changed, published after the commit to the
//! members of the workspace it happened in.
//!
//! A publication is one batch (a teardown plan's events, in plan order),
//! sent as one message, so a subscriber sees each plan's events together
//! and in order even when two teardowns commit at the same moment.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::broadcast;

use crate::id::Id;

/// One batch of events of one workspace.
#[derive(Debug)]
pub struct Batch {
    /// The workspace whose members may see it.
    pub workspace_id: Id,
    /// The events, each a JSON object with a `type`.
    pub events: Vec<serde_json::Value>,
}

/// The event bus.
#[derive(Clone)]
pub struct Events {
    sender: broadcast::Sender<Arc<Batch>>,
}

impl Default for Events {
    fn default() -> Self {
        Events {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl Events {
    /// Publishes events of `workspace_id`. Events that fail to serialize
    /// (none of ours can) are skipped rather than failing a committed change.
    pub fn publish<E: Serialize>(&self, workspace_id: Id, events: &[E]) {
        let events: Vec<_> = events
            .iter()
            .filter_map(|e| serde_json::to_value(e).ok())
            .collect();
        if events.is_empty() {
            return;
        }
        // No subscriber is not an error.
        let _ = self.sender.send(Arc::new(Batch {
            workspace_id,
            events,
        }));
    }

    /// A new subscription to every workspace's batches.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Batch>> {
        self.sender.subscribe()
    }
}

/// An event about one record, for changes outside a teardown plan.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// `agent:created`, `agent:updated`, `runtime:updated`, ...
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The workspace.
    pub workspace_id: Id,
    /// The runtime the change concerns, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_id: Option<Id>,
    /// For an agent that moved: the runtime it left.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_runtime_id: Option<Id>,
    /// The agent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<Id>,
    /// The squad.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub squad_id: Option<Id>,
    /// The autopilot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub autopilot_id: Option<Id>,
    /// The task.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<Id>,
    /// The task's status after the change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

impl Change {
    /// An event of `kind` in `workspace_id`, with no subject yet.
    pub fn new(kind: &'static str, workspace_id: Id) -> Self {
        Change {
            kind,
            workspace_id,
            runtime_id: None,
            previous_runtime_id: None,
            agent_id: None,
            squad_id: None,
            autopilot_id: None,
            task_id: None,
            status: None,
        }
    }
}
