//! The errors an ARM (or Graph) request can end in. Each renders as one line
//! that names the ARM error code and the resource path it concerns.

use std::time::Duration;

#[derive(Debug, Clone, thiserror::Error)]
pub enum ArmError {
    /// ARM answered with an error status and (usually) an error body.
    #[error("{code} on {path}: {message}")]
    Api { status: u16, code: String, message: String, path: String, retry_after: Option<Duration> },
    /// The request never got an HTTP answer.
    #[error("could not reach {host} for {path}: {detail}")]
    Transport { host: String, path: String, detail: String },
    /// The answer could not be read or parsed.
    #[error("invalid response on {path}: {detail}")]
    InvalidBody { path: String, detail: String },
    /// A nextLink repeated: following it would never end.
    #[error("nextLink loop on {path}: page {page} links back to a page already read; the list is incomplete")]
    NextLinkLoop { path: String, page: usize },
    /// The service answered, but said its answer is not the whole result
    /// (Resource Graph's `resultTruncated`, or its subscription limit).
    #[error("{detail} on {path}; the list is incomplete")]
    Partial { path: String, detail: String },
    /// A nextLink pointed away from the configured endpoint.
    #[error("nextLink on {path} points to {target}, outside the configured endpoint; not following it with a token")]
    ForeignNextLink { path: String, target: String },
    /// Retries ran out.
    #[error("{last} (gave up after {attempts} attempts in {:.1} s)", elapsed.as_secs_f64())]
    GaveUp { last: Box<ArmError>, attempts: usize, elapsed: Duration },
    /// A token could not be obtained.
    #[error("could not get a token for {scope}: {detail}")]
    Token { scope: String, detail: String },
    /// The subscription is held (a throttling Retry-After) past what is left
    /// of this request's retry budget or of the run's deadline.
    #[error("{path} not sent: {why}")]
    OutOfTime { path: String, why: String },
}

impl ArmError {
    /// Whether the same request may succeed if sent again.
    pub fn is_retryable(&self) -> bool {
        match self {
            ArmError::Api { status, .. } => *status == 429 || *status == 408 || *status >= 500,
            ArmError::Transport { .. } | ArmError::InvalidBody { .. } => true,
            _ => false,
        }
    }

    /// The wait the server asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ArmError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The ARM error code, if the server gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ArmError::Api { code, .. } => Some(code),
            ArmError::GaveUp { last, .. } => last.code(),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ArmError::Api { status, .. } => Some(*status),
            ArmError::GaveUp { last, .. } => last.status(),
            _ => None,
        }
    }
}

/// Extract `(code, message)` from an ARM, Graph or IMDS error body, falling
/// back to the HTTP status and the first line of the body.
pub fn parse_error_body(body: &[u8], status: u16) -> (String, String) {
    #[derive(serde::Deserialize)]
    struct Envelope {
        error: serde_json::Value,
        #[serde(default)]
        error_description: Option<String>,
    }
    if let Ok(env) = serde_json::from_slice::<Envelope>(body) {
        match env.error {
            serde_json::Value::Object(o) => {
                let s = |k: &str| o.get(k).and_then(|v| v.as_str()).map(str::to_string);
                let code = s("code").unwrap_or_else(|| format!("HTTP{status}"));
                let message = s("message").unwrap_or_default();
                return (code, crate::text::one_line(&message));
            }
            serde_json::Value::String(code) => {
                return (code, crate::text::one_line(env.error_description.as_deref().unwrap_or("")));
            }
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(body);
    let snippet: String = crate::text::one_line(&text).chars().take(200).collect();
    (format!("HTTP{status}"), if snippet.is_empty() { "(no error body)".into() } else { snippet })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_of_every_shape() {
        let arm =
            br#"{"error":{"code":"AuthorizationFailed","message":"The client 'x' does not have\nauthorization"}}"#;
        assert_eq!(
            parse_error_body(arm, 403),
            ("AuthorizationFailed".into(), "The client 'x' does not have authorization".into())
        );
        let imds = br#"{"error":"invalid_request","error_description":"Required metadata header not specified"}"#;
        assert_eq!(parse_error_body(imds, 400).0, "invalid_request");
        let html = b"<html><body>Bad gateway</body></html>";
        assert_eq!(parse_error_body(html, 502), ("HTTP502".into(), "<html><body>Bad gateway</body></html>".into()));
        assert_eq!(parse_error_body(b"", 500).1, "(no error body)");
    }
}
