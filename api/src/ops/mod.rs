//! `/v1/ops`: what operators use to find and fix stuck cases, and `/v1/audit` for auditors.
//! Every action needs a reason, is checked before it is carried out, and lands in the audit log
//! with its outcome, refusals included.

mod actions;
pub(crate) use actions::update_error;
mod agencies;
mod audit_routes;
mod bulk;
pub mod cases;
pub mod filter;

use axum::{
    Router,
    routing::{get, post},
};

pub use actions::{ActionRequest, act};
pub use agencies::{agency_board, hold, release};
pub use audit_routes::to_csv;
pub use bulk::{BulkRequest, bulk};
pub use cases::{dashboard_counts, list_cases, picture, timeline};
pub use filter::CaseFilter;

use crate::ApiState;

pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/v1/ops/cases", get(cases::list))
        .route("/v1/ops/counts", get(cases::counts))
        .route("/v1/ops/cases/{code}", get(cases::show))
        .route("/v1/ops/cases/{code}/picture.svg", get(cases::picture_svg))
        .route("/v1/ops/cases/{code}/actions", post(actions::post))
        .route("/v1/ops/agencies", get(agencies::list))
        .route("/v1/ops/agencies/{agency}/hold", post(agencies::hold_route))
        .route(
            "/v1/ops/agencies/{agency}/release",
            post(agencies::release_route),
        )
        .route("/v1/ops/bulk", post(bulk::post))
        .route("/v1/audit", get(audit_routes::list))
        .route("/v1/audit.csv", get(audit_routes::csv))
}
