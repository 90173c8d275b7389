//! What a person calls the engine's ids: an agency by its catalogue title, a procedure and each
//! of its steps by their titles, all in the reader's language. Pages print the name and keep the
//! id in attributes (`data-agency`, an option's value), which links, scripts and tests read.

use std::collections::BTreeMap;

use lienthong_definitions::{Definition, catalogue::Catalogue};

use super::i18n::Lang;
use crate::{ApiState, auth::Caller};

/// The names a page needs, read once per request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Names {
    lang: Lang,
    /// `(id, name)`, in the catalogue's order, then the citizen (a case waits on them too).
    agencies: Vec<(String, String)>,
    /// `(id, title)` of each procedure in force, by id.
    procedures: Vec<(String, String)>,
}

impl Names {
    pub(crate) async fn read(state: &ApiState, lang: Lang) -> Self {
        let procedures = super::case_list::procedure_titles(state, lang).await;
        Self::new(lang, &state.catalog.agencies(), procedures)
    }

    pub(crate) fn new(
        lang: Lang,
        catalogue: &Catalogue,
        procedures: impl IntoIterator<Item = (String, String)>,
    ) -> Self {
        let mut agencies: Vec<(String, String)> = catalogue
            .agencies()
            .iter()
            .map(|a| (a.id.clone(), lang.words(&a.title).to_owned()))
            .collect();
        agencies.push(("citizen".into(), lang.term("agency", "citizen").into()));
        Self {
            lang,
            agencies,
            procedures: procedures.into_iter().collect(),
        }
    }

    /// The shipped catalogue's agencies and procedures, for pages rendered in tests.
    #[cfg(test)]
    pub(crate) fn shipped(lang: Lang) -> Self {
        let catalogue = Catalogue::shipped().expect("the shipped catalogue is valid");
        let procedures = lienthong_definitions::shipped_definitions()
            .expect("the shipped definitions are valid")
            .into_iter()
            .map(|d| {
                let title = lang.words(&d.title).to_owned();
                (d.id.0, title)
            });
        Self::new(lang, &catalogue, procedures)
    }

    pub(crate) fn lang(&self) -> Lang {
        self.lang
    }

    /// The agency's name, or its id when the catalogue no longer lists it.
    pub(crate) fn agency<'a>(&'a self, id: &'a str) -> &'a str {
        find(&self.agencies, id).unwrap_or_else(|| self.lang.term("agency", id))
    }

    /// The procedure's title, or its id when none in force has it.
    pub(crate) fn procedure<'a>(&'a self, id: &'a str) -> &'a str {
        find(&self.procedures, id).unwrap_or(id)
    }

    /// Every agency a case can wait on, `(id, name)`.
    pub(crate) fn agencies(&self) -> &[(String, String)] {
        &self.agencies
    }

    /// Every procedure in force, `(id, title)`.
    pub(crate) fn procedures(&self) -> &[(String, String)] {
        &self.procedures
    }
}

/// Each step's title in one language, by step id.
pub(crate) type StepTitles = BTreeMap<String, String>;

/// Each step's title, by step id, in `lang`.
pub(crate) fn step_titles_of(definition: &Definition, lang: Lang) -> StepTitles {
    definition
        .steps
        .iter()
        .map(|step| (step.id.0.clone(), lang.words(&step.title).to_owned()))
        .collect()
}

/// Each step's title of `procedure` version `version`; empty when the definition cannot be read
/// (logged), when pages name the steps by their ids.
pub(crate) async fn step_titles(
    state: &ApiState,
    procedure: &str,
    version: Option<u64>,
    lang: Lang,
) -> StepTitles {
    let Some(version) = version else {
        return BTreeMap::new();
    };
    match super::resolve_form::definition(state, procedure, version).await {
        Ok(definition) => step_titles_of(&definition, lang),
        Err(problem) => {
            tracing::warn!(%procedure, version, code = %problem.code, "the case's definition could not be read for its step titles");
            BTreeMap::new()
        }
    }
}

/// Each step's title of case `code`'s procedure, for a caller who may see the case; empty
/// otherwise, so a page about an action names steps by id and tells nothing more. The titles
/// are those of the version in force, read from the engine database alone: a page about an
/// action must not wait on Temporal or a worker to name a step (a step no longer in that version
/// shows by its id).
pub(crate) async fn case_step_titles(
    state: &ApiState,
    caller: &Caller,
    code: &str,
    lang: Lang,
) -> StepTitles {
    let Ok(access) = crate::case_access::authorize_operator(state, caller, code).await else {
        return StepTitles::new();
    };
    match state
        .catalog
        .in_force(&access.record.procedure, crate::engine::today())
        .await
    {
        Ok(Some(procedure)) => step_titles_of(&procedure.definition, lang),
        _ => StepTitles::new(),
    }
}

fn find<'a>(pairs: &'a [(String, String)], id: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(known, _)| known == id)
        .map(|(_, name)| name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_as_its_name_in_the_readers_language() {
        let vi = Names::shipped(Lang::Vi);
        assert_eq!(vi.agency("social-insurance"), "Bảo hiểm xã hội Việt Nam");
        assert_eq!(vi.agency("citizen"), "Công dân");
        assert_eq!(vi.agency("tax-office"), "tax-office");
        assert_ne!(
            vi.procedure("birth-residence-insurance"),
            "birth-residence-insurance"
        );
        let en = Names::shipped(Lang::En);
        assert_eq!(en.agency("social-insurance"), "Vietnam Social Security");
        assert_eq!(en.agency("citizen"), "The citizen");
    }
}
