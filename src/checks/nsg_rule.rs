//! NSG rules, and destinations in them, that no live Service wants.
//!
//! From the provider's own reconciler (cloud-provider-azure at
//! 7b31c76c, `pkg/provider/azure_loadbalancer_accesscontrol.go`,
//! `pkg/provider/securitygroup/`):
//! - A rule is the provider's when its name starts with `k8s-azure-lb` and
//!   its priority is 500–4096 (`securityrule.go:IsManagedSecurityRule`).
//!   Since v1.29 rules are `k8s-azure-lb_allow_<IPv4|IPv6>_<md5>` (shared
//!   by every Service with the same protocol, sources and ports) and
//!   `k8s-azure-lb_deny-all_<family>`; ownership is per destination, never
//!   per rule. Up to v1.28 they were `<base>-<PROTO>-<port>-<source>` (the
//!   Service's UID) or `shared-<PROTO>-<port>-<source>`; since v1.35 (and
//!   v1.31.9, v1.32.8, v1.33.3, v1.34.1) the provider never touches those
//!   again, so any that outlive their Service stay forever.
//! - Every destination the current reconciler writes is a single host
//!   address: a Service's frontend IPs, its `azure-additional-public-ips`,
//!   or (floating IP disabled) node IPs (`reconcileSecurityGroup`). The
//!   legacy one also wrote `*` for a Service without an IP.
//! - A destination is wanted, and kept by the provider itself, when it is
//!   any Service's `status.loadBalancer.ingress` IP (any type, even while
//!   deleting), any Service's additional public IP, or the InternalIP of any
//!   node not labelled `kubernetes.azure.com/managed=false`
//!   (`listAvailableSecurityGroupDestinations`).
//!
//! A rule is stale only when azaudit can explain every destination and none
//! is wanted; a partly stale rule lists exactly the dead destinations. A
//! destination azaudit cannot explain (a CIDR, a service tag, `*` in a
//! current rule) leaves the rule not judged, with a note. Stale allow rules
//! keep a hole open to an address Azure may hand to someone else.

use super::context::{IpKey, provider_base};
use super::known_issues::Version;
use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::models::common::Child;
use crate::models::nsg::SecurityRuleProperties;
use crate::snapshot::{ClusterKind, ListKind};
use serde_json::json;

/// Destination (parsed, so any spelling of an address is one key) -> what
/// keeps it, asked once per rule destination.
type Wanted = foldhash::HashMap<IpKey, String>;
use std::net::IpAddr;

/// Which managed-rule form a rule name is, if any.
pub fn managed_form(rule: &Child<SecurityRuleProperties>) -> Option<&'static str> {
    let name = rule.name.as_str();
    // Go's strings.HasPrefix: exact case.
    if name.starts_with("k8s-azure-lb") {
        let prio = rule.properties.priority.as_ref().map(|p| p.0).unwrap_or(0);
        return (500..=4096).contains(&prio).then_some("k8s-azure-lb (v1.29+)");
    }
    let proto_port = |rest: &str| {
        let mut it = rest.splitn(3, '-');
        let proto = it.next().unwrap_or("");
        let port = it.next().unwrap_or("");
        ["tcp", "udp", "sctp", "all"].iter().any(|p| p.eq_ignore_ascii_case(proto))
            && !port.is_empty()
            && port.chars().all(|c| c.is_ascii_digit())
    };
    if let Some(base) = provider_base(name)
        && name.len() > base.len() + 1
        && proto_port(&name[base.len() + 1..])
    {
        return Some("legacy <base>-<Protocol>-<port>-<source>");
    }
    // Asked of every rule: the prefix is matched in any case in place.
    if let Some(rest) = name.get(..7).filter(|p| p.eq_ignore_ascii_case("shared-")).map(|_| &name[7..])
        && proto_port(rest)
    {
        return Some("legacy shared-<Protocol>-<port>-<source>");
    }
    None
}

/// A destination prefix as a single IP (`20.1.2.3`, `20.1.2.3/32`).
fn single_ip(prefix: &str) -> Option<IpAddr> {
    let p = prefix.trim();
    let (addr, len) = match p.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (p, None),
    };
    let ip: IpAddr = addr.parse().ok()?;
    let full = if ip.is_ipv4() { "32" } else { "128" };
    match len {
        None => Some(ip),
        Some(l) if l == full => Some(ip),
        _ => None,
    }
}

/// The label that keeps a node's addresses out of the provider's NSG work.
pub const UNMANAGED_NODE_LABEL: &str = crate::models::cluster::labels::UNMANAGED;

/// Every destination the provider keeps: any Service's ingress and
/// additional IPs, and managed nodes' internal IPs (normalised).
fn wanted(ctx: &Ctx) -> Wanted {
    let mut out = Wanted::default();
    for s in &ctx.cluster.services {
        for ip in s.ingress_ips() {
            out.entry(IpKey::of(ip)).or_insert_with(|| format!("Service {} (status.loadBalancer.ingress)", s.key()));
        }
        for ip in s.additional_public_ips() {
            out.entry(IpKey::of(ip)).or_insert_with(|| format!("Service {} (azure-additional-public-ips)", s.key()));
        }
    }
    for n in &ctx.cluster.nodes {
        if n.label(UNMANAGED_NODE_LABEL).is_some_and(|v| v.eq_ignore_ascii_case("false")) {
            continue;
        }
        for a in n.addresses.iter().filter(|a| a.type_ == "InternalIP") {
            out.entry(IpKey::of(&a.address)).or_insert_with(|| format!("node {} (InternalIP)", n.name));
        }
    }
    out
}

/// NSG rules the provider wrote for addresses no Service uses any more.
pub const CHECK: Check = Check {
    name: "nsg-rule",
    audit: Audit::Orphans,
    emits: &[Emits::new(Kind::NsgRuleStale)
        .judges(&[ListKind::Nsgs])
        .cluster(&[ClusterKind::Services, ClusterKind::Nodes])],
    enabled: super::always,
    run: |i| check(i.ctx),
};

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    let wanted = wanted(ctx);
    let version = ctx.cluster.server_version.as_deref().and_then(Version::parse);
    // One set of buffers for every rule (80,000 on a large run), cleared
    // per rule.
    let mut dests: Vec<&str> = Vec::new();
    let mut dead: Vec<String> = Vec::new();
    // Spelt out only for a rule that is reported (most are kept).
    let mut kept: Vec<(IpAddr, &String)> = Vec::new();
    let mut unexplained: Vec<&str> = Vec::new();
    for nsg in ctx.own(&ctx.snap.azure.network_security_groups) {
        if !ctx.judge(ListKind::Nsgs, &nsg.id, "network security group", &nsg.name, &mut v.notes) {
            continue;
        }
        for rule in &nsg.properties.security_rules {
            let Some(form) = managed_form(rule) else { continue };
            let legacy = !form.starts_with("k8s-azure-lb");
            dests.clear();
            dests.extend(rule.properties.destinations());
            if dests.is_empty() {
                continue; // the provider drops a rule with no destination itself
            }
            let owner_base = provider_base(&rule.name);
            let owner = owner_base.and_then(|b| ctx.service_by_base(b));
            dead.clear();
            kept.clear();
            unexplained.clear();
            for d in &dests {
                match single_ip(d) {
                    Some(ip) => match wanted.get(&IpKey::Addr(ip)) {
                        Some(by) => kept.push((ip, by)),
                        None => dead.push(ip.to_string()),
                    },
                    // The legacy per-Service form wrote `*` for a Service
                    // without an IP: dead once that Service is gone.
                    None if d.trim() == "*" && owner_base.is_some() && owner.is_none() => dead.push("*".into()),
                    None => unexplained.push(d),
                }
            }
            if !unexplained.is_empty() {
                v.notes.push(format!(
                    "NSG rule {}/{} not judged: destination {} is not an address the cloud provider writes",
                    nsg.name,
                    rule.name,
                    unexplained.join(", ")
                ));
                continue;
            }
            if dead.is_empty() {
                continue;
            }
            let dead_list = dead.join(", ");
            let mut reason = if dead.len() == dests.len() {
                format!("managed rule in NSG {} opens {dead_list}, which no live Service or node uses", nsg.name)
            } else {
                format!(
                    "managed rule in NSG {} still lists {dead_list}, which no live Service or node uses ({} of {} destinations)",
                    nsg.name,
                    dead.len(),
                    dests.len()
                )
            };
            if legacy {
                let current = version.is_some_and(|ver| (ver.major, ver.minor) >= (1, 29));
                reason.push_str(if current {
                    "; it has the naming of cloud-provider v1.28 and earlier, which this cluster's provider no longer writes and (since v1.35, v1.31.9, v1.32.8, v1.33.3, v1.34.1) never removes"
                } else {
                    "; legacy naming (cloud-provider v1.28 and earlier)"
                });
            }
            let id = rule.id_in(&nsg.id, "securityRules");
            let mut f = Finding::new(Kind::NsgRuleStale, Severity::Warning, &id, &rule.name, reason)
                .room(6 + usize::from(!kept.is_empty()))
                .with("nsg", &nsg.id)
                .with("form", form)
                .with("dead_destinations", json!(dead))
                .with("destinations", json!(dests))
                .with("priority", rule.properties.priority.as_ref().map(|p| p.0))
                .with_text(
                    "checked",
                    "each destination against every Service's status.loadBalancer.ingress and azure-additional-public-ips, and every managed node's InternalIP",
                )
                .service(owner.map(|s| s.key()));
            if !kept.is_empty() {
                let kept: Vec<String> = kept.iter().map(|(ip, by)| format!("{ip} ({by})")).collect();
                f = f.with("live_destinations", json!(kept));
            }
            v.findings.push(f);
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    /// The managed forms, each prefix in the case the provider matches it:
    /// `k8s-azure-lb` exactly (Go's `strings.HasPrefix`), `shared-` and the
    /// protocol in any case; a name cut inside a multibyte character is
    /// simply no form.
    #[test]
    fn managed_forms_by_name() {
        let form = |name: &str, priority: i64| {
            let rule: Child<SecurityRuleProperties> =
                serde_json::from_value(json!({"name": name, "properties": {"priority": priority}})).unwrap();
            managed_form(&rule)
        };
        assert_eq!(form("k8s-azure-lb_allow_IPv4_x", 500), Some("k8s-azure-lb (v1.29+)"));
        assert_eq!(form("k8s-azure-lb_allow_IPv4_x", 100), None);
        assert_eq!(form("K8S-azure-lb_allow_IPv4_x", 500), None);
        assert_eq!(form("SHARED-tcp-443-Internet", 600), Some("legacy shared-<Protocol>-<port>-<source>"));
        assert_eq!(form("shared-Udp-53-Internet", 600), Some("legacy shared-<Protocol>-<port>-<source>"));
        assert_eq!(form("shared-http-80-Internet", 600), None);
        assert_eq!(form("shared-tcp-x-Internet", 600), None);
        assert_eq!(form("shared-", 600), None);
        assert_eq!(form("sharedé-tcp-80", 600), None);
        assert_eq!(form("sharé-tcp-80", 600), None);
        let base = format!("a{}", "0123456789abcdef0123456789abcdef".get(..31).unwrap());
        assert_eq!(form(&format!("{base}-TCP-80-Internet"), 600), Some("legacy <base>-<Protocol>-<port>-<source>"));
        assert_eq!(form(&format!("{base}-ftp-80-Internet"), 600), None);
    }

    /// (rule, its dead destinations) for each finding.
    fn dead_by_rule(v: &Verdicts) -> Vec<(&str, Vec<String>)> {
        v.findings
            .iter()
            .map(|f| (f.name.as_str(), serde_json::from_value(f.evidence.value("dead_destinations").clone()).unwrap()))
            .collect()
    }

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
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        let got = dead_by_rule(&v);
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

    #[test]
    fn what_the_provider_itself_keeps_is_wanted() {
        let mut s = snap();
        // A ClusterIP Service that still reports an ingress IP, extra IPs of
        // another, and node IPs (floating IP disabled writes those).
        let mut stale_status = lb_svc("shop", "was-lb", UID1, Some("20.0.0.1"));
        stale_status.type_ = "ClusterIP".into();
        s.cluster.services.push(stale_status);
        let mut extra = lb_svc("shop", "extra", UID2, Some("20.0.0.2"));
        extra
            .annotations
            .insert("service.beta.kubernetes.io/azure-additional-public-ips".into(), "20.0.0.3, 20.0.0.4".into());
        s.cluster.services.push(extra);
        let mut n = node("aks-0", None, true, &[]);
        n.addresses
            .push(crate::models::cluster::NodeAddress { type_: "InternalIP".into(), address: "10.224.0.4".into() });
        s.cluster.nodes.push(n);
        let mut unmanaged = node("onprem-0", None, true, &[(UNMANAGED_NODE_LABEL, "false")]);
        unmanaged
            .addresses
            .push(crate::models::cluster::NodeAddress { type_: "InternalIP".into(), address: "10.9.9.9".into() });
        s.cluster.nodes.push(unmanaged);
        let n = "aks-agentpool-nsg";
        s.azure.network_security_groups.push(nsg(
            n,
            json!([
                nsg_rule(
                    n,
                    "k8s-azure-lb_allow_IPv4_0123456789abcdef0123456789abcdef",
                    500,
                    &["20.0.0.1", "20.0.0.4", "10.224.0.4"]
                ),
                nsg_rule(n, "k8s-azure-lb_allow_IPv4_fedcba9876543210fedcba9876543210", 501, &["10.9.9.9", "20.0.0.3"]),
                nsg_rule(
                    n,
                    "k8s-azure-lb_allow_IPv6_aaaabbbbccccddddeeeeffff00001111",
                    502,
                    &["2001:DB8:AC10:FE01:0:0:0:0"]
                ),
                nsg_rule(
                    n,
                    "k8s-azure-lb_allow_IPv4_11112222333344445555666677778888",
                    503,
                    &["10.0.0.0/16", "20.0.0.9"]
                ),
                nsg_rule(n, "K8S-AZURE-LB_allow_IPv4_99990000aaaabbbbccccddddeeeeffff", 504, &["20.0.0.9"])
            ]),
        ));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        let got = dead_by_rule(&v);
        assert_eq!(
            got,
            vec![
                ("k8s-azure-lb_allow_IPv4_fedcba9876543210fedcba9876543210", vec!["10.9.9.9".to_string()]),
                ("k8s-azure-lb_allow_IPv6_aaaabbbbccccddddeeeeffff00001111", vec!["2001:db8:ac10:fe01::".to_string()]),
            ],
            "the first rule is all wanted; the CIDR rule is not judged; another case is not the provider's"
        );
        assert!(
            v.notes.iter().any(|n| n.contains("10.0.0.0/16 is not an address the cloud provider writes")),
            "{:?}",
            v.notes
        );
        assert!(
            v.findings[0].evidence.value("live_destinations")[0]
                .as_str()
                .unwrap()
                .contains("azure-additional-public-ips")
        );
    }

    #[test]
    fn a_legacy_rule_of_a_deleted_service_with_any_destination_is_stale() {
        let mut s = snap();
        s.cluster.server_version = Some("v1.30.2".into());
        let n = "nsg";
        s.azure.network_security_groups.push(nsg(
            n,
            json!([
                nsg_rule(n, "adeadbeef00000000000000000000000-TCP-80-Internet", 600, &["*"]),
                nsg_rule(n, "shared-TCP-80-Internet", 601, &["*"])
            ]),
        ));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert_eq!(v.findings.len(), 1, "{:?}", v.findings);
        assert!(v.findings[0].reason.contains("never removes"), "{}", v.findings[0].reason);
        assert!(v.notes.iter().any(|n| n.contains("shared-TCP-80-Internet not judged")), "{:?}", v.notes);
    }

    #[test]
    fn without_the_nodes_no_rule_is_judged() {
        let mut s = snap();
        s.cluster.lists.iter_mut().filter(|l| l.kind == ClusterKind::Nodes).for_each(|l| l.complete = false);
        s.azure
            .network_security_groups
            .push(nsg("n", json!([nsg_rule("n", "k8s-azure-lb_allow_IPv4_x", 500, &["10.0.0.1"])])));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert!(v.findings.is_empty());
        assert_eq!(v.withheld[0].kinds, vec![Kind::NsgRuleStale]);
    }
}
