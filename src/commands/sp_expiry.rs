//! `azaudit sp-expiry`: find the applications the cluster depends on,
//! read their credentials from Microsoft Graph, and report the ones that
//! have expired or soon will. [`graph_part`] is shared with `snapshot
//! --graph` (and `check`).

use super::{Fatal, Outcome, context, now, output};
use crate::arm::StatsSummary;
use crate::auth;
use crate::checks::{self, sp_credentials::SpSettings};
use crate::cli::{GlobalArgs, SpApps, SpExpiryArgs, SpThresholds};
use crate::collect::azure::{self, CollectScope};
use crate::collect::graph;
use crate::models::ManagedCluster;
use crate::report::Report;
use crate::snapshot::{AppRequest, AzureInventory, GraphInventory, ProviderConfig, SignInFailure, Snapshot};
use azure_core::credentials::TokenCredential;
use std::collections::HashMap;
use tracing::info;

pub async fn run(g: &GlobalArgs, args: &SpExpiryArgs) -> Result<Outcome, Fatal> {
    let settings = settings(&args.thresholds)?;
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
        None => collect(g, &args.apps, auth::env_snapshot()).await?,
    };
    let report =
        Report::new(crate::report::Audit::SpExpiry, &snap, checks::sp_expiry(&snap, &settings), false, settings.now);
    output::emit(report, &snap, &args.report, g.quiet)
}

/// The thresholds and clock from the flags (shared with `check`).
pub fn settings(t: &SpThresholds) -> Result<SpSettings, Fatal> {
    if t.critical_days > t.warn_days {
        return Err(Fatal(format!(
            "--critical-days ({}) must not be more than --warn-days ({})",
            t.critical_days, t.warn_days
        )));
    }
    Ok(SpSettings { now: now()?, critical_days: t.critical_days, warn_days: t.warn_days })
}

fn add(requested: &mut Vec<AppRequest>, app_id: &str, source: String) {
    let app_id = app_id.trim();
    if app_id.is_empty() {
        return;
    }
    match requested.iter_mut().find(|r| r.app_id.eq_ignore_ascii_case(app_id)) {
        Some(r) if !r.sources.contains(&source) => r.sources.push(source),
        Some(_) => {}
        None => requested.push(AppRequest { app_id: app_id.to_string(), sources: vec![source] }),
    }
}

/// The applications to check and where each came from: azure.json's
/// `aadClientId` (unless it uses a managed identity), `--app-id`, and every
/// AKS cluster whose `servicePrincipalProfile.clientId` is not `msi`. The
/// second value lists the clusters that use a managed identity.
pub fn requested_apps(
    r: &context::Resolved,
    apps: &SpApps,
    clusters: &[ManagedCluster],
) -> (Vec<AppRequest>, Vec<String>) {
    let mut requested = Vec::new();
    let mut msi = Vec::new();
    if let Some(cfg) = &r.cloud_config
        && let Some(id) = cfg.aad_client_id.as_deref().filter(|id| !id.eq_ignore_ascii_case("msi"))
        && cfg.use_managed_identity_extension != Some(true)
    {
        add(&mut requested, id, format!("cloud-config {}", cfg.path.display()));
    }
    for id in &apps.app_ids {
        add(&mut requested, id, "--app-id".into());
    }
    for mc in clusters {
        match mc.properties.service_principal_profile.as_ref().and_then(|p| p.client_id.as_deref()) {
            Some(id) if !id.eq_ignore_ascii_case("msi") => add(&mut requested, id, format!("AKS cluster {}", mc.name)),
            _ => msi.push(mc.name.clone()),
        }
    }
    (requested, msi)
}

/// Sign in for `scope`. An expired client secret (AADSTS7000222) is a
/// finding, not a failure: `Ok(Err(..))` carries it.
pub async fn sign_in(r: &context::Resolved, scope: &str) -> Result<Result<(), SignInFailure>, Fatal> {
    match r.credential.credential.get_token(&[scope], None).await {
        Ok(_) => Ok(Ok(())),
        Err(e) => {
            let raw = e.to_string();
            match auth::expired_secret_app(&raw, r.credential.client_id.as_deref()) {
                Some(app_id) => Ok(Err(SignInFailure {
                    app_id: app_id.clone(),
                    message: auth::explain_token_error(&raw, Some(&app_id)),
                })),
                None => Err(context::sign_in_error(r, scope, &raw)),
            }
        }
    }
}

/// Read the requested applications' credentials from Graph through the
/// one rate-limited client, pointed at Graph with Graph's token scope.
pub async fn graph_part(
    r: &context::Resolved,
    g: &GlobalArgs,
    requested: Vec<AppRequest>,
    msi_clusters: Vec<String>,
    all: bool,
) -> Result<(GraphInventory, StatsSummary), Fatal> {
    let endpoint = r.graph_endpoint.as_str().trim_end_matches('/').to_string();
    let scope = format!("{}/.default", r.cloud.0.graph_endpoint());
    if requested.is_empty() && !all {
        let inv = GraphInventory { endpoint, msi_clusters, ..Default::default() };
        return Ok((inv, StatsSummary::default()));
    }
    match sign_in(r, &scope).await? {
        Err(failure) => {
            let inv = GraphInventory {
                endpoint,
                all,
                requested,
                msi_clusters,
                sign_in_failure: Some(failure),
                ..Default::default()
            };
            Ok((inv, StatsSummary::default()))
        }
        Ok(()) => {
            let client = context::client(g, r, r.graph_endpoint.clone(), scope)?;
            let mut inv = graph::collect(&client, requested, all).await;
            inv.msi_clusters = msi_clusters;
            info!(apps = inv.requested.len(), objects = inv.objects.len(), "Microsoft Graph read");
            Ok((inv, client.stats()))
        }
    }
}

/// What `sp-expiry` reads on its own: the AKS clusters in scope (when a
/// subscription is known) and the applications' credentials.
pub async fn collect(g: &GlobalArgs, apps: &SpApps, env: HashMap<String, String>) -> Result<Snapshot, Fatal> {
    let r = context::resolve_with_env(g, env).await?;
    let mut lists = Vec::new();
    let mut azure = AzureInventory::default();
    let mut stats = StatsSummary::default();
    let mut failure = None;
    if !r.subscriptions.0.is_empty() {
        let arm_scope = r.cloud.0.arm_scope();
        match sign_in(&r, &arm_scope).await? {
            Err(f) => failure = Some(f),
            Ok(()) => {
                let arm = context::client(g, &r, r.arm_endpoint.clone(), arm_scope)?;
                let scope = CollectScope {
                    subscriptions: r.subscriptions.0.clone(),
                    resource_groups: r.resource_groups.0.clone(),
                };
                let (mcs, recs) = azure::managed_clusters(&arm, &scope).await;
                azure.managed_clusters = mcs;
                lists = recs;
                stats = arm.stats();
            }
        }
    }
    let (requested, msi) = requested_apps(&r, apps, &azure.managed_clusters);
    let graph = match failure {
        Some(f) => GraphInventory {
            endpoint: r.graph_endpoint.as_str().trim_end_matches('/').to_string(),
            all: apps.all,
            requested,
            msi_clusters: msi,
            sign_in_failure: Some(f),
            ..Default::default()
        },
        None => {
            if requested.is_empty() && !apps.all && msi.is_empty() && lists.iter().all(|l| l.complete) {
                return Err(Fatal(
                    "nothing to check: no aadClientId in a cloud-config, no AKS cluster in scope, and no --app-id; give --app-id APP_ID, --subscription for the AKS clusters, or --all for every application in the tenant".into(),
                ));
            }
            let (inv, gstats) = graph_part(&r, g, requested, msi, apps.all).await?;
            stats.merge(&gstats);
            inv
        }
    };
    Ok(Snapshot {
        lists,
        azure,
        graph: Some(graph),
        cloud_config: r.cloud_config.as_ref().map(ProviderConfig::from),
        stats,
        ..Snapshot::new(r.scope())
    })
}
