//! `azaudit snapshot`: collect the in-scope inventory and the cluster view
//! and write them as one versioned JSON document.

use super::{Fatal, Outcome};
use crate::auth;
use crate::cli::{GlobalArgs, SnapshotArgs};
use crate::collect::{self, ClusterRead, ReadPlan};

pub async fn run(g: &GlobalArgs, args: &SnapshotArgs) -> Result<Outcome, Fatal> {
    let graph = (args.graph || args.apps.all || !args.apps.app_ids.is_empty()).then_some(&args.apps);
    // What the default audits would report is confirmed, so that `--from`
    // this snapshot reports from confirmed data only.
    let plan = ReadPlan {
        candidates: Some(super::candidates(crate::findings::Audit::Check, Some(Default::default()))),
        ..ReadPlan::inventory(ClusterRead::Required, graph)
    };
    let snap = collect::collect(g, auth::env_snapshot(), &plan).await?;
    snap.write(&args.output)?;
    let missing = snap.missing();
    if !g.quiet {
        let c = &snap.cluster;
        let cluster = if c.skipped() {
            "cluster not read (--no-cluster)".to_string()
        } else {
            format!(
                "{} services, {} nodes, {} persistent volumes from {}",
                c.services.len(),
                c.nodes.len(),
                c.persistent_volumes.len(),
                c.describe_source()
            )
        };
        crate::warn_line!(
            "snapshot: {} resources from {} lists, {cluster}; {} incomplete, {} requests, written to {}",
            snap.azure.resource_count(),
            snap.lists.len(),
            missing.len(),
            snap.stats.requests,
            args.output.display()
        );
    }
    for m in &missing {
        crate::warn_line!("incomplete: {m}");
    }
    crate::memory::discard(snap);
    Ok(if missing.is_empty() { Outcome::Clean } else { Outcome::Incomplete })
}
