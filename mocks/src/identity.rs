//! Managed-identity token endpoints: App Service style (`IDENTITY_ENDPOINT`
//! with `X-IDENTITY-HEADER`, api-version 2019-08-01) at `/msi/token`, and the
//! VM instance metadata style (`Metadata: true`, api-version 2018-02-01) at
//! `/metadata/identity/oauth2/token`. Token fields are strings, as in Azure.

use crate::app::App;
use axum::http::HeaderMap;
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

pub fn handle(app: &App, path: &str, query: &str, headers: &HeaderMap) -> (u16, Value) {
    let q: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).map(str::to_string);
    let app_service = path == "/msi/token";
    if app_service {
        if header("x-identity-header").as_deref() != Some(app.scenario.identity.header.as_str()) {
            return (
                401,
                json!({"error": {"code": "Unauthorized", "message": "X-IDENTITY-HEADER is missing or wrong"}}),
            );
        }
    } else if path == "/metadata/instance" {
        if header("metadata").as_deref() != Some("true") {
            return (400, json!({"error": "Bad request. Required metadata header not specified"}));
        }
        return match &app.scenario.instance {
            Some(compute) => (200, json!({"compute": compute, "network": {"interface": []}})),
            None => (404, json!({"error": "Not found"})),
        };
    } else if path == "/metadata/identity/oauth2/token" {
        if header("metadata").as_deref() != Some("true") {
            return (
                400,
                json!({"error": "invalid_request", "error_description": "Required metadata header not specified"}),
            );
        }
    } else {
        return (404, json!({"error": "not_found", "error_description": format!("no such endpoint {path}")}));
    }
    let Some(resource) = get("resource") else {
        return (
            400,
            json!({"error": "invalid_request", "error_description": "Required query variable 'resource' is missing"}),
        );
    };
    let ttl = app.scenario.identity.token_ttl_secs;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let token = app.issue_token();
    let mut body = json!({
        "access_token": token,
        "expires_on": (now + ttl).to_string(),
        "resource": resource,
        "token_type": "Bearer",
    });
    if app_service {
        body["client_id"] = json!(get("client_id").unwrap_or_else(|| "00000000-0000-0000-0000-00000000c11e".into()));
    } else {
        body["expires_in"] = json!(ttl.to_string());
        body["ext_expires_in"] = json!(ttl.to_string());
        body["not_before"] = json!(now.to_string());
    }
    (200, body)
}
