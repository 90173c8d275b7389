//! Which route a step takes and the calls it makes on it.

use serde_json::Value;

use super::Action;
use crate::{
    AgencyId, Definition, Route, Step, StepId,
    case::{CaseState, StepError},
    expression::{EvaluationError, Scope},
};

/// One call to an agency, fully worked out: the workflow sends it as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub step: StepId,
    /// Index into the step's routes.
    pub route: usize,
    pub agency: AgencyId,
    pub operation: String,
    /// The request body: `null` for a reconciliation, which sends nothing new.
    pub payload: Value,
    /// The answer fields to keep; `None` keeps the whole answer (a compensation's).
    pub keep: Option<Vec<String>>,
}

/// The route a step was sent on, as the case recorded it. A step with a single route can only
/// have taken that one.
pub fn chosen_route<'d>(
    definition: &'d Definition,
    state: &CaseState,
    step: &StepId,
) -> Option<&'d Route> {
    let routes = &definition.step(step)?.routes;
    routes.get(route_index(routes, state, step)?)
}

fn route_index(routes: &[Route], state: &CaseState, step: &StepId) -> Option<usize> {
    let recorded = state.step(step)?.route;
    recorded.or((routes.len() == 1).then_some(0))
}

/// The call that asks the agency what became of the step's current act, on its recorded route.
pub fn reconcile_call(definition: &Definition, state: &CaseState, step: &StepId) -> Option<Call> {
    let route = route_index(&definition.step(step)?.routes, state, step)?;
    let target = chosen_route(definition, state, step)?;
    Some(Call {
        step: step.clone(),
        route,
        agency: target.agency.clone(),
        operation: target.operation.clone(),
        payload: Value::Null,
        keep: Some(target.output.clone()),
    })
}

/// What to do with a step whose needs all succeeded: send it on a route, find it not applicable,
/// or fail it because an expression could not be evaluated.
pub(super) fn start(step: &Step, state: &CaseState, scope: &Scope<'_>) -> Action {
    match forward(step, state, scope) {
        Ok(Some(call)) => Action::Start(call),
        Ok(None) => Action::NotApplicable(step.id.clone()),
        Err(error) => Action::Fail {
            step: step.id.clone(),
            error: StepError {
                code: "EXPRESSION_FAILED".into(),
                message: error.to_string(),
            },
        },
    }
}

fn forward(
    step: &Step,
    state: &CaseState,
    scope: &Scope<'_>,
) -> Result<Option<Call>, EvaluationError> {
    // A step sent before (and now sent again with documents, or after an outage) keeps its route:
    // the agency that has the dossier is the one to hear from.
    let recorded = state.step(&step.id).and_then(|s| s.route);
    let index = match recorded {
        Some(index) => index,
        None => {
            if let Some(when) = &step.when
                && !when.holds(scope)?
            {
                return Ok(None);
            }
            let mut taken = None;
            for (i, route) in step.routes.iter().enumerate() {
                let holds = match &route.when {
                    None => true,
                    Some(when) => when.holds(scope)?,
                };
                if holds {
                    taken = Some(i);
                    break;
                }
            }
            match taken {
                Some(index) => index,
                None => return Ok(None),
            }
        }
    };
    let Some(route) = step.routes.get(index) else {
        return Ok(None);
    };
    Ok(Some(Call {
        step: step.id.clone(),
        route: index,
        agency: route.agency.clone(),
        operation: route.operation.clone(),
        payload: route.input.evaluate(scope)?,
        keep: Some(route.output.clone()),
    }))
}

/// The undo of a succeeded step on its recorded route; `None` when it cannot be undone, or its
/// request could not be built (an operator then corrects it).
pub(super) fn compensation(
    definition: &Definition,
    state: &CaseState,
    step: &StepId,
    scope: &Scope<'_>,
) -> Option<Call> {
    let route = route_index(&definition.step(step)?.routes, state, step)?;
    let target = chosen_route(definition, state, step)?;
    let compensation = target.compensation.as_ref()?;
    Some(Call {
        step: step.clone(),
        route,
        agency: target.agency.clone(),
        operation: compensation.operation.clone(),
        payload: compensation.input.evaluate(scope).ok()?,
        keep: None,
    })
}
