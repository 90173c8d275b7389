//! A request part that does not have the shape its handler reads (a body, a query string, a
//! path), said as a [`FieldError`]: which field, and what it expects; never the value sent.
//!
//! serde's messages quote what they were given (`invalid type: string "Nguyễn Văn A …",
//! expected usize`), so no part of a message is passed on as it is. [`describe`] takes a serde
//! error's path and message, keeps the category (the message's fixed prefix) and the
//! expectation (the text after the *last* `, expected `, which serde writes after the value and
//! derives from the type), and writes its own words. Map keys a caller chose appear in a field's
//! path only when they look like field names ([`segment`]).

use std::fmt::Write as _;

use crate::error::FieldError;

/// Where the field is: its words differ, its path is written the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Body,
    Query,
    Path,
}

impl Place {
    fn name(self, pointer: &str) -> String {
        let bare = pointer.trim_start_matches('/');
        match self {
            Self::Body if bare.is_empty() => "the body".to_owned(),
            Self::Body => format!("`{pointer}`"),
            Self::Query if bare.is_empty() => "the query string".to_owned(),
            Self::Query => format!("the query parameter `{bare}`"),
            Self::Path if bare.is_empty() => "the path".to_owned(),
            Self::Path => format!("the path parameter `{bare}`"),
        }
    }
}

/// `key` as it may appear in a field's path: a field name (`date_of_birth`), else `*`,
/// so a key that could be a person's name or number is never repeated.
pub(crate) fn segment(key: &str) -> &str {
    let mut bytes = key.bytes();
    let starts_well = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_');
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
    if starts_well && rest_ok && key.len() <= 64 {
        key
    } else {
        "*"
    }
}

/// A JSON pointer (`/documents/0/code`) from path segments.
pub(crate) fn pointer<'a>(segments: impl IntoIterator<Item = Segment<'a>>) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        match s {
            // `segment` lets no `/` or `~` through: nothing to escape.
            Segment::Key(key) => out.push_str(segment(key)),
            Segment::Index(i) => {
                let _ = write!(out, "{i}");
            }
        }
    }
    out
}

/// One step of a field's path.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Segment<'a> {
    Key(&'a str),
    Index(usize),
}

/// The segments of a `serde_path_to_error` path.
pub(crate) fn segments(path: &serde_path_to_error::Path) -> Vec<Segment<'_>> {
    use serde_path_to_error::Segment as S;
    path.iter()
        .filter_map(|s| match s {
            S::Seq { index } => Some(Segment::Index(*index)),
            S::Map { key } => Some(Segment::Key(key)),
            S::Enum { variant } => Some(Segment::Key(variant)),
            // A segment the tracker could not name: leave it out rather than guess.
            _ => None,
        })
        .collect()
}

/// The field error for a serde error at `path` (its segments) with `message` (its text).
pub(crate) fn describe(place: Place, path: &[Segment<'_>], message: &str) -> FieldError {
    let here = pointer(path.iter().copied());
    let message = strip_location(message);
    let field = |pointer: String, code: &str, words: String| FieldError {
        field: pointer,
        code: code.to_owned(),
        message: words,
    };
    if let Some(name) = quoted_name(message, "missing field `") {
        let at = format!("{here}/{}", segment(name));
        let words = format!("{} is required", place.name(&at));
        return field(at, "REQUIRED", words);
    }
    if let Some(name) = quoted_name(message, "duplicate field `") {
        let at = format!("{here}/{}", segment(name));
        let words = format!("{} is given more than once", place.name(&at));
        return field(at, "DUPLICATE_FIELD", words);
    }
    if message.starts_with("unknown field `") {
        // The path ends with the caller's own key: name the object that holds it instead.
        let parent = pointer(path.iter().take(path.len().saturating_sub(1)).copied());
        let allowed = expectation(message).map_or_else(
            || "none are allowed here".to_owned(),
            |e| format!("expected {}", e.trim_start_matches("one of ")),
        );
        let words = match place {
            Place::Body => format!(
                "{} has a field it does not take ({allowed})",
                place.name(&parent)
            ),
            Place::Query | Place::Path => {
                format!("a parameter is not one this route takes ({allowed})")
            }
        };
        return field(parent, "UNKNOWN_FIELD", words);
    }
    let name = place.name(&here);
    if message.starts_with("unknown variant `") {
        let allowed = expectation(message).map_or_else(|| "nothing".to_owned(), |e| e.to_owned());
        return field(here, "NOT_ALLOWED", format!("{name} must be {allowed}"));
    }
    if message.starts_with("invalid type: ") {
        let expected = expectation(message).map_or("a value of another type", plain);
        return field(here, "WRONG_TYPE", format!("{name} must be {expected}"));
    }
    if message.starts_with("invalid value: ") {
        let expected = expectation(message).map_or("another value", plain);
        return field(here, "INVALID_VALUE", format!("{name} must be {expected}"));
    }
    if message.starts_with("invalid length ") {
        let expected = expectation(message).map_or("another length", plain);
        return field(
            here,
            "WRONG_LENGTH",
            format!("{name} has the wrong number of items (expected {expected})"),
        );
    }
    // A type's own message (`FromStr` of a query value, a custom check): trusted only when it is
    // one of the standard library's, which never quote the value.
    match std_expectation(message) {
        Some(expected) => field(here, "WRONG_TYPE", format!("{name} must be {expected}")),
        None => field(here, "INVALID_VALUE", format!("{name} is not valid")),
    }
}

const WHOLE: &str = "a whole number";

/// What serde says was expected: the text after the last `, expected ` (serde writes the value
/// before it), when it is plain ASCII words; `None` when the message has none.
fn expectation(message: &str) -> Option<&str> {
    let (_, expected) = message.rsplit_once(", expected ")?;
    let plain = expected.len() <= 200
        && expected
            .bytes()
            .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
    Some(if plain {
        expected
    } else {
        "a value of another kind"
    })
}

/// A serde expectation in the API's words: a JSON reader does not know `usize`.
fn plain(expected: &str) -> &str {
    let first = expected.split_whitespace().next().unwrap_or_default();
    match (first, expected) {
        ("u8" | "u16" | "u32" | "u64" | "u128" | "usize", _) => "a whole number, 0 or more",
        ("i8" | "i16" | "i32" | "i64" | "i128" | "isize", _) => WHOLE,
        ("f32" | "f64", _) => "a number",
        ("struct", _) | (_, "a map") => "an object",
        ("tuple", _) | (_, "a sequence") => "an array",
        (_, "a boolean") => "`true` or `false`",
        (_, "a borrowed string") => "a string",
        ("enum" | "variant" | "internally" | "adjacently" | "untagged", _) => {
            "one of the allowed values"
        }
        (_, "unit") => "null",
        _ => expected,
    }
}

/// The standard library's parse errors, which name no value.
fn std_expectation(message: &str) -> Option<&'static str> {
    Some(match message {
        "invalid digit found in string"
        | "cannot parse integer from empty string"
        | "number too large to fit in target type"
        | "number too small to fit in target type"
        | "number would be zero for non-zero type" => WHOLE,
        "provided string was not `true` or `false`" => "`true` or `false`",
        "invalid float literal" => "a number",
        "too many characters in string" | "cannot parse char from empty string" => "one character",
        _ => return None,
    })
}

/// The name in `` `name` `` after `prefix`, for serde's messages about a field (the name comes
/// from the type, not the request).
fn quoted_name<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    message
        .strip_prefix(prefix)?
        .split_once('`')
        .map(|(name, _)| name)
}

/// serde_json's message without its ` at line L column C`.
fn strip_location(message: &str) -> &str {
    if let Some((text, location)) = message.rsplit_once(" at line ")
        && let Some((line, column)) = location.split_once(" column ")
        && !line.is_empty()
        && line.bytes().all(|b| b.is_ascii_digit())
        && !column.is_empty()
        && column.bytes().all(|b| b.is_ascii_digit())
    {
        return text;
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    const PERSON: &str = "Nguyễn Văn A 001190012345";

    fn body(path: &[Segment<'_>], message: &str) -> FieldError {
        describe(Place::Body, path, message)
    }

    #[test]
    fn each_category_names_the_field_and_what_it_expects() {
        let cap = [Segment::Key("cap")];
        let cases = [
            (
                body(
                    &cap,
                    &format!(
                        "invalid type: string \"{PERSON}\", expected usize at line 1 column 9"
                    ),
                ),
                (
                    "/cap",
                    "WRONG_TYPE",
                    "`/cap` must be a whole number, 0 or more",
                ),
            ),
            (
                body(
                    &[Segment::Key("force")],
                    "invalid type: string \"maybe\", expected a boolean",
                ),
                ("/force", "WRONG_TYPE", "`/force` must be `true` or `false`"),
            ),
            (
                body(
                    &[Segment::Key("documents")],
                    "invalid type: string \"x\", expected a sequence",
                ),
                ("/documents", "WRONG_TYPE", "`/documents` must be an array"),
            ),
            (
                body(&cap, "invalid value: integer `-1`, expected u32"),
                (
                    "/cap",
                    "INVALID_VALUE",
                    "`/cap` must be a whole number, 0 or more",
                ),
            ),
            (
                body(
                    &[Segment::Key("kind")],
                    &format!("unknown variant `{PERSON}`, expected `retry_now` or `cancel`"),
                ),
                (
                    "/kind",
                    "NOT_ALLOWED",
                    "`/kind` must be `retry_now` or `cancel`",
                ),
            ),
            (
                body(
                    &[Segment::Key("documents"), Segment::Index(0)],
                    "missing field `code`",
                ),
                (
                    "/documents/0/code",
                    "REQUIRED",
                    "`/documents/0/code` is required",
                ),
            ),
            (
                body(&[], "duplicate field `reason` at line 1 column 30"),
                (
                    "/reason",
                    "DUPLICATE_FIELD",
                    "`/reason` is given more than once",
                ),
            ),
            (
                body(
                    &[Segment::Key("filter"), Segment::Key(PERSON)],
                    &format!("unknown field `{PERSON}`, expected `overdue` or `code`"),
                ),
                (
                    "/filter",
                    "UNKNOWN_FIELD",
                    "`/filter` has a field it does not take (expected `overdue` or `code`)",
                ),
            ),
            (
                body(&[], "invalid type: sequence, expected struct BulkRequest"),
                ("", "WRONG_TYPE", "the body must be an object"),
            ),
            (
                describe(
                    Place::Query,
                    &[Segment::Key("page")],
                    "invalid digit found in string",
                ),
                (
                    "/page",
                    "WRONG_TYPE",
                    "the query parameter `page` must be a whole number",
                ),
            ),
            (
                describe(
                    Place::Query,
                    &[Segment::Key("overdue")],
                    "provided string was not `true` or `false`",
                ),
                (
                    "/overdue",
                    "WRONG_TYPE",
                    "the query parameter `overdue` must be `true` or `false`",
                ),
            ),
            (
                describe(
                    Place::Path,
                    &[Segment::Key("version")],
                    &format!("{PERSON} is not a version"),
                ),
                (
                    "/version",
                    "INVALID_VALUE",
                    "the path parameter `version` is not valid",
                ),
            ),
        ];
        for (got, (field, code, message)) in cases {
            assert_eq!(
                (got.field.as_str(), got.code.as_str(), got.message.as_str()),
                (field, code, message)
            );
        }
    }

    #[test]
    fn nothing_the_caller_sent_is_repeated() {
        // The value inside the quotes, a value that imitates serde's own words, a key that is
        // a name, an expectation no type would write: none of them comes back.
        let tricky = format!("{PERSON}\", expected {PERSON}");
        let messages = [
            format!("invalid type: string \"{tricky}\", expected a string"),
            format!("unknown variant `{PERSON}, expected {PERSON}`, there are no variants"),
            format!("unknown field `{PERSON}, expected {PERSON}`, there are no fields"),
            format!("invalid value: string \"{PERSON}\", expected {PERSON}"),
            format!("{PERSON} is not a date"),
        ];
        for message in &messages {
            for place in [Place::Body, Place::Query, Place::Path] {
                let error = describe(place, &[Segment::Key(PERSON), Segment::Index(3)], message);
                let text = format!("{} {} {}", error.field, error.code, error.message);
                assert!(!text.contains("001190012345"), "{text}");
                assert!(!text.contains("Nguy"), "{text}");
            }
        }
    }

    #[test]
    fn only_keys_that_look_like_field_names_appear_in_a_path() {
        assert_eq!(
            pointer([
                Segment::Key("application"),
                Segment::Key("date_of_birth"),
                Segment::Key("01-HK"),
                Segment::Index(2),
                Segment::Key(PERSON),
                Segment::Key("001190012345"),
                Segment::Key(""),
            ]),
            "/application/date_of_birth/*/2/*/*/*"
        );
        assert_eq!(segment("a/b"), "*");
        assert_eq!(segment(&"a".repeat(65)), "*");
    }
}
