//! Microsoft Graph `application` and `servicePrincipal` objects (v1.0), as
//! far as credential expiry needs them: `passwordCredentials[]` (client
//! secrets) and `keyCredentials[]` (certificates), each with `keyId`,
//! `displayName`, `hint`, `startDateTime`, `endDateTime`.

use super::common::null_default;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GraphObject {
    /// The directory object ID.
    pub id: String,
    pub app_id: String,
    pub display_name: Option<String>,
    #[serde(deserialize_with = "null_default")]
    pub password_credentials: Vec<GraphCredential>,
    #[serde(deserialize_with = "null_default")]
    pub key_credentials: Vec<GraphCredential>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GraphCredential {
    pub key_id: String,
    pub display_name: Option<String>,
    /// The first characters of a secret, as Graph shows them.
    pub hint: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
    /// For key credentials: `AsymmetricX509Cert`, ...
    #[serde(rename = "type")]
    pub type_: Option<String>,
}
