//! What azaudit understands from a Service: every Service annotation and
//! field that changes which Azure objects the cloud provider creates,
//! names, shares or references, or which resource group they are in, read
//! from kubernetes-sigs/cloud-provider-azure at commit
//! 7b31c76ce2ff602cc2dfec988744d8d0534b448c (`pkg/consts/consts.go` and the
//! load balancer, public IP, security group and private link service
//! reconcilers). The README's table "What azaudit understands from a
//! Service" is this table, and a test keeps the two equal; every row has a
//! test of what azaudit does (below, `every_row_has_a_test`).

/// One row of the table.
pub struct Row {
    /// The annotation (without `service.beta.kubernetes.io/`) or the field.
    pub key: &'static str,
    pub effect: &'static str,
    pub versions: &'static str,
    pub azaudit: &'static str,
}

pub const ROWS: &[Row] = &[
    Row {
        key: "azure-load-balancer-internal",
        effect: "exactly `true`: the Service goes on `<lb>-internal`, its frontend gets a private IP in a subnet, no public IP",
        versions: "all",
        azaudit: "a frontend is in use while any Service reports or asks for its private IP",
    },
    Row {
        key: "azure-load-balancer-internal-subnet",
        effect: "names the frontend `<base>-<subnet>` and rules/probes `<base>-<subnet>-<PROTO>-<port>` (cut to 75 characters)",
        versions: "all (75-character cut since v1.27.0, 80 before)",
        azaudit: "owns parts by the 32-character `a<uid>` prefix, so subnet names never matter",
    },
    Row {
        key: "spec.loadBalancerIP, azure-load-balancer-ipv4, azure-load-balancer-ipv6",
        effect: "pins an existing IP: the public IP with that address (or the internal frontend with that private IP) is the Service's; a second Service pinning the same IP shares the frontend",
        versions: "field: all; annotations: v1.1.25, v1.23.22, v1.24.9, v1.25.3, v1.26.0+",
        azaudit: "the address keeps its public IP and frontend in use, whatever their tags and names say",
    },
    Row {
        key: "azure-pip-name, azure-pip-name-ipv6",
        effect: "names an existing public IP (never created); untagged means bring-your-own, never deleted by the provider",
        versions: "v0.3.0+; name-based ownership v1.25.16, v1.26.12, v1.27.6, v1.28.0+; -ipv6 read since v1.27.0",
        azaudit: "a public IP a live Service names is in use; a bring-your-own IP is never called orphaned, only unattached when nothing references it",
    },
    Row {
        key: "azure-pip-prefix-id, azure-pip-prefix-id-ipv6",
        effect: "the public IP is created from the prefix and named `<cluster>-<base>-<prefix name>`",
        versions: "ipv4: v1.0.21, v1.1.17, v1.23.14, v1.24.2, v1.25.0+; ipv6: v1.27.0+",
        azaudit: "judges provider-made IPs by their service tag, not their name",
    },
    Row {
        key: "azure-load-balancer-resource-group",
        effect: "moves only the Service's public IPs to that resource group (load balancers and the NSG stay put)",
        versions: "all; IPs left in the cluster group reconciled since v1.29.13, v1.30.10, v1.31.4, v1.32.3, v1.33.0",
        azaudit: "a resource group a live Service names is judged, like the node resource group and -g",
    },
    Row {
        key: "azure-dns-label-name",
        effect: "sets the public IP's DNS label and tags it `k8s-azure-dns-label-service`",
        versions: "v0.1.0+ (new tag key since v1.23.0)",
        azaudit: "an orphaned IP's finding says it keeps the label, which blocks re-creating it",
    },
    Row {
        key: "azure-pip-tags, azure-pip-ip-tags",
        effect: "extra tags (or IP tags) on provider-made public IPs; IP-tag changes may re-create the IP",
        versions: "v0.7.0+",
        azaudit: "ignores tags other than the service and cluster tags for ownership",
    },
    Row {
        key: "azure-additional-public-ips",
        effect: "creates nothing; its addresses become NSG rule destinations and status IPs",
        versions: "v0.7.5, v1.0.2, v1.1.0+",
        azaudit: "those addresses are in use: their public IPs are not unattached and their NSG destinations are not stale",
    },
    Row {
        key: "azure-allowed-service-tags, azure-allowed-ip-ranges, load-balancer-source-ranges, spec.loadBalancerSourceRanges",
        effect: "NSG rule sources (one rule per service tag, one per family for ranges); part of the rule name's hash since v1.29",
        versions: "tags: v0.1.0+; azure-allowed-ip-ranges: v1.25.24, v1.26.19, v1.27.13, v1.28.5, v1.29.0+",
        azaudit: "judges a rule by its destinations only, so any sources are understood",
    },
    Row {
        key: "azure-deny-all-except-load-balancer-source-ranges",
        effect: "adds `k8s-azure-lb_deny-all_<family>` (before v1.29 `<base>-<PROTO>-<port>-deny_all`) with the Service's IPs as destinations",
        versions: "v0.7.1+",
        azaudit: "judges the deny rule's destinations like any managed rule's",
    },
    Row {
        key: "azure-disable-load-balancer-floating-ip",
        effect: "NSG destinations become the backend node IPs, on node ports",
        versions: "v1.0.22, v1.1.18, v1.23.15, v1.24.3, v1.25.0+",
        azaudit: "every managed node's InternalIP is a wanted destination",
    },
    Row {
        key: "azure-disable-load-balancer-nsg-rule",
        effect: "no NSG rules for the Service; cleanup still runs",
        versions: "v1.35.6, v1.36.2+",
        azaudit: "the Service's addresses still count as wanted destinations (the provider keeps them too)",
    },
    Row {
        key: "azure-shared-securityrule",
        effect: "up to v1.28: NSG rules `shared-<PROTO>-<port>-<source>` shared by Services",
        versions: "v0.1.0 to v1.28.x (removed since)",
        azaudit: "judges a shared rule's destinations; dead ones are listed",
    },
    Row {
        key: "azure-load-balancer-mixed-protocols",
        effect: "every port got both a TCP and a UDP rule, `<base>-UDP-<port>` beside `<base>-TCP-<port>`",
        versions: "v0.1 to v0.6 only",
        azaudit: "both rules carry the Service's prefix: owned by it",
    },
    Row {
        key: "azure-load-balancer-mode",
        effect: "Basic SKU: puts the Service on a per-VM-set load balancer named after the VM set",
        versions: "v0.1.0+",
        azaudit: "judges parts by their prefix on every load balancer in a judged resource group",
    },
    Row {
        key: "azure-load-balancer-configurations",
        effect: "multiple standard load balancers: picks the load balancer from azure.json's `multipleStandardLoadBalancerConfigurations` (`<name>`, `<name>-internal`)",
        versions: "v1.28.0+",
        azaudit: "any load balancer name is understood; a configured one with no rules is not judged idle (the provider places the next Service there)",
    },
    Row {
        key: "azure-load-balancer-enable-high-availability-ports",
        effect: "one rule with protocol All, named after the first port",
        versions: "v0.7.0+",
        azaudit: "owned by the Service's prefix",
    },
    Row {
        key: "azure-load-balancer-health-probe-*, port_<port>_health-probe_*",
        effect: "probe protocol, path, interval, count and port; names unchanged",
        versions: "protocol, path: v0.7.0+; interval, count: v0.7.14, v1.0.11, v1.1.7, v1.23.4, v1.24.0+; per port: v1.24.12, v1.25.6, v1.26.0+",
        azaudit: "probe names follow the rule names; `cluster-service-shared-health-probe` is never judged",
    },
    Row {
        key: "port_<port>_no_lb_rule, port_<port>_no_probe_rule",
        effect: "skips that port's rule or probe",
        versions: "v1.24.12, v1.25.6, v1.26.0+",
        azaudit: "a missing rule of a live Service is nothing to report",
    },
    Row {
        key: "spec.externalTrafficPolicy: Local",
        effect: "one probe `<base>-TCP-<healthCheckNodePort>`; with multiple load balancers a pool `<namespace>-<name>`",
        versions: "Local probe: v1.0.11, v1.1.7, v1.23.4, v1.24.0+; Local pools v1.28.0+",
        azaudit: "the probe carries the Service's prefix; pools are never judged as orphans",
    },
    Row {
        key: "spec.ipFamilies (dual-stack)",
        effect: "`-IPv6` on the IPv6 frontend, rules, probes and public IP of a dual-stack Service; pool `<cluster>-IPv6`",
        versions: "v1.27.8 / v1.28.0+ (public IPs v1.27.2+)",
        azaudit: "the prefix owns both families' objects",
    },
    Row {
        key: "azure-pls-create, azure-pls-name, azure-pls-resource-group, azure-pls-ip-configuration-*",
        effect: "a private link service `pls-<frontend>` on the Service's IPv4 frontend, tagged `k8s-azure-owner-service`; kept while the frontend lives, even after the annotation goes",
        versions: "v1.0.19, v1.1.15, v1.23.12, v1.24.0+ (resource group: v1.25.19+)",
        azaudit: "private link services are not read yet: a frontend one uses is judged by its rules and addresses only",
    },
    Row {
        key: "spec.loadBalancerClass",
        effect: "the Service is not this provider's: nothing is created",
        versions: "all",
        azaudit: "its status addresses still keep objects in use; it is never called pending",
    },
];

/// The README table, rendered.
pub fn markdown() -> String {
    let mut s = String::from(
        "| annotation or field | effect on Azure objects | provider versions | what azaudit does |\n| --- | --- | --- | --- |\n",
    );
    for r in ROWS {
        s.push_str(&format!("| `{}` | {} | {} | {} |\n", r.key, r.effect, r.versions, r.azaudit));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::usage::Status;
    use crate::checks::{Ctx, Verdicts, orphans};
    use crate::findings::Kind;
    use crate::models::cluster::{NodeAddress, Service};
    use serde_json::json;

    const DEAD: &str = "adeadbeef00000000000000000000000";

    fn live(uid: &str) -> Service {
        lb_svc("shop", "web", uid, Some("20.0.0.1"))
    }

    fn annotate(s: &mut Service, key: &str, value: &str) {
        s.annotations.insert(format!("service.beta.kubernetes.io/{key}"), value.into());
    }

    /// Ownership verdicts (an idle or empty load balancer is another story).
    fn kinds(v: &Verdicts) -> Vec<(Kind, String)> {
        v.findings
            .iter()
            .filter(|f| !matches!(f.kind, Kind::LbIdle | Kind::BackendPoolEmpty))
            .map(|f| (f.kind, f.name.clone()))
            .collect()
    }

    /// One managed rule in NSG `n`.
    fn with_rule(s: &mut crate::snapshot::Snapshot, name: &str, priority: i64, dests: &[&str]) {
        s.azure.network_security_groups.push(nsg("n", json!([nsg_rule("n", name, priority, dests)])));
    }

    fn lb_with(
        name: &str,
        frontends: Vec<(String, serde_json::Value)>,
        rules: Vec<String>,
    ) -> crate::models::LoadBalancer {
        let fes: Vec<_> = frontends
            .iter()
            .map(|(n, p)| json!({"name": n, "id": lb_child(name, "frontendIPConfigurations", n), "properties": p}))
            .collect();
        let rs: Vec<_> = rules
            .iter()
            .map(|n| json!({"name": n, "id": lb_child(name, "loadBalancingRules", n), "properties": {}}))
            .collect();
        lb(name, json!({"frontendIPConfigurations": fes, "loadBalancingRules": rs}))
    }

    fn internal() {
        let mut s = snap();
        s.cluster.services.push(lb_svc("shop", "api", UID1, Some("10.0.0.7")));
        s.azure.load_balancers.push(lb_with(
            "kubernetes-internal",
            vec![(DEAD.into(), json!({"privateIPAddress": "10.0.0.7"}))],
            vec![],
        ));
        let ctx = Ctx::new(&s);
        let fe = lb_child("kubernetes-internal", "frontendIPConfigurations", DEAD);
        assert!(matches!(crate::checks::usage::Usage::build(&ctx).status(&fe), Status::InUse(_)));
    }

    fn internal_subnet() {
        let mut s = snap();
        let svc = live(UID1);
        let b = svc.base_name();
        s.cluster.services.push(svc);
        s.azure.load_balancers.push(lb_with(
            "kubernetes-internal",
            vec![(format!("{b}-subnet1"), json!({})), (format!("{DEAD}-subnet1"), json!({}))],
            vec![format!("{b}-subnet1-TCP-80"), format!("{DEAD}-subnet1-TCP-80")],
        ));
        let v = orphans(&s);
        assert_eq!(
            kinds(&v),
            vec![
                (Kind::LbFrontendOrphaned, format!("{DEAD}-subnet1")),
                (Kind::LbRuleOrphaned, format!("{DEAD}-subnet1-TCP-80"))
            ]
        );
    }

    fn pinned_ip() {
        for a in ["azure-load-balancer-ipv4", ""] {
            let mut s = snap();
            let mut svc = lb_svc("shop", "b", UID1, None);
            if a.is_empty() {
                svc.load_balancer_ip = Some("20.0.0.5".into());
            } else {
                annotate(&mut svc, a, "20.0.0.5");
            }
            s.cluster.services.push(svc);
            // Tagged for a deleted Service, but a live one pins its address.
            s.azure.public_ips.push(pip(
                "kubernetes-old",
                &[("k8s-azure-service", "shop/gone"), ("k8s-azure-cluster-name", "kubernetes")],
                "20.0.0.5",
                None,
            ));
            let v = orphans(&s);
            assert!(kinds(&v).is_empty(), "{a}: {:?}", kinds(&v));
            assert!(v.notes.iter().any(|n| n.contains("kubernetes-old") && n.contains("in use")), "{:?}", v.notes);
        }
    }

    fn pip_name() {
        let mut s = snap();
        let mut svc = lb_svc("shop", "b", UID1, Some("20.0.0.5"));
        annotate(&mut svc, "azure-pip-name", "my-ip");
        s.cluster.services.push(svc);
        s.azure.public_ips.push(pip("my-ip", &[("owner", "team-a")], "20.0.0.9", None));
        s.azure.public_ips.push(pip("spare-ip", &[], "20.0.0.8", None));
        let v = orphans(&s);
        assert_eq!(kinds(&v), vec![(Kind::PublicIpUnattached, "spare-ip".into())]);
    }

    fn pip_prefix() {
        let mut s = snap();
        let svc = live(UID1);
        let name = crate::checks::provider::public_ip_name(
            "kubernetes",
            &svc.base_name(),
            Some("/x/publicIPPrefixes/pfx"),
            false,
            false,
        );
        s.cluster.services.push(svc);
        s.azure.public_ips.push(pip(
            &name,
            &[("k8s-azure-service", "shop/web"), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.1",
            None,
        ));
        assert!(kinds(&orphans(&s)).is_empty());
    }

    fn resource_group() {
        let other = format!(
            "/subscriptions/{SUB}/resourceGroups/ips/providers/Microsoft.Network/publicIPAddresses/kubernetes-old"
        );
        let mut old = pip(
            "kubernetes-old",
            &[("k8s-azure-service", "shop/gone"), ("k8s-azure-cluster-name", "kubernetes")],
            "20.0.0.5",
            None,
        );
        old.id = crate::models::ResourceId::new(&other);
        let mut s = snap();
        s.azure.public_ips.push(old);
        let v = orphans(&s);
        assert!(kinds(&v).is_empty() && v.notes.iter().any(|n| n.contains("resource group ips")), "{:?}", v.notes);
        let mut svc = live(UID1);
        annotate(&mut svc, "azure-load-balancer-resource-group", "ips");
        s.cluster.services.push(svc);
        assert_eq!(kinds(&orphans(&s)), vec![(Kind::PublicIpOrphaned, "kubernetes-old".into())]);
    }

    fn dns_label() {
        let mut s = snap();
        let mut p = pip(
            "kubernetes-old",
            &[("k8s-azure-service", "shop/gone"), ("k8s-azure-dns-label-service", "shop/gone")],
            "20.0.0.5",
            None,
        );
        p.properties.dns_settings =
            Some(crate::models::public_ip::DnsSettings { domain_name_label: Some("shop".into()), fqdn: None });
        s.azure.public_ips.push(p);
        let v = orphans(&s);
        assert!(v.findings[0].reason.contains("keeps DNS label 'shop'"), "{}", v.findings[0].reason);
    }

    fn pip_tags() {
        let mut s = snap();
        s.cluster.services.push(live(UID1));
        s.azure.public_ips.push(pip(
            "kubernetes-x",
            &[
                ("k8s-azure-service", "shop/web"),
                ("k8s-azure-cluster-name", "kubernetes"),
                ("team", "a"),
                ("cost", "b"),
            ],
            "20.0.0.1",
            None,
        ));
        assert!(kinds(&orphans(&s)).is_empty());
    }

    fn additional_ips() {
        let mut s = snap();
        let mut svc = live(UID1);
        annotate(&mut svc, "azure-additional-public-ips", "52.0.0.1");
        s.cluster.services.push(svc);
        s.azure.public_ips.push(pip("extra", &[], "52.0.0.1", None));
        with_rule(&mut s, "k8s-azure-lb_allow_IPv4_x", 500, &["52.0.0.1", "20.0.0.1"]);
        assert!(kinds(&orphans(&s)).is_empty());
    }

    fn sources() {
        let mut s = snap();
        s.cluster.services.push(live(UID1));
        let n = "n";
        let mut rule = nsg_rule(n, "k8s-azure-lb_allow_IPv4_y", 500, &["20.0.0.1", "20.0.0.9"]);
        rule["properties"]["sourceAddressPrefix"] = json!("AzureFrontDoor.Backend");
        s.azure.network_security_groups.push(nsg(n, json!([rule])));
        let v = orphans(&s);
        assert_eq!(v.findings[0].evidence.value("dead_destinations"), json!(["20.0.0.9"]));
    }

    /// The dead destinations of one rule beside one live Service at 20.0.0.1.
    fn dead_beside_a_live_service(rule: &str, priority: i64, dests: &[&str]) -> serde_json::Value {
        let mut s = snap();
        s.cluster.services.push(live(UID1));
        with_rule(&mut s, rule, priority, dests);
        orphans(&s).findings[0].evidence.value("dead_destinations").clone()
    }

    fn deny_all() {
        let dead = dead_beside_a_live_service("k8s-azure-lb_deny-all_IPv4", 4095, &["20.0.0.1", "20.0.0.2"]);
        assert_eq!(dead, json!(["20.0.0.2"]));
    }

    fn floating_ip() {
        let mut s = snap();
        let mut svc = live(UID1);
        annotate(&mut svc, "azure-disable-load-balancer-floating-ip", "true");
        s.cluster.services.push(svc);
        let mut n = node("aks-0", None, true, &[]);
        n.addresses.push(NodeAddress { type_: "InternalIP".into(), address: "10.224.0.4".into() });
        s.cluster.nodes.push(n);
        with_rule(&mut s, "k8s-azure-lb_allow_IPv4_z", 500, &["10.224.0.4"]);
        assert!(kinds(&orphans(&s)).is_empty());
    }

    fn nsg_rule_disabled() {
        let mut s = snap();
        let mut svc = live(UID1);
        annotate(&mut svc, "azure-disable-load-balancer-nsg-rule", "true");
        s.cluster.services.push(svc);
        with_rule(&mut s, "k8s-azure-lb_allow_IPv4_z", 500, &["20.0.0.1"]);
        assert!(kinds(&orphans(&s)).is_empty());
    }

    fn shared_rule() {
        let dead = dead_beside_a_live_service("shared-TCP-80-Internet", 600, &["20.0.0.1", "20.0.0.3"]);
        assert_eq!(dead, json!(["20.0.0.3"]));
    }

    fn mixed_protocols() {
        let mut s = snap();
        let svc = live(UID1);
        let b = svc.base_name();
        s.cluster.services.push(svc);
        s.azure.load_balancers.push(lb_with(
            "kubernetes",
            vec![(b.clone(), json!({}))],
            vec![format!("{b}-TCP-53"), format!("{b}-UDP-53")],
        ));
        assert!(kinds(&orphans(&s)).is_empty());
    }

    fn any_lb_name() {
        for lb_name in ["agentpool2", "lb2-internal"] {
            let mut s = snap();
            s.azure.load_balancers.push(lb_with(
                lb_name,
                vec![(DEAD.into(), json!({}))],
                vec![format!("{DEAD}-TCP-80")],
            ));
            let k = kinds(&orphans(&s));
            assert_eq!(k.len(), 2, "{lb_name}: {k:?}");
        }
    }

    fn ha_ports() {
        let mut s = snap();
        let svc = live(UID1);
        let b = svc.base_name();
        s.cluster.services.push(svc);
        let mut l = lb_with("kubernetes-internal", vec![(b.clone(), json!({}))], vec![format!("{b}-TCP-80")]);
        l.properties.load_balancing_rules[0].properties.protocol = Some("All".into());
        s.azure.load_balancers.push(l);
        assert!(kinds(&orphans(&s)).is_empty());
    }

    fn probes() {
        let mut s = snap();
        let svc = live(UID1);
        let b = svc.base_name();
        s.cluster.services.push(svc);
        s.azure.load_balancers.push(lb(
            "kubernetes",
            json!({"probes": [
                {"name": format!("{b}-TCP-80"), "properties": {"protocol": "Http", "requestPath": "/ready", "intervalInSeconds": 10}},
                {"name": "cluster-service-shared-health-probe", "properties": {}},
                {"name": format!("{DEAD}-TCP-80"), "properties": {}}]}),
        ));
        assert_eq!(kinds(&orphans(&s)), vec![(Kind::LbProbeOrphaned, format!("{DEAD}-TCP-80"))]);
    }

    fn no_rule() {
        let mut s = snap();
        let mut svc = live(UID1);
        annotate(&mut svc, "port_443_no_lb_rule", "true");
        let b = svc.base_name();
        s.cluster.services.push(svc);
        s.azure.load_balancers.push(lb_with("kubernetes", vec![(b.clone(), json!({}))], vec![format!("{b}-TCP-80")]));
        assert!(kinds(&orphans(&s)).is_empty());
    }

    fn local_policy() {
        let mut s = snap();
        let mut svc = live(UID1);
        svc.external_traffic_policy = Some("Local".into());
        let b = svc.base_name();
        s.cluster.services.push(svc);
        s.azure.load_balancers.push(lb(
            "kubernetes",
            json!({"probes": [{"name": format!("{b}-TCP-31234"), "properties": {"port": 31234}}],
                   "backendAddressPools": [{"name": "shop-web", "properties": {}}]}),
        ));
        assert!(orphans(&s).findings.iter().all(|f| f.kind != Kind::LbProbeOrphaned));
    }

    fn dual_stack() {
        let mut s = snap();
        let svc = live(UID1);
        let b = svc.base_name();
        s.cluster.services.push(svc);
        s.azure.load_balancers.push(lb_with(
            "kubernetes",
            vec![(format!("{b}-IPv6"), json!({})), (format!("{DEAD}-IPv6"), json!({}))],
            vec![format!("{b}-TCP-80-IPv6")],
        ));
        assert_eq!(kinds(&orphans(&s)), vec![(Kind::LbFrontendOrphaned, format!("{DEAD}-IPv6"))]);
    }

    fn private_link() {
        // Not read yet: a frontend is judged by its rules and addresses.
        let mut s = snap();
        let mut svc = live(UID1);
        annotate(&mut svc, "azure-pls-create", "true");
        let b = svc.base_name();
        s.cluster.services.push(svc);
        s.azure.load_balancers.push(lb_with("kubernetes-internal", vec![(b, json!({}))], vec![]));
        assert!(kinds(&orphans(&s)).is_empty());
    }

    fn load_balancer_class() {
        let mut s = snap();
        let mut svc = live(UID1);
        svc.load_balancer_class = Some("example.com/other".into());
        s.cluster.services.push(svc);
        s.azure.public_ips.push(pip("theirs", &[], "20.0.0.1", None));
        assert!(kinds(&orphans(&s)).is_empty());
        let mut pending = lb_svc("shop", "other", UID2, None);
        pending.load_balancer_class = Some("example.com/other".into());
        s.cluster.services.push(pending);
        let v = crate::checks::service_pending::check(&Ctx::new(&s), &[]);
        assert!(v.findings.is_empty());
    }

    /// Each row's key and the test of what azaudit does.
    const TESTS: &[(&str, fn())] = &[
        ("azure-load-balancer-internal", internal),
        ("azure-load-balancer-internal-subnet", internal_subnet),
        ("spec.loadBalancerIP, azure-load-balancer-ipv4, azure-load-balancer-ipv6", pinned_ip),
        ("azure-pip-name, azure-pip-name-ipv6", pip_name),
        ("azure-pip-prefix-id, azure-pip-prefix-id-ipv6", pip_prefix),
        ("azure-load-balancer-resource-group", resource_group),
        ("azure-dns-label-name", dns_label),
        ("azure-pip-tags, azure-pip-ip-tags", pip_tags),
        ("azure-additional-public-ips", additional_ips),
        (
            "azure-allowed-service-tags, azure-allowed-ip-ranges, load-balancer-source-ranges, spec.loadBalancerSourceRanges",
            sources,
        ),
        ("azure-deny-all-except-load-balancer-source-ranges", deny_all),
        ("azure-disable-load-balancer-floating-ip", floating_ip),
        ("azure-disable-load-balancer-nsg-rule", nsg_rule_disabled),
        ("azure-shared-securityrule", shared_rule),
        ("azure-load-balancer-mixed-protocols", mixed_protocols),
        ("azure-load-balancer-mode", any_lb_name),
        ("azure-load-balancer-configurations", any_lb_name),
        ("azure-load-balancer-enable-high-availability-ports", ha_ports),
        ("azure-load-balancer-health-probe-*, port_<port>_health-probe_*", probes),
        ("port_<port>_no_lb_rule, port_<port>_no_probe_rule", no_rule),
        ("spec.externalTrafficPolicy: Local", local_policy),
        ("spec.ipFamilies (dual-stack)", dual_stack),
        ("azure-pls-create, azure-pls-name, azure-pls-resource-group, azure-pls-ip-configuration-*", private_link),
        ("spec.loadBalancerClass", load_balancer_class),
    ];

    #[test]
    fn every_row_has_a_test() {
        for r in ROWS {
            let (_, t) = TESTS.iter().find(|(k, _)| *k == r.key).unwrap_or_else(|| panic!("row {} has no test", r.key));
            t();
        }
        assert_eq!(TESTS.len(), ROWS.len(), "a test without a row");
    }

    #[test]
    fn the_readme_table_is_this_table() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        assert!(
            readme.contains(&markdown()),
            "README's table differs from checks/annotations.rs; paste:\n{}",
            markdown()
        );
    }
}
