use std::time::Duration;

use reqwest::StatusCode;

/// How the engine treats an agency's HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    Success,
    /// The agency decided against the request; asking again changes nothing.
    Rejection,
    /// Busy, down or failing: ask again later, after `retry_after` if the agency said so.
    Transient {
        retry_after: Option<Duration>,
    },
}

/// Classifies a status code. 408 and 429 are the agency asking to be called again later, so they
/// are transient even though they are 4xx.
pub fn classify(status: StatusCode, retry_after: Option<&str>) -> Classified {
    if status.is_success() {
        return Classified::Success;
    }
    let transient = status.is_server_error()
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS;
    if transient {
        let retry_after = retry_after
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Classified::Transient { retry_after }
    } else {
        Classified::Rejection
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fall_into_the_three_kinds() {
        assert_eq!(classify(StatusCode::CREATED, None), Classified::Success);
        assert_eq!(
            classify(StatusCode::UNPROCESSABLE_ENTITY, None),
            Classified::Rejection
        );
        assert_eq!(
            classify(StatusCode::BAD_REQUEST, None),
            Classified::Rejection
        );
        assert_eq!(
            classify(StatusCode::SERVICE_UNAVAILABLE, None),
            Classified::Transient { retry_after: None }
        );
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, Some("7")),
            Classified::Transient {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(
            classify(StatusCode::REQUEST_TIMEOUT, Some("soon")),
            Classified::Transient { retry_after: None }
        );
    }
}
