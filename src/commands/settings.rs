//! Check settings from flags, shared by the commands that run those
//! checks (a helper, not a command: commands do not call each other).

use super::{Fatal, now};
use crate::checks::quotas::QuotaSettings;
use crate::checks::sp_credentials::SpSettings;
use crate::cli::{QuotaThresholds, SpThresholds};

/// The credential-expiry thresholds and the clock.
pub fn sp(t: &SpThresholds) -> Result<SpSettings, Fatal> {
    if t.critical_days > t.warn_days {
        return Err(Fatal(format!(
            "--critical-days ({}) must not be more than --warn-days ({})",
            t.critical_days, t.warn_days
        )));
    }
    Ok(SpSettings { now: now()?, critical_days: t.critical_days, warn_days: t.warn_days })
}

/// The quota thresholds.
pub fn quota(t: &QuotaThresholds) -> Result<QuotaSettings, Fatal> {
    if t.quota_warn > t.quota_critical {
        return Err(Fatal(format!(
            "--quota-warn ({}) must not be more than --quota-critical ({})",
            t.quota_warn, t.quota_critical
        )));
    }
    Ok(QuotaSettings { warn_pct: t.quota_warn, critical_pct: t.quota_critical })
}
