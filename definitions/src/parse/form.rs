//! The optional `form:` section: read, and checked against the application schema and the steps'
//! outputs, so a page never shows a label for a field the application does not have.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

use crate::form::{Form, FormField, FormSection, Prefill};
use crate::names::did_you_mean;
use crate::{DiagnosticCode as Code, Step, Titles, diagnostic::Problems, schema};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawForm {
    #[serde(default)]
    sections: Vec<RawSection>,
    #[serde(default)]
    results: BTreeMap<String, Titles>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSection {
    title: Titles,
    #[serde(default)]
    help: Option<Titles>,
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    field: String,
    label: Titles,
    #[serde(default)]
    help: Option<Titles>,
    #[serde(default)]
    prefill: Option<Prefill>,
    #[serde(default)]
    options: BTreeMap<String, Titles>,
}

/// Checks `raw` against the application `schema` and `steps`, and builds the form.
pub(super) fn build(
    raw: Option<RawForm>,
    schema: &Value,
    steps: &[Step],
    problems: &mut Problems,
) -> Form {
    let Some(raw) = raw else {
        return Form::default();
    };
    let mut first_at: BTreeMap<String, String> = BTreeMap::new();
    let mut sections = Vec::with_capacity(raw.sections.len());
    for (i, section) in raw.sections.into_iter().enumerate() {
        let mut fields = Vec::with_capacity(section.fields.len());
        for (j, field) in section.fields.into_iter().enumerate() {
            let at = format!("form.sections[{i}].fields[{j}]");
            check_field(&field, schema, &at, problems);
            match first_at.get(&field.field) {
                Some(first) => {
                    problems
                        .add(
                            Code::BadValue,
                            format!("{at}.field"),
                            format!("`{}` is already in the form", field.field),
                        )
                        .related(first.clone(), "listed here first");
                }
                None => {
                    first_at.insert(field.field.clone(), format!("{at}.field"));
                }
            }
            fields.push(FormField {
                field: field.field,
                label: field.label,
                help: field.help,
                prefill: field.prefill,
                options: field.options,
            });
        }
        sections.push(FormSection {
            title: section.title,
            help: section.help,
            fields,
        });
    }
    for key in raw.results.keys() {
        check_result(key, steps, &format!("form.results.{key}"), problems);
    }
    Form {
        sections,
        results: raw.results,
    }
}

fn check_field(field: &RawField, schema: &Value, at: &str, problems: &mut Problems) {
    let Some(rest) = field.field.strip_prefix('/') else {
        problems.push(
            Code::BadValue,
            format!("{at}.field"),
            "write the field as a JSON pointer such as /child/date_of_birth",
        );
        return;
    };
    let names: Vec<String> = rest
        .split('/')
        .map(|f| f.replace("~1", "/").replace("~0", "~"))
        .collect();
    let found = match schema::path(schema, &names) {
        Ok(schema::Field::Known(found)) => found,
        // The schema leaves this part open: nothing to check the field against.
        Ok(_) => return,
        Err(unknown) => {
            let siblings = match schema::path(schema, &names[..unknown]) {
                Ok(schema::Field::Known(parent)) => property_names(parent),
                _ => Vec::new(),
            };
            problems
                .add(
                    Code::UnknownFormField,
                    format!("{at}.field"),
                    format!(
                        "the form shows `{}`, but the application schema has no `{}` there; it has: {}",
                        field.field,
                        names[unknown],
                        siblings.join(", ")
                    ),
                )
                .help(did_you_mean(
                    &names[unknown],
                    siblings.iter().map(String::as_str),
                ));
            return;
        }
    };
    if found.get("properties").is_some() || found.get("type") == Some(&Value::from("object")) {
        problems.push(
            Code::UnknownFormField,
            format!("{at}.field"),
            format!(
                "`{}` is a group of fields, not one value: list the fields inside it",
                field.field
            ),
        );
        return;
    }
    if field.prefill == Some(Prefill::PersonalId)
        && !schema::fits(&serde_json::json!({"type": "string"}), found)
    {
        problems.push(
            Code::WrongType,
            format!("{at}.prefill"),
            format!(
                "a personal ID number is text, and `{}` takes {}",
                field.field,
                schema::describe(found)
            ),
        );
    }
    if field.options.is_empty() {
        return;
    }
    let allowed: Vec<String> = found
        .get("enum")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    for value in field.options.keys() {
        if !allowed.contains(value) {
            problems
                .add(
                    Code::UnknownFormField,
                    format!("{at}.options.{value}"),
                    if allowed.is_empty() {
                        format!(
                            "`{}` has no list of values (`enum`) to give words for",
                            field.field
                        )
                    } else {
                        format!(
                            "`{value}` is not a value `{}` may take; it takes: {}",
                            field.field,
                            allowed.join(", ")
                        )
                    },
                )
                .help(did_you_mean(value, allowed.iter().map(String::as_str)));
        }
    }
}

fn property_names(schema: &Value) -> Vec<String> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// A result is named `step.field`, a field the step keeps from its agency's answer.
fn check_result(key: &str, steps: &[Step], at: &str, problems: &mut Problems) {
    let Some((step_id, field)) = key.split_once('.') else {
        problems.push(
            Code::BadValue,
            at,
            "name a result as `step.field`, such as `birth.birth_certificate_number`",
        );
        return;
    };
    let Some(step) = steps.iter().find(|s| s.id.0 == step_id) else {
        problems
            .add(
                Code::UnknownFormField,
                at,
                format!("the form gives words for a result of step `{step_id}`, which is not a step of this procedure"),
            )
            .help(did_you_mean(step_id, steps.iter().map(|s| s.id.0.as_str())));
        return;
    };
    if !step.may_keep(field) {
        let kept: BTreeSet<&str> = step
            .routes
            .iter()
            .flat_map(|r| r.output.iter().map(String::as_str))
            .collect();
        problems
            .add(
                Code::UnknownFormField,
                at,
                format!(
                    "step `{step_id}` keeps no output `{field}`; it keeps: {}",
                    kept.iter().copied().collect::<Vec<_>>().join(", ")
                ),
            )
            .help(did_you_mean(field, kept.iter().copied()));
    }
}
