//! Telling the citizen: each message owed is one queued activity per channel, beside the case's
//! calls and never in their way; a reminder timer per round of documents asked for; and, once
//! the case has ended, a wait until every message is delivered or dead-lettered.

use std::time::Duration;

use lienthong_definitions::{
    StepId,
    case::{Event, NoticeStatus, StepStatus},
};
use temporalio_workflow::{
    ActivityCloseTimeouts, ActivityExecutionError, ActivityOptions, RetryPolicy, TimerOptions,
    TimerResult, WorkflowCancellationToken,
};

use crate::{
    activity_failure::notice_failure_code,
    drive::{Run, TimerKind, Wake, next_finished, until},
    notice::{
        DEFAULT_NOTICE_ATTEMPT_SECS, DEFAULT_NOTICE_WINDOW_SECS, Notice, NoticeOutcome, Notify,
    },
    notifications,
    time_of::now,
};
use lienthong_definitions::case::CaseState;

/// The patch under which a case sends its citizen messages; histories recorded before it
/// carry no recipients and never ask for it.
pub(crate) const CITIZEN_NOTIFICATIONS: &str = "citizen-notifications";

/// A receiver that is down is asked again after 1 s, then twice as long each time, at most
/// every 10 minutes, until the message's window is spent.
const FIRST_PAUSE: Duration = Duration::from_secs(1);
const LONGEST_PAUSE: Duration = Duration::from_secs(600);

impl Run<'_> {
    /// Sends every message the case owes and has not sent, and keeps the reminder timers in
    /// step with the documents asked for.
    pub(crate) fn tell_citizen(&mut self) {
        let Some(notify) = self.notify.clone() else {
            return;
        };
        let owed = self
            .read(|c| notifications::due(&self.definition, c, &self.calendar, &notify))
            .unwrap_or_default();
        for notice in owed {
            self.send_notice(notice);
        }
        self.keep_reminders();
    }

    /// The case has ended (its status is final and published): every message it owes goes out,
    /// and the case waits until each is delivered or dead-lettered, so none is lost with the
    /// workflow. Returns the state with their outcomes.
    pub(crate) async fn finish_telling(&mut self) -> Option<CaseState> {
        self.tell_citizen();
        while !self.notices.is_empty() {
            let (key, outcome) = next_finished(&mut self.notices).await;
            self.on_notice(key, outcome);
        }
        self.published.upsert(self.ctx);
        self.read(Clone::clone)
    }

    /// Records what became of a message. A dead letter asks an operator's attention and
    /// changes nothing else in the case.
    pub(crate) fn on_notice(
        &mut self,
        key: String,
        outcome: Result<NoticeOutcome, ActivityExecutionError>,
    ) {
        let (status, attempts, error) = match outcome {
            Ok(NoticeOutcome::Delivered { attempt }) => (NoticeStatus::Delivered, attempt, None),
            Ok(NoticeOutcome::NotConfigured) => (NoticeStatus::NotConfigured, 0, None),
            Err(e) => (NoticeStatus::Failed, 0, Some(notice_failure_code(&e))),
        };
        let at = now(self.ctx);
        self.apply(Event::NoticeSettled {
            key,
            status,
            attempts,
            error,
            at,
        });
    }

    /// The reminder timer of a step's round of documents has fired.
    pub(crate) fn remind(&mut self, step: &StepId, round: u32) {
        self.reminders.insert((step.clone(), round), None);
        let Some(notify) = self.notify.clone() else {
            return;
        };
        let owed = self
            .read(|c| {
                notifications::reminder(&self.definition, c, &self.calendar, &notify, step, round)
            })
            .unwrap_or_default();
        for notice in owed {
            self.send_notice(notice);
        }
    }

    fn send_notice(&mut self, notice: Notice) {
        let Some(notify) = &self.notify else {
            return;
        };
        let window = Duration::from_secs(notify.window_secs.unwrap_or(DEFAULT_NOTICE_WINDOW_SECS));
        let attempt =
            Duration::from_secs(notify.attempt_secs.unwrap_or(DEFAULT_NOTICE_ATTEMPT_SECS));
        let at = now(self.ctx);
        self.apply(Event::NoticeQueued(notifications::record(&notice, at)));
        let options = notice_options(notice.activity_id(), window, attempt);
        let ctx = self.ctx.clone();
        let key = notice.key.clone();
        self.notices.push(Box::pin(async move {
            let outcome = ctx.execute_activity(Notify, notice, options).await;
            (key, outcome)
        }));
    }

    /// Arms a reminder for each round of documents the citizen is asked for, and cancels the
    /// reminder of a round they have answered (or that ended otherwise). A moment already past
    /// reminds no one.
    fn keep_reminders(&mut self) {
        let asked: Vec<(StepId, u32, time::OffsetDateTime)> = self
            .read(|c| {
                c.steps
                    .iter()
                    .filter(|s| s.status == StepStatus::AwaitingDocuments)
                    .filter_map(|s| {
                        Some((s.id.clone(), s.round, s.documents_requested.as_ref()?.due))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let answered: Vec<(StepId, u32)> = self
            .reminders
            .iter()
            .filter(|(_, token)| token.is_some())
            .filter(|(wanted, _)| {
                !asked
                    .iter()
                    .any(|(s, r, _)| (s, r) == (&wanted.0, &wanted.1))
            })
            .map(|(wanted, _)| wanted.clone())
            .collect();
        for wanted in answered {
            if let Some(token) = self.reminders.insert(wanted, None).flatten() {
                token.cancel();
            }
        }
        let at = now(self.ctx);
        for (step, round, due) in asked {
            if self.reminders.contains_key(&(step.clone(), round)) {
                continue;
            }
            let remind_at = notifications::reminder_at(&self.calendar, due);
            if remind_at <= at {
                self.reminders.insert((step, round), None);
                continue;
            }
            let token = WorkflowCancellationToken::new();
            self.reminders
                .insert((step.clone(), round), Some(token.clone()));
            self.start_cancellable_timer(
                until(at, remind_at),
                TimerKind::Reminder(step, round),
                token,
            );
        }
    }

    fn start_cancellable_timer(
        &mut self,
        after: Duration,
        kind: TimerKind,
        token: WorkflowCancellationToken,
    ) {
        let ctx = self.ctx.clone();
        self.push_pending(Box::pin(async move {
            let fired = ctx
                .timer(
                    TimerOptions::builder(after.max(Duration::from_millis(1)))
                        .cancellation_token(token)
                        .build(),
                )
                .await;
            match fired {
                TimerResult::Fired => Wake::Timer(kind),
                TimerResult::Cancelled => Wake::Cancelled,
            }
        }));
    }
}

/// A message's activity: queued (it must survive the worker that sends it), retried with
/// backoff until `window` is spent, each attempt given `attempt` before it counts as lost.
/// Nothing cancels it: a message owed is sent even when the case stops.
fn notice_options(activity_id: String, window: Duration, attempt: Duration) -> ActivityOptions {
    let retry = RetryPolicy::builder()
        .initial_interval(FIRST_PAUSE)
        .backoff_coefficient(2.0)
        .maximum_interval(LONGEST_PAUSE)
        .maximum_attempts(0)
        .build();
    let mut options =
        ActivityOptions::with_close_timeouts(ActivityCloseTimeouts::ScheduleAndStartToClose {
            schedule_to_close: window,
            start_to_close: attempt.min(window),
        })
        .activity_id(activity_id)
        .retry_policy(retry)
        .build();
    options.cancellation_token = Some(WorkflowCancellationToken::new());
    options
}
