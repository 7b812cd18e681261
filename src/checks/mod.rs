//! CHECKS: pure functions from a [`Snapshot`] (and settings) to findings.
//! No I/O happens here, so a snapshot file gives the same verdicts as a live
//! run. One file per check kind, each citing the behaviour it detects.
//!
//! Every check fails closed: a verdict that depends on a list that was not
//! read completely (an ARM list for the resource's scope, or a cluster list)
//! is not made, and the reason is recorded in [`Verdicts::withheld`].

pub mod backend_pool;
pub mod context;
pub mod cost;
pub mod disk;
pub mod lb_idle;
pub mod lb_parts;
pub mod nsg_rule;
pub mod public_ip;
pub mod sp_credentials;

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
    }
}

/// The orphan audit: everything Kubernetes left behind in Azure.
pub fn orphans(snap: &Snapshot) -> Verdicts {
    let ctx = Ctx::new(snap);
    let mut v = Verdicts::default();
    v.extend(public_ip::check(&ctx));
    v.extend(lb_parts::check(&ctx));
    v.extend(lb_idle::check(&ctx));
    v.extend(backend_pool::check(&ctx));
    v.extend(nsg_rule::check(&ctx));
    v.extend(disk::check(&ctx));
    for f in &mut v.findings {
        f.locks = ctx.locks_for(&f.resource_id);
        if f.cluster.is_none() {
            f.cluster = Some(ctx.cluster_name.to_string());
        }
    }
    v.findings.sort_by(|a, b| {
        (a.kind, &a.resource_id.to_ascii_lowercase()).cmp(&(b.kind, &b.resource_id.to_ascii_lowercase()))
    });
    v
}

/// Service-principal credential expiry.
pub fn sp_expiry(snap: &Snapshot, settings: &sp_credentials::SpSettings) -> Verdicts {
    let mut v = sp_credentials::check(snap, settings);
    sort(&mut v);
    v
}

fn sort(v: &mut Verdicts) {
    v.findings.sort_by(|a, b| {
        (a.kind, b.severity, a.resource_id.to_ascii_lowercase()).cmp(&(
            b.kind,
            a.severity,
            b.resource_id.to_ascii_lowercase(),
        ))
    });
}

#[cfg(test)]
pub(crate) mod testkit;
