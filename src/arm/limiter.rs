//! The client-side rate limit: a governor token bucket keyed per
//! subscription (Graph gets its own key), plus a per-key "not before"
//! instant set by `Retry-After` and by the remaining-reads reserve.

use governor::clock::{Clock, DefaultClock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
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

/// Why [`KeyedLimiter::acquire`] let a request go unsent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The key is held (a throttling Retry-After) until this instant,
    /// past the request's own end.
    Held(Instant),
    /// The run's deadline came, or would come, before the request's turn
    /// and token.
    Deadline,
}

/// A keyed limiter over any governor clock (the fake clock in tests).
pub struct KeyedLimiter<C: Clock + Clone = DefaultClock> {
    limiter: Keyed<C>,
    clock: C,
    not_before: Mutex<HashMap<String, Instant>>,
    /// One queue per key: the requests waiting for a key's next token wait
    /// in turn (tokio's mutex is first come, first served), and only the
    /// first sleeps until the token is due. Without it every waiting
    /// request slept until the same instant, one took the token and the
    /// rest slept again: on the large benchmark's live run, 20,000 timer
    /// registrations, each a write(2) to wake the runtime, for 260 requests.
    queues: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
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
            queues: Mutex::new(HashMap::new()),
        }
    }

    /// Take one token for `key` if available; otherwise say how long until
    /// one is. (`acquire` lower-cases its key once, and calls `take`.)
    #[cfg(test)]
    pub fn try_take(&self, key: &str) -> Result<(), Duration> {
        self.take(&key.to_ascii_lowercase())
    }

    /// Take one token for `key`, already in lower case, if available;
    /// otherwise say how long until one is.
    fn take(&self, key: &String) -> Result<(), Duration> {
        self.limiter.check_key(key).map_err(|nu| nu.wait_time_from(self.clock.now()))
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
    #[cfg(test)]
    pub fn held_until(&self, key: &str) -> Option<Instant> {
        self.hold_of(&key.to_ascii_lowercase())
    }

    /// The instant before which no request for `key`, already in lower
    /// case, may be sent.
    fn hold_of(&self, key: &str) -> Option<Instant> {
        let map = self.not_before.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key).copied()
    }

    /// The hold on `key` that is still to come, if any.
    fn holding(&self, key: &str) -> Option<Instant> {
        self.hold_of(key).filter(|&t| t > Instant::now())
    }

    fn queue(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.queues.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some(q) => q.clone(),
            None => map.entry(key.to_string()).or_default().clone(),
        }
    }
}

impl<C: Clock + Clone> KeyedLimiter<C>
where
    C::Instant: Reference,
{
    /// Wait (in real time) until a request for `key` may be sent, but not
    /// past `until`: a hold (Retry-After) that lasts longer ends the wait at
    /// once with the instant it lasts to, so one long Retry-After never
    /// delays another request past its own budget. Waiting for the turn and
    /// the token ends at the run's `deadline`, and at once when the next
    /// token comes after it: nothing waits past the deadline.
    ///
    /// Requests for one key take its tokens in the order they asked, one
    /// waiting at a time; a hold is slept by each request on its own, out
    /// of the queue, so that a long one ends at once a request it outlasts.
    pub async fn acquire(&self, key: &str, until: Instant, deadline: Option<Instant>) -> Result<(), Refusal> {
        let key = key.to_ascii_lowercase();
        let queue = self.queue(&key);
        loop {
            if let Some(t) = self.holding(&key) {
                if t > until {
                    return Err(Refusal::Held(t));
                }
                tokio::time::sleep_until(t).await;
                continue;
            }
            let _turn = match deadline {
                Some(d) => tokio::time::timeout_at(d, queue.lock()).await.map_err(|_| Refusal::Deadline)?,
                None => queue.lock().await,
            };
            // A free turn is taken even past the deadline (the timeout
            // polls the lock first): nothing is sent then.
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Err(Refusal::Deadline);
            }
            // Its turn: wait for the token, unless a hold began meanwhile
            // (a throttled answer), which it leaves the queue to sleep.
            while self.holding(&key).is_none() {
                let wait = match self.take(&key) {
                    Ok(()) => return Ok(()),
                    Err(wait) => wait.max(Duration::from_millis(1)),
                };
                match (Instant::now().checked_add(wait), deadline) {
                    (Some(at), Some(d)) if at < d => tokio::time::sleep_until(at).await,
                    (_, Some(_)) => return Err(Refusal::Deadline),
                    (_, None) => tokio::time::sleep(wait).await,
                }
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

    /// Tokio's clock as the bucket's, so that a paused runtime moves both
    /// the sleeps and the refills.
    #[derive(Clone)]
    struct TokioClock;

    impl Clock for TokioClock {
        type Instant = std::time::Instant;
        fn now(&self) -> std::time::Instant {
            Instant::now().into_std()
        }
    }

    /// A limiter on tokio's clock with key "s"'s first token taken, the
    /// instant it was taken, and an end far beyond every wait.
    async fn drained(rps: f64) -> (KeyedLimiter<TokioClock>, Instant, Instant) {
        let l = KeyedLimiter::with_clock(quota(rps).unwrap(), TokioClock);
        let start = Instant::now();
        let far = start + Duration::from_secs(3600);
        l.acquire("s", far, None).await.unwrap();
        (l, start, far)
    }

    /// What a future gave, and when (from `start`) it gave it.
    async fn timed<F: std::future::Future>(start: Instant, f: F) -> (F::Output, Duration) {
        let r = f.await;
        (r, Instant::now() - start)
    }

    /// Counts how often the future it wraps is polled.
    struct Polls<'a, F> {
        inner: std::pin::Pin<Box<F>>,
        count: &'a std::cell::Cell<usize>,
    }

    impl<F: std::future::Future> std::future::Future for Polls<'_, F> {
        type Output = F::Output;
        fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<F::Output> {
            self.count.set(self.count.get() + 1);
            self.inner.as_mut().poll(cx)
        }
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_requests_take_tokens_in_turn_and_wake_once_each() {
        let l = KeyedLimiter::with_clock(quota(10.0).unwrap(), TokioClock);
        let polls = std::cell::Cell::new(0);
        let done = std::cell::RefCell::new(Vec::new());
        let start = Instant::now();
        let far = start + Duration::from_secs(3600);
        let (l, done) = (&l, &done);
        let waits = (0..40).map(|i| Polls {
            inner: Box::pin(async move {
                l.acquire(if i % 2 == 0 { "Sub" } else { "sub" }, far, None).await.unwrap();
                done.borrow_mut().push((i, Instant::now() - start));
            }),
            count: &polls,
        });
        // Forty, above join_all's threshold (30) for polling only the
        // futures that were woken: below it every pending future is polled
        // on any wake, and the count below would measure join_all.
        futures::future::join_all(waits).await;
        let done = done.take();
        // First come, first served: the burst of 10, then one every 100 ms.
        assert_eq!(done.iter().map(|d| d.0).collect::<Vec<_>>(), (0..40).collect::<Vec<_>>());
        assert_eq!(done[9].1, Duration::ZERO);
        assert_eq!(done[39].1, Duration::from_secs(3));
        // Each request is woken about once for its turn and once for its
        // token; when every waiting request slept until the next token,
        // the 40 were polled 505 times.
        assert!(polls.get() <= 3 * 40, "{} polls", polls.get());
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_is_slept_outside_the_queue() {
        let (l, start, far) = drained(10.0).await;
        l.hold("s", start + Duration::from_secs(60));
        // A request with a shorter budget ends at once, naming the hold,
        // even with another request waiting on it ahead.
        let (long, short) =
            tokio::join!(l.acquire("s", far, None), l.acquire("s", start + Duration::from_secs(10), None));
        assert_eq!(short, Err(Refusal::Held(start + Duration::from_secs(60))));
        assert_eq!(long, Ok(()));
        assert_eq!(Instant::now() - start, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_that_begins_during_a_turn_empties_the_queue() {
        let (l, start, far) = drained(1.0).await;
        // The first waits its turn for the token due at 1 s; the second
        // queues behind it. At 0.5 s a throttled answer holds the key for
        // a minute: the first sleeps it out, the second, whose budget ends
        // sooner, is refused when its turn comes, not after the hold.
        let short = start + Duration::from_secs(10);
        let (first, second, ()) =
            tokio::join!(timed(start, l.acquire("s", far, None)), timed(start, l.acquire("s", short, None)), async {
                tokio::time::sleep(Duration::from_millis(500)).await;
                l.hold("s", start + Duration::from_secs(60));
            },);
        assert_eq!(second, (Err(Refusal::Held(start + Duration::from_secs(60))), Duration::from_secs(1)));
        assert_eq!(first, (Ok(()), Duration::from_secs(60)));
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_ends_the_wait_for_a_turn_or_a_token() {
        // A token due exactly at the deadline is as late as one after it.
        let (late, start, far) = drained(1.0).await;
        assert_eq!(late.acquire("s", far, Some(start + Duration::from_secs(1))).await, Err(Refusal::Deadline));
        assert_eq!(Instant::now(), start);
        let l = KeyedLimiter::with_clock(quota(1.0).unwrap(), TokioClock);
        let deadline = Some(start + Duration::from_millis(2500));
        // One token now, then one a second: the third request's token comes
        // at 2 s, the fourth's at 3 s, after the deadline.
        let (a, b, c, d) = tokio::join!(
            l.acquire("s", far, deadline),
            l.acquire("s", far, deadline),
            l.acquire("s", far, deadline),
            timed(start, l.acquire("s", far, deadline)),
        );
        assert_eq!((a, b, c), (Ok(()), Ok(()), Ok(())));
        // Refused as soon as its token was known to come too late (at 2 s,
        // when its turn came), not at 3 s.
        assert_eq!(d, (Err(Refusal::Deadline), Duration::from_secs(2)));
        // Queued behind a request that holds its turn past the deadline.
        let (l, start, far) = drained(0.1).await;
        let deadline = Some(start + Duration::from_secs(5));
        let (first, second) = tokio::join!(l.acquire("s", far, None), timed(start, l.acquire("s", far, deadline)));
        assert_eq!(first, Ok(()));
        assert_eq!(second, (Err(Refusal::Deadline), Duration::from_secs(5)));
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
