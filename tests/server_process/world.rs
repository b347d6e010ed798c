//! The fixtures (SPEC §8.4) the tests seed, built here as JSON text.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::harness::id;

/// Id kinds: one per table, so ids of different tables never collide.
pub const WORKSPACE: u32 = 1;
pub const USER: u32 = 2;
pub const RUNTIME: u32 = 3;
pub const AGENT: u32 = 4;
pub const SQUAD: u32 = 5;
pub const AUTOPILOT: u32 = 6;
pub const TASK: u32 = 7;
pub const CHAT: u32 = 8;
pub const ISSUE: u32 = 9;

/// Workspace A's admin: tears runtimes down.
pub const ALICE: &str = "alice-token-0001";
/// Workspace A's plain member: listens to events.
pub const BOB: &str = "bob-token-0002";
/// Workspace B's owner.
pub const CAROL: &str = "carol-token-0003";

const FINISHED_AT: &str = "2026-05-01T10:00:00Z";

/// Two workspaces. A: runtime 1 (torn down by the tests: agents 1, 2
/// active, 3 archived; an archived squad led by 3; autopilots on agent 1,
/// the squad, and a paused one on agent 2; tasks 1, 2 unfinished and 3
/// finished of its agents, task 4 of agent 4 pinned to it) and runtime 2
/// (agent 4, an active squad, untouched). B: runtime 3 with agents 11, 12.
pub fn two_workspaces() -> String {
    let (a, b) = (id(WORKSPACE, 1), id(WORKSPACE, 2));
    let (alice, bob, carol) = (id(USER, 1), id(USER, 2), id(USER, 3));
    let agent = |n: u64, runtime: u64, ws: &str, archived: bool| {
        json!({
            "id": id(AGENT, n), "workspace_id": ws, "runtime_id": id(RUNTIME, runtime),
            "name": format!("agent {n}"), "owner_id": if ws == a { &alice } else { &carol },
            "model": "claude-sonnet-4-6", "instructions": "secret instructions",
            "archived_at": if archived { Some("2026-04-01T00:00:00Z") } else { None },
        })
    };
    let task = |n: u64, agent: u64, runtime: u64, ws: &str, status: &str| {
        let mut t = json!({
            "id": id(TASK, n), "workspace_id": ws, "agent_id": id(AGENT, agent),
            "runtime_id": id(RUNTIME, runtime), "status": status,
        });
        if matches!(status, "completed" | "failed" | "cancelled") {
            t["finished_at"] = json!(FINISHED_AT);
        }
        t
    };
    let autopilot = |n: u64, ws: &str, kind: &str, assignee: String, status: &str| {
        json!({
            "id": id(AUTOPILOT, n), "workspace_id": ws, "name": format!("autopilot {n}"),
            "status": status, "assignee_type": kind, "assignee_id": assignee,
        })
    };
    let runtime = |n: u64, ws: &str, owner: &str| {
        json!({
            "id": id(RUNTIME, n), "workspace_id": ws, "name": format!("runtime {n}"),
            "owner_id": owner, "visibility": "public", "status": "online",
            "last_seen_at": "2026-05-19T12:00:00Z",
        })
    };
    let fixture: Value = json!({
        "workspaces": [{ "id": a, "name": "A" }, { "id": b, "name": "B" }],
        "users": [
            { "id": alice, "name": "Alice", "token": ALICE },
            { "id": bob, "name": "Bob", "token": BOB, "timezone": "Europe/Paris" },
            { "id": carol, "name": "Carol", "token": CAROL },
        ],
        "members": [
            { "workspace_id": a, "user_id": alice, "role": "admin" },
            { "workspace_id": a, "user_id": bob, "role": "member" },
            { "workspace_id": b, "user_id": carol, "role": "owner" },
        ],
        "runtimes": [runtime(1, &a, &alice), runtime(2, &a, &alice), runtime(3, &b, &carol)],
        "agents": [
            agent(1, 1, &a, false), agent(2, 1, &a, false), agent(3, 1, &a, true),
            agent(4, 2, &a, false), agent(11, 3, &b, false), agent(12, 3, &b, false),
        ],
        "squads": [
            { "id": id(SQUAD, 1), "workspace_id": a, "name": "old squad", "leader_id": id(AGENT, 3),
              "archived_at": "2026-04-02T00:00:00Z", "members": [id(AGENT, 1), id(AGENT, 4)] },
            { "id": id(SQUAD, 2), "workspace_id": a, "name": "live squad", "leader_id": id(AGENT, 4),
              "members": [id(AGENT, 2)] },
            { "id": id(SQUAD, 11), "workspace_id": b, "name": "B squad", "leader_id": id(AGENT, 11),
              "archived_at": "2026-04-02T00:00:00Z" },
        ],
        "autopilots": [
            autopilot(1, &a, "agent", id(AGENT, 1), "active"),
            autopilot(2, &a, "squad", id(SQUAD, 1), "active"),
            autopilot(3, &a, "agent", id(AGENT, 2), "paused"),
            autopilot(4, &a, "agent", id(AGENT, 4), "active"),
            autopilot(11, &b, "agent", id(AGENT, 11), "active"),
            autopilot(12, &b, "squad", id(SQUAD, 11), "active"),
        ],
        "issues": [
            { "id": id(ISSUE, 1), "workspace_id": a, "title": "fix it",
              "assignee_type": "agent", "assignee_id": id(AGENT, 1) },
        ],
        "tasks": [
            task(1, 1, 1, &a, "queued"), task(2, 2, 1, &a, "running"), task(3, 1, 1, &a, "completed"),
            task(4, 4, 1, &a, "queued"), task(5, 4, 2, &a, "queued"),
            task(11, 11, 3, &b, "queued"), task(12, 12, 3, &b, "dispatched"),
            task(13, 12, 3, &b, "failed"),
        ],
        "chat_sessions": [
            { "id": id(CHAT, 1), "workspace_id": a, "agent_id": id(AGENT, 1),
              "runtime_id": id(RUNTIME, 1), "title": "hello" },
        ],
    });
    fixture.to_string()
}

/// The large runtime of the SIGKILL test.
pub struct Big {
    /// The fixture.
    pub json: String,
    /// The runtime torn down.
    pub runtime: String,
    /// Its active agents (the confirmed set).
    pub active: Vec<String>,
}

/// Runtime 1 with `agents` agents (every tenth archived) and `tasks`
/// tasks of theirs (one in fifty unfinished, the rest finished), archived
/// squads led by its archived agents, active squads led by runtime 2's
/// agents with members on runtime 1, autopilots, chats and issues.
/// Runtime 2 and its 20 agents stay. Written as text: 100,000 tasks
/// through `json!` would be slow for nothing.
pub fn big(agents: u64, tasks: u64) -> Big {
    let ws = id(WORKSPACE, 1);
    let alice = id(USER, 1);
    let r1 = id(RUNTIME, 1);
    let r2 = id(RUNTIME, 2);
    let mut s = String::with_capacity(330 * tasks as usize + 400 * agents as usize);
    write!(
        s,
        r#"{{"workspaces":[{{"id":"{ws}","name":"big"}}],
"users":[{{"id":"{alice}","name":"Alice","token":"{ALICE}"}}],
"members":[{{"workspace_id":"{ws}","user_id":"{alice}","role":"owner"}}],
"runtimes":[{{"id":"{r1}","workspace_id":"{ws}","name":"big","owner_id":"{alice}","visibility":"public","status":"online"}},
{{"id":"{r2}","workspace_id":"{ws}","name":"other","owner_id":"{alice}","visibility":"public"}}],
"agents":["#
    )
    .unwrap();
    let mut active = Vec::new();
    let others = 20;
    for n in 1..=agents + others {
        let (runtime, archived) = if n <= agents {
            (&r1, n % 10 == 0)
        } else {
            (&r2, false)
        };
        if n <= agents && !archived {
            active.push(id(AGENT, n));
        }
        let archived_at = if archived {
            r#","archived_at":"2026-04-01T00:00:00Z""#
        } else {
            ""
        };
        write!(
            s,
            r#"{}{{"id":"{}","workspace_id":"{ws}","runtime_id":"{runtime}","name":"agent {n}","owner_id":"{alice}","model":"claude-sonnet-4-6","instructions":"secret","custom_env":{{"KEY":"v"}}{archived_at}}}"#,
            if n == 1 { "" } else { "," },
            id(AGENT, n)
        )
        .unwrap();
    }
    s.push_str("],\n\"squads\":[");
    // Archived squads led by archived agents of runtime 1 (deleted by the
    // archive policy), active squads led by runtime 2's agents.
    for n in 1..=40u64 {
        let (leader, archived) = if n <= 30 {
            (
                id(AGENT, n * 10),
                r#","archived_at":"2026-04-02T00:00:00Z""#,
            )
        } else {
            (id(AGENT, agents + n - 30), "")
        };
        let members: Vec<String> = (0..5)
            .map(|k| format!("\"{}\"", id(AGENT, (n * 7 + k * 13) % agents + 1)))
            .collect();
        write!(
            s,
            r#"{}{{"id":"{}","workspace_id":"{ws}","name":"squad {n}","leader_id":"{leader}","members":[{}]{archived}}}"#,
            if n == 1 { "" } else { "," },
            id(SQUAD, n),
            members.join(",")
        )
        .unwrap();
    }
    s.push_str("],\n\"autopilots\":[");
    for n in 1..=340u64 {
        let (kind, assignee) = match n {
            1..=300 => ("agent", id(AGENT, n * 3 % (agents + others) + 1)),
            _ => ("squad", id(SQUAD, n - 300)),
        };
        let status = if n % 4 == 0 { "paused" } else { "active" };
        write!(
            s,
            r#"{}{{"id":"{}","workspace_id":"{ws}","name":"autopilot {n}","status":"{status}","assignee_type":"{kind}","assignee_id":"{assignee}"}}"#,
            if n == 1 { "" } else { "," },
            id(AUTOPILOT, n)
        )
        .unwrap();
    }
    s.push_str("],\n\"issues\":[");
    for n in 1..=100u64 {
        write!(
            s,
            r#"{}{{"id":"{}","workspace_id":"{ws}","title":"issue {n}","assignee_type":"agent","assignee_id":"{}"}}"#,
            if n == 1 { "" } else { "," },
            id(ISSUE, n),
            id(AGENT, n * 9 % agents + 1)
        )
        .unwrap();
    }
    s.push_str("],\n\"chat_sessions\":[");
    for n in 1..=3000u64 {
        write!(
            s,
            r#"{}{{"id":"{}","workspace_id":"{ws}","agent_id":"{}","runtime_id":"{r1}","title":"chat {n}"}}"#,
            if n == 1 { "" } else { "," },
            id(CHAT, n),
            id(AGENT, n % agents + 1)
        )
        .unwrap();
    }
    s.push_str("],\n\"tasks\":[");
    const UNFINISHED: [&str; 4] = ["queued", "dispatched", "running", "waiting_local_directory"];
    const FINISHED: [&str; 3] = ["completed", "failed", "cancelled"];
    for n in 1..=tasks {
        // One task in twenty belongs to runtime 2's agents; a few of those
        // are pinned to runtime 1.
        let (agent, runtime) = if n % 20 == 0 {
            let runtime = if n % 400 == 0 { &r1 } else { &r2 };
            (id(AGENT, agents + n % others + 1), runtime)
        } else {
            (id(AGENT, n % agents + 1), &r1)
        };
        let (status, finished) = if n % 50 == 7 || n % 400 == 0 {
            (UNFINISHED[(n / 50 % 4) as usize], "")
        } else {
            (
                FINISHED[(n % 3) as usize],
                r#","finished_at":"2026-05-01T10:00:00Z""#,
            )
        };
        write!(
            s,
            r#"{}{{"id":"{}","workspace_id":"{ws}","agent_id":"{agent}","runtime_id":"{runtime}","status":"{status}","started_at":"2026-05-01T09:00:00Z"{finished}}}"#,
            if n == 1 { "" } else { "," },
            id(TASK, n)
        )
        .unwrap();
    }
    s.push_str("]}\n");
    Big {
        json: s,
        runtime: r1,
        active,
    }
}

/// The world of the concurrency test: runtime 1 (public, Alice's) with
/// agents 1-5 active and 6 archived, each with three unfinished and five
/// finished tasks and an active autopilot; runtime 2 with agents 11-20
/// (the movers), each with one unfinished task.
pub struct Race {
    /// The fixture.
    pub json: String,
    /// Runtime 1.
    pub runtime: String,
    /// Agents 1-6 of runtime 1.
    pub originals: Vec<String>,
    /// Agents 11-20 of runtime 2.
    pub movers: Vec<String>,
    /// Unfinished tasks per agent.
    pub unfinished: HashMap<String, usize>,
    /// Autopilots per agent (all active).
    pub autopilots: HashMap<String, usize>,
}

/// See [`Race`].
pub fn race() -> Race {
    let ws = id(WORKSPACE, 1);
    let alice = id(USER, 1);
    let mut agents = Vec::new();
    let mut tasks = Vec::new();
    let mut autopilots = Vec::new();
    let mut unfinished = HashMap::new();
    let mut autopilot_count = HashMap::new();
    let mut task_n = 0;
    for n in (1..=6).chain(11..=20) {
        let runtime = if n <= 6 { 1 } else { 2 };
        let agent = id(AGENT, n);
        agents.push(json!({
            "id": agent, "workspace_id": ws, "runtime_id": id(RUNTIME, runtime),
            "name": format!("agent {n}"), "owner_id": alice, "model": "gpt-5",
            "archived_at": if n == 6 { Some("2026-04-01T00:00:00Z") } else { None },
        }));
        let (open, done) = if n <= 6 { (3, 5) } else { (1, 0) };
        for k in 0..open + done {
            task_n += 1;
            let mut t = json!({
                "id": id(TASK, task_n), "workspace_id": ws, "agent_id": agent,
                "runtime_id": id(RUNTIME, runtime), "status": if k < open { "queued" } else { "completed" },
            });
            if k >= open {
                t["finished_at"] = json!(FINISHED_AT);
            }
            tasks.push(t);
        }
        unfinished.insert(agent.clone(), open);
        if n <= 6 {
            autopilots.push(json!({
                "id": id(AUTOPILOT, n), "workspace_id": ws, "name": format!("autopilot {n}"),
                "assignee_type": "agent", "assignee_id": agent,
            }));
            autopilot_count.insert(agent, 1);
        }
    }
    let runtime = |n: u64| {
        json!({
            "id": id(RUNTIME, n), "workspace_id": ws, "name": format!("runtime {n}"),
            "owner_id": alice, "visibility": "public", "status": "online",
        })
    };
    let fixture = json!({
        "workspaces": [{ "id": ws, "name": "race" }],
        "users": [{ "id": alice, "name": "Alice", "token": ALICE }],
        "members": [{ "workspace_id": ws, "user_id": alice, "role": "owner" }],
        "runtimes": [runtime(1), runtime(2)],
        "agents": agents,
        "autopilots": autopilots,
        "tasks": tasks,
    });
    Race {
        json: fixture.to_string(),
        runtime: id(RUNTIME, 1),
        originals: (1..=6).map(|n| id(AGENT, n)).collect(),
        movers: (11..=20).map(|n| id(AGENT, n)).collect(),
        unfinished,
        autopilots: autopilot_count,
    }
}
