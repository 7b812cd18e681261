//! `azaudit orphans`: read (or load) a snapshot, run the orphan checks,
//! render the report, and turn it into an exit code.

use super::{Fatal, Outcome, now, output};
use crate::auth;
use crate::checks;
use crate::cli::{GlobalArgs, ReportArgs};
use crate::collect::{self, ClusterRead, ReadPlan};
use crate::report::Report;
use crate::snapshot::Snapshot;

pub async fn run(g: &GlobalArgs, args: &ReportArgs) -> Result<Outcome, Fatal> {
    let snap = match &args.from {
        Some(path) => Snapshot::load(path)?,
        None => {
            let plan = ReadPlan {
                candidates: Some(super::candidates(crate::findings::Audit::Orphans, None)),
                ..ReadPlan::inventory(ClusterRead::Required, None)
            };
            collect::collect(g, auth::env_snapshot(), &plan).await?
        }
    };
    let report = Report::new(crate::report::Audit::Orphans, &snap, checks::orphans(&snap), true, now()?);
    output::emit(report, snap, args, g.quiet)
}
