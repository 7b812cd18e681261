//! The HTTP server: routing, the emulated ARM read bucket, fault injection,
//! the request log and the control endpoints under `/_mock/`.

use crate::arm;
use crate::log::LogEntry;
use crate::scenario::{Action, Fault, Scenario};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

pub struct App {
    pub scenario: Scenario,
    pub base_url: String,
    started: Instant,
    inner: Mutex<Inner>,
    pub(crate) index: arm::Index,
}

#[derive(Default)]
struct Inner {
    log: Vec<LogEntry>,
    buckets: HashMap<String, Bucket>,
    fired: Vec<u32>,
    tokens_issued: u64,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A response under construction, with the fault that shaped it.
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(&'static str, String)>,
}

impl Answer {
    pub fn ok(body: Value) -> Answer {
        Answer { status: StatusCode::OK, body, headers: Vec::new() }
    }
    pub fn error(status: u16, code: &str, message: impl Into<String>) -> Answer {
        Answer {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body: json!({"error": {"code": code, "message": message.into()}}),
            headers: Vec::new(),
        }
    }
}

impl App {
    pub fn new(scenario: Scenario, base_url: String) -> App {
        let index = arm::Index::build(&scenario);
        let fired = vec![0; scenario.faults.len()];
        App {
            scenario,
            base_url,
            started: Instant::now(),
            inner: Mutex::new(Inner { fired, ..Default::default() }),
            index,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn requests(&self) -> Vec<LogEntry> {
        self.lock().log.clone()
    }

    pub(crate) fn record(
        &self,
        method: &str,
        path: &str,
        query: &str,
        sub: Option<String>,
        status: u16,
        fault: Option<String>,
    ) {
        let mut inner = self.lock();
        let seq = inner.log.len() as u64;
        let at_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        inner.log.push(LogEntry {
            seq,
            at_ms,
            method: method.to_string(),
            path: path.to_string(),
            query: query.to_string(),
            subscription: sub,
            status,
            fault,
        });
    }

    /// Take one read from the subscription's bucket. Returns the remaining
    /// tokens, or the wait until one is available.
    fn take_read(&self, sub: &str) -> Result<u64, Duration> {
        let t = &self.scenario.throttle;
        let mut inner = self.lock();
        let now = Instant::now();
        let b = inner
            .buckets
            .entry(sub.to_string())
            .or_insert_with(|| Bucket { tokens: t.initial.unwrap_or(t.burst), at: now });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * t.refill_per_sec).min(t.burst);
        b.at = now;
        if !t.enabled {
            return Ok(t.burst as u64);
        }
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(b.tokens.floor() as u64)
        } else {
            let need = (1.0 - b.tokens) / t.refill_per_sec.max(0.001);
            Err(Duration::from_secs_f64(need))
        }
    }

    fn remaining(&self, sub: &str) -> u64 {
        let inner = self.lock();
        inner.buckets.get(sub).map(|b| b.tokens.floor().max(0.0) as u64).unwrap_or(self.scenario.throttle.burst as u64)
    }

    /// The first fault that matches and has not run out, counting it.
    pub(crate) fn fault_for(&self, path: &str, sub: Option<&str>, rg: Option<&str>, page: usize) -> Option<Fault> {
        let lower = path.to_ascii_lowercase();
        let mut inner = self.lock();
        for (i, f) in self.scenario.faults.iter().enumerate() {
            let route_ok = f.route.as_ref().is_none_or(|r| lower.contains(&r.to_ascii_lowercase()));
            let sub_ok = f.subscription.as_ref().is_none_or(|s| sub.is_some_and(|x| x.eq_ignore_ascii_case(s)));
            let rg_ok = f.resource_group.as_ref().is_none_or(|g| rg.is_some_and(|x| x.eq_ignore_ascii_case(g)));
            let page_ok = f.page.is_none_or(|p| p == page);
            let left = f.times.is_none_or(|t| inner.fired[i] < t);
            if route_ok && sub_ok && rg_ok && page_ok && left {
                inner.fired[i] += 1;
                return Some(f.clone());
            }
        }
        None
    }

    pub fn issue_token(&self) -> String {
        let mut inner = self.lock();
        inner.tokens_issued += 1;
        format!("mock-token-{}", inner.tokens_issued)
    }
}

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
    let parsed = arm::parse_path(path);
    let sub = parsed.as_ref().map(|p| p.subscription.to_ascii_lowercase());
    let page = arm::page_of(query);
    let log_sub = sub.clone();
    let finish = |status: u16, fault: Option<String>| app.record(method, path, query, log_sub.clone(), status, fault);

    if !authorized(headers) {
        finish(401, None);
        let a =
            Answer::error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
        return json_response(401, &a.body, &[]);
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
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            let a = Answer::error(
                429,
                "SubscriptionRequestsThrottled",
                format!(
                    "Number of 'read' requests for subscription '{}' actor '00000000-0000-0000-0000-000000000000' exceeded. Please try again after '{secs}' seconds after additional tokens are available.",
                    p.subscription
                ),
            );
            return json_response(
                429,
                &a.body,
                &[("retry-after", secs.to_string()), ("x-ms-ratelimit-remaining-subscription-reads", "0".into())],
            );
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

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t.starts_with("mock-"))
}

pub(crate) fn json_response(status: u16, body: &Value, headers: &[(&'static str, String)]) -> Response {
    raw_response(status, body.to_string(), headers)
}

pub(crate) fn raw_response(status: u16, body: String, headers: &[(&'static str, String)]) -> Response {
    let mut resp = (StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), body).into_response();
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static("application/json; charset=utf-8"));
    h.insert("x-ms-request-id", HeaderValue::from_static("5f2b3c4d-0000-0000-0000-000000000000"));
    for (k, v) in headers {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(*k, v);
        }
    }
    resp
}

/// The remaining reads of a subscription, for tests.
pub fn remaining_reads(app: &App, sub: &str) -> u64 {
    app.remaining(&sub.to_ascii_lowercase())
}
