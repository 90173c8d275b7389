//! Input mappings: how a step's request is built from the application and earlier outputs.
//!
//! A mapping is a JSON-shaped template. A string starting with `$` is a reference:
//! `$application.child.full_name` reads the application, `$steps.birth.personal_id` reads a kept
//! output of an earlier step. `$$` starts a literal string that begins with `$`. Everything else is
//! copied as written. Only what a mapping names is sent, which is how data minimisation is kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::StepId;

/// A parsed mapping template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum Mapping {
    Object(BTreeMap<String, Mapping>),
    List(Vec<Mapping>),
    Ref(Reference),
    Literal(Value),
}

/// Where a reference reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Application,
    Step(StepId),
}

/// `$source.field.field...`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub source: Source,
    pub fields: Vec<String>,
}

impl Reference {
    /// Reads `application.a.b` or `steps.x.f` (without the leading `$`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut parts = text.split('.');
        let fields_of = |parts: std::str::Split<'_, char>| -> Result<Vec<String>, String> {
            let fields: Vec<String> = parts.map(str::to_owned).collect();
            if fields.is_empty() || fields.iter().any(|f| !is_name(f)) {
                return Err(format!(
                    "`${text}` must name a field after its source, with letters, digits and `_`"
                ));
            }
            Ok(fields)
        };
        match parts.next() {
            Some("application") => Ok(Self {
                source: Source::Application,
                fields: fields_of(parts)?,
            }),
            Some("steps") => {
                let step = parts.next().filter(|s| is_name(s)).ok_or_else(|| {
                    format!("`${text}` must name a step: `$steps.<step>.<field>`")
                })?;
                Ok(Self {
                    source: Source::Step(StepId(step.to_owned())),
                    fields: fields_of(parts)?,
                })
            }
            _ => Err(format!(
                "`${text}` must start with `$application.` or `$steps.`; write `$$` for a literal `$`"
            )),
        }
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Source::Application => write!(f, "$application")?,
            Source::Step(step) => write!(f, "$steps.{step}")?,
        }
        for field in &self.fields {
            write!(f, ".{field}")?;
        }
        Ok(())
    }
}

impl TryFrom<Value> for Mapping {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        Ok(match value {
            Value::String(s) if s.starts_with("$$") => {
                Mapping::Literal(Value::String(s[1..].to_owned()))
            }
            Value::String(s) if s.starts_with('$') => Mapping::Ref(Reference::parse(&s[1..])?),
            Value::Object(map) => Mapping::Object(
                map.into_iter()
                    .map(|(k, v)| Ok((k, Mapping::try_from(v)?)))
                    .collect::<Result<_, String>>()?,
            ),
            Value::Array(items) => Mapping::List(
                items
                    .into_iter()
                    .map(Mapping::try_from)
                    .collect::<Result<_, _>>()?,
            ),
            other => Mapping::Literal(other),
        })
    }
}

impl From<Mapping> for Value {
    fn from(mapping: Mapping) -> Value {
        match mapping {
            Mapping::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, v.into())).collect())
            }
            Mapping::List(items) => Value::Array(items.into_iter().map(Into::into).collect()),
            Mapping::Ref(reference) => Value::String(reference.to_string()),
            Mapping::Literal(Value::String(s)) if s.starts_with('$') => {
                Value::String(format!("${s}"))
            }
            Mapping::Literal(value) => value,
        }
    }
}

impl Mapping {
    /// Every reference in the template, with the dotted path where it stands.
    pub fn references(&self) -> Vec<(String, &Reference)> {
        let mut out = Vec::new();
        self.collect("", &mut out);
        out
    }

    fn collect<'a>(&'a self, at: &str, out: &mut Vec<(String, &'a Reference)>) {
        match self {
            Mapping::Object(map) => {
                for (key, value) in map {
                    let path = if at.is_empty() {
                        key.clone()
                    } else {
                        format!("{at}.{key}")
                    };
                    value.collect(&path, out);
                }
            }
            Mapping::List(items) => {
                for (i, value) in items.iter().enumerate() {
                    value.collect(&format!("{at}[{i}]"), out);
                }
            }
            Mapping::Ref(reference) => out.push((at.to_owned(), reference)),
            Mapping::Literal(_) => {}
        }
    }

    /// Builds the value. A reference to something absent (an optional application field left
    /// out) drops that key from its object rather than sending `null`, so agencies see exactly
    /// what the citizen gave.
    pub fn evaluate(&self, application: &Value, outputs: &BTreeMap<StepId, Value>) -> Value {
        self.evaluate_opt(application, outputs)
            .unwrap_or(Value::Null)
    }

    fn evaluate_opt(
        &self,
        application: &Value,
        outputs: &BTreeMap<StepId, Value>,
    ) -> Option<Value> {
        match self {
            Mapping::Object(map) => Some(Value::Object(
                map.iter()
                    .filter_map(|(k, v)| {
                        v.evaluate_opt(application, outputs).map(|v| (k.clone(), v))
                    })
                    .collect(),
            )),
            Mapping::List(items) => Some(Value::Array(
                items
                    .iter()
                    .filter_map(|v| v.evaluate_opt(application, outputs))
                    .collect(),
            )),
            Mapping::Literal(value) => Some(value.clone()),
            Mapping::Ref(reference) => {
                let root = match &reference.source {
                    Source::Application => application,
                    Source::Step(step) => outputs.get(step)?,
                };
                reference
                    .fields
                    .iter()
                    .try_fold(root, |v, f| v.get(f))
                    .filter(|v| !v.is_null())
                    .cloned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn builds_only_the_named_fields_from_application_and_outputs() {
        let mapping = Mapping::try_from(json!({
            "name": "$application.child.full_name",
            "id": "$steps.birth.personal_id",
            "note": "$$5 fee",
            "kind": "child",
            "father": "$application.father.personal_id",
        }))
        .expect("valid mapping");
        let application = json!({"child": {"full_name": "An", "secret": "x"}});
        let outputs = BTreeMap::from([(
            StepId("birth".into()),
            json!({"personal_id": "001226000001"}),
        )]);
        assert_eq!(
            mapping.evaluate(&application, &outputs),
            json!({"name": "An", "id": "001226000001", "note": "$5 fee", "kind": "child"})
        );
    }

    #[test]
    fn round_trips_through_json() {
        let source = json!({"a": "$application.x", "b": ["$$lit", 3], "c": "$steps.s.f"});
        let mapping = Mapping::try_from(source.clone()).expect("valid");
        assert_eq!(Value::from(mapping), source);
    }

    #[test]
    fn refuses_malformed_references() {
        for bad in [
            "$",
            "$application",
            "$application.",
            "$steps.birth",
            "$nowhere.x",
            "$steps..x",
        ] {
            assert!(
                Mapping::try_from(json!(bad)).is_err(),
                "{bad} should be refused"
            );
        }
    }
}
