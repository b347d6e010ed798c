//! The HTTP request bodies: every POST, PATCH and DELETE route of
//! `src/server/routes/mod.rs`, the daemon routes included, through the
//! real router (`app(state, None)`) over a small seeded SQLite database.
//!
//! The world is built once per process: the demo fixture at a fixed `now`
//! (`runtime_rules::server::demo::fixture`), trimmed to the last three
//! days of history, loaded into a database in a temporary folder, served
//! by one `AppState` with a fixed clock and no sweeper. Each input's first
//! byte picks the route (`byte % ROUTES.len()`) and, with the rest of that
//! byte (`byte / ROUTES.len()`), the id in the path (one of the fixture's,
//! or an unknown one), the token (a user's or a daemon's, whichever the
//! route takes) and, for `DELETE /api/runtimes/{id}`, the policy. The rest
//! of the input is the body, sent through `tower::ServiceExt::oneshot` on
//! a current-thread tokio runtime.
//!
//! Any status is an answer, except a 5xx other than 503 `busy`: the
//! harness panics with the request and the answer. A panic in a handler
//! is a finding by itself. The database keeps what earlier inputs did (a
//! runtime torn down stays gone), so a finding may need the inputs before
//! it; its message names the request in full.
//!
//! `fuzz/seeds.py` writes seeds with the same route order: keep the two
//! tables in step.
#![no_main]

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use runtime_rules::server::fixture::Fixture;
use runtime_rules::server::store::Store;
use runtime_rules::server::store::sqlite::SqliteStore;
use runtime_rules::server::{AppState, Clock, app, demo};
use runtime_rules::{Id, Instant};
use tokio::runtime::Runtime;
use tokio::sync::watch;
use tower::ServiceExt;

/// What a route's path names.
#[derive(Clone, Copy)]
enum Target {
    None,
    Runtime,
    Agent,
    Issue,
    Squad,
    Task,
}

/// Who signs in.
#[derive(Clone, Copy, PartialEq)]
enum Auth {
    User,
    Daemon,
}

/// The routes, in the order `fuzz/seeds.py` numbers them.
const ROUTES: [(&str, &str, Target, Auth); 21] = [
    ("PATCH", "/api/runtimes/{}", Target::Runtime, Auth::User),
    ("DELETE", "/api/runtimes/{}", Target::Runtime, Auth::User),
    (
        "POST",
        "/api/runtimes/{}/archive-agents-and-delete",
        Target::Runtime,
        Auth::User,
    ),
    (
        "POST",
        "/api/runtimes/{}/unbind-agents-and-delete",
        Target::Runtime,
        Auth::User,
    ),
    ("POST", "/api/agents", Target::None, Auth::User),
    ("PATCH", "/api/agents/{}", Target::Agent, Auth::User),
    ("POST", "/api/agents/{}/archive", Target::Agent, Auth::User),
    ("POST", "/api/agents/{}/restore", Target::Agent, Auth::User),
    ("POST", "/api/agents/{}/tasks", Target::Agent, Auth::User),
    ("POST", "/api/issues/{}/rerun", Target::Issue, Auth::User),
    ("POST", "/api/squads", Target::None, Auth::User),
    ("DELETE", "/api/squads/{}", Target::Squad, Auth::User),
    ("POST", "/api/autopilots", Target::None, Auth::User),
    ("POST", "/api/daemon/register", Target::None, Auth::Daemon),
    ("POST", "/api/daemon/heartbeat", Target::None, Auth::Daemon),
    (
        "POST",
        "/api/runtimes/{}/tasks/claim",
        Target::Runtime,
        Auth::Daemon,
    ),
    ("POST", "/api/tasks/{}/start", Target::Task, Auth::Daemon),
    ("POST", "/api/tasks/{}/complete", Target::Task, Auth::Daemon),
    ("POST", "/api/tasks/{}/fail", Target::Task, Auth::Daemon),
    ("POST", "/api/tasks/{}/session", Target::Task, Auth::Daemon),
    ("POST", "/api/tasks/{}/usage", Target::Task, Auth::Daemon),
];

/// Owners and a member of several workspaces.
const USER_TOKENS: [&str; 3] = ["demo-ada-owner", "demo-chen-member", "demo-eve-owner"];
/// Acme's, Globex's and Initech's daemons.
const DAEMON_TOKENS: [&str; 3] = [
    "demo-daemon-acme",
    "demo-daemon-globex",
    "demo-daemon-initech",
];
/// An id no row has.
const UNKNOWN: &str = "0000000f-0000-4000-8000-00000000ffff";
/// The instant the world is built at and the clock stays at.
const NOW: &str = "2026-11-20T12:00:00Z";
/// History kept from the demo, in seconds before `NOW`.
const KEEP_SECS: i64 = 3 * 86_400;

struct World {
    runtime: Runtime,
    router: Router,
    runtimes: Vec<Id>,
    agents: Vec<Id>,
    issues: Vec<Id>,
    squads: Vec<Id>,
    tasks: Vec<Id>,
    _stop: watch::Sender<bool>,
    _dir: tempfile::TempDir,
}

fn must<T, E: std::fmt::Display>(what: &str, result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("building the world: {what}: {e}"))
}

/// The demo fixture without its older history: finished tasks and usage
/// from the last three days, every unfinished task.
fn small_fixture(now: Instant) -> Fixture {
    let mut fixture = must("the demo fixture", demo::fixture(now));
    let since = now.saturating_add_secs(-KEEP_SECS);
    let recent = |at: Option<Instant>| at.is_none_or(|at| at >= since);
    fixture
        .tasks
        .retain(|t| t.finished_at.is_none() || recent(t.finished_at));
    let kept: std::collections::HashSet<Id> = fixture.tasks.iter().map(|t| t.id).collect();
    fixture.usage.retain(|u| kept.contains(&u.task_id));
    must("the trimmed fixture", fixture.check());
    fixture
}

static WORLD: LazyLock<World> = LazyLock::new(|| {
    let now = must("now", Instant::parse(NOW, "now"));
    let fixture = small_fixture(now);
    let dir = must(
        "a temporary folder",
        tempfile::Builder::new()
            .prefix("runtime-rules-fuzz-http-")
            .tempdir(),
    );
    let store: Arc<dyn Store> = Arc::new(must(
        "the database",
        SqliteStore::open(dir.path().join("world.sqlite")),
    ));
    must(
        "loading the fixture",
        store.write(|tx| tx.load_fixture(&fixture, now)),
    );
    let (stop, shutdown) = watch::channel(false);
    let state = AppState::new(store, Clock::Fixed(now), shutdown).with_sweep_every(None);
    let runtime = must(
        "the tokio runtime",
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build(),
    );
    // Unfinished tasks first: those are the ones the daemon routes can move.
    let mut tasks: Vec<&_> = fixture.tasks.iter().collect();
    tasks.sort_by_key(|t| t.finished_at.is_some());
    World {
        runtime,
        router: app(state, None),
        runtimes: fixture.runtimes.iter().map(|r| r.id).collect(),
        agents: fixture.agents.iter().map(|a| a.id).collect(),
        issues: fixture.issues.iter().map(|i| i.id).collect(),
        squads: fixture.squads.iter().map(|s| s.id).collect(),
        tasks: tasks.iter().take(12).map(|t| t.id).collect(),
        _stop: stop,
        _dir: dir,
    }
});

impl World {
    /// The `variant`-th id of `target`; one past the last is an unknown id.
    fn id(&self, target: Target, variant: usize) -> String {
        let ids: &[Id] = match target {
            Target::None => return String::new(),
            Target::Runtime => &self.runtimes,
            Target::Agent => &self.agents,
            Target::Issue => &self.issues,
            Target::Squad => &self.squads,
            Target::Task => &self.tasks,
        };
        ids.get(variant % (ids.len() + 1))
            .map_or_else(|| UNKNOWN.to_owned(), ToString::to_string)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let world = &*WORLD;
    let (method, template, target, auth) = ROUTES[usize::from(selector) % ROUTES.len()];
    let variant = usize::from(selector) / ROUTES.len();
    let mut uri = template.replace("{}", &world.id(target, variant));
    if method == "DELETE" && matches!(target, Target::Runtime) && variant % 2 == 1 {
        uri.push_str("?policy=unbind");
    }
    let token = match auth {
        Auth::User => USER_TOKENS[variant % USER_TOKENS.len()],
        Auth::Daemon => DAEMON_TOKENS[variant % DAEMON_TOKENS.len()],
    };
    let request = must(
        "a request",
        Request::builder()
            .method(must("a method", Method::from_bytes(method.as_bytes())))
            .uri(&uri)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_vec())),
    );
    let router = world.router.clone();
    let shown = uri.clone();
    let (status, answer) = world.runtime.block_on(async move {
        let response = match router.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let answer = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_else(|e| panic!("reading the answer to {method} {shown}: {e}"));
        (status, answer)
    });
    if status.is_server_error() {
        let code = serde_json::from_slice::<serde_json::Value>(&answer)
            .ok()
            .and_then(|v| v.get("code").and_then(|c| c.as_str().map(str::to_owned)));
        let busy = status == StatusCode::SERVICE_UNAVAILABLE && code.as_deref() == Some("busy");
        if !busy {
            panic!(
                "{method} {uri} (token {token}) answered {status}: {}\nrequest body: {:?}",
                String::from_utf8_lossy(&answer),
                String::from_utf8_lossy(body),
            );
        }
    }
});
