//! Azure Resource Graph as the inventory's source: one query per resource
//! type for up to 300 subscriptions at a time
//! (`POST /providers/Microsoft.ResourceGraph/resources`, api-version
//! 2024-04-01), paged by `$skipToken` through the one ARM client, under its
//! own limiter key beside the subscriptions' (ARG's quota is per user:
//! 15 queries per 5 s window, read from `x-ms-user-quota-*`).
//!
//! The index lags the resource providers (usually seconds, sometimes
//! more), so nothing is concluded from it alone: every list records that it
//! came from Resource Graph, and findings on its objects are confirmed by
//! an ARM read first (`collect::confirm`).
//!
//! Types Resource Graph's `resources` table does not hold (Microsoft
//! Learn, "Azure Resource Graph table and resource type reference":
//! management locks, file shares, blob containers and usages) are always
//! read from ARM, and a type Resource Graph answers 422 for is read from ARM
//! instead.

use crate::arm::{ArmClient, ListOutcome};
use crate::resources::ListKind;
use crate::snapshot::{ListRecord, ListSource};
use serde::de::DeserializeOwned;
use serde_json::json;
use std::collections::{HashMap, HashSet};
use tracing::info;

pub const API: &str = "2024-04-01";
pub const PATH: &str = "/providers/Microsoft.ResourceGraph/resources";
/// Subscriptions in one query's scope (Resource Graph's limit).
pub const BATCH: usize = 300;
/// Rows a page (`$top`'s most).
pub const PAGE: usize = 1000;
/// The limiter key of every query: the quota is the caller's, not a
/// subscription's.
pub const LIMITER_KEY: &str = "resource-graph";
/// `--source auto` uses Resource Graph above this many subscriptions: below
/// it, ARM's per-subscription lists cost about as many requests as the
/// queries, and need no confirmation.
pub const AUTO_ABOVE: usize = 10;

/// The columns every query projects: what the models read, and `id`
/// (which paging needs). `properties` is projected whole: its fields
/// differ per type, and they are what the checks read.
pub const COLUMNS: &str = "id, name, type, location, tags, sku, zones, managedBy, properties";

/// Whether `kind` is read from Resource Graph's `resources` table.
pub fn indexed(kind: ListKind) -> bool {
    ListKind::SCOPED.contains(&kind) && kind != ListKind::Locks && kind.parent().is_none()
}

/// The query for one type, narrowed to resource groups when given (names
/// are validated ARM names: no quotes).
pub fn query(kind: ListKind, resource_groups: &[String]) -> String {
    let mut q = format!("resources | where type =~ '{}'", kind.provider_path().to_ascii_lowercase());
    if !resource_groups.is_empty() {
        let rgs: Vec<String> = resource_groups.iter().map(|g| format!("'{}'", g.to_ascii_lowercase())).collect();
        q.push_str(&format!(" | where resourceGroup in~ ({})", rgs.join(", ")));
    }
    // A stable order: `$skipToken` pages by offset.
    q.push_str(&format!(" | project {COLUMNS} | order by id asc"));
    q
}

/// Subscriptions in `subscriptions` that Resource Graph does not show the
/// caller, each with why (lower-cased IDs). Resource Graph answers a
/// subscription the caller cannot read with no rows and no error, so a
/// list of it would look complete and empty: it is asked first which
/// subscriptions it can see (`resourcecontainers`).
pub async fn unreadable(client: &ArmClient, subscriptions: &[String]) -> HashMap<String, String> {
    #[derive(serde::Deserialize)]
    struct Row {
        #[serde(default, rename = "subscriptionId")]
        subscription_id: String,
    }
    let mut out = HashMap::new();
    let url = match client.url(PATH, API) {
        Ok(u) => u,
        Err(e) => {
            for s in subscriptions {
                out.insert(s.to_ascii_lowercase(), e.to_string());
            }
            return out;
        }
    };
    for batch in subscriptions.chunks(BATCH) {
        let request = json!({
            "subscriptions": batch,
            "query": "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project id, subscriptionId | order by id asc",
        });
        let seen = client.query::<Row>(LIMITER_KEY, &url, request, PAGE).await;
        let visible: HashSet<String> = seen.items.iter().map(|r| r.subscription_id.to_ascii_lowercase()).collect();
        for s in batch {
            let why = match &seen.error {
                Some(e) => Some(format!("Resource Graph could not say which subscriptions it can read: {e}")),
                None if !visible.contains(&s.to_ascii_lowercase()) => Some(format!(
                    "Resource Graph does not show subscription {s} to this identity (no Reader role there, or no such subscription): its lists would be empty, not complete"
                )),
                None => None,
            };
            if let Some(why) = why {
                out.insert(s.to_ascii_lowercase(), why);
            }
        }
    }
    out
}

/// What reading one type over some subscriptions produced.
pub enum Read<T> {
    /// One record per subscription (and resource group), with its items.
    Lists(Vec<(ListRecord, Vec<T>)>),
    /// Resource Graph does not serve this type (422): read it from ARM.
    FromArm,
}

/// Read one type for `subscriptions`, in batches of [`BATCH`].
pub async fn read<T: DeserializeOwned + crate::resources::Located>(
    client: &ArmClient,
    kind: ListKind,
    subscriptions: &[String],
    resource_groups: &[String],
    unreadable: &HashMap<String, String>,
) -> Read<T> {
    let mut out = Vec::new();
    let url = match client.url(PATH, API) {
        Ok(u) => u,
        Err(e) => {
            let failed = ListOutcome { items: Vec::new(), pages: 0, error: Some(e) };
            return Read::Lists(records(
                kind,
                subscriptions,
                resource_groups,
                failed,
                jiff::Timestamp::now(),
                unreadable,
            ));
        }
    };
    for batch in subscriptions.chunks(BATCH) {
        let read_at = jiff::Timestamp::now();
        let request = json!({ "subscriptions": batch, "query": query(kind, resource_groups) });
        let outcome = client.query::<T>(LIMITER_KEY, &url, request, PAGE).await;
        if outcome.error.as_ref().and_then(|e| e.status()) == Some(422) {
            info!(kind = kind.name(), "Resource Graph does not serve this type (422); reading it from ARM");
            return Read::FromArm;
        }
        info!(
            kind = kind.name(),
            subscriptions = batch.len(),
            pages = outcome.pages,
            items = outcome.items.len(),
            complete = outcome.error.is_none(),
            "Resource Graph query read"
        );
        out.extend(records(kind, batch, resource_groups, outcome, read_at, unreadable));
    }
    Read::Lists(out)
}

/// One record per subscription (and resource group) of a batch, each with
/// its own items: coverage is judged per scope, as for ARM lists. A batch
/// that ended in error leaves every scope in it incomplete.
fn records<T: crate::resources::Located>(
    kind: ListKind,
    batch: &[String],
    resource_groups: &[String],
    outcome: ListOutcome<T>,
    read_at: jiff::Timestamp,
    unreadable: &HashMap<String, String>,
) -> Vec<(ListRecord, Vec<T>)> {
    let scopes: Vec<(&String, Option<&String>)> = batch
        .iter()
        .flat_map(|s| {
            let rgs: Vec<Option<&String>> =
                if resource_groups.is_empty() { vec![None] } else { resource_groups.iter().map(Some).collect() };
            rgs.into_iter().map(move |g| (s, g))
        })
        .collect();
    let mut buckets: Vec<Vec<T>> = scopes.iter().map(|_| Vec::new()).collect();
    for item in outcome.items {
        let id = item.id();
        let at = scopes.iter().position(|(s, g)| {
            id.subscription().is_some_and(|x| x.eq_ignore_ascii_case(s))
                && g.is_none_or(|g| id.resource_group().is_some_and(|r| r.eq_ignore_ascii_case(g)))
        });
        // An item outside the scope asked for is not ours to judge.
        if let Some(i) = at {
            buckets[i].push(item);
        }
    }
    scopes
        .into_iter()
        .zip(buckets)
        .map(|((s, g), items)| {
            let hidden = unreadable.get(&s.to_ascii_lowercase());
            let rec = ListRecord {
                kind,
                subscription: s.clone(),
                resource_group: g.cloned(),
                location: None,
                parent: None,
                complete: outcome.error.is_none() && hidden.is_none(),
                pages: outcome.pages,
                items: items.len(),
                error_code: outcome.error.as_ref().and_then(|e| e.code()).map(str::to_string),
                error: outcome.error.as_ref().map(ToString::to_string).or_else(|| hidden.cloned()),
                source: ListSource::ResourceGraph,
                read_at: Some(read_at),
            };
            (rec, items)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_name_the_type_and_project_what_the_models_read() {
        assert_eq!(
            query(ListKind::PublicIps, &[]),
            "resources | where type =~ 'microsoft.network/publicipaddresses' | project id, name, type, location, tags, sku, zones, managedBy, properties | order by id asc"
        );
        let q = query(ListKind::Disks, &["MC_rg".into(), "rg2".into()]);
        assert!(q.contains("| where resourceGroup in~ ('mc_rg', 'rg2') |"), "{q}");
    }

    #[test]
    fn locks_shares_containers_and_usages_come_from_arm() {
        for k in
            [ListKind::Locks, ListKind::FileShares, ListKind::BlobContainers, ListKind::Usages, ListKind::StorageUsages]
        {
            assert!(!indexed(k), "{k:?}");
        }
        for k in [ListKind::PublicIps, ListKind::LoadBalancers, ListKind::Disks, ListKind::StorageAccounts] {
            assert!(indexed(k), "{k:?}");
        }
    }
}
