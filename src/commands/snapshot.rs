//! `azaudit snapshot`: collect the in-scope inventory and the cluster view
//! and write them as one versioned JSON document. [`collect`] is also how
//! every analysis command reads its input when not given `--from`.

use super::{Fatal, Outcome, context, sp_expiry};
use crate::auth;
use crate::cli::{GlobalArgs, SnapshotArgs, SpApps};
use crate::collect::azure::{self, CollectScope};
use crate::collect::cluster::{self, ClusterInput};
use crate::snapshot::{ProviderConfig, SCHEMA, Scope, Snapshot};
use std::collections::HashMap;
use tracing::info;

pub async fn run(g: &GlobalArgs, args: &SnapshotArgs) -> Result<Outcome, Fatal> {
    let graph = (args.graph || args.apps.all || !args.apps.app_ids.is_empty()).then_some(&args.apps);
    let snap = collect(g, auth::env_snapshot(), graph).await?;
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
        eprintln!(
            "snapshot: {} resources from {} lists, {cluster}; {} incomplete, {} requests, written to {}",
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

/// Read everything the checks need: sign in, read the cluster view and the
/// Azure inventory. `env` is the credential environment (the process's, or
/// the embedded demo's).
/// With `graph`, also the credentials of the applications the cluster
/// depends on (azure.json, AKS clusters, the given ones).
pub async fn collect(g: &GlobalArgs, env: HashMap<String, String>, graph: Option<&SpApps>) -> Result<Snapshot, Fatal> {
    // Cluster files are read first: a malformed one stops the run before any
    // Azure request. A live cluster is read after Azure sign-in, so that bad
    // Azure flags are reported first; either way before any Azure list.
    let settings = context::cluster_settings(g);
    let early = match settings.input {
        ClusterInput::Live { .. } => None,
        _ => Some(cluster::collect(&settings).await?),
    };
    let ctx = context::build_with_env(g, env).await?;
    let mut cluster = match early {
        Some(view) => view,
        None => cluster::collect(&settings).await?,
    };
    let r = &ctx.resolved;
    cluster.node_resource_group = cluster::node_resource_group(
        if r.resource_groups.1 == context::Source::Flag { &r.resource_groups.0 } else { &[] },
        r.cloud_config.as_ref().and_then(|c| c.resource_group.as_deref()),
        &cluster.nodes,
        r.instance.as_ref().map(|i| i.resource_group_name.as_str()),
    );
    let scope =
        CollectScope { subscriptions: ctx.subscriptions().to_vec(), resource_groups: ctx.resource_groups().to_vec() };
    let (inventory, lists) = azure::collect(&ctx.arm, &scope).await;
    let mut stats = ctx.arm.stats();
    let graph = match graph {
        None => None,
        Some(apps) => {
            let (requested, msi) = sp_expiry::requested_apps(r, apps, &inventory.managed_clusters);
            let (inv, gstats) = sp_expiry::graph_part(r, g, requested, msi, apps.all).await?;
            stats.merge(&gstats);
            Some(inv)
        }
    };
    info!(
        requests = stats.requests,
        pages = stats.pages,
        retries = stats.retries,
        throttled = stats.throttled,
        bytes = stats.bytes,
        elapsed_ms = stats.elapsed_ms,
        "ARM statistics"
    );
    Ok(Snapshot {
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
        cluster,
        cloud_config: r.cloud_config.as_ref().map(ProviderConfig::from),
        graph,
        stats,
    })
}
