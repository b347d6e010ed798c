//! The runtime registry and the task queue over HTTP, in process (SPEC §7):
//! registration, heartbeats, claims under leases and tokens, retries, the
//! sweeper and collection.
//!
//! One database per test; every request goes through the axum router with
//! the clock fixed at an instant the test chooses, so "150 s later" is a
//! second router over the same database, not a sleep.
//!
//! Run with `cargo test --features server --test server_queue`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "common/rows.rs"]
mod rows;

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use runtime_rules::Instant;
use runtime_rules::server::events::{Batch, Events};
use runtime_rules::server::fixture::Fixture;
use runtime_rules::server::store::Store;
use runtime_rules::server::store::sqlite::SqliteStore;
use runtime_rules::server::{AppState, Clock, app};
use serde_json::{Value, json};
use tower::ServiceExt;

const W1: &str = "10000000-0000-4000-8000-000000000001";
const W2: &str = "10000000-0000-4000-8000-000000000002";
const OWNER: &str = "20000000-0000-4000-8000-000000000001";
const TOKEN_OWNER: &str = "tok-owner-q";
const DAEMON_W1: &str = "tok-daemon-w1";
const DAEMON_W2: &str = "tok-daemon-w2";
/// W1's daemon token that runs for OWNER.
const DAEMON_W1_OWNER: &str = "tok-daemon-w1-owner";
/// Registered by daemon `d1` (claude) in W1.
const R1: &str = "30000000-0000-4000-8000-000000000001";
const A1: &str = "40000000-0000-4000-8000-000000000001";
const A2: &str = "40000000-0000-4000-8000-000000000002";

const T0: &str = "2026-05-19T12:00:00Z";

fn at(base: &str, secs: i64) -> String {
    Instant::parse(base, "t")
        .unwrap()
        .saturating_add_secs(secs)
        .to_string()
}

fn issue_id(n: usize) -> String {
    format!("70000000-0000-4000-8000-{n:012}")
}

fn task_id(n: usize) -> String {
    format!("80000000-0000-4000-8000-{n:012}")
}

fn runtime_id(n: usize) -> String {
    format!("30000000-0000-4000-8000-{n:012}")
}

/// Two workspaces; W1 has R1 (online since T0) with agents A1 and A2
/// bound, `issues` issues and whatever `extra` adds.
fn world(issues: usize, extra: Value) -> Value {
    let mut w = json!({
        "workspaces": [{ "id": W1, "name": "one" }, { "id": W2, "name": "two" }],
        "users": [{ "id": OWNER, "name": "Owner", "token": TOKEN_OWNER }],
        "members": [{ "workspace_id": W1, "user_id": OWNER, "role": "owner" }],
        "daemon_tokens": [
            { "workspace_id": W1, "token": DAEMON_W1 },
            { "workspace_id": W2, "token": DAEMON_W2 },
            { "workspace_id": W1, "token": DAEMON_W1_OWNER, "user_id": OWNER }
        ],
        "runtimes": [{ "id": R1, "workspace_id": W1, "name": "r1", "owner_id": OWNER,
                       "status": "online", "last_seen_at": T0, "daemon_id": "d1",
                       "provider": "claude", "created_at": T0 }],
        "agents": [
            { "id": A1, "workspace_id": W1, "runtime_id": R1, "name": "a1", "owner_id": OWNER },
            { "id": A2, "workspace_id": W1, "runtime_id": R1, "name": "a2", "owner_id": OWNER }
        ],
        "issues": (1..=issues).map(|n| json!({
            "id": issue_id(n), "workspace_id": W1, "title": format!("issue {n}"),
            "assignee_type": "agent", "assignee_id": A1
        })).collect::<Vec<_>>(),
    });
    if let Value::Object(extra) = extra {
        for (key, value) in extra {
            match (w.get_mut(&key), value) {
                (Some(Value::Array(list)), Value::Array(more)) => list.extend(more),
                (_, value) => {
                    w[&key] = value;
                }
            }
        }
    }
    w
}

/// A queued task of `agent` on R1, on issue `issue` (0: none).
fn queued(n: usize, agent: &str, issue: usize, created_at: &str) -> Value {
    let mut t = json!({ "id": task_id(n), "workspace_id": W1, "agent_id": agent,
                        "runtime_id": R1, "status": "queued", "created_at": created_at });
    if issue > 0 {
        t["issue_id"] = json!(issue_id(issue));
    }
    t
}

struct Db {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: Arc<dyn Store>,
    events: Events,
    _stop: tokio::sync::watch::Sender<bool>,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

impl Db {
    fn new(world: &Value) -> Db {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
        let fixture = Fixture::from_json(&world.to_string())
            .unwrap_or_else(|e| panic!("the test fixture is rejected: {e}"));
        let t0 = Instant::parse(T0, "t0").unwrap();
        store.write(|tx| tx.load_fixture(&fixture, t0)).unwrap();
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        Db {
            _dir: dir,
            path,
            store,
            events: Events::default(),
            _stop: stop,
            shutdown,
        }
    }

    /// The server as it is at `now`.
    fn at(&self, now: &str) -> Server {
        let mut state = AppState::new(
            Arc::clone(&self.store),
            Clock::Fixed(Instant::parse(now, "now").unwrap()),
            self.shutdown.clone(),
        )
        .with_sweep_every(None);
        state.events = self.events.clone();
        Server {
            router: app(state.clone(), None),
            state,
        }
    }

    fn one(&self, sql: &str) -> Value {
        self.rows(sql)
            .into_iter()
            .next()
            .map_or(Value::Null, |mut r| r.remove(0))
    }

    fn rows(&self, sql: &str) -> Vec<Vec<Value>> {
        rows::rows(&self.path, sql)
    }
}

#[derive(Clone)]
struct Server {
    router: axum::Router,
    state: AppState,
}

impl Server {
    async fn call(&self, method: &str, path: &str, token: &str, body: Value) -> (u16, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, json)
    }

    async fn claim(&self, runtime: &str) -> (u16, Value) {
        self.call(
            "POST",
            &format!("/api/runtimes/{runtime}/tasks/claim"),
            DAEMON_W1,
            json!({}),
        )
        .await
    }

    async fn step(&self, task: &str, action: &str, body: Value) -> (u16, Value) {
        self.call(
            "POST",
            &format!("/api/tasks/{task}/{action}"),
            DAEMON_W1,
            body,
        )
        .await
    }

    async fn heartbeat(&self, runtime: &str) -> (u16, Value) {
        self.call(
            "POST",
            "/api/daemon/heartbeat",
            DAEMON_W1,
            json!({ "runtime_id": runtime }),
        )
        .await
    }

    async fn rerun(&self, issue: usize) -> (u16, Value) {
        let path = format!("/api/issues/{}/rerun", issue_id(issue));
        self.call("POST", &path, TOKEN_OWNER, json!(null)).await
    }

    async fn register(&self, body: Value) -> (u16, Value) {
        self.call("POST", "/api/daemon/register", DAEMON_W1, body)
            .await
    }
}

fn kinds(batch: &Batch) -> Vec<String> {
    batch
        .events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

// ---------------------------------------------------------------------------
// Claims
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_never_get_the_same_task_over_10000_claims() {
    // 10,000 quick tasks of 20 agents: a quick task serializes on its
    // agent, so each claimer completes what it claims before the agent's
    // next one can go, as a daemon does.
    const TASKS: usize = 10_000;
    const AGENTS: usize = 20;
    const CLAIMERS: usize = 8;
    let agents: Vec<String> = (0..AGENTS)
        .map(|n| format!("41000000-0000-4000-8000-{n:012}"))
        .collect();
    let world = world(
        0,
        json!({
            "agents": agents.iter().map(|id| json!({
                "id": id, "workspace_id": W1, "runtime_id": R1, "name": id, "owner_id": OWNER
            })).collect::<Vec<_>>(),
            "tasks": (0..TASKS).map(|n| {
                let created = at(T0, -(TASKS as i64) + n as i64);
                queued(n + 1, &agents[n % AGENTS], 0, &created)
            }).collect::<Vec<_>>(),
        }),
    );
    let db = Db::new(&world);
    let server = db.at(&at(T0, 1));
    let mut claimers = Vec::new();
    for _ in 0..CLAIMERS {
        let server = server.clone();
        claimers.push(tokio::spawn(async move {
            let mut claimed = Vec::new();
            loop {
                let (status, task) = server.claim(R1).await;
                if status == 204 {
                    break claimed;
                }
                assert_eq!(status, 200, "{task}");
                let id = task["id"].as_str().unwrap().to_owned();
                let token = json!({ "claim_token": task["claim_token"] });
                assert_eq!(server.step(&id, "start", token.clone()).await.0, 200);
                assert_eq!(server.step(&id, "complete", token).await.0, 200);
                claimed.push(id);
            }
        }));
    }
    let mut all = Vec::new();
    for claimer in claimers {
        all.extend(claimer.await.unwrap());
    }
    let distinct: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len() - distinct.len(), 0, "duplicate claims");
    // A claimer stops at its first 204, which can come while others still
    // hold the last tasks of an agent: finish what is left with one.
    let mut rest = 0;
    loop {
        let (status, task) = server.claim(R1).await;
        if status == 204 {
            break;
        }
        let id = task["id"].as_str().unwrap().to_owned();
        assert!(!distinct.contains(&id), "{id} claimed twice");
        let token = json!({ "claim_token": task["claim_token"] });
        server.step(&id, "start", token.clone()).await;
        server.step(&id, "complete", token).await;
        rest += 1;
    }
    assert_eq!(distinct.len() + rest, TASKS);
    assert_eq!(
        db.one("SELECT count(*) FROM task WHERE status = 'completed'"),
        json!(TASKS)
    );
}

#[tokio::test]
async fn claims_go_by_priority_then_age_and_serialize_per_issue() {
    let world = world(
        2,
        json!({ "tasks": [
            queued(1, A1, 1, &at(T0, -300)),
            queued(2, A1, 1, &at(T0, -200)),
            { "id": task_id(3), "workspace_id": W1, "agent_id": A1, "runtime_id": R1,
              "issue_id": issue_id(2), "status": "queued", "priority": 5, "created_at": at(T0, -100) },
        ]}),
    );
    let db = Db::new(&world);
    let server = db.at(T0);
    let (_, first) = server.claim(R1).await;
    assert_eq!(first["id"], json!(task_id(3)), "priority first");
    assert_eq!(first["status"], json!("dispatched"));
    assert_eq!(first["claim_expires_at"], json!(at(T0, 60)));
    let (_, second) = server.claim(R1).await;
    assert_eq!(second["id"], json!(task_id(1)), "then the oldest");
    // Task 2 shares issue 1 with the dispatched task 1: it waits.
    assert_eq!(server.claim(R1).await.0, 204);
    let token = json!({ "claim_token": second["claim_token"] });
    server.step(&task_id(1), "start", token.clone()).await;
    server.step(&task_id(1), "complete", token).await;
    assert_eq!(server.claim(R1).await.1["id"], json!(task_id(2)));
}

#[tokio::test]
async fn a_lost_start_response_retried_with_the_same_token_succeeds_exactly_once() {
    let db = Db::new(&world(1, json!({ "tasks": [queued(1, A1, 1, T0)] })));
    let server = db.at(&at(T0, 5));
    let (_, claimed) = server.claim(R1).await;
    let token = json!({ "claim_token": claimed["claim_token"] });
    let mut events = db.events.subscribe();

    let (status, first) = server.step(&task_id(1), "start", token.clone()).await;
    assert_eq!((status, &first["status"]), (200, &json!("running")));
    // The answer was lost; the daemon retries with the same token, later.
    let later = db.at(&at(T0, 30));
    let (status, again) = later.step(&task_id(1), "start", token.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["status"], json!("running"));
    assert_eq!(again["started_at"], first["started_at"], "started once");

    let mut running = 0;
    while let Ok(batch) = events.try_recv() {
        running += kinds(&batch)
            .iter()
            .filter(|k| *k == "task:running")
            .count();
    }
    assert_eq!(running, 1, "one start happened");
    assert_eq!(
        db.one(&format!(
            "SELECT started_at FROM task WHERE id = '{}'",
            task_id(1)
        )),
        json!(runtime_rules::server::store::sqlite::values::fixed_width(
            Instant::parse(&at(T0, 5), "t").unwrap()
        ))
    );

    // Once completed, the same token starts nothing.
    assert_eq!(
        later.step(&task_id(1), "complete", token.clone()).await.0,
        200
    );
    let (status, body) = later.step(&task_id(1), "start", token).await;
    assert_eq!(
        (status, &body["code"]),
        (409, &json!("task_state_conflict"))
    );
}

#[tokio::test]
async fn a_stale_token_cannot_start_or_fail_a_reclaimed_task() {
    let db = Db::new(&world(1, json!({ "tasks": [queued(1, A1, 1, T0)] })));
    let (_, first) = db.at(T0).claim(R1).await;
    let stale = json!({ "claim_token": first["claim_token"] });

    // 61 s later the lease is over; the start is refused as expired.
    let later = db.at(&at(T0, 61));
    let (status, body) = later.step(&task_id(1), "start", stale.clone()).await;
    assert_eq!((status, &body["code"]), (409, &json!("claim_expired")));

    // The runtime claims again: its expired lease is requeued and the task
    // claimed anew, with a new token.
    let (status, second) = later.claim(R1).await;
    assert_eq!((status, &second["id"]), (200, &json!(task_id(1))));
    assert_ne!(second["claim_token"], first["claim_token"]);

    for action in ["start", "fail"] {
        let mut body = stale.clone();
        if action == "fail" {
            body["error"] = json!("stale daemon");
        }
        let (status, answer) = later.step(&task_id(1), action, body).await;
        assert_eq!(
            (status, &answer["code"]),
            (409, &json!("claim_superseded")),
            "{action}"
        );
    }
    let (status, answer) = later.step(&task_id(1), "start", json!({})).await;
    assert_eq!(
        (status, &answer["code"]),
        (409, &json!("claim_token_required"))
    );
    let (status, answer) = later
        .step(&task_id(1), "start", json!({ "claim_token": "not-a-uuid" }))
        .await;
    assert_eq!(
        (status, &answer["code"], &answer["field"]),
        (400, &json!("invalid_claim_token"), &json!("claim_token"))
    );
    let fresh = json!({ "claim_token": second["claim_token"] });
    assert_eq!(later.step(&task_id(1), "start", fresh).await.0, 200);
}

// ---------------------------------------------------------------------------
// Failures, retries and the sweeper
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_killed_daemons_tasks_fail_with_runtime_offline_and_get_exactly_one_retry() {
    let db = Db::new(&world(
        2,
        json!({ "tasks": [queued(1, A1, 1, T0), queued(2, A2, 2, T0)] }),
    ));
    let t0 = db.at(T0);
    let (_, one) = t0.claim(R1).await;
    let token = json!({ "claim_token": one["claim_token"] });
    t0.step(one["id"].as_str().unwrap(), "start", token).await;
    t0.call(
        "POST",
        &format!("/api/tasks/{}/session", one["id"].as_str().unwrap()),
        DAEMON_W1,
        json!({ "session_id": "sess-1", "work_dir": "/w/1" }),
    )
    .await;
    let (_, two) = t0.claim(R1).await;
    assert_eq!(two["status"], json!("dispatched"));
    // The daemon dies: no more heartbeats. 150 s is not yet stale.
    let swept = db.at(&at(T0, 150)).state.sweep().await.unwrap();
    assert!(
        swept.offline.is_empty() && swept.failed.is_empty(),
        "{swept:?}"
    );

    let swept = db.at(&at(T0, 151)).state.sweep().await.unwrap();
    assert_eq!(swept.offline.len(), 1);
    assert_eq!(swept.failed.len(), 2);
    assert_eq!(swept.retried.len(), 2);
    let failed = db.rows(&format!(
        "SELECT failure_reason, error FROM task WHERE id IN ('{}', '{}')",
        task_id(1),
        task_id(2)
    ));
    assert!(
        failed.iter().all(|r| r[0] == json!("runtime_offline")),
        "{failed:?}"
    );
    let retry = db.rows(&format!(
        "SELECT status, attempt, session_id, work_dir, runtime_id FROM task WHERE parent_task_id = '{}'",
        task_id(1)
    ));
    assert_eq!(
        retry,
        [[
            json!("queued"),
            json!(2),
            json!("sess-1"),
            json!("/w/1"),
            json!(R1)
        ]]
    );

    // Later sweeps retry nothing more.
    for secs in [200, 400, 3600] {
        let swept = db.at(&at(T0, secs)).state.sweep().await.unwrap();
        assert!(swept.retried.is_empty(), "{secs}: {swept:?}");
    }
    assert_eq!(
        db.one("SELECT count(*) FROM task WHERE parent_task_id IS NOT NULL"),
        json!(2)
    );

    // The daemon comes back; the retry resumes the pinned session; when it
    // dies again the second attempt is the last.
    let back = db.at(&at(T0, 4000));
    assert_eq!(back.heartbeat(R1).await.1["came_online"], json!(true));
    let (_, retried) = back.claim(R1).await;
    assert_eq!(retried["attempt"], json!(2));
    if retried["issue_id"] == json!(issue_id(1)) {
        assert_eq!(
            retried["resume"],
            json!({ "session_id": "sess-1", "work_dir": "/w/1" })
        );
    }
    let swept = db.at(&at(T0, 4200)).state.sweep().await.unwrap();
    assert_eq!((swept.failed.len(), swept.retried.len()), (1, 0));
}

#[tokio::test]
async fn a_daemon_failure_retries_only_on_the_allow_list() {
    let db = Db::new(&world(
        2,
        json!({ "tasks": [queued(1, A1, 1, T0), queued(2, A2, 2, T0)] }),
    ));
    let server = db.at(T0);
    let mut answers = Vec::new();
    for reason in ["agent_error", "codex_semantic_inactivity"] {
        let (_, task) = server.claim(R1).await;
        let id = task["id"].as_str().unwrap().to_owned();
        let (status, answer) = server
            .step(
                &id,
                "fail",
                json!({ "claim_token": task["claim_token"], "error": "boom",
                        "failure_reason": reason }),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        answers.push(answer);
    }
    assert_eq!(answers[0]["retry"], Value::Null);
    assert_eq!(answers[0]["task"]["failure_reason"], json!("agent_error"));
    assert_eq!(answers[1]["retry"]["attempt"], json!(2));
    assert_eq!(
        answers[1]["retry"]["parent_task_id"],
        answers[1]["task"]["id"]
    );
}

#[tokio::test]
async fn dispatched_and_running_tasks_time_out_and_queued_ones_expire() {
    let db = Db::new(&world(
        3,
        json!({ "tasks": [queued(1, A1, 1, T0), queued(2, A2, 2, T0), queued(3, A1, 3, &at(T0, 600))] }),
    ));
    let t0 = db.at(T0);
    let (_, running) = t0.claim(R1).await;
    let token = json!({ "claim_token": running["claim_token"] });
    t0.step(running["id"].as_str().unwrap(), "start", token)
        .await;
    let (_, dispatched) = t0.claim(R1).await;
    assert_eq!(dispatched["status"], json!("dispatched"));
    // Heartbeats keep the runtime online throughout.
    let check = |secs: i64| {
        let db = &db;
        async move {
            let server = db.at(&at(T0, secs));
            server.heartbeat(R1).await;
            server.state.sweep().await.unwrap()
        }
    };
    assert!(
        check(300).await.failed.is_empty(),
        "300 s is not yet a timeout"
    );
    assert_eq!(
        check(301).await.failed,
        [dispatched["id"].as_str().unwrap().parse().unwrap()]
    );
    // Task 3 was queued at T0+600 behind the others and never claimed:
    // it expires after 7200 s, not a nanosecond before.
    let has = |swept: &runtime_rules::server::queue::Swept, id: &str| {
        swept.failed.iter().any(|f| f.to_string() == id)
    };
    assert!(!has(&check(7800).await, &task_id(3)));
    assert!(has(&check(7801).await, &task_id(3)));
    assert_eq!(
        db.one(&format!(
            "SELECT failure_reason FROM task WHERE id = '{}'",
            task_id(3)
        )),
        json!("queued_expired")
    );
    let running_id = running["id"].as_str().unwrap();
    assert!(
        !has(&check(9000).await, running_id),
        "9000 s is not yet a timeout"
    );
    assert!(has(&check(9001).await, running_id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_heartbeat_racing_the_sweeper_never_leaves_a_live_runtime_offline() {
    // R1 was last seen at T0; at T0+151 it is stale, and at that same
    // instant its daemon heartbeats while the sweeper runs, again and again.
    let db = Db::new(&world(0, json!({})));
    let now = at(T0, 151);
    for round in 0..50 {
        let sweeper = db.at(&now);
        let beater = db.at(&now);
        let sweeps = tokio::spawn(async move {
            for _ in 0..5 {
                sweeper.state.sweep().await.unwrap();
            }
        });
        let beats = tokio::spawn(async move {
            let mut answers = Vec::new();
            for _ in 0..5 {
                answers.push(beater.heartbeat(R1).await);
            }
            answers
        });
        sweeps.await.unwrap();
        for (status, beat) in beats.await.unwrap() {
            assert_eq!((status, &beat["status"]), (200, &json!("online")));
        }
        // The last heartbeat is at `now`: not stale at `now`, whoever ran last.
        db.at(&now).state.sweep().await.unwrap();
        assert_eq!(
            db.one(&format!("SELECT status FROM runtime WHERE id = '{R1}'")),
            json!("online"),
            "round {round}"
        );
        // Make it stale again for the next round.
        let conn = rusqlite::Connection::open(&db.path).unwrap();
        conn.execute(
            &format!("UPDATE runtime SET last_seen_at = '2026-05-19T12:00:00.000000000Z' WHERE id = '{R1}'"),
            [],
        )
        .unwrap();
    }
}

#[tokio::test]
async fn a_heartbeat_after_the_sweeper_flipped_the_runtime_brings_it_back_online() {
    let db = Db::new(&world(0, json!({})));
    let later = db.at(&at(T0, 151));
    assert_eq!(later.state.sweep().await.unwrap().offline.len(), 1);
    let (status, beat) = later.heartbeat(R1).await;
    assert_eq!((status, &beat["came_online"]), (200, &json!(true)));
    assert_eq!(
        db.one(&format!("SELECT status FROM runtime WHERE id = '{R1}'")),
        json!("online")
    );
    assert_eq!(later.heartbeat(R1).await.1["came_online"], json!(false));
}

#[tokio::test]
async fn collection_never_deletes_a_runtime_with_a_bound_agent_or_an_unfinished_task() {
    let eight_days_ago = at(T0, -8 * 86_400);
    let six_days_ago = at(T0, -6 * 86_400);
    let offline = |n: usize, seen: Option<&str>| {
        json!({ "id": runtime_id(n), "workspace_id": W1, "name": format!("r{n}"),
                "status": "offline", "last_seen_at": seen, "created_at": eight_days_ago })
    };
    let world = world(
        1,
        json!({
            "runtimes": [
                offline(10, Some(&eight_days_ago)),   // a bound archived agent
                offline(11, Some(&eight_days_ago)),   // an unfinished task pinned to it
                offline(12, Some(&eight_days_ago)),   // nothing: collected
                offline(13, Some(&six_days_ago)),     // too recent
                offline(14, None),                    // never seen
            ],
            "agents": [{ "id": "40000000-0000-4000-8000-000000000010", "workspace_id": W1,
                         "runtime_id": runtime_id(10), "name": "old", "archived_at": eight_days_ago }],
            "tasks": [
                { "id": task_id(11), "workspace_id": W1, "agent_id": A1, "runtime_id": runtime_id(11),
                  "status": "queued", "created_at": at(T0, -60) },
                { "id": task_id(12), "workspace_id": W1, "agent_id": A1, "runtime_id": runtime_id(12),
                  "status": "completed", "created_at": eight_days_ago, "finished_at": eight_days_ago },
            ],
        }),
    );
    let db = Db::new(&world);
    let swept = db.at(T0).state.sweep().await.unwrap();
    assert_eq!(
        swept
            .collected
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [runtime_id(12)]
    );
    let left: Vec<Value> = db
        .rows("SELECT id FROM runtime ORDER BY id")
        .into_iter()
        .map(|mut r| r.remove(0))
        .collect();
    for kept in [10, 11, 13, 14] {
        assert!(
            left.contains(&json!(runtime_id(kept))),
            "{kept} was collected"
        );
    }
    // The collected runtime's finished task stays, detached.
    assert_eq!(
        db.rows(&format!(
            "SELECT status, runtime_id FROM task WHERE id = '{}'",
            task_id(12)
        )),
        [[json!("completed"), Value::Null]]
    );
}

// ---------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------

#[tokio::test]
async fn registering_again_keeps_the_owner_and_recovers_orphans() {
    let db = Db::new(&world(1, json!({ "tasks": [queued(1, A1, 1, T0)] })));
    let server = db.at(T0);
    let (_, task) = server.claim(R1).await;
    server
        .step(
            task["id"].as_str().unwrap(),
            "start",
            json!({ "claim_token": task["claim_token"] }),
        )
        .await;
    // The daemon restarts and says hello again.
    let (status, answer) = db
        .at(&at(T0, 20))
        .register(
            json!({ "workspace_id": W1, "daemon_id": "d1", "provider": "claude",
                          "name": "renamed" }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["inserted"], json!(false));
    assert_eq!(answer["runtime"]["id"], json!(R1));
    assert_eq!(
        answer["runtime"]["owner_id"],
        json!(OWNER),
        "the owner is kept"
    );
    assert_eq!(answer["runtime"]["name"], json!("renamed"));
    assert_eq!(answer["recovered_task_ids"], json!([task_id(1)]));
    assert_eq!(answer["retried_task_ids"].as_array().unwrap().len(), 1);
    assert_eq!(
        db.one(&format!(
            "SELECT failure_reason FROM task WHERE id = '{}'",
            task_id(1)
        )),
        json!("runtime_recovery")
    );
}

#[tokio::test]
async fn a_daemon_running_for_a_member_registers_runtimes_that_member_owns() {
    let db = Db::new(&world(0, json!({})));
    let server = db.at(T0);
    let hello =
        json!({ "workspace_id": W1, "daemon_id": "laptop", "provider": "codex", "name": "laptop" });
    let (status, answer) = server
        .call(
            "POST",
            "/api/daemon/register",
            DAEMON_W1_OWNER,
            hello.clone(),
        )
        .await;
    assert_eq!(
        (status, &answer["runtime"]["owner_id"]),
        (200, &json!(OWNER)),
        "{answer}"
    );
    let runtime = answer["runtime"]["id"].as_str().unwrap().to_owned();
    // So its owner may bind an agent to it (SPEC §1: never to an ownerless runtime).
    let (status, agent) = server
        .call(
            "POST",
            "/api/agents",
            TOKEN_OWNER,
            json!({ "name": "new", "runtime_id": runtime }),
        )
        .await;
    assert_eq!(status, 201, "{agent}");
    // Registering again with a token that runs for nobody keeps the owner.
    let (_, again) = server.register(hello).await;
    assert_eq!(
        (&again["runtime"]["id"], &again["runtime"]["owner_id"]),
        (&json!(runtime), &json!(OWNER))
    );
}

#[tokio::test]
async fn registration_merges_legacy_runtimes_found_case_insensitively() {
    let legacy = |n: usize, daemon: &str, provider: &str| {
        json!({ "id": runtime_id(n), "workspace_id": W1, "name": daemon, "status": "offline",
                "last_seen_at": at(T0, -3600), "daemon_id": daemon, "provider": provider })
    };
    let world = world(
        0,
        json!({
            "runtimes": [
                legacy(20, "Jiayuans-MacBook-Pro.local", "claude"),
                legacy(21, "jiayuans-macbook-pro", "claude"),
                legacy(22, "jiayuans-macbook-pro-work", "claude"),
                legacy(23, "jiayuans-macbook-pro", "codex"),   // another provider: kept
                legacy(24, "someone-else", "claude"),          // another machine: kept
            ],
            "agents": [{ "id": "40000000-0000-4000-8000-000000000020", "workspace_id": W1,
                         "runtime_id": runtime_id(20), "name": "moved" }],
            "tasks": [{ "id": task_id(20), "workspace_id": W1,
                        "agent_id": "40000000-0000-4000-8000-000000000020",
                        "runtime_id": runtime_id(20), "status": "completed",
                        "created_at": at(T0, -4000), "finished_at": at(T0, -3900) }],
        }),
    );
    let db = Db::new(&world);
    let (status, answer) = db
        .at(T0)
        .register(
            json!({ "workspace_id": W1, "daemon_id": "0193c0de-uuid-like", "provider": "claude",
                          "name": "laptop", "hostname": " JIAYUANS-MacBook-Pro.LOCAL ",
                          "profile": "work" }),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["inserted"], json!(true));
    let merged: HashSet<String> = answer["merged_runtime_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        merged,
        HashSet::from([runtime_id(20), runtime_id(21), runtime_id(22)])
    );
    let new_id = answer["runtime"]["id"].as_str().unwrap();
    assert_eq!(
        db.one("SELECT runtime_id FROM agent WHERE id = '40000000-0000-4000-8000-000000000020'"),
        json!(new_id)
    );
    assert_eq!(
        db.one(&format!(
            "SELECT runtime_id FROM task WHERE id = '{}'",
            task_id(20)
        )),
        json!(new_id)
    );
    assert_eq!(
        db.one(&format!(
            "SELECT legacy_daemon_id FROM runtime WHERE id = '{new_id}'"
        )),
        json!("Jiayuans-MacBook-Pro.local"),
        "the first merged id is remembered"
    );
    for kept in [23, 24] {
        assert_eq!(
            db.one(&format!(
                "SELECT count(*) FROM runtime WHERE id = '{}'",
                runtime_id(kept)
            )),
            json!(1)
        );
    }
}

#[tokio::test]
async fn daemon_routes_need_a_daemon_token_of_the_runtimes_workspace() {
    let db = Db::new(&world(0, json!({})));
    let server = db.at(T0);
    let beat = json!({ "runtime_id": R1 });
    assert_eq!(
        server
            .call("POST", "/api/daemon/heartbeat", TOKEN_OWNER, beat.clone())
            .await
            .0,
        401
    );
    assert_eq!(
        server
            .call("POST", "/api/daemon/heartbeat", "nope", beat.clone())
            .await
            .0,
        401
    );
    let (status, body) = server
        .call("POST", "/api/daemon/heartbeat", DAEMON_W2, beat)
        .await;
    assert_eq!((status, &body["code"]), (404, &json!("runtime_not_found")));
    let (status, _) = server
        .call(
            "POST",
            &format!("/api/runtimes/{R1}/tasks/claim"),
            DAEMON_W2,
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = server
        .call(
            "POST",
            "/api/daemon/register",
            DAEMON_W2,
            json!({ "workspace_id": W1, "daemon_id": "x", "provider": "claude", "name": "x" }),
        )
        .await;
    assert_eq!(status, 404, "a daemon registers in its own workspace only");
}

// ---------------------------------------------------------------------------
// Work from users: queue, rerun, usage
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_rerun_cancels_the_assignees_tasks_and_starts_a_fresh_session() {
    let world = world(
        1,
        json!({ "tasks": [
            { "id": task_id(1), "workspace_id": W1, "agent_id": A1, "runtime_id": R1,
              "issue_id": issue_id(1), "status": "completed", "session_id": "good",
              "work_dir": "/w", "created_at": at(T0, -500), "finished_at": at(T0, -400) },
            queued(2, A1, 1, &at(T0, -10)),
            queued(3, A2, 1, &at(T0, -10)),
        ]}),
    );
    let db = Db::new(&world);
    let server = db.at(T0);
    // An ordinary task on the issue resumes the last good session.
    let (_, claimed) = server.claim(R1).await;
    assert_eq!(claimed["id"], json!(task_id(2)));
    assert_eq!(
        claimed["resume"],
        json!({ "session_id": "good", "work_dir": "/w" })
    );

    let (status, rerun) = server.rerun(1).await;
    assert_eq!(status, 201, "{rerun}");
    assert_eq!(
        rerun["cancelled_task_ids"],
        json!([task_id(2)]),
        "A2's task goes on"
    );
    assert_eq!(rerun["task"]["force_fresh_session"], json!(true));
    let (_, next) = server.claim(R1).await;
    let (_, last) = server.claim(R1).await;
    let fresh = [next, last]
        .into_iter()
        .find(|t| t["id"] == rerun["task"]["id"])
        .unwrap();
    assert_eq!(fresh["resume"], Value::Null, "a rerun resumes nothing");
}

#[tokio::test]
async fn usage_reported_for_a_task_shows_on_the_viewers_local_day() {
    let db = Db::new(&world(0, json!({})));
    // 20:15 UTC on 19 May is 01:45 on 20 May in Kolkata.
    let evening = "2026-05-19T20:15:00Z";
    let server = db.at(evening);
    let (status, task) = server
        .call(
            "POST",
            &format!("/api/agents/{A1}/tasks"),
            TOKEN_OWNER,
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{task}");
    let (_, claimed) = server.claim(R1).await;
    let id = claimed["id"].as_str().unwrap();
    let (status, answer) = server
        .call(
            "POST",
            &format!("/api/tasks/{id}/usage"),
            DAEMON_W1,
            json!([{ "provider": "anthropic", "model": "claude-sonnet-4-6",
                     "input_tokens": 1000, "output_tokens": 200 }]),
        )
        .await;
    assert_eq!((status, &answer), (200, &json!({ "recorded": 1 })));
    for (tz, date) in [("UTC", "2026-05-19"), ("Asia/Kolkata", "2026-05-20")] {
        let (status, rows) = server
            .call(
                "GET",
                &format!("/api/runtimes/{R1}/usage?days=1&tz={tz}"),
                TOKEN_OWNER,
                json!(null),
            )
            .await;
        assert_eq!(status, 200, "{rows}");
        let dates: Vec<&Value> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["date"])
            .collect();
        assert_eq!(dates, [&json!(date)], "{tz}");
    }
}

// ---------------------------------------------------------------------------
// Edges found in review
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_claim_reads_past_a_blocked_front_of_the_queue() {
    // 150 quick tasks of A1 come first (priority 9): once one is in flight
    // the rest wait behind it, more than two pages of them. A2's task is
    // last in claim order and must still be found.
    let mut tasks: Vec<Value> = (1..=150)
        .map(|n| {
            let mut t = queued(n, A1, 0, &at(T0, n as i64));
            t["priority"] = json!(9);
            t
        })
        .collect();
    tasks.push(queued(151, A2, 0, &at(T0, 1000)));
    let db = Db::new(&world(0, json!({ "tasks": tasks })));
    let server = db.at(&at(T0, 2000));
    assert_eq!(server.claim(R1).await.1["id"], json!(task_id(1)));
    assert_eq!(server.claim(R1).await.1["id"], json!(task_id(151)));
    assert_eq!(server.claim(R1).await.0, 204);
}

#[tokio::test]
async fn a_claim_brings_an_offline_runtime_back_online() {
    let db = Db::new(&world(1, json!({ "tasks": [queued(1, A1, 1, T0)] })));
    let later = db.at(&at(T0, 200));
    assert_eq!(later.state.sweep().await.unwrap().offline.len(), 1);
    let (status, task) = later.claim(R1).await;
    assert_eq!(status, 200, "{task}");
    assert_eq!(
        db.one(&format!("SELECT status FROM runtime WHERE id = '{R1}'")),
        json!("online")
    );
    // So the next sweep leaves the task it claimed alone.
    let swept = db.at(&at(T0, 210)).state.sweep().await.unwrap();
    assert!(swept.failed.is_empty(), "{swept:?}");
}

#[tokio::test]
async fn a_retry_of_a_rerun_resumes_no_rejected_session() {
    let world = world(
        1,
        json!({ "tasks": [
            { "id": task_id(1), "workspace_id": W1, "agent_id": A1, "runtime_id": R1,
              "issue_id": issue_id(1), "status": "completed", "session_id": "rejected",
              "created_at": at(T0, -500), "finished_at": at(T0, -400) },
        ]}),
    );
    let db = Db::new(&world);
    let server = db.at(T0);
    let (status, rerun) = server.rerun(1).await;
    assert_eq!(status, 201, "{rerun}");
    let (_, claimed) = server.claim(R1).await;
    assert_eq!(claimed["resume"], Value::Null);
    // The daemon dies before the rerun pins a session of its own.
    let swept = db.at(&at(T0, 151)).state.sweep().await.unwrap();
    assert_eq!(swept.retried.len(), 1);
    let back = db.at(&at(T0, 200));
    back.heartbeat(R1).await;
    let (_, retry) = back.claim(R1).await;
    assert_eq!(retry["parent_task_id"], claimed["id"]);
    assert_eq!(retry["force_fresh_session"], json!(true));
    assert_eq!(
        retry["resume"],
        Value::Null,
        "the rejected session stays rejected"
    );
}

#[tokio::test]
async fn another_members_daemon_can_neither_take_over_nor_merge_a_runtime() {
    const OTHER: &str = "20000000-0000-4000-8000-000000000009";
    let world = world(
        0,
        json!({
            "users": [{ "id": OTHER, "name": "Other", "token": "tok-other-q" }],
            "members": [{ "workspace_id": W1, "user_id": OTHER, "role": "member" }],
            "daemon_tokens": [{ "workspace_id": W1, "token": "tok-daemon-other", "user_id": OTHER }],
            "runtimes": [{ "id": runtime_id(30), "workspace_id": W1, "name": "old", "owner_id": OWNER,
                           "status": "offline", "last_seen_at": at(T0, -60),
                           "daemon_id": "owners-laptop", "provider": "claude" }],
        }),
    );
    let db = Db::new(&world);
    let server = db.at(T0);
    // R1 (daemon d1) is OWNER's: another member's daemon cannot claim it.
    let (status, body) = server
        .call("POST", "/api/daemon/register", "tok-daemon-other",
              json!({ "workspace_id": W1, "daemon_id": "d1", "provider": "claude", "name": "mine now" }))
        .await;
    assert_eq!(
        (status, &body["code"]),
        (409, &json!("runtime_owned_by_another"))
    );
    assert_eq!(
        db.one(&format!("SELECT name FROM runtime WHERE id = '{R1}'")),
        json!("r1")
    );
    // Nor can it merge OWNER's legacy row by naming its hostname.
    let (status, body) = server
        .call(
            "POST",
            "/api/daemon/register",
            "tok-daemon-other",
            json!({ "workspace_id": W1, "daemon_id": "uuid-x", "provider": "claude", "name": "x",
                      "hostname": "owners-laptop" }),
        )
        .await;
    assert_eq!(
        (status, &body["merged_runtime_ids"]),
        (200, &json!([])),
        "{body}"
    );
    assert_eq!(
        db.one(&format!(
            "SELECT count(*) FROM runtime WHERE id = '{}'",
            runtime_id(30)
        )),
        json!(1)
    );
}

#[tokio::test]
async fn a_session_pin_from_a_superseded_daemon_is_refused_and_a_fail_says_why() {
    let db = Db::new(&world(1, json!({ "tasks": [queued(1, A1, 1, T0)] })));
    let (_, first) = db.at(T0).claim(R1).await;
    let later = db.at(&at(T0, 61));
    let (_, second) = later.claim(R1).await;
    let path = format!("/api/tasks/{}/session", task_id(1));
    let (status, body) = later
        .call(
            "POST",
            &path,
            DAEMON_W1,
            json!({ "claim_token": first["claim_token"], "session_id": "old" }),
        )
        .await;
    assert_eq!((status, &body["code"]), (409, &json!("claim_superseded")));
    let mut events = db.events.subscribe();
    let (status, body) = later
        .call(
            "POST",
            &path,
            DAEMON_W1,
            json!({ "claim_token": second["claim_token"], "session_id": "new" }),
        )
        .await;
    assert_eq!((status, &body["session_id"]), (200, &json!("new")));
    let batch = events.try_recv().unwrap();
    assert_eq!(kinds(&batch), ["task:session"]);
    let (status, body) = later
        .step(
            &task_id(1),
            "fail",
            json!({ "claim_token": second["claim_token"] }),
        )
        .await;
    assert_eq!((status, &body["field"]), (400, &json!("error")));
}
