//! One operator action on many cases, run the Temporal way: a batch workflow pages through
//! visibility, has each page's cases sent the action through each case's own update at a paced
//! rate, keeps every case's outcome, and tries again the cases that did not answer. It survives
//! API and worker restarts, and one slow case never fails the batch.
//!
//! A hold or a release keeps looking for cases until a pass begun `settle_secs` after the batch
//! started finds none it has not handled: a case filed while the engine database's hold was
//! being recorded or lifted is visible by then, so none is left behind.

use std::{collections::BTreeSet, time::Duration};

use lienthong_definitions::{
    AgencyId, StepId,
    case::{CaseState, StepStatus},
    operator::ActionKind,
};
use serde::{Deserialize, Serialize};
use temporalio_common::ActivityDefinition;
use temporalio_macros::{workflow, workflow_methods};
use temporalio_workflow::{
    ActivityOptions, RetryPolicy, TimerOptions, WorkflowContext, WorkflowContextView,
    WorkflowResult,
};

use crate::time_of::{now, rfc3339};

/// The activity type names both sides register under.
pub const LIST_CASES: &str = "lienthong.batch.list_cases";
pub const ACT_ON_CASES: &str = "lienthong.batch.act_on_cases";

/// Cases listed per page.
pub const PAGE_SIZE: u32 = 100;
/// How often, and after how long at most, cases that did not answer are tried again.
const RETRY_ROUNDS: u32 = 8;
const FIRST_RETRY_AFTER: Duration = Duration::from_secs(5);
const LONGEST_RETRY_WAIT: Duration = Duration::from_secs(120);
/// The pause between the passes of a batch that keeps looking for cases.
const BETWEEN_PASSES: Duration = Duration::from_secs(2);

/// What a batch does to each case it selects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum BatchAction {
    /// Hold the agency in each case: its calls stop until released.
    Hold { agency: AgencyId },
    /// Lift the agency's hold in each case: its held steps are sent again.
    Release { agency: AgencyId },
    /// Send again every retrying or parked step of each case (only `agency`'s, when given).
    RetryNow {
        #[serde(default)]
        agency: Option<AgencyId>,
    },
}

impl BatchAction {
    /// `hold`, `release`, `retry_now`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Hold { .. } => "hold",
            Self::Release { .. } => "release",
            Self::RetryNow { .. } => "retry_now",
        }
    }

    /// The agency acted on, if any.
    pub fn agency(&self) -> Option<&str> {
        match self {
            Self::Hold { agency } | Self::Release { agency } => Some(agency),
            Self::RetryNow { agency } => agency.as_deref(),
        }
    }

    /// The case action a hold or release sends; a retry's depends on each case's steps.
    pub fn case_action(&self) -> Option<ActionKind> {
        match self {
            Self::Hold { agency } => Some(ActionKind::Hold {
                agency: agency.clone(),
            }),
            Self::Release { agency } => Some(ActionKind::Release {
                agency: agency.clone(),
            }),
            Self::RetryNow { .. } => None,
        }
    }
}

/// The retries a bulk retry sends a case: each retrying or parked step (only `agency`'s, when
/// given).
pub fn retries(state: &CaseState, agency: Option<&str>) -> Vec<ActionKind> {
    state
        .steps
        .iter()
        .filter(|s| {
            matches!(
                s.status,
                StepStatus::AgencyUnavailable | StepStatus::Running
            )
        })
        .filter(|s| agency.is_none_or(|wanted| s.agency.as_deref() == Some(wanted)))
        .map(|s| ActionKind::RetryNow { step: s.id.clone() })
        .collect()
}

/// What a batch starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchInput {
    pub action: BatchAction,
    /// The visibility query that selects the cases (running case workflows only).
    pub query: String,
    /// Cases per second; 0 sends as fast as the worker's concurrency allows.
    pub per_second: u32,
    /// At most this many cases are acted on; `None`: every case the query selects.
    #[serde(default)]
    pub cap: Option<u32>,
    /// Who asked, in which role, and why: every case's journal and update carry it.
    pub actor: String,
    pub role: String,
    pub reason: String,
    /// Keep listing until a pass begun this many seconds after the start finds no case not yet
    /// handled; 0: one pass.
    #[serde(default)]
    pub settle_secs: u32,
}

/// What became of one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The case took the action.
    Done,
    /// Nothing to do: the case was already so, has no such agency or step, or has ended.
    Skipped,
    /// The case refused the action; `code` says why.
    Refused,
    /// The case has not answered yet; it is tried again.
    Retrying,
    /// The case never answered in any round; it may still take the action.
    Unanswered,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Skipped => "skipped",
            Self::Refused => "refused",
            Self::Retrying => "retrying",
            Self::Unanswered => "unanswered",
        }
    }
}

/// One case's outcome. Carries no personal data: codes, step ids and engine messages only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseOutcome {
    pub case: String,
    pub outcome: Outcome,
    /// What the action did (`released`, `held`, `restarted`, `resumed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    /// The steps it changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepId>,
    /// Why it was refused, skipped or not answered: a stable code and a message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A page of cases to list: the query and where the last page ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRequest {
    pub query: String,
    pub page_size: u32,
    #[serde(default)]
    pub page_token: Vec<u8>,
}

/// One page of case codes; an empty token means it was the last.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedPage {
    pub codes: Vec<String>,
    #[serde(default)]
    pub next_page_token: Vec<u8>,
}

/// Cases to act on, as the act activity receives them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActRequest {
    pub action: BatchAction,
    pub codes: Vec<String>,
    pub per_second: u32,
    pub actor: String,
    pub role: String,
    pub reason: String,
}

/// Marker for scheduling the listing activity.
#[derive(Debug, Clone, Copy)]
pub struct ListCases;

impl ActivityDefinition for ListCases {
    type Input = ListRequest;
    type Output = ListedPage;

    fn name(&self) -> &str {
        LIST_CASES
    }
}

/// Marker for scheduling the act activity.
#[derive(Debug, Clone, Copy)]
pub struct ActOnCases;

impl ActivityDefinition for ActOnCases {
    type Input = ActRequest;
    type Output = Vec<CaseOutcome>;

    fn name(&self) -> &str {
        ACT_ON_CASES
    }
}

/// How far a batch has got.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchProgress {
    /// `running` or `finished`.
    pub status: String,
    /// Cases selected so far.
    pub matched: u32,
    pub done: u32,
    pub skipped: u32,
    pub refused: u32,
    pub retrying: u32,
    pub unanswered: u32,
    /// Passes over the selection made so far.
    pub passes: u32,
    /// The cap stopped the selection before every case was reached.
    pub capped: bool,
    pub started_at: String,
    #[serde(default)]
    pub finished_at: Option<String>,
}

/// A batch as the API shows it: what it does, how far it got, and a page of its outcomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchReport {
    pub action: BatchAction,
    pub per_second: u32,
    pub actor: String,
    pub reason: String,
    pub progress: BatchProgress,
    /// Outcomes in the order cases were reached, from `offset`.
    pub outcomes: Vec<CaseOutcome>,
    pub offset: u32,
    /// How many outcomes there are in all.
    pub total: u32,
}

/// Which outcomes a report carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportPage {
    pub offset: u32,
    pub limit: u32,
}

impl Default for ReportPage {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: u32::MAX,
        }
    }
}

#[workflow]
#[derive(Debug, Default)]
pub struct BatchWorkflow {
    input: Option<BatchInput>,
    progress: BatchProgress,
    outcomes: Vec<CaseOutcome>,
}

#[workflow_methods]
impl BatchWorkflow {
    #[run]
    pub async fn run(
        ctx: &mut WorkflowContext<Self>,
        input: BatchInput,
    ) -> WorkflowResult<BatchReport> {
        let ctx = &*ctx;
        let started = now(ctx);
        ctx.state_mut(|w| {
            w.input = Some(input.clone());
            w.progress.status = "running".into();
            w.progress.started_at = rfc3339(started);
        });
        let mut seen: BTreeSet<String> = BTreeSet::new();
        'passes: loop {
            let pass_began = now(ctx);
            ctx.state_mut(|w| w.progress.passes += 1);
            let mut found_new = false;
            let mut token = Vec::new();
            loop {
                let page = ctx
                    .execute_activity(
                        ListCases,
                        ListRequest {
                            query: input.query.clone(),
                            page_size: PAGE_SIZE,
                            page_token: token,
                        },
                        list_options(),
                    )
                    .await?;
                let mut fresh: Vec<String> = page
                    .codes
                    .into_iter()
                    .filter(|code| !seen.contains(code))
                    .collect();
                if let Some(cap) = input.cap {
                    let room = usize::try_from(cap)
                        .unwrap_or(usize::MAX)
                        .saturating_sub(seen.len());
                    if fresh.len() > room {
                        fresh.truncate(room);
                        ctx.state_mut(|w| w.progress.capped = true);
                    }
                }
                if !fresh.is_empty() {
                    found_new = true;
                    seen.extend(fresh.iter().cloned());
                    ctx.state_mut(|w| w.progress.matched = count(seen.len()));
                    let outcomes = act(ctx, &input, fresh).await?;
                    ctx.state_mut(|w| w.record(outcomes));
                }
                let capped = ctx.state(|w| w.progress.capped);
                if page.next_page_token.is_empty() || capped {
                    if capped {
                        break 'passes;
                    }
                    break;
                }
                token = page.next_page_token;
            }
            let settled = (pass_began - started).whole_seconds() >= i64::from(input.settle_secs);
            if input.settle_secs == 0 || (settled && !found_new) {
                break;
            }
            pause(ctx, BETWEEN_PASSES).await;
        }
        retry_unanswered(ctx, &input).await?;
        ctx.state_mut(|w| {
            w.progress.status = "finished".into();
            w.progress.finished_at = Some(rfc3339(now(ctx)));
        });
        Ok(ctx.state(|w| w.report_page(ReportPage::default())))
    }

    /// What the batch does, how far it got, and `page` of its outcomes.
    #[query]
    pub fn report(&self, _ctx: &WorkflowContextView, page: ReportPage) -> BatchReport {
        self.report_page(page)
    }
}

impl BatchWorkflow {
    fn report_page(&self, page: ReportPage) -> BatchReport {
        let input = self.input.clone().unwrap_or(BatchInput {
            action: BatchAction::RetryNow { agency: None },
            query: String::new(),
            per_second: 0,
            cap: None,
            actor: String::new(),
            role: String::new(),
            reason: String::new(),
            settle_secs: 0,
        });
        let offset = usize::try_from(page.offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(page.limit).unwrap_or(usize::MAX);
        BatchReport {
            action: input.action,
            per_second: input.per_second,
            actor: input.actor,
            reason: input.reason,
            progress: self.progress.clone(),
            outcomes: self
                .outcomes
                .iter()
                .skip(offset)
                .take(limit)
                .cloned()
                .collect(),
            offset: page.offset,
            total: count(self.outcomes.len()),
        }
    }

    /// Keeps each case's latest outcome, in the order cases were first reached.
    fn record(&mut self, outcomes: Vec<CaseOutcome>) {
        for outcome in outcomes {
            match self.outcomes.iter_mut().find(|o| o.case == outcome.case) {
                Some(kept) => *kept = outcome,
                None => self.outcomes.push(outcome),
            }
        }
        let of =
            |wanted: Outcome| count(self.outcomes.iter().filter(|o| o.outcome == wanted).count());
        self.progress.done = of(Outcome::Done);
        self.progress.skipped = of(Outcome::Skipped);
        self.progress.refused = of(Outcome::Refused);
        self.progress.retrying = of(Outcome::Retrying);
        self.progress.unanswered = of(Outcome::Unanswered);
    }
}

/// Cases that did not answer are tried again, waiting longer each round; after the last
/// round they are reported unanswered.
async fn retry_unanswered(
    ctx: &WorkflowContext<BatchWorkflow>,
    input: &BatchInput,
) -> WorkflowResult<()> {
    let mut wait = FIRST_RETRY_AFTER;
    for _ in 0..RETRY_ROUNDS {
        let again = retrying(ctx);
        if again.is_empty() {
            return Ok(());
        }
        pause(ctx, wait).await;
        wait = (wait * 2).min(LONGEST_RETRY_WAIT);
        let outcomes = act(ctx, input, again).await?;
        ctx.state_mut(|w| w.record(outcomes));
    }
    let left: Vec<CaseOutcome> = ctx.state(|w| {
        w.outcomes
            .iter()
            .filter(|o| o.outcome == Outcome::Retrying)
            .map(|o| CaseOutcome {
                outcome: Outcome::Unanswered,
                ..o.clone()
            })
            .collect()
    });
    ctx.state_mut(|w| w.record(left));
    Ok(())
}

fn retrying(ctx: &WorkflowContext<BatchWorkflow>) -> Vec<String> {
    ctx.state(|w| {
        w.outcomes
            .iter()
            .filter(|o| o.outcome == Outcome::Retrying)
            .map(|o| o.case.clone())
            .collect()
    })
}

async fn act(
    ctx: &WorkflowContext<BatchWorkflow>,
    input: &BatchInput,
    codes: Vec<String>,
) -> WorkflowResult<Vec<CaseOutcome>> {
    let paced = match input.per_second {
        0 => Duration::ZERO,
        rate => Duration::from_secs(1) / rate * count(codes.len()),
    };
    let request = ActRequest {
        action: input.action.clone(),
        codes,
        per_second: input.per_second,
        actor: input.actor.clone(),
        role: input.role.clone(),
        reason: input.reason.clone(),
    };
    Ok(ctx
        .execute_activity(ActOnCases, request, act_options(paced))
        .await?)
}

/// Listing is retried until visibility answers.
fn list_options() -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(Duration::from_secs(30))
        .retry_policy(patient())
        .build()
}

/// Acting on a page: as long as its pace needs and a minute more per attempt, heartbeating
/// after each case so a lost worker's page is taken up where it stopped.
fn act_options(paced: Duration) -> ActivityOptions {
    ActivityOptions::with_start_to_close_timeout(paced + Duration::from_secs(120))
        .heartbeat_timeout(Duration::from_secs(10))
        .retry_policy(patient())
        .build()
}

fn patient() -> RetryPolicy {
    RetryPolicy::builder()
        .initial_interval(Duration::from_secs(1))
        .backoff_coefficient(2.0)
        .maximum_interval(Duration::from_secs(30))
        .maximum_attempts(0)
        .build()
}

async fn pause(ctx: &WorkflowContext<BatchWorkflow>, after: Duration) {
    let _ = ctx.timer(TimerOptions::builder(after).build()).await;
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
