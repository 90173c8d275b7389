//! The engine database: definition versions (draft → published → retired), the agency
//! catalogue, who may see each case, agency holds, and the append-only audit log. SQLite by
//! default (a file in the data directory), Postgres by URL; the same queries run on both through
//! sqlx's `Any` driver, each dialect with its own migrations.

mod approvals;
mod audit;
mod cases;
mod catalogue;
mod connect;
mod console_sessions;
mod definitions;
mod error;
mod holds;
mod replicas;

pub use approvals::{Approval, ApprovalAction};
pub use audit::{AuditEntry, AuditFilter, NewAuditEntry};
pub use cases::CaseRecord;
pub use connect::Store;
pub use console_sessions::NewConsoleSession;
pub use definitions::{NewDraft, VersionRecord, VersionStatus};
pub use error::StoreError;
pub use holds::AgencyHold;
