//! CHECKS: pure functions from a [`Snapshot`] (and settings) to findings.
//! No I/O happens here, so a snapshot file gives the same verdicts as a live
//! run. One file per check kind, each citing the behaviour it detects.
//!
//! Every check fails closed: a verdict that depends on a list that was not
//! read completely (an ARM list for the resource's scope, or a cluster list)
//! is not made, and the reason is recorded in [`Verdicts::withheld`].

pub mod annotations;
pub mod arm_throttling;
pub mod backend_pool;
pub mod basic_sku;
pub mod cloud_config;
pub mod context;
pub mod cost;
pub mod disk;
pub mod known_issues;
pub mod lb_idle;
pub mod lb_parts;
pub mod nodes;
pub mod nsg_rule;
pub mod provider;
pub mod public_ip;
pub mod quotas;
pub mod service_pending;
pub mod sp_credentials;
pub mod usage;

use crate::findings::{Finding, Kind};
use crate::snapshot::Snapshot;
use serde::{Deserialize, Serialize};

pub use context::Ctx;

/// Verdicts not made, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Withheld {
    pub kinds: Vec<Kind>,
    pub reason: String,
}

/// What a set of checks concluded.
#[derive(Clone, Debug, Default)]
pub struct Verdicts {
    pub findings: Vec<Finding>,
    pub withheld: Vec<Withheld>,
    /// Objects deliberately not judged (e.g. tagged for a cluster name that
    /// matches, outside this cluster's node resource group), one line each.
    pub notes: Vec<String>,
    /// Quota measurements of every object, sorted by pressure.
    pub measurements: Vec<quotas::Measurement>,
    /// Every service-principal credential checked.
    pub credentials: Vec<sp_credentials::CredentialExpiry>,
}

impl Verdicts {
    pub fn withhold(&mut self, kinds: &[Kind], reason: impl Into<String>) {
        let reason = reason.into();
        if let Some(w) = self.withheld.iter_mut().find(|w| w.reason == reason) {
            for k in kinds {
                if !w.kinds.contains(k) {
                    w.kinds.push(*k);
                }
            }
        } else {
            self.withheld.push(Withheld { kinds: kinds.to_vec(), reason });
        }
    }

    fn extend(&mut self, other: Verdicts) {
        self.findings.extend(other.findings);
        for w in other.withheld {
            self.withhold(&w.kinds, w.reason);
        }
        self.notes.extend(other.notes);
        self.measurements.extend(other.measurements);
        self.credentials.extend(other.credentials);
    }
}

/// The orphan audit: everything Kubernetes left behind in Azure.
pub fn orphans(snap: &Snapshot) -> Verdicts {
    let ctx = Ctx::new(snap);
    let mut v = orphans_with(&ctx);
    finish(&ctx, &mut v);
    v
}

fn orphans_with(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    v.extend(public_ip::check(ctx));
    v.extend(lb_parts::check(ctx));
    v.extend(lb_idle::check(ctx));
    v.extend(backend_pool::check(ctx));
    v.extend(nsg_rule::check(ctx));
    v.extend(disk::check(ctx));
    v
}

/// Service-principal credential expiry.
pub fn sp_expiry(snap: &Snapshot, settings: &sp_credentials::SpSettings) -> Verdicts {
    let ctx = Ctx::new(snap);
    let mut v = sp_credentials::check(snap, settings);
    finish(&ctx, &mut v);
    v
}

/// Headroom against every limit.
pub fn quotas(snap: &Snapshot, settings: &quotas::QuotaSettings) -> Verdicts {
    let ctx = Ctx::new(snap);
    let mut v = quotas::check(&ctx, settings);
    finish(&ctx, &mut v);
    v
}

/// Everything: the orphan audit, service-principal expiry (`sp` is
/// `Err(why)` to skip it, and `why` becomes the note), quotas, and the
/// source guide's diagnoses. Pending Services are diagnosed last, from the
/// other findings.
pub fn check(
    snap: &Snapshot,
    sp: Result<&sp_credentials::SpSettings, &str>,
    quota: &quotas::QuotaSettings,
) -> Verdicts {
    let ctx = Ctx::new(snap);
    let mut v = orphans_with(&ctx);
    match sp {
        Ok(s) => v.extend(sp_credentials::check(snap, s)),
        Err(why) => v.notes.push(format!("sp-expiry: not run: {why}")),
    }
    v.extend(quotas::check(&ctx, quota));
    v.extend(nodes::check(&ctx));
    v.extend(basic_sku::check(&ctx));
    v.extend(cloud_config::check(&ctx));
    v.extend(known_issues::check(&ctx));
    v.extend(arm_throttling::check(&ctx));
    let pending = service_pending::check(&ctx, &v.findings);
    v.extend(pending);
    finish(&ctx, &mut v);
    v
}

/// Locks, cluster names, and one order for every report.
fn finish(ctx: &Ctx, v: &mut Verdicts) {
    group_not_judged(&mut v.notes);
    for f in &mut v.findings {
        if f.resource_id.starts_with("/subscriptions/") {
            f.locks = ctx.locks_for(&f.resource_id);
        }
        if f.cluster.is_none() && !f.kind.as_str().starts_with("sp-") {
            f.cluster = Some(ctx.cluster_name.to_string());
        }
    }
    // Report order of kinds, most severe first, then the ID. The key is
    // computed once per finding, not per comparison.
    let rank = |k: Kind| Kind::all().position(|x| x == k).unwrap_or(usize::MAX);
    v.findings
        .sort_by_cached_key(|f| (rank(f.kind), std::cmp::Reverse(f.severity), f.resource_id.to_ascii_lowercase()));
    // Measurements come sorted by pressure from the one check that makes them.
}

/// Many objects not judged for one reason ("... not judged: resource
/// group X is not ...") become one note naming how many and a few of them.
fn group_not_judged(notes: &mut Vec<String>) {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut rest = Vec::new();
    for n in notes.drain(..) {
        match n.split_once(" not judged: ") {
            Some((what, why)) => match groups.iter_mut().find(|(w, _)| w == why) {
                Some((_, items)) => items.push(what.to_string()),
                None => groups.push((why.to_string(), vec![what.to_string()])),
            },
            None => rest.push(n),
        }
    }
    for (why, items) in groups {
        if items.len() == 1 {
            rest.push(format!("{} not judged: {why}", items[0]));
        } else {
            let shown: Vec<&str> = items.iter().take(3).map(String::as_str).collect();
            let more = if items.len() > 3 { format!(" and {} more", items.len() - 3) } else { String::new() };
            rest.push(format!("{} objects not judged ({}{more}): {why}", items.len(), shown.join(", ")));
        }
    }
    rest.dedup();
    *notes = rest;
}

#[cfg(test)]
mod reconciler_model;
#[cfg(test)]
pub(crate) mod testkit;

/// The layers stay apart: checks read a snapshot and nothing else, so they
/// import nothing from the collectors or the commands.
#[cfg(test)]
#[test]
fn checks_import_nothing_from_collectors_or_commands() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/checks");
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        // Spelt in pieces so this file does not match itself.
        for layer in ["collect", "commands"] {
            let bad = format!("crate::{layer}");
            assert!(!text.contains(&bad), "{} uses {bad}", e.path().display());
        }
    }
}
