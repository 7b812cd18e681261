//! `azaudit sp-expiry`: find the applications the cluster depends on,
//! read their credentials from Microsoft Graph, and report the ones that
//! have expired or soon will.

use super::{Fatal, Outcome, output, settings};
use crate::auth;
use crate::checks;
use crate::cli::{GlobalArgs, SpExpiryArgs};
use crate::collect::{self, ReadPlan};
use crate::report::Report;
use crate::snapshot::Snapshot;

pub async fn run(g: &GlobalArgs, args: &SpExpiryArgs) -> Result<Outcome, Fatal> {
    let settings = settings::sp(&args.thresholds)?;
    let snap = match &args.report.from {
        Some(path) => {
            let s = Snapshot::load(path)?;
            if s.graph.is_none() {
                return Err(Fatal(format!(
                    "snapshot {} has no Microsoft Graph data; take it with `azaudit snapshot --graph`",
                    path.display()
                )));
            }
            s
        }
        None => collect::collect(g, auth::env_snapshot(), &ReadPlan::sp_expiry(&args.apps)).await?,
    };
    let mut report =
        Report::new(crate::report::Audit::SpExpiry, &snap, checks::sp_expiry(&snap, &settings), false, settings.now);
    report.thresholds.sp(&settings);
    output::emit(report, snap, &args.report, g.quiet)
}
