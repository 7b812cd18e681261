//! Request statistics for one run: requests, pages, retries, 429s, bytes,
//! elapsed time and the lowest remaining-reads budget seen per subscription.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Instant;

#[derive(Debug)]
pub struct Stats {
    started: Instant,
    requests: AtomicU64,
    pages: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    server_errors: AtomicU64,
    bytes: AtomicU64,
    reserve_pauses: AtomicU64,
    min_remaining: Mutex<BTreeMap<String, u64>>,
}

/// The serializable summary, part of the JSON output and snapshots.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct StatsSummary {
    pub requests: u64,
    pub pages: u64,
    pub retries: u64,
    /// Responses with status 429.
    pub throttled: u64,
    pub server_errors: u64,
    pub bytes: u64,
    pub elapsed_ms: u64,
    /// How often a low remaining-reads budget made azaudit pause.
    pub reserve_pauses: u64,
    /// The lowest `x-ms-ratelimit-remaining-subscription-reads` seen, per key.
    #[serde(default)]
    pub min_remaining_reads: BTreeMap<String, u64>,
    /// ARM reads that confirmed what Azure Resource Graph's index said
    /// (one per object a finding would name), counted in `requests` too.
    #[serde(default)]
    pub confirmations: u64,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            started: Instant::now(),
            requests: AtomicU64::new(0),
            pages: AtomicU64::new(0),
            retries: AtomicU64::new(0),
            throttled: AtomicU64::new(0),
            server_errors: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            reserve_pauses: AtomicU64::new(0),
            min_remaining: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Stats {
    pub fn response(&self, status: u16, bytes: u64) {
        self.requests.fetch_add(1, Relaxed);
        self.bytes.fetch_add(bytes, Relaxed);
        if status == 429 {
            self.throttled.fetch_add(1, Relaxed);
        } else if status >= 500 {
            self.server_errors.fetch_add(1, Relaxed);
        }
    }
    /// A request that got no HTTP answer still counts as a request.
    pub fn failed_request(&self) {
        self.requests.fetch_add(1, Relaxed);
    }
    pub fn page(&self) {
        self.pages.fetch_add(1, Relaxed);
    }
    pub fn retry(&self) {
        self.retries.fetch_add(1, Relaxed);
    }
    pub fn reserve_pause(&self) {
        self.reserve_pauses.fetch_add(1, Relaxed);
    }
    pub fn remaining(&self, key: &str, remaining: u64) {
        let mut m = self.min_remaining.lock().unwrap_or_else(|p| p.into_inner());
        let e = m.entry(key.to_ascii_lowercase()).or_insert(remaining);
        *e = (*e).min(remaining);
    }

    pub fn summary(&self) -> StatsSummary {
        StatsSummary {
            requests: self.requests.load(Relaxed),
            pages: self.pages.load(Relaxed),
            retries: self.retries.load(Relaxed),
            throttled: self.throttled.load(Relaxed),
            server_errors: self.server_errors.load(Relaxed),
            bytes: self.bytes.load(Relaxed),
            elapsed_ms: self.started.elapsed().as_millis() as u64,
            reserve_pauses: self.reserve_pauses.load(Relaxed),
            min_remaining_reads: self.min_remaining.lock().unwrap_or_else(|p| p.into_inner()).clone(),
            confirmations: 0,
        }
    }
}

impl StatsSummary {
    /// Add another client's statistics (Graph beside ARM). Elapsed time is
    /// the longer of the two, since the clients run in one process.
    pub fn merge(&mut self, o: &StatsSummary) {
        self.requests += o.requests;
        self.pages += o.pages;
        self.retries += o.retries;
        self.throttled += o.throttled;
        self.server_errors += o.server_errors;
        self.bytes += o.bytes;
        self.elapsed_ms = self.elapsed_ms.max(o.elapsed_ms);
        self.reserve_pauses += o.reserve_pauses;
        self.confirmations += o.confirmations;
        for (k, v) in &o.min_remaining_reads {
            let e = self.min_remaining_reads.entry(k.clone()).or_insert(*v);
            *e = (*e).min(*v);
        }
    }
}
