//! Recording a step done offline without writing JSON: one input per field the step keeps (its
//! routes' `output:`), typed from the agency's response schema for the operation (a day box for
//! a date, a list for an `enum`, a number box for a number) and labelled with the definition's
//! `form.results` words. The fields later steps read are required, as the workflow's own check
//! says ([`required_fields`] asks it). The posted values are checked here, each problem placed
//! next to its input, and only a clean form becomes the output object the `resolve` action
//! carries: nothing is sent on a bad one.
//!
//! Everything but [`load`] and [`for_case`] is a pure function of the definition, the catalogue
//! and the posted values.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::StatusCode;
use lienthong_definitions::{
    CaseCode, Catalogue, Definition, StepId,
    case::{CaseState, StepStatus},
    operator::{self, ActionKind, OperatorAction, RefusalCode},
};
use maud::{Markup, html};
use serde_json::{Map, Number, Value};
use time::OffsetDateTime;

use super::{
    i18n::{Lang, Text},
    layout::{self, Chrome},
    problem::Problem,
    timeline::Timeline,
    urls,
};
use crate::{ApiState, auth::Caller};

/// The prefix of a typed output field's name in the posted form (`out.personal_id`).
pub(crate) const PREFIX: &str = "out.";

/// What kind of input a field gets.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Text,
    /// A day, posted `2026-11-20` by the browser's date box.
    Date,
    Integer,
    Number,
    Boolean,
    /// One of the schema's `enum` values.
    Choice(Vec<Value>),
}

/// One field of the step's output.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OutputField {
    pub name: String,
    /// The definition's words for it (`form.results`), if it gives them.
    pub label: Option<(String, String)>,
    /// The response schema's `description`.
    pub description: Option<String>,
    pub kind: Kind,
    pub pattern: Option<String>,
    /// Later steps read it, so the workflow refuses a resolution without it.
    pub required: bool,
    /// The response schema's property, which a value is finally checked against.
    schema: Option<Value>,
}

impl OutputField {
    pub(crate) fn label(&self, lang: Lang) -> &str {
        match (&self.label, lang) {
            (Some((vi, _)), Lang::Vi) => vi,
            (Some((_, en)), Lang::En) => en,
            (None, _) => &self.name,
        }
    }
}

/// The inputs of one step's resolve form.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ResolveFields {
    pub step: String,
    pub fields: Vec<OutputField>,
}

/// The resolve form of each step that has one, by step id.
pub(crate) type ResolveForms = BTreeMap<String, ResolveFields>;

/// What was typed: output fields by name (without [`PREFIX`]).
pub(crate) type Values = BTreeMap<String, String>;

/// What is wrong, by field name (`reference` for the reference), with what was expected.
pub(crate) type Errors = BTreeMap<String, FieldProblem>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldProblem {
    Required,
    ReferenceRequired,
    Date,
    Pattern,
    Choice,
    Integer,
    Number,
    /// Another rule of the agency's contract (a length, a limit).
    Invalid,
}

impl FieldProblem {
    fn text(self) -> Text {
        match self {
            Self::Required => Text::ResolveFieldRequired,
            Self::ReferenceRequired => Text::ResolveReferenceRequired,
            Self::Date => Text::ResolveFieldDate,
            Self::Pattern => Text::ResolveFieldPattern,
            Self::Choice => Text::ResolveFieldChoice,
            Self::Integer => Text::ResolveFieldInteger,
            Self::Number => Text::ResolveFieldNumber,
            Self::Invalid => Text::ResolveFieldInvalid,
        }
    }
}

impl ResolveFields {
    /// The fields step `step` of `definition` keeps: every route's `output:` in order, each
    /// typed from the response of the operation taken (`taken`, `(agency, operation)`) when it
    /// keeps the field, else from the first route that does. `None` for a step not in the
    /// definition.
    pub(crate) fn of(
        definition: &Definition,
        agencies: &Catalogue,
        step: &str,
        taken: Option<(&str, &str)>,
    ) -> Option<Self> {
        let step_id = StepId(step.to_owned());
        let found = definition.step(&step_id)?;
        let mut names: Vec<&String> = Vec::new();
        for route in &found.routes {
            for name in &route.output {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        let names: Vec<String> = names.into_iter().cloned().collect();
        let required = required_fields(definition, &step_id, &names);
        let fields = names
            .iter()
            .map(|name| {
                let keeps = |r: &&lienthong_definitions::Route| r.output.contains(name);
                let route = found
                    .routes
                    .iter()
                    .filter(keeps)
                    .find(|r| taken == Some((r.agency.0.as_str(), r.operation.as_str())))
                    .or_else(|| found.routes.iter().find(keeps));
                let schema = route.and_then(|r| {
                    agencies
                        .agency(&r.agency.0)?
                        .operation(&r.operation)?
                        .response
                        .get("properties")?
                        .get(name)
                        .cloned()
                });
                field(definition, step, name, schema, required.contains(name))
            })
            .collect();
        Some(Self {
            step: step.to_owned(),
            fields,
        })
    }

    /// The output object the `resolve` action carries, or what is wrong with each field. Empty
    /// optional fields are left out.
    pub(crate) fn check(&self, reference: &str, values: &Values) -> Result<Value, Errors> {
        let mut errors = Errors::new();
        if reference.trim().is_empty() {
            errors.insert("reference".to_owned(), FieldProblem::ReferenceRequired);
        }
        let mut output = Map::new();
        for field in &self.fields {
            let typed = values.get(&field.name).map_or("", |v| v.trim());
            if typed.is_empty() {
                if field.required {
                    errors.insert(field.name.clone(), FieldProblem::Required);
                }
                continue;
            }
            match field.value(typed) {
                Ok(value) => {
                    output.insert(field.name.clone(), value);
                }
                Err(problem) => {
                    errors.insert(field.name.clone(), problem);
                }
            }
        }
        if errors.is_empty() {
            Ok(Value::Object(output))
        } else {
            Err(errors)
        }
    }
}

impl OutputField {
    /// The typed text as the JSON value the agency would have answered, checked against the
    /// response schema's property.
    fn value(&self, typed: &str) -> Result<Value, FieldProblem> {
        let value = match &self.kind {
            Kind::Text | Kind::Date => Value::String(typed.to_owned()),
            Kind::Integer => typed
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| FieldProblem::Integer)?,
            Kind::Number => typed
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(Value::Number)
                .ok_or(FieldProblem::Number)?,
            Kind::Boolean => match typed {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => return Err(FieldProblem::Choice),
            },
            Kind::Choice(options) => options
                .iter()
                .find(|o| posted(o) == typed)
                .cloned()
                .ok_or(FieldProblem::Choice)?,
        };
        let Some(schema) = &self.schema else {
            return Ok(value);
        };
        // The catalogue's schemas were checked when the agency was added: one that does not
        // compile here leaves the value to the workflow's check.
        let Ok(validator) = jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
        else {
            return Ok(value);
        };
        use jsonschema::error::ValidationErrorKind as E;
        let problem = validator
            .iter_errors(&value)
            .next()
            .map(|e| match e.kind() {
                E::Format { format } if format == "date" => FieldProblem::Date,
                E::Pattern { .. } => FieldProblem::Pattern,
                E::Enum { .. } => FieldProblem::Choice,
                _ => FieldProblem::Invalid,
            });
        problem.map_or(Ok(value), Err)
    }
}

/// How an `enum` value is posted: a text as itself, anything else as its JSON.
fn posted(option: &Value) -> String {
    option
        .as_str()
        .map_or_else(|| option.to_string(), str::to_owned)
}

fn field(
    definition: &Definition,
    step: &str,
    name: &str,
    schema: Option<Value>,
    required: bool,
) -> OutputField {
    let property = schema.as_ref();
    let text = |key: &str| {
        property
            .and_then(|p| p.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let kind = match property
        .and_then(|p| p.get("enum"))
        .and_then(Value::as_array)
    {
        Some(options) => Kind::Choice(options.clone()),
        None => match schema_type(property).as_deref() {
            Some("integer") => Kind::Integer,
            Some("number") => Kind::Number,
            Some("boolean") => Kind::Boolean,
            _ if text("format").as_deref() == Some("date") => Kind::Date,
            _ => Kind::Text,
        },
    };
    OutputField {
        name: name.to_owned(),
        label: definition
            .form
            .result(step, name)
            .map(|t| (t.vi.clone(), t.en.clone())),
        description: text("description"),
        pattern: text("pattern").filter(|_| kind == Kind::Text),
        kind,
        required,
        schema,
    }
}

/// The property's `type`: the first one not `null` when it lists several.
fn schema_type(property: Option<&Value>) -> Option<String> {
    match property?.get("type")? {
        Value::String(t) => Some(t.clone()),
        Value::Array(types) => types
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .map(str::to_owned),
        _ => None,
    }
}

/// Which of `names` the workflow requires in a resolution of `step`: each is left out in turn
/// from an otherwise complete output, and [`operator::check`] (the decision the workflow
/// itself makes) asked whether it refuses with `OUTPUT_INVALID`. Asking it, rather than
/// repeating its reading of later steps here, keeps the form and the workflow agreeing.
fn required_fields(definition: &Definition, step: &StepId, names: &[String]) -> BTreeSet<String> {
    let mut state = CaseState::new(
        CaseCode::recorded("XX-FORM"),
        definition,
        OffsetDateTime::UNIX_EPOCH,
    );
    // A running step is resolvable whatever the case's state, so only the output decides.
    for record in state.steps.iter_mut().filter(|s| &s.id == step) {
        record.status = StepStatus::Running;
    }
    names
        .iter()
        .filter(|left_out| {
            let output = names
                .iter()
                .filter(|n| n != left_out)
                .map(|n| (n.clone(), Value::Bool(true)))
                .collect();
            let action = OperatorAction {
                actor: "console".to_owned(),
                role: "operator".to_owned(),
                reason: "which fields are required".to_owned(),
                kind: ActionKind::Resolve {
                    step: step.clone(),
                    reference: "form".to_owned(),
                    output: Value::Object(output),
                },
            };
            matches!(
                operator::check(definition, &state, &action),
                Err(refusal) if refusal.code == RefusalCode::OutputInvalid
            )
        })
        .cloned()
        .collect()
}

/// The resolve form of each step of `case` an operator may resolve now. A definition that
/// cannot be read leaves the steps without one (logged), and the rest of the page is shown.
pub(crate) async fn for_case(state: &ApiState, case: &Timeline) -> ResolveForms {
    let resolvable: Vec<_> = case
        .steps
        .iter()
        .filter(|s| s.resolvable(&case.status))
        .collect();
    let Some(version) = case.version else {
        return ResolveForms::new();
    };
    if resolvable.is_empty() {
        return ResolveForms::new();
    }
    let definition = match definition(state, &case.procedure, version).await {
        Ok(definition) => definition,
        Err(problem) => {
            tracing::warn!(procedure = %case.procedure, version, code = %problem.code, "the case's definition could not be read for its resolve forms");
            return ResolveForms::new();
        }
    };
    let agencies = state.catalog.agencies();
    resolvable
        .into_iter()
        .filter_map(|step| {
            let taken = step.agency.as_deref().zip(step.operation.as_deref());
            let fields = ResolveFields::of(&definition, &agencies, &step.id, taken)?;
            Some((step.id.clone(), fields))
        })
        .collect()
}

/// The resolve form of `step` of case `code`, for a caller who may act on it.
pub(crate) async fn load(
    state: &ApiState,
    caller: &Caller,
    code: &str,
    step: &str,
) -> Result<ResolveFields, Problem> {
    crate::case_access::authorize_operator(state, caller, code).await?;
    let case = crate::engine::case_state(state, code).await?;
    let definition = definition(state, &case.procedure.0, u64::from(case.version)).await?;
    let taken = case.step(&StepId(step.to_owned())).and_then(|s| {
        s.agency
            .as_ref()
            .map(|a| a.0.as_str())
            .zip(s.operation.as_deref())
    });
    ResolveFields::of(&definition, &state.catalog.agencies(), step, taken).ok_or_else(|| {
        Problem::new(
            StatusCode::NOT_FOUND,
            "STEP_NOT_FOUND",
            "this case's procedure has no such step",
        )
    })
}

pub(crate) async fn definition(
    state: &ApiState,
    procedure: &str,
    version: u64,
) -> Result<Definition, Problem> {
    let version = i64::try_from(version)
        .map_err(|_| Problem::from(crate::ApiError::database("version out of range")))?;
    let record = state
        .catalog
        .store()
        .version(procedure, version)
        .await
        .map_err(crate::ApiError::database)?;
    Ok(state.catalog.compiled(&record)?.definition.clone())
}

/// The inputs of the form: the reference, then one per output field, each with its problem.
pub(crate) fn inputs(
    chrome: &Chrome,
    fields: &ResolveFields,
    reference: &str,
    values: &Values,
    errors: &Errors,
) -> Markup {
    let t = |text| chrome.t(text);
    let step = &fields.step;
    let reference_id = format!("reference-{step}");
    html! {
        div.field data-field="reference" {
            label for=(reference_id) { (t(Text::ResolveReference)) " " (required_mark(chrome)) }
            input id=(reference_id) type="text" name="reference" value=(reference) required
                aria-invalid=[errors.contains_key("reference").then_some("true")];
            (problem(chrome, &reference_id, errors.get("reference").copied(), None))
        }
        @if fields.fields.is_empty() {
            p.help { (t(Text::ResolveNoOutputs)) }
        }
        @for field in &fields.fields {
            (input(chrome, step, field, values.get(&field.name).map_or("", String::as_str), errors.get(&field.name).copied()))
        }
    }
}

fn required_mark(chrome: &Chrome) -> Markup {
    html! { abbr.required title=(chrome.t(Text::RequiredField)) { "*" } }
}

fn input(
    chrome: &Chrome,
    step: &str,
    field: &OutputField,
    value: &str,
    error: Option<FieldProblem>,
) -> Markup {
    let id = format!("out-{step}-{}", field.name);
    let name = format!("{PREFIX}{}", field.name);
    let described = format!("{id}-help");
    let invalid = error.map(|_| "true");
    let help = field.description.as_ref().map(|_| described.as_str());
    html! {
        div.field data-field=(field.name) data-kind=(kind_name(&field.kind)) {
            label for=(id) {
                (field.label(chrome.lang))
                @if field.label.is_some() { " " small { code { (field.name) } } }
                @if field.required { " " (required_mark(chrome)) }
            }
            @match &field.kind {
                Kind::Date => input id=(id) type="date" name=(name) value=(value)
                    required[field.required] aria-invalid=[invalid] aria-describedby=[help];
                Kind::Integer => input id=(id) type="number" step="1" inputmode="numeric" name=(name)
                    value=(value) required[field.required] aria-invalid=[invalid] aria-describedby=[help];
                Kind::Number => input id=(id) type="number" step="any" name=(name) value=(value)
                    required[field.required] aria-invalid=[invalid] aria-describedby=[help];
                Kind::Boolean => select id=(id) name=(name) required[field.required]
                    aria-invalid=[invalid] aria-describedby=[help] {
                    option value="" { "—" }
                    option value="true" selected[value == "true"] { (chrome.t(Text::ResolveYes)) }
                    option value="false" selected[value == "false"] { (chrome.t(Text::ResolveNo)) }
                }
                Kind::Choice(options) => select id=(id) name=(name) required[field.required]
                    aria-invalid=[invalid] aria-describedby=[help] {
                    option value="" { "—" }
                    @for option in options {
                        @let shown = posted(option);
                        option value=(shown) selected[shown == value] { (shown) }
                    }
                }
                Kind::Text => input id=(id) type="text" name=(name) value=(value)
                    pattern=[field.pattern.as_deref()] required[field.required]
                    aria-invalid=[invalid] aria-describedby=[help];
            }
            @if let Some(description) = &field.description {
                small.help id=(described) { (description) }
            }
            (problem(chrome, &id, error, field.pattern.as_deref()))
        }
    }
}

fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Text => "text",
        Kind::Date => "date",
        Kind::Integer => "integer",
        Kind::Number => "number",
        Kind::Boolean => "boolean",
        Kind::Choice(_) => "choice",
    }
}

/// The problem next to an input; a pattern is shown with the message about it.
fn problem(
    chrome: &Chrome,
    id: &str,
    error: Option<FieldProblem>,
    pattern: Option<&str>,
) -> Markup {
    html! {
        @if let Some(error) = error {
            p.field-error.failure id={ (id) "-error" } role="alert" data-problem=(format!("{error:?}")) {
                (chrome.t(error.text()))
                @if let (FieldProblem::Pattern, Some(pattern)) = (error, pattern) { " " code { (pattern) } }
            }
        }
    }
}

/// The resolve form posting to the confirmation page, as the case page shows it.
pub(crate) fn form(chrome: &Chrome, code: &str, fields: &ResolveFields) -> Markup {
    html! {
        form.action-resolve method="post" action={ (urls::case(code)) "/confirm" } data-step=(fields.step) {
            (form_body(chrome, fields, "", &Values::new(), &Errors::new()))
        }
    }
}

fn form_body(
    chrome: &Chrome,
    fields: &ResolveFields,
    reference: &str,
    values: &Values,
    errors: &Errors,
) -> Markup {
    html! {
        (chrome.csrf_field())
        input type="hidden" name="action" value="resolve";
        input type="hidden" name="step" value=(fields.step);
        (inputs(chrome, fields, reference, values, errors))
        button type="submit" { (chrome.lang.term("action", "resolve")) }
    }
}

/// The whole page of a form that had problems: each next to its input, and nothing sent.
pub(crate) fn render_again(
    chrome: &Chrome,
    code: &str,
    fields: &ResolveFields,
    reference: &str,
    values: &Values,
    errors: &Errors,
) -> Markup {
    let t = |text| chrome.t(text);
    let body = html! {
        div #outcome.outcome.refused role="alert" data-outcome="refused" data-code="FORM_INVALID" {
            p { strong { (t(Text::ResolveFormInvalid)) } }
        }
        dl.facts {
            dt { (t(Text::CaseCode)) } dd { code { (code) } }
            dt { (t(Text::Step)) } dd { code { (fields.step) } }
        }
        form #resolve.card.action-resolve method="post" action={ (urls::case(code)) "/confirm" } data-step=(fields.step) {
            (form_body(chrome, fields, reference, values, errors))
        }
        p { a #back-to-case href=(urls::case(code)) { (t(Text::BackToCase)) } }
    };
    layout::page(
        chrome,
        &format!("{} — {code}", chrome.t(Text::ResolveTitle)),
        body,
    )
}

#[cfg(test)]
mod tests {
    use lienthong_definitions::shipped_definitions;

    use super::*;
    use crate::console::layout::User;

    fn chrome(lang: Lang) -> Chrome {
        Chrome {
            lang,
            here: "/console/cases/KS-1".into(),
            user: Some(User {
                subject: "op".into(),
                csrf: "abc".into(),
                operator: true,
                auditor: false,
            }),
        }
    }

    fn birth() -> ResolveFields {
        let definitions = shipped_definitions().expect("the shipped definitions parse");
        let definition = definitions
            .iter()
            .find(|d| d.id.0 == "birth-residence-insurance")
            .expect("the birth procedure ships");
        let agencies = Catalogue::shipped().expect("the shipped catalogue parses");
        ResolveFields::of(
            definition,
            &agencies,
            "birth",
            Some(("civil-status", "register-birth")),
        )
        .expect("the birth step exists")
    }

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_birth_step_gets_one_typed_input_per_output_field_with_later_steps_reads_required() {
        let fields = birth();
        let shape: Vec<(&str, &Kind, bool)> = fields
            .fields
            .iter()
            .map(|f| (f.name.as_str(), &f.kind, f.required))
            .collect();
        assert_eq!(
            shape,
            [
                ("birth_certificate_number", &Kind::Text, true),
                ("personal_id", &Kind::Text, true),
                ("registered_on", &Kind::Date, false),
            ]
        );
        assert_eq!(fields.fields[1].pattern.as_deref(), Some("^[0-9]{12}$"));

        let html = form(&chrome(Lang::Vi), "KS-1", &fields).into_string();
        assert!(!html.contains("textarea"), "{html}");
        assert_eq!(html.matches("<input id=\"out-birth-").count(), 3, "{html}");
        for expected in [
            r#"<input id="out-birth-birth_certificate_number" type="text" name="out.birth_certificate_number" value="" required"#,
            r#"<input id="out-birth-personal_id" type="text" name="out.personal_id" value="" pattern="^[0-9]{12}$" required"#,
            r#"<input id="out-birth-registered_on" type="date" name="out.registered_on" value="">"#,
            r#"<input id="reference-birth" type="text" name="reference" value="" required"#,
            "Số giấy khai sinh",
            "Số định danh cá nhân của trẻ",
            "Ngày đăng ký khai sinh",
            r#"<abbr class="required" title="bắt buộc">"#,
            r#"name="action" value="resolve""#,
            r#"name="step" value="birth""#,
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
        // Required marks: the reference and the two fields later steps read, not the date.
        assert_eq!(
            html.matches("<abbr class=\"required\"").count(),
            3,
            "{html}"
        );
        let en = form(&chrome(Lang::En), "KS-1", &fields).into_string();
        assert!(en.contains("Birth certificate number") && en.contains(r#"title="required""#));
    }

    #[test]
    fn a_bad_date_or_a_missing_required_field_comes_back_with_a_message_next_to_it() {
        let fields = birth();
        let typed = values(&[
            ("birth_certificate_number", "  "),
            ("personal_id", "0123456789"),
            ("registered_on", "2026-02-30"),
        ]);
        let errors = fields
            .check("", &typed)
            .expect_err("an empty required field, a short ID and 30 February are refused");
        assert_eq!(
            errors,
            Errors::from([
                ("reference".to_owned(), FieldProblem::ReferenceRequired),
                (
                    "birth_certificate_number".to_owned(),
                    FieldProblem::Required
                ),
                ("personal_id".to_owned(), FieldProblem::Pattern),
                ("registered_on".to_owned(), FieldProblem::Date),
            ])
        );
        let html =
            render_again(&chrome(Lang::Vi), "KS-1", &fields, "", &typed, &errors).into_string();
        for expected in [
            r#"<p class="field-error failure" id="out-birth-registered_on-error" role="alert" data-problem="Date">Ngày không hợp lệ"#,
            r#"<p class="field-error failure" id="out-birth-birth_certificate_number-error" role="alert" data-problem="Required">Chưa điền"#,
            r#"id="out-birth-personal_id-error" role="alert" data-problem="Pattern">"#,
            r#"id="reference-birth-error""#,
            // What was typed stays, so only the wrong field is typed again.
            r#"name="out.registered_on" value="2026-02-30""#,
            r#"name="out.personal_id" value="0123456789""#,
            "chưa gửi",
        ] {
            assert!(html.contains(expected), "{expected} in {html}");
        }
        // Each message sits inside its field's block, after its input.
        let date = html
            .find(r#"data-field="registered_on""#)
            .expect("the date field");
        let message = html
            .find("out-birth-registered_on-error")
            .expect("its message");
        assert!(date < message && !html[date + 1..message].contains("data-field="));
        let en =
            render_again(&chrome(Lang::En), "KS-1", &fields, "", &typed, &errors).into_string();
        assert!(en.contains("Not a valid day"), "{en}");
    }

    #[test]
    fn good_values_make_exactly_the_output_object_the_action_carries() {
        let fields = birth();
        let output = fields
            .check(
                " HT-2026-77 ",
                &values(&[
                    ("birth_certificate_number", " 123/2026 "),
                    ("personal_id", "001226000123"),
                    ("registered_on", "2026-11-20"),
                    ("not_kept", "ignored"),
                ]),
            )
            .expect("a clean form");
        assert_eq!(
            output,
            serde_json::json!({
                "birth_certificate_number": "123/2026",
                "personal_id": "001226000123",
                "registered_on": "2026-11-20",
            })
        );
        // An optional field left empty is left out.
        let output = fields
            .check(
                "HT-1",
                &values(&[
                    ("birth_certificate_number", "123/2026"),
                    ("personal_id", "001226000123"),
                    ("registered_on", ""),
                ]),
            )
            .expect("a clean form");
        assert_eq!(
            output,
            serde_json::json!({"birth_certificate_number": "123/2026", "personal_id": "001226000123"})
        );
    }

    #[test]
    fn numbers_choices_and_yes_or_no_are_read_as_their_json_values() {
        let schema = |s: Value| Some(s);
        let field = |name: &str, kind: Kind, property: Value| OutputField {
            name: name.into(),
            label: None,
            description: None,
            kind,
            pattern: None,
            required: false,
            schema: schema(property),
        };
        let fields = ResolveFields {
            step: "s".into(),
            fields: vec![
                field(
                    "count",
                    Kind::Integer,
                    serde_json::json!({"type": "integer", "minimum": 1}),
                ),
                field(
                    "amount",
                    Kind::Number,
                    serde_json::json!({"type": "number"}),
                ),
                field(
                    "paid",
                    Kind::Boolean,
                    serde_json::json!({"type": "boolean"}),
                ),
                field(
                    "status",
                    Kind::Choice(vec!["none".into(), "insured".into()]),
                    serde_json::json!({"enum": ["none", "insured"]}),
                ),
            ],
        };
        let good = values(&[
            ("count", "3"),
            ("amount", "1.5"),
            ("paid", "true"),
            ("status", "insured"),
        ]);
        assert_eq!(
            fields.check("r", &good),
            Ok(serde_json::json!({"count": 3, "amount": 1.5, "paid": true, "status": "insured"}))
        );
        let bad = values(&[
            ("count", "0"),
            ("amount", "a lot"),
            ("paid", "maybe"),
            ("status", "other"),
        ]);
        assert_eq!(
            fields.check("r", &bad),
            Err(Errors::from([
                ("count".to_owned(), FieldProblem::Invalid),
                ("amount".to_owned(), FieldProblem::Number),
                ("paid".to_owned(), FieldProblem::Choice),
                ("status".to_owned(), FieldProblem::Choice),
            ]))
        );
        assert_eq!(
            fields.check("r", &values(&[("count", "2.5")])),
            Err(Errors::from([("count".to_owned(), FieldProblem::Integer)]))
        );
    }

    #[test]
    fn a_benefit_status_from_the_catalogue_is_a_list_of_its_values() {
        let definitions = shipped_definitions().expect("the shipped definitions parse");
        let agencies = Catalogue::shipped().expect("the shipped catalogue parses");
        let death = definitions
            .iter()
            .find(|d| {
                d.steps
                    .iter()
                    .any(|s| s.routes.iter().any(|r| r.operation == "register-death"))
            })
            .expect("a shipped procedure registers a death");
        let step = death
            .steps
            .iter()
            .find(|s| s.routes.iter().any(|r| r.operation == "register-death"))
            .expect("its step");
        let fields = ResolveFields::of(death, &agencies, &step.id.0, None).expect("the step");
        let status = fields
            .fields
            .iter()
            .find(|f| f.name == "benefit_status")
            .expect("the benefit status is kept");
        assert!(matches!(&status.kind, Kind::Choice(options) if options.len() == 5));
        let html = form(&chrome(Lang::Vi), "TT-1", &fields).into_string();
        assert!(
            html.contains(r#"<option value="pensioner">pensioner</option>"#),
            "{html}"
        );
    }

    #[test]
    fn every_field_offered_for_a_shipped_step_is_one_the_step_keeps() {
        let agencies = Catalogue::shipped().expect("the shipped catalogue parses");
        for definition in shipped_definitions().expect("the shipped definitions parse") {
            for step in &definition.steps {
                let fields =
                    ResolveFields::of(&definition, &agencies, &step.id.0, None).expect("the step");
                for field in &fields.fields {
                    assert!(step.may_keep(&field.name), "{}.{}", step.id, field.name);
                }
            }
        }
    }
}
