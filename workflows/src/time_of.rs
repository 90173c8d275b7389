use temporalio_workflow::{SyncWorkflowContext, WorkflowContext};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// The workflow's deterministic "now": the time of the current workflow task, identical on replay.
pub(crate) fn now<W>(ctx: &WorkflowContext<W>) -> OffsetDateTime {
    ctx.workflow_time()
        .map_or(OffsetDateTime::UNIX_EPOCH, OffsetDateTime::from)
}

/// [`now`] inside a signal or update handler.
pub(crate) fn now_sync<W>(ctx: &SyncWorkflowContext<W>) -> OffsetDateTime {
    ctx.workflow_time()
        .map_or(OffsetDateTime::UNIX_EPOCH, OffsetDateTime::from)
}

pub(crate) fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}
