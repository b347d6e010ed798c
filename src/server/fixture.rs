//! Fixtures (SPEC §8.4): a whole workspace world in one JSON object, loaded
//! by `runtime-rules seed` and by `runtime-rules demo`.
//!
//! A fixture is read in two passes. The first is serde: every field has a
//! type, unknown fields are rejected (a misspelt `instuctions` must not be
//! dropped silently), and a wrong value is reported with its path
//! (`agents[3].archived_at`). The second checks what types cannot: ids
//! unique, every reference pointing at a row of the fixture in the same
//! workspace, roles, statuses and zones from their closed sets. Only a
//! fixture that passes both is loaded, in one transaction: a bad fixture
//! loads nothing.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;

use crate::error::{Code, Error};
use crate::id::Id;
use crate::queue::TaskStatus;
use crate::time::Instant;
use crate::usage::UsageRow;
use crate::workspace::{AssigneeType, Task};
use crate::zone::Zone;

/// A fixture. Every array is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Fixture {
    #[serde(default)]
    pub workspaces: Vec<WorkspaceFx>,
    #[serde(default)]
    pub users: Vec<UserFx>,
    #[serde(default)]
    pub members: Vec<MemberFx>,
    #[serde(default)]
    pub daemon_tokens: Vec<DaemonTokenFx>,
    #[serde(default)]
    pub runtimes: Vec<RuntimeFx>,
    #[serde(default)]
    pub agents: Vec<AgentFx>,
    #[serde(default)]
    pub squads: Vec<SquadFx>,
    #[serde(default)]
    pub autopilots: Vec<AutopilotFx>,
    #[serde(default)]
    pub issues: Vec<IssueFx>,
    #[serde(default)]
    pub tasks: Vec<TaskFx>,
    #[serde(default)]
    pub chat_sessions: Vec<ChatSessionFx>,
    #[serde(default)]
    pub usage: Vec<UsageRow>,
}

/// A workspace.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct WorkspaceFx {
    pub id: Id,
    pub name: String,
}

/// A user and the bearer token they sign in with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct UserFx {
    pub id: Id,
    pub name: String,
    pub token: String,
    #[serde(default)]
    pub timezone: Option<String>,
}

/// A user's role in a workspace.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct MemberFx {
    pub workspace_id: Id,
    pub user_id: Id,
    pub role: String,
}

/// A token a daemon of the workspace authenticates with.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct DaemonTokenFx {
    pub workspace_id: Id,
    pub token: String,
    /// The member the daemon runs for: the owner of the runtimes it
    /// registers. Without one they have no owner (and nobody can bind
    /// agents to them until an owner is set).
    #[serde(default)]
    pub user_id: Option<Id>,
}

/// A runtime.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RuntimeFx {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    #[serde(default)]
    pub owner_id: Option<Id>,
    #[serde(default = "private")]
    pub visibility: String,
    #[serde(default = "offline")]
    pub status: String,
    #[serde(default)]
    pub last_seen_at: Option<Instant>,
    #[serde(default)]
    pub daemon_id: Option<String>,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub created_at: Option<Instant>,
    #[serde(default)]
    pub hostname: Option<String>,
}

/// An agent, with its secrets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct AgentFx {
    pub id: Id,
    pub workspace_id: Id,
    #[serde(default)]
    pub runtime_id: Option<Id>,
    pub name: String,
    #[serde(default)]
    pub owner_id: Option<Id>,
    #[serde(default = "workspace")]
    pub visibility: String,
    #[serde(default = "idle")]
    pub status: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub archived_at: Option<Instant>,
    #[serde(default)]
    pub created_at: Option<Instant>,
    /// Secret.
    #[serde(default)]
    pub instructions: String,
    /// Secret: a JSON object.
    #[serde(default)]
    pub custom_env: Option<serde_json::Map<String, serde_json::Value>>,
    /// Secret: a JSON object.
    #[serde(default)]
    pub mcp_config: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default, deserialize_with = "crate::number::optional_count")]
    pub max_concurrent_tasks: Option<u64>,
}

/// A squad and its members.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct SquadFx {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    pub leader_id: Id,
    #[serde(default)]
    pub archived_at: Option<Instant>,
    #[serde(default)]
    pub members: Vec<Id>,
    #[serde(default)]
    pub created_at: Option<Instant>,
}

/// An autopilot.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct AutopilotFx {
    pub id: Id,
    pub workspace_id: Id,
    pub name: String,
    #[serde(default = "active")]
    pub status: String,
    #[serde(default)]
    pub pause_reason: Option<String>,
    pub assignee_type: AssigneeType,
    pub assignee_id: Id,
    #[serde(default)]
    pub created_at: Option<Instant>,
}

/// An issue, possibly assigned to an agent or a squad.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct IssueFx {
    pub id: Id,
    pub workspace_id: Id,
    pub title: String,
    #[serde(default = "todo")]
    pub status: String,
    #[serde(default)]
    pub assignee_type: Option<AssigneeType>,
    #[serde(default)]
    pub assignee_id: Option<Id>,
    #[serde(default)]
    pub created_at: Option<Instant>,
}

/// A task.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct TaskFx {
    pub id: Id,
    pub workspace_id: Id,
    pub agent_id: Id,
    #[serde(default)]
    pub runtime_id: Option<Id>,
    #[serde(default)]
    pub issue_id: Option<Id>,
    #[serde(default)]
    pub chat_session_id: Option<Id>,
    pub status: String,
    #[serde(default)]
    pub priority: i64,
    #[serde(default)]
    pub created_at: Option<Instant>,
    #[serde(default)]
    pub started_at: Option<Instant>,
    #[serde(default)]
    pub finished_at: Option<Instant>,
    #[serde(default)]
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub autopilot_run_id: Option<Id>,
    #[serde(default)]
    pub dispatched_at: Option<Instant>,
    #[serde(default)]
    pub claim_token: Option<Id>,
    #[serde(default)]
    pub claim_expires_at: Option<Instant>,
    #[serde(default = "one", deserialize_with = "crate::number::count")]
    pub attempt: u64,
    #[serde(default = "two", deserialize_with = "crate::number::count")]
    pub max_attempts: u64,
    #[serde(default)]
    pub parent_task_id: Option<Id>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub work_dir: Option<String>,
}

fn one() -> u64 {
    1
}

fn two() -> u64 {
    crate::queue::DEFAULT_MAX_ATTEMPTS
}

/// A chat session with an agent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct ChatSessionFx {
    pub id: Id,
    pub workspace_id: Id,
    pub agent_id: Id,
    #[serde(default)]
    pub runtime_id: Option<Id>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub created_at: Option<Instant>,
}

fn private() -> String {
    "private".into()
}
fn offline() -> String {
    "offline".into()
}
fn workspace() -> String {
    "workspace".into()
}
fn idle() -> String {
    "idle".into()
}
fn active() -> String {
    "active".into()
}
fn todo() -> String {
    "todo".into()
}

impl Fixture {
    /// Reads and checks a fixture from JSON text.
    ///
    /// # Errors
    ///
    /// The first problem found, with the path of the offending value.
    pub fn from_json(text: &str) -> Result<Fixture, Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let fixture: Fixture = crate::decode("", &mut de)?;
        de.end()
            .map_err(|e| Error::new(Code::InvalidInput, "", e.to_string()))?;
        fixture.check()?;
        Ok(fixture)
    }

    /// Checks what serde cannot: unique ids, references, closed sets.
    ///
    /// # Errors
    ///
    /// The first problem found, with the path of the offending value.
    pub fn check(&self) -> Result<(), Error> {
        let workspaces = unique("workspaces", self.workspaces.iter().map(|w| (w.id, w.id)))?;
        let users = unique("users", self.users.iter().map(|u| (u.id, u.id)))?;
        let runtimes = unique(
            "runtimes",
            self.runtimes.iter().map(|r| (r.id, r.workspace_id)),
        )?;
        let agents = unique("agents", self.agents.iter().map(|a| (a.id, a.workspace_id)))?;
        let squads = unique("squads", self.squads.iter().map(|s| (s.id, s.workspace_id)))?;
        unique(
            "autopilots",
            self.autopilots.iter().map(|a| (a.id, a.workspace_id)),
        )?;
        let issues = unique("issues", self.issues.iter().map(|i| (i.id, i.workspace_id)))?;
        unique("tasks", self.tasks.iter().map(|t| (t.id, t.workspace_id)))?;
        let chats = unique(
            "chat_sessions",
            self.chat_sessions.iter().map(|c| (c.id, c.workspace_id)),
        )?;

        let ws = |path: String, id: Id| exists(&workspaces, path, id, "workspace", None);

        let mut tokens = HashSet::new();
        for (i, u) in self.users.iter().enumerate() {
            let at = format!("users[{i}]");
            token(&mut tokens, format!("{at}.token"), &u.token)?;
            if let Some(tz) = &u.timezone {
                Zone::parse(tz, &format!("{at}.timezone"))?;
            }
        }
        let mut memberships = HashSet::new();
        for (i, m) in self.members.iter().enumerate() {
            let at = format!("members[{i}]");
            ws(format!("{at}.workspace_id"), m.workspace_id)?;
            exists(&users, format!("{at}.user_id"), m.user_id, "user", None)?;
            one_of(
                &format!("{at}.role"),
                &m.role,
                &["owner", "admin", "member"],
            )?;
            if !memberships.insert((m.workspace_id, m.user_id)) {
                return Err(Error::new(
                    Code::DuplicateId,
                    at,
                    format!(
                        "user {} is already a member of workspace {}",
                        m.user_id, m.workspace_id
                    ),
                ));
            }
        }
        for (i, d) in self.daemon_tokens.iter().enumerate() {
            let at = format!("daemon_tokens[{i}]");
            ws(format!("{at}.workspace_id"), d.workspace_id)?;
            token(&mut tokens, format!("{at}.token"), &d.token)?;
            if let Some(user) = d.user_id
                && !memberships.contains(&(d.workspace_id, user))
            {
                return Err(Error::new(
                    Code::InvalidInput,
                    format!("{at}.user_id"),
                    format!(
                        "user {user} is not a member of workspace {}",
                        d.workspace_id
                    ),
                ));
            }
        }
        for (i, r) in self.runtimes.iter().enumerate() {
            let at = format!("runtimes[{i}]");
            ws(format!("{at}.workspace_id"), r.workspace_id)?;
            if let Some(owner) = r.owner_id {
                exists(&users, format!("{at}.owner_id"), owner, "user", None)?;
            }
            one_of(
                &format!("{at}.visibility"),
                &r.visibility,
                &["private", "public"],
            )?;
            one_of(&format!("{at}.status"), &r.status, &["online", "offline"])?;
        }
        for (i, a) in self.agents.iter().enumerate() {
            let at = format!("agents[{i}]");
            ws(format!("{at}.workspace_id"), a.workspace_id)?;
            if let Some(runtime) = a.runtime_id {
                let here = Some(a.workspace_id);
                exists(
                    &runtimes,
                    format!("{at}.runtime_id"),
                    runtime,
                    "runtime",
                    here,
                )?;
            }
            if let Some(owner) = a.owner_id {
                exists(&users, format!("{at}.owner_id"), owner, "user", None)?;
            }
            one_of(
                &format!("{at}.visibility"),
                &a.visibility,
                &["workspace", "public", "private"],
            )?;
        }
        for (i, s) in self.squads.iter().enumerate() {
            let at = format!("squads[{i}]");
            let here = Some(s.workspace_id);
            ws(format!("{at}.workspace_id"), s.workspace_id)?;
            exists(
                &agents,
                format!("{at}.leader_id"),
                s.leader_id,
                "agent",
                here,
            )?;
            for (j, m) in s.members.iter().enumerate() {
                exists(&agents, format!("{at}.members[{j}]"), *m, "agent", here)?;
            }
        }
        let assignee = |at: &str, kind: AssigneeType, id: Id, here: Id| match kind {
            AssigneeType::Agent => exists(
                &agents,
                format!("{at}.assignee_id"),
                id,
                "agent",
                Some(here),
            ),
            AssigneeType::Squad => exists(
                &squads,
                format!("{at}.assignee_id"),
                id,
                "squad",
                Some(here),
            ),
        };
        for (i, a) in self.autopilots.iter().enumerate() {
            let at = format!("autopilots[{i}]");
            ws(format!("{at}.workspace_id"), a.workspace_id)?;
            assignee(&at, a.assignee_type, a.assignee_id, a.workspace_id)?;
        }
        for (i, issue) in self.issues.iter().enumerate() {
            let at = format!("issues[{i}]");
            ws(format!("{at}.workspace_id"), issue.workspace_id)?;
            match (issue.assignee_type, issue.assignee_id) {
                (Some(kind), Some(id)) => assignee(&at, kind, id, issue.workspace_id)?,
                (None, None) => {}
                (Some(_), None) => return Err(missing(&format!("{at}.assignee_id"))),
                (None, Some(_)) => return Err(missing(&format!("{at}.assignee_type"))),
            }
        }
        for (i, c) in self.chat_sessions.iter().enumerate() {
            let at = format!("chat_sessions[{i}]");
            let here = Some(c.workspace_id);
            ws(format!("{at}.workspace_id"), c.workspace_id)?;
            exists(&agents, format!("{at}.agent_id"), c.agent_id, "agent", here)?;
            if let Some(runtime) = c.runtime_id {
                exists(
                    &runtimes,
                    format!("{at}.runtime_id"),
                    runtime,
                    "runtime",
                    here,
                )?;
            }
        }
        for (i, t) in self.tasks.iter().enumerate() {
            let at = format!("tasks[{i}]");
            let here = Some(t.workspace_id);
            ws(format!("{at}.workspace_id"), t.workspace_id)?;
            exists(&agents, format!("{at}.agent_id"), t.agent_id, "agent", here)?;
            if let Some(runtime) = t.runtime_id {
                exists(
                    &runtimes,
                    format!("{at}.runtime_id"),
                    runtime,
                    "runtime",
                    here,
                )?;
            }
            if let Some(issue) = t.issue_id {
                exists(&issues, format!("{at}.issue_id"), issue, "issue", here)?;
            }
            if let Some(chat) = t.chat_session_id {
                exists(
                    &chats,
                    format!("{at}.chat_session_id"),
                    chat,
                    "chat session",
                    here,
                )?;
            }
            one_of(
                &format!("{at}.status"),
                &t.status,
                &TaskStatus::ALL.map(TaskStatus::as_str),
            )?;
            let finished = !Task::UNFINISHED.contains(&t.status.as_str());
            if t.finished_at.is_some() && !finished {
                return Err(Error::new(
                    Code::InvalidInput,
                    format!("{at}.finished_at"),
                    format!("a {} task has not finished", t.status),
                ));
            }
        }
        let mut usage_keys = HashSet::new();
        for (i, u) in self.usage.iter().enumerate() {
            let at = format!("usage[{i}]");
            let Some(workspace_id) = u.workspace_id else {
                return Err(missing(&format!("{at}.workspace_id")));
            };
            ws(format!("{at}.workspace_id"), workspace_id)?;
            if !usage_keys.insert((u.task_id, u.provider.as_str(), u.model.as_str())) {
                return Err(Error::new(
                    Code::DuplicateId,
                    at,
                    format!(
                        "task {} already has a usage row for {}/{}",
                        u.task_id, u.provider, u.model
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Ids of one collection, each with its workspace; a repeated id is an error.
fn unique(
    collection: &str,
    rows: impl Iterator<Item = (Id, Id)>,
) -> Result<HashMap<Id, Id>, Error> {
    let mut seen = HashMap::new();
    for (i, (id, workspace)) in rows.enumerate() {
        if seen.insert(id, workspace).is_some() {
            return Err(Error::new(
                Code::DuplicateId,
                format!("{collection}[{i}].id"),
                format!("id {id} appears twice in {collection}"),
            ));
        }
    }
    Ok(seen)
}

/// `id` is a row of `rows` (in workspace `here`, when given).
fn exists(
    rows: &HashMap<Id, Id>,
    path: String,
    id: Id,
    what: &str,
    here: Option<Id>,
) -> Result<(), Error> {
    match rows.get(&id) {
        None => Err(Error::new(
            Code::InvalidInput,
            path,
            format!("no {what} with id {id} in this fixture"),
        )),
        Some(theirs) if here.is_some_and(|h| h != *theirs) => Err(Error::new(
            Code::InvalidInput,
            path,
            format!("{what} {id} belongs to another workspace"),
        )),
        Some(_) => Ok(()),
    }
}

fn one_of(path: &str, value: &str, allowed: &[&str]) -> Result<(), Error> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(Error::new(
            Code::InvalidInput,
            path,
            format!("expected one of {allowed:?}, got {value:?}"),
        ))
    }
}

fn token(seen: &mut HashSet<String>, path: String, token: &str) -> Result<(), Error> {
    if token.trim().len() < 8 || token.chars().any(char::is_whitespace) {
        return Err(Error::new(
            Code::InvalidInput,
            path,
            "a token needs at least 8 characters and no whitespace",
        ));
    }
    if !seen.insert(token.to_owned()) {
        return Err(Error::new(
            Code::DuplicateId,
            path,
            "this token is used twice",
        ));
    }
    Ok(())
}

fn missing(path: &str) -> Error {
    Error::new(Code::InvalidInput, path, "missing value")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(json: &str) -> (String, String) {
        let e = Fixture::from_json(json).err().map(|e| {
            (
                e.code().as_str().to_owned(),
                e.field().unwrap_or("").to_owned(),
            )
        });
        e.unwrap_or_default()
    }

    const W: &str = "00000000-0000-4000-8000-000000000001";
    const U: &str = "00000000-0000-4000-8000-000000000002";

    #[test]
    fn shape_errors_name_the_path() {
        let json = format!(
            r#"{{"workspaces":[{{"id":"{W}","name":"w"}}],"agents":[{{"id":"{U}","workspace_id":"{W}","name":"a","archived_at":"yesterday"}}]}}"#
        );
        assert_eq!(
            error_of(&json),
            ("invalid_instant".into(), "agents[0].archived_at".into())
        );
        assert_eq!(
            error_of(r#"{"runtimes":[{"nmae":"x"}]}"#).1,
            "runtimes[0].nmae",
            "a misspelt field is rejected, not dropped"
        );
    }

    #[test]
    fn references_must_exist_in_the_same_workspace() {
        let json = format!(
            r#"{{"workspaces":[{{"id":"{W}","name":"w"}}],
                 "agents":[{{"id":"{U}","workspace_id":"{W}","name":"a","runtime_id":"{U}"}}]}}"#
        );
        assert_eq!(
            error_of(&json),
            ("invalid_input".into(), "agents[0].runtime_id".into())
        );
    }

    #[test]
    fn the_readme_example_loads() -> Result<(), Box<dyn std::error::Error>> {
        use crate::server::store::{Store, sqlite::SqliteStore};
        let fixture = Fixture::from_json(include_str!("../../examples/fixture.json"))?;
        let dir = tempfile::tempdir()?;
        let store: std::sync::Arc<dyn Store> =
            std::sync::Arc::new(SqliteStore::open(dir.path().join("db.sqlite"))?);
        store.write(|tx| tx.load_fixture(&fixture, Instant::EPOCH))?;
        // Loading it twice fails whole, naming the first row the database refuses.
        let again = store.write(|tx| tx.load_fixture(&fixture, Instant::EPOCH));
        match again {
            Err(crate::server::store::StoreError::Invalid(e)) => {
                assert_eq!(e.field(), Some("workspaces[0]"))
            }
            other => panic!("expected the second load to be refused, got {other:?}"),
        }
        Ok(())
    }

    #[test]
    fn roles_are_a_closed_set() {
        let json = format!(
            r#"{{"workspaces":[{{"id":"{W}","name":"w"}}],
                 "users":[{{"id":"{U}","name":"u","token":"token-0001"}}],
                 "members":[{{"workspace_id":"{W}","user_id":"{U}","role":"Owner"}}]}}"#
        );
        assert_eq!(
            error_of(&json),
            ("invalid_input".into(), "members[0].role".into())
        );
    }
}
