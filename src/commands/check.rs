//! `azaudit quotas` and `azaudit check`: read (or load) a snapshot, run the
//! quota checks, or every check, and report.

use super::{Fatal, Outcome, now, output, settings};
use crate::auth;
use crate::checks;
use crate::cli::{CheckArgs, GlobalArgs, QuotasArgs};
use crate::collect::{self, ClusterRead, ReadPlan};
use crate::report::Report;
use crate::snapshot::Snapshot;

pub async fn quotas(g: &GlobalArgs, args: &QuotasArgs) -> Result<Outcome, Fatal> {
    let settings = settings::quota(&args.thresholds)?;
    let snap = match &args.report.from {
        Some(path) => Snapshot::load(path)?,
        None => {
            let plan = ReadPlan {
                candidates: Some(super::candidates(crate::findings::Audit::Quotas, Some(settings))),
                ..ReadPlan::inventory(ClusterRead::Optional, None)
            };
            collect::collect(g, auth::env_snapshot(), &plan).await?
        }
    };
    let mut report = Report::new(crate::report::Audit::Quotas, &snap, checks::quotas(&snap, &settings), false, now()?);
    report.thresholds.quota(&settings);
    output::emit(report, snap, &args.report, g.quiet)
}

pub async fn check(g: &GlobalArgs, args: &CheckArgs) -> Result<Outcome, Fatal> {
    let quota = settings::quota(&args.quota)?;
    let sp = if args.no_graph { None } else { Some(settings::sp(&args.sp)?) };
    let snap = match &args.report.from {
        Some(path) => Snapshot::load(path)?,
        None => {
            let plan = ReadPlan {
                candidates: Some(super::candidates(crate::findings::Audit::Check, Some(quota))),
                ..ReadPlan::inventory(ClusterRead::Required, (!args.no_graph).then_some(&args.apps))
            };
            collect::collect(g, auth::env_snapshot(), &plan).await?
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
    let mut report = Report::new(crate::report::Audit::Check, &snap, checks::check(&snap, sp, &quota), true, now()?);
    report.thresholds.quota(&quota);
    if let Ok(sp) = sp {
        report.thresholds.sp(sp);
    }
    output::emit(report, snap, &args.report, g.quiet)
}
