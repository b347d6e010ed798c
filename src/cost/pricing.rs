//! Prices: the built-in table (`pricing.json`), the user's custom prices,
//! and how a reported model string finds its price.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Code, coded};

/// USD per million tokens of each kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Price {
    /// Input tokens.
    #[serde(deserialize_with = "usd_per_million")]
    pub input: f64,
    /// Output tokens.
    #[serde(deserialize_with = "usd_per_million")]
    pub output: f64,
    /// Cache-read tokens.
    #[serde(deserialize_with = "usd_per_million")]
    pub cache_read: f64,
    /// Cache-write tokens.
    #[serde(deserialize_with = "usd_per_million")]
    pub cache_write: f64,
}

include!(concat!(env!("OUT_DIR"), "/pricing.rs"));

/// The built-in price of exactly `key` (a binary search in a sorted table:
/// `constructor` or `__proto__` are plain unknown models).
pub fn built_in_price(key: &str) -> Option<Price> {
    BUILT_IN
        .binary_search_by(|(k, _)| (*k).cmp(key))
        .ok()
        .and_then(|i| BUILT_IN.get(i))
        .map(|(_, p)| *p)
}

/// The whole built-in table, sorted by model key.
pub fn built_in_prices() -> impl Iterator<Item = (&'static str, Price)> {
    BUILT_IN.iter().map(|(k, p)| (*k, *p))
}

/// The user's own prices for models the table does not know, by key
/// (`acme/auto`, `brand-new-model`). The built-in table always wins.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomPrices(pub BTreeMap<String, Price>);

/// The keys a model string is looked up under, in order, duplicates and
/// empty strings dropped (SPEC §6).
///
/// For `m`: `m`; `m` without a leading `vendor/` prefix; for `claude-`
/// models that with every `.` replaced by `-`; that without a trailing
/// `[...]` tag; then each of those four without a trailing `-YYYY-MM-DD`,
/// `-YYYYMMDD` or `-latest`. With a provider `p` (trimmed, lowercased,
/// non-empty), every candidate as `p/candidate` first (unless it already
/// starts with `p/`), then every candidate bare.
///
/// ```
/// use runtime_rules::cost::candidates;
/// assert_eq!(
///     candidates("anthropic/claude-opus-4.7[1m]", None),
///     ["anthropic/claude-opus-4.7[1m]", "claude-opus-4.7[1m]", "claude-opus-4-7[1m]", "claude-opus-4-7"]
/// );
/// assert_eq!(candidates("auto", Some(" Cursor ")), ["cursor/auto", "auto"]);
/// ```
pub fn candidates(model: &str, provider: Option<&str>) -> Vec<String> {
    let unvendored = strip_vendor(model);
    let dashed = if unvendored.starts_with("claude-") {
        unvendored.replace('.', "-")
    } else {
        unvendored.to_owned()
    };
    let untagged = strip_tag(&dashed).to_owned();
    let four = [model.to_owned(), unvendored.to_owned(), dashed, untagged];
    let undated = four.clone().map(|c| strip_date(&c).to_owned());
    let bare: Vec<String> = four
        .into_iter()
        .chain(undated)
        .filter(|c| !c.is_empty())
        .collect();

    let mut out = Vec::with_capacity(bare.len() * 2);
    if let Some(p) = normalize_provider(provider) {
        let prefix = format!("{p}/");
        out.extend(bare.iter().map(|c| {
            if c.starts_with(&prefix) {
                c.clone()
            } else {
                format!("{prefix}{c}")
            }
        }));
    }
    out.extend(bare);
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.clone()));
    out
}

/// The price of a model: the first candidate found in the built-in table;
/// only if none is, the first found in `custom`.
pub fn resolve_price(
    model: &str,
    provider: Option<&str>,
    custom: Option<&CustomPrices>,
) -> Option<Price> {
    let keys = candidates(model, provider);
    keys.iter()
        .find_map(|k| built_in_price(k))
        .or_else(|| custom.and_then(|c| keys.iter().find_map(|k| c.0.get(k).copied())))
}

/// The key a custom price for this model is stored under: `provider/model`
/// when there is a provider (not doubled), else the model.
pub fn pricing_key(model: &str, provider: Option<&str>) -> String {
    match normalize_provider(provider) {
        Some(p) if !model.starts_with(&format!("{p}/")) => format!("{p}/{model}"),
        _ => model.to_owned(),
    }
}

/// The key a model is grouped under in charts: the model itself when the
/// table prices it without help, else its [`pricing_key`] (so `auto` of
/// Cursor and `auto` of another provider stay apart). An empty model groups
/// under its provider, or `unknown`.
pub fn model_group_key(model: &str, provider: Option<&str>) -> String {
    if model.is_empty() {
        return normalize_provider(provider).unwrap_or_else(|| "unknown".to_owned());
    }
    if resolve_price(model, None, None).is_some() {
        model.to_owned()
    } else {
        pricing_key(model, provider)
    }
}

fn normalize_provider(provider: Option<&str>) -> Option<String> {
    provider
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty())
}

/// `m` without a leading `vendor/` (vendor matching `^[a-z][a-z0-9_-]*$`,
/// any case).
fn strip_vendor(m: &str) -> &str {
    match m.split_once('/') {
        Some((vendor, rest))
            if vendor.starts_with(|c: char| c.is_ascii_alphabetic())
                && vendor
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
        {
            rest
        }
        _ => m,
    }
}

/// `m` without a trailing non-empty `[...]` tag.
fn strip_tag(m: &str) -> &str {
    let Some(body) = m.strip_suffix(']') else {
        return m;
    };
    match body
        .rfind('[')
        .and_then(|open| Some((open, body.get(open + 1..)?)))
    {
        Some((open, tag)) if !tag.is_empty() && !tag.contains(']') => body.get(..open).unwrap_or(m),
        _ => m,
    }
}

/// `m` without a trailing `-YYYY-MM-DD`, `-YYYYMMDD` or `-latest`.
fn strip_date(m: &str) -> &str {
    if let Some(rest) = m.strip_suffix("-latest") {
        return rest;
    }
    // `9` stands for any digit.
    for pattern in ["-9999-99-99", "-99999999"] {
        let start = m.len().saturating_sub(pattern.len());
        let matches = m.len() >= pattern.len()
            && m.bytes()
                .skip(start)
                .zip(pattern.bytes())
                .all(|(c, p)| match p {
                    b'9' => c.is_ascii_digit(),
                    _ => c == p,
                });
        if matches {
            // The tail is ASCII, so `start` is a character boundary.
            return m.get(..start).unwrap_or(m);
        }
    }
    m
}

/// Prices looked up once per (model, provider) pair, for reports over many rows.
pub(crate) struct PriceBook<'a> {
    custom: Option<&'a CustomPrices>,
    memo: HashMap<(String, Option<String>), Option<Price>>,
}

impl<'a> PriceBook<'a> {
    pub(crate) fn new(custom: Option<&'a CustomPrices>) -> Self {
        PriceBook {
            custom,
            memo: HashMap::new(),
        }
    }

    pub(crate) fn price(&mut self, model: &str, provider: Option<&str>) -> Option<Price> {
        let key = (model.to_owned(), provider.map(str::to_owned));
        if let Some(p) = self.memo.get(&key) {
            return *p;
        }
        let price = resolve_price(model, provider, self.custom);
        self.memo.insert(key, price);
        price
    }
}

/// One price: finite and at least 0 (`invalid_number` otherwise).
fn usd_per_million<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(coded(
            Code::InvalidNumber,
            format_args!(
                "a price is a finite number of at least 0 USD per million tokens, got {v}"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_dates() {
        assert_eq!(strip_tag("claude-opus-4-7[1m]"), "claude-opus-4-7");
        assert_eq!(strip_tag("x[]"), "x[]");
        assert_eq!(strip_tag("a[b]c]"), "a[b]c]");
        assert_eq!(strip_date("gpt-5-2025-08-07"), "gpt-5");
        assert_eq!(strip_date("claude-haiku-4-5-20251001"), "claude-haiku-4-5");
        assert_eq!(strip_date("claude-3-5-haiku-latest"), "claude-3-5-haiku");
        assert_eq!(strip_date("o3-mini"), "o3-mini");
        assert_eq!(strip_date("-20251001"), "");
    }

    #[test]
    fn vendors() {
        assert_eq!(strip_vendor("anthropic/claude-x"), "claude-x");
        assert_eq!(strip_vendor("Open_AI-2/gpt-5"), "gpt-5");
        assert_eq!(strip_vendor("2x/gpt-5"), "2x/gpt-5");
        assert_eq!(strip_vendor("a.b/gpt-5"), "a.b/gpt-5");
        assert_eq!(strip_vendor("/gpt-5"), "/gpt-5");
    }

    #[test]
    fn the_table_is_sorted_and_the_lookup_exact() {
        assert!(
            BUILT_IN
                .windows(2)
                .all(|w| matches!(w, [a, b] if a.0 < b.0))
        );
        assert!(built_in_price("claude-sonnet-4-6").is_some());
        assert!(built_in_price("constructor").is_none());
        assert!(built_in_price("__proto__").is_none());
    }
}
