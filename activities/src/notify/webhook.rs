//! The webhook: what the portal's or app's back end receives for each notice. Its JSON Schema is
//! `docs/notification-webhook.schema.json`; a test checks what is sent against it.

use lienthong_definitions::Titles;
use lienthong_workflows::{Notice, NoticeEvent};
use serde::Serialize;

use super::templates::NoticeLang;

/// The webhook's JSON body. It names the case, never the citizen: the receiver knows who filed
/// a case by its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookBody<'a> {
    /// `{case}/notify/{event}/webhook`, also in `Idempotency-Key`: one per case and event, the
    /// same on every retry.
    pub key: &'a str,
    pub case_code: &'a str,
    pub event: WebhookEvent<'a>,
    /// `vi` or `en`: the language of `text`.
    pub lang: &'static str,
    /// The citizen's page of the case.
    pub link: &'a str,
    /// One line for the citizen, in `lang`.
    pub text: &'a str,
}

/// What happened, by its kind; a step's events name the step (id and titles), a request for
/// documents its due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookEvent<'a> {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<&'a Titles>,
    /// `YYYY-MM-DD`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<&'a str>,
}

impl<'a> WebhookEvent<'a> {
    pub fn of(event: &'a NoticeEvent) -> Self {
        let (kind, step, title, due) = match event {
            NoticeEvent::Filed => ("filed", None, None, None),
            NoticeEvent::StepDone { step, title } => ("step_done", Some(step), Some(title), None),
            NoticeEvent::DocumentsRequested { step, title, due } => {
                ("documents_requested", Some(step), Some(title), Some(due))
            }
            NoticeEvent::Reminder { step, title, due } => {
                ("reminder", Some(step), Some(title), Some(due))
            }
            NoticeEvent::Completed => ("completed", None, None, None),
            NoticeEvent::Failed => ("failed", None, None, None),
            NoticeEvent::Withdrawn => ("withdrawn", None, None, None),
            NoticeEvent::Overdue => ("overdue", None, None, None),
        };
        Self {
            kind,
            step: step.map(|s| s.0.as_str()),
            title,
            due: due.map(String::as_str),
        }
    }
}

/// The body for `notice`, with its link and the line in its language.
pub fn body<'a>(notice: &'a Notice, link: &'a str, text: &'a str) -> WebhookBody<'a> {
    WebhookBody {
        key: &notice.key,
        case_code: notice.case_code.as_str(),
        event: WebhookEvent::of(&notice.event),
        lang: NoticeLang::of(&notice.lang).code(),
        link,
        text,
    }
}
