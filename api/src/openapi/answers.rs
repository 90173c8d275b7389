//! Schemas of answers the handlers build as JSON values (`json!`) or take from other crates
//! (the case state, the agency catalogue, audit entries, operator outcomes), which derive no
//! schema of their own. These types are never built: each only describes one answer, and
//! `api/tests/openapi.rs` checks the ones taken from other crates against real values.
#![allow(dead_code)]

use serde_json::Value;
use utoipa::ToSchema;

/// `GET /health`.
#[derive(ToSchema)]
pub(crate) struct Health {
    #[schema(example = "ok")]
    status: String,
}

/// `GET /ready`: whether the API can serve now, and what each check found.
#[derive(ToSchema)]
pub(crate) struct Readiness {
    #[schema(inline)]
    status: ReadyStatus,
    checks: ReadinessChecks,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
enum ReadyStatus {
    Ready,
    NotReady,
}

#[derive(ToSchema)]
pub(crate) struct ReadinessChecks {
    temporal: ReadinessCheck,
    database: ReadinessCheck,
    /// `pollers`: the workers seen polling the task queue recently.
    workers: ReadinessCheck,
}

#[derive(ToSchema)]
pub(crate) struct ReadinessCheck {
    ok: bool,
    /// Why not, when not.
    error: Option<String>,
    /// For `workers`: how many poll the task queue.
    pollers: Option<u32>,
}

/// The procedures that can be filed today.
#[derive(ToSchema)]
pub(crate) struct ProcedureList {
    procedures: Vec<ProcedureSummary>,
}

/// A procedure in the version new cases get today.
#[derive(ToSchema)]
pub(crate) struct ProcedureSummary {
    #[schema(example = "birth-residence-insurance")]
    id: String,
    version: u32,
    /// The first day this version applies to (`YYYY-MM-DD`).
    #[schema(format = Date)]
    effective_from: String,
    /// The procedure's title in each language (`vi`, `en`).
    title: Value,
    /// The step ids, in definition order.
    steps: Vec<String>,
}

/// What a withdrawal request did.
#[derive(ToSchema)]
pub(crate) struct WithdrawalAnswer {
    case_code: String,
    /// `withdrawal_requested`, or `already_withdrawing` for a second request (the first reason
    /// stands).
    #[schema(inline)]
    status: WithdrawalStatus,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
enum WithdrawalStatus {
    WithdrawalRequested,
    AlreadyWithdrawing,
}

/// The supplement was passed to the step waiting for it.
#[derive(ToSchema)]
pub(crate) struct SupplementAnswer {
    case_code: String,
    step: String,
    #[schema(example = "supplement_received")]
    status: String,
}

/// The decision was passed to its case.
#[derive(ToSchema)]
pub(crate) struct CallbackAnswer {
    case_code: String,
    #[schema(example = "received")]
    status: String,
}

/// A citizen's case: the case as the engine holds it, and `said`, the same in words.
#[derive(ToSchema)]
#[schema(as = CitizenCase)]
pub(crate) struct CitizenCaseDoc {
    #[serde(flatten)]
    case: CaseStateDoc,
    said: crate::citizen::words::Said,
}

/// A case as the engine holds it: what a portal shows the citizen. Values that are personal
/// data are masked unless the caller's role grants personal data.
#[derive(ToSchema)]
#[schema(as = CaseState)]
pub(crate) struct CaseStateDoc {
    #[schema(example = "KS-3AXMP-RTRQT")]
    code: String,
    procedure: String,
    version: u32,
    #[schema(inline)]
    status: CaseStatus,
    /// In definition order.
    steps: Vec<StepRecordDoc>,
    /// The order in which steps succeeded; compensation walks it backwards.
    completed_order: Vec<String>,
    /// Set once the case is withdrawn or cancelled: `{reason, operator?}`.
    withdrawal: Option<Value>,
    /// The first permanent failure, which decided how the case ends:
    /// `{step, agency, code, message}`.
    failure: Option<Value>,
    /// When the application was received (RFC 3339).
    #[schema(format = DateTime)]
    submitted_at: String,
    /// The legal deadline of the whole case (RFC 3339), extended while the citizen was asked
    /// for documents.
    #[schema(format = DateTime)]
    deadline: Option<String>,
    /// A legal deadline has passed with the case or a step still open.
    overdue: bool,
    /// Every deadline that passed, in order: `{step?, deadline, noticed_at}`.
    escalations: Vec<Value>,
    /// Why an operator must look at this case now (`retrying`, `agency_unavailable`,
    /// `decision_overdue`, `overdue`, `compensation_failed`, `correction_needed`,
    /// `unreconciled`, `held`, `notification_failed`).
    attention: Vec<String>,
    /// Each reason with the step and agency involved: `{reason, step?, agency?}`.
    attention_details: Vec<Value>,
    /// Agencies an operator holds for this case.
    held_agencies: Vec<String>,
    /// What happened and when, oldest first: `{at, kind, step?, agency?, detail?, actor?}`.
    journal: Vec<Value>,
    /// How many older journal entries were dropped to keep the journal bounded.
    journal_dropped: u32,
    /// A first attempt may have reached an agency without being recorded: a stopping case asks
    /// the agency before skipping such a step.
    unrecorded_attempts: bool,
    /// The messages the case sent its citizen, in the order they were queued: `{key, event,
    /// step?, channel, status, attempts, last_error?, queued_at, settled_at?}`; `event` is
    /// `filed`, `step_done`, `documents_requested`, `reminder`, `completed`, `failed`,
    /// `withdrawn` or `overdue`, `status` `sending`, `delivered`, `failed` (dead-lettered) or
    /// `not_configured`. Never the address.
    notifications: Vec<Value>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
enum CaseStatus {
    Running,
    Compensating,
    Completed,
    PartiallyCompleted,
    Failed,
    Withdrawn,
}

/// One step of a case.
#[derive(ToSchema)]
#[schema(as = StepRecord)]
pub(crate) struct StepRecordDoc {
    #[schema(example = "residence")]
    id: String,
    /// The agency the step is sent to, once known.
    agency: Option<String>,
    /// The operation called, once known.
    operation: Option<String>,
    /// Which of the step's routes was taken, once it was sent.
    route: Option<u32>,
    #[schema(inline)]
    status: StepStatus,
    /// Attempts of the forward call, known once it ends.
    attempts: u32,
    /// The last error: `{code, message}`.
    last_error: Option<Value>,
    /// The kept outputs (only the fields the definition lists).
    output: Option<Value>,
    /// The agency's answer to the compensation, when one ran.
    compensation_output: Option<Value>,
    /// How many times the step was sent again with documents the citizen supplied.
    round: u32,
    /// The step's legal deadline (RFC 3339).
    #[schema(format = DateTime)]
    deadline: Option<String>,
    /// Set while the step waits for the citizen: `{documents, message, due, requested_at}`;
    /// answer with `POST /v1/cases/{code}/supplements` before `due`.
    documents_requested: Option<Value>,
    /// The agency's reference for a decision it will send back later.
    decision_reference: Option<String>,
    /// The outcome was learnt by asking the agency after a call went unanswered.
    reconciled: bool,
    /// Sent and not answered: the agency may have acted.
    sent_unanswered: bool,
    /// In flight longer than the case's attention threshold.
    long_running: bool,
    /// An operator recorded that the step was done offline: `{reference, by}`.
    resolution: Option<Value>,
    /// Held before any attempt of it could have gone out: a stopping case skips it.
    held_unsent: bool,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
enum StepStatus {
    Pending,
    Running,
    Succeeded,
    Rejected,
    Failed,
    Skipped,
    NotApplicable,
    AwaitingDocuments,
    AwaitingDecision,
    AgencyUnavailable,
    Held,
    ResolvedManually,
    Compensating,
    Compensated,
    CompensationFailed,
    NeedsCorrection,
}

/// What `POST /v1/definitions/validate` found.
#[derive(ToSchema)]
pub(crate) struct ValidationAnswer {
    valid: bool,
    /// The definition's id, when it is valid.
    procedure: Option<String>,
    /// Its version, when it is valid.
    version: Option<u32>,
    diagnostics: Vec<crate::error::DiagnosticView>,
}

/// Stored versions, each without its text.
#[derive(ToSchema)]
pub(crate) struct VersionList {
    versions: Vec<crate::definition_versions::VersionView>,
}

/// The agency catalogue.
#[derive(ToSchema)]
pub(crate) struct AgencyList {
    #[schema(value_type = Vec<CatalogueAgencyDoc>)]
    agencies: Vec<Value>,
}

/// One agency's catalogue entry, as JSON: `{id, title, base_url, auth, operations}`, each
/// operation with its JSON Schema contracts; the format of `definitions/catalogue/*.yaml`.
#[derive(ToSchema)]
#[schema(as = CatalogueAgency)]
pub(crate) struct CatalogueAgencyDoc {
    #[schema(example = "civil-status")]
    id: String,
    /// The agency's name in each language.
    title: Value,
    base_url: String,
    /// How calls are signed: `{kind: none}`, `{kind: bearer, token_env}` or
    /// `{kind: hmac, secret_env}`.
    auth: Value,
    /// The most calls a second the agency takes from all workers together; absent when it
    /// takes them as fast as cases go.
    #[schema(example = 5.0)]
    max_per_second: Option<f64>,
    /// Each operation with its request and response contracts.
    operations: Vec<Value>,
}

/// One case for an operator: its state, the office and every operator action on it.
#[derive(ToSchema)]
pub(crate) struct CaseTimeline {
    /// Masked unless the operator's role grants personal data.
    case: CaseStateDoc,
    office: String,
    procedure: String,
    #[schema(format = DateTime)]
    submitted_at: String,
    /// Whether `case` shows personal data (and the read was written to the audit log).
    personal_data: bool,
    /// The application as filed, in its procedure's shape: in clear when `personal_data`,
    /// every value masked (`•••`) otherwise; `null` when it cannot be read.
    application: Option<Value>,
    operator_actions: Vec<AuditEntryDoc>,
    /// `{picture, actions}`: this case's picture and actions URLs.
    links: Value,
}

/// An operator action the case took.
#[derive(ToSchema)]
#[schema(as = ActionOutcome)]
pub(crate) struct ActionOutcomeDoc {
    /// The action's name (`retry_now`, `hold`, …).
    action: String,
    step: Option<String>,
    agency: Option<String>,
    /// `restarted`, `resumed`, `held`, `released`, `resolved` or `cancelling`.
    effect: String,
    /// The steps the action changed.
    steps: Vec<String>,
}

/// The agencies, whether each is held and whether it answers its health check.
#[derive(ToSchema)]
pub(crate) struct AgencyBoard {
    agencies: Vec<AgencyState>,
}

#[derive(ToSchema)]
pub(crate) struct AgencyState {
    agency: String,
    held: bool,
    /// `{agency, held_by, reason, held_at}` while held.
    hold: Option<Value>,
    /// Whether its health check answers.
    answers: bool,
    /// Why it does not, when it does not.
    problem: Option<String>,
}

/// What a hold or a release did: recorded for new cases at once, and the batch that carries it
/// to the running ones.
#[derive(ToSchema)]
pub(crate) struct AgencyActionAnswer {
    agency: String,
    held: bool,
    /// The batch's id: `GET /v1/ops/batches/{batch}` shows its progress and each case's outcome.
    batch: String,
    /// After a release: the pace used.
    per_second: Option<u32>,
}

/// What a bulk action would do (`dry_run: true`, a page at a time) or the batch carrying it out.
#[derive(ToSchema)]
pub(crate) struct BulkAnswer {
    dry_run: bool,
    /// How many cases the filter matches in all.
    matched_total: u64,
    /// Dry run: the cases of this page.
    matched: Option<Vec<String>>,
    /// Dry run: each `{case, action, step?, agency?}` that would be sent to this page's cases.
    would_send: Option<Vec<Value>>,
    /// Dry run: this page's cases whose state could not be read in time (a worker is restarting).
    unreadable: Option<Vec<String>>,
    /// Dry run: pass as `page` for the next page; `null` on the last.
    next_page: Option<String>,
    /// Dry run: whether a real run would be refused with `BULK_OVER_CAP`.
    over_cap: Option<bool>,
    /// Real run: the batch's id; `GET /v1/ops/batches/{batch}` shows its progress.
    batch: Option<String>,
    /// Real run: the pace used.
    per_second: Option<u32>,
    /// Real run of `release`: whether the agency's hold was lifted too.
    agency_hold_lifted: Option<bool>,
}

/// A batch: what it does, how far it got, and a page of each case's outcome.
#[derive(ToSchema)]
#[schema(as = BatchReport)]
pub(crate) struct BatchReportDoc {
    /// `{action: hold|release|retry_now, agency?}`.
    action: Value,
    per_second: u32,
    actor: String,
    reason: String,
    progress: BatchProgressDoc,
    /// `{case, outcome: done|skipped|refused|retrying|unanswered, effect?, steps?, code?, message?}`
    /// in the order cases were reached, from `offset`.
    outcomes: Vec<Value>,
    offset: u32,
    /// How many outcomes there are in all.
    total: u32,
}

/// How far a batch has got.
#[derive(ToSchema)]
#[schema(as = BatchProgress)]
pub(crate) struct BatchProgressDoc {
    /// `running` or `finished`.
    status: String,
    /// Cases selected so far.
    matched: u32,
    done: u32,
    /// Nothing to do: already so, not concerned, or ended.
    skipped: u32,
    refused: u32,
    /// Not answered yet; asked again.
    retrying: u32,
    /// Never answered in any round; may still take effect.
    unanswered: u32,
    passes: u32,
    /// The cap stopped the selection before every case was reached.
    capped: bool,
    #[schema(format = DateTime)]
    started_at: String,
    #[schema(format = DateTime)]
    finished_at: Option<String>,
}

/// Recent batches, newest first.
#[derive(ToSchema)]
pub(crate) struct BatchList {
    /// `{batch, status: running|finished, started_at}`.
    batches: Vec<Value>,
}

/// A page of the audit log, newest first.
#[derive(ToSchema)]
pub(crate) struct AuditPage {
    entries: Vec<AuditEntryDoc>,
    /// Pass as `before_id` for the next page; `null` at the end.
    next_before_id: Option<i64>,
}

/// One thing someone did.
#[derive(ToSchema)]
#[schema(as = AuditEntry)]
pub(crate) struct AuditEntryDoc {
    id: i64,
    #[schema(format = DateTime)]
    at: String,
    actor: String,
    role: String,
    action: String,
    cases: Vec<String>,
    reason: Option<String>,
    /// `done`, `refused: <code>`, `dry_run`, …
    outcome: String,
    /// What was asked, without personal data (a step, an agency, a filter).
    detail: Option<String>,
}

/// Temporal payloads in the codec-server protocol (protobuf JSON of `Payloads`).
#[derive(ToSchema)]
pub(crate) struct Payloads {
    payloads: Vec<Payload>,
}

#[derive(ToSchema)]
pub(crate) struct Payload {
    /// Each metadata value base64-encoded (`encoding`, `encryption-key-id`).
    metadata: std::collections::BTreeMap<String, String>,
    /// Base64.
    data: String,
}

/// The codec endpoints' own error shape.
#[derive(ToSchema)]
pub(crate) struct CodecError {
    #[schema(example = "invalid_payloads")]
    code: String,
    message: String,
}
