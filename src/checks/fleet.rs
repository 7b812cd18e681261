//! A fleet run: several clusters' views in one snapshot (`--context` given
//! more than once, or cluster files tagged `NAME=FILE`). Each view judges
//! what is its own (its node resource group, and resource groups its
//! Services name), exactly as a run with that cluster alone would; the
//! verdicts are merged, each finding labelled with its view. An AKS
//! cluster in scope with no view is named: the verdicts that need a
//! cluster are withheld for it, and the Azure-only ones (idle load
//! balancers, empty storage accounts, quotas) are still made in its node
//! resource group.
//!
//! Each pass walks only its own objects: the resource groups it judges
//! (`Ctx::rg_owner` says `Ours`), found once for the inventory. What no
//! view and no AKS cluster owns gets one last pass of its own, which makes
//! the Azure-only verdicts there and says once what it cannot judge. The
//! references between Azure objects are indexed once for every pass
//! ([`AzureRefs`]). A 1,000-subscription tenant with 20 views so costs
//! about one walk of the inventory, not twenty.

use super::context::{Only, Owner};
use super::usage::{AzureRefs, Usage};
use super::{Ctx, Settings, Verdicts, run_ctx, sort};
use crate::findings::{Audit, Kind};
use crate::snapshot::{ClusterSource, ClusterView, ListKind, Snapshot, Sourced};
use std::collections::{HashMap, HashSet};

/// Every (subscription, resource group) that holds an object a check
/// walks, in its first spelling, once without case. (Managed clusters and
/// locks are read for what they say of others, and judged by none.)
fn scopes(snap: &Snapshot) -> Vec<(String, String)> {
    let mut seen_heads: HashSet<usize> = HashSet::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    let mut out = Vec::new();
    snap.azure.each(|kind, r| {
        if matches!(kind, ListKind::ManagedClusters | ListKind::Locks) {
            return;
        }
        let id = r.id();
        if let Some(h) = id.head()
            && !seen_heads.insert(h.as_ptr() as usize)
        {
            return;
        }
        let (Some(sub), Some(rg)) = (id.subscription(), id.resource_group()) else { return };
        if seen.insert((sub.to_ascii_lowercase(), rg.to_ascii_lowercase())) {
            out.push((sub.to_string(), rg.to_string()));
        }
    });
    out
}

/// Why a view judges no resource group of the inventory (its objects, if
/// any, are the last pass's).
fn owns_nothing(ctx: &Ctx, snap: &Snapshot) -> String {
    match (ctx.node_rg, ctx.cluster_subscription.as_deref()) {
        (None, _) => {
            "judges no resource group in this run: its node resource group is unknown (its nodes name none)".into()
        }
        (Some(rg), None) => format!(
            "judges no resource group in this run: its node resource group {rg} is known, but not its subscription (its nodes' provider IDs name none), and {} subscriptions are in scope",
            snap.scope.subscriptions.len()
        ),
        (Some(rg), Some(sub)) => format!(
            "judges no resource group in this run: nothing in scope is in its node resource group {rg} in subscription {sub}, nor in a resource group its Services name"
        ),
    }
}

/// Where an item goes in a merged list that keeps one per key.
enum Place {
    Push,
    Replace(usize),
    Skip,
}

/// One item per key: the first, unless an owner's comes after another
/// pass's (the owner knows, say, its provider's own rule maximum). `index`
/// holds each key's place and whether its item is the owner's.
fn place(index: &mut HashMap<String, (usize, bool)>, key: String, len: usize, own: bool) -> Place {
    match index.get(&key).copied() {
        None => {
            index.insert(key, (len, own));
            Place::Push
        }
        Some((at, false)) if own => {
            index.insert(key, (at, true));
            Place::Replace(at)
        }
        Some(_) => Place::Skip,
    }
}

/// Keep a quota measurement, one per object and kind.
fn keep_measurement(
    all: &mut Vec<super::quotas::Measurement>,
    index: &mut HashMap<String, (usize, bool)>,
    m: super::quotas::Measurement,
    own: bool,
) {
    let key = format!("{}|{}", m.kind.as_str(), m.resource_id.to_ascii_lowercase());
    match place(index, key, all.len(), own) {
        Place::Push => all.push(m),
        Place::Replace(at) => all[at] = m,
        Place::Skip => {}
    }
}

/// The scopes a context judges, lower-cased.
fn owned(ctx: &Ctx, scopes: &[(String, String)]) -> HashSet<(String, String)> {
    scopes
        .iter()
        .filter(|(s, r)| ctx.rg_owner(Some(s), r) == Owner::Ours)
        .map(|(s, r)| (s.to_ascii_lowercase(), r.to_ascii_lowercase()))
        .collect()
}

pub(super) fn run(audit: Audit, snap: &Snapshot, settings: &Settings) -> Verdicts {
    let views: Vec<&ClusterView> = std::iter::once(&snap.cluster).chain(&snap.fleet).collect();
    let node_rg = |v: &ClusterView| v.node_resource_group.as_ref().map(|s| s.value.to_ascii_lowercase());
    // The views' node resource groups: (subscription, or "" when unknown;
    // resource group), lower-cased.
    let judged: Vec<(String, String)> = views
        .iter()
        .filter_map(|v| {
            let sub = super::context::cluster_subscription(snap, v).unwrap_or_default().to_ascii_lowercase();
            node_rg(v).map(|rg| (sub, rg))
        })
        .collect();
    let is_judged = |sub: &str, rg: &str| {
        let (sub, rg) = (sub.to_ascii_lowercase(), rg.to_ascii_lowercase());
        judged.iter().any(|(s, r)| *r == rg && (s.is_empty() || *s == sub))
    };
    // Whose a finding is: the view (or, without one, the AKS cluster) whose
    // node resource group holds the object; else the view that judged it.
    // (subscription or "" when unknown, resource group), both lower-cased.
    let mut owners: Vec<((String, String), std::sync::Arc<str>)> = Vec::new();
    for v in &views {
        if let Some(rg) = node_rg(v) {
            let sub = super::context::cluster_subscription(snap, v).unwrap_or_default().to_ascii_lowercase();
            owners.push(((sub, rg), v.label.as_deref().unwrap_or(&v.name).into()));
        }
    }
    for mc in &snap.azure.managed_clusters {
        let Some(rg) = mc.properties.node_resource_group.as_deref().map(str::to_ascii_lowercase) else { continue };
        let sub = mc.id.subscription().unwrap_or_default().to_ascii_lowercase();
        if !owners.iter().any(|((s, r), _)| *r == rg && (s.is_empty() || *s == sub)) {
            owners.push(((sub, rg), mc.name.as_str().into()));
        }
    }
    let owner_of = |id: &crate::models::ResourceId| {
        let rg = id.resource_group()?.to_ascii_lowercase();
        let sub = id.subscription().unwrap_or_default().to_ascii_lowercase();
        owners.iter().find(|((s, r), _)| *r == rg && (s.is_empty() || *s == sub)).map(|(_, l)| l.clone())
    };
    let owner = |f: &crate::findings::Finding| owner_of(&f.resource_id);
    let azure = AzureRefs::build(snap);
    let scopes = scopes(snap);
    // The scopes some pass judges; the last pass takes the rest.
    let mut taken: HashSet<(String, String)> = HashSet::new();
    let mut all = Verdicts::default();
    // Each key's finding, and whether the view that made it owns the
    // object: the owner's verdict wins (it knows, say, the provider's own
    // maximum for its load balancers).
    let mut seen: HashMap<String, (usize, bool)> = HashMap::new();
    let mut measured: HashMap<String, (usize, bool)> = HashMap::new();
    for (i, view) in views.iter().enumerate() {
        let label: std::sync::Arc<str> = view.label.as_deref().unwrap_or(&view.name).into();
        let ctx = Ctx::for_view(snap, view);
        let own = owned(&ctx, &scopes);
        if own.is_empty() {
            all.notes.push(format!("cluster {label}: {}", owns_nothing(&ctx, snap)));
        }
        taken.extend(own.iter().cloned());
        let ctx = ctx.only(Only::judged(own));
        let mut v = run_ctx(audit, &ctx, &Usage::for_view(&ctx, &azure), settings);
        sort(&mut v);
        for mut f in v.findings.unboxed() {
            if !f.kind.as_str().starts_with("sp-") {
                f.cluster = Some(owner(&f).unwrap_or_else(|| label.clone()));
            }
            // An Azure-only verdict is made by every view alike: keep one,
            // the owner's. (A finding on a Kubernetes object is each view's
            // own: every AKS cluster is called `kubernetes`, so IDs repeat.)
            if !f.resource_id.starts_with_ci("/subscriptions/") {
                all.findings.push(f);
                continue;
            }
            let own = owner(&f).as_deref() == Some(&*label);
            match place(&mut seen, f.key(), all.findings.len(), own) {
                Place::Push => all.findings.push(f),
                Place::Replace(at) => *all.findings[at] = f,
                Place::Skip => {}
            }
        }
        for w in v.withheld {
            all.withhold(&w.kinds, format!("cluster {label}: {}", w.reason));
        }
        // What another view judges is not "not judged" (`Ctx::rg_owner`
        // says so in these words).
        for n in v.notes {
            if n.contains("judged against its own view") {
                continue;
            }
            all.notes.push(format!("cluster {label}: {n}"));
        }
        // Credentials do not depend on the cluster; each object's quota
        // measurement is its owner's, else the first view's.
        if i == 0 {
            all.credentials = v.credentials;
        }
        for m in v.measurements {
            let own = owner_of(&crate::models::ResourceId::new(&m.resource_id)).as_deref() == Some(&*label);
            keep_measurement(&mut all.measurements, &mut measured, m, own);
        }
    }
    // AKS clusters with no view: named, what needs a cluster withheld, and
    // the rest judged against a view of nothing but the cluster's node
    // resource group (every cluster list unread).
    let needs_cluster: Vec<Kind> = super::REGISTRY
        .iter()
        .filter(|c| audit == Audit::Check || c.audit == audit)
        .flat_map(|c| c.emits.iter().filter(|e| !e.cluster.is_empty()).map(|e| e.kind))
        .collect();
    for mc in &snap.azure.managed_clusters {
        let Some(rg) = mc.properties.node_resource_group.as_deref() else { continue };
        if is_judged(mc.id.subscription().unwrap_or_default(), rg) {
            continue;
        }
        if !needs_cluster.is_empty() {
            all.withhold(
                &needs_cluster,
                format!(
                    "AKS cluster {} (node resource group {rg}) has no cluster view in this fleet run (add --context or --cluster-file {}=FILE): verdicts in its node resource group that need the cluster are not made",
                    mc.name, mc.name
                ),
            );
        }
        let view = ClusterView {
            name: crate::snapshot::DEFAULT_CLUSTER_NAME.into(),
            label: Some(mc.name.clone()),
            subscription: mc.id.subscription().map(str::to_string),
            source: ClusterSource::Skipped,
            node_resource_group: Some(Sourced { value: rg.to_string(), source: "AKS managed cluster".into() }),
            ..Default::default()
        };
        let ctx = Ctx::for_view(snap, &view);
        let own = owned(&ctx, &scopes);
        taken.extend(own.iter().cloned());
        let ctx = ctx.only(Only::judged(own));
        let mut v = run_ctx(audit, &ctx, &Usage::for_view(&ctx, &azure), settings);
        sort(&mut v);
        // After the views: what a view already judged stays theirs.
        for mut f in v.findings.unboxed() {
            f.cluster = Some(owner(&f).unwrap_or_else(|| mc.name.as_str().into()));
            if !f.resource_id.starts_with_ci("/subscriptions/") {
                all.findings.push(f);
            } else if let Place::Push = place(&mut seen, f.key(), all.findings.len(), false) {
                all.findings.push(f);
            }
        }
        // Its "not read" gaps are the withheld line above.
        all.notes.extend(v.notes.into_iter().map(|n| format!("cluster {}: {n}", mc.name)));
        for m in v.measurements {
            keep_measurement(&mut all.measurements, &mut measured, m, false);
        }
    }
    // What no pass judged: the Azure-only verdicts, once, against a view
    // of no cluster; what needs a cluster is said once, here.
    let rest: Vec<&(String, String)> =
        scopes.iter().filter(|(s, r)| !taken.contains(&(s.to_ascii_lowercase(), r.to_ascii_lowercase()))).collect();
    if !rest.is_empty() {
        let subs: HashSet<String> = rest.iter().map(|(s, _)| s.to_ascii_lowercase()).collect();
        let named: Vec<String> = rest.iter().take(3).map(|(s, r)| format!("{r} ({s})")).collect();
        let more =
            if rest.len() > named.len() { format!(" and {} more", rest.len() - named.len()) } else { String::new() };
        all.notes.push(format!(
            "{} resource group{} in {} subscription{} ({}{more}) are no cluster's in this fleet run: not the node resource group of a view in its own subscription, nor of an AKS cluster, and named by no view's Service. Only verdicts that need no cluster are made there (failed public IPs, idle load balancers, Basic SKUs, quotas)",
            rest.len(),
            if rest.len() == 1 { "" } else { "s" },
            subs.len(),
            if subs.len() == 1 { "" } else { "s" },
            named.join(", "),
        ));
        let nobody = ClusterView {
            name: crate::snapshot::DEFAULT_CLUSTER_NAME.into(),
            source: ClusterSource::Skipped,
            ..Default::default()
        };
        let ctx = Ctx::for_view(snap, &nobody).only(Only::all_but(taken));
        let mut v = run_ctx(audit, &ctx, &Usage::for_view(&ctx, &azure), settings);
        sort(&mut v);
        for mut f in v.findings.unboxed() {
            // An Azure object's finding, if no view made it; no cluster's
            // unless its resource group is a cluster's after all.
            if !f.resource_id.starts_with_ci("/subscriptions/") {
                continue;
            }
            if let Place::Push = place(&mut seen, f.key(), all.findings.len(), false) {
                f.cluster = owner(&f);
                all.findings.push(f);
            }
        }
        // Its "not read" gaps are the note above.
        all.notes.extend(v.notes);
        for m in v.measurements {
            keep_measurement(&mut all.measurements, &mut measured, m, false);
        }
    }
    sort(&mut all);
    // By pressure, as the quota check orders one view's.
    all.measurements.sort_by(|a, b| b.percent.total_cmp(&a.percent).then_with(|| a.object.cmp(&b.object)));
    all
}
