//! Who may see a case, agency holds, and the append-only audit log, on both backends.

#![allow(clippy::unwrap_used)]

mod common;

use common::{postgres, sqlite};
use lienthong_store::{AuditFilter, CaseRecord, NewAuditEntry, Store};

fn case(code: &str) -> CaseRecord {
    CaseRecord {
        code: code.into(),
        procedure: "birth-residence-insurance".into(),
        office: "01-BD".into(),
        filed_by: "citizen-1".into(),
        submitted_at: "2026-11-23T01:00:00Z".into(),
    }
}

async fn the_parties_of_a_case_are_found_by_id_number_but_never_stored_in_clear(store: &Store) {
    store
        .record_case(&case("KS-A"), &["001190012345", "001088012346"])
        .await
        .unwrap();
    // A repeated submission of the same case changes nothing.
    store
        .record_case(&case("KS-A"), &["999999999999"])
        .await
        .unwrap();
    assert!(store.case_names("KS-A", "001190012345").await.unwrap());
    assert!(store.case_names("KS-A", "001088012346").await.unwrap());
    assert!(!store.case_names("KS-A", "999999999999").await.unwrap());
    assert_eq!(
        store.cases_naming("001088012346", 10).await.unwrap(),
        vec!["KS-A"]
    );
    let stored = store.case_record("KS-A").await.unwrap().unwrap();
    assert_eq!(
        stored,
        CaseRecord {
            // The filer is kept as a hash; see the next test.
            filed_by: stored.filed_by.clone(),
            ..case("KS-A")
        }
    );
    assert_eq!(store.case_record("KS-B").await.unwrap(), None);
}

async fn the_filing_account_is_found_by_subject_but_never_stored_in_clear(store: &Store) {
    // A portal account's subject, and a VNeID account's, which is the ID number itself.
    for (code, subject) in [("KS-F1", "citizen-001190012345"), ("KS-F2", "001190012345")] {
        let filed = CaseRecord {
            filed_by: subject.into(),
            ..case(code)
        };
        store.record_case(&filed, &["001190012345"]).await.unwrap();
        let stored = store.case_record(code).await.unwrap().unwrap().filed_by;
        assert!(
            !stored.contains(subject) && !stored.contains("001190012345"),
            "the filer's subject is stored in clear: {stored}"
        );
        assert!(store.case_filed_by(code, subject).await.unwrap());
        assert!(!store.case_filed_by(code, "citizen-other").await.unwrap());
        assert!(!store.case_filed_by("KS-NONE", subject).await.unwrap());
    }
    assert!(
        !store.case_filed_by("KS-F1", "001190012345").await.unwrap(),
        "one account's case is not another's"
    );
}

async fn a_citizens_cases_are_those_they_filed_and_those_naming_them(store: &Store) {
    let at = |code: &str, subject: &str, minute: u32| CaseRecord {
        filed_by: subject.into(),
        submitted_at: format!("2026-12-01T01:{minute:02}:00Z"),
        ..case(code)
    };
    // Filed by the parent for their child; filed by an officer naming the parent; filed by the
    // parent naming no one they are; someone else's.
    store
        .record_case(&at("KS-M1", "citizen-7", 1), &["001190077777"])
        .await
        .unwrap();
    store
        .record_case(&at("KS-M2", "officer-1", 2), &["001190077777"])
        .await
        .unwrap();
    store
        .record_case(&at("KS-M3", "citizen-7", 3), &["001190000001"])
        .await
        .unwrap();
    store
        .record_case(&at("KS-M4", "citizen-8", 4), &["001190000002"])
        .await
        .unwrap();
    let codes = |found: Vec<CaseRecord>| found.into_iter().map(|c| c.code).collect::<Vec<_>>();
    assert_eq!(
        codes(
            store
                .cases_of("citizen-7", Some("001190077777"), 10)
                .await
                .unwrap()
        ),
        vec!["KS-M3", "KS-M2", "KS-M1"],
        "newest first, filed or named, each once"
    );
    assert_eq!(
        codes(store.cases_of("citizen-7", None, 10).await.unwrap()),
        vec!["KS-M3", "KS-M1"]
    );
    assert_eq!(
        codes(
            store
                .cases_of("citizen-7", Some("001190077777"), 2)
                .await
                .unwrap()
        ),
        vec!["KS-M3", "KS-M2"]
    );
    assert!(store.cases_of("nobody", None, 10).await.unwrap().is_empty());
}

async fn the_audit_log_is_filtered_and_cannot_be_rewritten(store: &Store) {
    let entry = |action: &str, cases: &[&str]| NewAuditEntry {
        actor: "operator-hanoi".into(),
        role: "operator".into(),
        action: action.into(),
        cases: cases.iter().map(|c| (*c).to_owned()).collect(),
        reason: Some("agency back after outage".into()),
        outcome: "done".into(),
        detail: Some("agency=residence".into()),
    };
    let first = store.append_audit(entry("hold_agency", &[])).await.unwrap();
    store
        .append_audit(entry("retry_step", &["KS-A"]))
        .await
        .unwrap();
    store
        .append_audit(entry("bulk_release", &["KS-A", "KS-B"]))
        .await
        .unwrap();

    let all = store
        .audit(&AuditFilter {
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["bulk_release", "retry_step", "hold_agency"]
    );
    assert_eq!(all[0].cases, ["KS-A", "KS-B"]);
    let of_b = store
        .audit(&AuditFilter {
            case: Some("KS-B".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(of_b.len(), 1);
    let older = store
        .audit(&AuditFilter {
            before_id: Some(all[1].id),
            action: Some("hold_agency".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(older.len(), 1);
    assert_eq!(older[0].id, first);

    let rewrite = store
        .execute("UPDATE audit_log SET actor = 'someone-else'")
        .await;
    assert!(rewrite.is_err(), "an audit entry was rewritten");
    let erase = store.execute("DELETE FROM audit_cases").await;
    assert!(erase.is_err(), "an audit entry's cases were erased");
    assert_eq!(
        store
            .audit(&AuditFilter {
                actor: Some("operator-hanoi".into()),
                limit: 10,
                ..AuditFilter::default()
            })
            .await
            .unwrap()
            .len(),
        3
    );
}

async fn an_agency_is_held_once_and_released(store: &Store) {
    assert!(
        store
            .hold_agency("residence", "op", "outage")
            .await
            .unwrap()
    );
    assert!(
        !store
            .hold_agency("residence", "op2", "again")
            .await
            .unwrap()
    );
    let holds = store.holds().await.unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(holds[0].held_by, "op");
    assert!(store.release_agency("residence").await.unwrap());
    assert!(!store.release_agency("residence").await.unwrap());
    assert!(store.holds().await.unwrap().is_empty());
}

#[tokio::test]
async fn on_sqlite() {
    let (store, _dir) = sqlite().await;
    the_parties_of_a_case_are_found_by_id_number_but_never_stored_in_clear(&store).await;
    the_filing_account_is_found_by_subject_but_never_stored_in_clear(&store).await;
    a_citizens_cases_are_those_they_filed_and_those_naming_them(&store).await;
    the_audit_log_is_filtered_and_cannot_be_rewritten(&store).await;
    an_agency_is_held_once_and_released(&store).await;
}

#[tokio::test]
async fn on_postgres() {
    let (store, schema) = postgres().await;
    the_parties_of_a_case_are_found_by_id_number_but_never_stored_in_clear(&store).await;
    the_filing_account_is_found_by_subject_but_never_stored_in_clear(&store).await;
    a_citizens_cases_are_those_they_filed_and_those_naming_them(&store).await;
    the_audit_log_is_filtered_and_cannot_be_rewritten(&store).await;
    an_agency_is_held_once_and_released(&store).await;
    store.close().await;
    schema.drop().await;
}
