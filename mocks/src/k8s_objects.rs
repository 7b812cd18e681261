//! Builders of realistic Kubernetes objects (as the API server stores them,
//! with `kind`/`apiVersion`) for scenarios, tests and the synthetic
//! generator: LoadBalancer and ClusterIP Services, AKS-style VMSS nodes,
//! Azure disk, file and blob PersistentVolumes, and VolumeSnapshotContents.

use serde_json::{Value, json};

const CREATED: &str = "2026-03-14T09:26:53Z";

fn meta(name: &str, namespace: Option<&str>, uid: &str) -> Value {
    let mut m = json!({
        "name": name, "uid": uid, "resourceVersion": "48001", "creationTimestamp": CREATED
    });
    if let Some(ns) = namespace {
        m["namespace"] = json!(ns);
    }
    m
}

/// A `type: LoadBalancer` Service with one TCP port, the given Azure
/// annotations (short names, without `service.beta.kubernetes.io/`) and,
/// when provisioned, its ingress IP.
pub fn lb_service(
    namespace: &str,
    name: &str,
    uid: &str,
    port: i32,
    ip: Option<&str>,
    annotations: &[(&str, &str)],
) -> Value {
    let mut m = meta(name, Some(namespace), uid);
    if !annotations.is_empty() {
        let a: serde_json::Map<String, Value> =
            annotations.iter().map(|(k, v)| (format!("service.beta.kubernetes.io/{k}"), json!(v))).collect();
        m["annotations"] = Value::Object(a);
    }
    let lb = match ip {
        Some(ip) => json!({"ingress": [{"ip": ip, "ipMode": "VIP"}]}),
        None => json!({}),
    };
    json!({
        "apiVersion": "v1", "kind": "Service", "metadata": m,
        "spec": {
            "type": "LoadBalancer", "allocateLoadBalancerNodePorts": true, "clusterIP": "10.0.114.23",
            "clusterIPs": ["10.0.114.23"], "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
            "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None",
            "ports": [{"name": "http", "port": port, "protocol": "TCP", "targetPort": 8080, "nodePort": 30000 + port % 2000}],
            "selector": {"app": name}
        },
        "status": {"loadBalancer": lb}
    })
}

/// A ClusterIP Service (the `default/kubernetes` kind).
pub fn cluster_ip_service(namespace: &str, name: &str, uid: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Service", "metadata": meta(name, Some(namespace), uid),
        "spec": {
            "type": "ClusterIP", "clusterIP": "10.0.0.1", "clusterIPs": ["10.0.0.1"],
            "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None",
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]
        },
        "status": {"loadBalancer": {}}
    })
}

/// An AKS node: instance `index` of scale set `vmss` (e.g.
/// `aks-nodepool1-12345678-vmss`) in `node_rg`.
pub fn vmss_node(subscription: &str, node_rg: &str, vmss: &str, index: usize, ready: bool) -> Value {
    // AKS names nodes after the scale set: aks-nodepool1-12345678-vmss000003.
    let name = format!("{vmss}{index:06}");
    json!({
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": name, "uid": format!("6a1f0c3e-0000-4000-8000-{index:012}"), "resourceVersion": "48002",
            "creationTimestamp": CREATED,
            "labels": {
                "agentpool": "nodepool1", "kubernetes.azure.com/agentpool": "nodepool1",
                "kubernetes.azure.com/cluster": node_rg, "kubernetes.azure.com/mode": "system",
                "kubernetes.azure.com/role": "agent", "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "Standard_D4s_v5",
                "topology.kubernetes.io/region": "westeurope",
                "beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/instance-type": "Standard_D4s_v5",
                "beta.kubernetes.io/os": "linux", "failure-domain.beta.kubernetes.io/region": "westeurope",
                "failure-domain.beta.kubernetes.io/zone": "0", "kubernetes.io/arch": "amd64",
                "kubernetes.azure.com/kubelet-identity-client-id": "6c2a8e1f-0000-4000-8000-000000000000",
                "kubernetes.azure.com/node-image-version": "AKSUbuntu-2204gen2containerd-202611.01.0",
                "kubernetes.azure.com/os-sku": "Ubuntu", "kubernetes.azure.com/storageprofile": "managed",
                "kubernetes.azure.com/storagetier": "Premium_LRS", "node.kubernetes.io/exclude-from-external-load-balancers": "false",
                "storageprofile": "managed", "storagetier": "Premium_LRS", "topology.disk.csi.azure.com/zone": "",
                "topology.kubernetes.io/zone": "0"
            },
            "annotations": {
                "csi.volume.kubernetes.io/nodeid": format!("{{\"disk.csi.azure.com\":\"{name}\",\"file.csi.azure.com\":\"{name}\"}}"),
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true"
            }
        },
        "spec": {
            "providerID": format!(
                "azure:///subscriptions/{subscription}/resourceGroups/{}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmss}/virtualMachines/{index}",
                node_rg.to_ascii_lowercase()
            ),
            "podCIDR": format!("10.244.{}.0/24", index % 256)
        },
        "status": {
            "addresses": [{"type": "InternalIP", "address": format!("10.224.{}.{}", index / 250, 4 + index % 250)},
                          {"type": "Hostname", "address": name}],
            "capacity": {"cpu": "4", "ephemeral-storage": "129886128Ki", "memory": "16375740Ki", "pods": "110"},
            "allocatable": {"cpu": "3860m", "ephemeral-storage": "119703055367", "memory": "12955580Ki", "pods": "110"},
            "conditions": conditions(ready),
            "images": images(index),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64", "bootID": format!("4b2d6e1a-0000-4000-8000-{index:012}"),
                "containerRuntimeVersion": "containerd://1.7.20-1", "kernelVersion": "5.15.0-1068-azure",
                "kubeProxyVersion": "", "kubeletVersion": "v1.30.3", "machineID": format!("{index:032x}"),
                "operatingSystem": "linux", "osImage": "Ubuntu 22.04.4 LTS",
                "systemUUID": format!("7c3e9f2a-0000-4000-8000-{index:012}")
            }
        }
    })
}

/// A node's conditions, as the kubelet and node-problem-detector report them.
fn conditions(ready: bool) -> Value {
    let c = |t: &str, status: &str, reason: &str, message: &str| {
        json!({"type": t, "status": status, "lastHeartbeatTime": "2026-11-28T11:58:02Z",
               "lastTransitionTime": CREATED, "reason": reason, "message": message})
    };
    json!([
        c("KernelDeadlock", "False", "KernelHasNoDeadlock", "kernel has no deadlock"),
        c("FilesystemCorruptionProblem", "False", "FilesystemIsOK", "Filesystem is healthy"),
        c("FrequentContainerdRestart", "False", "NoFrequentContainerdRestart", "containerd is functioning properly"),
        c("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        c("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        c("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        if ready {
            c("Ready", "True", "KubeletReady", "kubelet is posting ready status")
        } else {
            c("Ready", "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
        }
    ])
}

/// The images a busy node has pulled: 18, each with its digest and tag, as
/// `status.images` lists them (most of a Node's bytes).
fn images(index: usize) -> Value {
    let list: Vec<Value> = (0..18)
        .map(|i| {
            let repo = format!("mcr.microsoft.com/oss/kubernetes/team-{}/component-{i}", (index + i) % 7);
            json!({"names": [format!("{repo}@sha256:{:064x}", (index * 7919 + i * 104729) as u128 * 0x9e37_79b9_7f4a_7c15),
                             format!("{repo}:v1.{}.{}", i % 30, index % 10)],
                   "sizeBytes": 10_000_000 + i * 1_234_567})
        })
        .collect();
    Value::Array(list)
}

/// A PersistentVolume provisioned by the Azure disk CSI driver, bound to
/// `claim_namespace/claim`.
pub fn disk_pv(name: &str, claim_namespace: &str, claim: &str, disk_id: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {
            "name": name, "uid": format!("9c0d{:0>28}", name.len()), "resourceVersion": "48003",
            "creationTimestamp": CREATED,
            "annotations": {"pv.kubernetes.io/provisioned-by": "disk.csi.azure.com"},
            "finalizers": ["external-provisioner.volume.kubernetes.io/finalizer", "kubernetes.io/pv-protection"]
        },
        "spec": {
            "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "10Gi"},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": claim, "namespace": claim_namespace},
            "csi": {"driver": "disk.csi.azure.com", "volumeHandle": disk_id,
                    "volumeAttributes": {"csi.storage.k8s.io/pv/name": name, "skuname": "StandardSSD_LRS"}},
            "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "managed-csi", "volumeMode": "Filesystem"
        },
        "status": {"phase": "Bound"}
    })
}

/// A PersistentVolume provisioned by the file (`file.csi.azure.com`) or blob
/// (`blob.csi.azure.com`) CSI driver: its handle is
/// `<rg>#<account>#<share or container>#<uuid>#<secret ns>` as the drivers
/// write it (azurefile-csi-driver and blob-csi-driver `CreateVolume`).
pub fn storage_pv(name: &str, driver: &str, rg: &str, account: &str, item: &str) -> Value {
    let (class, attr) = if driver.starts_with("blob") {
        ("azureblob-fuse-premium", "containerName")
    } else {
        ("azurefile-csi-premium", "shareName")
    };
    json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {
            "name": name, "uid": format!("5b6c{:0>28}", name.len()), "resourceVersion": "48004",
            "creationTimestamp": CREATED,
            "annotations": {"pv.kubernetes.io/provisioned-by": driver}
        },
        "spec": {
            "accessModes": ["ReadWriteMany"], "capacity": {"storage": "100Gi"},
            "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": format!("shared-{name}"), "namespace": "default"},
            "csi": {"driver": driver, "volumeHandle": format!("{rg}#{account}#{item}###default"),
                    "volumeAttributes": {"csi.storage.k8s.io/pv/name": name, attr: item, "skuName": "Premium_LRS"}},
            "persistentVolumeReclaimPolicy": "Delete", "storageClassName": class, "volumeMode": "Filesystem"
        },
        "status": {"phase": "Bound"}
    })
}

/// A `snapshot.storage.k8s.io/v1` VolumeSnapshotContent made by the disk CSI
/// driver from `source_disk`, whose `status.snapshotHandle` is `snapshot_id`.
pub fn volume_snapshot_content(name: &str, source_disk: &str, snapshot_id: &str) -> Value {
    json!({
        "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotContent",
        "metadata": {"name": format!("snapcontent-{name}"), "uid": format!("0a1b{:0>28}", name.len()), "creationTimestamp": CREATED},
        "spec": {
            "driver": "disk.csi.azure.com", "deletionPolicy": "Delete", "source": {"volumeHandle": source_disk},
            "volumeSnapshotClassName": "csi-azuredisk-vsc",
            "volumeSnapshotRef": {"apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot", "name": name, "namespace": "default"}
        },
        "status": {"readyToUse": true, "restoreSize": 34359738368u64, "snapshotHandle": snapshot_id}
    })
}
