//! The second pass: `needs`, cycles, and what every mapping and expression reads.

use std::collections::{BTreeMap, BTreeSet};

use super::Places;
use crate::names::{did_you_mean, join};
use crate::{
    CheckRule, Definition, DiagnosticCode as Code, Step, StepId, diagnostic::Problems,
    expression::Read, schema,
};

pub(super) fn check(definition: &Definition, places: &Places, problems: &mut Problems) {
    let steps = &definition.steps;
    let index: BTreeMap<&StepId, usize> =
        steps.iter().enumerate().map(|(i, s)| (&s.id, i)).collect();
    for (i, step) in steps.iter().enumerate() {
        for (k, need) in step.needs.iter().enumerate() {
            if !index.contains_key(need) {
                problems
                    .add(
                        Code::UnknownStep,
                        format!("steps[{i}].needs[{k}]"),
                        format!(
                            "step `{}` needs `{need}`, which is not a step of this procedure",
                            step.id
                        ),
                    )
                    .help(did_you_mean(&need.0, steps.iter().map(|s| s.id.0.as_str())));
            }
        }
    }
    let cycle = find_cycle(steps, &index);
    if let Some((first, cycle)) = &cycle {
        problems.push(
            Code::Cycle,
            format!("steps[{first}].needs"),
            format!(
                "these steps wait on each other and could never start: {}",
                cycle.join(" → ")
            ),
        );
    }
    let application = Application(&definition.application_schema);
    for (i, check) in definition.checks.iter().enumerate() {
        let at = format!("application.checks[{i}]");
        application.pointer(&check.field, &format!("{at}.field"), problems);
        if let CheckRule::Expression { expression } = &check.rule {
            for read in expression.reads().unwrap_or_default() {
                if let Read::Application(fields) = read {
                    application.fields(&fields, &format!("{at}.rule.expression"), problems);
                }
            }
        }
    }
    for (i, step) in steps.iter().enumerate() {
        let Some(step_places) = places.steps.get(i) else {
            continue;
        };
        // Ancestors are meaningless in a cycle, or when a need names no step: both are reported
        // already, and what the step reads would only be reported again as undeclared.
        let needs_known = step.needs.iter().all(|n| index.contains_key(n));
        let upstream = (cycle.is_none() && needs_known).then(|| ancestors(step, steps, &index));
        let reader = Reader {
            step,
            steps,
            index: &index,
            upstream: upstream.as_ref(),
            application,
        };
        let mut reads: Vec<(String, Read, Option<usize>)> = Vec::new();
        if let Some(when) = &step.when {
            let at = format!("{}.when", step_places.at);
            reads.extend(
                when.reads()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| (at.clone(), r, None)),
            );
        }
        for (j, (route, route_places)) in step.routes.iter().zip(&step_places.routes).enumerate() {
            if let Some(when) = &route.when {
                let at = format!("{}.when", route_places.at);
                reads.extend(
                    when.reads()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|r| (at.clone(), r, None)),
                );
            }
            for (path, read) in route.input.reads() {
                reads.push((join(&route_places.input, &path), read, None));
            }
            if let Some(compensation) = &route.compensation {
                let at = format!("{}.input", route_places.compensation);
                for (path, read) in compensation.input.reads() {
                    reads.push((join(&at, &path), read, Some(j)));
                }
            }
        }
        for (at, read, compensating) in reads {
            reader.read(&at, &read, compensating, problems);
        }
    }
}

/// Checks references into the application against its schema.
#[derive(Clone, Copy)]
struct Application<'a>(&'a serde_json::Value);

impl Application<'_> {
    fn fields(&self, fields: &[String], at: &str, problems: &mut Problems) {
        if let Err(unknown) = schema::path(self.0, fields) {
            let under = if unknown == 0 {
                "at its top level".to_owned()
            } else {
                format!("under `{}`", fields[..unknown].join("."))
            };
            problems.push(
                Code::UnknownApplicationField,
                at,
                format!(
                    "`application.{}` reads `{}`, which the application schema does not have {under}",
                    fields.join("."),
                    fields[unknown]
                ),
            );
        }
    }

    fn pointer(&self, pointer: &str, at: &str, problems: &mut Problems) {
        let Some(rest) = pointer.strip_prefix('/') else {
            return;
        };
        let fields: Vec<String> = rest
            .split('/')
            .map(|f| f.replace("~1", "/").replace("~0", "~"))
            .collect();
        if let Err(unknown) = schema::path(self.0, &fields) {
            problems.push(
                Code::UnknownApplicationField,
                at,
                format!(
                    "`{pointer}` names `{}`, which the application schema does not have there",
                    fields[unknown]
                ),
            );
        }
    }
}

struct Reader<'a> {
    step: &'a Step,
    steps: &'a [Step],
    index: &'a BTreeMap<&'a StepId, usize>,
    upstream: Option<&'a BTreeSet<&'a StepId>>,
    application: Application<'a>,
}

impl Reader<'_> {
    /// `compensating` is the route whose compensation reads, which may read that route's own
    /// output.
    fn read(&self, at: &str, read: &Read, compensating: Option<usize>, problems: &mut Problems) {
        let (source, field) = match read {
            Read::Application(fields) => {
                self.application.fields(fields, at, problems);
                return;
            }
            Read::Step { step, field } => (step, field),
        };
        let source_id = StepId(source.clone());
        let Some(&j) = self.index.get(&source_id) else {
            problems
                .add(
                    Code::UnknownStep,
                    at,
                    format!("`{read}` reads step `{source}`, which does not exist"),
                )
                .help(did_you_mean(
                    source,
                    self.steps.iter().map(|s| s.id.0.as_str()),
                ));
            return;
        };
        let own = source_id == self.step.id;
        if own {
            if let (Some(route), Some(field)) = (compensating, field) {
                let kept = &self.step.routes[route].output;
                if !kept.contains(field) {
                    problems
                        .add(
                            Code::UnknownOutputField,
                            at,
                            format!(
                                "this route of step `{source}` keeps no output `{field}`; it keeps: {}",
                                kept.join(", ")
                            ),
                        )
                        .help(did_you_mean(field, kept.iter().map(String::as_str)));
                }
                return;
            }
            if compensating.is_none() {
                problems.push(
                    Code::UndeclaredDependency,
                    at,
                    format!(
                        "`{read}` reads step `{source}` itself, whose outputs exist only once it has run; only its compensation may read them"
                    ),
                );
                return;
            }
        }
        if !own && self.upstream.is_some_and(|up| !up.contains(&source_id)) {
            problems.push(
                Code::UndeclaredDependency,
                at,
                format!(
                    "`{read}` reads step `{source}`, but `{}` does not list it (directly or through another step) in `needs`",
                    self.step.id
                ),
            );
        }
        if let Some(field) = field {
            let step = &self.steps[j];
            if !step.may_keep(field) {
                let mut kept: Vec<&str> = step
                    .routes
                    .iter()
                    .flat_map(|r| r.output.iter().map(String::as_str))
                    .collect();
                kept.sort_unstable();
                kept.dedup();
                problems
                    .add(
                        Code::UnknownOutputField,
                        at,
                        format!(
                            "step `{source}` keeps no output `{field}`; it keeps: {}",
                            kept.join(", ")
                        ),
                    )
                    .help(did_you_mean(field, kept.iter().copied()));
            }
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

/// The first cycle found: the index of a step on it, and the step ids around it.
fn find_cycle(steps: &[Step], index: &BTreeMap<&StepId, usize>) -> Option<(usize, Vec<String>)> {
    // Colours: 0 unvisited, 1 on the current path, 2 done. Iterative, so a long chain of steps
    // cannot overflow the stack.
    let mut colour = vec![0u8; steps.len()];
    for start in 0..steps.len() {
        if colour[start] != 0 {
            continue;
        }
        let mut path: Vec<(usize, usize)> = vec![(start, 0)];
        colour[start] = 1;
        while let Some(&mut (i, ref mut next)) = path.last_mut() {
            let Some(need) = steps[i].needs.get(*next) else {
                colour[i] = 2;
                path.pop();
                continue;
            };
            *next += 1;
            let Some(&j) = index.get(need) else { continue };
            match colour[j] {
                1 => {
                    let from = path.iter().position(|&(p, _)| p == j).unwrap_or(0);
                    let mut cycle: Vec<String> = path[from..]
                        .iter()
                        .map(|&(p, _)| steps[p].id.0.clone())
                        .collect();
                    cycle.push(steps[j].id.0.clone());
                    return Some((j, cycle));
                }
                0 => {
                    colour[j] = 1;
                    path.push((j, 0));
                }
                _ => {}
            }
        }
    }
    None
}
