//! The citizen's session: the console's server-side sessions (engine database, only a random
//! id in the browser) in their own realm, under their own cookie `lienthong_citizen` on the whole
//! site (`SameSite=Lax`, so a sign-in finished at an identity provider lands signed in). A page
//! that needs a citizen takes [`Citizen`]; a form that changes something takes [`Checked`],
//! which also checks its CSRF value and origin.

use std::collections::HashMap;

use axum::{
    Form,
    extract::{FromRef, FromRequest, FromRequestParts, Request},
    http::{HeaderValue, StatusCode, Uri, header, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD};
use lienthong_codec::PayloadCipher;
use lienthong_identity::{Claims, Principal, Role};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use temporalio_common::protos::temporal::api::common::v1::Payload;

use super::{
    language,
    layout::{self, Chrome, User},
};
use crate::{
    ApiState,
    auth::Caller,
    console::{
        csrf::{self, CsrfForm},
        problem::Problem,
        session::{Realm, Sessions, cookie},
    },
};

pub(crate) const COOKIE: &str = "lienthong_citizen";

/// `Set-Cookie` for the session `id` (hex, so always a valid cookie value).
pub(crate) fn session_cookie(id: &str, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={id}; HttpOnly; SameSite=Lax; Path=/{secure}"
    ))
    .ok()
}

pub(crate) fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("lienthong_citizen=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
}

/// A signed-in citizen.
pub(crate) struct Citizen {
    pub caller: Caller,
    /// The session id, which CSRF values are bound to.
    pub session: String,
    pub chrome: Chrome,
}

impl Chrome {
    pub(crate) fn of(parts: &Parts) -> Self {
        Self {
            lang: language::of(&parts.headers, &parts.uri),
            here: language::here(parts),
            user: None,
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Chrome {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Chrome::of(parts))
    }
}

/// Where a visitor without a session is sent: the sign-in page, and back here afterwards (a
/// page reached by a form goes back to the list of procedures instead).
fn to_sign_in(uri: &Uri, get: bool, ended: bool) -> Response {
    let back = if get {
        uri.path_and_query().map_or("/", |p| p.as_str())
    } else {
        "/"
    };
    let mut target = format!("/sign-in?next={}", crate::console::urls::encode(back));
    if ended {
        target.push_str("&ended=1");
    }
    let mut response = Redirect::to(&target).into_response();
    if ended {
        response
            .headers_mut()
            .append(header::SET_COOKIE, clear_cookie());
    }
    response
}

impl FromRequestParts<ApiState> for Citizen {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Response> {
        let mut chrome = Chrome::of(parts);
        let get = parts.method == axum::http::Method::GET;
        let Some(id) = cookie(&parts.headers, COOKIE) else {
            return Err(to_sign_in(&parts.uri, get, false));
        };
        let principal = match find(state, id).await {
            Ok(Some(principal)) => principal,
            Ok(None) => return Err(to_sign_in(&parts.uri, get, true)),
            Err(problem) => {
                return Err(layout::problem_page(&chrome, problem.status, &problem.code));
            }
        };
        chrome.user = Some(User {
            csrf: csrf::token_for(id),
        });
        Ok(Self {
            caller: Caller(principal),
            session: id.to_owned(),
            chrome,
        })
    }
}

/// A posted form of a signed-in citizen, accepted only from this session and this site.
pub(crate) struct Checked<T> {
    pub citizen: Citizen,
    pub form: T,
}

/// The CSRF refusal, as a page.
pub(crate) fn refused(chrome: &Chrome) -> Response {
    layout::problem_page(chrome, StatusCode::FORBIDDEN, "CSRF_FAILED")
}

impl<T> FromRequest<ApiState> for Checked<T>
where
    T: DeserializeOwned + CsrfForm + Send,
{
    type Rejection = Response;

    async fn from_request(request: Request, state: &ApiState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let citizen = Citizen::from_request_parts(&mut parts, state).await?;
        let same_origin = csrf::same_origin(&parts.headers);
        let request = Request::from_parts(parts, body);
        let Form(form) = Form::<T>::from_request(request, state).await.map_err(|_| {
            layout::problem_page(&citizen.chrome, StatusCode::BAD_REQUEST, "FORM_INVALID")
        })?;
        if !same_origin || !csrf::valid(&citizen.session, form.csrf()) {
            return Err(refused(&citizen.chrome));
        }
        Ok(Self { citizen, form })
    }
}

/// Every field of a posted form, in order: the application form's fields are named by the
/// application's JSON pointers, which no struct lists in advance.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl CsrfForm for Fields {
    fn csrf(&self) -> &str {
        self.get("csrf").unwrap_or_default()
    }
}

/// Whoever asks for a page anyone may see: its frame shows the citizen's menu when they are
/// signed in, and nobody is sent to sign in.
pub(crate) struct Visitor {
    pub chrome: Chrome,
    pub signed_in: bool,
}

impl FromRequestParts<ApiState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &ApiState,
    ) -> Result<Self, Self::Rejection> {
        match Citizen::from_request_parts(parts, state).await {
            Ok(citizen) => Ok(Self {
                chrome: citizen.chrome,
                signed_in: true,
            }),
            Err(_) => Ok(Self {
                chrome: Chrome::of(parts),
                signed_in: false,
            }),
        }
    }
}

/// What a citizen's session keeps of their subject: a hash, enough to end every session of the
/// account, since a subject may be a personal ID number itself (VNeID's is).
pub(crate) fn kept_subject(subject: &str) -> String {
    csrf::hex(
        &Sha256::new()
            .chain_update(b"citizen-subject\0")
            .chain_update(subject.as_bytes())
            .finalize(),
    )
}

/// Claims sealed with the installation's payload keys (AES-256-GCM; the keys live outside the
/// engine database), as the session table keeps them.
#[derive(Serialize, Deserialize)]
struct Sealed {
    /// The key it was sealed with.
    key: String,
    /// `nonce ‖ ciphertext`.
    data: String,
}

fn seal(cipher: &PayloadCipher, claims: &Claims) -> Option<String> {
    let plain = Payload {
        data: serde_json::to_vec(claims).ok()?,
        ..Default::default()
    };
    let sealed = cipher.encrypt(&plain).ok()?;
    let key = sealed
        .metadata
        .get(lienthong_codec::KEY_ID_KEY)
        .map(|k| String::from_utf8_lossy(k).into_owned())?;
    serde_json::to_string(&Sealed {
        key,
        data: STANDARD_NO_PAD.encode(&sealed.data),
    })
    .ok()
}

fn unseal(cipher: &PayloadCipher, text: &str) -> Option<Claims> {
    let sealed: Sealed = serde_json::from_str(text).ok()?;
    let payload = Payload {
        metadata: HashMap::from([
            (
                lienthong_codec::ENCODING_KEY.to_owned(),
                lienthong_codec::ENCRYPTED_ENCODING.as_bytes().to_vec(),
            ),
            (
                lienthong_codec::KEY_ID_KEY.to_owned(),
                sealed.key.into_bytes(),
            ),
        ]),
        data: STANDARD_NO_PAD.decode(sealed.data).ok()?,
        ..Default::default()
    };
    let plain = cipher.decrypt(payload).ok()?;
    serde_json::from_slice(&plain.data).ok()
}

/// Opens a session for a verified citizen; the id to put in the cookie. The session keeps their
/// personal ID number, which filing and reading their cases need, only sealed.
pub(crate) async fn open(state: &ApiState, principal: &Principal) -> Result<String, Problem> {
    let mut claims = principal.session_claims();
    claims.personal_id = principal.personal_id().map(str::to_owned);
    let Some(sealed) = seal(&state.payload_cipher, &claims) else {
        return Err(Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SESSION_FAILED",
            "the session could not be sealed",
        ));
    };
    Sessions::from_ref(state)
        .open_kept(
            Realm::Citizen,
            &kept_subject(&principal.subject),
            &sealed,
            principal.expires_at,
        )
        .await
}

/// The citizen of a live session, or `None` when it has ended (or holds no citizen).
pub(crate) async fn find(state: &ApiState, id: &str) -> Result<Option<Principal>, Problem> {
    let kept = Sessions::from_ref(state)
        .find_kept(Realm::Citizen, id)
        .await?;
    Ok(kept
        .and_then(|text| unseal(&state.payload_cipher, &text))
        .map(Principal::from_claims)
        .filter(|p| p.has(Role::Citizen)))
}

/// Ends this session.
pub(crate) async fn close(state: &ApiState, id: &str, subject: &str) -> Result<(), Problem> {
    Sessions::from_ref(state)
        .close_in(Realm::Citizen, id, &kept_subject(subject), false)
        .await
}
