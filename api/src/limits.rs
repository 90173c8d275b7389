//! The public surface's limits: how big a request may be, how often one caller may submit, and
//! the headers every answer carries.

use std::{num::NonZeroU32, time::Duration};

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

/// Submissions per caller (token subject), so one account cannot flood the engine with cases.
#[derive(Debug)]
pub struct SubmissionLimiter {
    limiter: Option<DefaultKeyedRateLimiter<String>>,
}

impl SubmissionLimiter {
    /// At most `per_minute` submissions per caller, in bursts of up to a tenth of that (at least
    /// 5); `None` sets no limit (benchmarks).
    pub fn new(per_minute: Option<u32>) -> Self {
        let limiter = per_minute.and_then(NonZeroU32::new).map(|rate| {
            let burst = NonZeroU32::new((rate.get() / 10).max(5)).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        Self { limiter }
    }

    pub fn check(&self, caller: &str) -> Result<(), ApiError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        match limiter.check_key(&caller.to_owned()) {
            Ok(()) => Ok(()),
            Err(not_until) => {
                let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
                let seconds = wait.max(Duration::from_secs(1)).as_secs();
                Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RATE_LIMITED",
                    format!("too many applications from this account; try again in {seconds} s"),
                ))
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
    fn a_caller_over_the_rate_is_refused_and_others_are_not() {
        let limiter = SubmissionLimiter::new(Some(60));
        for _ in 0..6 {
            assert!(limiter.check("a").is_ok());
        }
        let refused = limiter.check("a").map(|_| ()).unwrap_err();
        assert_eq!(refused.code, "RATE_LIMITED");
        assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(limiter.check("b").is_ok());
        let unlimited = SubmissionLimiter::new(None);
        for _ in 0..1000 {
            assert!(unlimited.check("a").is_ok());
        }
    }
}
