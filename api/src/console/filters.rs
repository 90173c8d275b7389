//! The case filters as a form sends them (every field a string, empty meaning "any") and the
//! inputs that send them, shared by the case list and the bulk page.

use maud::{Markup, html};
use serde::Deserialize;

use super::{i18n::Text, layout::Chrome};
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

/// Labelled inputs for every filter. `reason_name` is `reason` on the case list and
/// `attention` on the bulk page, where `reason` is the operator's own reason; `with_agency`
/// is false on the bulk page, whose `agency` input names the agency acted on.
pub(crate) fn inputs(
    chrome: &Chrome,
    params: &FilterParams,
    reason_name: &str,
    with_agency: bool,
    agencies: &[String],
) -> Markup {
    let t = |text| chrome.t(text);
    let lang = chrome.lang;
    html! {
        div.field {
            label for="f-code" { (t(Text::CaseCode)) }
            input #f-code type="text" name="code" value=(params.code);
        }
        div.field {
            label for="f-procedure" { (t(Text::Procedure)) }
            input #f-procedure type="text" name="procedure" value=(params.procedure);
        }
        div.field {
            label for="f-status" { (t(Text::Status)) }
            input #f-status type="text" name="status" list="statuses" value=(params.status)
                placeholder=(t(Text::AnyValue));
            datalist #statuses {
                @for status in cases::STATUSES {
                    option value=(status) { (lang.term("status", status)) }
                }
            }
        }
        @if with_agency {
            div.field {
                label for="f-agency" { (t(Text::WaitingOn)) }
                input #f-agency type="text" name="agency" list="agency-names" value=(params.agency)
                    placeholder=(t(Text::AnyValue));
                (agency_list(agencies))
            }
        }
        div.field {
            label for="f-reason" { (t(Text::Attention)) }
            input #f-reason type="text" name=(reason_name) list="reasons" value=(params.reason)
                placeholder=(t(Text::AnyValue));
            datalist #reasons {
                option value="any" { (t(Text::AnyReason)) }
                @for reason in cases::REASONS {
                    option value=(reason) { (lang.term("reason", reason)) }
                }
            }
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

/// Suggestions for an agency input (`list="agency-names"`).
pub(crate) fn agency_list(agencies: &[String]) -> Markup {
    html! {
        datalist #agency-names {
            @for agency in agencies { option value=(agency) {} }
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
