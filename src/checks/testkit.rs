//! Small snapshots for the checks' unit tests: one subscription, node
//! resource group `MC_rg`, every list complete, a live cluster named
//! `kubernetes`.

use crate::models::cluster::{Ingress, Node, PersistentVolume, Service};
use crate::models::{Disk, LoadBalancer, Lock, ManagedCluster, Nsg, PublicIp, ResourceId, SubResource};
use crate::snapshot::*;
use serde_json::{Value, json};

pub const SUB: &str = "00000000-1111-2222-3333-444444444444";
pub const RG: &str = "MC_rg";
pub const UID1: &str = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";
pub const UID2: &str = "1b1c2d3e-4f50-6172-8394-a5b6c7d8e9f1";
pub const FRONTEND: &str = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/MC_rg/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/a0b1c2d3e4f5061728394a5b6c7d8e9f";

pub fn rg_id() -> String {
    format!("/subscriptions/{SUB}/resourceGroups/{RG}")
}

pub fn snap() -> Snapshot {
    let lists = ListKind::SCOPED
        .iter()
        .chain(ListKind::PER_PARENT)
        .map(|k| ListRecord {
            kind: *k,
            subscription: SUB.into(),
            resource_group: None,
            location: None,
            parent: None,
            complete: true,
            pages: 1,
            items: 0,
            error_code: None,
            error: None,
            source: crate::snapshot::ListSource::Arm,
            read_at: None,
        })
        .collect();
    let cluster = ClusterView {
        name: "kubernetes".into(),
        label: None,
        subscription: None,
        source: ClusterSource::Files { paths: vec!["test".into()] },
        node_resource_group: Some(Sourced { value: RG.into(), source: "flag".into() }),
        cluster_cidrs: Vec::new(),
        server_version: None,
        lists: ClusterKind::LISTS
            .iter()
            .map(|k| ClusterList { kind: *k, complete: true, pages: 1, items: 0, error: None })
            .collect(),
        services: Vec::new(),
        nodes: Vec::new(),
        persistent_volumes: Vec::new(),
        volume_snapshot_contents: Vec::new(),
    };
    Snapshot {
        schema: SCHEMA.into(),
        generated_at: jiff::Timestamp::UNIX_EPOCH,
        azaudit_version: "test".into(),
        scope: Scope { subscriptions: vec![SUB.into()], ..Default::default() },
        lists,
        azure: AzureInventory::default(),
        cluster,
        cloud_config: None,
        graph: None,
        stats: Default::default(),
        confirmations: Vec::new(),
        fleet: Vec::new(),
    }
}

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).expect("test resource parses")
}

pub fn id(provider_type: &str, name: &str) -> String {
    format!("{}/providers/{provider_type}/{name}", rg_id())
}

pub fn sub_res(id: &str) -> SubResource {
    SubResource { id: ResourceId::new(id) }
}

pub fn pip(name: &str, tags: &[(&str, &str)], ip: &str, ip_configuration: Option<&str>) -> PublicIp {
    let tags: serde_json::Map<String, Value> = tags.iter().map(|(k, v)| (k.to_string(), json!(v))).collect();
    let mut props = json!({"provisioningState": "Succeeded", "publicIPAllocationMethod": "Static", "ipAddress": ip});
    if let Some(c) = ip_configuration {
        props["ipConfiguration"] = json!({"id": c});
    }
    from(json!({
        "id": id("Microsoft.Network/publicIPAddresses", name), "name": name, "location": "westeurope",
        "sku": {"name": "Standard"}, "tags": tags, "properties": props
    }))
}

pub fn lb_svc(ns: &str, name: &str, uid: &str, ingress: Option<&str>) -> Service {
    Service {
        namespace: ns.into(),
        name: name.into(),
        uid: uid.into(),
        type_: "LoadBalancer".into(),
        ingress: ingress.map(|ip| vec![Ingress { ip: Some(ip.into()), hostname: None }]).unwrap_or_default(),
        ..Default::default()
    }
}

pub fn aks(name: &str, node_rg: &str) -> ManagedCluster {
    from(json!({
        "id": format!("/subscriptions/{SUB}/resourceGroups/rg-{name}/providers/Microsoft.ContainerService/managedClusters/{name}"),
        "name": name, "properties": {"nodeResourceGroup": node_rg, "servicePrincipalProfile": {"clientId": "msi"}}
    }))
}

pub fn lock(scope: &str) -> Lock {
    from(json!({
        "id": format!("{scope}/providers/Microsoft.Authorization/locks/keep"), "name": "keep",
        "properties": {"level": "CanNotDelete", "notes": "kept on purpose"}
    }))
}

/// A load balancer from its `properties` JSON.
pub fn lb(name: &str, properties: Value) -> LoadBalancer {
    from(json!({
        "id": id("Microsoft.Network/loadBalancers", name), "name": name, "location": "westeurope",
        "sku": {"name": "Standard"}, "properties": properties
    }))
}

/// The ID of a load balancer's child.
pub fn lb_child(lb: &str, collection: &str, name: &str) -> String {
    format!("{}/{collection}/{name}", id("Microsoft.Network/loadBalancers", lb))
}

pub fn nsg(name: &str, rules: Value) -> Nsg {
    from(json!({
        "id": id("Microsoft.Network/networkSecurityGroups", name), "name": name, "location": "westeurope",
        "properties": {"securityRules": rules}
    }))
}

pub fn nsg_rule(nsg: &str, name: &str, priority: i64, destinations: &[&str]) -> Value {
    json!({
        "name": name,
        "id": format!("{}/securityRules/{name}", id("Microsoft.Network/networkSecurityGroups", nsg)),
        "properties": {
            "protocol": "Tcp", "access": "Allow", "direction": "Inbound", "priority": priority,
            "sourceAddressPrefix": "Internet", "sourcePortRange": "*", "destinationPortRange": "80",
            "destinationAddressPrefixes": destinations
        }
    })
}

pub fn disk(name: &str, pv: Option<&str>, state: &str) -> Disk {
    let mut tags = json!({});
    if let Some(pv) = pv {
        tags = json!({
            "kubernetes.io-created-for-pv-name": pv, "kubernetes.io-created-for-pvc-name": "data-db-0",
            "kubernetes.io-created-for-pvc-namespace": "shop", "k8s-azure-created-by": "kubernetes-azure-dd"
        });
    }
    from(json!({
        "id": id("Microsoft.Compute/disks", name), "name": name, "location": "westeurope",
        "sku": {"name": "Premium_LRS", "tier": "Premium"}, "tags": tags,
        "properties": {"diskSizeGB": 100, "diskState": state, "provisioningState": "Succeeded"}
    }))
}

pub fn node(name: &str, provider_id: Option<&str>, ready: bool, labels: &[(&str, &str)]) -> Node {
    Node {
        name: name.into(),
        provider_id: provider_id.map(str::to_string),
        ready: Some(ready),
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..Default::default()
    }
}

pub fn vmss_provider_id(rg: &str, i: usize) -> String {
    format!(
        "azure:///subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-np-vmss/virtualMachines/{i}"
    )
}

pub fn disk_pv(name: &str, disk_id: &str) -> PersistentVolume {
    PersistentVolume {
        name: name.into(),
        csi_driver: Some(PersistentVolume::AZURE_DISK_DRIVER.into()),
        volume_handle: Some(disk_id.into()),
        ..Default::default()
    }
}
