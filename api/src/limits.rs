//! The public surface's limits: how big a request may be, how often one caller may submit, and
//! the headers every answer carries.

use std::num::NonZeroU32;

use axum::{
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter, clock::Clock};

use crate::ApiError;

/// The largest request body the API reads: an application or a definition is a few KiB.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// How many requests of each limited kind one key may make per minute, per API replica (0: no
/// limit). Each is a burst of up to a tenth of its rate (at least 5) refilled evenly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RatesPerMinute {
    /// Applications per filing account.
    pub submissions: u32,
    /// Signed callbacks per agency.
    pub callbacks: u32,
    /// Dry runs per account.
    pub dry_runs: u32,
    /// Definition validations per account.
    pub validations: u32,
    /// Console sign-in attempts per client address.
    pub sign_ins: u32,
}

impl Default for RatesPerMinute {
    fn default() -> Self {
        Self {
            submissions: 60,
            callbacks: 600,
            dry_runs: 30,
            validations: 120,
            sign_ins: 20,
        }
    }
}

impl RatesPerMinute {
    /// No limits at all (benchmarks, whose load comes from one account on purpose).
    pub const NONE: Self = Self {
        submissions: 0,
        callbacks: 0,
        dry_runs: 0,
        validations: 0,
        sign_ins: 0,
    };
}

/// How many keys a limit remembers before it forgets those back at their full allowance.
const PRUNE_ABOVE: usize = 10_000;

/// One limit per kind of request, each keyed by who is asking.
#[derive(Debug)]
pub struct RateLimits {
    pub(crate) submissions: RateLimit,
    pub(crate) callbacks: RateLimit,
    pub(crate) dry_runs: RateLimit,
    pub(crate) validations: RateLimit,
    pub(crate) sign_ins: RateLimit,
}

impl RateLimits {
    pub fn new(rates: RatesPerMinute) -> Self {
        Self {
            submissions: RateLimit::new(rates.submissions, "applications from this account"),
            callbacks: RateLimit::new(rates.callbacks, "callbacks from this agency"),
            dry_runs: RateLimit::new(rates.dry_runs, "dry runs from this account"),
            validations: RateLimit::new(rates.validations, "validations from this account"),
            sign_ins: RateLimit::new(rates.sign_ins, "sign-in attempts from this address"),
        }
    }
}

/// A per-key limit. Kept in the replica's memory: a limit is a brake on floods, not a count that
/// must be exact, so N replicas behind a load balancer allow up to N times the rate.
#[derive(Debug)]
pub(crate) struct RateLimit {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    /// What is counted, for the refusal: "too many {what}".
    what: &'static str,
}

impl RateLimit {
    fn new(per_minute: u32, what: &'static str) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new((rate.get() / 10).max(5)).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        Self { limiter, what }
    }

    /// `429 RATE_LIMITED` with `Retry-After` once `key` is over the rate.
    pub(crate) fn check(&self, key: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        // Keys no longer limited are forgotten now and then, so callers that come once (sign-ins
        // are keyed by address) cannot grow this without bound.
        if limiter.len() > PRUNE_ABOVE {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        match limiter.check_key(&key.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
                // Rounded up: a client that waits exactly this long is let in.
                let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                let seconds = seconds.max(1);
                let mut error = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RATE_LIMITED",
                    format!("too many {}; try again in {seconds} s", self.what),
                );
                error.retry_after = Some(seconds);
                Err(error)
            }
        }
    }
}

/// Headers on every answer: nothing is sniffed, framed or cached (answers carry personal data).
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_key_over_the_rate_is_refused_with_when_to_retry_and_others_are_not() {
        let limit = RateLimit::new(60, "applications from this account");
        for _ in 0..6 {
            assert!(limit.check("a").is_ok());
        }
        let refused = limit.check("a").unwrap_err();
        assert_eq!(refused.code, "RATE_LIMITED");
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            refused.retry_after,
            Some(1),
            "one more each second at 60/min"
        );
        assert!(refused.message.contains("applications from this account"));
        assert!(limit.check("b").is_ok());
    }

    #[test]
    fn zero_sets_no_limit_and_every_kind_has_its_own_count() {
        let unlimited = RateLimit::new(0, "x");
        for _ in 0..1000 {
            assert!(unlimited.check("a").is_ok());
        }
        let limits = RateLimits::new(RatesPerMinute {
            sign_ins: 5,
            ..RatesPerMinute::default()
        });
        for _ in 0..5 {
            assert!(limits.sign_ins.check("127.0.0.1").is_ok());
        }
        assert!(limits.sign_ins.check("127.0.0.1").is_err());
        assert!(limits.dry_runs.check("127.0.0.1").is_ok());
        let slow = limits.sign_ins.check("127.0.0.1").unwrap_err();
        assert_eq!(slow.retry_after, Some(12), "one more each 12 s at 5/min");
    }
}
