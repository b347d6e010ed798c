//! Laws the rules must hold for every input, not just the vectors.
#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use runtime_rules::agent_set::{AgentIdList, compare_agent_sets, parse_agent_ids};
use runtime_rules::cost::{CostRow, estimate_cost, slice_window};
use runtime_rules::teardown::{
    History, Mode, Op, Plan, Policy, Request, Snapshot, TeardownInput, plan_teardown,
    snapshot_for_viewer,
};
use runtime_rules::usage::{Bucket, RollupKey, Usage, UsageRow, rollup_usage, usage_daily};
use runtime_rules::window::DayCount;
use runtime_rules::workspace::{Agent, AssigneeType, Autopilot, Member, Runtime, Squad, Task};
use runtime_rules::{Date, Id, Instant, Outcome, Zone};
use serde_json::Value;

const RT: u128 = 0x3333_0001;
const OTHER_RT: u128 = 0x3333_0002;
const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "America/Santiago",
    "America/Havana",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "Australia/Lord_Howe",
    "Pacific/Apia",
    "Atlantic/Azores",
    "America/Moncton",
    "America/St_Johns",
    "Europe/Dublin",
];

fn id(kind: u128, n: usize) -> Id {
    Id::from_u128((kind << 64) | n as u128)
}

fn instant(secs: i64) -> Instant {
    Instant::from_unix(secs, 0).unwrap()
}

// --- teardown ---------------------------------------------------------------------------------

/// A consistent snapshot (every reference points at a row of the snapshot,
/// tasks may be pinned to a second runtime), an actor and a request.
fn teardown_input() -> impl Strategy<Value = TeardownInput> {
    let agents = prop::collection::vec((any::<bool>(), 0..3usize, 0..4usize), 0..10);
    (
        agents,
        0..3usize,
        0..3usize,
        any::<bool>(),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_flat_map(|(agents, actor, role, strict, archive, seed)| {
            let n = agents.len();
            let squads = prop::collection::vec(
                (0..n.max(1), any::<bool>()),
                if n == 0 { 0..1 } else { 0..6 },
            );
            let squad_count = 6;
            let autopilots = prop::collection::vec(
                (any::<bool>(), 0..n.max(1).max(squad_count), 0..3usize),
                if n == 0 { 0..1 } else { 0..8 },
            );
            let tasks = prop::collection::vec(
                (0..n.max(1), 0..3usize, 0..6usize),
                if n == 0 { 0..1 } else { 0..10 },
            );
            // Empty history is common, and where the detach step is easy to forget.
            let history = (
                prop_oneof![Just(0u64), 0..50u64],
                prop_oneof![Just(0u64), 0..5u64],
            );
            (
                Just((agents, actor, role, strict, archive, seed)),
                squads,
                autopilots,
                tasks,
                history,
            )
        })
        .prop_map(
            |(
                (agents, actor, role, strict, archive, seed),
                squads,
                autopilots,
                tasks,
                (ft, cs),
            )| {
                let users = [id(1, 1), id(1, 2), id(1, 3)];
                let visibility = ["workspace", "public", "private", "Workspace"];
                let agents: Vec<Agent> = agents
                    .iter()
                    .enumerate()
                    .map(|(i, (archived, owner, vis))| Agent {
                        id: id(4, i),
                        name: Some(format!("agent-{i}")),
                        owner_id: Some(users[*owner]),
                        visibility: Some(visibility[*vis].to_owned()),
                        archived_at: archived.then(|| instant(1_700_000_000)),
                        status: Some("idle".into()),
                        model: None,
                        restricted: false,
                    })
                    .collect();
                let squads: Vec<Squad> = if agents.is_empty() {
                    vec![]
                } else {
                    squads
                        .iter()
                        .enumerate()
                        .map(|(i, (leader, archived))| Squad {
                            id: id(5, i),
                            name: format!("squad-{i}"),
                            leader_id: agents[*leader % agents.len()].id,
                            archived_at: archived.then(|| instant(1_700_000_000)),
                        })
                        .collect()
                };
                let autopilots = autopilots
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (to_squad, target, status))| {
                        let (kind, target) = if *to_squad && !squads.is_empty() {
                            (AssigneeType::Squad, squads[target % squads.len()].id)
                        } else if !agents.is_empty() {
                            (AssigneeType::Agent, agents[target % agents.len()].id)
                        } else {
                            return None;
                        };
                        Some(Autopilot {
                            id: id(6, i),
                            name: format!("auto-{i}"),
                            status: ["active", "paused", "active"][*status].into(),
                            assignee_type: kind,
                            assignee_id: target,
                        })
                    })
                    .collect();
                let statuses = [
                    "queued",
                    "dispatched",
                    "running",
                    "waiting_local_directory",
                    "completed",
                    "failed",
                ];
                let tasks = if agents.is_empty() {
                    vec![]
                } else {
                    tasks
                        .iter()
                        .enumerate()
                        .map(|(i, (agent, runtime, status))| Task {
                            id: id(7, i),
                            agent_id: agents[*agent % agents.len()].id,
                            runtime_id: [
                                Some(Id::from_u128(RT)),
                                Some(Id::from_u128(OTHER_RT)),
                                None,
                            ][*runtime],
                            status: statuses[*status].into(),
                        })
                        .collect()
                };
                let finished = tasks.iter().filter(|t| !t.is_unfinished()).count() as u64;
                // The confirmed set: usually the live one, sometimes off by an agent.
                let active: Vec<Id> = agents
                    .iter()
                    .filter(|a| a.is_active())
                    .map(|a| a.id)
                    .collect();
                let mut confirmed: Vec<String> = active.iter().map(Id::to_string).collect();
                match seed % 4 {
                    0 if !confirmed.is_empty() => {
                        confirmed.pop();
                    }
                    1 => confirmed.push(id(4, 99).to_string()),
                    _ => {}
                }
                TeardownInput {
                    actor: Member {
                        user_id: users[actor],
                        role: ["owner", "admin", "member"][role].into(),
                    },
                    request: Request {
                        mode: if strict {
                            Mode::Strict
                        } else {
                            Mode::Confirmed
                        },
                        policy: if archive {
                            Policy::Archive
                        } else {
                            Policy::Unbind
                        },
                        expected_active_agent_ids: AgentIdList::new(confirmed),
                    },
                    snapshot: Snapshot {
                        runtime: Runtime {
                            id: Id::from_u128(RT),
                            workspace_id: id(2, 1),
                            name: "rt".into(),
                            owner_id: Some(users[0]),
                            visibility: "private".into(),
                            status: "offline".into(),
                            last_seen_at: None,
                        },
                        agents,
                        squads,
                        autopilots,
                        tasks,
                        // Finished rows on the runtime or of its agents are history.
                        history: History {
                            finished_tasks: ft + finished,
                            chat_sessions: cs,
                        },
                    },
                }
            },
        )
}

/// The input, and the same input with every array in a random order.
fn permuted(input: TeardownInput) -> impl Strategy<Value = (TeardownInput, TeardownInput)> {
    let s = &input.snapshot;
    (
        Just(s.agents.clone()).prop_shuffle(),
        Just(s.squads.clone()).prop_shuffle(),
        Just(s.autopilots.clone()).prop_shuffle(),
        Just(s.tasks.clone()).prop_shuffle(),
        Just(input.request.expected_active_agent_ids.items().to_vec()).prop_shuffle(),
    )
        .prop_map(move |(agents, squads, autopilots, tasks, confirmed)| {
            let mut shuffled = input.clone();
            shuffled.snapshot = Snapshot {
                agents,
                squads,
                autopilots,
                tasks,
                ..input.snapshot.clone()
            };
            shuffled.request.expected_active_agent_ids =
                AgentIdList::new(confirmed.into_iter().flatten());
            (input.clone(), shuffled)
        })
}

fn outcome_json(input: &TeardownInput) -> Value {
    serde_json::to_value(plan_teardown(input).unwrap()).unwrap()
}

/// The rows of a database holding exactly the snapshot, with the
/// constraints of SPEC §8.3 checked as each step is applied.
#[derive(Debug)]
struct Db {
    runtimes: BTreeSet<Id>,
    agents: BTreeMap<Id, Option<Id>>, // agent -> runtime_id
    squads: BTreeMap<Id, Id>,         // squad -> leader_id
    autopilots: BTreeMap<Id, (AssigneeType, Id, String)>,
    tasks: BTreeMap<Id, (Id, Option<Id>, String)>, // task -> (agent, runtime, status)
}

impl Db {
    fn of(s: &Snapshot) -> Db {
        Db {
            runtimes: [Id::from_u128(RT), Id::from_u128(OTHER_RT)].into(),
            agents: s
                .agents
                .iter()
                .map(|a| (a.id, Some(s.runtime.id)))
                .collect(),
            squads: s.squads.iter().map(|q| (q.id, q.leader_id)).collect(),
            autopilots: s
                .autopilots
                .iter()
                .map(|a| (a.id, (a.assignee_type, a.assignee_id, a.status.clone())))
                .collect(),
            tasks: s
                .tasks
                .iter()
                .map(|t| (t.id, (t.agent_id, t.runtime_id, t.status.clone())))
                .collect(),
        }
    }

    /// Applies one step; an error is a foreign-key violation.
    fn apply(&mut self, op: Op, ids: &[Id]) -> Result<(), String> {
        let set: BTreeSet<Id> = ids.iter().copied().collect();
        match op {
            Op::LockRuntime | Op::ArchiveAgents => {}
            Op::UnbindAgents => set.iter().for_each(|a| {
                self.agents.insert(*a, None);
            }),
            Op::CancelTasks => set.iter().for_each(|t| {
                if let Some(task) = self.tasks.get_mut(t) {
                    task.2 = "cancelled".into();
                }
            }),
            Op::PauseAutopilots => set.iter().for_each(|a| {
                if let Some(auto) = self.autopilots.get_mut(a) {
                    auto.2 = "paused".into();
                }
            }),
            Op::DeleteSquads => self.squads.retain(|q, _| !set.contains(q)),
            Op::DeleteAgents => {
                if let Some((q, l)) = self.squads.iter().find(|(_, l)| set.contains(l)) {
                    return Err(format!(
                        "squad.leader_id RESTRICT: squad {q} is led by deleted agent {l}"
                    ));
                }
                self.agents.retain(|a, _| !set.contains(a));
                self.tasks.retain(|_, t| !set.contains(&t.0)); // task.agent_id CASCADE
            }
            Op::DetachHistory => self
                .tasks
                .values_mut()
                .filter(|t| t.1 == ids.first().copied())
                .for_each(|t| t.1 = None),
            Op::DeleteRuntime => {
                let rt = ids.first().copied().unwrap();
                if let Some((a, _)) = self.agents.iter().find(|(_, r)| **r == Some(rt)) {
                    return Err(format!(
                        "agent.runtime_id RESTRICT: agent {a} still on the runtime"
                    ));
                }
                self.runtimes.remove(&rt);
                self.tasks.retain(|_, t| t.1 != Some(rt)); // task.runtime_id CASCADE
            }
        }
        Ok(())
    }

    /// Rows pointing at rows that are gone (polymorphic assignees included,
    /// except autopilots that are not active).
    fn dangling(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (a, r) in &self.agents {
            if let Some(r) = r.filter(|r| !self.runtimes.contains(r)) {
                out.push(format!("agent {a} -> runtime {r}"));
            }
        }
        for (q, l) in &self.squads {
            if !self.agents.contains_key(l) {
                out.push(format!("squad {q} -> leader {l}"));
            }
        }
        for (p, (kind, target, status)) in &self.autopilots {
            let exists = match kind {
                AssigneeType::Agent => self.agents.contains_key(target),
                AssigneeType::Squad => self.squads.contains_key(target),
            };
            if !exists && status == "active" {
                out.push(format!("active autopilot {p} -> missing {kind:?} {target}"));
            }
        }
        for (t, (agent, runtime, _)) in &self.tasks {
            if !self.agents.contains_key(agent) {
                out.push(format!("task {t} -> agent {agent}"));
            }
            if runtime.is_some_and(|r| !self.runtimes.contains(&r)) {
                out.push(format!("task {t} -> runtime"));
            }
        }
        out
    }

    /// Tasks still waiting or running: a teardown must leave none of the
    /// runtime's agents' (in a consistent snapshot, that is every task).
    fn unfinished(&self) -> Vec<Id> {
        self.tasks
            .iter()
            .filter(|(_, t)| Task::UNFINISHED.contains(&t.2.as_str()))
            .map(|(id, _)| *id)
            .collect()
    }
}

fn sorted_unique(ids: &[Id]) -> bool {
    ids.windows(2).all(|w| w[0] < w[1])
}

fn plan_lists(plan: &Plan) -> Vec<&Vec<Id>> {
    let e = &plan.effects;
    let mut lists = vec![
        &plan.confirmed_agent_ids,
        &e.archive_agents,
        &e.unbind_agents,
        &e.delete_agents,
        &e.delete_squads,
        &e.pause_autopilots,
        &e.cancel_tasks,
    ];
    lists.extend(plan.steps.iter().map(|s| &s.ids));
    lists
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any permutation of every array, the confirmed list included.
    #[test]
    fn plans_do_not_depend_on_array_order((input, shuffled) in teardown_input().prop_flat_map(permuted)) {
        prop_assert_eq!(outcome_json(&input), outcome_json(&shuffled));
    }

    #[test]
    fn every_id_list_is_sorted(input in teardown_input()) {
        match plan_teardown(&input).unwrap() {
            Outcome::Plan { plan } => {
                for list in plan_lists(&plan) {
                    prop_assert!(sorted_unique(list), "{list:?}");
                }
            }
            Outcome::Refusal { refusal } => {
                let ids: Vec<Id> = refusal.active_agents.iter().flatten().map(|a| match a {
                    runtime_rules::refusal::AgentSummary::Visible { id, .. } | runtime_rules::refusal::AgentSummary::Restricted { id, .. } => *id,
                }).collect();
                prop_assert!(sorted_unique(&ids));
                if let Some(diff) = &refusal.diff {
                    prop_assert!(sorted_unique(&diff.added) && sorted_unique(&diff.removed));
                }
                let squads: Vec<Id> = refusal.blocking_squads.iter().flatten().map(|q| q.id).collect();
                prop_assert!(sorted_unique(&squads));
            }
        }
    }

    /// SPEC §3.4: applying a plan to a database that holds exactly the
    /// snapshot never violates a foreign key and leaves nothing dangling.
    #[test]
    fn applying_a_plan_keeps_the_database_consistent(input in teardown_input()) {
        if let Outcome::Plan { plan } = plan_teardown(&input).unwrap() {
            let mut db = Db::of(&input.snapshot);
            for step in &plan.steps {
                if let Err(violation) = db.apply(step.op, &step.ids) {
                    prop_assert!(false, "{violation} at {:?}", step.op);
                }
            }
            prop_assert!(!db.runtimes.contains(&Id::from_u128(RT)), "the runtime is deleted");
            prop_assert_eq!(db.dangling(), Vec::<String>::new());
            prop_assert_eq!(db.unfinished(), Vec::<Id>::new());
            if plan.policy == Policy::Unbind {
                // Unbinding keeps every row: agents, and every task, cancelled or not.
                let kept: BTreeSet<Id> = db.tasks.keys().copied().collect();
                let all: BTreeSet<Id> = input.snapshot.tasks.iter().map(|t| t.id).collect();
                prop_assert_eq!(kept, all, "unbinding lost task rows");
                prop_assert_eq!(db.agents.len(), input.snapshot.agents.len());
            }
            let response = serde_json::to_value(&plan.response).unwrap();
            prop_assert_eq!(&response["agents_deleted"], &Value::from(plan.effects.delete_agents.len()));
        }
    }

    /// The browser plans on the snapshot the viewer may see; the server on the
    /// full one. Both must answer the same.
    #[test]
    fn the_viewers_snapshot_plans_like_the_full_one(input in teardown_input()) {
        let mut seen = input.clone();
        seen.snapshot = snapshot_for_viewer(&input.actor, &input.snapshot);
        prop_assert_eq!(outcome_json(&input), outcome_json(&seen));
    }

    #[test]
    fn planning_is_deterministic(input in teardown_input()) {
        prop_assert_eq!(outcome_json(&input), outcome_json(&input));
    }
}

// --- agent sets ---------------------------------------------------------------------------------

proptest! {
    #[test]
    fn comparing_mirrors(a in prop::collection::vec(0..20usize, 0..12), b in prop::collection::vec(0..20usize, 0..12)) {
        let set = |xs: &[usize]| parse_agent_ids(&AgentIdList::new(xs.iter().map(|&n| id(4, n).to_string())), "x").unwrap();
        let (a, b) = (set(&a), set(&b));
        let ab = compare_agent_sets(&a, &b);
        let ba = compare_agent_sets(&b, &a);
        prop_assert_eq!(ab.matches, ba.matches);
        prop_assert_eq!(&ab.added, &ba.removed);
        prop_assert_eq!(&ab.removed, &ba.added);
        prop_assert_eq!(ab.matches, a == b);
    }

    #[test]
    fn ids_read_back_in_every_form(bits in any::<u128>()) {
        let id = Id::from_u128(bits);
        let dashed = id.to_string();
        prop_assert_eq!(Id::parse(&dashed).unwrap(), id);
        prop_assert_eq!(Id::parse(&dashed.to_uppercase()).unwrap(), id);
        prop_assert_eq!(Id::parse(&dashed.replace('-', "")).unwrap(), id);
    }
}

// --- windows and usage ----------------------------------------------------------------------------

fn zone() -> impl Strategy<Value = Zone> {
    prop::sample::select(ZONES).prop_map(|z| Zone::parse(z, "tz").unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The start of a day is the first instant of that date (or of a later
    /// one when the zone skipped the date).
    #[test]
    fn a_day_starts_at_its_first_instant(zone in zone(), day in -25_000i64..47_400) {
        let date = Date::parse(&epoch_date(day), "d").unwrap();
        let start = zone.start_of_day(date).unwrap();
        prop_assert!(zone.date_of(start) >= date);
        prop_assert!(zone.date_of(instant(start.unix_seconds() - 1)) < date);
    }

    /// Every bucket at or after `since` is counted once, on its local date.
    #[test]
    fn daily_sums_equal_the_rows_since(
        zone in zone(),
        rows in prop::collection::vec((0i64..(40 * 96), 0..3usize, 0..1000u64, any::<bool>()), 0..200),
        since_q in 0i64..(40 * 96),
    ) {
        let start = 1_740_000_000 - 1_740_000_000 % 900;
        let buckets: Vec<Bucket> = rows.iter().map(|(q, m, n, paid)| Bucket {
            key: RollupKey {
                bucket_start: instant(start + q * 900),
                workspace_id: id(2, 1), runtime_id: id(3, 1), agent_id: id(4, 1),
                provider: ["anthropic", "Anthropic", "openai"][*m].into(),
                model: ["claude-sonnet-4-6", "claude-sonnet-4-6", "gpt-5"][*m].into(),
            },
            usage: Usage { input_tokens: *n, output_tokens: n / 2, cost_usd_ticks: if *paid { n * 10 } else { 0 }, uncosted_input_tokens: if *paid { 0 } else { *n }, ..Usage::default() },
            task_count: 1, event_count: 1,
        }).collect();
        let since = instant(start + since_q * 900);
        let daily = usage_daily(&buckets, zone, since);
        let mut want = Usage::default();
        let mut per_date: BTreeMap<(Date, String), u64> = BTreeMap::new();
        for b in buckets.iter().filter(|b| b.key.bucket_start >= since) {
            want.add(&b.usage);
            *per_date.entry((zone.date_of(b.key.bucket_start), b.key.provider.to_lowercase())).or_default() += b.usage.input_tokens;
        }
        let mut got = Usage::default();
        let mut got_per_date: BTreeMap<(Date, String), u64> = BTreeMap::new();
        for row in &daily {
            got.add(&row.usage);
            *got_per_date.entry((row.date, row.provider.clone())).or_default() += row.usage.input_tokens;
        }
        prop_assert_eq!(got, want);
        prop_assert_eq!(got_per_date, per_date);
    }

    /// The two KPI windows always cover the same number of dates.
    #[test]
    fn kpi_windows_have_equal_length(zone in zone(), days in 0u32..60, now in 1_600_000_000i64..1_900_000_000) {
        let now = instant(now);
        let today = zone.date_of(now);
        let rows: Vec<CostRow> = (-200..5)
            .map(|k| CostRow { date: today.add_days(k), ..CostRow::new("gpt-5", 1, 0, 0, 0) })
            .collect();
        let w = slice_window(&rows, DayCount(days), zone, now).unwrap();
        prop_assert_eq!(w.current.len(), days as usize);
        prop_assert_eq!(w.previous.len(), days as usize);
        prop_assert!(w.current.iter().all(|r| r.date.unwrap() <= today));
        prop_assert!(w.previous.iter().zip(&w.current).all(|(p, c)| p.date < c.date));
    }

    /// A bucket costs what its rows cost.
    #[test]
    fn rollup_keeps_cost(rows in prop::collection::vec((0i64..4000, 0..3usize, 0..2_000_000u64, 0..3usize), 1..60)) {
        let raw: Vec<UsageRow> = rows.iter().enumerate().map(|(i, (t, m, n, cost))| UsageRow {
            task_id: id(7, i % 5), agent_id: id(4, i % 2), runtime_id: id(3, 1), workspace_id: Some(id(2, 1)),
            provider: ["anthropic", "OpenAI", "cursor"][*m].into(),
            model: ["claude-sonnet-4-6", "gpt-5", "auto"][*m].into(),
            input_tokens: *n, output_tokens: n / 3, cache_read_tokens: n / 2, cache_write_tokens: n / 5,
            cost_usd_ticks: [None, Some(0), Some(n * 37)][*cost],
            created_at: instant(1_750_000_000 + t * 61),
        }).collect();
        let by_row: f64 = raw.iter().map(|r| estimate_cost(&CostRow {
            provider: Some(r.provider.clone()), cost_usd_ticks: r.cost_usd_ticks,
            ..CostRow::new(&r.model, r.input_tokens, r.output_tokens, r.cache_read_tokens, r.cache_write_tokens)
        }, None)).sum();
        let by_bucket: f64 = rollup_usage(&raw).unwrap().iter().map(|b| estimate_cost(&CostRow::from(b), None)).sum();
        prop_assert!((by_row - by_bucket).abs() <= 1e-9 * by_row.abs().max(1.0), "{by_row} vs {by_bucket}");
        let events: u64 = rollup_usage(&raw).unwrap().iter().map(|b| b.event_count).sum();
        prop_assert_eq!(events, raw.len() as u64);
    }
}

fn epoch_date(day: i64) -> String {
    let secs = day * 86_400;
    instant(secs).to_string()[..10].to_owned()
}
