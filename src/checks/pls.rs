//! `pls-orphaned`: private link services the cloud provider created for a
//! Service (`service.beta.kubernetes.io/azure-pls-create: "true"`) that no
//! live Service needs any more.
//!
//! Ownership follows cloud-provider-azure
//! `pkg/provider/azure_privatelinkservice.go`: `reconcilePLSTags` tags the
//! service with `k8s-azure-cluster-name` (the `--cluster-name`) and
//! `k8s-azure-owner-service` (`namespace/name`, never rewritten once set),
//! and `isManagedPrivateLinkSerivce` treats only a service carrying this
//! cluster's name as the provider's. The provider deletes a service only
//! with its load-balancer frontend (`reconcilePrivateLinkService` with
//! `wantPLS=false`, from `reconcileLoadBalancer` and
//! `removeFrontendIPConfigurationFromLoadBalancer`), so one is left behind
//! when its frontend is gone, when every Service on the frontend is gone,
//! or when the owner stops asking for it (dropping the annotation does not
//! delete it). A frontend shared by several Services shares the service
//! too: any live Service on the frontend that asks for one keeps it, and
//! one that does not is still served through it (not judged).

use super::usage::{Status, Usage};
use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::models::PrivateLinkService;
use crate::models::cluster::Service;
use crate::snapshot::{ClusterKind, ListKind};
use serde_json::json;

/// The tag naming the Service that asked for it (`namespace/name`).
pub const OWNER_TAG: &str = "k8s-azure-owner-service";
/// The tag naming the cluster (the provider's `--cluster-name`).
pub const CLUSTER_TAG: &str = "k8s-azure-cluster-name";
/// The annotation that asks for one.
pub const CREATE_ANNOTATION: &str = "azure-pls-create";

/// Private link services whose Services are gone.
pub const CHECK: Check = Check {
    name: "pls",
    audit: Audit::Orphans,
    emits: &[Emits::new(Kind::PlsOrphaned)
        .judges(&[ListKind::PrivateLinkServices])
        .refs(&[ListKind::LoadBalancers])
        .cluster(&[ClusterKind::Services])],
    enabled: super::always,
    run: |i| check(i.ctx, i.usage),
};

fn wants_pls(s: &Service) -> bool {
    s.is_load_balancer() && s.azure_annotation(CREATE_ANNOTATION).is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

pub fn check(ctx: &Ctx, usage: &Usage) -> Verdicts {
    let mut v = Verdicts::default();
    for pls in ctx.own(&ctx.snap.azure.private_link_services) {
        // Only the provider's: this cluster's name in its cluster tag.
        let Some(cluster) = pls.tags.get(CLUSTER_TAG) else { continue };
        if !cluster.trim().eq_ignore_ascii_case(ctx.cluster_name) {
            continue;
        }
        if !ctx.judge(ListKind::PrivateLinkServices, &pls.id, "private link service", &pls.name, &mut v.notes) {
            continue;
        }
        if let Some(f) = judge(ctx, usage, pls, &mut v.notes) {
            v.findings.push(f);
        }
    }
    v
}

fn judge(ctx: &Ctx, usage: &Usage, pls: &PrivateLinkService, notes: &mut Vec<String>) -> Option<Finding> {
    let owner_key = pls.tags.get(OWNER_TAG).map(str::trim).filter(|o| !o.is_empty());
    let owner = owner_key.and_then(|k| ctx.service(k));
    let frontends = &pls.properties.load_balancer_frontend_ip_configurations;
    let mut reasons = Vec::new();
    let mut users: Vec<&Service> = Vec::new();
    let mut gone_frontends = 0;
    for fe_ref in frontends {
        let fe_id = &fe_ref.id;
        let lb_id = fe_id.parent();
        if !ctx.covered(ListKind::LoadBalancers, &lb_id) {
            notes.push(format!(
                "private link service {} not judged: the load balancers of {} were not read",
                pls.name,
                lb_id.resource_group().unwrap_or("its resource group")
            ));
            return None;
        }
        let found = ctx.snap.azure.load_balancers.iter().filter(|lb| lb.id == lb_id).find_map(|lb| {
            lb.properties.frontends.iter().find(|fe| {
                fe.id.as_deref().is_some_and(|i| i == fe_id)
                    || lb.id.child("frontendIPConfigurations", &fe.name) == *fe_id
            })
        });
        let Some(fe) = found else {
            gone_frontends += 1;
            reasons.push(format!("its frontend {} no longer exists", fe_id.name()));
            continue;
        };
        // Live Services on the frontend: the one it is named for, and any
        // whose address it carries.
        if let Some(s) = super::context::provider_base(&fe.name).and_then(|b| ctx.service_by_base(b)) {
            users.push(s);
        }
        if let Some(ip) = fe.properties.private_ip_address.as_deref() {
            users.extend(ctx.ip_users(ip).iter().copied().filter(|s| s.is_load_balancer()));
        }
        if let Status::InUse(by) = usage.status(fe_id) {
            notes.push(format!("private link service {} kept: its frontend is in use by {by}", pls.name));
            return None;
        }
    }
    users.sort_by_key(|s| s.key());
    users.dedup_by_key(|s| s.key());
    if owner.is_some_and(wants_pls) || users.iter().any(|s| wants_pls(s)) {
        return None; // a live Service asks for it
    }
    // Other live Services on the frontend are still served through it.
    let owner_name = owner.map(|o| o.key());
    let others: Vec<String> = users.iter().map(|s| s.key()).filter(|k| Some(k) != owner_name.as_ref()).collect();
    if gone_frontends < frontends.len() && !others.is_empty() {
        let names = others;
        notes.push(format!(
            "private link service {} not judged: its frontend still serves {} (kept by the provider while the frontend exists)",
            pls.name,
            names.join(", ")
        ));
        return None;
    }
    match (owner_key, owner) {
        (Some(k), None) => reasons.push(format!("its Service {k} no longer exists")),
        (Some(k), Some(s)) if !s.is_load_balancer() => {
            reasons.push(format!("its Service {k} is now type {}", s.type_))
        }
        (Some(k), Some(_)) => reasons.push(format!(
            "its Service {k} no longer asks for one (annotation service.beta.kubernetes.io/{CREATE_ANNOTATION} is not \"true\"); the provider keeps it until the frontend goes"
        )),
        (None, _) => reasons.push(format!("it has no {OWNER_TAG} tag and no live Service on its frontend")),
    }
    if frontends.is_empty() {
        reasons.push("it is attached to no frontend".into());
    }
    let connections: Vec<serde_json::Value> = pls
        .properties
        .private_endpoint_connections
        .iter()
        .map(|c| {
            let p = &c.properties;
            json!({
                "private_endpoint": p.private_endpoint.as_ref().map(|e| &e.id),
                "status": p.private_link_service_connection_state.as_ref().and_then(|s| s.status.as_deref()),
            })
        })
        .collect();
    let approved =
        connections.iter().filter(|c| c["status"].as_str().is_some_and(|s| s.eq_ignore_ascii_case("Approved"))).count();
    let mut reason = format!("private link service {}: {}", pls.name, reasons.join("; "));
    if approved > 0 {
        reason.push_str(&format!(
            "; {approved} private endpoint connection{} still approved: those consumers (often in other subscriptions) lose connectivity when it is deleted",
            if approved == 1 { "" } else { "s" }
        ));
    }
    let frontend_ids: Vec<String> = frontends.iter().map(|f| f.id.to_string()).collect();
    let mut f = Finding::new(Kind::PlsOrphaned, Severity::Warning, &pls.id, &pls.name, reason)
        .service(owner_key.map(str::to_string))
        .with("tags", json!({OWNER_TAG: owner_key, CLUSTER_TAG: pls.tags.get(CLUSTER_TAG)}))
        .with("frontends", frontend_ids)
        .with("private_endpoint_connections", connections);
    if let Some(a) = &pls.properties.alias {
        f = f.with("alias", a.as_str());
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::{Settings, run_check};
    use serde_json::{Value, json};

    const LIVE_UID: &str = "1b2c3d4e-5f60-4718-293a-4b5c6d7e8f90";
    const GONE: &str = "a9f8e7d6c5b4a3928170f6e5d4c3b2a1";

    fn pls(name: &str, tags: Value, frontend: &str, connections: Value) -> PrivateLinkService {
        serde_json::from_value(json!({
            "id": id("Microsoft.Network/privateLinkServices", name), "name": name, "location": "westeurope",
            "tags": tags,
            "properties": {
                "loadBalancerFrontendIpConfigurations": [{"id": frontend}],
                "privateEndpointConnections": connections,
                "alias": format!("{name}.guid.westeurope.azure.privatelinkservice"),
            }
        }))
        .unwrap()
    }

    fn internal_lb(frontends: &[(&str, &str)]) -> crate::models::LoadBalancer {
        let fes: Vec<Value> = frontends
            .iter()
            .map(|(n, ip)| json!({"name": n, "id": lb_child("kubernetes-internal", "frontendIPConfigurations", n), "properties": {"privateIPAddress": ip}}))
            .collect();
        lb("kubernetes-internal", json!({"frontendIPConfigurations": fes}))
    }

    fn owned(owner: &str) -> Value {
        json!({"k8s-azure-cluster-name": "kubernetes", "k8s-azure-owner-service": owner})
    }

    fn run(s: &crate::snapshot::Snapshot) -> Verdicts {
        run_check(&CHECK, s, &Settings::default())
    }

    fn live_svc(pls_create: bool) -> crate::models::cluster::Service {
        let mut s = lb_svc("shop", "api", LIVE_UID, Some("10.224.0.7"));
        if pls_create {
            s.annotations.insert("service.beta.kubernetes.io/azure-pls-create".into(), "true".into());
        }
        s
    }

    fn live_base() -> String {
        format!("a{}", LIVE_UID.replace('-', ""))[..32].to_string()
    }

    #[test]
    fn a_service_that_asks_for_it_keeps_it() {
        let mut s = snap();
        let base = live_base();
        s.azure.load_balancers.push(internal_lb(&[(&base, "10.224.0.7")]));
        s.azure.private_link_services.push(pls(
            &format!("pls-{base}"),
            owned("shop/api"),
            &lb_child("kubernetes-internal", "frontendIPConfigurations", &base),
            json!([]),
        ));
        s.cluster.services.push(live_svc(true));
        assert!(run(&s).findings.is_empty());
    }

    #[test]
    fn gone_frontend_gone_owner_and_dropped_annotation_are_orphans() {
        let mut s = snap();
        let base = live_base();
        s.azure.load_balancers.push(internal_lb(&[(&base, "10.224.0.7")]));
        let connection = json!([{"name": "pe1.x", "properties": {
            "privateEndpoint": {"id": "/subscriptions/other/resourceGroups/c/providers/Microsoft.Network/privateEndpoints/pe1"},
            "privateLinkServiceConnectionState": {"status": "Approved"}}}]);
        // 1. Its frontend is gone.
        s.azure.private_link_services.push(pls(
            &format!("pls-{GONE}"),
            owned("shop/old"),
            &lb_child("kubernetes-internal", "frontendIPConfigurations", GONE),
            connection,
        ));
        // 2. The owner no longer asks for one.
        s.azure.private_link_services.push(pls(
            &format!("pls-{base}"),
            owned("shop/api"),
            &lb_child("kubernetes-internal", "frontendIPConfigurations", &base),
            json!([]),
        ));
        s.cluster.services.push(live_svc(false));
        let v = run(&s);
        assert_eq!(v.findings.len(), 2, "{:?} {:?}", v.findings, v.notes);
        let gone = v.findings.iter().find(|f| f.name.contains(GONE)).unwrap();
        assert!(gone.reason.contains("frontend") && gone.reason.contains("no longer exists"), "{}", gone.reason);
        assert!(gone.reason.contains("1 private endpoint connection still approved"), "{}", gone.reason);
        assert_eq!(gone.evidence.value("private_endpoint_connections")[0]["status"], "Approved");
        assert_eq!(gone.service.as_deref(), Some("shop/old"));
        let dropped = v.findings.iter().find(|f| f.name.contains(&base)).unwrap();
        assert!(dropped.reason.contains("no longer asks"), "{}", dropped.reason);
    }

    /// The owner is gone, but another live Service shares the frontend by
    /// its address: the provider keeps the service, and so does azaudit.
    #[test]
    fn a_frontend_still_serving_another_service_keeps_it() {
        let mut s = snap();
        s.azure.load_balancers.push(internal_lb(&[(GONE, "10.224.0.9")]));
        s.azure.private_link_services.push(pls(
            &format!("pls-{GONE}"),
            owned("shop/old"),
            &lb_child("kubernetes-internal", "frontendIPConfigurations", GONE),
            json!([]),
        ));
        s.cluster.services.push(lb_svc("shop", "sharer", LIVE_UID, Some("10.224.0.9")));
        let v = run(&s);
        assert!(v.findings.is_empty(), "{:?}", v.findings);
        assert!(v.notes.iter().any(|n| n.contains("kept") && n.contains("shop/sharer")), "{:?}", v.notes);
    }

    #[test]
    fn another_clusters_or_an_untagged_one_is_never_judged() {
        let mut s = snap();
        let fe = lb_child("kubernetes-internal", "frontendIPConfigurations", GONE);
        s.azure.load_balancers.push(internal_lb(&[]));
        s.azure.private_link_services.push(pls("theirs", json!({"k8s-azure-cluster-name": "other"}), &fe, json!([])));
        s.azure.private_link_services.push(pls(
            "manual",
            json!({"k8s-azure-owner-service": "shop/old"}),
            &fe,
            json!([]),
        ));
        let v = run(&s);
        assert!(v.findings.is_empty(), "{:?}", v.findings);
    }

    #[test]
    fn incomplete_lists_withhold_it() {
        let mut s = snap();
        s.azure.load_balancers.push(internal_lb(&[]));
        let fe = lb_child("kubernetes-internal", "frontendIPConfigurations", GONE);
        s.azure.private_link_services.push(pls(&format!("pls-{GONE}"), owned("shop/old"), &fe, json!([])));
        assert_eq!(run(&s).findings.len(), 1);
        for kind in [ListKind::PrivateLinkServices, ListKind::LoadBalancers] {
            let mut partial = s.clone();
            partial.lists.iter_mut().filter(|l| l.kind == kind).for_each(|l| l.complete = false);
            let v = run(&partial);
            assert!(v.findings.is_empty(), "{kind:?}");
            assert!(v.withheld.iter().any(|w| w.kinds == vec![Kind::PlsOrphaned]), "{kind:?}: {:?}", v.withheld);
        }
        let mut no_services = s.clone();
        no_services.cluster.lists.retain(|l| l.kind != ClusterKind::Services);
        assert!(run(&no_services).findings.is_empty());
    }
}
