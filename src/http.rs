//! Construction of the HTTP clients (reqwest over rustls with the ring
//! provider) and one-line descriptions of transport errors.

use std::error::Error as _;
use std::time::Duration;

pub const USER_AGENT: &str = concat!("azaudit/", env!("CARGO_PKG_VERSION"));

/// The client for ARM and Graph: honours proxy environment variables,
/// decompresses gzip, follows no redirects (a redirect would carry the
/// bearer token elsewhere).
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("could not set up the HTTP client: {}", describe(&e)))
}

/// The client for the instance metadata service and managed-identity
/// endpoints: never through a proxy, short timeouts.
pub fn local_client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .no_proxy()
        .connect_timeout(timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| format!("could not set up the HTTP client: {}", describe(&e)))
}

/// A reqwest error as one line, with its causes (`connection refused`,
/// `operation timed out`), without the URL (callers name the resource).
pub fn describe(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    if e.is_timeout() {
        parts.push("timed out".into());
    } else if e.is_connect() {
        parts.push("connection failed".into());
    } else if e.is_body() || e.is_decode() {
        parts.push("error reading the response body".into());
    } else {
        parts.push("request failed".into());
    }
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !t.is_empty() && !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}
