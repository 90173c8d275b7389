//! A standard OpenID Connect issuer for tests, standing in for the installation's identity
//! provider (the national electronic identity, a ministry's single sign-on): discovery, keys,
//! the authorization endpoint (its person is already signed in there, as after an earlier
//! visit) and the token endpoint, which checks the client, the redirect URI, the code's single
//! use and the PKCE verifier before it issues an ES256 ID token carrying the nonce.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::Result;
use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "lienthong-test";

struct Grant {
    challenge: String,
    redirect_uri: String,
    nonce: String,
}

struct Issuer {
    base: String,
    /// The claims of whoever is signed in at the issuer.
    person: Value,
    codes: HashMap<String, Grant>,
    next_code: u64,
}

/// A running issuer; dropped with the test's runtime.
#[derive(Clone)]
pub struct TestIssuer {
    pub url: String,
    inner: Arc<Mutex<Issuer>>,
}

impl TestIssuer {
    /// Starts an issuer on a free loopback port where `person` (lienthong claims: `sub`,
    /// `roles`, …) is signed in.
    pub async fn start(person: Value) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let inner = Arc::new(Mutex::new(Issuer {
            base: url.clone(),
            person,
            codes: HashMap::new(),
            next_code: 1,
        }));
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/keys", get(keys))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .route("/logout", get(logout))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { url, inner })
    }

    /// Whether someone is signed in at the issuer.
    pub fn signed_in(&self) -> bool {
        !self.inner.lock().expect("issuer").person.is_null()
    }

    /// Someone else signs in at the issuer.
    pub fn sign_in(&self, person: Value) {
        self.inner.lock().expect("issuer").person = person;
    }
}

type Shared = State<Arc<Mutex<Issuer>>>;

async fn discovery(State(issuer): Shared) -> Json<Value> {
    let base = issuer.lock().expect("issuer").base.clone();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/keys"),
        "end_session_endpoint": format!("{base}/logout"),
        "response_types_supported": ["code"],
        "code_challenge_methods_supported": ["S256"],
        "id_token_signing_alg_values_supported": ["ES256"],
    }))
}

async fn keys() -> Json<Value> {
    Json(
        serde_json::from_str(include_str!(
            "../../../identity/tests/fixtures/issuer-jwks.json"
        ))
        .expect("the fixture JWKS"),
    )
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    state: String,
    nonce: String,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

async fn authorize(State(issuer): Shared, Query(q): Query<AuthorizeQuery>) -> Response {
    // Never redirect to an address not registered for the client (RFC 6749 §4.1.2.1).
    if q.client_id != CLIENT_ID || !q.redirect_uri.ends_with("/sign-in/oidc/callback") {
        return (StatusCode::BAD_REQUEST, "unknown client or redirect URI").into_response();
    }
    let Some(challenge) = q
        .code_challenge
        .filter(|_| q.code_challenge_method.as_deref() == Some("S256"))
    else {
        return Redirect::to(&format!(
            "{}?error=invalid_request&state={}",
            q.redirect_uri, q.state
        ))
        .into_response();
    };
    if q.response_type != "code" {
        return (StatusCode::BAD_REQUEST, "only the code flow").into_response();
    }
    let mut issuer = issuer.lock().expect("issuer");
    if issuer.person.is_null() {
        // Nobody is signed in here: the issuer would show its own sign-in page.
        return (StatusCode::UNAUTHORIZED, "sign in at the issuer first").into_response();
    }
    let code = format!("code-{}", issuer.next_code);
    issuer.next_code += 1;
    issuer.codes.insert(
        code.clone(),
        Grant {
            challenge,
            redirect_uri: q.redirect_uri.clone(),
            nonce: q.nonce,
        },
    );
    let state = form_urlencoded::byte_serialize(q.state.as_bytes()).collect::<String>();
    Redirect::to(&format!("{}?code={code}&state={state}", q.redirect_uri)).into_response()
}

#[derive(Deserialize)]
struct LogoutQuery {
    client_id: String,
    post_logout_redirect_uri: String,
}

/// RP-initiated logout: the person is signed out here and sent back.
async fn logout(State(issuer): Shared, Query(q): Query<LogoutQuery>) -> Response {
    if q.client_id != CLIENT_ID {
        return (StatusCode::BAD_REQUEST, "unknown client").into_response();
    }
    issuer.lock().expect("issuer").person = Value::Null;
    Redirect::to(&q.post_logout_redirect_uri).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    client_id: String,
    code_verifier: Option<String>,
}

async fn token(State(issuer): Shared, Form(form): Form<TokenForm>) -> Response {
    let refuse = |why: &str| {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant", "error_description": why})),
        )
            .into_response()
    };
    let mut issuer = issuer.lock().expect("issuer");
    // A code is spent by its first exchange, good or bad.
    let Some(grant) = issuer.codes.remove(&form.code) else {
        return refuse("unknown or used code");
    };
    if form.grant_type != "authorization_code"
        || form.client_id != CLIENT_ID
        || form.redirect_uri != grant.redirect_uri
    {
        return refuse("not this client's code");
    }
    let verified = form.code_verifier.is_some_and(|verifier| {
        URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == grant.challenge
    });
    if !verified {
        return refuse("PKCE verification failed");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut claims = issuer.person.clone();
    if let Some(object) = claims.as_object_mut() {
        object.insert("iss".into(), json!(issuer.base));
        object.insert("aud".into(), json!(CLIENT_ID));
        object.insert("iat".into(), json!(now));
        object.insert("exp".into(), json!(now + 3600));
        object.insert("nonce".into(), json!(grant.nonce));
    }
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("test-issuer-1".into());
    let key = EncodingKey::from_ec_pem(include_bytes!(
        "../../../identity/tests/fixtures/issuer-key.pem"
    ))
    .expect("the fixture key");
    let id_token = jsonwebtoken::encode(&header, &claims, &key).expect("an ID token");
    Json(json!({"token_type": "Bearer", "id_token": id_token, "expires_in": 3600})).into_response()
}
