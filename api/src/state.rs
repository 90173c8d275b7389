//! What every handler shares: the Temporal client, the engine database, the procedures in
//! force, the token verifier, the limits and the settings an installation chooses.

use std::sync::Arc;

use lienthong_definitions::calendar::Calendar;
use temporalio_client::Client;

use crate::{Catalog, callbacks::CallbackAuth};
use lienthong_identity::Verifier;
use lienthong_store::Store;

/// Shared by every handler.
#[derive(Clone, Debug)]
pub struct ApiState {
    pub client: Client,
    pub catalog: Arc<Catalog>,
    /// Where new cases are queued for workers.
    pub task_queue: String,
    /// The working-day calendar new cases count their legal deadlines with.
    pub calendar: Arc<Calendar>,
    pub callbacks: Arc<CallbackAuth>,
    /// Agency base URLs that override the catalogue's (for the agencies' health checks).
    pub agencies: Arc<std::collections::BTreeMap<String, String>>,
    /// Checks every caller's bearer token.
    pub verifier: Arc<Verifier>,
    /// The engine database: who may see each case, holds, the audit log.
    pub store: Store,
    /// Where an application is filed when it names no office (`01-HK`: province-office).
    pub default_office: String,
    /// How long a step may wait on an agency's answer before its case needs attention.
    pub attention_after_secs: Option<u64>,
    /// Where each new case runs its agency calls' first attempts.
    pub first_attempt: lienthong_workflows::FirstAttempt,
    /// How often one caller may submit, call back, dry-run, validate or sign in.
    pub limits: Arc<crate::RateLimits>,
    /// How long a console session lasts unused.
    pub console_idle: std::time::Duration,
    /// Decrypts case history for the Temporal CLI and UI (`/v1/codec`).
    pub payload_cipher: Arc<lienthong_codec::PayloadCipher>,
    /// How long a withdrawal or an operator's action waits for its case to take it.
    pub update_deadline: std::time::Duration,
}
