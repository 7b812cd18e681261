//! Kubernetes API objects (k8s-openapi types) to the snapshot's plain
//! cluster model. The live collector and the file reader share it, so a
//! Service reads the same whichever way it arrived.

use crate::models::cluster::{Ingress, Node, NodeAddress, PersistentVolume, Service, ServicePort, Taint};
use k8s_openapi::api::core::v1 as core;
use std::collections::BTreeMap;

pub fn service(s: &core::Service) -> Service {
    let m = &s.metadata;
    let spec = s.spec.as_ref();
    Service {
        namespace: m.namespace.clone().unwrap_or_else(|| "default".into()),
        name: m.name.clone().unwrap_or_default(),
        uid: m.uid.clone().unwrap_or_default(),
        type_: spec.and_then(|s| s.type_.clone()).unwrap_or_else(|| "ClusterIP".into()),
        annotations: m.annotations.clone().unwrap_or_default(),
        load_balancer_ip: spec.and_then(|s| s.load_balancer_ip.clone()).filter(|ip| !ip.is_empty()),
        load_balancer_class: spec.and_then(|s| s.load_balancer_class.clone()),
        ports: spec
            .and_then(|s| s.ports.as_ref())
            .map(|ports| {
                ports
                    .iter()
                    .map(|p| ServicePort {
                        name: p.name.clone(),
                        protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                        port: p.port,
                        node_port: p.node_port,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        external_traffic_policy: spec.and_then(|s| s.external_traffic_policy.clone()),
        ip_families: spec.and_then(|s| s.ip_families.clone()).unwrap_or_default(),
        ingress: s
            .status
            .as_ref()
            .and_then(|st| st.load_balancer.as_ref())
            .and_then(|lb| lb.ingress.as_ref())
            .map(|ing| ing.iter().map(|i| Ingress { ip: i.ip.clone(), hostname: i.hostname.clone() }).collect())
            .unwrap_or_default(),
        deleting: m.deletion_timestamp.is_some(),
    }
}

fn quantities(
    q: Option<&BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>,
) -> BTreeMap<String, String> {
    q.map(|q| q.iter().map(|(k, v)| (k.clone(), v.0.clone())).collect()).unwrap_or_default()
}

pub fn node(n: &core::Node) -> Node {
    let spec = n.spec.as_ref();
    let status = n.status.as_ref();
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .map(|c| c.status == "True");
    Node {
        name: n.metadata.name.clone().unwrap_or_default(),
        labels: n.metadata.labels.clone().unwrap_or_default(),
        taints: spec
            .and_then(|s| s.taints.as_ref())
            .map(|t| {
                t.iter()
                    .map(|t| Taint { key: t.key.clone(), value: t.value.clone(), effect: t.effect.clone() })
                    .collect()
            })
            .unwrap_or_default(),
        provider_id: spec.and_then(|s| s.provider_id.clone()).filter(|p| !p.is_empty()),
        ready,
        unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
        capacity: quantities(status.and_then(|s| s.capacity.as_ref())),
        allocatable: quantities(status.and_then(|s| s.allocatable.as_ref())),
        addresses: status
            .and_then(|s| s.addresses.as_ref())
            .map(|a| a.iter().map(|a| NodeAddress { type_: a.type_.clone(), address: a.address.clone() }).collect())
            .unwrap_or_default(),
        pod_cidrs: spec
            .and_then(|s| s.pod_cidrs.clone().filter(|c| !c.is_empty()).or_else(|| s.pod_cidr.clone().map(|c| vec![c])))
            .unwrap_or_default(),
    }
}

pub fn persistent_volume(pv: &core::PersistentVolume) -> PersistentVolume {
    let spec = pv.spec.as_ref();
    let csi = spec.and_then(|s| s.csi.as_ref());
    PersistentVolume {
        name: pv.metadata.name.clone().unwrap_or_default(),
        phase: pv.status.as_ref().and_then(|s| s.phase.clone()),
        claim: spec.and_then(|s| s.claim_ref.as_ref()).and_then(|c| match (&c.namespace, &c.name) {
            (Some(ns), Some(n)) => Some(format!("{ns}/{n}")),
            (None, Some(n)) => Some(n.clone()),
            _ => None,
        }),
        storage_class: spec.and_then(|s| s.storage_class_name.clone()),
        reclaim_policy: spec.and_then(|s| s.persistent_volume_reclaim_policy.clone()),
        csi_driver: csi.map(|c| c.driver.clone()),
        volume_handle: csi.map(|c| c.volume_handle.clone()),
        azure_disk_uri: spec.and_then(|s| s.azure_disk.as_ref()).map(|d| d.disk_uri.clone()),
        // Only the attributes that name an Azure share or container: a PV's
        // attributes are otherwise StorageClass parameters nobody reads here.
        volume_attributes: csi
            .and_then(|c| c.volume_attributes.as_ref())
            .map(|a| {
                a.iter()
                    .filter(|(k, _)| PersistentVolume::STORAGE_ATTRIBUTES.iter().any(|w| w.eq_ignore_ascii_case(k)))
                    .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                    .collect()
            })
            .unwrap_or_default(),
        azure_file_share: spec.and_then(|s| s.azure_file.as_ref()).map(|f| f.share_name.clone()),
        azure_file_secret: spec.and_then(|s| s.azure_file.as_ref()).map(|f| f.secret_name.clone()),
    }
}
