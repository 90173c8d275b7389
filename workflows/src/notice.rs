//! The contract between the workflow and the notification activity: what a citizen is told, on
//! which channel, under which idempotency key. The activity's implementation (webhook, e-mail,
//! SMS gateway, the vi/en templates) lives in `lienthong-activities`; only its shape is known
//! here, so the workflow crate stays free of HTTP and SMTP.

use lienthong_definitions::{CaseCode, StepId, Titles};
use serde::{Deserialize, Serialize};
use temporalio_common::ActivityDefinition;

/// The activity type name both sides register under.
pub const NOTIFY: &str = "lienthong.notify";

/// What every message's activity id starts with (see [`Notice::activity_id`]).
pub const NOTICE_ACTIVITY_PREFIX: &str = "notice:";

/// A channel an installation sends citizens' messages on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A signed JSON POST to the portal's or app's back end.
    Webhook,
    /// An e-mail over SMTP to the address the application gives.
    Email,
    /// A JSON POST to an SMS gateway, for the phone number the application gives.
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }
}

/// What happened that the citizen must hear about. Each names only codes, step ids and dates:
/// never the application's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoticeEvent {
    /// The application was received and the case opened.
    Filed,
    /// A step finished with the agency's act done.
    StepDone {
        step: StepId,
        title: Titles,
    },
    /// An agency asks the citizen for documents, to be supplied by `due` (a date, `YYYY-MM-DD`).
    DocumentsRequested {
        step: StepId,
        title: Titles,
        due: String,
    },
    /// Two working days before `due`, the documents are still not supplied.
    Reminder {
        step: StepId,
        title: Titles,
        due: String,
    },
    Completed,
    Failed,
    Withdrawn,
    /// The case passed its legal time limit.
    Overdue,
}

impl NoticeEvent {
    /// The event's name as the case state records it (`documents_requested`).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Filed => "filed",
            Self::StepDone { .. } => "step_done",
            Self::DocumentsRequested { .. } => "documents_requested",
            Self::Reminder { .. } => "reminder",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Withdrawn => "withdrawn",
            Self::Overdue => "overdue",
        }
    }

    /// The step the event is about, if any.
    pub fn step(&self) -> Option<&StepId> {
        match self {
            Self::StepDone { step, .. }
            | Self::DocumentsRequested { step, .. }
            | Self::Reminder { step, .. } => Some(step),
            _ => None,
        }
    }

    /// The event's part of the idempotency key: one per case and event, whatever retries.
    /// `round` tells apart a step's documents asked for a second time.
    pub fn key_part(&self, round: u32) -> String {
        match self {
            Self::Filed => "filed".to_owned(),
            Self::StepDone { step, .. } => format!("step-done/{}", step.0),
            Self::DocumentsRequested { step, .. } => format!("documents/{}/r{round}", step.0),
            Self::Reminder { step, .. } => format!("reminder/{}/r{round}", step.0),
            Self::Completed => "completed".to_owned(),
            Self::Failed => "failed".to_owned(),
            Self::Withdrawn => "withdrawn".to_owned(),
            Self::Overdue => "overdue".to_owned(),
        }
    }
}

/// One message to one channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// `{case}/notify/{event key part}/{channel}`: the receiver (or the mail's `Message-ID`)
    /// sees the same key on every retry, so one event is one message.
    pub key: String,
    pub case_code: CaseCode,
    pub channel: Channel,
    pub event: NoticeEvent,
    /// `vi` or `en`: the language the citizen filed in.
    pub lang: String,
    /// The e-mail address or phone number this channel needs, and nothing else; `None` for the
    /// webhook, whose receiver knows its citizen by the case code.
    pub to: Option<String>,
}

impl Notice {
    /// The activity id a message runs under: `notice:{event key part}/{channel}`. The `:` keeps
    /// it apart from every step's calls (a step id is a slug), so nothing reads it as one.
    pub fn activity_id(&self) -> String {
        let tail = self
            .key
            .split_once("/notify/")
            .map_or(self.key.as_str(), |(_, rest)| rest);
        format!("{NOTICE_ACTIVITY_PREFIX}{tail}")
    }

    pub fn key_for(case: &CaseCode, event: &NoticeEvent, round: u32, channel: Channel) -> String {
        format!(
            "{}/notify/{}/{}",
            case.as_str(),
            event.key_part(round),
            channel.as_str()
        )
    }
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum NoticeOutcome {
    /// The channel's receiver took it, at the given attempt.
    Delivered { attempt: u32 },
    /// This worker has no such channel configured: nothing was sent.
    NotConfigured,
}

/// Marker for scheduling the notification activity from the workflow.
#[derive(Debug, Clone, Copy)]
pub struct Notify;

impl ActivityDefinition for Notify {
    type Input = Notice;
    type Output = NoticeOutcome;

    fn name(&self) -> &str {
        NOTIFY
    }
}

/// One channel a case's citizen is told on, with the one address it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub channel: Channel,
    /// The e-mail address or phone number the application gives; `None` for the webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// What a case needs to tell its citizen: filled by the API at filing from the installation's
/// channels and the addresses the definition's `contact:` points at. It travels in the case's
/// input (encrypted like all of it); cases filed without it tell nobody anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyInput {
    /// `vi` or `en`: the language the citizen filed in.
    pub lang: String,
    /// One per channel the citizen can be reached on; a channel whose address the application
    /// does not give is left out.
    pub recipients: Vec<Recipient>,
    /// How long a message is retried (with backoff) before it is dead-lettered; `None` is
    /// [`DEFAULT_NOTICE_WINDOW_SECS`].
    #[serde(default)]
    pub window_secs: Option<u64>,
    /// How long one attempt may take before it counts as lost (a worker killed mid-send);
    /// `None` is [`DEFAULT_NOTICE_ATTEMPT_SECS`].
    #[serde(default)]
    pub attempt_secs: Option<u64>,
}

/// A message not delivered within a day is dead-lettered.
pub const DEFAULT_NOTICE_WINDOW_SECS: u64 = 24 * 60 * 60;
/// One attempt to hand a message to its receiver.
pub const DEFAULT_NOTICE_ATTEMPT_SECS: u64 = 30;
