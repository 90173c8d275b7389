//! Co-approval on both backends: each agency's approval of one version's exact text, replaced
//! when its administrator approves again, voided when the draft's text is replaced.

#![allow(clippy::unwrap_used)]

mod common;

use common::{postgres, sqlite};
use lienthong_store::{ApprovalAction, NewDraft, Store};

const PROCEDURE: &str = "linked-birth";

fn draft(source: &str) -> NewDraft<'_> {
    NewDraft {
        procedure_id: PROCEDURE,
        version: 1,
        effective_from: "2026-01-01",
        source,
        compiled: "{}",
        by: "admin-civil-status",
    }
}

async fn approvals_name_the_text_and_a_replaced_draft_has_none(store: &Store) {
    store.save_draft(draft("first text")).await.unwrap();
    let agencies = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
    store
        .approve(
            PROCEDURE,
            1,
            ApprovalAction::Publish,
            &agencies(&["civil-status"]),
            "sha-first",
            "admin-civil-status",
        )
        .await
        .unwrap();
    store
        .approve(
            PROCEDURE,
            1,
            ApprovalAction::Publish,
            &agencies(&["residence", "social-insurance"]),
            "sha-first",
            "admin-residence",
        )
        .await
        .unwrap();
    // Approving again replaces that agency's approval rather than adding one.
    store
        .approve(
            PROCEDURE,
            1,
            ApprovalAction::Publish,
            &agencies(&["residence"]),
            "sha-first",
            "admin-residence-2",
        )
        .await
        .unwrap();
    let approved = store
        .approvals(PROCEDURE, 1, ApprovalAction::Publish, "sha-first")
        .await
        .unwrap();
    let who: Vec<(&str, &str)> = approved
        .iter()
        .map(|a| (a.agency.as_str(), a.approved_by.as_str()))
        .collect();
    assert_eq!(
        who,
        [
            ("civil-status", "admin-civil-status"),
            ("residence", "admin-residence-2"),
            ("social-insurance", "admin-residence"),
        ]
    );
    assert!(
        store
            .approvals(PROCEDURE, 1, ApprovalAction::Retire, "sha-first")
            .await
            .unwrap()
            .is_empty(),
        "an approval to publish is not one to retire"
    );
    assert!(
        store
            .approvals(PROCEDURE, 1, ApprovalAction::Publish, "sha-other")
            .await
            .unwrap()
            .is_empty(),
        "an approval names the text it was given to"
    );

    // The same text stored again keeps them…
    store.save_draft(draft("first text")).await.unwrap();
    assert_eq!(
        store
            .approvals(PROCEDURE, 1, ApprovalAction::Publish, "sha-first")
            .await
            .unwrap()
            .len(),
        3
    );
    // …the draft's text replaced: every approval of it is gone.
    store.save_draft(draft("second text")).await.unwrap();
    assert!(
        store
            .approvals(PROCEDURE, 1, ApprovalAction::Publish, "sha-first")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn sqlite_keeps_approvals() {
    let (store, _dir) = sqlite().await;
    approvals_name_the_text_and_a_replaced_draft_has_none(&store).await;
}

#[tokio::test]
async fn postgres_keeps_approvals() {
    let (store, schema) = postgres().await;
    approvals_name_the_text_and_a_replaced_draft_has_none(&store).await;
    store.close().await;
    schema.drop().await;
}
