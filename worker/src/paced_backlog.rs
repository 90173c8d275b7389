//! Paced calls left waiting when every worker restarts.
//!
//! A worker learns which paced agencies' queues to poll from the cases it runs ([`Paces`]). A
//! call already in such a queue, or one the server retries there, runs no workflow code until it
//! ends, so after every worker has restarted nobody would poll the queue until another case of
//! that agency happened to run. At start a worker therefore reads the paces the open cases carry:
//! for each procedure with a running case, the newest one's input, the first event of its
//! history (decrypted with the worker's keys), without running the case. The newest case says
//! what the catalogue said last; a queue is polled at that rate, and an older case's rate is
//! never brought back ([`Paces::saw`]).

use std::{collections::BTreeSet, time::Duration};

use futures::StreamExt;
use lienthong_workflows::{CaseInput, CaseWorkflow, search_attributes as sa};
use temporalio_client::{
    Client, NamespacedClient, WorkflowFetchHistoryOptions, WorkflowListOptions,
};
use temporalio_common::{
    data_converters::SerializationContextData,
    protos::temporal::api::history::v1::history_event::Attributes,
};

use crate::agency_pace::Paces;

/// More procedures than any installation defines; the sweep stops there whatever visibility says.
const MOST_PROCEDURES: usize = 500;

/// Reads the paces of the open cases into `paces`, trying again (up to a minute apart) while
/// Temporal cannot answer, until it has read them once.
pub(crate) async fn learn_from_open_cases(client: Client, paces: Paces) {
    let mut wait = Duration::from_secs(1);
    loop {
        match sweep(&client, &paces).await {
            Ok(procedures) => {
                tracing::info!(procedures, "read the agency paces of the open cases");
                return;
            }
            Err(error) => {
                tracing::warn!(%error, "could not read the agency paces of the open cases yet");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(60));
            }
        }
    }
}

/// One pass: the newest running case of each procedure, one procedure at a time, each listing
/// leaving out the procedures already read. Returns how many procedures had a running case.
async fn sweep(client: &Client, paces: &Paces) -> Result<usize, String> {
    let mut read = BTreeSet::new();
    while read.len() < MOST_PROCEDURES {
        let query = newest_open_case_query(&read);
        let options = WorkflowListOptions::builder().limit(1).build();
        let Some(execution) = client.list_workflows(query, options).next().await else {
            break;
        };
        let execution = execution.map_err(|e| e.to_string())?;
        let Some(procedure) = execution.search_attributes().get(&sa::PROCEDURE) else {
            break;
        };
        if !quotable(&procedure) || !read.insert(procedure) {
            // Listing again would find the same case.
            break;
        }
        if let Some(input) = input_of(client, execution.id()).await? {
            paces.saw(&input.agencies, input.submitted_at);
        }
    }
    Ok(read.len())
}

/// The newest running case whose procedure is not among `read`. Without an `ORDER BY`, SQL and
/// Elasticsearch visibility both list open executions newest first.
fn newest_open_case_query(read: &BTreeSet<String>) -> String {
    let procedure = sa::PROCEDURE.name();
    let mut query = format!(
        "WorkflowType = '{}' AND ExecutionStatus = 'Running' AND {procedure} IS NOT NULL",
        CaseWorkflow::name()
    );
    if !read.is_empty() {
        let names: Vec<String> = read.iter().map(|p| format!("'{p}'")).collect();
        query.push_str(&format!(" AND {procedure} NOT IN ({})", names.join(", ")));
    }
    query
}

/// A procedure id goes into a query between single quotes; definitions only allow ids that can.
fn quotable(procedure: &str) -> bool {
    !procedure.is_empty() && !procedure.contains(['\'', '\\'])
}

/// The case's input from the first event of its history; `None` when it is not a case input
/// this build reads or no key of the worker opens it (a key rotated out), which says nothing
/// of its content.
async fn input_of(client: &Client, code: &str) -> Result<Option<CaseInput>, String> {
    let handle = client.get_workflow_handle::<CaseWorkflow>(code.to_owned());
    let mut history = handle.fetch_history(WorkflowFetchHistoryOptions::default());
    let Some(first) = history.next().await else {
        return Ok(None);
    };
    let first = first.map_err(|e| e.to_string())?;
    let Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) = first.attributes
    else {
        return Ok(None);
    };
    let Some(payload) = started.input.and_then(|p| p.payloads.into_iter().next()) else {
        return Ok(None);
    };
    match client
        .data_converter()
        .from_payload::<CaseInput>(&SerializationContextData::None, payload)
        .await
    {
        Ok(input) => Ok(Some(input)),
        Err(_) => {
            // The decoder's words may quote the input, so only the case is named.
            tracing::warn!(
                case = code,
                "an open case's input could not be read for its agency paces"
            );
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_listing_leaves_out_the_procedures_already_read() {
        assert_eq!(
            newest_open_case_query(&BTreeSet::new()),
            "WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running' \
             AND LienthongProcedure IS NOT NULL"
        );
        let read = BTreeSet::from(["birth-residence-insurance".to_owned(), "death".to_owned()]);
        assert!(
            newest_open_case_query(&read)
                .ends_with(" AND LienthongProcedure NOT IN ('birth-residence-insurance', 'death')"),
            "{}",
            newest_open_case_query(&read)
        );
    }

    #[test]
    fn a_procedure_id_that_cannot_be_quoted_ends_the_sweep() {
        assert!(quotable("birth-residence-insurance"));
        assert!(!quotable("x' OR '1'='1"));
        assert!(!quotable(""));
    }
}
