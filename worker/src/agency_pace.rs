//! Polling each paced agency's task queue at the agency's declared rate.
//!
//! A case carries each agency's catalogue entry as it was at filing, pace included, and sends a
//! paced agency's calls to `lienthong-agency-<agency>`. A worker learns which queues to poll from
//! the cases it runs: the first time it runs (or replays) a case that calls a paced agency it
//! starts polling that agency's queue, in the same process, with the agency activities only and
//! the server-side limit `max_task_queue_activities_per_second` set to the rate. The Temporal
//! server enforces that limit for all the queue's pollers together, whichever worker they are
//! in. A rate changed in the catalogue reaches the worker with the first case filed after the
//! change, and the agency's poller is started again at the new rate.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use futures::{StreamExt, stream::FuturesUnordered};
use lienthong_definitions::{AgencyId, catalogue::AgencyAccess};
use time::OffsetDateTime;
use tokio::sync::{mpsc, watch};

/// The paces this worker has seen in the cases it ran, and the queues it polls for them.
#[derive(Clone)]
pub(crate) struct Paces {
    /// Each agency's rate and the filing time of the case it came from: a case filed later says
    /// what the catalogue says now.
    seen: Arc<Mutex<BTreeMap<AgencyId, (f64, OffsetDateTime)>>>,
    wanted: mpsc::UnboundedSender<(AgencyId, f64)>,
}

/// The other end of [`Paces`]: what [`serve`] starts pollers from.
pub(crate) struct Wanted(mpsc::UnboundedReceiver<(AgencyId, f64)>);

pub(crate) fn paces() -> (Paces, Wanted) {
    let (wanted, receiver) = mpsc::unbounded_channel();
    let paces = Paces {
        seen: Arc::default(),
        wanted,
    };
    (paces, Wanted(receiver))
}

impl Paces {
    /// Notes the paces a case filed at `filed` carries; a pace not polled yet at that rate is
    /// asked for.
    pub(crate) fn saw(&self, agencies: &BTreeMap<AgencyId, AgencyAccess>, filed: OffsetDateTime) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        for (agency, access) in agencies {
            let Some(rate) = access.max_per_second.filter(|r| r.is_finite() && *r > 0.0) else {
                continue;
            };
            let (later, poll) = newer_pace(seen.get(agency).copied(), rate, filed);
            if later {
                seen.insert(agency.clone(), (rate, filed));
            }
            if poll {
                // Only fails once the worker is stopping, when nothing more is polled.
                let _ = self.wanted.send((agency.clone(), rate));
            }
        }
    }
}

/// Whether a case filed at `filed` saying `rate` is the latest word on the agency's pace, and
/// whether its queue must be polled at that rate: a new agency, or a later filing with another
/// rate. A replayed older case never brings an old rate back.
fn newer_pace(
    seen: Option<(f64, OffsetDateTime)>,
    rate: f64,
    filed: OffsetDateTime,
) -> (bool, bool) {
    match seen {
        None => (true, true),
        Some((known, at)) => (filed > at, filed > at && known != rate),
    }
}

/// Starts a worker polling one agency's queue at a rate.
pub(crate) type StartPoller<'a> =
    dyn Fn(&str, f64) -> Result<temporalio_sdk::Worker, crate::WorkerError> + 'a;

/// Polls each paced agency's queue as [`Paces`] asks, until `stopping` turns true; then lets
/// every poller finish its calls in flight and returns.
pub(crate) async fn serve(
    Wanted(mut wanted): Wanted,
    mut stopping: watch::Receiver<bool>,
    start: &StartPoller<'_>,
) {
    let mut running = FuturesUnordered::new();
    let mut stops: BTreeMap<AgencyId, Box<dyn Fn()>> = BTreeMap::new();
    let mut stopped = *stopping.borrow();
    loop {
        if stopped && running.is_empty() {
            return;
        }
        tokio::select! {
            Some((agency, rate)) = wanted.recv(), if !stopped => {
                let mut poller = match start(&agency, rate) {
                    Ok(poller) => poller,
                    Err(error) => {
                        tracing::error!(%agency, %error, "could not poll the agency's queue");
                        continue;
                    }
                };
                if let Some(previous) = stops.insert(agency.clone(), Box::new(poller.shutdown_handle())) {
                    // Its calls in flight finish; the new poller takes the queue from here.
                    previous();
                }
                tracing::info!(
                    %agency,
                    max_per_second = rate,
                    task_queue = poller.task_queue(),
                    "polling the agency's queue at its declared pace"
                );
                running.push(async move {
                    let result = poller.run().await;
                    (agency, result)
                });
            }
            changed = stopping.changed(), if !stopped => {
                if changed.is_err() || *stopping.borrow() {
                    stopped = true;
                    for stop in stops.values() {
                        stop();
                    }
                }
            }
            Some((agency, result)) = running.next(), if !running.is_empty() => {
                if let Err(error) = result {
                    tracing::error!(%agency, %error, "the agency's poller stopped");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use lienthong_definitions::catalogue::Auth;
    use time::macros::datetime;

    use super::*;

    fn agencies(rate: Option<f64>) -> BTreeMap<AgencyId, AgencyAccess> {
        BTreeMap::from([(
            AgencyId::from("social-insurance"),
            AgencyAccess {
                base_url: "http://127.0.0.1:9".into(),
                auth: Auth::None,
                max_per_second: rate,
            },
        )])
    }

    #[test]
    fn a_worker_polls_a_paced_agency_once_and_again_only_for_a_later_rate() {
        let (paces, Wanted(mut wanted)) = paces();
        let monday = datetime!(2026-12-07 09:00:00 +07:00);
        let tuesday = datetime!(2026-12-08 09:00:00 +07:00);
        paces.saw(&agencies(None), monday);
        paces.saw(&agencies(Some(5.0)), monday);
        paces.saw(&agencies(Some(5.0)), tuesday);
        assert_eq!(
            wanted.try_recv().ok(),
            Some((AgencyId::from("social-insurance"), 5.0))
        );
        assert!(wanted.try_recv().is_err(), "the same pace is polled once");
        paces.saw(&agencies(Some(2.0)), monday);
        assert!(
            wanted.try_recv().is_err(),
            "a case filed before the change does not bring the old rate back"
        );
        paces.saw(&agencies(Some(2.0)), tuesday + time::Duration::hours(1));
        assert_eq!(
            wanted.try_recv().ok(),
            Some((AgencyId::from("social-insurance"), 2.0))
        );
    }
}
