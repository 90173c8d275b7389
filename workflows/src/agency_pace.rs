//! Each agency's pace: calls to an agency whose catalogue entry declares `max_per_second` go to
//! that agency's own task queue, which the Temporal server dispatches at the declared rate for
//! all the workers polling it together. First attempts, retries, calls after a hold is released,
//! a retry an operator asks for, undos and reconciliations all go there, so none of them can
//! overrun the agency after an outage.

use lienthong_definitions::catalogue::AgencyAccess;
use temporalio_workflow::ActivityOptions;

/// The patch under which a case sends a paced agency's calls to that agency's queue. Only a
/// case that calls a paced agency asks for it, so every history recorded before pacing (and
/// every case of an unpaced agency) replays unchanged.
pub(crate) const AGENCY_PACE: &str = "agency-pace";

/// What an agency's task queue is called: `lienthong-agency-<agency>`.
pub const AGENCY_QUEUE_PREFIX: &str = "lienthong-agency-";

/// The task queue of `agency`'s paced calls.
pub fn agency_task_queue(agency: &str) -> String {
    format!("{AGENCY_QUEUE_PREFIX}{agency}")
}

/// The queue a call to `agency` goes to when the case carries a pace for it, and the rate that
/// queue is polled at; `None` keeps the call on the case's own queue.
pub(crate) fn paced_queue(access: Option<&AgencyAccess>, agency: &str) -> Option<(String, f64)> {
    let rate = access?
        .max_per_second
        .filter(|r| r.is_finite() && *r > 0.0)?;
    Some((agency_task_queue(agency), rate))
}

/// `options` sent to `queue`. Eager dispatch only ever hands a worker activities of the queue
/// its workflow runs on; it is refused here all the same, so no paced call can skip the
/// server's rate limit.
pub(crate) fn on_queue(mut options: ActivityOptions, queue: String) -> ActivityOptions {
    options.task_queue = Some(queue);
    options.do_not_eagerly_execute = true;
    options
}

#[cfg(test)]
mod tests {
    use lienthong_definitions::catalogue::Auth;

    use super::*;

    fn access(max_per_second: Option<f64>) -> AgencyAccess {
        AgencyAccess {
            base_url: "http://127.0.0.1:9".into(),
            auth: Auth::None,
            max_per_second,
        }
    }

    #[test]
    fn only_an_agency_that_declares_a_pace_gets_a_queue_of_its_own() {
        assert_eq!(
            paced_queue(Some(&access(Some(5.0))), "social-insurance"),
            Some(("lienthong-agency-social-insurance".to_owned(), 5.0))
        );
        assert_eq!(paced_queue(Some(&access(None)), "social-insurance"), None);
        assert_eq!(
            paced_queue(None, "social-insurance"),
            None,
            "cases filed before agencies' access travelled with them stay on the case queue"
        );
        assert_eq!(paced_queue(Some(&access(Some(0.0))), "residence"), None);
    }

    #[test]
    fn a_paced_call_is_never_run_eagerly() {
        let options = on_queue(
            ActivityOptions::with_start_to_close_timeout(std::time::Duration::from_secs(5)).build(),
            agency_task_queue("residence"),
        );
        assert_eq!(
            options.task_queue.as_deref(),
            Some("lienthong-agency-residence")
        );
        assert!(options.do_not_eagerly_execute);
    }
}
