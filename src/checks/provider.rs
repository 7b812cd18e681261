//! The cloud provider's names for what it creates, as
//! kubernetes-sigs/cloud-provider-azure writes them (read at commit
//! 7b31c76ce2ff602cc2dfec988744d8d0534b448c). The checks recognise Azure
//! objects by these rules, and the tests build the Azure side of random
//! clusters with them; the provider's own unit-test tables are ported
//! below as test data.
//!
//! - Base name: `"a"` + the Service UID without dashes, cut to 32
//!   characters (`k8s.io/cloud-provider:DefaultLoadBalancerName`, through
//!   `azure_loadbalancer.go:GetLoadBalancerName`).
//! - Frontend: the base name, `<base>-<subnet>` with
//!   `azure-load-balancer-internal-subnet` on an internal Service, cut to 75
//!   characters with a trailing non-letter replaced by `_`
//!   (`azure_loadbalancer.go:getDefaultFrontendIPConfigName`).
//! - Load-balancing rule (and its probe): `<base>-<PROTOCOL>-<port>`, or
//!   `<base>-<subnet>-<PROTOCOL>-<port>` with the subnet cut so the name
//!   stays within 75 characters (`azure_standard.go:getLoadBalancerRuleName`).
//! - Public IP: `<cluster>-<base>`, `-<prefix name>` appended with
//!   `azure-pip-prefix-id`, cut to 75 characters
//!   (`azure_standard.go:getPublicIPName`).
//! - `-IPv6` is appended to each of these only for the IPv6 side of a
//!   dual-stack Service (`azure_utils.go:getResourceByIPFamily`).
//! - Backend pools: `<cluster>` and `<cluster>-IPv6`
//!   (`azure_standard.go:getBackendPoolName`).
//! - NSG rules since v1.29: `k8s-azure-lb_allow_<IPv4|IPv6>_<md5>` of
//!   `protocol_sources_ports` (sources and ports sorted as strings, joined
//!   by commas) and `k8s-azure-lb_deny-all_<family>`
//!   (`securitygroup/securityrule.go:GenerateAllowSecurityRuleName`);
//!   before: `<base>-<PROTOCOL>-<port>-<source>` with `/` -> `_` and
//!   `:` -> `.`, `-IPv6` for a dual-stack Service's IPv6 rule, or
//!   `shared-...` (v1.28 `azure_standard.go:getSecurityRuleName`).

use md5::{Digest, Md5};

/// The longest name these objects may have before the `-IPv6` suffix.
const MAX_BEFORE_FAMILY: usize = 80 - 5;

/// `-IPv6` for the IPv6 side of a dual-stack Service.
pub fn by_family(name: String, dual_stack: bool, ipv6: bool) -> String {
    if dual_stack && ipv6 { format!("{name}-IPv6") } else { name }
}

/// `"a"` + the UID without dashes, cut to 32 characters.
pub fn base_name(uid: &str) -> String {
    let mut s: String = format!("a{}", uid.replace('-', ""));
    s.truncate(32);
    s
}

/// The frontend IP configuration's name.
pub fn frontend_name(base: &str, internal_subnet: Option<&str>, dual_stack: bool, ipv6: bool) -> String {
    let name = match internal_subnet {
        None => base.to_string(),
        Some(subnet) => {
            let mut n = format!("{base}-{subnet}");
            if n.len() > MAX_BEFORE_FAMILY {
                n.truncate(MAX_BEFORE_FAMILY);
                if !n.ends_with(|c: char| c.is_alphabetic() || c == '_') {
                    n.pop();
                    n.push('_');
                }
            }
            n
        }
    };
    by_family(name, dual_stack, ipv6)
}

/// The load-balancing rule's name (the probe's too, unless shared).
pub fn rule_name(
    base: &str,
    internal_subnet: Option<&str>,
    protocol: &str,
    port: i32,
    dual_stack: bool,
    ipv6: bool,
) -> String {
    let plain = format!("{base}-{protocol}-{port}");
    let name = match internal_subnet {
        None => plain,
        Some(subnet) => {
            let mut seg = subnet.to_string();
            if plain.len() + seg.len() + 1 > MAX_BEFORE_FAMILY {
                seg.truncate(MAX_BEFORE_FAMILY.saturating_sub(plain.len() + 1));
            }
            format!("{base}-{seg}-{protocol}-{port}")
        }
    };
    by_family(name, dual_stack, ipv6)
}

/// The public IP the provider creates for a Service.
pub fn public_ip_name(cluster: &str, base: &str, prefix_id: Option<&str>, dual_stack: bool, ipv6: bool) -> String {
    let mut name = format!("{cluster}-{base}");
    if let Some(last) = prefix_id.and_then(|id| id.rsplit('/').next()).filter(|s| !s.is_empty()) {
        name = format!("{name}-{last}");
    }
    name.truncate(MAX_BEFORE_FAMILY);
    by_family(name, dual_stack, ipv6)
}

/// The cluster's backend pool.
pub fn backend_pool_name(cluster: &str, ipv6: bool) -> String {
    if ipv6 { format!("{cluster}-IPv6") } else { cluster.to_string() }
}

/// The load balancer: the cluster's name (or a configured one),
/// `-internal` for internal Services.
pub fn load_balancer_name(name: &str, internal: bool) -> String {
    if internal { format!("{name}-internal") } else { name.to_string() }
}

/// `k8s-azure-lb_allow_<family>_<md5>` (v1.29 and later).
pub fn nsg_allow_rule_name(protocol: &str, ipv6: bool, sources: &[&str], ports: &[&str]) -> String {
    let mut src: Vec<&str> = sources.to_vec();
    src.sort_unstable();
    let mut p: Vec<&str> = ports.to_vec();
    p.sort_unstable();
    let digest = Md5::digest(format!("{protocol}_{}_{}", src.join(","), p.join(",")).as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("k8s-azure-lb_allow_{}_{hex}", if ipv6 { "IPv6" } else { "IPv4" })
}

/// `k8s-azure-lb_deny-all_<family>` (v1.29 and later).
pub fn nsg_deny_all_rule_name(ipv6: bool) -> String {
    format!("k8s-azure-lb_deny-all_{}", if ipv6 { "IPv6" } else { "IPv4" })
}

/// The v1.28-and-earlier rule name.
pub fn legacy_security_rule_name(
    base: &str,
    protocol: &str,
    port: i32,
    source: &str,
    shared: bool,
    dual_stack: bool,
    ipv6: bool,
) -> String {
    let safe = source.replace('/', "_").replace(':', ".");
    let prefix = if shared { "shared" } else { base };
    by_family(format!("{prefix}-{protocol}-{port}-{safe}"), dual_stack, ipv6)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The provider's unit-test tables, ported as data (inputs and expected
    // outputs only). Upstream file and function for each.

    /// pkg/securitygroup/securityrule_test.go, via
    /// securitygroup_test.go:TestRuleHelper_RemoveDestinationFromRules
    /// ("part of ports retained - split the rule") and
    /// loadbalancer/accesscontrol_test.go:TestAccessControl_CleanSecurityGroup.
    #[test]
    fn nsg_allow_rule_names_match_the_providers_vectors() {
        assert_eq!(
            nsg_allow_rule_name("Tcp", false, &["foo", "bar"], &["443"]),
            "k8s-azure-lb_allow_IPv4_b5ae07e8a4177ea2d37162cdf2badf8b"
        );
        assert_eq!(
            nsg_allow_rule_name("Udp", false, &["src_quo", "src_baz"], &["56", "53"]),
            "k8s-azure-lb_allow_IPv4_648b18e18a92d1a4b415033da37c79a5"
        );
        // The family is in the name, not the hash; order does not matter.
        assert_eq!(
            nsg_allow_rule_name("Tcp", true, &["bar", "foo"], &["443"]),
            "k8s-azure-lb_allow_IPv6_b5ae07e8a4177ea2d37162cdf2badf8b"
        );
        // securitygroup_test.go:TestGenerateDenyAllSecurityRuleName
        assert_eq!(nsg_deny_all_rule_name(false), "k8s-azure-lb_deny-all_IPv4");
        assert_eq!(nsg_deny_all_rule_name(true), "k8s-azure-lb_deny-all_IPv6");
    }

    /// v1.28.0 pkg/provider/azure_standard_test.go:TestGetSecurityRuleName,
    /// UID 257b9655-5137-4ad2-b091-ef3f07043ad3.
    #[test]
    fn legacy_security_rule_names_match_the_providers_table() {
        let base = base_name("257b9655-5137-4ad2-b091-ef3f07043ad3");
        assert_eq!(base, "a257b965551374ad2b091ef3f07043ad");
        assert_eq!(
            legacy_security_rule_name(&base, "TCP", 80, "10.0.0.1/24", false, false, false),
            "a257b965551374ad2b091ef3f07043ad-TCP-80-10.0.0.1_24"
        );
        assert_eq!(
            legacy_security_rule_name(&base, "TCP", 80, "10.0.0.1/24", true, false, false),
            "shared-TCP-80-10.0.0.1_24"
        );
        assert_eq!(
            legacy_security_rule_name(&base, "TCP", 80, "2001:0:0::1/64", false, false, false),
            "a257b965551374ad2b091ef3f07043ad-TCP-80-2001.0.0..1_64"
        );
    }

    /// pkg/provider/azure_loadbalancer_test.go:TestGetFrontendIPConfigName and
    /// TestGetFrontendIPConfigNames (UID 257b9655-5137-4ad2-b091-ef3f07043ad3).
    #[test]
    fn frontend_names_match_the_providers_table() {
        let b = base_name("257b9655-5137-4ad2-b091-ef3f07043ad3");
        assert_eq!(
            frontend_name(&b, Some("shortsubnet"), false, false),
            "a257b965551374ad2b091ef3f07043ad-shortsubnet"
        );
        let dashes = format!("a{}z", "-".repeat(50));
        assert_eq!(
            frontend_name(&b, Some(&dashes), false, false),
            "a257b965551374ad2b091ef3f07043ad-a----------------------------------------_"
        );
        let long = "averylonnnngggnnnnnnnnnnnnnnnnnnnnnngggggggggggggggggggggggggggggggggggggsubet";
        assert_eq!(
            frontend_name(&b, Some(long), false, false),
            "a257b965551374ad2b091ef3f07043ad-averylonnnngggnnnnnnnnnnnnnnnnnnnnnngggggg"
        );
        // External Services ignore the subnet (the caller passes none).
        assert_eq!(frontend_name(&b, None, false, false), "a257b965551374ad2b091ef3f07043ad");
        assert_eq!(
            frontend_name(&b, Some("shortsubnet"), true, true),
            "a257b965551374ad2b091ef3f07043ad-shortsubnet-IPv6"
        );
    }

    /// pkg/provider/azure_standard_test.go:TestGetLoadBalancingRuleName (same
    /// UID, dual-stack Service, TCP 9000).
    #[test]
    fn rule_names_match_the_providers_table() {
        let b = base_name("257b9655-5137-4ad2-b091-ef3f07043ad3");
        assert_eq!(
            rule_name(&b, Some("shortsubnet"), "TCP", 9000, true, false),
            "a257b965551374ad2b091ef3f07043ad-shortsubnet-TCP-9000"
        );
        assert_eq!(
            rule_name(&b, Some("shortsubnet"), "TCP", 9000, true, true),
            "a257b965551374ad2b091ef3f07043ad-shortsubnet-TCP-9000-IPv6"
        );
        let long = "averylonnnngggnnnnnnnnnnnnnnnnnnnnnngggggggggggggggggggggggggggggggggggggsubet";
        assert_eq!(
            rule_name(&b, Some(long), "TCP", 9000, true, false),
            "a257b965551374ad2b091ef3f07043ad-averylonnnngggnnnnnnnnnnnnnnnnnnn-TCP-9000"
        );
        assert_eq!(rule_name(&b, None, "TCP", 9000, true, true), "a257b965551374ad2b091ef3f07043ad-TCP-9000-IPv6");
    }

    /// pkg/provider/azure_standard_test.go:TestGetPublicIPName (cluster
    /// `azure`, UID `uid` so the base is `auid`).
    #[test]
    fn public_ip_names_match_the_providers_table() {
        let b = base_name("uid");
        assert_eq!(b, "auid");
        assert_eq!(public_ip_name("azure", &b, None, false, false), "azure-auid");
        assert_eq!(public_ip_name("azure", &b, Some("prefix-id"), false, false), "azure-auid-prefix-id");
        let long_prefix = format!("prefix-id-ipv6-{}", "a".repeat(80));
        assert_eq!(
            public_ip_name("azure", &b, Some(&long_prefix), true, true),
            "azure-auid-prefix-id-ipv6-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-IPv6"
        );
        assert_eq!(public_ip_name("azure", &b, None, false, true), "azure-auid", "single-stack IPv6");
        assert_eq!(public_ip_name("azure", &b, None, true, true), "azure-auid-IPv6");
    }

    #[test]
    fn ipv6_suffix_only_on_the_ipv6_side_of_dual_stack() {
        let b = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
        assert_eq!(frontend_name(b, None, true, true), format!("{b}-IPv6"));
        assert_eq!(frontend_name(b, None, true, false), b);
        assert_eq!(frontend_name(b, None, false, true), b, "single-stack IPv6: no suffix");
        assert_eq!(rule_name(b, None, "TCP", 80, true, true), format!("{b}-TCP-80-IPv6"));
        assert_eq!(public_ip_name("kubernetes", b, None, true, true), format!("kubernetes-{b}-IPv6"));
        assert_eq!(backend_pool_name("kubernetes", true), "kubernetes-IPv6");
    }

    #[test]
    fn internal_subnet_names_are_cut_to_fit() {
        let b = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
        assert_eq!(frontend_name(b, Some("subnet1"), false, false), format!("{b}-subnet1"));
        assert_eq!(rule_name(b, Some("subnet1"), "TCP", 80, false, false), format!("{b}-subnet1-TCP-80"));
        let long = "s".repeat(60);
        let fe = frontend_name(b, Some(&long), false, false);
        assert_eq!(fe.len(), 75);
        let rule = rule_name(b, Some(&long), "TCP", 80, false, false);
        assert_eq!(rule.len(), 75, "{rule}");
        assert!(rule.ends_with("-TCP-80"));
        // A cut that ends on a non-letter gets `_`.
        let dashy = format!("{}-x", "s".repeat(40));
        let fe = frontend_name(b, Some(&dashy), false, false);
        assert!(fe.ends_with('_') || fe.ends_with(|c: char| c.is_alphabetic()), "{fe}");
        assert_eq!(
            public_ip_name(
                "kubernetes",
                b,
                Some("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPPrefixes/pfx"),
                false,
                false
            ),
            format!("kubernetes-{b}-pfx")
        );
    }
}
