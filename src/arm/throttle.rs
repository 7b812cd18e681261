//! Reading ARM's throttling signals: `Retry-After` (seconds or an HTTP date),
//! `x-ms-retry-after-ms`, the remaining-budget headers
//! (`x-ms-ratelimit-remaining-subscription-reads` and the provider-specific
//! `-resource-requests` / `-resource-entities-read` variants), and Azure
//! Resource Graph's per-user quota (`x-ms-user-quota-remaining`,
//! `x-ms-user-quota-resets-after` as `hh:mm:ss`; 15 queries per 5 s window
//! by default, learn.microsoft.com/azure/governance/resource-graph/concepts/guidance-for-throttled-requests).

use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

/// The headers that report how many reads the subscription has left.
pub const REMAINING_READ_HEADERS: [&str; 3] = [
    "x-ms-ratelimit-remaining-subscription-reads",
    "x-ms-ratelimit-remaining-subscription-resource-requests",
    "x-ms-ratelimit-remaining-subscription-resource-entities-read",
];

/// ARM's documented read-bucket refill rate, used to estimate how long the
/// budget needs to recover.
pub const ARM_READ_REFILL_PER_SEC: f64 = 25.0;

/// Longest single pause for a low remaining-reads budget.
pub const MAX_RESERVE_PAUSE: Duration = Duration::from_secs(10);

/// The longest wait a server may ask for: anything longer saturates here
/// (a Retry-After of `1e300` or `18446744073709551615` means "a long
/// time", not a panic). Every budget and deadline is shorter anyway.
pub const MAX_SERVER_WAIT: Duration = Duration::from_secs(86_400);

/// The wait a response asks for: `x-ms-retry-after-ms` wins (finer), then
/// `Retry-After` as delta-seconds or as an HTTP date relative to `now`.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = get("x-ms-retry-after-ms").and_then(|v| v.parse::<u64>().ok()) {
        return Some(Duration::from_millis(ms).min(MAX_SERVER_WAIT));
    }
    if let Some(d) = get("retry-after").and_then(|v| parse_retry_after(v, now)) {
        return Some(d);
    }
    // Resource Graph documents no Retry-After on its 429: its quota's reset
    // is the wait.
    get("x-ms-user-quota-resets-after").and_then(parse_hms)
}

/// Resource Graph's quota: the queries left in this window and when the
/// window resets. `None` without both headers.
pub fn user_quota(headers: &HeaderMap) -> Option<(u64, Duration)> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let remaining = get("x-ms-user-quota-remaining")?.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)?;
    let resets = parse_hms(get("x-ms-user-quota-resets-after")?)?;
    Some((remaining as u64, resets))
}

/// `hh:mm:ss` (seconds may have a fraction), saturating at a day; `None`
/// for anything else.
pub fn parse_hms(value: &str) -> Option<Duration> {
    let mut parts = value.trim().split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let whole = |p: &str| p.parse::<u64>().ok().filter(|_| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let (h, m) = (whole(h)?, whole(m)?);
    let s = s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0 && !s.starts_with(['+', '-']))?;
    let secs = (h as f64) * 3600.0 + (m as f64) * 60.0 + s;
    Some(Duration::try_from_secs_f64(secs).unwrap_or(MAX_SERVER_WAIT).min(MAX_SERVER_WAIT))
}

/// Parse a `Retry-After` value: delta-seconds (integer, or tolerantly a
/// decimal) or an HTTP date. A date in the past means "now"; every value
/// saturates at [`MAX_SERVER_WAIT`]; negative or garbled ones are `None`
/// (the caller falls back to its own backoff).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs).min(MAX_SERVER_WAIT));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs.min(MAX_SERVER_WAIT.as_secs_f64())));
        }
        if secs == f64::INFINITY {
            return Some(MAX_SERVER_WAIT);
        }
        return None;
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO).min(MAX_SERVER_WAIT))
}

/// The smallest remaining-reads figure among the budget headers.
pub fn remaining_reads(headers: &HeaderMap) -> Option<u64> {
    REMAINING_READ_HEADERS
        .iter()
        .filter_map(|h| headers.get(*h)?.to_str().ok()?.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| v as u64)
        .min()
}

/// How long to hold back a subscription whose remaining reads fell below the
/// reserve floor, so the audit never drains what the cluster's own cloud
/// controller needs: the time ARM takes to refill the shortfall, at least one
/// second and at most [`MAX_RESERVE_PAUSE`].
pub fn reserve_pause(remaining: u64, reserve: u64) -> Option<Duration> {
    if remaining >= reserve {
        return None;
    }
    let secs = ((reserve - remaining) as f64 / ARM_READ_REFILL_PER_SEC).max(1.0);
    Some(Duration::from_secs_f64(secs).min(MAX_RESERVE_PAUSE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn retry_after_seconds_date_and_ms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 17 ", now), Some(Duration::from_secs(17)));
        let date = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(5)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
        let h = headers(&[("retry-after", "2"), ("x-ms-retry-after-ms", "2500")]);
        assert_eq!(retry_after(&h, now), Some(Duration::from_millis(2500)));
        assert_eq!(retry_after(&headers(&[("Retry-After", "3")]), now), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn huge_or_hostile_values_saturate_and_never_panic() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        for v in ["1e300", "18446744073709551615", "99999999999999999999999", "inf", "1e308"] {
            assert_eq!(parse_retry_after(v, now), Some(MAX_SERVER_WAIT), "{v}");
        }
        for v in ["-1", "-1e300", "NaN", "nan", "", "Fri, 31 Dec 9999 23:59:59 GMT x"] {
            assert_eq!(parse_retry_after(v, now), None, "{v}");
        }
        let far = parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now);
        assert_eq!(far, Some(MAX_SERVER_WAIT));
        let h = headers(&[("x-ms-retry-after-ms", "18446744073709551615")]);
        assert_eq!(retry_after(&h, now), Some(MAX_SERVER_WAIT));
        // Any string at all: no panic, and never more than the cap.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..5000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let s: String =
                (0..len).map(|i| b"0123456789.e+-inf GMTFri,:"[((seed >> (i % 60)) as usize) % 26] as char).collect();
            if let Some(d) = parse_retry_after(&s, now) {
                assert!(d <= MAX_SERVER_WAIT, "{s}");
            }
        }
    }

    /// As a real Resource Graph response sends them (azure-cli-extensions'
    /// `test_skip_token_query.yaml` recording: `14` and `00:00:05`).
    #[test]
    fn resource_graph_quota_headers() {
        let h = headers(&[("x-ms-user-quota-remaining", "14"), ("x-ms-user-quota-resets-after", "00:00:05")]);
        assert_eq!(user_quota(&h), Some((14, Duration::from_secs(5))));
        assert_eq!(parse_hms("01:02:03.5"), Some(Duration::from_secs_f64(3723.5)));
        for bad in ["5", "00:05", "aa:00:01", "00:00:-1", "00:00:01:00", "", "00:+1:00"] {
            assert_eq!(parse_hms(bad), None, "{bad}");
        }
        assert_eq!(parse_hms("99999999999:00:00"), Some(MAX_SERVER_WAIT));
        // A 429 without Retry-After waits for the quota's reset.
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(retry_after(&h, now), Some(Duration::from_secs(5)));
        let both = headers(&[("retry-after", "2"), ("x-ms-user-quota-resets-after", "00:00:05")]);
        assert_eq!(retry_after(&both, now), Some(Duration::from_secs(2)));
        assert_eq!(user_quota(&headers(&[("x-ms-user-quota-remaining", "3")])), None);
    }

    #[test]
    fn remaining_reads_takes_the_smallest_budget() {
        let h = headers(&[
            ("x-ms-ratelimit-remaining-subscription-reads", "11999"),
            ("x-ms-ratelimit-remaining-subscription-resource-requests", "240"),
        ]);
        assert_eq!(remaining_reads(&h), Some(240));
        assert_eq!(remaining_reads(&headers(&[("x-ms-ratelimit-remaining-subscription-reads", "x")])), None);
    }

    #[test]
    fn reserve_pause_scales_with_the_shortfall() {
        assert_eq!(reserve_pause(150, 100), None);
        assert_eq!(reserve_pause(100, 100), None);
        assert_eq!(reserve_pause(99, 100), Some(Duration::from_secs(1)));
        assert_eq!(reserve_pause(0, 100), Some(Duration::from_secs(4)));
        assert_eq!(reserve_pause(0, 10_000), Some(MAX_RESERVE_PAUSE));
    }
}
