//! usageDaily's fast path: buckets read from JavaScript as columns (see
//! `columns.js`), then fed to the core's one implementation of the rule,
//! [`usage::usage_daily_from`]. Converting a million objects field by field
//! through serde costs 25 times what the rule itself does.
//!
//! The fast path only ever answers what the general path would: it takes
//! only rows whose fields all have their ordinary types, parses every
//! distinct string with the same parsers, and gives up on the first thing
//! it does not accept, leaving the error to the general path.

use js_sys::{Array, Float64Array, Reflect, Uint32Array};
use wasm_bindgen::prelude::*;

use crate::id::Id;
use crate::time::Instant;
use crate::usage::{DailyInput, Usage};

#[wasm_bindgen(module = "/src/wasm/columns.js")]
extern "C" {
    #[wasm_bindgen(js_name = bucketColumns)]
    fn bucket_columns(rows: &JsValue) -> JsValue;
}

/// The nine sums of a row, in `columns.js`'s order.
const SUMS: usize = 9;
/// Rows copied from JavaScript at a time, so that wasm memory holds a
/// slice of the sums, never all of them.
const CHUNK: u32 = 8192;

/// Buckets as columns; `None` when the general path must decide.
pub(super) struct Buckets {
    len: u32,
    starts: Vec<Instant>,
    start_of_row: Vec<u32>,
    names: Vec<(String, String)>,
    series_of_row: Vec<u32>,
    sums: Float64Array,
}

impl Buckets {
    pub(super) fn read(rows: &JsValue) -> Option<Buckets> {
        let columns = bucket_columns(rows);
        if columns.is_null() {
            return None;
        }
        let get = |name: &str| Reflect::get(&columns, &name.into()).ok();
        let texts = |name: &str| -> Option<Vec<String>> {
            get(name)?
                .dyn_into::<Array>()
                .ok()?
                .iter()
                .map(|v| v.as_string())
                .collect()
        };
        let starts = texts("startTexts")?
            .iter()
            .map(|t| Instant::parse(t, "").ok())
            .collect::<Option<Vec<_>>>()?;
        if !texts("ids")?.iter().all(|t| Id::parse(t).is_ok()) {
            return None;
        }
        let mut names = Vec::new();
        let mut flat = texts("seriesNames")?.into_iter();
        while let (Some(provider), Some(model)) = (flat.next(), flat.next()) {
            names.push((provider, model));
        }
        let start_of_row = get("starts")?.dyn_into::<Uint32Array>().ok()?.to_vec();
        let series_of_row = get("series")?.dyn_into::<Uint32Array>().ok()?.to_vec();
        let sums = get("sums")?.dyn_into::<Float64Array>().ok()?;
        let len = u32::try_from(start_of_row.len()).ok()?;
        Some(Buckets {
            len,
            starts,
            start_of_row,
            names,
            series_of_row,
            sums,
        })
    }

    /// The rows, as the core's rule reads them.
    pub(super) fn iter(&self) -> impl Iterator<Item = DailyInput<'_>> {
        let mut chunk = vec![0.0; CHUNK as usize * SUMS];
        (0..self.len).filter_map(move |row| {
            let offset = row % CHUNK;
            if offset == 0 {
                let end = (row + CHUNK).min(self.len);
                let slice = chunk.get_mut(..((end - row) as usize * SUMS))?;
                self.sums
                    .subarray(row * SUMS as u32, end * SUMS as u32)
                    .copy_to(slice);
            }
            let at = offset as usize * SUMS;
            // Integral, non-negative and safe (checked by columns.js), so exact.
            let sum = |k: usize| chunk.get(at + k).map_or(0, |&x| x as u64);
            let (provider, model) = self
                .names
                .get(*self.series_of_row.get(row as usize)? as usize)?;
            Some(DailyInput {
                bucket_start: *self
                    .starts
                    .get(*self.start_of_row.get(row as usize)? as usize)?,
                provider,
                model,
                usage: Usage {
                    input_tokens: sum(0),
                    output_tokens: sum(1),
                    cache_read_tokens: sum(2),
                    cache_write_tokens: sum(3),
                    cost_usd_ticks: sum(4),
                    uncosted_input_tokens: sum(5),
                    uncosted_output_tokens: sum(6),
                    uncosted_cache_read_tokens: sum(7),
                    uncosted_cache_write_tokens: sum(8),
                },
            })
        })
    }
}
