//! A call's identity: which step, why, and how often its call was restarted. It owns the two
//! grammars every part of the engine reads a call by: the Temporal activity id
//! (`birth`, `birth/restart1`, `birth/reconcile`, `residence/compensate`) and the idempotency key
//! an agency keeps the act under (`KS-…/birth`, `KS-…/residence/s2`, `KS-…/residence/compensate`).
//! Both are in recorded histories and agencies' registers, so neither may change.

use std::{fmt, str::FromStr};

use crate::StepId;

/// Why a step's agency is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallPurpose {
    /// The step's request (or a resend with documents).
    Call,
    /// Undoing what the step did.
    Compensate,
    /// Asking the agency what became of an earlier request.
    Reconcile,
}

impl CallPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Call => "call",
            Self::Compensate => "compensate",
            Self::Reconcile => "reconcile",
        }
    }
}

/// One call of a step: the step, why, and the restart count (a call restarted after its activity
/// was cancelled gets a new activity id, since the cancelled one may still be open on the server).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallId {
    pub step: StepId,
    pub purpose: CallPurpose,
    pub restart: u32,
}

impl CallId {
    pub fn new(step: StepId, purpose: CallPurpose) -> Self {
        Self {
            step,
            purpose,
            restart: 0,
        }
    }

    pub fn restarted(mut self, restart: u32) -> Self {
        self.restart = restart;
        self
    }

    /// The Temporal activity id (this type's `Display`).
    pub fn activity_id(&self) -> String {
        self.to_string()
    }

    /// The key the agency keeps the act under, one per (case, step, round): a round is a resend
    /// with the documents the citizen supplied, a new request. A reconciliation asks about the
    /// step's own act, so it uses the call's key; an undo is an act of its own.
    pub fn idempotency_key(&self, case_code: &str, round: u32) -> String {
        let step = &self.step;
        match (self.purpose, round) {
            (CallPurpose::Compensate, _) => format!("{case_code}/{step}/compensate"),
            (_, 0) => format!("{case_code}/{step}"),
            (_, n) => format!("{case_code}/{step}/s{n}"),
        }
    }
}

/// The case an idempotency key belongs to, so a callback that carries only the key finds it.
pub fn case_code_of(idempotency_key: &str) -> &str {
    idempotency_key.split('/').next().unwrap_or_default()
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.step)?;
        if self.purpose != CallPurpose::Call {
            write!(f, "/{}", self.purpose.as_str())?;
        }
        if self.restart > 0 {
            write!(f, "/restart{}", self.restart)?;
        }
        Ok(())
    }
}

/// An activity id that is not one of the engine's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an activity id of a step's call")]
pub struct NotACallId(pub String);

impl FromStr for CallId {
    type Err = NotACallId;

    fn from_str(activity_id: &str) -> Result<Self, NotACallId> {
        let refused = || NotACallId(activity_id.to_owned());
        let mut parts = activity_id.split('/');
        let step = parts.next().filter(|s| !s.is_empty()).ok_or_else(refused)?;
        let mut id = CallId::new(StepId(step.to_owned()), CallPurpose::Call);
        for (i, part) in parts.enumerate() {
            match (i, part) {
                (0, "compensate") => id.purpose = CallPurpose::Compensate,
                (0, "reconcile") => id.purpose = CallPurpose::Reconcile,
                (_, restart) if id.restart == 0 => {
                    id.restart = restart
                        .strip_prefix("restart")
                        .and_then(|n| n.parse().ok())
                        .filter(|n| *n > 0)
                        .ok_or_else(refused)?;
                }
                _ => return Err(refused()),
            }
        }
        Ok(id)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn id(step: &str, purpose: CallPurpose, restart: u32) -> CallId {
        CallId::new(StepId(step.into()), purpose).restarted(restart)
    }

    #[test]
    fn activity_ids_read_back_as_the_call_they_name() {
        for (text, call) in [
            ("birth", id("birth", CallPurpose::Call, 0)),
            ("birth/restart2", id("birth", CallPurpose::Call, 2)),
            ("birth/reconcile", id("birth", CallPurpose::Reconcile, 0)),
            (
                "birth/reconcile/restart1",
                id("birth", CallPurpose::Reconcile, 1),
            ),
            (
                "residence/compensate",
                id("residence", CallPurpose::Compensate, 0),
            ),
        ] {
            assert_eq!(text.parse::<CallId>().unwrap(), call, "{text}");
            assert_eq!(call.activity_id(), text);
        }
        for bad in [
            "",
            "/call",
            "birth/restart0",
            "birth/again",
            "birth/restart1/x",
        ] {
            assert!(bad.parse::<CallId>().is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_are_per_round_lead_back_to_the_case_and_an_undo_has_its_own() {
        let call = id("residence", CallPurpose::Call, 3);
        assert_eq!(
            call.idempotency_key("KS-AAAAA-BBBBB", 0),
            "KS-AAAAA-BBBBB/residence"
        );
        assert_eq!(
            call.idempotency_key("KS-AAAAA-BBBBB", 2),
            "KS-AAAAA-BBBBB/residence/s2"
        );
        assert_eq!(
            id("residence", CallPurpose::Reconcile, 0).idempotency_key("KS-AAAAA-BBBBB", 2),
            "KS-AAAAA-BBBBB/residence/s2",
            "a reconciliation asks about the call's own act"
        );
        assert_eq!(
            id("residence", CallPurpose::Compensate, 0).idempotency_key("KS-AAAAA-BBBBB", 2),
            "KS-AAAAA-BBBBB/residence/compensate"
        );
        assert_eq!(
            case_code_of("KS-AAAAA-BBBBB/residence/s2"),
            "KS-AAAAA-BBBBB"
        );
    }
}
