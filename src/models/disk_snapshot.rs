//! `Microsoft.Compute/snapshots` (api-version 2024-03-02): managed-disk
//! snapshots, as the disk CSI driver makes them for VolumeSnapshots.

use super::Resource;
use super::common::Num;
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

pub type DiskSnapshot = Resource<DiskSnapshotProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiskSnapshotProperties {
    #[serde(rename = "diskSizeGB")]
    pub disk_size_gb: Option<Num>,
    pub time_created: Option<String>,
    pub incremental: Option<bool>,
    pub provisioning_state: Option<String>,
    pub creation_data: Option<CreationData>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreationData {
    /// The disk it was taken from.
    pub source_resource_id: Option<String>,
}
