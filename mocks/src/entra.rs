//! The mock's Entra ID token endpoint for client credentials:
//! `POST /{tenant}/oauth2/v2.0/token` with a form body. An unknown client or
//! a wrong secret is `invalid_client` (AADSTS7000215); an app whose secret
//! has expired is AADSTS7000222, exactly as Entra words it.

use crate::app::App;
use serde_json::{Value, json};

pub fn owns(method: &str, path: &str) -> bool {
    method == "POST" && path.ends_with("/oauth2/v2.0/token")
}

fn error(code: u64, description: String) -> Value {
    json!({
        "error": "invalid_client",
        "error_description": description,
        "error_codes": [code],
        "timestamp": "2026-11-28 10:00:00Z",
        "trace_id": "0b7d0a5e-0000-4000-8000-000000000001",
        "correlation_id": "0b7d0a5e-0000-4000-8000-000000000002",
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}")
    })
}

pub fn handle(app: &App, body: &[u8]) -> (u16, Value) {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    if get("grant_type") != "client_credentials" {
        return (
            400,
            json!({"error": "unsupported_grant_type", "error_description": "AADSTS70003: The app requested an unsupported grant type."}),
        );
    }
    let client = get("client_id");
    let trace = "Trace ID: 0b7d0a5e-0000-4000-8000-000000000001 Correlation ID: 0b7d0a5e-0000-4000-8000-000000000002 Timestamp: 2026-11-28 10:00:00Z";
    let Some(reg) = app.scenario.entra.iter().find(|a| a.client_id.eq_ignore_ascii_case(client)) else {
        return (
            400,
            error(
                700016,
                format!(
                    "AADSTS700016: Application with identifier '{client}' was not found in the directory 'contoso'. {trace}"
                ),
            ),
        );
    };
    if reg.secret != get("client_secret") {
        return (
            401,
            error(
                7000215,
                format!(
                    "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client}'. {trace}"
                ),
            ),
        );
    }
    if reg.expired {
        return (
            401,
            error(
                7000222,
                format!(
                    "AADSTS7000222: The provided client secret keys for app '{client}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds. {trace}"
                ),
            ),
        );
    }
    let ttl = app.scenario.identity.token_ttl_secs;
    (200, json!({"token_type": "Bearer", "expires_in": ttl, "ext_expires_in": ttl, "access_token": app.issue_token()}))
}
