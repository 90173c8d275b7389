//! Injected faults, so the engine's retries, timeouts and compensations can be exercised
//! against a simulator that misbehaves on demand. Kept in memory: a restart clears them.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::api_error::ApiError;

/// Matches every operation of the simulator.
pub(crate) const ANY_OPERATION: &str = "*";

/// One queued fault, as posted to and listed by `/admin/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Fault {
    pub operation: String,
    #[serde(flatten)]
    pub mode: FaultMode,
    /// Requests left to affect; absent means every request until cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
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
}

/// What a matching fault does to one request.
#[derive(Debug)]
pub(crate) enum Effect {
    Fail(ApiError),
    DelayBefore(Duration),
    DelayAfter(Duration),
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
        match &self.mode {
            FaultMode::Error { status } if !(400..=599).contains(status) => Err(ApiError::invalid(
                "status must be an HTTP error status between 400 and 599",
            )),
            FaultMode::Reject { reason_code, .. } if !is_upper_snake(reason_code) => {
                Err(ApiError::invalid("reason_code must be UPPER_SNAKE_CASE"))
            }
            FaultMode::Latency { latency_ms, .. } if *latency_ms > 600_000 => {
                Err(ApiError::invalid("latency_ms must be at most 600000"))
            }
            _ => Ok(()),
        }
    }

    fn effect(&self) -> Effect {
        match &self.mode {
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
        }
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

    /// Takes one use of the first fault queued for this operation; used-up faults leave the queue.
    pub fn take(&self, operation: &str) -> Option<Effect> {
        let mut faults = self.lock();
        let index = faults
            .iter()
            .position(|f| f.operation == operation || f.operation == ANY_OPERATION)?;
        let effect = faults[index].effect();
        if let Some(count) = &mut faults[index].count {
            *count = count.saturating_sub(1);
            if *count == 0 {
                faults.remove(index);
            }
        }
        Some(effect)
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
}
