//! Both engine database backends for the store's tests: SQLite in a temp dir, and Postgres in a
//! fresh schema of the server every machine runs.

#![allow(clippy::unwrap_used, dead_code)]

use lienthong_store::Store;

pub async fn sqlite() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::connect(&Store::sqlite_url(dir.path()))
        .await
        .expect("sqlite store");
    (store, dir)
}

/// A fresh schema in the `test` database; `LIENTHONG_TEST_POSTGRES` overrides the server URL.
pub struct PgSchema {
    pub admin: Store,
    pub name: String,
}

pub async fn postgres() -> (Store, PgSchema) {
    let base = std::env::var("LIENTHONG_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let name = format!("lt_{}", uuid::Uuid::new_v4().simple());
    let admin = Store::connect_unmigrated(&base)
        .await
        .expect("postgres reachable");
    admin
        .execute(&format!("CREATE SCHEMA {name}"))
        .await
        .expect("create schema");
    let url = format!("{base}?options=-c%20search_path%3D{name}");
    let store = Store::connect(&url).await.expect("postgres store");
    (store, PgSchema { admin, name })
}

impl PgSchema {
    pub async fn drop(self) {
        self.admin
            .execute(&format!("DROP SCHEMA {} CASCADE", self.name))
            .await
            .expect("drop schema");
    }
}
