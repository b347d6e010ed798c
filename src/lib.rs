//! runtime-rules: the rules for tearing down an agent runtime and for
//! reporting its usage in the viewer's time zone.

pub mod access;
pub mod agent_set;
pub mod cost;
pub mod error;
pub mod id;
pub mod number;
pub mod refusal;
pub mod teardown;
pub mod time;
pub mod usage;
pub mod window;
pub mod workspace;
pub mod zone;

pub use error::{Code, Error, decode};
pub use id::Id;
pub use refusal::{Outcome, Refusal, RefusalCode};
pub use time::{Date, Instant};
pub use zone::{Zone, tzdb_version};
