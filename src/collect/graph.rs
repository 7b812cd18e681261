//! The Microsoft Graph collector: the applications (and, where the
//! application object is not visible, the service principals) whose
//! credentials `sp-expiry` checks. Every request goes through the one
//! rate-limited client (an `ArmClient` pointed at Graph with Graph's token
//! scope, keyed `graph`), which handles Graph's 429 + Retry-After.
//!
//! Instead of one request per app, IDs are asked for in groups of 15 with
//! `$filter=appId in (...)`, the most values Graph accepts in one `in`.

use crate::arm::{ArmClient, ArmError};
use crate::models::graph::GraphObject;
use crate::snapshot::{AppRequest, GraphFound, GraphInventory, GraphList};

/// The most values Graph takes in one `in (...)` filter.
pub const IN_FILTER_MAX: usize = 15;
/// The limiter key for Graph requests.
pub const KEY: &str = "graph";
const SELECT: &str = "id,appId,displayName,passwordCredentials,keyCredentials";

/// The permission Graph needs for this (application permission).
pub const PERMISSION: &str = "Application.Read.All";

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
