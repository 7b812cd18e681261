//! The one issue model every check produces and every renderer consumes:
//! a [`Finding`] with a stable [`Kind`], a [`Severity`], the exact ARM ID
//! (sub-resources get their own), a one-line reason, and the evidence that
//! led to the verdict.

pub use crate::evidence::{Ev, Evidence};
use crate::models::ResourceId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

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

/// Declares every finding kind, in report order (most pressing first):
/// its stable name and its table heading. Which check emits it, and what
/// that check must have read to emit it, is the check's own declaration
/// (`checks::REGISTRY`).
macro_rules! kinds {
    ($( $variant:ident = $name:literal, $title:literal; )*) => {
        /// The finding kinds. Their kebab-case names are a stable interface
        /// (JSON, Prometheus labels, suppressions): never rename one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum Kind {
            $( #[serde(rename = $name)] $variant, )*
        }

        /// Each kind's name and table heading, in report order.
        const KINDS: &[(Kind, &str, &str)] = &[ $( (Kind::$variant, $name, $title), )* ];
    };
}

kinds! {
    ServiceLbPending = "service-lb-pending", "LoadBalancer Services stuck pending";
    BackendPoolEmpty = "backend-pool-empty", "Empty backend pools";
    SpNoValidCredential = "sp-no-valid-credential", "Service principals with no valid credential";
    SpCredentialExpired = "sp-credential-expired", "Expired service-principal credentials";
    SpCredentialExpiring = "sp-credential-expiring", "Service-principal credentials expiring soon";
    SpCredentialNoExpiry = "sp-credential-no-expiry", "Service-principal credentials that never expire";
    PublicIpOrphaned = "public-ip-orphaned", "Public IPs whose Services are gone";
    PublicIpUnattached = "public-ip-unattached", "Public IPs attached to nothing";
    PublicIpFailed = "public-ip-failed", "Public IPs in a failed state";
    LbFrontendOrphaned = "lb-frontend-orphaned", "Load-balancer frontends of deleted Services";
    LbRuleOrphaned = "lb-rule-orphaned", "Load-balancing rules of deleted Services";
    LbProbeOrphaned = "lb-probe-orphaned", "Health probes of deleted Services";
    LbIdle = "lb-idle", "Idle load balancers";
    NsgRuleStale = "nsg-rule-stale", "Stale NSG rules";
    DiskOrphaned = "disk-orphaned", "Disks of deleted PersistentVolumes";
    PlsOrphaned = "pls-orphaned", "Private link services of deleted Services";
    RouteStale = "route-stale", "Routes of deleted nodes or old pod CIDRs";
    SnapshotOrphaned = "snapshot-orphaned", "Disk snapshots of deleted VolumeSnapshots";
    FileShareOrphaned = "file-share-orphaned", "File shares of deleted PersistentVolumes";
    BlobContainerOrphaned = "blob-container-orphaned", "Blob containers of deleted PersistentVolumes";
    StorageAccountEmpty = "storage-account-empty", "Empty storage accounts made for CSI drivers";
    QuotaFrontendIp = "quota-frontend-ip", "Frontends per load balancer near the limit";
    QuotaLbRules = "quota-lb-rules", "Rules per load balancer near the limit";
    QuotaNsgRules = "quota-nsg-rules", "Rules per NSG near the limit";
    QuotaNsgPrefixes = "quota-nsg-prefixes", "Addresses and ports per NSG near the limit";
    QuotaPublicIps = "quota-public-ips", "Public IPs per region near the limit";
    QuotaStorageAccounts = "quota-storage-accounts", "Storage accounts per region near the limit";
    QuotaBackendPoolSize = "quota-backend-pool-size", "Backend pools near their size limit";
    ArmReadBudget = "arm-read-budget", "ARM read budget";
    NodeNoProviderId = "node-no-provider-id", "Nodes without an Azure providerID";
    VirtualNodeNotExcluded = "virtual-node-not-excluded", "Virtual-kubelet nodes not excluded from load balancers";
    GpuNodeNoGpu = "gpu-node-no-gpu", "GPU nodes that report no GPU";
    LbBasicSku = "lb-basic-sku", "Basic SKU load balancers and public IPs";
    CloudConfigInstanceMetadataOff = "cloud-config-instance-metadata-off", "azure.json: instance metadata off";
    CloudConfigSecretWithMsi = "cloud-config-secret-with-msi", "azure.json: a client secret beside managed identity";
    CloudConfigRateLimitDisabled = "cloud-config-rate-limit-disabled", "azure.json: client rate limit disabled";
    CloudConfigUnknownCloud = "cloud-config-unknown-cloud", "azure.json: unknown cloud";
    KnownIssue = "known-issue", "Known cloud-provider bugs in this Kubernetes version";
    ArmThrottlingRisk = "arm-throttling-risk", "Risk of ARM throttling";
    SuppressionExpired = "suppression-expired", "Expired suppressions";
}

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

/// Which audit made a report. Serialized as the command's name
/// (`orphans`, `sp-expiry`, `quotas`, `check`). Which kinds each audit can
/// report follows from the check registry (`checks::kinds`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Audit {
    Orphans,
    SpExpiry,
    Quotas,
    Check,
}

impl Audit {
    pub fn as_str(self) -> &'static str {
        match self {
            Audit::Orphans => "orphans",
            Audit::SpExpiry => "sp-expiry",
            Audit::Quotas => "quotas",
            Audit::Check => "check",
        }
    }
}

impl std::fmt::Display for Audit {
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
    pub basis: std::borrow::Cow<'static, str>,
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
    pub resource_id: ResourceId,
    /// The object's own name.
    pub name: String,
    /// The subscription the object is in (from its ID). With many
    /// subscriptions in one run, this is what tells findings apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<Arc<str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_group: Option<Arc<str>>,
    pub reason: String,
    /// The tags, names and references that led to the verdict.
    #[serde(default)]
    pub evidence: Evidence,
    /// The owning Service (`namespace/name`), where one is known: most
    /// are short enough to be held inline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<compact_str::CompactString>,
    /// The cluster name the verdict was made for (one shared copy per
    /// cluster, not one per finding).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Arc<str>>,
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
    pub fn new(
        kind: Kind,
        severity: Severity,
        resource_id: impl Into<ResourceId>,
        name: &str,
        reason: impl Into<String>,
    ) -> Finding {
        let id: ResourceId = resource_id.into();
        Finding {
            kind,
            severity,
            name: name.to_string(),
            subscription: id.shared_subscription(),
            resource_group: id.shared_resource_group(),
            resource_id: id,
            reason: reason.into(),
            evidence: Evidence::default(),
            service: None,
            cluster: None,
            cost: None,
            locks: Vec::new(),
            first_seen: None,
            age_days: None,
        }
    }

    /// Room for `n` pieces of evidence, for a check that knows how many it
    /// adds: one allocation instead of regrowing (73,000 regrowths on the
    /// large benchmark).
    pub fn room(mut self, n: usize) -> Finding {
        self.evidence.reserve(n);
        self
    }

    /// Add one piece of evidence.
    pub fn with(mut self, key: &'static str, value: impl Into<Ev>) -> Finding {
        self.evidence.insert(key, value.into());
        self
    }

    /// Add a fixed text as evidence, without copying it into every finding.
    pub fn with_text(mut self, key: &'static str, text: &'static str) -> Finding {
        self.evidence.insert(key, Ev::Static(text));
        self
    }

    pub fn service(mut self, key: Option<String>) -> Finding {
        self.service = key.map(Into::into);
        self
    }

    pub fn cost(mut self, cost: Option<Cost>) -> Finding {
        self.cost = cost;
        self
    }

    /// The key that identifies "the same finding" across runs.
    pub fn key(&self) -> String {
        format!("{}|{}", self.kind.as_str(), self.resource_id.key())
    }
}

/// Findings, each in its own box: tens of thousands of them grow a vector
/// of pointers, not of 280-byte values (whose doubling and copying cost more
/// at the peak than the findings themselves). Reads like a `Vec`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
#[allow(clippy::vec_box)] // the point: see above
pub struct Findings(Vec<Box<Finding>>);

impl Findings {
    pub fn push(&mut self, f: Finding) {
        self.0.push(Box::new(f));
    }

    /// The findings, as `&Finding`.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Finding> + ExactSizeIterator {
        self.0.iter().map(|b| &**b)
    }

    /// The findings, as `&mut Finding`.
    pub fn iter_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Finding> + ExactSizeIterator {
        self.0.iter_mut().map(|b| &mut **b)
    }
}

impl Extend<Box<Finding>> for Findings {
    fn extend<I: IntoIterator<Item = Box<Finding>>>(&mut self, it: I) {
        self.0.extend(it);
    }
}

impl std::ops::Deref for Findings {
    type Target = Vec<Box<Finding>>;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Findings {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl FromIterator<Finding> for Findings {
    fn from_iter<I: IntoIterator<Item = Finding>>(it: I) -> Findings {
        Findings(it.into_iter().map(Box::new).collect())
    }
}

impl IntoIterator for Findings {
    type Item = Box<Finding>;
    type IntoIter = std::vec::IntoIter<Box<Finding>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Findings {
    type Item = &'a Box<Finding>;
    type IntoIter = std::slice::Iter<'a, Box<Finding>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<'a> IntoIterator for &'a mut Findings {
    type Item = &'a mut Box<Finding>;
    type IntoIter = std::slice::IterMut<'a, Box<Finding>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter_mut()
    }
}

impl Extend<Finding> for Findings {
    fn extend<I: IntoIterator<Item = Finding>>(&mut self, it: I) {
        self.0.extend(it.into_iter().map(Box::new));
    }
}

impl Findings {
    /// The findings themselves, out of their boxes.
    pub fn unboxed(self) -> Vec<Finding> {
        self.0.into_iter().map(|b| *b).collect()
    }
}

impl From<Vec<Finding>> for Findings {
    fn from(v: Vec<Finding>) -> Findings {
        v.into_iter().collect()
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
