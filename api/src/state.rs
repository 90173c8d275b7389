//! What every handler shares: the Temporal client, the engine database, the procedures in
//! force, the token verifier, the limits and the settings an installation chooses.

use std::sync::Arc;

use lienthong_definitions::calendar::Calendar;
use lienthong_identity::Verifier;
use lienthong_store::Store;
use temporalio_client::Client;

use crate::{ApiConfig, Catalog, RateLimits, callbacks::CallbackAuth};

/// Shared by every handler.
#[derive(Clone, Debug)]
pub struct ApiState {
    pub client: Client,
    pub catalog: Arc<Catalog>,
    /// The engine database: who may see each case, holds, the audit log.
    pub store: Store,
    /// Checks every caller's bearer token.
    pub verifier: Arc<Verifier>,
    /// Decrypts case history for the Temporal CLI and UI (`/v1/codec`).
    pub payload_cipher: Arc<lienthong_codec::PayloadCipher>,
    /// The installation's settings.
    pub config: Arc<ApiConfig>,
    /// The working-day calendar new cases count their legal deadlines with.
    pub calendar: Arc<Calendar>,
    /// Checks agencies' callbacks with their secrets (from `config`).
    pub callbacks: Arc<CallbackAuth>,
    /// How often one caller may submit, call back, dry-run, validate or sign in (from `config`).
    pub limits: Arc<RateLimits>,
}

impl ApiState {
    /// The state of an API on `config`: the limits and callback secrets are made from it.
    pub fn new(
        client: Client,
        catalog: Arc<Catalog>,
        verifier: Arc<Verifier>,
        payload_cipher: Arc<lienthong_codec::PayloadCipher>,
        config: ApiConfig,
    ) -> Self {
        Self {
            client,
            store: catalog.store().clone(),
            catalog,
            verifier,
            payload_cipher,
            calendar: Arc::new(Calendar::vietnam()),
            callbacks: Arc::new(
                CallbackAuth::new(config.callback_secrets.clone())
                    .with_secrets_dir(config.agency_secrets_dir.clone()),
            ),
            limits: Arc::new(RateLimits::new(config.rates)),
            config: Arc::new(config),
        }
    }

    /// The key a new case hashes the numbers its steps issue under: the one derived from the
    /// payload key that writes.
    pub fn issued_tag_key(&self) -> Option<lienthong_workflows::IssuedTagKey> {
        let ring = self.payload_cipher.key_ring();
        let keys = ring.search_keys();
        let (id, key) = keys.first()?;
        Some(lienthong_workflows::IssuedTagKey::new(id, key))
    }

    /// A search's keys: every payload key's, so cases filed before a key rotation are found.
    pub fn issued_tag_keys(&self) -> Vec<lienthong_workflows::IssuedTagKey> {
        self.payload_cipher
            .key_ring()
            .search_keys()
            .into_iter()
            .map(|(id, key)| lienthong_workflows::IssuedTagKey::new(id, key))
            .collect()
    }
}
