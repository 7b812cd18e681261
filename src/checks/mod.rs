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
pub mod disk_snapshot;
mod fleet;
pub mod known_issues;
pub mod lb_idle;
pub mod lb_parts;
pub mod nodes;
pub mod nsg_rule;
pub mod ownership;
pub mod pls;
pub mod provider;
pub mod public_ip;
pub mod quotas;
pub mod route;
pub mod service_pending;
pub mod sp_credentials;
pub mod storage;
pub mod usage;

use crate::findings::{Audit, Finding, Kind};
use crate::snapshot::{ClusterKind, ListKind, Snapshot};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

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
    pub findings: crate::findings::Findings,
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

/// What one check emits, and what it must have read completely to do so.
/// The runner withholds on the declaration; checks hold no such code.
#[derive(Clone, Copy, Debug)]
pub struct Emits {
    pub kind: Kind,
    /// The lists of the objects judged. A gap withholds verdicts in the
    /// scopes it covers (and the report says so); findings on an object
    /// whose own list is incomplete in its scope are never made.
    pub judges: &'static [ListKind],
    /// Lists that hold references to the judged objects (from any resource
    /// group): a gap anywhere withholds the kind.
    pub refs: &'static [ListKind],
    /// Cluster lists: a gap withholds the kind.
    pub cluster: &'static [ClusterKind],
    /// Microsoft Graph: not read withholds the kind.
    pub graph: bool,
    /// When set, gaps withhold the kind only if this says there is something
    /// to judge (an optional CRD's absence matters only where its objects
    /// would).
    pub applies: Option<fn(&Snapshot) -> bool>,
}

impl Emits {
    pub const fn new(kind: Kind) -> Emits {
        Emits { kind, judges: &[], refs: &[], cluster: &[], graph: false, applies: None }
    }
    pub const fn judges(self, judges: &'static [ListKind]) -> Emits {
        Emits { judges, ..self }
    }
    pub const fn refs(self, refs: &'static [ListKind]) -> Emits {
        Emits { refs, ..self }
    }
    pub const fn cluster(self, cluster: &'static [ClusterKind]) -> Emits {
        Emits { cluster, ..self }
    }
    pub const fn graph(self) -> Emits {
        Emits { graph: true, ..self }
    }
    pub const fn only_if(self, applies: fn(&Snapshot) -> bool) -> Emits {
        Emits { applies: Some(applies), ..self }
    }
}

/// The settings checks take from flags.
#[derive(Clone, Copy, Debug, Default)]
pub struct Settings<'s> {
    /// `Err(why)` skips the credential checks (`why` becomes the note).
    pub sp: Option<Result<&'s sp_credentials::SpSettings, &'s str>>,
    pub quota: Option<&'s quotas::QuotaSettings>,
    /// Find what ARM must confirm: keep findings on objects read from
    /// Azure Resource Graph that are not confirmed yet (never for a report).
    pub candidates: bool,
}

/// What a check is given.
pub struct Input<'i> {
    pub ctx: &'i Ctx<'i>,
    /// Every live reference to the objects the orphan checks judge.
    pub usage: &'i usage::Usage<'i>,
    pub settings: &'i Settings<'i>,
    /// The findings of the checks that ran before it.
    pub prior: &'i [Box<Finding>],
    /// Kinds already withheld (their work may be skipped).
    pub withheld: &'i HashSet<Kind>,
}

/// One check: one file under `checks/`, declared once.
pub struct Check {
    /// Its name in notes ("sp-expiry: not run: ...").
    pub name: &'static str,
    /// The narrowest audit it belongs to (`check` runs every check).
    pub audit: Audit,
    pub emits: &'static [Emits],
    /// `Err(why)` when the settings turn it off.
    pub enabled: fn(&Settings) -> Result<(), String>,
    pub run: fn(&Input) -> Verdicts,
}

/// Always on.
pub fn always(_: &Settings) -> Result<(), String> {
    Ok(())
}

/// Every check, in the order they run. A check that reads others'
/// findings (pending Services) comes after them.
pub const REGISTRY: &[&Check] = &[
    &public_ip::CHECK,
    &lb_parts::CHECK,
    &lb_idle::CHECK,
    &backend_pool::CHECK,
    &nsg_rule::CHECK,
    &disk::CHECK,
    &pls::CHECK,
    &route::CHECK,
    &disk_snapshot::CHECK,
    &storage::CHECK,
    &sp_credentials::CHECK,
    &quotas::CHECK,
    &nodes::CHECK,
    &basic_sku::CHECK,
    &cloud_config::CHECK,
    &known_issues::CHECK,
    &arm_throttling::CHECK,
    &service_pending::CHECK,
];

/// The kinds `audit` can report, in report order, suppression-expired
/// last: JUnit gives each a suite.
pub fn kinds(audit: Audit) -> Vec<Kind> {
    let emitted: HashSet<Kind> = REGISTRY
        .iter()
        .filter(|c| audit == Audit::Check || c.audit == audit)
        .flat_map(|c| c.emits.iter().map(|e| e.kind))
        .collect();
    Kind::all().filter(|k| emitted.contains(k)).chain(std::iter::once(Kind::SuppressionExpired)).collect()
}

/// Run `audit`'s checks over the snapshot: against its cluster view, or
/// against each view of a fleet.
pub fn run(audit: Audit, snap: &Snapshot, settings: &Settings) -> Verdicts {
    if snap.fleet.is_empty() {
        return run_view(audit, snap, &snap.cluster, settings);
    }
    fleet::run(audit, snap, settings)
}

/// Run `audit`'s checks against one cluster view.
fn run_view(audit: Audit, snap: &Snapshot, view: &crate::snapshot::ClusterView, settings: &Settings) -> Verdicts {
    let mut v = {
        let ctx = Ctx::for_view(snap, view);
        let usage = usage::Usage::build(&ctx);
        run_ctx(audit, &ctx, &usage, settings)
    };
    // Sorted once the context and the usage index are gone: the sort's
    // keys take memory they held, at the audit's peak.
    sort(&mut v);
    v
}

/// Run `audit`'s checks in one context (a view, or one pass of a fleet);
/// the verdicts are not yet in report order ([`sort`]).
fn run_ctx(audit: Audit, ctx: &Ctx, usage: &usage::Usage, settings: &Settings) -> Verdicts {
    let mut v = Verdicts::default();
    for check in REGISTRY.iter().filter(|c| audit == Audit::Check || c.audit == audit) {
        run_one(check, ctx, usage, settings, &mut v);
    }
    finish(ctx, &mut v, settings);
    v
}

/// Withhold what the declaration says cannot be judged, run the check,
/// and keep only the verdicts its inputs support.
fn run_one(check: &Check, ctx: &Ctx, usage: &usage::Usage, settings: &Settings, v: &mut Verdicts) {
    if let Err(why) = (check.enabled)(settings) {
        v.notes.push(format!("{}: not run: {why}", check.name));
        return;
    }
    let mut withheld = HashSet::new();
    for e in check.emits {
        if e.applies.is_some_and(|f| !f(ctx.snap)) {
            continue; // nothing of this kind to judge
        }
        for l in e.judges {
            if let Some(gap) = ctx.azure_gap(*l) {
                v.withhold(&[e.kind], gap);
            }
        }
        for l in e.refs {
            if let Some(gap) = ctx.azure_gap(*l) {
                v.withhold(&[e.kind], gap);
                withheld.insert(e.kind);
            }
        }
        for c in e.cluster {
            if let Some(gap) = ctx.cluster_gap(*c) {
                v.withhold(&[e.kind], gap);
                withheld.insert(e.kind);
            }
        }
        if e.graph && ctx.snap.graph.is_none() {
            v.withhold(&[e.kind], "Microsoft Graph was not read");
            withheld.insert(e.kind);
        }
    }
    if check.emits.iter().all(|e| withheld.contains(&e.kind)) {
        return;
    }
    let mut out = (check.run)(&Input { ctx, usage, settings, prior: &v.findings, withheld: &withheld });
    // A check's findings come in runs of one interned head, whose listed
    // kind is the same for all of them: it is worked out once per run
    // (splitting the head and matching it against the table cost more than
    // a thousand instructions a finding).
    let mut last_kind: Option<(&'static str, Option<ListKind>)> = None;
    out.findings.retain(|f| {
        if !withheld.is_empty() && withheld.contains(&f.kind) {
            return false;
        }
        let rid = &f.resource_id;
        let kind = match (rid.head(), rid.provider_type_in_head()) {
            (Some(h), true) => match last_kind {
                Some((at, k)) if std::ptr::eq(at, h) => k,
                _ => {
                    let k = own_kind(rid);
                    last_kind = Some((h, k));
                    k
                }
            },
            _ => own_kind(rid),
        };
        own_list_covered(ctx, rid, kind)
    });
    for f in &mut out.findings {
        f.evidence.shrink();
    }
    v.extend(out);
}

/// A finding on an ARM object needs that object's own list to be complete
/// in its scope.
fn own_list_covered(ctx: &Ctx, rid: &crate::models::ResourceId, kind: Option<ListKind>) -> bool {
    match kind {
        Some(k) => rid.resource_group().is_none() || ctx.covered(k, rid),
        None => true,
    }
}

/// The listed kind an ID is of, by the provider namespace and type after
/// its first `/providers/`, read from the ID's parts without spelling it
/// out (once per finding).
fn own_kind(rid: &crate::models::ResourceId) -> Option<ListKind> {
    let (ns, ty) = rid.provider_type()?;
    ListKind::scoped_of(ns, ty)
}

/// The orphan audit: everything Kubernetes left behind in Azure.
pub fn orphans(snap: &Snapshot) -> Verdicts {
    run(Audit::Orphans, snap, &Settings::default())
}

/// Service-principal credential expiry.
pub fn sp_expiry(snap: &Snapshot, settings: &sp_credentials::SpSettings) -> Verdicts {
    run(Audit::SpExpiry, snap, &Settings { sp: Some(Ok(settings)), ..Default::default() })
}

/// Headroom against every limit.
pub fn quotas(snap: &Snapshot, settings: &quotas::QuotaSettings) -> Verdicts {
    run(Audit::Quotas, snap, &Settings { quota: Some(settings), ..Default::default() })
}

/// Everything: the orphan audit, service-principal expiry (`sp` is
/// `Err(why)` to skip it, and `why` becomes the note), quotas, and the
/// source guide's diagnoses.
pub fn check(
    snap: &Snapshot,
    sp: Result<&sp_credentials::SpSettings, &str>,
    quota: &quotas::QuotaSettings,
) -> Verdicts {
    run(Audit::Check, snap, &Settings { sp: Some(sp), quota: Some(quota), ..Default::default() })
}

/// Run one check the way [`run`] does (for the checks' own tests).
#[cfg(test)]
pub(crate) fn run_check(check: &Check, snap: &Snapshot, settings: &Settings) -> Verdicts {
    let ctx = Ctx::new(snap);
    let usage = usage::Usage::build(&ctx);
    let mut v = Verdicts::default();
    run_one(check, &ctx, &usage, settings, &mut v);
    v
}

/// Locks, cluster names, and one order for every report.
fn finish(ctx: &Ctx, v: &mut Verdicts, settings: &Settings) {
    if !settings.candidates {
        confirmed_only(ctx.snap, v);
    }
    group_not_judged(&mut v.notes);
    let cluster: std::sync::Arc<str> = ctx.cluster_name.into();
    for f in &mut v.findings {
        if f.resource_id.starts_with_ci("/subscriptions/") {
            f.locks = ctx.locks_for(&f.resource_id);
        }
        if f.cluster.is_none() && !f.kind.as_str().starts_with("sp-") {
            f.cluster = Some(cluster.clone());
        }
    }
    // Measurements come sorted by pressure from the one check that makes them.
}

/// Report order of kinds, most severe first, then the ID (without case).
/// No lower-cased copy of the IDs is kept: 40,000 copies at once were the
/// run's peak on a large subscription.
fn sort(v: &mut Verdicts) {
    // Each kind's place in report order, by its discriminant.
    let mut ranks = vec![u16::MAX; Kind::all().map(|k| k as usize + 1).max().unwrap_or(0)];
    for (i, k) in (0u16..).zip(Kind::all()) {
        ranks[k as usize] = i;
    }
    let rank = |k: Kind| ranks.get(k as usize).copied().unwrap_or(u16::MAX);
    let ids = crate::models::common::IdOrder::of(v.findings.iter().map(|f| &f.resource_id));
    // Each finding's key is worked out once (its kind's rank, its severity
    // and its ID's place), not once per comparison: 40,000 findings took
    // 600,000 comparisons, each looking up two places. The findings' own
    // order breaks ties, so the unstable sort (which needs no scratch
    // space beside the keys) keeps equal findings as they came.
    let mut keyed: Vec<_> = std::mem::take(&mut *v.findings)
        .into_iter()
        .zip(0u32..)
        .map(|(f, i)| ((rank(f.kind), f.severity, ids.place(&f.resource_id), i), f))
        .collect();
    keyed.sort_unstable_by(|((ka, sa, pa, ia), a), ((kb, sb, pb, ib), b)| {
        ka.cmp(kb).then(sb.cmp(sa)).then_with(|| ids.cmp((&a.resource_id, *pa), (&b.resource_id, *pb))).then(ia.cmp(ib))
    });
    v.findings.extend(keyed.into_iter().map(|(_, f)| f));
}

/// A finding on an object read from Azure Resource Graph stands only when
/// ARM confirmed the object exactly as indexed (`collect::confirm`): the
/// index lags, and nothing is concluded from stale data.
fn confirmed_only(snap: &Snapshot, v: &mut Verdicts) {
    use crate::snapshot::{ConfirmOutcome, ListSource};
    if !snap.lists.iter().any(|l| l.source == ListSource::ResourceGraph) {
        return;
    }
    let graph = crate::snapshot::GraphLists::of(snap);
    let answers: std::collections::HashMap<String, ConfirmOutcome> =
        snap.confirmations.iter().map(|c| (c.id.to_ascii_lowercase(), c.outcome)).collect();
    let mut notes: Vec<String> = Vec::new();
    let mut noted: HashSet<String> = HashSet::new();
    let mut note = |n: String| {
        if noted.insert(n.clone()) {
            notes.push(n);
        }
    };
    // The finding's own object, and every object its evidence names (the
    // verdict read those too), must be as indexed.
    v.findings.retain(|f| {
        let own_id = f.resource_id.to_string();
        let ids = std::iter::once(std::borrow::Cow::Borrowed(own_id.as_str())).chain(f.evidence.arm_ids());
        let mut objects: Vec<String> = Vec::new();
        for id in ids {
            if let Some((_, object)) = Snapshot::listed_object(&id)
                && graph.holds(&object)
                && !objects.iter().any(|o| o.eq_ignore_ascii_case(&object))
            {
                objects.push(object);
            }
        }
        let own = Snapshot::listed_object(&own_id).map(|(_, o)| o).unwrap_or_else(|| own_id.clone());
        // "X not judged: it ..." for the object itself, "X not judged: Y,
        // which its verdict reads, ..." for another.
        let what = |object: &str| match object.eq_ignore_ascii_case(&own) {
            true => format!("{own} not judged: it"),
            false => format!("{own} not judged: {object}, which its verdict reads,"),
        };
        objects.into_iter().all(|object| match answers.get(&object.to_ascii_lowercase()).copied() {
            Some(ConfirmOutcome::Confirmed) => true,
            Some(ConfirmOutcome::Changed) => {
                note(format!(
                    "{} changed after Resource Graph indexed it (ARM's copy differs); the next run judges it",
                    what(&object)
                ));
                false
            }
            Some(ConfirmOutcome::Gone) => {
                note(format!("{} is no longer in ARM (Resource Graph's index still had it)", what(&object)));
                false
            }
            // The snapshot's incomplete list names it.
            Some(ConfirmOutcome::Failed) => false,
            None => {
                note(format!(
                    "{} was read from Resource Graph and not confirmed by ARM (a snapshot confirms what its own checks would report; run this audit live)",
                    what(&object)
                ));
                false
            }
        })
    });
    v.notes.extend(notes);
}

/// Many objects not judged for one reason ("... not judged: resource
/// group X is not ...") become one note naming how many and a few of them.
fn group_not_judged(notes: &mut Vec<String>) {
    // In first-seen order, found through a map: a tenant's run has a
    // reason per subscription (a thousand) and a note per object (200,000),
    // and a linear search per note was most of its CPU.
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut rest = Vec::new();
    for n in notes.drain(..) {
        match n.split_once(" not judged: ") {
            Some((what, why)) => match index.get(why) {
                Some(&i) => groups[i].1.push(what.to_string()),
                None => {
                    index.insert(why.to_string(), groups.len());
                    groups.push((why.to_string(), vec![what.to_string()]));
                }
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

#[cfg(test)]
mod registry_tests {
    use super::*;

    /// Every kind but suppression-expired (made from the suppressions file,
    /// not from a check) is emitted by exactly one check.
    #[test]
    fn every_kind_has_one_check() {
        for k in Kind::all() {
            let n = REGISTRY.iter().flat_map(|c| c.emits).filter(|e| e.kind == k).count();
            let want = usize::from(k != Kind::SuppressionExpired);
            assert_eq!(n, want, "{k} is emitted by {n} checks");
        }
        let mut names = HashSet::new();
        assert!(REGISTRY.iter().all(|c| names.insert(c.name)), "check names are unique");
    }

    /// Each audit's kinds come from its checks' declarations.
    #[test]
    fn audits_report_the_kinds_their_checks_declare() {
        let names = |a| kinds(a).into_iter().map(Kind::as_str).collect::<Vec<_>>();
        let orphans = names(Audit::Orphans);
        assert!(orphans.len() >= 11, "{orphans:?}");
        assert!(orphans.contains(&"disk-orphaned") && orphans.contains(&"backend-pool-empty"));
        assert_eq!(orphans.last(), Some(&"suppression-expired"));
        assert!(names(Audit::SpExpiry).iter().all(|k| k.starts_with("sp-") || *k == "suppression-expired"));
        assert!(
            names(Audit::Quotas)
                .iter()
                .all(|k| k.starts_with("quota-") || *k == "arm-read-budget" || *k == "suppression-expired")
        );
        assert_eq!(names(Audit::Check).len(), Kind::all().count());
    }

    /// A check that ignores a gap still cannot report from it: the runner
    /// withholds what the declaration names and drops such verdicts.
    #[test]
    fn withholding_follows_the_declaration() {
        const CARELESS: Check = Check {
            name: "careless",
            audit: Audit::Orphans,
            emits: &[
                Emits::new(Kind::DiskOrphaned).cluster(&[ClusterKind::PersistentVolumes]),
                Emits::new(Kind::LbIdle).judges(&[ListKind::LoadBalancers]),
            ],
            enabled: always,
            run: |i| {
                let mut v = Verdicts::default();
                for lb in &i.ctx.snap.azure.load_balancers {
                    v.findings.push(Finding::new(Kind::LbIdle, crate::findings::Severity::Info, &lb.id, &lb.name, "x"));
                    v.findings.push(Finding::new(Kind::DiskOrphaned, crate::findings::Severity::Info, "/d", "d", "x"));
                }
                v
            },
        };
        let mut s = testkit::snap();
        s.azure.load_balancers.push(testkit::lb("kubernetes", serde_json::json!({})));
        let v = run_check(&CARELESS, &s, &Settings::default());
        assert_eq!(v.findings.iter().filter(|f| f.kind == Kind::LbIdle).count(), 1);
        assert_eq!(v.findings.iter().filter(|f| f.kind == Kind::DiskOrphaned).count(), 1);
        // The PersistentVolumes were not read: disk verdicts are withheld.
        s.cluster.lists.retain(|l| l.kind != ClusterKind::PersistentVolumes);
        // And the load balancers' list failed in their resource group.
        s.lists.iter_mut().filter(|l| l.kind == ListKind::LoadBalancers).for_each(|l| l.complete = false);
        let v = run_check(&CARELESS, &s, &Settings::default());
        assert!(v.findings.is_empty(), "{:?}", v.findings);
        let reasons: Vec<(&Vec<Kind>, &str)> = v.withheld.iter().map(|w| (&w.kinds, w.reason.as_str())).collect();
        assert!(
            reasons.iter().any(|(k, r)| **k == vec![Kind::DiskOrphaned] && r.contains("persistentvolumes")),
            "{reasons:?}"
        );
        assert!(reasons.iter().any(|(k, r)| **k == vec![Kind::LbIdle] && r.contains("loadBalancers")), "{reasons:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind read from an ID's parts is the kind its whole text names
    /// after its first `/providers/`, for odd IDs too.
    #[test]
    fn an_ids_kind_is_read_from_its_parts_as_from_its_text() {
        let by_text = |id: &str| -> Option<ListKind> {
            let rest = id.split_once("/providers/")?.1;
            let mut parts = rest.split('/');
            let (ns, ty) = (parts.next()?, parts.next()?);
            ListKind::scoped_of(ns, ty)
        };
        let rg = "/subscriptions/s/resourceGroups/MC_rg";
        let mut ids = vec![
            String::new(),
            "pip".into(),
            format!("{rg}/providers/"),
            format!("{rg}/providers"),
            format!("{rg}/providers/Microsoft.Network"),
            format!("{rg}/providers/Microsoft.Network/"),
            format!("{rg}/providers/microsoft.network/PUBLICIPADDRESSES"),
            format!("{rg}/Providers/Microsoft.Network/publicIPAddresses/ip"),
            format!("{rg}/providers/Microsoft.Network/loadBalancers/lb/frontendIPConfigurations/fe"),
            format!("{rg}/providers/Microsoft.Network/loadBalancers/lb/providers/Microsoft.Compute/disks/d"),
            format!("{rg}/providers/Microsoft.Unknown/things/t"),
        ];
        for k in ListKind::SCOPED {
            ids.push(format!("{rg}/providers/{}/n", k.provider_path()));
            ids.push(format!("{rg}/providers/{}", k.provider_path().to_ascii_uppercase()));
        }
        let mut found = 0;
        for id in &ids {
            let want = by_text(id);
            found += usize::from(want.is_some());
            let rid = crate::models::ResourceId::new(id);
            assert_eq!(own_kind(&rid), want, "{id}");
            // Where the kind is read from the head alone (as `run_one`
            // keeps it for a run of findings), every ID with that head is
            // of the same kind, whatever its name.
            if rid.provider_type_in_head() {
                let sibling = crate::models::ResourceId::new(format!("{}/Microsoft.Compute", rid.head().unwrap_or("")));
                assert!(std::ptr::eq(rid.head().unwrap_or(""), sibling.head().unwrap_or("-")), "{id}");
                assert_eq!(own_kind(&sibling), want, "{id}: a sibling");
            }
        }
        assert!(found > ListKind::SCOPED.len(), "only {found} IDs of a listed kind");
        // The head ends within the namespace and type: not the head's alone.
        for id in [format!("{rg}/providers/Microsoft.Network"), format!("{rg}/providers/Microsoft.Network/disks")] {
            assert!(!crate::models::ResourceId::new(&id).provider_type_in_head(), "{id}");
        }
        assert!(
            crate::models::ResourceId::new(format!("{rg}/providers/Microsoft.Network/a/b")).provider_type_in_head()
        );
    }
}
