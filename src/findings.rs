//! The one issue model every check produces and every renderer consumes:
//! a [`Finding`] with a stable [`Kind`], a [`Severity`], the exact ARM ID
//! (sub-resources get their own), a one-line reason, and the evidence that
//! led to the verdict.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How bad a finding is. Ordered: `Info < Warning < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

/// The finding kinds. Their kebab-case names are a stable interface
/// (JSON, Prometheus labels, suppressions): never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    // orphans
    PublicIpOrphaned,
    PublicIpUnattached,
    PublicIpFailed,
    LbFrontendOrphaned,
    LbRuleOrphaned,
    LbProbeOrphaned,
    LbIdle,
    BackendPoolEmpty,
    NsgRuleStale,
    DiskOrphaned,
    // sp-expiry
    SpCredentialExpired,
    SpCredentialExpiring,
    SpCredentialNoExpiry,
    SpNoValidCredential,
    // quotas
    QuotaFrontendIp,
    QuotaLbRules,
    QuotaNsgRules,
    QuotaNsgPrefixes,
    QuotaPublicIps,
    QuotaBackendPoolSize,
    ArmReadBudget,
    // check: the source guide's diagnoses
    ServiceLbPending,
    NodeNoProviderId,
    VirtualNodeNotExcluded,
    GpuNodeNoGpu,
    LbBasicSku,
    CloudConfigInstanceMetadataOff,
    CloudConfigSecretWithMsi,
    CloudConfigRateLimitDisabled,
    CloudConfigUnknownCloud,
    KnownIssue,
    ArmThrottlingRisk,
    // suppressions
    SuppressionExpired,
}

/// Each kind's name and table heading, in report order.
const KINDS: [(Kind, &str, &str); 33] = [
    (Kind::ServiceLbPending, "service-lb-pending", "LoadBalancer Services stuck pending"),
    (Kind::BackendPoolEmpty, "backend-pool-empty", "Empty backend pools"),
    (Kind::SpNoValidCredential, "sp-no-valid-credential", "Service principals with no valid credential"),
    (Kind::SpCredentialExpired, "sp-credential-expired", "Expired service-principal credentials"),
    (Kind::SpCredentialExpiring, "sp-credential-expiring", "Service-principal credentials expiring soon"),
    (Kind::SpCredentialNoExpiry, "sp-credential-no-expiry", "Service-principal credentials that never expire"),
    (Kind::PublicIpOrphaned, "public-ip-orphaned", "Public IPs whose Services are gone"),
    (Kind::PublicIpUnattached, "public-ip-unattached", "Public IPs attached to nothing"),
    (Kind::PublicIpFailed, "public-ip-failed", "Public IPs in a failed state"),
    (Kind::LbFrontendOrphaned, "lb-frontend-orphaned", "Load-balancer frontends of deleted Services"),
    (Kind::LbRuleOrphaned, "lb-rule-orphaned", "Load-balancing rules of deleted Services"),
    (Kind::LbProbeOrphaned, "lb-probe-orphaned", "Health probes of deleted Services"),
    (Kind::LbIdle, "lb-idle", "Idle load balancers"),
    (Kind::NsgRuleStale, "nsg-rule-stale", "Stale NSG rules"),
    (Kind::DiskOrphaned, "disk-orphaned", "Disks of deleted PersistentVolumes"),
    (Kind::QuotaFrontendIp, "quota-frontend-ip", "Frontends per load balancer near the limit"),
    (Kind::QuotaLbRules, "quota-lb-rules", "Rules per load balancer near the limit"),
    (Kind::QuotaNsgRules, "quota-nsg-rules", "Rules per NSG near the limit"),
    (Kind::QuotaNsgPrefixes, "quota-nsg-prefixes", "Addresses and ports per NSG near the limit"),
    (Kind::QuotaPublicIps, "quota-public-ips", "Public IPs per region near the limit"),
    (Kind::QuotaBackendPoolSize, "quota-backend-pool-size", "Backend pools near their size limit"),
    (Kind::ArmReadBudget, "arm-read-budget", "ARM read budget"),
    (Kind::NodeNoProviderId, "node-no-provider-id", "Nodes without an Azure providerID"),
    (
        Kind::VirtualNodeNotExcluded,
        "virtual-node-not-excluded",
        "Virtual-kubelet nodes not excluded from load balancers",
    ),
    (Kind::GpuNodeNoGpu, "gpu-node-no-gpu", "GPU nodes that report no GPU"),
    (Kind::LbBasicSku, "lb-basic-sku", "Basic SKU load balancers and public IPs"),
    (Kind::CloudConfigInstanceMetadataOff, "cloud-config-instance-metadata-off", "azure.json: instance metadata off"),
    (
        Kind::CloudConfigSecretWithMsi,
        "cloud-config-secret-with-msi",
        "azure.json: a client secret beside managed identity",
    ),
    (Kind::CloudConfigRateLimitDisabled, "cloud-config-rate-limit-disabled", "azure.json: client rate limit disabled"),
    (Kind::CloudConfigUnknownCloud, "cloud-config-unknown-cloud", "azure.json: unknown cloud"),
    (Kind::KnownIssue, "known-issue", "Known cloud-provider bugs in this Kubernetes version"),
    (Kind::ArmThrottlingRisk, "arm-throttling-risk", "Risk of ARM throttling"),
    (Kind::SuppressionExpired, "suppression-expired", "Expired suppressions"),
];

impl Kind {
    /// Every kind, in report order.
    pub fn all() -> impl Iterator<Item = Kind> {
        KINDS.iter().map(|(k, _, _)| *k)
    }

    fn info(self) -> (&'static str, &'static str) {
        KINDS.iter().find(|(k, _, _)| *k == self).map(|(_, n, t)| (*n, *t)).unwrap_or(("unknown", "Unknown"))
    }

    pub fn as_str(self) -> &'static str {
        self.info().0
    }

    /// A heading for the table output.
    pub fn title(self) -> &'static str {
        self.info().1
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An approximate monthly cost, from the documented list-price table in
/// `checks::cost`. Always approximate: real bills depend on region,
/// agreements and currency.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    pub monthly_usd: f64,
    pub approximate: bool,
    /// What the figure is based on, e.g. "Standard static public IP, $0.005/h".
    pub basis: String,
}

/// A management lock that covers the resource.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LockRef {
    pub name: String,
    /// `CanNotDelete` or `ReadOnly`.
    pub level: String,
    /// The scope the lock sits on (the resource, its group or subscription).
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: Kind,
    pub severity: Severity,
    /// The ARM ID of the exact object (a frontend, rule, probe, pool or NSG
    /// rule has its own sub-resource ID).
    pub resource_id: String,
    /// The object's own name.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<String>,
    pub reason: String,
    /// The tags, names and references that led to the verdict.
    #[serde(default)]
    pub evidence: BTreeMap<String, serde_json::Value>,
    /// The owning Service (`namespace/name`), where one is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// The cluster name the verdict was made for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<Cost>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<LockRef>,
    /// When this finding was first seen (`--state-file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<jiff::Timestamp>,
    /// Whole days since then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
}

impl Finding {
    pub fn new(kind: Kind, severity: Severity, resource_id: &str, name: &str, reason: impl Into<String>) -> Finding {
        let id = crate::models::ResourceId::new(resource_id);
        Finding {
            kind,
            severity,
            resource_id: resource_id.to_string(),
            name: name.to_string(),
            resource_group: id.resource_group().map(str::to_string),
            reason: reason.into(),
            evidence: BTreeMap::new(),
            service: None,
            cluster: None,
            cost: None,
            locks: Vec::new(),
            first_seen: None,
            age_days: None,
        }
    }

    /// Add one piece of evidence.
    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Finding {
        self.evidence.insert(key.to_string(), value.into());
        self
    }

    pub fn service(mut self, key: Option<String>) -> Finding {
        self.service = key;
        self
    }

    pub fn cost(mut self, cost: Option<Cost>) -> Finding {
        self.cost = cost;
        self
    }

    /// The key that identifies "the same finding" across runs.
    pub fn key(&self) -> String {
        format!("{}|{}", self.kind.as_str(), self.resource_id.to_ascii_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_name_matching_its_serde_name() {
        let mut seen = std::collections::HashSet::new();
        for k in Kind::all() {
            assert!(seen.insert(k), "{k:?} listed twice");
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.as_str()));
            assert_ne!(k.as_str(), "unknown");
        }
        assert_eq!(seen.len(), KINDS.len());
        // Every variant is in the table (SuppressionExpired is the last one).
        assert_eq!(Kind::SuppressionExpired as usize + 1, KINDS.len());
    }

    /// A kind the README does not document is a kind users cannot look up.
    #[test]
    fn every_kind_is_in_the_readmes_tables() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
        let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with('|')).collect();
        let missing: Vec<&str> =
            Kind::all().map(|k| k.as_str()).filter(|k| !rows.iter().any(|r| r.contains(&format!("`{k}`")))).collect();
        assert!(missing.is_empty(), "kinds with no row in the README's tables: {missing:?}");
    }
}
