//! `Microsoft.Compute/disks` (api-version 2024-03-02).

use super::common::{Num, Resource, Text, null_default};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

/// `managedBy` lives at the top level of a disk, beside `properties`, and is
/// read into [`Resource::managed_by`](super::common::Resource).
pub type Disk = Resource<DiskProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiskProperties {
    #[serde(rename = "diskSizeGB")]
    pub disk_size_gb: Option<Num>,
    /// `Unattached`, `Attached`, `Reserved`, `ActiveSAS`, ...
    pub disk_state: Option<Text>,
    pub time_created: Option<String>,
    /// When the disk was last attached to or detached from a VM. Azure
    /// spells it with a capital L (api-version 2023-04-02 and later); on an
    /// unattached disk it is when it was detached, the `orphaned_since` of
    /// `disk-orphaned`.
    #[serde(rename = "LastOwnershipUpdateTime")]
    pub last_ownership_update_time: Option<String>,
    pub provisioning_state: Option<Text>,
    pub os_type: Option<Text>,
    #[serde(rename = "diskIOPSReadWrite")]
    pub disk_iops_read_write: Option<Num>,
    #[serde(default, deserialize_with = "null_default", skip_serializing_if = "Vec::is_empty")]
    pub share_info: Vec<serde_json::Value>,
}
