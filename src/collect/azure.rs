//! The Azure inventory collector: one list chain per resource type per
//! scope (subscription, or each resource group given), all running
//! concurrently through the one [`ArmClient`]; then one usages list per
//! subscription and location seen. No per-resource GETs.

use crate::arm::{ArmClient, ArmError};
use crate::models::{Disk, LoadBalancer, Lock, ManagedCluster, NatGateway, Nic, Nsg, PublicIp, Usage};
use crate::snapshot::{AzureInventory, ListKind, ListRecord, LocationUsages};
use futures::future::join_all;
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use tracing::info;

/// Where to list: subscriptions, optionally narrowed to resource groups.
#[derive(Clone, Debug)]
pub struct CollectScope {
    pub subscriptions: Vec<String>,
    pub resource_groups: Vec<String>,
}

impl CollectScope {
    /// `(subscription, resource group)` pairs to list at; `None` means the
    /// whole subscription.
    fn targets(&self) -> Vec<(String, Option<String>)> {
        let mut out = Vec::new();
        for s in &self.subscriptions {
            if self.resource_groups.is_empty() {
                out.push((s.clone(), None));
            } else {
                for rg in &self.resource_groups {
                    out.push((s.clone(), Some(rg.clone())));
                }
            }
        }
        out
    }
}

/// Read the whole in-scope inventory.
pub async fn collect(client: &ArmClient, scope: &CollectScope) -> (AzureInventory, Vec<ListRecord>) {
    let targets = scope.targets();
    let (pips, lbs, nsgs, nics, nats, disks, mcs, locks) = tokio::join!(
        list_kind::<PublicIp>(client, ListKind::PublicIps, &targets),
        list_kind::<LoadBalancer>(client, ListKind::LoadBalancers, &targets),
        list_kind::<Nsg>(client, ListKind::Nsgs, &targets),
        list_kind::<Nic>(client, ListKind::Nics, &targets),
        list_kind::<NatGateway>(client, ListKind::NatGateways, &targets),
        list_kind::<Disk>(client, ListKind::Disks, &targets),
        list_kind::<ManagedCluster>(client, ListKind::ManagedClusters, &targets),
        list_kind::<Lock>(client, ListKind::Locks, &targets),
    );
    let mut records = Vec::new();
    let mut inv = AzureInventory {
        public_ips: take(pips, &mut records),
        load_balancers: take(lbs, &mut records),
        network_security_groups: take(nsgs, &mut records),
        network_interfaces: take(nics, &mut records),
        nat_gateways: take(nats, &mut records),
        disks: take(disks, &mut records),
        managed_clusters: take(mcs, &mut records),
        locks: take(locks, &mut records),
        usages: Vec::new(),
    };

    // Usages are per subscription and location; ask only where there are
    // network resources to measure against them.
    let mut locations: BTreeSet<(String, String)> = BTreeSet::new();
    let mut note = |id: &crate::models::ResourceId, loc: &Option<String>| {
        if let (Some(s), Some(l)) = (id.subscription(), loc) {
            let sub = scope
                .subscriptions
                .iter()
                .find(|x| x.eq_ignore_ascii_case(s))
                .cloned()
                .unwrap_or_else(|| s.to_string());
            locations.insert((sub, normalize_location(l)));
        }
    };
    inv.public_ips.iter().for_each(|r| note(&r.id, &r.location));
    inv.load_balancers.iter().for_each(|r| note(&r.id, &r.location));
    inv.network_security_groups.iter().for_each(|r| note(&r.id, &r.location));
    inv.nat_gateways.iter().for_each(|r| note(&r.id, &r.location));
    let usage_lists = join_all(locations.into_iter().map(|(sub, loc)| async move {
        let path = format!("/subscriptions/{sub}/providers/Microsoft.Network/locations/{loc}/usages");
        let (rec, items) = list_one::<Usage>(client, ListKind::Usages, &sub, None, Some(&loc), &path).await;
        (rec, LocationUsages { subscription: sub, location: loc, usages: items })
    }))
    .await;
    for (rec, u) in usage_lists {
        records.push(rec);
        inv.usages.push(u);
    }
    (inv, records)
}

pub use crate::models::common::normalize_location;

fn take<T>(results: Vec<(ListRecord, Vec<T>)>, records: &mut Vec<ListRecord>) -> Vec<T> {
    let mut items = Vec::new();
    for (rec, mut v) in results {
        records.push(rec);
        items.append(&mut v);
    }
    items
}

async fn list_kind<T: DeserializeOwned>(
    client: &ArmClient,
    kind: ListKind,
    targets: &[(String, Option<String>)],
) -> Vec<(ListRecord, Vec<T>)> {
    join_all(targets.iter().map(|(sub, rg)| async move {
        let path = match rg {
            Some(rg) => format!("/subscriptions/{sub}/resourceGroups/{rg}/providers/{}", kind.provider_path()),
            None => format!("/subscriptions/{sub}/providers/{}", kind.provider_path()),
        };
        list_one::<T>(client, kind, sub, rg.as_deref(), None, &path).await
    }))
    .await
}

async fn list_one<T: DeserializeOwned>(
    client: &ArmClient,
    kind: ListKind,
    sub: &str,
    rg: Option<&str>,
    location: Option<&str>,
    path: &str,
) -> (ListRecord, Vec<T>) {
    let outcome = match client.url(path, kind.api_version()) {
        Ok(url) => client.list::<T>(sub, url).await,
        Err(e) => crate::arm::ListOutcome { items: Vec::new(), pages: 0, error: Some(e) },
    };
    let rec = ListRecord {
        kind,
        subscription: sub.to_string(),
        resource_group: rg.map(str::to_string),
        location: location.map(str::to_string),
        complete: outcome.error.is_none(),
        pages: outcome.pages,
        items: outcome.items.len(),
        error_code: outcome.error.as_ref().and_then(ArmError::code).map(str::to_string),
        error: outcome.error.as_ref().map(ToString::to_string),
    };
    info!(list = %rec.describe(), pages = rec.pages, items = rec.items, complete = rec.complete, "list read");
    (rec, outcome.items)
}

/// Only the AKS managed clusters in scope (for `sp-expiry`, which needs
/// nothing else from ARM).
pub async fn managed_clusters(client: &ArmClient, scope: &CollectScope) -> (Vec<ManagedCluster>, Vec<ListRecord>) {
    let targets = scope.targets();
    let mut records = Vec::new();
    let items = take(list_kind::<ManagedCluster>(client, ListKind::ManagedClusters, &targets).await, &mut records);
    (items, records)
}
