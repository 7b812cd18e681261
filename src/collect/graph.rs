//! The Microsoft Graph collector: the applications (and, where the
//! application object is not visible, the service principals) whose
//! credentials `sp-expiry` checks. Every request goes through the one
//! rate-limited client (an `ArmClient` pointed at Graph with Graph's token
//! scope, keyed `graph`), which handles Graph's 429 + Retry-After.
//!
//! Instead of one request per app, IDs are asked for in groups of 15 with
//! `$filter=appId in (...)`, the most values Graph accepts in one `in`.

use super::settings::{self, Resolved};
use crate::arm::{ArmClient, ArmError, StatsSummary};
use crate::auth::{self, SignInError};
use crate::cli::{GlobalArgs, SpApps};
use crate::error::Fatal;
use crate::models::ManagedCluster;
use crate::models::graph::GraphObject;
use crate::snapshot::{AppRequest, GraphFound, GraphInventory, GraphList, SignInFailure};
use tracing::info;

/// The most values Graph takes in one `in (...)` filter.
pub const IN_FILTER_MAX: usize = 15;
/// The limiter key for Graph requests.
pub const KEY: &str = "graph";
const SELECT: &str = "id,appId,displayName,passwordCredentials,keyCredentials";

/// The permission Graph needs for this (application permission).
pub const PERMISSION: &str = "Application.Read.All";

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
pub fn requested_apps(r: &Resolved, apps: &SpApps, clusters: &[ManagedCluster]) -> (Vec<AppRequest>, Vec<String>) {
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

/// What Graph says when azaudit's own secret has expired: no objects, the
/// failure, and what would have been asked.
pub fn signed_out(
    r: &Resolved,
    all: bool,
    requested: Vec<AppRequest>,
    msi: Vec<String>,
    f: SignInFailure,
) -> GraphInventory {
    GraphInventory {
        endpoint: r.graph_endpoint.as_str().trim_end_matches('/').to_string(),
        all,
        requested,
        msi_clusters: msi,
        sign_in_failure: Some(f),
        ..Default::default()
    }
}

/// Sign in to Graph and read the requested applications' credentials
/// through the one rate-limited client, pointed at Graph with Graph's
/// token scope.
pub async fn read(
    r: &Resolved,
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
    match auth::sign_in(&r.credential, &scope).await {
        Err(SignInError::ExpiredSecret { app_id, message }) => {
            let f = SignInFailure { app_id, message };
            Ok((signed_out(r, all, requested, msi_clusters, f), StatsSummary::default()))
        }
        Err(SignInError::Failed(m)) => Err(Fatal(m)),
        Ok(_) => {
            let client = settings::client(g, r, r.graph_endpoint.clone(), scope)?;
            let mut inv = collect(&client, requested, all).await;
            inv.msi_clusters = msi_clusters;
            info!(apps = inv.requested.len(), objects = inv.objects.len(), "Microsoft Graph read");
            Ok((inv, client.stats()))
        }
    }
}

pub async fn collect(client: &ArmClient, requested: Vec<AppRequest>, all: bool) -> GraphInventory {
    let mut inv = GraphInventory {
        endpoint: client.endpoint().as_str().trim_end_matches('/').to_string(),
        all,
        requested,
        ..Default::default()
    };
    if all {
        let q = format!("$select={SELECT}&$top=999");
        let (objs, rec) = list(client, "applications", &q, "every application in the tenant".into()).await;
        inv.lists.push(rec);
        inv.objects.extend(objs.into_iter().map(|o| GraphFound { object_type: "application".into(), object: o }));
    }
    let wanted: Vec<String> = inv
        .requested
        .iter()
        .map(|r| r.app_id.clone())
        .filter(|id| !inv.objects.iter().any(|o| o.object.app_id.eq_ignore_ascii_case(id)))
        .collect();
    for (collection, object_type) in [("applications", "application"), ("servicePrincipals", "servicePrincipal")] {
        let missing: Vec<&String> =
            wanted.iter().filter(|id| !inv.objects.iter().any(|o| o.object.app_id.eq_ignore_ascii_case(id))).collect();
        for chunk in missing.chunks(IN_FILTER_MAX) {
            let ids: Vec<String> = chunk.iter().map(|id| format!("'{}'", id.replace('\'', "''"))).collect();
            let filter =
                if ids.len() == 1 { format!("appId eq {}", ids[0]) } else { format!("appId in ({})", ids.join(",")) };
            let q = format!("$filter={}&$select={SELECT}", urlencode(&filter));
            let what = format!(
                "{collection} with appId {}",
                if ids.len() == 1 { ids[0].clone() } else { format!("in ({} IDs)", ids.len()) }
            );
            let (objs, rec) = list(client, collection, &q, what).await;
            inv.lists.push(rec);
            inv.objects.extend(objs.into_iter().map(|o| GraphFound { object_type: object_type.into(), object: o }));
        }
    }
    inv
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn list(client: &ArmClient, collection: &str, query: &str, what: String) -> (Vec<GraphObject>, GraphList) {
    let url = match crate::endpoint::join(client.endpoint(), &format!("/v1.0/{collection}?{query}")) {
        Ok(u) => u,
        Err(e) => {
            return (Vec::new(), GraphList { what, complete: false, error: Some(e), ..Default::default() });
        }
    };
    let out = client.list::<GraphObject>(KEY, url).await;
    let items = out.items.len();
    let (error_code, error) = match &out.error {
        None => (None, None),
        Some(e) => (e.code().map(str::to_string), Some(describe(e))),
    };
    (out.items, GraphList { what, complete: out.error.is_none(), pages: out.pages, items, error_code, error })
}

/// One line; a 403 names the permission needed.
pub fn describe(e: &ArmError) -> String {
    let base = e.to_string();
    if e.status() == Some(403) || e.code() == Some("Authorization_RequestDenied") {
        format!(
            "{base} — azaudit's identity needs the Microsoft Graph application permission {PERMISSION} (admin consent) to read application credentials"
        )
    } else {
        base
    }
}
