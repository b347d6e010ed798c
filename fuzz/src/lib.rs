//! What the fuzz targets share: reading one argument of a JSON object the
//! way the hosts do (through `runtime_rules::decode`), and serialising an
//! answer the way the hosts do.
//!
//! An input is decoded twice where it is cheap: from the text with
//! serde_json's streaming deserializer (the server's path, `Body<T>`), and
//! from a parsed `serde_json::Value` one argument at a time (the vector
//! hosts' path). Both must report bad input as an `Error`, never panic.

use runtime_rules::{Error, decode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// The input as a JSON value, if it is one.
pub fn parse(data: &[u8]) -> Option<Value> {
    serde_json::from_slice(data).ok()
}

/// The whole input as a `T`, read from the text as the server reads a
/// body: `decode("", &mut Deserializer)`, then nothing but whitespace.
pub fn from_text<T: DeserializeOwned>(data: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(data);
    let value: T = decode("", &mut de)?;
    de.end()
        .map_err(|e| Error::new(runtime_rules::Code::InvalidInput, "", e.to_string()))?;
    Ok(value)
}

/// Argument `name` of the object `args` (absent: `null`), decoded as the
/// vector hosts decode it. The error must name a field under `name`.
pub fn arg<T: DeserializeOwned>(args: &Value, name: &str) -> Result<T, Error> {
    let value = args.get(name).unwrap_or(&Value::Null);
    let result = decode(name, value);
    if let Err(e) = &result {
        check_error(e, name);
    }
    result
}

/// An error's field, when it has one, lies under `prefix` (`rows[0].tz`
/// under `rows`): the promise of DESIGN.md's "bad input" section.
pub fn check_error(e: &Error, prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    let field = e.field().unwrap_or("");
    let under = field == prefix
        || field
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['));
    assert!(
        under,
        "error {e} names field {field:?}, not one under {prefix:?}"
    );
}

/// Serialises an answer as the hosts do. The crate's outputs always
/// serialise; a failure here is a finding.
pub fn emit<T: Serialize>(answer: &T) {
    if let Err(e) = serde_json::to_vec(answer) {
        panic!("an answer failed to serialise: {e}");
    }
}
