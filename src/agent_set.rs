//! Confirming an agent set (SPEC §2).
//!
//! The delete dialog shows the agents a teardown affects, the user confirms
//! that list, and the server compares the confirmed list with the live set
//! inside its transaction. The comparison is on sets of canonical ids, so
//! order, case and the 32-hex form never matter.

use std::collections::BTreeSet;
use std::fmt;

use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Code, Error, coded};
use crate::id::Id;

/// A list of agent ids as a user or a browser sent it: possibly absent or
/// `null` (the empty set), possibly holding elements that are not strings,
/// which [`parse_agent_ids`] rejects with their index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentIdList(Vec<Option<String>>);

impl AgentIdList {
    /// A list of strings.
    pub fn new<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> Self {
        AgentIdList(ids.into_iter().map(|s| Some(s.into())).collect())
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

impl<'de> Deserialize<'de> for AgentIdList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ListVisitor)
    }
}

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = AgentIdList;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of agent ids, or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<AgentIdList, E> {
        Ok(AgentIdList::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<AgentIdList, E> {
        Ok(AgentIdList::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<AgentIdList, D::Error> {
        d.deserialize_any(ListVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AgentIdList, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(Element(e)) = seq.next_element()? {
            out.push(e);
        }
        Ok(AgentIdList(out))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<AgentIdList, E> {
        Err(coded(
            Code::InvalidAgentIds,
            format_args!("expected a list of agent ids, got the string {v:?}"),
        ))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _map: A) -> Result<AgentIdList, A::Error> {
        Err(coded(
            Code::InvalidAgentIds,
            "expected a list of agent ids, got an object",
        ))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<AgentIdList, E> {
        Err(coded(
            Code::InvalidAgentIds,
            "expected a list of agent ids, got a boolean",
        ))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<AgentIdList, E> {
        Err(coded(
            Code::InvalidAgentIds,
            "expected a list of agent ids, got a number",
        ))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<AgentIdList, E> {
        Err(coded(
            Code::InvalidAgentIds,
            "expected a list of agent ids, got a number",
        ))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<AgentIdList, E> {
        Err(coded(
            Code::InvalidAgentIds,
            "expected a list of agent ids, got a number",
        ))
    }
}

/// One element: a string, or anything else (kept as `None` so the parse
/// can name its index).
struct Element(Option<String>);

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ElementVisitor;
        impl<'de> Visitor<'de> for ElementVisitor {
            type Value = Element;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an agent id")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Element, E> {
                Ok(Element(Some(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Element, E> {
                Ok(Element(Some(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Element, E> {
                Ok(Element(None))
            }
            fn visit_none<E: de::Error>(self) -> Result<Element, E> {
                Ok(Element(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Element, E> {
                Ok(Element(None))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Element, E> {
                Ok(Element(None))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Element, E> {
                Ok(Element(None))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Element, E> {
                Ok(Element(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Element, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Element(None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Element(None))
            }
        }
        d.deserialize_any(ElementVisitor)
    }
}

impl Serialize for AgentIdList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}
