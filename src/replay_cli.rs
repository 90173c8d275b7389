//! `lienthong replay`: checks that this build replays case histories exactly, so a workflow change
//! that would break open cases is found before a worker runs it. Histories come from files or
//! straight from Temporal by case code.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use lienthong_workflows::CaseWorkflow;
use temporalio_client::{WorkflowFetchHistoryOptions, WorkflowHistory};

use crate::connect::{cipher_from_env, connect, dev_cipher};

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
    /// History files, as `--save` writes them (the SDK's JSON form of a history; the JSON of
    /// `temporal workflow show` is a different mapping and is not read).
    #[arg(required_unless_present = "cases")]
    files: Vec<PathBuf>,
    /// Also replay this case's history, fetched from Temporal (repeatable).
    #[arg(long = "case", value_name = "CODE")]
    cases: Vec<String>,
    /// host:port of Temporal for `--case`; overrides TEMPORAL_ADDRESS.
    #[arg(long)]
    temporal_address: Option<String>,
    /// Write each fetched history to `<DIR>/<CODE>.json` before replaying it.
    #[arg(long, value_name = "DIR")]
    save: Option<PathBuf>,
    /// Decrypt with the key `lienthong dev` keeps in this directory, instead of the keys in
    /// `LIENTHONG_PAYLOAD_KEYS`.
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Replays every file; prints a line for each and fails if any history does not replay.
pub async fn run(args: ReplayArgs) -> Result<()> {
    let cipher = match &args.data_dir {
        Some(dir) => {
            let file = dir.join(lienthong_codec::DEV_KEY_FILE);
            if !file.exists() {
                bail!("no payload key at {}", file.display());
            }
            dev_cipher(dir)?
        }
        None => cipher_from_env()?,
    };
    let mut sources = Vec::new();
    let mut histories = Vec::new();
    for file in &args.files {
        let bytes =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        histories.push(
            WorkflowHistory::from_json(&bytes)
                .with_context(|| format!("{} is not a workflow history", file.display()))?,
        );
        sources.push(file.display().to_string());
    }
    if !args.cases.is_empty() {
        // Fetching needs no key: the history is replayed, and decrypted, here.
        let client = connect(args.temporal_address.as_deref()).await?;
        for code in &args.cases {
            let bytes = client
                .get_workflow_handle::<CaseWorkflow>(code.as_str())
                .fetch_history(WorkflowFetchHistoryOptions::default())
                .to_json()
                .await
                .with_context(|| format!("cannot fetch the history of case {code}"))?;
            if let Some(dir) = &args.save {
                std::fs::create_dir_all(dir)?;
                let file = dir.join(format!("{code}.json"));
                std::fs::write(&file, &bytes)
                    .with_context(|| format!("cannot write {}", file.display()))?;
            }
            histories.push(WorkflowHistory::from_json(&bytes)?);
            sources.push(format!("case {code}"));
        }
    }
    let results = lienthong_worker::replay(histories, cipher.data_converter()).await?;
    let mut failed = 0;
    for (source, result) in sources.iter().zip(&results) {
        let id = result.workflow_id.as_deref().unwrap_or("-");
        match &result.failure {
            None => println!("ok    {source} {id}"),
            Some(failure) => {
                failed += 1;
                println!("FAIL  {source} {id}: {failure}");
            }
        }
    }
    if failed > 0 {
        bail!("{failed} of {} histories do not replay", results.len());
    }
    Ok(())
}
