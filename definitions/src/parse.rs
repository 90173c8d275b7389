//! From YAML text to a validated [`Definition`], collecting every problem on the way.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;

use crate::{
    Check, CheckRule, Compensation, Definition, Diagnostic, DiagnosticCode as Code, Diagnostics,
    FailurePolicy, Millis, ProcedureId, RetryPolicy, Step, StepId, TimeLimit, Titles,
    mapping::{Mapping, Source},
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefinition {
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
    agency: String,
    operation: String,
    #[serde(default)]
    needs: Vec<String>,
    input: Value,
    #[serde(default)]
    output: Vec<String>,
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
struct RawCompensation {
    operation: String,
    input: Value,
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

/// Parses and validates a definition. Never panics; returns every problem found.
pub fn parse_definition(yaml: &str) -> Result<Definition, Diagnostics> {
    let raw: RawDefinition = serde_saphyr::from_str(yaml).map_err(|e| {
        let mut d = Diagnostic::new(Code::Syntax, "", syntax_message(&e));
        if let Some(at) = e.location() {
            d.line = Some(at.line());
            d.column = Some(at.column());
        }
        Diagnostics(vec![d])
    })?;
    let mut problems = Vec::new();
    let definition = build(raw, &mut problems);
    if problems.is_empty() {
        Ok(definition)
    } else {
        Err(Diagnostics(problems))
    }
}

fn syntax_message(e: &serde_saphyr::Error) -> String {
    // The parser's own text is precise; keep only its first line, which names the problem.
    e.to_string()
        .lines()
        .next()
        .unwrap_or("invalid YAML")
        .to_owned()
}

fn build(raw: RawDefinition, problems: &mut Vec<Diagnostic>) -> Definition {
    let mut push =
        |code, path: String, message: String| problems.push(Diagnostic::new(code, path, message));

    if !is_slug(&raw.id) {
        push(
            Code::BadValue,
            "id".into(),
            "the procedure id must be lowercase letters, digits and `-`".into(),
        );
    }
    if raw.version == 0 {
        push(
            Code::BadValue,
            "version".into(),
            "versions start at 1".into(),
        );
    }
    if time::Date::parse(
        &raw.effective_from,
        &time::format_description::well_known::Iso8601::DATE,
    )
    .is_err()
    {
        push(
            Code::BadValue,
            "effective_from".into(),
            "write the date as YYYY-MM-DD".into(),
        );
    }
    let prefix_ok = (2..=4).contains(&raw.case_code_prefix.len())
        && raw.case_code_prefix.chars().all(|c| c.is_ascii_uppercase());
    if !prefix_ok {
        push(
            Code::BadValue,
            "case_code_prefix".into(),
            "use two to four capital letters A-Z".into(),
        );
    }
    if !raw.application.schema.is_object() {
        push(
            Code::BadSchema,
            "application.schema".into(),
            "the application schema must be a JSON Schema object".into(),
        );
    }
    for (i, check) in raw.application.checks.iter().enumerate() {
        if !check.field.starts_with('/') {
            push(
                Code::BadValue,
                format!("application.checks[{i}].field"),
                "write the field as a JSON pointer such as /child/date_of_birth".into(),
            );
        }
        if matches!(check.rule, CheckRule::AgeUnderYears { years: 0 }) {
            push(
                Code::BadValue,
                format!("application.checks[{i}].rule.years"),
                "an age limit must be at least 1 year".into(),
            );
        }
    }

    let case_deadline = raw
        .deadline
        .and_then(|d| time_limit(d, "deadline", &mut push));
    let mut steps = Vec::with_capacity(raw.steps.len());
    let mut seen = BTreeSet::new();
    for (i, s) in raw.steps.into_iter().enumerate() {
        let at = format!("steps[{i}]");
        if !is_slug(&s.id) {
            push(
                Code::BadValue,
                format!("{at}.id"),
                "a step id must be lowercase letters, digits and `-`".into(),
            );
        }
        if !seen.insert(s.id.clone()) {
            push(
                Code::DuplicateStep,
                format!("{at}.id"),
                format!("another step is already called `{}`", s.id),
            );
        }
        let input = mapping(s.input, &format!("{at}.input"), &mut push);
        let compensation = match (s.irreversible, s.compensation) {
            (true, Some(_)) => {
                push(
                    Code::BadValue,
                    format!("{at}.compensation"),
                    "an irreversible step cannot have a compensation".into(),
                );
                None
            }
            (true, None) => None,
            (false, Some(c)) => Some(Compensation {
                operation: c.operation,
                input: mapping(c.input, &format!("{at}.compensation.input"), &mut push),
            }),
            (false, None) => {
                push(
                    Code::MissingCompensation,
                    at.to_string(),
                    format!(
                        "step `{}` must say how it is undone (`compensation`) or that it cannot be (`irreversible: true`)",
                        s.id
                    ),
                );
                None
            }
        };
        let retry = retry_policy(s.retry, &at, &mut push);
        let attempt_timeout = match s.attempt_timeout {
            None => DEFAULT_ATTEMPT_TIMEOUT,
            Some(text) => duration(&text, &format!("{at}.attempt_timeout"), &mut push),
        };
        steps.push(Step {
            id: StepId(s.id),
            title: s.title,
            agency: s.agency,
            operation: s.operation,
            needs: s.needs.into_iter().map(StepId).collect(),
            input,
            output: s.output,
            compensation,
            retry,
            attempt_timeout,
            deadline: s
                .deadline
                .and_then(|d| time_limit(d, &format!("{at}.deadline"), &mut push)),
            supplement_within: s
                .supplement_within
                .and_then(|d| time_limit(d, &format!("{at}.supplement_within"), &mut push))
                .unwrap_or(TimeLimit::WorkingDays(DEFAULT_SUPPLEMENT_DAYS)),
        });
    }
    check_graph(&steps, problems);

    Definition {
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
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn mapping(value: Value, at: &str, push: &mut impl FnMut(Code, String, String)) -> Mapping {
    Mapping::try_from(value).unwrap_or_else(|message| {
        push(Code::BadReference, at.to_owned(), message);
        Mapping::Literal(Value::Null)
    })
}

fn time_limit(
    raw: RawDeadline,
    at: &str,
    push: &mut impl FnMut(Code, String, String),
) -> Option<TimeLimit> {
    match (raw.working_days, raw.within) {
        (Some(days), None) => Some(TimeLimit::WorkingDays(days)),
        (None, Some(text)) => Some(TimeLimit::Within(duration(
            &text,
            &format!("{at}.within"),
            push,
        ))),
        _ => {
            push(Code::BadValue, at.to_owned(), "give exactly one of `working_days` (legal limits) or `within` (a duration such as 48h)".into());
            None
        }
    }
}

fn duration(text: &str, at: &str, push: &mut impl FnMut(Code, String, String)) -> Millis {
    Millis::parse(text).unwrap_or_else(|| {
        push(
            Code::BadDuration,
            at.to_owned(),
            format!("`{text}` is not a duration; write e.g. 500ms, 10s, 5m or 2h"),
        );
        Millis(0)
    })
}

fn retry_policy(
    raw: Option<RawRetry>,
    at: &str,
    push: &mut impl FnMut(Code, String, String),
) -> RetryPolicy {
    let default = RetryPolicy::default();
    let Some(raw) = raw else { return default };
    let policy = RetryPolicy {
        initial_interval: raw.initial_interval.map_or(default.initial_interval, |t| {
            duration(&t, &format!("{at}.retry.initial_interval"), push)
        }),
        backoff: raw.backoff.unwrap_or(default.backoff),
        max_interval: raw.max_interval.map_or(default.max_interval, |t| {
            duration(&t, &format!("{at}.retry.max_interval"), push)
        }),
        max_attempts: raw.max_attempts.unwrap_or(default.max_attempts),
        park: raw
            .park
            .map(|t| duration(&t, &format!("{at}.retry.park"), push)),
    };
    if !(1.0..=10.0).contains(&policy.backoff) {
        push(
            Code::BadValue,
            format!("{at}.retry.backoff"),
            "backoff must be between 1.0 and 10.0".into(),
        );
    }
    if policy.max_interval < policy.initial_interval {
        push(
            Code::BadValue,
            format!("{at}.retry.max_interval"),
            "max_interval must not be shorter than initial_interval".into(),
        );
    }
    policy
}

/// Checks `needs`, cycles, and that each mapping reads only outputs of steps it depends on.
fn check_graph(steps: &[Step], problems: &mut Vec<Diagnostic>) {
    let index: BTreeMap<&StepId, usize> =
        steps.iter().enumerate().map(|(i, s)| (&s.id, i)).collect();
    for (i, step) in steps.iter().enumerate() {
        for need in &step.needs {
            if !index.contains_key(need) {
                problems.push(Diagnostic::new(
                    Code::UnknownStep,
                    format!("steps[{i}].needs"),
                    format!(
                        "step `{}` needs `{need}`, which is not a step of this procedure",
                        step.id
                    ),
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(steps, &index) {
        problems.push(Diagnostic::new(
            Code::Cycle,
            "steps",
            format!(
                "these steps wait on each other and could never start: {}",
                cycle.join(" → ")
            ),
        ));
        return;
    }
    for (i, step) in steps.iter().enumerate() {
        let upstream = ancestors(step, steps, &index);
        let mut check = |at: String, mapping: &Mapping, own: bool| {
            for (path, reference) in mapping.references() {
                let Source::Step(source) = &reference.source else {
                    continue;
                };
                let at = format!("{at}.{path}");
                let Some(&j) = index.get(source) else {
                    problems.push(Diagnostic::new(
                        Code::UnknownStep,
                        at,
                        format!("`{reference}` reads step `{source}`, which does not exist"),
                    ));
                    continue;
                };
                let own_output = own && source == &step.id;
                if !own_output && !upstream.contains(source) {
                    problems.push(Diagnostic::new(
                        Code::UndeclaredDependency,
                        at.clone(),
                        format!("`{reference}` reads step `{source}`, but `{}` does not list it (directly or through another step) in `needs`", step.id),
                    ));
                }
                let field = &reference.fields[0];
                if !steps[j].output.contains(field) {
                    problems.push(Diagnostic::new(
                        Code::UnknownOutputField,
                        at,
                        format!(
                            "step `{source}` keeps no output `{field}`; it keeps: {}",
                            steps[j].output.join(", ")
                        ),
                    ));
                }
            }
        };
        check(format!("steps[{i}].input"), &step.input, false);
        if let Some(c) = &step.compensation {
            check(format!("steps[{i}].compensation.input"), &c.input, true);
        }
    }
}

fn ancestors<'a>(
    step: &'a Step,
    steps: &'a [Step],
    index: &BTreeMap<&StepId, usize>,
) -> BTreeSet<&'a StepId> {
    let mut found = BTreeSet::new();
    let mut stack: Vec<&StepId> = step.needs.iter().collect();
    while let Some(id) = stack.pop() {
        if found.insert(id)
            && let Some(&j) = index.get(id)
        {
            stack.extend(steps[j].needs.iter());
        }
    }
    found
}

fn find_cycle(steps: &[Step], index: &BTreeMap<&StepId, usize>) -> Option<Vec<String>> {
    // Colours: 0 unvisited, 1 on the current path, 2 done.
    fn visit(
        i: usize,
        steps: &[Step],
        index: &BTreeMap<&StepId, usize>,
        colour: &mut [u8],
        path: &mut Vec<usize>,
    ) -> Option<Vec<String>> {
        colour[i] = 1;
        path.push(i);
        for need in &steps[i].needs {
            let Some(&j) = index.get(need) else { continue };
            if colour[j] == 1 {
                let start = path.iter().position(|&p| p == j).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..]
                    .iter()
                    .map(|&p| steps[p].id.0.clone())
                    .collect();
                cycle.push(steps[j].id.0.clone());
                return Some(cycle);
            }
            if colour[j] == 0
                && let Some(cycle) = visit(j, steps, index, colour, path)
            {
                return Some(cycle);
            }
        }
        path.pop();
        colour[i] = 2;
        None
    }
    let mut colour = vec![0u8; steps.len()];
    (0..steps.len()).find_map(|i| {
        if colour[i] == 0 {
            visit(i, steps, index, &mut colour, &mut Vec::new())
        } else {
            None
        }
    })
}
