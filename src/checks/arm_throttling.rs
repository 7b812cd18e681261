//! `arm-throttling-risk`: the subscription's ARM read budget ran low during
//! this run (azaudit had to pause to keep its reserve), or azure.json lacks
//! `useInstanceMetadata: true`. The source guide's "Azure ARM API
//! 调用请求过多": the cloud provider is throttled ("too many requests have
//! been received for this subscription") and Services stay pending; use
//! instance metadata, lengthen `--route-reconciliation-period`, and keep
//! other readers (azaudit included) polite.

use super::quotas::read_budget;
use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};

/// Remaining reads below this share of the budget count as low.
pub const LOW_SHARE: f64 = 0.25;

const ADVICE: &str = "set \"useInstanceMetadata\": true in azure.json on every node, lengthen kube-controller-manager's --route-reconciliation-period (e.g. 1m), and limit other ARM readers";

/// Settings and budgets that lead to ARM throttling.
pub const CHECK: Check = Check {
    name: "arm-throttling",
    audit: Audit::Check,
    emits: &[Emits::new(Kind::ArmThrottlingRisk)],
    enabled: super::always,
    run: |i| check(i.ctx),
};

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    let stats = &ctx.snap.stats;
    for (sub, min) in &stats.min_remaining_reads {
        let min = *min as i64;
        let budget = read_budget(min);
        if (min as f64) < budget as f64 * LOW_SHARE || stats.reserve_pauses > 0 {
            v.findings.push(
                Finding::new(
                    Kind::ArmThrottlingRisk,
                    Severity::Warning,
                    format!("/subscriptions/{sub}"),
                    sub,
                    format!(
                        "subscription {sub} had only {min} ARM reads left during this run{}: the cloud controller shares this budget, and once throttled it leaves Services pending; {ADVICE}",
                        if stats.reserve_pauses > 0 { format!(" and azaudit paused {} time(s) to keep its reserve", stats.reserve_pauses) } else { String::new() }
                    ),
                )
                .with("min_remaining_reads", min)
                .with("reserve_pauses", stats.reserve_pauses),
            );
        }
    }
    if let Some(cfg) = ctx.cloud_config()
        && cfg.use_instance_metadata != Some(true)
    {
        v.findings.push(Finding::new(
            Kind::ArmThrottlingRisk,
            Severity::Warning,
            format!("file://{}#useInstanceMetadata", cfg.path),
            "useInstanceMetadata",
            format!("azure.json lacks \"useInstanceMetadata\": true, so nodes read from ARM what the metadata service would answer; {ADVICE}"),
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

    #[test]
    fn low_budget_or_no_instance_metadata() {
        let mut s = snap();
        s.stats.min_remaining_reads.insert(SUB.into(), 200);
        assert!(crate::checks::run_check(&CHECK, &s, &Default::default()).findings.is_empty());
        s.stats.min_remaining_reads.insert(SUB.into(), 40);
        assert_eq!(crate::checks::run_check(&CHECK, &s, &Default::default()).findings.len(), 1);
        s.stats.min_remaining_reads.insert(SUB.into(), 11_000);
        assert!(
            crate::checks::run_check(&CHECK, &s, &Default::default()).findings.is_empty(),
            "the legacy hourly budget is far from low"
        );
        s.cloud_config =
            Some(crate::snapshot::ProviderConfig { use_instance_metadata: Some(false), ..Default::default() });
        assert_eq!(crate::checks::run_check(&CHECK, &s, &Default::default()).findings[0].name, "useInstanceMetadata");
    }
}
