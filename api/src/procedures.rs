//! The procedures this API accepts: the versions published in the engine database, each compiled
//! once (definition and application schema) and kept, since a published version never changes.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use lienthong_definitions::catalogue::{Agency, AgencyAccess, Catalogue};
use lienthong_definitions::{AgencyId, Definition, Diagnostics, parse_definition_with};
use lienthong_store::{NewDraft, Store, StoreError, VersionRecord, VersionStatus};

use crate::ApiError;

/// Published procedure versions, read from the engine database.
#[derive(Debug)]
pub struct Catalog {
    store: Store,
    compiled: Mutex<HashMap<(String, i64), Arc<Procedure>>>,
    /// The agency catalogue new definitions are checked against, as last read from the database.
    agencies: RwLock<Arc<Catalogue>>,
}

#[derive(Debug)]
pub(crate) struct Procedure {
    pub definition: Definition,
    pub schema: jsonschema::Validator,
}

/// Why installing a definition at start-up failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    #[error("{file} is invalid:\n  {diagnostics}")]
    Invalid {
        file: String,
        diagnostics: Diagnostics,
    },
    #[error("procedure `{procedure}` has an application schema that does not compile: {reason}")]
    Schema { procedure: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the agency catalogue is invalid: {0}")]
    Catalogue(String),
}

/// Who installs the definitions shipped with lienthong or given at start-up.
pub const INSTALLER: &str = "lienthong (installed at start-up)";

impl Catalog {
    /// Opens the catalog on `store`: agencies shipped with lienthong that the database does not
    /// know yet are added, then the whole agency catalogue is read.
    pub async fn open(store: Store) -> Result<Self, CatalogError> {
        let shipped = Catalogue::shipped()
            .map_err(|(file, d)| CatalogError::Catalogue(format!("{file}: {d}")))?;
        let stored: Vec<String> = store
            .agencies()
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        for agency in shipped.agencies() {
            if !stored.contains(&agency.id) {
                store
                    .put_agency(&agency.id, &agency_json(agency)?, INSTALLER)
                    .await?;
            }
        }
        let catalog = Self {
            store,
            compiled: Mutex::new(HashMap::new()),
            agencies: RwLock::new(Arc::new(shipped)),
        };
        catalog.reload_agencies().await?;
        Ok(catalog)
    }

    /// The agency catalogue definitions are checked against.
    pub fn agencies(&self) -> Arc<Catalogue> {
        self.agencies
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces one agency's entry and re-reads the catalogue. Definitions already published
    /// keep running as they were compiled.
    pub(crate) async fn put_agency(&self, agency: &Agency, by: &str) -> Result<(), CatalogError> {
        self.store
            .put_agency(&agency.id, &agency_json(agency)?, by)
            .await?;
        self.reload_agencies().await
    }

    async fn reload_agencies(&self) -> Result<(), CatalogError> {
        let mut agencies = Vec::new();
        for (id, document) in self.store.agencies().await? {
            let agency: Agency = serde_json::from_value(document)
                .map_err(|e| CatalogError::Catalogue(format!("stored agency `{id}`: {e}")))?;
            agencies.push(agency);
        }
        let catalogue =
            Catalogue::new(agencies).map_err(|d| CatalogError::Catalogue(d.to_string()))?;
        *self.agencies.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(catalogue);
        Ok(())
    }

    /// Where each agency `definition` calls listens and how it is called, as the installation's
    /// catalogue says now: filed with a case, so workers reach and sign for agencies that joined
    /// after they started. An agency this replica has not seen yet (added through another
    /// replica) is looked up again in the database first.
    pub(crate) async fn access_for(
        &self,
        definition: &Definition,
    ) -> Result<BTreeMap<AgencyId, AgencyAccess>, CatalogError> {
        let called: BTreeSet<&AgencyId> = definition
            .steps
            .iter()
            .flat_map(|s| &s.routes)
            .map(|r| &r.agency)
            .collect();
        let mut agencies = self.agencies();
        if called.iter().any(|a| agencies.agency(a).is_none()) {
            self.reload_agencies().await?;
            agencies = self.agencies();
        }
        Ok(called
            .into_iter()
            .filter_map(|id| Some((id.clone(), agencies.agency(id)?.access())))
            .collect())
    }

    /// Checks a definition against the current agency catalogue.
    pub(crate) fn parse(&self, text: &str) -> Result<Definition, Diagnostics> {
        parse_definition_with(text, &self.agencies())
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Publishes each `(file, YAML)` whose procedure version the database does not hold yet.
    /// A version already there is left as it is: the database, not the file, is the record of
    /// what cases were filed under. Returns the versions newly published.
    pub async fn install(
        &self,
        files: &[(String, String)],
    ) -> Result<Vec<(String, u32)>, CatalogError> {
        let mut installed = Vec::new();
        for (file, text) in files {
            let definition = self
                .parse(text)
                .map_err(|diagnostics| CatalogError::Invalid {
                    file: file.clone(),
                    diagnostics,
                })?;
            compile(&definition)?;
            let (id, version) = (definition.id.0.clone(), i64::from(definition.version));
            match self.store.version(&id, version).await {
                Ok(existing) => {
                    if existing.source != *text {
                        tracing::warn!(procedure = %id, version, file = %file, "a stored version differs from its file; the stored one stays in force (publish a new version to change it)");
                    }
                    continue;
                }
                Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
            self.store
                .save_draft(NewDraft {
                    procedure_id: &id,
                    version,
                    effective_from: &definition.effective_from,
                    source: text,
                    compiled: &definition_json(&definition)?,
                    by: INSTALLER,
                })
                .await?;
            self.store.publish(&id, version, INSTALLER).await?;
            installed.push((id, definition.version));
        }
        Ok(installed)
    }

    /// The version new cases of `procedure` get on `day`.
    pub(crate) async fn in_force(
        &self,
        procedure: &str,
        day: time::Date,
    ) -> Result<Option<Arc<Procedure>>, ApiError> {
        let record = self
            .store
            .in_force(procedure, &day.to_string())
            .await
            .map_err(ApiError::database)?;
        match record {
            Some(record) => self.compiled(&record).map(Some),
            None => Ok(None),
        }
    }

    /// Every procedure with a version in force on `day`.
    pub(crate) async fn all_in_force(
        &self,
        day: time::Date,
    ) -> Result<Vec<Arc<Procedure>>, ApiError> {
        let ids = self
            .store
            .published_procedures()
            .await
            .map_err(ApiError::database)?;
        let mut found = Vec::new();
        for id in ids {
            if let Some(p) = self.in_force(&id, day).await? {
                found.push(p);
            }
        }
        Ok(found)
    }

    /// The compiled form of a stored version; published ones are kept, since they never change.
    pub(crate) fn compiled(&self, record: &VersionRecord) -> Result<Arc<Procedure>, ApiError> {
        let key = (record.procedure_id.clone(), record.version);
        if let Some(found) = self.cache().get(&key) {
            return Ok(found.clone());
        }
        // The compiled form, not the text: a published version runs as it was validated, even
        // after the validator or the agency catalogue changed.
        let definition = match &record.compiled {
            Some(json) => serde_json::from_str::<Definition>(json).map_err(|e| {
                ApiError::database(format!(
                    "stored {} v{} does not read back: {e}",
                    record.procedure_id, record.version
                ))
            })?,
            None => self.parse(&record.source).map_err(|d| {
                ApiError::database(format!(
                    "stored {} v{} no longer validates: {d}",
                    record.procedure_id, record.version
                ))
            })?,
        };
        let procedure = Arc::new(compile(&definition).map_err(ApiError::database)?);
        if record.status != VersionStatus::Draft {
            self.cache().insert(key, procedure.clone());
        }
        Ok(procedure)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<(String, i64), Arc<Procedure>>> {
        // A panic while holding this lock can only have left a complete map behind.
        self.compiled.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Compiles a definition's application schema.
pub(crate) fn compile(definition: &Definition) -> Result<Procedure, CatalogError> {
    let schema = jsonschema::options()
        .should_validate_formats(true)
        .build(&definition.application_schema)
        .map_err(|e| CatalogError::Schema {
            procedure: definition.id.0.clone(),
            reason: e.to_string(),
        })?;
    Ok(Procedure {
        definition: definition.clone(),
        schema,
    })
}

fn agency_json(agency: &Agency) -> Result<serde_json::Value, CatalogError> {
    serde_json::to_value(agency).map_err(|e| CatalogError::Catalogue(e.to_string()))
}

/// The JSON kept beside a version's text.
pub(crate) fn definition_json(definition: &Definition) -> Result<String, CatalogError> {
    serde_json::to_string(definition).map_err(|e| CatalogError::Catalogue(e.to_string()))
}
