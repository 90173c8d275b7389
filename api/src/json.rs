//! `ApiJson`: every JSON body the API reads, refused in the API's error shape with a stable code
//! and never with a value the caller sent (see `shape.rs`).

use axum::{
    extract::{FromRequest, Request},
    http::{HeaderMap, StatusCode, header},
};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_json::Value;

use crate::{
    ApiError, body,
    error::FieldError,
    shape::{self, Place, Segment},
};

/// `axum::Json`, but its refusals are `ApiError`s: `415 JSON_REQUIRED`, `413 BODY_TOO_LARGE`,
/// `400 BODY_INVALID` (not UTF-8, or a string holding a NUL character), `400 INVALID_JSON`, and
/// `400 INVALID_REQUEST` with a field error per problem.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "JSON_REQUIRED",
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        let bytes = body::read(req, state).await?;
        parse(&bytes).map(Self)
    }
}

/// `application/json`, or a `+json` type, as `axum::Json` accepts.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// A body as `T`, or why not.
pub(crate) fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = body::utf8(bytes)?;
    refuse_nul(text)?;
    let mut reader = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut reader).map_err(|e| {
        let path = shape::segments(e.path());
        match e.inner().classify() {
            serde_json::error::Category::Data => shape_error(&path, &e.inner().to_string()),
            // serde_json calls some wrong types syntax (a number where an enum is read): a body
            // that is JSON is told what is wrong with the field, not that it is not JSON.
            _ if serde_json::from_str::<IgnoredAny>(text).is_ok() => {
                shape_error(&path, "invalid type: a value of another type")
            }
            _ => not_json(e.inner()),
        }
    })?;
    reader.end().map_err(|e| not_json(&e))?;
    Ok(value)
}

fn not_json(e: &serde_json::Error) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_JSON",
        format!(
            "the body is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ),
    )
}

fn shape_error(path: &[Segment<'_>], message: &str) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST",
        "the body does not have the shape this route takes; see `fields`",
    );
    error
        .fields
        .push(shape::describe(Place::Body, path, message));
    error
}

/// `400 BODY_INVALID` naming each string (or field name) that holds a NUL character: the engine
/// database cannot store one, and no field of the API needs one.
fn refuse_nul(text: &str) -> Result<(), ApiError> {
    // In JSON a NUL can only be written `\u0000` (a raw one is a syntax error): most bodies
    // have none and are not read twice.
    if !text.contains("\\u0000") {
        return Ok(());
    }
    // Not JSON: the typed read says so.
    let Ok(value) = serde_json::from_str::<Value>(text) else {
        return Ok(());
    };
    let mut found = Vec::new();
    holding_nul(&value, &mut Vec::new(), &mut found);
    if found.is_empty() {
        return Ok(());
    }
    let mut error = body::invalid("a text in the body contains a NUL character; see `fields`");
    error.fields = found;
    Err(error)
}

/// At most this many fields are named.
const MAX_NUL_FIELDS: usize = 20;

fn holding_nul<'a>(value: &'a Value, path: &mut Vec<Segment<'a>>, found: &mut Vec<FieldError>) {
    if found.len() >= MAX_NUL_FIELDS {
        return;
    }
    let nul = |field: String, message: String| FieldError {
        field,
        code: "NUL_CHARACTER".into(),
        message,
    };
    match value {
        Value::String(s) if s.contains('\0') => {
            let at = shape::pointer(path.iter().copied());
            let message = format!("`{at}` contains a NUL character");
            found.push(nul(at, message));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Segment::Index(i));
                holding_nul(item, path, found);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                if key.contains('\0') {
                    let at = shape::pointer(path.iter().copied());
                    let message = format!("a field name in `{at}` contains a NUL character");
                    found.push(nul(at, message));
                }
                path.push(Segment::Key(key));
                holding_nul(item, path, found);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use axum::{body::Body, extract::DefaultBodyLimit, routing::post};
    use serde_json::json;
    use tower::ServiceExt;

    use super::*;
    use crate::ops::{ActionRequest, BulkRequest};

    const PERSON: &str = "Nguyễn Văn A 001190012345";

    fn refused<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> ApiError {
        parse::<T>(body.as_bytes()).unwrap_err()
    }

    /// `(status, code, [(field, field code, message)])`, checked to hold nothing of `body`.
    fn said(error: &ApiError, body: &str) -> (u16, &'static str, Vec<(String, String, String)>) {
        let answer = serde_json::to_string(&json!({
            "message": error.message,
            "fields": error.fields,
        }))
        .unwrap();
        for needle in [PERSON, "001190012345", "maybe"] {
            assert!(
                !body.contains(needle) || !answer.contains(needle),
                "{answer} repeats {needle}"
            );
        }
        (
            error.status.as_u16(),
            error.code,
            error
                .fields
                .iter()
                .map(|f| (f.field.clone(), f.code.clone(), f.message.clone()))
                .collect(),
        )
    }

    fn one(field: &str, code: &str, message: &str) -> Vec<(String, String, String)> {
        vec![(field.into(), code.into(), message.into())]
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_by_its_field_never_quoted() {
        let body = json!({"action": "retry_now", "cap": PERSON}).to_string();
        assert_eq!(
            said(&refused::<BulkRequest>(&body), &body),
            (
                400,
                "INVALID_REQUEST",
                one(
                    "/cap",
                    "WRONG_TYPE",
                    "`/cap` must be a whole number, 0 or more"
                )
            )
        );
        let body = json!({"action": "retry_now", "force": PERSON}).to_string();
        assert_eq!(
            said(&refused::<ActionRequest>(&body), &body),
            (
                400,
                "INVALID_REQUEST",
                one("/force", "WRONG_TYPE", "`/force` must be `true` or `false`")
            )
        );
        let body = json!({"documents": PERSON}).to_string();
        assert_eq!(
            said(
                &refused::<crate::citizen::supplements::Supplement>(&body),
                &body
            ),
            (
                400,
                "INVALID_REQUEST",
                one("/documents", "WRONG_TYPE", "`/documents` must be an array")
            )
        );
        let body = json!({"action": "retry_now", "filter": {"overdue": "maybe"}}).to_string();
        assert_eq!(
            said(&refused::<BulkRequest>(&body), &body),
            (
                400,
                "INVALID_REQUEST",
                one(
                    "/filter/overdue",
                    "WRONG_TYPE",
                    "`/filter/overdue` must be `true` or `false`"
                )
            )
        );
        let body = json!({"action": "retry_now", "per_second": -1}).to_string();
        assert_eq!(
            said(&refused::<BulkRequest>(&body), &body).2,
            one(
                "/per_second",
                "INVALID_VALUE",
                "`/per_second` must be a whole number, 0 or more"
            )
        );
    }

    #[test]
    fn unknown_missing_and_repeated_fields_name_only_the_type_s_own_names() {
        let body = json!({"action": "cancel", PERSON: 1}).to_string();
        let (_, code, fields) = said(&refused::<ActionRequest>(&body), &body);
        assert_eq!(code, "INVALID_REQUEST");
        assert_eq!(
            (fields[0].0.as_str(), fields[0].1.as_str()),
            ("", "UNKNOWN_FIELD")
        );
        assert!(
            fields[0]
                .2
                .starts_with("the body has a field it does not take (expected `action`"),
            "{}",
            fields[0].2
        );
        let body = json!({"reason": "x"}).to_string();
        assert_eq!(
            said(&refused::<ActionRequest>(&body), &body).2,
            one("/action", "REQUIRED", "`/action` is required")
        );
        let body = r#"{"action": "cancel", "action": "cancel"}"#;
        assert_eq!(
            said(&refused::<ActionRequest>(body), body).2,
            one(
                "/action",
                "DUPLICATE_FIELD",
                "`/action` is given more than once"
            )
        );
        let body = json!(5).to_string();
        assert_eq!(
            said(&refused::<ActionRequest>(&body), &body).2,
            one("", "WRONG_TYPE", "the body must be an object")
        );
    }

    #[test]
    fn a_nul_character_anywhere_is_refused_with_its_field() {
        let body = json!({
            "action": "retry_now",
            "reason": "a\u{0}b",
            "filter": {"code": PERSON},
            "agency": "residence",
        })
        .to_string();
        assert_eq!(
            said(&refused::<BulkRequest>(&body), &body),
            (
                400,
                "BODY_INVALID",
                one(
                    "/reason",
                    "NUL_CHARACTER",
                    "`/reason` contains a NUL character"
                )
            )
        );
        // Inside a free-form value, and in a field name: the path stops before a name that is
        // not a field name.
        let body = json!({
            "action": "resolve",
            "output": {"child": {"full_name": format!("{PERSON}\u{0}")}, "list": ["ok", "\u{0}"]},
            "reference": {"x\u{0}": 1},
        })
        .to_string();
        let error = refused::<ActionRequest>(&body);
        assert_eq!(
            said(&error, &body).2,
            vec![
                (
                    "/output/child/full_name".into(),
                    "NUL_CHARACTER".into(),
                    "`/output/child/full_name` contains a NUL character".into()
                ),
                (
                    "/output/list/1".into(),
                    "NUL_CHARACTER".into(),
                    "`/output/list/1` contains a NUL character".into()
                ),
                (
                    "/reference".into(),
                    "NUL_CHARACTER".into(),
                    "a field name in `/reference` contains a NUL character".into()
                ),
            ]
        );
        // An escaped backslash before `u0000` is no NUL.
        let body = json!({"action": "cancel", "reason": "C:\\u0000"}).to_string();
        assert_eq!(
            parse::<ActionRequest>(body.as_bytes()).unwrap().reason,
            "C:\\u0000"
        );
    }

    #[test]
    fn a_body_that_is_not_json_or_not_text_says_so() {
        let error = refused::<ActionRequest>("{\"action\": \"cancel\"");
        assert_eq!(
            (error.code, error.message.as_str()),
            (
                "INVALID_JSON",
                "the body is not valid JSON (line 1, column 19)"
            )
        );
        assert_eq!(
            refused::<ActionRequest>(r#"{"action": "cancel"} x"#).code,
            "INVALID_JSON"
        );
        let error = parse::<ActionRequest>(b"{\"action\": \"\xff\"}").unwrap_err();
        assert_eq!(
            (error.status.as_u16(), error.code, error.message.as_str()),
            (400, "BODY_INVALID", "the body is not valid UTF-8")
        );
    }

    #[tokio::test]
    async fn the_extractor_answers_each_refusal_in_the_error_shape() {
        let app = axum::Router::new()
            .route(
                "/",
                post(|ApiJson(r): ApiJson<ActionRequest>| async move { r.action }),
            )
            .layer(DefaultBodyLimit::max(crate::limits::MAX_BODY_BYTES));
        let send = |content_type: Option<&'static str>, body: Vec<u8>| {
            let app = app.clone();
            async move {
                let mut request = Request::post("/");
                if let Some(t) = content_type {
                    request = request.header(header::CONTENT_TYPE, t);
                }
                let response = app
                    .oneshot(request.body(Body::from(body)).unwrap())
                    .await
                    .unwrap();
                let status = response.status().as_u16();
                let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                    .await
                    .unwrap();
                let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                (status, answer["error"]["code"].as_str().map(str::to_owned))
            }
        };
        let json = Some("application/json; charset=utf-8");
        let huge = format!(
            r#"{{"action": "cancel", "reason": "{}"}}"#,
            "a".repeat(10 << 20)
        );
        for (content_type, body, expected) in [
            (
                None,
                br#"{"action": "cancel"}"#.to_vec(),
                (415, "JSON_REQUIRED"),
            ),
            (json, huge.into_bytes(), (413, "BODY_TOO_LARGE")),
            (
                json,
                b"{\"action\": \"\xc3\x28\"}".to_vec(),
                (400, "BODY_INVALID"),
            ),
            (
                json,
                br#"{"action": "a\u0000"}"#.to_vec(),
                (400, "BODY_INVALID"),
            ),
            (json, b"{".to_vec(), (400, "INVALID_JSON")),
            (json, br#"{"action": 1}"#.to_vec(), (400, "INVALID_REQUEST")),
        ] {
            assert_eq!(
                send(content_type, body).await,
                (expected.0, Some(expected.1.to_owned()))
            );
        }
        assert_eq!(
            send(
                Some("application/problem+json"),
                br#"{"action": "cancel"}"#.to_vec()
            )
            .await
            .0,
            200
        );
    }
}
