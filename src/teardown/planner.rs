//! The teardown rules: refusals in their order, then the plan.

use std::collections::{BTreeMap, BTreeSet};

use super::plan::{Effects, Event, Op, Plan, Response, Step};
use super::{History, Mode, Policy, Request, Snapshot, TeardownInput};
use crate::access::can_edit_runtime;
use crate::agent_set::{compare_agent_sets, parse_agent_ids};
use crate::error::{Code, Error};
use crate::id::Id;
use crate::refusal::{AgentSummary, BlockingSquad, Diff, Outcome, Refusal, RefusalCode};
use crate::workspace::{Agent, AssigneeType, Autopilot, Member, Runtime, Squad, Task};

/// The reason recorded on autopilots paused because their agent lost its runtime.
pub const AGENT_RUNTIME_REQUIRED: &str = "agent_runtime_required";

/// Plans the teardown of a runtime, or refuses it (SPEC §3).
///
/// Refusals, in this order: `forbidden` (the actor may not edit the
/// runtime); `runtime_has_active_agents` (strict mode, any active agent);
/// `runtime_delete_plan_changed` (confirmed mode, the live active set is
/// not the confirmed set); `runtime_has_active_squads` (archive policy, an
/// active squad is led by an agent the plan would delete).
///
/// The result depends only on the input's content, never on the order of
/// its arrays: every list in the output is sorted by id.
///
/// # Errors
///
/// Malformed input (a duplicated id in one collection, a malformed confirmed
/// list) is an [`Error`]; it is checked before any refusal.
pub fn plan_teardown(input: &TeardownInput) -> Result<Outcome<Plan>, Error> {
    let TeardownInput {
        actor,
        request,
        snapshot,
    } = input;
    let scope = Scope::read(snapshot)?;
    let confirmed = match request.mode {
        Mode::Confirmed => parse_agent_ids(
            &request.expected_active_agent_ids,
            "request.expected_active_agent_ids",
        )?,
        Mode::Strict => BTreeSet::new(),
    };
    Ok(match scope.refusal(actor, request, &confirmed) {
        Some(refusal) => Outcome::Refusal { refusal },
        None => Outcome::Plan {
            plan: scope.plan(request, confirmed),
        },
    })
}

/// The snapshot as sorted maps, narrowed to what a teardown of this runtime
/// may touch.
struct Scope<'a> {
    runtime: &'a Runtime,
    /// Every agent of the runtime.
    agents: BTreeMap<Id, &'a Agent>,
    /// The active ones among them.
    active: BTreeSet<Id>,
    /// Squads led by an agent of the runtime, active or archived.
    squads: BTreeMap<Id, &'a Squad>,
    /// Active autopilots assigned to an agent of the runtime or one of those squads.
    autopilots: BTreeSet<Id>,
    /// Unfinished tasks on the runtime or of its agents.
    tasks: BTreeSet<Id>,
    /// Some of those tasks are queued on this runtime: once cancelled they
    /// are finished rows of it, which unbinding must detach, not lose.
    tasks_on_runtime: bool,
    history: History,
}

impl<'a> Scope<'a> {
    fn read(s: &'a Snapshot) -> Result<Self, Error> {
        let agents = index(&s.agents, |a| a.id, "snapshot.agents")?;
        let all_squads = index(&s.squads, |q| q.id, "snapshot.squads")?;
        let all_autopilots: BTreeMap<Id, &Autopilot> =
            index(&s.autopilots, |a| a.id, "snapshot.autopilots")?;
        let all_tasks = index(&s.tasks, |t| t.id, "snapshot.tasks")?;

        let active = agents
            .values()
            .filter(|a| a.is_active())
            .map(|a| a.id)
            .collect();
        let squads: BTreeMap<Id, &Squad> = all_squads
            .into_iter()
            .filter(|(_, q)| agents.contains_key(&q.leader_id))
            .collect();
        let autopilots = all_autopilots
            .into_values()
            .filter(|a| a.status == "active")
            .filter(|a| match a.assignee_type {
                AssigneeType::Agent => agents.contains_key(&a.assignee_id),
                AssigneeType::Squad => squads.contains_key(&a.assignee_id),
            })
            .map(|a| a.id)
            .collect();
        let runtime_id = s.runtime.id;
        let in_scope: Vec<&Task> = all_tasks
            .into_values()
            .filter(|t| t.is_unfinished())
            .filter(|t| t.runtime_id == Some(runtime_id) || agents.contains_key(&t.agent_id))
            .collect();
        let tasks_on_runtime = in_scope.iter().any(|t| t.runtime_id == Some(runtime_id));
        let tasks = in_scope.iter().map(|t| t.id).collect();
        Ok(Scope {
            runtime: &s.runtime,
            agents,
            active,
            squads,
            autopilots,
            tasks,
            tasks_on_runtime,
            history: s.history,
        })
    }

    fn refusal(
        &self,
        actor: &Member,
        request: &Request,
        confirmed: &BTreeSet<Id>,
    ) -> Option<Refusal> {
        if !can_edit_runtime(actor, self.runtime) {
            return Some(Refusal::new(
                RefusalCode::Forbidden,
                "you can only delete runtimes you own; ask a workspace owner or admin",
            ));
        }
        let verb = match request.policy {
            Policy::Archive => "archiving",
            Policy::Unbind => "unbinding",
        };
        match request.mode {
            Mode::Strict if !self.active.is_empty() => {
                let sentence = format!(
                    "cannot delete runtime: {} bound to it; archive or move {} first, or confirm {verb} {} with the runtime",
                    count(self.active.len(), "active agent is", "active agents are"),
                    them(self.active.len()),
                    them(self.active.len()),
                );
                return Some(self.with_active_agents(
                    RefusalCode::RuntimeHasActiveAgents,
                    sentence,
                    actor,
                ));
            }
            Mode::Confirmed => {
                let cmp = compare_agent_sets(&self.active, confirmed);
                if !cmp.matches {
                    let sentence = format!(
                        "the active agents changed since you confirmed ({} added, {} removed); review the new plan and confirm again",
                        cmp.added.len(),
                        cmp.removed.len()
                    );
                    let mut refusal = self.with_active_agents(
                        RefusalCode::RuntimeDeletePlanChanged,
                        sentence,
                        actor,
                    );
                    refusal.diff = Some(Diff {
                        added: cmp.added,
                        removed: cmp.removed,
                    });
                    return Some(refusal);
                }
            }
            Mode::Strict => {}
        }
        if request.policy == Policy::Archive {
            // Every agent of the runtime is deleted under this policy, so every
            // active squad they lead would lose its leader.
            let blocking: Vec<BlockingSquad> = self
                .squads
                .values()
                .filter(|q| q.archived_at.is_none())
                .map(|q| BlockingSquad {
                    id: q.id,
                    name: q.name.clone(),
                    leader_id: q.leader_id,
                })
                .collect();
            if !blocking.is_empty() {
                let mut refusal = Refusal::new(
                    RefusalCode::RuntimeHasActiveSquads,
                    format!(
                        "cannot delete runtime: {} by agents this would delete; archive {} or give {} another leader first",
                        count(
                            blocking.len(),
                            "active squad is led",
                            "active squads are led"
                        ),
                        if blocking.len() == 1 {
                            "the squad"
                        } else {
                            "those squads"
                        },
                        them(blocking.len()),
                    ),
                );
                refusal.blocking_squads = Some(blocking);
                return Some(refusal);
            }
        }
        None
    }

    fn with_active_agents(&self, code: RefusalCode, sentence: String, viewer: &Member) -> Refusal {
        let mut refusal = Refusal::new(code, sentence);
        refusal.active_agents = Some(
            self.active
                .iter()
                .filter_map(|id| self.agents.get(id))
                .map(|agent| AgentSummary::of(agent, viewer))
                .collect(),
        );
        refusal
    }

    fn plan(&self, request: &Request, confirmed: BTreeSet<Id>) -> Plan {
        let all_agents: Vec<Id> = self.agents.keys().copied().collect();
        // After the refusals, the active set equals the confirmed set
        // (confirmed mode) or is empty (strict mode).
        let active: Vec<Id> = self.active.iter().copied().collect();
        let squads: Vec<Id> = self.squads.keys().copied().collect();
        let empty = Vec::new;

        // Both policies take every agent off the runtime. Archive deletes
        // them and the squads they lead (all archived, or refused above);
        // unbind keeps both. Either way the autopilots of those agents and
        // squads could no longer run, so active ones are paused.
        let effects = match request.policy {
            Policy::Archive => Effects {
                archive_agents: active,
                unbind_agents: empty(),
                delete_agents: all_agents,
                delete_squads: squads,
                pause_autopilots: self.autopilots.iter().copied().collect(),
                cancel_tasks: self.tasks.iter().copied().collect(),
                history_deleted: self.history,
                history_detached: History::NONE,
                delete_runtime: true,
            },
            Policy::Unbind => Effects {
                archive_agents: empty(),
                unbind_agents: all_agents,
                delete_agents: empty(),
                delete_squads: empty(),
                pause_autopilots: self.autopilots.iter().copied().collect(),
                cancel_tasks: self.tasks.iter().copied().collect(),
                history_deleted: History::NONE,
                history_detached: self.history,
                delete_runtime: true,
            },
        };
        Plan {
            policy: request.policy,
            mode: request.mode,
            runtime_id: self.runtime.id,
            confirmed_agent_ids: confirmed.into_iter().collect(),
            steps: self.steps(request.policy, &effects),
            events: self.events(request.policy, &effects),
            response: Response::of(&effects),
            effects,
        }
    }

    fn steps(&self, policy: Policy, e: &Effects) -> Vec<Step> {
        let runtime = vec![self.runtime.id];
        let step = |op, ids: &Vec<Id>| Step {
            op,
            ids: ids.clone(),
            pause_reason: None,
        };
        let mut steps = vec![step(Op::LockRuntime, &runtime)];
        let mut then = |s: Step| {
            if !s.ids.is_empty() {
                steps.push(s);
            }
        };
        match policy {
            Policy::Archive => {
                then(step(Op::ArchiveAgents, &e.archive_agents));
                then(step(Op::CancelTasks, &e.cancel_tasks));
                then(step(Op::PauseAutopilots, &e.pause_autopilots));
                then(step(Op::DeleteSquads, &e.delete_squads));
                then(step(Op::DeleteAgents, &e.delete_agents));
            }
            Policy::Unbind => {
                then(step(Op::UnbindAgents, &e.unbind_agents));
                then(Step {
                    pause_reason: Some(AGENT_RUNTIME_REQUIRED),
                    ..step(Op::PauseAutopilots, &e.pause_autopilots)
                });
                then(step(Op::CancelTasks, &e.cancel_tasks));
                // Finished rows of the runtime are kept, detached: its history,
                // and the tasks just cancelled on it. Deleting the runtime would
                // otherwise take them along (`task.runtime_id` cascades).
                if !e.history_detached.is_empty() || self.tasks_on_runtime {
                    then(step(Op::DetachHistory, &runtime));
                }
            }
        }
        steps.push(step(Op::DeleteRuntime, &runtime));
        steps
    }

    fn events(&self, policy: Policy, e: &Effects) -> Vec<Event> {
        let workspace_id = self.runtime.workspace_id;
        let runtime_id = self.runtime.id;
        let mut events = Vec::new();
        events.extend(e.cancel_tasks.iter().map(|&task_id| Event::TaskCancelled {
            workspace_id,
            runtime_id,
            task_id,
        }));
        match policy {
            Policy::Archive => {
                events.extend(
                    e.archive_agents
                        .iter()
                        .map(|&agent_id| Event::AgentArchived {
                            workspace_id,
                            runtime_id,
                            agent_id,
                        }),
                );
                events.extend(e.delete_agents.iter().map(|&agent_id| Event::AgentDeleted {
                    workspace_id,
                    runtime_id,
                    agent_id,
                }));
            }
            Policy::Unbind => {
                events.extend(e.unbind_agents.iter().map(|&agent_id| Event::AgentUnbound {
                    workspace_id,
                    runtime_id,
                    agent_id,
                }));
            }
        }
        events.extend(
            e.pause_autopilots
                .iter()
                .map(|&autopilot_id| Event::AutopilotPaused {
                    workspace_id,
                    runtime_id,
                    autopilot_id,
                }),
        );
        events.extend(e.delete_squads.iter().map(|&squad_id| Event::SquadDeleted {
            workspace_id,
            runtime_id,
            squad_id,
        }));
        events.push(Event::RuntimeDeleted {
            workspace_id,
            runtime_id,
        });
        events
    }
}

/// Indexes records by id; a repeated id is malformed input.
fn index<'a, T>(
    items: &'a [T],
    id: impl Fn(&T) -> Id,
    field: &str,
) -> Result<BTreeMap<Id, &'a T>, Error> {
    let mut map = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        if map.insert(id(item), item).is_some() {
            return Err(Error::new(
                Code::DuplicateId,
                format!("{field}[{i}].id"),
                format!("{} appears more than once", id(item)),
            ));
        }
    }
    Ok(map)
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn them(n: usize) -> &'static str {
    if n == 1 { "it" } else { "them" }
}
