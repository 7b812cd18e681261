//! The client-side rate limit: a governor token bucket keyed per
//! subscription (Graph gets its own key), plus a per-key "not before"
//! instant set by `Retry-After` and by the remaining-reads reserve.

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The default ceiling on requests per second per subscription: 10, which
/// is 40% of ARM's read refill rate (25/s) and far below its 250-token burst,
/// leaving the rest to the cluster's own cloud controller.
pub const DEFAULT_MAX_RPS: f64 = 10.0;

/// Build a quota for `rps` requests per second with a burst of one second's
/// worth (at least one).
pub fn quota(rps: f64) -> Result<Quota, String> {
    if !(rps.is_finite() && rps > 0.0) {
        return Err(format!("--max-rps must be a positive number, got {rps}"));
    }
    if rps > 10_000.0 {
        return Err(format!("--max-rps {rps} is too large (at most 10000)"));
    }
    let period = Duration::from_secs_f64(1.0 / rps);
    let burst = NonZeroU32::new(rps.ceil().max(1.0) as u32).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .map(|q| q.allow_burst(burst))
        .ok_or_else(|| format!("--max-rps {rps} gives an empty period"))
}

type Keyed<C> = RateLimiter<String, DefaultKeyedStateStore<String>, C, NoOpMiddleware<<C as Clock>::Instant>>;

/// A keyed limiter over any governor clock (the fake clock in tests).
pub struct KeyedLimiter<C: Clock + Clone = DefaultClock> {
    limiter: Keyed<C>,
    clock: C,
    not_before: Mutex<HashMap<String, Instant>>,
}

impl KeyedLimiter<DefaultClock> {
    pub fn new(quota: Quota) -> Self {
        Self::with_clock(quota, DefaultClock::default())
    }
}

impl<C: Clock + Clone> KeyedLimiter<C> {
    pub fn with_clock(quota: Quota, clock: C) -> Self {
        KeyedLimiter {
            limiter: RateLimiter::new(quota, DefaultKeyedStateStore::default(), clock.clone()),
            clock,
            not_before: Mutex::new(HashMap::new()),
        }
    }

    /// Take one token for `key` if available; otherwise say how long until one is.
    pub fn try_take(&self, key: &str) -> Result<(), Duration> {
        let key = key.to_ascii_lowercase();
        self.limiter.check_key(&key).map_err(|nu| nu.wait_time_from(self.clock.now()))
    }

    /// Hold every request for `key` back until at least `until`.
    pub fn hold(&self, key: &str, until: Instant) {
        let mut map = self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        let e = map.entry(key.to_ascii_lowercase()).or_insert(until);
        if *e < until {
            *e = until;
        }
    }

    /// The instant before which no request for `key` may be sent.
    pub fn held_until(&self, key: &str) -> Option<Instant> {
        let map = self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&key.to_ascii_lowercase()).copied()
    }
}

impl<C: Clock + Clone> KeyedLimiter<C>
where
    C::Instant: Reference,
{
    /// Wait (in real time) until a request for `key` may be sent, but not
    /// past `until`: a hold (Retry-After) that lasts longer ends the wait at
    /// once with the instant it lasts to, so one long Retry-After never
    /// delays another request past its own budget.
    pub async fn acquire(&self, key: &str, until: Instant) -> Result<(), Instant> {
        loop {
            if let Some(t) = self.held_until(key)
                && t > Instant::now()
            {
                if t > until {
                    return Err(t);
                }
                tokio::time::sleep_until(t).await;
                continue;
            }
            match self.try_take(key) {
                Ok(()) => return Ok(()),
                Err(wait) => tokio::time::sleep(wait.max(Duration::from_millis(1))).await,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    #[test]
    fn burst_then_steady_rate_per_key() {
        let clock = FakeRelativeClock::default();
        let l = KeyedLimiter::with_clock(quota(10.0).unwrap(), clock.clone());
        for _ in 0..10 {
            assert!(l.try_take("sub-a").is_ok());
        }
        let wait = l.try_take("sub-a").unwrap_err();
        assert_eq!(wait, Duration::from_millis(100));
        // Another subscription has its own bucket.
        assert!(l.try_take("sub-b").is_ok());
        // Keys ignore case, like subscription IDs.
        assert!(l.try_take("SUB-A").is_err());
        clock.advance(Duration::from_millis(100));
        assert!(l.try_take("sub-a").is_ok());
        assert!(l.try_take("sub-a").is_err());
    }

    #[test]
    fn fractional_rates_allow_one_at_a_time() {
        let clock = FakeRelativeClock::default();
        let l = KeyedLimiter::with_clock(quota(0.5).unwrap(), clock.clone());
        assert!(l.try_take("s").is_ok());
        assert_eq!(l.try_take("s").unwrap_err(), Duration::from_secs(2));
        clock.advance(Duration::from_secs(2));
        assert!(l.try_take("s").is_ok());
    }

    #[test]
    fn quota_rejects_nonsense() {
        assert!(quota(0.0).is_err());
        assert!(quota(-1.0).is_err());
        assert!(quota(f64::NAN).is_err());
        assert!(quota(1e9).is_err());
    }

    #[tokio::test]
    async fn hold_only_moves_forward() {
        let l = KeyedLimiter::new(quota(100.0).unwrap());
        let t = Instant::now() + Duration::from_secs(5);
        l.hold("s", t);
        l.hold("S", t - Duration::from_secs(3));
        assert_eq!(l.held_until("s"), Some(t));
        assert_eq!(l.held_until("other"), None);
    }
}
