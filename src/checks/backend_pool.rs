//! Empty backend pools, and why they are empty.
//!
//! A pool counts as empty only with neither `backendIPConfigurations` (NIC
//! based) nor `loadBalancerBackendAddresses` (IP based): both kinds are
//! counted (facts file, section 7). It matters when a rule sends traffic to
//! it. The reason comes from the cluster's nodes, following the cloud
//! provider's membership rules (facts file, section 4): only Ready nodes with
//! an Azure providerID, not excluded by label or taint, in the node resource
//! group, join. The source guide's "BackendPool 为空" case is a node
//! registered by hostname (no Azure providerID), which never joins.

use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::models::ResourceId;
use crate::models::cluster::Node;
use crate::snapshot::{ClusterKind, ListKind};
use serde_json::json;

/// Labels that keep a node out of load-balancer pools (any value counts).
pub const EXCLUDE_LABELS: [&str; 2] = crate::models::cluster::labels::EXCLUDE;
/// Control-plane role labels (excluded by default: excludeMasterFromStandardLB).
pub const CONTROL_PLANE_LABELS: [&str; 2] = crate::models::cluster::labels::CONTROL_PLANE;
/// The cluster autoscaler's taint on nodes it is about to delete.
pub const TO_BE_DELETED_TAINT: &str = "ToBeDeletedByClusterAutoscaler";

/// Why a node is or is not expected in the cluster's backend pools.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Membership {
    Expected,
    /// A virtual-kubelet node (ACI virtual node): not an Azure VM.
    Virtual,
    /// No Azure providerID: registered by hostname, never added to a pool.
    NoProviderId,
    /// Excluded by a label or taint (the reason).
    Excluded(String),
    /// Its VM is in another resource group.
    OtherResourceGroup(String),
    NotReady,
}

/// Whether the node is a virtual-kubelet node.
pub fn is_virtual(n: &Node) -> bool {
    n.label(crate::models::cluster::labels::TYPE) == Some("virtual-kubelet")
        || n.provider_id.as_deref().is_some_and(|p| p.starts_with("vk://") || p.starts_with("virtual-kubelet"))
}

/// Whether the node has an Azure VM providerID.
pub fn has_azure_provider_id(n: &Node) -> bool {
    n.provider_id.as_deref().is_some_and(|p| {
        p.to_ascii_lowercase().starts_with("azure://") && p.to_ascii_lowercase().contains("/virtualmachine")
    })
}

pub fn membership(n: &Node, node_rg: Option<&str>, exclude_control_plane: bool) -> Membership {
    if is_virtual(n) {
        return Membership::Virtual;
    }
    if !has_azure_provider_id(n) {
        return Membership::NoProviderId;
    }
    if let Some(l) = EXCLUDE_LABELS.iter().find(|l| n.labels.contains_key(**l)) {
        return Membership::Excluded(format!("label {l}"));
    }
    if n.label(crate::models::cluster::labels::UNMANAGED) == Some("false") {
        return Membership::Excluded("label kubernetes.azure.com/managed=false".into());
    }
    if exclude_control_plane && let Some(l) = CONTROL_PLANE_LABELS.iter().find(|l| n.labels.contains_key(**l)) {
        return Membership::Excluded(format!("control-plane label {l}"));
    }
    if n.has_taint(TO_BE_DELETED_TAINT) {
        return Membership::Excluded(format!("taint {TO_BE_DELETED_TAINT}"));
    }
    if let Some(ours) = node_rg {
        let vm_rg = n
            .provider_id
            .as_deref()
            .and_then(|p| ResourceId::new(p.trim_start_matches("azure://")).resource_group().map(str::to_string));
        let label_rg = n.label(crate::models::cluster::labels::RESOURCE_GROUP).map(str::to_string);
        if let Some(rg) = label_rg.or(vm_rg).filter(|rg| !rg.eq_ignore_ascii_case(ours)) {
            return Membership::OtherResourceGroup(rg);
        }
    }
    if n.ready != Some(true) {
        return Membership::NotReady;
    }
    Membership::Expected
}

/// Backend pools with no member although nodes should be in them.
pub const CHECK: Check = Check {
    name: "backend-pool",
    audit: Audit::Orphans,
    emits: &[Emits::new(Kind::BackendPoolEmpty).judges(&[ListKind::LoadBalancers]).cluster(&[ClusterKind::Nodes])],
    enabled: super::always,
    run: |i| check(i.ctx),
};

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    let exclude_cp = ctx.cloud_config().and_then(|c| c.exclude_master_from_standard_lb).unwrap_or(true);
    // Why no node is in a pool is the same for every empty pool (it reads
    // only the nodes): worked out once, not once per pool over every node.
    let mut diagnosis: Option<(String, serde_json::Value)> = None;
    for lb in ctx.own(&ctx.snap.azure.load_balancers) {
        if !ctx.judge(ListKind::LoadBalancers, &lb.id, "backend pools of load balancer", &lb.name, &mut v.notes) {
            continue;
        }
        let p = &lb.properties;
        // Pools that some rule sends traffic to, by name (IDs may differ in case).
        let mut used = foldhash::HashSet::<String>::default();
        let mut users: Vec<(String, String)> = Vec::new();
        let mut add = |pool: &ResourceId, rule: &str| {
            used.insert(pool.name().to_ascii_lowercase());
            users.push((pool.name().to_ascii_lowercase(), rule.to_string()));
        };
        for r in &p.load_balancing_rules {
            for pool in r.properties.backend_address_pool.iter().chain(&r.properties.backend_address_pools) {
                add(&pool.id, &r.name);
            }
        }
        for r in &p.outbound_rules {
            if let Some(pool) = &r.properties.backend_address_pool {
                add(&pool.id, &r.name);
            }
        }
        for r in &p.inbound_nat_rules {
            if let Some(pool) = &r.properties.backend_address_pool {
                add(&pool.id, &r.name);
            }
        }
        for pool in &p.backend_address_pools {
            let key = pool.name.to_ascii_lowercase();
            // The rules' own references (ARM's back-references on the pool
            // are derived from exactly these).
            let referenced = used.contains(&key);
            if pool.properties.member_count() > 0 || !referenced {
                continue;
            }
            let rules: Vec<&str> = users.iter().filter(|(k, _)| *k == key).map(|(_, r)| r.as_str()).collect();
            let id = pool.id_in(&lb.id, "backendAddressPools");
            let (reason, evidence) = diagnosis.get_or_insert_with(|| diagnose(ctx, exclude_cp)).clone();
            v.findings.push(
                Finding::new(
                    Kind::BackendPoolEmpty,
                    Severity::Critical,
                    &id,
                    &pool.name,
                    format!(
                        "backend pool {} of load balancer {} has no members but rules send traffic to it: {reason}",
                        pool.name, lb.name
                    ),
                )
                .with("load_balancer", &lb.id)
                .with("rules", json!(rules))
                .with("nodes", evidence),
            );
        }
    }
    v
}

/// Why no node is in the pool, from the cluster's nodes.
fn diagnose(ctx: &Ctx, exclude_cp: bool) -> (String, serde_json::Value) {
    let nodes = &ctx.cluster.nodes;
    if nodes.is_empty() {
        return ("the cluster has no nodes".into(), json!({}));
    }
    let mut expected = Vec::new();
    let mut virtual_ = Vec::new();
    let mut no_pid = Vec::new();
    let mut excluded = Vec::new();
    let mut other_rg = Vec::new();
    let mut not_ready = Vec::new();
    for n in nodes {
        match membership(n, ctx.node_rg, exclude_cp) {
            Membership::Expected => expected.push(n.name.clone()),
            Membership::Virtual => virtual_.push(n.name.clone()),
            Membership::NoProviderId => no_pid.push(n.name.clone()),
            Membership::Excluded(why) => excluded.push(format!("{} ({why})", n.name)),
            Membership::OtherResourceGroup(rg) => other_rg.push(format!("{} (in {rg})", n.name)),
            Membership::NotReady => not_ready.push(n.name.clone()),
        }
    }
    let list = |v: &[String]| {
        let mut s = v.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
        if v.len() > 10 {
            s.push_str(&format!(" and {} more", v.len() - 10));
        }
        s
    };
    let mut parts = Vec::new();
    if !expected.is_empty() {
        parts.push(format!(
            "{} Ready node(s) should be members ({}), so the cloud controller is not reconciling the pool: check its logs and its credentials (azaudit sp-expiry)",
            expected.len(),
            list(&expected)
        ));
    }
    if !no_pid.is_empty() {
        parts.push(format!(
            "node(s) registered by hostname without an Azure providerID: {} — they are never put in backend pools (source guide: BackendPool 为空); register the kubelet with the Azure cloud provider",
            list(&no_pid)
        ));
    }
    if !excluded.is_empty() {
        let all = if expected.is_empty() && no_pid.is_empty() && virtual_.is_empty() { "all nodes are " } else { "" };
        parts.push(format!("{all}excluded from load balancers by labels or taints: {}", list(&excluded)));
    }
    if !virtual_.is_empty() {
        let only = if virtual_.len() == nodes.len() { "only " } else { "" };
        parts.push(format!("{only}virtual-kubelet node(s), which are not Azure VMs: {}", list(&virtual_)));
    }
    if !other_rg.is_empty() {
        parts.push(format!("node(s) in another resource group: {}", list(&other_rg)));
    }
    if !not_ready.is_empty() {
        let none = if expected.is_empty() { "no node is Ready: " } else { "not Ready: " };
        parts.push(format!("{none}{}", list(&not_ready)));
    }
    let evidence = json!({
        "expected": expected, "no_provider_id": no_pid, "excluded": excluded,
        "virtual_kubelet": virtual_, "other_resource_group": other_rg, "not_ready": not_ready
    });
    (parts.join("; "), evidence)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    fn lb_with_pools() -> crate::models::LoadBalancer {
        let pool = lb_child("kubernetes", "backendAddressPools", "kubernetes");
        lb(
            "kubernetes",
            json!({
                "frontendIPConfigurations": [{"name": "fe", "properties": {}}],
                "backendAddressPools": [
                    {"name": "kubernetes", "id": pool, "properties": {}},
                    {"name": "ip-based", "properties": {"loadBalancerBackendAddresses": [{"name": "n1", "properties": {"ipAddress": "10.0.0.4"}}]}},
                    {"name": "unused", "properties": {}}
                ],
                "loadBalancingRules": [
                    {"name": "r1", "properties": {"backendAddressPool": {"id": pool}}},
                    {"name": "r2", "properties": {"backendAddressPool": {"id": lb_child("kubernetes", "backendAddressPools", "ip-based")}}}
                ]
            }),
        )
    }

    #[test]
    fn ip_based_pools_count_and_hostname_nodes_are_named() {
        let mut s = snap();
        s.azure.load_balancers.push(lb_with_pools());
        s.cluster.nodes.push(node("edge-1", None, true, &[]));
        s.cluster.nodes.push(node("edge-2", Some("edge-2"), true, &[]));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert_eq!(v.findings.len(), 1, "{:?}", v.findings);
        let f = &v.findings[0];
        assert_eq!(f.name, "kubernetes");
        assert_eq!(f.severity, Severity::Critical);
        assert!(
            f.reason.contains("registered by hostname without an Azure providerID: edge-1, edge-2"),
            "{}",
            f.reason
        );
        assert!(f.reason.contains("BackendPool 为空"));
    }

    #[test]
    fn reasons_for_excluded_virtual_other_rg_and_not_ready_nodes() {
        let mut s = snap();
        s.azure.load_balancers.push(lb_with_pools());
        let pid = vmss_provider_id(RG, 0);
        s.cluster.nodes.push(node(
            "excluded",
            Some(&pid),
            true,
            &[("node.kubernetes.io/exclude-from-external-load-balancers", "")],
        ));
        let reason = |s: &crate::snapshot::Snapshot| check(&Ctx::new(s)).findings[0].reason.clone();
        assert!(
            reason(&s).contains("all nodes are excluded from load balancers by labels or taints: excluded"),
            "{}",
            reason(&s)
        );

        let mut vk = snap();
        vk.azure.load_balancers.push(lb_with_pools());
        vk.cluster.nodes.push(node("virtual-node-aci-linux", Some("vk://aci"), true, &[("type", "virtual-kubelet")]));
        assert!(reason(&vk).contains("only virtual-kubelet node(s)"), "{}", reason(&vk));

        let mut other = snap();
        other.azure.load_balancers.push(lb_with_pools());
        other.cluster.nodes.push(node("n0", Some(&vmss_provider_id("MC_elsewhere", 0)), true, &[]));
        assert!(
            reason(&other).contains("node(s) in another resource group: n0 (in MC_elsewhere)"),
            "{}",
            reason(&other)
        );

        let mut down = snap();
        down.azure.load_balancers.push(lb_with_pools());
        down.cluster.nodes.push(node("n0", Some(&pid), false, &[]));
        assert!(reason(&down).contains("no node is Ready: n0"), "{}", reason(&down));

        let mut healthy = snap();
        healthy.azure.load_balancers.push(lb_with_pools());
        healthy.cluster.nodes.push(node("n0", Some(&pid), true, &[]));
        assert!(reason(&healthy).contains("1 Ready node(s) should be members (n0)"), "{}", reason(&healthy));
    }

    #[test]
    fn no_pool_verdict_without_the_nodes() {
        let mut s = snap();
        s.azure.load_balancers.push(lb_with_pools());
        for l in s.cluster.lists.iter_mut().filter(|l| l.kind == ClusterKind::Nodes) {
            l.complete = false;
            l.error = Some("list failed: HTTP 403 Forbidden".into());
        }
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert!(v.findings.is_empty());
        assert!(
            v.withheld[0].reason.contains("nodes were not read completely (list failed: HTTP 403 Forbidden)"),
            "{:?}",
            v.withheld
        );
    }
}
