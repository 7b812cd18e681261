//! The cluster side of the snapshot: the parts of Services, Nodes and
//! PersistentVolumes that the audits read, as plain values. The collectors
//! fill them from a live API server or from `kubectl ... -o json` files;
//! checks never see Kubernetes client types.
//!
//! Field choice follows cloud-provider-azure and azuredisk-csi-driver (facts
//! file, sections 4 and 5): what ties a Service to its load-balancer parts
//! and public IPs, what decides backend-pool membership, and what ties a PV
//! to its disk.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The Azure Service annotations' common prefix.
pub const ANNOTATION_PREFIX: &str = "service.beta.kubernetes.io/";

/// Node label: AKS writes the node resource group here.
pub const LABEL_AKS_NODE_RESOURCE_GROUP: &str = labels::AKS_NODE_RESOURCE_GROUP;

/// The node labels azaudit reads. A node carries thirty or so; the readers
/// keep only these (`labels::read`), so a check that reads another label
/// adds it here (a test holds the checks' label literals to this list).
pub mod labels {
    /// Keep a node out of load-balancer pools (any value counts).
    pub const EXCLUDE: [&str; 2] = [
        "node.kubernetes.io/exclude-from-external-load-balancers",
        "alpha.service-controller.kubernetes.io/exclude-balancer",
    ];
    /// Control-plane roles (excluded by default: excludeMasterFromStandardLB).
    pub const CONTROL_PLANE: [&str; 2] = ["node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"];
    pub const INSTANCE_TYPE: [&str; 2] = ["node.kubernetes.io/instance-type", "beta.kubernetes.io/instance-type"];
    /// `false`: a node the cloud provider does not manage.
    pub const UNMANAGED: &str = "kubernetes.azure.com/managed";
    /// AKS writes the node resource group here.
    pub const AKS_NODE_RESOURCE_GROUP: &str = "kubernetes.azure.com/cluster";
    /// The node's own resource group, when it differs (self-managed, AKS BYO).
    pub const RESOURCE_GROUP: &str = "kubernetes.azure.com/resource-group";
    /// `virtual-kubelet`: an ACI virtual node.
    pub const TYPE: &str = "type";

    /// Whether azaudit reads the label `key`.
    pub fn read(key: &str) -> bool {
        EXCLUDE.contains(&key)
            || CONTROL_PLANE.contains(&key)
            || INSTANCE_TYPE.contains(&key)
            || [UNMANAGED, AKS_NODE_RESOURCE_GROUP, RESOURCE_GROUP, TYPE].contains(&key)
    }

    /// The node capacity entries azaudit reads (the GPU count).
    pub const CAPACITY: [&str; 1] = ["nvidia.com/gpu"];
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Service {
    pub namespace: String,
    pub name: String,
    pub uid: String,
    /// `ClusterIP` (the API default), `NodePort`, `LoadBalancer`, `ExternalName`.
    #[serde(rename = "type")]
    pub type_: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// `spec.loadBalancerIP` (deprecated, still honoured by the provider).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer_ip: Option<String>,
    /// `spec.loadBalancerClass`: another controller owns the load balancer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load_balancer_class: Option<String>,
    pub ports: Vec<ServicePort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_traffic_policy: Option<String>,
    pub ip_families: Vec<String>,
    /// `status.loadBalancer.ingress`.
    pub ingress: Vec<Ingress>,
    /// `metadata.deletionTimestamp` is set: the Service is going away.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deleting: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServicePort {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `TCP` (the API default), `UDP`, `SCTP`.
    pub protocol: String,
    pub port: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_port: Option<i32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ingress {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
}

impl Service {
    /// `namespace/name`, the form the `k8s-azure-service` tag uses.
    pub fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    pub fn is_load_balancer(&self) -> bool {
        self.type_ == "LoadBalancer"
    }

    /// An Azure annotation by its short name (`azure-pip-name`).
    /// The prefixed keys are a range of the sorted map, searched without
    /// spelling the whole key (asked 27,000 times on the large benchmark).
    pub fn azure_annotation(&self, short: &str) -> Option<&str> {
        self.annotations
            .range::<str, _>((std::ops::Bound::Included(ANNOTATION_PREFIX), std::ops::Bound::Unbounded))
            .map_while(|(k, v)| k.strip_prefix(ANNOTATION_PREFIX).map(|rest| (rest, v)))
            .find(|(rest, _)| *rest == short)
            .map(|(_, v)| v.as_str())
    }

    /// The cloud provider's base name for this Service's Azure objects:
    /// `"a"` + the UID without dashes, cut to 32 characters.
    pub fn base_name(&self) -> String {
        let mut s = String::from("a");
        s.extend(self.uid.chars().filter(|c| *c != '-'));
        s.truncate(32);
        s
    }

    /// The ingress IPs the Service reports.
    /// The addresses of `azure-additional-public-ips` (comma-separated).
    pub fn additional_public_ips(&self) -> impl Iterator<Item = &str> {
        self.azure_annotation("azure-additional-public-ips")
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    pub fn ingress_ips(&self) -> impl Iterator<Item = &str> {
        self.ingress.iter().filter_map(|i| i.ip.as_deref())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Node {
    pub name: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    pub taints: Vec<Taint>,
    /// `spec.providerID`, e.g. `azure:///subscriptions/.../virtualMachines/vm0`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// The Ready condition: `Some(true)` Ready, `Some(false)` NotReady or
    /// Unknown, `None` when the node reports no Ready condition.
    pub ready: Option<bool>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub unschedulable: bool,
    /// Only the entries in [`labels::CAPACITY`].
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub capacity: BTreeMap<String, String>,
    pub addresses: Vec<NodeAddress>,
    /// `spec.podCIDRs` (or `spec.podCIDR`): the routes the cloud provider's
    /// route controller keeps for the node (kubenet).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pod_cidrs: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Taint {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub effect: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeAddress {
    #[serde(rename = "type")]
    pub type_: String,
    pub address: String,
}

impl Node {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }

    pub fn has_taint(&self, key: &str) -> bool {
        self.taints.iter().any(|t| t.key == key)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersistentVolume {
    pub name: String,
    /// `status.phase`: Pending, Available, Bound, Released, Failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The bound claim, `namespace/name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reclaim_policy: Option<String>,
    /// `spec.csi.driver`, e.g. `disk.csi.azure.com`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csi_driver: Option<String>,
    /// `spec.csi.volumeHandle`: for the Azure disk driver, the disk's ARM ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_handle: Option<String>,
    /// In-tree `spec.azureDisk.diskURI`: the disk's ARM ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure_disk_uri: Option<String>,
    /// `spec.csi.volumeAttributes` that name a share or container
    /// (`shareName`, `containerName`, `storageAccount`, `resourceGroup`),
    /// keys lower-cased.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub volume_attributes: BTreeMap<String, String>,
    /// In-tree `spec.azureFile.shareName` and `secretName`
    /// (`azure-storage-account-<account>-secret`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure_file_share: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure_file_secret: Option<String>,
}

/// A `snapshot.storage.k8s.io/v1` VolumeSnapshotContent: the cluster's
/// record of one storage snapshot.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct VolumeSnapshotContent {
    pub name: String,
    /// `spec.driver`, e.g. `disk.csi.azure.com`.
    pub driver: String,
    /// `status.snapshotHandle`: for the Azure disk driver, the snapshot's
    /// ARM ID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_handle: Option<String>,
    /// `spec.source.snapshotHandle` (a pre-provisioned snapshot).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_snapshot_handle: Option<String>,
    /// `spec.volumeSnapshotRef`, `namespace/name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_snapshot: Option<String>,
    /// `spec.deletionPolicy`: `Delete` or `Retain`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deletion_policy: Option<String>,
}

impl VolumeSnapshotContent {
    /// Every snapshot handle it names.
    pub fn handles(&self) -> impl Iterator<Item = &str> {
        self.snapshot_handle.iter().chain(self.source_snapshot_handle.iter()).map(String::as_str)
    }
}

impl PersistentVolume {
    /// The volume attributes kept (matched without case).
    pub const STORAGE_ATTRIBUTES: [&str; 4] = ["shareName", "containerName", "storageAccount", "resourceGroup"];

    /// The CSI driver for Azure managed disks.
    pub const AZURE_DISK_DRIVER: &str = "disk.csi.azure.com";

    /// The ARM ID of the Azure disk behind this volume, if it is one.
    pub fn azure_disk_id(&self) -> Option<&str> {
        if let Some(uri) = self.azure_disk_uri.as_deref() {
            return Some(uri);
        }
        match (self.csi_driver.as_deref(), self.volume_handle.as_deref()) {
            (Some(d), Some(h)) if d.eq_ignore_ascii_case(Self::AZURE_DISK_DRIVER) => Some(h),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An annotation is found by its short name among keys on both sides
    /// of the prefix's range, as a lookup of the whole key finds it.
    #[test]
    fn an_azure_annotation_is_found_as_by_its_whole_key() {
        let mut s = Service::default();
        for k in [
            "aaa",
            "service.beta.kubernetes.io",
            "service.beta.kubernetes.io/",
            "service.beta.kubernetes.io/azure-a",
            "service.beta.kubernetes.io/azure-pip-name",
            "service.beta.kubernetes.io/azure-pip-name-ipv6",
            "service.beta.kubernetes.io0",
            "service.beta.kubernetes.iozz/azure-pip-name",
            "zzz/azure-pip-name",
        ] {
            s.annotations.insert(k.into(), format!("value of {k}"));
        }
        for short in
            ["", "azure-a", "azure-pip-name", "azure-pip-name-ipv6", "azure-pip", "zz", "azure-load-balancer-internal"]
        {
            let whole = s.annotations.get(&format!("{ANNOTATION_PREFIX}{short}")).map(String::as_str);
            assert_eq!(s.azure_annotation(short), whole, "{short:?}");
        }
        assert_eq!(s.azure_annotation("azure-pip-name"), Some("value of service.beta.kubernetes.io/azure-pip-name"));
    }

    /// The readers keep only the labels in `labels::read`: a check that
    /// reads a label by a literal name outside it would always find nothing.
    #[test]
    fn every_label_a_check_reads_is_kept() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/checks");
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for pat in ["label(\"", "labels.get(\"", "labels.contains_key(\""] {
                for (i, _) in code.match_indices(pat) {
                    let rest = &code[i + pat.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    assert!(labels::read(key), "{}: label {key} is read but not kept", entry.path().display());
                }
            }
        }
        // The checks name labels through `labels::` constants today; the
        // scan is for the next one that does not.
        assert!(labels::read(labels::UNMANAGED) && !labels::read("kubernetes.azure.com/agentpool"));
    }

    #[test]
    fn base_name_is_a_plus_uid_without_dashes_cut_to_32() {
        let s = Service { uid: "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0".into(), ..Default::default() };
        assert_eq!(s.base_name(), "a0b1c2d3e4f5061728394a5b6c7d8e9f");
        assert_eq!(s.base_name().len(), 32);
    }

    #[test]
    fn disk_id_from_csi_or_in_tree() {
        let csi = PersistentVolume {
            csi_driver: Some("disk.csi.azure.com".into()),
            volume_handle: Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d".into()),
            ..Default::default()
        };
        assert!(csi.azure_disk_id().is_some_and(|d| d.ends_with("/disks/d")));
        let file = PersistentVolume {
            csi_driver: Some("file.csi.azure.com".into()),
            volume_handle: Some("rg#acct#share".into()),
            ..Default::default()
        };
        assert_eq!(file.azure_disk_id(), None);
        let in_tree =
            PersistentVolume { azure_disk_uri: Some("/subscriptions/s/x/disks/e".into()), ..Default::default() };
        assert_eq!(in_tree.azure_disk_id(), Some("/subscriptions/s/x/disks/e"));
    }
}
