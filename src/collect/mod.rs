//! COLLECTORS: the only code that does I/O against Azure (ARM and Microsoft
//! Graph), instance metadata and the Kubernetes cluster. Each fills part of
//! a plain [`Snapshot`]; [`collect`] is the one pipeline that runs them for
//! an audit's [`ReadPlan`].

pub mod azure;
pub mod cluster;
pub mod confirm;
pub mod graph;
pub mod imds;
pub mod resource_graph;
pub mod scope;
pub mod settings;

use crate::auth::{self, SignInError};
use crate::cli::{GlobalArgs, SpApps};
use crate::error::Fatal;
use crate::resources::ListKind;
use crate::snapshot::{ClusterView, ListSource, ProviderConfig, SignInFailure, Snapshot};
use azure::CollectScope;
use cluster::ClusterInput;
use std::collections::HashMap;
use tracing::info;

/// What an audit reads.
#[derive(Clone, Debug)]
pub struct ReadPlan {
    /// The Azure lists, in this order (usages per location that holds a
    /// resource counted in them, when [`ListKind::Usages`] is included).
    pub azure: Vec<ListKind>,
    pub cluster: ClusterRead,
    /// Microsoft Graph: the credentials of these applications, plus those
    /// the cloud-config and the AKS clusters in scope name.
    pub graph: Option<GraphRead>,
    /// Read ARM only when a subscription is known (`sp-expiry`, whose
    /// applications may come from `--app-id` alone); otherwise a run with no
    /// subscription cannot start.
    pub subscription_optional: bool,
    /// The resource IDs the run's findings would name: those read from
    /// Azure Resource Graph are confirmed by ARM before the snapshot is
    /// done. Set by the command, which knows its checks and their settings.
    pub candidates: Option<Candidates>,
}

/// The resource IDs a snapshot's findings would name.
pub type FindCandidates = dyn Fn(&Snapshot) -> Vec<String> + Send + Sync;

/// What a report would name, given a snapshot (the command's checks).
#[derive(Clone)]
pub struct Candidates(pub std::sync::Arc<FindCandidates>);

impl std::fmt::Debug for Candidates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Candidates")
    }
}

impl Candidates {
    pub fn new(f: impl Fn(&Snapshot) -> Vec<String> + Send + Sync + 'static) -> Candidates {
        Candidates(std::sync::Arc::new(f))
    }
}

/// Whether and how the cluster is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterRead {
    /// Read it; a cluster that cannot be read stops the run.
    Required,
    /// The verdicts do not need it: when no cluster is configured at all
    /// (no kubeconfig, not in a pod), go on without it.
    Optional,
    /// Not read at all.
    Not,
}

#[derive(Clone, Debug)]
pub struct GraphRead {
    pub apps: SpApps,
    /// No application to check at all is an error (for `sp-expiry`, where
    /// that is the whole run), not an empty section.
    pub require_apps: bool,
}

impl ReadPlan {
    /// Everything the inventory audits read: every Azure list, the cluster,
    /// and Graph when asked.
    pub fn inventory(cluster: ClusterRead, graph: Option<&SpApps>) -> ReadPlan {
        ReadPlan {
            azure: ListKind::ALL.to_vec(),
            cluster,
            graph: graph.map(|a| GraphRead { apps: a.clone(), require_apps: false }),
            subscription_optional: false,
            candidates: None,
        }
    }

    /// What `sp-expiry` reads: the AKS clusters in scope (when a
    /// subscription is known) and the applications' credentials.
    pub fn sp_expiry(apps: &SpApps) -> ReadPlan {
        ReadPlan {
            azure: vec![ListKind::ManagedClusters],
            cluster: ClusterRead::Not,
            graph: Some(GraphRead { apps: apps.clone(), require_apps: true }),
            subscription_optional: true,
            candidates: None,
        }
    }
}

/// Read what `plan` asks for: sign in once, then read the cluster, the
/// Azure lists and Microsoft Graph concurrently where they are independent.
/// `env` is the credential environment (the process's, or the embedded
/// demo's).
///
/// When reading Graph and azaudit's own client secret has expired
/// (AADSTS7000222), the result is a snapshot that says so instead of an
/// error: that expiry is exactly what `sp-expiry` and `check` report.
pub async fn collect(g: &GlobalArgs, env: HashMap<String, String>, plan: &ReadPlan) -> Result<Snapshot, Fatal> {
    // Cluster files are read first: a malformed one stops the run before any
    // Azure request. A live cluster is read after Azure sign-in (so bad Azure
    // flags are reported first), at the same time as the Azure lists.
    let progress = crate::progress::Progress::start(g, "signing in");
    let cluster_settings = (plan.cluster != ClusterRead::Not).then(|| settings::cluster_settings(g));
    let early = match &cluster_settings {
        Some(s) if !matches!(s.input, ClusterInput::Live { .. }) => Some(cluster::collect(s).await?),
        _ => None,
    };
    let r = settings::resolve_with_env(g, env).await?;
    if !plan.subscription_optional {
        settings::require_subscription(&r)?;
    }
    let read_arm = (!r.subscriptions.0.is_empty() || r.discover.is_some()) && !plan.azure.is_empty();
    let arm_scope = r.cloud.0.arm_scope();
    if read_arm {
        match auth::sign_in(&r.credential, &arm_scope).await {
            Ok(_) => {}
            Err(SignInError::ExpiredSecret { app_id, message }) if plan.graph.is_some() => {
                return Ok(signed_out(&r, plan, SignInFailure { app_id, message }));
            }
            Err(SignInError::ExpiredSecret { message, .. }) => {
                let c = &r.credential;
                return Err(Fatal(format!("could not sign in to Azure with {} ({}): {message}", c.kind, c.source)));
            }
            Err(SignInError::Failed(m)) => return Err(Fatal(m)),
        }
    }
    let arm = match read_arm {
        true => Some(std::sync::Arc::new(settings::client(g, &r, r.arm_endpoint.clone(), arm_scope)?)),
        false => None,
    };
    // Subscriptions not given are found now, before anything is listed.
    let (subscriptions, discovery) = match (&r.discover, &arm) {
        (Some(how), Some(arm)) => {
            progress.set("finding the subscriptions");
            scope::discover(arm, how).await
        }
        _ => (r.subscriptions.0.clone(), Vec::new()),
    };
    let scope = CollectScope { subscriptions, resource_groups: r.resource_groups.0.clone() };
    let source = match g.source {
        crate::cli::SourceArg::Arm => ListSource::Arm,
        crate::cli::SourceArg::ResourceGraph => ListSource::ResourceGraph,
        crate::cli::SourceArg::Auto if scope.subscriptions.len() > resource_graph::AUTO_ABOVE => {
            ListSource::ResourceGraph
        }
        crate::cli::SourceArg::Auto => ListSource::Arm,
    };

    // The cluster and Azure are independent: read them at the same time.
    progress.set(if cluster_settings.is_some() { "reading the cluster and Azure" } else { "reading Azure" });
    let ticker = progress.handle().zip(arm.as_ref()).map(|(pb, arm)| {
        let arm = arm.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                let s = arm.stats();
                pb.set_message(format!("reading the cluster and Azure: {} requests, {} pages", s.requests, s.pages));
            }
        })
    });
    let deadline = settings::run_deadline(g);
    let cluster_read = async {
        match (&cluster_settings, early) {
            (None, _) => None,
            (Some(_), Some(view)) => Some(Ok(view)),
            // The run's deadline cuts a live read that is still going.
            (Some(s), None) => Some(match tokio::time::timeout_at(deadline, cluster::collect(s)).await {
                Ok(r) => r,
                Err(_) => Ok(cluster::cut_at_deadline(s)),
            }),
        }
    };
    let azure_read = async {
        match &arm {
            Some(arm) => azure::collect(arm, &scope, &plan.azure, source).await,
            None => Default::default(),
        }
    };
    // A fleet's other views, read beside the first. One that cannot be read
    // at all is a view with nothing in it: its verdicts are withheld, the
    // others still judged.
    let fleet_settings = match &cluster_settings {
        Some(_) => settings::fleet_settings(g),
        None => Vec::new(),
    };
    let fleet_read = futures::future::join_all(fleet_settings.iter().skip(1).map(|(label, s)| async move {
        let view = match tokio::time::timeout_at(deadline, cluster::collect(s)).await {
            Ok(Ok(v)) => v,
            Ok(Err(e)) => cluster::unread(s, "(not reached)", &e),
            Err(_) => cluster::cut_at_deadline(s),
        };
        ClusterView { label: Some(label.clone()), ..view }
    }));
    let (cluster_result, (inventory, lists), mut fleet) = tokio::join!(cluster_read, azure_read, fleet_read);
    for view in &mut fleet {
        view.node_resource_group = cluster::node_resource_group(&[], None, &view.nodes, None);
    }
    if let Some(t) = ticker {
        t.abort();
    }
    let mut cluster = match (cluster_result, &cluster_settings) {
        (None, _) | (_, None) => ClusterView::default(),
        (Some(Ok(view)), Some(_)) => view,
        (Some(Err(e)), Some(s))
            if plan.cluster == ClusterRead::Optional && g.kubeconfig.is_none() && g.contexts.is_empty() =>
        {
            info!("no cluster configured; reading Azure only: {e}");
            ClusterView { name: s.name.clone(), ..Default::default() }
        }
        (Some(Err(e)), Some(_)) => return Err(Fatal(e)),
    };
    if cluster_settings.is_some() {
        // In a fleet, each view's node resource group is its nodes' own: a
        // flag, the cloud-config or this VM's group names one cluster's at most.
        cluster.node_resource_group = match fleet_settings.is_empty() {
            true => cluster::node_resource_group(
                if r.resource_groups.1 == settings::Source::Flag { &r.resource_groups.0 } else { &[] },
                r.cloud_config.as_ref().and_then(|c| c.resource_group.as_deref()),
                &cluster.nodes,
                r.instance.as_ref().map(|i| i.resource_group_name.as_str()),
            ),
            false => cluster::node_resource_group(&[], None, &cluster.nodes, None),
        };
        cluster.cluster_cidrs.clone_from(&g.cluster_cidrs);
        cluster.label = fleet_settings.first().map(|(label, _)| label.clone());
    }

    let mut snap = Snapshot {
        lists,
        azure: inventory,
        cluster,
        fleet,
        cloud_config: r.cloud_config.as_ref().map(ProviderConfig::from),
        ..Snapshot::new(r.scope())
    };
    snap.scope.subscriptions.clone_from(&scope.subscriptions);
    // What came from Resource Graph's index is confirmed by ARM before any
    // verdict: the objects the findings would name are read again.
    if let (Some(arm), Some(c)) = (&arm, &plan.candidates)
        && snap.lists.iter().any(|l| l.source == ListSource::ResourceGraph)
    {
        progress.set("confirming with ARM");
        let ids = (c.0)(&snap);
        snap.confirmations = confirm::confirm(arm, &snap, ids).await;
    }

    progress.set("reading Microsoft Graph");
    let mut stats = arm.as_ref().map(|a| a.stats()).unwrap_or_default();
    stats.confirmations = snap.confirmations.len() as u64;
    let graph = match &plan.graph {
        None => None,
        Some(gr) => {
            let (requested, msi) = graph::requested_apps(&r, &gr.apps, &snap.azure.managed_clusters);
            if gr.require_apps
                && requested.is_empty()
                && !gr.apps.all
                && msi.is_empty()
                && snap.lists.iter().all(|l| l.complete)
            {
                return Err(Fatal(
                    "nothing to check: no aadClientId in a cloud-config, no AKS cluster in scope, and no --app-id; give --app-id APP_ID, --subscription for the AKS clusters, or --all for every application in the tenant".into(),
                ));
            }
            let (inv, gstats) = graph::read(&r, g, requested, msi, gr.apps.all).await?;
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
    snap.scope.subscriptions = scope.subscriptions;
    snap.scope.discovery = discovery;
    snap.graph = graph;
    snap.stats = stats;
    Ok(snap)
}

/// The snapshot of a run whose own credential's secret has expired: nothing
/// could be read, and the graph section says why.
fn signed_out(r: &settings::Resolved, plan: &ReadPlan, failure: SignInFailure) -> Snapshot {
    let (all, requested, msi) = match &plan.graph {
        Some(gr) => {
            let (requested, msi) = graph::requested_apps(r, &gr.apps, &[]);
            (gr.apps.all, requested, msi)
        }
        None => (false, Vec::new(), Vec::new()),
    };
    Snapshot {
        graph: Some(graph::signed_out(r, all, requested, msi, failure)),
        cloud_config: r.cloud_config.as_ref().map(ProviderConfig::from),
        ..Snapshot::new(r.scope())
    }
}
