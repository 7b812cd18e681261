//! `azaudit snapshot`: collect the in-scope inventory and the cluster view
//! and write them as one versioned JSON document. [`collect`] is also how
//! every analysis command reads its input when not given `--from`.

use super::{Fatal, Outcome, context, sp_expiry};
use crate::auth;
use crate::cli::{GlobalArgs, SnapshotArgs, SpApps};
use crate::collect::azure::{self, CollectScope};
use crate::collect::cluster::{self, ClusterInput};
use crate::snapshot::{ProviderConfig, Snapshot};
use std::collections::HashMap;
use tracing::info;

pub async fn run(g: &GlobalArgs, args: &SnapshotArgs) -> Result<Outcome, Fatal> {
    let graph = (args.graph || args.apps.all || !args.apps.app_ids.is_empty()).then_some(&args.apps);
    let snap = collect(g, auth::env_snapshot(), Reads { graph, cluster_optional: false }).await?;
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
    Ok(if missing.is_empty() { Outcome::Clean } else { Outcome::Incomplete })
}

/// What a run reads besides the Azure inventory.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reads<'a> {
    /// Also the credentials of the applications the cluster depends on.
    pub graph: Option<&'a SpApps>,
    /// The verdicts do not need the cluster: when no cluster is configured
    /// at all (no kubeconfig, not in a pod), skip it instead of failing.
    pub cluster_optional: bool,
}

/// Read everything the checks need: sign in, read the cluster view, the
/// Azure inventory and (with `reads.graph`) Microsoft Graph. `env` is the
/// credential environment (the process's, or the embedded demo's).
///
/// When reading Graph and azaudit's own client secret has expired
/// (AADSTS7000222), the result is a snapshot that says so instead of an
/// error: that expiry is exactly what `sp-expiry` and `check` report.
pub async fn collect(g: &GlobalArgs, env: HashMap<String, String>, reads: Reads<'_>) -> Result<Snapshot, Fatal> {
    // Cluster files are read first: a malformed one stops the run before any
    // Azure request. A live cluster is read after Azure sign-in (so bad Azure
    // flags are reported first), at the same time as the Azure lists.
    let progress = super::progress::Progress::start(g, "signing in");
    let settings = context::cluster_settings(g);
    let early = match settings.input {
        ClusterInput::Live { .. } => None,
        _ => Some(cluster::collect(&settings).await?),
    };
    let resolved = context::resolve_with_env(g, env).await?;
    context::require_subscription(&resolved)?;
    match sp_expiry::sign_in(&resolved, &resolved.cloud.0.arm_scope()).await? {
        Ok(()) => {}
        Err(failure) if reads.graph.is_some() => return Ok(signed_out(&resolved, failure)),
        Err(failure) => {
            let c = &resolved.credential;
            return Err(Fatal(format!(
                "could not sign in to Azure with {} ({}): {}",
                c.kind, c.source, failure.message
            )));
        }
    }
    let ctx = context::Context::new(g, resolved)?;
    let r = &ctx.resolved;
    let scope =
        CollectScope { subscriptions: ctx.subscriptions().to_vec(), resource_groups: ctx.resource_groups().to_vec() };
    // The cluster and Azure are independent: read them at the same time.
    progress.set("reading the cluster and Azure");
    let ticker = progress.handle().map(|pb| {
        let arm = ctx.arm.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                let s = arm.stats();
                pb.set_message(format!("reading the cluster and Azure: {} requests, {} pages", s.requests, s.pages));
            }
        })
    });
    let deadline = context::run_deadline(g);
    let cluster_read = async {
        match early {
            Some(view) => Ok(view),
            // The run's deadline cuts a live read that is still going.
            None => match tokio::time::timeout_at(deadline, cluster::collect(&settings)).await {
                Ok(r) => r,
                Err(_) => Ok(cluster::cut_at_deadline(&settings)),
            },
        }
    };
    let (cluster_result, (inventory, lists)) = tokio::join!(cluster_read, azure::collect(&ctx.arm, &scope));
    if let Some(t) = ticker {
        t.abort();
    }
    let mut cluster = match cluster_result {
        Ok(view) => view,
        Err(e) if reads.cluster_optional && g.kubeconfig.is_none() && g.context.is_none() => {
            tracing::info!("no cluster configured; reading Azure only: {e}");
            crate::snapshot::ClusterView { name: settings.name.clone(), ..Default::default() }
        }
        Err(e) => return Err(Fatal(e)),
    };
    cluster.node_resource_group = cluster::node_resource_group(
        if r.resource_groups.1 == context::Source::Flag { &r.resource_groups.0 } else { &[] },
        r.cloud_config.as_ref().and_then(|c| c.resource_group.as_deref()),
        &cluster.nodes,
        r.instance.as_ref().map(|i| i.resource_group_name.as_str()),
    );
    progress.set("reading Microsoft Graph");
    let mut stats = ctx.arm.stats();
    let graph = match reads.graph {
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
        lists,
        azure: inventory,
        cluster,
        cloud_config: r.cloud_config.as_ref().map(ProviderConfig::from),
        graph,
        stats,
        ..Snapshot::new(r.scope())
    })
}

/// The snapshot of a run whose own credential's secret has expired: nothing
/// could be read, and the graph section says why.
fn signed_out(r: &context::Resolved, failure: crate::snapshot::SignInFailure) -> Snapshot {
    let graph = crate::snapshot::GraphInventory {
        endpoint: r.graph_endpoint.as_str().trim_end_matches('/').to_string(),
        sign_in_failure: Some(failure),
        ..Default::default()
    };
    Snapshot {
        graph: Some(graph),
        cloud_config: r.cloud_config.as_ref().map(ProviderConfig::from),
        ..Snapshot::new(r.scope())
    }
}
