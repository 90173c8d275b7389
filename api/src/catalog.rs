use std::collections::BTreeMap;

use lienthong_definitions::Definition;

/// The procedures this API accepts, each with its compiled application schema.
#[derive(Debug)]
pub struct Catalog {
    procedures: BTreeMap<String, Procedure>,
}

#[derive(Debug)]
pub(crate) struct Procedure {
    pub definition: Definition,
    pub schema: jsonschema::Validator,
}

/// A definition whose application schema does not compile.
#[derive(Debug, thiserror::Error)]
#[error("procedure `{procedure}` has an application schema that does not compile: {reason}")]
pub struct CatalogError {
    pub procedure: String,
    pub reason: String,
}

impl Catalog {
    pub fn new(definitions: Vec<Definition>) -> Result<Self, CatalogError> {
        let mut procedures = BTreeMap::new();
        for definition in definitions {
            let schema = jsonschema::options()
                .should_validate_formats(true)
                .build(&definition.application_schema)
                .map_err(|e| CatalogError {
                    procedure: definition.id.0.clone(),
                    reason: e.to_string(),
                })?;
            procedures.insert(definition.id.0.clone(), Procedure { definition, schema });
        }
        Ok(Self { procedures })
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Procedure> {
        self.procedures.get(id)
    }

    pub fn definitions(&self) -> impl Iterator<Item = &Definition> {
        self.procedures.values().map(|p| &p.definition)
    }
}
