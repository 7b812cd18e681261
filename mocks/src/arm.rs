//! ARM list endpoints at subscription and resource-group scope, with
//! absolute `nextLink` URLs carrying `$skiptoken`, and network usages.

use crate::app::{Answer, App};
pub use crate::index::classify;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

/// A parsed ARM list path.
#[derive(Debug, Clone)]
pub struct ArmPath {
    pub subscription: String,
    pub resource_group: Option<String>,
    /// `Microsoft.Network/publicIPAddresses`, or `Microsoft.Network/usages`.
    pub provider_type: String,
    /// For usages.
    pub location: Option<String>,
    /// For a child list (a storage account's shares): the parent path the
    /// listed resources' IDs start with.
    pub parent: Option<String>,
    /// The path as asked, for the list's own `nextLink`s.
    pub path: String,
}

pub fn parse_path(path: &str) -> Option<ArmPath> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    if segs.len() < 2 || !segs[0].eq_ignore_ascii_case("subscriptions") {
        return None;
    }
    let subscription = segs[1].to_string();
    let mut rest = &segs[2..];
    let mut resource_group = None;
    if rest.len() >= 2 && rest[0].eq_ignore_ascii_case("resourceGroups") {
        resource_group = Some(rest[1].to_string());
        rest = &rest[2..];
    }
    if rest.len() < 3 || !rest[0].eq_ignore_ascii_case("providers") {
        return None;
    }
    let ns = rest[1];
    match &rest[2..] {
        [t] => Some(ArmPath {
            subscription,
            resource_group,
            provider_type: format!("{ns}/{t}"),
            location: None,
            parent: None,
            path: path.to_string(),
        }),
        [l, loc, u]
            if l.eq_ignore_ascii_case("locations") && u.eq_ignore_ascii_case("usages") && resource_group.is_none() =>
        {
            Some(ArmPath {
                subscription,
                resource_group,
                provider_type: format!("{ns}/usages"),
                location: Some(loc.to_string()),
                parent: None,
                path: path.to_string(),
            })
        }
        // A child list: type/name pairs, then the listed type
        // (`storageAccounts/a/fileServices/default/shares`).
        child if child.len() >= 3 && child.len() % 2 == 1 => {
            let types: Vec<&str> = child.iter().step_by(2).copied().collect();
            let parent = path.trim_end_matches('/').rsplit_once('/').map(|(p, _)| p.to_string());
            Some(ArmPath {
                subscription,
                resource_group,
                provider_type: format!("{ns}/{}", types.join("/")),
                location: None,
                parent,
                path: path.to_string(),
            })
        }
        _ => None,
    }
}

/// A single resource's path (`/subscriptions/S/resourceGroups/RG/providers/NS/type/name`):
/// its subscription and resource group.
pub fn resource_path(path: &str) -> Option<(String, String)> {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        [s, sub, g, rg, p, _ns, _t, _name]
            if s.eq_ignore_ascii_case("subscriptions")
                && g.eq_ignore_ascii_case("resourceGroups")
                && p.eq_ignore_ascii_case("providers") =>
        {
            Some((sub.to_string(), rg.to_string()))
        }
        _ => None,
    }
}

/// `GET` of one resource: as listed, or 404 `ResourceNotFound` (as ARM
/// says it) when the scenario has no such resource.
pub fn get_one(app: &App, path: &str, query: &str) -> Answer {
    if !query.contains("api-version=") {
        return Answer::error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    }
    match app.index.get(path) {
        Some(r) => Answer::ok(r.clone()),
        None => {
            let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
            let (rg, ns, ty, name) = (segs[3], segs[5], segs[6], segs[7]);
            Answer::error(
                404,
                "ResourceNotFound",
                format!(
                    "The Resource '{ns}/{ty}/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
                ),
            )
        }
    }
}

/// The 0-based page a query asks for (from `$skiptoken`), given the page size.
pub fn page_of(query: &str) -> usize {
    offset_of(query).map(|o| o / 1_000_000).unwrap_or(0)
}

/// Tokens encode `page * 1_000_000 + offset` in hex so that both survive.
fn offset_of(query: &str) -> Option<usize> {
    let tok = url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "$skiptoken")?.1;
    usize::from_str_radix(tok.strip_prefix("mockskip")?, 16).ok()
}

fn token(page: usize, offset: usize) -> String {
    format!("mockskip{:x}", page * 1_000_000 + offset)
}

pub fn answer(app: &App, p: &ArmPath, query: &str, loop_link: bool) -> Answer {
    let idx = &app.index;
    let api_version =
        url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == "api-version").map(|(_, v)| v.to_string());
    let Some(api_version) = api_version else {
        return Answer::error(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        );
    };
    let sub = p.subscription.to_ascii_lowercase();
    if !idx.subscriptions.contains(&sub) {
        return Answer::error(
            404,
            "SubscriptionNotFound",
            format!("The subscription '{}' could not be found.", p.subscription),
        );
    }
    if let Some(rg) = &p.resource_group
        && !idx.groups.contains(&(sub.clone(), rg.to_ascii_lowercase()))
    {
        return Answer::error(404, "ResourceGroupNotFound", format!("Resource group '{rg}' could not be found."));
    }
    // Only the page is cloned: serving a page of a large list must cost
    // what the page costs, so that the emulated latency dominates.
    let owned: Vec<Value>;
    let all: Vec<&Value> = if let Some(loc) = &p.location {
        owned = if p.provider_type.to_ascii_lowercase().starts_with("microsoft.storage/") {
            storage_usages(app, &p.subscription, loc)
        } else {
            usages(app, &p.subscription, loc)
        };
        owned.iter().collect()
    } else {
        let mut items = idx.items(&sub, &p.provider_type, p.resource_group.as_deref());
        if let Some(parent) = &p.parent {
            let prefix = format!("{}/", parent.to_ascii_lowercase());
            items.retain(|r| r["id"].as_str().is_some_and(|id| id.to_ascii_lowercase().starts_with(&prefix)));
        }
        items
    };
    let size = app.scenario.page_size.unwrap_or(100).max(1);
    let page = page_of(query);
    let offset = offset_of(query).map(|o| o % 1_000_000).unwrap_or(0).min(all.len());
    let end = (offset + size).min(all.len());
    let mut value: Vec<Value> = all[offset..end].iter().map(|v| (*v).clone()).collect();
    if app.scenario.vary_shapes {
        for (i, v) in value.iter_mut().enumerate() {
            crate::vary::vary(v, app.scenario.seed ^ ((offset + i) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        }
    }
    let mut body = json!({ "value": value });
    let path = &p.path;
    let link = |tok: String| format!("{}{path}?api-version={api_version}&$skiptoken={tok}", app.base_url);
    if loop_link {
        body["nextLink"] = json!(link(token(page, offset)));
    } else if end < all.len() {
        body["nextLink"] = json!(link(token(page + 1, end)));
    }
    Answer::ok(body)
}

/// Default network limits; a scenario may override them per subscription.
const LIMITS: [(&str, &str, i64); 11] = [
    ("PublicIPAddresses", "Public IP Addresses", 1000),
    ("StaticPublicIPAddresses", "Static Public IP Addresses", 1000),
    ("StandardSkuPublicIpAddresses", "Public IP Addresses - Standard", 1000),
    ("LoadBalancers", "Load Balancers", 1000),
    ("StandardSkuLoadBalancers", "Standard Sku Load Balancers", 1000),
    ("NetworkInterfaces", "Network Interfaces", 65536),
    ("FrontendIPConfigurationPerLoadBalancer", "Frontend IP Configuration per Load Balancer", 200),
    ("InboundRulesPerLoadBalancer", "Inbound Rules per Load Balancer", 1500),
    ("OutboundRulesPerLoadBalancer", "Outbound Rules per Load Balancer", 600),
    ("SecurityRulesPerNetworkSecurityGroup", "Security Rules per Network Security Group", 1000),
    (
        "SecurityRuleAddressesOrPortsPerNetworkSecurityGroup",
        "Security rules addresses or ports per Network Security Group",
        4000,
    ),
];

/// Storage's usages for a location: the accounts against their limit (250
/// by default; `usage_limits.StorageAccounts` overrides). Storage's `Usage`
/// has no `id`.
fn storage_usages(app: &App, sub: &str, loc: &str) -> Vec<Value> {
    let limit = app
        .scenario
        .subscriptions
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(sub))
        .and_then(|s| s.usage_limits.get("StorageAccounts").copied())
        .unwrap_or(250);
    let current = app.index.count(sub, "microsoft.storage/storageaccounts", loc, |_| true);
    vec![json!({
        "unit": "Count", "currentValue": current, "limit": limit,
        "name": {"value": "StorageAccounts", "localizedValue": "Storage Accounts"}
    })]
}

fn usages(app: &App, sub: &str, loc: &str) -> Vec<Value> {
    let idx = &app.index;
    let overrides: BTreeMap<String, i64> = app
        .scenario
        .subscriptions
        .iter()
        .find(|s| s.id.eq_ignore_ascii_case(sub))
        .map(|s| s.usage_limits.clone())
        .unwrap_or_default();
    let sku = |r: &Value| r.pointer("/sku/name").and_then(Value::as_str).unwrap_or("").to_string();
    let pip = "microsoft.network/publicipaddresses";
    let current: HashMap<&str, i64> = HashMap::from([
        ("PublicIPAddresses", idx.count(sub, pip, loc, |_| true)),
        (
            "StaticPublicIPAddresses",
            idx.count(sub, pip, loc, |r| {
                r.pointer("/properties/publicIPAllocationMethod").and_then(Value::as_str) == Some("Static")
            }),
        ),
        ("StandardSkuPublicIpAddresses", idx.count(sub, pip, loc, |r| sku(r).eq_ignore_ascii_case("Standard"))),
        ("LoadBalancers", idx.count(sub, "microsoft.network/loadbalancers", loc, |_| true)),
        (
            "StandardSkuLoadBalancers",
            idx.count(sub, "microsoft.network/loadbalancers", loc, |r| sku(r).eq_ignore_ascii_case("Standard")),
        ),
        ("NetworkInterfaces", idx.count(sub, "microsoft.network/networkinterfaces", loc, |_| true)),
    ]);
    LIMITS
        .iter()
        .map(|(name, localized, limit)| {
            json!({
                "currentValue": current.get(name).copied().unwrap_or(0),
                "id": format!("/subscriptions/{sub}/providers/Microsoft.Network/locations/{loc}/usages/{name}"),
                "limit": overrides.get(*name).copied().unwrap_or(*limit),
                "name": {"localizedValue": localized, "value": name},
                "unit": "Count"
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_ids() {
        let p = parse_path("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/publicIPAddresses").unwrap();
        assert_eq!(p.resource_group.as_deref(), Some("RG"));
        assert_eq!(p.provider_type, "Microsoft.Network/publicIPAddresses");
        let u = parse_path("/subscriptions/S/providers/Microsoft.Network/locations/westeurope/usages").unwrap();
        assert_eq!(u.location.as_deref(), Some("westeurope"));
        assert!(parse_path("/subscriptions/S/providers/Microsoft.Network/publicIPAddresses/ip").is_none());
        let c = parse_path("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/a/fileServices/default/shares").unwrap();
        assert_eq!(c.provider_type, "Microsoft.Storage/storageAccounts/fileServices/shares");
        assert_eq!(
            c.parent.as_deref(),
            Some(
                "/subscriptions/S/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/a/fileServices/default"
            )
        );
        let (_, _, t) = classify("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/a/fileServices/default/shares/pvc-1").unwrap();
        assert_eq!(t, "microsoft.storage/storageaccounts/fileservices/shares");
        let (s, rg, t) = classify("/subscriptions/S/resourceGroups/RG/providers/Microsoft.Network/publicIPAddresses/ip/providers/Microsoft.Authorization/locks/l").unwrap();
        assert_eq!((s.as_str(), rg.as_deref(), t.as_str()), ("s", Some("rg"), "microsoft.authorization/locks"));
        assert_eq!(page_of(&format!("api-version=1&$skiptoken={}", token(3, 250))), 3);
        assert_eq!(offset_of(&format!("$skiptoken={}", token(3, 250))).map(|o| o % 1_000_000), Some(250));
    }
}
