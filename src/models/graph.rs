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
    pub password_credentials: Vec<PasswordCredential>,
    #[serde(deserialize_with = "null_default")]
    pub key_credentials: Vec<KeyCredential>,
}

/// A client secret (`passwordCredential`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PasswordCredential {
    pub key_id: String,
    pub display_name: Option<String>,
    /// The first characters of a secret, as Graph shows them.
    pub hint: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
}

/// A certificate (`keyCredential`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct KeyCredential {
    pub key_id: String,
    pub display_name: Option<String>,
    pub start_date_time: Option<String>,
    pub end_date_time: Option<String>,
    /// `AsymmetricX509Cert`, `Symmetric`, ...
    #[serde(rename = "type")]
    pub type_: Option<String>,
}

/// What the expiry check reads of either kind of credential.
#[derive(Clone, Copy, Debug)]
pub struct CredentialView<'a> {
    /// `secret` or `certificate`.
    pub what: &'static str,
    /// `passwordCredentials` or `keyCredentials`.
    pub collection: &'static str,
    pub key_id: &'a str,
    pub display_name: Option<&'a str>,
    pub hint: Option<&'a str>,
    pub end_date_time: Option<&'a str>,
}

impl GraphObject {
    /// Secrets, then certificates.
    pub fn credentials(&self) -> impl Iterator<Item = CredentialView<'_>> {
        let secrets = self.password_credentials.iter().map(|c| CredentialView {
            what: "secret",
            collection: "passwordCredentials",
            key_id: &c.key_id,
            display_name: c.display_name.as_deref(),
            hint: c.hint.as_deref(),
            end_date_time: c.end_date_time.as_deref(),
        });
        let certs = self.key_credentials.iter().map(|c| CredentialView {
            what: "certificate",
            collection: "keyCredentials",
            key_id: &c.key_id,
            display_name: c.display_name.as_deref(),
            hint: None,
            end_date_time: c.end_date_time.as_deref(),
        });
        secrets.chain(certs)
    }
}
