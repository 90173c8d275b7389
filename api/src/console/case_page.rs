//! `GET /console/cases/{code}`: one case's state, its step graph, every step with its attempts,
//! errors and deadlines, the journal, the operator actions, and a form for each action.

use axum::{
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use maud::{Markup, html};

use super::{
    i18n::Text,
    layout::{self, Chrome},
    problem::Problem,
    resolve_form::{self, ResolveForms},
    session::Console,
    timeline::{StepLine, Timeline},
    urls,
};
use crate::ApiState;

pub(crate) async fn show(
    State(state): State<ApiState>,
    console: Console,
    Path(code): Path<String>,
) -> Response {
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    match crate::ops::timeline(&state, &console.caller, &code).await {
        Ok(body) => {
            let mut case = Timeline::read(&body);
            let lang = console.chrome.lang;
            case.step_titles =
                super::names::step_titles(&state, &case.procedure, case.version, lang).await;
            // The forms read the case's ids (its definition, each step's agency); only then
            // is it named for people.
            let resolve = resolve_form::for_case(&state, &case).await;
            let names = super::names::Names::read(&state, lang).await;
            let case = named(case, &names);
            layout::respond(
                StatusCode::OK,
                render_with(&console.chrome, &code, &case, &resolve),
            )
        }
        Err(e) => layout::problem_page(&console.chrome, &Problem::from(e)),
    }
}

/// The step graph, served here so the page's `<img>` is fetched with the session cookie.
pub(crate) async fn picture(
    State(state): State<ApiState>,
    console: Console,
    Path(code): Path<String>,
) -> Response {
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    match crate::ops::cases::picture_in(&state, &console.caller, &code, console.chrome.lang).await {
        Ok(svg) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response(),
        Err(e) => layout::problem_page(&console.chrome, &Problem::from(e)),
    }
}

/// The case with its procedure and agencies named for people, in the reader's language (the
/// ids stay in the engine's data and the page's attributes).
pub(crate) fn named(mut case: Timeline, names: &super::names::Names) -> Timeline {
    case.procedure = names.procedure(&case.procedure).to_owned();
    for step in &mut case.steps {
        if let Some(agency) = &mut step.agency {
            *agency = names.agency(agency).to_owned();
        }
    }
    for line in &mut case.attention {
        if let Some(agency) = &mut line.agency {
            *agency = names.agency(agency).to_owned();
        }
    }
    for entry in &mut case.journal {
        if let Some(agency) = &mut entry.agency {
            *agency = names.agency(agency).to_owned();
        }
    }
    case
}

/// The page without the resolve forms' output fields, for tests of the rest of it.
#[cfg(test)]
pub(crate) fn render(chrome: &Chrome, code: &str, case: &Timeline) -> Markup {
    render_with(chrome, code, case, &ResolveForms::new())
}

/// The page, with `resolve` the typed form of each step an operator may resolve.
pub(crate) fn render_with(
    chrome: &Chrome,
    code: &str,
    case: &Timeline,
    resolve: &ResolveForms,
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let body = html! {
        dl.facts {
            dt { (t(Text::Status)) }
            dd { span #case-status data-status=(case.status) class={ "badge st-" (case.status) } {
                (lang.term("status", &case.status))
            } }
            dt { (t(Text::Procedure)) }
            dd { (case.procedure) @if let Some(v) = case.version { " (" (t(Text::Version)) " " (v) ")" } }
            dt { (t(Text::Office)) }
            dd { (case.office) }
            dt { (t(Text::Submitted)) }
            dd { (layout::when(&case.submitted_at)) }
            @if let Some(deadline) = &case.deadline {
                dt { (t(Text::Deadline)) }
                dd {
                    (layout::when(deadline))
                    @if case.overdue { " " span.badge.overdue #case-overdue { (t(Text::IsOverdue)) } }
                }
            }
        }
        p.note { (t(if case.personal_data { Text::PersonalShown } else { Text::PersonalMasked })) }
        @if !case.attention.is_empty() {
            section.attention aria-labelledby="case-attention-title" {
                h2 #case-attention-title { (t(Text::Attention)) }
                ul #case-attention {
                    @for a in &case.attention {
                        li.reason data-reason=(a.reason) {
                            strong { (lang.term("reason", &a.reason)) }
                            @if let Some(step) = &a.step { " · " (t(Text::Step)) " " (layout::step_name(&case.step_titles, step)) }
                            @if let Some(agency) = &a.agency { " · " (t(Text::Agency)) " " (agency) }
                        }
                    }
                }
            }
        }
        @if let Some(failure) = &case.failure {
            p #case-failure.failure { strong { (t(Text::Failure)) ": " } code { (failure) } }
        }
        @if case.finished() {
            p #case-finished.note { (t(Text::CaseFinished)) }
        }
        figure #picture {
            img src={ (urls::case(code)) "/picture.svg" } alt=(t(Text::StepGraphAlt));
            figcaption { (t(Text::StepGraph)) }
        }
        @if !case.application.is_empty() {
            section #application aria-labelledby="application-title" {
                h2 #application-title { (t(Text::Application)) }
                p.help { (t(if case.personal_data { Text::ApplicationShown } else { Text::ApplicationMasked })) }
                dl.facts.application {
                    @for (path, value) in &case.application {
                        dt { code { (path) } }
                        dd { (value) }
                    }
                }
            }
        }
        section #timeline {
            h2 { (t(Text::Steps)) }
            table #steps.steps {
                thead { tr {
                    th scope="col" { (t(Text::Step)) }
                    th scope="col" { (t(Text::Agency)) }
                    th scope="col" { (t(Text::Status)) }
                    th scope="col" { (t(Text::Attempts)) }
                    th scope="col" { (t(Text::LastError)) }
                    th scope="col" { (t(Text::StepDeadline)) }
                    th scope="col" { (t(Text::Reference)) }
                    @if !case.finished() { th scope="col" { (t(Text::Actions)) } }
                } }
                tbody {
                    @for step in &case.steps {
                        (step_row(chrome, code, step, case, resolve))
                    }
                }
            }
            h2 { (t(Text::Journal)) }
            @if case.journal_dropped > 0 {
                p.note { (case.journal_dropped) " " (t(Text::OlderDropped)) }
            }
            table #journal.journal {
                thead { tr {
                    th scope="col" { (t(Text::Time)) }
                    th scope="col" { (t(Text::Event)) }
                    th scope="col" { (t(Text::Step)) }
                    th scope="col" { (t(Text::Agency)) }
                    th scope="col" { (t(Text::Detail)) }
                    th scope="col" { (t(Text::Actor)) }
                } }
                tbody {
                    @for entry in &case.journal {
                        tr data-kind=(entry.kind) {
                            td { (layout::when(&entry.at)) }
                            td { (lang.term("event", &entry.kind)) }
                            td { @if let Some(step) = &entry.step { (layout::step_name(&case.step_titles, step)) } }
                            td { (entry.agency.as_deref().unwrap_or_default()) }
                            td { (journal_detail(lang, entry.detail.as_deref())) }
                            td {
                                @if let Some(actor) = &entry.actor { strong { (actor) } }
                                @if let Some(reason) = &entry.reason { " — " q { (reason) } }
                            }
                        }
                    }
                }
            }
        }
        (notices(chrome, case))
        section #operator-actions {
            h2 { (t(Text::OperatorActions)) }
            @if case.operator_actions.is_empty() {
                p.empty { (t(Text::NoOperatorActions)) }
            } @else {
                table.audit {
                    thead { tr {
                        th scope="col" { (t(Text::Time)) }
                        th scope="col" { (t(Text::Actor)) }
                        th scope="col" { (t(Text::Action)) }
                        th scope="col" { (t(Text::Reasons)) }
                        th scope="col" { (t(Text::Outcome)) }
                        th scope="col" { (t(Text::Detail)) }
                    } }
                    tbody {
                        @for a in &case.operator_actions {
                            tr data-action=(a.action) {
                                td { (layout::when(&a.at)) }
                                td { (a.actor) " (" (a.role) ")" }
                                td { (lang.term("action", &a.action)) }
                                td { (a.reason.as_deref().unwrap_or_default()) }
                                td { code { (a.outcome) } }
                                td { (a.detail.as_deref().unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
        @if !case.finished() {
            section #case-actions {
                h2 { (t(Text::CaseActions)) }
                p.explain { (t(Text::ExplainCancel)) }
                form.action-cancel method="post" action={ (urls::case(code)) "/confirm" } {
                    (chrome.csrf_field())
                    input type="hidden" name="action" value="cancel";
                    button.danger type="submit" { (lang.term("action", "cancel")) }
                }
            }
        }
    };
    layout::page(chrome, code, body)
}

/// The messages sent to the citizen and where each stands: a dead letter says what to do.
fn notices(chrome: &Chrome, case: &Timeline) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    html! {
        section #notifications aria-labelledby="notifications-title" {
            h2 #notifications-title { (t(Text::Notifications)) }
            @if case.notices.is_empty() {
                p.empty { (t(Text::NoNotifications)) }
            } @else {
                table.notices {
                    thead { tr {
                        th scope="col" { (t(Text::NoticeEvent)) }
                        th scope="col" { (t(Text::Channel)) }
                        th scope="col" { (t(Text::Status)) }
                        th scope="col" { (t(Text::Attempts)) }
                        th scope="col" { (t(Text::Queued)) }
                        th scope="col" { (t(Text::Settled)) }
                    } }
                    tbody {
                        @for notice in &case.notices {
                            @let status = notice.shown_status();
                            tr data-event=(notice.event) data-channel=(notice.channel) data-status=(status) {
                                td {
                                    (lang.term("notice_event", &notice.event))
                                    @if let Some(step) = &notice.step { br; (t(Text::Step)) " " (layout::step_name(&case.step_titles, step)) }
                                }
                                td { (lang.term("channel", &notice.channel)) }
                                td {
                                    span class={ "badge notice-" (status) } { (lang.term("notice", status)) }
                                    @if let Some(error) = &notice.last_error {
                                        br;
                                        small {
                                            @if status == "retrying" { (t(Text::NoticeRetryingNote)) " " }
                                            code { (error) }
                                            @if lang.term("error", error) != error.as_str() { br; (lang.term("error", error)) }
                                        }
                                    }
                                    @if status == "failed" { br; small.failure { (t(Text::DeadLetterNote)) } }
                                }
                                td.num { (notice.attempts) }
                                td { (layout::when(&notice.queued_at)) }
                                td { @if let Some(at) = &notice.settled_at { (layout::when(at)) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn step_row(
    chrome: &Chrome,
    code: &str,
    step: &StepLine,
    case: &Timeline,
    resolve: &ResolveForms,
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let confirm = format!("{}/confirm", urls::case(code));
    html! {
        tr data-step=(step.id) data-status=(step.status) {
            th scope="row" { (layout::step_name(&case.step_titles, &step.id)) }
            td { (step.agency.as_deref().unwrap_or_default())
                 @if let Some(op) = &step.operation { br; small { (op) } } }
            td {
                (layout::step_badge(lang, &step.status))
                @if step.long_running { br; small { (t(Text::RetryingNote)) } }
                @if step.sent_unanswered { br; small { (t(Text::UnansweredNote)) } }
                @if !matches!(step.status.as_str(), "succeeded" | "skipped" | "not_applicable" | "compensated" | "resolved_manually") {
                    @if let Some(since) = &step.since {
                        br; small.since { (t(Text::StepSince)) " " (layout::when(since)) }
                    }
                }
                @if let Some(next) = &step.next_attempt_at {
                    br; small.next-attempt { (t(Text::NextAttempt)) " " (layout::when(next)) }
                }
            }
            td.num { (step.attempts) @if step.round > 0 { br; small { (t(Text::Round)) " " (step.round) } } }
            td { @if let Some((error, message)) = &step.last_error {
                code { (error) }
                // The engine's own codes are explained; an agency's refusal code has its message.
                @if lang.term("error", error) != error.as_str() { br; (lang.term("error", error)) }
                br; small { (message) } } }
            td {
                @if let Some(deadline) = &step.deadline { (layout::when(deadline)) }
                @if let Some(due) = &step.documents_due { br; small { (t(Text::DueDocuments)) " " (layout::when(due)) } }
            }
            td {
                @if let Some(reference) = &step.decision_reference { code { (reference) } }
                @if let Some((reference, by)) = &step.resolution {
                    code { (reference) } br; small { (t(Text::ResolvedBy)) " " (by) }
                }
            }
            @if !case.finished() {
                td.actions {
                    @if step.retryable() {
                        form.action-retry method="post" action=(confirm) data-step=(step.id) {
                            (chrome.csrf_field())
                            input type="hidden" name="action" value="retry_now";
                            input type="hidden" name="step" value=(step.id);
                            button type="submit" { (lang.term("action", "retry_now")) }
                        }
                    }
                    @if step.resolvable(&case.status) {
                        // Without its definition the form still takes the reference; the
                        // workflow then names any field later steps need.
                        @let fallback = resolve_form::ResolveFields { step: step.id.clone(), fields: Vec::new() };
                        (resolve_form::form(chrome, code, resolve.get(&step.id).unwrap_or(&fallback)))
                    }
                }
            }
        }
    }
}

/// A journal entry's detail: codes, references and counts. An engine error code is given its
/// words, the code kept beside them as one; anything else is shown as the identifier it is.
fn journal_detail(lang: super::i18n::Lang, detail: Option<&str>) -> Markup {
    let Some(detail) = detail.filter(|d| !d.is_empty()) else {
        return html! {};
    };
    let words = lang.term("error", detail);
    html! {
        @if words != detail { (words) " " }
        code { (detail) }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::console::{i18n::Lang, layout::User};

    fn chrome(lang: Lang) -> Chrome {
        Chrome {
            lang,
            here: "/console".into(),
            user: Some(User {
                subject: "op".into(),
                csrf: "abc".into(),
                operator: true,
                auditor: false,
            }),
        }
    }

    fn case() -> Timeline {
        Timeline::read(&json!({"case": {
            "code": "KS-1", "status": "completed",
            "notifications": [
                {"key": "KS-1/notify/filed/webhook", "event": "filed", "channel": "webhook",
                 "status": "delivered", "attempts": 1, "queued_at": "2026-11-23T01:00:00Z",
                 "settled_at": "2026-11-23T01:00:01Z"},
                {"key": "KS-1/notify/documents/birth/r0/email", "event": "documents_requested",
                 "step": "birth", "channel": "email", "status": "sending", "attempts": 3,
                 "last_error": "SMTP_UNAVAILABLE", "queued_at": "2026-11-23T01:00:00Z"},
                {"key": "KS-1/notify/completed/sms", "event": "completed", "channel": "sms",
                 "status": "failed", "attempts": 0, "last_error": "NOTICE_WINDOW_SPENT",
                 "queued_at": "2026-11-23T01:00:00Z", "settled_at": "2026-11-24T01:00:00Z"},
            ],
        }}))
    }

    #[test]
    fn steps_are_named_by_their_titles_in_the_readers_language_with_their_ids_beside() {
        let definitions =
            lienthong_definitions::shipped_definitions().expect("the shipped definitions parse");
        let definition = definitions
            .iter()
            .find(|d| d.id.0 == "birth-residence-insurance")
            .expect("the birth procedure ships");
        let mut timeline = Timeline::read(&json!({"case": {
            "code": "KS-1", "status": "running",
            "attention_details": [{"reason": "agency_unavailable", "step": "residence"}],
            "steps": [
                {"id": "birth", "status": "succeeded", "attempts": 1},
                {"id": "residence", "status": "agency_unavailable", "attempts": 8},
            ],
            "journal": [{"at": "2026-12-01T02:00:01Z", "kind": "step_started", "step": "birth"}],
        }}));
        for (lang, birth, residence) in [
            (Lang::Vi, "Đăng ký khai sinh", "Đăng ký thường trú"),
            (
                Lang::En,
                "Birth registration",
                "Permanent residence registration",
            ),
        ] {
            timeline.step_titles = super::super::names::step_titles_of(definition, lang);
            let html = render(&chrome(lang), "KS-1", &timeline).into_string();
            assert!(
                html.contains(&format!(
                    r#"<th scope="row"><span class="step-name" data-step="birth">{birth} <small><code>birth</code></small></span></th>"#
                )),
                "{html}"
            );
            // The steps' table, the attention list and the journal all name the step.
            assert!(html.matches(birth).count() >= 2, "{html}");
            assert!(html.matches(residence).count() >= 2, "{html}");
        }
    }

    #[test]
    fn each_message_shows_its_channel_and_where_it_stands_in_both_languages() {
        let timeline = case();
        assert_eq!(timeline.notices.len(), 3);
        assert_eq!(timeline.notices[1].shown_status(), "retrying");
        let en = render(&chrome(Lang::En), "KS-1", &timeline).into_string();
        for expected in [
            r#"data-event="filed" data-channel="webhook" data-status="delivered""#,
            r#"data-channel="email" data-status="retrying""#,
            r#"data-channel="sms" data-status="failed""#,
            "Failed (dead letter)",
            "NOTICE_WINDOW_SPENT",
            "the citizen must be told another way",
            "retrying, last error:",
        ] {
            assert!(en.contains(expected), "{expected} in {en}");
        }
        let vi = render(&chrome(Lang::Vi), "KS-1", &timeline).into_string();
        for expected in [
            "Thông báo gửi công dân",
            "Đã gửi",
            "Thư điện tử",
            "Tin nhắn SMS",
        ] {
            assert!(vi.contains(expected), "{expected}");
        }
        assert!(en.contains("did not take the message within its window"));
        for code in [
            "NOTICE_WINDOW_SPENT",
            "NOTICE_FAILED",
            "NOTIFY_REFUSED",
            "NOTIFY_CREDENTIALS_MISSING",
        ] {
            for lang in Lang::ALL {
                assert_ne!(lang.term("error", code), code, "{code} in {lang:?}");
            }
        }
        let none = render(&chrome(Lang::En), "KS-1", &Timeline::default()).into_string();
        assert!(none.contains("This case has sent no message."));
    }
}
