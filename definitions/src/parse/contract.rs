//! The third pass: every call checked against its agency's contract in the catalogue.

use serde_json::Value;

use super::{Places, RoutePlaces};
use crate::names::{did_you_mean, join};
use crate::{
    Definition, DiagnosticCode as Code, Route, StepId,
    catalogue::{Agency, Catalogue, Operation},
    diagnostic::Problems,
    mapping::{Mapping, Source},
    schema::{self, Field},
};

pub(super) fn check(
    definition: &Definition,
    places: &Places,
    catalogue: &Catalogue,
    problems: &mut Problems,
) {
    let checker = Checker {
        definition,
        places,
        catalogue,
    };
    for (step, step_places) in definition.steps.iter().zip(&places.steps) {
        for (route, at) in step.routes.iter().zip(&step_places.routes) {
            checker.route(route, at, problems);
        }
    }
}

struct Checker<'a> {
    definition: &'a Definition,
    places: &'a Places,
    catalogue: &'a Catalogue,
}

impl Checker<'_> {
    fn route(&self, route: &Route, at: &RoutePlaces, problems: &mut Problems) {
        let Some(agency) = self.catalogue.agency(&route.agency) else {
            let known: Vec<&str> = self
                .catalogue
                .agencies()
                .iter()
                .map(|a| a.id.as_str())
                .collect();
            problems
                .add(
                    Code::UnknownAgency,
                    format!("{}.agency", at.at),
                    format!(
                        "the catalogue has no agency `{}`; it has: {}",
                        route.agency,
                        known.join(", ")
                    ),
                )
                .help(did_you_mean(&route.agency, known.iter().copied()).or_else(|| {
                    Some(
                        "a new agency needs its catalogue entry first (PUT /v1/catalogue/{agency}, or --catalogue DIR on the command line)"
                            .to_owned(),
                    )
                }));
            return;
        };
        let Some(operation) = operation(
            agency,
            &route.operation,
            &format!("{}.operation", at.at),
            problems,
        ) else {
            return;
        };
        self.request(
            &route.input,
            &operation.request,
            operation,
            &at.input,
            problems,
        );
        for (k, field) in route.output.iter().enumerate() {
            if schema::field(&operation.response, field) == Field::Unknown {
                problems
                    .add(
                        Code::UnknownResponseField,
                        format!("{}[{k}]", at.output),
                        format!(
                            "`{}` answers with no field `{field}`; its answer has: {}",
                            operation.name,
                            fields_of(&operation.response)
                        ),
                    )
                    .help(did_you_mean(field, field_names(&operation.response)));
            }
        }
        let Some(compensation) = &route.compensation else {
            return;
        };
        let comp_at = format!("{}.operation", at.compensation);
        let Some(undo) = self::operation(agency, &compensation.operation, &comp_at, problems)
        else {
            return;
        };
        if undo.undoes.as_deref() != Some(operation.name.as_str()) {
            let advice = match agency.undo_of(&operation.name) {
                Some(right) => format!("the catalogue says `{}` undoes it", right.name),
                None => format!(
                    "the catalogue offers no operation that undoes it: write `irreversible: true` if `{}` cannot be undone",
                    operation.name
                ),
            };
            problems.push(
                Code::WrongCompensation,
                comp_at,
                format!(
                    "`{}` does not undo `{}`; {advice}",
                    undo.name, operation.name
                ),
            );
        }
        self.request(
            &compensation.input,
            &undo.request,
            undo,
            &format!("{}.input", at.compensation),
            problems,
        );
    }

    /// Walks a mapping alongside the request contract (`contract`, the schema at this point).
    fn request(
        &self,
        mapping: &Mapping,
        contract: &Value,
        operation: &Operation,
        at: &str,
        problems: &mut Problems,
    ) {
        match mapping {
            Mapping::Object(map) => {
                for (key, value) in map {
                    let path = join(at, key);
                    match schema::field(contract, key) {
                        Field::Known(field) => {
                            self.request(value, field, operation, &path, problems)
                        }
                        Field::Unknown => {
                            problems
                                .add(
                                    Code::UnknownRequestField,
                                    path,
                                    format!(
                                        "`{}` does not read `{key}` here; it reads: {}",
                                        operation.name,
                                        fields_of(contract)
                                    ),
                                )
                                .help(did_you_mean(key, field_names(contract)));
                        }
                        Field::Open => {}
                    }
                }
                // A required field the mapping misspelled is reported once, as the misspelling.
                let misspelled: Vec<&str> = map
                    .keys()
                    .filter(|key| schema::field(contract, key) == Field::Unknown)
                    .filter_map(|key| {
                        schema::required(contract)
                            .into_iter()
                            .find(|r| did_you_mean(key, [*r]).is_some())
                    })
                    .collect();
                for required in schema::required(contract) {
                    if !map.contains_key(required) && !misspelled.contains(&required) {
                        problems.push(
                            Code::MissingRequestField,
                            at,
                            format!(
                                "`{}` requires `{required}`, which this mapping does not set",
                                operation.name
                            ),
                        );
                    }
                }
            }
            Mapping::List(items) => {
                if let Some(item) = contract.get("items").filter(|i| i.is_object()) {
                    for (n, value) in items.iter().enumerate() {
                        self.request(value, item, operation, &format!("{at}[{n}]"), problems);
                    }
                }
            }
            Mapping::Literal(value) => {
                if !self.places.bad.contains(at) && !schema::admits(contract, value) {
                    problems.push(
                        Code::WrongType,
                        at,
                        format!(
                            "`{value}` does not fit `{}` here, which wants {}",
                            operation.name,
                            schema::describe(contract)
                        ),
                    );
                }
            }
            Mapping::Ref(reference) => {
                for source in self.sources(&reference.source, &reference.fields) {
                    if !schema::fits(source, contract) {
                        problems.push(
                            Code::WrongType,
                            at,
                            format!(
                                "`{reference}` is {} but `{}` wants {} here",
                                schema::describe(source),
                                operation.name,
                                schema::describe(contract)
                            ),
                        );
                        break;
                    }
                }
            }
            // A computed value's type is known only when it runs.
            Mapping::Expr(_) => {}
        }
    }

    /// The schemas a reference may take its value from: the application schema's field, or the
    /// response field of each route of the step that keeps it.
    fn sources(&self, source: &Source, fields: &[String]) -> Vec<&Value> {
        match source {
            Source::Application => {
                match schema::path(&self.definition.application_schema, fields) {
                    Ok(Field::Known(found)) => vec![found],
                    _ => Vec::new(),
                }
            }
            Source::Step(step) => self.step_sources(step, fields),
        }
    }

    fn step_sources(&self, step: &StepId, fields: &[String]) -> Vec<&Value> {
        let Some(step) = self.definition.step(step) else {
            return Vec::new();
        };
        step.routes
            .iter()
            .filter(|route| route.output.iter().any(|f| Some(f) == fields.first()))
            .filter_map(|route| {
                let operation = self
                    .catalogue
                    .agency(&route.agency)?
                    .operation(&route.operation)?;
                match schema::path(&operation.response, fields) {
                    Ok(Field::Known(found)) => Some(found),
                    _ => None,
                }
            })
            .collect()
    }
}

fn operation<'a>(
    agency: &'a Agency,
    name: &str,
    at: &str,
    problems: &mut Problems,
) -> Option<&'a Operation> {
    let found = agency.operation(name);
    if found.is_none() {
        problems
            .add(
                Code::UnknownOperation,
                at,
                format!(
                    "agency `{}` offers no operation `{name}`; it offers: {}",
                    agency.id,
                    agency.operation_names()
                ),
            )
            .help(did_you_mean(
                name,
                agency.operations.iter().map(|o| o.name.as_str()),
            ));
    }
    found
}

fn field_names(schema: &Value) -> Vec<&str> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn fields_of(schema: &Value) -> String {
    let names = field_names(schema);
    if names.is_empty() {
        "no listed fields".to_owned()
    } else {
        names.join(", ")
    }
}
