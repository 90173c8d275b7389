//! What an agency's answer means for its step: the one reading of it, shared by the activity
//! (answers over HTTP), the workflow (decisions an agency calls back later) and the dry run
//! (answers made from the agency's contract), so none of them can tell a different story.

use serde_json::Value;

use super::{Event, StepError};
use crate::StepId;

/// The most of an agency's message a case keeps: it is shown in case state and on operator
/// screens.
pub const MAX_AGENCY_MESSAGE_CHARS: usize = 300;

/// The error codes the engine itself gives a step (an agency's refusal codes are the agency's):
/// operators read them, so each has words in every language the console speaks.
pub const ENGINE_ERROR_CODES: &[&str] = &[
    "AGENCY_UNAVAILABLE",
    "RETRIES_EXHAUSTED",
    "AGENCY_AUTH_REJECTED",
    "AGENCY_CREDENTIALS_MISSING",
    "AGENCY_CREDENTIALS_INVALID",
    "AGENCY_PROTOCOL",
    "OUTCOME_UNKNOWN",
    "COMPENSATION_FAILED",
    "SUPPLEMENT_NOT_PROVIDED",
];

/// The refusal code of a decision called back without one.
pub const DEFAULT_REFUSAL_CODE: &str = "REJECTED";

/// Keeps only the answer fields the definition keeps (`None`: the call names none, so all are
/// kept), before anything reaches history.
pub fn keep_only(output: Value, keep: Option<&[String]>) -> Value {
    match (output, keep) {
        (Value::Object(map), Some(keep)) => {
            Value::Object(map.into_iter().filter(|(k, _)| keep.contains(k)).collect())
        }
        (output, _) => output,
    }
}

/// An agency's message as a case keeps it: short, or `default` when it gave none.
pub fn agency_message(message: Option<&str>, default: &str) -> String {
    message
        .unwrap_or(default)
        .chars()
        .take(MAX_AGENCY_MESSAGE_CHARS)
        .collect()
}

/// What a forward call that ended with no answer makes of its step. A step whose retry policy
/// pauses (`park`) waits, flagged `agency_unavailable`, and is sent again after the pause; one
/// without fails. The code is the failure's own when no retry could fix it (`final_code`:
/// `AGENCY_AUTH_REJECTED`, `AGENCY_CREDENTIALS_MISSING`), else `AGENCY_UNAVAILABLE` or
/// `RETRIES_EXHAUSTED`. `attempts` is how many were made; `retry_at`, when the pause ends. The caller starts the
/// pause's timer.
pub fn unanswered(
    step: StepId,
    parks: bool,
    final_code: Option<String>,
    message: String,
    attempts: u32,
    retry_at: Option<time::OffsetDateTime>,
) -> Event {
    if parks {
        Event::AgencyUnavailable {
            step,
            error: StepError {
                code: final_code.unwrap_or_else(|| "AGENCY_UNAVAILABLE".into()),
                message,
            },
            attempts,
            retry_at,
        }
    } else {
        Event::StepFailed {
            step,
            error: StepError {
                code: final_code.unwrap_or_else(|| "RETRIES_EXHAUSTED".into()),
                message,
            },
        }
    }
}

/// What an accepted answer (a 2xx with a JSON body) says.
#[derive(Debug, Clone, PartialEq)]
pub enum Accepted {
    /// The act is done; `output` holds only the fields the definition keeps.
    Done { output: Value },
    /// The agency needs documents from the citizen before it acts.
    DocumentsRequired { documents: Value, message: String },
    /// An officer decides later and the agency calls back.
    Pending { reference: String },
}

/// Reads an accepted answer: `outcome: documents_required` and `outcome: pending` are answers
/// of their own; anything else is the act's result.
pub fn read_accepted(body: Value, keep: Option<&[String]>) -> Accepted {
    match body.get("outcome").and_then(Value::as_str) {
        Some("documents_required") => Accepted::DocumentsRequired {
            documents: body.get("documents").cloned().unwrap_or(Value::Null),
            message: agency_message(
                body.get("message").and_then(Value::as_str),
                "the agency needs more documents",
            ),
        },
        Some("pending") => Accepted::Pending {
            reference: body
                .get("reference")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        },
        _ => Accepted::Done {
            output: keep_only(body, keep),
        },
    }
}

/// Reads a refusal's body (`{code, message}`, either may be missing); `fallback_code` names it
/// when the agency gave no code.
pub fn read_refusal(body: &Value, fallback_code: String) -> StepError {
    StepError {
        code: body
            .get("code")
            .and_then(Value::as_str)
            .map_or(fallback_code, str::to_owned),
        message: agency_message(
            body.get("message").and_then(Value::as_str),
            "the agency refused the request",
        ),
    }
}

/// A decision an agency took later and called back.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    Done { output: Value },
    Rejected { code: String, message: String },
}

impl Decision {
    /// A refusal as a callback states it: the agency's code (or [`DEFAULT_REFUSAL_CODE`]) and
    /// its message, short.
    pub fn rejected(code: Option<String>, message: Option<&str>) -> Self {
        Self::Rejected {
            code: code.unwrap_or_else(|| DEFAULT_REFUSAL_CODE.to_owned()),
            message: agency_message(message, ""),
        }
    }

    /// The event the decision makes for `step`, which waited on it after `attempts` attempts;
    /// `keep` are the fields the step's route keeps.
    pub fn event(self, step: StepId, keep: &[String], attempts: u32) -> Event {
        match self {
            Self::Done { output } => Event::StepSucceeded {
                step,
                output: keep_only(output, Some(keep)),
                attempts,
            },
            Self::Rejected { code, message } => Event::StepRejected {
                step,
                error: StepError { code, message },
                attempts,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_accepted_answer_is_done_documents_required_or_pending() {
        let keep = ["card_number".to_owned()];
        assert_eq!(
            read_accepted(json!({"card_number": "TE1", "internal": 7}), Some(&keep)),
            Accepted::Done {
                output: json!({"card_number": "TE1"})
            }
        );
        assert_eq!(
            read_accepted(
                json!({"outcome": "pending", "reference": "R-1"}),
                Some(&keep)
            ),
            Accepted::Pending {
                reference: "R-1".into()
            }
        );
        let Accepted::DocumentsRequired { documents, message } = read_accepted(
            json!({"outcome": "documents_required", "documents": [{"code": "X"}]}),
            None,
        ) else {
            panic!("documents required");
        };
        assert_eq!(documents, json!([{"code": "X"}]));
        assert_eq!(message, "the agency needs more documents");
        assert_eq!(
            keep_only(json!({"a": 1}), None),
            json!({"a": 1}),
            "a call that names no fields keeps them all"
        );
    }

    #[test]
    fn a_refusal_keeps_the_agencys_code_or_a_fallback_and_a_short_message() {
        let long = "x".repeat(400);
        let error = read_refusal(
            &json!({"code": "TOO_OLD", "message": long}),
            "HTTP_422".into(),
        );
        assert_eq!(error.code, "TOO_OLD");
        assert_eq!(error.message.chars().count(), MAX_AGENCY_MESSAGE_CHARS);
        assert_eq!(
            read_refusal(&Value::Null, "HTTP_422".into()).code,
            "HTTP_422"
        );
    }

    #[test]
    fn a_decision_called_back_makes_the_steps_event_with_only_the_kept_fields() {
        let step = StepId("insurance".into());
        let keep = ["card_number".to_owned()];
        assert_eq!(
            Decision::Done {
                output: json!({"card_number": "TE1", "officer": "N. V. A"})
            }
            .event(step.clone(), &keep, 1),
            Event::StepSucceeded {
                step: step.clone(),
                output: json!({"card_number": "TE1"}),
                attempts: 1
            }
        );
        assert_eq!(
            Decision::rejected(None, None).event(step.clone(), &keep, 2),
            Event::StepRejected {
                step,
                error: StepError {
                    code: DEFAULT_REFUSAL_CODE.into(),
                    message: String::new()
                },
                attempts: 2
            }
        );
    }
}
