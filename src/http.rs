//! Construction of the HTTP clients (reqwest over rustls with the ring
//! provider) and one-line descriptions of transport errors.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::error::Error as _;
use std::time::Duration;

pub const USER_AGENT: &str = concat!("azaudit/", env!("CARGO_PKG_VERSION"));

/// The client for ARM and Graph: honours `HTTPS_PROXY`, `HTTP_PROXY`,
/// `ALL_PROXY` and `NO_PROXY` (upper or lower case) for remote endpoints,
/// never sends a loopback endpoint (a test, a local mock) through a proxy,
/// decompresses gzip, follows no redirects (a redirect would carry the
/// bearer token elsewhere).
pub fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    let mut b = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(10).min(timeout))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .tls_backend_preconfigured(tls()?);
    for p in proxies_from_env()? {
        b = b.proxy(p);
    }
    b.build().map_err(|e| format!("could not set up the HTTP client: {}", describe(&e)))
}

/// The TLS settings every client shares, made once per run: the system's
/// roots (through the platform verifier, as reqwest would use them) and
/// `AZAUDIT_CA_FILE`'s; TLS 1.2 and 1.3; HTTP/2 or 1.1 by ALPN. Loading
/// the system's roots reads a few hundred files and costs about 19 million
/// instructions; each client loaded them again before (three clients and
/// a quarter of a second's worth of system calls on the large benchmark).
fn tls() -> Result<rustls::ClientConfig, String> {
    static TLS: std::sync::OnceLock<Result<rustls::ClientConfig, String>> = std::sync::OnceLock::new();
    TLS.get_or_init(make_tls).clone()
}

fn make_tls() -> Result<rustls::ClientConfig, String> {
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| std::sync::Arc::new(rustls::crypto::ring::default_provider()));
    let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(extra_roots()?, provider.clone())
        .map_err(|e| format!("could not load the trusted root certificates: {e}"))?;
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(rustls::ALL_VERSIONS)
        .map_err(|e| format!("could not set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(std::sync::Arc::new(verifier))
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tls)
}

/// Addresses no proxy is ever used for: loopback.
const LOOPBACK: &str = "127.0.0.0/8,::1,localhost";

fn env_var(names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| std::env::var(n).ok()).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// The proxies the environment asks for, each exempting loopback and
/// whatever `NO_PROXY` lists.
fn proxies_from_env() -> Result<Vec<reqwest::Proxy>, String> {
    let no_proxy = match env_var(&["NO_PROXY", "no_proxy"]) {
        Some(list) => format!("{LOOPBACK},{list}"),
        None => LOOPBACK.to_string(),
    };
    let exempt = || reqwest::NoProxy::from_string(&no_proxy);
    let bad = |var: &str, e: reqwest::Error| format!("{var} is not a proxy URL: {}", describe(&e));
    let mut out = Vec::new();
    if let Some(p) = env_var(&["HTTPS_PROXY", "https_proxy"]) {
        out.push(reqwest::Proxy::https(p.as_str()).map_err(|e| bad("HTTPS_PROXY", e))?.no_proxy(exempt()));
    }
    if let Some(p) = env_var(&["HTTP_PROXY", "http_proxy"]) {
        out.push(reqwest::Proxy::http(p.as_str()).map_err(|e| bad("HTTP_PROXY", e))?.no_proxy(exempt()));
    }
    if let Some(p) = env_var(&["ALL_PROXY", "all_proxy"]) {
        out.push(reqwest::Proxy::all(p.as_str()).map_err(|e| bad("ALL_PROXY", e))?.no_proxy(exempt()));
    }
    Ok(out)
}

/// The environment variable naming extra trusted root certificates (a PEM
/// bundle): a TLS-inspecting proxy's CA, a private cloud's, or a test's.
pub const CA_FILE_ENV: &str = "AZAUDIT_CA_FILE";

/// The certificates in `AZAUDIT_CA_FILE`, trusted in addition to the
/// system's roots.
fn extra_roots() -> Result<Vec<CertificateDer<'static>>, String> {
    let Some(path) = std::env::var_os(CA_FILE_ENV).filter(|p| !p.is_empty()) else { return Ok(Vec::new()) };
    let shown = std::path::Path::new(&path).display().to_string();
    let pem = std::fs::read(&path).map_err(|e| format!("{CA_FILE_ENV}: cannot read {shown}: {e}"))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{CA_FILE_ENV}: {shown} is not a PEM certificate bundle: {e}"))?;
    if certs.is_empty() {
        return Err(format!("{CA_FILE_ENV}: {shown} contains no certificate"));
    }
    Ok(certs)
}

/// The client for the instance metadata service and managed-identity
/// endpoints: never through a proxy, short timeouts.
pub fn local_client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .no_proxy()
        .tls_backend_preconfigured(tls()?)
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
