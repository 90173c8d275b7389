//! A definition (and, for a running case, its state) as the plain graph the pictures draw.

use crate::{
    Definition, TimeLimit, Titles,
    case::{CaseState, StepStatus},
    picture::{Language, NodeState, PlanGraph, PlanNode},
};

/// The step graph of `definition` in Vietnamese, the language lienthong speaks first: see
/// [`plan_graph_in`].
pub fn plan_graph(definition: &Definition, case: Option<&CaseState>) -> PlanGraph {
    plan_graph_in(definition, case, Language::Vi)
}

/// The step graph of `definition`, each step with its agency call, condition, routes and time
/// limit; with `case`, each step also shows where it stands. Titles and the words around the
/// definition's expressions (`when`, `otherwise`, time limits) are in `language`; expressions,
/// agency ids and operation names stay as written.
pub fn plan_graph_in(
    definition: &Definition,
    case: Option<&CaseState>,
    language: Language,
) -> PlanGraph {
    let words = Words::of(language);
    let titled = |titles: &Titles| match language {
        Language::Vi => titles.vi.clone(),
        Language::En => titles.en.clone(),
    };
    let index = |id| definition.steps.iter().position(|s| &s.id == id);
    let nodes = definition
        .steps
        .iter()
        .map(|step| {
            let mut detail = Vec::new();
            if let Some(when) = &step.when {
                detail.push(format!("{}: {when}", words.when));
            }
            let routed = step.routes.len() > 1 || step.routes.iter().any(|r| r.when.is_some());
            for route in &step.routes {
                let call = format!("{} · {}", route.agency, route.operation);
                detail.push(match (&route.when, routed) {
                    (Some(when), _) => format!("{} {when}: {call}", words.r#if),
                    (None, true) => format!("{}: {call}", words.otherwise),
                    (None, false) => call,
                });
            }
            if step.routes.iter().all(|r| r.compensation.is_none()) {
                detail.push(words.irreversible.to_owned());
            }
            match step.deadline {
                Some(TimeLimit::WorkingDays(days)) => detail.push(working_days(days, language)),
                Some(TimeLimit::Within(span)) => detail.push(format!("{} {span}", words.within)),
                None => {}
            }
            PlanNode {
                id: step.id.0.clone(),
                label: titled(&step.title),
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
            titled(&definition.title),
            definition.id,
            definition.version
        ),
        language,
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

/// The words a step's details put around the definition's expressions.
struct Words {
    when: &'static str,
    r#if: &'static str,
    otherwise: &'static str,
    irreversible: &'static str,
    within: &'static str,
}

impl Words {
    fn of(language: Language) -> Self {
        match language {
            Language::Vi => Self {
                when: "khi",
                r#if: "nếu",
                otherwise: "nếu không",
                irreversible: "không hoàn tác được",
                within: "trong vòng",
            },
            Language::En => Self {
                when: "when",
                r#if: "if",
                otherwise: "otherwise",
                irreversible: "irreversible",
                within: "within",
            },
        }
    }
}

/// A legal time limit as a person says it: "same working day", "1 working day", "2 working days";
/// "trong ngày làm việc", "2 ngày làm việc".
fn working_days(days: u32, language: Language) -> String {
    match (language, days) {
        (Language::Vi, 0) => "trong ngày làm việc".to_owned(),
        (Language::Vi, n) => format!("{n} ngày làm việc"),
        (Language::En, 0) => "same working day".to_owned(),
        (Language::En, 1) => "1 working day".to_owned(),
        (Language::En, n) => format!("{n} working days"),
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
        assert_eq!(working_days(0, Language::En), "same working day");
        assert_eq!(working_days(1, Language::En), "1 working day");
        assert_eq!(working_days(2, Language::En), "2 working days");
        assert_eq!(working_days(0, Language::Vi), "trong ngày làm việc");
        assert_eq!(working_days(1, Language::Vi), "1 ngày làm việc");
        assert_eq!(working_days(2, Language::Vi), "2 ngày làm việc");
    }

    #[test]
    fn a_plan_lists_calls_conditions_routes_and_edges() {
        let graph = plan_graph_in(&group_b(), None, Language::En);
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
    fn a_vietnamese_plan_says_its_titles_conditions_and_time_limits_in_vietnamese() {
        let definition = group_b();
        let graph = plan_graph(&definition, None);
        assert_eq!(graph.language, Language::Vi);
        assert!(
            graph.title.starts_with(&definition.title.vi),
            "{}",
            graph.title
        );
        assert_eq!(graph.nodes[0].label, definition.steps[0].title.vi);
        let death = &graph.nodes[0].detail;
        assert!(
            death.contains(&"không hoàn tác được".to_owned()),
            "{death:?}"
        );
        assert!(
            death.contains(&"trong ngày làm việc".to_owned()),
            "{death:?}"
        );
        let funeral = &graph.nodes[2].detail;
        assert!(funeral[0].starts_with("khi: application.requested.funeral_allowance"));
        assert!(funeral[1].starts_with("nếu steps.death.benefit_status"));
        assert_eq!(
            funeral[2],
            "nếu không: labour-office · grant-burial-support"
        );
        let english = plan_graph_in(&definition, None, Language::En);
        assert_eq!(english.nodes[0].label, definition.steps[0].title.en);
        assert!(english.title.starts_with(&definition.title.en));
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
