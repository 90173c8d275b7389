//! Which messages a case owes its citizen, read from its state alone.
//!
//! The loop asks after every change; whatever is owed and not yet queued under its key is sent.
//! So a message is decided by what the case records (a step done, documents asked for, the case
//! ended), never by the order things were noticed in, and a replay asks for the same ones.

use lienthong_definitions::{
    Definition, StepId,
    calendar::Calendar,
    case::{CaseState, CaseStatus, NoticeRecord, NoticeStatus, StepStatus},
};
use time::OffsetDateTime;

use crate::notice::{Notice, NoticeEvent, NotifyInput};

/// How many working days before documents are due the citizen is reminded.
pub(crate) const REMINDER_WORKING_DAYS: u32 = 2;

/// The messages `case` owes its citizen that are not queued yet, in the order they happened:
/// the filing, each step done, documents asked for, the case overdue, and how it ended.
pub(crate) fn due(
    definition: &Definition,
    case: &CaseState,
    calendar: &Calendar,
    notify: &NotifyInput,
) -> Vec<Notice> {
    let mut events: Vec<(NoticeEvent, u32)> = vec![(NoticeEvent::Filed, 0)];
    for record in &case.steps {
        let Some(step) = definition.step(&record.id) else {
            continue;
        };
        if record.status.is_done() {
            events.push((
                NoticeEvent::StepDone {
                    step: record.id.clone(),
                    title: step.title.clone(),
                },
                0,
            ));
        }
        if record.status == StepStatus::AwaitingDocuments
            && let Some(request) = &record.documents_requested
        {
            events.push((
                NoticeEvent::DocumentsRequested {
                    step: record.id.clone(),
                    title: step.title.clone(),
                    due: local_date(calendar, request.due),
                },
                record.round,
            ));
        }
    }
    if case.escalations.iter().any(|e| e.step.is_none()) {
        events.push((NoticeEvent::Overdue, 0));
    }
    let ended = match case.status {
        CaseStatus::Completed => Some(NoticeEvent::Completed),
        // Some results were issued (each told as its step was done) and the rest were not:
        // the application as a whole did not go through.
        CaseStatus::PartiallyCompleted | CaseStatus::Failed => Some(NoticeEvent::Failed),
        CaseStatus::Withdrawn => Some(NoticeEvent::Withdrawn),
        CaseStatus::Running | CaseStatus::Compensating => None,
    };
    events.extend(ended.map(|event| (event, 0)));
    unqueued(case, notify, events)
}

/// The reminder owed for `step`'s `round` of documents, when its timer fires: only while the
/// citizen still has not answered that round.
pub(crate) fn reminder(
    definition: &Definition,
    case: &CaseState,
    calendar: &Calendar,
    notify: &NotifyInput,
    step: &StepId,
    round: u32,
) -> Vec<Notice> {
    let Some(record) = case.step(step) else {
        return Vec::new();
    };
    let (Some(request), Some(defined)) = (&record.documents_requested, definition.step(step))
    else {
        return Vec::new();
    };
    if record.status != StepStatus::AwaitingDocuments || record.round != round {
        return Vec::new();
    }
    let event = NoticeEvent::Reminder {
        step: step.clone(),
        title: defined.title.clone(),
        due: local_date(calendar, request.due),
    };
    unqueued(case, notify, vec![(event, round)])
}

/// When the citizen is reminded of documents due at `due`: the start of the working day
/// [`REMINDER_WORKING_DAYS`] working days before, on the case's calendar.
pub(crate) fn reminder_at(calendar: &Calendar, due: OffsetDateTime) -> OffsetDateTime {
    calendar.reminder_before(due, REMINDER_WORKING_DAYS)
}

/// The record of `notice` as the case keeps it: no address, no content.
pub(crate) fn record(notice: &Notice, at: OffsetDateTime) -> NoticeRecord {
    NoticeRecord {
        key: notice.key.clone(),
        event: notice.event.kind().to_owned(),
        step: notice.event.step().cloned(),
        channel: notice.channel.as_str().to_owned(),
        status: NoticeStatus::Sending,
        attempts: 0,
        last_error: None,
        queued_at: at,
        settled_at: None,
    }
}

/// One message per event and recipient, leaving out those already queued under their key.
fn unqueued(
    case: &CaseState,
    notify: &NotifyInput,
    events: Vec<(NoticeEvent, u32)>,
) -> Vec<Notice> {
    let mut notices = Vec::new();
    for (event, round) in events {
        for recipient in &notify.recipients {
            let key = Notice::key_for(&case.code, &event, round, recipient.channel);
            if case.notice(&key).is_some() || notices.iter().any(|n: &Notice| n.key == key) {
                continue;
            }
            notices.push(Notice {
                key,
                case_code: case.code.clone(),
                channel: recipient.channel,
                event: event.clone(),
                lang: notify.lang.clone(),
                to: recipient.to.clone(),
            });
        }
    }
    notices
}

/// `at`'s day on the calendar, `YYYY-MM-DD`: what a citizen is told documents are due by.
fn local_date(calendar: &Calendar, at: OffsetDateTime) -> String {
    let day = at
        .checked_to_offset(calendar.offset())
        .map_or(at.date(), OffsetDateTime::date);
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use lienthong_definitions::{
        case::{DocumentRequest, Escalation, Event},
        parse_definition,
    };
    use serde_json::json;
    use time::macros::datetime;

    use super::*;
    use crate::notice::{Channel, Recipient};

    const FILED_AT: OffsetDateTime = datetime!(2026-03-09 09:00 +07:00);

    fn shipped() -> Definition {
        parse_definition(include_str!(
            "../../definitions/procedures/birth-residence-insurance.yaml"
        ))
        .unwrap()
    }

    fn notify() -> NotifyInput {
        NotifyInput {
            lang: "vi".into(),
            recipients: vec![
                Recipient {
                    channel: Channel::Webhook,
                    to: None,
                },
                Recipient {
                    channel: Channel::Email,
                    to: Some("me@example.vn".into()),
                },
            ],
            window_secs: None,
            attempt_secs: None,
        }
    }

    fn case(definition: &Definition) -> CaseState {
        CaseState::new("KS-00000-00000".parse().unwrap(), definition, FILED_AT)
    }

    /// Asks what is owed, queues all of it, and returns the keys.
    fn queue_owed(definition: &Definition, case: &mut CaseState) -> Vec<String> {
        let owed = due(definition, case, &Calendar::vietnam(), &notify());
        for notice in &owed {
            case.apply(Event::NoticeQueued(record(notice, FILED_AT)));
        }
        owed.into_iter().map(|n| n.key).collect()
    }

    fn step(id: &str) -> StepId {
        StepId(id.into())
    }

    fn documents_requested(case: &mut CaseState, id: &str, due: OffsetDateTime) {
        case.apply(Event::StepStarted(step(id)));
        case.apply(Event::DocumentsRequested {
            step: step(id),
            request: DocumentRequest {
                documents: json!(["household book"]),
                message: "missing".into(),
                due,
                requested_at: FILED_AT,
            },
        });
    }

    #[test]
    fn a_new_case_owes_its_filing_once_on_each_channel() {
        let definition = shipped();
        let mut case = case(&definition);
        assert_eq!(
            queue_owed(&definition, &mut case),
            [
                "KS-00000-00000/notify/filed/webhook",
                "KS-00000-00000/notify/filed/email",
            ]
        );
        assert!(queue_owed(&definition, &mut case).is_empty(), "sent once");
        let recorded = serde_json::to_string(&case.notifications).unwrap();
        assert!(
            !recorded.contains("me@example.vn"),
            "the record keeps no address: {recorded}"
        );
    }

    #[test]
    fn each_step_done_is_told_with_its_title_and_the_end_once() {
        let definition = shipped();
        let mut case = case(&definition);
        queue_owed(&definition, &mut case);
        case.apply(Event::StepSucceeded {
            step: step("birth"),
            output: json!({}),
            attempts: 1,
        });
        let owed = due(&definition, &case, &Calendar::vietnam(), &notify());
        assert_eq!(owed.len(), 2);
        assert_eq!(owed[0].key, "KS-00000-00000/notify/step-done/birth/webhook");
        assert_eq!(owed[1].to.as_deref(), Some("me@example.vn"));
        assert_eq!(owed[0].to, None);
        match &owed[0].event {
            NoticeEvent::StepDone { title, .. } => assert_eq!(title.vi, "Đăng ký khai sinh"),
            other => panic!("not a step done: {other:?}"),
        }
        queue_owed(&definition, &mut case);
        case.apply(Event::Finished(CaseStatus::Completed));
        let keys = queue_owed(&definition, &mut case);
        assert_eq!(
            keys,
            [
                "KS-00000-00000/notify/completed/webhook",
                "KS-00000-00000/notify/completed/email",
            ]
        );
    }

    #[test]
    fn how_a_case_ends_decides_its_last_message() {
        let definition = shipped();
        for (status, kind) in [
            (CaseStatus::Completed, "completed"),
            (CaseStatus::PartiallyCompleted, "failed"),
            (CaseStatus::Failed, "failed"),
            (CaseStatus::Withdrawn, "withdrawn"),
        ] {
            let mut case = case(&definition);
            queue_owed(&definition, &mut case);
            case.apply(Event::Finished(status));
            let owed = due(&definition, &case, &Calendar::vietnam(), &notify());
            assert_eq!(owed[0].event.kind(), kind, "{status:?}");
        }
    }

    #[test]
    fn documents_asked_for_carry_their_due_day_and_a_second_request_is_a_new_message() {
        let definition = shipped();
        let mut case = case(&definition);
        queue_owed(&definition, &mut case);
        // Due at close of day in Hà Nội, 10:00 UTC: the citizen is told the local day.
        documents_requested(&mut case, "birth", datetime!(2026-03-18 10:00 UTC));
        let owed = due(&definition, &case, &Calendar::vietnam(), &notify());
        assert_eq!(
            owed[0].key,
            "KS-00000-00000/notify/documents/birth/r0/webhook"
        );
        match &owed[0].event {
            NoticeEvent::DocumentsRequested { due, .. } => assert_eq!(due, "2026-03-18"),
            other => panic!("not documents requested: {other:?}"),
        }
        queue_owed(&definition, &mut case);
        case.apply(Event::DocumentsProvided {
            step: step("birth"),
        });
        assert!(due(&definition, &case, &Calendar::vietnam(), &notify()).is_empty());
        documents_requested(&mut case, "birth", datetime!(2026-03-27 10:00 UTC));
        assert_eq!(
            queue_owed(&definition, &mut case),
            [
                "KS-00000-00000/notify/documents/birth/r1/webhook",
                "KS-00000-00000/notify/documents/birth/r1/email",
            ]
        );
    }

    #[test]
    fn a_reminder_is_owed_only_while_its_round_is_unanswered() {
        let definition = shipped();
        let calendar = Calendar::vietnam();
        let mut case = case(&definition);
        documents_requested(&mut case, "birth", datetime!(2026-03-18 17:00 +07:00));
        let reminded = reminder(&definition, &case, &calendar, &notify(), &step("birth"), 0);
        assert_eq!(
            reminded[0].key,
            "KS-00000-00000/notify/reminder/birth/r0/webhook"
        );
        assert!(
            reminder(&definition, &case, &calendar, &notify(), &step("birth"), 1).is_empty(),
            "another round's timer reminds of nothing"
        );
        for notice in &reminded {
            case.apply(Event::NoticeQueued(record(notice, FILED_AT)));
        }
        assert!(
            reminder(&definition, &case, &calendar, &notify(), &step("birth"), 0).is_empty(),
            "reminded once"
        );
        let mut answered = self::case(&definition);
        documents_requested(&mut answered, "birth", datetime!(2026-03-18 17:00 +07:00));
        answered.apply(Event::DocumentsProvided {
            step: step("birth"),
        });
        assert!(
            reminder(
                &definition,
                &answered,
                &calendar,
                &notify(),
                &step("birth"),
                0
            )
            .is_empty()
        );
        assert_eq!(
            reminder_at(&calendar, datetime!(2026-03-18 17:00 +07:00)),
            datetime!(2026-03-16 08:00 +07:00)
        );
    }

    #[test]
    fn the_case_passing_its_time_limit_is_told_once_and_a_step_passing_its_own_is_not() {
        let definition = shipped();
        let mut case = case(&definition);
        queue_owed(&definition, &mut case);
        case.apply(Event::DeadlinePassed(Escalation {
            step: Some(step("birth")),
            deadline: FILED_AT,
            noticed_at: FILED_AT,
        }));
        assert!(due(&definition, &case, &Calendar::vietnam(), &notify()).is_empty());
        case.apply(Event::DeadlinePassed(Escalation {
            step: None,
            deadline: FILED_AT,
            noticed_at: FILED_AT,
        }));
        assert_eq!(queue_owed(&definition, &mut case).len(), 2);
        assert!(queue_owed(&definition, &mut case).is_empty());
    }
}
