//! Agency simulators for lienthong: real HTTP services standing in for the government systems
//! a linked procedure goes through (population, civil status, residence, social insurance,
//! labour office), each with its own SQLite register, exactly-once acts keyed by
//! `Idempotency-Key`, and injectable faults.
//!
//! Each simulator's operations are the `OPERATIONS` table of its module (`population.rs`,
//! `civil_status.rs`, `residence.rs`, `social_insurance.rs`, `labour_office.rs`), a
//! compensation right after the act it undoes; population also serves
//! `GET /citizens/{personal_id}`.
//!
//! [`seeded`] lists the people seeded for death registrations, [`rates`] the amounts paid.
//!
//! Every simulator serves:
//! - `GET /health`
//! - `POST /operations/{operation}` with an `Idempotency-Key` header and a JSON body; a replay
//!   of a recorded act carries `Idempotent-Replayed: true`
//! - `GET /acts/{idempotency_key}`: a recorded act, to reconcile an unknown outcome
//!
//!   Both are signed by the engine (`X-Lienthong-Timestamp`, `X-Lienthong-Signature:
//!   sha256=<hex HMAC-SHA256(secret, "<ts>.<METHOD> <path>.<body>")>`) with the agency's secret
//!   ([`SimConfig::secret`]); population, whose catalogue auth is `none`, takes unsigned calls.
//!   Refusals are `401` `SIGNATURE_MISSING`, `SIGNATURE_INVALID` or `SIGNATURE_EXPIRED`
//!   (over five minutes either way). `/health` and `/admin/*` are not signed.
//! - `POST|GET|DELETE /admin/faults`: queue, list, clear injected faults. Every fault names an
//!   `operation` (`"*"` matches every operation) and may carry `count` (uses before it leaves
//!   the queue) and `probability` (0.0 to 1.0, default 1.0: the chance a matching request is
//!   affected). Modes:
//!   - `error` (`status`), `reject` (`reason_code`, `message`), `latency` (`latency_ms`,
//!     `after_act`)
//!   - `ambiguous` (`hold_ms`, default 60000): the act is done and committed, then the answer
//!     is held back so the caller times out after the agency acted
//!   - `outage` (`duration_ms`, operation `"*"`): every call's connection is cut, with no HTTP
//!     answer, for a while (`/admin` still answers; `DELETE /admin/faults` ends it early)
//!   - `documents_required` (`documents`, `message`): 200 asking for documents, nothing done
//!   - `decide_later` (`delay_ms`, `decision`, `reason_code`, `message`): 202 pending, then an
//!     officer's decision, called back to the engine signed with HMAC-SHA256
//! - `POST|GET /admin/callback`: the engine URL decisions are called back to
//!
//! Every operation accepts, and ignores, a top-level `supplement` (documents supplied after a
//! `documents_required` answer).
//!
//! Errors are `{"code": "UPPER_SNAKE", "message": "..."}` and never carry personal data.
//!
//! Two more stand-ins receive what citizens are sent: [`MailCatcher`], an SMTP server keeping
//! each message as an `.eml` file ([`mailbox`] reads them back), and [`WebhookSink`], an HTTP
//! receiver that checks signatures and records each notice as a JSON line (it also plays the SMS
//! gateway).

mod act_log;
mod api_error;
mod benefit;
mod callback;
mod civil_status;
mod config;
mod dates;
mod db;
mod decisions;
mod documents;
mod error;
mod faults;
mod idempotency;
mod ids;
mod labour_office;
mod mail_catcher;
pub mod mailbox;
mod operation;
mod outage;
mod population;
mod population_client;
pub mod rates;
mod residence;
pub mod seeded;
mod server;
mod signed_calls;
mod social_insurance;
mod validate;
mod webhook_sink;

pub use config::{Agency, ParseAgencyError, SimConfig};
pub use error::SimError;
pub use mail_catcher::MailCatcher;
pub use server::{Simulators, start};
pub use webhook_sink::{SinkConfig, SinkFault, WebhookSink, read_received};
