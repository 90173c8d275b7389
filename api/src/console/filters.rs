//! The case filters as a form sends them (every field a string, empty meaning "any") and the
//! inputs that send them, shared by the case list and the bulk page.

use maud::{Markup, html};
use serde::Deserialize;

use super::{i18n::Text, layout::Chrome, names::Names};
use crate::ops::{CaseFilter, cases};

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub(crate) struct FilterParams {
    pub procedure: String,
    pub status: String,
    pub agency: String,
    pub reason: String,
    pub overdue: String,
    pub submitted_from: String,
    pub submitted_to: String,
    pub code: String,
}

fn some(value: &str) -> Option<String> {
    Some(value.trim().to_owned()).filter(|v| !v.is_empty())
}

impl FilterParams {
    pub(crate) fn overdue(&self) -> bool {
        matches!(self.overdue.trim(), "true" | "on" | "1")
    }

    pub(crate) fn to_filter(&self) -> CaseFilter {
        CaseFilter {
            procedure: some(&self.procedure),
            status: some(&self.status),
            agency: some(&self.agency),
            reason: some(&self.reason),
            overdue: self.overdue().then_some(true),
            submitted_from: some(&self.submitted_from),
            submitted_to: some(&self.submitted_to),
            code: some(&self.code),
            office: None,
        }
    }

    /// The filters as query pairs, for links that keep them.
    pub(crate) fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("procedure", self.procedure.trim()),
            ("status", self.status.trim()),
            ("agency", self.agency.trim()),
            ("reason", self.reason.trim()),
            ("overdue", if self.overdue() { "true" } else { "" }),
            ("submitted_from", self.submitted_from.trim()),
            ("submitted_to", self.submitted_to.trim()),
            ("code", self.code.trim()),
        ]
    }
}

/// Labelled inputs for every filter: a choice of words for each coded one (status, reason,
/// agency, procedure), sending the same codes the JSON API reads. `reason_name` is `reason` on
/// the case list and `attention` on the bulk page, where `reason` is the operator's own reason;
/// `with_agency` is false on the bulk page, whose `agency` input names the agency acted on.
pub(crate) fn inputs(
    chrome: &Chrome,
    params: &FilterParams,
    reason_name: &str,
    with_agency: bool,
    names: &Names,
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    let statuses: Vec<(&str, &str)> = cases::STATUSES
        .iter()
        .map(|s| (*s, lang.term("status", s)))
        .collect();
    let reasons: Vec<(&str, &str)> = std::iter::once(("any", t(Text::AnyReason)))
        .chain(cases::REASONS.iter().map(|r| (*r, lang.term("reason", r))))
        .collect();
    html! {
        div.field {
            label for="f-code" { (t(Text::CaseCode)) }
            input #f-code type="text" name="code" value=(params.code);
        }
        div.field {
            label for="f-procedure" { (t(Text::Procedure)) }
            (choice(chrome, "f-procedure", "procedure", &params.procedure, &pairs(names.procedures())))
        }
        div.field {
            label for="f-status" { (t(Text::Status)) }
            (choice(chrome, "f-status", "status", &params.status, &statuses))
        }
        @if with_agency {
            div.field {
                label for="f-agency" { (t(Text::WaitingOn)) }
                (choice(chrome, "f-agency", "agency", &params.agency, &pairs(names.agencies())))
            }
        }
        div.field {
            label for="f-reason" { (t(Text::Attention)) }
            (choice(chrome, "f-reason", reason_name, &params.reason, &reasons))
        }
        div.field.check {
            input #f-overdue type="checkbox" name="overdue" value="true" checked[params.overdue()];
            label for="f-overdue" { (t(Text::Overdue)) }
        }
        div.field {
            label for="f-from" { (t(Text::SubmittedFrom)) }
            input #f-from type="text" name="submitted_from" value=(params.submitted_from)
                placeholder="2026-11-01" inputmode="numeric";
        }
        div.field {
            label for="f-to" { (t(Text::SubmittedTo)) }
            input #f-to type="text" name="submitted_to" value=(params.submitted_to)
                placeholder="2026-11-30" inputmode="numeric";
        }
    }
}

/// A `<select>` of `(code, words)`, "any" (no filter, an empty value) first. A code the list
/// lacks (a link from a procedure no longer in force) stays chosen, shown as itself.
fn choice(
    chrome: &Chrome,
    id: &str,
    name: &str,
    current: &str,
    choices: &[(&str, &str)],
) -> Markup {
    let current = current.trim();
    let unknown = !current.is_empty() && !choices.iter().any(|(code, _)| *code == current);
    html! {
        select id=(id) name=(name) {
            option value="" selected[current.is_empty()] { (chrome.t(Text::AnyValue)) }
            @for (code, words) in choices {
                option value=(code) selected[*code == current] { (words) }
            }
            @if unknown {
                option value=(current) selected { (current) }
            }
        }
    }
}

fn pairs(named: &[(String, String)]) -> Vec<(&str, &str)> {
    named
        .iter()
        .map(|(id, name)| (id.as_str(), name.as_str()))
        .collect()
}

/// Suggestions for an agency input (`list="agency-names"`): each agency's id, with its name.
pub(crate) fn agency_list(names: &Names) -> Markup {
    html! {
        datalist #agency-names {
            @for (agency, name) in names.agencies() { option value=(agency) { (name) } }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_do_not_filter() {
        let params = FilterParams {
            status: " running ".into(),
            overdue: "on".into(),
            ..FilterParams::default()
        };
        let filter = params.to_filter();
        assert_eq!(filter.status.as_deref(), Some("running"));
        assert_eq!(filter.overdue, Some(true));
        assert_eq!(filter.agency, None);
        assert_eq!(filter.reason, None);
    }
}
