//! A definition (and, for a running case, its state) as the plain graph the pictures draw.

use crate::{
    Definition, TimeLimit,
    case::{CaseState, StepStatus},
    picture::{NodeState, PlanGraph, PlanNode},
};

/// The step graph of `definition`, each step with its agency call, condition, routes and time
/// limit; with `case`, each step also shows where it stands.
pub fn plan_graph(definition: &Definition, case: Option<&CaseState>) -> PlanGraph {
    let index = |id| definition.steps.iter().position(|s| &s.id == id);
    let nodes = definition
        .steps
        .iter()
        .map(|step| {
            let mut detail = Vec::new();
            if let Some(when) = &step.when {
                detail.push(format!("when: {when}"));
            }
            let routed = step.routes.len() > 1 || step.routes.iter().any(|r| r.when.is_some());
            for route in &step.routes {
                let call = format!("{} · {}", route.agency, route.operation);
                detail.push(match (&route.when, routed) {
                    (Some(when), _) => format!("if {when}: {call}"),
                    (None, true) => format!("otherwise: {call}"),
                    (None, false) => call,
                });
            }
            if step.routes.iter().all(|r| r.compensation.is_none()) {
                detail.push("irreversible".to_owned());
            }
            match step.deadline {
                Some(TimeLimit::WorkingDays(days)) => detail.push(working_days(days)),
                Some(TimeLimit::Within(span)) => detail.push(format!("within {span}")),
                None => {}
            }
            PlanNode {
                id: step.id.0.clone(),
                label: step.title.vi.clone(),
                detail,
                state: case.and_then(|c| c.status_of(&step.id)).map(node_state),
            }
        })
        .collect();
    let edges = definition
        .steps
        .iter()
        .enumerate()
        .flat_map(|(i, step)| step.needs.iter().filter_map(move |n| Some((index(n)?, i))))
        .collect();
    PlanGraph {
        title: format!(
            "{} ({} v{})",
            definition.title.vi, definition.id, definition.version
        ),
        nodes,
        edges,
    }
}

fn node_state(status: StepStatus) -> NodeState {
    match status {
        StepStatus::Pending => NodeState::Pending,
        StepStatus::Running | StepStatus::Compensating => NodeState::Running,
        // A held step waits for an operator's release, as a parked one waits for its agency.
        StepStatus::AwaitingDocuments
        | StepStatus::AwaitingDecision
        | StepStatus::AgencyUnavailable
        | StepStatus::Held => NodeState::Waiting,
        StepStatus::Succeeded | StepStatus::ResolvedManually => NodeState::Succeeded,
        StepStatus::Rejected | StepStatus::Failed => NodeState::Failed,
        StepStatus::Skipped => NodeState::Skipped,
        StepStatus::NotApplicable => NodeState::NotApplicable,
        StepStatus::Compensated => NodeState::Compensated,
        StepStatus::CompensationFailed | StepStatus::NeedsCorrection => NodeState::NeedsAttention,
    }
}

/// A legal time limit as a person says it: "same working day", "1 working day", "2 working days".
fn working_days(days: u32) -> String {
    match days {
        0 => "same working day".to_owned(),
        1 => "1 working day".to_owned(),
        n => format!("{n} working days"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{StepId, case::Event, shipped_definitions};

    fn group_b() -> Definition {
        shipped_definitions()
            .expect("valid")
            .into_iter()
            .find(|d| d.id.0 == "death-residence-allowance")
            .expect("shipped")
    }

    #[test]
    fn a_legal_time_limit_reads_as_said() {
        assert_eq!(working_days(0), "same working day");
        assert_eq!(working_days(1), "1 working day");
        assert_eq!(working_days(2), "2 working days");
    }

    #[test]
    fn a_plan_lists_calls_conditions_routes_and_edges() {
        let graph = plan_graph(&group_b(), None);
        let ids: Vec<&str> = graph.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, vec!["death", "residence", "funeral", "survivor"]);
        assert_eq!(graph.edges, vec![(0, 1), (0, 2), (0, 3)]);
        assert!(graph.nodes[0].detail.contains(&"irreversible".to_owned()));
        assert!(
            graph.nodes[0]
                .detail
                .contains(&"same working day".to_owned())
        );
        let funeral = &graph.nodes[2].detail;
        assert!(funeral[0].starts_with("when: application.requested.funeral_allowance"));
        assert_eq!(
            funeral[1],
            "if steps.death.benefit_status in ['pensioner', 'insured']: social-insurance · pay-funeral-allowance"
        );
        assert_eq!(
            funeral[2],
            "otherwise: labour-office · grant-burial-support"
        );
        assert!(graph.nodes.iter().all(|n| n.state.is_none()));
    }

    #[test]
    fn a_case_colours_each_step_by_where_it_stands() {
        let definition = group_b();
        let mut case = CaseState::new(
            crate::CaseCode::recorded("KT-1"),
            &definition,
            time::OffsetDateTime::UNIX_EPOCH,
        );
        case.apply(Event::StepStarted(StepId("death".into())));
        case.apply(Event::StepNotApplicable(StepId("survivor".into())));
        let graph = plan_graph(&definition, Some(&case));
        let states: Vec<Option<NodeState>> = graph.nodes.iter().map(|n| n.state).collect();
        assert_eq!(
            states,
            vec![
                Some(NodeState::Running),
                Some(NodeState::Pending),
                Some(NodeState::Pending),
                Some(NodeState::NotApplicable)
            ]
        );
    }
}
