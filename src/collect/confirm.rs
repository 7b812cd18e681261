//! Confirmation: Azure Resource Graph's index lags the resource providers
//! (usually by seconds, sometimes by much more), and Microsoft's guidance is
//! to confirm with the provider before acting on it. Every object that a
//! finding would name, and that came from Resource Graph, is read again
//! from ARM (the object itself, or a sub-resource's parent) before the
//! report is made. The checks then keep a finding only when ARM has the
//! object exactly as indexed; one that changed or is gone is dropped, with
//! a note, and a read that failed leaves the run incomplete.

use crate::arm::ArmClient;
use crate::resources::{Inventoried, InventoryVisitor, ListKind};
use crate::snapshot::{ConfirmOutcome, Confirmation, Snapshot};
use futures::future::join_all;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use tracing::info;

/// Read each Resource Graph object that `ids` (the findings' resource IDs)
/// name from ARM, once each.
pub async fn confirm(client: &ArmClient, snap: &Snapshot, ids: Vec<String>) -> Vec<Confirmation> {
    let graph = crate::snapshot::GraphLists::of(snap);
    let mut seen: HashSet<String> = HashSet::new();
    let mut by_kind: Vec<(ListKind, Vec<String>)> = Vec::new();
    for id in ids {
        let Some((kind, object)) = Snapshot::listed_object(&id) else { continue };
        if !graph.holds(&object) || !seen.insert(object.to_ascii_lowercase()) {
            continue;
        }
        match by_kind.iter_mut().find(|(k, _)| *k == kind) {
            Some((_, v)) => v.push(object),
            None => by_kind.push((kind, vec![object])),
        }
    }
    info!(objects = seen.len(), "confirming Resource Graph's objects with ARM");
    let per_kind =
        by_kind.iter().filter_map(|(kind, objects)| kind.visit_inventoried(Confirm { client, snap, objects }));
    join_all(per_kind).await.into_iter().flatten().collect()
}

/// Confirms the objects of one kind: the indexed copies are found through
/// one map, the ARM reads run at the client's pace.
struct Confirm<'a> {
    client: &'a ArmClient,
    snap: &'a Snapshot,
    objects: &'a [String],
}

impl<'a> InventoryVisitor for Confirm<'a> {
    type Out = futures::future::BoxFuture<'a, Vec<Confirmation>>;
    fn visit<T: Inventoried>(self) -> Self::Out {
        Box::pin(async move {
            let indexed: HashMap<String, &T> = T::items(&self.snap.azure).iter().map(|t| (t.id().key(), t)).collect();
            join_all(self.objects.iter().map(|object| {
                let indexed = indexed.get(&object.to_ascii_lowercase()).map(|t| canonical(*t));
                confirm_one::<T>(self.client, object, indexed)
            }))
            .await
        })
    }
}

async fn confirm_one<T: Inventoried>(client: &ArmClient, object: &str, indexed: Option<Value>) -> Confirmation {
    let id = crate::models::ResourceId::new(object);
    let sub = id.subscription().unwrap_or_default().to_string();
    let at = jiff::Timestamp::now();
    let read = match client.url(object, T::KIND.api_version()) {
        Ok(url) => client.get::<T>(&sub, &url).await,
        Err(e) => Err(e),
    };
    // Kept as the inventory keeps what it lists (derivable IDs dropped), so
    // that only a difference in what Azure says counts.
    let read = read.map(|t| {
        let mut inv = crate::snapshot::AzureInventory::default();
        T::items_mut(&mut inv).push(t);
        inv.compact();
        T::items_mut(&mut inv).pop()
    });
    let (outcome, error) = match read {
        Ok(Some(t)) if Some(canonical(&t)) == indexed => (ConfirmOutcome::Confirmed, None),
        Ok(_) => (ConfirmOutcome::Changed, None),
        Err(e) if e.status() == Some(404) => (ConfirmOutcome::Gone, None),
        Err(e) => (ConfirmOutcome::Failed, Some(e.to_string())),
    };
    Confirmation { id: object.to_string(), outcome, at, error }
}

/// An object as the checks see it, spelt the same from both sources:
/// Resource Graph lower-cases `type`, and either may case an ID
/// differently (ARM IDs compare without case).
fn canonical<T: Inventoried>(t: &T) -> Value {
    fn walk(v: &mut Value, key: Option<&str>) {
        match v {
            Value::String(s) if key == Some("type") || s.starts_with('/') => *s = s.to_ascii_lowercase(),
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, None)),
            Value::Object(o) => o.iter_mut().for_each(|(k, x)| walk(x, Some(k))),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(t).unwrap_or(Value::Null);
    walk(&mut v, None);
    forget_derivable_child_ids(&mut v);
    v
}

/// A sub-resource's ID is dropped when it is exactly
/// `{parent}/{collection}/{name}` (`AzureInventory::compact`), compared
/// with case: a source that spells the parent's resource group in another
/// case keeps the child's ID, and the other drops it. For the comparison
/// every derivable child ID goes, from both, by the same rule spelt in
/// lower case (the IDs already are).
fn forget_derivable_child_ids(v: &mut Value) {
    let Some(parent) = v.get("id").and_then(Value::as_str).map(str::to_string) else { return };
    let Some(props) = v.get_mut("properties").and_then(Value::as_object_mut) else { return };
    for (collection, children) in props.iter_mut() {
        let Some(children) = children.as_array_mut() else { continue };
        let collection = collection.to_ascii_lowercase();
        for child in children.iter_mut().filter_map(Value::as_object_mut) {
            let name = child.get("name").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
            let derivable = child
                .get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| crate::models::common::is_child_id(id, &parent, &collection, &name));
            if derivable {
                child.remove("id");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::PublicIp;

    #[test]
    fn the_same_object_from_either_source_compares_equal() {
        let arm: PublicIp = serde_json::from_value(serde_json::json!({
            "id": "/subscriptions/S/resourceGroups/MC_rg/providers/Microsoft.Network/publicIPAddresses/ip1",
            "name": "ip1", "type": "Microsoft.Network/publicIPAddresses", "location": "westeurope",
            "properties": {"ipAddress": "20.1.2.3", "ipConfiguration": {"id": "/subscriptions/S/resourceGroups/MC_RG/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/a1"}}
        }))
        .unwrap();
        let mut graph = arm.clone();
        graph.kind = "microsoft.network/publicipaddresses".into();
        graph.properties.ip_configuration.as_mut().unwrap().id = crate::models::ResourceId::new(
            "/subscriptions/s/resourcegroups/mc_rg/providers/microsoft.network/loadbalancers/kubernetes/frontendipconfigurations/a1",
        );
        assert_eq!(canonical(&arm), canonical(&graph));
        let mut detached = arm.clone();
        detached.properties.ip_configuration = None;
        assert_ne!(canonical(&arm), canonical(&detached), "a change the checks read is a change");
    }

    /// One source spells the node resource group in another case: its
    /// frontends keep their IDs (not exactly derivable), the other's were
    /// dropped. Still the same load balancer; a different frontend is not.
    #[test]
    fn a_child_id_spelt_in_another_case_is_no_change() {
        use crate::models::LoadBalancer;
        let lb = |rg: &str, frontend_id: Option<&str>, name: &str| -> LoadBalancer {
            let mut fe = serde_json::json!({"name": name, "properties": {"privateIPAddress": "10.0.0.4"}});
            if let Some(id) = frontend_id {
                fe["id"] = id.into();
            }
            let mut inv = crate::snapshot::AzureInventory::default();
            inv.load_balancers.push(
                serde_json::from_value(serde_json::json!({
                    "id": format!("/subscriptions/S/resourceGroups/{rg}/providers/Microsoft.Network/loadBalancers/kubernetes"),
                    "name": "kubernetes", "type": "Microsoft.Network/loadBalancers", "location": "westeurope",
                    "properties": {"frontendIPConfigurations": [fe]}
                }))
                .unwrap(),
            );
            inv.compact();
            inv.load_balancers.pop().unwrap()
        };
        let exact = "/subscriptions/S/resourceGroups/MC_rg/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/a1";
        let arm = lb("MC_rg", Some(exact), "a1");
        assert!(arm.properties.frontends[0].id.is_none(), "the exact ID is dropped");
        let lower = "/subscriptions/s/resourcegroups/mc_rg/providers/microsoft.network/loadbalancers/kubernetes/frontendipconfigurations/a1";
        let graph = lb("MC_rg", Some(lower), "a1");
        assert!(graph.properties.frontends[0].id.is_some(), "another spelling is kept");
        assert_eq!(canonical(&arm), canonical(&graph));
        assert_ne!(canonical(&arm), canonical(&lb("MC_rg", Some(exact), "b2")), "another frontend is a change");
        let elsewhere = "/subscriptions/s/resourcegroups/other/providers/microsoft.network/loadbalancers/kubernetes/frontendipconfigurations/a1";
        assert_ne!(
            canonical(&arm),
            canonical(&lb("MC_rg", Some(elsewhere), "a1")),
            "a child ID that is not derivable stays"
        );
    }
}
