//! NSG rules the cloud provider made for Services that are gone.
//!
//! Managed rules (facts file, section 4): since v1.29
//! `k8s-azure-lb_allow_<IPv4|IPv6>_<md5>` and `k8s-azure-lb_deny-all_...`,
//! managed when prefixed `k8s-azure-lb` with priority 500–4096; before v1.29
//! `<base>-<Protocol>-<port>-<source>` or `shared-<Protocol>-<port>-<source>`.
//! A Service owns a rule only through its load-balancer IPs in the rule's
//! destinations, so a rule is stale when its destination IPs belong to no
//! live Service, and half-stale when only some do. Stale allow rules keep a
//! hole open to an address Azure may hand to someone else.

use super::context::provider_base;
use super::{Ctx, Verdicts};
use crate::findings::{Finding, Kind, Severity};
use crate::models::common::Child;
use crate::models::nsg::SecurityRuleProperties;
use crate::snapshot::{ClusterKind, ListKind};
use serde_json::json;
use std::net::IpAddr;

/// Which managed-rule form a rule name is, if any.
pub fn managed_form(rule: &Child<SecurityRuleProperties>) -> Option<&'static str> {
    let name = rule.name.as_str();
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("k8s-azure-lb") {
        let prio = rule.properties.priority.as_ref().map(|p| p.0).unwrap_or(0);
        return (500..=4096).contains(&prio).then_some("k8s-azure-lb (v1.29+)");
    }
    let proto_port = |rest: &str| {
        let mut it = rest.splitn(3, '-');
        let proto = it.next().unwrap_or("");
        let port = it.next().unwrap_or("");
        ["tcp", "udp", "sctp", "all"].contains(&proto.to_ascii_lowercase().as_str())
            && !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
    };
    if let Some(base) = provider_base(name)
        && name.len() > base.len() + 1
        && proto_port(&name[base.len() + 1..])
    {
        return Some("legacy <base>-<Protocol>-<port>-<source>");
    }
    if let Some(rest) = lower.strip_prefix("shared-")
        && proto_port(rest)
    {
        return Some("legacy shared-<Protocol>-<port>-<source>");
    }
    None
}

/// A destination prefix as a single IP (`20.1.2.3`, `20.1.2.3/32`).
fn single_ip(prefix: &str) -> Option<String> {
    let p = prefix.trim();
    let (addr, len) = match p.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (p, None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let full = if ip.is_ipv4() { "32" } else { "128" };
    match len {
        None => Some(ip.to_string()),
        Some(l) if l == full => Some(ip.to_string()),
        _ => None,
    }
}

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    if let Some(gap) = ctx.azure_gap(ListKind::Nsgs) {
        v.withhold(&[Kind::NsgRuleStale], gap);
    }
    if let Some(gap) = ctx.cluster_gap(ClusterKind::Services) {
        v.withhold(&[Kind::NsgRuleStale], gap);
        return v;
    }
    for nsg in &ctx.snap.azure.network_security_groups {
        if !ctx.judge(ListKind::Nsgs, &nsg.id, "network security group", &nsg.name, &mut v.notes) {
            continue;
        }
        for rule in &nsg.properties.security_rules {
            let Some(form) = managed_form(rule) else { continue };
            let ips: Vec<String> = rule.properties.destinations().filter_map(single_ip).collect();
            if ips.is_empty() {
                continue;
            }
            let dead: Vec<&String> = ips.iter().filter(|ip| ctx.ip_users(ip).is_empty()).collect();
            if dead.is_empty() {
                continue;
            }
            let dead_list = dead.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            let reason = if dead.len() == ips.len() {
                format!("managed rule in NSG {} opens {dead_list}, which no live Service uses", nsg.name)
            } else {
                format!(
                    "managed rule in NSG {} still lists {dead_list}, which no live Service uses ({} of {} destinations)",
                    nsg.name,
                    dead.len(),
                    ips.len()
                )
            };
            let id = rule
                .id
                .as_ref()
                .map(|i| i.as_str().to_string())
                .unwrap_or_else(|| format!("{}/securityRules/{}", nsg.id, rule.name));
            let owner = provider_base(&rule.name).and_then(|b| ctx.service_by_base(b)).map(|s| s.key());
            v.findings.push(
                Finding::new(Kind::NsgRuleStale, Severity::Warning, &id, &rule.name, reason)
                    .with("nsg", nsg.id.as_str())
                    .with("form", form)
                    .with("dead_destinations", json!(dead))
                    .with("destinations", json!(ips))
                    .with("priority", rule.properties.priority.as_ref().map(|p| p.0))
                    .service(owner),
            );
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    #[test]
    fn both_forms_whole_and_partial() {
        let mut s = snap();
        s.cluster.services.push(lb_svc("shop", "web", UID1, Some("20.0.0.1")));
        let n = "aks-agentpool-nsg";
        s.azure.network_security_groups.push(nsg(
            n,
            json!([
                nsg_rule(n, "k8s-azure-lb_allow_IPv4_0123456789abcdef0123456789abcdef", 500, &["20.0.0.1"]),
                nsg_rule(n, "k8s-azure-lb_allow_IPv4_fedcba9876543210fedcba9876543210", 501, &["20.0.0.2"]),
                nsg_rule(
                    n,
                    "k8s-azure-lb_allow_IPv4_aaaabbbbccccddddeeeeffff00001111",
                    502,
                    &["20.0.0.1", "20.0.0.3/32"]
                ),
                nsg_rule(n, "adeadbeef00000000000000000000000-TCP-80-Internet", 503, &["20.0.0.4"]),
                nsg_rule(n, "shared-TCP-443-Internet", 504, &["20.0.0.5", "20.0.0.1"]),
                nsg_rule(n, "allow-ssh-from-office", 100, &["20.0.0.9"]),
                nsg_rule(n, "k8s-azure-lb_custom", 100, &["20.0.0.9"])
            ]),
        ));
        let v = check(&Ctx::new(&s));
        let got: Vec<(&str, Vec<String>)> = v
            .findings
            .iter()
            .map(|f| (f.name.as_str(), serde_json::from_value(f.evidence["dead_destinations"].clone()).unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("k8s-azure-lb_allow_IPv4_fedcba9876543210fedcba9876543210", vec!["20.0.0.2".to_string()]),
                ("k8s-azure-lb_allow_IPv4_aaaabbbbccccddddeeeeffff00001111", vec!["20.0.0.3".to_string()]),
                ("adeadbeef00000000000000000000000-TCP-80-Internet", vec!["20.0.0.4".to_string()]),
                ("shared-TCP-443-Internet", vec!["20.0.0.5".to_string()]),
            ]
        );
        assert!(v.findings.iter().all(|f| f.severity == Severity::Warning));
        assert!(v.findings[1].reason.contains("(1 of 2 destinations)"), "{}", v.findings[1].reason);
    }
}
