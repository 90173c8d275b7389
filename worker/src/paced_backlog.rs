//! Paced calls left waiting when every worker restarts.
//!
//! A worker learns which paced agencies' queues to poll from the cases it runs ([`Paces`]). A
//! call already in such a queue, or one the server retries there, runs no workflow code until it
//! ends, so after every worker has restarted nobody would poll the queue until another case of
//! that agency happened to run. At start a worker therefore reads the paces the cases carry,
//! from the first event of their histories (the case's input, decrypted with the worker's keys),
//! without running them: for each procedure with a running case, the case that closed last,
//! then the newest running one. The pace of the latest filing wins ([`Paces::saw`]), so a rate
//! lowered since the oldest cases were filed is not brought back by them.

use std::{collections::BTreeSet, time::Duration};

use lienthong_workflows::{CaseInput, CaseWorkflow, search_attributes as sa};
use temporalio_client::{
    Client, NamespacedClient,
    tonic::{Code, Request, Status},
};
use temporalio_common::{
    data_converters::SerializationContextData,
    protos::temporal::api::{
        common::v1::WorkflowExecution,
        history::v1::history_event::Attributes,
        workflowservice::v1::{GetWorkflowExecutionHistoryRequest, ListWorkflowExecutionsRequest},
    },
};

use crate::agency_pace::Paces;

/// More procedures than any installation defines; the sweep stops there whatever visibility says.
const MOST_PROCEDURES: usize = 500;

/// Tries before the worker gives the sweep up (about four minutes, backing off to a minute):
/// from then on, queues are polled as their cases run, as before the sweep.
const TRIES: u32 = 8;

/// Reads the paces of the open cases into `paces`, trying again while Temporal cannot answer.
pub(crate) async fn learn_from_open_cases(client: Client, paces: Paces) {
    let mut wait = Duration::from_secs(1);
    for attempt in 1..=TRIES {
        let error = match sweep(&client, &paces).await {
            Ok(procedures) => {
                tracing::info!(procedures, "read the agency paces of the open cases");
                return;
            }
            Err(error) => error,
        };
        if refused_for_good(error.code()) || attempt == TRIES {
            tracing::warn!(
                error = %error.message(),
                "could not read the agency paces of the open cases; a paced agency's queue is \
                 polled once one of its cases runs here"
            );
            return;
        }
        tracing::warn!(error = %error.message(), "could not read the agency paces of the open cases yet");
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(Duration::from_secs(60));
    }
}

/// Whether Temporal would refuse the sweep's requests again the next time: a namespace without
/// `LienthongProcedure` yet, a worker without the right to list, a server without the API.
fn refused_for_good(code: Code) -> bool {
    matches!(
        code,
        Code::InvalidArgument | Code::PermissionDenied | Code::Unimplemented | Code::NotFound
    )
}

/// One pass, one procedure at a time, each listing leaving out the procedures already read.
/// Returns how many procedures had a running case.
async fn sweep(client: &Client, paces: &Paces) -> Result<usize, Status> {
    let mut read = BTreeSet::new();
    while read.len() < MOST_PROCEDURES {
        let Some(running) = newest(client, running_query(&read)).await? else {
            break;
        };
        let Some(procedure) = running.procedure.filter(|p| quotable(p)) else {
            // Listing again would find the same case.
            break;
        };
        if let Some(closed) = newest(client, closed_query(&procedure)).await? {
            learn(client, paces, closed.execution).await?;
        }
        learn(client, paces, running.execution).await?;
        read.insert(procedure);
    }
    Ok(read.len())
}

/// The newest running case whose procedure is not among `read`. Without an `ORDER BY`, SQL and
/// Elasticsearch visibility both list running executions newest first.
fn running_query(read: &BTreeSet<String>) -> String {
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

/// The case of `procedure` that closed last: listed by close time, latest first.
fn closed_query(procedure: &str) -> String {
    format!(
        "WorkflowType = '{}' AND ExecutionStatus != 'Running' AND {} = '{procedure}'",
        CaseWorkflow::name(),
        sa::PROCEDURE.name()
    )
}

/// A procedure id goes into a query between single quotes; definitions only allow ids that can.
fn quotable(procedure: &str) -> bool {
    !procedure.is_empty() && !procedure.contains(['\'', '\\'])
}

struct Listed {
    execution: WorkflowExecution,
    procedure: Option<String>,
}

/// The first case `query` lists, with its procedure (search attributes are never encrypted).
async fn newest(client: &Client, query: String) -> Result<Option<Listed>, Status> {
    let mut service = client.connection().workflow_service();
    let page = service
        .list_workflow_executions(Request::new(ListWorkflowExecutionsRequest {
            namespace: client.namespace(),
            page_size: 1,
            next_page_token: Vec::new(),
            query,
        }))
        .await?
        .into_inner();
    Ok(page.executions.into_iter().next().and_then(|info| {
        let procedure = info.search_attributes.as_ref().and_then(|attributes| {
            let payload = attributes.indexed_fields.get(sa::PROCEDURE.name())?;
            serde_json::from_slice::<String>(&payload.data).ok()
        });
        Some(Listed {
            execution: info.execution?,
            procedure,
        })
    }))
}

/// Notes the paces `execution`'s input carries, read from the first event of its history. An
/// input that is not a case input this build reads, or that no key of the worker opens (a key
/// rotated out), is passed over.
async fn learn(client: &Client, paces: &Paces, execution: WorkflowExecution) -> Result<(), Status> {
    let code = execution.workflow_id.clone();
    let mut service = client.connection().workflow_service();
    let history = match service
        .get_workflow_execution_history(Request::new(GetWorkflowExecutionHistoryRequest {
            namespace: client.namespace(),
            execution: Some(execution),
            maximum_page_size: 1,
            ..Default::default()
        }))
        .await
    {
        Ok(history) => history.into_inner(),
        // Gone since it was listed (its retention ended): nothing to learn from it.
        Err(status) if status.code() == Code::NotFound => return Ok(()),
        Err(status) => return Err(status),
    };
    let first = history
        .history
        .and_then(|h| h.events.into_iter().next())
        .and_then(|event| event.attributes);
    let Some(Attributes::WorkflowExecutionStartedEventAttributes(started)) = first else {
        return Ok(());
    };
    let Some(payload) = started.input.and_then(|p| p.payloads.into_iter().next()) else {
        return Ok(());
    };
    match client
        .data_converter()
        .from_payload::<CaseInput>(&SerializationContextData::None, payload)
        .await
    {
        Ok(input) => paces.saw(&input.agencies, input.submitted_at),
        // The decoder's words may quote the input, so only the case is named.
        Err(_) => tracing::warn!(
            case = %code,
            "a case's input could not be read for its agency paces"
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_listing_leaves_out_the_procedures_already_read() {
        assert_eq!(
            running_query(&BTreeSet::new()),
            "WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running' \
             AND LienthongProcedure IS NOT NULL"
        );
        let read = BTreeSet::from(["birth-residence-insurance".to_owned(), "death".to_owned()]);
        assert!(
            running_query(&read)
                .ends_with(" AND LienthongProcedure NOT IN ('birth-residence-insurance', 'death')"),
            "{}",
            running_query(&read)
        );
        assert_eq!(
            closed_query("death"),
            "WorkflowType = 'CaseWorkflow' AND ExecutionStatus != 'Running' \
             AND LienthongProcedure = 'death'"
        );
    }

    #[test]
    fn the_sweep_is_tried_again_only_while_temporal_cannot_answer() {
        for again in [
            Code::Unavailable,
            Code::DeadlineExceeded,
            Code::ResourceExhausted,
        ] {
            assert!(!refused_for_good(again), "{again:?}");
        }
        for refused in [
            Code::InvalidArgument,
            Code::PermissionDenied,
            Code::NotFound,
        ] {
            assert!(refused_for_good(refused), "{refused:?}");
        }
    }

    #[test]
    fn a_procedure_id_that_cannot_be_quoted_ends_the_sweep() {
        assert!(quotable("birth-residence-insurance"));
        assert!(!quotable("x' OR '1'='1"));
        assert!(!quotable(""));
    }
}
