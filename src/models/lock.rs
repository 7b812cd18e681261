//! `Microsoft.Authorization/locks` (api-version 2020-05-01). A lock's scope is
//! the part of its ID before `/providers/Microsoft.Authorization/locks/`.

use super::common::{ResourceId, null_default};
use serde::{Deserialize, Serialize};
use serde_with::skip_serializing_none;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Lock {
    pub id: ResourceId,
    #[serde(default)]
    pub name: String,
    #[serde(default, deserialize_with = "null_default")]
    pub properties: LockProperties,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockProperties {
    /// `CanNotDelete` or `ReadOnly`.
    #[serde(default)]
    pub level: String,
    pub notes: Option<String>,
}

impl super::common::Located for Lock {
    fn id(&self) -> &ResourceId {
        &self.id
    }
    fn location(&self) -> Option<&str> {
        None
    }
    fn tags(&self) -> Option<&super::common::Tags> {
        None
    }
}

impl Lock {
    /// The resource, resource group or subscription the lock applies to.
    pub fn scope(&self) -> ResourceId {
        let id = self.id.to_string();
        let id = id.as_str();
        let marker = "/providers/microsoft.authorization/locks/";
        match id.to_ascii_lowercase().rfind(marker) {
            Some(i) => ResourceId::new(&id[..i]),
            None => ResourceId::new(id),
        }
    }
}
