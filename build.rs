//! Turns `src/cost/pricing.json` into a sorted static table compiled into the
//! crate, so every target (native, wasm) carries the same prices and nothing is
//! parsed at run time. A malformed price file fails the build, not a request.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::{env, fs, path::Path};

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};

const SOURCE: &str = "src/cost/pricing.json";

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Price {
    input: f64,
    output: f64,
    cache_read: f64,
    cache_write: f64,
}

/// A JSON object read entry by entry, so a duplicated key is an error instead
/// of silently keeping the last value (what a plain map would do).
struct Table(BTreeMap<String, Price>);

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        impl<'de> Visitor<'de> for Entries {
            type Value = Table;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of model key -> price")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Table, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((key, price)) = map.next_entry::<String, Price>()? {
                    if out.insert(key.clone(), price).is_some() {
                        return Err(serde::de::Error::custom(format!("duplicate model {key:?}")));
                    }
                }
                Ok(Table(out))
            }
        }
        d.deserialize_map(Entries)
    }
}

fn main() -> Result<(), String> {
    println!("cargo:rerun-if-changed={SOURCE}");
    let text = fs::read_to_string(SOURCE).map_err(|e| format!("{SOURCE}: {e}"))?;
    let Table(table) = serde_json::from_str(&text).map_err(|e| format!("{SOURCE}: {e}"))?;

    let mut code = String::from(
        "/// The built-in price table, sorted by model key (generated from pricing.json).\n\
         pub(crate) static BUILT_IN: &[(&str, Price)] = &[\n",
    );
    for (key, p) in &table {
        if key.trim().is_empty() || key.trim() != key {
            return Err(format!("{SOURCE}: model key {key:?} is empty or padded"));
        }
        for (name, v) in [
            ("input", p.input),
            ("output", p.output),
            ("cache_read", p.cache_read),
            ("cache_write", p.cache_write),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(format!(
                    "{SOURCE}: {key}.{name} must be a finite price >= 0"
                ));
            }
        }
        // `{:?}` prints the shortest representation that reads back to the same f64.
        writeln!(
            code,
            "    ({key:?}, Price {{ input: {:?}, output: {:?}, cache_read: {:?}, cache_write: {:?} }}),",
            p.input, p.output, p.cache_read, p.cache_write
        )
        .map_err(|e| e.to_string())?;
    }
    code.push_str("];\n");

    let out = Path::new(&env::var("OUT_DIR").map_err(|e| e.to_string())?).join("pricing.rs");
    fs::write(&out, code).map_err(|e| format!("{}: {e}", out.display()))
}
