//! Decisions an officer takes later (asynchronous acts).
//!
//! Some steps wait on a human: the agency receives the dossier, gives a receipt reference and
//! decides hours or days later. The `decide_later` fault simulates that: the request is
//! validated as usual and answered 202 `{"outcome": "pending", "reference": ...}`, and that
//! answer is recorded as the act, so a retry with the same key replays it and never starts a
//! second decision. After the delay, a background task decides:
//! - approve: performs the act exactly as the synchronous path would (same register write and
//!   act record in one transaction), the record then holding the synchronous answer;
//! - reject: writes nothing to the register; the record becomes a 422 with the reason code.
//!
//! Either way the engine is called back (`callback.rs`), and `GET /acts/{key}` shows the
//! decision, so a lost callback can be reconciled.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::api_error::ApiError;
use crate::idempotency::{self, ActReply, ActRequest};
use crate::operation::Operation;
use crate::server::AppState;
use crate::{Agency, dates};

/// Said on a rejection whose fault gives no message.
const DEFAULT_REJECTION: &str = "the officer refused the application";

/// A decision that cannot be carried out because something the act needs is down (population
/// for a birth) is tried again this many times before it becomes a refusal.
const MAX_DECISION_ATTEMPTS: u32 = 5;
const FIRST_RETRY: Duration = Duration::from_millis(500);
const MAX_RETRY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Decision {
    Approve,
    Reject,
}

/// What the officer will decide, and when.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub delay: Duration,
    /// Wait for the next release (`POST /admin/decisions/release`) before the delay.
    pub hold: bool,
    /// How long the 202 is held back after the act is recorded.
    pub answer_after: Option<Duration>,
    pub decision: Decision,
    pub reason_code: Option<String>,
    pub message: Option<String>,
}

/// The decisions one simulator is still working on. They are aborted when it stops: the act
/// then stays pending, which `GET /acts/{key}` shows.
#[derive(Debug)]
pub(crate) struct Pending {
    tasks: Mutex<JoinSet<()>>,
    /// How many releases there have been; a held decision waits for the next one.
    releases: tokio::sync::watch::Sender<u64>,
    /// Decisions let go one by one (`release_some`): each held decision takes one.
    let_go: tokio::sync::Semaphore,
}

impl Default for Pending {
    fn default() -> Self {
        Self {
            tasks: Mutex::default(),
            releases: tokio::sync::watch::Sender::new(0),
            let_go: tokio::sync::Semaphore::new(0),
        }
    }
}

impl Pending {
    fn spawn(&self, decision: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(PoisonError::into_inner);
        // Reap finished decisions so the set does not grow with every act.
        while tasks.try_join_next().is_some() {}
        tasks.spawn(decision);
    }

    /// Lets every held decision go ahead; returns how many releases there have been.
    pub fn release(&self) -> u64 {
        self.releases.send_modify(|n| *n += 1);
        *self.releases.borrow()
    }

    /// Lets `count` held decisions go ahead, as an office works through a pile at its own
    /// pace; the rest stay held.
    pub fn release_some(&self, count: usize) {
        // More than the semaphore holds would panic; no pile is that large.
        let room = tokio::sync::Semaphore::MAX_PERMITS - self.let_go.available_permits();
        self.let_go.add_permits(count.min(room));
    }

    /// Waits for the release after `seen`, or for one decision let go by `release_some`.
    async fn released_after(&self, seen: u64) {
        let mut releases = self.releases.subscribe();
        tokio::select! {
            // The sender lives as long as the simulator; if it is gone, so is the decision.
            _ = releases.wait_for(|n| *n > seen) => {}
            // The semaphore's queue is fair: roughly the decision held longest goes first.
            Ok(permit) = self.let_go.acquire() => permit.forget(),
        }
    }

    /// Stops every decision still waiting or calling back.
    pub async fn abort_all(&self) -> usize {
        let mut tasks =
            std::mem::take(&mut *self.tasks.lock().unwrap_or_else(PoisonError::into_inner));
        // Decisions already delivered stay in the set until joined: they are not abandoned.
        while tasks.try_join_next().is_some() {}
        let unfinished = tasks.len();
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        unfinished
    }
}

/// A dossier receipt number ("số biên nhận"): the agency's prefix, the day received and a
/// random serial, e.g. `CT-20260512-00420137` at residence.
fn reference(agency: Agency) -> String {
    let prefix = match agency {
        Agency::Population => "DC",
        Agency::CivilStatus => "HT",
        Agency::Residence => "CT",
        Agency::SocialInsurance => "BH",
        Agency::LabourOffice => "LD",
    };
    let day = dates::format(dates::today()).replace('-', "");
    let serial: u32 = rand::rng().random_range(0..100_000_000);
    format!("{prefix}-{day}-{serial:08}")
}

/// Accepts the request for a later decision: validates it, records the 202 pending answer as
/// the act, and starts the officer's decision in the background.
pub(crate) async fn defer(
    state: &AppState,
    operation: &'static Operation,
    request: ActRequest,
    body: Value,
    plan: Plan,
) -> Result<ActReply, ApiError> {
    (operation.check)(&body)?;
    let mut tx = idempotency::begin(&state.db).await?;
    // A retry, pending or already decided: replay, and never start a second decision.
    if let Some(reply) = idempotency::prior(&mut tx, &request).await? {
        return Ok(reply);
    }
    let reference = reference(state.agency);
    let pending = json!({ "outcome": "pending", "reference": reference });
    let reply =
        idempotency::finish(&state.db, tx, &request, Ok((idempotency::PENDING, pending))).await?;
    if reply.replayed {
        return Ok(reply);
    }
    tracing::info!(
        agency = state.agency.as_str(),
        operation = request.operation,
        idempotency_key = request.key.as_str(),
        reference = reference.as_str(),
        decision = ?plan.decision,
        delay_ms = u64::try_from(plan.delay.as_millis()).unwrap_or(u64::MAX),
        "act pending an officer's decision"
    );
    let seen = *state.decisions.releases.borrow();
    state.decisions.spawn(decide(
        state.clone(),
        operation,
        request,
        body,
        plan,
        reference,
        seen,
    ));
    Ok(reply)
}

enum Outcome {
    Done(Value),
    Rejected { code: String, message: String },
}

async fn decide(
    state: AppState,
    operation: &'static Operation,
    request: ActRequest,
    body: Value,
    plan: Plan,
    reference: String,
    seen_releases: u64,
) {
    if plan.hold {
        state.decisions.released_after(seen_releases).await;
    }
    tokio::time::sleep(plan.delay).await;
    let request = ActRequest {
        deciding: true,
        ..request
    };
    let outcome = match plan.decision {
        Decision::Approve => approve(&state, operation, &request, body).await,
        Decision::Reject => Outcome::Rejected {
            code: plan.reason_code.unwrap_or_else(|| "REJECTED".to_owned()),
            message: plan.message.unwrap_or_else(|| DEFAULT_REJECTION.to_owned()),
        },
    };
    if let Outcome::Rejected { code, message } = &outcome {
        match idempotency::settle_refusal(&state.db, &request.key, code, message).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(
                agency = state.agency.as_str(),
                idempotency_key = request.key.as_str(),
                "the act was no longer pending when the refusal was recorded"
            ),
            // Still called back: the engine learns the decision even if the record lags.
            Err(error) => tracing::error!(
                agency = state.agency.as_str(),
                idempotency_key = request.key.as_str(),
                code = error.code.as_ref(),
                "the refusal could not be recorded"
            ),
        }
    }
    let (label, payload) = match outcome {
        Outcome::Done(output) => (
            "done",
            json!({
                "idempotency_key": request.key,
                "reference": reference,
                "outcome": "done",
                "output": output,
            }),
        ),
        Outcome::Rejected { code, message } => (
            "rejected",
            json!({
                "idempotency_key": request.key,
                "reference": reference,
                "outcome": "rejected",
                "code": code,
                "message": message,
            }),
        ),
    };
    tracing::info!(
        agency = state.agency.as_str(),
        operation = request.operation,
        idempotency_key = request.key.as_str(),
        outcome = label,
        "officer's decision taken"
    );
    state
        .callbacks
        .deliver(state.agency, &request.key, &payload)
        .await;
}

/// Performs the approved act through the same code as the synchronous path. The register may
/// have changed since the dossier was accepted; a refusal then is the officer's refusal.
async fn approve(
    state: &AppState,
    operation: &Operation,
    request: &ActRequest,
    body: Value,
) -> Outcome {
    let mut delay = FIRST_RETRY;
    let mut attempt = 1;
    loop {
        match (operation.perform)(state, request, body.clone()).await {
            Ok(reply) if reply.status.is_success() => return Outcome::Done(reply.body),
            // Settled already (a refusal replayed): report what the record says.
            Ok(reply) => return refusal_of(&reply.body),
            Err(error) if error.status.is_server_error() && attempt < MAX_DECISION_ATTEMPTS => {
                tracing::warn!(
                    agency = state.agency.as_str(),
                    idempotency_key = request.key.as_str(),
                    code = error.code.as_ref(),
                    attempt,
                    "approved act could not be done yet; retrying"
                );
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(MAX_RETRY);
                attempt += 1;
            }
            Err(error) => {
                return Outcome::Rejected {
                    code: error.code.into_owned(),
                    message: error.message.into_owned(),
                };
            }
        }
    }
}

fn refusal_of(body: &Value) -> Outcome {
    let text = |field: &str, default: &str| {
        body.get(field)
            .and_then(Value::as_str)
            .unwrap_or(default)
            .to_owned()
    };
    Outcome::Rejected {
        code: text("code", "REJECTED"),
        message: text("message", DEFAULT_REJECTION),
    }
}
