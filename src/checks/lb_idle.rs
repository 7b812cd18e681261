//! Load balancers that do nothing: no frontend IP configurations, or no
//! rules of any kind. Load-balancing rules, inbound NAT rules, inbound NAT
//! pools and outbound rules all count: a load balancer used only for NAT or
//! outbound rules is in use (facts file, section 7).

use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::snapshot::ListKind;

/// Load balancers with nothing left to balance.
pub const CHECK: Check = Check {
    name: "lb-idle",
    audit: Audit::Orphans,
    emits: &[Emits::new(Kind::LbIdle).judges(&[ListKind::LoadBalancers])],
    enabled: super::always,
    run: |i| check(i.ctx),
};

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    for lb in ctx.own(&ctx.snap.azure.load_balancers) {
        if !ctx.covered(ListKind::LoadBalancers, &lb.id) {
            continue;
        }
        let p = &lb.properties;
        // A load balancer azure.json configures for multiple standard load
        // balancers is where the provider places the next Service (it
        // prefers an existing one with no rules): kept by design.
        let configured = ctx.cloud_config().is_some_and(|c| {
            let base = lb.name.strip_suffix("-internal").unwrap_or(&lb.name);
            c.multiple_standard_load_balancers.iter().any(|n| n.eq_ignore_ascii_case(base))
        });
        if configured && p.rule_count() == 0 {
            v.notes.push(format!(
                "load balancer {} not judged: azure.json configures it for multiple standard load balancers, and the provider places Services on a rule-less one first",
                lb.name
            ));
            continue;
        }
        let reason = if p.frontends.is_empty() {
            "has no frontend IP configurations, so it cannot receive or send traffic"
        } else if p.rule_count() == 0 {
            "has no rules of any kind (load-balancing, inbound NAT, NAT pool or outbound)"
        } else {
            continue;
        };
        v.findings.push(
            Finding::new(Kind::LbIdle, Severity::Warning, &lb.id, &lb.name, format!("load balancer {}", reason))
                .with("frontends", p.frontends.len())
                .with("backend_pools", p.backend_address_pools.len())
                .with("load_balancing_rules", p.load_balancing_rules.len())
                .with("inbound_nat_rules", p.inbound_nat_rules.len())
                .with("inbound_nat_pools", p.inbound_nat_pools.len())
                .with("outbound_rules", p.outbound_rules.len()),
        );
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use serde_json::json;

    #[test]
    fn nat_or_outbound_rules_alone_keep_a_load_balancer_in_use() {
        let fe = json!([{"name": "fe", "properties": {}}]);
        let mut s = snap();
        s.azure.load_balancers.push(lb(
            "nat-only",
            json!({"frontendIPConfigurations": fe, "inboundNatRules": [{"name": "ssh", "properties": {}}]}),
        ));
        s.azure.load_balancers.push(lb(
            "outbound-only",
            json!({"frontendIPConfigurations": fe, "outboundRules": [{"name": "o", "properties": {}}]}),
        ));
        s.azure.load_balancers.push(lb(
            "nat-pool-only",
            json!({"frontendIPConfigurations": fe, "inboundNatPools": [{"name": "p", "properties": {}}]}),
        ));
        s.azure.load_balancers.push(lb("no-rules", json!({"frontendIPConfigurations": fe})));
        s.azure.load_balancers.push(lb("lb2-internal", json!({"frontendIPConfigurations": fe})));
        s.cloud_config = Some(crate::snapshot::ProviderConfig {
            multiple_standard_load_balancers: vec!["kubernetes".into(), "lb2".into()],
            ..Default::default()
        });
        s.azure.load_balancers.push(lb("no-frontends", json!({})));
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        let names: Vec<&str> = v.findings.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["no-rules", "no-frontends"]);
        assert!(v.findings[0].reason.contains("no rules of any kind"));
        assert!(v.notes.iter().any(|n| n.contains("lb2-internal not judged")), "{:?}", v.notes);
    }
}
