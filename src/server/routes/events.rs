//! `GET /api/events`: server-sent events of the viewer's workspaces.
//!
//! Each event is one `data:` line holding a JSON object with its `type`
//! (EventSource's `onmessage` sees them all). A subscriber too slow to
//! keep up gets `{"type":"stream:lagged"}` and should re-fetch. The stream
//! ends when the server shuts down.

use std::collections::HashSet;
use std::convert::Infallible;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use tokio::sync::broadcast::error::RecvError;

use crate::server::auth::Viewer;
use crate::server::error::ApiError;
use crate::server::{AppState, KEEP_ALIVE};

struct Subscription {
    receiver: tokio::sync::broadcast::Receiver<std::sync::Arc<crate::server::events::Batch>>,
    shutdown: tokio::sync::watch::Receiver<bool>,
    workspaces: HashSet<crate::id::Id>,
    pending: std::collections::VecDeque<serde_json::Value>,
}

pub(super) async fn stream(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    // Subscribe before reading the memberships: nothing committed after
    // this request arrived can be missed.
    let receiver = state.events.subscribe();
    let memberships = state
        .read(move |tx| Ok(tx.memberships(viewer.id())?))
        .await?;
    let subscription = Subscription {
        receiver,
        shutdown: state.shutdown.clone(),
        workspaces: memberships.iter().map(|m| m.workspace_id).collect(),
        pending: Default::default(),
    };
    let events = stream::unfold(subscription, |mut sub| async move {
        loop {
            if let Some(event) = sub.pending.pop_front() {
                let event = Event::default().data(event.to_string());
                return Some((Ok(event), sub));
            }
            if *sub.shutdown.borrow() {
                return None;
            }
            tokio::select! {
                received = sub.receiver.recv() => match received {
                    Ok(batch) if sub.workspaces.contains(&batch.workspace_id) => {
                        sub.pending.extend(batch.events.iter().cloned());
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {
                        sub.pending.push_back(serde_json::json!({ "type": "stream:lagged" }));
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = sub.shutdown.changed() => return None,
            }
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}
