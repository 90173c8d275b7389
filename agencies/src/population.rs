//! National Population Database: assigns a newborn's 12-digit personal ID, records a death
//! (so nobody dies twice), and answers lookups of a citizen.

mod citizens;
mod deaths;

use axum::Router;
use axum::routing::get;

use crate::operation::Operation;
use crate::server::AppState;

// Named because civil status calls them too.
pub(crate) const ASSIGN_PERSONAL_ID: &str = "assign-personal-id";
pub(crate) const RECORD_DEATH: &str = "record-death";

pub(crate) const OPERATIONS: &[Operation] = &[
    Operation {
        name: ASSIGN_PERSONAL_ID,
        check: citizens::check_request,
        perform: |state, request, body| {
            Box::pin(citizens::assign_personal_id(state, request, body))
        },
    },
    Operation {
        name: RECORD_DEATH,
        check: deaths::check_request,
        perform: |state, request, body| Box::pin(deaths::record_death(state, request, body)),
    },
];

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/citizens/{personal_id}", get(citizens::citizen))
}
