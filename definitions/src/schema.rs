//! The little the validator needs to know about JSON Schemas: does it compile, which fields an
//! object lists, which it requires, and whether values from one schema fit another.

use std::collections::BTreeSet;

use serde_json::Value;

/// Why a schema does not compile: where in it (a path such as `properties.name.type`, empty for
/// the schema itself) and the validator's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SchemaError {
    pub at: String,
    pub message: String,
}

/// Compiles `schema`.
pub(crate) fn compile(schema: &Value) -> Result<jsonschema::Validator, SchemaError> {
    if !schema.is_object() {
        return Err(SchemaError {
            at: String::new(),
            message: "a JSON Schema must be an object such as `{ type: object }`".into(),
        });
    }
    jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| {
            let text = e.to_string();
            SchemaError {
                at: path_of(schema, e.instance_path().as_str()),
                message: text
                    .lines()
                    .next()
                    .unwrap_or("not a valid JSON Schema")
                    .to_owned(),
            }
        })
}

/// A JSON pointer into `value` in the dotted form diagnostics use (`required[0]`, `a.b`).
fn path_of(value: &Value, pointer: &str) -> String {
    let mut path = String::new();
    let mut current = Some(value);
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        match current {
            Some(Value::Array(items)) => {
                path.push_str(&format!("[{segment}]"));
                current = segment.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            other => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&segment);
                current = other.and_then(|v| v.get(&segment));
            }
        }
    }
    path
}

/// What a schema says about one field of the objects it describes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Field<'a> {
    /// Described by this schema.
    Known(&'a Value),
    /// The schema lists its fields and this is not one of them.
    Unknown,
    /// The schema does not list fields (or combines schemas), so anything may be there.
    Open,
}

/// The field `name` of objects matching `schema`.
pub(crate) fn field<'a>(schema: &'a Value, name: &str) -> Field<'a> {
    if let Some(found) = schema.get("properties").and_then(|p| p.get(name)) {
        return Field::Known(found);
    }
    let combined = ["$ref", "allOf", "anyOf", "oneOf", "patternProperties", "if"]
        .iter()
        .any(|k| schema.get(k).is_some());
    match schema.get("additionalProperties") {
        Some(extra @ Value::Object(_)) => Field::Known(extra),
        _ if combined => Field::Open,
        _ if schema.get("properties").is_some() => Field::Unknown,
        _ => Field::Open,
    }
}

/// Follows `fields` down from `schema`: the first unknown field's index, or the schema found.
pub(crate) fn path<'a>(schema: &'a Value, fields: &[String]) -> Result<Field<'a>, usize> {
    let mut current = schema;
    for (i, name) in fields.iter().enumerate() {
        match field(current, name) {
            Field::Known(next) => current = next,
            Field::Unknown => return Err(i),
            Field::Open => return Ok(Field::Open),
        }
    }
    Ok(Field::Known(current))
}

/// The fields objects matching `schema` must have.
pub(crate) fn required(schema: &Value) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// The JSON types a schema admits, or `None` for any.
fn types(schema: &Value) -> Option<BTreeSet<&'static str>> {
    let name = |v: &Value| -> Option<&'static str> {
        Some(match v {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_f64() => "number",
            Value::Number(_) => "integer",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        })
    };
    let known = |t: &str| -> Option<&'static str> {
        [
            "null", "boolean", "integer", "number", "string", "array", "object",
        ]
        .into_iter()
        .find(|k| *k == t)
    };
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values.iter().map(name).collect();
    }
    if let Some(value) = schema.get("const") {
        return name(value).map(|t| BTreeSet::from([t]));
    }
    match schema.get("type")? {
        Value::String(t) => known(t).map(|t| BTreeSet::from([t])),
        Value::Array(ts) => ts.iter().map(|t| t.as_str().and_then(known)).collect(),
        _ => None,
    }
}

/// Whether every value `source` admits can be what `target` admits, as far as types and enums
/// tell. Unsure answers are yes: the validator reports only what is certainly wrong.
pub(crate) fn fits(source: &Value, target: &Value) -> bool {
    let listed = source
        .get("enum")
        .and_then(Value::as_array)
        .cloned()
        .or_else(|| source.get("const").map(|c| vec![c.clone()]));
    if let Some(values) = listed {
        return match compile(target) {
            Ok(validator) => values.iter().all(|v| validator.is_valid(v)),
            Err(_) => true,
        };
    }
    let (Some(from), Some(to)) = (types(source), types(target)) else {
        return true;
    };
    from.iter()
        .all(|t| to.contains(t) || (*t == "integer" && to.contains("number")))
}

/// Whether `value` is valid for `schema`; a schema that does not compile accepts anything (it is
/// reported on its own).
pub(crate) fn admits(schema: &Value, value: &Value) -> bool {
    compile(schema).map_or(true, |validator| validator.is_valid(value))
}

/// A schema's type for messages: `string`, `integer or null`, `one of spouse, child`.
pub(crate) fn describe(schema: &Value) -> String {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let listed: Vec<String> = values
            .iter()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect();
        return format!("one of {}", listed.join(", "));
    }
    match types(schema) {
        Some(ts) => ts.into_iter().collect::<Vec<_>>().join(" or "),
        None => "any value".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_schema_error_says_where_in_the_schema() {
        let bad =
            json!({"type": "object", "properties": {"a": {"type": "strin"}}, "required": [1]});
        let Err(error) = compile(&bad) else {
            panic!("the schema is invalid")
        };
        assert!(
            ["properties.a.type", "required[0]"].contains(&error.at.as_str()),
            "{error:?}"
        );
        assert_eq!(compile(&json!(42)).err().map(|e| e.at), Some(String::new()));
    }

    #[test]
    fn fields_are_known_unknown_or_open() {
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert_eq!(
            field(&schema, "a"),
            Field::Known(&json!({"type": "string"}))
        );
        assert_eq!(field(&schema, "b"), Field::Unknown);
        assert_eq!(field(&json!({"type": "object"}), "b"), Field::Open);
        let nested = json!({"properties": {"x": {"properties": {"y": {"type": "integer"}}}}});
        assert_eq!(path(&nested, &["x".into(), "z".into()]), Err(1));
    }

    #[test]
    fn types_and_enums_fit_or_not() {
        let string = json!({"type": "string"});
        assert!(fits(
            &json!({"type": "string", "pattern": "^[0-9]+$"}),
            &string
        ));
        assert!(!fits(&json!({"type": "boolean"}), &string));
        assert!(fits(
            &json!({"type": "integer"}),
            &json!({"type": "number"})
        ));
        let relationship = json!({"enum": ["spouse", "child", "other"]});
        assert!(fits(&json!({"enum": ["spouse", "child"]}), &relationship));
        assert!(!fits(&json!({"enum": ["spouse", "cousin"]}), &relationship));
        assert!(fits(&json!({}), &string), "unsure is yes");
    }
}
