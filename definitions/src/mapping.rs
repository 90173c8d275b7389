//! Input mappings: how a step's request is built from the application and earlier outputs.
//!
//! A mapping is a JSON-shaped template. A string starting with `$` is a reference:
//! `$application.child.full_name` reads the application, `$steps.birth.personal_id` reads a kept
//! output of an earlier step. A string written `${ <CEL> }` is an expression computed from the
//! same two sources (see [`crate::expression`]). `$$` starts a literal string that begins with `$`.
//! Everything else is copied as written. Only what a mapping names is sent, which is how data
//! minimisation is kept.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    StepId,
    expression::{EvaluationError, Expression, Read, Scope},
    names::join,
};

/// A parsed mapping template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub enum Mapping {
    Object(BTreeMap<String, Mapping>),
    List(Vec<Mapping>),
    Ref(Reference),
    /// `${ <CEL> }`
    Expr(Expression),
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

/// A malformed leaf of a mapping template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MappingProblem {
    /// Where under the mapping, e.g. `child.full_name`; empty for the mapping itself.
    pub path: String,
    pub expression: bool,
    pub message: String,
}

impl TryFrom<Value> for Mapping {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        let (mapping, problems) = Mapping::read(value);
        match problems.into_iter().next() {
            None => Ok(mapping),
            Some(problem) => Err(problem.message),
        }
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
            Mapping::Expr(expression) => Value::String(format!("${{ {expression} }}")),
            Mapping::Literal(Value::String(s)) if s.starts_with('$') => {
                Value::String(format!("${s}"))
            }
            Mapping::Literal(value) => value,
        }
    }
}

impl Mapping {
    /// Reads a template leaf by leaf: a malformed reference or expression is reported with its
    /// path and stands as `null`, so one mistake does not hide the others.
    pub(crate) fn read(value: Value) -> (Mapping, Vec<MappingProblem>) {
        let mut problems = Vec::new();
        let mapping = Self::read_at(value, "", &mut problems);
        (mapping, problems)
    }

    fn read_at(value: Value, at: &str, problems: &mut Vec<MappingProblem>) -> Mapping {
        let mut bad = |expression: bool, message: String| {
            problems.push(MappingProblem {
                path: at.to_owned(),
                expression,
                message,
            });
            Mapping::Literal(Value::Null)
        };
        match value {
            Value::String(s) if s.starts_with("$$") => {
                Mapping::Literal(Value::String(s[1..].to_owned()))
            }
            Value::String(s) if s.starts_with("${") => match s.strip_suffix('}') {
                Some(inner) => match Expression::new(&inner[2..]) {
                    Ok(expression) => Mapping::Expr(expression),
                    Err(invalid) => bad(true, invalid.to_string()),
                },
                None => bad(
                    true,
                    format!("`{s}`: an expression is the whole value, written `${{ <CEL> }}`"),
                ),
            },
            Value::String(s) if s.starts_with('$') => match Reference::parse(&s[1..]) {
                Ok(reference) => Mapping::Ref(reference),
                Err(message) => bad(false, message),
            },
            Value::Object(map) => Mapping::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let path = join(at, &k);
                        (k, Self::read_at(v, &path, problems))
                    })
                    .collect(),
            ),
            Value::Array(items) => Mapping::List(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| Self::read_at(v, &format!("{at}[{i}]"), problems))
                    .collect(),
            ),
            other => Mapping::Literal(other),
        }
    }

    /// Every reference in the template, with the dotted path where it stands.
    pub fn references(&self) -> Vec<(String, &Reference)> {
        let mut out = Vec::new();
        self.visit("", &mut |path, leaf| {
            if let Mapping::Ref(reference) = leaf {
                out.push((path.to_owned(), reference));
            }
        });
        out
    }

    /// Everything the template reads, through references and expressions, with its path.
    pub(crate) fn reads(&self) -> Vec<(String, Read)> {
        let mut out = Vec::new();
        self.visit("", &mut |path, leaf| match leaf {
            Mapping::Ref(reference) => out.push((path.to_owned(), reference.read())),
            Mapping::Expr(expression) => {
                for read in expression.reads().unwrap_or_default() {
                    out.push((path.to_owned(), read));
                }
            }
            _ => {}
        });
        out
    }

    /// Calls `f` on every leaf (reference, expression or literal) with its path.
    pub(crate) fn visit<'a>(&'a self, at: &str, f: &mut impl FnMut(&str, &'a Mapping)) {
        match self {
            Mapping::Object(map) => {
                for (key, value) in map {
                    value.visit(&join(at, key), f);
                }
            }
            Mapping::List(items) => {
                for (i, value) in items.iter().enumerate() {
                    value.visit(&format!("{at}[{i}]"), f);
                }
            }
            leaf => f(at, leaf),
        }
    }

    /// Builds the value. A reference or expression that finds nothing (an optional application
    /// field left out) drops its key from the object rather than sending `null`, so agencies see
    /// exactly what the citizen gave.
    pub fn evaluate(&self, scope: &Scope<'_>) -> Result<Value, EvaluationError> {
        Ok(self.evaluate_opt(scope)?.unwrap_or(Value::Null))
    }

    fn evaluate_opt(&self, scope: &Scope<'_>) -> Result<Option<Value>, EvaluationError> {
        Ok(match self {
            Mapping::Object(map) => {
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    if let Some(v) = v.evaluate_opt(scope)? {
                        out.insert(k.clone(), v);
                    }
                }
                Some(Value::Object(out))
            }
            Mapping::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.extend(item.evaluate_opt(scope)?);
                }
                Some(Value::Array(out))
            }
            Mapping::Literal(value) => Some(value.clone()),
            Mapping::Expr(expression) => expression.evaluate(scope)?.filter(|v| !v.is_null()),
            Mapping::Ref(reference) => {
                let root = match &reference.source {
                    Source::Application => Some(scope.application),
                    Source::Step(step) => scope.steps.get(step),
                };
                root.and_then(|root| reference.fields.iter().try_fold(root, |v, f| v.get(f)))
                    .filter(|v| !v.is_null())
                    .cloned()
            }
        })
    }
}

impl Reference {
    pub(crate) fn read(&self) -> Read {
        match &self.source {
            Source::Application => Read::Application(self.fields.clone()),
            Source::Step(step) => Read::Step {
                step: step.0.clone(),
                field: self.fields.first().cloned(),
            },
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
        let scope = Scope {
            application: &application,
            steps: &outputs,
        };
        assert_eq!(
            mapping.evaluate(&scope),
            Ok(json!({"name": "An", "id": "001226000001", "note": "$5 fee", "kind": "child"}))
        );
    }

    #[test]
    fn round_trips_through_json() {
        let source = json!({"a": "$application.x", "b": ["$$lit", 3], "c": "$steps.s.f", "d": "${ application.x + 1 }"});
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
            "${ 1 + }",
            "${ application.x } and more",
        ] {
            assert!(
                Mapping::try_from(json!(bad)).is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn expressions_compute_values_and_drop_what_is_absent() {
        let mapping = Mapping::try_from(json!({
            "funeral": "${ application.requested.funeral && steps.death.status != 'none' }",
            "label": "${ 'case ' + application.code }",
            "absent": "${ application.optional.field }",
        }))
        .expect("valid mapping");
        let application = json!({"requested": {"funeral": true}, "code": "KT-1"});
        let outputs = BTreeMap::from([(StepId("death".into()), json!({"status": "insured"}))]);
        let scope = Scope {
            application: &application,
            steps: &outputs,
        };
        assert_eq!(
            mapping.evaluate(&scope),
            Ok(json!({"funeral": true, "label": "case KT-1"}))
        );
        let reads: Vec<String> = mapping
            .reads()
            .iter()
            .map(|(p, r)| format!("{p}:{r}"))
            .collect();
        assert_eq!(
            reads,
            vec![
                "absent:application.optional.field",
                "funeral:application.requested.funeral",
                "funeral:steps.death.status",
                "label:application.code",
            ]
        );
    }

    #[test]
    fn every_malformed_leaf_is_reported_at_its_path() {
        let (_, problems) = Mapping::read(json!({"a": {"b": "$nowhere"}, "c": ["ok", "${ ) }"]}));
        let paths: Vec<(&str, bool)> = problems
            .iter()
            .map(|p| (p.path.as_str(), p.expression))
            .collect();
        assert_eq!(paths, vec![("a.b", false), ("c[1]", true)]);
    }
}
