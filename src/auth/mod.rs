//! Credentials: every token comes from azure_identity behind the
//! `TokenCredential` trait, sent through azaudit's own HTTP transport.

pub mod transport;

use azure_core::credentials::TokenCredential;
use azure_identity::{ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId};
use std::sync::Arc;
use std::time::Duration;

/// How to authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    /// Pick the first credential that is configured (managed identity for now).
    Auto,
    /// Managed identity: App Service style when IDENTITY_ENDPOINT and
    /// IDENTITY_HEADER are set, otherwise the VM's instance metadata service.
    Msi,
}

#[derive(Clone, Debug)]
pub struct AuthSettings {
    pub mode: AuthMode,
    /// A user-assigned identity's client ID.
    pub identity_client_id: Option<String>,
}

/// Build the credential for `settings`.
pub fn credential(settings: &AuthSettings) -> Result<Arc<dyn TokenCredential>, String> {
    match settings.mode {
        AuthMode::Auto | AuthMode::Msi => managed_identity(settings),
    }
}

fn managed_identity(settings: &AuthSettings) -> Result<Arc<dyn TokenCredential>, String> {
    let http = crate::http::local_client(Duration::from_secs(10))?;
    let options = ManagedIdentityCredentialOptions {
        user_assigned_id: settings.identity_client_id.clone().map(UserAssignedId::ClientId),
        client_options: transport::client_options(Arc::new(transport::ReqwestTransport::new(http))),
        ..Default::default()
    };
    let cred = ManagedIdentityCredential::new(Some(options))
        .map_err(|e| format!("could not set up the managed identity credential: {e}"))?;
    tracing::info!(
        source = if std::env::var_os("IDENTITY_ENDPOINT").is_some() { "IDENTITY_ENDPOINT" } else { "IMDS" },
        "using managed identity"
    );
    Ok(cred)
}
