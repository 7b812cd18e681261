//! Validation of service endpoints given on the command line or in the
//! environment: production endpoints must be https; plain http is accepted
//! only for loopback addresses (tests, local mocks).

use url::{Host, Url};

/// Parse and check an endpoint URL. `what` names the setting in errors,
/// e.g. `--arm-endpoint`.
pub fn parse_endpoint(what: &str, raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("{what} '{raw}' is not a valid URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!(
                "{what} '{raw}' uses plain http; only https is allowed, except for loopback addresses (127.0.0.0/8, ::1, localhost)"
            ));
        }
        other => return Err(format!("{what} '{raw}' has scheme '{other}'; expected https")),
    }
    if url.host().is_none() {
        return Err(format!("{what} '{raw}' has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("{what} '{raw}' must not carry a query or fragment"));
    }
    Ok(url)
}

/// Whether the URL's host is a loopback address.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Join an absolute API path (starting with `/`) onto an endpoint that may
/// itself carry a path prefix.
pub fn join(base: &Url, path_and_query: &str) -> Result<Url, String> {
    let prefix = base.as_str().trim_end_matches('/');
    Url::parse(&format!("{prefix}{path_and_query}")).map_err(|e| format!("bad URL {prefix}{path_and_query}: {e}"))
}

/// `base` with an absolute path (and query) that must stay on it: a path
/// from data (`@evil.example/x`, `//evil.example/x`) that would change the
/// host is refused, so a token is never sent there.
pub fn on_base(base: &Url, path_and_query: &str) -> Result<Url, String> {
    let url = join(base, path_and_query)?;
    if !path_and_query.starts_with('/') || path_and_query.starts_with("//") || !same_origin(&url, base) {
        return Err(format!("'{path_and_query}' is not a path on {}", base.origin().ascii_serialization()));
    }
    Ok(url)
}

/// Whether two URLs share scheme, host and port.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_from_data_cannot_leave_the_endpoint() {
        let base = Url::parse("https://management.azure.com").unwrap();
        assert!(on_base(&base, "/subscriptions/s/resourceGroups/g?api-version=1").is_ok());
        for bad in ["@evil.example/x", "//evil.example/x", "evil.example/x", ":8443/x"] {
            assert!(on_base(&base, bad).is_err(), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn https_anywhere_http_only_on_loopback() {
        assert!(parse_endpoint("--arm-endpoint", "https://management.azure.com").is_ok());
        assert!(parse_endpoint("--arm-endpoint", "http://127.0.0.1:8080").is_ok());
        assert!(parse_endpoint("--arm-endpoint", "http://127.8.9.10:1").is_ok());
        assert!(parse_endpoint("--arm-endpoint", "http://[::1]:8080").is_ok());
        assert!(parse_endpoint("--arm-endpoint", "http://localhost:8080").is_ok());
        let e = parse_endpoint("--arm-endpoint", "http://10.0.0.1").unwrap_err();
        assert!(e.contains("--arm-endpoint") && e.contains("plain http"), "{e}");
        assert!(parse_endpoint("--arm-endpoint", "http://management.azure.com").is_err());
        assert!(parse_endpoint("--arm-endpoint", "ftp://127.0.0.1").is_err());
        assert!(parse_endpoint("--arm-endpoint", "not a url").is_err());
        assert!(parse_endpoint("--arm-endpoint", "https://x/?a=b").is_err());
    }

    #[test]
    fn join_keeps_a_path_prefix_and_origin_compares() {
        let base = Url::parse("http://127.0.0.1:9/arm/").unwrap();
        let u = join(&base, "/subscriptions/s?api-version=1").unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:9/arm/subscriptions/s?api-version=1");
        assert!(same_origin(&base, &u));
        assert!(!same_origin(&base, &Url::parse("http://127.0.0.1:10/").unwrap()));
        assert!(same_origin(
            &Url::parse("https://Management.Azure.com").unwrap(),
            &Url::parse("https://management.azure.com:443/x").unwrap()
        ));
    }
}
