//! Confirming an agent set (SPEC §2).
//!
//! The delete dialog shows the agents a teardown affects, the user confirms
//! that list, and the server compares the confirmed list with the live set
//! inside its transaction. The comparison is on sets of canonical ids, so
//! order, case and the 32-hex form never matter.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::error::{Code, Error};
use crate::id::Id;

/// A list of agent ids as a user or a browser sent it: possibly absent or
/// `null` (the empty set), possibly holding elements that are not strings,
/// which [`parse_agent_ids`] rejects with their index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawList")]
pub struct AgentIdList(Vec<Option<String>>);

impl AgentIdList {
    /// A list of strings.
    pub fn new<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> Self {
        AgentIdList(ids.into_iter().map(|s| Some(s.into())).collect())
    }

    /// The elements as sent; `None` for one that was not a string.
    pub fn items(&self) -> &[Option<String>] {
        &self.0
    }
}

impl<S: Into<String>> FromIterator<S> for AgentIdList {
    fn from_iter<I: IntoIterator<Item = S>>(ids: I) -> Self {
        AgentIdList::new(ids)
    }
}

/// Parses a confirmed list into a set of canonical ids.
///
/// Each element must be a UUID in the 36-character dashed form or the
/// 32-hex form, hex digits in either case. Anything else (braces,
/// `urn:uuid:`, whitespace, `null`, a number) rejects the whole list with
/// `invalid_agent_ids` and the element's path, e.g.
/// `expected_active_agent_ids[2]`. Duplicates collapse.
pub fn parse_agent_ids(list: &AgentIdList, field: &str) -> Result<BTreeSet<Id>, Error> {
    list.0
        .iter()
        .enumerate()
        .map(|(i, element)| {
            let text = element.as_deref().ok_or_else(|| {
                Error::new(
                    Code::InvalidAgentIds,
                    format!("{field}[{i}]"),
                    "expected an agent id string",
                )
            })?;
            Id::parse(text).map_err(|e| {
                Error::new(
                    Code::InvalidAgentIds,
                    format!("{field}[{i}]"),
                    format!("{e}, got {text:?}"),
                )
            })
        })
        .collect()
}

/// The live set against the confirmed set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetComparison {
    /// The two sets are equal.
    pub matches: bool,
    /// Live but not confirmed: agents that appeared. Sorted.
    pub added: Vec<Id>,
    /// Confirmed but not live: agents that went away. Sorted.
    pub removed: Vec<Id>,
}

/// Compares two lists as sets, each parsed by [`parse_agent_ids`] first
/// (errors name `live[i]` or `confirmed[i]`). This is `compareAgentSets`.
pub fn compare_agent_lists(
    live: &AgentIdList,
    confirmed: &AgentIdList,
) -> Result<SetComparison, Error> {
    Ok(compare_agent_sets(
        &parse_agent_ids(live, "live")?,
        &parse_agent_ids(confirmed, "confirmed")?,
    ))
}

/// Compares two sets of ids.
pub fn compare_agent_sets(live: &BTreeSet<Id>, confirmed: &BTreeSet<Id>) -> SetComparison {
    let added: Vec<Id> = live.difference(confirmed).copied().collect();
    let removed: Vec<Id> = confirmed.difference(live).copied().collect();
    SetComparison {
        matches: added.is_empty() && removed.is_empty(),
        added,
        removed,
    }
}

/// What a list of agent ids may arrive as.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawList {
    List(Vec<Element>),
    Nothing(()),
    Other(IgnoredAny),
}

/// One element: a string, or anything else (kept as `None` so the parse can
/// name its index).
#[derive(Deserialize)]
#[serde(untagged)]
enum Element {
    Text(String),
    Other(IgnoredAny),
}

/// Why a value is not a list of agent ids; its text carries the code.
struct NotAList;

impl fmt::Display for NotAList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: expected a list of agent ids, or null",
            Code::InvalidAgentIds
        )
    }
}

impl TryFrom<RawList> for AgentIdList {
    type Error = NotAList;
    fn try_from(raw: RawList) -> Result<Self, NotAList> {
        match raw {
            RawList::List(items) => Ok(AgentIdList(
                items
                    .into_iter()
                    .map(|e| match e {
                        Element::Text(s) => Some(s),
                        Element::Other(_) => None,
                    })
                    .collect(),
            )),
            RawList::Nothing(()) => Ok(AgentIdList::default()),
            RawList::Other(_) => Err(NotAList),
        }
    }
}
