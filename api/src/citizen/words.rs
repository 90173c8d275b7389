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
}

pub(crate) fn said(case: &CaseState, definition: Option<&Definition>, lang: Lang) -> Said {
    let steps = case
        .steps
        .iter()
        .map(|record| {
            let title = definition.and_then(|d| d.step(&record.id)).map_or_else(
                || record.id.0.clone(),
                |step| match lang {
                    Lang::Vi => step.title.vi.clone(),
                    Lang::En => step.title.en.clone(),
                },
            );
            SaidStep {
                id: record.id.0.clone(),
                title,
                status: messages::text(lang, &format!("step-{}", record.status.as_str()), &[]),
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
}
