//! What the case told its citizen: each message, on which channel, and what became of it.
//!
//! A record names the event, the step and the channel, never the address it went to or what it
//! said: operators and the citizen's own case answer read it, and neither needs more.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::StepId;

/// One message to one channel, under its idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRecord {
    /// `{case}/notify/{event}/{channel}`: the key the receiver sees on every attempt.
    pub key: String,
    /// What the citizen is told about: `filed`, `step_done`, `documents_requested`,
    /// `reminder`, `completed`, `failed`, `withdrawn` or `overdue`.
    pub event: String,
    /// The step the event is about, for a step's result and documents asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<StepId>,
    /// `webhook`, `email` or `sms`.
    pub channel: String,
    pub status: NoticeStatus,
    /// The attempt that delivered it; 0 until it is settled, or when no attempt answered.
    #[serde(default)]
    pub attempts: u32,
    /// The stable code of the failure that dead-lettered it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub queued_at: OffsetDateTime,
    /// When it was delivered, dead-lettered or found to have no channel.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub settled_at: Option<OffsetDateTime>,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeStatus {
    /// Handed to the channel's activity, which retries with backoff until the receiver takes
    /// it or its window is spent.
    Sending,
    Delivered,
    /// Dead-lettered: the receiver refused it for good, or it could not be delivered within its
    /// window. The case is not affected; an operator is.
    Failed,
    /// The worker that ran it has no such channel configured: nothing was sent.
    NotConfigured,
}

impl NoticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::NotConfigured => "not_configured",
        }
    }

    /// Whether the message has reached its end, one way or another.
    pub fn is_settled(self) -> bool {
        self != Self::Sending
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::case::{CaseState, Event};

    fn case() -> CaseState {
        let definition = crate::parse_definition(include_str!(
            "../../procedures/birth-residence-insurance.yaml"
        ))
        .unwrap();
        CaseState::new(
            "KS-00000-00000".parse().unwrap(),
            &definition,
            datetime!(2026-03-09 09:00 +07:00),
        )
    }

    fn queued(key: &str) -> Event {
        Event::NoticeQueued(NoticeRecord {
            key: key.to_owned(),
            event: "filed".into(),
            step: None,
            channel: "webhook".into(),
            status: NoticeStatus::Sending,
            attempts: 0,
            last_error: None,
            queued_at: datetime!(2026-03-09 09:00 +07:00),
            settled_at: None,
        })
    }

    fn settled(key: &str, status: NoticeStatus, error: Option<&str>) -> Event {
        Event::NoticeSettled {
            key: key.to_owned(),
            status,
            attempts: u32::from(status == NoticeStatus::Delivered),
            error: error.map(str::to_owned),
            at: datetime!(2026-03-09 09:01 +07:00),
        }
    }

    #[test]
    fn one_key_is_one_record_and_its_outcome_is_kept() {
        let key = "KS-00000-00000/notify/filed/webhook";
        let mut case = case();
        let at = datetime!(2026-03-09 09:00 +07:00);
        case.apply_at(queued(key), at);
        case.apply_at(queued(key), at);
        assert_eq!(case.notifications.len(), 1);
        case.apply_at(settled(key, NoticeStatus::Delivered, None), at);
        let notice = case.notice(key).unwrap();
        assert_eq!(notice.status, NoticeStatus::Delivered);
        assert_eq!(notice.attempts, 1);
        assert!(notice.settled_at.is_some());
        assert!(case.attention.is_empty());
        let kinds: Vec<&str> = case.journal.iter().map(|j| j.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["notice_queued", "notice_queued", "notice_delivered"]
        );
        assert_eq!(
            case.journal[2].detail.as_deref(),
            Some("filed/webhook; attempt 1")
        );
    }

    #[test]
    fn a_dead_lettered_message_asks_for_attention_even_after_the_case_ends() {
        let key = "KS-00000-00000/notify/completed/email";
        let mut case = case();
        let at = datetime!(2026-03-09 09:00 +07:00);
        case.apply_at(queued(key), at);
        case.apply_at(Event::Finished(crate::case::CaseStatus::Completed), at);
        case.apply_at(
            settled(key, NoticeStatus::Failed, Some("WEBHOOK_REFUSED")),
            at,
        );
        assert_eq!(case.attention, ["notification_failed"]);
        assert_eq!(case.attention_details[0].step, None);
        assert_eq!(
            case.notice(key).unwrap().last_error.as_deref(),
            Some("WEBHOOK_REFUSED")
        );
        assert_eq!(case.journal.last().unwrap().kind, "notice_failed");
    }

    #[test]
    fn a_state_written_before_notifications_reads_as_one_that_sent_none() {
        let mut written = serde_json::to_value(case()).unwrap();
        assert_eq!(written["notifications"], serde_json::json!([]));
        written.as_object_mut().unwrap().remove("notifications");
        let read: CaseState = serde_json::from_value(written).unwrap();
        assert!(read.notifications.is_empty());
    }
}
