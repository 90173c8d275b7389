//! An agency system's health check (`GET /health`, unsigned), for an operator deciding whether
//! a retry can succeed now. Here, beside the calls, because only this crate talks to agencies.

use std::time::Duration;

/// How long a health check waits: an operator is waiting on the answer.
const HEALTH_TIMEOUT: Duration = Duration::from_secs(2);

/// Why an agency's health check failed, in words an operator reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HealthProblem {
    #[error("its health check answers {0}")]
    Status(u16),
    #[error("its health check timed out")]
    TimedOut,
    #[error("its health check cannot be reached")]
    Unreachable,
}

/// Whether the agency at `base_url` answers its health check.
pub async fn agency_health(base_url: &str) -> Result<(), HealthProblem> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .timeout(HEALTH_TIMEOUT)
        .build()
        .map_err(|_| HealthProblem::Unreachable)?;
    let url = format!("{}/health", base_url.trim_end_matches('/'));
    match client.get(url).send().await {
        Ok(response) if response.status().is_success() => Ok(()),
        Ok(response) => Err(HealthProblem::Status(response.status().as_u16())),
        Err(e) if e.is_timeout() => Err(HealthProblem::TimedOut),
        Err(_) => Err(HealthProblem::Unreachable),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_agency_that_does_not_listen_is_unreachable() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        drop(listener);
        assert_eq!(
            agency_health(&format!("http://127.0.0.1:{port}")).await,
            Err(HealthProblem::Unreachable)
        );
    }
}
