//! Node problems the source guide describes, read from the Node objects:
//!
//! - `node-no-provider-id`: a node registered by hostname (no Azure
//!   providerID; the old `externalID == hostname` symptom) never joins a
//!   backend pool ("内网/外网负载均衡 BackendPool 为空").
//! - `virtual-node-not-excluded`: a virtual-kubelet node is not an Azure VM;
//!   without an exclude-from-load-balancers label every LoadBalancer Service
//!   fails with "instance not found" ("使用 Virtual Kubelet 后
//!   LoadBalancer Service 无法分配公网 IP").
//! - `gpu-node-no-gpu`: a GPU VM size (NC, ND, NV families) whose
//!   `nvidia.com/gpu` capacity is 0 or missing: the device plugin is not
//!   running ("Node 的 GPU 数总是 0").

use super::backend_pool::{EXCLUDE_LABELS, has_azure_provider_id, is_virtual};
use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::models::cluster::Node;
use crate::snapshot::ClusterKind;

/// The instance-type labels, current and legacy.
pub const INSTANCE_TYPE_LABELS: [&str; 2] = crate::models::cluster::labels::INSTANCE_TYPE;

/// Whether a VM size has NVIDIA GPUs: the NC, ND and NV families, except
/// NVv4 (AMD Radeon).
pub fn is_nvidia_gpu_size(size: &str) -> bool {
    let s = size.to_ascii_lowercase();
    let Some(rest) = s.strip_prefix("standard_") else { return false };
    let family = rest.starts_with("nc") || rest.starts_with("nd") || rest.starts_with("nv");
    family && !(rest.starts_with("nv") && rest.ends_with("_v4"))
}

fn node_id(ctx: &Ctx, n: &Node) -> String {
    format!("kubernetes://{}/nodes/{}", ctx.cluster_name, n.name)
}

/// Nodes the cloud provider cannot place in load balancers.
pub const CHECK: Check = Check {
    name: "nodes",
    audit: Audit::Check,
    emits: &[
        Emits::new(Kind::NodeNoProviderId).cluster(&[ClusterKind::Nodes]),
        Emits::new(Kind::VirtualNodeNotExcluded).cluster(&[ClusterKind::Nodes]),
        Emits::new(Kind::GpuNodeNoGpu).cluster(&[ClusterKind::Nodes]),
    ],
    enabled: super::always,
    run: |i| check(i.ctx),
};

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    for n in &ctx.cluster.nodes {
        let id = node_id(ctx, n);
        if is_virtual(n) {
            if !EXCLUDE_LABELS.iter().any(|l| n.labels.contains_key(*l)) {
                v.findings.push(
                    Finding::new(
                        Kind::VirtualNodeNotExcluded,
                        Severity::Warning,
                        &id,
                        &n.name,
                        format!(
                            "virtual-kubelet node {} is not an Azure VM and has no exclude label, so ensuring any LoadBalancer Service fails with \"instance not found\"; label it {}=true",
                            n.name, EXCLUDE_LABELS[0]
                        ),
                    )
                    .with("provider_id", n.provider_id.clone().unwrap_or_default()),
                );
            }
            continue;
        }
        if !has_azure_provider_id(n) {
            let pid = n.provider_id.clone().unwrap_or_default();
            let shown = if pid.is_empty() { "no providerID".to_string() } else { format!("providerID '{pid}'") };
            v.findings.push(
                Finding::new(
                    Kind::NodeNoProviderId,
                    Severity::Warning,
                    &id,
                    &n.name,
                    format!(
                        "node {} has {shown}: it registered by hostname, not through the Azure cloud provider, and will never be added to a load-balancer backend pool (source guide: BackendPool 为空); delete the Node, start its kubelet with the cloud provider and cloud config, and let it register again",
                        n.name
                    ),
                )
                .with("provider_id", pid),
            );
        }
        if let Some(size) = INSTANCE_TYPE_LABELS.iter().find_map(|l| n.label(l))
            && is_nvidia_gpu_size(size)
        {
            let gpus = n.capacity.get("nvidia.com/gpu").map(String::as_str).unwrap_or("");
            if gpus.is_empty() || gpus == "0" {
                v.findings.push(
                    Finding::new(
                        Kind::GpuNodeNoGpu,
                        Severity::Warning,
                        &id,
                        &n.name,
                        format!(
                            "node {} is a {size} VM but reports {} nvidia.com/gpu, so GPU pods cannot be scheduled: the NVIDIA device plugin is not running there (source guide: Node 的 GPU 数总是 0); deploy or repair the nvidia-device-plugin DaemonSet",
                            n.name,
                            if gpus.is_empty() { "no" } else { "0" }
                        ),
                    )
                    .with("instance_type", size)
                    .with("nvidia_gpu_capacity", gpus),
                );
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

    #[test]
    fn gpu_sizes() {
        assert!(is_nvidia_gpu_size("Standard_NC6s_v3"));
        assert!(is_nvidia_gpu_size("standard_nd96asr_v4"));
        assert!(is_nvidia_gpu_size("Standard_NV36ads_A10_v5"));
        assert!(!is_nvidia_gpu_size("Standard_NV32as_v4"), "NVv4 has AMD GPUs");
        assert!(!is_nvidia_gpu_size("Standard_D4s_v5"));
    }

    #[test]
    fn each_node_kind() {
        let mut s = snap();
        let pid = vmss_provider_id(RG, 0);
        s.cluster.nodes.push(node("by-hostname", None, true, &[]));
        s.cluster.nodes.push(node("vk", Some("vk://aci"), true, &[("type", "virtual-kubelet")]));
        s.cluster.nodes.push(node(
            "vk-ok",
            Some("vk://aci"),
            true,
            &[("type", "virtual-kubelet"), (EXCLUDE_LABELS[0], "true")],
        ));
        s.cluster.nodes.push(node(
            "gpu",
            Some(&pid),
            true,
            &[("node.kubernetes.io/instance-type", "Standard_NC6s_v3")],
        ));
        let mut gpu_ok = node("gpu-ok", Some(&pid), true, &[("node.kubernetes.io/instance-type", "Standard_NC6s_v3")]);
        gpu_ok.capacity.insert("nvidia.com/gpu".into(), "1".into());
        s.cluster.nodes.push(gpu_ok);
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        let got: Vec<(Kind, &str)> = v.findings.iter().map(|f| (f.kind, f.name.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (Kind::NodeNoProviderId, "by-hostname"),
                (Kind::VirtualNodeNotExcluded, "vk"),
                (Kind::GpuNodeNoGpu, "gpu")
            ]
        );
    }
}
