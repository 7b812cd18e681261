//! Credentials: every token comes from azure_identity behind the
//! `TokenCredential` trait, sent through azaudit's own HTTP transport, and
//! wrapped in [`Credential`], which caches tokens per scope, refreshes them
//! before expiry, and can be rebuilt when ARM rejects a token mid-run.

pub mod transport;

use crate::cloud::Cloud;
use crate::cloud_config::CloudConfig;
use azure_core::credentials::{AccessToken, Secret as AzSecret, TokenCredential, TokenRequestOptions};
use azure_core::http::{ClientOptions, HttpClient};
use azure_identity::{
    AzureCliCredential, AzureCliCredentialOptions, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId, WorkloadIdentityCredential,
    WorkloadIdentityCredentialOptions,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tracing::info;

/// How to authenticate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthMode {
    /// The first configured of: workload identity, the cloud-config's
    /// credentials, a client secret from the environment, managed identity
    /// (when an identity endpoint answers), the Azure CLI.
    Auto,
    /// Managed identity: App Service style when IDENTITY_ENDPOINT and
    /// IDENTITY_HEADER are set, otherwise the VM's instance metadata service.
    Msi,
    /// AKS workload identity: AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID,
    /// AZURE_TENANT_ID.
    WorkloadIdentity,
    /// A service principal's secret: from the cloud-config
    /// (aadClientId/aadClientSecret) or AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET.
    ClientSecret,
    /// The signed-in Azure CLI (`az account get-access-token`).
    AzureCli,
}

/// Everything credential selection looks at. `env` is a copy of the
/// relevant environment variables, so selection is testable.
#[derive(Clone)]
pub struct AuthSettings {
    pub mode: AuthMode,
    pub identity_client_id: Option<String>,
    pub cloud: Cloud,
    pub cloud_config: Option<CloudConfig>,
    pub env: HashMap<String, String>,
    /// Whether the VM's instance metadata service is there, for `auto`.
    pub imds: Imds,
    /// The transport for sign-in requests to Entra ID (honours proxy
    /// settings; tests inject their own).
    pub transport: Arc<dyn HttpClient>,
    /// The transport for managed-identity endpoints, which must never go
    /// through a proxy.
    pub local_transport: Arc<dyn HttpClient>,
    /// Runs `az` for the Azure CLI credential (tests inject a fake).
    pub cli_executor: Option<Arc<dyn azure_identity::Executor>>,
}

/// What `auto` knows about the instance metadata service.
#[derive(Clone)]
pub enum Imds {
    /// Already known (discovery ran, or a test says so).
    Known(bool),
    /// Ask briefly whether it answers, only if the chain gets that far (the
    /// collectors own the probe; credential selection only calls it).
    Probe(ImdsProbe),
}

/// "Does the instance metadata service answer?", asked once, briefly.
pub type ImdsProbe = Arc<dyn Fn() -> futures::future::BoxFuture<'static, bool> + Send + Sync>;

impl std::fmt::Debug for Imds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Imds::Known(b) => write!(f, "Known({b})"),
            Imds::Probe(_) => f.write_str("Probe"),
        }
    }
}

/// The variables credential selection reads.
pub const ENV_VARS: [&str; 7] = [
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_FEDERATED_TOKEN_FILE",
    "AZURE_AUTHORITY_HOST",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
];

pub fn env_snapshot() -> HashMap<String, String> {
    ENV_VARS
        .iter()
        .filter_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()).map(|v| (k.to_string(), v)))
        .collect()
}

/// How a sign-in failed.
#[derive(Debug)]
pub enum SignInError {
    /// azaudit's own client secret has expired (AADSTS7000222): for
    /// `sp-expiry` that is a finding, not only a failure.
    ExpiredSecret { app_id: String, message: String },
    /// Anything else, as one line naming the credential and scope.
    Failed(String),
}

impl SignInError {
    /// The one line to show.
    pub fn message(&self) -> &str {
        match self {
            SignInError::ExpiredSecret { message, .. } | SignInError::Failed(message) => message,
        }
    }
}

/// Get one token for `scope`: the one sign-in every run makes before it
/// reads anything, so a credential that cannot sign in stops the run with
/// one clear line instead of a pile of incomplete lists.
pub async fn sign_in(c: &Chosen, scope: &str) -> Result<AccessToken, SignInError> {
    c.credential.get_token(&[scope], None).await.map_err(|e| {
        let raw = e.to_string();
        match expired_secret_app(&raw, c.client_id.as_deref()) {
            Some(app_id) => {
                let message = explain_token_error(&raw, Some(&app_id));
                SignInError::ExpiredSecret { app_id, message }
            }
            None => {
                let why = explain_token_error(&raw, c.client_id.as_deref());
                SignInError::Failed(format!(
                    "could not sign in to Azure with {} ({}) for {scope}: {why}",
                    c.kind, c.source
                ))
            }
        }
    })
}

/// The credential chosen, and why.
pub struct Chosen {
    pub credential: Arc<Credential>,
    /// `workload-identity`, `client-secret`, `managed-identity`, `azure-cli`.
    pub kind: &'static str,
    /// Where it came from, e.g. `aadClientId/aadClientSecret in /etc/kubernetes/azure.json`.
    pub source: String,
    /// The application (client) ID, where known.
    pub client_id: Option<String>,
    /// Why each earlier candidate was skipped.
    pub skipped: Vec<String>,
}

type Factory = Box<dyn Fn() -> Result<Arc<dyn TokenCredential>, String> + Send + Sync>;

/// A credential with a per-scope token cache that refreshes five minutes
/// before expiry (the Azure CLI credential does not cache by itself), and
/// that can be rebuilt from scratch when a token is rejected.
pub struct Credential {
    factory: Factory,
    /// Build a fresh underlying credential for every token exchange. Set for
    /// workload identity: azure_identity keeps the federated token file's
    /// content for ten minutes, but the file rotates and must be re-read on
    /// every exchange.
    fresh_each_exchange: bool,
    inner: RwLock<Arc<dyn TokenCredential>>,
    cache: Mutex<HashMap<String, AccessToken>>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credential { .. }")
    }
}

const REFRESH_MARGIN: Duration = Duration::from_secs(300);

impl Credential {
    pub fn new(factory: Factory) -> Result<Credential, String> {
        let inner = factory()?;
        Ok(Credential {
            factory,
            fresh_each_exchange: false,
            inner: RwLock::new(inner),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Drop cached tokens and rebuild the underlying credential, so the next
    /// request gets a fresh token.
    pub fn invalidate(&self) -> Result<(), String> {
        let fresh = (self.factory)()?;
        *self.inner.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        Ok(())
    }
}

#[async_trait::async_trait]
impl TokenCredential for Credential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        let key = scopes.join(" ");
        {
            let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(t) = cache.get(&key)
                && t.expires_on > azure_core::time::OffsetDateTime::now_utc() + REFRESH_MARGIN
            {
                return Ok(t.clone());
            }
        }
        let inner = if self.fresh_each_exchange {
            (self.factory)()
                .map_err(|e| azure_core::Error::with_message(azure_core::error::ErrorKind::Credential, e))?
        } else {
            self.inner.read().unwrap_or_else(|p| p.into_inner()).clone()
        };
        let token = inner.get_token(scopes, options).await?;
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).insert(key, token.clone());
        Ok(token)
    }
}

fn client_options(s: &AuthSettings, http: &Arc<dyn HttpClient>) -> ClientOptions {
    let mut o = transport::client_options(http.clone());
    // AZURE_AUTHORITY_HOST (set by AKS workload identity) wins; otherwise
    // the selected cloud's sign-in host.
    if !s.env.contains_key("AZURE_AUTHORITY_HOST") {
        let cloud = match s.cloud {
            Cloud::AzurePublicCloud => azure_core::cloud::CloudConfiguration::AzurePublic,
            Cloud::AzureChinaCloud => azure_core::cloud::CloudConfiguration::AzureChina,
            Cloud::AzureUSGovernmentCloud => azure_core::cloud::CloudConfiguration::AzureGovernment,
        };
        o.cloud = Some(Arc::new(cloud));
    }
    o
}

fn err(e: azure_core::Error) -> String {
    crate::text::one_line(&e.to_string())
}

/// Choose and build the credential for `s`. IMDS is probed only when the
/// chain reaches managed identity with nothing else configured.
pub async fn choose(s: &AuthSettings) -> Result<Chosen, String> {
    let mut skipped = Vec::new();
    let env = |k: &str| s.env.get(k).cloned();
    let cfg = s.cloud_config.as_ref();
    let cfg_name = cfg.map(|c| c.path.display().to_string()).unwrap_or_default();
    let want = |m: AuthMode| s.mode == AuthMode::Auto || s.mode == m;

    // 1. Workload identity.
    if want(AuthMode::WorkloadIdentity) {
        match (env("AZURE_FEDERATED_TOKEN_FILE"), env("AZURE_CLIENT_ID"), env("AZURE_TENANT_ID")) {
            (Some(file), Some(client), Some(tenant)) => {
                return workload_identity(s, file, client, tenant, "AZURE_FEDERATED_TOKEN_FILE", skipped);
            }
            _ => skipped.push(
                "workload identity: AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID are not all set"
                    .into(),
            ),
        }
    }
    // 2. The cloud-config's own credentials.
    if let Some(c) = cfg {
        if want(AuthMode::WorkloadIdentity)
            && c.use_federated_workload_identity_extension == Some(true)
            && let (Some(file), Some(client), Some(tenant)) =
                (c.aad_federated_token_file.clone(), c.aad_client_id.clone(), c.tenant_id.clone())
        {
            return workload_identity(
                s,
                file,
                client,
                tenant,
                &format!("aadFederatedTokenFile in {cfg_name}"),
                skipped,
            );
        }
        if want(AuthMode::ClientSecret)
            && let (Some(client), Some(secret)) = (c.aad_client_id.clone(), c.aad_client_secret.clone())
            && (c.use_managed_identity_extension != Some(true) || s.mode == AuthMode::ClientSecret)
        {
            let Some(tenant) = c.tenant_id.clone() else {
                return Err(format!("{cfg_name} has aadClientId and aadClientSecret but no tenantId"));
            };
            return client_secret(
                s,
                tenant,
                client,
                secret.expose().to_string(),
                &format!("aadClientId/aadClientSecret in {cfg_name}"),
                skipped,
            );
        }
        if want(AuthMode::Msi) && c.use_managed_identity_extension == Some(true) {
            let id =
                s.identity_client_id.clone().or_else(|| c.user_assigned_identity_id.clone().filter(|v| !v.is_empty()));
            return managed_identity(s, id, &format!("useManagedIdentityExtension in {cfg_name}"), skipped);
        }
        if s.mode == AuthMode::Auto {
            skipped.push(format!(
                "{cfg_name}: no usable credentials (aadClientSecret, useManagedIdentityExtension or workload identity)"
            ));
        }
    } else if s.mode == AuthMode::Auto {
        skipped.push("cloud-config: none given or found".into());
    }
    // 3. A client secret in the environment.
    if want(AuthMode::ClientSecret) {
        match (env("AZURE_CLIENT_ID"), env("AZURE_TENANT_ID"), env("AZURE_CLIENT_SECRET")) {
            (Some(client), Some(tenant), Some(secret)) => {
                return client_secret(s, tenant, client, secret, "AZURE_CLIENT_SECRET", skipped);
            }
            _ => skipped
                .push("client secret: AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET are not all set".into()),
        }
        if s.mode == AuthMode::ClientSecret {
            return Err(format!("--auth client-secret: no client secret configured ({})", skipped.join("; ")));
        }
    }
    // 4. Managed identity, when an endpoint is there.
    if want(AuthMode::Msi) {
        let app_service = env("IDENTITY_ENDPOINT").is_some() && env("IDENTITY_HEADER").is_some();
        let imds_answers = || async {
            match &s.imds {
                Imds::Known(b) => *b,
                Imds::Probe(probe) => probe().await,
            }
        };
        if app_service || s.mode == AuthMode::Msi || imds_answers().await {
            let src = if app_service { "IDENTITY_ENDPOINT" } else { "the instance metadata service" };
            return managed_identity(s, s.identity_client_id.clone(), src, skipped);
        }
        skipped.push("managed identity: no IDENTITY_ENDPOINT and the instance metadata service did not answer".into());
    }
    // 5. The Azure CLI.
    if want(AuthMode::AzureCli) {
        return azure_cli(s, skipped);
    }
    Err(format!("no credential is configured for --auth {:?}: {}", s.mode, skipped.join("; ")))
}

fn finish(
    kind: &'static str,
    source: String,
    client_id: Option<String>,
    skipped: Vec<String>,
    factory: Factory,
) -> Result<Chosen, String> {
    for why in &skipped {
        info!("credential skipped: {why}");
    }
    info!(kind, %source, client_id = client_id.as_deref().unwrap_or("-"), "credential chosen");
    let mut credential = Credential::new(factory)?;
    credential.fresh_each_exchange = kind == "workload-identity";
    Ok(Chosen { credential: Arc::new(credential), kind, source, client_id, skipped })
}

fn workload_identity(
    s: &AuthSettings,
    file: String,
    client: String,
    tenant: String,
    source: &str,
    skipped: Vec<String>,
) -> Result<Chosen, String> {
    let opts = client_options(s, &s.transport);
    let (c, t, f) = (client.clone(), tenant, PathBuf::from(file));
    let factory: Factory = Box::new(move || {
        let mut o = WorkloadIdentityCredentialOptions {
            client_id: Some(c.clone()),
            tenant_id: Some(t.clone()),
            token_file_path: Some(f.clone()),
            ..Default::default()
        };
        o.credential_options.client_options = opts.clone();
        WorkloadIdentityCredential::new(Some(o)).map(|c| c as Arc<dyn TokenCredential>).map_err(err)
    });
    finish("workload-identity", source.to_string(), Some(client), skipped, factory)
}

fn client_secret(
    s: &AuthSettings,
    tenant: String,
    client: String,
    secret: String,
    source: &str,
    skipped: Vec<String>,
) -> Result<Chosen, String> {
    let opts = client_options(s, &s.transport);
    let c = client.clone();
    let factory: Factory = Box::new(move || {
        let o = ClientSecretCredentialOptions { client_options: opts.clone() };
        ClientSecretCredential::new(&tenant, c.clone(), AzSecret::new(secret.clone()), Some(o))
            .map(|c| c as Arc<dyn TokenCredential>)
            .map_err(err)
    });
    finish("client-secret", source.to_string(), Some(client), skipped, factory)
}

fn managed_identity(
    s: &AuthSettings,
    id: Option<String>,
    source: &str,
    skipped: Vec<String>,
) -> Result<Chosen, String> {
    let opts = client_options(s, &s.local_transport);
    let uid = id.clone();
    let factory: Factory = Box::new(move || {
        let o = ManagedIdentityCredentialOptions {
            user_assigned_id: uid.clone().map(UserAssignedId::ClientId),
            client_options: opts.clone(),
        };
        ManagedIdentityCredential::new(Some(o)).map(|c| c as Arc<dyn TokenCredential>).map_err(err)
    });
    finish("managed-identity", source.to_string(), id, skipped, factory)
}

fn azure_cli(s: &AuthSettings, skipped: Vec<String>) -> Result<Chosen, String> {
    let exec = s.cli_executor.clone();
    let factory: Factory = Box::new(move || {
        let o = AzureCliCredentialOptions { executor: exec.clone(), ..Default::default() };
        AzureCliCredential::new(Some(o)).map(|c| c as Arc<dyn TokenCredential>).map_err(err)
    });
    finish("azure-cli", "az account get-access-token".into(), None, skipped, factory)
}

/// Turn a token failure into one line. An expired client secret
/// (AADSTS7000222) names the application and points to `azaudit sp-expiry`.
pub fn explain_token_error(message: &str, client_id: Option<&str>) -> String {
    let msg = crate::text::one_line(message);
    if msg.contains("AADSTS7000222") {
        let app = app_id_in(&msg).or(client_id).unwrap_or("(unknown)");
        return format!(
            "the client secret of application {app} has expired (AADSTS7000222): the cluster using this service principal can no longer manage Azure either. Add a new secret (az ad app credential reset --id {app}) and run `azaudit sp-expiry` to see every credential's expiry"
        );
    }
    msg
}

/// When a sign-in error is AADSTS7000222 (an expired client secret), the
/// application it names (from the error, else the credential's client ID).
pub fn expired_secret_app(message: &str, client_id: Option<&str>) -> Option<String> {
    if !message.contains("AADSTS7000222") {
        return None;
    }
    let msg = crate::text::one_line(message);
    app_id_in(&msg).or(client_id).map(str::to_string)
}

/// The app ID in `... for app '<appId>' ...` of an Entra error.
fn app_id_in(msg: &str) -> Option<&str> {
    let i = msg.find("app '")? + 5;
    let rest = &msg[i..];
    let end = rest.find('\'')?;
    Some(&rest[..end]).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests;
