//! Command runners: wire settings, collectors, checks and renderers
//! together for each subcommand, and decide the exit code.

pub mod check;
pub mod demo;
pub mod orphans;
pub mod output;
pub mod settings;
pub mod snapshot;
pub mod sp_expiry;
pub mod whoami;

use std::process::ExitCode;

/// The outcome classes of a run, mapped to the documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Clean = 0,
    Findings = 1,
    CouldNotRun = 2,
    Incomplete = 3,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        ExitCode::from(o as u8)
    }
}

/// "Now" for a run: the wall clock, or `AZAUDIT_NOW` (RFC 3339) to make a
/// report reproducible — tests use it as their fixed clock.
pub fn now() -> Result<jiff::Timestamp, Fatal> {
    match std::env::var("AZAUDIT_NOW") {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|e| Fatal(format!("AZAUDIT_NOW '{v}' is not an RFC 3339 time such as 2026-11-28T12:00:00Z: {e}"))),
        _ => Ok(jiff::Timestamp::now()),
    }
}

pub use crate::error::Fatal;

/// The resource IDs an audit's checks would report on, before
/// confirmation: what ARM confirms when the inventory came from Azure
/// Resource Graph. `quota` is the command's thresholds, where it has them.
pub fn candidates(
    audit: crate::findings::Audit,
    quota: Option<crate::checks::quotas::QuotaSettings>,
) -> crate::collect::Candidates {
    crate::collect::Candidates::new(move |snap| {
        let settings =
            crate::checks::Settings { sp: Some(Err("not an ARM object")), quota: quota.as_ref(), candidates: true };
        // The objects the findings name, and those their evidence names:
        // a verdict read those too.
        let v = crate::checks::run(audit, snap, &settings);
        let mut ids: Vec<String> = Vec::new();
        for f in v.findings.iter() {
            ids.push(f.resource_id.to_string());
            ids.extend(f.evidence.arm_ids().into_iter().map(std::borrow::Cow::into_owned));
        }
        ids
    })
}
