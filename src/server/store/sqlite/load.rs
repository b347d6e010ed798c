//! Loading a fixture: every row inserted in one transaction, in the order
//! the foreign keys need. A row the database refuses (its id already
//! exists, say) fails the whole load with the row's path.

use rusqlite::{Transaction, params};

use super::{assignee_type_text, usage};
use crate::error::{Code, Error};
use crate::server::auth::token_digest;
use crate::server::fixture::Fixture;
use crate::server::store::{
    AgentRecord, NewAgent, NewAutopilot, NewSquad, StoreError, StoreResult,
};
use crate::time::Instant;

pub(super) fn insert_agent(tx: &Transaction<'_>, agent: &NewAgent) -> rusqlite::Result<()> {
    let a = &agent.record;
    tx.prepare_cached(
        "INSERT INTO agent (id, workspace_id, runtime_id, name, owner_id, visibility, status,
            model, archived_at, created_at, instructions, custom_env, mcp_config,
            max_concurrent_tasks)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        a.id,
        a.workspace_id,
        a.runtime_id,
        a.name,
        a.owner_id,
        a.visibility,
        a.status,
        a.model,
        a.archived_at,
        a.created_at,
        agent.instructions,
        agent.custom_env,
        agent.mcp_config,
        a.max_concurrent_tasks
            .map(|n| i64::try_from(n).unwrap_or(i64::MAX))
    ])?;
    Ok(())
}

pub(super) fn insert_squad(tx: &Transaction<'_>, squad: &NewSquad) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO squad (id, workspace_id, name, leader_id, archived_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        squad.id,
        squad.workspace_id,
        squad.name,
        squad.leader_id,
        squad.archived_at,
        squad.created_at
    ])?;
    let mut member = tx.prepare_cached(
        "INSERT INTO squad_member (squad_id, agent_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for agent_id in &squad.member_ids {
        member.execute(params![squad.id, agent_id])?;
    }
    Ok(())
}

pub(super) fn insert_autopilot(tx: &Transaction<'_>, a: &NewAutopilot) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO autopilot (id, workspace_id, name, status, pause_reason, assignee_type,
            assignee_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        a.id,
        a.workspace_id,
        a.name,
        a.status,
        a.pause_reason,
        assignee_type_text(a.assignee_type),
        a.assignee_id,
        a.created_at
    ])?;
    Ok(())
}

/// Inserts row `i` of `collection`, naming it when the database refuses.
fn each<T>(
    collection: &str,
    rows: &[T],
    mut insert: impl FnMut(&T) -> rusqlite::Result<()>,
) -> StoreResult<()> {
    for (i, row) in rows.iter().enumerate() {
        insert(row).map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => StoreError::Invalid(Error::new(
                Code::InvalidInput,
                format!("{collection}[{i}]"),
                format!("the database refused this row: {e}"),
            )),
            _ => super::sql(e),
        })?;
    }
    Ok(())
}

pub(super) fn fixture(tx: &Transaction<'_>, f: &Fixture, now: Instant) -> StoreResult<()> {
    each("workspaces", &f.workspaces, |w| {
        tx.prepare_cached("INSERT INTO workspace (id, name) VALUES (?1, ?2)")?
            .execute(params![w.id, w.name])
            .map(drop)
    })?;
    each("users", &f.users, |u| {
        tx.prepare_cached(
            "INSERT INTO user (id, name, token_sha256, timezone) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![u.id, u.name, token_digest(&u.token), u.timezone])
        .map(drop)
    })?;
    each("members", &f.members, |m| {
        tx.prepare_cached("INSERT INTO member (workspace_id, user_id, role) VALUES (?1, ?2, ?3)")?
            .execute(params![m.workspace_id, m.user_id, m.role])
            .map(drop)
    })?;
    each("daemon_tokens", &f.daemon_tokens, |d| {
        tx.prepare_cached(
            "INSERT INTO daemon_token (token_sha256, workspace_id, user_id) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![token_digest(&d.token), d.workspace_id, d.user_id])
        .map(drop)
    })?;
    each("runtimes", &f.runtimes, |r| {
        tx.prepare_cached(
            "INSERT INTO runtime (id, workspace_id, name, owner_id, visibility, status,
                last_seen_at, daemon_id, provider, created_at, hostname)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?
        .execute(params![
            r.id,
            r.workspace_id,
            r.name,
            r.owner_id,
            r.visibility,
            r.status,
            r.last_seen_at,
            r.daemon_id,
            r.provider,
            r.created_at.unwrap_or(now),
            r.hostname
        ])
        .map(drop)
    })?;
    each("agents", &f.agents, |a| {
        insert_agent(
            tx,
            &NewAgent {
                record: AgentRecord {
                    id: a.id,
                    workspace_id: a.workspace_id,
                    runtime_id: a.runtime_id,
                    name: a.name.clone(),
                    owner_id: a.owner_id,
                    visibility: a.visibility.clone(),
                    status: a.status.clone(),
                    model: a.model.clone(),
                    archived_at: a.archived_at,
                    created_at: a.created_at.unwrap_or(now),
                    max_concurrent_tasks: a.max_concurrent_tasks,
                },
                instructions: a.instructions.clone(),
                custom_env: NewAgent::object_text(a.custom_env.clone()),
                mcp_config: NewAgent::object_text(a.mcp_config.clone()),
            },
        )
    })?;
    each("squads", &f.squads, |s| {
        let mut member_ids = s.members.clone();
        member_ids.sort_unstable();
        insert_squad(
            tx,
            &NewSquad {
                id: s.id,
                workspace_id: s.workspace_id,
                name: s.name.clone(),
                leader_id: s.leader_id,
                archived_at: s.archived_at,
                created_at: s.created_at.unwrap_or(now),
                member_ids,
            },
        )
    })?;
    each("autopilots", &f.autopilots, |a| {
        insert_autopilot(
            tx,
            &NewAutopilot {
                id: a.id,
                workspace_id: a.workspace_id,
                name: a.name.clone(),
                status: a.status.clone(),
                pause_reason: a.pause_reason.clone(),
                assignee_type: a.assignee_type,
                assignee_id: a.assignee_id,
                created_at: a.created_at.unwrap_or(now),
            },
        )
    })?;
    each("issues", &f.issues, |i| {
        tx.prepare_cached(
            "INSERT INTO issue (id, workspace_id, title, status, assignee_type, assignee_id,
                created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            i.id,
            i.workspace_id,
            i.title,
            i.status,
            i.assignee_type.map(assignee_type_text),
            i.assignee_id,
            i.created_at.unwrap_or(now)
        ])
        .map(drop)
    })?;
    each("chat_sessions", &f.chat_sessions, |c| {
        tx.prepare_cached(
            "INSERT INTO chat_session (id, workspace_id, agent_id, runtime_id, title, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            c.id,
            c.workspace_id,
            c.agent_id,
            c.runtime_id,
            c.title,
            c.created_at.unwrap_or(now)
        ])
        .map(drop)
    })?;
    each("tasks", &f.tasks, |t| {
        tx.prepare_cached(
            "INSERT INTO task (id, workspace_id, agent_id, runtime_id, issue_id, chat_session_id,
                status, priority, created_at, started_at, finished_at, failure_reason,
                autopilot_run_id, dispatched_at, claim_token, claim_expires_at, attempt,
                max_attempts, parent_task_id, error, session_id, work_dir)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                ?17, ?18, ?19, ?20, ?21, ?22)",
        )?
        .execute(params![
            t.id,
            t.workspace_id,
            t.agent_id,
            t.runtime_id,
            t.issue_id,
            t.chat_session_id,
            t.status,
            t.priority,
            t.created_at.unwrap_or(now),
            t.started_at,
            t.finished_at,
            t.failure_reason,
            t.autopilot_run_id,
            t.dispatched_at,
            t.claim_token,
            t.claim_expires_at,
            i64::try_from(t.attempt).unwrap_or(i64::MAX),
            i64::try_from(t.max_attempts).unwrap_or(i64::MAX),
            t.parent_task_id,
            t.error,
            t.session_id,
            t.work_dir
        ])
        .map(drop)
    })?;
    usage::record(tx, &f.usage).map_err(|e| match e {
        StoreError::Invalid(e) => StoreError::Invalid(e.within("usage")),
        other => other,
    })
}
