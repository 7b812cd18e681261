//! Managed disks whose PersistentVolume is gone.
//!
//! The Azure disk CSI driver tags the disks it creates with
//! `kubernetes.io-created-for-pv-name` (and the claim's name and namespace);
//! a PV points at its disk through `spec.csi.volumeHandle`, or the in-tree
//! `spec.azureDisk.diskURI` (facts file, section 5). A tagged disk in state
//! `Unattached` whose PV no longer exists is an orphan that still costs money.
//! An unattached disk whose PV exists (a workload scaled to zero) is not.
//!
//! Azure dates the orphan itself: `properties.LastOwnershipUpdateTime`
//! (Compute api-version 2023-04-02 and later) is when the disk was last
//! attached or detached, so on an unattached disk it is when it was let go.
//! It is reported as `orphaned_since`, with or without `--state-file`.

use super::{Check, Ctx, Emits, Verdicts, cost};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::snapshot::{ClusterKind, ListKind};
use std::collections::HashSet;

pub const TAG_PV: &str = "kubernetes.io-created-for-pv-name";
pub const TAG_PVC: &str = "kubernetes.io-created-for-pvc-name";
pub const TAG_PVC_NAMESPACE: &str = "kubernetes.io-created-for-pvc-namespace";

/// Disks of PersistentVolumes that no longer exist.
pub const CHECK: Check = Check {
    name: "disk",
    audit: Audit::Orphans,
    emits: &[Emits::new(Kind::DiskOrphaned).judges(&[ListKind::Disks]).cluster(&[ClusterKind::PersistentVolumes])],
    enabled: super::always,
    run: |i| check(i.ctx),
};

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    let pvs = &ctx.cluster.persistent_volumes;
    let pv_names: HashSet<&str> = pvs.iter().map(|p| p.name.as_str()).collect();
    let pv_disks: HashSet<String> =
        pvs.iter().filter_map(|p| p.azure_disk_id()).map(|d| d.trim_end_matches('/').to_ascii_lowercase()).collect();
    for disk in ctx.own(&ctx.snap.azure.disks) {
        let Some(pv) = disk.tags.get(TAG_PV) else { continue };
        let p = &disk.properties;
        let unattached = p.disk_state.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("Unattached"));
        if !unattached || disk.managed_by.is_some() {
            continue;
        }
        if pv_names.contains(pv) || pv_disks.contains(&disk.id.key()) {
            continue;
        }
        if !ctx.judge(ListKind::Disks, &disk.id, "disk", &disk.name, &mut v.notes) {
            continue;
        }
        let claim = match (disk.tags.get(TAG_PVC_NAMESPACE), disk.tags.get(TAG_PVC)) {
            (Some(ns), Some(c)) => Some(format!("{ns}/{c}")),
            _ => None,
        };
        let size = p.disk_size_gb.as_ref().map(|n| n.0);
        let sku = disk.sku_name();
        let since = orphaned_since(p);
        let mut reason = match &since {
            Some(t) => {
                format!("unattached since {}, and its PersistentVolume {pv} no longer exists", t.strftime("%Y-%m-%d"))
            }
            None => format!("unattached, and its PersistentVolume {pv} no longer exists"),
        };
        if let Some(c) = &claim {
            reason.push_str(&format!(" (claim {c})"));
        }
        if let (Some(sz), Some(sku)) = (size, sku) {
            reason.push_str(&format!("; {sz} GiB {sku}, still billed"));
        }
        let mut f = Finding::new(Kind::DiskOrphaned, Severity::Warning, &disk.id, &disk.name, reason)
            .with("pv", pv)
            .with("disk_state", p.disk_state.as_deref().unwrap_or(""))
            .cost(cost::disk(sku, size));
        if let Some(c) = &claim {
            f = f.with("claim", c.as_str());
        }
        if let Some(sz) = size {
            f = f.with("size_gib", sz);
        }
        if let Some(sku) = sku {
            f = f.with("sku", sku);
        }
        if let Some(t) = &p.time_created {
            f = f.with("time_created", t.as_str());
        }
        if let Some(t) = since {
            f = f.with("orphaned_since", t.to_string());
        }
        v.findings.push(f);
    }
    v
}

/// When an unattached disk was detached, from Azure's own record. A value
/// that is not a time is not guessed at.
fn orphaned_since(p: &crate::models::disk::DiskProperties) -> Option<jiff::Timestamp> {
    p.last_ownership_update_time.as_deref()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;

    #[test]
    fn only_unattached_disks_of_gone_pvs() {
        let mut s = snap();
        s.azure.disks.push(disk("pvc-gone", Some("pvc-gone"), "Unattached"));
        s.azure.disks.push(disk("pvc-scaled-to-zero", Some("pvc-scaled-to-zero"), "Unattached"));
        s.azure.disks.push(disk("pvc-in-tree", Some("pvc-renamed"), "Unattached"));
        s.azure.disks.push(disk("pvc-attached", Some("pvc-attached-gone"), "Attached"));
        s.azure.disks.push(disk("os-disk", None, "Unattached"));
        s.cluster.persistent_volumes.push(disk_pv("pvc-scaled-to-zero", "/x"));
        let mut in_tree = crate::models::cluster::PersistentVolume { name: "old".into(), ..Default::default() };
        in_tree.azure_disk_uri = Some(id("Microsoft.Compute/disks", "pvc-in-tree").to_ascii_uppercase());
        s.cluster.persistent_volumes.push(in_tree);
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        let names: Vec<&str> = v.findings.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, vec!["pvc-gone"]);
        let f = &v.findings[0];
        assert!(f.reason.contains("claim shop/data-db-0") && f.reason.contains("100 GiB Premium_LRS"), "{}", f.reason);
        assert!((f.cost.as_ref().unwrap().monthly_usd - 19.71).abs() < 0.01);
    }

    /// Azure's `LastOwnershipUpdateTime` (format as recorded, seven
    /// fractional digits and an offset) becomes `orphaned_since` in UTC; a
    /// disk without it, or with a value that is not a time, has none.
    #[test]
    fn orphaned_since_comes_from_last_ownership_update_time() {
        let mut s = snap();
        let mut dated = disk("pvc-dated", Some("pvc-dated"), "Unattached");
        dated.properties.last_ownership_update_time = Some("2026-09-14T08:31:05.1234567+02:00".into());
        let mut garbled = disk("pvc-garbled", Some("pvc-garbled"), "Unattached");
        garbled.properties.last_ownership_update_time = Some("last tuesday".into());
        s.azure.disks.extend([dated, garbled, disk("pvc-undated", Some("pvc-undated"), "Unattached")]);
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        let since = |n: &str| v.findings.iter().find(|f| f.name == n).unwrap().evidence.get("orphaned_since");
        assert_eq!(since("pvc-dated"), Some(serde_json::json!("2026-09-14T06:31:05.1234567Z")));
        assert_eq!(since("pvc-garbled"), None);
        assert_eq!(since("pvc-undated"), None);
        let dated = v.findings.iter().find(|f| f.name == "pvc-dated").unwrap();
        assert!(dated.reason.starts_with("unattached since 2026-09-14,"), "{}", dated.reason);
    }

    #[test]
    fn no_verdict_without_the_pvs() {
        let mut s = snap();
        s.azure.disks.push(disk("pvc-gone", Some("pvc-gone"), "Unattached"));
        s.cluster.lists.retain(|l| l.kind != ClusterKind::PersistentVolumes);
        let v = crate::checks::run_check(&CHECK, &s, &Default::default());
        assert!(v.findings.is_empty());
        assert!(v.withheld[0].reason.contains("persistentvolumes"));
    }
}
