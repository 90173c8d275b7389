//! Console sessions on both backends: found by their id's hash, kept alive by use, ended by
//! idling, by their token's expiry, by sign-out and by signing out everywhere.

#![allow(clippy::unwrap_used)]

mod common;

use common::{postgres, sqlite};
use lienthong_store::{NewConsoleSession, Store};

const IDLE: i64 = 1800;

fn session<'a>(id_hash: &'a str, subject: &'a str, now: i64) -> NewConsoleSession<'a> {
    NewConsoleSession {
        id_hash,
        subject,
        claims: r#"{"sub":"op"}"#,
        now,
        expires_at: now + 3600,
    }
}

async fn a_session_lives_while_used_and_ends_when_idle_or_expired(store: &Store) {
    let t = 1_800_000_000;
    store
        .open_console_session(session("a", "op-1", t), IDLE)
        .await
        .unwrap();
    assert_eq!(
        store.console_session("a", t + 10, IDLE).await.unwrap(),
        Some(r#"{"sub":"op"}"#.to_owned())
    );
    assert_eq!(
        store.console_session("unknown", t, IDLE).await.unwrap(),
        None
    );
    // Used every 20 minutes, it outlives the 30-minute idle limit…
    for k in 1..=2 {
        assert!(
            store
                .console_session("a", t + k * 1200, IDLE)
                .await
                .unwrap()
                .is_some(),
            "used at +{} min",
            k * 20
        );
    }
    // …but not its token's expiry.
    assert_eq!(
        store.console_session("a", t + 3600, IDLE).await.unwrap(),
        None
    );
    assert_eq!(
        store.console_session("a", t + 3601, IDLE).await.unwrap(),
        None,
        "an ended session stays ended"
    );

    store
        .open_console_session(session("b", "op-1", t), IDLE)
        .await
        .unwrap();
    assert_eq!(
        store.console_session("b", t + IDLE, IDLE).await.unwrap(),
        None,
        "a session idle for the limit has ended"
    );
}

async fn sign_out_ends_one_session_and_everywhere_ends_them_all(store: &Store) {
    let t = 1_800_000_000;
    for (id, subject) in [("c", "op-2"), ("d", "op-2"), ("e", "op-3")] {
        store
            .open_console_session(session(id, subject, t), IDLE)
            .await
            .unwrap();
    }
    assert!(store.close_console_session("c").await.unwrap());
    assert!(!store.close_console_session("c").await.unwrap());
    assert_eq!(store.console_session("c", t + 1, IDLE).await.unwrap(), None);
    assert!(
        store
            .console_session("d", t + 1, IDLE)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.close_console_sessions_of("op-2").await.unwrap(), 1);
    assert_eq!(store.console_session("d", t + 2, IDLE).await.unwrap(), None);
    assert!(
        store
            .console_session("e", t + 2, IDLE)
            .await
            .unwrap()
            .is_some(),
        "another officer's session is untouched"
    );
}

#[tokio::test]
async fn sqlite_keeps_console_sessions() {
    let (store, _dir) = sqlite().await;
    a_session_lives_while_used_and_ends_when_idle_or_expired(&store).await;
    sign_out_ends_one_session_and_everywhere_ends_them_all(&store).await;
}

#[tokio::test]
async fn postgres_keeps_console_sessions() {
    let (store, schema) = postgres().await;
    a_session_lives_while_used_and_ends_when_idle_or_expired(&store).await;
    sign_out_ends_one_session_and_everywhere_ends_them_all(&store).await;
    store.close().await;
    schema.drop().await;
}
