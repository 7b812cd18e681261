//! `snapshot-orphaned`: managed-disk snapshots the disk CSI driver made for
//! a VolumeSnapshot whose VolumeSnapshotContent is gone.
//!
//! Ownership follows kubernetes-sigs/azuredisk-csi-driver
//! `pkg/azuredisk/controllerserver.go` (`CreateSnapshot`): the driver tags
//! each snapshot `k8s-azure-created-by: kubernetes-azure-dd` and
//! `source_volume_id: <disk ID>` (driver v1.32+; older snapshots carry no
//! tag and are never judged), names it `snapshot-<VolumeSnapshot UID>`, and
//! the external snapshotter records its ARM ID as the VolumeSnapshotContent's
//! `status.snapshotHandle` (or, pre-provisioned, `spec.source.snapshotHandle`).
//! A snapshot that no VolumeSnapshotContent names is one Kubernetes no longer
//! knows: it is kept (and billed) until someone deletes it.
//!
//! The VolumeSnapshotContents come from the `snapshot.storage.k8s.io/v1`
//! CRD. A cluster without it, or a list that failed, withholds the verdict,
//! but only where driver snapshots exist to judge.

use super::{Check, Ctx, Emits, Verdicts, cost};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::models::DiskSnapshot;
use crate::snapshot::{ClusterKind, ListKind, Snapshot};
use std::collections::HashSet;

/// The driver's creator tag and its value.
pub const CREATED_BY_TAG: &str = "k8s-azure-created-by";
pub const CREATED_BY: &str = "kubernetes-azure-dd";
/// The disk it was taken from.
pub const SOURCE_TAG: &str = "source_volume_id";

/// Snapshots of deleted VolumeSnapshots.
pub const CHECK: Check = Check {
    name: "disk-snapshot",
    audit: Audit::Orphans,
    emits: &[Emits::new(Kind::SnapshotOrphaned)
        .judges(&[ListKind::Snapshots])
        .cluster(&[ClusterKind::VolumeSnapshotContents])
        .only_if(anything_to_judge)],
    enabled: super::always,
    run: |i| check(i.ctx),
};

fn is_drivers(s: &DiskSnapshot) -> bool {
    s.tags.get(CREATED_BY_TAG).is_some_and(|v| v.trim().eq_ignore_ascii_case(CREATED_BY))
}

/// Driver snapshots exist, or a snapshot list is incomplete (and could hide
/// some).
fn anything_to_judge(snap: &Snapshot) -> bool {
    snap.lists.iter().any(|l| l.kind == ListKind::Snapshots && !l.complete)
        || snap.azure.snapshots.iter().any(is_drivers)
}

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    let handles: HashSet<String> = ctx
        .cluster
        .volume_snapshot_contents
        .iter()
        .flat_map(|c| c.handles())
        .map(|h| h.trim().trim_end_matches('/').to_ascii_lowercase())
        .collect();
    // The disks by ID: a source is looked up for each snapshot. Built only
    // when a snapshot asks (a fleet runs this once per pass).
    let disks: std::cell::OnceCell<HashSet<&crate::models::ResourceId>> = std::cell::OnceCell::new();
    for s in ctx.own(&ctx.snap.azure.snapshots).filter(|s| is_drivers(s)) {
        if !ctx.judge(ListKind::Snapshots, &s.id, "snapshot", &s.name, &mut v.notes) {
            continue;
        }
        if handles.contains(&s.id.key()) {
            continue;
        }
        let p = &s.properties;
        let size = p.disk_size_gb.as_ref().map(|n| n.0);
        let source = s
            .tags
            .get(SOURCE_TAG)
            .map(str::to_string)
            .or_else(|| p.creation_data.as_ref().and_then(|c| c.source_resource_id.clone()));
        let source_gone = source.as_deref().is_some_and(|d| {
            let d = crate::models::ResourceId::new(d);
            let disks = disks.get_or_init(|| ctx.snap.azure.disks.iter().map(|d| &d.id).collect());
            !disks.contains(&d) && ctx.covered(ListKind::Disks, &d)
        });
        let mut reason = format!(
            "snapshot {} was made by the disk CSI driver, and no VolumeSnapshotContent names it (status.snapshotHandle): its VolumeSnapshot is gone",
            s.name
        );
        if source_gone {
            reason.push_str("; its source disk is gone too");
        }
        let mut f = Finding::new(Kind::SnapshotOrphaned, Severity::Warning, &s.id, &s.name, reason)
            .with("tags", serde_json::json!({CREATED_BY_TAG: CREATED_BY, SOURCE_TAG: source}))
            .cost(cost::snapshot(s.sku_name(), size));
        if let Some(gb) = size {
            f = f.with("size_gb", gb);
        }
        if let Some(sku) = s.sku_name() {
            f = f.with("sku", sku);
        }
        if let Some(t) = &p.time_created {
            f = f.with("time_created", t.as_str());
        }
        if let Some(i) = p.incremental {
            f = f.with("incremental", i);
        }
        v.findings.push(f);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::{Settings, run_check};
    use crate::models::cluster::VolumeSnapshotContent;
    use serde_json::{Value, json};

    fn snapshot(name: &str, tags: Value) -> DiskSnapshot {
        serde_json::from_value(json!({
            "id": id("Microsoft.Compute/snapshots", name), "name": name, "location": "westeurope",
            "tags": tags, "sku": {"name": "Standard_LRS", "tier": "Standard"},
            "properties": {"diskSizeGB": 64, "incremental": true, "timeCreated": "2026-09-01T10:00:00Z"}
        }))
        .unwrap()
    }

    fn drivers() -> Value {
        json!({"k8s-azure-created-by": "kubernetes-azure-dd", "source_volume_id": id("Microsoft.Compute/disks", "pvc-1")})
    }

    fn content(handle: &str) -> VolumeSnapshotContent {
        VolumeSnapshotContent {
            name: "snapcontent-1".into(),
            driver: "disk.csi.azure.com".into(),
            snapshot_handle: Some(handle.to_ascii_uppercase()),
            ..Default::default()
        }
    }

    fn run(s: &Snapshot) -> Verdicts {
        run_check(&CHECK, s, &Settings::default())
    }

    #[test]
    fn named_by_a_content_is_live_and_unnamed_is_orphaned() {
        let mut s = snap();
        s.azure.snapshots.push(snapshot("snapshot-live", drivers()));
        s.azure.snapshots.push(snapshot("snapshot-gone", drivers()));
        s.cluster.volume_snapshot_contents.push(content(&id("Microsoft.Compute/snapshots", "snapshot-live")));
        let v = run(&s);
        assert_eq!(v.findings.len(), 1, "{:?}", v.findings);
        let f = &v.findings[0];
        assert_eq!(f.name, "snapshot-gone");
        assert_eq!(f.evidence.value("size_gb"), 64);
        assert!(f.cost.as_ref().is_some_and(|c| c.monthly_usd > 0.0));
        assert!(f.reason.contains("source disk is gone"), "{}", f.reason);
    }

    #[test]
    fn a_snapshot_without_the_drivers_tag_is_never_judged() {
        let mut s = snap();
        s.azure.snapshots.push(snapshot("nightly-backup", json!({"k8s-azure-created-by": "someone-else"})));
        s.azure.snapshots.push(snapshot("snapshot-old-driver", json!({})));
        assert!(run(&s).findings.is_empty());
    }

    #[test]
    fn no_snapshot_crd_withholds_only_where_there_is_something_to_judge() {
        let mut s = snap();
        s.cluster.lists.iter_mut().filter(|l| l.kind == ClusterKind::VolumeSnapshotContents).for_each(|l| {
            l.complete = false;
            l.error = Some("not read: the snapshot CRDs (snapshot.storage.k8s.io/v1) are not installed".into());
        });
        let v = run(&s);
        assert!(v.withheld.is_empty(), "no driver snapshots: nothing withheld: {:?}", v.withheld);
        s.azure.snapshots.push(snapshot("snapshot-gone", drivers()));
        let v = run(&s);
        assert!(v.findings.is_empty());
        assert!(
            v.withheld.iter().any(|w| w.kinds == vec![Kind::SnapshotOrphaned] && w.reason.contains("not installed")),
            "{:?}",
            v.withheld
        );
        // And the snapshot list itself.
        let mut partial = snap();
        partial.azure.snapshots.push(snapshot("snapshot-gone", drivers()));
        partial.lists.iter_mut().filter(|l| l.kind == ListKind::Snapshots).for_each(|l| l.complete = false);
        let v = run(&partial);
        assert!(v.findings.is_empty() && v.withheld.iter().any(|w| w.kinds == vec![Kind::SnapshotOrphaned]));
    }
}
