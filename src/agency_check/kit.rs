//! One run of the kit: the keys it acts under, the two ways it calls the agency (the engine's own
//! client, and raw requests), and the checks in the order they are made.

use std::{
    collections::BTreeMap,
    hash::{BuildHasher, RandomState},
    time::{Duration, Instant, SystemTime},
};

use lienthong_activities::{AgencyClient, AgencyClientOptions, CallError};
use lienthong_definitions::{CallId, CallPurpose, CaseCode, StepId, catalogue::AgencyAccess};
use lienthong_workflows::{AgencyAnswer, AgencyCall};
use serde_json::Value;

use super::{
    inputs::Inputs,
    probe::{NoReply, Probe},
    report::{Report, see},
};

/// The case code prefix of the kit's keys: no installation's cases use it.
const PREFIX: &str = "CK";

/// How long one call through the engine's client may take: the shipped steps' attempt timeout.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// The steps the kit's keys name, as a procedure's steps would.
pub const CHECK_STEP: &str = "check";
pub const UNSIGNED_STEP: &str = "unsigned";
pub const WRONG_STEP: &str = "wrong-signature";
pub const REFUSAL_STEP: &str = "refusal";

/// The checks, in the order they are reported.
pub const HEALTH: &str = "health";
pub const UNSIGNED: &str = "signature: unsigned call";
pub const WRONG: &str = "signature: wrong signature";
pub const UNSIGNED_ACTS: &str = "signature: unsigned /acts read";
pub const SAMPLE: &str = "sample";
pub const ACTS_BEFORE: &str = "/acts before the call";
pub const OPERATION: &str = "operation";
pub const RESPONSE: &str = "response schema";
pub const IDEMPOTENCY: &str = "idempotency";
pub const RECORD: &str = "/acts record";
pub const REFUSAL: &str = "refusal";
pub const UNDO: &str = "undo";
pub const UNDO_IDEMPOTENCY: &str = "undo idempotency";
const ALL: [&str; 13] = [
    HEALTH,
    UNSIGNED,
    WRONG,
    UNSIGNED_ACTS,
    SAMPLE,
    ACTS_BEFORE,
    OPERATION,
    RESPONSE,
    IDEMPOTENCY,
    RECORD,
    REFUSAL,
    UNDO,
    UNDO_IDEMPOTENCY,
];

/// A fresh case code, as the engine's would look, and the keys of its "steps".
pub struct Keys {
    pub case: CaseCode,
}

impl Keys {
    /// 50 random bits: a process's `RandomState` is seeded from the operating system.
    pub fn fresh() -> Self {
        let bits = RandomState::new().hash_one(SystemTime::now());
        Self {
            case: CaseCode::from_bits(PREFIX, bits),
        }
    }

    /// `CK-…/{step}`, as the engine keys a step's first round.
    pub fn key(&self, step: &str) -> String {
        CallId::new(StepId(step.into()), CallPurpose::Call).idempotency_key(&self.case, 0)
    }

    /// `CK-…/{step}/compensate`, as the engine keys a step's undo.
    pub fn undo_key(&self, step: &str) -> String {
        CallId::new(StepId(step.into()), CallPurpose::Compensate).idempotency_key(&self.case, 0)
    }
}

/// Everything one run uses, and its report so far.
pub struct Kit<'a> {
    pub inputs: &'a Inputs,
    pub probe: Probe,
    engine: AgencyClient,
    pub keys: Keys,
    pub report: Report,
}

impl<'a> Kit<'a> {
    pub fn new(inputs: &'a Inputs) -> Result<Self, reqwest::Error> {
        let credentials = inputs
            .credential
            .iter()
            .map(|c| (inputs.agency.id.clone(), c.clone()))
            .collect::<BTreeMap<_, _>>();
        Ok(Self {
            probe: Probe::new(&inputs.url, inputs.credential.clone())?,
            engine: AgencyClient::new(
                AgencyClientOptions::new(BTreeMap::new()).with_credentials(credentials),
            )?,
            keys: Keys::fresh(),
            report: Report::default(),
            inputs,
        })
    }

    /// Every check, in order; the report says which failed.
    pub async fn run(&mut self) {
        println!(
            "agency-check {} at {} ({})",
            self.inputs.agency.id, self.inputs.url, self.inputs.credential_source
        );
        let chosen = if self.inputs.operation_defaulted {
            " (the entry's first; choose with --operation)"
        } else {
            ""
        };
        println!(
            "  operation {}{chosen}; test acts under keys {}/…",
            self.inputs.operation.name, self.keys.case
        );
        if !self.health().await {
            for check in &ALL[1..] {
                self.report
                    .skip(check, "the system cannot be reached (see health)");
            }
            return;
        }
        self.signatures().await;
        let sample = self.sample();
        let first = match &sample {
            Some(sample) => {
                self.acts_before().await;
                let first = self.operation(sample).await;
                self.response_schema(first.as_ref());
                self.idempotency(sample, first.as_ref()).await;
                self.record(first.as_ref()).await;
                first
            }
            None => {
                let why = "needs --sample (above)";
                for check in [ACTS_BEFORE, OPERATION, RESPONSE, IDEMPOTENCY, RECORD] {
                    self.report.skip(check, why);
                }
                None
            }
        };
        self.refusal().await;
        self.undo(sample.as_ref(), first.as_ref()).await;
    }

    /// Whether the system answered at all (a failing `/health` that answers still lets the
    /// other checks run).
    async fn health(&mut self) -> bool {
        match self.probe.health().await {
            Ok(reply) if (200..300).contains(&reply.status) => {
                let ms = reply.elapsed.as_millis();
                self.report
                    .ok(HEALTH, format!("answered {} in {ms} ms", reply.status));
                true
            }
            Ok(reply) => {
                self.report.fail(
                    HEALTH,
                    format!(
                        "GET /health answered {}; answer 2xx within 2 s whenever operations can \
                         be served {}",
                        reply.status,
                        see("11")
                    ),
                );
                true
            }
            Err(error) => {
                let hint = match error {
                    NoReply::TimedOut(_) => "",
                    _ => " (is the system running, and is --url its base URL?)",
                };
                self.report.fail(
                    HEALTH,
                    format!(
                        "GET /health: {error}{hint}; answer 2xx within 2 s, unsigned {}",
                        see("11")
                    ),
                );
                matches!(error, NoReply::TimedOut(_))
            }
        }
    }

    /// The sample's own check, made before anything was sent (a mismatch stopped the run).
    fn sample(&mut self) -> Option<Value> {
        let operation = &self.inputs.operation;
        match &self.inputs.sample {
            Some(sample) => {
                self.report.ok(
                    SAMPLE,
                    format!("matches {}'s request schema", operation.name),
                );
                Some(sample.clone())
            }
            None => {
                let required = super::schema::required_names(&operation.request);
                self.report.skip(
                    SAMPLE,
                    format!(
                        "give --sample FILE, a JSON request body for {} (its request schema \
                         requires: {}) that your test system accepts",
                        operation.name,
                        if required.is_empty() {
                            "nothing".to_owned()
                        } else {
                            required.join(", ")
                        }
                    ),
                );
                None
            }
        }
    }

    /// One call through the engine's own client, exactly as a worker makes it (signing, key,
    /// answer classification); `reconcile_only` asks `/acts` as a retry does, sending nothing.
    pub async fn engine(
        &self,
        operation: &str,
        key: &str,
        payload: &Value,
        reconcile_only: bool,
    ) -> (Result<AgencyAnswer, CallError>, Duration) {
        let call = AgencyCall {
            agency: self.inputs.agency.id.as_str().into(),
            operation: operation.to_owned(),
            idempotency_key: key.to_owned(),
            payload: payload.clone(),
            // The whole answer: the kit checks every field the agency sends.
            keep: None,
            case_code: self.keys.case.clone(),
            reconcile_only,
            attempts_before: 0,
            access: Some(AgencyAccess {
                base_url: self.inputs.url.clone(),
                auth: self.inputs.agency.auth.clone(),
                max_per_second: None,
            }),
        };
        let started = Instant::now();
        let result = self.engine.call(&call, 1, Some(CALL_TIMEOUT)).await;
        (result, started.elapsed())
    }
}
