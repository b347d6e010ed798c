//! Ids: UUIDs, read in the 36-character dashed or 32-hex form (hex digits in
//! either case) and always written in canonical lowercase `8-4-4-4-12` form.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Code, coded};

/// A UUID. Ordering is the ordering of the canonical strings, so a list of
/// ids sorted here is sorted the same way in JavaScript and SQL.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(u128);

/// Why a string is not an [`Id`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAnId;

impl Id {
    /// The id whose 128 bits are `bits`, for hosts that mint new ids.
    pub const fn from_u128(bits: u128) -> Self {
        Id(bits)
    }

    /// The 128 bits of the id.
    pub const fn as_u128(self) -> u128 {
        self.0
    }

    /// Parses the 36-character dashed form (dashes exactly at positions 8,
    /// 13, 18 and 23) or the 32-hex form. Braces, `urn:uuid:`, whitespace and
    /// other separators are rejected.
    pub fn parse(text: &str) -> Result<Self, NotAnId> {
        let bytes = text.as_bytes();
        let mut bits: u128 = 0;
        let mut digits = 0;
        match bytes.len() {
            32 => {}
            36 => {
                for (i, b) in bytes.iter().enumerate() {
                    let dash_here = matches!(i, 8 | 13 | 18 | 23);
                    if (*b == b'-') != dash_here {
                        return Err(NotAnId);
                    }
                }
            }
            _ => return Err(NotAnId),
        }
        for &b in bytes.iter().filter(|&&b| b != b'-') {
            let nibble = (b as char).to_digit(16).ok_or(NotAnId)?;
            bits = (bits << 4) | u128::from(nibble);
            digits += 1;
        }
        if digits == 32 {
            Ok(Id(bits))
        } else {
            Err(NotAnId)
        }
    }
}

impl FromStr for Id {
    type Err = NotAnId;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Id::parse(s)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = format!("{:032x}", self.0);
        let (a, rest) = hex.split_at(8);
        let (b, rest) = rest.split_at(4);
        let (c, rest) = rest.split_at(4);
        let (d, e) = rest.split_at(4);
        write!(f, "{a}-{b}-{c}-{d}-{e}")
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({self})")
    }
}

impl fmt::Display for NotAnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected a UUID in the 36-character dashed or 32-hex form")
    }
}

impl std::error::Error for NotAnId {}

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Id::parse(&text).map_err(|e| coded(Code::InvalidId, format_args!("{e}, got {:?}", &*text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_and_cases_give_the_canonical_id() {
        let canonical = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
        for form in [
            canonical,
            "0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",
            "0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d",
            "0A1b2C3d4E5f4A6b8C7d9E0f1A2b3C4d",
        ] {
            assert_eq!(
                Id::parse(form).map(|id| id.to_string()),
                Ok(canonical.to_owned())
            );
        }
    }

    #[test]
    fn everything_else_is_rejected() {
        for bad in [
            "",
            "{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}",
            "urn:uuid:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            " 0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d ",
            "0a1b2c3d_4e5f_4a6b_8c7d_9e0f1a2b3c4d",
            "0a1b2c3d4-e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g",
            "0a1b2c3d-4e5f-4a6b-8c7d9e0f1a2b3c4d-",
            "+a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d",
            "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4",
        ] {
            assert_eq!(Id::parse(bad), Err(NotAnId), "{bad:?}");
        }
    }

    #[test]
    fn order_is_the_order_of_the_canonical_strings() {
        let a = Id::parse("00000000-0000-0000-0000-00000000000f").unwrap();
        let b = Id::parse("00000000-0000-0000-0000-0000000000a0").unwrap();
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }
}
