//! Who may decode case history through `/v1/codec/decode`, and the audit record of each use.
//!
//! A payload carries no case code or office in clear (the SDK gives the codec no workflow
//! context), so a decode cannot be limited to the caller's offices: it needs an operator granted
//! personal data whose scope is every office ([`lienthong_identity::EVERY_OFFICE`]). Every
//! decode, refused or not, lands in the audit log. Encoding is not served: nobody outside the
//! engine makes ciphertext under the installation's key.

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
    let refusal = if request.uri().path() != "/decode" {
        Some(ApiError::new(
            StatusCode::FORBIDDEN,
            "CODEC_ENCODE_REFUSED",
            "only decoding is served; nothing outside the engine encrypts under its key",
        ))
    } else if !principal.personal_data || !principal.covers_every_office() {
        Some(ApiError::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "decoding case history needs an operator granted personal data whose scope is every office (`*`): a payload names no office",
        ))
    } else {
        None
    };
    let outcome = match &refusal {
        Some(error) => format!("refused: {}", error.code),
        None => "done".to_owned(),
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
            detail: Some(request.uri().path().trim_start_matches('/').to_owned()),
        })
        .await
        .map_err(ApiError::database)?;
    if let Some(error) = refusal {
        return Err(error);
    }
    tracing::info!(actor = %principal.subject, "codec endpoint used");
    Ok(next.run(request).await)
}
