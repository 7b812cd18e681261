//! Public IPs that deleted Services left behind, IPs attached to nothing,
//! and IPs stuck in a failed state.
//!
//! Ownership, from kubernetes-sigs/cloud-provider-azure at 7b31c76c
//! (`azure_loadbalancer.go:serviceOwnsPublicIP`,
//! `getServiceFromPIPServiceTags`, `getClusterFromPIPClusterTags`): the
//! provider tags the IPs it creates with `k8s-azure-service` (a
//! comma-separated `namespace/name` list: shared IPs name several) and
//! `k8s-azure-cluster-name`; before v1.23 the keys were `service` and
//! `kubernetes-cluster-name`, still read second. An IP with no service tag
//! is user-assigned ("bring your own") and never deleted by the provider.
//! The source guide's "Service 删除后 Azure 公网 IP 未自动删除".
//!
//! A tagged IP whose named Services are all gone (or use another address,
//! or whose tag is empty) is a candidate; it is orphaned only when the
//! usage index finds nothing live using it: a frontend, a NIC, a NAT
//! gateway, whatever its own `ipConfiguration` names, or a Service's
//! `azure-pip-name`, status, `loadBalancerIP` or annotations. An untagged
//! IP is unattached only when nothing references it at all. Another
//! cluster's IPs (the cluster tag differs) and IPs in resource groups that
//! are not judged are never judged.

use super::context::Owner;
use super::ownership::{cluster_tag, owner_gone, service_tag};
use super::usage::{CHECKED_PUBLIC_IP, Status, Usage};
use super::{Check, Ctx, Emits, Verdicts, cost};
use crate::findings::{Audit, Ev, Finding, Kind, Severity};
use crate::models::PublicIp;
use crate::snapshot::{ClusterKind, ListKind};
use std::collections::HashSet;

/// Public IPs whose Services are gone, attached to nothing, or failed. An
/// IP records its own attachment (`ipConfiguration`, `natGateway`), so the
/// NIC and NAT gateway lists only confirm it; a load balancer's rules in any
/// resource group can keep an orphan-named frontend's IP, so that list must
/// be complete for `public-ip-orphaned`.
pub const CHECK: Check = Check {
    name: "public-ip",
    audit: Audit::Orphans,
    emits: &[
        Emits::new(Kind::PublicIpOrphaned)
            .judges(&[ListKind::PublicIps])
            .refs(&[ListKind::LoadBalancers])
            .cluster(&[ClusterKind::Services]),
        Emits::new(Kind::PublicIpUnattached).judges(&[ListKind::PublicIps]).cluster(&[ClusterKind::Services]),
        Emits::new(Kind::PublicIpFailed).judges(&[ListKind::PublicIps]),
    ],
    enabled: super::always,
    run: |i| check(i.ctx, i.usage, i.withheld),
};

pub fn check(ctx: &Ctx, usage: &Usage, withheld: &HashSet<Kind>) -> Verdicts {
    let mut v = Verdicts::default();
    // Without the Services only failed IPs can be judged.
    let services_gap = withheld.contains(&Kind::PublicIpUnattached);
    let mut heads = HeadParts::default();
    for pip in ctx.own(&ctx.snap.azure.public_ips) {
        if !ctx.covered(ListKind::PublicIps, &pip.id) {
            continue;
        }
        if let Some(f) = failed(ctx, pip) {
            v.findings.push(f);
            continue;
        }
        if services_gap {
            continue;
        }
        match service_tag(pip) {
            Some(_) => managed(ctx, usage, pip, &mut v, &mut heads),
            None => unmanaged(ctx, usage, pip, &mut v),
        }
    }
    v
}

/// How many entries [`base_evidence`] sets for this IP: a finding makes
/// room for these and its own at once, and keeps no spare room.
fn base_len(pip: &PublicIp) -> usize {
    let p = &pip.properties;
    [
        p.ip_address.is_some(),
        pip.sku_name().is_some(),
        p.allocation_method.is_some(),
        p.ip_configuration.is_some(),
        p.dns_settings.as_ref().is_some_and(|d| d.domain_name_label.is_some()),
        !pip.tags.is_empty(),
    ]
    .into_iter()
    .filter(|&set| set)
    .count()
}

fn base_evidence(f: Finding, pip: &PublicIp) -> Finding {
    let p = &pip.properties;
    let mut f = f;
    if let Some(ip) = &p.ip_address {
        f = f.with("ip_address", ip.as_str());
    }
    if let Some(sku) = pip.sku_name() {
        f = f.with("sku", sku);
    }
    if let Some(m) = &p.allocation_method {
        f = f.with("allocation", &**m);
    }
    if let Some(c) = &p.ip_configuration {
        f = f.with("ip_configuration", &c.id);
    }
    if let Some(label) = p.dns_settings.as_ref().and_then(|d| d.domain_name_label.as_deref()) {
        f = f.with("dns_label", label);
    }
    if !pip.tags.is_empty() {
        f = f.with("tags", &pip.tags);
    }
    f
}

/// Provisioning state Failed, or a static IP without an address. The
/// provider counts an address-less IP as its Service's, and so releases it,
/// only since v1.34.0 (v1.32.8, v1.33.3: `serviceOwnsPublicIP`); the wording
/// follows the cluster's version when it is known.
fn failed(ctx: &Ctx, pip: &PublicIp) -> Option<Finding> {
    let p = &pip.properties;
    let state = p.provisioning_state.as_deref().unwrap_or("");
    let is_failed = state.eq_ignore_ascii_case("Failed");
    let settled = state.is_empty() || state.eq_ignore_ascii_case("Succeeded") || is_failed;
    let is_static = p.allocation_method.as_deref().is_some_and(|m| m.eq_ignore_ascii_case("Static"));
    let no_address = p.ip_address.as_deref().is_none_or(|a| a.trim().is_empty());
    let reason = if is_failed {
        "provisioning state is Failed: the IP never became usable"
    } else if settled && is_static && no_address && p.public_ip_prefix.is_none() {
        "a static public IP without an address: allocation failed and the object was left behind"
    } else {
        return None;
    };
    let version = ctx.cluster.server_version.as_deref().and_then(super::known_issues::Version::parse);
    let fixed = version
        .map(|v| (v.major, v.minor, v.patch))
        .map(|v| v >= (1, 34, 0) || (v.0, v.1) == (1, 33) && v.2 >= 3 || (v.0, v.1) == (1, 32) && v.2 >= 8);
    let reason = match fixed {
        Some(true) => format!(
            "{reason}; this cluster's provider (v{}) releases such IPs when their Service reconciles, so one that stays is no Service's",
            version.map(|v| format!("{}.{}", v.major, v.minor)).unwrap_or_default()
        ),
        Some(false) => format!(
            "{reason}; this cluster's provider (v{}) does not release address-less IPs (fixed in v1.34.0, v1.33.3, v1.32.8): delete it by hand",
            version.map(|v| format!("{}.{}", v.major, v.minor)).unwrap_or_default()
        ),
        None => reason.to_string(),
    };
    let f = Finding::new(Kind::PublicIpFailed, Severity::Warning, &pip.id, &pip.name, reason)
        .room(base_len(pip) + 1)
        .with("provisioning_state", state);
    Some(base_evidence(f, pip))
}

/// An IP the cloud provider created for Services (it has a service tag).
fn managed(ctx: &Ctx, usage: &Usage, pip: &PublicIp, v: &mut Verdicts, heads: &mut HeadParts) {
    let rg = pip.id.resource_group().unwrap_or("");
    if cluster_tag(pip).is_some_and(|(_, name)| !name.eq_ignore_ascii_case(ctx.cluster_name)) {
        return; // another cluster's
    }
    match ctx.rg_owner(pip.id.subscription(), rg) {
        Owner::Ours => {}
        Owner::Other(why) | Owner::Unknown(why) => {
            v.notes.push(format!("public IP {} not judged: {why}", pip.name));
            return;
        }
    }
    let Some(gone) = owner_gone(ctx, pip) else { return };
    let mut reason = match usage.status(&pip.id) {
        Status::Orphan => gone.reason,
        Status::InUse(by) => {
            v.notes.push(format!(
                "public IP {} is tagged for {} ({}), but {by} still uses it: in use, not judged",
                pip.name,
                if gone.names.is_empty() { "no Service".to_string() } else { gone.names.join(", ") },
                gone.reason
            ));
            return;
        }
        Status::NotCandidate => return,
    };
    if let Some(c) = &pip.properties.ip_configuration {
        reason.push_str("; still attached to ");
        reason.push_str(&describe_config(&c.id, heads));
        reason.push_str(", which is itself left over");
    }
    if let Some(label) = pip.properties.dns_settings.as_ref().and_then(|d| d.domain_name_label.as_deref()) {
        reason.push_str("; it keeps DNS label '");
        reason.push_str(label);
        reason.push_str("', so re-creating that label fails until it is deleted");
    }
    let f = Finding::new(Kind::PublicIpOrphaned, Severity::Warning, &pip.id, &pip.name, reason)
        .room(base_len(pip) + 2 + usize::from(cluster_tag(pip).is_some()))
        .with("service_tag", Ev::map([(gone.tag_key, gone.tag_value)]))
        .with_text("checked", CHECKED_PUBLIC_IP)
        .service(gone.names.first().map(|n| n.to_string()))
        .cost(cost::public_ip(pip));
    let f = match cluster_tag(pip) {
        Some((k, val)) => f.with("cluster_tag", Ev::map([(k, val)])),
        None => f,
    };
    v.findings.push(base_evidence(f, pip));
}

/// An IP without a service tag: user-created, or not Kubernetes' at all.
/// It is unattached only when nothing at all references it.
fn unmanaged(ctx: &Ctx, usage: &Usage, pip: &PublicIp, v: &mut Verdicts) {
    // Any reference at all: a Service, whatever its ipConfiguration or
    // natGateway names, a frontend, a NIC, a NAT gateway.
    if usage.referenced(&pip.id) {
        return;
    }
    let rg = pip.id.resource_group().unwrap_or("");
    match ctx.rg_owner(pip.id.subscription(), rg) {
        Owner::Ours => {}
        Owner::Other(why) | Owner::Unknown(why) => {
            v.notes.push(format!("public IP {} not judged: {why}", pip.name));
            return;
        }
    }
    let locks = ctx.locks_for(&pip.id);
    let mut reason =
        "attached to nothing: no ipConfiguration, no NAT gateway, and no Service names it or uses its address"
            .to_string();
    let severity = if locks.is_empty() {
        Severity::Warning
    } else {
        reason.push_str(&format!("; locked ({}), so probably kept on purpose", locks[0].level));
        Severity::Info
    };
    let f = Finding::new(Kind::PublicIpUnattached, severity, &pip.id, &pip.name, reason)
        .room(base_len(pip) + 1)
        .with_text("checked", CHECKED_PUBLIC_IP)
        .cost(cost::public_ip(pip));
    v.findings.push(base_evidence(f, pip));
}

/// The segments of each interned ID head split so far, by the head's
/// address (heads live as long as the process): the IPs attached to one
/// load balancer's frontends share one, and splitting each ID again cost as
/// much as the rest of its finding.
#[derive(Default)]
struct HeadParts(foldhash::HashMap<usize, Vec<&'static str>>);

/// "load-balancer frontend kubernetes/a0b1..." from an ipConfiguration ID,
/// read from its parts as from its whole text.
fn describe_config(id: &crate::models::ResourceId, heads: &mut HeadParts) -> String {
    let head = match id.head() {
        Some(h) => &**heads.0.entry(h.as_ptr() as usize).or_insert_with(|| h.split('/').collect()),
        None => &[],
    };
    let name = id.name();
    let tail = id.tail();
    let parts = || head.iter().copied().chain(std::iter::once(tail));
    let len = head.len() + 1;
    // A segment with a `/` on either side, as in `.../loadBalancers/lb/...`.
    let inner = |key: &str| parts().take(len - 1).skip(1).any(|p| p.eq_ignore_ascii_case(key));
    let value = |key: &str| {
        let mut it = parts();
        it.position(|p| p.eq_ignore_ascii_case(key))?;
        it.next().filter(|v| !v.is_empty())
    };
    if inner("loadBalancers") {
        format!("load-balancer frontend {}/{name}", value("loadBalancers").unwrap_or("?"))
    } else if inner("networkInterfaces") {
        format!("network interface {}", value("networkInterfaces").unwrap_or("?"))
    } else {
        id.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

    /// An ipConfiguration is described from its ID's parts as it was from
    /// its whole text, odd IDs included.
    #[test]
    fn a_configuration_is_described_from_its_parts_as_from_its_text() {
        let by_text = |id: &str| -> String {
            let rid = crate::models::ResourceId::new(id);
            let lower = id.to_ascii_lowercase();
            if lower.contains("/loadbalancers/") {
                format!("load-balancer frontend {}/{}", rid.segment("loadBalancers").unwrap_or("?"), rid.name())
            } else if lower.contains("/networkinterfaces/") {
                format!("network interface {}", rid.segment("networkInterfaces").unwrap_or("?"))
            } else {
                id.to_string()
            }
        };
        let rg = "/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Network";
        let ids = [
            format!("{rg}/loadBalancers/kubernetes/frontendIPConfigurations/a0b1"),
            format!("{rg}/LOADBALANCERS/kubernetes-internal/frontendIPConfigurations/x/"),
            format!("{rg}/loadBalancers//frontendIPConfigurations/fe"),
            format!("{rg}/loadBalancers"),
            format!("{rg}/loadBalancers/"),
            format!("{rg}/networkInterfaces/nic-1/ipConfigurations/ipconfig1"),
            format!("{rg}/networkinterfaces/nic-1"),
            format!("{rg}/natGateways/nat/loadBalancers"),
            "loadBalancers/lb/frontendIPConfigurations/fe".to_string(),
            "/loadBalancers/lb".to_string(),
            "pip".to_string(),
            String::new(),
        ];
        // Each alone, and after each other (the split head is kept).
        let mut heads = HeadParts::default();
        for id in ids.iter().chain(&ids).chain(ids.iter().rev()) {
            let rid = crate::models::ResourceId::new(id);
            assert_eq!(describe_config(&rid, &mut HeadParts::default()), by_text(id), "{id}");
            assert_eq!(describe_config(&rid, &mut heads), by_text(id), "{id}, after others");
        }
    }

    fn kinds(v: &Verdicts) -> Vec<(Kind, String)> {
        v.findings.iter().map(|f| (f.kind, f.name.clone())).collect()
    }

    #[test]
    fn deleted_service_leaves_an_orphan_even_when_attached() {
        let mut s = snap();
        s.azure.public_ips.push(pip(
            "kubernetes-a0b1",
            &[("k8s-azure-service", "shop/old-api"), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.2",
            Some(FRONTEND),
        ));
        // The frontend holding it is the deleted Service's too (named for
        // its UID, no rule left): both are left over.
        let fe_name = FRONTEND.rsplit('/').next().unwrap();
        let pip_id = s.azure.public_ips[0].id.to_string();
        s.azure.load_balancers.push(lb(
            "kubernetes",
            serde_json::json!({"frontendIPConfigurations": [
                {"name": fe_name, "id": FRONTEND, "properties": {"publicIPAddress": {"id": pip_id}}}]}),
        ));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert_eq!(kinds(&v), vec![(Kind::PublicIpOrphaned, "kubernetes-a0b1".into())]);
        let f = &v.findings[0];
        assert!(f.reason.contains("shop/old-api no longer exists"), "{}", f.reason);
        assert!(f.reason.contains("still attached to load-balancer frontend kubernetes/"), "{}", f.reason);
        assert!(f.evidence.value("checked").as_str().unwrap().contains("no load-balancer frontend, NIC"), "{f:?}");
        assert_eq!(f.service.as_deref(), Some("shop/old-api"));
        assert!(f.cost.as_ref().is_some_and(|c| c.approximate && c.monthly_usd > 0.0));
    }

    #[test]
    fn an_ip_held_by_something_azaudit_does_not_list_is_in_use() {
        // Tagged for a deleted Service, but its ipConfiguration is an
        // application gateway's: a live holder azaudit cannot judge.
        let mut s = snap();
        let holder = "/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/MC_rg/providers/Microsoft.Network/applicationGateways/agw/frontendIPConfigurations/public";
        s.azure.public_ips.push(pip(
            "kubernetes-a0b1",
            &[("k8s-azure-service", "shop/old-api"), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.2",
            Some(holder),
        ));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert!(v.findings.is_empty(), "{:?}", v.findings);
        assert!(
            v.notes.iter().any(|n| n.contains("kubernetes-a0b1")
                && n.contains("applicationGateways/agw")
                && n.contains("in use, not judged")),
            "{:?}",
            v.notes
        );
    }

    #[test]
    fn shared_ip_with_one_live_service_is_in_use_and_empty_tag_is_orphaned() {
        let mut s = snap();
        s.cluster.services.push(lb_svc("shop", "web", UID1, Some("20.0.0.1")));
        s.azure.public_ips.push(pip(
            "shared",
            &[("k8s-azure-service", "shop/gone,shop/web"), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.1",
            None,
        ));
        s.azure.public_ips.push(pip(
            "emptied",
            &[("k8s-azure-service", ""), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.9",
            None,
        ));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert_eq!(kinds(&v), vec![(Kind::PublicIpOrphaned, "emptied".into())]);
        assert!(v.findings[0].reason.contains("empty k8s-azure-service tag"));
    }

    /// The usage index's quick verdict is the check's, IP by IP: gone
    /// Services, a live one, one that moved to another address, an empty
    /// tag, legacy tags, another cluster's tag and no tag at all.
    #[test]
    fn the_quick_owner_verdict_is_the_full_one() {
        let mut s = snap();
        s.cluster.services.push(lb_svc("shop", "web", UID1, Some("20.0.0.1")));
        s.cluster.services.push(lb_svc("shop", "moved", UID1, Some("20.0.0.99")));
        let cases: [(&str, &[(&str, &str)]); 8] = [
            ("gone", &[("k8s-azure-service", "shop/gone")]),
            ("shared", &[("k8s-azure-service", "shop/gone, shop/web")]),
            ("moved", &[("k8s-azure-service", "shop/moved")]),
            ("moved-and-gone", &[("k8s-azure-service", "shop/moved,shop/gone")]),
            ("emptied", &[("k8s-azure-service", " , "), ("k8s-azure-cluster-name", "kubernetes")]),
            ("legacy", &[("service", "shop/old"), ("kubernetes-cluster-name", "kubernetes")]),
            ("other", &[("k8s-azure-service", "shop/gone"), ("k8s-azure-cluster-name", "staging")]),
            ("untagged", &[]),
        ];
        for (i, (name, tags)) in cases.iter().enumerate() {
            // The shared IP is the address shop/web uses.
            let address = if *name == "shared" { "20.0.0.1".to_string() } else { format!("20.0.1.{i}") };
            s.azure.public_ips.push(pip(name, tags, &address, None));
        }
        let ctx = crate::checks::context::Ctx::new(&s);
        let mut gone = Vec::new();
        for p in &s.azure.public_ips {
            let full = owner_gone(&ctx, p).is_some();
            assert_eq!(super::super::ownership::is_owner_gone(&ctx, p), full, "{}", p.name);
            if full {
                gone.push(p.name.as_str());
            }
        }
        assert_eq!(gone, ["gone", "moved", "moved-and-gone", "emptied", "legacy"]);
    }

    #[test]
    fn legacy_tags_are_read_after_the_new_ones() {
        let mut s = snap();
        s.azure.public_ips.push(pip(
            "legacy",
            &[("service", "shop/old"), ("kubernetes-cluster-name", "kubernetes")],
            "20.0.0.3",
            None,
        ));
        s.azure.public_ips.push(pip(
            "legacy-other",
            &[("service", "shop/old"), ("kubernetes-cluster-name", "staging")],
            "20.0.0.4",
            None,
        ));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert_eq!(kinds(&v), vec![(Kind::PublicIpOrphaned, "legacy".into())]);
        assert!(v.findings[0].evidence.value("service_tag")["service"] == "shop/old");
    }

    #[test]
    fn another_clusters_ip_is_never_judged() {
        let mut s = snap();
        s.azure.public_ips.push(pip(
            "theirs",
            &[("k8s-azure-service", "shop/gone"), ("k8s-azure-cluster-name", "staging")],
            "20.0.0.5",
            None,
        ));
        // Same (default) cluster name, but in another AKS cluster's node resource group.
        let mut other = pip(
            "other-aks",
            &[("k8s-azure-service", "shop/gone"), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.6",
            None,
        );
        other.id = crate::models::ResourceId::new(format!(
            "/subscriptions/{SUB}/resourceGroups/MC_staging/providers/Microsoft.Network/publicIPAddresses/other-aks"
        ));
        s.azure.public_ips.push(other);
        s.azure.managed_clusters.push(aks("aks-staging", "MC_staging"));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert!(v.findings.is_empty(), "{:?}", kinds(&v));
    }

    #[test]
    fn user_created_ip_referenced_by_annotation_or_address_is_in_use() {
        let mut s = snap();
        let mut web = lb_svc("shop", "web", UID1, None);
        web.annotations.insert("service.beta.kubernetes.io/azure-pip-name".into(), "byo-ip".into());
        s.cluster.services.push(web);
        let mut api = lb_svc("shop", "api", UID2, None);
        api.load_balancer_ip = Some("20.0.0.8".into());
        s.cluster.services.push(api);
        s.azure.public_ips.push(pip("byo-ip", &[], "20.0.0.7", None));
        s.azure.public_ips.push(pip("byo-by-address", &[], "20.0.0.8", None));
        s.azure.public_ips.push(pip("forgotten", &[], "20.0.0.9", None));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert_eq!(kinds(&v), vec![(Kind::PublicIpUnattached, "forgotten".into())]);
        assert_eq!(v.findings[0].severity, Severity::Warning);
    }

    #[test]
    fn nat_gateway_ip_is_in_use() {
        let mut s = snap();
        let mut nat = pip("nat-egress", &[], "20.0.0.10", None);
        nat.properties.nat_gateway = Some(Box::new(sub_res(
            "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/natGateways/egress",
        )));
        s.azure.public_ips.push(nat);
        assert!(crate::checks::run_check(&CHECK, &s, &Default::default()).findings.is_empty());
    }

    #[test]
    fn service_switched_to_another_ip_leaves_the_managed_one_behind() {
        let mut s = snap();
        s.cluster.services.push(lb_svc("shop", "web", UID1, Some("20.0.0.99")));
        s.azure.public_ips.push(pip(
            "kubernetes-old",
            &[("k8s-azure-service", "shop/web"), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.11",
            None,
        ));
        // A pending Service (no ingress yet) is assumed to use its IP.
        s.cluster.services.push(lb_svc("shop", "pending", UID2, None));
        s.azure.public_ips.push(pip(
            "kubernetes-pending",
            &[("k8s-azure-service", "shop/pending"), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.12",
            None,
        ));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert_eq!(kinds(&v), vec![(Kind::PublicIpOrphaned, "kubernetes-old".into())]);
        assert!(v.findings[0].reason.contains("Service shop/web now uses 20.0.0.99"), "{}", v.findings[0].reason);
    }

    #[test]
    fn failed_and_addressless_static_ips() {
        let mut s = snap();
        let mut failed = pip("failed", &[("k8s-azure-service", "shop/web")], "", None);
        failed.properties.ip_address = None;
        failed.properties.provisioning_state = Some("Failed".into());
        s.azure.public_ips.push(failed);
        let mut empty = pip("no-address", &[], "", None);
        empty.properties.ip_address = None;
        s.azure.public_ips.push(empty);
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert_eq!(
            kinds(&v),
            vec![(Kind::PublicIpFailed, "failed".into()), (Kind::PublicIpFailed, "no-address".into())]
        );
        // The wording follows the provider version when it is known.
        s.cluster.server_version = Some("v1.30.4".into());
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert!(v.findings[0].reason.contains("(v1.30) does not release address-less IPs"), "{}", v.findings[0].reason);
        s.cluster.server_version = Some("v1.33.3".into());
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert!(v.findings[0].reason.contains("(v1.33) releases such IPs"), "{}", v.findings[0].reason);
    }

    #[test]
    fn locked_unattached_ip_is_info() {
        let mut s = snap();
        s.azure.public_ips.push(pip("kept", &[], "20.0.0.13", None));
        s.azure.locks.push(lock(&format!("{}/providers/Microsoft.Network/publicIPAddresses/kept", rg_id())));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert_eq!(v.findings[0].severity, Severity::Info);
        assert!(v.findings[0].reason.contains("locked (CanNotDelete)"));
    }

    #[test]
    fn incomplete_cluster_or_pip_list_withholds_verdicts() {
        let mut s = snap();
        s.azure.public_ips.push(pip(
            "kubernetes-a0b1",
            &[("k8s-azure-service", "shop/old-api"), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.2",
            None,
        ));
        s.azure.public_ips.push(pip("forgotten", &[], "20.0.0.9", None));
        let mut no_services = s.clone();
        no_services.cluster.lists.retain(|l| l.kind != ClusterKind::Services);
        let v = crate::checks::run_check(&CHECK, &no_services, &Default::default());
        assert!(v.findings.is_empty());
        assert!(v.withheld.iter().any(|w| w.kinds.contains(&Kind::PublicIpOrphaned)));

        let mut skipped = s.clone();
        skipped.cluster.source = crate::snapshot::ClusterSource::Skipped;
        assert!(crate::checks::run_check(&CHECK, &skipped, &Default::default()).findings.is_empty());

        let mut pip_403 = s.clone();
        pip_403.lists.iter_mut().filter(|l| l.kind == ListKind::PublicIps).for_each(|l| l.complete = false);
        let v = crate::checks::run_check(&CHECK, &pip_403, &Default::default());
        assert!(v.findings.is_empty());
        assert!(v.withheld.iter().any(|w| w.kinds.contains(&Kind::PublicIpFailed)));
    }
}
