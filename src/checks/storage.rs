//! `storage-account-empty`, `file-share-orphaned`, `blob-container-orphaned`:
//! what the Azure file and blob CSI drivers leave in the storage accounts
//! the cloud provider creates for them.
//!
//! Ownership: cloud-provider-azure `EnsureStorageAccount` tags the accounts
//! it creates `k8s-azure-created-by: azure` (the drivers never delete an
//! account, only the share or container in it). The file driver
//! (kubernetes-sigs/azurefile-csi-driver `pkg/azurefile/controllerserver.go`,
//! `CreateVolume`) names a share `pvc-<uid>` (`pvcn-` for NFS, `pvcd-` for
//! VHD) and writes the volume handle `rg#account#share#diskName#uuid#ns`;
//! the blob driver (kubernetes-sigs/blob-csi-driver `pkg/blob/controllerserver.go`)
//! names a container `pvc-<uid>` and writes `rg#account#container#…`.
//! A share or container is in use when any PersistentVolume names it by
//! handle, by `volumeAttributes` (`shareName`/`containerName` with
//! `storageAccount`), by in-tree `spec.azureFile`, or by name (the PV's
//! name), or when a VolumeSnapshotContent's handle names it. Only PV-style
//! names in a tagged account are judged.
//!
//! An empty tagged account costs little, but counts toward the 250 accounts
//! per region; the driver may still pick it for the next volume of a
//! StorageClass that matches it, so it is reported as `info`.

use super::{Check, Ctx, Emits, Verdicts};
use crate::findings::{Audit, Finding, Kind, Severity};
use crate::models::StorageAccount;
use crate::models::cluster::PersistentVolume;
use crate::models::common::Located;
use crate::models::storage::CREATED_BY_TAG;
use crate::snapshot::{ClusterKind, ListKind};
use serde_json::json;
use std::collections::HashSet;

const FILE_DRIVER: &str = "file.csi.azure.com";
const BLOB_DRIVER: &str = "blob.csi.azure.com";
/// Names the drivers give what they create.
const PV_PREFIXES: [&str; 3] = ["pvc-", "pvcn-", "pvcd-"];

/// Storage accounts, shares and containers of deleted volumes.
pub const CHECK: Check = Check {
    name: "storage",
    audit: Audit::Orphans,
    emits: &[
        Emits::new(Kind::StorageAccountEmpty).judges(&[
            ListKind::StorageAccounts,
            ListKind::FileShares,
            ListKind::BlobContainers,
        ]),
        Emits::new(Kind::FileShareOrphaned)
            .judges(&[ListKind::FileShares])
            .cluster(&[ClusterKind::PersistentVolumes])
            .only_if(|s| s.azure.storage_accounts.iter().any(StorageAccount::created_for_kubernetes)),
        Emits::new(Kind::BlobContainerOrphaned)
            .judges(&[ListKind::BlobContainers])
            .cluster(&[ClusterKind::PersistentVolumes])
            .only_if(|s| s.azure.storage_accounts.iter().any(StorageAccount::created_for_kubernetes)),
    ],
    enabled: super::always,
    run: |i| check(i.ctx),
};

/// `(account, item)` pairs, lower-cased, that something live names.
fn referenced(ctx: &Ctx, driver: &str, attr: &str) -> HashSet<(String, String)> {
    let mut out = HashSet::new();
    let pair = |a: &str, b: &str| (a.trim().to_ascii_lowercase(), b.trim().to_ascii_lowercase());
    for pv in &ctx.cluster.persistent_volumes {
        if pv.csi_driver.as_deref().is_some_and(|d| d.eq_ignore_ascii_case(driver)) {
            if let Some(h) = &pv.volume_handle {
                let f: Vec<&str> = h.split('#').collect();
                if f.len() >= 3 {
                    out.insert(pair(f[1], f[2]));
                }
            }
            if let (Some(acct), Some(item)) =
                (pv.volume_attributes.get("storageaccount"), pv.volume_attributes.get(attr))
            {
                out.insert(pair(acct, item));
            }
        }
        if driver == FILE_DRIVER
            && let (Some(share), Some(secret)) = (&pv.azure_file_share, &pv.azure_file_secret)
            && let Some(acct) = secret.strip_prefix("azure-storage-account-").and_then(|s| s.strip_suffix("-secret"))
        {
            out.insert(pair(acct, share));
        }
    }
    // A snapshot's handle embeds its source volume's handle.
    for c in &ctx.cluster.volume_snapshot_contents {
        for h in c.handles() {
            let f: Vec<&str> = h.split('#').collect();
            if f.len() >= 3 {
                out.insert(pair(f[1], f[2]));
            }
        }
    }
    out
}

/// The lower-cased names that PVs with no account to match still give an
/// item (by its attribute, or by the PV's own name): asked of every share
/// or container, so found once, not by a search of every PV each time.
fn named_without_account(pvs: &[PersistentVolume], attr: &str) -> HashSet<String> {
    let mut out = HashSet::with_capacity(pvs.len());
    for pv in pvs {
        out.insert(pv.name.to_ascii_lowercase());
        if let Some(v) = pv.volume_attributes.get(attr)
            && !pv.volume_attributes.contains_key("storageaccount")
        {
            out.insert(v.to_ascii_lowercase());
        }
    }
    out
}

/// The items of `items` under each account of `accts` (whose IDs begin
/// with the account's and a `/`, in any case), in order: decided once per
/// interned head of the items (a few per account), where a search of every
/// item for every account grew with their product.
fn under_each<'i, T: Located>(accts: &[&StorageAccount], items: &'i [T]) -> Vec<Vec<&'i T>> {
    use foldhash::HashMap as Map;
    let mut by_id: Map<String, Vec<usize>> = Map::default();
    for (i, a) in accts.iter().enumerate() {
        by_id.entry(a.id.key()).or_default().push(i);
    }
    let mut out = vec![Vec::new(); accts.len()];
    let mut by_head: Map<usize, Vec<usize>> = Map::default();
    for item in items {
        // An ID without a `/` lies under no account.
        let Some(head) = item.id().head() else { continue };
        let owners = by_head.entry(head.as_ptr() as usize).or_insert_with(|| {
            // An account's ID and a `/` begin the item's exactly when the
            // account's ID is the head or the head up to one of its `/`s
            // (the item's name holds no `/`).
            let lower = head.to_ascii_lowercase();
            let ends = lower.match_indices('/').map(|(i, _)| i).chain(std::iter::once(lower.len()));
            let mut owners: Vec<usize> = ends.filter_map(|end| by_id.get(&lower[..end])).flatten().copied().collect();
            owners.sort_unstable();
            owners
        });
        for &i in owners.iter() {
            out[i].push(item);
        }
    }
    out
}

pub fn check(ctx: &Ctx) -> Verdicts {
    let mut v = Verdicts::default();
    let shares_used = referenced(ctx, FILE_DRIVER, "sharename");
    let containers_used = referenced(ctx, BLOB_DRIVER, "containername");
    let pvs = &ctx.cluster.persistent_volumes;
    let inv = &ctx.snap.azure;
    let names = |attr: &str| named_without_account(pvs, attr);
    let (share_names, container_names) = (names("sharename"), names("containername"));
    let mut accts = Vec::new();
    for acct in ctx.own(&inv.storage_accounts).filter(|a| StorageAccount::created_for_kubernetes(a)) {
        if ctx.judge(ListKind::StorageAccounts, &acct.id, "storage account", &acct.name, &mut v.notes) {
            accts.push(acct);
        }
    }
    let (all_shares, all_containers) = (under_each(&accts, &inv.file_shares), under_each(&accts, &inv.blob_containers));
    for ((acct, shares), containers) in accts.into_iter().zip(all_shares).zip(all_containers) {
        // Both lists under this account must have been read.
        let read = |kind: ListKind| ctx.snap.covered_under(kind, &acct.id);
        let (shares_read, containers_read) = (read(ListKind::FileShares), read(ListKind::BlobContainers));
        if shares_read && containers_read && shares.is_empty() && containers.is_empty() {
            v.findings.push(
                Finding::new(
                    Kind::StorageAccountEmpty,
                    Severity::Info,
                    &acct.id,
                    &acct.name,
                    format!(
                        "storage account {} was created by the cloud provider for a CSI driver ({CREATED_BY_TAG}) and holds no file share and no blob container: it still counts toward the 250 storage accounts per region; the driver may pick it again for a StorageClass that matches it, so delete it only if none does",
                        acct.name
                    ),
                )
                .with("tags", json!({CREATED_BY_TAG: acct.tags.get(CREATED_BY_TAG)}))
                .with("sku", acct.sku_name())
                .with("created", acct.properties.creation_time.as_deref()),
            );
        }
        // Without the PersistentVolumes the runner withholds these verdicts.
        if shares_read {
            for share in shares {
                let key = (acct.name.to_ascii_lowercase(), share.name.to_ascii_lowercase());
                if !PV_PREFIXES.iter().any(|p| share.name.starts_with(p))
                    || shares_used.contains(&key)
                    || share_names.contains(&share.name.to_ascii_lowercase())
                {
                    continue;
                }
                let quota = share.properties.share_quota.as_ref().map(|n| n.0);
                let premium = acct.sku_name().is_some_and(|s| s.to_ascii_lowercase().starts_with("premium"));
                let mut f = Finding::new(
                    Kind::FileShareOrphaned,
                    Severity::Warning,
                    &share.id,
                    &share.name,
                    format!(
                        "file share {} in storage account {} was created by the file CSI driver, and no PersistentVolume names it (volumeHandle, shareName or in-tree azureFile): its volume is gone",
                        share.name, acct.name
                    ),
                )
                .with("storage_account", acct.name.as_str())
                .with("quota_gib", quota)
                .with("protocol", share.properties.enabled_protocols.as_deref())
                .with("last_modified", share.properties.last_modified_time.as_deref())
                .cost(quota.filter(|_| premium).and_then(super::cost::premium_share));
                if !premium {
                    f = f.with("cost_note", "standard shares bill the data stored, which ARM's list does not report");
                }
                v.findings.push(f);
            }
        }
        if containers_read {
            for c in containers {
                let key = (acct.name.to_ascii_lowercase(), c.name.to_ascii_lowercase());
                if !PV_PREFIXES.iter().any(|p| c.name.starts_with(p))
                    || c.properties.deleted == Some(true)
                    || containers_used.contains(&key)
                    || container_names.contains(&c.name.to_ascii_lowercase())
                {
                    continue;
                }
                v.findings.push(
                    Finding::new(
                        Kind::BlobContainerOrphaned,
                        Severity::Warning,
                        &c.id,
                        &c.name,
                        format!(
                            "blob container {} in storage account {} was created by the blob CSI driver, and no PersistentVolume names it (volumeHandle or containerName): its volume is gone",
                            c.name, acct.name
                        ),
                    )
                    .with("storage_account", acct.name.as_str())
                    .with("last_modified", c.properties.last_modified_time.as_deref()),
                );
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testkit::*;
    use crate::checks::{Settings, run_check};
    use crate::snapshot::{ListRecord, Snapshot};
    use serde_json::{Value, json};

    fn account(name: &str, tags: Value) -> StorageAccount {
        serde_json::from_value(json!({
            "id": id("Microsoft.Storage/storageAccounts", name), "name": name, "location": "westeurope",
            "tags": tags, "sku": {"name": "Premium_LRS", "tier": "Premium"},
            "properties": {"creationTime": "2026-01-10T08:00:00Z"}
        }))
        .unwrap()
    }

    fn child(acct: &str, what: &str, name: &str) -> Value {
        let svc = if what == "shares" { "fileServices" } else { "blobServices" };
        json!({"id": format!("{}/{svc}/default/{what}/{name}", id("Microsoft.Storage/storageAccounts", acct)),
               "name": name, "properties": {"shareQuota": 100, "enabledProtocols": "SMB"}})
    }

    fn listed(s: &mut Snapshot, acct: &str) {
        for kind in [ListKind::FileShares, ListKind::BlobContainers] {
            s.lists.push(ListRecord {
                kind,
                subscription: SUB.into(),
                resource_group: Some(RG.into()),
                location: None,
                parent: Some(acct.into()),
                complete: true,
                pages: 1,
                items: 0,
                error_code: None,
                error: None,
                source: crate::snapshot::ListSource::Arm,
                read_at: None,
            });
        }
    }

    fn pv(name: &str, driver: &str, handle: &str) -> PersistentVolume {
        PersistentVolume {
            name: name.into(),
            csi_driver: Some(driver.into()),
            volume_handle: Some(handle.into()),
            ..Default::default()
        }
    }

    /// Each account gets exactly the items its ID and a `/` begin, in any
    /// case: not those of an account whose name only starts with its name.
    #[test]
    fn items_go_under_the_account_whose_id_begins_theirs() {
        let (a, a2) = (account("acct", json!({})), account("acct2", json!({})));
        let shares: Vec<crate::models::FileShare> = [
            child("acct", "shares", "pvc-1"),
            child("acct2", "shares", "pvc-2"),
            json!({"id": child("ACCT", "shares", "pvc-3")["id"].as_str().unwrap().to_ascii_uppercase(), "name": "pvc-3"}),
            json!({"id": "pvc-4", "name": "pvc-4"}),
            json!({"id": format!("{}/pvc-5", id("Microsoft.Storage/storageAccounts", "acct")), "name": "pvc-5"}),
        ]
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect();
        let under = under_each(&[&a, &a2], &shares);
        let names = |i: usize| under[i].iter().map(|s| s.name.as_str()).collect::<Vec<_>>();
        assert_eq!(names(0), ["pvc-1", "pvc-3", "pvc-5"]);
        assert_eq!(names(1), ["pvc-2"]);
    }

    fn run(s: &Snapshot) -> Verdicts {
        run_check(&CHECK, s, &Settings::default())
    }

    fn base() -> Snapshot {
        let mut s = snap();
        s.azure.storage_accounts.push(account("f1a2b3c4d5e6f7a8b9c0d1e", json!({"k8s-azure-created-by": "azure"})));
        s.azure.storage_accounts.push(account("fempty0000000000000000", json!({"k8s-azure-created-by": "azure"})));
        s.azure.storage_accounts.push(account("teamdata", json!({})));
        listed(&mut s, "f1a2b3c4d5e6f7a8b9c0d1e");
        listed(&mut s, "fempty0000000000000000");
        for (what, name) in [
            ("shares", "pvc-live"),
            ("shares", "pvc-gone"),
            ("shares", "reports"),
            ("containers", "pvc-blob-gone"),
            ("containers", "pvc-blob-live"),
        ] {
            let v = child("f1a2b3c4d5e6f7a8b9c0d1e", what, name);
            if what == "shares" {
                s.azure.file_shares.push(serde_json::from_value(v).unwrap());
            } else {
                s.azure.blob_containers.push(serde_json::from_value(v).unwrap());
            }
        }
        // A share in an account the provider did not create.
        s.azure.file_shares.push(serde_json::from_value(child("teamdata", "shares", "pvc-looks-like-one")).unwrap());
        s.cluster.persistent_volumes.push(pv(
            "pvc-live",
            FILE_DRIVER,
            &format!("{RG}#f1a2b3c4d5e6f7a8b9c0d1e#pvc-live###default"),
        ));
        s.cluster.persistent_volumes.push(pv(
            "pvc-blob-live",
            BLOB_DRIVER,
            &format!("{RG}#f1a2b3c4d5e6f7a8b9c0d1e#pvc-blob-live###"),
        ));
        s
    }

    #[test]
    fn live_and_look_alikes_are_kept_and_leftovers_reported() {
        let v = run(&base());
        let mut got: Vec<(Kind, &str)> = v.findings.iter().map(|f| (f.kind, f.name.as_str())).collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                (Kind::StorageAccountEmpty, "fempty0000000000000000"),
                (Kind::FileShareOrphaned, "pvc-gone"),
                (Kind::BlobContainerOrphaned, "pvc-blob-gone"),
            ]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
        let share = v.findings.iter().find(|f| f.name == "pvc-gone").unwrap();
        assert_eq!(share.evidence.value("quota_gib"), 100);
        assert!(share.cost.as_ref().is_some_and(|c| c.monthly_usd > 0.0), "premium share quota is billed");
    }

    #[test]
    fn attributes_in_tree_pvs_and_snapshots_keep_a_share() {
        let mut s = base();
        let mut by_attr =
            PersistentVolume { name: "static-pv".into(), csi_driver: Some(FILE_DRIVER.into()), ..Default::default() };
        by_attr.volume_attributes.insert("sharename".into(), "pvc-gone".into());
        by_attr.volume_attributes.insert("storageaccount".into(), "f1a2b3c4d5e6f7a8b9c0d1e".into());
        s.cluster.persistent_volumes.push(by_attr);
        assert!(run(&s).findings.iter().all(|f| f.name != "pvc-gone"));
        let mut s = base();
        s.cluster.persistent_volumes.push(PersistentVolume {
            name: "legacy".into(),
            azure_file_share: Some("pvc-gone".into()),
            azure_file_secret: Some("azure-storage-account-f1a2b3c4d5e6f7a8b9c0d1e-secret".into()),
            ..Default::default()
        });
        assert!(run(&s).findings.iter().all(|f| f.name != "pvc-gone"));
    }

    #[test]
    fn incomplete_lists_withhold() {
        let mut s = base();
        s.lists.iter_mut().filter(|l| l.kind == ListKind::FileShares).for_each(|l| l.complete = false);
        let v = run(&s);
        assert!(v.findings.iter().all(|f| f.kind == Kind::BlobContainerOrphaned), "{:?}", v.findings);
        assert!(v.withheld.iter().any(|w| w.kinds.contains(&Kind::FileShareOrphaned)));
        let mut s = base();
        s.cluster.lists.retain(|l| l.kind != ClusterKind::PersistentVolumes);
        let v = run(&s);
        assert!(v.findings.iter().all(|f| f.kind == Kind::StorageAccountEmpty), "{:?}", v.findings);
        assert!(
            v.withheld
                .iter()
                .any(|w| w.kinds.contains(&Kind::FileShareOrphaned) && w.kinds.contains(&Kind::BlobContainerOrphaned))
        );
    }
}
