//! Basic SKU load balancers and public IPs. The source guide's comparison
//! table: Basic backend pools hold up to 100 instances of one availability
//! set (Standard: 1,000, any VM in the virtual network); no HA ports, no
//! availability zones beyond zonal, limited diagnostics, no NSG required.
//! Azure retired Basic SKU public IPs (and Basic load balancers) on
//! 30 September 2025, which makes every remaining one a warning.

use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::snapshot::ListKind;

/// Whether a load balancer's or public IP's SKU is Basic (one without a
/// SKU is Basic).
pub fn is_basic(sku: Option<&str>) -> bool {
    sku.is_none_or(|s| s.eq_ignore_ascii_case("Basic"))
}

/// Basic SKU load balancers and public IPs.
pub const CHECK: Check = Check {
    name: "basic-sku",
    audit: Audit::Check,
    emits: &[Emits::new(Kind::LbBasicSku).judges(&[ListKind::LoadBalancers, ListKind::PublicIps])],
    enabled: super::always,
    run: |i| check(i.ctx),
};

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    for lb in ctx.own(&ctx.snap.azure.load_balancers) {
        if ctx.covered(ListKind::LoadBalancers, &lb.id) && is_basic(lb.sku_name()) {
            v.findings.push(
                Finding::new(
                    Kind::LbBasicSku,
                    Severity::Warning,
                    &lb.id,
                    &lb.name,
                    format!(
                        "load balancer {} is Basic SKU, which Azure retired on 30 September 2025: backend pools of at most 100 instances of one availability set (Standard: 1,000 across the virtual network), no HA ports, no zone redundancy, limited diagnostics; migrate to Standard",
                        lb.name
                    ),
                )
                .with("sku", lb.sku_name().unwrap_or("(none: Basic)")),
            );
        }
    }
    for pip in ctx.own(&ctx.snap.azure.public_ips) {
        if ctx.covered(ListKind::PublicIps, &pip.id) && is_basic(pip.sku_name()) {
            v.findings.push(
                Finding::new(
                    Kind::LbBasicSku,
                    Severity::Warning,
                    &pip.id,
                    &pip.name,
                    format!(
                        "public IP {} is Basic SKU, which Azure retired on 30 September 2025 (zonal only, no availability guarantees, NSG optional); upgrade it to Standard (the address can be kept)",
                        pip.name
                    ),
                )
                .with("sku", pip.sku_name().unwrap_or("(none: Basic)")),
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
    fn basic_or_skuless_load_balancers_and_ips() {
        let mut s = snap();
        s.azure.load_balancers.push(lb("standard", json!({})));
        let mut b = lb("basic", json!({}));
        b.sku = Some(crate::models::Sku { name: Some("Basic".into()), tier: None });
        s.azure.load_balancers.push(b);
        let mut ip = pip("old", &[], "20.0.0.1", None);
        ip.sku = None;
        s.azure.public_ips.push(ip);
        s.azure.public_ips.push(pip("new", &[], "20.0.0.2", None));
        let names: Vec<String> =
            crate::checks::run_check(&CHECK, &s, &Default::default()).findings.iter().map(|f| f.name.clone()).collect();
        assert_eq!(names, vec!["basic", "old"]);
    }
}
