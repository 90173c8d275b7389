//! The optional `contact:` section: each pointer must name a text field the application schema
//! describes, so a case never reads an address from somewhere the application cannot have one.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::contact::Contact;
use crate::names::did_you_mean;
use crate::{DiagnosticCode as Code, diagnostic::Problems, schema};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawContact {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    phone: Option<String>,
}

/// Checks `raw` against the application `schema` and builds the section.
pub(super) fn build(raw: Option<RawContact>, schema: &Value, problems: &mut Problems) -> Contact {
    let Some(raw) = raw else {
        return Contact::default();
    };
    for (key, pointer) in [("email", &raw.email), ("phone", &raw.phone)] {
        if let Some(pointer) = pointer {
            check(pointer, schema, &format!("contact.{key}"), problems);
        }
    }
    Contact {
        email: raw.email,
        phone: raw.phone,
    }
}

fn check(pointer: &str, schema: &Value, at: &str, problems: &mut Problems) {
    let Some(rest) = pointer.strip_prefix('/').filter(|r| !r.is_empty()) else {
        problems.push(
            Code::BadValue,
            at,
            "write where the application gives it as a JSON pointer such as /applicant/email",
        );
        return;
    };
    let names: Vec<String> = rest
        .split('/')
        .map(|f| f.replace("~1", "/").replace("~0", "~"))
        .collect();
    let unknown = match schema::path(schema, &names) {
        Ok(schema::Field::Known(found)) => {
            if !schema::fits(found, &json!({"type": "string"})) || found.get("properties").is_some()
            {
                problems.push(
                    Code::WrongType,
                    at,
                    format!(
                        "an address is text, and `{pointer}` takes {}",
                        schema::describe(found)
                    ),
                );
            }
            return;
        }
        // The schema does not describe what is there, so nothing says it is text.
        Ok(_) => names.len() - 1,
        Err(unknown) => unknown,
    };
    let siblings: Vec<String> = match schema::path(schema, &names[..unknown]) {
        Ok(schema::Field::Known(parent)) => parent
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    problems
        .add(
            Code::UnknownApplicationField,
            at,
            format!(
                "`{pointer}` names `{}`, which the application schema does not describe there",
                names[unknown]
            ),
        )
        .help(did_you_mean(
            &names[unknown],
            siblings.iter().map(String::as_str),
        ));
}
