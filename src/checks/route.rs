//! `route-stale`: kubenet routes the cloud provider's route controller
//! would delete, but that are still in the cluster's route table.
//!
//! Which routes the controller owns, and when it deletes one, come from
//! the route controller (`k8s.io/cloud-provider/controllers/route`,
//! `RouteController.isResponsibleForRoute` and `shouldDeleteRoute`): a route
//! whose destination lies in the cluster CIDR is the controller's, and it
//! goes when no node has the route's target name, or when the destination
//! is not among that node's `spec.podCIDRs`. Target names follow
//! cloud-provider-azure `pkg/provider/azure_routes.go`:
//! `mapNodeNameToRouteName` writes `<node>____<cidr without . : />` (always
//! since v1.25, and by default since v1.0), older providers the bare node
//! name; `MapRouteNameToNodeName` takes the part before `____`. Routes
//! outside the cluster CIDR (a firewall's `0.0.0.0/0`, peered ranges) are
//! the user's and are never judged; nodes marked
//! `kubernetes.azure.com/managed=false` are never routed by the provider.
//!
//! The table is azure.json's `routeTableName` in `routeTableResourceGroup`
//! (default `resourceGroup`), or, without one, every route table in the
//! node resource group. The cluster CIDR is `--cluster-cidr` (what
//! kube-controller-manager was given), or else the AKS cluster's
//! `networkProfile.podCidr(s)`; without either nothing is judged.

use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::models::RouteTable;
use crate::models::cluster::Node;
use crate::snapshot::{ClusterKind, ListKind};
use ipnet::IpNet;
use serde_json::json;
use std::net::IpAddr;

/// `consts.RouteNameSeparator`.
pub const SEPARATOR: &str = "____";
/// Nodes the provider does not manage (no routes are made for them).
const UNMANAGED_LABEL: &str = crate::models::cluster::labels::UNMANAGED;

/// Routes of nodes that are gone or whose pod CIDRs changed.
pub const CHECK: Check = Check {
    name: "route",
    audit: Audit::Orphans,
    emits: &[Emits::new(Kind::RouteStale).judges(&[ListKind::RouteTables]).cluster(&[ClusterKind::Nodes])],
    enabled: super::always,
    run: |i| check(i.ctx),
};

/// The node a route is for: the part of its name before `____`.
pub fn target_node(route_name: &str) -> &str {
    route_name.split_once(SEPARATOR).map_or(route_name, |(n, _)| n)
}

/// The cluster CIDRs: `--cluster-cidr`, or this cluster's AKS
/// `networkProfile.podCidrs` (or `podCidr`), with where they came from.
fn cluster_cidrs(ctx: &Ctx) -> Option<(Vec<IpNet>, String)> {
    let given: Vec<IpNet> = ctx.cluster.cluster_cidrs.iter().filter_map(|c| c.trim().parse().ok()).collect();
    if !given.is_empty() {
        return Some((given, "--cluster-cidr".into()));
    }
    let node_rg = ctx.cluster.node_resource_group.as_ref()?;
    let mc = ctx.snap.azure.managed_clusters.iter().find(|mc| {
        mc.properties.node_resource_group.as_deref().is_some_and(|rg| rg.eq_ignore_ascii_case(&node_rg.value))
            && same_subscription(ctx, &mc.id)
    })?;
    let np = mc.properties.network_profile.as_ref()?;
    let raw: Vec<&String> =
        if np.pod_cidrs.is_empty() { np.pod_cidr.iter().collect() } else { np.pod_cidrs.iter().collect() };
    let nets: Vec<IpNet> = raw.iter().filter_map(|c| c.trim().parse().ok()).collect();
    (!nets.is_empty()).then(|| (nets, format!("AKS cluster {} networkProfile.podCidr", mc.name)))
}

/// The route tables that are this cluster's.
fn tables<'a>(ctx: &Ctx<'a>) -> Vec<&'a RouteTable> {
    let cfg = ctx.cloud_config();
    let named = cfg.and_then(|c| c.route_table_name.as_deref()).filter(|n| !n.trim().is_empty());
    let rg = cfg
        .and_then(|c| c.route_table_resource_group.as_deref().or(c.resource_group.as_deref()))
        .filter(|g| !g.trim().is_empty())
        .or(ctx.cluster.node_resource_group.as_ref().map(|s| s.value.as_str()));
    let Some(rg) = rg else { return Vec::new() };
    ctx.snap
        .azure
        .route_tables
        .iter()
        .filter(|t| t.id.resource_group().is_some_and(|g| g.eq_ignore_ascii_case(rg)))
        .filter(|t| same_subscription(ctx, &t.id))
        .filter(|t| named.is_none_or(|n| t.name.eq_ignore_ascii_case(n)))
        .collect()
}

/// Whether `id` is in this cluster's subscription (a resource group's name
/// is unique only within one); unknown counts only with one subscription.
fn same_subscription(ctx: &Ctx, id: &crate::models::ResourceId) -> bool {
    match (&ctx.cluster_subscription, id.subscription()) {
        (Some(ours), Some(sub)) => ours.eq_ignore_ascii_case(sub),
        (None, _) => ctx.snap.scope.subscriptions.len() <= 1,
        (Some(_), None) => false,
    }
}

/// Whether the route controller owns a route to `dest`: its first or last
/// address lies in a cluster CIDR.
fn in_cluster(dest: &IpNet, cidrs: &[IpNet]) -> bool {
    let (first, last): (IpAddr, IpAddr) = (dest.network(), dest.broadcast());
    cidrs.iter().any(|c| c.contains(&first) || c.contains(&last))
}

fn same_cidr(a: &str, b: &str) -> bool {
    match (a.trim().parse::<IpNet>(), b.trim().parse::<IpNet>()) {
        // The same network and prefix, however the address is written.
        (Ok(x), Ok(y)) => x.trunc() == y.trunc(),
        _ => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    let tables = tables(ctx);
    if tables.is_empty() {
        return v;
    }
    let Some((cidrs, cidr_source)) = cluster_cidrs(ctx) else {
        for t in &tables {
            v.notes.push(format!(
                "routes of route table {} not judged: the cluster's pod CIDR is unknown (no AKS cluster with this node resource group and a networkProfile.podCidr; give --cluster-cidr for a self-managed cluster)",
                t.name
            ));
        }
        return v;
    };
    let nodes = &ctx.cluster.nodes;
    for t in tables {
        if !ctx.judge(ListKind::RouteTables, &t.id, "route table", &t.name, &mut v.notes) {
            continue;
        }
        for route in &t.properties.routes {
            let Some(dest_raw) = route.properties.address_prefix.as_deref() else { continue };
            let Ok(dest) = dest_raw.trim().parse::<IpNet>() else { continue };
            if !in_cluster(&dest, &cidrs) {
                continue; // the user's route
            }
            let target = target_node(&route.name);
            let node = nodes
                .iter()
                .find(|n| n.name == target)
                .or_else(|| nodes.iter().find(|n| n.name.eq_ignore_ascii_case(target)));
            let reason = match node {
                None => format!("route {} sends {dest_raw} to node {target}, which no longer exists", route.name),
                Some(n) if unmanaged(n) => continue,
                Some(n) if n.pod_cidrs.is_empty() => {
                    v.notes.push(format!(
                        "route {} not judged: node {target} has no pod CIDR yet (the controller assigns it shortly after the node joins)",
                        route.name
                    ));
                    continue;
                }
                Some(n) if n.pod_cidrs.iter().any(|c| same_cidr(c, dest_raw)) => continue,
                Some(n) => format!(
                    "route {} sends {dest_raw} to node {target}, whose pod CIDRs are now {}",
                    route.name,
                    n.pod_cidrs.join(", ")
                ),
            };
            let id = route.id_in(&t.id, "routes");
            let mut f = Finding::new(Kind::RouteStale, Severity::Warning, &id, &route.name, format!("{reason}: the route controller would delete it; traffic to those pod addresses goes nowhere or to the wrong node"))
                .with("route_table", &t.id)
                .with("address_prefix", dest_raw)
                .with("node", target)
                .with("cluster_cidrs", cidrs.iter().map(ToString::to_string).collect::<Vec<_>>())
                .with("cluster_cidr_source", cidr_source.as_str());
            if let Some(hop) = &route.properties.next_hop_ip_address {
                f = f.with("next_hop_ip", hop.as_str());
            }
            if let Some(n) = node {
                f = f.with("node_pod_cidrs", json!(n.pod_cidrs));
            }
            v.findings.push(f);
        }
    }
    v
}

fn unmanaged(n: &Node) -> bool {
    n.labels.get(UNMANAGED_LABEL).is_some_and(|v| v.eq_ignore_ascii_case("false"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::{Settings, run_check};
    use crate::snapshot::Sourced;
    use serde_json::{Value, json};

    fn table(routes: Value) -> RouteTable {
        serde_json::from_value(json!({
            "id": id("Microsoft.Network/routeTables", "aks-agentpool-31415926-routetable"),
            "name": "aks-agentpool-31415926-routetable", "location": "westeurope",
            "properties": {"routes": routes}
        }))
        .unwrap()
    }

    fn route(name: &str, prefix: &str) -> Value {
        json!({"name": name, "properties": {"addressPrefix": prefix, "nextHopType": "VirtualAppliance", "nextHopIpAddress": "10.224.0.4"}})
    }

    fn kubenet() -> crate::snapshot::Snapshot {
        let mut s = snap();
        let rg = s.cluster.node_resource_group.clone().unwrap_or(Sourced { value: "rg".into(), source: "test".into() });
        let mut mc = aks("aks-prod", &rg.value);
        mc.properties.network_profile =
            Some(serde_json::from_value(json!({"networkPlugin": "kubenet", "podCidr": "10.244.0.0/16"})).unwrap());
        s.azure.managed_clusters.push(mc);
        let mut n = node("aks-nodepool1-0", None, true, &[]);
        n.pod_cidrs = vec!["10.244.0.0/24".into()];
        s.cluster.nodes.push(n);
        let mut unmanaged = node("edge-1", None, true, &[("kubernetes.azure.com/managed", "false")]);
        unmanaged.pod_cidrs = vec!["10.244.7.0/24".into()];
        s.cluster.nodes.push(unmanaged);
        s
    }

    fn run(s: &crate::snapshot::Snapshot) -> Verdicts {
        run_check(&CHECK, s, &Settings::default())
    }

    #[test]
    fn live_routes_user_routes_and_unmanaged_nodes_are_never_flagged() {
        let mut s = kubenet();
        s.azure.route_tables.push(table(json!([
            route("aks-nodepool1-0____102440024", "10.244.0.0/24"),
            route("to-firewall", "0.0.0.0/0"),
            route("edge-1____102447024", "10.244.9.0/24"),
            route("aks-nodepool1-0", "10.244.0.0/24"),
        ])));
        let v = run(&s);
        assert!(v.findings.is_empty(), "{:?}", v.findings);
    }

    #[test]
    fn routes_of_gone_nodes_and_changed_cidrs_are_stale() {
        let mut s = kubenet();
        s.azure.route_tables.push(table(json!([
            route("aks-nodepool1-9____102449024", "10.244.9.0/24"),
            route("aks-nodepool1-0____102445024", "10.244.5.0/24"),
            route("aks-nodepool1-8", "10.244.8.0/24"),
        ])));
        let v = run(&s);
        let names: Vec<&str> = v.findings.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names.len(), 3, "{names:?}");
        let gone = v.findings.iter().find(|f| f.name.starts_with("aks-nodepool1-9")).unwrap();
        assert!(gone.reason.contains("no longer exists"), "{}", gone.reason);
        assert_eq!(gone.evidence.value("node"), "aks-nodepool1-9");
        let moved = v.findings.iter().find(|f| f.name.starts_with("aks-nodepool1-0")).unwrap();
        assert!(moved.reason.contains("pod CIDRs are now 10.244.0.0/24"), "{}", moved.reason);
        assert!(
            moved.resource_id.to_string().ends_with("/routes/aks-nodepool1-0____102445024"),
            "{}",
            moved.resource_id
        );
    }

    #[test]
    fn incomplete_inputs_or_an_unknown_cluster_cidr_withhold_or_note() {
        let mut s = kubenet();
        s.azure.route_tables.push(table(json!([route("aks-nodepool1-9____102449024", "10.244.9.0/24")])));
        assert_eq!(run(&s).findings.len(), 1);
        let mut partial = s.clone();
        partial.lists.iter_mut().filter(|l| l.kind == ListKind::RouteTables).for_each(|l| l.complete = false);
        let v = run(&partial);
        assert!(v.findings.is_empty() && v.withheld.iter().any(|w| w.kinds == vec![Kind::RouteStale]));
        let mut no_nodes = s.clone();
        no_nodes.cluster.lists.retain(|l| l.kind != ClusterKind::Nodes);
        let v = run(&no_nodes);
        assert!(v.findings.is_empty() && v.withheld.iter().any(|w| w.reason.contains("nodes")), "{:?}", v.withheld);
        let mut no_cidr = s.clone();
        no_cidr.azure.managed_clusters.clear();
        let v = run(&no_cidr);
        assert!(v.findings.is_empty());
        assert!(v.notes.iter().any(|n| n.contains("pod CIDR is unknown")), "{:?}", v.notes);
    }

    /// A self-managed cluster has no AKS networkProfile: `--cluster-cidr`
    /// says which routes are the controller's, and wins over AKS's.
    #[test]
    fn the_cluster_cidr_flag_judges_a_self_managed_cluster() {
        let mut s = kubenet();
        s.azure.managed_clusters.clear();
        s.azure.route_tables.push(table(json!([
            route("aks-nodepool1-9____102449024", "10.244.9.0/24"),
            route("peered____10300024", "10.30.0.0/24"),
        ])));
        s.cluster.cluster_cidrs = vec!["10.244.0.0/16".into()];
        let v = run(&s);
        assert_eq!(v.findings.len(), 1, "{:?}", v.findings);
        assert_eq!(v.findings[0].evidence.value("cluster_cidr_source"), "--cluster-cidr");
        // Given a narrower range than AKS reports, only routes in it are judged.
        let mut narrow = kubenet();
        narrow.azure.route_tables.push(table(json!([route("aks-nodepool1-9____102449024", "10.244.9.0/24")])));
        narrow.cluster.cluster_cidrs = vec!["10.244.0.0/21".into()];
        assert!(run(&narrow).findings.is_empty());
    }

    #[test]
    fn route_names_map_to_nodes_like_the_provider() {
        assert_eq!(target_node("aks-np-1____102441024"), "aks-np-1");
        assert_eq!(target_node("aks-np-1"), "aks-np-1");
        assert!(same_cidr("10.244.1.0/24", "10.244.1.0/24"));
        assert!(!same_cidr("10.244.1.0/24", "10.244.10.0/24"));
        let cidrs = ["10.244.0.0/16".parse().unwrap()];
        assert!(in_cluster(&"10.244.3.0/24".parse().unwrap(), &cidrs));
        assert!(!in_cluster(&"0.0.0.0/0".parse().unwrap(), &cidrs));
        assert!(!in_cluster(&"10.0.0.0/8".parse().unwrap(), &cidrs), "a wider user route is not the controller's");
    }
}
