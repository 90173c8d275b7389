//! The bare ceiling for `lienthong bench`: a workflow with the case workflow's activity shape
//! (one activity, then two in parallel) that does nothing else. What it costs is what Temporal
//! and the SDK cost on this machine. Its activities run on the task queue, or all as local
//! activities, the two forms the case workflow chooses between.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use temporalio_common::ActivityDefinition;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_workflow::{ActivityOptions, LocalActivityOptions, WorkflowContext, WorkflowResult};

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

/// Where the ceiling's activities run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CeilingShape {
    /// All three as local activities instead of on the task queue.
    pub local: bool,
}

#[workflow]
#[derive(Debug, Default)]
pub struct CeilingWorkflow;

#[workflow_methods]
impl CeilingWorkflow {
    /// One step, then two in parallel: the shape of the birth / residence + insurance case.
    #[run]
    pub async fn run(ctx: &mut WorkflowContext<Self>, shape: CeilingShape) -> WorkflowResult<()> {
        let ctx = &*ctx;
        let noop = || async move {
            if shape.local {
                let options = LocalActivityOptions::builder()
                    .start_to_close_timeout(Duration::from_secs(10))
                    .build();
                ctx.execute_local_activity(Noop, Nothing {}, options).await
            } else {
                let options =
                    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(10)).build();
                ctx.execute_activity(Noop, Nothing {}, options).await
            }
        };
        noop().await?;
        let (a, b) = futures::join!(noop(), noop());
        a?;
        b?;
        Ok(())
    }
}
