//! `azaudit snapshot`: collect the in-scope inventory and write it as one
//! versioned JSON document.

use super::{Fatal, Outcome, context};
use crate::cli::{GlobalArgs, SnapshotArgs};
use crate::collect::azure::{self, CollectScope};
use crate::snapshot::{SCHEMA, Scope, Snapshot};
use tracing::info;

pub async fn run(g: &GlobalArgs, args: &SnapshotArgs) -> Result<Outcome, Fatal> {
    let ctx = context::build(g).await?;
    let scope =
        CollectScope { subscriptions: ctx.subscriptions().to_vec(), resource_groups: ctx.resource_groups().to_vec() };
    let (inventory, lists) = azure::collect(&ctx.arm, &scope).await;
    let stats = ctx.arm.stats();
    info!(
        requests = stats.requests,
        pages = stats.pages,
        retries = stats.retries,
        throttled = stats.throttled,
        bytes = stats.bytes,
        elapsed_ms = stats.elapsed_ms,
        "ARM statistics"
    );
    let snap = Snapshot {
        schema: SCHEMA.to_string(),
        generated_at: jiff::Timestamp::now(),
        azaudit_version: env!("CARGO_PKG_VERSION").to_string(),
        scope: Scope {
            subscriptions: ctx.subscriptions().to_vec(),
            resource_groups: ctx.resource_groups().to_vec(),
            arm_endpoint: ctx.arm.endpoint().as_str().trim_end_matches('/').to_string(),
        },
        lists,
        azure: inventory,
        stats,
    };
    snap.write(&args.output)?;
    let missing = snap.missing();
    if !g.quiet {
        eprintln!(
            "snapshot: {} resources from {} lists ({} incomplete), {} requests, written to {}",
            snap.azure.resource_count(),
            snap.lists.len(),
            missing.len(),
            snap.stats.requests,
            args.output.display()
        );
    }
    for m in &missing {
        eprintln!("incomplete: {m}");
    }
    Ok(if missing.is_empty() { Outcome::Clean } else { Outcome::Incomplete })
}
