//! `GET /console/bulk`: retry or release many cases chosen by a filter. The form always runs a
//! dry run first, which lists exactly the cases and calls it would touch; only the dry run's
//! confirmation form runs it for real, with the same request in hidden fields.

use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::Value;

use super::{
    batch_page,
    csrf::{Checked, CsrfForm},
    filters::{self, FilterParams},
    i18n::Text,
    layout::{self, Chrome},
    names::Names,
    problem::Problem,
    session::Console,
};
use crate::{ApiState, ops::BulkRequest};

/// The bulk form as posted. The needs-attention filter is `attention` here, because `reason`
/// is the operator's reason, and `agency` is the agency acted on.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub(crate) struct BulkForm {
    pub csrf: String,
    pub action: String,
    pub agency: String,
    pub procedure: String,
    pub status: String,
    pub attention: String,
    pub overdue: String,
    pub submitted_from: String,
    pub submitted_to: String,
    pub code: String,
    pub cap: String,
    pub per_second: String,
    pub reason: String,
    /// The dry run's page, as its previous page answered.
    pub page: String,
}

impl CsrfForm for BulkForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn number<T: std::str::FromStr>(value: &str, what: &str) -> Result<Option<T>, Problem> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    value
        .parse()
        .map(Some)
        .map_err(|_| Problem::form_invalid(format!("{what} is a whole number")))
}

impl BulkForm {
    /// The form as the dry run used it: a release without a needs-attention filter looks only
    /// at held cases, the only ones a release can touch, so the cap counts those.
    pub(crate) fn settled(mut self) -> Self {
        if self.action == "release" && self.attention.trim().is_empty() {
            self.attention = "held".into();
        }
        self
    }

    pub(crate) fn filters(&self) -> FilterParams {
        FilterParams {
            procedure: self.procedure.clone(),
            status: self.status.clone(),
            agency: String::new(),
            reason: self.attention.clone(),
            overdue: self.overdue.clone(),
            submitted_from: self.submitted_from.clone(),
            submitted_to: self.submitted_to.clone(),
            code: self.code.clone(),
        }
    }

    /// The filter fields under the names this form gives them.
    pub(crate) fn filter_fields(&self) -> [(&'static str, &str); 7] {
        [
            ("procedure", self.procedure.trim()),
            ("status", self.status.trim()),
            ("attention", self.attention.trim()),
            ("overdue", self.overdue.trim()),
            ("submitted_from", self.submitted_from.trim()),
            ("submitted_to", self.submitted_to.trim()),
            ("code", self.code.trim()),
        ]
    }

    pub(crate) fn request(&self, dry_run: bool) -> Result<BulkRequest, Problem> {
        Ok(BulkRequest {
            action: self.action.trim().to_owned(),
            agency: Some(self.agency.trim().to_owned()).filter(|a| !a.is_empty()),
            filter: self.filters().to_filter(),
            dry_run,
            cap: number(&self.cap, "the cap")?,
            reason: self.reason.clone(),
            per_second: number(&self.per_second, "cases per second")?,
            page: Some(self.page.trim().to_owned()).filter(|p| !p.is_empty() && dry_run),
            page_size: None,
        })
    }
}

pub(crate) async fn show(State(state): State<ApiState>, console: Console) -> Response {
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let form = BulkForm {
        action: "release".into(),
        cap: "50".into(),
        per_second: "10".into(),
        ..BulkForm::default()
    };
    let names = Names::read(&state, console.chrome.lang).await;
    let markup = render_form(&console.chrome, &form, None, &names);
    layout::respond(StatusCode::OK, markup)
}

async fn bulk(
    state: &ApiState,
    console: &Console,
    form: &BulkForm,
    dry_run: bool,
) -> Result<Value, Problem> {
    let request = form.request(dry_run)?;
    crate::ops::bulk(state, &console.caller, &request)
        .await
        .map_err(Problem::from)
}

pub(crate) async fn dry_run(State(state): State<ApiState>, posted: Checked<BulkForm>) -> Response {
    let Checked { console, form } = posted;
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    let form = form.settled();
    match bulk(&state, &console, &form, true).await {
        Ok(answer) => layout::respond(
            StatusCode::OK,
            render_dry_run(
                &console.chrome,
                &form,
                &answer,
                &Names::read(&state, console.chrome.lang).await,
            ),
        ),
        Err(problem) => {
            let markup = render_form(
                &console.chrome,
                &form,
                Some(&problem),
                &Names::read(&state, console.chrome.lang).await,
            );
            layout::respond(problem.status, markup)
        }
    }
}

/// Starts the batch and shows its progress page; a refusal stays on this page.
pub(crate) async fn run(State(state): State<ApiState>, posted: Checked<BulkForm>) -> Response {
    let Checked { console, form } = posted;
    if let Some(refusal) = console.not_operator() {
        return refusal;
    }
    match bulk(&state, &console, &form, false).await {
        Ok(answer) => {
            let batch = answer["batch"].as_str().unwrap_or_default();
            Redirect::to(&batch_page::link(batch)).into_response()
        }
        Err(problem) => layout::respond(problem.status, render_refusal(&console.chrome, &problem)),
    }
}

pub(crate) fn render_form(
    chrome: &Chrome,
    form: &BulkForm,
    problem: Option<&Problem>,
    names: &Names,
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let body = html! {
        p.explain { (t(Text::BulkIntro)) }
        @if let Some(problem) = problem { (layout::problem_box(chrome, "outcome", problem)) }
        form #bulk.card method="post" action="/console/bulk" {
            (chrome.csrf_field())
            div.field {
                label for="b-action" { (t(Text::Action)) }
                select #b-action name="action" {
                    @for action in ["retry_now", "release"] {
                        option value=(action) selected[form.action == action] { (lang.term("action", action)) }
                    }
                }
            }
            div.field {
                label for="b-agency" { (t(Text::BulkAgency)) }
                input #b-agency type="text" name="agency" list="agency-names" value=(form.agency);
                (filters::agency_list(names))
            }
            fieldset.filters {
                legend { (t(Text::Filters)) }
                (filters::inputs(chrome, &form.filters(), "attention", false, names))
                p.help { (t(Text::ReleaseHeldOnly)) }
            }
            div.field {
                label for="b-cap" { (t(Text::Cap)) }
                input #b-cap type="number" name="cap" min="1" max="1000" value=(form.cap);
            }
            div.field {
                label for="b-rate" { (t(Text::Rate)) }
                input #b-rate type="number" name="per_second" min="1" max="200" value=(form.per_second);
            }
            label for="reason" { (t(Text::ReasonLabel)) }
            textarea #reason name="reason" rows="3" required maxlength="500" { (form.reason) }
            div.buttons { button #dry-run type="submit" { (t(Text::DryRun)) } }
        }
    };
    layout::page(chrome, t(Text::Bulk), body)
}

/// What the dry run would send, per case: `(case, [descriptions])`, every matched case once.
pub(crate) fn plan(answer: &Value) -> Vec<(String, Vec<(String, String)>)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut plan: Vec<(String, Vec<(String, String)>)> = answer["matched"]
        .as_array()
        .map(|m| m.iter().map(|c| (text(c), Vec::new())).collect())
        .unwrap_or_default();
    for item in answer["would_send"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let case = text(&item["case"]);
        let target = item["step"]
            .as_str()
            .or(item["agency"].as_str())
            .unwrap_or_default()
            .to_owned();
        let send = (text(&item["action"]), target);
        match plan.iter_mut().find(|(c, _)| *c == case) {
            Some((_, sends)) => sends.push(send),
            None => plan.push((case, vec![send])),
        }
    }
    plan
}

fn hidden(name: &str, value: &str) -> Markup {
    html! { @if !value.is_empty() { input type="hidden" name=(name) value=(value); } }
}

pub(crate) fn render_dry_run(
    chrome: &Chrome,
    form: &BulkForm,
    answer: &Value,
    names: &Names,
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let plan = plan(answer);
    let sends: usize = plan.iter().map(|(_, s)| s.len()).sum();
    let unreadable: Vec<&str> = answer["unreadable"]
        .as_array()
        .map(|u| u.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let next_page = answer["next_page"].as_str();
    let used: Vec<(&str, &str)> = form
        .filter_fields()
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let body = html! {
        dl #dry-run-summary.facts {
            dt { (t(Text::Action)) } dd data-action=(form.action) { (lang.term("action", &form.action)) }
            @if !form.agency.trim().is_empty() { dt { (t(Text::Agency)) } dd data-agency=(form.agency.trim()) { (names.agency(form.agency.trim())) } }
            dt { (t(Text::FilterUsed)) } dd {
                @for (name, value) in &used { code { (name) "=" (value) } " " }
            }
            dt { (t(Text::MatchedTotal)) } dd #matched-total { (answer["matched_total"].as_u64().unwrap_or_default()) }
            dt { (t(Text::ThisPage)) } dd #matched-count { (plan.len()) }
            dt { (t(Text::WouldSend)) } dd #would-send-count { (sends) }
        }
        @if answer["over_cap"].as_bool() == Some(true) { p #over-cap.note { (t(Text::OverCap)) } }
        @if !unreadable.is_empty() {
            p #unreadable.note { (t(Text::Unreadable)) ": "
                @for (i, code) in unreadable.iter().enumerate() {
                    @if i > 0 { ", " }
                    (layout::case_link(code))
                }
            }
        }
        ul #dry-run-cases {
            @for (case, sends) in &plan {
                li data-case=(case) data-sends=(sends.len()) {
                    (layout::case_link(case)) " — "
                    @if sends.is_empty() {
                        em { (t(Text::NothingToSend)) }
                    } @else {
                        @for (i, (action, target)) in sends.iter().enumerate() {
                            @if i > 0 { "; " }
                            // A step of the shipped procedures is named for its agency; any
                            // other keeps its id.
                            (lang.term("action", action)) " " span data-target=(target) { (names.agency(target)) }
                        }
                    }
                }
            }
        }
        @if let Some(next_page) = next_page {
            form #next-dry-run-page method="post" action="/console/bulk" {
                (chrome.csrf_field())
                @for (name, value) in form.filter_fields() { (hidden(name, value)) }
                @for (name, value) in [("action", &form.action), ("agency", &form.agency),
                    ("cap", &form.cap), ("per_second", &form.per_second), ("reason", &form.reason)] {
                    (hidden(name, value.trim()))
                }
                input type="hidden" name="page" value=(next_page);
                button #next-page type="submit" { (t(Text::Next)) }
            }
        }
        @if sends == 0 && next_page.is_none() && form.page.trim().is_empty() {
            p #nothing-to-confirm.note { (t(Text::NothingWouldBeSent)) }
        } @else {
            form #confirm.card method="post" action="/console/bulk/run" {
                (chrome.csrf_field())
                @for (name, value) in form.filter_fields() { (hidden(name, value)) }
                @for (name, value) in [("action", &form.action), ("agency", &form.agency),
                    ("cap", &form.cap), ("per_second", &form.per_second), ("reason", &form.reason)] {
                    (hidden(name, value.trim()))
                }
                p { (t(Text::ReasonLabel)) ": " q #confirm-reason { (form.reason) } }
                div.buttons {
                    button #confirm-button type="submit" { (t(Text::ConfirmButton)) }
                    a #cancel-link href="/console/bulk" { (t(Text::Cancel)) }
                }
            }
        }
    };
    layout::page(chrome, t(Text::DryRunTitle), body)
}

pub(crate) fn render_refusal(chrome: &Chrome, problem: &Problem) -> Markup {
    let t = |text| chrome.t(text);
    let body = html! {
        (layout::problem_box(chrome, "outcome", problem))
        p { a #back-to-bulk href="/console/bulk" { (t(Text::BackToBulk)) } }
    };
    layout::page(chrome, t(Text::Bulk), body)
}
