//! Gauges of open cases and of cases needing attention, counted by Temporal visibility from the
//! search attributes the workflow keeps. Counting there instead of in the worker makes them right
//! whatever the number of workers, their restarts and replays.
//!
//! Visibility groups counts only by `ExecutionStatus` (the dev server answers "'GROUP BY' clause
//! is not supported for search attribute LienthongStatus"), so each value is one count query.

use std::time::Duration;

use lienthong_telemetry::Metrics;
// `LienthongAttention` values: every reason `CaseState::attention_reasons` can give. A failed
// undo, a correction to make, an unreconciled outcome and a dead-lettered message outlive the
// case, so attention counts closed cases too (within retention).
use lienthong_workflows::{ATTENTION_REASONS, CaseWorkflow, search_attributes as sa};
use temporalio_client::{Client, WorkflowCountOptions, errors::ClientError};

/// `LienthongStatus` values of a case still running.
const OPEN_STATUSES: &[&str] = &["running", "compensating"];

/// The visibility query for each gauge value.
fn queries() -> Vec<(Gauge, String)> {
    let cases = format!("WorkflowType = '{}'", CaseWorkflow::name());
    let open = OPEN_STATUSES.iter().map(|status| {
        (
            Gauge::Open(status),
            format!(
                "{cases} AND ExecutionStatus = 'Running' AND {} = '{status}'",
                sa::STATUS.name()
            ),
        )
    });
    let attention = ATTENTION_REASONS.iter().map(|reason| {
        (
            Gauge::Attention(reason),
            format!("{cases} AND {} = '{reason}'", sa::NEEDS_ATTENTION.name()),
        )
    });
    open.chain(attention).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Gauge {
    Open(&'static str),
    Attention(&'static str),
}

/// Counts every gauge value once.
pub(crate) async fn refresh(client: &Client, metrics: &Metrics) -> Result<(), ClientError> {
    for (gauge, query) in queries() {
        let count = client
            .count_workflows(query, WorkflowCountOptions::default())
            .await?
            .count();
        let count = u64::try_from(count).unwrap_or(u64::MAX);
        match gauge {
            Gauge::Open(status) => metrics.set_cases_open(status, count),
            Gauge::Attention(reason) => metrics.set_cases_needing_attention(reason, count),
        }
    }
    Ok(())
}

/// Refreshes the gauges every `every` until the task is dropped.
pub(crate) async fn keep_refreshed(client: Client, metrics: Metrics, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = refresh(&client, &metrics).await {
            tracing::warn!(%error, "could not count cases in Temporal visibility");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_query_per_value_naming_the_search_attributes() {
        let queries = queries();
        assert_eq!(queries.len(), OPEN_STATUSES.len() + ATTENTION_REASONS.len());
        assert!(
            queries.contains(&(
                Gauge::Open("compensating"),
                "WorkflowType = 'CaseWorkflow' AND ExecutionStatus = 'Running' \
             AND LienthongStatus = 'compensating'"
                    .to_owned()
            ))
        );
        assert!(queries.contains(&(
            Gauge::Attention("overdue"),
            "WorkflowType = 'CaseWorkflow' AND LienthongAttention = 'overdue'".to_owned()
        )));
    }
}
