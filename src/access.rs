//! Who may do what to a runtime and see which agent (SPEC §1).
//!
//! Membership itself is the host's business: a member who is not in the
//! runtime's workspace must be told the runtime does not exist (404), never
//! that it is forbidden, so existence does not leak. These rules start once
//! the member is known to belong to the runtime's workspace.

use serde::{Deserialize, Serialize};

use crate::error::{Code, Error};
use crate::refusal::{Outcome, Refusal, RefusalCode};
use crate::workspace::{Agent, Member, Runtime};

/// May `member` rename the runtime, change it, or delete it (plain or
/// cascading)? Workspace owners and admins may; so may the runtime's owner.
pub fn can_edit_runtime(member: &Member, runtime: &Runtime) -> bool {
    member.is_owner_or_admin() || runtime.owner_id == Some(member.user_id)
}

/// May `member` bind an agent to the runtime, or move one onto it? Never
/// when the runtime has no owner; always when it is public; otherwise only
/// its owner. Roles never widen this: an admin cannot bind to someone's
/// private runtime.
pub fn can_use_runtime_for_agent(member: &Member, runtime: &Runtime) -> bool {
    match runtime.owner_id {
        None => false,
        Some(owner) => runtime.is_public() || owner == member.user_id,
    }
}

/// May `member` change the runtime's visibility? Only its owner.
pub fn can_set_runtime_visibility(member: &Member, runtime: &Runtime) -> bool {
    runtime.owner_id == Some(member.user_id)
}

/// May `member` change, archive or restore the agent (or archive a squad
/// it leads)? Workspace owners and admins, and the agent's owner.
pub fn can_edit_agent(member: &Member, agent: &Agent) -> bool {
    member.is_owner_or_admin() || agent.owner_id.is_some_and(|owner| owner == member.user_id)
}

/// May `member` see the agent's details? Agents with visibility `workspace`
/// or `public` are visible to every member; any other (private, absent) only
/// to their owner and to workspace owners/admins.
pub fn can_see_agent(member: &Member, agent: &Agent) -> bool {
    matches!(agent.visibility.as_deref(), Some("workspace" | "public"))
        || agent.owner_id.is_some_and(|owner| owner == member.user_id)
        || member.is_owner_or_admin()
}

/// A requested change to a runtime (`PATCH /api/runtimes/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimePatch {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `private` or `public`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<String>,
}

/// Decides a runtime edit: a plan holding the part of `patch` that changes
/// something, or a `forbidden` refusal.
///
/// Setting a field to its current value is a no-op that needs no
/// permission, so it is dropped before permissions are checked; an empty
/// result means nothing to write. A name is trimmed and must not be empty;
/// visibility must be `private` or `public`.
pub fn plan_runtime_update(
    member: &Member,
    runtime: &Runtime,
    patch: &RuntimePatch,
) -> Result<Outcome<RuntimePatch>, Error> {
    let name = match patch.name.as_deref().map(str::trim) {
        Some("") => {
            return Err(Error::new(
                Code::InvalidInput,
                "patch.name",
                "a runtime name cannot be empty",
            ));
        }
        Some(name) if name != runtime.name => Some(name.to_owned()),
        _ => None,
    };
    let visibility = match patch.visibility.as_deref() {
        // The current value again, whatever it is: a no-op.
        Some(v) if v == runtime.visibility => None,
        Some(v @ ("private" | "public")) => Some(v.to_owned()),
        None => None,
        Some(other) => {
            return Err(Error::new(
                Code::InvalidInput,
                "patch.visibility",
                format!("visibility must be \"private\" or \"public\", got {other:?}"),
            ));
        }
    };
    let refused = |sentence: &str| {
        Ok(Outcome::Refusal {
            refusal: Refusal::new(RefusalCode::Forbidden, sentence),
        })
    };
    if name.is_some() && !can_edit_runtime(member, runtime) {
        return refused("you can only rename runtimes you own; ask a workspace owner or admin");
    }
    if visibility.is_some() && !can_set_runtime_visibility(member, runtime) {
        return refused("only the runtime's owner can change its visibility");
    }
    Ok(Outcome::Plan {
        plan: RuntimePatch { name, visibility },
    })
}
