//! The HTTP API: citizens submit and follow cases; every answer has a stable error code.

mod application;
mod auth;
mod body;
mod callbacks;
mod case_access;
mod case_code;
mod case_update;
mod case_view;
mod catalogue_routes;
mod citizen;
mod codec_access;
pub mod codes;
mod console;
mod definition_versions;
pub mod dry_run;
mod engine;
mod error;
mod json;
mod limits;
mod openapi;
pub mod ops;
mod params;
mod procedures;
mod readiness;
mod routes;
mod shape;
mod state;

pub use auth::Caller;
pub use callbacks::CallbackAuth;
pub use case_update::DEFAULT_UPDATE_DEADLINE;
/// How long a console session lasts unused unless configured.
pub const DEFAULT_CONSOLE_IDLE: std::time::Duration = std::time::Duration::from_secs(30 * 60);
pub use console::share_csrf_key;
pub use error::ApiError;
pub use limits::{RateLimits, RatesPerMinute};
pub use procedures::{Catalog, CatalogError, INSTALLER};
pub use routes::router;
pub use state::ApiState;
