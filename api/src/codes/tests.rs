//! The code lists are checked against the source that answers with them and the docs.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use axum::http::StatusCode;
use lienthong_identity::AuthError;
use temporalio_client::errors::WorkflowUpdateError;
use temporalio_common::protos::temporal::api::failure::v1::Failure;

use super::*;

/// Uppercase string literals in `api/src` that are not codes of either list, each with why.
const NOT_CODES: &[&str] = &[
    // Header values and OpenAPI words.
    "DENY", // `X-Frame-Options`
    "JWT",  // the bearer scheme's format in the OpenAPI document
    // Codes of a step's own error inside a case's state (`steps[].last_error.code`), set by
    // the worker, an agency or a dry run's simulated call: not codes of an API error.
    "RETRYING",
    "UNKNOWN_OPERATION",
    "REQUEST_INVALID",
    // A citizen's message's delivery error (`notifications[].last_error`), set by the worker.
    "SMTP_UNAVAILABLE",
    "NOTICE_WINDOW_SPENT",
    "NOTICE_FAILED",
    "NOTIFY_REFUSED",
    "NOTIFY_CREDENTIALS_MISSING",
    // Words of the console: the channel a message goes by.
    "SMS",
];

/// Uppercase literals that are HTTP methods (in tests' requests).
const HTTP_METHODS: &[&str] = &["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Second arguments of `ApiError::new` that are not a literal, each with the test that
/// covers the codes it carries.
const PASSED_ON: &[&str] = &[
    // The callbacks' `unauthorized`: the literals it is called with (scanned as a "helper").
    "code",
    // `ops::actions::refused`: a `RefusalCode` (`refusals_are_listed_with_their_status`).
    "code.as_str()",
    // `auth::auth_error`: `AuthError::code` (`identity_errors_are_listed_with_their_status`).
    "e.code()",
];

/// Functions whose first argument is a code they answer with.
const HELPERS: &[&str] = &["refused", "unauthorized"];

/// Set to `1` to rewrite the generated tables of `docs/error-codes.md` instead of comparing.
const WRITE_DOCS_ENV: &str = "LIENTHONG_WRITE_DOCS";

const DOC: &str = "docs/error-codes.md";

fn code_like(s: &str) -> bool {
    s.len() >= 3
        && s.as_bytes()[0].is_ascii_uppercase()
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn status_number(name: &str) -> u16 {
    const KNOWN: &[(&str, StatusCode)] = &[
        ("BAD_REQUEST", StatusCode::BAD_REQUEST),
        ("UNAUTHORIZED", StatusCode::UNAUTHORIZED),
        ("FORBIDDEN", StatusCode::FORBIDDEN),
        ("NOT_FOUND", StatusCode::NOT_FOUND),
        ("METHOD_NOT_ALLOWED", StatusCode::METHOD_NOT_ALLOWED),
        ("CONFLICT", StatusCode::CONFLICT),
        ("PAYLOAD_TOO_LARGE", StatusCode::PAYLOAD_TOO_LARGE),
        ("UNSUPPORTED_MEDIA_TYPE", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("UNPROCESSABLE_ENTITY", StatusCode::UNPROCESSABLE_ENTITY),
        ("TOO_MANY_REQUESTS", StatusCode::TOO_MANY_REQUESTS),
        ("INTERNAL_SERVER_ERROR", StatusCode::INTERNAL_SERVER_ERROR),
        ("SERVICE_UNAVAILABLE", StatusCode::SERVICE_UNAVAILABLE),
    ];
    KNOWN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, s)| s.as_u16())
        .unwrap_or_else(|| panic!("add StatusCode::{name} to `status_number`"))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Num(String),
    Ident(String),
    Punct(char),
}

/// Tokens and the line each begins on.
type Lexed = (Vec<Tok>, Vec<usize>);

/// Rust source as tokens, each with its line: comments dropped, string literals (raw, byte)
/// kept whole, char literals and lifetimes skipped. Enough to find literals and what
/// surrounds them.
fn lex(source: &str) -> Lexed {
    let s: Vec<char> = source.chars().collect();
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    let mut toks = Vec::new();
    let mut lines = Vec::new();
    let (mut line, mut counted, mut begin_line) = (1, 0, 1);
    let mut i = 0;
    // A `"…"` string from its opening quote at `i`: (content, index after it).
    let string = |mut i: usize| {
        let mut content = String::new();
        i += 1;
        while i < s.len() && s[i] != '"' {
            if s[i] == '\\' {
                content.push(s[i]);
                i += 1;
            }
            if i < s.len() {
                content.push(s[i]);
            }
            i += 1;
        }
        (content, i + 1)
    };
    while i < s.len() {
        // The tokens of the last round began on `begin_line`.
        lines.resize(toks.len(), begin_line);
        line += s[counted..i].iter().filter(|c| **c == '\n').count();
        counted = i;
        begin_line = line;
        let ch = s[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if ch == '"' {
            let (content, next) = string(i);
            toks.push(Tok::Str(content));
            i = next;
        } else if ch == '\'' {
            if at(i + 1) == '\\' {
                i += 2;
                while i < s.len() && s[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1; // a lifetime; its name is lexed as an identifier
            }
        } else if ch.is_ascii_digit() {
            let start = i;
            while i < s.len()
                && (s[i].is_alphanumeric()
                    || s[i] == '_'
                    || (s[i] == '.' && at(i + 1).is_ascii_digit()))
            {
                i += 1;
            }
            toks.push(Tok::Num(s[start..i].iter().collect()));
        } else if ch.is_alphabetic() || ch == '_' {
            // Byte and raw strings: `b"…"`, `r"…"`, `r#"…"#`, `br#"…"#`.
            if ch == 'b' && at(i + 1) == '"' {
                let (content, next) = string(i + 1);
                toks.push(Tok::Str(content));
                i = next;
                continue;
            }
            let r = match (ch, at(i + 1)) {
                ('r', _) => Some(i + 1),
                ('b', 'r') => Some(i + 2),
                _ => None,
            };
            if let Some(mut j) = r {
                let mut hashes = 0;
                while at(j) == '#' {
                    hashes += 1;
                    j += 1;
                }
                if at(j) == '"' {
                    let start = j + 1;
                    let mut k = start;
                    while k < s.len() && !(s[k] == '"' && (1..=hashes).all(|h| at(k + h) == '#')) {
                        k += 1;
                    }
                    toks.push(Tok::Str(s[start..k.min(s.len())].iter().collect()));
                    i = k + 1 + hashes;
                    continue;
                }
            }
            let start = i;
            while i < s.len() && (s[i].is_alphanumeric() || s[i] == '_') {
                i += 1;
            }
            toks.push(Tok::Ident(s[start..i].iter().collect()));
        } else {
            toks.push(Tok::Punct(ch));
            i += 1;
        }
    }
    lines.resize(toks.len(), begin_line);
    (toks, lines)
}

fn is_ident(t: Option<&Tok>, name: &str) -> bool {
    matches!(t, Some(Tok::Ident(n)) if n == name)
}

fn is_punct(t: Option<&Tok>, c: char) -> bool {
    t == Some(&Tok::Punct(c))
}

/// The index of the bracket closing the one opened at `open`.
fn closing(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0i32;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    toks.len()
}

/// The arguments of the call whose `(` is at `open`, each as its tokens.
fn arguments(toks: &[Tok], open: usize) -> Vec<&[Tok]> {
    let close = closing(toks, open);
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut start = open + 1;
    for i in open + 1..close {
        match &toks[i] {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                args.push(&toks[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < close {
        args.push(&toks[start..close]);
    }
    args
}

fn text(toks: &[Tok]) -> String {
    toks.iter()
        .map(|t| match t {
            Tok::Str(s) => format!("{s:?}"),
            Tok::Num(s) | Tok::Ident(s) => s.clone(),
            Tok::Punct(c) => c.to_string(),
        })
        .collect()
}

/// Marks the tokens of every block opened by `[`/`{` right after `starts(toks, i)` holds.
fn mark(toks: &[Tok], starts: impl Fn(&[Tok], usize) -> Option<usize>) -> Vec<bool> {
    let mut marked = vec![false; toks.len()];
    for i in 0..toks.len() {
        if let Some(open) = starts(toks, i) {
            let close = closing(toks, open).min(toks.len() - 1);
            marked[i..=close].iter_mut().for_each(|m| *m = true);
        }
    }
    marked
}

/// One use of a code found in the source.
#[derive(Debug)]
struct Use {
    code: String,
    /// The status it is answered with, when the source names it beside the code.
    status: Option<u16>,
    place: String,
}

#[derive(Debug, Default)]
struct Scan {
    files: usize,
    /// Literals in a place that makes them an answer's `error.code`.
    answers: Vec<Use>,
    /// Literals in a place that makes them a field's code.
    fields: Vec<Use>,
    /// Non-literal codes given to `ApiError::new` and the like.
    passed_on: BTreeMap<String, String>,
    /// Every uppercase literal outside attributes, with where.
    literals: BTreeMap<String, String>,
    /// `(status, code, place)` named in an OpenAPI response description.
    documented: Vec<(u16, String, String)>,
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Reads every `.rs` file under `api/src` (wherever it has moved to) but this one.
fn scan() -> Scan {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    let sources: Vec<(String, Lexed)> = files
        .iter()
        // The list itself and these tests name every code: scanning them would prove nothing.
        .filter(|p| !p.to_string_lossy().contains("/src/codes/"))
        .map(|p| {
            let source = std::fs::read_to_string(p).expect("a readable source file");
            let name = p.strip_prefix(&root).unwrap_or(p).display().to_string();
            (name, lex(&source))
        })
        .collect();
    // `const NAME: &str = "CODE";`, for a code given by name.
    let mut consts = BTreeMap::new();
    for (_, (toks, _)) in &sources {
        for w in toks.windows(7) {
            if let [
                Tok::Ident(k),
                Tok::Ident(name),
                Tok::Punct(':'),
                Tok::Punct('&'),
                Tok::Ident(ty),
                Tok::Punct('='),
                Tok::Str(value),
            ] = w
                && k == "const"
                && ty == "str"
            {
                consts.insert(name.clone(), value.clone());
            }
        }
    }
    let mut found = Scan {
        files: sources.len(),
        ..Scan::default()
    };
    for (file, (toks, lines)) in &sources {
        let t = |i: usize| toks.get(i);
        let attribute = mark(toks, |toks, i| {
            let bang = usize::from(is_punct(toks.get(i + 1), '!'));
            (is_punct(toks.get(i), '#') && is_punct(toks.get(i + 1 + bang), '['))
                .then_some(i + 1 + bang)
        });
        let field_error = mark(toks, |toks, i| {
            (is_ident(toks.get(i), "FieldError") && is_punct(toks.get(i + 1), '{')).then_some(i + 1)
        });
        let place = |i: usize| format!("api/src/{file}:{}", lines[i]);
        for i in 0..toks.len() {
            if attribute[i] {
                // `(status = 409, description = "`CASE_CLOSED` …")`
                if let (Some(Tok::Num(n)), Some(Tok::Str(words))) = (t(i + 2), t(i + 6))
                    && is_ident(t(i), "status")
                    && is_punct(t(i + 1), '=')
                    && is_ident(t(i + 4), "description")
                {
                    for word in words.split('`').skip(1).step_by(2) {
                        if code_like(word) {
                            found.documented.push((
                                n.parse().expect("a status number"),
                                word.to_owned(),
                                place(i),
                            ));
                        }
                    }
                }
                continue;
            }
            if let Some(Tok::Str(s)) = t(i)
                && code_like(s)
                // Environment variables: a constant naming one, `env!("…")`, `var("…")`.
                && !s.starts_with("LIENTHONG_")
                && !environment_variable(toks, i)
            {
                found.literals.entry(s.clone()).or_insert_with(|| place(i));
                if field_error[i] {
                    found.fields.push(Use {
                        code: s.clone(),
                        status: None,
                        place: place(i),
                    });
                }
            }
            // `ApiError::new(status, "CODE", …)`, `Problem::new(…)`, `Self::new(StatusCode::…, …)`.
            if let Some(Tok::Ident(ty)) = t(i)
                && ["ApiError", "Problem", "Self"].contains(&ty.as_str())
                && is_punct(t(i + 1), ':')
                && is_punct(t(i + 2), ':')
                && is_ident(t(i + 3), "new")
                && is_punct(t(i + 4), '(')
            {
                let args = arguments(toks, i + 4);
                let status_arg = args.first().copied().unwrap_or_default();
                let is_status = status_arg.contains(&Tok::Ident("StatusCode".into()))
                    || status_arg == [Tok::Ident("status".into())];
                if args.len() >= 2 && is_status {
                    let status = match status_arg {
                        [
                            Tok::Ident(sc),
                            Tok::Punct(':'),
                            Tok::Punct(':'),
                            Tok::Ident(name),
                        ] if sc == "StatusCode" => Some(status_number(name)),
                        _ => None,
                    };
                    let code = match args[1] {
                        [Tok::Str(s)] => Some(s.clone()),
                        [Tok::Ident(name)] if consts.contains_key(name) => {
                            Some(consts[name].clone())
                        }
                        other => {
                            found.passed_on.insert(text(other), place(i));
                            None
                        }
                    };
                    if let Some(code) = code {
                        found.answers.push(Use {
                            code,
                            status,
                            place: place(i),
                        });
                    }
                }
            }
            // `ApiError { code: "CODE", … }` and `error.code = "CODE"`; a field's or a step's
            // code is a `String` (`"CODE".into()`).
            let literal_at = |j: usize| match (t(j), t(j + 1)) {
                (Some(Tok::Str(s)), next) if !is_punct(next, '.') => Some(s.clone()),
                _ => None,
            };
            let assigned = if is_ident(t(i), "code") && is_punct(t(i + 1), ':') && !field_error[i] {
                literal_at(i + 2)
            } else if is_punct(t(i), '.') && is_ident(t(i + 1), "code") && is_punct(t(i + 2), '=') {
                literal_at(i + 3)
            } else {
                None
            };
            // `refused("CODE", …)`, `unauthorized("CODE", …)`.
            let helped = match (t(i), t(i + 1), t(i + 2)) {
                (Some(Tok::Ident(h)), Some(Tok::Punct('(')), Some(Tok::Str(s)))
                    if HELPERS.contains(&h.as_str()) =>
                {
                    Some(s.clone())
                }
                _ => None,
            };
            for code in assigned.into_iter().chain(helped) {
                found.answers.push(Use {
                    code,
                    status: None,
                    place: place(i),
                });
            }
            // `field(pointer, "CODE", words)`: the field-error builders.
            if is_ident(t(i), "field")
                && is_punct(t(i + 1), '(')
                && let Some([Tok::Str(s)]) = arguments(toks, i + 1).get(1).copied()
            {
                found.fields.push(Use {
                    code: s.clone(),
                    status: None,
                    place: place(i),
                });
            }
        }
    }
    found
}

/// The literal at `i` names an environment variable: `env!("…")`, `std::env::var("…")`.
fn environment_variable(toks: &[Tok], i: usize) -> bool {
    let before = |back: usize| i.checked_sub(back).and_then(|j| toks.get(j));
    is_punct(before(1), '(')
        && (["env", "option_env"]
            .iter()
            .any(|m| is_punct(before(2), '!') && is_ident(before(3), m))
            || ["var", "var_os", "set_var", "remove_var"]
                .iter()
                .any(|f| is_ident(before(2), f)))
}

fn field(code: &str) -> Option<&'static FieldCode> {
    FIELD_CODES.iter().find(|f| f.code == code)
}

#[test]
fn the_lists_are_sorted_without_duplicates_or_blanks() {
    for pair in CODES.windows(2) {
        assert!(
            pair[0].code < pair[1].code,
            "CODES: `{}` must come after `{}` (sorted, once each)",
            pair[0].code,
            pair[1].code
        );
    }
    for pair in FIELD_CODES.windows(2) {
        assert!(
            pair[0].code < pair[1].code,
            "FIELD_CODES: `{}` must come after `{}` (sorted, once each)",
            pair[0].code,
            pair[1].code
        );
    }
    let texts = CODES
        .iter()
        .flat_map(|c| [c.code, c.meaning, c.vi])
        .chain(FIELD_CODES.iter().flat_map(|f| [f.code, f.meaning, f.vi]));
    for text in texts {
        assert!(
            !text.trim().is_empty() && !text.contains('|') && !text.contains('\n'),
            "{text:?}: every entry is one line of a Markdown table"
        );
    }
    for c in CODES {
        assert!(code_like(c.code), "{}: not a code", c.code);
        assert!(!c.status.is_empty(), "{}: which status?", c.code);
        assert!(
            c.status.windows(2).all(|w| w[0] < w[1])
                && c.status.iter().all(|s| (400..600).contains(s)),
            "{}: statuses are 4xx or 5xx, sorted",
            c.code
        );
    }
    assert!(FIELD_CODES.iter().all(|f| code_like(f.code)));
    assert_eq!(find("CASE_NOT_FOUND").map(|c| c.status), Some(&[404][..]));
    assert_eq!(find("NOT_A_CODE"), None);
}

#[test]
fn every_code_the_source_answers_with_is_listed() {
    let scan = scan();
    assert!(
        scan.files > 20 && scan.answers.len() > 50,
        "the scan of api/src found too little ({} files, {} codes): has the source moved?",
        scan.files,
        scan.answers.len()
    );
    let mut problems = Vec::new();
    for u in &scan.answers {
        match (find(&u.code), u.status) {
            (None, _) => problems.push(format!(
                "`{}` is answered but not in CODES: {}",
                u.code, u.place
            )),
            (Some(listed), Some(status)) if !listed.status.contains(&status) => {
                problems.push(format!(
                    "`{}` is answered with {status}, CODES says {:?}: {}",
                    u.code, listed.status, u.place
                ));
            }
            _ => {}
        }
    }
    for u in scan.fields.iter().filter(|u| field(&u.code).is_none()) {
        problems.push(format!(
            "field code `{}` is not in FIELD_CODES: {}",
            u.code, u.place
        ));
    }
    for (arg, place) in &scan.passed_on {
        if !PASSED_ON.contains(&arg.as_str()) {
            problems.push(format!(
                "`{arg}` is given as a code: say in PASSED_ON which test covers the codes \
                 it carries: {place}"
            ));
        }
    }
    // Anything that looks like a code elsewhere (a match arm, a fallback, a page's markup)
    // is one of the lists' or said not to be.
    for (literal, place) in &scan.literals {
        if find(literal).is_none()
            && field(literal).is_none()
            && !NOT_CODES.contains(&literal.as_str())
            // A step's own error, set by the engine (the console explains each).
            && !lienthong_definitions::case::answer::ENGINE_ERROR_CODES.contains(&literal.as_str())
            && !HTTP_METHODS.contains(&literal.as_str())
        {
            problems.push(format!(
                "`{literal}` looks like a code but is in neither CODES nor FIELD_CODES (nor \
                 NOT_CODES, if it is none): {place}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn nothing_listed_is_no_longer_answered() {
    let scan = scan();
    let refusals: Vec<&str> = lienthong_definitions::operator::RefusalCode::ALL
        .iter()
        .map(|code| code.as_str())
        .collect();
    let identity: Vec<&str> = identity_errors().iter().map(AuthError::code).collect();
    for c in CODES {
        assert!(
            scan.literals.contains_key(c.code)
                || refusals.contains(&c.code)
                || identity.contains(&c.code),
            "`{}` is in CODES but nothing in api/src answers it any more",
            c.code
        );
    }
    for f in FIELD_CODES {
        assert!(
            scan.literals.contains_key(f.code),
            "`{}` is in FIELD_CODES but nothing in api/src gives it any more",
            f.code
        );
    }
    for code in NOT_CODES {
        assert!(
            scan.literals.contains_key(*code),
            "`{code}` is in NOT_CODES but no longer in api/src"
        );
    }
}

#[test]
fn the_openapi_descriptions_name_listed_codes_with_their_status() {
    let scan = scan();
    assert!(
        !scan.documented.is_empty(),
        "no response descriptions found"
    );
    let mut problems = Vec::new();
    for (status, code, place) in &scan.documented {
        match find(code) {
            Some(listed) if !listed.status.contains(status) => problems.push(format!(
                "`{code}` is described under {status}, CODES says {:?}: {place}",
                listed.status
            )),
            None if field(code).is_none() => problems.push(format!(
                "`{code}` is described but is in neither CODES nor FIELD_CODES: {place}"
            )),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// One of each `AuthError` (it is `non_exhaustive`: add a new variant here).
fn identity_errors() -> Vec<AuthError> {
    vec![
        AuthError::Missing,
        AuthError::Invalid("bad signature"),
        AuthError::Expired,
        AuthError::IssuerUnavailable,
        AuthError::Config("no issuer".into()),
    ]
}

#[test]
fn identity_errors_are_listed_with_their_status() {
    for e in identity_errors() {
        let answer = crate::auth::auth_error(&e);
        let listed = find(answer.code)
            .unwrap_or_else(|| panic!("`{}` (identity) is not in CODES", answer.code));
        assert!(
            listed.status.contains(&answer.status.as_u16()),
            "`{}` is answered with {}, CODES says {:?}",
            answer.code,
            answer.status,
            listed.status
        );
    }
}

#[test]
fn refusals_are_listed_with_their_status() {
    for code in lienthong_definitions::operator::RefusalCode::ALL.map(|code| code.as_str()) {
        // As the case's validator fails an operator's action or a withdrawal.
        let failure = Failure {
            message: format!("{code}: refused"),
            ..Failure::default()
        };
        let answer = crate::ops::update_error(WorkflowUpdateError::Failed(Box::new(failure)));
        assert_eq!(answer.code, code, "a refusal keeps its code");
        let listed = find(code).unwrap_or_else(|| panic!("refusal `{code}` is not in CODES"));
        assert!(
            listed.status.contains(&answer.status.as_u16()),
            "refusal `{code}` is answered with {}, CODES says {:?}",
            answer.status,
            listed.status
        );
    }
}

/// The text between `<!-- {name}:begin -->` and `<!-- {name}:end -->`, as byte offsets.
fn section(text: &str, name: &str) -> (usize, usize) {
    let begin = format!("<!-- {name}:begin -->");
    let end = format!("<!-- {name}:end -->");
    let start = text
        .find(&begin)
        .unwrap_or_else(|| panic!("{DOC} has no `{begin}` line"))
        + begin.len();
    let stop = start
        + text[start..]
            .find(&end)
            .unwrap_or_else(|| panic!("{DOC} has no `{end}` line after `{begin}`"));
    (start, stop)
}

#[test]
fn the_docs_list_every_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(DOC);
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{DOC}: {e}"));
    let write = std::env::var(WRITE_DOCS_ENV).is_ok_and(|v| v == "1");
    for (name, generated) in [("codes", markdown()), ("field-codes", field_markdown())] {
        let (start, stop) = section(&text, name);
        let written = text[start..stop].trim();
        if write {
            text = format!(
                "{}\n{}\n{}",
                &text[..start],
                generated.trim(),
                &text[stop..]
            );
            continue;
        }
        let first = written
            .lines()
            .zip(generated.lines())
            .position(|(w, g)| w != g)
            .unwrap_or_else(|| written.lines().count().min(generated.lines().count()));
        assert!(
            written == generated.trim(),
            "the `{name}` table of {DOC} differs from codes/mod.rs (first at its line {}: written \
             {:?}, generated {:?}); run `{WRITE_DOCS_ENV}=1 cargo test -p lienthong-api --lib \
             codes` to rewrite it",
            first + 1,
            written.lines().nth(first),
            generated.lines().nth(first),
        );
    }
    if write {
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{DOC}: {e}"));
    }
    // Every code of the lists, in the docs.
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{DOC}: {e}"));
    for code in CODES
        .iter()
        .map(|c| c.code)
        .chain(FIELD_CODES.iter().map(|f| f.code))
    {
        assert!(
            text.contains(&format!("| `{code}` |")),
            "{DOC} lacks `{code}`"
        );
    }
}

#[test]
fn the_lexer_keeps_literals_and_drops_comments() {
    let (toks, lines) = lex(r##"// "NOT_THIS"
        /* "NOR_THIS" /* nested */ */
        let a = '"'; let b = b"BYTES"; let r = r#"RAW "quoted""#; fn f<'a>(x: &'a str) {}
        ApiError::new(StatusCode::CONFLICT, "CODE_ONE", format!("{}", "x\"y"));"##);
    let strings: Vec<&str> = toks
        .iter()
        .filter_map(|t| match t {
            Tok::Str(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        strings,
        ["BYTES", "RAW \"quoted\"", "CODE_ONE", "{}", "x\\\"y"]
    );
    let new = toks
        .iter()
        .position(|t| *t == Tok::Ident("new".into()))
        .expect("the call of `new`");
    let args = arguments(&toks, new + 1);
    assert_eq!(args.len(), 3);
    assert_eq!(args[1], [Tok::Str("CODE_ONE".into())]);
    assert_eq!(lines[new], 4, "the call is on the source's fourth line");
}
