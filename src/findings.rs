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
    SpCredentialExpired,
    SpCredentialExpiring,
    SpCredentialNoExpiry,
    SpNoValidCredential,
}

impl Kind {
    pub const ALL: [Kind; 14] = [
        Kind::PublicIpOrphaned,
        Kind::PublicIpUnattached,
        Kind::PublicIpFailed,
        Kind::LbFrontendOrphaned,
        Kind::LbRuleOrphaned,
        Kind::LbProbeOrphaned,
        Kind::LbIdle,
        Kind::BackendPoolEmpty,
        Kind::NsgRuleStale,
        Kind::DiskOrphaned,
        Kind::SpNoValidCredential,
        Kind::SpCredentialExpired,
        Kind::SpCredentialExpiring,
        Kind::SpCredentialNoExpiry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PublicIpOrphaned => "public-ip-orphaned",
            Kind::PublicIpUnattached => "public-ip-unattached",
            Kind::PublicIpFailed => "public-ip-failed",
            Kind::LbFrontendOrphaned => "lb-frontend-orphaned",
            Kind::LbRuleOrphaned => "lb-rule-orphaned",
            Kind::LbProbeOrphaned => "lb-probe-orphaned",
            Kind::LbIdle => "lb-idle",
            Kind::BackendPoolEmpty => "backend-pool-empty",
            Kind::NsgRuleStale => "nsg-rule-stale",
            Kind::DiskOrphaned => "disk-orphaned",
            Kind::SpCredentialExpired => "sp-credential-expired",
            Kind::SpCredentialExpiring => "sp-credential-expiring",
            Kind::SpCredentialNoExpiry => "sp-credential-no-expiry",
            Kind::SpNoValidCredential => "sp-no-valid-credential",
        }
    }

    /// A heading for the table output.
    pub fn title(self) -> &'static str {
        match self {
            Kind::PublicIpOrphaned => "Public IPs whose Services are gone",
            Kind::PublicIpUnattached => "Public IPs attached to nothing",
            Kind::PublicIpFailed => "Public IPs in a failed state",
            Kind::LbFrontendOrphaned => "Load-balancer frontends of deleted Services",
            Kind::LbRuleOrphaned => "Load-balancing rules of deleted Services",
            Kind::LbProbeOrphaned => "Health probes of deleted Services",
            Kind::LbIdle => "Idle load balancers",
            Kind::BackendPoolEmpty => "Empty backend pools",
            Kind::NsgRuleStale => "Stale NSG rules",
            Kind::DiskOrphaned => "Disks of deleted PersistentVolumes",
            Kind::SpCredentialExpired => "Expired service-principal credentials",
            Kind::SpCredentialExpiring => "Service-principal credentials expiring soon",
            Kind::SpCredentialNoExpiry => "Service-principal credentials that never expire",
            Kind::SpNoValidCredential => "Service principals with no valid credential",
        }
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
}
