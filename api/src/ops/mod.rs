//! `/v1/ops`: what operators use to find and fix stuck cases, and `/v1/audit` for auditors.
//! Every action needs a reason, is checked before it is carried out, and lands in the audit log
//! with its outcome, refusals included.

mod actions;
pub(crate) use actions::update_error;
mod agencies;
mod audit_routes;
pub mod batches;
mod bulk;
pub mod cases;
pub mod filter;
pub mod people;

use utoipa_axum::{router::OpenApiRouter, routes};

pub use actions::{ActionRequest, act};
pub use agencies::{agency_board, hold, release};
pub use audit_routes::to_csv;
pub use batches::{BatchPage, recent as recent_batches, report as batch_report};
pub use bulk::{BulkRequest, bulk};
pub use cases::{dashboard_counts, list_cases, picture, timeline};
pub use filter::CaseFilter;

use crate::ApiState;

pub(crate) fn routes() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(cases::list))
        .routes(routes!(cases::counts))
        .routes(routes!(cases::show))
        .routes(routes!(cases::picture_svg))
        .routes(routes!(actions::post))
        .routes(routes!(agencies::list))
        .routes(routes!(agencies::hold_route))
        .routes(routes!(agencies::release_route))
        .routes(routes!(bulk::post))
        .routes(routes!(batches::list))
        .routes(routes!(batches::show))
        .routes(routes!(audit_routes::list))
        .routes(routes!(audit_routes::csv))
        .routes(routes!(people::post))
}
