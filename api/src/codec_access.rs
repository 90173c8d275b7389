//! Who may decode case history through `/v1/codec/decode`, and the audit record of each use.
//!
//! A payload carries no case code or office in clear (the SDK gives the codec no workflow
//! context), so a decode cannot be limited to the caller's offices: it needs an operator granted
//! personal data whose scope is every office ([`lienthong_identity::EVERY_OFFICE`]). Every
//! decode, refused or not, lands in the audit log. Encoding is not served at all (only the
//! codec's `/decode` route is mounted): nobody outside the engine makes ciphertext under the
//! installation's key.

use axum::{
    extract::{Request, State},
    http::StatusCode,
    middleware::Next,
    response::Response,
};
use lienthong_identity::Role;
use lienthong_store::NewAuditEntry;

use crate::{ApiError, ApiState, auth::Caller};

/// Guards the codec endpoint and audits each use.
pub(crate) async fn require_decoder(
    State(state): State<ApiState>,
    caller: Caller,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let principal = caller.require(&[Role::Operator])?;
    let refused = !principal.personal_data || !principal.covers_every_office();
    let detail = request.uri().path().trim_start_matches('/').to_owned();
    let (outcome, answer) = if refused {
        let error = ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "decoding case history needs an operator granted personal data whose scope is every office (`*`): a payload names no office",
        );
        (format!("refused: {}", error.code), Err(error))
    } else {
        let response = next.run(request).await;
        let outcome = if response.status().is_success() {
            "done".to_owned()
        } else {
            format!("refused: HTTP {}", response.status().as_u16())
        };
        (outcome, Ok(response))
    };
    state
        .store
        .append_audit(NewAuditEntry {
            actor: principal.subject.clone(),
            role: caller.0.role_label(),
            action: "codec_decode".into(),
            cases: Vec::new(),
            reason: None,
            outcome,
            detail: Some(detail),
        })
        .await
        .map_err(ApiError::database)?;
    if answer.is_ok() {
        tracing::info!(actor = %principal.subject, "codec endpoint used");
    }
    answer
}
