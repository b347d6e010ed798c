//! KPI deltas and display helpers, matching JavaScript exactly so the
//! browser, Node and the server print the same strings.

use crate::error::Error;
use crate::number::finite;

/// The change from `prev` to `cur` in percent, rounded like JavaScript's
/// `Math.round` (half toward +∞); `None` when `prev <= 0`. A negative zero
/// is returned as 0.
///
/// # Errors
///
/// `invalid_number` when either value is NaN or infinite.
pub fn pct_change(cur: f64, prev: f64) -> Result<Option<f64>, Error> {
    let (cur, prev) = (finite(cur, "cur")?, finite(prev, "prev")?);
    if prev <= 0.0 {
        return Ok(None);
    }
    Ok(Some(js_round((cur - prev) / prev * 100.0)))
}

/// A token count for people: `999`, `1.1K`, `1M`, `2.2B`, `1T`.
///
/// The unit is the largest of K, M, B, T not above the count; the scaled
/// value keeps one decimal (JavaScript `toFixed(1)`), a trailing `.0` is
/// dropped, and a value that rounds up to 1000 moves to the next unit
/// (999,950 is `1M`, not `1000K`).
pub fn format_tokens(n: u64) -> String {
    const UNITS: [(f64, &str); 4] = [(1e3, "K"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
    let value = n as f64;
    let Some(mut unit) = UNITS.iter().rposition(|(size, _)| *size <= value) else {
        return n.to_string();
    };
    loop {
        let (size, suffix) = UNITS.get(unit).copied().unwrap_or((1e12, "T"));
        let fixed = to_fixed(value / size, 1);
        let next = unit + 1;
        if fixed.parse::<f64>().is_ok_and(|v| v >= 1000.0) && next < UNITS.len() {
            unit = next;
            continue;
        }
        let short = fixed.strip_suffix(".0").unwrap_or(&fixed);
        return format!("{short}{suffix}");
    }
}

/// Money for people: `$` and the amount with no decimals from 100 up, two
/// below, rounded like JavaScript's `Number.prototype.toFixed`
/// (`$151`, `$0.50`, `$-1.23`).
///
/// # Errors
///
/// `invalid_number` for NaN or an infinity.
pub fn format_usd(usd: f64) -> Result<String, Error> {
    let usd = finite(usd, "usd")?;
    Ok(format!(
        "${}",
        to_fixed(usd, if usd >= 100.0 { 0 } else { 2 })
    ))
}

/// JavaScript's `Math.round`: the nearest integer, ties toward +∞.
fn js_round(x: f64) -> f64 {
    let floor = x.floor();
    // `x - floor` is exact for every f64 (both share x's exponent range).
    let r = if x - floor >= 0.5 { floor + 1.0 } else { floor };
    if r == 0.0 { 0.0 } else { r }
}

/// JavaScript's `Number.prototype.toFixed(digits)`, for the 0 to 2 digits
/// the helpers above use.
///
/// The digits come from the exact binary value of `x`, ties rounded up in
/// magnitude (`(0.125).toFixed(2)` is `"0.13"`, `(1.005).toFixed(2)` is
/// `"1.00"` because 1.005 is stored as 1.00499…); Rust's `{:.2}` rounds
/// exact ties to even instead. Magnitudes from 1e21 are written in
/// exponent form, as JavaScript does.
fn to_fixed(x: f64, digits: u32) -> String {
    let sign = if x < 0.0 { "-" } else { "" };
    let x = x.abs();
    if x >= 1e21 {
        return format!("{sign}{}", format!("{x:e}").replace('e', "e+"));
    }
    // x = mantissa × 2^exponent exactly.
    let bits = x.to_bits();
    let raw_exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exponent) = match raw_exponent {
        0 => (fraction, -1074),
        _ => (fraction | (1 << 52), raw_exponent - 1075),
    };
    // n = x × 10^digits rounded half up, in integers: with x < 1e21 < 2^70
    // and 10^digits <= 100 < 2^7, every intermediate stays below 2^77.
    let digits = digits.min(2);
    let scaled = u128::from(mantissa) * 10u128.pow(digits);
    let n = if exponent >= 0 {
        scaled << exponent
    } else {
        let shift = exponent.unsigned_abs();
        if shift >= 127 {
            0 // x × 10^digits < 2^60 × 2^-127: far below one half.
        } else {
            let half = 1u128 << (shift - 1);
            let remainder = scaled & ((1u128 << shift) - 1);
            (scaled >> shift) + u128::from(remainder >= half)
        }
    };
    let text = format!("{n:0width$}", width = digits as usize + 1);
    let (int, frac) = text.split_at(text.len() - digits as usize);
    if digits == 0 {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_fixed_matches_javascript() {
        // Values checked against Node's Number.prototype.toFixed.
        let cases = [
            (0.125, 2, "0.13"),
            (1.005, 2, "1.00"),
            (2.5, 0, "3"),
            (-2.5, 0, "-3"),
            (1.05, 1, "1.1"),
            (999.95, 1, "1000.0"),
            (0.0, 2, "0.00"),
            (-0.0, 2, "0.00"),
            (-0.001, 2, "-0.00"),
            (150.6, 0, "151"),
            (0.5, 2, "0.50"),
            (5e-324, 2, "0.00"),
            (123456789.125, 2, "123456789.13"),
            (1e21, 2, "1e+21"),
        ];
        for (x, digits, expected) in cases {
            assert_eq!(to_fixed(x, digits), expected, "({x}).toFixed({digits})");
        }
    }

    #[test]
    fn math_round_matches_javascript() {
        assert_eq!(js_round(2.5), 3.0);
        assert_eq!(js_round(-2.5), -2.0);
        assert_eq!(js_round(0.49999999999999994), 0.0);
        assert_eq!(js_round(-0.4).to_bits(), 0.0_f64.to_bits());
    }
}
