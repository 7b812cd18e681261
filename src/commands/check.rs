//! `azaudit quotas` and `azaudit check`: read (or load) a snapshot, run the
//! quota checks, or every check, and report.

use super::snapshot::{self, Reads};
use super::{Fatal, Outcome, now, output, sp_expiry};
use crate::auth;
use crate::checks::{self, quotas::QuotaSettings};
use crate::cli::{CheckArgs, GlobalArgs, QuotaThresholds, QuotasArgs};
use crate::report::Report;
use crate::snapshot::Snapshot;

fn quota_settings(t: &QuotaThresholds) -> Result<QuotaSettings, Fatal> {
    if t.quota_warn > t.quota_critical {
        return Err(Fatal(format!(
            "--quota-warn ({}) must not be more than --quota-critical ({})",
            t.quota_warn, t.quota_critical
        )));
    }
    Ok(QuotaSettings { warn_pct: t.quota_warn, critical_pct: t.quota_critical })
}

pub async fn quotas(g: &GlobalArgs, args: &QuotasArgs) -> Result<Outcome, Fatal> {
    let settings = quota_settings(&args.thresholds)?;
    let snap = match &args.report.from {
        Some(path) => Snapshot::load(path)?,
        None => {
            let reads = Reads { graph: None, cluster_optional: true };
            snapshot::collect(g, auth::env_snapshot(), reads).await?
        }
    };
    let report = Report::new(crate::report::Audit::Quotas, &snap, checks::quotas(&snap, &settings), false, now()?);
    output::emit(report, &snap, &args.report, g.quiet)
}

pub async fn check(g: &GlobalArgs, args: &CheckArgs) -> Result<Outcome, Fatal> {
    let quota = quota_settings(&args.quota)?;
    let sp = if args.no_graph { None } else { Some(sp_expiry::settings(&args.sp)?) };
    let snap = match &args.report.from {
        Some(path) => Snapshot::load(path)?,
        None => {
            let reads = Reads { graph: (!args.no_graph).then_some(&args.apps), cluster_optional: false };
            snapshot::collect(g, auth::env_snapshot(), reads).await?
        }
    };
    // Say why sp-expiry did not run: the flag, or a snapshot taken without
    // Microsoft Graph data.
    let no_graph_data = args.report.from.as_ref().filter(|_| snap.graph.is_none()).map(|p| {
        format!(
            "snapshot {} has no Microsoft Graph data (take it with `azaudit snapshot --graph` to check credentials)",
            p.display()
        )
    });
    let sp = match (&sp, &no_graph_data) {
        (None, _) => Err("--no-graph was given"),
        (Some(_), Some(why)) => Err(why.as_str()),
        (Some(s), None) => Ok(s),
    };
    let report = Report::new(crate::report::Audit::Check, &snap, checks::check(&snap, sp, &quota), true, now()?);
    output::emit(report, &snap, &args.report, g.quiet)
}
