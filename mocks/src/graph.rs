//! The mock's Microsoft Graph: `/v1.0/applications` and
//! `/v1.0/servicePrincipals` with `$filter=appId eq '...'` and
//! `appId in (...)`, `$top` paging with `@odata.nextLink`, Graph's error
//! bodies (`Authorization_RequestDenied`, `TooManyRequests`), and the same
//! fault injection as ARM.

use crate::app::{App, json_response};
use crate::scenario::Action;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};
use std::time::Duration;

pub fn owns(path: &str) -> bool {
    path.starts_with("/v1.0/")
}

fn graph_error(code: &str, message: &str) -> Value {
    json!({"error": {"code": code, "message": message, "innerError": {
        "date": "2026-11-28T10:00:00", "request-id": "7a1c2b3d-0000-4000-8000-000000000001",
        "client-request-id": "7a1c2b3d-0000-4000-8000-000000000001"
    }}})
}

fn param(query: &str, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// The app IDs a `$filter` asks for: `appId eq 'x'` or `appId in ('x', 'y')`.
/// `None` for a filter the mock (like Graph, mostly) does not support.
pub fn parse_filter(filter: &str) -> Option<Vec<String>> {
    let f = filter.trim();
    let rest = f.strip_prefix("appId")?.trim_start();
    let quoted = |s: &str| s.trim().strip_prefix('\'').and_then(|s| s.strip_suffix('\'')).map(str::to_string);
    if let Some(v) = rest.strip_prefix("eq ") {
        return quoted(v).map(|v| vec![v]);
    }
    let inner = rest.strip_prefix("in")?.trim().strip_prefix('(')?.strip_suffix(')')?;
    inner.split(',').map(quoted).collect()
}

pub async fn handle(app: &App, method: &str, path: &str, query: &str, headers: &HeaderMap) -> Response {
    let finish = |status: u16, fault: Option<String>| app.record(method, path, query, None, status, fault);
    let authed = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t.starts_with("mock-"));
    if !authed {
        finish(401, None);
        return json_response(401, &graph_error("InvalidAuthenticationToken", "Access token is empty."), &[]);
    }
    let (collection, objects) = match path {
        "/v1.0/applications" => ("applications", &app.scenario.graph.applications),
        "/v1.0/servicePrincipals" => ("servicePrincipals", &app.scenario.graph.service_principals),
        _ => {
            finish(404, None);
            return json_response(
                404,
                &graph_error("Request_ResourceNotFound", &format!("Resource not found for the segment '{path}'.")),
                &[],
            );
        }
    };
    let offset = param(query, "$skiptoken")
        .and_then(|t| usize::from_str_radix(t.strip_prefix("mockgraph")?, 16).ok())
        .unwrap_or(0);
    let page_size = app.scenario.graph.page_size.unwrap_or(100);
    let top = param(query, "$top").and_then(|t| t.parse::<usize>().ok()).map(|t| t.min(999));
    let per_page = top.unwrap_or(page_size).min(page_size).max(1);
    let page = offset / per_page;
    if app.scenario.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(app.scenario.latency_ms)).await;
    }
    let fault = app.fault_for(path, None, None, page);
    let fault_name = fault.as_ref().map(|f| f.action.name().to_string());
    if let Some(f) = &fault {
        match &f.action {
            Action::Latency { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Action::Forbidden => {
                finish(403, fault_name);
                return json_response(
                    403,
                    &graph_error("Authorization_RequestDenied", "Insufficient privileges to complete the operation."),
                    &[],
                );
            }
            Action::Throttle { retry_after_secs, .. } | Action::Busy { retry_after_secs } => {
                finish(429, fault_name);
                return json_response(
                    429,
                    &graph_error(
                        "TooManyRequests",
                        "Too many requests from Identifier:7a1c2b3d under tenant. Please try again later.",
                    ),
                    &[("retry-after", retry_after_secs.to_string())],
                );
            }
            Action::ServerError { status } => {
                finish(*status, fault_name);
                return json_response(*status, &graph_error("ServiceUnavailable", "Service unavailable."), &[]);
            }
            Action::ExpiredToken => {
                finish(401, fault_name);
                return json_response(
                    401,
                    &graph_error("InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."),
                    &[],
                );
            }
            _ => {}
        }
    }
    let selected: Vec<&Value> = match param(query, "$filter") {
        None => objects.iter().collect(),
        Some(filter) => match parse_filter(&filter) {
            Some(ids) => objects
                .iter()
                .filter(|o| o["appId"].as_str().is_some_and(|a| ids.iter().any(|i| i.eq_ignore_ascii_case(a))))
                .collect(),
            None => {
                finish(400, fault_name);
                return json_response(400, &graph_error("Request_UnsupportedQuery", "Unsupported Query."), &[]);
            }
        },
    };
    let end = (offset + per_page).min(selected.len());
    let items: Vec<Value> = selected[offset.min(end)..end].iter().map(|v| (*v).clone()).collect();
    let mut body = json!({
        "@odata.context": format!("https://graph.microsoft.com/v1.0/$metadata#{collection}"),
        "value": items,
    });
    if end < selected.len() {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            if k != "$skiptoken" {
                q.append_pair(&k, &v);
            }
        }
        q.append_pair("$skiptoken", &format!("mockgraph{end:x}"));
        body["@odata.nextLink"] = json!(format!("{}{path}?{}", app.base_url, q.finish()));
    }
    finish(200, fault_name);
    json_response(200, &body, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        assert_eq!(parse_filter("appId eq 'abc'"), Some(vec!["abc".to_string()]));
        assert_eq!(parse_filter("appId in ('a', 'b','c')"), Some(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(parse_filter("displayName eq 'x'"), None);
    }
}
