//! The Azure inventory collector: one list chain per resource type per
//! scope (subscription, or each resource group given), all running
//! concurrently through the one [`ArmClient`]; then one usages list per
//! subscription and location seen. No per-resource GETs.

use super::resource_graph;
use crate::arm::{ArmClient, ArmError};
use crate::models::{ResourceId, Usage};
use crate::resources::{Inventoried, InventoryVisitor};
use crate::snapshot::{AzureInventory, ListKind, ListRecord, ListSource, LocationUsages};
use futures::future::{BoxFuture, join_all};
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

/// Read the in-scope inventory of the given kinds (usages are read for
/// every location that holds a resource counted in them, when asked for).
pub async fn collect(
    client: &ArmClient,
    scope: &CollectScope,
    kinds: &[ListKind],
    source: ListSource,
) -> (AzureInventory, Vec<ListRecord>) {
    let targets = scope.targets();
    // One list chain per kind and target, all at once; each result then puts
    // its items into the kind's own field of the inventory. A kind that
    // others are listed under (storage accounts: their shares and
    // containers) is followed by those lists as soon as it is read, beside
    // the rest.
    let children: Vec<ListKind> = kinds.iter().copied().filter(|k| k.parent().is_some()).collect();
    let is_parent = |k: &ListKind| children.iter().any(|c| c.parent() == Some(*k));
    // Under Resource Graph, which subscriptions it cannot show (their lists
    // would be empty, not complete).
    let unreadable = match source {
        ListSource::ResourceGraph => resource_graph::unreadable(client, &scope.subscriptions).await,
        ListSource::Arm => Default::default(),
    };
    let unreadable = &unreadable;
    let lister = |k: &ListKind| k.visit_inventoried(Lister { client, targets: &targets, scope, source, unreadable });
    let others = join_all(kinds.iter().filter(|k| ListKind::SCOPED.contains(k) && !is_parent(k)).filter_map(lister));
    let parented = async {
        let mut part = AzureInventory::default();
        let mut records = Vec::new();
        for fill in
            join_all(kinds.iter().filter(|k| ListKind::SCOPED.contains(k) && is_parent(k)).filter_map(lister)).await
        {
            fill(&mut part, &mut records);
        }
        // One list per parent, nothing per item.
        let lists =
            children.iter().filter_map(|k| k.visit_inventoried(ChildLister { client, parents: part.parents(*k) }));
        for fill in join_all(lists).await {
            fill(&mut part, &mut records);
        }
        (part, records)
    };
    let (fills, (mut part, part_records)) = tokio::join!(others, parented);
    let mut records = Vec::new();
    let mut inv = AzureInventory::default();
    for fill in fills {
        fill(&mut inv, &mut records);
    }
    records.extend(part_records);
    for k in kinds.iter().filter(|k| is_parent(k) || k.parent().is_some()) {
        k.visit_inventoried(Move { from: &mut part, to: &mut inv });
    }
    inv.compact();
    // Usages are per subscription and location; ask only where there are
    // resources to measure against them (each kind declares which usages
    // it counts in).
    let mut locations: BTreeSet<(ListKind, String, String)> = BTreeSet::new();
    inv.each(|kind, r| {
        let Some(usages) = kind.counted_in().filter(|u| kinds.contains(u)) else { return };
        if let (Some(s), Some(l)) = (r.id().subscription(), r.location()) {
            let sub = scope
                .subscriptions
                .iter()
                .find(|x| x.eq_ignore_ascii_case(s))
                .cloned()
                .unwrap_or_else(|| s.to_string());
            locations.insert((usages, sub, normalize_location(l)));
        }
    });
    let usage_lists = join_all(locations.into_iter().map(|(kind, sub, loc)| async move {
        let path = format!("/subscriptions/{sub}/providers/{}", kind.provider_path().replace("{location}", &loc));
        let (rec, items) = list_one::<Usage>(client, kind, &sub, None, Some(&loc), &path).await;
        (kind, rec, LocationUsages { subscription: sub, location: loc, usages: items })
    }))
    .await;
    for (kind, rec, u) in usage_lists {
        records.push(rec);
        if let Some(list) = inv.location_usages_mut(kind) {
            list.push(u);
        }
    }
    (inv, records)
}

/// Puts one kind's lists into the inventory, in target order.
type Fill = Box<dyn FnOnce(&mut AzureInventory, &mut Vec<ListRecord>) + Send>;

/// Puts one kind's list results into its field, records in order.
fn fill_with<T: Inventoried>(results: Vec<(ListRecord, Vec<T>)>) -> Fill {
    Box::new(move |inv, records| {
        let items = T::items_mut(inv);
        for (rec, mut v) in results {
            records.push(rec);
            items.append(&mut v);
        }
    })
}

/// Lists one inventoried kind at every target: from Resource Graph when
/// that is the source and it holds the kind, else from ARM.
struct Lister<'a> {
    client: &'a ArmClient,
    targets: &'a [(String, Option<String>)],
    scope: &'a CollectScope,
    source: ListSource,
    unreadable: &'a std::collections::HashMap<String, String>,
}

impl<'a> InventoryVisitor for Lister<'a> {
    type Out = BoxFuture<'a, Fill>;
    fn visit<T: Inventoried>(self) -> Self::Out {
        Box::pin(async move {
            let from_graph = self.source == ListSource::ResourceGraph && resource_graph::indexed(T::KIND);
            let graph = match from_graph {
                true => {
                    let (subs, rgs) = (&self.scope.subscriptions, &self.scope.resource_groups);
                    resource_graph::read::<T>(self.client, T::KIND, subs, rgs, self.unreadable).await
                }
                false => resource_graph::Read::FromArm,
            };
            let results = match graph {
                resource_graph::Read::Lists(l) => l,
                resource_graph::Read::FromArm => list_kind::<T>(self.client, T::KIND, self.targets).await,
            };
            fill_with(results)
        })
    }
}

pub use crate::models::common::normalize_location;

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

/// Moves one kind's items between inventories.
struct Move<'a> {
    from: &'a mut AzureInventory,
    to: &'a mut AzureInventory,
}

impl InventoryVisitor for Move<'_> {
    type Out = ();
    fn visit<T: Inventoried>(self) {
        let mut items = std::mem::take(T::items_mut(self.from));
        T::items_mut(self.to).append(&mut items);
    }
}

/// Lists one per-parent kind under each parent.
struct ChildLister<'a> {
    client: &'a ArmClient,
    parents: Vec<ResourceId>,
}

impl<'a> InventoryVisitor for ChildLister<'a> {
    type Out = BoxFuture<'a, Fill>;
    fn visit<T: Inventoried>(self) -> Self::Out {
        Box::pin(async move {
            let client = self.client;
            let results = join_all(self.parents.iter().map(|parent| async move {
                let sub = parent.subscription().unwrap_or_default().to_string();
                let path = format!("{}/{}", parent.to_string().trim_end_matches('/'), T::KIND.provider_path());
                let (mut rec, items) = list_one::<T>(client, T::KIND, &sub, parent.resource_group(), None, &path).await;
                rec.parent = Some(parent.name().to_string());
                (rec, items)
            }))
            .await;
            fill_with(results)
        })
    }
}

async fn list_one<T: DeserializeOwned>(
    client: &ArmClient,
    kind: ListKind,
    sub: &str,
    rg: Option<&str>,
    location: Option<&str>,
    path: &str,
) -> (ListRecord, Vec<T>) {
    let read_at = jiff::Timestamp::now();
    let outcome = match client.url(path, kind.api_version()) {
        Ok(url) => client.list::<T>(sub, url).await,
        Err(e) => crate::arm::ListOutcome { items: Vec::new(), pages: 0, error: Some(e) },
    };
    let rec = ListRecord {
        kind,
        subscription: sub.to_string(),
        resource_group: rg.map(str::to_string),
        location: location.map(str::to_string),
        parent: None,
        complete: outcome.error.is_none(),
        pages: outcome.pages,
        items: outcome.items.len(),
        error_code: outcome.error.as_ref().and_then(ArmError::code).map(str::to_string),
        error: outcome.error.as_ref().map(ToString::to_string),
        source: ListSource::Arm,
        read_at: Some(read_at),
    };
    info!(list = %rec.describe(), pages = rec.pages, items = rec.items, complete = rec.complete, "list read");
    (rec, outcome.items)
}
