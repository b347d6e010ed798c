//! `scripts/bench-server` (`cargo bench --features server --bench server`):
//! the native server over HTTP on loopback, on SQLite files in a scratch
//! folder, measured by a small load generator in this process (ureq on
//! client threads; the server runs on its own Tokio runtime as `serve`
//! does).
//!
//! 1. Teardown of a runtime with 1,000 agents (800 active, 200 archived),
//!    100,000 tasks (3,000 unfinished), squads, autopilots, chats and
//!    issues: `GET teardown-snapshot`, then the confirmed
//!    `POST archive-agents-and-delete` (and, on other copies,
//!    `POST unbind-agents-and-delete`) with the active ids the snapshot
//!    showed, each on a fresh copy of a database seeded once. Then the
//!    same teardown in process, step by step, to show where the time goes.
//! 2. `GET /usage?days=90&tz=America/New_York` (and `days=30`) over
//!    1,000,000 raw usage rows spread over 120 days on one runtime (6
//!    agents, 5 models): an open-loop generator at a fixed 100 requests/s
//!    whose latencies count from each request's planned start (so a
//!    server that falls behind shows its queue instead of hiding it), a
//!    closed loop at 1 client (unloaded latency) and at 2 × cores clients
//!    (the most it serves); then, in process, both paths of the report:
//!    the hourly series the route reads in this zone (`Tx::usage_hours`,
//!    `usage_daily_from`) and the quarter-hour rollup it reads in zones
//!    whose dates start off the hour (`Tx::usage_buckets`, `usage_daily`,
//!    beside the bare SQLite scan of the same buckets), and the JSON
//!    encoding. Both must give the same report.
//!
//! Prints a table with the machine, date and commit, and writes every
//! figure to `bench/server-results.json` (git-ignored). No timing is
//! asserted: it fails only when an answer is wrong.
//!
//! Both databases are seeded through `load_fixture`, the path of
//! `runtime-rules seed` (1,000,000 usage rows take about 10 s: every
//! quarter hour's rollup is recomputed once, as `record_usage` does).
//!
//! Options (after `--`): `--quick` (fewer repetitions, shorter loads),
//! `--usage-rows N`, `--out FILE`.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::too_many_lines,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant as Tick};

use runtime_rules::server::fixture::{
    AgentFx, AutopilotFx, ChatSessionFx, Fixture, IssueFx, MemberFx, RuntimeFx, SquadFx, TaskFx,
    UserFx, WorkspaceFx,
};
use runtime_rules::server::store::Store;
use runtime_rules::server::store::sqlite::SqliteStore;
use runtime_rules::server::{AppState, Clock, serve};
use runtime_rules::teardown::{Mode, Policy, Request, TeardownInput, plan_teardown};
use runtime_rules::usage::{DailyInput, UsageRow, usage_daily, usage_daily_from};
use runtime_rules::window::{DayCount, local_days_start_on_whole_hours, since_from_days};
use runtime_rules::workspace::AssigneeType;
use runtime_rules::{Id, Instant, Outcome, Zone};
use serde_json::{Value, json};

// ---------------------------------------------------------------- world

/// The instant the benchmark's server lives at (`Clock::Fixed`): the
/// usage window and bucket counts are the same on every run.
const NOW: i64 = 1_763_658_000; // 2025-11-20T17:00:00Z
const ZONE: &str = "America/New_York";
const TOKEN: &str = "bench-owner-token-0001";

const AGENTS: u32 = 1_000;
const TASKS: u32 = 100_000;
const CHATS: u32 = 2_000;
const ISSUES: u32 = 1_000;

const USAGE_DAYS: i64 = 120;
const USAGE_ROWS: u64 = 1_000_000;

/// A UUID `kkkkkkkk-0000-4000-8000-nnnnnnnnnnnn`.
fn id(kind: u32, n: u32) -> Id {
    Id::from_u128((u128::from(kind) << 96) | (0x4000 << 64) | (0x8000 << 48) | u128::from(n))
}

const WORKSPACE: u32 = 1;
const USER: u32 = 2;
const RUNTIME: u32 = 3;
const AGENT: u32 = 4;
const SQUAD: u32 = 5;
const AUTOPILOT: u32 = 6;
const ISSUE: u32 = 7;
const CHAT: u32 = 8;
const TASK: u32 = 9;
const USAGE_TASK: u32 = 10;

fn at(secs: i64) -> Instant {
    Instant::from_unix(secs, 0).unwrap()
}

fn now() -> Instant {
    at(NOW)
}

/// A deterministic hash of `i` (splitmix64).
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn base(timezone: Option<&str>) -> Fixture {
    Fixture {
        workspaces: vec![WorkspaceFx {
            id: id(WORKSPACE, 1),
            name: "bench".into(),
        }],
        users: vec![
            UserFx {
                id: id(USER, 1),
                name: "Owner".into(),
                token: TOKEN.into(),
                timezone: timezone.map(str::to_owned),
            },
            UserFx {
                id: id(USER, 2),
                name: "Member".into(),
                token: "bench-member-token-0002".into(),
                timezone: None,
            },
        ],
        members: vec![
            MemberFx {
                workspace_id: id(WORKSPACE, 1),
                user_id: id(USER, 1),
                role: "owner".into(),
            },
            MemberFx {
                workspace_id: id(WORKSPACE, 1),
                user_id: id(USER, 2),
                role: "member".into(),
            },
        ],
        ..Fixture::default()
    }
}

fn runtime_fx(n: u32, name: &str) -> RuntimeFx {
    RuntimeFx {
        id: id(RUNTIME, n),
        workspace_id: id(WORKSPACE, 1),
        name: name.into(),
        owner_id: Some(id(USER, 1)),
        visibility: "private".into(),
        status: "online".into(),
        last_seen_at: Some(now()),
        daemon_id: Some(format!("daemon-{n}")),
        provider: Some("claude".into()),
        created_at: Some(at(NOW - 200 * 86_400)),
        hostname: None,
    }
}

fn agent_fx(n: u32, runtime: u32, archived: bool) -> AgentFx {
    AgentFx {
        id: id(AGENT, n),
        workspace_id: id(WORKSPACE, 1),
        runtime_id: Some(id(RUNTIME, runtime)),
        name: format!("agent-{n:05}"),
        owner_id: Some(id(USER, 1 + n % 2)),
        visibility: if n.is_multiple_of(3) {
            "private"
        } else {
            "workspace"
        }
        .into(),
        status: if n.is_multiple_of(7) {
            "working"
        } else {
            "idle"
        }
        .into(),
        model: ["claude-sonnet-4-6", "gpt-5", "claude-opus-4-7"][(n % 3) as usize].into(),
        archived_at: archived.then(|| at(NOW - 86_400 * i64::from(1 + n % 30))),
        created_at: Some(at(NOW - 150 * 86_400)),
        instructions: "You are a careful engineer.".into(),
        custom_env: None,
        mcp_config: None,
        max_concurrent_tasks: None,
    }
}

/// The teardown world: runtime 1 with 1,000 agents (every fifth archived),
/// runtime 2 with 10 agents that lead the active squads.
fn teardown_world() -> Fixture {
    let mut f = base(Some(ZONE));
    f.runtimes = vec![runtime_fx(1, "build-farm"), runtime_fx(2, "laptop")];
    f.agents = (0..AGENTS).map(|n| agent_fx(n, 1, n % 5 == 4)).collect();
    f.agents
        .extend((AGENTS..AGENTS + 10).map(|n| agent_fx(n, 2, false)));
    // 20 archived squads led by agents of runtime 1 (deleted with them),
    // 5 active squads led by agents of runtime 2 with members of runtime 1.
    for s in 0..20 {
        f.squads.push(SquadFx {
            id: id(SQUAD, s),
            workspace_id: id(WORKSPACE, 1),
            name: format!("old-squad-{s}"),
            leader_id: id(AGENT, s * 50),
            archived_at: Some(at(NOW - 10 * 86_400)),
            members: (1..=5).map(|k| id(AGENT, s * 50 + k)).collect(),
            created_at: None,
        });
    }
    for s in 20..25 {
        f.squads.push(SquadFx {
            id: id(SQUAD, s),
            workspace_id: id(WORKSPACE, 1),
            name: format!("squad-{s}"),
            leader_id: id(AGENT, AGENTS + s - 20),
            archived_at: None,
            members: (0..3).map(|k| id(AGENT, s * 37 + k)).collect(),
            created_at: None,
        });
    }
    // 40 autopilots on agents of runtime 1 (30 active), 10 on the archived
    // squads, 5 on the active squads.
    for k in 0..55 {
        let (kind, assignee, status) = match k {
            0..40 => (
                AssigneeType::Agent,
                id(AGENT, k * 25),
                if k % 4 == 3 { "paused" } else { "active" },
            ),
            40..50 => (AssigneeType::Squad, id(SQUAD, k - 40), "active"),
            _ => (AssigneeType::Squad, id(SQUAD, k - 50 + 20), "active"),
        };
        f.autopilots.push(AutopilotFx {
            id: id(AUTOPILOT, k),
            workspace_id: id(WORKSPACE, 1),
            name: format!("autopilot-{k}"),
            status: status.into(),
            pause_reason: (status == "paused").then(|| "manual".into()),
            assignee_type: kind,
            assignee_id: assignee,
            created_at: None,
        });
    }
    f.issues = (0..ISSUES)
        .map(|j| IssueFx {
            id: id(ISSUE, j),
            workspace_id: id(WORKSPACE, 1),
            title: format!("issue {j}"),
            status: "in_progress".into(),
            assignee_type: (j % 2 == 0).then_some(AssigneeType::Agent),
            assignee_id: (j % 2 == 0).then(|| id(AGENT, j % AGENTS)),
            created_at: None,
        })
        .collect();
    f.chat_sessions = (0..CHATS)
        .map(|c| ChatSessionFx {
            id: id(CHAT, c),
            workspace_id: id(WORKSPACE, 1),
            agent_id: id(AGENT, c % AGENTS),
            runtime_id: Some(id(RUNTIME, 1)),
            title: format!("chat {c}"),
            created_at: None,
        })
        .collect();
    // 3% unfinished; 1% of the agents' tasks pinned to runtime 2; 0.1% of
    // runtime 1's tasks belong to runtime 2's agents.
    let unfinished = ["queued", "dispatched", "running", "waiting_local_directory"];
    let finished = ["completed", "completed", "completed", "failed", "cancelled"];
    f.tasks = (0..TASKS)
        .map(|i| {
            let open = i % 100 < 3;
            let status = if open {
                unfinished[(i / 100 % 4) as usize]
            } else {
                finished[(i % 5) as usize]
            };
            let agent = if i % 1000 == 999 {
                AGENTS + i % 10
            } else {
                i % AGENTS
            };
            let runtime = if i % 100 == 50 { 2 } else { 1 };
            let created = NOW - 100 * 86_400 + i64::from(i) * 80;
            TaskFx {
                id: id(TASK, i),
                workspace_id: id(WORKSPACE, 1),
                agent_id: id(AGENT, agent),
                runtime_id: Some(id(RUNTIME, runtime)),
                issue_id: (i % 10 == 3).then(|| id(ISSUE, i / 10 % ISSUES)),
                chat_session_id: (i % 50 == 7).then(|| id(CHAT, i / 50 % CHATS)),
                status: status.into(),
                priority: i64::from(i % 3),
                created_at: Some(at(created)),
                started_at: (status != "queued").then(|| at(created + 5)),
                finished_at: (!open).then(|| at(created + 65)),
                failure_reason: (status == "failed").then(|| "timeout".into()),
                autopilot_run_id: None,
                dispatched_at: None,
                claim_token: None,
                claim_expires_at: None,
                attempt: 1,
                max_attempts: 2,
                parent_task_id: None,
                error: None,
                session_id: None,
                work_dir: None,
            }
        })
        .collect();
    f
}

/// The usage world's agents and models: six agents, each with a main model
/// (70% of its rows) and a second one; five models in all.
/// (provider, model)
type Model = (&'static str, &'static str);

/// (share of the rows in %, main model, second model)
const USAGE_AGENTS: [(u32, Model, Model); 6] = [
    (
        30,
        ("anthropic", "claude-sonnet-4-6"),
        ("anthropic", "claude-opus-4-7"),
    ),
    (
        25,
        ("anthropic", "claude-sonnet-4-6"),
        ("anthropic", "claude-haiku-4-5"),
    ),
    (15, ("openai", "gpt-5"), ("openai", "gpt-5-mini")),
    (15, ("anthropic", "claude-opus-4-7"), ("openai", "gpt-5")),
    (
        10,
        ("openai", "gpt-5-mini"),
        ("anthropic", "claude-haiku-4-5"),
    ),
    (
        5,
        ("anthropic", "claude-haiku-4-5"),
        ("anthropic", "claude-sonnet-4-6"),
    ),
];

fn usage_world() -> Fixture {
    let mut f = base(Some(ZONE));
    f.runtimes = vec![runtime_fx(1, "usage-farm")];
    f.agents = (0..USAGE_AGENTS.len() as u32)
        .map(|n| agent_fx(n, 1, false))
        .collect();
    f
}

/// (task, agent, which model) of usage row `i`: every eighth task reports
/// two models (rows `8k` and `8k + 1`).
fn usage_shape(i: u64) -> (u64, usize, usize) {
    if i % 8 == 1 {
        let (task, agent, model) = usage_shape(i - 1);
        return (task, agent, 1 - model);
    }
    let h = mix(i);
    let mut pick = (h % 100) as u32;
    let mut agent = 0;
    for (k, (weight, _, _)) in USAGE_AGENTS.iter().enumerate() {
        if pick < *weight {
            agent = k;
            break;
        }
        pick -= weight;
    }
    let model = usize::from((h >> 32) % 10 >= 7);
    (i, agent, model)
}

/// Usage row `i` of `total`, spread evenly over the 120 days before NOW.
fn usage_row(i: u64, total: u64) -> UsageRow {
    let (task, agent, model) = usage_shape(i);
    let span = (USAGE_DAYS * 86_400) as u64;
    let h = mix(i ^ 0x5555);
    let offset = (u128::from(i) * u128::from(span) / u128::from(total)) as i64;
    let (_, main, second) = USAGE_AGENTS[agent];
    let (provider, model) = if model == 0 { main } else { second };
    let input = 1_000 + h % 40_000;
    UsageRow {
        task_id: id(USAGE_TASK, task as u32),
        agent_id: id(AGENT, agent as u32),
        runtime_id: id(RUNTIME, 1),
        workspace_id: Some(id(WORKSPACE, 1)),
        provider: provider.into(),
        model: model.into(),
        input_tokens: input,
        output_tokens: input / 5,
        cache_read_tokens: input * 2,
        cache_write_tokens: input / 10,
        cost_usd_ticks: (h % 10 < 7).then_some(input * 30_000),
        created_at: Instant::from_unix(
            NOW - USAGE_DAYS * 86_400 + offset,
            (h % 1_000_000_000) as u32,
        )
        .unwrap(),
    }
}

// ---------------------------------------------------------------- server

/// A server on its own Tokio runtime (as `runtime-rules serve` runs it),
/// stopped by dropping it.
struct Server {
    runtime: Option<tokio::runtime::Runtime>,
    base: String,
    store: Arc<dyn Store>,
}

impl Server {
    fn start(path: &Path) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(path).unwrap());
        let (stop, shutdown) = tokio::sync::watch::channel(false);
        let state = AppState::new(Arc::clone(&store), Clock::Fixed(now()), shutdown);
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        runtime.spawn(serve(listener, state, None, stop));
        Server {
            runtime: Some(runtime),
            base,
            store,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

fn http(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

struct Answer {
    status: u16,
    body: String,
    viewing_tz: Option<String>,
}

fn get(agent: &ureq::Agent, url: &str) -> Answer {
    let mut response = agent
        .get(url)
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    answer(&mut response)
}

fn post(agent: &ureq::Agent, url: &str, body: String) -> Answer {
    let mut response = agent
        .post(url)
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    answer(&mut response)
}

fn answer(response: &mut ureq::http::Response<ureq::Body>) -> Answer {
    let status = response.status().as_u16();
    let viewing_tz = response
        .headers()
        .get("x-viewing-tz")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_string()
        .unwrap();
    Answer {
        status,
        body,
        viewing_tz,
    }
}

// ---------------------------------------------------------------- figures

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Nearest-rank percentile of sorted values.
fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    pct(&v, 50.0)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NAN, f64::max)
}

fn fmt_ms(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v.is_infinite() {
        "dropped".into()
    } else if v >= 10_000.0 {
        format!("{:.1} s", v / 1e3)
    } else if v >= 100.0 {
        format!("{v:.0} ms")
    } else if v >= 10.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.2} ms")
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------- machine

fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .and_then(|r| r.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".into());
    let logical = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let available = std::thread::available_parallelism().map_or(0, usize::from);
    let mem_gib = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let load = load_average();
    let run = |cmd: &str, args: &[&str]| {
        std::process::Command::new(cmd)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = run("git", &["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = run("git", &["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|s| !s.is_empty());
    let rustc = run("rustc", &["--version"]).unwrap_or_default();
    let date = Clock::System.now().to_string();
    let profile = if cfg!(debug_assertions) {
        "debug assertions on: NOT an optimized build"
    } else {
        "optimized (cargo bench: profile `bench` = release, lto, codegen-units 1)"
    };
    json!({
        "cpu": cpu,
        "logical_cpus": logical,
        "available_parallelism": available,
        "memory_gib": (mem_gib * 10.0).round() / 10.0,
        "load_average_1m_at_start": load,
        "date": date,
        "commit": commit,
        "uncommitted_changes": dirty,
        "build_profile": profile,
        "rustc": rustc,
        "sqlite": rusqlite::version(),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
    })
}

// ---------------------------------------------------------------- teardown

struct TeardownRun {
    snapshot_ms: f64,
    teardown_ms: f64,
    snapshot_bytes: usize,
    response: Value,
}

fn teardown_over_http(path: &Path, policy: Policy) -> TeardownRun {
    let server = Server::start(path);
    let agent = http(Duration::from_secs(300));
    let runtime = id(RUNTIME, 1);
    let t = Tick::now();
    let snap = get(
        &agent,
        &format!("{}/api/runtimes/{runtime}/teardown-snapshot", server.base),
    );
    let snapshot_ms = ms(t.elapsed());
    assert_eq!(snap.status, 200, "teardown-snapshot: {}", snap.body);
    let snapshot: Value = serde_json::from_str(&snap.body).unwrap();
    let agents = snapshot["agents"].as_array().unwrap();
    assert_eq!(agents.len(), AGENTS as usize, "the snapshot's agents");
    let active: Vec<&str> = agents
        .iter()
        .filter(|a| a["archived_at"].is_null())
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let route = match policy {
        Policy::Archive => "archive-agents-and-delete",
        Policy::Unbind => "unbind-agents-and-delete",
    };
    let body = json!({ "expected_active_agent_ids": active }).to_string();
    let t = Tick::now();
    let done = post(
        &agent,
        &format!("{}/api/runtimes/{runtime}/{route}", server.base),
        body,
    );
    let teardown_ms = ms(t.elapsed());
    assert_eq!(done.status, 200, "{route}: {}", done.body);
    let response: Value = serde_json::from_str(&done.body).unwrap();
    // The runtime is gone.
    let gone = get(&agent, &format!("{}/api/runtimes/{runtime}", server.base));
    assert_eq!(gone.status, 404, "the runtime after {route}: {}", gone.body);
    drop(server);
    TeardownRun {
        snapshot_ms,
        teardown_ms,
        snapshot_bytes: snap.body.len(),
        response,
    }
}

/// The same teardown in process, each part timed: where the time goes.
fn teardown_in_process(path: &Path, policy: Policy) -> (Value, Value) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(path).unwrap());
    let mut parts: Vec<(String, usize, f64)> = Vec::new();
    let total = Tick::now();
    let mut body_ms = 0.0;
    let response = store
        .write(|tx| {
            let body = Tick::now();
            let t = Tick::now();
            let runtime = tx.runtime(id(RUNTIME, 1))?.unwrap();
            let member = tx.member(runtime.workspace_id, id(USER, 1))?.unwrap();
            parts.push(("runtime + member".into(), 1, ms(t.elapsed())));
            let t = Tick::now();
            let snapshot = tx.teardown_snapshot(&runtime)?;
            parts.push((
                "read snapshot".into(),
                snapshot.agents.len() + snapshot.tasks.len(),
                ms(t.elapsed()),
            ));
            let active: Vec<String> = snapshot
                .agents
                .iter()
                .filter(|a| a.archived_at.is_none())
                .map(|a| a.id.to_string())
                .collect();
            let input = TeardownInput {
                actor: member,
                request: Request {
                    mode: Mode::Confirmed,
                    policy,
                    expected_active_agent_ids: runtime_rules::agent_set::AgentIdList::new(active),
                },
                snapshot,
            };
            let t = Tick::now();
            let Outcome::Plan { plan } = plan_teardown(&input)? else {
                panic!("the in-process teardown was refused");
            };
            parts.push(("plan_teardown".into(), plan.steps.len(), ms(t.elapsed())));
            for step in &plan.steps {
                let t = Tick::now();
                tx.apply_step(step, now())?;
                let name = serde_json::to_value(step.op)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned();
                parts.push((format!("step {name}"), step.ids.len(), ms(t.elapsed())));
            }
            let t = Tick::now();
            let events: Vec<Value> = plan
                .events
                .iter()
                .map(|e| serde_json::to_value(e).unwrap())
                .collect();
            parts.push(("encode events".into(), events.len(), ms(t.elapsed())));
            body_ms = ms(body.elapsed());
            Ok(serde_json::to_value(&plan.response).unwrap())
        })
        .unwrap();
    let total_ms = ms(total.elapsed());
    parts.push(("commit (+ BEGIN IMMEDIATE)".into(), 0, total_ms - body_ms));
    drop(store);
    let parts = parts
        .into_iter()
        .map(|(part, rows, ms)| json!({ "part": part, "rows": rows, "ms": ms }))
        .collect::<Vec<_>>();
    (json!({ "total_ms": total_ms, "parts": parts }), response)
}

fn copy_db(from: &Path, to: &Path) {
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", from.display()));
        assert!(!side.exists(), "{} is still open", from.display());
    }
    std::fs::copy(from, to).unwrap();
}

fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

// ---------------------------------------------------------------- usage

struct LoadRun {
    scheduled: usize,
    completed: usize,
    dropped: usize,
    errors: usize,
    /// From the planned start (open loop) or the send (closed loop), sorted.
    latency_ms: Vec<f64>,
    /// From the send, sorted.
    service_ms: Vec<f64>,
    elapsed_s: f64,
}

impl LoadRun {
    fn json(&self) -> Value {
        let l = &self.latency_ms;
        json!({
            "scheduled": self.scheduled,
            "completed": self.completed,
            "dropped_after_deadline": self.dropped,
            "errors": self.errors,
            "achieved_rps": self.completed as f64 / self.elapsed_s,
            "elapsed_s": self.elapsed_s,
            "latency_is_lower_bound": self.dropped > 0,
            "latency_ms": {
                "p50": pct(l, 50.0), "p90": pct(l, 90.0), "p99": pct(l, 99.0), "max": max(l),
            },
            "service_time_ms": {
                "p50": pct(&self.service_ms, 50.0), "p99": pct(&self.service_ms, 99.0),
                "max": max(&self.service_ms),
            },
        })
    }
}

enum Sample {
    Done {
        latency: Duration,
        service: Duration,
        ok: bool,
        end: Tick,
    },
    /// Not sent by the deadline: its latency is at least `lower_bound`.
    Dropped { lower_bound: Duration },
}

fn fetch(agent: &ureq::Agent, url: &str) -> bool {
    match agent
        .get(url)
        .header("Authorization", &format!("Bearer {TOKEN}"))
        .call()
    {
        Ok(mut r) => {
            r.status().as_u16() == 200
                && r.body_mut()
                    .with_config()
                    .limit(64 << 20)
                    .read_to_vec()
                    .is_ok()
        }
        Err(_) => false,
    }
}

/// Open loop: request `i` is planned at `t0 + i / rate`; its latency counts
/// from that instant, so time spent waiting for a free client (because the
/// server is behind) is counted, not omitted. Requests not sent by
/// `t0 + duration + grace` are dropped and reported.
fn open_loop(url: &str, rate: f64, duration: Duration, threads: usize, grace: Duration) -> LoadRun {
    let total = (rate * duration.as_secs_f64()).round() as usize;
    let next = AtomicUsize::new(0);
    let t0 = Tick::now() + Duration::from_millis(20);
    let deadline = t0 + duration + grace;
    let samples: Vec<Sample> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let agent = http(Duration::from_secs(120));
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break;
                        }
                        let planned = t0 + Duration::from_secs_f64(i as f64 / rate);
                        let now = Tick::now();
                        if now < planned {
                            std::thread::sleep(planned - now);
                        }
                        let start = Tick::now();
                        if start >= deadline {
                            mine.push(Sample::Dropped {
                                lower_bound: start - planned,
                            });
                            continue;
                        }
                        let ok = fetch(&agent, url);
                        let end = Tick::now();
                        mine.push(Sample::Done {
                            latency: end - planned,
                            service: end - start,
                            ok,
                            end,
                        });
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    summarize(samples, t0, total)
}

/// Closed loop: `clients` clients, each sending its next request when the
/// last one is answered, for `duration`.
fn closed_loop(url: &str, clients: usize, duration: Duration) -> LoadRun {
    let t0 = Tick::now();
    let stop = t0 + duration;
    let samples: Vec<Sample> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                s.spawn(|| {
                    let agent = http(Duration::from_secs(120));
                    let mut mine = Vec::new();
                    while Tick::now() < stop {
                        let start = Tick::now();
                        let ok = fetch(&agent, url);
                        let end = Tick::now();
                        mine.push(Sample::Done {
                            latency: end - start,
                            service: end - start,
                            ok,
                            end,
                        });
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let n = samples.len();
    summarize(samples, t0, n)
}

fn summarize(samples: Vec<Sample>, t0: Tick, scheduled: usize) -> LoadRun {
    let mut latency_ms = Vec::new();
    let mut service_ms = Vec::new();
    let mut dropped = 0;
    let mut errors = 0;
    let mut last = t0;
    for s in samples {
        match s {
            // Counted at the latency they had reached when given up, so
            // the percentiles are lower bounds instead of leaving them out.
            Sample::Dropped { lower_bound } => {
                dropped += 1;
                latency_ms.push(ms(lower_bound));
            }
            Sample::Done {
                latency,
                service,
                ok,
                end,
            } => {
                if !ok {
                    errors += 1;
                }
                latency_ms.push(ms(latency));
                service_ms.push(ms(service));
                last = last.max(end);
            }
        }
    }
    latency_ms.sort_by(f64::total_cmp);
    service_ms.sort_by(f64::total_cmp);
    LoadRun {
        scheduled,
        completed: service_ms.len(),
        dropped,
        errors,
        latency_ms,
        service_ms,
        elapsed_s: (last - t0).as_secs_f64().max(1e-9),
    }
}

/// Times `f` `n` times; the median and the last value.
fn time_n<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..n {
        let t = Tick::now();
        last = Some(std::hint::black_box(f()));
        times.push(ms(t.elapsed()));
    }
    (median(&times), last.unwrap())
}
/// Where the time of one daily report goes, in process, on the same file:
/// the store's read, the core's `usage_daily`, the JSON encoding, and
/// the bare SQLite scan of the same statement (every row stepped, no
/// column converted) as the floor of the read.
fn usage_in_process(path: &Path, store: &Arc<dyn Store>, days: u32, reps: usize) -> Value {
    let tz = Zone::parse(ZONE, "tz").unwrap();
    let since = since_from_days(now(), DayCount(days), tz).unwrap();
    let runtime = id(RUNTIME, 1);
    let (read_ms, buckets) = time_n(reps, || {
        store.read(|tx| tx.usage_buckets(runtime, since)).unwrap()
    });
    let (daily_ms, rows) = time_n(reps, || usage_daily(&buckets, tz, since));
    let (json_ms, bytes) = time_n(reps, || serde_json::to_vec(&rows).unwrap());
    // The hourly path the route takes when every local date of the window
    // starts on a whole hour (America/New_York does): the same report.
    let (hours_ms, hours) = time_n(reps, || {
        store.read(|tx| tx.usage_hours(runtime, since)).unwrap()
    });
    let last = hours.iter().map(|h| h.hour_start).max().unwrap_or(since);
    let whole_hours = local_days_start_on_whole_hours(tz, since, last);
    let (hourly_daily_ms, hourly_rows) = time_n(reps, || {
        usage_daily_from(
            hours.iter().map(|h| DailyInput {
                bucket_start: h.hour_start,
                provider: &h.provider,
                model: &h.model,
                usage: h.usage,
            }),
            tz,
            since,
        )
    });
    assert!(whole_hours, "{ZONE}'s dates start on whole hours");
    assert_eq!(
        hourly_rows, rows,
        "the hourly path gives the quarter-hour path's report"
    );
    // The statement of store/sqlite/usage.rs `buckets`; should the schema
    // change under it, the floor is left out rather than failing the run.
    let conn = rusqlite::Connection::open(path).unwrap();
    let scan = |conn: &rusqlite::Connection| -> rusqlite::Result<u64> {
        let mut stmt = conn.prepare_cached(
            "SELECT bucket_start, workspace_id, runtime_id, agent_id, provider, model,
                input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, cost_usd_ticks,
                uncosted_input_tokens, uncosted_output_tokens, uncosted_cache_read_tokens,
                uncosted_cache_write_tokens, task_count, event_count
             FROM usage_rollup WHERE runtime_id = ?1 AND bucket_start >= ?2",
        )?;
        let mut rows = stmt.query(rusqlite::params![runtime, since])?;
        let mut n = 0_u64;
        while rows.next()?.is_some() {
            n += 1;
        }
        Ok(n)
    };
    let floor = match scan(&conn) {
        Ok(n) if n == buckets.len() as u64 => Some(time_n(reps, || scan(&conn).unwrap()).0),
        Ok(_) | Err(_) => None,
    };
    json!({
        "days": days,
        "since": since.to_string(),
        "quarter_hour_buckets_in_window": buckets.len(),
        "rows_out": rows.len(),
        "response_bytes": bytes.len(),
        "median_of": reps,
        "hourly_series_read": hours.len(),
        "store_usage_hours_ms": hours_ms,
        "hourly_usage_daily_ms": hourly_daily_ms,
        "store_usage_buckets_ms": read_ms,
        "sqlite_bare_scan_ms": floor,
        "usage_daily_ms": daily_ms,
        "json_encode_ms": json_ms,
    })
}

// ---------------------------------------------------------------- main

struct Options {
    quick: bool,
    usage_rows: u64,
    out: PathBuf,
}

fn options() -> Options {
    let mut o = Options {
        quick: false,
        usage_rows: USAGE_ROWS,
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/server-results.json"),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => o.quick = true,
            "--usage-rows" => {
                o.usage_rows = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .expect("--usage-rows N");
            }
            "--out" => o.out = PathBuf::from(args.next().expect("--out FILE")),
            // What `cargo bench` passes to a harness-less bench.
            "--bench" => {}
            "--help" | "-h" => {
                println!("scripts/bench-server [--quick] [--usage-rows N] [--out FILE]");
                std::process::exit(0);
            }
            other => {
                eprintln!("bench-server: unknown option {other:?} (try --help)");
                std::process::exit(2);
            }
        }
    }
    o
}

/// How long each part runs.
struct Plan {
    reps: usize,
    rate: f64,
    open_for: Duration,
    grace: Duration,
    open_threads: usize,
    closed_for: Duration,
    closed_clients: usize,
    in_process_reps: usize,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default()
}

/// Ctrl-C ends the benchmark and removes its scratch folder (`serve`
/// installs a SIGINT handler, which would otherwise only stop one server).
fn exit_on_interrupt(scratch: PathBuf) {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        if runtime.block_on(tokio::signal::ctrl_c()).is_ok() {
            eprintln!("bench-server: interrupted");
            let _ = std::fs::remove_dir_all(&scratch);
            std::process::exit(130);
        }
    });
}

fn main() {
    let opts = options();
    let started = Tick::now();
    let machine = machine();
    let scratch = tempfile::Builder::new()
        .prefix("runtime-rules-bench-")
        .tempdir()
        .unwrap();
    let dir = scratch.path();
    exit_on_interrupt(dir.to_path_buf());
    let cores = machine["available_parallelism"]
        .as_u64()
        .unwrap_or(2)
        .max(1) as usize;
    let plan = Plan {
        reps: if opts.quick { 2 } else { 5 },
        rate: 100.0,
        open_for: Duration::from_secs(if opts.quick { 3 } else { 10 }),
        grace: Duration::from_secs(if opts.quick { 3 } else { 10 }),
        open_threads: 32,
        closed_for: Duration::from_secs(if opts.quick { 2 } else { 5 }),
        closed_clients: 2 * cores,
        in_process_reps: if opts.quick { 3 } else { 9 },
    };
    eprintln!("bench-server: scratch folder {}", dir.display());

    let teardown = teardown_section(dir, &plan);
    let usage = usage_section(dir, &plan, opts.usage_rows);

    let table = table(&machine, &plan, &teardown, &usage, started.elapsed());
    print!("{table}");
    let results = json!({
        "benchmark": "scripts/bench-server (benches/server.rs)",
        "machine": machine,
        "options": { "quick": opts.quick, "usage_rows": opts.usage_rows },
        "targets": {
            "teardown_archive_max_under_1s": teardown["results"]["archive"]["max_ms"].as_f64().is_some_and(|v| v < 1000.0),
            "teardown_unbind_max_under_1s": teardown["results"]["unbind"]["max_ms"].as_f64().is_some_and(|v| v < 1000.0),
            "usage_days_90_p99_under_50ms_at_100rps": open_loop_met(&usage["results"]["days_90"]),
            "usage_days_30_p99_under_50ms_at_100rps": open_loop_met(&usage["results"]["days_30"]),
        },
        "teardown": teardown,
        "usage": usage,
        "table": table,
        "total_s": started.elapsed().as_secs_f64(),
    });
    if let Some(parent) = opts.out.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(
        &opts.out,
        serde_json::to_string_pretty(&results).unwrap() + "\n",
    )
    .unwrap();
    println!("wrote {}", opts.out.display());
}

fn open_loop_met(u: &Value) -> bool {
    let r = &u["open_loop"]["result"];
    r["latency_ms"]["p99"].as_f64().is_some_and(|p| p < 50.0)
        && r["dropped_after_deadline"].as_u64() == Some(0)
}

fn teardown_section(dir: &Path, plan: &Plan) -> Value {
    eprintln!("bench-server: seeding the teardown database ...");
    let world = teardown_world();
    world.check().unwrap();
    let seed = dir.join("teardown-seed.sqlite");
    let t = Tick::now();
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&seed).unwrap());
        store.write(|tx| tx.load_fixture(&world, now())).unwrap();
    }
    let seed_s = t.elapsed().as_secs_f64();
    let seed_bytes = std::fs::metadata(&seed).unwrap().len();

    let mut results = serde_json::Map::new();
    let mut snapshot_ms = Vec::new();
    let mut snapshot_bytes = 0;
    for policy in [Policy::Archive, Policy::Unbind] {
        let name = if policy == Policy::Archive {
            "archive"
        } else {
            "unbind"
        };
        eprintln!("bench-server: teardown ({name}) x {} ...", plan.reps);
        let mut times = Vec::new();
        let mut responses = Vec::new();
        for k in 0..plan.reps {
            let copy = dir.join(format!("teardown-{name}-{k}.sqlite"));
            copy_db(&seed, &copy);
            let run = teardown_over_http(&copy, policy);
            remove_db(&copy);
            times.push(run.teardown_ms);
            snapshot_ms.push(run.snapshot_ms);
            snapshot_bytes = run.snapshot_bytes;
            responses.push(run.response);
        }
        let copy = dir.join(format!("teardown-{name}-profile.sqlite"));
        copy_db(&seed, &copy);
        let (profile, expected) = teardown_in_process(&copy, policy);
        remove_db(&copy);
        for r in &responses {
            assert_eq!(
                r, &expected,
                "the HTTP teardown answers what the planner planned"
            );
        }
        results.insert(
            name.into(),
            json!({
                "route": format!("POST /api/runtimes/{{id}}/{name}-agents-and-delete"),
                "runs_ms": times,
                "median_ms": median(&times),
                "max_ms": max(&times),
                "response": expected,
                "in_process": profile,
            }),
        );
    }
    results.insert(
        "snapshot".into(),
        json!({
            "route": "GET /api/runtimes/{id}/teardown-snapshot",
            "runs_ms": snapshot_ms,
            "median_ms": median(&snapshot_ms),
            "max_ms": max(&snapshot_ms),
            "response_bytes": snapshot_bytes,
        }),
    );
    json!({
        "world": {
            "agents": AGENTS, "active_agents": AGENTS - AGENTS / 5, "archived_agents": AGENTS / 5,
            "tasks": world.tasks.len(),
            "unfinished_tasks": world.tasks.iter().filter(|t| t.finished_at.is_none()).count(),
            "squads": world.squads.len(), "autopilots": world.autopilots.len(),
            "chat_sessions": world.chat_sessions.len(), "issues": world.issues.len(),
        },
        "seed_load_fixture_s": seed_s,
        "database_bytes": seed_bytes,
        "runs_per_policy": plan.reps,
        "results": results,
    })
}

fn usage_section(dir: &Path, plan: &Plan, total: u64) -> Value {
    eprintln!("bench-server: seeding {total} usage rows with load_fixture ...");
    let usage_db = dir.join("usage.sqlite");
    let mut world = usage_world();
    world.usage = (0..total).map(|i| usage_row(i, total)).collect();
    world.check().unwrap();
    let t = Tick::now();
    {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&usage_db).unwrap());
        store.write(|tx| tx.load_fixture(&world, now())).unwrap();
    }
    let seed_s = t.elapsed().as_secs_f64();
    drop(world);
    let bytes = std::fs::metadata(&usage_db).unwrap().len();

    let server = Server::start(&usage_db);
    let runtime = id(RUNTIME, 1);
    let buckets_total = server
        .store
        .read(|tx| tx.usage_buckets(runtime, Instant::EPOCH))
        .unwrap()
        .len();
    let mut results = serde_json::Map::new();
    for days in [90_u32, 30] {
        eprintln!("bench-server: GET /usage?days={days} ...");
        let url = format!(
            "{}/api/runtimes/{runtime}/usage?days={days}&tz={}",
            server.base,
            ZONE.replace('/', "%2F")
        );
        // The answer must be the core's on the store's buckets.
        let agent = http(Duration::from_secs(60));
        let first = get(&agent, &url);
        assert_eq!(first.status, 200, "{url}: {}", first.body);
        assert_eq!(first.viewing_tz.as_deref(), Some(ZONE));
        let tz = Zone::parse(ZONE, "tz").unwrap();
        let since = since_from_days(now(), DayCount(days), tz).unwrap();
        let buckets = server
            .store
            .read(|tx| tx.usage_buckets(runtime, since))
            .unwrap();
        let expected = serde_json::to_value(usage_daily(&buckets, tz, since)).unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&first.body).unwrap(),
            expected,
            "{url}"
        );
        for _ in 0..3 {
            assert!(fetch(&agent, &url), "{url}");
        }
        drop(agent);

        let open = open_loop(
            &url,
            plan.rate,
            plan.open_for,
            plan.open_threads,
            plan.grace,
        );
        let single = closed_loop(&url, 1, plan.closed_for);
        let most = closed_loop(&url, plan.closed_clients, plan.closed_for);
        assert_eq!(
            open.errors + single.errors + most.errors,
            0,
            "{url} failed under load"
        );
        let profile = usage_in_process(&usage_db, &server.store, days, plan.in_process_reps);
        results.insert(
            format!("days_{days}"),
            json!({
                "route": format!("GET /api/runtimes/{{id}}/usage?days={days}&tz={ZONE}"),
                "since": since.to_string(),
                "quarter_hour_buckets_in_window": buckets.len(),
                "rows_out": expected.as_array().map_or(0, Vec::len),
                "response_bytes": first.body.len(),
                "open_loop": {
                    "rate_rps": plan.rate,
                    "duration_s": plan.open_for.as_secs_f64(),
                    "client_threads": plan.open_threads,
                    "grace_s": plan.grace.as_secs_f64(),
                    "latency_from": "planned start",
                    "result": open.json(),
                },
                "closed_loop_1_client": { "duration_s": plan.closed_for.as_secs_f64(), "result": single.json() },
                "closed_loop_max": {
                    "clients": plan.closed_clients,
                    "duration_s": plan.closed_for.as_secs_f64(),
                    "result": most.json(),
                },
                "in_process": profile,
            }),
        );
    }
    drop(server);
    json!({
        "world": {
            "raw_rows": total, "days": USAGE_DAYS, "agents": USAGE_AGENTS.len(), "models": 5,
            "agent_model_series": 12, "rollup_buckets": buckets_total, "zone": ZONE,
            "now": now().to_string(),
        },
        "seed_load_fixture_s": seed_s,
        "database_bytes": bytes,
        "results": results,
    })
}

/// Lines of `parts` joined by " | ", wrapped under `indent`.
fn wrap(indent: &str, parts: &[String], width: usize) -> String {
    let mut out = String::new();
    let mut line = indent.to_owned();
    for part in parts {
        if line.len() > indent.len() && line.len() + 3 + part.len() > width {
            out.push_str(line.trim_end_matches(" | "));
            out.push('\n');
            line = indent.to_owned();
        }
        line.push_str(part);
        line.push_str(" | ");
    }
    out.push_str(line.trim_end_matches(" | "));
    out.push('\n');
    out
}

fn table(m: &Value, plan: &Plan, teardown: &Value, usage: &Value, elapsed: Duration) -> String {
    let s = |v: &Value| v.as_str().unwrap_or("").to_owned();
    let f = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let mut t = String::new();
    let mut line = |l: String| {
        t.push_str(&l);
        t.push('\n');
    };
    line("runtime-rules server benchmark (scripts/bench-server)".into());
    line(format!(
        "  machine   {} | {} logical CPUs ({} available) | {} GiB | load average {} before the run | {} {}",
        s(&m["cpu"]),
        m["logical_cpus"],
        m["available_parallelism"],
        m["memory_gib"],
        s(&m["load_average_1m_at_start"]),
        s(&m["os"]),
        s(&m["arch"]),
    ));
    line(format!("  date      {}", s(&m["date"])));
    line(format!(
        "  commit    {}{}",
        s(&m["commit"]),
        if m["uncommitted_changes"].as_bool().unwrap_or(false) {
            " + uncommitted changes"
        } else {
            ""
        }
    ));
    line(format!(
        "  build     {} | {}",
        s(&m["build_profile"]),
        s(&m["rustc"])
    ));
    line(format!(
        "  setup     SQLite {} (bundled), WAL, synchronous=NORMAL, files in {} | server ({} Tokio workers) and load generator share the CPUs over loopback",
        s(&m["sqlite"]),
        std::env::temp_dir().display(),
        m["available_parallelism"],
    ));
    line(String::new());

    let w = &teardown["world"];
    line(format!(
        "teardown of a runtime with {} agents ({} active, {} archived), {} tasks ({} unfinished), {} squads, {} autopilots, {} chats, {} issues",
        thousands(w["agents"].as_u64().unwrap_or(0)),
        w["active_agents"],
        w["archived_agents"],
        thousands(w["tasks"].as_u64().unwrap_or(0)),
        thousands(w["unfinished_tasks"].as_u64().unwrap_or(0)),
        w["squads"],
        w["autopilots"],
        thousands(w["chat_sessions"].as_u64().unwrap_or(0)),
        thousands(w["issues"].as_u64().unwrap_or(0)),
    ));
    line(format!(
        "  seeded once with load_fixture in {:.1} s ({:.0} MB); every run on a fresh copy of the file, fresh server (warm OS cache)",
        f(&teardown["seed_load_fixture_s"]),
        f(&teardown["database_bytes"]) / 1e6
    ));
    line(format!(
        "  {:<40} {:>5} {:>9} {:>9}   {}",
        "", "runs", "median", "max", "target"
    ));
    let r = &teardown["results"];
    let snap = &r["snapshot"];
    line(format!(
        "  {:<40} {:>5} {:>9} {:>9}   ({} KB of JSON)",
        "GET teardown-snapshot",
        snap["runs_ms"].as_array().map_or(0, Vec::len),
        fmt_ms(f(&snap["median_ms"])),
        fmt_ms(f(&snap["max_ms"])),
        snap["response_bytes"].as_u64().unwrap_or(0) / 1000,
    ));
    for name in ["archive", "unbind"] {
        let x = &r[name];
        let mx = f(&x["max_ms"]);
        line(format!(
            "  {:<40} {:>5} {:>9} {:>9}   < 1 s: {}",
            format!("POST {name}-agents-and-delete"),
            plan.reps,
            fmt_ms(f(&x["median_ms"])),
            fmt_ms(mx),
            if mx < 1000.0 { "met" } else { "MISSED" }
        ));
    }
    for name in ["archive", "unbind"] {
        let p = &r[name]["in_process"];
        line(format!(
            "  where the time goes, {name}, in process ({} in all):",
            fmt_ms(f(&p["total_ms"]))
        ));
        let parts: Vec<String> = p["parts"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|part| {
                let rows = part["rows"].as_u64().unwrap_or(0);
                let label = s(&part["part"]).trim_start_matches("step ").to_owned();
                let rows = if rows > 1 {
                    format!(" [{}]", thousands(rows))
                } else {
                    String::new()
                };
                format!("{label}{rows} {}", fmt_ms(f(&part["ms"])))
            })
            .collect();
        t_push(&mut line, wrap("    ", &parts, 118));
        line(format!("    response {}", r[name]["response"]));
    }
    line(String::new());

    let w = &usage["world"];
    line(format!(
        "usage: GET /api/runtimes/{{id}}/usage?days=N&tz={ZONE} over {} raw usage rows on one runtime",
        thousands(w["raw_rows"].as_u64().unwrap_or(0)),
    ));
    line(format!(
        "  120 days before {}, 6 agents, 5 models (12 agent x model series): {} quarter-hour rollup buckets in all",
        s(&w["now"]),
        thousands(w["rollup_buckets"].as_u64().unwrap_or(0)),
    ));
    line(format!(
        "  seeded with load_fixture (the `seed` path, rollup recomputed per quarter hour) in {:.1} s ({:.0} MB)",
        f(&usage["seed_load_fixture_s"]),
        f(&usage["database_bytes"]) / 1e6,
    ));
    line(format!(
        "  {:<40} {:>10} {:>10} {:>10} {:>10} {:>8} {:>8}",
        "latency", "p50", "p90", "p99", "max", "req/s", "dropped"
    ));
    for days in [90_u32, 30] {
        let u = &usage["results"][format!("days_{days}")];
        line(format!(
            "  days={days}: {} quarter-hour buckets in the window (since {}), answer {} rows, {} KB",
            thousands(u["quarter_hour_buckets_in_window"].as_u64().unwrap_or(0)),
            s(&u["since"]),
            u["rows_out"],
            u["response_bytes"].as_u64().unwrap_or(0) / 1000
        ));
        for (label, key) in [
            (
                format!(
                    "open loop {:.0} req/s x {} s, {} threads",
                    plan.rate,
                    plan.open_for.as_secs(),
                    plan.open_threads
                ),
                "open_loop",
            ),
            ("closed loop, 1 client".to_owned(), "closed_loop_1_client"),
            (
                format!("closed loop, {} clients", plan.closed_clients),
                "closed_loop_max",
            ),
        ] {
            let res = &u[key]["result"];
            let l = &res["latency_ms"];
            let bound = if res["dropped_after_deadline"].as_u64().unwrap_or(0) > 0 {
                ">="
            } else {
                ""
            };
            let at = |k: &str| format!("{bound}{}", fmt_ms(f(&l[k])));
            let verdict = if key == "open_loop" {
                if open_loop_met(u) {
                    "  p99 < 50 ms: met"
                } else {
                    "  p99 < 50 ms: MISSED"
                }
            } else {
                ""
            };
            line(format!(
                "    {:<38} {:>10} {:>10} {:>10} {:>10} {:>8.1} {:>8}{verdict}",
                label,
                at("p50"),
                at("p90"),
                at("p99"),
                at("max"),
                f(&res["achieved_rps"]),
                res["dropped_after_deadline"],
            ));
        }
        let p = &u["in_process"];
        line(format!(
            "    in process, hourly path (the route's for this zone), median of {}: Tx::usage_hours {} ({} rows) | usage_daily_from {}",
            p["median_of"],
            fmt_ms(f(&p["store_usage_hours_ms"])),
            thousands(p["hourly_series_read"].as_u64().unwrap_or(0)),
            fmt_ms(f(&p["hourly_usage_daily_ms"])),
        ));
        line(format!(
            "    in process, quarter-hour path (zones off the hour), median of {}: Tx::usage_buckets {} (bare SQLite scan {}) | usage_daily {} | JSON {}",
            p["median_of"],
            fmt_ms(f(&p["store_usage_buckets_ms"])),
            fmt_ms(f(&p["sqlite_bare_scan_ms"])),
            fmt_ms(f(&p["usage_daily_ms"])),
            fmt_ms(f(&p["json_encode_ms"])),
        ));
    }
    line(format!(
        "  open loop: latency from each request's planned start (queueing included); requests not sent {} s after",
        plan.grace.as_secs()
    ));
    line(
        "  the schedule ends are dropped and count at the latency they had reached (>=: lower bounds); req/s = answered / time to last answer"
            .into(),
    );
    line(format!("total {:.0} s", elapsed.as_secs_f64()));
    t
}

fn t_push(line: &mut impl FnMut(String), block: String) {
    for l in block.lines() {
        line(l.to_owned());
    }
}
