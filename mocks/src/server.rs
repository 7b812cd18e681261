//! The HTTP server: routing, the emulated ARM read bucket, fault injection,
//! the request log and the control endpoints under `/_mock/`.

use crate::app::{Answer, App, json_response, raw_response};
use crate::arm;
use crate::scenario::Action;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub async fn handle(State(app): State<Arc<App>>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let method = req.method().as_str().to_string();
    let headers = req.headers().clone();

    if crate::entra::owns(&method, &path) {
        let body = axum::body::to_bytes(req.into_body(), 1 << 20).await.unwrap_or_default();
        let (status, answer) = crate::entra::handle(&app, &body);
        app.record(&method, &path, &query, None, status, None);
        return json_response(status, &answer, &[]);
    }
    if crate::graph::owns(&path) {
        return crate::graph::handle(&app, &method, &path, &query, &headers).await;
    }

    if path.starts_with("/_mock/") {
        return control(&app, &path);
    }
    if path.starts_with("/metadata/") && app.scenario.imds_latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(app.scenario.imds_latency_ms)).await;
    }
    if path.starts_with("/msi/") || path.starts_with("/metadata/") {
        let (status, body) = crate::identity::handle(&app, &path, &query, &headers);
        app.record(&method, &path, &query, None, status, None);
        return json_response(status, &body, &[]);
    }
    if crate::resource_graph::owns(&method, &path) {
        if !authorized(&headers) {
            return unauthenticated(&app, &method, &path, &query, None);
        }
        let body = axum::body::to_bytes(req.into_body(), 1 << 20).await.unwrap_or_default();
        return crate::resource_graph::handle(&app, &path, &query, &headers, &body).await;
    }
    if crate::tenant::owns(&method, &path) {
        if !authorized(&headers) {
            return unauthenticated(&app, &method, &path, &query, None);
        }
        return crate::tenant::handle(&app, &method, &path, &query).await;
    }
    if crate::kube::owns(&path) {
        return crate::kube::handle(&app, &method, &path, &query, &headers).await;
    }
    arm_request(&app, &method, &path, &query, &headers).await
}

fn control(app: &App, path: &str) -> Response {
    match path {
        "/_mock/requests" => json_response(200, &serde_json::to_value(app.requests()).unwrap_or(Value::Null), &[]),
        "/_mock/health" => json_response(200, &json!({"ok": true}), &[]),
        _ => json_response(404, &json!({"error": {"code": "NotFound", "message": path}}), &[]),
    }
}

async fn arm_request(app: &App, method: &str, path: &str, query: &str, headers: &HeaderMap) -> Response {
    if method == "GET"
        && let Some((sub, rg)) = arm::resource_path(path)
    {
        return resource_request(app, path, query, headers, &sub, &rg).await;
    }
    let parsed = arm::parse_path(path);
    let sub = parsed.as_ref().map(|p| p.subscription.to_ascii_lowercase());
    let page = arm::page_of(query);
    let log_sub = sub.clone();
    let finish = |status: u16, fault: Option<String>| app.record(method, path, query, log_sub.clone(), status, fault);

    if !authorized(headers) {
        return unauthenticated(app, method, path, query, log_sub.clone());
    }
    let Some(p) = parsed else {
        finish(404, None);
        return json_response(
            404,
            &json!({"error": {"code": "InvalidResourceType", "message": format!("The resource type could not be found for path '{path}'.")}}),
            &[],
        );
    };
    let sub = p.subscription.to_ascii_lowercase();

    // The emulated read bucket applies before anything else, as in ARM.
    let remaining = match app.take_read(&sub) {
        Ok(r) => r,
        Err(wait) => {
            finish(429, Some("bucket".into()));
            return bucket_empty(&p.subscription, wait);
        }
    };
    if app.scenario.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(app.scenario.latency_ms)).await;
    }
    let fault = app.fault_for(path, Some(&sub), p.resource_group.as_deref(), page);
    let fault_name = fault.as_ref().map(|f| f.action.name().to_string());
    let mut budget = vec![("x-ms-ratelimit-remaining-subscription-reads", remaining.to_string())];
    let mut loop_link = false;
    if let Some(f) = &fault {
        match &f.action {
            Action::Latency { ms } => tokio::time::sleep(Duration::from_millis(*ms)).await,
            Action::NextLinkLoop => loop_link = true,
            Action::Throttle { retry_after_secs, as_date, retry_after_ms } => {
                finish(429, fault_name);
                let ra = if *as_date {
                    httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(*retry_after_secs))
                } else {
                    retry_after_secs.to_string()
                };
                budget.push(("retry-after", ra));
                if let Some(ms) = retry_after_ms {
                    budget.push(("x-ms-retry-after-ms", ms.to_string()));
                }
                let a = Answer::error(
                    429,
                    "SubscriptionRequestsThrottled",
                    format!(
                        "Number of 'read' requests for subscription '{}' exceeded. Please try again after '{retry_after_secs}' seconds after additional tokens are available.",
                        p.subscription
                    ),
                );
                return json_response(429, &a.body, &budget);
            }
            Action::Busy { retry_after_secs } => {
                finish(429, fault_name);
                budget.push(("retry-after", retry_after_secs.to_string()));
                let a = Answer::error(
                    429,
                    "RetryableErrorDueToAnotherOperation",
                    "Operation is not allowed because another operation on the resource is in progress. Please retry later.",
                );
                return json_response(429, &a.body, &budget);
            }
            Action::ServerError { status } => {
                finish(*status, fault_name);
                let (code, msg) = match status {
                    503 => ("ServiceUnavailable", "The service is temporarily unavailable. Please try again later."),
                    504 => (
                        "GatewayTimeout",
                        "The gateway did not receive a response from 'Microsoft.Network' within the specified time period.",
                    ),
                    502 => ("BadGateway", "The gateway received an invalid response."),
                    _ => ("InternalServerError", "An error has occurred. Please retry the request."),
                };
                let a = Answer::error(*status, code, msg);
                return json_response(*status, &a.body, &budget);
            }
            Action::Forbidden => {
                finish(403, fault_name);
                let scope = match &p.resource_group {
                    Some(rg) => format!("/subscriptions/{}/resourceGroups/{rg}", p.subscription),
                    None => format!("/subscriptions/{}", p.subscription),
                };
                let a = Answer::error(
                    403,
                    "AuthorizationFailed",
                    format!(
                        "The client '11111111-2222-3333-4444-555555555555' with object id '11111111-2222-3333-4444-555555555555' does not have authorization to perform action '{}/read' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.",
                        p.provider_type
                    ),
                );
                return json_response(403, &a.body, &budget);
            }
            Action::ExpiredToken => {
                finish(401, fault_name);
                let a = Answer::error(
                    401,
                    "ExpiredAuthenticationToken",
                    "The access token expiry UTC time '11/28/2026 9:00:00 AM' is earlier than current UTC time '11/28/2026 10:00:00 AM'.",
                );
                return json_response(401, &a.body, &budget);
            }
            Action::Reset
            | Action::Truncate
            | Action::InvalidJson
            | Action::Expired
            | Action::ForeignNextLink { .. } => {}
        }
    }

    let mut answer = arm::answer(app, &p, query, loop_link);
    if let Some(Action::ForeignNextLink { url }) = fault.as_ref().map(|f| &f.action)
        && answer.status.is_success()
    {
        answer.body["nextLink"] = serde_json::Value::String(url.clone());
    }
    let status = answer.status.as_u16();
    finish(status, fault_name);
    budget.extend(answer.headers.iter().cloned());
    match fault.map(|f| f.action) {
        Some(Action::Reset) => {
            let text = answer.body.to_string();
            let half = text.as_bytes()[..text.len() / 2].to_vec();
            let stream = futures::stream::iter(vec![
                Ok::<_, std::io::Error>(axum::body::Bytes::from(half)),
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "connection reset by mock")),
            ]);
            let mut resp = Response::new(Body::from_stream(stream));
            *resp.status_mut() = answer.status;
            resp.headers_mut().insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
            resp
        }
        Some(Action::Truncate) => {
            let text = answer.body.to_string();
            let cut = text[..text.len() / 2].to_string();
            raw_response(status, cut, &budget)
        }
        Some(Action::InvalidJson) => {
            raw_response(status, "<html><body><h1>502 Bad Gateway</h1></body></html>".into(), &budget)
        }
        _ => json_response(status, &answer.body, &budget),
    }
}

/// One resource's GET (what azaudit confirms Resource Graph's objects
/// with): the subscription's read bucket, latency and the faults that
/// apply to any request.
async fn resource_request(app: &App, path: &str, query: &str, headers: &HeaderMap, sub: &str, rg: &str) -> Response {
    let sub_key = sub.to_ascii_lowercase();
    let finish =
        |status: u16, fault: Option<String>| app.record("GET", path, query, Some(sub_key.clone()), status, fault);
    if !authorized(headers) {
        return unauthenticated(app, "GET", path, query, Some(sub_key));
    }
    let remaining = match app.take_read(&sub_key) {
        Ok(r) => r,
        Err(wait) => {
            finish(429, Some("bucket".into()));
            return bucket_empty(sub, wait);
        }
    };
    if app.scenario.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(app.scenario.latency_ms)).await;
    }
    let budget = vec![("x-ms-ratelimit-remaining-subscription-reads", remaining.to_string())];
    let fault = app.fault_for(path, Some(&sub_key), Some(rg), 0);
    let fault_name = fault.as_ref().map(|f| f.action.name().to_string());
    let answer = match fault.map(|f| f.action) {
        Some(Action::ServerError { status }) => Answer::error(status, "InternalServerError", "An error has occurred."),
        Some(Action::Forbidden) => Answer::error(
            403,
            "AuthorizationFailed",
            format!(
                "The client '11111111-2222-3333-4444-555555555555' does not have authorization to perform action 'read' over scope '{path}' or the scope is invalid."
            ),
        ),
        _ => arm::get_one(app, path, query),
    };
    let status = answer.status.as_u16();
    finish(status, fault_name);
    json_response(status, &answer.body, &budget)
}

/// ARM's answer when the subscription's emulated read bucket is empty.
fn bucket_empty(subscription: &str, wait: Duration) -> Response {
    let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
    let a = Answer::error(
        429,
        "SubscriptionRequestsThrottled",
        format!(
            "Number of 'read' requests for subscription '{subscription}' actor '00000000-0000-0000-0000-000000000000' exceeded. Please try again after '{secs}' seconds after additional tokens are available."
        ),
    );
    json_response(
        429,
        &a.body,
        &[("retry-after", secs.to_string()), ("x-ms-ratelimit-remaining-subscription-reads", "0".into())],
    )
}

/// ARM's answer to a request without a bearer token, logged.
fn unauthenticated(app: &App, method: &str, path: &str, query: &str, sub: Option<String>) -> Response {
    app.record(method, path, query, sub, 401, None);
    let a = Answer::error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
    json_response(401, &a.body, &[])
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t.starts_with("mock-"))
}
