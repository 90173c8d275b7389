//! Injected faults, so the engine's retries, timeouts and compensations can be exercised
//! against a simulator that misbehaves on demand. Kept in memory: a restart clears them.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api_error::ApiError;
use crate::decisions::{self, Decision};
use crate::documents::{self, RequiredDocument};

/// Matches every operation of the simulator.
pub(crate) const ANY_OPERATION: &str = "*";

/// The longest an injected delay may last: longer than any engine timeout worth testing.
const MAX_DELAY_MS: u64 = 600_000;

/// An officer may take days, but a simulated one answers within a day.
const MAX_DECISION_DELAY_MS: u64 = 86_400_000;

/// One queued fault, as posted to and listed by `/admin/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Fault {
    pub operation: String,
    #[serde(flatten)]
    pub mode: FaultMode,
    /// Requests left to affect; absent means every request until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    /// Chance, 0.0 to 1.0, that a matching request is affected; absent means always. Lets a
    /// load test say "10% transient errors" without scripting which requests fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub(crate) enum FaultMode {
    /// Answer this status with `UNAVAILABLE` before doing anything.
    Error { status: u16 },
    /// Refuse with 422 and this code, nothing done.
    Reject {
        reason_code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Wait, then act normally. With `after_act` the act is done and recorded first and the
    /// answer is delayed, which is how a timeout after the agency already acted looks.
    Latency {
        latency_ms: u64,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        after_act: bool,
    },
    /// `latency` with `after_act` under the name engines know it by: the act is done and
    /// committed, then the answer is held back long enough for the caller to give up.
    Ambiguous {
        #[serde(default = "default_hold_ms")]
        hold_ms: u64,
    },
    /// Every call to the simulator but its own `/admin` has its connection cut for a while. Never queued: it starts as soon
    /// as it is posted, see `outage.rs`.
    Outage { duration_ms: u64 },
    /// Ask for more documents (200, `"outcome": "documents_required"`) instead of acting.
    DocumentsRequired {
        documents: Vec<RequiredDocument>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
    /// Accept the dossier (202, pending) and let an officer decide after `delay_ms`, the
    /// decision reaching the engine by callback; see `decisions.rs`.
    DecideLater {
        #[serde(default = "default_decision_delay_ms")]
        delay_ms: u64,
        /// The officer waits for `POST /admin/decisions/release` before the delay starts, so a
        /// load test can hold any number of cases open and then decide them all.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        hold: bool,
        /// Hold the 202 back this long after the act is recorded, so a quick officer's
        /// callback can reach the engine before the engine has read the 202 (as a fast back
        /// office's does).
        #[serde(default, skip_serializing_if = "is_zero")]
        answer_after_ms: u64,
        decision: Decision,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason_code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

/// Longer than any sensible engine timeout, so the caller always gives up first.
fn default_hold_ms() -> u64 {
    60_000
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

fn default_decision_delay_ms() -> u64 {
    500
}

/// What a matching fault does to one request.
#[derive(Debug)]
pub(crate) enum Effect {
    Fail(ApiError),
    /// Answer this instead of acting; nothing is done or recorded.
    Answer(StatusCode, Value),
    DelayBefore(Duration),
    DelayAfter(Duration),
    DecideLater(decisions::Plan),
}

impl Fault {
    /// Checks a posted fault against the simulator's operations.
    pub fn validate(&self, operations: &[&str]) -> Result<(), ApiError> {
        if self.operation != ANY_OPERATION && !operations.contains(&self.operation.as_str()) {
            return Err(ApiError::invalid(format!(
                "operation must be one of {} or \"*\"",
                operations.join(", ")
            )));
        }
        if self.count == Some(0) {
            return Err(ApiError::invalid("count must be at least 1 when given"));
        }
        if self.probability.is_some_and(|p| !(0.0..=1.0).contains(&p)) {
            return Err(ApiError::invalid("probability must be between 0.0 and 1.0"));
        }
        match &self.mode {
            FaultMode::Error { status } if !(400..=599).contains(status) => Err(ApiError::invalid(
                "status must be an HTTP error status between 400 and 599",
            )),
            FaultMode::Reject { reason_code, .. } if !is_upper_snake(reason_code) => {
                Err(ApiError::invalid("reason_code must be UPPER_SNAKE_CASE"))
            }
            FaultMode::Latency { latency_ms, .. } if *latency_ms > MAX_DELAY_MS => {
                Err(ApiError::invalid("latency_ms must be at most 600000"))
            }
            FaultMode::Ambiguous { hold_ms } if *hold_ms > MAX_DELAY_MS => {
                Err(ApiError::invalid("hold_ms must be at most 600000"))
            }
            FaultMode::Outage { duration_ms } => {
                // An outage is one event for the whole simulator, not a per-request effect.
                if self.operation != ANY_OPERATION {
                    return Err(ApiError::invalid(
                        "an outage affects the whole simulator: operation must be \"*\"",
                    ));
                }
                if self.count.is_some() || self.probability.is_some() {
                    return Err(ApiError::invalid(
                        "an outage takes neither count nor probability",
                    ));
                }
                if !(1..=MAX_DELAY_MS).contains(duration_ms) {
                    return Err(ApiError::invalid(
                        "duration_ms must be between 1 and 600000",
                    ));
                }
                Ok(())
            }
            FaultMode::DocumentsRequired { documents, .. } => documents::validate(documents),
            FaultMode::DecideLater {
                delay_ms,
                answer_after_ms,
                decision,
                reason_code,
                ..
            } => {
                if *delay_ms > MAX_DECISION_DELAY_MS {
                    return Err(ApiError::invalid("delay_ms must be at most 86400000"));
                }
                if *answer_after_ms > MAX_DELAY_MS {
                    return Err(ApiError::invalid("answer_after_ms must be at most 600000"));
                }
                match (decision, reason_code) {
                    (Decision::Reject, Some(code)) if is_upper_snake(code) => Ok(()),
                    (Decision::Reject, _) => Err(ApiError::invalid(
                        "a reject decision needs a reason_code in UPPER_SNAKE_CASE",
                    )),
                    (Decision::Approve, Some(_)) => Err(ApiError::invalid(
                        "reason_code is only for a reject decision",
                    )),
                    (Decision::Approve, None) => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    /// Whether this fault needs the engine's callback URL to be useful.
    pub fn needs_callback(&self) -> bool {
        matches!(self.mode, FaultMode::DecideLater { .. })
    }

    /// Outages are not per-request effects, so no request ever matches them.
    fn matches(&self, operation: &str) -> bool {
        !matches!(self.mode, FaultMode::Outage { .. })
            && (self.operation == operation || self.operation == ANY_OPERATION)
    }

    fn effect(&self) -> Option<Effect> {
        Some(match &self.mode {
            FaultMode::Error { status } => Effect::Fail(ApiError::new(
                StatusCode::from_u16(*status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE),
                "UNAVAILABLE",
                "the agency system is temporarily unavailable (injected fault)",
            )),
            FaultMode::Reject {
                reason_code,
                message,
            } => Effect::Fail(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                reason_code.clone(),
                message
                    .clone()
                    .unwrap_or_else(|| "the agency refused the request (injected fault)".into()),
            )),
            FaultMode::Latency {
                latency_ms,
                after_act,
            } => {
                let delay = Duration::from_millis(*latency_ms);
                if *after_act {
                    Effect::DelayAfter(delay)
                } else {
                    Effect::DelayBefore(delay)
                }
            }
            FaultMode::Ambiguous { hold_ms } => Effect::DelayAfter(Duration::from_millis(*hold_ms)),
            FaultMode::Outage { .. } => return None,
            FaultMode::DocumentsRequired { documents, message } => Effect::Answer(
                StatusCode::OK,
                documents::request_body(documents, message.as_deref()),
            ),
            FaultMode::DecideLater {
                delay_ms,
                hold,
                answer_after_ms,
                decision,
                reason_code,
                message,
            } => Effect::DecideLater(decisions::Plan {
                delay: Duration::from_millis(*delay_ms),
                hold: *hold,
                answer_after: (*answer_after_ms > 0)
                    .then(|| Duration::from_millis(*answer_after_ms)),
                decision: *decision,
                reason_code: reason_code.clone(),
                message: message.clone(),
            }),
        })
    }
}

fn is_upper_snake(code: &str) -> bool {
    !code.is_empty()
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    faults: Mutex<Vec<Fault>>,
}

impl FaultQueue {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        // The queue is a plain list that every operation leaves consistent.
        self.faults.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn push(&self, fault: Fault) {
        self.lock().push(fault);
    }

    pub fn list(&self) -> Vec<Fault> {
        self.lock().clone()
    }

    pub fn clear(&self) -> usize {
        std::mem::take(&mut *self.lock()).len()
    }

    /// Takes one use of the fault that applies to this request, if any; used-up faults leave
    /// the queue.
    pub fn take(&self, operation: &str) -> Option<Effect> {
        self.take_with_roll(operation, rand::rng().random::<f64>())
    }

    /// `roll` is uniform in [0, 1). Matching faults share it: in queue order each takes a slice
    /// of [0, 1) as wide as its probability, so "10% errors" and "3% ambiguous answers" on the
    /// same operation are exactly that, and with the default probability of 1.0 the first
    /// matching fault always applies, as before probabilities existed. Slices past 1.0 are
    /// never reached. A fault that does not apply keeps its count.
    fn take_with_roll(&self, operation: &str, roll: f64) -> Option<Effect> {
        let mut faults = self.lock();
        let mut floor = 0.0;
        let index = faults.iter().position(|fault| {
            if !fault.matches(operation) {
                return false;
            }
            let ceiling = floor + fault.probability.unwrap_or(1.0);
            // Earlier slices missed, so `roll >= floor` already holds.
            let applies = roll < ceiling;
            floor = ceiling;
            applies
        })?;
        let effect = faults[index].effect();
        if let Some(count) = &mut faults[index].count {
            *count = count.saturating_sub(1);
            if *count == 0 {
                faults.remove(index);
            }
        }
        effect
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fault(value: serde_json::Value) -> Fault {
        serde_json::from_value(value).expect("valid fault")
    }

    #[test]
    fn counted_faults_are_used_up_in_order() {
        let queue = FaultQueue::default();
        queue.push(fault(
            json!({"operation": "op", "mode": "error", "status": 503, "count": 1}),
        ));
        queue.push(fault(
            json!({"operation": "op", "mode": "reject", "reason_code": "X", "count": 1}),
        ));
        assert!(queue.take("other").is_none());
        assert!(matches!(queue.take("op"), Some(Effect::Fail(e)) if e.status.as_u16() == 503));
        assert!(matches!(queue.take("op"), Some(Effect::Fail(e)) if e.code == "X"));
        assert!(queue.take("op").is_none());
        assert!(queue.list().is_empty());
    }

    #[test]
    fn uncounted_faults_stay_until_cleared() {
        let queue = FaultQueue::default();
        queue.push(fault(
            json!({"operation": "*", "mode": "latency", "latency_ms": 5}),
        ));
        for _ in 0..3 {
            assert!(matches!(queue.take("op"), Some(Effect::DelayBefore(_))));
        }
        assert_eq!(queue.clear(), 1);
        assert!(queue.take("op").is_none());
    }

    #[test]
    fn probabilities_share_one_roll_in_queue_order() {
        let queue = FaultQueue::default();
        queue.push(fault(
            json!({"operation": "*", "mode": "error", "status": 503, "probability": 0.1}),
        ));
        queue.push(fault(
            json!({"operation": "*", "mode": "ambiguous", "hold_ms": 5, "probability": 0.03}),
        ));
        assert!(matches!(
            queue.take_with_roll("op", 0.0),
            Some(Effect::Fail(_))
        ));
        assert!(matches!(
            queue.take_with_roll("op", 0.099),
            Some(Effect::Fail(_))
        ));
        assert!(matches!(
            queue.take_with_roll("op", 0.1),
            Some(Effect::DelayAfter(d)) if d == Duration::from_millis(5)
        ));
        assert!(matches!(
            queue.take_with_roll("op", 0.129),
            Some(Effect::DelayAfter(_))
        ));
        assert!(queue.take_with_roll("op", 0.13).is_none());
        assert!(queue.take_with_roll("op", 0.999).is_none());
    }

    #[test]
    fn count_is_used_only_when_the_fault_applies() {
        let queue = FaultQueue::default();
        queue.push(fault(
            json!({"operation": "op", "mode": "error", "status": 500, "probability": 0.5, "count": 1}),
        ));
        assert!(queue.take_with_roll("op", 0.7).is_none());
        assert_eq!(queue.list()[0].count, Some(1));
        assert!(matches!(
            queue.take_with_roll("op", 0.2),
            Some(Effect::Fail(_))
        ));
        assert!(queue.list().is_empty());
    }

    #[test]
    fn zero_probability_never_applies_and_one_always_does() {
        let queue = FaultQueue::default();
        queue.push(fault(
            json!({"operation": "op", "mode": "error", "status": 500, "probability": 0.0}),
        ));
        assert!(queue.take_with_roll("op", 0.0).is_none());
        queue.push(fault(
            json!({"operation": "op", "mode": "error", "status": 502, "probability": 1}),
        ));
        assert!(
            matches!(queue.take_with_roll("op", 0.999_999), Some(Effect::Fail(e)) if e.status.as_u16() == 502)
        );
    }

    #[test]
    fn new_modes_are_validated() {
        let operations = ["op"];
        for (value, valid) in [
            (
                json!({"operation": "op", "mode": "error", "status": 503, "probability": 1.5}),
                false,
            ),
            (
                json!({"operation": "op", "mode": "error", "status": 503, "probability": -0.1}),
                false,
            ),
            (json!({"operation": "op", "mode": "ambiguous"}), true),
            (
                json!({"operation": "*", "mode": "outage", "duration_ms": 10}),
                true,
            ),
            (
                json!({"operation": "op", "mode": "outage", "duration_ms": 10}),
                false,
            ),
            (
                json!({"operation": "*", "mode": "outage", "duration_ms": 10, "count": 1}),
                false,
            ),
            (
                json!({"operation": "*", "mode": "outage", "duration_ms": 10, "probability": 0.5}),
                false,
            ),
            (
                json!({"operation": "op", "mode": "documents_required", "documents": []}),
                false,
            ),
            (
                json!({"operation": "op", "mode": "documents_required",
                       "documents": [{"code": "CT01", "title": "Tờ khai"}]}),
                true,
            ),
            (
                json!({"operation": "op", "mode": "decide_later", "decision": "approve"}),
                true,
            ),
            (
                json!({"operation": "op", "mode": "decide_later", "decision": "reject"}),
                false,
            ),
            (
                json!({"operation": "op", "mode": "decide_later", "decision": "reject",
                       "reason_code": "NOT_ELIGIBLE"}),
                true,
            ),
        ] {
            assert_eq!(
                fault(value.clone()).validate(&operations).is_ok(),
                valid,
                "{value}"
            );
        }
        let ambiguous = fault(json!({"operation": "op", "mode": "ambiguous"}));
        assert!(matches!(
            ambiguous.effect(),
            Some(Effect::DelayAfter(d)) if d == Duration::from_secs(60)
        ));
    }

    #[test]
    fn outages_are_never_taken_by_requests() {
        let queue = FaultQueue::default();
        queue.push(fault(
            json!({"operation": "*", "mode": "outage", "duration_ms": 10}),
        ));
        assert!(queue.take_with_roll("op", 0.0).is_none());
    }
}
