//! From YAML text to a validated [`Definition`], collecting every problem on the way.
//!
//! Three passes over the deserialized document, each adding located problems: `build` checks
//! each value on its own and assembles the model; `graph` checks the step graph and what every
//! mapping and expression reads; `contract` checks every call against the agency catalogue.

mod build;
mod contact;
mod contract;
mod form;
mod graph;

use std::{collections::BTreeSet, sync::LazyLock};

use crate::{
    Definition, DiagnosticCode, Diagnostics, catalogue::Catalogue, diagnostic, diagnostic::Problems,
};

/// Where each part of the model was written, for placing problems found after it was built.
#[derive(Debug, Default)]
pub(crate) struct Places {
    /// Parallel to `Definition::steps`.
    pub steps: Vec<StepPlaces>,
    /// Mapping leaves already reported as malformed: later passes leave them alone.
    pub bad: BTreeSet<String>,
}

#[derive(Debug, Default)]
pub(crate) struct StepPlaces {
    /// `steps[i]`
    pub at: String,
    /// Parallel to `Step::routes`.
    pub routes: Vec<RoutePlaces>,
}

/// A route's parts may be written on the route or inherited from its step.
#[derive(Debug, Default, Clone)]
pub(crate) struct RoutePlaces {
    /// `steps[i]` for a step that names its agency, `steps[i].routes[j]` for a route.
    pub at: String,
    pub input: String,
    pub output: String,
    pub compensation: String,
}

static SHIPPED_CATALOGUE: LazyLock<Result<Catalogue, Diagnostics>> =
    LazyLock::new(|| Catalogue::shipped().map_err(|(_, diagnostics)| diagnostics));

/// Parses and validates a definition against the shipped agency catalogue. Never panics;
/// returns every problem found.
pub fn parse_definition(yaml: &str) -> Result<Definition, Diagnostics> {
    match &*SHIPPED_CATALOGUE {
        Ok(catalogue) => parse_definition_with(yaml, catalogue),
        Err(diagnostics) => Err(diagnostics.clone()),
    }
}

/// Parses and validates a definition against `catalogue`. Never panics; returns every problem
/// found, each with its line and column.
pub fn parse_definition_with(yaml: &str, catalogue: &Catalogue) -> Result<Definition, Diagnostics> {
    let raw: build::RawDefinition =
        serde_saphyr::from_str(yaml).map_err(|e| diagnostic::syntax(&e))?;
    let mut problems = Problems::default();
    let (definition, places) = build::build(raw, &mut problems);
    // With two steps of one id, which one a reference means is unknowable: the graph checks
    // would only report consequences of the duplicate.
    if !problems
        .0
        .iter()
        .any(|p| p.code == DiagnosticCode::DuplicateStep)
    {
        graph::check(&definition, &places, &mut problems);
    }
    contract::check(&definition, &places, catalogue, &mut problems);
    if problems.is_empty() {
        Ok(definition)
    } else {
        Err(problems.located(yaml))
    }
}
