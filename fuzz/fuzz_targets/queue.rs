//! The queue rules (SPEC §7) on any JSON: an object whose members are the
//! vectors' argument names. `input` (a `ClaimInput`) with `claim_token`
//! and `now` goes through `claim_next` (and the claimed task through
//! `dispatched`); `task` (a `QueueTask`, also read as a `RetryTask`)
//! through `check_lease` for every action and the given `action`,
//! `lease_expired`, `sweep_reason`, `serialization_key`, `retry_decision`
//! and the transitions; `tasks`, `agent_id` and `issue_id` through
//! `session_to_resume`; `parent` and `id` through `retry_of`; `runtime`
//! through the sweeper's predicates. Missing ids and instants fall back to
//! fixed ones so every rule runs. Last, `legacy_daemon_ids` on the raw
//! bytes as text: the hostname, then after the first newline the profile.
#![no_main]

use libfuzzer_sys::fuzz_target;
use runtime_rules::liveness::RuntimeState;
use runtime_rules::number::Count;
use runtime_rules::queue::{
    self, ClaimInput, Failure, LeaseAction, QueueTask, RetryTask, check_lease, claim_next,
    legacy_daemon_ids, retry_decision, session_to_resume,
};
use runtime_rules::{Id, Instant};
use runtime_rules_fuzz::{arg, emit, parse};
use serde_json::Value;

const ACTIONS: [LeaseAction; 3] = [LeaseAction::Start, LeaseAction::Complete, LeaseAction::Fail];

fn fallback_id() -> Id {
    Id::parse("cccccccc-0000-4000-8000-000000000001")
        .unwrap_or_else(|_| panic!("a fixed id parses"))
}

fn rules(args: &Value) {
    let now: Instant = arg(args, "now").unwrap_or(Instant::EPOCH);
    let claim_token: Option<Id> = arg(args, "claim_token").ok().flatten();
    let token = claim_token.unwrap_or_else(fallback_id);

    if let Ok(input) = arg::<ClaimInput>(args, "input") {
        let claim = claim_next(&input, token, now);
        emit(&claim);
        if let Some(claim) = claim
            && let Some(task) = input.tasks.iter().find(|t| t.id == claim.task_id)
        {
            let taken = queue::dispatched(task, &claim);
            emit(&check_lease(&taken, LeaseAction::Start, Some(token), now));
        }
        for task in &input.tasks {
            emit(&queue::lease_expired(task, now));
        }
    }

    if let Ok(task) = arg::<QueueTask>(args, "task") {
        for action in ACTIONS {
            emit(&check_lease(&task, action, claim_token, now));
        }
        if let Ok(action) = arg::<LeaseAction>(args, "action") {
            emit(&check_lease(&task, action, claim_token, now));
        }
        emit(&queue::lease_expired(&task, now));
        emit(&queue::sweep_reason(&task, now));
        emit(&queue::serialization_key(&task));
        emit(&retry_decision(&RetryTask::from(&task)));
        emit(&queue::started(&task, now));
        emit(&queue::completed(&task, None, None, now));
        let failure = Failure {
            error: task.error.clone(),
            failure_reason: task.failure_reason.clone(),
            session_id: task.session_id.clone(),
            work_dir: task.work_dir.clone(),
        };
        emit(&queue::failed(&task, failure, now));
        emit(&queue::cancelled(&task, now));
        emit(&queue::requeued(&task));
        emit(&queue::retry_of(&task, token, now));
    }
    if let Ok(task) = arg::<RetryTask>(args, "task") {
        emit(&retry_decision(&task));
    }
    if let Ok(parent) = arg::<QueueTask>(args, "parent") {
        let id = arg::<Id>(args, "id").unwrap_or_else(|_| fallback_id());
        emit(&queue::retry_of(&parent, id, now));
    }

    if let Ok(tasks) = arg::<Vec<QueueTask>>(args, "tasks") {
        let agent_id = arg::<Id>(args, "agent_id").unwrap_or_else(|_| fallback_id());
        let issue_id = arg::<Id>(args, "issue_id").unwrap_or_else(|_| fallback_id());
        emit(&session_to_resume(&tasks, agent_id, issue_id));
        // Every agent and issue the rows name, too.
        for task in tasks.iter().take(8) {
            if let Some(issue) = task.issue_id {
                emit(&session_to_resume(&tasks, task.agent_id, issue));
            }
        }
    }

    emit(&queue::cutoffs(now));
    if let Ok(runtime) = arg::<RuntimeState>(args, "runtime") {
        let unfinished = arg::<Count>(args, "unfinished_tasks").map_or(0, |c| c.0);
        emit(&queue::heartbeat(&runtime));
        emit(&queue::is_stale(&runtime, now));
        emit(&queue::is_collectable(&runtime, unfinished, now));
    }

    if let Ok(hostname) = arg::<String>(args, "hostname") {
        let profile = arg::<Option<String>>(args, "profile").ok().flatten();
        emit(&legacy_daemon_ids(&hostname, profile.as_deref()));
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(args) = parse(data) {
        rules(&args);
    }
    let text = String::from_utf8_lossy(data);
    emit(&legacy_daemon_ids(&text, None));
    if let Some((hostname, profile)) = text.split_once('\n') {
        emit(&legacy_daemon_ids(hostname, Some(profile)));
    }
});
