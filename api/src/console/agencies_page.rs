//! `GET /console/agencies`: whether each agency answers and whether it is held, with the forms
//! to hold one during an outage and release it afterwards (through a confirmation page).

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::{
    csrf::{Checked, CsrfForm},
    i18n::Text,
    layout::{self, Chrome},
    problem::Problem,
    session::Console,
    urls,
};
use crate::ApiState;

/// One row of the board.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AgencyLine {
    pub agency: String,
    pub title: String,
    pub answers: bool,
    pub problem: Option<String>,
    /// `(by, reason, since)` when held.
    pub hold: Option<(String, String, String)>,
}

fn text(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// Reads `GET /v1/ops/agencies`, with each agency's title in the page's language.
pub(crate) fn read_board(board: &Value, title: impl Fn(&str) -> Option<String>) -> Vec<AgencyLine> {
    board["agencies"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .map(|row| {
                    let agency = text(&row["agency"]);
                    let hold = &row["hold"];
                    AgencyLine {
                        title: title(&agency).unwrap_or_else(|| agency.clone()),
                        answers: row["answers"].as_bool().unwrap_or(false),
                        problem: row["problem"].as_str().map(str::to_owned),
                        hold: (row["held"].as_bool() == Some(true)).then(|| {
                            (
                                text(&hold["held_by"]),
                                text(&hold["reason"]),
                                text(&hold["held_at"]),
                            )
                        }),
                        agency,
                    }
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) async fn show(State(state): State<ApiState>, console: Console) -> Response {
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let lang = console.chrome.lang;
    match crate::ops::agency_board(&state, &console.caller)
        .await
        .map_err(Problem::from)
    {
        Ok(board) => {
            let catalogue = state.catalog.agencies();
            let lines = read_board(&board, |id| {
                catalogue
                    .agency(id)
                    .map(|a| lang.words(&a.title).to_owned())
            });
            layout::respond(StatusCode::OK, render(&console.chrome, &lines))
        }
        Err(problem) => layout::problem_page(&console.chrome, &problem),
    }
}

pub(crate) fn render(chrome: &Chrome, lines: &[AgencyLine]) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let body = html! {
        table #agencies.agencies {
            thead { tr {
                th scope="col" { (t(Text::Agency)) }
                th scope="col" { (t(Text::Answers)) }
                th scope="col" { (t(Text::Held)) }
                th scope="col" { (t(Text::Actions)) }
            } }
            tbody {
                @for line in lines {
                    tr data-agency=(line.agency) data-held=(line.hold.is_some()) data-answers=(line.answers) {
                        th scope="row" { (line.title) br; code { (line.agency) } }
                        td.answers {
                            @if line.answers {
                                span.badge.ok { (t(Text::AnswersYes)) }
                            } @else {
                                span.badge.bad { (t(Text::AnswersNo)) }
                                @if let Some(problem) = &line.problem { br; small.health { (health_words(chrome, problem)) } }
                            }
                        }
                        td.held {
                            @if let Some((by, reason, since)) = &line.hold {
                                span.badge.step-held { (t(Text::HeldYes)) }
                                br; small { (t(Text::HeldBy)) " " (by) ", " (t(Text::Since)) " " (layout::when(since)) }
                                br; q { (reason) }
                            } @else {
                                (t(Text::HeldNo))
                            }
                        }
                        td.actions {
                            @let confirm = format!("{}/confirm", urls::agency(&line.agency));
                            @if line.hold.is_some() {
                                form.release method="post" action=(confirm) {
                                    (chrome.csrf_field())
                                    input type="hidden" name="action" value="release";
                                    label for={ "rate-" (line.agency) } { (t(Text::PerSecond)) }
                                    input id={ "rate-" (line.agency) } type="number" name="per_second" min="1" max="200" value="10";
                                    button type="submit" { (lang.term("action", "release")) }
                                }
                            } @else {
                                form.hold method="post" action=(confirm) {
                                    (chrome.csrf_field())
                                    input type="hidden" name="action" value="hold";
                                    button type="submit" { (lang.term("action", "hold")) }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout::page(chrome, t(Text::Agencies), body)
}

/// Why a health check failed, in the reader's words. The board carries the check's own
/// sentence (`HealthProblem`'s), read back here by comparing with each outcome's sentence; one
/// this page does not know yet is shown as it came, as a code.
fn health_words(chrome: &Chrome, problem: &str) -> Markup {
    use lienthong_activities::HealthProblem;
    let status = problem
        .rsplit(' ')
        .next()
        .and_then(|n| n.parse::<u16>().ok())
        .filter(|n| HealthProblem::Status(*n).to_string() == problem);
    html! {
        @if let Some(status) = status {
            (chrome.t(Text::HealthAnswersStatus)) " " (status)
        } @else if problem == HealthProblem::TimedOut.to_string() {
            (chrome.t(Text::HealthTimedOut))
        } @else if problem == HealthProblem::Unreachable.to_string() {
            (chrome.t(Text::HealthUnreachable))
        } @else {
            code { (problem) }
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AgencyForm {
    pub csrf: String,
    pub action: String,
    pub reason: String,
    pub per_second: String,
}

impl CsrfForm for AgencyForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl AgencyForm {
    fn rate(&self) -> Result<Option<u32>, Problem> {
        let rate = self.per_second.trim();
        if rate.is_empty() {
            return Ok(None);
        }
        rate.parse::<u32>()
            .map(Some)
            .map_err(|_| Problem::form_invalid("cases per second is a whole number from 1 to 200"))
    }

    fn checked_action(&self) -> Result<&str, Problem> {
        match self.action.as_str() {
            "hold" | "release" => Ok(&self.action),
            _ => Err(Problem::form_invalid("the action is hold or release")),
        }
    }
}

pub(crate) async fn confirm(
    State(state): State<ApiState>,
    Path(agency): Path<String>,
    posted: Checked<AgencyForm>,
) -> Response {
    let Checked { console, form } = posted;
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    if let Err(problem) = form.checked_action().and_then(|_| form.rate()) {
        return layout::problem_page(&console.chrome, &problem);
    }
    // The count is for the operator's eyes; without it the confirmation still stands.
    let touched = crate::ops::cases::touched_by_hold(
        &state,
        &console.caller,
        &agency,
        form.action == "release",
    )
    .await
    .ok()
    .flatten();
    layout::respond(
        StatusCode::OK,
        render_confirm(
            &console.chrome,
            &agency,
            super::names::Names::read(&state, console.chrome.lang)
                .await
                .agency(&agency),
            &form,
            touched,
        ),
    )
}

pub(crate) async fn run(
    State(state): State<ApiState>,
    Path(agency): Path<String>,
    posted: Checked<AgencyForm>,
) -> Response {
    let Checked { console, form } = posted;
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let caller = &console.caller;
    let result = match (form.checked_action(), form.rate()) {
        (Ok("hold"), _) => crate::ops::hold(&state, caller, &agency, &form.reason)
            .await
            .map_err(Problem::from),
        (Ok(_), Ok(rate)) => crate::ops::release(&state, caller, &agency, &form.reason, rate)
            .await
            .map_err(Problem::from),
        (Err(problem), _) | (_, Err(problem)) => Err(problem),
    };
    let status = result
        .as_ref()
        .map_or_else(|p| p.status, |_| StatusCode::OK);
    layout::respond(
        status,
        render_result(
            &console.chrome,
            &agency,
            super::names::Names::read(&state, console.chrome.lang)
                .await
                .agency(&agency),
            &form,
            &result,
        ),
    )
}

pub(crate) fn render_confirm(
    chrome: &Chrome,
    agency: &str,
    name: &str,
    form: &AgencyForm,
    touched: Option<i64>,
) -> Markup {
    let t = |text| chrome.t(text);
    let release = form.action == "release";
    let body = html! {
        dl #confirm-summary.facts {
            dt { (t(Text::Agency)) } dd data-agency=(agency) { (name) }
            dt { (t(Text::Action)) } dd data-action=(form.action) { (chrome.lang.term("action", &form.action)) }
        }
        p.explain { (t(if release { Text::ExplainRelease } else { Text::ExplainHold })) }
        @if let Some(n) = touched {
            p #confirm-count.count-line data-count=(n) {
                strong { (n) } " " (t(if release { Text::CasesSentAgain } else { Text::CasesStopped }))
            }
        }
        form #confirm.card method="post" action={ (urls::agency(agency)) "/act" } {
            (chrome.csrf_field())
            input type="hidden" name="action" value=(form.action);
            @if release {
                label for="per_second" { (t(Text::PerSecond)) }
                input #per_second type="number" name="per_second" min="1" max="200"
                    value=(if form.per_second.trim().is_empty() { "10" } else { form.per_second.trim() });
            }
            label for="reason" { (t(Text::ReasonLabel)) }
            textarea #reason name="reason" rows="3" required maxlength="500" { (form.reason) }
            div.buttons {
                button #confirm-button type="submit" { (t(Text::ConfirmButton)) }
                a #cancel-link href="/console/agencies" { (t(Text::Cancel)) }
            }
        }
    };
    layout::page(chrome, t(Text::Confirm), body)
}

pub(crate) fn render_result(
    chrome: &Chrome,
    agency: &str,
    name: &str,
    form: &AgencyForm,
    result: &Result<Value, Problem>,
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let body = html! {
        @match result {
            Ok(answer) => {
                @let batch = answer["batch"].as_str().unwrap_or_default();
                div #outcome.outcome.done role="status" data-outcome="done" data-agency=(agency) data-batch=(batch) {
                    p { strong { (t(Text::Done)) } " " (lang.term("action", &form.action)) " " (name) }
                    p { (t(Text::BatchStarted)) " " a #batch-link href=(super::batch_page::link(batch)) { code { (batch) } } }
                }
            }
            Err(problem) => (layout::problem_box(chrome, "outcome", problem)),
        }
        p { a #back-to-agencies href="/console/agencies" { (t(Text::BackToAgencies)) } }
    };
    layout::page(
        chrome,
        &format!("{} — {name}", lang.term("action", &form.action)),
        body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::{i18n::Lang, layout::User};

    fn chrome() -> Chrome {
        Chrome {
            lang: Lang::Vi,
            here: "/console/agencies".into(),
            user: Some(User {
                subject: "op".into(),
                csrf: "x".into(),
                operator: true,
                auditor: false,
            }),
        }
    }

    fn form(action: &str) -> AgencyForm {
        AgencyForm {
            csrf: "x".into(),
            action: action.into(),
            reason: String::new(),
            per_second: String::new(),
        }
    }

    #[test]
    fn a_failed_health_check_reads_in_the_readers_language() {
        let line = |agency: &str, problem: Option<String>| AgencyLine {
            agency: agency.into(),
            title: agency.into(),
            answers: problem.is_none(),
            problem,
            hold: None,
        };
        let lines = [
            line("residence", None),
            line(
                "civil-status",
                Some(lienthong_activities::HealthProblem::Status(503).to_string()),
            ),
            line(
                "social-insurance",
                Some(lienthong_activities::HealthProblem::TimedOut.to_string()),
            ),
            line(
                "labour-office",
                Some(lienthong_activities::HealthProblem::Unreachable.to_string()),
            ),
        ];
        let vi = render(&chrome(), &lines).into_string();
        for words in [
            "Đang hoạt động",
            "Hệ thống của cơ quan trả lời mã lỗi HTTP 503",
            "Kiểm tra hoạt động không nhận được trả lời kịp thời",
            "Không kết nối được tới hệ thống của cơ quan",
        ] {
            assert!(vi.contains(words), "{words} missing from {vi}");
        }
        assert!(!vi.contains("health check"), "{vi}");
        let english = Chrome {
            lang: Lang::En,
            ..chrome()
        };
        let en = render(&english, &lines).into_string();
        assert!(en.contains("Its health check answered HTTP 503"), "{en}");
        assert!(en.contains("Its system cannot be reached"), "{en}");
        assert!(
            en.contains("Its health check got no answer in time"),
            "{en}"
        );
    }

    #[test]
    fn the_confirmation_says_how_many_cases_a_hold_stops_and_a_release_sends_again() {
        let hold =
            render_confirm(&chrome(), "residence", "Cư trú", &form("hold"), Some(12)).into_string();
        assert!(hold.contains("data-count=\"12\""), "{hold}");
        assert!(
            hold.contains("hồ sơ đang chờ cơ quan này sẽ tạm dừng gửi ngay."),
            "{hold}"
        );
        let release = render_confirm(&chrome(), "residence", "Cư trú", &form("release"), Some(3))
            .into_string();
        assert!(release.contains("hồ sơ đang tạm dừng sẽ được gửi lại."));
        let unknown =
            render_confirm(&chrome(), "residence", "Cư trú", &form("hold"), None).into_string();
        assert!(!unknown.contains("confirm-count"));
    }
}
