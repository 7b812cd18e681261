//! The mock's shared state and response types: the scenario, the request
//! log, the emulated ARM read buckets and fault bookkeeping. The router
//! (`server`) and every handler (`arm`, `graph`, `kube`, ...) use these;
//! none of them imports another.

use crate::index::Index;
use crate::log::LogEntry;
use crate::scenario::{Fault, Scenario};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct App {
    pub scenario: Scenario,
    pub base_url: String,
    started: Instant,
    inner: Mutex<Inner>,
    pub(crate) index: Index,
    /// What Resource Graph serves: its own (possibly stale) copy when the
    /// scenario gives one, else the resources themselves.
    pub(crate) graph_index: Option<Index>,
}

#[derive(Default)]
struct Inner {
    log: Vec<LogEntry>,
    buckets: HashMap<String, Bucket>,
    fired: Vec<u32>,
    tokens_issued: u64,
    /// Resource Graph's quota windows, per caller (token).
    graph_quota: HashMap<String, (Instant, u32)>,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// A response under construction, with the fault that shaped it.
#[derive(Debug)]
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
        let index = Index::build(&scenario);
        let graph_index = scenario.resource_graph.index.as_ref().map(|r| Index::of(&scenario, r));
        let fired = vec![0; scenario.faults.len()];
        App {
            scenario,
            base_url,
            started: Instant::now(),
            inner: Mutex::new(Inner { fired, ..Default::default() }),
            index,
            graph_index,
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
    pub(crate) fn take_read(&self, sub: &str) -> Result<u64, Duration> {
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

    /// Take one Resource Graph query from `caller`'s window: `Ok((left,
    /// resets_in))`, or `Err(resets_in)` when the window's quota is spent.
    pub(crate) fn take_graph_query(&self, caller: &str) -> Result<(u32, Duration), Duration> {
        let g = &self.scenario.resource_graph;
        let window = Duration::from_secs(g.window_secs.max(1));
        let mut inner = self.lock();
        let now = Instant::now();
        let e = inner.graph_quota.entry(caller.to_string()).or_insert((now, 0));
        if now.duration_since(e.0) >= window {
            *e = (now, 0);
        }
        let resets = window.saturating_sub(now.duration_since(e.0));
        if g.quota == 0 {
            return Ok((u32::MAX, resets));
        }
        if e.1 >= g.quota {
            return Err(resets);
        }
        e.1 += 1;
        Ok((g.quota - e.1, resets))
    }

    pub(crate) fn remaining(&self, sub: &str) -> u64 {
        let inner = self.lock();
        inner.buckets.get(sub).map(|b| b.tokens.floor().max(0.0) as u64).unwrap_or(self.scenario.throttle.burst as u64)
    }

    /// The first fault that matches and has not run out, counting it.
    pub(crate) fn fault_for(&self, path: &str, sub: Option<&str>, rg: Option<&str>, page: usize) -> Option<Fault> {
        let lower = path.to_ascii_lowercase();
        let mut inner = self.lock();
        for (i, f) in self.scenario.faults.iter().enumerate() {
            let route_ok = f.route.as_ref().is_none_or(|r| {
                let r = r.to_ascii_lowercase();
                match r.strip_suffix('$') {
                    Some(end) => lower.ends_with(end),
                    None => lower.contains(&r),
                }
            });
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
