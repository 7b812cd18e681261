//! The report every analysis command produces: findings plus what could
//! not be judged, in a documented, versioned JSON schema
//! (`azaudit.report/v1`). Renderers only ever see this.

use crate::arm::StatsSummary;
use crate::checks::{Verdicts, Withheld};
use crate::findings::{Kind, Severity};
use crate::snapshot::{Scope, Snapshot};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const REPORT_SCHEMA: &str = "azaudit.report/v1";

pub use crate::findings::Audit;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    /// The audit that produced it (`orphans`, ...).
    pub command: Audit,
    pub generated_at: jiff::Timestamp,
    /// When the data was read (the snapshot's time).
    pub data_from: jiff::Timestamp,
    pub azaudit_version: String,
    pub scope: Scope,
    /// The cluster the audit is about; absent when the run involved none
    /// (`sp-expiry` without a subscription reads only Microsoft Graph).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ReportCluster>,
    /// A fleet run's other cluster views.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fleet: Vec<ReportCluster>,
    /// False when any list was incomplete or any verdict was withheld.
    pub complete: bool,
    /// What is missing, one line each (lists that failed or were cut short).
    pub incomplete: Vec<String>,
    /// Verdicts not made, and why.
    pub withheld: Vec<Withheld>,
    /// Objects deliberately not judged, one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    pub summary: Summary,
    pub findings: crate::findings::Findings,
    /// Findings a suppression covers: counted here, not in `findings`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<crate::suppressions::Suppressed>,
    /// Every service-principal credential checked, with its days left.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<crate::checks::sp_credentials::CredentialExpiry>,
    /// Quota measurements (`quotas`, `check`): every object, by pressure.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<crate::checks::quotas::Measurement>,
    /// The thresholds the verdicts were drawn with (the charts draw them).
    #[serde(default, skip_serializing_if = "Thresholds::is_empty")]
    pub thresholds: Thresholds,
    pub stats: StatsSummary,
}

/// The thresholds a run used, where its audit has any: quota shares for
/// `quotas` and `check`, days left for `sp-expiry` and `check`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_warn_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota_critical_pct: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_warn_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_critical_days: Option<i64>,
}

impl Thresholds {
    pub fn is_empty(&self) -> bool {
        *self == Thresholds::default()
    }

    pub fn quota(&mut self, q: &crate::checks::quotas::QuotaSettings) {
        self.quota_warn_pct = Some(q.warn_pct);
        self.quota_critical_pct = Some(q.critical_pct);
    }

    pub fn sp(&mut self, s: &crate::checks::sp_credentials::SpSettings) {
        self.sp_warn_days = Some(s.warn_days);
        self.sp_critical_days = Some(s.critical_days);
    }

    /// Warning and critical quota shares, in percent (the flags' defaults
    /// when the report does not say).
    pub fn quota_pct(&self) -> (f64, f64) {
        use crate::checks::quotas::{DEFAULT_CRITICAL_PCT, DEFAULT_WARN_PCT};
        (self.quota_warn_pct.unwrap_or(DEFAULT_WARN_PCT), self.quota_critical_pct.unwrap_or(DEFAULT_CRITICAL_PCT))
    }

    /// Warning and critical days left (the flags' defaults when the report
    /// does not say).
    pub fn sp_days(&self) -> (i64, i64) {
        use crate::checks::sp_credentials::{DEFAULT_CRITICAL_DAYS, DEFAULT_WARN_DAYS};
        (self.sp_warn_days.unwrap_or(DEFAULT_WARN_DAYS), self.sp_critical_days.unwrap_or(DEFAULT_CRITICAL_DAYS))
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReportCluster {
    pub name: String,
    /// In a fleet run: the view's context or file tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_resource_group: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    pub findings: usize,
    pub by_severity: BTreeMap<Severity, usize>,
    pub by_kind: BTreeMap<Kind, usize>,
    /// Sum of the findings' approximate monthly costs, USD.
    pub monthly_waste_usd: f64,
    /// Findings hidden from the verdict by a suppression (still listed).
    #[serde(default)]
    pub suppressed: usize,
    /// A fleet run's findings per cluster view (absent with one cluster).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_cluster: BTreeMap<String, usize>,
}

impl ReportCluster {
    fn of(c: &crate::snapshot::ClusterView) -> ReportCluster {
        ReportCluster {
            name: c.name.clone(),
            label: c.label.clone(),
            source: c.describe_source(),
            node_resource_group: c.node_resource_group.as_ref().map(|s| s.value.clone()),
        }
    }
}

impl Report {
    /// `needs_cluster`: the command's verdicts depend on the cluster view, so
    /// a skipped cluster makes the report incomplete.
    pub fn new(
        command: Audit,
        snap: &Snapshot,
        verdicts: Verdicts,
        needs_cluster: bool,
        now: jiff::Timestamp,
    ) -> Report {
        let mut incomplete = snap.missing();
        if needs_cluster && snap.cluster.skipped() {
            incomplete.push("cluster: not read (--no-cluster); verdicts that need it are withheld".into());
        }
        let mut r = Report {
            schema: REPORT_SCHEMA.into(),
            command,
            generated_at: now,
            data_from: snap.generated_at,
            azaudit_version: env!("CARGO_PKG_VERSION").into(),
            scope: snap.scope.clone(),
            cluster: (!snap.cluster.name.is_empty()).then(|| ReportCluster::of(&snap.cluster)),
            fleet: snap.fleet.iter().map(ReportCluster::of).collect(),
            complete: incomplete.is_empty() && verdicts.withheld.is_empty(),
            incomplete,
            withheld: verdicts.withheld,
            notes: skipped_subscriptions(snap).chain(verdicts.notes).collect(),
            summary: Summary::default(),
            findings: verdicts.findings,
            suppressed: Vec::new(),
            credentials: verdicts.credentials,
            measurements: verdicts.measurements,
            thresholds: Thresholds::default(),
            stats: snap.stats.clone(),
        };
        r.summarize();
        r
    }

    /// Recount the summary from the findings (after suppressions moved some).
    pub fn summarize(&mut self) {
        let mut summary =
            Summary { findings: self.findings.len(), suppressed: self.suppressed.len(), ..Default::default() };
        for f in &self.findings {
            *summary.by_severity.entry(f.severity).or_default() += 1;
            *summary.by_kind.entry(f.kind).or_default() += 1;
            summary.monthly_waste_usd += f.cost.as_ref().map_or(0.0, |c| c.monthly_usd);
        }
        summary.monthly_waste_usd = (summary.monthly_waste_usd * 100.0).round() / 100.0;
        if !self.fleet.is_empty() {
            for f in &self.findings {
                *summary.by_cluster.entry(f.cluster.as_deref().unwrap_or("-").to_string()).or_default() += 1;
            }
        }
        self.summary = summary;
    }

    /// Findings at or above `threshold`.
    pub fn count_at_least(&self, threshold: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity >= threshold).count()
    }
}

/// Subscriptions that discovery found but the run did not audit, one note
/// each.
fn skipped_subscriptions(snap: &Snapshot) -> impl Iterator<Item = String> + '_ {
    snap.scope
        .discovery
        .iter()
        .flat_map(|d| d.skipped.iter().map(move |s| format!("subscription {s}: not audited (found in {})", d.from)))
}
