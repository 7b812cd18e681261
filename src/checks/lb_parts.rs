//! Load-balancer frontends, rules and probes of deleted Services.
//!
//! Ownership, from kubernetes-sigs/cloud-provider-azure at 7b31c76c: the
//! base name is `"a"` + the Service UID without dashes, cut to 32
//! characters (`azure_loadbalancer.go:GetLoadBalancerName`, through
//! k8s.io/cloud-provider `DefaultLoadBalancerName`). A frontend is the
//! Service's primary one when its name starts with that base
//! (`azure_loadbalancer.go:serviceOwnsFrontendIP`); rules and probes are
//! owned by the same case-insensitive prefix
//! (`azure_loadbalancer_repo.go:serviceOwnsRule`), whatever follows it
//! (internal subnets, `-IPv6`, `azure_standard.go:getLoadBalancerRuleName`).
//! The shared probe `cluster-service-shared-health-probe` belongs to every
//! Service and is never judged; other names (AKS outbound frontends,
//! `aksOutboundBackendPool`) are not the provider's per-Service objects.
//!
//! A part named for a UID no live Service has is a candidate; it is
//! orphaned only when the usage index finds nothing live using it: the
//! provider itself keeps a frontend while other Services' rules, outbound
//! rules, inbound NAT rules or pools reference it
//! (`azure_loadbalancer.go:isFrontendIPConfigUnsafeToDelete`), which is how
//! shared IPs outlive the Service whose UID named their frontend. The
//! leftovers typically come from the frontend quota bug the source guide
//! describes (kubernetes#59255).

use super::context::provider_base;
use super::usage::{CHECKED_FRONTEND, CHECKED_PROBE, CHECKED_RULE, Status, Usage};
use super::{Check, Ctx, Emits, Verdicts, cost};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::models::LoadBalancer;
use crate::models::common::Child;
use crate::snapshot::{ClusterKind, ListKind};

/// The probe every Service shares when the provider uses a shared probe.
pub const SHARED_PROBE: &str = "cluster-service-shared-health-probe";

/// Frontends, rules and probes named for deleted Services.
pub const CHECK: Check = Check {
    name: "lb-parts",
    audit: Audit::Orphans,
    emits: &[
        Emits::new(Kind::LbFrontendOrphaned).judges(&[ListKind::LoadBalancers]).cluster(&[ClusterKind::Services]),
        Emits::new(Kind::LbRuleOrphaned).judges(&[ListKind::LoadBalancers]).cluster(&[ClusterKind::Services]),
        Emits::new(Kind::LbProbeOrphaned).judges(&[ListKind::LoadBalancers]).cluster(&[ClusterKind::Services]),
    ],
    enabled: super::always,
    run: |i| check(i.ctx, i.usage),
};

pub fn check(ctx: &Ctx, usage: &Usage) -> Verdicts {
    let mut v = Verdicts::default();
    for lb in ctx.own(&ctx.snap.azure.load_balancers) {
        if !ctx.judge(ListKind::LoadBalancers, &lb.id, "load balancer", &lb.name, &mut v.notes) {
            continue;
        }
        let p = &lb.properties;
        let at = Lb { lb };
        for fe in &p.frontends {
            let more = 1
                + usize::from(fe.properties.public_ip_address.is_some())
                + usize::from(fe.properties.private_ip_address.is_some());
            if let Some(f) =
                orphan(usage, &at, fe, "frontendIPConfigurations", Kind::LbFrontendOrphaned, more, &mut v.notes)
            {
                let mut f = f;
                if let Some(pip) = &fe.properties.public_ip_address {
                    f = f.with("public_ip", &pip.id);
                }
                if let Some(ip) = &fe.properties.private_ip_address {
                    f = f.with("private_ip", ip.as_str());
                }
                let rules = p.load_balancing_rules.iter().filter(|r| {
                    r.properties
                        .frontend_ip_configuration
                        .as_ref()
                        .is_some_and(|x| x.id.name().eq_ignore_ascii_case(&fe.name))
                });
                f = f.with("rules", rules.count());
                v.findings.push(f);
            }
        }
        let standard = lb.sku_name().is_some_and(|s| s.eq_ignore_ascii_case("Standard"));
        for rule in &p.load_balancing_rules {
            let r = &rule.properties;
            let more = usize::from(r.frontend_ip_configuration.is_some())
                + usize::from(r.protocol.is_some() && r.frontend_port.is_some());
            if let Some(f) = orphan(usage, &at, rule, "loadBalancingRules", Kind::LbRuleOrphaned, more, &mut v.notes) {
                let mut f = f.cost(if standard { cost::lb_rule() } else { None });
                if let Some(fe) = &r.frontend_ip_configuration {
                    f = f.with("frontend", fe.id.name());
                }
                if let (Some(proto), Some(port)) = (&r.protocol, &r.frontend_port) {
                    f = f.with("listener", format!("{proto}/{}", port.0));
                }
                v.findings.push(f);
            }
        }
        for probe in &p.probes {
            if probe.name.eq_ignore_ascii_case(SHARED_PROBE) {
                continue;
            }
            if let Some(f) = orphan(usage, &at, probe, "probes", Kind::LbProbeOrphaned, 1, &mut v.notes) {
                let rules = p.load_balancing_rules.iter().filter(|r| {
                    r.properties.probe.as_ref().is_some_and(|x| x.id.name().eq_ignore_ascii_case(&probe.name))
                });
                v.findings.push(f.with("rules", rules.count()));
            }
        }
    }
    v
}

/// A load balancer whose parts are judged.
struct Lb<'a> {
    lb: &'a LoadBalancer,
}

/// A finding when `child` follows the provider's naming, no live Service
/// has the UID it names, and nothing live references it (the usage index);
/// a note when something live still does. The finding has room for the
/// `more` pieces of evidence the caller adds.
fn orphan<P>(
    usage: &Usage,
    at: &Lb,
    child: &Child<P>,
    collection: &str,
    kind: Kind,
    more: usize,
    notes: &mut Vec<String>,
) -> Option<Finding> {
    let lb = at.lb;
    let base = provider_base(&child.name)?;
    let id = child.id_in(&lb.id, collection);
    let (what, severity) = match kind {
        Kind::LbFrontendOrphaned => ("frontend", Severity::Warning),
        Kind::LbRuleOrphaned => ("rule", Severity::Warning),
        _ => ("probe", Severity::Info),
    };
    match usage.status(&id) {
        Status::Orphan => {}
        Status::InUse(by) => {
            notes.push(format!(
                "{what} {} of load balancer {} is named for a deleted Service (UID prefix {}), but {by} still uses it: in use, not judged",
                child.name,
                lb.name,
                &base[1..]
            ));
            return None;
        }
        Status::NotCandidate => return None,
    }
    let checked = match kind {
        Kind::LbFrontendOrphaned => CHECKED_FRONTEND,
        Kind::LbRuleOrphaned => CHECKED_RULE,
        _ => CHECKED_PROBE,
    };
    let reason = format!(
        "{what} of load balancer {} named for Service UID prefix {}, and no live Service has that UID",
        lb.name,
        &base[1..]
    );
    // These three and the `more` the caller adds (a frontend's addresses
    // and rules, a rule's frontend and listener, a probe's rules): one
    // allocation of the size the finding keeps.
    let f = Finding::new(kind, severity, &id, &child.name, reason).room(3 + more);
    Some(f.with("load_balancer", &lb.id).with("base_name", base).with_text("checked", checked))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    #[test]
    fn parts_of_deleted_services_are_reported_with_their_own_ids() {
        let live = "a0b1c2d3e4f5061728394a5b6c7d8e9f"; // UID1's base
        let dead = "adeadbeef00000000000000000000000";
        let mut s = snap();
        s.cluster.services.push(lb_svc("shop", "web", UID1, Some("20.0.0.1")));
        s.azure.load_balancers.push(lb(
            "kubernetes",
            json!({
                "frontendIPConfigurations": [
                    {"name": live, "id": lb_child("kubernetes", "frontendIPConfigurations", live), "properties": {}},
                    {"name": dead, "id": lb_child("kubernetes", "frontendIPConfigurations", dead), "properties": {}},
                    {"name": "e1f4c2b3-0d9a-4f8e-b7c6-5a4d3c2b1a09", "properties": {}}
                ],
                "loadBalancingRules": [
                    {"name": format!("{live}-TCP-80"), "properties": {}},
                    {"name": format!("{}-TCP-443", dead.to_ascii_uppercase()), "properties": {"protocol": "Tcp", "frontendPort": 443}}
                ],
                "probes": [
                    {"name": format!("{dead}-TCP-443"), "properties": {}},
                    {"name": SHARED_PROBE, "properties": {}},
                    {"name": "custom-probe", "properties": {}}
                ]
            }),
        ));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        let got: Vec<(Kind, String)> = v.findings.iter().map(|f| (f.kind, f.resource_id.to_string())).collect();
        let fe = lb_child("kubernetes", "frontendIPConfigurations", dead);
        let rule = lb_child("kubernetes", "loadBalancingRules", &format!("{}-TCP-443", dead.to_ascii_uppercase()));
        let probe = lb_child("kubernetes", "probes", &format!("{dead}-TCP-443"));
        assert_eq!(
            got,
            vec![(Kind::LbFrontendOrphaned, fe), (Kind::LbRuleOrphaned, rule), (Kind::LbProbeOrphaned, probe)]
        );
        assert!(v.findings[1].cost.is_some());
    }

    #[test]
    fn withheld_without_the_services() {
        let mut s = snap();
        s.cluster.lists.iter_mut().for_each(|l| l.complete = false);
        s.azure.load_balancers.push(lb(
            "kubernetes",
            json!({"frontendIPConfigurations": [{"name": "adeadbeef00000000000000000000000", "properties": {}}]}),
        ));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert!(v.findings.is_empty());
        assert_eq!(v.withheld[0].kinds, CHECK.emits.iter().map(|e| e.kind).collect::<Vec<_>>());
    }

    #[test]
    fn a_frontends_public_ip_is_in_the_json_evidence() {
        // As Azure spells it: `publicIPAddress`, `privateIPAddress`.
        let dead = "adeadbeef00000000000000000000000";
        let pip_id = id("Microsoft.Network/publicIPAddresses", &format!("kubernetes-{dead}"));
        let mut s = snap();
        s.azure.load_balancers.push(lb(
            "kubernetes",
            json!({"frontendIPConfigurations": [{"name": dead, "properties": {
                "publicIPAddress": {"id": pip_id}, "privateIPAddress": "10.0.0.9"}}]}),
        ));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        let json = serde_json::to_value(&v.findings[0]).unwrap();
        assert_eq!(json["evidence"]["public_ip"], pip_id.as_str());
        assert_eq!(json["evidence"]["private_ip"], "10.0.0.9");
    }
}
