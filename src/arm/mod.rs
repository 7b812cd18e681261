//! Azure Resource Manager access: the one rate-limited, retrying,
//! paginating client ([`ArmClient`]) that every Azure request goes through.

pub mod client;
pub mod error;
pub mod limiter;
pub mod stats;
pub mod throttle;

pub use client::{ArmClient, ClientSettings, ListOutcome};
pub use error::ArmError;
pub use stats::StatsSummary;
