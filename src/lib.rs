//! The rules for tearing down an agent runtime and for reporting its usage
//! in the viewer's time zone: one pure core that the browser, Node scripts
//! and the server all call, so the plan a user previews is the plan the
//! server carries out.
//!
//! Every rule is a plain function of its arguments: no clock, no I/O, no
//! randomness. The current instant, the time zone and any new ids are
//! passed in. Inputs arrive from JSON or JavaScript through [`decode`],
//! which reports bad input as an [`Error`] with a stable code and the path
//! of the offending field; a teardown that is not allowed is an
//! [`Outcome::Refusal`], an answer rather than an error.
//!
//! ```
//! use runtime_rules::window::{since_from_days, DayCount};
//! use runtime_rules::usage::usage_daily;
//! use runtime_rules::{decode, Instant, Zone};
//!
//! // A Node script, the browser and the server all start from JSON.
//! let tz: Zone = decode("tz", serde_json::json!("Asia/Kolkata"))?;
//! let now = Instant::parse("2025-06-02T03:00:00Z", "now")?;
//! let since = since_from_days(now, DayCount(1), tz)?;
//! assert_eq!(since.to_string(), "2025-05-31T18:30:00Z"); // midnight in India
//!
//! let buckets: Vec<runtime_rules::usage::Bucket> = decode("buckets", serde_json::json!([{
//!     "bucket_start": "2025-06-01T18:30:00Z", // 00:00 on 2 June in Kolkata
//!     "workspace_id": "22222222-0000-4000-8000-000000000001",
//!     "runtime_id": "33333333-0000-4000-8000-000000000001",
//!     "agent_id": "44444444-0000-4000-8000-000000000001",
//!     "provider": "anthropic", "model": "claude-sonnet-4-6",
//!     "input_tokens": 1200, "output_tokens": 300, "cache_read_tokens": 0, "cache_write_tokens": 0,
//!     "cost_usd_ticks": 0, "uncosted_input_tokens": 1200, "uncosted_output_tokens": 300,
//!     "uncosted_cache_read_tokens": 0, "uncosted_cache_write_tokens": 0,
//!     "task_count": 1, "event_count": 1
//! }]))?;
//! let rows = usage_daily(&buckets, tz, since);
//! assert_eq!(rows[0].date.to_string(), "2025-06-02");
//!
//! let bad = decode::<Zone, _>("tz", serde_json::json!("Local")).unwrap_err();
//! assert_eq!((bad.code().as_str(), bad.field()), ("invalid_time_zone", Some("tz")));
//! # Ok::<(), runtime_rules::Error>(())
//! ```
//!
//! The rules, by SPEC.md section:
//!
//! | § | module | rules |
//! |---|---|---|
//! | 1 | [`access`] | who may edit, use and see runtimes and agents |
//! | 2 | [`agent_set`] | parsing and comparing the confirmed agent set |
//! | 3 | [`teardown`] | [`teardown::plan_teardown`]: refusals, effects, steps, events |
//! | 4 | [`window`], [`zone`] | the viewing zone, `?days=`, the start of a local day |
//! | 5 | [`usage`] | quarter-hour buckets and reports in local days and hours |
//! | 6 | [`cost`] | prices, estimates, aggregates, KPI windows, display helpers |
//! | 7 | [`liveness`] | a runtime's health and an agent's presence |
//! | 7 | [`queue`] | claims, claim tokens, retries, session resume, the sweeper's limits, legacy daemon ids |

pub mod access;
pub mod agent_set;
pub mod cost;
pub mod error;
pub mod id;
pub mod liveness;
pub mod number;
pub mod queue;
pub mod refusal;
pub mod teardown;
pub mod time;
pub mod usage;
pub mod window;
pub mod workspace;
pub mod zone;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

#[cfg(all(feature = "server", not(target_arch = "wasm32")))]
pub mod server;

pub use error::{Code, Error, decode, decode_with};
pub use id::Id;
pub use refusal::{Outcome, Refusal, RefusalCode};
pub use time::{Date, Instant};
pub use zone::{Zone, time_zone_names, tzdb_version};
