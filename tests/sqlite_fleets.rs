//! Random fleets torn down on SQLite with foreign keys on (issue #7).
//!
//! Each case builds a workspace as a fixture — agents active and archived
//! on the runtime torn down and on another, squads active and archived
//! with random leaders and members, autopilots on agents and squads,
//! issues assigned to either, open and finished tasks (some pinned to the
//! other runtime), chats — loads it into a fresh database, and runs the
//! server's teardown path: the snapshot read in one write transaction,
//! `plan_teardown`, every step of the plan executed. Then either the
//! answer was a refusal and not one row changed, or the runtime is gone,
//! `PRAGMA foreign_key_check` is empty, and no issue points at a deleted
//! agent or squad, nor any autopilot that was not paused on purpose.
//!
//! Run with `cargo test --features server --test sqlite_fleets`; 1,000
//! cases by default (`PROPTEST_CASES` to change).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "common/rows.rs"]
mod rows;

use std::collections::BTreeMap;
use std::sync::Arc;

use proptest::prelude::*;
use runtime_rules::queue::TaskStatus;
use runtime_rules::server::fixture::Fixture;
use runtime_rules::server::store::Store;
use runtime_rules::server::store::sqlite::SqliteStore;
use runtime_rules::teardown::{Request, TeardownInput, plan_teardown};
use runtime_rules::workspace::Member;
use runtime_rules::{Id, Instant, Outcome};
use serde_json::{Value, json};

const W: &str = "10000000-0000-4000-8000-000000000001";
const OWNER: &str = "20000000-0000-4000-8000-000000000001";
const MEMBER: &str = "20000000-0000-4000-8000-000000000002";
/// The runtime torn down.
const R: &str = "30000000-0000-4000-8000-000000000001";
/// Another runtime: some agents live there, some tasks are pinned there.
const R2: &str = "30000000-0000-4000-8000-000000000002";
const NOW: &str = "2026-05-19T16:00:00Z";
const EARLIER: &str = "2026-05-19T12:00:00Z";

const TABLES: [&str; 7] = [
    "runtime",
    "agent",
    "squad",
    "squad_member",
    "autopilot",
    "issue",
    "chat_session",
];

fn id(kind: u32, n: usize) -> String {
    format!("{kind:08x}-0000-4000-8000-{n:012}")
}

/// A fleet, as indexes the strategy draws; [`Fleet::fixture`] makes it a
/// consistent workspace.
#[derive(Debug, Clone)]
struct Fleet {
    /// (runtime: 0 torn down, 1 other, 2 unbound; archived; owner is the member)
    agents: Vec<(usize, bool, bool)>,
    /// (leader, members, archived)
    squads: Vec<(usize, Vec<usize>, bool)>,
    /// (on a squad?, assignee, paused?)
    autopilots: Vec<(bool, usize, bool)>,
    /// (assignee: none / agent / squad, index)
    issues: Vec<(usize, usize)>,
    /// (agent, runtime: 0 torn down, 1 other, 2 none, status, issue)
    tasks: Vec<(usize, usize, usize, Option<usize>)>,
    /// (agent, on the torn-down runtime?)
    chats: Vec<(usize, bool)>,
    /// Strict or confirmed; archive or unbind; in confirmed mode, how the
    /// expected set differs from the live one (1 one dropped, 2 one
    /// stranger added, else equal: most confirmations match).
    confirmed: bool,
    unbind: bool,
    drift: usize,
}

/// Whether a stored status is one a task ends in.
fn ended(status: &Value) -> bool {
    serde_json::from_value::<TaskStatus>(status.clone())
        .unwrap()
        .is_terminal()
}

fn fleet() -> impl Strategy<Value = Fleet> {
    (1..14usize).prop_flat_map(|n| {
        let agent = 0..n;
        (
            prop::collection::vec((0..3usize, any::<bool>(), any::<bool>()), n),
            prop::collection::vec(
                (
                    agent.clone(),
                    prop::collection::vec(agent.clone(), 0..4),
                    any::<bool>(),
                ),
                0..5,
            ),
            prop::collection::vec((any::<bool>(), 0..n.max(5), any::<bool>()), 0..6),
            prop::collection::vec((0..3usize, 0..n.max(5)), 0..6),
            prop::collection::vec(
                (
                    agent.clone(),
                    0..3usize,
                    0..TaskStatus::ALL.len(),
                    prop::option::of(0..6usize),
                ),
                0..16,
            ),
            prop::collection::vec((agent, any::<bool>()), 0..5),
            (any::<bool>(), any::<bool>(), 0..6usize),
        )
            .prop_map(
                |(agents, squads, autopilots, issues, tasks, chats, (confirmed, unbind, drift))| {
                    Fleet {
                        agents,
                        squads,
                        autopilots,
                        issues,
                        tasks,
                        chats,
                        confirmed,
                        unbind,
                        drift,
                    }
                },
            )
    })
}

impl Fleet {
    fn fixture(&self) -> Value {
        let runtime = |which: usize| match which {
            0 => json!(R),
            1 => json!(R2),
            _ => Value::Null,
        };
        let agents: Vec<Value> = self
            .agents
            .iter()
            .enumerate()
            .map(|(i, (on, archived, member))| {
                json!({
                    "id": id(0x4000_0000, i), "workspace_id": W, "runtime_id": runtime(*on),
                    "name": format!("agent {i}"), "owner_id": if *member { MEMBER } else { OWNER },
                    "archived_at": archived.then_some(EARLIER),
                    "instructions": "secret", "model": "claude-sonnet-4-6"
                })
            })
            .collect();
        let squads: Vec<Value> = self
            .squads
            .iter()
            .enumerate()
            .map(|(i, (leader, members, archived))| {
                let mut members: Vec<String> =
                    members.iter().map(|m| id(0x4000_0000, *m)).collect();
                members.sort();
                members.dedup();
                json!({
                    "id": id(0x5000_0000, i), "workspace_id": W, "name": format!("squad {i}"),
                    "leader_id": id(0x4000_0000, *leader), "members": members,
                    "archived_at": archived.then_some(EARLIER)
                })
            })
            .collect();
        let n_agents = self.agents.len();
        let n_squads = self.squads.len();
        // An assignee index folds onto what exists; a squad assignee with no
        // squads becomes an agent.
        let assignee = |on_squad: bool, k: usize| {
            if on_squad && n_squads > 0 {
                ("squad", id(0x5000_0000, k % n_squads))
            } else {
                ("agent", id(0x4000_0000, k % n_agents))
            }
        };
        let autopilots: Vec<Value> = self
            .autopilots
            .iter()
            .enumerate()
            .map(|(i, (on_squad, k, paused))| {
                let (kind, who) = assignee(*on_squad, *k);
                json!({
                    "id": id(0x6000_0000, i), "workspace_id": W, "name": format!("autopilot {i}"),
                    "status": if *paused { "paused" } else { "active" },
                    "assignee_type": kind, "assignee_id": who
                })
            })
            .collect();
        let issues: Vec<Value> = self
            .issues
            .iter()
            .enumerate()
            .map(|(i, (to, k))| {
                let mut issue = json!({ "id": id(0x7000_0000, i), "workspace_id": W,
                                        "title": format!("issue {i}") });
                if *to > 0 {
                    let (kind, who) = assignee(*to == 2, *k);
                    issue["assignee_type"] = json!(kind);
                    issue["assignee_id"] = json!(who);
                }
                issue
            })
            .collect();
        let n_issues = self.issues.len();
        let tasks: Vec<Value> = self
            .tasks
            .iter()
            .enumerate()
            .map(|(i, (agent, on, status, issue))| {
                let status = TaskStatus::ALL[*status];
                let finished = status.is_terminal();
                let mut task = json!({
                    "id": id(0x8000_0000, i), "workspace_id": W,
                    "agent_id": id(0x4000_0000, *agent), "runtime_id": runtime(*on),
                    "status": status, "created_at": EARLIER,
                    "finished_at": finished.then_some(EARLIER)
                });
                if let Some(k) = issue.filter(|_| n_issues > 0) {
                    task["issue_id"] = json!(id(0x7000_0000, k % n_issues));
                }
                task
            })
            .collect();
        let chats: Vec<Value> = self
            .chats
            .iter()
            .enumerate()
            .map(|(i, (agent, here))| {
                json!({ "id": id(0x9000_0000, i), "workspace_id": W,
                        "agent_id": id(0x4000_0000, *agent),
                        "runtime_id": if *here { json!(R) } else { Value::Null } })
            })
            .collect();
        json!({
            "workspaces": [{ "id": W, "name": "fleet" }],
            "users": [{ "id": OWNER, "name": "Owner", "token": "owner-token" },
                      { "id": MEMBER, "name": "Member", "token": "member-token" }],
            "members": [{ "workspace_id": W, "user_id": OWNER, "role": "owner" },
                        { "workspace_id": W, "user_id": MEMBER, "role": "member" }],
            "runtimes": [
                { "id": R, "workspace_id": W, "name": "torn down", "owner_id": OWNER,
                  "status": "offline", "last_seen_at": EARLIER },
                { "id": R2, "workspace_id": W, "name": "kept", "owner_id": OWNER,
                  "status": "online", "last_seen_at": NOW }
            ],
            "agents": agents, "squads": squads, "autopilots": autopilots,
            "issues": issues, "tasks": tasks, "chat_sessions": chats
        })
    }

    /// The request: in confirmed mode the live active set of the runtime,
    /// possibly with one dropped or one stranger added.
    fn request(&self) -> Request {
        let mut expected: Vec<Id> = self
            .agents
            .iter()
            .enumerate()
            .filter(|(_, (on, archived, _))| *on == 0 && !archived)
            .map(|(i, _)| Id::parse(&id(0x4000_0000, i)).unwrap())
            .collect();
        match self.drift {
            1 => {
                expected.pop();
            }
            2 => expected.push(Id::parse(&id(0x4000_0000, 999)).unwrap()),
            _ => {}
        }
        let request = json!({
            "mode": if self.confirmed { "confirmed" } else { "strict" },
            "policy": if self.unbind { "unbind" } else { "archive" },
            "expected_active_agent_ids": if self.confirmed {
                json!(expected.iter().map(ToString::to_string).collect::<Vec<_>>())
            } else {
                Value::Null
            },
        });
        runtime_rules::decode("request", request).unwrap()
    }
}

/// Every row of the tables a teardown touches, and the tasks.
fn dump(path: &std::path::Path) -> BTreeMap<&'static str, Vec<Vec<Value>>> {
    let mut tables: BTreeMap<&'static str, Vec<Vec<Value>>> = TABLES
        .iter()
        .map(|t| {
            (
                *t,
                rows::rows(path, &format!("SELECT * FROM {t} ORDER BY 1, 2")),
            )
        })
        .collect();
    tables.insert("task", rows::rows(path, "SELECT * FROM task ORDER BY id"));
    tables
}

/// The position of `column` in `table`'s rows as [`dump`] reads them.
fn col(path: &std::path::Path, table: &str, column: &str) -> usize {
    rows::rows(
        path,
        &format!("SELECT name FROM pragma_table_info('{table}')"),
    )
    .iter()
    .position(|row| row[0] == json!(column))
    .unwrap()
}

fn check(fleet: &Fleet) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fleet.sqlite");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).unwrap());
    let fixture = Fixture::from_json(&fleet.fixture().to_string())
        .unwrap_or_else(|e| panic!("the fleet's fixture is rejected: {e}\n{fleet:?}"));
    let now = Instant::parse(NOW, "now").unwrap();
    store.write(|tx| tx.load_fixture(&fixture, now)).unwrap();
    let before = dump(&path);

    let request = fleet.request();
    let runtime_id = Id::parse(R).unwrap();
    // The server's path (routes/teardown.rs): one write transaction reads
    // the snapshot, plans, and executes every step.
    let outcome = store
        .write(|tx| {
            let runtime = tx.runtime(runtime_id)?.unwrap();
            let snapshot = tx.teardown_snapshot(&runtime)?;
            let input = TeardownInput {
                actor: Member {
                    user_id: Id::parse(OWNER).unwrap(),
                    role: "owner".into(),
                },
                request,
                snapshot,
            };
            let outcome = plan_teardown(&input).unwrap();
            if let Outcome::Plan { plan } = &outcome {
                for step in &plan.steps {
                    tx.apply_step(step, now)?;
                }
            }
            Ok(outcome)
        })
        .unwrap_or_else(|e| panic!("the teardown failed: {e}\n{fleet:?}"));

    let after = dump(&path);
    match outcome {
        Outcome::Refusal { refusal } => {
            prop_assert_eq!(
                &before,
                &after,
                "refused ({:?}) yet rows changed",
                refusal.code
            );
        }
        Outcome::Plan { .. } => {
            prop_assert!(
                rows::rows(&path, &format!("SELECT id FROM runtime WHERE id = '{R}'")).is_empty(),
                "the runtime survived its teardown"
            );
            let broken = rows::rows(&path, "PRAGMA foreign_key_check");
            prop_assert!(broken.is_empty(), "foreign keys broken: {:?}", broken);
            let dangling_issues = rows::rows(
                &path,
                "SELECT id FROM issue
                 WHERE (assignee_type = 'agent' AND assignee_id NOT IN (SELECT id FROM agent))
                    OR (assignee_type = 'squad' AND assignee_id NOT IN (SELECT id FROM squad))",
            );
            prop_assert!(
                dangling_issues.is_empty(),
                "issues point at deleted assignees: {:?}",
                dangling_issues
            );
            let dangling_autopilots = rows::rows(
                &path,
                "SELECT id, status FROM autopilot
                 WHERE status <> 'paused'
                   AND ((assignee_type = 'agent' AND assignee_id NOT IN (SELECT id FROM agent))
                     OR (assignee_type = 'squad' AND assignee_id NOT IN (SELECT id FROM squad)))",
            );
            prop_assert!(
                dangling_autopilots.is_empty(),
                "active autopilots point at deleted assignees: {:?}",
                dangling_autopilots
            );
            // Every unfinished task on the runtime or of its agents was
            // cancelled (or went with its deleted agent or runtime).
            let ours: Vec<Value> = before["agent"]
                .iter()
                .filter(|row| row[2] == json!(R))
                .map(|row| row[0].clone())
                .collect();
            let status_after: BTreeMap<String, Value> = after["task"]
                .iter()
                .map(|row| {
                    (
                        row[0].to_string(),
                        row[col(&path, "task", "status")].clone(),
                    )
                })
                .collect();
            let (runtime_col, agent_col, status_col) = (
                col(&path, "task", "runtime_id"),
                col(&path, "task", "agent_id"),
                col(&path, "task", "status"),
            );
            for task in &before["task"] {
                let in_scope = task[runtime_col] == json!(R) || ours.contains(&task[agent_col]);
                let open = !ended(&task[status_col]);
                if in_scope && open {
                    let now = status_after.get(&task[0].to_string());
                    prop_assert!(
                        now.is_none() || now == Some(&json!("cancelled")),
                        "task {} was left {:?}",
                        task[0],
                        now
                    );
                }
            }
            // Under the unbind policy the agents stay, and so does their
            // finished history.
            if fleet.unbind {
                for task in &before["task"] {
                    if ended(&task[status_col]) {
                        prop_assert!(
                            status_after.contains_key(&task[0].to_string()),
                            "finished task {} was lost under unbind",
                            task[0]
                        );
                    }
                }
            }
            // Nothing of the other runtime moved: its agents stay bound.
            let kept = |d: &BTreeMap<&str, Vec<Vec<Value>>>| {
                d["agent"]
                    .iter()
                    .filter(|row| row[2] == json!(R2))
                    .map(|row| row[0].clone())
                    .collect::<Vec<_>>()
            };
            prop_assert_eq!(kept(&before), kept(&after));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(1000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_fleets_tear_down_whole_or_not_at_all(fleet in fleet()) {
        check(&fleet)?;
    }
}
