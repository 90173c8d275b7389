//! The first pass: each value checked on its own, and the model assembled.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

use super::{Places, RoutePlaces, StepPlaces};
use crate::names::{is_slug, join};
use crate::{
    AgencyId, Check, CheckRule, Compensation, Definition, DiagnosticCode as Code, FailurePolicy,
    Millis, ProcedureId, RetryPolicy, Route, Step, StepId, TimeLimit, Titles,
    diagnostic::Problems,
    expression::{Expression, Read},
    mapping::Mapping,
    schema,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDefinition {
    id: String,
    version: u32,
    effective_from: String,
    title: Titles,
    case_code_prefix: String,
    #[serde(default)]
    legal_basis: Option<String>,
    #[serde(default = "default_policy")]
    on_failure: FailurePolicy,
    #[serde(default)]
    deadline: Option<RawDeadline>,
    application: RawApplication,
    steps: Vec<RawStep>,
    #[serde(default)]
    form: Option<super::form::RawForm>,
    #[serde(default)]
    contact: Option<super::contact::RawContact>,
}

fn default_policy() -> FailurePolicy {
    FailurePolicy::Compensate
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDeadline {
    #[serde(default)]
    working_days: Option<u32>,
    #[serde(default)]
    within: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApplication {
    schema: Value,
    #[serde(default)]
    checks: Vec<Check>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: String,
    title: Titles,
    #[serde(default)]
    when: Option<String>,
    #[serde(default)]
    agency: Option<String>,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    routes: Option<Vec<RawRoute>>,
    #[serde(default)]
    needs: Vec<String>,
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    output: Option<Vec<String>>,
    #[serde(default)]
    irreversible: bool,
    #[serde(default)]
    compensation: Option<RawCompensation>,
    #[serde(default)]
    retry: Option<RawRetry>,
    #[serde(default)]
    attempt_timeout: Option<String>,
    #[serde(default)]
    deadline: Option<RawDeadline>,
    #[serde(default)]
    supplement_within: Option<RawDeadline>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoute {
    #[serde(default)]
    when: Option<String>,
    agency: String,
    operation: String,
    #[serde(default)]
    input: Option<Value>,
    #[serde(default)]
    output: Option<Vec<String>>,
    #[serde(default)]
    irreversible: Option<bool>,
    #[serde(default)]
    compensation: Option<RawCompensation>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawCompensation {
    operation: String,
    #[serde(default)]
    input: Option<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRetry {
    #[serde(default)]
    initial_interval: Option<String>,
    #[serde(default)]
    backoff: Option<f64>,
    #[serde(default)]
    max_interval: Option<String>,
    #[serde(default)]
    max_attempts: Option<u32>,
    #[serde(default)]
    park: Option<String>,
}

const DEFAULT_ATTEMPT_TIMEOUT: Millis = Millis(30_000);
/// Decree 63/2024: missing documents are to be supplied within 7 working days.
const DEFAULT_SUPPLEMENT_DAYS: u32 = 7;

pub(crate) fn build(raw: RawDefinition, problems: &mut Problems) -> (Definition, Places) {
    let mut places = Places::default();
    if !is_slug(&raw.id) {
        problems.push(
            Code::BadValue,
            "id",
            "the procedure id must be lowercase letters, digits and `-`",
        );
    }
    if raw.version == 0 {
        problems.push(Code::BadValue, "version", "versions start at 1");
    }
    if time::Date::parse(
        &raw.effective_from,
        &time::format_description::well_known::Iso8601::DATE,
    )
    .is_err()
    {
        problems.push(
            Code::BadValue,
            "effective_from",
            "write the date as YYYY-MM-DD",
        );
    }
    let prefix_ok = (2..=4).contains(&raw.case_code_prefix.len())
        && raw.case_code_prefix.chars().all(|c| c.is_ascii_uppercase());
    if !prefix_ok {
        problems.push(
            Code::BadValue,
            "case_code_prefix",
            "use two to four capital letters A-Z",
        );
    }
    if let Err(error) = schema::compile(&raw.application.schema) {
        problems.push(
            Code::BadSchema,
            join("application.schema", &error.at),
            error.message,
        );
    }
    for (i, check) in raw.application.checks.iter().enumerate() {
        check_rule(check, &format!("application.checks[{i}]"), problems);
    }

    let case_deadline = raw
        .deadline
        .and_then(|d| time_limit(d, "deadline", problems));
    let mut steps = Vec::with_capacity(raw.steps.len());
    let mut seen = BTreeMap::new();
    for (i, s) in raw.steps.into_iter().enumerate() {
        let (step, step_places) = step(s, i, &mut seen, &mut places.bad, problems);
        steps.push(step);
        places.steps.push(step_places);
    }

    let form = super::form::build(raw.form, &raw.application.schema, &steps, problems);
    let contact = super::contact::build(raw.contact, &raw.application.schema, problems);
    let definition = Definition {
        id: ProcedureId(raw.id),
        version: raw.version,
        effective_from: raw.effective_from,
        title: raw.title,
        case_code_prefix: raw.case_code_prefix,
        legal_basis: raw.legal_basis,
        application_schema: raw.application.schema,
        checks: raw.application.checks,
        on_failure: raw.on_failure,
        deadline: case_deadline,
        steps,
        form,
        contact,
    };
    (definition, places)
}

fn check_rule(check: &Check, at: &str, problems: &mut Problems) {
    if !check.field.starts_with('/') {
        problems.push(
            Code::BadValue,
            format!("{at}.field"),
            "write the field as a JSON pointer such as /child/date_of_birth",
        );
    }
    match &check.rule {
        CheckRule::AgeUnderYears { years: 0 } => problems.push(
            Code::BadValue,
            format!("{at}.rule.years"),
            "an age limit must be at least 1 year",
        ),
        CheckRule::Expression { expression } => {
            let at = format!("{at}.rule.expression");
            match expression.reads() {
                Err(invalid) => problems.push(Code::BadExpression, at, invalid.to_string()),
                Ok(reads) if reads.iter().any(|r| matches!(r, Read::Step { .. })) => {
                    problems.push(
                        Code::BadExpression,
                        at,
                        "application rules are checked before any step runs: they read only `application`",
                    );
                }
                Ok(_) => {}
            }
        }
        _ => {}
    }
}

fn step(
    s: RawStep,
    i: usize,
    seen: &mut BTreeMap<String, usize>,
    bad: &mut BTreeSet<String>,
    problems: &mut Problems,
) -> (Step, StepPlaces) {
    let at = format!("steps[{i}]");
    if !is_slug(&s.id) {
        problems.push(
            Code::BadValue,
            format!("{at}.id"),
            "a step id must be lowercase letters, digits and `-`",
        );
    }
    match seen.get(&s.id) {
        Some(first) => {
            problems
                .add(
                    Code::DuplicateStep,
                    format!("{at}.id"),
                    format!("another step is already called `{}`", s.id),
                )
                .related(format!("steps[{first}].id"), "first defined here")
                .help(Some("give each step its own id".to_owned()));
        }
        None => {
            seen.insert(s.id.clone(), i);
        }
    }
    let when = s
        .when
        .as_deref()
        .and_then(|w| expression(w, &format!("{at}.when"), problems));
    if s.irreversible && s.compensation.is_some() {
        problems.push(
            Code::BadValue,
            format!("{at}.compensation"),
            "an irreversible step cannot have a compensation",
        );
    }
    let shared = Shared {
        step: &s.id,
        at: &at,
        input: s.input,
        output: s.output,
        irreversible: s.irreversible,
        compensation: s.compensation,
    };
    let (routes, route_places) = match (s.agency, s.operation, s.routes) {
        (Some(agency), Some(operation), None) => {
            let direct = RawRoute {
                when: None,
                agency,
                operation,
                input: None,
                output: None,
                irreversible: None,
                compensation: None,
            };
            let (route, places) = shared.route(direct, at.clone(), bad, problems);
            (vec![route], vec![places])
        }
        (None, None, Some(list)) if !list.is_empty() => {
            let mut routes = Vec::with_capacity(list.len());
            let mut places = Vec::with_capacity(list.len());
            let mut otherwise_seen = false;
            for (j, raw_route) in list.into_iter().enumerate() {
                let route_at = format!("{at}.routes[{j}]");
                if otherwise_seen {
                    problems.push(
                        Code::UnreachableRoute,
                        route_at.clone(),
                        format!(
                            "an earlier route of step `{}` has no `when`, so it is always taken and this one never is",
                            s.id
                        ),
                    );
                }
                otherwise_seen |= raw_route.when.is_none();
                let (route, route_places) = shared.route(raw_route, route_at, bad, problems);
                routes.push(route);
                places.push(route_places);
            }
            (routes, places)
        }
        _ => {
            problems.push(
                Code::BadValue,
                at.clone(),
                format!(
                    "step `{}` must name either its `agency` and `operation`, or a non-empty list of `routes`, not both",
                    s.id
                ),
            );
            (Vec::new(), Vec::new())
        }
    };
    let retry = retry_policy(s.retry, &at, problems);
    let attempt_timeout = match s.attempt_timeout {
        None => DEFAULT_ATTEMPT_TIMEOUT,
        Some(text) => duration(&text, &format!("{at}.attempt_timeout"), problems),
    };
    let step = Step {
        id: StepId(s.id),
        title: s.title,
        needs: s.needs.into_iter().map(StepId).collect(),
        when,
        routes,
        retry,
        attempt_timeout,
        deadline: s
            .deadline
            .and_then(|d| time_limit(d, &format!("{at}.deadline"), problems)),
        supplement_within: s
            .supplement_within
            .and_then(|d| time_limit(d, &format!("{at}.supplement_within"), problems))
            .unwrap_or(TimeLimit::WorkingDays(DEFAULT_SUPPLEMENT_DAYS)),
    };
    (
        step,
        StepPlaces {
            at,
            routes: route_places,
        },
    )
}

/// What a step says once for all its routes.
struct Shared<'a> {
    step: &'a str,
    at: &'a str,
    input: Option<Value>,
    output: Option<Vec<String>>,
    irreversible: bool,
    compensation: Option<RawCompensation>,
}

impl Shared<'_> {
    fn route(
        &self,
        raw: RawRoute,
        at: String,
        bad: &mut BTreeSet<String>,
        problems: &mut Problems,
    ) -> (Route, RoutePlaces) {
        let when = raw
            .when
            .as_deref()
            .and_then(|w| expression(w, &format!("{at}.when"), problems));
        let own = |key: &str, written: bool| {
            if written {
                format!("{at}.{key}")
            } else {
                format!("{}.{key}", self.at)
            }
        };
        let places = RoutePlaces {
            input: own("input", raw.input.is_some()),
            output: own("output", raw.output.is_some()),
            compensation: own("compensation", raw.compensation.is_some()),
            at: at.clone(),
        };
        let input_value = raw
            .input
            .or_else(|| self.input.clone())
            .unwrap_or_else(|| Value::Object(serde_json::Map::new()));
        let input = mapping(input_value, &places.input, bad, problems);

        if raw.irreversible == Some(true) && raw.compensation.is_some() {
            problems.push(
                Code::BadValue,
                places.compensation.clone(),
                "an irreversible route cannot have a compensation",
            );
        }
        let irreversible = raw.irreversible.unwrap_or(if raw.compensation.is_some() {
            false
        } else {
            self.irreversible
        });
        let compensation = match raw.compensation {
            Some(own) => Some(own),
            None if irreversible => None,
            None => self.compensation.clone(),
        }
        .filter(|_| !irreversible)
        .map(|c| Compensation {
            operation: c.operation,
            input: mapping(
                c.input
                    .unwrap_or_else(|| Value::Object(serde_json::Map::new())),
                &format!("{}.input", places.compensation),
                bad,
                problems,
            ),
        });
        if !irreversible && compensation.is_none() {
            problems.push(
                Code::MissingCompensation,
                at.clone(),
                format!(
                    "step `{}` must say how it is undone (`compensation`) or that it cannot be (`irreversible: true`)",
                    self.step
                ),
            );
        }
        let route = Route {
            when,
            agency: AgencyId(raw.agency),
            operation: raw.operation,
            input,
            output: raw
                .output
                .or_else(|| self.output.clone())
                .unwrap_or_default(),
            compensation,
        };
        (route, places)
    }
}

fn expression(source: &str, at: &str, problems: &mut Problems) -> Option<Expression> {
    Expression::new(source)
        .map_err(|invalid| problems.push(Code::BadExpression, at, invalid.to_string()))
        .ok()
}

fn mapping(value: Value, at: &str, bad: &mut BTreeSet<String>, problems: &mut Problems) -> Mapping {
    let (mapping, found) = Mapping::read(value);
    for problem in found {
        let path = join(at, &problem.path);
        let code = if problem.expression {
            Code::BadExpression
        } else {
            Code::BadReference
        };
        problems.push(code, path.clone(), problem.message);
        bad.insert(path);
    }
    mapping
}

fn time_limit(raw: RawDeadline, at: &str, problems: &mut Problems) -> Option<TimeLimit> {
    match (raw.working_days, raw.within) {
        (Some(days), None) => Some(TimeLimit::WorkingDays(days)),
        (None, Some(text)) => Some(TimeLimit::Within(duration(
            &text,
            &format!("{at}.within"),
            problems,
        ))),
        _ => {
            problems.push(
                Code::BadValue,
                at,
                "give exactly one of `working_days` (legal limits) or `within` (a duration such as 48h)",
            );
            None
        }
    }
}

fn duration(text: &str, at: &str, problems: &mut Problems) -> Millis {
    Millis::parse(text).unwrap_or_else(|| {
        problems.push(
            Code::BadDuration,
            at,
            format!("`{text}` is not a duration; write e.g. 500ms, 10s, 5m or 2h"),
        );
        Millis(0)
    })
}

fn retry_policy(raw: Option<RawRetry>, at: &str, problems: &mut Problems) -> RetryPolicy {
    let default = RetryPolicy::default();
    let Some(raw) = raw else { return default };
    let policy = RetryPolicy {
        initial_interval: raw.initial_interval.map_or(default.initial_interval, |t| {
            duration(&t, &format!("{at}.retry.initial_interval"), problems)
        }),
        backoff: raw.backoff.unwrap_or(default.backoff),
        max_interval: raw.max_interval.map_or(default.max_interval, |t| {
            duration(&t, &format!("{at}.retry.max_interval"), problems)
        }),
        max_attempts: raw.max_attempts.unwrap_or(default.max_attempts),
        park: raw
            .park
            .map(|t| duration(&t, &format!("{at}.retry.park"), problems)),
    };
    if !(1.0..=10.0).contains(&policy.backoff) {
        problems.push(
            Code::BadValue,
            format!("{at}.retry.backoff"),
            "backoff must be between 1.0 and 10.0",
        );
    }
    if policy.max_interval < policy.initial_interval {
        problems.push(
            Code::BadValue,
            format!("{at}.retry.max_interval"),
            "max_interval must not be shorter than initial_interval",
        );
    }
    policy
}
