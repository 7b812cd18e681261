//! Headroom before Azure starts refusing: frontends, rules and backend-pool
//! members per load balancer, rules and address/port entries per NSG,
//! public IPs per region and SKU, and the subscription's ARM read budget.
//!
//! Limits come from the network usages API where it reports them (its
//! per-object entries carry only the limit; the objects are counted from the
//! inventory — facts file, section 6), else from [`TABLE`]. The source
//! guide's Basic-SKU frontend quota (10 frontends, kubernetes#59255) is the
//! classic way to hit one: the load balancer refuses a new frontend and the
//! Service stays pending while its public IP is created anyway.

use super::basic_sku::is_basic;
use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::models::common::normalize_location;
use crate::snapshot::{ListKind, LocationUsages};
use serde::{Deserialize, Serialize};

/// Thresholds, in percent of the limit.
#[derive(Clone, Copy, Debug)]
pub struct QuotaSettings {
    pub warn_pct: f64,
    pub critical_pct: f64,
}

/// `--quota-warn` and `--quota-critical` when not given.
pub const DEFAULT_WARN_PCT: f64 = 80.0;
pub const DEFAULT_CRITICAL_PCT: f64 = 95.0;

impl Default for QuotaSettings {
    fn default() -> Self {
        QuotaSettings { warn_pct: DEFAULT_WARN_PCT, critical_pct: DEFAULT_CRITICAL_PCT }
    }
}

/// One measured object: used against limit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub kind: Kind,
    /// What was measured, e.g. `frontends of load balancer kubernetes`.
    pub object: String,
    pub resource_id: String,
    pub used: i64,
    pub limit: i64,
    pub percent: f64,
    /// Where the limit came from: the usages API entry, the table, or azure.json.
    pub limit_source: String,
}

/// Limits by SKU when the usages API does not report one (Azure's published
/// networking limits; Basic from the source guide's comparison table).
///
/// | limit | Basic | Standard |
/// | --- | --- | --- |
/// | frontend IP configurations per load balancer | 200 | 600 |
/// | load-balancing + inbound NAT rules per load balancer | 250 | 1,500 |
/// | backend pool members | 100 | 1,000 |
/// | security rules per NSG | 1,000 | 1,000 |
/// | addresses and ports per NSG | 4,000 | 4,000 |
pub const TABLE: [(&str, i64, i64); 5] = [
    ("FrontendIPConfigurationPerLoadBalancer", 200, 600),
    ("InboundRulesPerLoadBalancer", 250, 1500),
    ("BackendPoolMembers", 100, 1000),
    ("SecurityRulesPerNetworkSecurityGroup", 1000, 1000),
    ("SecurityRuleAddressesOrPortsPerNetworkSecurityGroup", 4000, 4000),
];

/// The cloud provider's default `maximumLoadBalancerRuleCount`.
pub const PROVIDER_MAX_RULES: i64 = 250;

/// ARM's read bucket: 250 requests, refilled at 25/s (new throttling), or
/// the legacy hourly budget of 12,000 when the header reports more.
pub const ARM_READ_BUCKET: i64 = 250;
pub const ARM_READ_HOURLY: i64 = 12_000;

/// The read budget a remaining-reads figure is counted against: the bucket,
/// unless the header reports more than the bucket holds.
pub fn read_budget(min_remaining: i64) -> i64 {
    if min_remaining > ARM_READ_BUCKET { ARM_READ_HOURLY } else { ARM_READ_BUCKET }
}

fn table(name: &str, basic: bool) -> Option<i64> {
    TABLE.iter().find(|(n, _, _)| *n == name).map(|(_, b, s)| if basic { *b } else { *s })
}

impl Ctx<'_> {
    /// A usages entry for the resource's subscription and location.
    fn usage(&self, id: &crate::models::ResourceId, location: Option<&str>, name: &str) -> Option<(i64, i64)> {
        let sub = id.subscription()?;
        let loc = normalize_location(location?);
        self.snap
            .azure
            .usages
            .iter()
            .filter(|u| u.subscription.eq_ignore_ascii_case(sub) && normalize_location(&u.location) == loc)
            .flat_map(|u| u.usages.iter())
            .find(|u| u.name.value.eq_ignore_ascii_case(name))
            .map(|u| (u.current_value.0, u.limit.0))
            .filter(|(_, limit)| *limit > 0)
    }

    /// The limit for `name`: the usages API, else the SKU table.
    fn limit(
        &self,
        id: &crate::models::ResourceId,
        location: Option<&str>,
        name: &str,
        basic: bool,
    ) -> Option<(i64, String)> {
        if let Some((_, limit)) = self.usage(id, location, name) {
            return Some((limit, format!("usages API ({name})")));
        }
        table(name, basic).map(|l| (l, format!("{} SKU table", if basic { "Basic" } else { "Standard" })))
    }
}

fn measure(
    kind: Kind,
    object: String,
    id: &dyn std::fmt::Display,
    used: i64,
    limit: i64,
    source: String,
) -> Measurement {
    let percent = if limit > 0 { (used as f64 * 1000.0 / limit as f64).round() / 10.0 } else { 0.0 };
    Measurement { kind, object, resource_id: id.to_string(), used, limit, percent, limit_source: source }
}

/// Headroom of every object against its Azure limit.
pub const CHECK: Check = Check {
    name: "quotas",
    audit: Audit::Quotas,
    emits: &[
        Emits::new(Kind::QuotaFrontendIp).judges(&[ListKind::LoadBalancers]),
        Emits::new(Kind::QuotaLbRules).judges(&[ListKind::LoadBalancers]),
        Emits::new(Kind::QuotaNsgRules).judges(&[ListKind::Nsgs]),
        Emits::new(Kind::QuotaNsgPrefixes).judges(&[ListKind::Nsgs]),
        Emits::new(Kind::QuotaPublicIps).judges(&[ListKind::Usages]),
        Emits::new(Kind::QuotaBackendPoolSize).judges(&[ListKind::LoadBalancers]),
        Emits::new(Kind::QuotaStorageAccounts).judges(&[ListKind::StorageUsages]),
        Emits::new(Kind::ArmReadBudget),
    ],
    enabled: |s| s.quota.map(|_| ()).ok_or_else(|| "no quota thresholds".to_string()),
    run: |i| match i.settings.quota {
        Some(q) => check(i.ctx, q),
        None => Verdicts::default(),
    },
};

/// Usages by region: the lists, provider, usage name, what it counts, the
/// kind, and which API it comes from.
type RegionUsage<'a> = (&'a [LocationUsages], &'a str, &'a str, &'a str, Kind, &'a str);

pub fn check(ctx: &Ctx, s: &QuotaSettings) -> Verdicts {
    let mut v = Verdicts::default();
    let mut ms: Vec<Measurement> = Vec::new();
    let provider_max = ctx.cloud_config().and_then(|c| c.maximum_load_balancer_rule_count).filter(|m| *m > 0);
    for lb in ctx.own(&ctx.snap.azure.load_balancers) {
        if !ctx.covered(ListKind::LoadBalancers, &lb.id) {
            continue;
        }
        let basic = is_basic(lb.sku_name());
        let loc = lb.location.as_deref();
        let p = &lb.properties;
        if let Some((limit, src)) = ctx.limit(&lb.id, loc, "FrontendIPConfigurationPerLoadBalancer", basic) {
            let object = format!("frontends of load balancer {}", lb.name);
            ms.push(measure(Kind::QuotaFrontendIp, object, &lb.id, p.frontends.len() as i64, limit, src));
        }
        let rules = (p.load_balancing_rules.len() + p.inbound_nat_rules.len()) as i64;
        let azure = ctx.limit(&lb.id, loc, "InboundRulesPerLoadBalancer", basic);
        // The cloud provider refuses to create more than its own maximum on
        // the load balancers it manages; count that where it is tighter.
        let ours =
            ctx.rg_owner(lb.id.subscription(), lb.id.resource_group().unwrap_or("")) == super::context::Owner::Ours;
        let provider = ours.then(|| {
            let max = provider_max.unwrap_or(PROVIDER_MAX_RULES);
            let src = if provider_max.is_some() {
                "azure.json maximumLoadBalancerRuleCount"
            } else {
                "cloud provider's default maximumLoadBalancerRuleCount"
            };
            (p.load_balancing_rules.len() as i64, max, src.to_string())
        });
        let azure_m = azure.map(|(limit, src)| (rules, limit, src));
        // The tighter limit: the higher ratio, and on a tie (0 rules, or the
        // same ratio) the smaller limit, which has less room left.
        let pick = [azure_m, provider].into_iter().flatten().max_by(|a, b| {
            (a.0 as f64 / a.1.max(1) as f64).total_cmp(&(b.0 as f64 / b.1.max(1) as f64)).then_with(|| b.1.cmp(&a.1))
        });
        if let Some((used, limit, src)) = pick {
            let object = format!("rules of load balancer {}", lb.name);
            ms.push(measure(Kind::QuotaLbRules, object, &lb.id, used, limit, src));
        }
        for pool in &p.backend_address_pools {
            let Some(limit) = table("BackendPoolMembers", basic) else { continue };
            let id = pool.id_in(&lb.id, "backendAddressPools");
            let object = format!("members of backend pool {}/{}", lb.name, pool.name);
            let src = format!("{} SKU limit", if basic { "Basic" } else { "Standard" });
            ms.push(measure(
                Kind::QuotaBackendPoolSize,
                object,
                &id,
                pool.properties.member_count() as i64,
                limit,
                src,
            ));
        }
    }
    for nsg in ctx.own(&ctx.snap.azure.network_security_groups) {
        if !ctx.covered(ListKind::Nsgs, &nsg.id) {
            continue;
        }
        let loc = nsg.location.as_deref();
        let rules = &nsg.properties.security_rules;
        if let Some((limit, src)) = ctx.limit(&nsg.id, loc, "SecurityRulesPerNetworkSecurityGroup", false) {
            let object = format!("rules of NSG {}", nsg.name);
            ms.push(measure(Kind::QuotaNsgRules, object, &nsg.id, rules.len() as i64, limit, src));
        }
        if let Some((limit, src)) =
            ctx.limit(&nsg.id, loc, "SecurityRuleAddressesOrPortsPerNetworkSecurityGroup", false)
        {
            let used: usize = rules.iter().map(|r| r.properties.addresses_and_ports()).sum();
            let object = format!("addresses and ports in NSG {}", nsg.name);
            ms.push(measure(Kind::QuotaNsgPrefixes, object, &nsg.id, used as i64, limit, src));
        }
    }
    // Per subscription and region, from the usages APIs (which count
    // subscription-wide, whatever the scope of this run): public IPs by SKU,
    // and storage accounts (250 by default: the limit that accounts leaked
    // by the file and blob drivers run into).
    let per_region: [RegionUsage; 3] = [
        (
            &ctx.snap.azure.usages,
            "Microsoft.Network",
            "PublicIPAddresses",
            "public IPs",
            Kind::QuotaPublicIps,
            "usages API",
        ),
        (
            &ctx.snap.azure.usages,
            "Microsoft.Network",
            "StandardSkuPublicIpAddresses",
            "Standard public IPs",
            Kind::QuotaPublicIps,
            "usages API",
        ),
        (
            &ctx.snap.azure.storage_usages,
            "Microsoft.Storage",
            "StorageAccounts",
            "storage accounts",
            Kind::QuotaStorageAccounts,
            "storage usages API",
        ),
    ];
    for (lists, provider, name, what, kind, api) in per_region {
        for lu in lists {
            let Some(u) = lu.usages.iter().find(|u| u.name.value.eq_ignore_ascii_case(name)).filter(|u| u.limit.0 > 0)
            else {
                continue;
            };
            let id = format!(
                "/subscriptions/{}/providers/{provider}/locations/{}/usages/{name}",
                lu.subscription, lu.location
            );
            let object = format!("{what} in {} (subscription {})", lu.location, lu.subscription);
            ms.push(measure(kind, object, &id, u.current_value.0, u.limit.0, format!("{api} ({name})")));
        }
    }
    // The read budget seen during this run, per subscription.
    for (sub, min) in &ctx.snap.stats.min_remaining_reads {
        let budget = read_budget(*min as i64);
        let used = budget - (*min as i64).min(budget);
        let object = format!("ARM reads of subscription {sub} (lowest remaining seen: {min})");
        let src = if budget == ARM_READ_BUCKET {
            "ARM read bucket (250, refilled 25/s)"
        } else {
            "ARM hourly read budget (12,000)"
        };
        ms.push(measure(Kind::ArmReadBudget, object, &format!("/subscriptions/{sub}"), used, budget, src.into()));
    }
    for m in &ms {
        let sev = if m.percent >= s.critical_pct {
            Severity::Critical
        } else if m.percent >= s.warn_pct {
            Severity::Warning
        } else {
            continue;
        };
        let name = m.resource_id.rsplit('/').next().unwrap_or("").to_string();
        let reason = match m.kind {
            Kind::ArmReadBudget => format!(
                "{}: {:.0}% of the budget used; the cluster's own cloud controller shares it, and throttling it leaves Services pending (source guide: Azure ARM API 调用请求过多)",
                m.object, m.percent
            ),
            _ => format!("{}: {} of {} ({:.1}%, limit from {})", m.object, m.used, m.limit, m.percent, m.limit_source),
        };
        v.findings.push(
            Finding::new(m.kind, sev, &m.resource_id, &name, reason)
                .with("used", m.used)
                .with("limit", m.limit)
                .with("percent", m.percent)
                .with("limit_source", m.limit_source.as_str()),
        );
    }
    ms.sort_by(|a, b| b.percent.total_cmp(&a.percent).then_with(|| a.object.cmp(&b.object)));
    v.measurements = ms;
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::snapshot::LocationUsages;
    use serde_json::json;

    fn usage(name: &str, current: i64, limit: i64) -> crate::models::Usage {
        serde_json::from_value(json!({"name": {"value": name}, "currentValue": current, "limit": limit})).unwrap()
    }

    /// The real recorded body (azure-cli, api-version 2022-05-01) has a
    /// second entry, `StorageAccounts-AzureDNSZone`, with its own limit of
    /// 5,000: the measurement is the `StorageAccounts` one, 13 of 250.
    #[test]
    fn the_recorded_storage_usages_measure_storage_accounts_only() {
        let raw = include_str!(
            "../../tests/fixtures/recorded/storageUsages/list-location-accounts-and-dns-zone-accounts.json"
        );
        let page: crate::models::Page<crate::models::Usage> = serde_json::from_str(raw).unwrap();
        assert_eq!(page.value.len(), 2);
        let mut s = snap();
        s.azure.storage_usages.push(LocationUsages {
            subscription: SUB.into(),
            location: "westus".into(),
            usages: page.value,
        });
        let settings = QuotaSettings { warn_pct: 80.0, critical_pct: 95.0 };
        let v = crate::checks::run_check(
            &CHECK,
            &s,
            &crate::checks::Settings { quota: Some(&settings), ..Default::default() },
        );
        let storage: Vec<_> = v.measurements.iter().filter(|m| m.object.starts_with("storage accounts")).collect();
        assert_eq!(storage.len(), 1, "{:?}", v.measurements);
        assert_eq!((storage[0].used, storage[0].limit), (13, 250));
        assert!(v.findings.iter().all(|f| f.kind != Kind::QuotaStorageAccounts));
    }

    #[test]
    fn storage_accounts_per_region_against_the_storage_usages() {
        let mut s = snap();
        s.azure.storage_usages.push(LocationUsages {
            subscription: SUB.into(),
            location: "westeurope".into(),
            usages: vec![usage("StorageAccounts", 245, 250)],
        });
        let settings = QuotaSettings { warn_pct: 80.0, critical_pct: 95.0 };
        let v = crate::checks::run_check(
            &CHECK,
            &s,
            &crate::checks::Settings { quota: Some(&settings), ..Default::default() },
        );
        let f = v.findings.iter().find(|f| f.kind == Kind::QuotaStorageAccounts).expect("flagged");
        assert_eq!(f.severity, Severity::Critical);
        assert!(f.reason.contains("245 of 250"), "{}", f.reason);
        // The usages list failed: withheld, not "fine".
        s.lists.push(crate::snapshot::ListRecord {
            kind: ListKind::StorageUsages,
            subscription: SUB.into(),
            resource_group: None,
            location: Some("westeurope".into()),
            parent: None,
            complete: false,
            pages: 0,
            items: 0,
            error_code: None,
            error: Some("HTTP 500".into()),
            source: crate::snapshot::ListSource::Arm,
            read_at: None,
        });
        s.azure.storage_usages.clear();
        let v = crate::checks::run_check(
            &CHECK,
            &s,
            &crate::checks::Settings { quota: Some(&settings), ..Default::default() },
        );
        assert!(v.findings.iter().all(|f| f.kind != Kind::QuotaStorageAccounts));
        assert!(v.withheld.iter().any(|w| w.kinds.contains(&Kind::QuotaStorageAccounts)), "{:?}", v.withheld);
    }

    #[test]
    fn each_quota_kind_against_usages_or_the_table() {
        let mut s = snap();
        let fe: Vec<serde_json::Value> = (0..9).map(|i| json!({"name": format!("fe{i}"), "properties": {}})).collect();
        let rules: Vec<serde_json::Value> =
            (0..5).map(|i| json!({"name": format!("r{i}"), "properties": {}})).collect();
        let members: Vec<serde_json::Value> =
            (0..96).map(|i| json!({"id": format!("/subscriptions/s/x/ipConfigurations/{i}")})).collect();
        let mut basic = lb(
            "basic-lb",
            json!({"frontendIPConfigurations": fe, "loadBalancingRules": rules,
            "backendAddressPools": [{"name": "pool", "properties": {"backendIPConfigurations": members}}]}),
        );
        basic.sku = None;
        s.azure.load_balancers.push(basic);
        let nsg_rules: Vec<serde_json::Value> =
            (0..9).map(|i| nsg_rule("n", &format!("r{i}"), 500 + i, &["1.2.3.4", "1.2.3.5"])).collect();
        s.azure.network_security_groups.push(nsg("n", json!(nsg_rules)));
        s.azure.usages.push(LocationUsages {
            subscription: SUB.into(),
            location: "West Europe".into(),
            usages: vec![
                usage("FrontendIPConfigurationPerLoadBalancer", 0, 10),
                usage("SecurityRulesPerNetworkSecurityGroup", 0, 10),
                usage("PublicIPAddresses", 97, 100),
                usage("StandardSkuPublicIpAddresses", 10, 100),
            ],
        });
        s.stats.min_remaining_reads.insert(SUB.into(), 10);
        let v = check(&Ctx::new(&s), &QuotaSettings::default());
        let got: Vec<(Kind, Severity)> = v.findings.iter().map(|f| (f.kind, f.severity)).collect();
        assert!(got.contains(&(Kind::QuotaFrontendIp, Severity::Warning)), "9 of 10: {got:?}");
        assert!(got.contains(&(Kind::QuotaBackendPoolSize, Severity::Critical)), "96 of Basic 100: {got:?}");
        assert!(got.contains(&(Kind::QuotaNsgRules, Severity::Warning)), "9 of 10: {got:?}");
        assert!(got.contains(&(Kind::QuotaPublicIps, Severity::Critical)), "97 of 100: {got:?}");
        assert!(got.contains(&(Kind::ArmReadBudget, Severity::Critical)), "10 of 250 left: {got:?}");
        assert!(!got.iter().any(|(k, _)| *k == Kind::QuotaLbRules), "5 of 250: {got:?}");
        assert!(!got.iter().any(|(k, _)| *k == Kind::QuotaNsgPrefixes), "36 of 4000: {got:?}");
        // Every object is measured, sorted by pressure.
        assert!(v.measurements.windows(2).all(|w| w[0].percent >= w[1].percent));
        let fe = v.measurements.iter().find(|m| m.kind == Kind::QuotaFrontendIp).unwrap();
        assert_eq!((fe.used, fe.limit, fe.percent), (9, 10, 90.0));
        assert_eq!(fe.limit_source, "usages API (FrontendIPConfigurationPerLoadBalancer)");
        let rules = v.measurements.iter().find(|m| m.kind == Kind::QuotaLbRules).unwrap();
        assert_eq!((rules.used, rules.limit), (5, 250), "the tighter of Azure's Basic 250 and the provider's 250");
    }

    #[test]
    fn lb_rules_with_none_used_show_the_tighter_usages_limit() {
        let mut s = snap();
        s.azure.load_balancers.push(lb("kubernetes", json!({})));
        s.azure.usages.push(LocationUsages {
            subscription: SUB.into(),
            location: "westeurope".into(),
            usages: vec![usage("InboundRulesPerLoadBalancer", 0, 3)],
        });
        let v = check(&Ctx::new(&s), &QuotaSettings::default());
        let rules = v.measurements.iter().find(|m| m.kind == Kind::QuotaLbRules).unwrap();
        assert_eq!((rules.used, rules.limit), (0, 3), "0 of 3 (usages) is tighter than 0 of 250 (provider)");
        assert_eq!(rules.limit_source, "usages API (InboundRulesPerLoadBalancer)");
    }

    #[test]
    fn addresses_and_ports_per_nsg() {
        let mut s = snap();
        let rules: Vec<serde_json::Value> =
            (0..10).map(|i| nsg_rule("n", &format!("r{i}"), 500 + i, &["1.2.3.4"])).collect();
        s.azure.network_security_groups.push(nsg("n", json!(rules)));
        s.azure.usages.push(LocationUsages {
            subscription: SUB.into(),
            location: "westeurope".into(),
            usages: vec![usage("SecurityRuleAddressesOrPortsPerNetworkSecurityGroup", 0, 42)],
        });
        let v = check(&Ctx::new(&s), &QuotaSettings::default());
        let f = v.findings.iter().find(|f| f.kind == Kind::QuotaNsgPrefixes).expect("40 of 42");
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.evidence.value("used"), 40, "source, source port, destination port and prefix per rule");
    }

    #[test]
    fn provider_max_rules_from_azure_json_is_the_tighter_limit() {
        let mut s = snap();
        let rules: Vec<serde_json::Value> =
            (0..9).map(|i| json!({"name": format!("r{i}"), "properties": {}})).collect();
        s.azure.load_balancers.push(lb("kubernetes", json!({"loadBalancingRules": rules})));
        s.cloud_config =
            Some(crate::snapshot::ProviderConfig { maximum_load_balancer_rule_count: Some(10), ..Default::default() });
        let v = check(&Ctx::new(&s), &QuotaSettings { warn_pct: 80.0, critical_pct: 95.0 });
        let f = v.findings.iter().find(|f| f.kind == Kind::QuotaLbRules).unwrap();
        assert_eq!(f.severity, Severity::Warning);
        assert!(f.reason.contains("azure.json maximumLoadBalancerRuleCount"), "{}", f.reason);
    }
}
