//! `runtime-rules daemon-sim`: simulated daemons against a running server.
//!
//! The simulator registers `runtimes` runtimes in the daemon token's
//! workspace (daemon ids `<prefix>-<k>`, providers in rotation, hostnames
//! `<prefix>-host-<k>`), heartbeats each one, and serves its task queue the
//! way a daemon does (SPEC §7): claim, start with the claim token, pin a
//! session, work for a while, report usage, complete or fail. With a user
//! token it also makes sure every runtime has `agents` agents bound
//! (`<prefix>-<k>-agent-<j>`) and queues work for them; without one it serves
//! whatever is queued.
//!
//! It is a host, not the core: its randomness (a seeded xorshift) and its
//! clock are its own. A server error never stops it: it is counted, logged
//! and backed off from. Only what makes the whole run pointless (the server
//! refusing the token or the workspace at registration) ends it early.
//!
//! `--bench-claims K` queues K tasks first, then measures claim → start →
//! complete with no work in between, each worker stopping when its queue is
//! empty; `--agents 0 --heartbeat-secs 0` heartbeats as fast as it can.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// Providers the simulated runtimes take in turn.
const PROVIDERS: [&str; 3] = ["claude", "codex", "cursor"];

/// What a runtime of `provider` reports usage for: (usage provider, model,
/// weight). The first model is its agents' model; every one is in the
/// built-in price table (SPEC §9).
fn models(provider: &str) -> &'static [(&'static str, &'static str, u64)] {
    match provider {
        "codex" => &[
            ("openai", "gpt-5.4", 5),
            ("openai", "gpt-5-mini", 3),
            ("openai", "gpt-5.3-codex", 2),
        ],
        "cursor" => &[("cursor", "auto", 6), ("cursor", "composer-2", 4)],
        _ => &[
            ("anthropic", "claude-sonnet-4-6", 6),
            ("anthropic", "claude-opus-4-7", 2),
            ("anthropic", "claude-haiku-4-5", 2),
        ],
    }
}

/// How long an unanswered request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest back-off after consecutive errors.
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// Tasks queued for one agent and not yet claimed, at most.
const BACKLOG_PER_AGENT: i64 = 2;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct Config {
    /// The server, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    /// The daemon token.
    pub token: String,
    /// The daemon token's workspace; with a user token in only one
    /// workspace it may be left out.
    pub workspace: Option<String>,
    /// Runtimes to register.
    pub runtimes: u32,
    /// Agents (and worker threads) per runtime.
    pub agents: u32,
    /// Daemon ids are `<prefix>-<k>`.
    pub prefix: String,
    /// A user token: bind agents and queue work.
    pub user_token: Option<String>,
    /// Seconds between heartbeats of a runtime (0: as fast as possible).
    pub heartbeat_secs: f64,
    /// How long a task works, in milliseconds, inclusive.
    pub task_ms: (u64, u64),
    /// Share of tasks that fail.
    pub fail_rate: f64,
    /// Tasks queued per second over all agents (`None`: enough to keep
    /// them busy; 0: none).
    pub queue_rate: Option<f64>,
    /// Pause after a claim found nothing, in milliseconds.
    pub poll_ms: u64,
    /// The PRNG's seed.
    pub seed: u64,
    /// Stop after this long (`None`: when told to).
    pub duration: Option<Duration>,
    /// Queue this many tasks first, then serve them with no work in between.
    pub bench_claims: Option<u64>,
}

impl Config {
    fn mean_task_secs(&self) -> f64 {
        // Request round trips add a little to every task.
        (self.task_ms.0 + self.task_ms.1) as f64 / 2_000.0 + 0.05
    }
}

/// Parses `MIN..MAX` (or a single `MS`) milliseconds.
///
/// # Errors
///
/// When either bound is not a whole number or `MIN > MAX`.
pub fn parse_task_ms(raw: &str) -> Result<(u64, u64), String> {
    let number = |s: &str| {
        s.trim()
            .parse::<u64>()
            .map_err(|_| format!("expected MIN..MAX in milliseconds, got {raw:?}"))
    };
    let (lo, hi) = match raw.split_once("..") {
        Some((lo, hi)) => (number(lo)?, number(hi.trim_start_matches('='))?),
        None => {
            let ms = number(raw)?;
            (ms, ms)
        }
    };
    if lo > hi {
        return Err(format!("MIN is above MAX in {raw:?}"));
    }
    Ok((lo, hi))
}

/// A small seeded PRNG (xorshift64*): enough for jitter and dice.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        // SplitMix64 of (seed, stream): distinct, never-zero states.
        let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Rng(if z == 0 { 0x2545_F491_4F6C_DD1D } else { z })
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi.saturating_sub(lo).saturating_add(1))
    }

    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1_u64 << 53) as f64) < p
    }

    /// `d` ± 25%.
    fn jitter(&mut self, d: Duration) -> Duration {
        let ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.between(ms - ms / 4, ms + ms / 4))
    }

    fn hex(&mut self) -> String {
        format!("{:016x}", self.next())
    }
}

/// Counters of a run.
#[derive(Debug, Default)]
struct Stats {
    registered: AtomicU64,
    reregistered: AtomicU64,
    agents_created: AtomicU64,
    queued: AtomicU64,
    heartbeats: AtomicU64,
    claims: AtomicU64,
    duplicate_claims: AtomicU64,
    empty_claims: AtomicU64,
    started: AtomicU64,
    completed: AtomicU64,
    failed: AtomicU64,
    retried: AtomicU64,
    usage_rows: AtomicU64,
    input_tokens: AtomicU64,
    errors: AtomicU64,
}

fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

/// What a run did, printed as one line of `key=value` pairs.
#[derive(Debug, Clone, PartialEq)]
pub struct Totals {
    /// Runtimes registered (first registrations).
    pub registered: u64,
    /// Registrations again, after the server lost a runtime.
    pub reregistered: u64,
    /// Agents created.
    pub agents_created: u64,
    /// Tasks queued.
    pub queued: u64,
    /// Heartbeats answered 200.
    pub heartbeats: u64,
    /// Tasks claimed.
    pub claims: u64,
    /// Claims of a task id claimed before in this run.
    pub duplicate_claims: u64,
    /// Claims answered 204.
    pub empty_claims: u64,
    /// Tasks started.
    pub started: u64,
    /// Tasks completed.
    pub completed: u64,
    /// Tasks failed.
    pub failed: u64,
    /// Failed tasks the server queued a retry for.
    pub retried: u64,
    /// Usage rows recorded.
    pub usage_rows: u64,
    /// Input tokens in those rows.
    pub input_tokens: u64,
    /// Requests that failed (transport errors and unexpected statuses).
    pub errors: u64,
    /// Seconds of work (from the first claim or heartbeat to the end).
    pub seconds: f64,
}

impl Totals {
    fn per_second(&self, n: u64) -> f64 {
        if self.seconds > 0.0 {
            n as f64 / self.seconds
        } else {
            0.0
        }
    }

    /// Claims per second over the run.
    pub fn claims_per_second(&self) -> f64 {
        self.per_second(self.claims)
    }

    /// Heartbeats per second over the run.
    pub fn heartbeats_per_second(&self) -> f64 {
        self.per_second(self.heartbeats)
    }
}

impl fmt::Display for Totals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "daemon-sim totals: registered={} reregistered={} agents_created={} queued={} \
             heartbeats={} claims={} duplicate_claims={} empty_claims={} started={} \
             completed={} failed={} retried={} usage_rows={} input_tokens={} errors={} \
             seconds={:.2} claims_per_s={:.1} heartbeats_per_s={:.1}",
            self.registered,
            self.reregistered,
            self.agents_created,
            self.queued,
            self.heartbeats,
            self.claims,
            self.duplicate_claims,
            self.empty_claims,
            self.started,
            self.completed,
            self.failed,
            self.retried,
            self.usage_rows,
            self.input_tokens,
            self.errors,
            self.seconds,
            self.claims_per_second(),
            self.heartbeats_per_second(),
        )
    }
}

/// Why a request did not give what was asked.
#[derive(Debug)]
enum Failure {
    /// No answer (connection refused, reset, timeout...).
    Transport(String),
    /// An answer with an unexpected status.
    Status {
        status: u16,
        code: String,
        message: String,
    },
}

impl Failure {
    fn status(&self) -> Option<u16> {
        match self {
            Failure::Transport(_) => None,
            Failure::Status { status, .. } => Some(*status),
        }
    }

    fn code(&self) -> &str {
        match self {
            Failure::Transport(_) => "",
            Failure::Status { code, .. } => code,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Transport(e) => write!(f, "{e}"),
            Failure::Status {
                status,
                code,
                message,
            } => write!(f, "{status} {code}: {message}"),
        }
    }
}

/// One thread's HTTP client (its own connection, kept alive).
struct Http {
    agent: ureq::Agent,
    base: String,
}

impl Http {
    fn new(base: &str) -> Http {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .user_agent(concat!(
                "runtime-rules-daemon-sim/",
                env!("CARGO_PKG_VERSION")
            ))
            .build();
        Http {
            agent: ureq::Agent::new_with_config(config),
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// `method path` with `token`: the status and the JSON answer (`null`
    /// when empty).
    fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), Failure> {
        let url = format!("{}{path}", self.base);
        let auth = format!("Bearer {token}");
        let response = match body {
            None => self.agent.get(&url).header("Authorization", &auth).call(),
            Some(body) => {
                let request = match method {
                    "PATCH" => self.agent.patch(&url),
                    _ => self.agent.post(&url),
                };
                request
                    .header("Authorization", &auth)
                    .content_type("application/json")
                    .send(body.to_string().as_str())
            }
        };
        let mut response = response.map_err(|e| Failure::Transport(e.to_string()))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| Failure::Transport(e.to_string()))?;
        let json = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok((status, json))
    }

    /// [`Http::call`], where a status outside `ok` is a [`Failure`].
    fn call_ok(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
        ok: &[u16],
    ) -> Result<(u16, Value), Failure> {
        let (status, json) = self.call(method, path, token, body)?;
        if ok.contains(&status) {
            return Ok((status, json));
        }
        let text = |key: &str| {
            json.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_default()
        };
        let message = match text("error") {
            m if m.is_empty() => json.to_string(),
            m => m,
        };
        Err(Failure::Status {
            status,
            code: text("code"),
            message,
        })
    }
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// One agent slot of a runtime: a worker thread, and the agent it serves
/// when the simulator knows it (with a user token).
#[derive(Debug, Default)]
struct Slot {
    agent: Mutex<Option<String>>,
    /// Queued by the simulator and not yet claimed.
    outstanding: AtomicI64,
}

impl Slot {
    fn agent(&self) -> Option<String> {
        self.agent.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// Serves `id` from now on; what was queued for another agent no
    /// longer counts against it.
    fn set_agent(&self, id: Option<String>) {
        if let Ok(mut agent) = self.agent.lock()
            && *agent != id
        {
            *agent = id;
            self.outstanding.store(0, Ordering::Relaxed);
        }
    }
}

/// One simulated runtime.
#[derive(Debug)]
struct Runtime {
    k: u32,
    daemon_id: String,
    provider: &'static str,
    /// The server's id for it, once registered.
    id: RwLock<Option<String>>,
    /// Held while registering, so workers that all see it vanish
    /// register it once.
    registering: Mutex<()>,
    slots: Vec<Slot>,
}

impl Runtime {
    fn id(&self) -> Option<String> {
        self.id.read().map(|id| id.clone()).unwrap_or_default()
    }

    fn set_id(&self, id: String) {
        if let Ok(mut slot) = self.id.write() {
            *slot = Some(id);
        }
    }

    fn agent_name(&self, j: usize) -> String {
        format!("{}-agent-{}", self.daemon_id, j + 1)
    }

    fn model_of_slot(&self, j: usize) -> &'static str {
        let list = models(self.provider);
        list.get(j % list.len().max(1))
            .map_or("claude-sonnet-4-6", |m| m.1)
    }
}

/// What every thread shares.
struct Shared {
    config: Config,
    workspace: String,
    stop: Arc<AtomicBool>,
    stats: Stats,
    claimed: Mutex<HashSet<String>>,
    runtimes: Vec<Runtime>,
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Sleeps `d`, waking early when the run stops; false when it did.
    fn sleep(&self, d: Duration) -> bool {
        let end = Instant::now() + d;
        loop {
            if self.stopped() {
                return false;
            }
            let now = Instant::now();
            if now >= end {
                return true;
            }
            std::thread::sleep((end - now).min(Duration::from_millis(50)));
        }
    }

    /// Counts and logs a failed request.
    fn error(&self, what: &str, runtime: &Runtime, failure: &Failure) {
        bump(&self.stats.errors);
        tracing::warn!(runtime = %runtime.daemon_id, "{what}: {failure}");
    }
}

/// Consecutive-error back-off: 100 ms doubling up to [`MAX_BACKOFF`].
#[derive(Debug, Default)]
struct Backoff(u32);

impl Backoff {
    fn reset(&mut self) {
        self.0 = 0;
    }

    fn wait(&mut self, shared: &Shared, rng: &mut Rng) {
        let ms = 100_u64 << self.0.min(6);
        self.0 = self.0.saturating_add(1);
        let d = Duration::from_millis(ms).min(MAX_BACKOFF);
        shared.sleep(rng.jitter(d));
    }
}

/// Registers `runtime` (again, after the server lost it) and, with a user
/// token, binds its agents. A refusal of the token or the workspace is an
/// `Err`: nothing can work. Other failures are retried until the run stops.
fn register(shared: &Shared, http: &Http, runtime: &Runtime, rng: &mut Rng) -> Result<(), String> {
    let seen = runtime.id();
    let Ok(_guard) = runtime.registering.lock() else {
        return Ok(());
    };
    if seen.is_some() && runtime.id() != seen {
        // Another thread registered it while this one waited.
        return Ok(());
    }
    let body = json!({
        "workspace_id": shared.workspace,
        "daemon_id": runtime.daemon_id,
        "provider": runtime.provider,
        "name": runtime.daemon_id,
        "hostname": format!("{}-host-{}", shared.config.prefix, runtime.k),
        "device_info": {
            "os": std::env::consts::OS,
            "arch": std::env::consts::ARCH,
            "cli_version": env!("CARGO_PKG_VERSION"),
        },
        "metadata": { "simulated": true, "seed": shared.config.seed },
    });
    let mut backoff = Backoff::default();
    let answer = loop {
        if shared.stopped() {
            return Ok(());
        }
        match http.call_ok(
            "POST",
            "/api/daemon/register",
            &shared.config.token,
            Some(&body),
            &[200, 201],
        ) {
            Ok((_, answer)) => break answer,
            Err(failure) => {
                if matches!(failure.status(), Some(400..=404 | 422)) {
                    bump(&shared.stats.errors);
                    return Err(format!(
                        "the server refused to register {}: {failure}",
                        runtime.daemon_id
                    ));
                }
                shared.error("register", runtime, &failure);
                backoff.wait(shared, rng);
            }
        }
    };
    let Some(id) = answer.get("runtime").and_then(|r| text(r, "id")) else {
        bump(&shared.stats.errors);
        return Err(format!("register answered without runtime.id: {answer}"));
    };
    let count = |key: &str| {
        answer
            .get(key)
            .and_then(Value::as_array)
            .map_or(0, Vec::len)
    };
    let (inserted, recovered, retried) = (
        answer
            .get("inserted")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        count("recovered_task_ids"),
        count("retried_task_ids"),
    );
    tracing::info!(
        runtime = %runtime.daemon_id,
        id = %id,
        inserted,
        recovered,
        retried,
        "registered"
    );
    bump(if seen.is_some() {
        &shared.stats.reregistered
    } else {
        &shared.stats.registered
    });
    runtime.set_id(id.clone());
    if let Some(user) = &shared.config.user_token {
        bind_agents(shared, http, runtime, &id, user);
    }
    Ok(())
}

/// Finds or creates the runtime's agents `<daemon id>-agent-<j>`; a slot
/// whose agent cannot be had serves without one.
fn bind_agents(shared: &Shared, http: &Http, runtime: &Runtime, id: &str, user: &str) {
    let path = format!("/api/agents?runtime_id={id}");
    let existing: HashMap<String, String> = match http.call_ok("GET", &path, user, None, &[200]) {
        Ok((_, Value::Array(agents))) => agents
            .iter()
            .filter(|a| a.get("archived_at").is_none_or(Value::is_null))
            .filter_map(|a| Some((text(a, "name")?, text(a, "id")?)))
            .collect(),
        Ok((_, other)) => {
            bump(&shared.stats.errors);
            tracing::warn!(runtime = %runtime.daemon_id, "GET {path} answered {other}");
            HashMap::new()
        }
        Err(failure) => {
            shared.error("list agents", runtime, &failure);
            HashMap::new()
        }
    };
    let mut forbidden = false;
    for (j, slot) in runtime.slots.iter().enumerate() {
        let name = runtime.agent_name(j);
        if let Some(agent) = existing.get(&name) {
            slot.set_agent(Some(agent.clone()));
            continue;
        }
        let body = json!({
            "runtime_id": id,
            "name": name,
            "model": runtime.model_of_slot(j),
            "visibility": "workspace",
        });
        match http.call_ok("POST", "/api/agents", user, Some(&body), &[200, 201]) {
            Ok((_, agent)) => {
                bump(&shared.stats.agents_created);
                slot.set_agent(text(&agent, "id"));
            }
            Err(failure) => {
                shared.error(&format!("create agent {name}"), runtime, &failure);
                forbidden |= failure.status() == Some(403);
                slot.set_agent(None);
            }
        }
    }
    if forbidden {
        tracing::warn!(
            runtime = %runtime.daemon_id,
            "the user token may not bind agents to this runtime: it serves whatever is queued on it"
        );
    }
}

/// A runtime's heartbeat: every `heartbeat_secs` (back to back at 0);
/// a runtime the server no longer knows is registered again.
fn heartbeat_loop(shared: &Shared, runtime: &Runtime, mut rng: Rng) {
    let http = Http::new(&shared.config.url);
    let every = Duration::try_from_secs_f64(shared.config.heartbeat_secs).unwrap_or_default();
    let mut backoff = Backoff::default();
    loop {
        if !every.is_zero() && !shared.sleep(every) {
            return;
        }
        if shared.stopped() {
            return;
        }
        let Some(id) = runtime.id() else {
            shared.sleep(Duration::from_millis(100));
            continue;
        };
        let body = json!({ "runtime_id": id });
        match http.call_ok(
            "POST",
            "/api/daemon/heartbeat",
            &shared.config.token,
            Some(&body),
            &[200],
        ) {
            Ok(_) => {
                bump(&shared.stats.heartbeats);
                backoff.reset();
            }
            Err(failure) if failure.status() == Some(404) => {
                shared.error("heartbeat", runtime, &failure);
                if let Err(e) = register(shared, &http, runtime, &mut rng) {
                    tracing::error!(runtime = %runtime.daemon_id, "{e}");
                    backoff.wait(shared, &mut rng);
                }
            }
            Err(failure) => {
                shared.error("heartbeat", runtime, &failure);
                backoff.wait(shared, &mut rng);
            }
        }
    }
}

/// One worker: claims, starts, works, reports, finishes, forever (in a
/// claims benchmark: until its queue is empty).
fn worker_loop(shared: &Shared, runtime: &Runtime, j: usize, mut rng: Rng) {
    let http = Http::new(&shared.config.url);
    let bench = shared.config.bench_claims.is_some();
    let poll = Duration::from_millis(shared.config.poll_ms);
    let mut backoff = Backoff::default();
    while !shared.stopped() {
        let Some(runtime_id) = runtime.id() else {
            shared.sleep(Duration::from_millis(100));
            continue;
        };
        let agent = runtime.slots.get(j).and_then(Slot::agent);
        let body = match &agent {
            Some(agent) => json!({ "agent_id": agent }),
            None => json!({}),
        };
        let path = format!("/api/runtimes/{runtime_id}/tasks/claim");
        let task = match http.call_ok(
            "POST",
            &path,
            &shared.config.token,
            Some(&body),
            &[200, 204],
        ) {
            Ok((204, _)) => {
                bump(&shared.stats.empty_claims);
                backoff.reset();
                if bench {
                    return;
                }
                shared.sleep(rng.jitter(poll));
                continue;
            }
            Ok((_, task)) => task,
            Err(failure) => {
                shared.error("claim", runtime, &failure);
                if failure.status() == Some(404) && failure.code().starts_with("agent") {
                    // Archived or deleted under it: serve the runtime's queue.
                    if let Some(slot) = runtime.slots.get(j) {
                        slot.set_agent(None);
                    }
                } else if failure.status() == Some(404)
                    && let Err(e) = register(shared, &http, runtime, &mut rng)
                {
                    tracing::error!(runtime = %runtime.daemon_id, "{e}");
                }
                backoff.wait(shared, &mut rng);
                continue;
            }
        };
        backoff.reset();
        work(shared, &http, runtime, &task, &mut rng);
    }
}

/// Everything after a claim: start, session, work, usage, complete or fail.
/// A failed step is counted and the task left to the server's rules.
fn work(shared: &Shared, http: &Http, runtime: &Runtime, task: &Value, rng: &mut Rng) {
    let stats = &shared.stats;
    let token = &shared.config.token;
    bump(&stats.claims);
    let (Some(id), Some(claim_token)) = (text(task, "id"), text(task, "claim_token")) else {
        bump(&stats.errors);
        tracing::warn!(runtime = %runtime.daemon_id, "a claim answered no task id or claim token: {task}");
        return;
    };
    if let Ok(mut claimed) = shared.claimed.lock()
        && !claimed.insert(id.clone())
    {
        bump(&stats.duplicate_claims);
        tracing::warn!(runtime = %runtime.daemon_id, task = %id, "task claimed twice");
    }
    let agent = text(task, "agent_id");
    if let Some(slot) = runtime
        .slots
        .iter()
        .find(|s| s.agent().is_some() && s.agent() == agent)
    {
        slot.outstanding.fetch_sub(1, Ordering::Relaxed);
    }

    let start = json!({ "claim_token": claim_token });
    if let Err(failure) = http.call_ok(
        "POST",
        &format!("/api/tasks/{id}/start"),
        token,
        Some(&start),
        &[200],
    ) {
        shared.error(&format!("start {id}"), runtime, &failure);
        return;
    }
    bump(&stats.started);

    if shared.config.bench_claims.is_some() {
        let done = json!({ "claim_token": claim_token });
        match http.call_ok(
            "POST",
            &format!("/api/tasks/{id}/complete"),
            token,
            Some(&done),
            &[200],
        ) {
            Ok(_) => bump(&stats.completed),
            Err(failure) => shared.error(&format!("complete {id}"), runtime, &failure),
        }
        return;
    }

    // Resume the session the server offers, else start a new one.
    let resume = task.get("resume").filter(|r| !r.is_null());
    let session_id = resume
        .and_then(|r| text(r, "session_id"))
        .unwrap_or_else(|| format!("sim-session-{}", rng.hex()));
    let work_dir = resume.and_then(|r| text(r, "work_dir")).unwrap_or_else(|| {
        format!(
            "/tmp/daemon-sim/{}/{}",
            runtime.daemon_id,
            id.get(..8).unwrap_or(&id)
        )
    });
    let session = json!({ "session_id": session_id, "work_dir": work_dir });
    if let Err(failure) = http.call_ok(
        "POST",
        &format!("/api/tasks/{id}/session"),
        token,
        Some(&session),
        &[200],
    ) {
        shared.error(&format!("session {id}"), runtime, &failure);
        if failure.status() == Some(404) {
            // Gone with its runtime or agent: nothing left to finish.
            return;
        }
    }

    let (lo, hi) = shared.config.task_ms;
    let took = rng.between(lo, hi);
    // Cut short when the run stops: the task still finishes properly.
    shared.sleep(Duration::from_millis(took));

    let rows = usage_rows(runtime, agent.as_deref(), rng);
    let input: u64 = rows
        .iter()
        .filter_map(|r| r.get("input_tokens").and_then(Value::as_u64))
        .sum();
    let body = Value::Array(rows);
    match http.call_ok(
        "POST",
        &format!("/api/tasks/{id}/usage"),
        token,
        Some(&body),
        &[200],
    ) {
        Ok((_, answer)) => {
            let recorded = answer.get("recorded").and_then(Value::as_u64).unwrap_or(0);
            stats.usage_rows.fetch_add(recorded, Ordering::Relaxed);
            stats.input_tokens.fetch_add(input, Ordering::Relaxed);
        }
        Err(failure) => {
            shared.error(&format!("usage {id}"), runtime, &failure);
            if failure.status() == Some(404) {
                return;
            }
        }
    }

    if rng.chance(shared.config.fail_rate) {
        let (reason, error) = if rng.chance(0.5) {
            ("timeout", format!("daemon-sim: no output for {took} ms"))
        } else {
            (
                "agent_error",
                "daemon-sim: the agent exited with status 1".to_owned(),
            )
        };
        let body = json!({
            "claim_token": claim_token, "error": error, "failure_reason": reason,
            "session_id": session_id, "work_dir": work_dir,
        });
        match http.call_ok(
            "POST",
            &format!("/api/tasks/{id}/fail"),
            token,
            Some(&body),
            &[200],
        ) {
            Ok((_, answer)) => {
                bump(&stats.failed);
                if answer.get("retry").is_some_and(|r| !r.is_null()) {
                    bump(&stats.retried);
                }
            }
            Err(failure) => shared.error(&format!("fail {id}"), runtime, &failure),
        }
    } else {
        let body = json!({
            "claim_token": claim_token, "result": format!("daemon-sim: done in {took} ms"),
            "session_id": session_id, "work_dir": work_dir,
        });
        match http.call_ok(
            "POST",
            &format!("/api/tasks/{id}/complete"),
            token,
            Some(&body),
            &[200],
        ) {
            Ok(_) => bump(&stats.completed),
            Err(failure) => shared.error(&format!("complete {id}"), runtime, &failure),
        }
    }
}

/// One or two usage rows: the agent's model, sometimes a helper model too.
fn usage_rows(runtime: &Runtime, agent: Option<&str>, rng: &mut Rng) -> Vec<Value> {
    let list = models(runtime.provider);
    let slot = runtime
        .slots
        .iter()
        .position(|s| agent.is_some() && s.agent().as_deref() == agent)
        .unwrap_or(0);
    let primary = list.get(slot % list.len().max(1)).or(list.first());
    let mut picked: Vec<&(&str, &str, u64)> = primary.into_iter().collect();
    if rng.chance(0.3) {
        let total: u64 = list.iter().map(|m| m.2).sum();
        let mut pick = rng.below(total);
        let extra = list.iter().find(|m| {
            if pick < m.2 {
                true
            } else {
                pick -= m.2;
                false
            }
        });
        if let Some(extra) = extra
            && !picked.iter().any(|p| p.1 == extra.1)
        {
            picked.push(extra);
        }
    }
    picked
        .into_iter()
        .map(|(provider, model, _)| {
            let input = rng.between(2_000, 60_000);
            json!({
                "provider": provider,
                "model": model,
                "input_tokens": input,
                "output_tokens": input / 5 + rng.below(4_000),
                "cache_read_tokens": input * 3 + rng.below(50_000),
                "cache_write_tokens": rng.below(8_000),
            })
        })
        .collect()
}

/// Queues work for the agents at `rate` tasks per second, never more than
/// [`BACKLOG_PER_AGENT`] unclaimed per agent.
fn queue_loop(shared: &Shared, user: &str, rate: f64, mut rng: Rng) {
    let http = Http::new(&shared.config.url);
    let every = Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::from_secs(1));
    let mut backoff = Backoff::default();
    while shared.sleep(rng.jitter(every)) {
        let open: Vec<(&Runtime, &Slot, String)> = shared
            .runtimes
            .iter()
            .flat_map(|r| r.slots.iter().map(move |s| (r, s)))
            .filter(|(_, s)| s.outstanding.load(Ordering::Relaxed) < BACKLOG_PER_AGENT)
            .filter_map(|(r, s)| Some((r, s, s.agent()?)))
            .collect();
        let pick = usize::try_from(rng.below(open.len() as u64)).unwrap_or(0);
        let Some((runtime, slot, agent)) = open.get(pick) else {
            continue;
        };
        let body = json!({ "priority": rng.below(3) });
        match http.call_ok(
            "POST",
            &format!("/api/agents/{agent}/tasks"),
            user,
            Some(&body),
            &[200, 201],
        ) {
            Ok(_) => {
                bump(&shared.stats.queued);
                slot.outstanding.fetch_add(1, Ordering::Relaxed);
                backoff.reset();
            }
            Err(failure) => {
                shared.error(&format!("queue a task for {agent}"), runtime, &failure);
                if matches!(failure.status(), Some(400..=428 | 430..=499)) {
                    // Archived, deleted or moved: no more work for it here.
                    slot.set_agent(None);
                }
                backoff.wait(shared, &mut rng);
            }
        }
    }
}

/// Queues `count` tasks over every slot's agent, one thread per runtime.
fn queue_bench(shared: &Arc<Shared>, user: &str, count: u64) -> Result<(), String> {
    let agents: Vec<(usize, String)> = shared
        .runtimes
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.slots.iter().filter_map(move |s| Some((i, s.agent()?))))
        .collect();
    if agents.is_empty() {
        return Err("--bench-claims: no agent to queue tasks for".into());
    }
    let n = agents.len() as u64;
    let threads = shared.runtimes.len().max(1);
    let handles: Vec<JoinHandle<()>> = (0..threads)
        .map(|t| {
            let shared = Arc::clone(shared);
            let user = user.to_owned();
            let mine: Vec<(u64, String)> = (0..count)
                .filter(|i| usize::try_from(i % threads as u64).ok() == Some(t))
                .filter_map(|i| {
                    let (_, agent) = agents.get(usize::try_from(i % n).ok()?)?;
                    Some((i, agent.clone()))
                })
                .collect();
            std::thread::spawn(move || {
                let http = Http::new(&shared.config.url);
                for (_, agent) in mine {
                    if shared.stopped() {
                        return;
                    }
                    match http.call_ok(
                        "POST",
                        &format!("/api/agents/{agent}/tasks"),
                        &user,
                        Some(&json!({})),
                        &[200, 201],
                    ) {
                        Ok(_) => bump(&shared.stats.queued),
                        Err(failure) => {
                            bump(&shared.stats.errors);
                            tracing::warn!("queue a task for {agent}: {failure}");
                        }
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        let _ = handle.join();
    }
    Ok(())
}

/// The workspace: `--workspace`, else the user token's only one.
fn workspace(config: &Config) -> Result<String, String> {
    if let Some(workspace) = &config.workspace {
        return Ok(workspace.clone());
    }
    let Some(user) = &config.user_token else {
        return Err("name the daemon token's workspace with --workspace".into());
    };
    let http = Http::new(&config.url);
    let (_, me) = http
        .call_ok("GET", "/api/me", user, None, &[200])
        .map_err(|e| format!("GET /api/me with the user token: {e}"))?;
    let ids: Vec<String> = me
        .get("memberships")
        .and_then(Value::as_array)
        .map(|ms| ms.iter().filter_map(|m| text(m, "workspace_id")).collect())
        .unwrap_or_default();
    match ids.as_slice() {
        [only] => Ok(only.clone()),
        _ => Err(format!(
            "the user is in {} workspaces: name the daemon token's with --workspace",
            ids.len()
        )),
    }
}

/// Runs the simulation until `duration` passes, `stop` turns true or (in a
/// claims benchmark) every queue is empty; then lets every thread finish
/// its step and answers the totals.
///
/// # Errors
///
/// When the run cannot start: no workspace, or the server refuses to
/// register a runtime (bad token or workspace).
pub fn run(config: Config, stop: Arc<AtomicBool>) -> Result<Totals, String> {
    if config.bench_claims.is_some() && config.user_token.is_none() {
        return Err("--bench-claims needs --user-token (to queue the tasks)".into());
    }
    if config.task_ms.0 > config.task_ms.1 {
        return Err("--task-ms: MIN is above MAX".into());
    }
    if !(config.heartbeat_secs.is_finite() && config.heartbeat_secs >= 0.0) {
        return Err("--heartbeat-secs must be a number of seconds, 0 or more".into());
    }
    if !(0.0..=1.0).contains(&config.fail_rate) {
        return Err("--fail-rate must lie in 0..=1".into());
    }
    if config
        .queue_rate
        .is_some_and(|r| !(r.is_finite() && r >= 0.0))
    {
        return Err("--queue-rate must be a number of tasks per second, 0 or more".into());
    }
    let workspace = workspace(&config)?;
    let slots = usize::try_from(config.agents).unwrap_or(0);
    let runtimes = (1..=config.runtimes)
        .map(|k| {
            let provider = usize::try_from(k - 1)
                .ok()
                .and_then(|i| PROVIDERS.get(i % PROVIDERS.len()))
                .copied()
                .unwrap_or("claude");
            Runtime {
                k,
                daemon_id: format!("{}-{k}", config.prefix),
                provider,
                id: RwLock::new(None),
                registering: Mutex::new(()),
                slots: (0..slots).map(|_| Slot::default()).collect(),
            }
        })
        .collect();
    let shared = Arc::new(Shared {
        config,
        workspace,
        stop,
        stats: Stats::default(),
        claimed: Mutex::new(HashSet::new()),
        runtimes,
    });
    let seed = shared.config.seed;

    // Register every runtime, a thread each.
    let registrations: Vec<JoinHandle<Result<(), String>>> = (0..shared.runtimes.len())
        .map(|i| {
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                let Some(runtime) = shared.runtimes.get(i) else {
                    return Ok(());
                };
                let http = Http::new(&shared.config.url);
                register(
                    &shared,
                    &http,
                    runtime,
                    &mut Rng::new(seed, 1_000 + i as u64),
                )
            })
        })
        .collect();
    let mut refused = None;
    for handle in registrations {
        match handle.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => refused = Some(e),
            Err(_) => refused = Some("a registration thread failed".into()),
        }
    }
    if let Some(e) = refused {
        shared.stop.store(true, Ordering::Relaxed);
        return Err(e);
    }

    if let (Some(count), Some(user)) = (shared.config.bench_claims, &shared.config.user_token) {
        queue_bench(&shared, user, count)?;
    }

    let began = Instant::now();
    let mut threads: Vec<JoinHandle<()>> = Vec::new();
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    for (i, _) in shared.runtimes.iter().enumerate() {
        let s = Arc::clone(&shared);
        threads.push(std::thread::spawn(move || {
            if let Some(runtime) = s.runtimes.get(i) {
                heartbeat_loop(&s, runtime, Rng::new(seed, 2_000 + i as u64));
            }
        }));
        for j in 0..slots {
            let s = Arc::clone(&shared);
            workers.push(std::thread::spawn(move || {
                if let Some(runtime) = s.runtimes.get(i) {
                    let stream = 3_000 + (i * slots + j) as u64;
                    worker_loop(&s, runtime, j, Rng::new(seed, stream));
                }
            }));
        }
    }
    let rate = shared.config.queue_rate.unwrap_or_else(|| {
        let busy = f64::from(shared.config.runtimes) * f64::from(shared.config.agents);
        busy / shared.config.mean_task_secs()
    });
    if let Some(user) = shared.config.user_token.clone()
        && shared.config.bench_claims.is_none()
        && rate > 0.0
        && slots > 0
    {
        let s = Arc::clone(&shared);
        threads.push(std::thread::spawn(move || {
            queue_loop(&s, &user, rate, Rng::new(seed, 4_000));
        }));
    }

    let bench = shared.config.bench_claims.is_some();
    let mut ended = None;
    loop {
        if shared.stopped() {
            break;
        }
        if shared.config.duration.is_some_and(|d| began.elapsed() >= d) {
            break;
        }
        if bench && workers.iter().all(JoinHandle::is_finished) {
            ended = Some(began.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let seconds = ended.unwrap_or_else(|| began.elapsed()).as_secs_f64();
    shared.stop.store(true, Ordering::Relaxed);
    for handle in workers.into_iter().chain(threads) {
        let _ = handle.join();
    }
    let s = &shared.stats;
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    Ok(Totals {
        registered: get(&s.registered),
        reregistered: get(&s.reregistered),
        agents_created: get(&s.agents_created),
        queued: get(&s.queued),
        heartbeats: get(&s.heartbeats),
        claims: get(&s.claims),
        duplicate_claims: get(&s.duplicate_claims),
        empty_claims: get(&s.empty_claims),
        started: get(&s.started),
        completed: get(&s.completed),
        failed: get(&s.failed),
        retried: get(&s.retried),
        usage_rows: get(&s.usage_rows),
        input_tokens: get(&s.input_tokens),
        errors: get(&s.errors),
        seconds,
    })
}

/// A seed from the clock, for runs that do not give one.
pub fn clock_seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos() & u128::from(u64::MAX)).unwrap_or(0))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_ms_parses_ranges_and_single_values() {
        assert_eq!(parse_task_ms("2000..6000"), Ok((2000, 6000)));
        assert_eq!(parse_task_ms("0..=10"), Ok((0, 10)));
        assert_eq!(parse_task_ms("250"), Ok((250, 250)));
        assert!(parse_task_ms("6..2").is_err());
        assert!(parse_task_ms("a..b").is_err());
    }

    #[test]
    fn the_prng_is_seeded_and_stays_in_range() {
        let mut a = Rng::new(7, 1);
        let mut b = Rng::new(7, 1);
        let mut c = Rng::new(7, 2);
        let xs: Vec<u64> = (0..100).map(|_| a.between(10, 20)).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.between(10, 20)).collect();
        let zs: Vec<u64> = (0..100).map(|_| c.between(10, 20)).collect();
        assert_eq!(xs, ys);
        assert_ne!(xs, zs);
        assert!(xs.iter().all(|x| (10..=20).contains(x)));
        assert_eq!(Rng::new(0, 0).below(0), 0);
        let hits = (0..10_000).filter(|_| a.chance(0.1)).count();
        assert!((700..1_300).contains(&hits), "{hits}");
    }

    #[test]
    fn totals_print_as_one_line_of_pairs() {
        let totals = Totals {
            registered: 2,
            reregistered: 0,
            agents_created: 4,
            queued: 10,
            heartbeats: 20,
            claims: 10,
            duplicate_claims: 0,
            empty_claims: 3,
            started: 10,
            completed: 9,
            failed: 1,
            retried: 0,
            usage_rows: 12,
            input_tokens: 1000,
            errors: 0,
            seconds: 10.0,
        };
        let line = totals.to_string();
        assert!(!line.contains('\n'));
        assert!(line.contains("claims=10 "), "{line}");
        assert!(
            line.ends_with("claims_per_s=1.0 heartbeats_per_s=2.0"),
            "{line}"
        );
    }
}
