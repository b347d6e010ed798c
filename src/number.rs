//! Numbers as they arrive from JSON and JavaScript, checked at the border.
//!
//! JavaScript has one number type, so a count arrives as `3`, `3.0` or
//! `2.2e9`; all are accepted when the value is a non-negative integer that a
//! JavaScript number holds exactly (at most 2^53 - 1, whichever way it is
//! written). `-1`, `1.5`, `NaN`, `Infinity`, 2^53 and strings are
//! `invalid_count`. Money and prices must be finite (`invalid_number`).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::error::{Code, Error, coded};

/// The largest integer a JavaScript number holds exactly (2^53 - 1).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A count passed as an argument on its own (`formatTokens(n)`, `weeks`):
/// a non-negative integer, `invalid_count` otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Count(pub u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        count(d).map(Count)
    }
}

/// serde `deserialize_with` for a required count.
pub(crate) fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    whole_number(d, Code::InvalidCount)
}

/// serde `deserialize_with` for a nullable count (absent or `null` is `None`).
/// A signed integer: JavaScript sends every number as a double, so a whole
/// `3.0` is 3 on every host; beyond 2^53 in size, or fractional, is an
/// `invalid_number`.
pub(crate) fn integer<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(Integer)
}

struct Integer;

impl<'de> Visitor<'de> for Integer {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an integer")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        if v.unsigned_abs() <= MAX_SAFE_INTEGER {
            Ok(v)
        } else {
            Err(coded(
                Code::InvalidNumber,
                format_args!("{v} is more than a JavaScript number holds exactly (2^53 - 1)"),
            ))
        }
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        match i64::try_from(v) {
            Ok(v) => self.visit_i64(v),
            Err(_) => self.visit_i64(i64::MAX),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        if v.is_finite() && v.fract() == 0.0 && v.abs() <= MAX_SAFE_INTEGER as f64 {
            Ok(v as i64)
        } else {
            Err(coded(
                Code::InvalidNumber,
                format_args!("expected an integer, got {v}"),
            ))
        }
    }
}

pub(crate) fn optional_count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Option::<Count>::deserialize(d).map(|c| c.map(|Count(n)| n))
}

/// Reads a non-negative integer as JSON or JavaScript sends it, reporting
/// anything else with `code`.
pub(crate) fn whole_number<'de, D: Deserializer<'de>>(d: D, code: Code) -> Result<u64, D::Error> {
    d.deserialize_any(WholeNumber(code))
}

/// Checks a whole number that arrived as a plain `f64` (JavaScript
/// arguments); `code` and `field` go into the error.
pub fn whole_from_f64(value: f64, code: Code, field: &str) -> Result<u64, Error> {
    to_whole(value).map_err(|why| Error::new(code, field, why))
}

/// Checks that `value` is finite; `field` names it in the error.
pub fn finite(value: f64, field: &str) -> Result<f64, Error> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::new(
            Code::InvalidNumber,
            field,
            format!("expected a finite number, got {value}"),
        ))
    }
}

fn to_whole(value: f64) -> Result<u64, String> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE_INTEGER as f64
    {
        // Exact: an integral f64 no larger than 2^53 converts without loss.
        Ok(value as u64)
    } else {
        Err(format!("expected a non-negative integer, got {value}"))
    }
}

/// Accepts `3`, `3.0`, `2.2e9`; rejects with its code what is not a
/// non-negative integer a JavaScript number holds exactly.
struct WholeNumber(Code);

impl<'de> Visitor<'de> for WholeNumber {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a non-negative integer")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        if v <= MAX_SAFE_INTEGER {
            Ok(v)
        } else {
            Err(coded(
                self.0,
                format_args!("{v} is more than a JavaScript number holds exactly (2^53 - 1)"),
            ))
        }
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(coded(
                self.0,
                format_args!("expected a non-negative integer, got {v}"),
            )),
        }
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        to_whole(v).map_err(|why| coded(self.0, why))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        Err(coded(
            self.0,
            format_args!("expected a non-negative integer, got the string {v:?}"),
        ))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<u64, E> {
        Err(coded(
            self.0,
            format_args!("expected a non-negative integer, got {v}"),
        ))
    }

    fn visit_unit<E: de::Error>(self) -> Result<u64, E> {
        Err(coded(self.0, "expected a non-negative integer, got null"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_numbers_that_are_counts() {
        assert_eq!(to_whole(3.0), Ok(3));
        assert_eq!(to_whole(2.2e9), Ok(2_200_000_000));
        for bad in [-1.0, 1.5, f64::NAN, f64::INFINITY, 1e300] {
            assert!(to_whole(bad).is_err(), "{bad}");
        }
    }
}
