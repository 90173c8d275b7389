//! The application form, made from the procedure's application schema and its definition's
//! `form:` section: one input per value the schema describes (a list for an `enum`, a date box
//! that also takes `20/11/2026`, a tick box for a boolean), in the form's sections and order with
//! its labels and help; the values the schema describes that the form does not list come after,
//! labelled with their keys, so every procedure can be filed. And the way back: the posted inputs
//! as the application JSON, and each problem the API finds next to the input it is about.
//!
//! Everything here is a pure function of the definition, the posted values and the problems.

use std::collections::BTreeMap;

use lienthong_definitions::{Definition, form::Prefill};
use serde_json::{Map, Value};

use super::layout::Chrome;
use crate::error::FieldError;

/// What kind of input a value gets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// Free text; `numeric` asks phones for their number pad (a pattern of digits only).
    Text {
        numeric: bool,
    },
    /// A day, typed `20/11/2026` or `2026-11-20`.
    Date,
    /// One of the schema's `enum` values, each with its words.
    Choice(Vec<Choice>),
    /// A tick box: ticked is `true`.
    Boolean,
    Number {
        integer: bool,
    },
    /// A list of texts, one per line.
    Lines,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Choice {
    pub value: Value,
    /// How the value is posted: the text itself, or the JSON of another value.
    pub posted: String,
    pub words: String,
}

/// One input of the form.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Input {
    /// The application's JSON pointer of the value, which is also the input's name.
    pub pointer: String,
    pub label: String,
    pub help: Option<String>,
    pub kind: Kind,
    /// Must be filled in: it and every object around it are required.
    pub required: bool,
    /// As typed, prefilled or posted.
    pub value: String,
    /// The problem with this value, in the citizen's language.
    pub error: Option<String>,
}

impl Input {
    /// The HTML id of the input: its pointer in characters an id and a CSS selector take.
    pub(crate) fn id(&self) -> String {
        let mut id = String::from("f");
        for c in self.pointer.chars() {
            id.push(match c {
                '/' => '-',
                c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => c,
                _ => '_',
            });
        }
        id
    }

    /// The value as the review page shows it: a choice's words, yes or no, a day as written.
    pub(crate) fn shown(&self, chrome: &Chrome) -> String {
        match &self.kind {
            Kind::Choice(choices) => choices
                .iter()
                .find(|c| c.posted == self.value)
                .map_or_else(|| self.value.clone(), |c| c.words.clone()),
            Kind::Boolean => chrome.t(if self.value == "true" {
                "page-yes"
            } else {
                "page-no"
            }),
            Kind::Date => super::layout::day(self.value.trim()),
            _ => self.value.trim().to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Section {
    pub title: String,
    pub help: Option<String>,
    pub inputs: Vec<Input>,
}

/// The form of one procedure with its values and problems.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApplicationForm {
    pub sections: Vec<Section>,
    /// Problems no input shows (a rule about the whole application).
    pub general: Vec<String>,
}

/// The values of the inputs, by pointer.
pub(crate) type Values = BTreeMap<String, String>;

/// A value the schema describes, with what the form needs to know about where it sits.
#[derive(Debug, Clone)]
struct Leaf<'s> {
    pointer: String,
    schema: &'s Value,
    /// It and every object around it are required.
    required: bool,
    /// The outermost optional object around it (`/father`): left out whole when left empty.
    group: Option<String>,
}

/// An object the schema describes (that holds leaves).
#[derive(Debug, Clone)]
struct Object {
    pointer: String,
    required: bool,
    group: Option<String>,
}

#[derive(Debug, Default)]
struct Shape<'s> {
    leaves: Vec<Leaf<'s>>,
    objects: Vec<Object>,
}

fn is_object(schema: &Value) -> bool {
    schema.get("properties").is_some()
        || schema.get("type").and_then(Value::as_str) == Some("object")
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn unescape(part: &str) -> String {
    part.replace("~1", "/").replace("~0", "~")
}

/// The properties of an object schema in the order a form lists them: the required ones as
/// `required` lists them (written in the order that makes sense), then the rest by name.
fn ordered(schema: &Value) -> Vec<(&String, &Value, bool)> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut out: Vec<(&String, &Value, bool)> = Vec::with_capacity(properties.len());
    for name in &required {
        if let Some((key, value)) = properties.get_key_value(*name) {
            out.push((key, value, true));
        }
    }
    for (key, value) in properties {
        if !required.contains(&key.as_str()) {
            out.push((key, value, false));
        }
    }
    out
}

fn walk<'s>(
    schema: &'s Value,
    pointer: &str,
    required: bool,
    group: Option<&str>,
    shape: &mut Shape<'s>,
) {
    for (key, child, child_required) in ordered(schema) {
        let at = format!("{pointer}/{}", escape(key));
        let required = required && child_required;
        if is_object(child) {
            // An object that lists no fields cannot be asked for field by field.
            if child.get("properties").is_none() {
                continue;
            }
            let group = group
                .map(str::to_owned)
                .or_else(|| (!child_required).then(|| at.clone()));
            shape.objects.push(Object {
                pointer: at.clone(),
                required,
                group: group.clone(),
            });
            walk(child, &at, required, group.as_deref(), shape);
        } else {
            shape.leaves.push(Leaf {
                pointer: at,
                schema: child,
                required,
                group: group.map(str::to_owned),
            });
        }
    }
}

fn shape(schema: &Value) -> Shape<'_> {
    let mut shape = Shape::default();
    walk(schema, "", true, None, &mut shape);
    shape
}

/// `full_name` as `Full name`: the label of a value the form does not name.
fn from_key(pointer: &str) -> String {
    let key = unescape(pointer.rsplit('/').next().unwrap_or(pointer)).replace('_', " ");
    let mut chars = key.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn kind(schema: &Value, words: impl Fn(&str) -> Option<String>) -> Kind {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Kind::Choice(
            values
                .iter()
                .map(|value| {
                    let posted = value
                        .as_str()
                        .map_or_else(|| value.to_string(), str::to_owned);
                    Choice {
                        value: value.clone(),
                        words: words(&posted).unwrap_or_else(|| posted.clone()),
                        posted,
                    }
                })
                .collect(),
        );
    }
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"boolean") {
        Kind::Boolean
    } else if types.contains(&"integer") {
        Kind::Number { integer: true }
    } else if types.contains(&"number") {
        Kind::Number { integer: false }
    } else if types.contains(&"array") {
        Kind::Lines
    } else if schema.get("format").and_then(Value::as_str) == Some("date") {
        Kind::Date
    } else {
        let pattern = schema
            .get("pattern")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // `^[0-9]{12}$`, `^0[0-9]{9}$`: digits only.
        let numeric = !pattern.is_empty()
            && pattern
                .trim_start_matches('^')
                .trim_end_matches('$')
                .chars()
                .all(|c| c.is_ascii_digit() || "[]{}-,".contains(c));
        Kind::Text { numeric }
    }
}

impl ApplicationForm {
    /// The form of `definition` for `chrome`'s language, with `values` in its inputs and each of
    /// `problems` (the API's, under `/application/…`) next to the input it is about.
    pub(crate) fn new(
        definition: &Definition,
        chrome: &Chrome,
        values: &Values,
        problems: &[FieldError],
    ) -> Self {
        let shape = shape(&definition.application_schema);
        let form = &definition.form;
        let input = |leaf: &Leaf| {
            let listed = form.field(&leaf.pointer);
            let kind = kind(leaf.schema, |value| {
                listed
                    .and_then(|f| f.options.get(value))
                    .map(|w| chrome.pick(w).to_owned())
            });
            let help = listed
                .and_then(|f| f.help.as_ref())
                .map(|h| chrome.pick(h).to_owned())
                .or_else(|| (kind == Kind::Date).then(|| chrome.t("page-date-help")));
            Input {
                pointer: leaf.pointer.clone(),
                label: listed.map_or_else(
                    || from_key(&leaf.pointer),
                    |f| chrome.pick(&f.label).to_owned(),
                ),
                help,
                kind,
                required: leaf.required,
                value: values.get(&leaf.pointer).cloned().unwrap_or_default(),
                error: None,
            }
        };
        let mut sections: Vec<Section> = form
            .sections
            .iter()
            .map(|section| Section {
                title: chrome.pick(&section.title).to_owned(),
                help: section.help.as_ref().map(|h| chrome.pick(h).to_owned()),
                inputs: section
                    .fields
                    .iter()
                    .filter_map(|f| shape.leaves.iter().find(|l| l.pointer == f.field))
                    .map(input)
                    .collect(),
            })
            .collect();
        let rest: Vec<&Leaf> = shape
            .leaves
            .iter()
            .filter(|l| form.field(&l.pointer).is_none())
            .collect();
        if form.sections.is_empty() {
            // No form at all: a section per top-level object, in the schema's order.
            for leaf in rest {
                let top = leaf.pointer.split('/').nth(1).unwrap_or_default();
                let title = if leaf.pointer.matches('/').count() > 1 {
                    from_key(top)
                } else {
                    chrome.t("page-form-details")
                };
                match sections.last_mut() {
                    Some(last) if last.title == title => last.inputs.push(input(leaf)),
                    _ => sections.push(Section {
                        title,
                        help: None,
                        inputs: vec![input(leaf)],
                    }),
                }
            }
        } else if !rest.is_empty() {
            sections.push(Section {
                title: chrome.t("page-form-other"),
                help: None,
                inputs: rest.into_iter().map(input).collect(),
            });
        }
        let mut built = Self {
            sections,
            general: Vec::new(),
        };
        for problem in problems {
            built.place(chrome, problem);
        }
        built
    }

    /// Puts a problem next to its input, or next to the first input inside the object it is
    /// about, or among the general ones.
    fn place(&mut self, chrome: &Chrome, problem: &FieldError) {
        let pointer = problem
            .field
            .strip_prefix("/application")
            .unwrap_or(&problem.field);
        if pointer.is_empty() {
            self.general.push(problem.message.clone());
            return;
        }
        let inside = format!("{pointer}/");
        let inputs = self.sections.iter_mut().flat_map(|s| s.inputs.iter_mut());
        let mut target = None;
        for input in inputs {
            if input.pointer == pointer {
                target = Some(input);
                break;
            }
            if target.is_none() && input.pointer.starts_with(&inside) {
                target = Some(input);
            }
        }
        let Some(input) = target else {
            self.general.push(problem.message.clone());
            return;
        };
        if input.error.is_some() {
            return;
        }
        // The catalogue's words name the field by its key; the form knows its label.
        let message = match (problem.code.as_str(), &input.kind) {
            ("REQUIRED", _) => chrome.t_with("field-REQUIRED", &[("name", input.label.clone())]),
            ("NOT_ALLOWED", Kind::Choice(choices)) => {
                let words: Vec<&str> = choices.iter().map(|c| c.words.as_str()).collect();
                chrome.t_with("field-NOT_ALLOWED", &[("allowed", words.join(", "))])
            }
            _ => problem.message.clone(),
        };
        input.error = Some(message);
    }

    pub(crate) fn inputs(&self) -> impl Iterator<Item = &Input> {
        self.sections.iter().flat_map(|s| &s.inputs)
    }

    /// Whether any problem is shown.
    pub(crate) fn has_problems(&self) -> bool {
        !self.general.is_empty() || self.inputs().any(|i| i.error.is_some())
    }
}

/// The values to start a new form with: what the definition says to fill in from the signed-in
/// citizen.
pub(crate) fn prefilled(definition: &Definition, personal_id: Option<&str>) -> Values {
    let mut values = Values::new();
    for field in definition.form.sections.iter().flat_map(|s| &s.fields) {
        match (field.prefill, personal_id) {
            (Some(Prefill::PersonalId), Some(id)) => {
                values.insert(field.field.clone(), id.to_owned());
            }
            (Some(Prefill::PersonalId), None) | (None, _) => {}
        }
    }
    values
}

/// The inputs of a posted form (the fields named by a pointer).
pub(crate) fn posted(fields: &[(String, String)]) -> Values {
    fields
        .iter()
        .filter(|(name, _)| name.starts_with('/'))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// The application the inputs make: empty inputs are left out, and an optional object whose
/// inputs are all empty (boxes unticked) is left out whole; the objects the schema requires are
/// there even when empty, so a missing value is reported at its own input.
pub(crate) fn application(definition: &Definition, values: &Values) -> Value {
    let shape = shape(&definition.application_schema);
    let parsed: Vec<(&Leaf, Option<Value>)> = shape
        .leaves
        .iter()
        .map(|leaf| {
            let raw = values.get(&leaf.pointer).map_or("", |v| v.trim());
            (leaf, parse(leaf.schema, raw))
        })
        .collect();
    // A group is filled when one of its inputs says something: a text, a choice, a ticked box.
    let filled = |group: &str| {
        parsed.iter().any(|(leaf, value)| {
            leaf.group.as_deref() == Some(group)
                && matches!(value, Some(v) if v != &Value::Bool(false))
        })
    };
    let mut application = Value::Object(Map::new());
    for object in &shape.objects {
        let present = match &object.group {
            None => object.required,
            Some(group) => filled(group) && (object.required || &object.pointer == group),
        };
        if present {
            set(&mut application, &object.pointer, None);
        }
    }
    for (leaf, value) in &parsed {
        if leaf.group.as_deref().is_some_and(|g| !filled(g)) {
            continue;
        }
        if let Some(value) = value {
            set(&mut application, &leaf.pointer, Some(value.clone()));
        }
    }
    application
}

/// What an input's text is as a value of `schema`; `None` for an empty one. Text the schema's
/// type cannot take is kept as text, so the schema reports it at its input.
fn parse(schema: &Value, raw: &str) -> Option<Value> {
    match kind(schema, |_| None) {
        Kind::Boolean => Some(Value::Bool(raw == "true")),
        _ if raw.is_empty() => None,
        Kind::Number { integer } => Some(
            raw.parse::<i64>()
                .map(Value::from)
                .ok()
                .or_else(|| {
                    (!integer)
                        .then(|| raw.replace(',', ".").parse::<f64>().ok())
                        .flatten()
                        .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
                })
                .unwrap_or_else(|| Value::String(raw.to_owned())),
        ),
        Kind::Choice(choices) => Some(
            choices
                .into_iter()
                .find(|c| c.posted == raw)
                .map_or_else(|| Value::String(raw.to_owned()), |c| c.value),
        ),
        Kind::Lines => Some(Value::Array(
            raw.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| Value::String(l.to_owned()))
                .collect(),
        )),
        Kind::Text { .. } | Kind::Date => Some(Value::String(raw.to_owned())),
    }
}

/// Puts `value` (or an empty object, keeping one already there) at `pointer`, making the objects
/// on the way.
fn set(root: &mut Value, pointer: &str, value: Option<Value>) {
    let parts: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
    let Some((last, path)) = parts.split_last() else {
        return;
    };
    let mut current = root;
    for part in path {
        let Value::Object(map) = current else {
            return;
        };
        current = map
            .entry(part.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    let Value::Object(map) = current else {
        return;
    };
    match value {
        Some(value) => {
            map.insert(last.clone(), value);
        }
        None => {
            map.entry(last.clone())
                .or_insert_with(|| Value::Object(Map::new()));
        }
    }
}

#[cfg(test)]
mod tests {
    use lienthong_definitions::shipped_definitions;
    use serde_json::json;

    use super::*;
    use crate::lang::Lang;

    fn shipped(id: &str) -> Definition {
        shipped_definitions()
            .unwrap_or_default()
            .into_iter()
            .find(|d| d.id.0 == id)
            .unwrap_or_else(|| panic!("{id} is shipped"))
    }

    fn chrome(lang: Lang) -> Chrome {
        Chrome {
            lang,
            here: "/".into(),
            user: None,
        }
    }

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_form_follows_the_definitions_sections_labels_and_choices() {
        let definition = shipped("birth-residence-insurance");
        let form = ApplicationForm::new(&definition, &chrome(Lang::Vi), &Values::new(), &[]);
        let titles: Vec<&str> = form.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles[0], "Người đi đăng ký");
        let first = &form.sections[0].inputs[0];
        assert_eq!(first.pointer, "/applicant/personal_id");
        assert_eq!(first.label, "Số định danh cá nhân");
        assert_eq!(first.kind, Kind::Text { numeric: true });
        assert!(first.required);
        let relationship = &form.sections[0].inputs[1];
        let Kind::Choice(choices) = &relationship.kind else {
            panic!("an enum is a choice: {relationship:?}");
        };
        assert_eq!(choices[0].words, "Mẹ");
        let birthday = form
            .inputs()
            .find(|i| i.pointer == "/child/date_of_birth")
            .expect("the date of birth");
        assert_eq!(birthday.kind, Kind::Date);
        let father = form
            .inputs()
            .find(|i| i.pointer == "/father/personal_id")
            .expect("the father");
        assert!(!father.required, "the father is optional");
        // Every value the schema has gets an input, listed by the form or not.
        assert_eq!(
            form.inputs().count(),
            shape(&definition.application_schema).leaves.len()
        );
        assert!(form.inputs().count() >= 16);
        let english = ApplicationForm::new(&definition, &chrome(Lang::En), &Values::new(), &[]);
        assert_eq!(english.sections[0].inputs[0].label, "Personal ID number");
    }

    #[test]
    fn a_procedure_without_a_form_gets_inputs_labelled_from_its_keys() {
        let mut definition = shipped("death-residence-allowance");
        definition.form = Default::default();
        let form = ApplicationForm::new(&definition, &chrome(Lang::Vi), &Values::new(), &[]);
        let titles: Vec<&str> = form.sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Applicant", "Deceased", "Requested", "Survivor benefit"]
        );
        let first = &form.sections[0].inputs[0];
        assert_eq!(
            (first.pointer.as_str(), first.label.as_str()),
            ("/applicant/personal_id", "Personal id")
        );
        let ticks: Vec<&Input> = form.inputs().filter(|i| i.kind == Kind::Boolean).collect();
        assert_eq!(ticks.len(), 2);
    }

    #[test]
    fn inputs_become_the_application_and_an_empty_optional_object_is_left_out() {
        let definition = shipped("death-residence-allowance");
        let filled = values(&[
            ("/applicant/personal_id", " 001190012345 "),
            ("/applicant/relationship", "spouse"),
            ("/applicant/phone", ""),
            ("/deceased/date_of_death", "20/11/2026"),
            ("/requested/funeral_allowance", "true"),
            ("/survivor_benefit/relationship", ""),
        ]);
        assert_eq!(
            application(&definition, &filled),
            json!({
                "applicant": {"personal_id": "001190012345", "relationship": "spouse"},
                "deceased": {"date_of_death": "20/11/2026"},
                "requested": {"funeral_allowance": true, "survivor_benefit": false},
            })
        );
        let mut with_survivor = filled.clone();
        with_survivor.insert("/survivor_benefit/relationship".into(), "child".into());
        assert_eq!(
            application(&definition, &with_survivor)["survivor_benefit"],
            json!({"relationship": "child"})
        );
    }

    #[test]
    fn each_problem_is_shown_next_to_its_input_in_the_citizens_words() {
        let definition = shipped("birth-residence-insurance");
        let problems = [
            FieldError {
                field: "/application/child/full_name".into(),
                code: "REQUIRED".into(),
                message: "Chưa điền «full_name»: đây là thông tin bắt buộc.".into(),
            },
            FieldError {
                field: "/application/child/date_of_birth".into(),
                code: "INVALID".into(),
                message: "Thủ tục liên thông này chỉ áp dụng cho trẻ em dưới 6 tuổi".into(),
            },
            FieldError {
                field: "/application/mother".into(),
                code: "REQUIRED".into(),
                message: "Chưa điền «mother»".into(),
            },
            FieldError {
                field: "/application/elsewhere".into(),
                code: "INVALID".into(),
                message: "general".into(),
            },
        ];
        let form = ApplicationForm::new(&definition, &chrome(Lang::Vi), &Values::new(), &problems);
        let error = |pointer: &str| {
            form.inputs()
                .find(|i| i.pointer == pointer)
                .and_then(|i| i.error.clone())
        };
        assert_eq!(
            error("/child/full_name").as_deref(),
            Some("Chưa điền «Họ, chữ đệm và tên»: đây là thông tin bắt buộc.")
        );
        assert_eq!(
            error("/child/date_of_birth").as_deref(),
            Some("Thủ tục liên thông này chỉ áp dụng cho trẻ em dưới 6 tuổi")
        );
        assert!(
            error("/mother/personal_id").is_some(),
            "an object's problem goes to its first input"
        );
        assert_eq!(form.general, ["general"]);
        assert!(form.has_problems());
    }

    #[test]
    fn the_personal_id_is_prefilled_where_the_form_says() {
        let definition = shipped("birth-residence-insurance");
        let values = prefilled(&definition, Some("001190012345"));
        assert_eq!(values.len(), 1);
        assert_eq!(values["/applicant/personal_id"], "001190012345");
        assert!(prefilled(&definition, None).is_empty());
    }
}
