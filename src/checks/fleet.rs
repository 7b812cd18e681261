//! A fleet run: several clusters' views in one snapshot (`--context` given
//! more than once, or cluster files tagged `NAME=FILE`). Each view judges
//! what is its own (its node resource group, and resource groups its
//! Services name), exactly as a run with that cluster alone would; the
//! verdicts are merged, each finding labelled with its view. An AKS
//! cluster in scope with no view is named: the verdicts that need a
//! cluster are withheld for it.

use super::{Settings, Verdicts, run_view, sort};
use crate::findings::{Audit, Kind};
use crate::snapshot::{ClusterView, Snapshot};
use std::collections::HashSet;

pub(super) fn run(audit: Audit, snap: &Snapshot, settings: &Settings) -> Verdicts {
    let views: Vec<&ClusterView> = std::iter::once(&snap.cluster).chain(&snap.fleet).collect();
    let node_rg = |v: &ClusterView| v.node_resource_group.as_ref().map(|s| s.value.to_ascii_lowercase());
    let judged: Vec<String> = views.iter().filter_map(|v| node_rg(v)).collect();
    let mut all = Verdicts::default();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, view) in views.iter().enumerate() {
        let label = view.label.clone().unwrap_or_else(|| view.name.clone());
        let v = run_view(audit, snap, view, settings);
        let own = node_rg(view);
        for mut f in v.findings.unboxed() {
            if !f.kind.as_str().starts_with("sp-") {
                f.cluster = Some(label.clone());
            }
            // An Azure-only verdict is made by every view alike: keep one.
            if seen.insert(f.key()) {
                all.findings.push(f);
            }
        }
        for w in v.withheld {
            all.withhold(&w.kinds, format!("cluster {label}: {}", w.reason));
        }
        // What another view judges is not "not judged".
        let others: Vec<&String> = judged.iter().filter(|r| Some(*r) != own.as_ref()).collect();
        for n in v.notes {
            let lower = n.to_ascii_lowercase();
            if others.iter().any(|r| lower.contains(&format!("resource group {r} is"))) {
                continue;
            }
            all.notes.push(format!("cluster {label}: {n}"));
        }
        // Quotas and credentials do not depend on the cluster.
        if i == 0 {
            all.measurements = v.measurements;
            all.credentials = v.credentials;
        }
    }
    // AKS clusters with no view: named, and what needs a cluster withheld.
    let needs_cluster: Vec<Kind> = super::REGISTRY
        .iter()
        .filter(|c| audit == Audit::Check || c.audit == audit)
        .flat_map(|c| c.emits.iter().filter(|e| !e.cluster.is_empty()).map(|e| e.kind))
        .collect();
    for mc in &snap.azure.managed_clusters {
        let Some(rg) = mc.properties.node_resource_group.as_deref() else { continue };
        if judged.iter().any(|j| j.eq_ignore_ascii_case(rg)) || needs_cluster.is_empty() {
            continue;
        }
        all.withhold(
            &needs_cluster,
            format!(
                "AKS cluster {} (node resource group {rg}) has no cluster view in this fleet run (add --context or --cluster-file {}=FILE): verdicts in its node resource group that need the cluster are not made",
                mc.name, mc.name
            ),
        );
    }
    sort(&mut all);
    all
}
