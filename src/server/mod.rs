//! The native server: the core's rules on SQLite behind an HTTP API.
//!
//! Every handler has the same shape: check who asks ([`auth::Viewer`]),
//! open one transaction ([`AppState::read`] / [`AppState::write`], run off
//! the async executor), read what the rule needs through [`store::Tx`], call
//! the core, write what the core decided, commit, then publish events. No
//! rule is written here twice: access, teardown planning, windows, zones
//! and usage reports are all the core's functions.

pub mod auth;
pub mod cli;
pub mod demo;
pub mod error;
pub mod events;
pub mod fixture;
pub mod queue;
mod request;
mod routes;
pub mod sim;
pub mod store;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use tokio::sync::watch;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::time::Instant;
use error::ApiError;
use events::Events;
use store::{Store, StoreError, Tx};

/// The largest request body accepted (413 above it).
pub const BODY_LIMIT: usize = 1 << 20;

/// Where the current time comes from: the system clock, or a fixed instant
/// for tests that compare answers with the core's on the same `now`.
#[derive(Debug, Clone, Copy)]
pub enum Clock {
    /// The system clock.
    System,
    /// Always this instant.
    Fixed(Instant),
}

impl Clock {
    /// Now.
    pub fn now(self) -> Instant {
        match self {
            Clock::Fixed(now) => now,
            Clock::System => {
                let since = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default();
                let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX);
                // After 2099 the clock is beyond the time-zone rules; a
                // server that old has bigger problems than its reports.
                Instant::from_unix(secs, since.subsec_nanos()).unwrap_or(Instant::EPOCH)
            }
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// The event bus.
    pub events: Events,
    /// The clock.
    pub clock: Clock,
    /// Flips to `true` when the server shuts down; ends event streams.
    pub shutdown: watch::Receiver<bool>,
    /// The users the page's sign-in offers (`GET /api/demo/users`): only
    /// `runtime-rules demo` sets them, since it prints their tokens anyway.
    pub demo_users: Option<Arc<[demo::DemoUser]>>,
    /// How often [`serve`] runs the sweeper (SPEC §7: every 30 s); `None`:
    /// never (tests sweep when they choose, with [`AppState::sweep`]).
    pub sweep_every: Option<Duration>,
}

impl AppState {
    /// A state over `store`; `shutdown` ends event streams when it turns `true`.
    pub fn new(store: Arc<dyn Store>, clock: Clock, shutdown: watch::Receiver<bool>) -> Self {
        AppState {
            store,
            events: Events::default(),
            clock,
            shutdown,
            demo_users: None,
            sweep_every: Some(Duration::from_secs(crate::queue::SWEEP_SECS.unsigned_abs())),
        }
    }

    /// The same state, sweeping every `every` (`None`: never).
    #[must_use]
    pub fn with_sweep_every(mut self, every: Option<Duration>) -> Self {
        self.sweep_every = every;
        self
    }

    /// One sweep now, in one write transaction; publishes what it changed.
    ///
    /// # Errors
    ///
    /// When the database fails: nothing is changed then.
    pub async fn sweep(&self) -> Result<queue::Swept, ApiError> {
        let clock = self.clock;
        let (swept, changes) = self
            .write(move |tx| {
                let now = clock.now();
                let mut changes = queue::Changes::default();
                let swept = queue::sweep(tx, now, &mut changes)?;
                Ok((swept, changes))
            })
            .await?;
        changes.publish(&self.events);
        Ok(swept)
    }

    /// The same state, offering `users` on the page's sign-in.
    #[must_use]
    pub fn with_demo_users(mut self, users: Vec<demo::DemoUser>) -> Self {
        self.demo_users = Some(users.into());
        self
    }

    /// Runs `body` in a read transaction on a blocking thread.
    pub async fn read<T: Send + 'static>(
        &self,
        body: impl FnOnce(&mut dyn Tx) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.transact(store::Access::Read, body).await
    }

    /// Runs `body` in a write transaction (the write lock taken at BEGIN)
    /// on a blocking thread. An `Err` rolls everything back.
    pub async fn write<T: Send + 'static>(
        &self,
        body: impl FnOnce(&mut dyn Tx) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        self.transact(store::Access::Write, body).await
    }

    async fn transact<T: Send + 'static>(
        &self,
        access: store::Access,
        body: impl FnOnce(&mut dyn Tx) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let store = Arc::clone(&self.store);
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            store.with(access, body)
        })
        .await
        .map_err(|e| ApiError::from(StoreError::Internal(format!("a database task failed: {e}"))))?
    }
}

/// The API router, with request ids, tracing and the body limit; static
/// files from `www` when given.
pub fn app(state: AppState, www: Option<PathBuf>) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let mut router = routes::api().with_state(state);
    if let Some(www) = www {
        router = router.fallback_service(ServeDir::new(www));
    }
    router
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let id = request
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    tracing::info_span!(
                        "request",
                        id = %id,
                        method = %request.method(),
                        path = %request.uri().path(),
                        user = tracing::field::Empty,
                        runtime = tracing::field::Empty,
                        outcome = tracing::field::Empty,
                    )
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Serves `state` on `listener` until SIGINT or SIGTERM, then lets requests
/// in flight finish (event streams end at once).
///
/// # Errors
///
/// When the listener fails.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    www: Option<PathBuf>,
    stop: watch::Sender<bool>,
) -> std::io::Result<()> {
    if let Some(every) = state.sweep_every {
        tokio::spawn(sweep_forever(state.clone(), every));
    }
    let router = app(state, www);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutting down");
        let _ = stop.send(true);
    })
    .await
}

/// Sweeps every `every` until the server shuts down. A failed sweep is
/// logged and the next one tries again: nothing half-done survives one.
///
/// The first sweep comes one period after the start, not at once: after
/// the server itself was down, every runtime's last heartbeat is old, and
/// its daemons deserve one period (they beat every 15 s) to be heard
/// before they are judged stale.
async fn sweep_forever(state: AppState, every: Duration) {
    let mut shutdown = state.shutdown.clone();
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            _ = shutdown.changed() => return,
        }
        match state.sweep().await {
            Ok(swept) if swept != queue::Swept::default() => tracing::info!(
                offline = swept.offline.len(),
                failed = swept.failed.len(),
                retried = swept.retried.len(),
                collected = swept.collected.len(),
                "swept"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(code = e.code(), "sweep failed; next tick retries"),
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}

/// How often an idle event stream sends a keep-alive comment.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
