//! The HTTP transport that azure_identity's credentials use. azure_core is
//! built without its own reqwest feature (default features off), so every
//! credential is given this adapter over azaudit's reqwest client; tests can
//! substitute any other `HttpClient`.

use azure_core::http::headers::{HeaderName, HeaderValue, Headers};
use azure_core::http::request::{Body, Request};
use azure_core::http::{AsyncRawResponse, ClientOptions, HttpClient, Method, Transport};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    pub fn new(client: reqwest::Client) -> Self {
        ReqwestTransport { client }
    }
}

/// Client options for a credential that send through `http`. Token
/// requests retry briefly (3 times, 10 s in all): a sign-in that keeps
/// failing is reported, not waited on for a minute.
pub fn client_options(http: Arc<dyn HttpClient>) -> ClientOptions {
    use azure_core::http::{ExponentialRetryOptions, RetryOptions};
    use azure_core::time::Duration;
    let retry = RetryOptions::exponential(ExponentialRetryOptions {
        initial_delay: Duration::milliseconds(500),
        max_retries: 3,
        max_total_elapsed: Duration::seconds(10),
        max_delay: Duration::seconds(4),
    });
    ClientOptions { transport: Some(Transport::new(http)), retry, ..Default::default() }
}

#[async_trait::async_trait]
impl HttpClient for ReqwestTransport {
    async fn execute_request(&self, request: &Request) -> azure_core::Result<AsyncRawResponse> {
        use azure_core::error::{Error, ErrorKind};
        let method = match request.method() {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
            Method::Head => reqwest::Method::HEAD,
            Method::Patch => reqwest::Method::PATCH,
            other => {
                return Err(Error::with_message(ErrorKind::Other, format!("unsupported HTTP method {other:?}")));
            }
        };
        let mut req = self.client.request(method, request.url().clone());
        for (name, value) in request.headers().iter() {
            req = req.header(name.as_str(), value.as_str());
        }
        let body = match request.body() {
            Body::Bytes(b) => b.clone(),
            #[allow(unreachable_patterns)]
            _ => {
                return Err(Error::with_message(ErrorKind::Other, "streamed request bodies are not supported"));
            }
        };
        let resp = req.body(body).send().await.map_err(|e| {
            let kind = if e.is_connect() { ErrorKind::Connection } else { ErrorKind::Io };
            Error::with_message(kind, crate::http::describe(&e))
        })?;
        let status = resp.status().as_u16();
        let mut headers = HashMap::new();
        for (k, v) in resp.headers() {
            if let Ok(v) = v.to_str() {
                headers.insert(HeaderName::from(k.as_str().to_owned()), HeaderValue::from(v.to_owned()));
            }
        }
        let bytes = resp.bytes().await.map_err(|e| Error::with_message(ErrorKind::Io, crate::http::describe(&e)))?;
        Ok(AsyncRawResponse::from_bytes(status.into(), Headers::from(headers), bytes))
    }
}
