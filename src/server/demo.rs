//! The demo world: three workspaces with owners, admins and members,
//! runtimes online and offline (one about to be collected), agents active
//! and archived, squads (one led by an archived agent while still active,
//! which blocks its runtime's teardown), autopilots, issues, open tasks,
//! and 120 days of usage over several providers and models, ending `now`.
//!
//! Everything is derived from `now` and a fixed seed: the same `now` gives
//! the same fixture, byte for byte.

use serde::Serialize;
use serde_json::{Value, json};

use super::fixture::Fixture;
use crate::error::Error;
use crate::time::Instant;

/// Days of usage history.
pub const USAGE_DAYS: i64 = 120;

/// A small deterministic generator (SplitMix64): the demo looks lived-in
/// without being random.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A readable demo id: `kind` in the first group, `n` in the last.
fn id(kind: u32, n: u64) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012x}")
}

const WORKSPACE: u32 = 0x0000_0001;
const USER: u32 = 0x0000_0002;
const RUNTIME: u32 = 0x0000_0003;
const AGENT: u32 = 0x0000_0004;
const SQUAD: u32 = 0x0000_0005;
const AUTOPILOT: u32 = 0x0000_0006;
const ISSUE: u32 = 0x0000_0007;
const TASK: u32 = 0x0000_0008;
const CHAT: u32 = 0x0000_0009;

/// (provider, model, weight): what the demo's agents run.
const MODELS: [(&str, &str, u64); 8] = [
    ("anthropic", "claude-sonnet-4-6", 30),
    ("anthropic", "claude-opus-4-7", 8),
    ("anthropic", "claude-haiku-4-5", 10),
    ("openai", "gpt-5.4", 14),
    ("openai", "gpt-5-mini", 12),
    ("deepseek", "deepseek-v4-flash", 10),
    ("cursor", "auto", 8),
    // Not in the price table: shows the unmapped-model editor.
    ("ollama", "acme-coder-34b", 8),
];

fn at(now: Instant, seconds_ago: i64) -> Value {
    let t = Instant::from_unix(now.unix_seconds() - seconds_ago, 0).unwrap_or(now);
    json!(t.to_string())
}

/// The demo fixture as JSON, ready to be written out or loaded.
#[allow(clippy::too_many_lines)]
pub fn fixture_json(now: Instant) -> Value {
    let w = |n| id(WORKSPACE, n);
    let u = |n| id(USER, n);
    let r = |n| id(RUNTIME, n);
    let a = |n| id(AGENT, n);
    let s = |n| id(SQUAD, n);
    let minute = 60;
    let hour = 3600;
    let day = 86_400;

    let workspaces = json!([
        { "id": w(1), "name": "Acme Robotics" },
        { "id": w(2), "name": "Globex Research" },
        { "id": w(3), "name": "Initech" },
    ]);
    let users = json!([
        { "id": u(1), "name": "Ada Okafor", "token": "demo-ada-owner", "timezone": "Europe/London" },
        { "id": u(2), "name": "Ben Carter", "token": "demo-ben-admin", "timezone": "America/New_York" },
        { "id": u(3), "name": "Chen Wei", "token": "demo-chen-member", "timezone": "Asia/Shanghai" },
        { "id": u(4), "name": "Divya Rao", "token": "demo-divya-member", "timezone": "Asia/Kolkata" },
        { "id": u(5), "name": "Eve Morgan", "token": "demo-eve-owner", "timezone": "Australia/Adelaide" },
        { "id": u(6), "name": "Finn Larsen", "token": "demo-finn-member", "timezone": "America/Los_Angeles" },
        { "id": u(7), "name": "Gus Ito", "token": "demo-gus-owner" },
    ]);
    let members = json!([
        { "workspace_id": w(1), "user_id": u(1), "role": "owner" },
        { "workspace_id": w(1), "user_id": u(2), "role": "admin" },
        { "workspace_id": w(1), "user_id": u(3), "role": "member" },
        { "workspace_id": w(1), "user_id": u(4), "role": "member" },
        { "workspace_id": w(2), "user_id": u(5), "role": "owner" },
        { "workspace_id": w(2), "user_id": u(6), "role": "member" },
        { "workspace_id": w(2), "user_id": u(3), "role": "member" },
        { "workspace_id": w(3), "user_id": u(7), "role": "owner" },
    ]);
    let daemon_tokens = json!([
        { "workspace_id": w(1), "token": "demo-daemon-acme", "user_id": u(1) },
        { "workspace_id": w(2), "token": "demo-daemon-globex", "user_id": u(5) },
        { "workspace_id": w(3), "token": "demo-daemon-initech", "user_id": u(7) },
    ]);
    let runtimes = json!([
        { "id": r(1), "workspace_id": w(1), "name": "ada-macbook", "owner_id": u(1), "visibility": "private",
          "status": "online", "last_seen_at": at(now, 10), "daemon_id": "ada-macbook.local", "provider": "claude" },
        { "id": r(2), "workspace_id": w(1), "name": "ci-runner-01", "visibility": "public",
          "status": "online", "last_seen_at": at(now, 5), "daemon_id": "ci-runner-01", "provider": "codex" },
        { "id": r(3), "workspace_id": w(1), "name": "ben-workstation", "owner_id": u(2), "visibility": "private",
          "status": "offline", "last_seen_at": at(now, 2 * day), "daemon_id": "ben-ws", "provider": "claude" },
        { "id": r(4), "workspace_id": w(1), "name": "chen-old-laptop", "owner_id": u(3), "visibility": "private",
          "status": "offline", "last_seen_at": at(now, 6 * day + 12 * hour), "daemon_id": "chen-laptop", "provider": "claude" },
        { "id": r(5), "workspace_id": w(1), "name": "divya-gpu-box", "owner_id": u(4), "visibility": "public",
          "status": "online", "last_seen_at": at(now, 20), "daemon_id": "gpu-box", "provider": "codex" },
        { "id": r(6), "workspace_id": w(1), "name": "chen-scratch", "owner_id": u(3), "visibility": "public",
          "status": "offline", "last_seen_at": at(now, 3 * minute), "daemon_id": "chen-scratch", "provider": "cursor" },
        { "id": r(7), "workspace_id": w(2), "name": "globex-daemon", "owner_id": u(5), "visibility": "public",
          "status": "online", "last_seen_at": at(now, 12), "daemon_id": "globex-1", "provider": "claude" },
        { "id": r(8), "workspace_id": w(3), "name": "initech-box", "owner_id": u(7), "visibility": "private",
          "status": "offline", "last_seen_at": at(now, 30 * day), "daemon_id": "initech", "provider": "codex" },
    ]);
    let secrets = |n: u64| {
        json!({
            "instructions": format!("You are demo agent {n}. Internal playbook: SECRET-PLAYBOOK-{n:04}."),
            "custom_env": { "API_KEY": format!("sk-demo-secret-{n:04}") },
            "mcp_config": { "servers": { "files": { "token": format!("mcp-demo-secret-{n:04}") } } }
        })
    };
    let agent = |n: u64,
                 ws: u64,
                 rt: Option<u64>,
                 name: &str,
                 owner: u64,
                 vis: &str,
                 model: &str,
                 archived: Option<i64>| {
        let mut value = json!({
            "id": a(n), "workspace_id": w(ws), "runtime_id": rt.map(r), "name": name, "owner_id": u(owner),
            "visibility": vis, "status": "idle", "model": model,
            "archived_at": archived.map(|ago| at(now, ago)),
        });
        if let (Some(obj), Some(extra)) = (value.as_object_mut(), secrets(n).as_object()) {
            obj.extend(extra.clone());
        }
        value
    };
    let agents = json!([
        agent(
            1,
            1,
            Some(1),
            "Atlas",
            1,
            "workspace",
            "claude-sonnet-4-6",
            None
        ),
        agent(
            2,
            1,
            Some(1),
            "Bramble",
            1,
            "workspace",
            "claude-opus-4-7",
            None
        ),
        agent(3, 1, Some(1), "Cinder", 1, "private", "gpt-5.4", None),
        agent(
            4,
            1,
            Some(1),
            "Dusk (retired)",
            1,
            "workspace",
            "claude-haiku-4-5",
            Some(20 * day)
        ),
        agent(5, 1, Some(2), "Echo", 2, "workspace", "gpt-5.4", None),
        agent(
            6,
            1,
            Some(2),
            "Fable",
            2,
            "private",
            "deepseek-v4-flash",
            None
        ),
        agent(
            7,
            1,
            Some(3),
            "Gale (retired)",
            2,
            "workspace",
            "claude-sonnet-4-6",
            Some(10 * day)
        ),
        agent(
            8,
            1,
            Some(5),
            "Harbor (retired)",
            4,
            "workspace",
            "gpt-5-mini",
            Some(5 * day)
        ),
        agent(9, 1, Some(5), "Iris", 4, "public", "auto", None),
        agent(
            10,
            1,
            None,
            "Juniper",
            3,
            "workspace",
            "claude-sonnet-4-6",
            None
        ),
        agent(
            11,
            2,
            Some(7),
            "Kestrel",
            5,
            "workspace",
            "claude-sonnet-4-6",
            None
        ),
        agent(12, 2, Some(7), "Lumen", 6, "workspace", "gpt-5-mini", None),
        agent(13, 3, Some(8), "Moss", 7, "workspace", "gpt-5.4", None),
    ]);
    let squads = json!([
        // Led by an active agent of ada-macbook: archive-deleting it must wait for this squad.
        { "id": s(1), "workspace_id": w(1), "name": "Platform crew", "leader_id": a(1), "members": [a(1), a(2), a(5)] },
        // Archived, led by an archived agent: deleted together with it.
        { "id": s(2), "workspace_id": w(1), "name": "Old migration squad", "leader_id": a(7),
          "archived_at": at(now, 9 * day), "members": [a(7)] },
        // Active, led by an archived agent: blocks divya-gpu-box's teardown.
        { "id": s(3), "workspace_id": w(1), "name": "Night shift", "leader_id": a(8), "members": [a(8), a(9)] },
        { "id": s(4), "workspace_id": w(2), "name": "Research pod", "leader_id": a(11), "members": [a(11), a(12)] },
    ]);
    let autopilots = json!([
        { "id": id(AUTOPILOT, 1), "workspace_id": w(1), "name": "Nightly dependency bump", "assignee_type": "agent", "assignee_id": a(1) },
        { "id": id(AUTOPILOT, 2), "workspace_id": w(1), "name": "Weekly triage", "assignee_type": "squad", "assignee_id": s(1) },
        { "id": id(AUTOPILOT, 3), "workspace_id": w(1), "name": "Flaky test sweep", "assignee_type": "agent", "assignee_id": a(5) },
        { "id": id(AUTOPILOT, 4), "workspace_id": w(1), "name": "Old report", "status": "paused", "assignee_type": "agent", "assignee_id": a(4) },
        { "id": id(AUTOPILOT, 5), "workspace_id": w(1), "name": "Night build", "assignee_type": "squad", "assignee_id": s(3) },
        { "id": id(AUTOPILOT, 6), "workspace_id": w(2), "name": "Paper digest", "assignee_type": "agent", "assignee_id": a(11) },
    ]);
    let issues = json!([
        { "id": id(ISSUE, 1), "workspace_id": w(1), "title": "Upgrade the parser", "status": "in_progress", "assignee_type": "agent", "assignee_id": a(1) },
        { "id": id(ISSUE, 2), "workspace_id": w(1), "title": "Fix flaky CI", "status": "todo", "assignee_type": "squad", "assignee_id": s(1) },
        { "id": id(ISSUE, 3), "workspace_id": w(1), "title": "Nightly report", "status": "todo", "assignee_type": "squad", "assignee_id": s(3) },
        { "id": id(ISSUE, 4), "workspace_id": w(1), "title": "Write docs", "status": "todo", "assignee_type": "agent", "assignee_id": a(5) },
        { "id": id(ISSUE, 5), "workspace_id": w(2), "title": "Summarise papers", "status": "todo", "assignee_type": "agent", "assignee_id": a(11) },
    ]);
    let chat_sessions = json!([
        { "id": id(CHAT, 1), "workspace_id": w(1), "agent_id": a(1), "runtime_id": r(1), "title": "Parser design" },
        { "id": id(CHAT, 2), "workspace_id": w(1), "agent_id": a(2), "runtime_id": r(1), "title": "Refactor plan" },
        { "id": id(CHAT, 3), "workspace_id": w(1), "agent_id": a(5), "runtime_id": r(2), "title": "CI logs" },
        { "id": id(CHAT, 4), "workspace_id": w(1), "agent_id": a(7), "runtime_id": r(3), "title": "Migration notes" },
        { "id": id(CHAT, 5), "workspace_id": w(2), "agent_id": a(11), "runtime_id": r(7), "title": "Reading list" },
    ]);

    // Open work: queued and running tasks on the busy runtimes.
    let mut tasks = Vec::new();
    let mut task_n = 0_u64;
    let mut task = |ws: u64, agent_n: u64, rt: u64, status: &str, ago: i64, issue: Option<u64>| {
        task_n += 1;
        let started = (status != "queued").then(|| at(now, ago));
        // A completed task finishes when it reports its usage, a minute later.
        let finished = (status == "completed").then(|| at(now, ago - 60));
        tasks.push(json!({
            "id": id(TASK, task_n), "workspace_id": w(ws), "agent_id": a(agent_n), "runtime_id": r(rt),
            "issue_id": issue.map(|i| id(ISSUE, i)), "status": status,
            "created_at": at(now, ago + 30), "started_at": started, "finished_at": finished,
        }));
        task_n
    };
    task(1, 1, 1, "running", 4 * minute, Some(1));
    task(1, 2, 1, "queued", 2 * minute, None);
    task(1, 5, 2, "running", 7 * minute, Some(4));
    task(1, 5, 2, "dispatched", minute, None);
    task(1, 9, 5, "queued", 3 * minute, Some(3));
    task(2, 11, 7, "running", 10 * minute, Some(5));

    // 120 days of finished tasks, each reporting usage for one or two models.
    let mut rng = Seeded(0x5EED_2026);
    let mut usage = Vec::new();
    // (workspace, runtime, agents, tasks per day)
    let busy: [(u64, u64, &[u64], u64); 4] = [
        (1, 1, &[1, 2, 3, 4], 9),
        (1, 2, &[5, 6], 6),
        (1, 5, &[8, 9], 4),
        (2, 7, &[11, 12], 5),
    ];
    let total_weight: u64 = MODELS.iter().map(|m| m.2).sum();
    let mut reported_models = std::collections::HashSet::new();
    for (ws, rt, agents_here, per_day) in busy {
        for day_back in 0..USAGE_DAYS {
            let n_tasks = per_day / 2 + rng.below(per_day + 1);
            for _ in 0..n_tasks {
                let seconds_ago =
                    day_back * day + i64::try_from(rng.below(86_000)).unwrap_or(0) + 120;
                let pick = usize::try_from(rng.below(agents_here.len() as u64)).unwrap_or(0);
                let agent_n = agents_here.get(pick).copied().unwrap_or(1);
                let n = task(ws, agent_n, rt, "completed", seconds_ago, None);
                let models = 1 + rng.below(4) / 3;
                for _ in 0..models {
                    let mut pick = rng.below(total_weight);
                    let (provider, model, _) = MODELS
                        .iter()
                        .find(|m| {
                            if pick < m.2 {
                                true
                            } else {
                                pick -= m.2;
                                false
                            }
                        })
                        .copied()
                        .unwrap_or(MODELS[0]);
                    // One row per task × provider × model.
                    if !reported_models.insert((n, model)) {
                        continue;
                    }
                    let input = 2_000 + rng.below(60_000);
                    let reported = provider == "openai" && rng.below(2) == 0;
                    usage.push(json!({
                        "task_id": id(TASK, n), "agent_id": a(agent_n), "runtime_id": r(rt), "workspace_id": w(ws),
                        "provider": provider, "model": model,
                        "input_tokens": input, "output_tokens": input / 5 + rng.below(4_000),
                        "cache_read_tokens": input * 3 + rng.below(50_000), "cache_write_tokens": rng.below(8_000),
                        "cost_usd_ticks": if reported { json!(input * 30_000) } else { Value::Null },
                        "created_at": at(now, seconds_ago - 60),
                    }));
                }
            }
        }
    }

    // The only usage of the quiet ben-workstation: 20:15 UTC twelve days
    // ago, Gale's last work before it retired. 20:15 UTC is after 18:30
    // UTC, so in India (UTC+05:30) it lies on the next local date.
    let evening = now.unix_seconds().div_euclid(day) * day - 12 * day + 20 * hour + 15 * minute;
    let seconds_ago = now.unix_seconds() - evening;
    let n = task(1, 7, 3, "completed", seconds_ago + 60, None);
    usage.push(json!({
        "task_id": id(TASK, n), "agent_id": a(7), "runtime_id": r(3), "workspace_id": w(1),
        "provider": "anthropic", "model": "claude-sonnet-4-6",
        "input_tokens": 120_000, "output_tokens": 18_000,
        "cache_read_tokens": 400_000, "cache_write_tokens": 6_000,
        "cost_usd_ticks": null, "created_at": at(now, seconds_ago),
    }));

    json!({
        "workspaces": workspaces, "users": users, "members": members, "daemon_tokens": daemon_tokens,
        "runtimes": runtimes, "agents": agents, "squads": squads, "autopilots": autopilots,
        "issues": issues, "chat_sessions": chat_sessions, "tasks": tasks, "usage": usage,
    })
}

/// The demo fixture, checked.
///
/// # Errors
///
/// Never for a `now` in years 0001..=2099 (the demo is checked like any
/// fixture; a failure here is a bug in this file).
pub fn fixture(now: Instant) -> Result<Fixture, Error> {
    let fixture: Fixture = crate::decode("", fixture_json(now))?;
    fixture.check()?;
    Ok(fixture)
}

/// A demo user as the banner prints it and the page's sign-in offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoUser {
    /// Display name.
    pub name: String,
    /// "owner of Acme Robotics, member of Globex Research".
    pub roles: String,
    /// The bearer token: demo tokens are public by design.
    pub token: String,
    /// The user's stored zone, if any.
    pub timezone: Option<String>,
}

/// The demo's users, in the fixture's order.
pub fn users(fixture: &Fixture) -> Vec<DemoUser> {
    fixture
        .users
        .iter()
        .map(|user| {
            let roles: Vec<String> = fixture
                .members
                .iter()
                .filter(|m| m.user_id == user.id)
                .filter_map(|m| {
                    let ws = fixture.workspaces.iter().find(|w| w.id == m.workspace_id)?;
                    Some(format!("{} of {}", m.role, ws.name))
                })
                .collect();
            DemoUser {
                name: user.name.clone(),
                roles: roles.join(", "),
                token: user.token.clone(),
                timezone: user.timezone.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::store::{Store, sqlite::SqliteStore};

    #[test]
    fn the_demo_is_a_valid_fixture_that_loads_and_is_deterministic()
    -> Result<(), Box<dyn std::error::Error>> {
        let now = Instant::parse("2026-11-20T12:00:00Z", "now")?;
        assert_eq!(fixture_json(now), fixture_json(now));
        let fixture = fixture(now)?;
        assert!(fixture.usage.len() > 1_000, "120 days of usage");
        let dir = tempfile::tempdir()?;
        let store: std::sync::Arc<dyn Store> =
            std::sync::Arc::new(SqliteStore::open(dir.path().join("demo.sqlite"))?);
        store.write(|tx| tx.load_fixture(&fixture, now))?;
        Ok(())
    }
}
