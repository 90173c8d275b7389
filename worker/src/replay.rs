//! Replaying recorded case histories against this build's workflow code, before it runs them.
//!
//! A workflow change that alters the commands an existing history recorded would make every open
//! case of that history fail its next workflow task after a deploy. Replaying histories exported
//! from a running installation (`temporal workflow show --output json`, or
//! [`WorkflowHistory::to_json`]) finds that first.

use temporalio_client::WorkflowHistory;
use temporalio_common::data_converters::DataConverter;
use temporalio_sdk::workflow_replayer::{WorkflowReplayer, WorkflowReplayerOptions};

use lienthong_workflows::{CaseWorkflow, CeilingWorkflow};

/// One history's outcome: `None` when this build replays it exactly as it was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replayed {
    pub workflow_id: Option<String>,
    pub failure: Option<String>,
}

/// The replay could not run at all (as opposed to one history not matching).
#[derive(Debug, thiserror::Error)]
#[error("the replay could not run: {0}")]
pub struct ReplayError(String);

/// Replays `histories` with `converter` (the payload cipher's, so the recorded inputs decrypt)
/// and says for each, in order, whether this build's workflows produce what it recorded.
pub async fn replay(
    histories: Vec<WorkflowHistory>,
    converter: DataConverter,
) -> Result<Vec<Replayed>, ReplayError> {
    let options = WorkflowReplayerOptions::new()
        .data_converter(converter)
        .register_workflow::<CaseWorkflow>()
        .and_then(|o| o.register_workflow::<CeilingWorkflow>())
        .map_err(|e| ReplayError(e.to_string()))?
        .build();
    let replayer = WorkflowReplayer::new(options).map_err(|e| ReplayError(e.to_string()))?;
    let results = replayer
        .replay_workflows(histories)
        .await
        .map_err(|e| ReplayError(e.to_string()))?;
    Ok(results
        .into_iter()
        .map(|result| Replayed {
            workflow_id: result.history.workflow_id().map(str::to_owned),
            failure: result.replay_failure.map(|f| f.to_string()),
        })
        .collect())
}
