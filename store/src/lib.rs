//! The engine database: definition versions (draft → published → retired) and the agency
//! catalogue. SQLite by default (a file in the data directory), Postgres by URL; the same queries
//! run on both through sqlx's `Any` driver, each dialect with its own migrations.

mod catalogue;
mod connect;
mod definitions;
mod error;

pub use connect::Store;
pub use definitions::{NewDraft, VersionRecord, VersionStatus};
pub use error::StoreError;
