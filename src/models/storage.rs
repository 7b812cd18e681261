//! `Microsoft.Storage` (api-version 2023-05-01): storage accounts, and the
//! file shares and blob containers in them (read through ARM with Reader,
//! never with account keys).

use super::Resource;
use super::common::{Nested, Num};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

pub type StorageAccount = Resource<StorageAccountProperties>;

/// The tag cloud-provider-azure puts on the accounts it creates for the
/// file and blob CSI drivers (`EnsureStorageAccount`: `k8s-azure-created-by:
/// azure`).
pub const CREATED_BY_TAG: &str = "k8s-azure-created-by";

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StorageAccountProperties {
    pub creation_time: Option<String>,
    pub provisioning_state: Option<String>,
}

impl StorageAccount {
    /// An account the provider created for a CSI driver: its shares and
    /// containers are listed (one list each).
    pub fn created_for_kubernetes(a: &StorageAccount) -> bool {
        a.tags.get(CREATED_BY_TAG).is_some()
    }
}

pub type FileShare = Nested<FileShareProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileShareProperties {
    /// The provisioned size in GiB.
    pub share_quota: Option<Num>,
    pub last_modified_time: Option<String>,
    /// `SMB` or `NFS`.
    pub enabled_protocols: Option<String>,
    pub access_tier: Option<String>,
}

pub type BlobContainer = Nested<BlobContainerProperties>;

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobContainerProperties {
    pub last_modified_time: Option<String>,
    pub deleted: Option<bool>,
}
