//! The no-op activity behind `lienthong bench`'s ceiling run: it answers at once, so the run
//! measures only what Temporal and the SDK cost per step.

use std::sync::Arc;

use lienthong_workflows::{Noop, Nothing};
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// Hosted by every worker; it costs nothing when unused.
#[derive(Debug, Default)]
pub struct NoopActivities;

#[activities]
impl NoopActivities {
    #[activity(definition = Noop)]
    pub async fn noop(
        self: Arc<Self>,
        _ctx: ActivityContext,
        _input: Nothing,
    ) -> Result<Nothing, ActivityError> {
        Ok(Nothing {})
    }
}
