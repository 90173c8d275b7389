//! The batch workflow's activities: listing cases through visibility one page at a time, and
//! sending each case its action through the case's own update at the batch's pace. Whatever
//! one case answers, or fails to answer, becomes that case's outcome; a page never fails
//! because one case is slow or its worker is gone.

use std::{sync::Arc, time::Duration};

use futures::{StreamExt, stream};
use lienthong_definitions::{
    case::CaseState,
    operator::{ActionKind, ActionOutcome, ActionRefusal, OperatorAction, RefusalCode},
};
use lienthong_workflows::{
    CaseWorkflow,
    batch::{
        self, ActOnCases, ActRequest, BatchAction, CaseOutcome, ListCases, ListRequest, ListedPage,
        Outcome,
    },
};
use temporalio_client::{
    Client, NamespacedClient, WorkflowExecuteUpdateOptions, WorkflowQueryOptions,
    errors::{WorkflowQueryError, WorkflowUpdateError},
    tonic::Request,
};
use temporalio_common::protos::temporal::api::workflowservice::v1::ListWorkflowExecutionsRequest;
use temporalio_macros::activities;
use temporalio_sdk::activities::{ActivityContext, ActivityError};

/// Cases sent their action at once, however fast the pace.
const CONCURRENCY: usize = 16;
/// How long one case may take to answer before it is reported `retrying` and tried again later.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// Refusals that mean there is nothing to do: the case is already so, or the action does not
/// concern it.
const NOTHING_TO_DO: &[RefusalCode] = &[
    RefusalCode::NotHeld,
    RefusalCode::AlreadyHeld,
    RefusalCode::AgencyNotInCase,
    RefusalCode::CaseClosed,
];

/// Hosted by every worker, with the worker's own client (and its payload codec).
#[derive(Clone)]
pub struct BatchActivities {
    client: Client,
    answer_within: Duration,
}

impl std::fmt::Debug for BatchActivities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchActivities")
            .field("answer_within", &self.answer_within)
            .finish_non_exhaustive()
    }
}

#[activities]
impl BatchActivities {
    /// One page of the cases a query selects.
    #[activity(definition = ListCases)]
    pub async fn list_cases(
        self: Arc<Self>,
        _ctx: ActivityContext,
        request: ListRequest,
    ) -> Result<ListedPage, ActivityError> {
        let mut service = self.client.connection().workflow_service();
        let page = service
            .list_workflow_executions(Request::new(ListWorkflowExecutionsRequest {
                namespace: self.client.namespace(),
                page_size: i32::try_from(request.page_size).unwrap_or(i32::MAX),
                next_page_token: request.page_token,
                query: request.query,
            }))
            .await?
            .into_inner();
        Ok(ListedPage {
            codes: page
                .executions
                .into_iter()
                .filter_map(|e| e.execution.map(|e| e.workflow_id))
                .collect(),
            next_page_token: page.next_page_token,
        })
    }

    /// Sends each case its action, paced, and says what became of each. After a lost worker
    /// the next attempt starts from the outcomes the last one reported in its heartbeats.
    #[activity(definition = ActOnCases)]
    pub async fn act_on_cases(
        self: Arc<Self>,
        ctx: ActivityContext,
        request: ActRequest,
    ) -> Result<Vec<CaseOutcome>, ActivityError> {
        let batch = ctx.info().workflow_id.clone().unwrap_or_default();
        let mut outcomes: Vec<CaseOutcome> = ctx
            .heartbeat_details()
            .deserialize::<Vec<CaseOutcome>>()
            .ok()
            .flatten()
            .unwrap_or_default();
        let left: Vec<String> = request
            .codes
            .iter()
            .filter(|code| !outcomes.iter().any(|o| &o.case == *code))
            .cloned()
            .collect();
        let pause = (request.per_second > 0).then(|| Duration::from_secs(1) / request.per_second);
        let start = tokio::time::Instant::now();
        let request = &request;
        let this = &self;
        let batch = &batch;
        let sends = left.into_iter().enumerate().map(|(i, code)| async move {
            if let Some(pause) = pause {
                // The i-th case goes out at its slot, however long earlier ones took.
                tokio::time::sleep_until(start + pause * u32::try_from(i).unwrap_or(u32::MAX))
                    .await;
            }
            this.act_on(batch, request, code).await
        });
        let mut answers = stream::iter(sends).buffer_unordered(CONCURRENCY);
        while let Some(outcome) = answers.next().await {
            outcomes.push(outcome);
            // Throttled by the SDK; a failed heartbeat only means a retry redoes more.
            let _ = ctx.record_heartbeat(outcomes.clone()).await;
        }
        Ok(outcomes)
    }
}

impl BatchActivities {
    pub fn new(client: Client) -> Self {
        Self {
            client,
            answer_within: ANSWER_WITHIN,
        }
    }

    /// One case: its actions (a retry's depend on its steps), each sent as an update whose id
    /// is derived from the batch, so a case asked again after an unanswered attempt gets the
    /// first attempt's answer instead of acting twice.
    async fn act_on(&self, batch: &str, request: &ActRequest, code: String) -> CaseOutcome {
        let kinds = match request.action.case_action() {
            Some(kind) => vec![kind],
            None => match self.retry_kinds(&code, &request.action).await {
                Ok(kinds) if kinds.is_empty() => {
                    return outcome(
                        code,
                        Outcome::Skipped,
                        "NOTHING_TO_RETRY",
                        "no step of this case is retrying or parked",
                    );
                }
                Ok(kinds) => kinds,
                Err(unanswered) => {
                    return CaseOutcome {
                        case: code,
                        ..unanswered
                    };
                }
            },
        };
        let mut done: Option<CaseOutcome> = None;
        for kind in kinds {
            let target = match &kind {
                ActionKind::RetryNow { step } => step.to_string(),
                ActionKind::Hold { agency } | ActionKind::Release { agency } => agency.to_string(),
                other => other.name().to_owned(),
            };
            let update_id = format!("{batch}/{code}/{}/{target}", kind.name());
            let action = OperatorAction {
                actor: request.actor.clone(),
                role: request.role.clone(),
                reason: request.reason.clone(),
                kind,
            };
            let answer = tokio::time::timeout(
                self.answer_within,
                self.client
                    .get_workflow_handle::<CaseWorkflow>(code.clone())
                    .execute_update(
                        CaseWorkflow::operator_action,
                        action,
                        WorkflowExecuteUpdateOptions::builder()
                            .update_id(update_id)
                            .build(),
                    ),
            )
            .await;
            let this = match answer {
                Ok(Ok(accepted)) => accepted_outcome(&code, accepted),
                Ok(Err(error)) => update_failed(&code, error),
                Err(_) => outcome(
                    code.clone(),
                    Outcome::Retrying,
                    "CASE_DID_NOT_ANSWER",
                    "the case did not answer in time; it is asked again",
                ),
            };
            if this.outcome != Outcome::Done {
                return this;
            }
            done = Some(match done {
                None => this,
                Some(mut earlier) => {
                    earlier.steps.extend(this.steps);
                    earlier
                }
            });
        }
        done.unwrap_or_else(|| outcome(code, Outcome::Skipped, "NOTHING_TO_RETRY", ""))
    }

    /// The retries a case needs: each retrying or parked step (of the batch's agency, if any).
    async fn retry_kinds(
        &self,
        code: &str,
        action: &BatchAction,
    ) -> Result<Vec<ActionKind>, CaseOutcome> {
        let handle = self
            .client
            .get_workflow_handle::<CaseWorkflow>(code.to_owned());
        let query = handle.query(CaseWorkflow::state, (), WorkflowQueryOptions::default());
        let state: Option<CaseState> = match tokio::time::timeout(self.answer_within, query).await {
            Ok(Ok(state)) => state,
            Ok(Err(WorkflowQueryError::NotFound(_))) => {
                return Err(outcome(
                    code.to_owned(),
                    Outcome::Skipped,
                    "CASE_CLOSED",
                    "the case has ended",
                ));
            }
            Ok(Err(_)) | Err(_) => {
                return Err(outcome(
                    code.to_owned(),
                    Outcome::Retrying,
                    "CASE_DID_NOT_ANSWER",
                    "the case's state could not be read in time; it is asked again",
                ));
            }
        };
        let Some(state) = state else {
            return Err(outcome(
                code.to_owned(),
                Outcome::Retrying,
                "CASE_NOT_STARTED",
                "the case has not started yet; it is asked again",
            ));
        };
        Ok(batch::retries(&state, action.agency()))
    }
}

fn outcome(case: String, outcome: Outcome, code: &str, message: &str) -> CaseOutcome {
    CaseOutcome {
        case,
        outcome,
        effect: None,
        steps: Vec::new(),
        code: Some(code.to_owned()).filter(|c| !c.is_empty()),
        message: Some(message.to_owned()).filter(|m| !m.is_empty()),
    }
}

fn accepted_outcome(code: &str, accepted: ActionOutcome) -> CaseOutcome {
    CaseOutcome {
        case: code.to_owned(),
        outcome: Outcome::Done,
        effect: Some(accepted.effect),
        steps: accepted.steps,
        code: None,
        message: None,
    }
}

/// What a failed update means for the case: a refusal (or nothing to do), an ended case, or
/// an engine that did not deliver it, which is tried again.
pub fn update_failed(code: &str, error: WorkflowUpdateError) -> CaseOutcome {
    match error {
        WorkflowUpdateError::Failed(failure) => {
            let mut failure = &*failure;
            while let Some(cause) = failure.cause.as_deref() {
                failure = cause;
            }
            match ActionRefusal::parse(&failure.message) {
                Some(refusal) => {
                    let kind = if NOTHING_TO_DO.contains(&refusal.code) {
                        Outcome::Skipped
                    } else {
                        Outcome::Refused
                    };
                    outcome(
                        code.to_owned(),
                        kind,
                        refusal.code.as_str(),
                        &refusal.message,
                    )
                }
                None => outcome(
                    code.to_owned(),
                    Outcome::Retrying,
                    "ENGINE_UNAVAILABLE",
                    "the engine could not deliver the action; it is tried again",
                ),
            }
        }
        WorkflowUpdateError::NotFound(_) => outcome(
            code.to_owned(),
            Outcome::Skipped,
            "CASE_CLOSED",
            "the case has ended",
        ),
        _ => outcome(
            code.to_owned(),
            Outcome::Retrying,
            "ENGINE_UNAVAILABLE",
            "the engine could not deliver the action; it is tried again",
        ),
    }
}
