//! The case state's own rules, event by event: what a supplement, a cancellation, a failure and a
//! failure settled by hand leave in the state, and which attention reasons the state shows.

mod common;

use common::{Case, id, shipped};
use lienthong_definitions::{
    Definition, FailurePolicy,
    case::{
        Attention, CaseFailure, CaseStatus, DocumentRequest, Escalation, Event, JOURNAL_LIMIT,
        StepError, StepStatus, Withdrawal,
    },
};
use serde_json::{Value, json};

fn application() -> Value {
    json!({
        "applicant": {"personal_id": "001190000001", "relationship": "mother", "phone": "0912345678"},
        "child": {
            "full_name": "Nguyễn Văn An", "date_of_birth": "2026-01-05", "sex": "male",
            "place_of_birth": "Hà Nội", "home_town": "Nam Định", "ethnicity": "Kinh",
            "nationality": "VN"
        },
        "mother": {"personal_id": "001190000001"},
        "e_birth_certificate": {"number": "CS-1", "issued_by": "BV Phụ sản", "signature": "sig-0123456789"},
        "residence": {"parent_personal_id": "001190000001"}
    })
}

fn group_a() -> Case {
    Case::new(shipped("birth-residence-insurance"), application())
}

/// Group A where a failed step does not undo the others, so a case goes on past a failure.
fn keeping_what_succeeded() -> Case {
    let mut definition: Definition = shipped("birth-residence-insurance");
    definition.on_failure = FailurePolicy::KeepSucceeded;
    Case::new(definition, application())
}

fn birth_output() -> Value {
    json!({"birth_certificate_number": "1/2026/KS-001", "personal_id": "001226000001", "registered_on": "2026-01-06"})
}

fn error(code: &str) -> StepError {
    StepError {
        code: code.into(),
        message: format!("{code} happened"),
    }
}

fn documents_asked(case: &mut Case, step: &str) {
    case.state.apply(Event::DocumentsRequested {
        step: id(step),
        request: DocumentRequest {
            documents: json!([{"code": "LEASE"}]),
            message: "the lease".into(),
            due: time::macros::datetime!(2026-01-15 17:00:00 +07:00),
            requested_at: time::macros::datetime!(2026-01-06 10:00:00 +07:00),
        },
    });
}

fn resolve(case: &mut Case, step: &str, output: Value) {
    case.state.apply(Event::StepResolved {
        step: id(step),
        reference: "OFFLINE-1".into(),
        output,
        by: "op-7".into(),
    });
}

fn failure(case: &Case) -> Option<(String, String, String)> {
    case.state
        .failure
        .as_ref()
        .map(|f| (f.step.0.clone(), f.agency.to_string(), f.code.clone()))
}

#[test]
fn each_supplement_starts_a_new_round_of_its_step() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    documents_asked(&mut case, "residence");
    let residence = case.state.step(&id("residence")).expect("residence");
    assert_eq!(residence.status, StepStatus::AwaitingDocuments);
    assert_eq!(residence.round, 0);
    assert!(residence.documents_requested.is_some());

    // The round makes the resend's idempotency key (`{case}/{step}/s{n}`): it must move, or the
    // agency would answer the resend with the refusal it gave before the documents.
    case.state.apply(Event::DocumentsProvided {
        step: id("residence"),
    });
    let residence = case.state.step(&id("residence")).expect("residence");
    assert_eq!(residence.status, StepStatus::Pending);
    assert_eq!(residence.round, 1);
    assert_eq!(residence.documents_requested, None);

    case.start("residence");
    documents_asked(&mut case, "residence");
    case.state.apply(Event::DocumentsProvided {
        step: id("residence"),
    });
    assert_eq!(case.state.step(&id("residence")).map(|s| s.round), Some(2));
    assert_eq!(
        case.state.step(&id("insurance")).map(|s| s.round),
        Some(0),
        "only the step that was asked for documents"
    );
}

#[test]
fn a_second_cancel_or_withdrawal_keeps_the_first_reason() {
    let mut case = group_a();
    case.start("birth");
    case.state.apply(Event::CancelRequested {
        reason: "duplicate of KS-1".into(),
        by: "op-1".into(),
    });
    case.state.apply(Event::CancelRequested {
        reason: "second thoughts".into(),
        by: "op-2".into(),
    });
    case.state.apply(Event::WithdrawRequested {
        reason: "the citizen's own".into(),
    });
    assert_eq!(
        case.state.withdrawal,
        Some(Withdrawal {
            reason: "duplicate of KS-1".into(),
            operator: Some("op-1".into()),
        })
    );

    let mut case = group_a();
    case.state.apply(Event::WithdrawRequested {
        reason: "moved abroad".into(),
    });
    case.state.apply(Event::CancelRequested {
        reason: "cleanup".into(),
        by: "op-1".into(),
    });
    assert_eq!(
        case.state.withdrawal,
        Some(Withdrawal {
            reason: "moved abroad".into(),
            operator: None,
        }),
        "the citizen withdrew first: no operator took it over"
    );
}

#[test]
fn an_ended_case_cannot_be_cancelled() {
    let mut case = group_a();
    case.state.apply(Event::Finished(CaseStatus::Failed));
    case.state.apply(Event::CancelRequested {
        reason: "too late".into(),
        by: "op-1".into(),
    });
    assert_eq!(case.state.withdrawal, None);
}

#[test]
fn the_first_failure_decides_how_the_case_ends() {
    let mut case = keeping_what_succeeded();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    case.refuse("residence", "ADDRESS_UNKNOWN");
    case.state.apply(Event::StepFailed {
        step: id("insurance"),
        error: error("RETRIES_EXHAUSTED"),
    });
    assert_eq!(
        case.state.failure,
        Some(CaseFailure {
            step: id("residence"),
            agency: "residence".into(),
            code: "ADDRESS_UNKNOWN".into(),
            message: "refused".into(),
        }),
        "the insurance failure came second"
    );

    // The same with a failure first and a missed supplement second.
    let mut case = keeping_what_succeeded();
    case.succeed("birth", birth_output());
    case.start("insurance");
    case.state.apply(Event::StepFailed {
        step: id("insurance"),
        error: error("RETRIES_EXHAUSTED"),
    });
    case.start("residence");
    documents_asked(&mut case, "residence");
    case.state.apply(Event::DocumentsNotProvided {
        step: id("residence"),
    });
    assert_eq!(
        failure(&case),
        Some((
            "insurance".into(),
            "social-insurance".into(),
            "RETRIES_EXHAUSTED".into()
        ))
    );
    assert_eq!(
        case.state.status_of(&id("residence")),
        Some(StepStatus::Rejected)
    );
}

#[test]
fn a_case_failing_after_a_failure_was_resolved_by_hand_still_says_why() {
    let mut case = keeping_what_succeeded();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    case.state.apply(Event::StepFailed {
        step: id("residence"),
        error: error("RETRIES_EXHAUSTED"),
    });
    resolve(
        &mut case,
        "residence",
        json!({"residence_entry_id": "TT-9"}),
    );
    assert_eq!(case.state.failure, None, "settled by hand");

    case.refuse("insurance", "NOT_UNDER_SIX");
    assert_eq!(
        failure(&case),
        Some((
            "insurance".into(),
            "social-insurance".into(),
            "NOT_UNDER_SIX".into()
        )),
        "the failure that now ends the case is the one the case shows"
    );
    assert_eq!(case.plan(), vec!["finish partially_completed"]);
}

#[test]
fn when_the_deciding_failure_is_resolved_by_hand_the_next_failed_step_decides() {
    let mut case = keeping_what_succeeded();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    case.state.apply(Event::StepFailed {
        step: id("residence"),
        error: error("RETRIES_EXHAUSTED"),
    });
    case.refuse("insurance", "NOT_UNDER_SIX");
    assert_eq!(failure(&case).map(|f| f.0), Some("residence".into()));

    // Resolving the step that did not decide changes nothing.
    let mut other = keeping_what_succeeded();
    other.state = case.state.clone();
    resolve(&mut other, "insurance", json!({"card_number": "TE-1"}));
    assert_eq!(other.state.failure, case.state.failure);

    resolve(
        &mut case,
        "residence",
        json!({"residence_entry_id": "TT-9"}),
    );
    assert_eq!(
        case.state.failure,
        Some(CaseFailure {
            step: id("insurance"),
            agency: "social-insurance".into(),
            code: "NOT_UNDER_SIX".into(),
            message: "refused".into(),
        })
    );
    assert_eq!(
        case.state.completed_order,
        vec![id("birth"), id("residence")],
        "a step resolved by hand counts as done, once"
    );
}

#[test]
fn an_overdue_case_is_no_longer_flagged_overdue_once_it_ends() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.state.apply(Event::DeadlinePassed(Escalation {
        step: None,
        deadline: time::macros::datetime!(2026-01-08 17:00:00 +07:00),
        noticed_at: time::macros::datetime!(2026-01-08 17:00:01 +07:00),
    }));
    case.state.apply(Event::DeadlinePassed(Escalation {
        step: Some(id("residence")),
        deadline: time::macros::datetime!(2026-01-08 17:00:00 +07:00),
        noticed_at: time::macros::datetime!(2026-01-08 17:00:01 +07:00),
    }));
    assert_eq!(case.state.attention, vec!["overdue", "decision_overdue"]);
    assert_eq!(
        case.state.attention_details,
        vec![
            Attention {
                reason: "overdue".into(),
                step: None,
                agency: None,
            },
            Attention {
                reason: "overdue".into(),
                step: Some(id("residence")),
                agency: Some("residence".into()),
            },
            Attention {
                reason: "decision_overdue".into(),
                step: Some(id("residence")),
                agency: Some("residence".into()),
            },
        ]
    );

    case.state
        .apply(Event::Finished(CaseStatus::PartiallyCompleted));
    assert!(case.state.overdue, "the record stays");
    assert_eq!(case.state.escalations.len(), 2);
    assert!(
        case.state.attention_details().is_empty(),
        "an ended case is no longer late: {:?}",
        case.state.attention_details()
    );
    assert!(case.state.attention.is_empty());
}

#[test]
fn a_case_carrying_no_hold_is_not_flagged_held() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.succeed("residence", json!({"residence_entry_id": "TT-1"}));
    case.start("insurance");
    assert!(case.state.attention_details().is_empty());

    // Stopping with steps to undo: still nothing held.
    case.state.apply(Event::WithdrawRequested {
        reason: "moved abroad".into(),
    });
    case.answer("insurance", json!({"card_number": "TE-1"}));
    assert!(
        case.state.attention_details().is_empty(),
        "{:?}",
        case.state.attention_details()
    );
    case.state
        .apply(Event::CompensationStarted(id("insurance")));
    assert_eq!(case.state.status, CaseStatus::Compensating);
    assert!(
        case.state.attention_details().is_empty(),
        "{:?}",
        case.state.attention_details()
    );
}

#[test]
fn a_stopping_case_flags_held_only_the_steps_of_the_held_agency() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.succeed("insurance", json!({"card_number": "TE-1"}));
    case.succeed("residence", json!({"residence_entry_id": "TT-1"}));
    case.state.apply(Event::AgencyHeld {
        agency: "social-insurance".into(),
    });
    assert_eq!(
        case.state.attention_details(),
        vec![Attention {
            reason: "held".into(),
            step: None,
            agency: Some("social-insurance".into()),
        }],
        "running forward: the hold is on the case, no step of it waits"
    );

    let waiting = vec![Attention {
        reason: "held".into(),
        step: Some(id("insurance")),
        agency: Some("social-insurance".into()),
    }];
    case.state.apply(Event::WithdrawRequested {
        reason: "moved abroad".into(),
    });
    assert_eq!(
        case.state.attention_details(),
        waiting,
        "withdrawn: the held agency's succeeded step waits for the release to be undone"
    );
    case.state
        .apply(Event::CompensationStarted(id("residence")));
    assert_eq!(
        case.state.attention_details(),
        waiting,
        "still, while undoing"
    );
}

#[test]
fn a_hold_stops_only_its_own_agency_s_calls() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.start("insurance");
    case.state.apply(Event::AgencyUnavailable {
        step: id("insurance"),
        error: error("AGENCY_UNAVAILABLE"),
        attempts: 8,
        retry_at: None,
    });
    case.state.apply(Event::AgencyHeld {
        agency: "residence".into(),
    });
    assert_eq!(
        case.state.status_of(&id("residence")),
        Some(StepStatus::Held)
    );
    assert_eq!(
        case.state.status_of(&id("insurance")),
        Some(StepStatus::AgencyUnavailable),
        "social insurance is not held"
    );
    assert_eq!(case.state.held_agencies, vec!["residence"]);
}

#[test]
fn every_agency_held_for_a_running_case_is_flagged_once() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("residence");
    case.succeed("insurance", json!({"card_number": "TE-1"}));
    // The insurance step ran past its deadline before it answered.
    case.state.apply(Event::DeadlinePassed(Escalation {
        step: Some(id("insurance")),
        deadline: time::macros::datetime!(2026-01-08 17:00:00 +07:00),
        noticed_at: time::macros::datetime!(2026-01-08 17:00:01 +07:00),
    }));
    for agency in ["social-insurance", "residence"] {
        case.state.apply(Event::AgencyHeld {
            agency: agency.into(),
        });
    }
    assert_eq!(
        case.state.attention_details(),
        vec![
            Attention {
                reason: "overdue".into(),
                step: Some(id("insurance")),
                agency: Some("social-insurance".into()),
            },
            Attention {
                reason: "held".into(),
                step: Some(id("residence")),
                agency: Some("residence".into()),
            },
            Attention {
                reason: "held".into(),
                step: None,
                agency: Some("social-insurance".into()),
            },
        ],
        "residence's held step shows its hold; social insurance's hold is on the case, and \
         another reason naming the agency does not stand in for it"
    );
}

#[test]
fn a_journal_longer_than_the_limit_is_cut_back_to_it_at_the_next_entry() {
    // A state written by a build that kept more entries.
    let mut case = group_a();
    for n in 0..JOURNAL_LIMIT {
        case.state.apply_at(
            Event::StillRunning(id("birth")),
            time::macros::datetime!(2026-01-06 10:00:00 UTC) + time::Duration::seconds(n as i64),
        );
    }
    let mut longer = case.state.journal.clone();
    longer.extend(longer[..3].to_vec());
    case.state.journal = longer;
    case.state.journal_dropped = 0;

    case.state.apply_at(
        Event::StepStarted(id("birth")),
        time::macros::datetime!(2026-01-06 11:00:00 UTC),
    );
    assert_eq!(case.state.journal.len(), JOURNAL_LIMIT);
    assert_eq!(case.state.journal_dropped, 4);
    assert_eq!(
        case.state.journal.last().map(|e| e.kind.as_str()),
        Some("step_started")
    );
}

#[test]
fn times_are_written_as_the_rfc3339_text_earlier_builds_wrote_and_read_back_unchanged() {
    let mut case = group_a();
    case.state.submitted_at = time::macros::datetime!(2026-01-05 09:00:00.25 +07:00);
    case.state.apply_at(
        Event::DeadlineSet {
            step: None,
            at: time::macros::datetime!(2026-02-04 17:00:00 +07:00),
        },
        // The workflow's clock is UTC.
        time::macros::datetime!(2026-01-05 02:00:00.000123 UTC),
    );
    let written = serde_json::to_value(&case.state).expect("a state is JSON");
    assert_eq!(written["submitted_at"], "2026-01-05T09:00:00.25+07:00");
    assert_eq!(written["deadline"], "2026-02-04T17:00:00+07:00");
    assert_eq!(written["journal"][0]["at"], "2026-01-05T02:00:00.000123Z");
    assert_eq!(written["code"], "TEST-1");

    let read: lienthong_definitions::case::CaseState =
        serde_json::from_value(written.clone()).expect("the state reads back");
    assert_eq!(read, case.state);
    assert_eq!(
        serde_json::to_value(&read).expect("a state is JSON"),
        written,
        "reading and writing again changes no text, so recorded histories and clients see the same"
    );

    let mut not_a_time = written;
    not_a_time["deadline"] = json!("20/11/2026");
    assert!(
        serde_json::from_value::<lienthong_definitions::case::CaseState>(not_a_time).is_err(),
        "a moment that is not RFC 3339 is refused, not kept as text"
    );
}

#[test]
fn a_step_that_succeeds_after_an_outage_shows_no_error_any_more() {
    let mut case = group_a();
    case.state.apply(Event::StepStarted(id("birth")));
    case.state.apply(Event::AgencyUnavailable {
        step: id("birth"),
        error: StepError {
            code: "AGENCY_UNAVAILABLE".into(),
            message: "gave up after 8 attempts".into(),
        },
        attempts: 8,
        retry_at: None,
    });
    assert!(
        case.state
            .step(&id("birth"))
            .is_some_and(|s| s.last_error.is_some())
    );
    case.state.apply(Event::ParkEnded(id("birth")));
    case.state.apply(Event::StepSucceeded {
        step: id("birth"),
        output: json!({"personal_id": "001226000123"}),
        attempts: 2,
    });
    let birth = case.state.step(&id("birth")).expect("the birth step");
    assert_eq!(birth.status, StepStatus::Succeeded);
    assert_eq!(birth.last_error, None, "{birth:#?}");
    assert_eq!(birth.attempts, 2);
}

#[test]
fn a_step_that_waits_after_its_retries_shows_the_attempts_it_made() {
    let mut case = group_a();
    case.succeed("birth", birth_output());
    case.start("insurance");
    case.state.apply(Event::AgencyUnavailable {
        step: id("insurance"),
        error: error("AGENCY_UNAVAILABLE"),
        attempts: 8,
        retry_at: Some(time::macros::datetime!(2026-12-01 02:03 UTC)),
    });
    let step = case
        .state
        .steps
        .iter()
        .find(|s| s.id == id("insurance"))
        .expect("the step");
    assert_eq!(step.attempts, 8, "not 0 next to 'gave up after 8 attempts'");
    assert_eq!(
        step.next_attempt_at,
        Some(time::macros::datetime!(2026-12-01 02:03 UTC)),
        "when it is sent again"
    );
    case.state.apply(Event::ParkEnded(id("insurance")));
    let step = case
        .state
        .steps
        .iter()
        .find(|s| s.id == id("insurance"))
        .expect("the step");
    assert_eq!(step.next_attempt_at, None);
    // An event recorded by a build that did not count leaves what the state knew.
    let old: Event = serde_json::from_value(serde_json::json!({"AgencyUnavailable": {
        "step": "insurance", "error": {"code": "AGENCY_UNAVAILABLE", "message": "x"}}}))
    .expect("an event without attempts reads");
    assert!(matches!(old, Event::AgencyUnavailable { attempts: 0, .. }));
}
