//! The request log tests read to assert call counts and timing.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    /// Milliseconds since the mock started.
    pub at_ms: f64,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub query: String,
    /// The subscription in the path, lower-cased, if any.
    #[serde(default)]
    pub subscription: Option<String>,
    pub status: u16,
    /// The fault injected (its scenario name, or `bucket` for the emulated
    /// read bucket), if any.
    #[serde(default)]
    pub fault: Option<String>,
}
