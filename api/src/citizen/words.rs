//! A case in the citizen's words: what each step is called in their language and a plain
//! sentence for where the case and each step stand. Codes stay in the case for machines; these
//! are for people.

use lienthong_definitions::{Definition, case::CaseState};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{lang::Lang, messages};

/// The words for a case, under `said` in the citizen's case answer.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Said {
    /// The language of these words (`vi` unless `Accept-Language` prefers English).
    lang: &'static str,
    /// Where the case stands, in a sentence.
    status: String,
    /// Each step, in definition order.
    steps: Vec<SaidStep>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SaidStep {
    id: String,
    /// The step's title from the procedure's definition.
    title: String,
    /// Where the step stands, in a sentence.
    status: String,
    /// What the step issued (a certificate number, an ID, a card), each named in the
    /// definition's words (its `form.results`), in the step's order of fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    issued: Vec<Issued>,
    /// What the agency asks the citizen for, while it waits on them.
    #[serde(skip_serializing_if = "Option::is_none")]
    asked: Option<Asked>,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Issued {
    field: String,
    /// The definition's words for it, or the field's name where it gives none.
    label: String,
    value: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Asked {
    /// Each document's title, as the agency wrote it.
    documents: Vec<String>,
    /// The agency's message.
    message: String,
    /// The day the answer is due, as the citizen writes dates (`DD/MM/YYYY` in Vietnamese).
    due: String,
}

/// The issued fields of a step that succeeded (or was recorded by hand), with their words.
fn issued(
    record: &lienthong_definitions::case::StepRecord,
    definition: Option<&Definition>,
    lang: Lang,
) -> Vec<Issued> {
    let Some(serde_json::Value::Object(output)) = &record.output else {
        return Vec::new();
    };
    output
        .iter()
        .map(|(field, value)| {
            let label = definition
                .and_then(|d| d.form.result(&record.id.0, field))
                .map_or_else(
                    || field.clone(),
                    |words| match lang {
                        Lang::Vi => words.vi.clone(),
                        Lang::En => words.en.clone(),
                    },
                );
            Issued {
                field: field.clone(),
                label,
                value: value.clone(),
            }
        })
        .collect()
}

/// What the agency asks for, if the step waits on the citizen's documents.
fn asked(record: &lienthong_definitions::case::StepRecord, lang: Lang) -> Option<Asked> {
    let request = record.documents_requested.as_ref()?;
    if record.status != lienthong_definitions::case::StepStatus::AwaitingDocuments {
        return None;
    }
    let documents = request
        .documents
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|d| {
                    d.get("title")
                        .or_else(|| d.get("code"))
                        .and_then(serde_json::Value::as_str)
                        .map_or_else(|| d.to_string(), str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default();
    let vietnam = time::UtcOffset::from_hms(7, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let day = request.due.to_offset(vietnam).date();
    let due = match lang {
        Lang::Vi => format!(
            "{:02}/{:02}/{}",
            day.day(),
            u8::from(day.month()),
            day.year()
        ),
        Lang::En => day.to_string(),
    };
    Some(Asked {
        documents,
        message: request.message.clone(),
        due,
    })
}

pub(crate) fn said(case: &CaseState, definition: Option<&Definition>, lang: Lang) -> Said {
    let steps = case
        .steps
        .iter()
        .map(|record| {
            let title = definition.and_then(|d| d.step(&record.id)).map_or_else(
                || record.id.0.clone(),
                |step| lang.words(&step.title).to_owned(),
            );
            SaidStep {
                id: record.id.0.clone(),
                title,
                status: messages::text(lang, &format!("step-{}", record.status.as_str()), &[]),
                issued: issued(record, definition, lang),
                asked: asked(record, lang),
            }
        })
        .collect();
    Said {
        lang: lang.code(),
        status: messages::text(lang, &format!("case-{}", case.status.as_str()), &[]),
        steps,
    }
}

#[cfg(test)]
mod tests {
    use lienthong_definitions::{
        CaseCode,
        case::{CaseStatus, StepStatus},
        shipped_definitions,
    };

    use super::*;

    #[test]
    fn every_status_has_words_in_both_languages_and_titles_come_from_the_definition() {
        let definition = shipped_definitions()
            .ok()
            .and_then(|d| d.into_iter().next())
            .expect("a shipped definition");
        let mut case = CaseState::new(
            CaseCode::recorded("KS-TEST"),
            &definition,
            time::OffsetDateTime::UNIX_EPOCH,
        );
        for status in [
            CaseStatus::Running,
            CaseStatus::Compensating,
            CaseStatus::Completed,
            CaseStatus::PartiallyCompleted,
            CaseStatus::Failed,
            CaseStatus::Withdrawn,
        ] {
            case.status = status;
            for lang in Lang::ALL {
                let id = format!("case-{}", status.as_str());
                assert!(messages::has(lang, &id), "{id} in {}", lang.code());
            }
        }
        for status in [
            StepStatus::Pending,
            StepStatus::Running,
            StepStatus::Succeeded,
            StepStatus::Rejected,
            StepStatus::Failed,
            StepStatus::Skipped,
            StepStatus::NotApplicable,
            StepStatus::AwaitingDocuments,
            StepStatus::AwaitingDecision,
            StepStatus::AgencyUnavailable,
            StepStatus::Held,
            StepStatus::ResolvedManually,
            StepStatus::Compensating,
            StepStatus::Compensated,
            StepStatus::CompensationFailed,
            StepStatus::NeedsCorrection,
        ] {
            for lang in Lang::ALL {
                let id = format!("step-{}", status.as_str());
                assert!(messages::has(lang, &id), "{id} in {}", lang.code());
            }
        }
        case.status = CaseStatus::Running;
        let said = said(&case, Some(&definition), Lang::Vi);
        assert_eq!(said.steps[0].title, definition.steps[0].title.vi);
        assert_eq!(said.status, "Hồ sơ đang được các cơ quan giải quyết.");
        assert_eq!(said.steps[0].status, "Đang chờ đến lượt.");
    }

    #[test]
    fn a_step_says_what_it_issued_in_the_definitions_words_and_what_is_asked_with_its_due_day() {
        let definition = shipped_definitions()
            .ok()
            .and_then(|d| d.into_iter().next())
            .expect("a shipped definition");
        let mut case = CaseState::new(
            CaseCode::recorded("KS-TEST"),
            &definition,
            time::OffsetDateTime::UNIX_EPOCH,
        );
        case.steps[0].status = StepStatus::Succeeded;
        case.steps[0].output = Some(serde_json::json!({"birth_certificate_number": "125/2026"}));
        case.steps[1].status = StepStatus::AwaitingDocuments;
        case.steps[1].documents_requested = Some(lienthong_definitions::case::DocumentRequest {
            documents: serde_json::json!([{"code": "X", "title": "Xác nhận cư trú"}]),
            message: "Cần xác nhận nơi cư trú".into(),
            due: time::macros::datetime!(2026-12-10 17:30 UTC),
            requested_at: time::OffsetDateTime::UNIX_EPOCH,
        });
        let vi = serde_json::to_value(said(&case, Some(&definition), Lang::Vi)).expect("json");
        let issued = &vi["steps"][0]["issued"][0];
        assert_eq!(issued["value"], "125/2026");
        assert_eq!(
            issued["label"],
            definition
                .form
                .result("birth", "birth_certificate_number")
                .map(|t| t.vi.clone())
                .expect("the shipped form names it")
        );
        // 17:30 UTC on the 10th is the 11th in Vietnam.
        assert_eq!(vi["steps"][1]["asked"]["due"], "11/12/2026");
        assert_eq!(vi["steps"][1]["asked"]["documents"][0], "Xác nhận cư trú");
        let en = serde_json::to_value(said(&case, Some(&definition), Lang::En)).expect("json");
        assert_eq!(en["steps"][1]["asked"]["due"], "2026-12-11");
        assert!(en["steps"][2].get("issued").is_none());
    }
}
