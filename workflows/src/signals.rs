//! Messages a running case receives.

use lienthong_definitions::{AgencyId, StepId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WithdrawRequest {
    pub reason: String,
}

/// What a withdrawal the case accepted will do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithdrawOutcome {
    /// The case stops: calls already sent finish, then what was done is undone.
    WithdrawalRequested,
    /// The case was already stopping (an earlier withdrawal or an operator's cancellation); the
    /// first reason stands.
    AlreadyWithdrawing,
}

impl WithdrawOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WithdrawalRequested => "withdrawal_requested",
            Self::AlreadyWithdrawing => "already_withdrawing",
        }
    }
}

/// The citizen's answer to an agency's request for documents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SupplementRequest {
    /// Which step it answers; `None` when only one step is waiting.
    pub step: Option<StepId>,
    /// `[{"code", "reference"}]`: references to documents held by the portal, not the files.
    pub documents: Value,
    pub note: Option<String>,
}

/// An agency's decision on a dossier it accepted earlier, as its callback delivered it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyDecision {
    /// The agency whose signature the callback carried: it may decide only its own steps.
    pub agency: AgencyId,
    pub idempotency_key: String,
    pub outcome: DecisionOutcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DecisionOutcome {
    Done { output: Value },
    Rejected { code: String, message: String },
}
