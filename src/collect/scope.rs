//! Subscription discovery: the subscriptions to audit when they are not
//! given. `--all-subscriptions` lists `GET /subscriptions` (Microsoft.Resources
//! 2022-12-01); `--management-group` lists each group's descendants (at any
//! depth) with Microsoft.Management's `descendants` operation. Both go
//! through the one ARM client, paced under their own limiter keys.

use crate::arm::ArmClient;
use crate::collect::settings::Discover;
use crate::models::subscription::{Descendant, Subscription};
use crate::snapshot::ScopeDiscovery;
use tracing::info;

/// The api-version of `GET /subscriptions`.
pub const SUBSCRIPTIONS_API: &str = "2022-12-01";
/// The api-version of the management groups' `descendants` operation.
pub const MANAGEMENT_GROUPS_API: &str = "2023-04-01";

/// The subscriptions found (in the order found, without repeats) and a
/// record of each discovery.
pub async fn discover(client: &ArmClient, how: &Discover) -> (Vec<String>, Vec<ScopeDiscovery>) {
    let mut subscriptions: Vec<String> = Vec::new();
    let mut records = Vec::new();
    let add = |found: &mut Vec<String>, id: &str| {
        if !found.iter().any(|s| s.eq_ignore_ascii_case(id)) {
            found.push(id.to_string());
        }
    };
    match how {
        Discover::All => {
            let (rec, subs) = all(client).await;
            for s in subs.iter().filter(|s| s.is_active()) {
                add(&mut subscriptions, &s.subscription_id);
            }
            records.push(rec);
        }
        Discover::Groups(groups) => {
            for g in groups {
                let (rec, ids) = group(client, g).await;
                for id in &ids {
                    add(&mut subscriptions, id);
                }
                records.push(rec);
            }
        }
    }
    (subscriptions, records)
}

async fn all(client: &ArmClient) -> (ScopeDiscovery, Vec<Subscription>) {
    let out = match client.url("/subscriptions", SUBSCRIPTIONS_API) {
        Ok(url) => client.list::<Subscription>("tenant:subscriptions", url).await,
        Err(e) => crate::arm::ListOutcome { items: Vec::new(), pages: 0, error: Some(e) },
    };
    let items: Vec<Subscription> =
        out.items.into_iter().filter(|s| crate::cli::parse_subscription(&s.subscription_id).is_ok()).collect();
    let skipped = items
        .iter()
        .filter(|s| !s.is_active())
        .map(|s| format!("{}: {}", s.describe(), s.state.as_deref().unwrap_or("")))
        .collect();
    let rec = ScopeDiscovery {
        from: "all subscriptions".into(),
        complete: out.error.is_none(),
        pages: out.pages,
        found: items.len(),
        skipped,
        error: out.error.map(|e| e.to_string()),
    };
    info!(found = rec.found, complete = rec.complete, "subscriptions discovered");
    (rec, items)
}

async fn group(client: &ArmClient, name: &str) -> (ScopeDiscovery, Vec<String>) {
    let path = format!("/providers/Microsoft.Management/managementGroups/{name}/descendants");
    let out = match client.url(&path, MANAGEMENT_GROUPS_API) {
        Ok(url) => client.list::<Descendant>("tenant:managementGroups", url).await,
        Err(e) => crate::arm::ListOutcome { items: Vec::new(), pages: 0, error: Some(e) },
    };
    let ids: Vec<String> = out
        .items
        .iter()
        .filter_map(Descendant::subscription_id)
        .filter(|s| crate::cli::parse_subscription(s).is_ok())
        .map(str::to_string)
        .collect();
    let rec = ScopeDiscovery {
        from: format!("management group {name}"),
        complete: out.error.is_none(),
        pages: out.pages,
        found: ids.len(),
        skipped: Vec::new(),
        error: out.error.map(|e| e.to_string()),
    };
    info!(group = name, found = rec.found, complete = rec.complete, "subscriptions discovered");
    (rec, ids)
}
