//! The version life cycle on both engine database backends: SQLite (the embedded default, a file
//! in a temp dir) and Postgres (the server every machine runs at 127.0.0.1:5432, database `test`;
//! each run in its own schema, dropped afterwards).

// A test step that fails should stop the test with its error; `unwrap` says that most briefly.
#![allow(clippy::unwrap_used)]

mod common;

use common::{postgres, sqlite};
use lienthong_store::{NewDraft, Store, StoreError, VersionStatus};
use serde_json::json;

const ADMIN: &str = "agency-admin:civil-status";

fn draft<'a>(version: i64, effective_from: &'a str, source: &'a str) -> NewDraft<'a> {
    NewDraft {
        procedure_id: "death-residence-allowance",
        version,
        effective_from,
        source,
        compiled: "{}",
        by: ADMIN,
    }
}

async fn life_cycle(store: &Store) {
    // Nothing is in force before anything is published.
    assert!(
        store
            .in_force("death-residence-allowance", "2026-11-23")
            .await
            .unwrap()
            .is_none()
    );

    let saved = store
        .save_draft(draft(1, "2024-07-01", "first text"))
        .await
        .unwrap();
    assert_eq!(saved.status, VersionStatus::Draft);
    // A draft may be rewritten...
    let rewritten = store
        .save_draft(draft(1, "2024-07-01", "second text"))
        .await
        .unwrap();
    assert_eq!(rewritten.source, "second text");
    // ...but is never used for cases.
    assert!(
        store
            .in_force("death-residence-allowance", "2026-11-23")
            .await
            .unwrap()
            .is_none()
    );

    let published = store
        .publish("death-residence-allowance", 1, ADMIN)
        .await
        .unwrap();
    assert_eq!(published.status, VersionStatus::Published);
    assert_eq!(published.published_by.as_deref(), Some(ADMIN));
    assert!(published.published_at.is_some());

    // A published text is immutable, and cannot be published twice.
    let refused = store
        .save_draft(draft(1, "2024-07-01", "sneaky edit"))
        .await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Immutable {
                status: "published",
                ..
            })
        ),
        "{refused:?}"
    );
    let twice = store.publish("death-residence-allowance", 1, ADMIN).await;
    assert!(
        matches!(
            twice,
            Err(StoreError::WrongStatus {
                status: "published",
                ..
            })
        ),
        "{twice:?}"
    );
    let missing = store.publish("death-residence-allowance", 9, ADMIN).await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { version: 9, .. })),
        "{missing:?}"
    );

    // Version 2, effective from a later day, takes over on that day and not before.
    store
        .save_draft(draft(2, "2027-01-01", "v2"))
        .await
        .unwrap();
    store
        .publish("death-residence-allowance", 2, ADMIN)
        .await
        .unwrap();
    let before = store
        .in_force("death-residence-allowance", "2026-12-31")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before.version, 1);
    let after = store
        .in_force("death-residence-allowance", "2027-01-01")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.version, 2);

    // Retiring version 2 hands new cases back to version 1.
    let retired = store
        .retire("death-residence-allowance", 2, ADMIN)
        .await
        .unwrap();
    assert_eq!(retired.status, VersionStatus::Retired);
    assert_eq!(retired.retired_by.as_deref(), Some(ADMIN));
    let now = store
        .in_force("death-residence-allowance", "2027-06-01")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.version, 1);

    let all = store
        .versions(Some("death-residence-allowance"))
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|v| v.version).collect::<Vec<_>>(),
        vec![1, 2]
    );
    assert_eq!(
        store.published_procedures().await.unwrap(),
        vec!["death-residence-allowance"]
    );

    // The catalogue: an agency's entry is replaced whole.
    store
        .put_agency("labour-office", &json!({"operations": []}), ADMIN)
        .await
        .unwrap();
    store
        .put_agency(
            "labour-office",
            &json!({"operations": [{"name": "grant-burial-support"}]}),
            ADMIN,
        )
        .await
        .unwrap();
    let agencies = store.agencies().await.unwrap();
    assert_eq!(agencies.len(), 1);
    assert_eq!(
        agencies[0].1["operations"][0]["name"],
        "grant-burial-support"
    );
}

#[tokio::test]
async fn versions_go_from_draft_to_published_to_retired_on_sqlite() {
    let (store, _dir) = sqlite().await;
    life_cycle(&store).await;
}

#[tokio::test]
async fn versions_go_from_draft_to_published_to_retired_on_postgres() {
    let (store, schema) = postgres().await;
    life_cycle(&store).await;
    store.close().await;
    schema.drop().await;
}

#[tokio::test]
async fn a_reopened_sqlite_database_keeps_its_versions() {
    let dir = tempfile::tempdir().unwrap();
    let url = Store::sqlite_url(dir.path());
    let store = Store::connect(&url).await.unwrap();
    store
        .save_draft(draft(1, "2024-07-01", "text"))
        .await
        .unwrap();
    store
        .publish("death-residence-allowance", 1, ADMIN)
        .await
        .unwrap();
    store.close().await;
    let again = Store::connect(&url).await.unwrap();
    let kept = again.version("death-residence-allowance", 1).await.unwrap();
    assert_eq!(kept.status, VersionStatus::Published);
}

#[tokio::test]
async fn an_unknown_database_scheme_is_refused_by_name() {
    let err = Store::connect("mysql://127.0.0.1/test").await.unwrap_err();
    assert!(
        matches!(err, StoreError::UnsupportedUrl { ref scheme } if scheme == "mysql"),
        "{err}"
    );
}
