//! Turning global flags into a ready ARM client: endpoint and cloud
//! selection, credentials, and a first token to fail fast on bad auth.

use crate::arm::{ArmClient, ClientSettings};
use crate::auth::{self, AuthSettings};
use crate::cli::GlobalArgs;
use crate::cloud::Cloud;
use crate::commands::Fatal;
use crate::endpoint::parse_endpoint;
use std::sync::Arc;

pub struct Context {
    pub arm: Arc<ArmClient>,
    pub cloud: Cloud,
    pub subscriptions: Vec<String>,
    pub resource_groups: Vec<String>,
}

pub async fn build(g: &GlobalArgs) -> Result<Context, Fatal> {
    let cloud = g.cloud.unwrap_or(Cloud::AzurePublicCloud);
    let endpoint = match &g.arm_endpoint {
        Some(raw) => parse_endpoint("--arm-endpoint", raw)?,
        None => parse_endpoint("cloud ARM endpoint", cloud.arm_endpoint())?,
    };
    let subscriptions: Vec<String> = dedup(&g.subscriptions);
    if subscriptions.is_empty() {
        return Err(Fatal("no subscription to audit: give --subscription ID (or set AZAUDIT_SUBSCRIPTION)".into()));
    }
    for s in &subscriptions {
        if s.contains('/') || s.contains('?') || s.contains('#') {
            return Err(Fatal(format!("--subscription '{s}' is not a subscription ID")));
        }
    }
    let resource_groups = dedup(&g.resource_groups);
    for rg in &resource_groups {
        if rg.contains('/') || rg.contains('?') || rg.contains('#') {
            return Err(Fatal(format!("--resource-group '{rg}' is not a resource group name")));
        }
    }
    let mut settings = ClientSettings::new(endpoint, cloud.arm_scope());
    settings.max_rps = g.max_rps;
    settings.reserve_reads = g.reserve_reads;
    settings.max_retries = g.max_retries;
    settings.retry_budget = g.retry_budget;
    settings.request_timeout = g.request_timeout;

    let credential = auth::credential(&AuthSettings { mode: g.auth, identity_client_id: g.identity_client_id.clone() })?;
    // One token up front: a credential that cannot sign in is a run that
    // cannot start (exit 2), not a pile of incomplete lists.
    credential
        .get_token(&[settings.token_scope.as_str()], None)
        .await
        .map_err(|e| Fatal(format!("could not sign in to Azure ({}): {}", settings.token_scope, crate::text::one_line(&e.to_string()))))?;
    let arm = ArmClient::new(settings, credential)?;
    Ok(Context { arm: Arc::new(arm), cloud, subscriptions, resource_groups })
}

fn dedup(v: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in v.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(s)) {
            out.push(s.to_string());
        }
    }
    out
}
