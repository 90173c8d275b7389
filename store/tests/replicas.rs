//! What API replicas share through the engine database, on both backends: a callback taken by
//! one replica is refused by every other, and the installation's keys are made once.

#![allow(clippy::unwrap_used)]

mod common;

use common::{postgres, sqlite};
use lienthong_store::Store;

async fn a_callback_is_taken_once_and_given_back_when_undelivered(store: &Store) {
    let now = 1_800_000_000;
    assert!(
        store
            .claim_callback("sig-1", "residence", now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .claim_callback("sig-1", "residence", now + 1)
            .await
            .unwrap(),
        "a replay is refused"
    );
    store.unclaim_callback("sig-1").await.unwrap();
    assert!(
        store
            .claim_callback("sig-1", "residence", now + 2)
            .await
            .unwrap(),
        "an undelivered callback may be sent again"
    );
    // Remembered for ten minutes, then forgotten (its signature has long expired by then).
    assert!(
        !store
            .claim_callback("sig-1", "residence", now + 599)
            .await
            .unwrap()
    );
    assert!(
        store
            .claim_callback("sig-1", "residence", now + 700)
            .await
            .unwrap()
    );
}

async fn an_installation_key_is_made_once_for_every_replica(store: &Store) {
    let first = store
        .installation_key("console-csrf", || "first".into())
        .await
        .unwrap();
    let second = store
        .installation_key("console-csrf", || "second".into())
        .await
        .unwrap();
    assert_eq!((first.as_str(), second.as_str()), ("first", "first"));
    store.ping().await.unwrap();
}

#[tokio::test]
async fn sqlite_shares_callbacks_and_keys() {
    let (store, _dir) = sqlite().await;
    a_callback_is_taken_once_and_given_back_when_undelivered(&store).await;
    an_installation_key_is_made_once_for_every_replica(&store).await;
}

#[tokio::test]
async fn postgres_shares_callbacks_and_keys() {
    let (store, schema) = postgres().await;
    a_callback_is_taken_once_and_given_back_when_undelivered(&store).await;
    an_installation_key_is_made_once_for_every_replica(&store).await;
    store.close().await;
    schema.drop().await;
}
