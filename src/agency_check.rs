//! `lienthong agency-check`: the conformance kit an agency's IT team runs against its own test
//! system before joining. It calls the system as the engine does (the operation goes through the
//! engine's own `AgencyClient`, so signing, key encoding and answer classification are the
//! engine's) and as the engine never does (unsigned, wrongly signed), reads `/acts` raw, and
//! prints one line per check of `docs/agency-contract.md`, each failure saying what to fix.
//!
//! Exit status: 0 when every check passes (skipped ones aside), 1 when any fails, 2 when the
//! kit cannot run as asked (an unreadable or mismatched sample, an agency not in the catalogue,
//! no secret). The report prints no secret, and of personal data only what the samples hold.

mod answers;
mod inputs;
mod kit;
mod operation;
mod probe;
mod refusal;
mod report;
mod schema;
mod signatures;
mod undo;

use std::path::PathBuf;

use anyhow::{Context, Result};

pub use inputs::InputError;

/// The exit status of a run that could not start as asked.
const USAGE: i32 = 2;

#[derive(clap::Args, Debug)]
#[command(after_long_help = AFTER_HELP)]
pub struct AgencyCheckArgs {
    /// The agency's catalogue id (e.g. `residence`, `tax-office`).
    #[arg(long)]
    pub agency: String,
    /// The base URL of the agency's TEST or sandbox system (the checks really act on it).
    #[arg(long)]
    pub url: String,
    /// Read the agency's entry from the catalogue files (`<agency>.yaml`) in this folder instead
    /// of the catalogue shipped with lienthong.
    #[arg(long, conflicts_with = "entry")]
    pub catalogue: Option<PathBuf>,
    /// Read the agency's entry from this one catalogue file (YAML), e.g. before it is published.
    #[arg(long)]
    pub entry: Option<PathBuf>,
    /// The operation to check; the entry's first one when not given.
    #[arg(long)]
    pub operation: Option<String>,
    /// A JSON request body for the operation that the test system accepts; checked against the
    /// operation's request schema before anything is sent.
    #[arg(long)]
    pub sample: Option<PathBuf>,
    /// A JSON request body for the operation that the test system refuses (checks the refusal's
    /// status and `{code, message}`).
    #[arg(long)]
    pub refusal_sample: Option<PathBuf>,
    /// A JSON body for the undo operation; fields it lacks are taken from the done answer, then
    /// the sample. By default the sample's and the answer's fields the undo lists.
    #[arg(long)]
    pub undo_sample: Option<PathBuf>,
    /// A file holding the secret (or bearer token) the test system checks, when the agency's
    /// own variable (LIENTHONG_SECRET_<AGENCY> or LIENTHONG_TOKEN_<AGENCY>) is unset.
    #[arg(long)]
    pub secret_file: Option<PathBuf>,
}

const AFTER_HELP: &str = "\
Run it only against the agency's test or sandbox system: it really acts there (registers the \
sample, undoes it, sends calls without a signature to see them refused). Its keys look like the \
engine's but use the case code prefix CK (CK-XXXXX-XXXXX/check, …/check/compensate), so they \
are never a real case's.

Checks: /health; unsigned and wrongly signed calls refused with 401/403 and not acted on; the \
sample against the operation's request schema; /acts before the call (404); the call through \
the engine's own client (done, documents_required, pending or a refusal); a done answer against \
the response schema; the same key sent again (the same answer, no second act); the /acts record \
({idempotency_key, operation, status_code, response}, key sent as %2F); a refusal's shape \
(--refusal-sample); the undo, twice under one key.

Exit status: 0 all checks pass, 1 a check failed, 2 the kit could not run as asked. \
See docs/agency-contract.md, \"Checking your system\".";

/// Runs the kit and prints its report. A failed check is an error (exit 1); a run that cannot
/// start as asked exits 2 at once, so a script can tell the two apart.
pub async fn run(args: AgencyCheckArgs) -> Result<()> {
    let inputs = match inputs::Inputs::read(&args) {
        Ok(inputs) => inputs,
        Err(error) => {
            eprintln!("lienthong agency-check: {error}");
            // Nothing was sent and no span was made: there is nothing to flush first.
            std::process::exit(USAGE);
        }
    };
    let mut kit = kit::Kit::new(&inputs).context("cannot make an HTTP client")?;
    kit.run().await;
    println!("{}", kit.report.summary());
    match kit.report.failed() {
        0 => Ok(()),
        failed => anyhow::bail!(
            "{failed} check{} failed: see above",
            if failed == 1 { "" } else { "s" }
        ),
    }
}
