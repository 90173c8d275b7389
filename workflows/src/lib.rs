//! The case workflow: one generic interpreter for every published linked procedure.
//!
//! The workflow owns no procedure knowledge. It keeps a [`CaseState`], asks the pure planner what
//! to do, runs agency calls as activities, and feeds their outcomes back as events. Operators act
//! on it through one update, [`CaseWorkflow::operator_action`].

mod activity_failure;
mod agency_pace;
mod answers;
pub mod batch;
mod case_workflow;
mod ceiling;
mod citizen_notices;
mod contract;
mod drive;
mod issued_tags;
mod notice;
mod notifications;
mod options;
mod published;
pub mod search_attributes;
mod signals;
mod time_of;

pub use agency_pace::{AGENCY_QUEUE_PREFIX, agency_task_queue};
pub use batch::{BatchAction, BatchInput, BatchReport, BatchWorkflow, CaseOutcome, Outcome};
pub use case_workflow::{CaseInput, CaseWorkflow, DEFAULT_ATTENTION_AFTER_SECS};
pub use ceiling::{CeilingShape, CeilingWorkflow, NOOP, Noop, Nothing};
pub use contract::{AgencyAnswer, AgencyCall, CALL_AGENCY, CallAgency};
pub use issued_tags::{IssuedTagKey, issued_tags};
pub use lienthong_definitions::case::{
    ATTENTION_REASONS, Attention, CaseState, JournalEntry, ManualResolution,
};
pub use lienthong_definitions::case_code_of;
pub use lienthong_definitions::operator::{
    ActionKind, ActionOutcome, ActionRefusal, OperatorAction,
};
pub use notice::{
    Channel, DEFAULT_NOTICE_ATTEMPT_SECS, DEFAULT_NOTICE_WINDOW_SECS, NOTICE_ACTIVITY_PREFIX,
    NOTIFY, Notice, NoticeEvent, NoticeOutcome, Notify, NotifyInput, Recipient,
};
pub use options::{FirstAttempt, LOCAL_ATTEMPT_LIMIT};
pub use signals::{
    AgencyDecision, DecisionOutcome, SupplementRequest, WithdrawOutcome, WithdrawRequest,
};

/// The task queue cases run on unless an installation names another; every worker and API of a
/// deployment names the same one.
pub const DEFAULT_TASK_QUEUE: &str = "lienthong-cases";
