//! A deployment's identities: tokens signed with the installation's key, and tokens of a
//! standard OIDC issuer whose keys are published on a (local) discovery endpoint.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use axum::{Json, Router, routing::get};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use lienthong_identity::{AuthError, Claims, DevKey, Role, Verifier};
use serde_json::{Value, json};

const HOUR: Duration = Duration::from_secs(3600);

fn operator() -> Claims {
    Claims {
        sub: "operator-hanoi".into(),
        roles: vec!["operator".into()],
        offices: vec!["01".into()],
        ..Claims::default()
    }
}

#[tokio::test]
async fn a_token_signed_with_the_installation_key_names_its_caller() {
    let key = DevKey::generate();
    let token = key.mint(&operator(), HOUR).unwrap();
    let principal = key.verifier().unwrap().verify(&token).await.unwrap();
    assert_eq!(principal.subject, "operator-hanoi");
    assert_eq!(principal.roles, vec![Role::Operator]);
    assert!(principal.covers_office("01-BD"));
}

#[tokio::test]
async fn a_token_of_another_key_an_expired_one_and_a_tampered_one_are_refused() {
    let key = DevKey::generate();
    let verifier = key.verifier().unwrap();
    let other = DevKey::generate().mint(&operator(), HOUR).unwrap();
    assert_eq!(
        verifier.verify(&other).await.unwrap_err().code(),
        "TOKEN_INVALID"
    );

    let expired = jsonwebtoken::encode(
        &Header::default(),
        &json!({"sub": "x", "roles": ["operator"], "iss": "lienthong", "aud": "lienthong-api", "exp": 1_000_000}),
        &EncodingKey::from_secret(&base64_secret(&key)),
    )
    .unwrap();
    assert_eq!(
        verifier.verify(&expired).await.unwrap_err(),
        AuthError::Expired
    );

    let token = key.mint(&operator(), HOUR).unwrap();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    // The same signature over claims that now say "auditor".
    let forged = json!({"sub": "operator-hanoi", "roles": ["auditor"], "iss": "lienthong", "aud": "lienthong-api", "exp": 4_000_000_000u64});
    parts[1] = base64url(&serde_json::to_vec(&forged).unwrap());
    assert_eq!(
        verifier.verify(&parts.join(".")).await.unwrap_err().code(),
        "TOKEN_INVALID"
    );
    assert_eq!(
        verifier.verify("not a token").await.unwrap_err().code(),
        "TOKEN_INVALID"
    );
}

#[tokio::test]
async fn a_token_without_a_lienthong_role_is_refused() {
    let key = DevKey::generate();
    let claims = Claims {
        sub: "someone".into(),
        roles: vec!["wiki-editor".into()],
        ..Claims::default()
    };
    let token = key.mint(&claims, HOUR).unwrap();
    let err = key.verifier().unwrap().verify(&token).await.unwrap_err();
    assert_eq!(err.code(), "TOKEN_INVALID");
    assert!(err.to_string().contains("no lienthong role"));
}

#[tokio::test]
async fn the_dev_key_is_kept_and_read_back_and_prints_a_token_per_role() {
    let dir = tempfile::tempdir().unwrap();
    let first = DevKey::load_or_create(dir.path()).unwrap();
    let again = DevKey::load_or_create(dir.path()).unwrap();
    assert_eq!(first.to_text(), again.to_text());
    let verifier = again.verifier().unwrap();
    let tokens = first.dev_tokens(HOUR).unwrap();
    let mut roles = Vec::new();
    for token in &tokens {
        roles.extend(verifier.verify(&token.token).await.unwrap().roles);
    }
    roles.sort();
    roles.dedup();
    assert_eq!(roles, Role::ALL.to_vec());
}

/// A standard issuer: a discovery document pointing at a JWKS with one ES256 key.
async fn issuer() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let jwks: Value = serde_json::from_str(include_str!("fixtures/issuer-jwks.json")).unwrap();
    let discovery = json!({"issuer": base, "jwks_uri": format!("{base}/keys")});
    let app = Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || async move { Json(discovery) }),
        )
        .route("/keys", get(move || async move { Json(jwks) }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn issued(issuer: &str, audience: &str, kid: &str) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(kid.to_owned());
    let key = EncodingKey::from_ec_pem(include_bytes!("fixtures/issuer-key.pem")).unwrap();
    let claims = json!({
        "sub": "officer-17", "roles": ["operator"], "offices": ["79"],
        "iss": issuer, "aud": audience, "exp": 4_000_000_000u64,
    });
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

#[tokio::test]
async fn an_oidc_issuers_token_is_checked_against_its_published_keys() {
    let base = issuer().await;
    let verifier = Verifier::oidc(&base, "lienthong").unwrap();
    let principal = verifier
        .verify(&issued(&base, "lienthong", "test-issuer-1"))
        .await
        .unwrap();
    assert_eq!(principal.subject, "officer-17");
    assert!(principal.covers_office("79-Q1"));

    let wrong_audience = verifier
        .verify(&issued(&base, "another-app", "test-issuer-1"))
        .await
        .unwrap_err();
    assert!(wrong_audience.to_string().contains("audience"));
    let unknown_key = verifier
        .verify(&issued(&base, "lienthong", "not-published"))
        .await
        .unwrap_err();
    assert_eq!(unknown_key.code(), "TOKEN_INVALID");
    let other_issuer = verifier
        .verify(&issued(
            "https://elsewhere.example",
            "lienthong",
            "test-issuer-1",
        ))
        .await
        .unwrap_err();
    assert!(other_issuer.to_string().contains("another issuer"));
}

#[tokio::test]
async fn a_shared_secret_token_is_not_accepted_where_an_issuer_is_configured() {
    let base = issuer().await;
    let verifier = Verifier::oidc(&base, "lienthong").unwrap();
    let token = DevKey::generate().mint(&operator(), HOUR).unwrap();
    assert_eq!(
        verifier.verify(&token).await.unwrap_err(),
        AuthError::Invalid("its algorithm is not accepted")
    );
}

#[tokio::test]
async fn an_unreachable_issuer_is_reported_as_such() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let verifier = Verifier::oidc(&base, "lienthong").unwrap();
    let err = verifier
        .verify(&issued(&base, "lienthong", "test-issuer-1"))
        .await
        .unwrap_err();
    assert_eq!(err, AuthError::IssuerUnavailable);
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A token signed with `key` carrying exactly `claims`.
fn signed_with(key: &DevKey, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(&base64_secret(key)),
    )
    .unwrap()
}

/// What the installation's key signs for an operator, valid for an hour, with `change` applied
/// (a `null` removes the claim).
fn local_claims(change: Value) -> Value {
    let claims = json!({
        "sub": "operator-hanoi", "roles": ["operator"], "offices": ["01"],
        "iss": "lienthong", "aud": "lienthong-api", "exp": now() + 3600,
    });
    changed(claims, &change)
}

fn changed(mut claims: Value, change: &Value) -> Value {
    for (name, value) in change.as_object().unwrap() {
        match value {
            Value::Null => claims.as_object_mut().unwrap().remove(name),
            _ => claims
                .as_object_mut()
                .unwrap()
                .insert(name.clone(), value.clone()),
        };
    }
    claims
}

#[tokio::test]
async fn a_token_of_the_installation_key_is_refused_for_each_claim_that_does_not_hold() {
    let key = DevKey::generate();
    let verifier = key.verifier().unwrap();
    let refused = |change: Value| {
        let token = signed_with(&key, &local_claims(change));
        let verifier = &verifier;
        async move { verifier.verify(&token).await.unwrap_err() }
    };
    let invalid = AuthError::Invalid;
    assert_eq!(
        refused(json!({"nbf": now() + 3600})).await,
        invalid("it is not valid yet")
    );
    assert_eq!(
        refused(json!({"iss": null})).await,
        invalid("it names no issuer")
    );
    assert_eq!(
        refused(json!({"iss": "https://elsewhere.example"})).await,
        invalid("it comes from another issuer")
    );
    assert_eq!(
        refused(json!({"aud": "another-service"})).await,
        invalid("it is meant for another audience")
    );
    assert_eq!(
        refused(json!({"aud": ["another-service", "a-third"]})).await,
        invalid("it is meant for another audience")
    );
    assert_eq!(
        refused(json!({"aud": null})).await,
        invalid("it names no audience")
    );
    assert_eq!(
        refused(json!({"exp": null})).await,
        invalid("it has no expiry")
    );

    // A clock a little behind the issuer's, and an audience listing the API among others, pass.
    for change in [
        json!({"nbf": now() + 30}),
        json!({"aud": ["another-service", "lienthong-api"]}),
    ] {
        let token = signed_with(&key, &local_claims(change.clone()));
        assert!(verifier.verify(&token).await.is_ok(), "{change}");
    }
}

#[tokio::test]
async fn an_oidc_token_without_issuer_or_audience_or_not_valid_yet_is_refused() {
    let base = issuer().await;
    let verifier = Verifier::oidc(&base, "lienthong").unwrap();
    let with = |change: Value| {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some("test-issuer-1".to_owned());
        let key = EncodingKey::from_ec_pem(include_bytes!("fixtures/issuer-key.pem")).unwrap();
        let issuers = local_claims(json!({"iss": base, "aud": "lienthong"}));
        let claims = changed(issuers, &change);
        jsonwebtoken::encode(&header, &claims, &key).unwrap()
    };
    assert!(verifier.verify(&with(json!({}))).await.is_ok());
    for (change, why) in [
        (json!({"nbf": now() + 3600}), "it is not valid yet"),
        (json!({"iss": null}), "it names no issuer"),
        (json!({"aud": null}), "it names no audience"),
        (
            json!({"aud": "another-client"}),
            "it is meant for another audience",
        ),
    ] {
        let token = with(change.clone());
        let err = verifier.verify(&token).await.unwrap_err();
        assert_eq!(err, AuthError::Invalid(why), "{change}");
    }
}

#[test]
fn an_oidc_issuer_without_an_audience_is_a_configuration_error() {
    let err = Verifier::oidc("https://id.example.gov.vn/realms/lienthong", " ").unwrap_err();
    assert_eq!(err.code(), "IDENTITY_MISCONFIGURED");
    assert!(err.to_string().contains("--oidc-audience"), "{err}");
}

fn base64_secret(key: &DevKey) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(key.to_text())
        .unwrap()
}

fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
