//! Lint of the cloud provider's azure.json (only when one was read):
//!
//! - `cloud-config-instance-metadata-off`: without `useInstanceMetadata:
//!   true` every node asks ARM what the instance metadata service would
//!   answer locally — the source guide's first fix for "Azure ARM API
//!   调用请求过多";
//! - `cloud-config-secret-with-msi`: `aadClientSecret` beside
//!   `useManagedIdentityExtension: true`: the provider uses the identity and
//!   the forgotten secret still expires, and leaks with the file;
//! - `cloud-config-rate-limit-disabled`: `cloudProviderRateLimit: false` on a
//!   large cluster (50+ nodes) or a subscription already short of reads;
//! - `cloud-config-unknown-cloud`: a `cloud` value the provider does not know.

use super::{Check, Ctx, Emits, Verdicts};
use crate::cloud::Cloud;
use crate::findings::{Audit, Finding, Kind, Severity};

/// Nodes from which a cluster counts as large for rate limiting.
pub const LARGE_CLUSTER_NODES: usize = 50;

/// azure.json settings the source guide warns about.
pub const CHECK: Check = Check {
    name: "cloud-config",
    audit: Audit::Check,
    emits: &[
        Emits::new(Kind::CloudConfigInstanceMetadataOff),
        Emits::new(Kind::CloudConfigSecretWithMsi),
        Emits::new(Kind::CloudConfigRateLimitDisabled),
        Emits::new(Kind::CloudConfigUnknownCloud),
    ],
    enabled: super::always,
    run: |i| check(i.ctx),
};

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    let Some(cfg) = ctx.cloud_config() else { return v };
    let id = |field: &str| format!("file://{}#{field}", cfg.path);
    let path = if cfg.path.is_empty() { "azure.json".to_string() } else { cfg.path.clone() };
    if cfg.use_instance_metadata != Some(true) {
        let how = if cfg.use_instance_metadata == Some(false) { "is false" } else { "is not set" };
        v.findings.push(Finding::new(
            Kind::CloudConfigInstanceMetadataOff,
            Severity::Warning,
            id("useInstanceMetadata"),
            "useInstanceMetadata",
            format!("useInstanceMetadata {how} in {path}: every node asks ARM for what the instance metadata service answers locally, spending the subscription's read budget; set \"useInstanceMetadata\": true on all nodes and restart kubelet (source guide: Azure ARM API 调用请求过多)"),
        ));
    }
    if cfg.has_client_secret && cfg.use_managed_identity_extension == Some(true) {
        v.findings.push(Finding::new(
            Kind::CloudConfigSecretWithMsi,
            Severity::Warning,
            id("aadClientSecret"),
            "aadClientSecret",
            format!("{path} sets useManagedIdentityExtension and also holds aadClientSecret{}: the provider signs in with the managed identity, so the secret is unused yet still expires and leaks with the file; remove it", cfg.aad_client_id.as_deref().map(|a| format!(" for application {a}")).unwrap_or_default()),
        ));
    }
    if cfg.cloud_provider_rate_limit == Some(false) {
        let nodes = ctx.cluster.nodes.len();
        let low = ctx.snap.stats.reserve_pauses > 0;
        if nodes >= LARGE_CLUSTER_NODES || low {
            let why = if low {
                "the subscription's ARM read budget already ran low during this run".to_string()
            } else {
                format!("the cluster has {nodes} nodes")
            };
            v.findings.push(Finding::new(
                Kind::CloudConfigRateLimitDisabled,
                Severity::Warning,
                id("cloudProviderRateLimit"),
                "cloudProviderRateLimit",
                format!("cloudProviderRateLimit is false in {path} and {why}: nothing stops the cloud provider from exhausting ARM's limits, after which Services stay pending and disks stop attaching; enable it (cloudProviderRateLimitQPS/Bucket)"),
            ));
        }
    }
    if let Some(cloud) = cfg.cloud.as_deref().filter(|c| !c.is_empty())
        && Cloud::from_name(cloud).is_none()
        && !cloud.eq_ignore_ascii_case("AzureStackCloud")
    {
        v.findings.push(Finding::new(
            Kind::CloudConfigUnknownCloud,
            Severity::Warning,
            id("cloud"),
            "cloud",
            format!("cloud '{cloud}' in {path} is not AzurePublicCloud, AzureChinaCloud, AzureUSGovernmentCloud or AzureStackCloud (case-insensitive): the cloud provider cannot pick its endpoints"),
        ));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::snapshot::ProviderConfig;

    #[test]
    fn each_lint() {
        let mut s = snap();
        assert!(
            crate::checks::run_check(&CHECK, &s, &Default::default()).findings.is_empty(),
            "no azure.json, no lint"
        );
        s.cloud_config = Some(ProviderConfig {
            path: "/etc/kubernetes/azure.json".into(),
            cloud: Some("AzurePubliCloud".into()),
            has_client_secret: true,
            use_managed_identity_extension: Some(true),
            use_instance_metadata: Some(false),
            cloud_provider_rate_limit: Some(false),
            ..Default::default()
        });
        s.stats.reserve_pauses = 1;
        let kinds: Vec<Kind> =
            crate::checks::run_check(&CHECK, &s, &Default::default()).findings.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            vec![
                Kind::CloudConfigInstanceMetadataOff,
                Kind::CloudConfigSecretWithMsi,
                Kind::CloudConfigRateLimitDisabled,
                Kind::CloudConfigUnknownCloud
            ]
        );
        s.cloud_config = Some(ProviderConfig {
            cloud: Some("azurechinacloud".into()),
            use_instance_metadata: Some(true),
            cloud_provider_rate_limit: Some(false),
            ..Default::default()
        });
        s.stats.reserve_pauses = 0;
        assert!(
            crate::checks::run_check(&CHECK, &s, &Default::default()).findings.is_empty(),
            "small cluster, known cloud, IMDS on"
        );
    }
}
