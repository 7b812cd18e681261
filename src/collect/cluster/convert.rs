//! Kubernetes objects (as read by [`wire`](super::wire)) to the snapshot's
//! plain cluster model. The live collector and the file reader share it,
//! so a Service reads the same whichever way it arrived. Objects are taken
//! by value: their strings move, nothing is copied.

use super::wire::Object;
use crate::models::cluster::{
    Ingress, Node, NodeAddress, PersistentVolume, Service, ServicePort, Taint, VolumeSnapshotContent,
};

pub fn service(o: Object) -> Service {
    let (m, spec) = (o.metadata, o.spec);
    Service {
        namespace: m.namespace.unwrap_or_else(|| "default".into()),
        name: m.name.unwrap_or_default(),
        uid: m.uid.unwrap_or_default(),
        type_: spec.type_.unwrap_or_else(|| "ClusterIP".into()),
        annotations: m.annotations,
        load_balancer_ip: spec.load_balancer_ip.filter(|ip| !ip.is_empty()),
        load_balancer_class: spec.load_balancer_class,
        ports: spec
            .ports
            .unwrap_or_default()
            .into_iter()
            .map(|p| ServicePort {
                name: p.name,
                protocol: p.protocol.unwrap_or_else(|| "TCP".into()),
                port: p.port,
                node_port: p.node_port,
            })
            .collect(),
        external_traffic_policy: spec.external_traffic_policy,
        ip_families: spec.ip_families.unwrap_or_default(),
        ingress: o
            .status
            .load_balancer
            .and_then(|lb| lb.ingress)
            .unwrap_or_default()
            .into_iter()
            .map(|i| Ingress { ip: i.ip, hostname: i.hostname })
            .collect(),
        deleting: m.deletion_timestamp.is_some(),
    }
}

pub fn node(o: Object) -> Node {
    let (spec, status) = (o.spec, o.status);
    let ready =
        status.conditions.as_ref().and_then(|c| c.iter().find(|c| c.type_ == "Ready")).map(|c| c.status == "True");
    Node {
        name: o.metadata.name.unwrap_or_default(),
        labels: o.metadata.labels,
        taints: spec
            .taints
            .unwrap_or_default()
            .into_iter()
            .map(|t| Taint { key: t.key, value: t.value, effect: t.effect })
            .collect(),
        provider_id: spec.provider_id.filter(|p| !p.is_empty()),
        ready,
        unschedulable: spec.unschedulable.unwrap_or(false),
        capacity: status.capacity,
        addresses: status
            .addresses
            .unwrap_or_default()
            .into_iter()
            .map(|a| NodeAddress { type_: a.type_, address: a.address })
            .collect(),
        pod_cidrs: spec
            .pod_cidrs
            .filter(|c| !c.is_empty())
            .or_else(|| spec.pod_cidr.map(|c| vec![c]))
            .unwrap_or_default(),
    }
}

pub fn persistent_volume(o: Object) -> PersistentVolume {
    let spec = o.spec;
    let claim = spec.claim_ref.and_then(super::wire::Ref::key);
    let (csi_driver, volume_handle, volume_attributes) = match spec.csi {
        Some(c) => (Some(c.driver), Some(c.volume_handle), c.volume_attributes),
        None => (None, None, Default::default()),
    };
    let (azure_file_share, azure_file_secret) = match spec.azure_file {
        Some(f) => (Some(f.share_name), Some(f.secret_name)),
        None => (None, None),
    };
    PersistentVolume {
        name: o.metadata.name.unwrap_or_default(),
        phase: o.status.phase,
        claim,
        storage_class: spec.storage_class_name,
        reclaim_policy: spec.persistent_volume_reclaim_policy,
        csi_driver,
        volume_handle,
        azure_disk_uri: spec.azure_disk.map(|d| d.disk_uri),
        volume_attributes,
        azure_file_share,
        azure_file_secret,
    }
}

pub fn volume_snapshot_content(o: Object) -> VolumeSnapshotContent {
    let spec = o.spec;
    let volume_snapshot = spec.volume_snapshot_ref.and_then(super::wire::Ref::key);
    VolumeSnapshotContent {
        name: o.metadata.name.unwrap_or_default(),
        driver: spec.driver.unwrap_or_default(),
        snapshot_handle: o.status.snapshot_handle.filter(|h| !h.is_empty()),
        source_snapshot_handle: spec.source.and_then(|s| s.snapshot_handle).filter(|h| !h.is_empty()),
        volume_snapshot,
        deletion_policy: spec.deletion_policy,
    }
}
