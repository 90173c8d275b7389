//! The bare ceiling for `lienthong bench`: a workflow with the case workflow's activity shape
//! (one activity, then two in parallel) that does nothing else. What it costs is what Temporal
//! and the SDK cost on this machine; the case workflow can only be slower.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use temporalio_common::ActivityDefinition;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_workflow::{ActivityOptions, WorkflowContext, WorkflowResult};

/// The activity type name both sides register under.
pub const NOOP: &str = "lienthong.noop";

/// The no-op activity's input and output: nothing, but a named serde type, like the real
/// contract's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nothing {}

/// Marker for scheduling the no-op activity from the workflow.
#[derive(Debug, Clone, Copy)]
pub struct Noop;

impl ActivityDefinition for Noop {
    type Input = Nothing;
    type Output = Nothing;

    fn name(&self) -> &str {
        NOOP
    }
}

#[workflow]
#[derive(Debug, Default)]
pub struct CeilingWorkflow;

#[workflow_methods]
impl CeilingWorkflow {
    /// One step, then two in parallel: the shape of the birth / residence + insurance case.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>) -> WorkflowResult<()> {
        let options =
            || ActivityOptions::with_start_to_close_timeout(Duration::from_secs(10)).build();
        ctx.execute_activity(Noop, Nothing {}, options()).await?;
        let (a, b) = futures::join!(
            ctx.execute_activity(Noop, Nothing {}, options()),
            ctx.execute_activity(Noop, Nothing {}, options())
        );
        a?;
        b?;
        Ok(())
    }
}
