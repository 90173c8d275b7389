//! What the kit checks against: the agency's catalogue entry, the samples and the secret. Every
//! problem found here is the user's to fix before anything is sent (exit 2), so all of it is
//! read and checked before the first request.

use std::path::{Path, PathBuf};

use lienthong_activities::AgencyCredential;
use lienthong_definitions::catalogue::{Agency, Auth, Catalogue, Operation, parse_agency};
use serde_json::Value;

use super::{AgencyCheckArgs, schema};
use crate::definitions_cli::render_diagnostics;

/// Why the kit cannot start: a usage or input mistake, never a finding about the agency. Texts
/// never hold the secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A file named on the command line cannot be read.
    #[error("cannot read {file}: {reason}")]
    Unreadable { file: PathBuf, reason: String },
    /// A sample is not a JSON object.
    #[error("{flag} {file} is not a JSON object: {reason}")]
    NotJson {
        flag: &'static str,
        file: PathBuf,
        reason: String,
    },
    /// The catalogue (shipped, a folder, or one entry file) is invalid.
    #[error("{0}")]
    Catalogue(String),
    /// The agency is not in the catalogue checked against.
    #[error(
        "agency `{agency}` is not in {catalogue}; it has: {known} (use --entry FILE for a new agency)"
    )]
    UnknownAgency {
        agency: String,
        catalogue: String,
        known: String,
    },
    /// `--entry` describes another agency than `--agency`.
    #[error("--entry describes agency `{found}`, not `{agency}`")]
    OtherAgency { agency: String, found: String },
    /// The operation is not offered by the agency.
    #[error("agency `{agency}` offers no operation `{operation}`; it offers: {offered}")]
    UnknownOperation {
        agency: String,
        operation: String,
        offered: String,
    },
    /// A sample does not match the operation's request schema.
    #[error("{flag} does not match the request schema of {operation}:\n{problems}")]
    SampleMismatch {
        flag: &'static str,
        operation: String,
        problems: String,
    },
    /// `--url` is not an http(s) URL.
    #[error("--url must start with http:// or https://")]
    BadUrl,
    /// The agency's auth needs a credential and none was given.
    #[error(
        "agency `{agency}` signs its calls ({kind}): set {variable} to the secret its test \
         system holds, or pass --secret-file FILE"
    )]
    NoSecret {
        agency: String,
        kind: &'static str,
        variable: String,
    },
    /// The variable and the file hold two different secrets.
    #[error("{variable} and --secret-file hold different secrets: keep one")]
    TwoSecrets { variable: String },
}

/// Everything a run needs, read and checked.
#[derive(Debug)]
pub struct Inputs {
    pub agency: Agency,
    /// `--url` without a trailing `/`.
    pub url: String,
    pub operation: Operation,
    /// The operation was not named: the entry's first was taken.
    pub operation_defaulted: bool,
    pub sample: Option<Value>,
    pub refusal_sample: Option<Value>,
    pub undo_sample: Option<Value>,
    /// `None` for an agency whose auth is `none`. `Debug` never shows the secret.
    pub credential: Option<AgencyCredential>,
    /// Where the credential came from, for the report's first line (never its value).
    pub credential_source: String,
}

impl Inputs {
    pub fn read(args: &AgencyCheckArgs) -> Result<Self, InputError> {
        if !(args.url.starts_with("http://") || args.url.starts_with("https://")) {
            return Err(InputError::BadUrl);
        }
        let agency = entry(args)?;
        let (operation, operation_defaulted) = match &args.operation {
            Some(name) => (
                agency
                    .operation(name)
                    .cloned()
                    .ok_or_else(|| InputError::UnknownOperation {
                        agency: agency.id.clone(),
                        operation: name.clone(),
                        offered: agency.operation_names(),
                    })?,
                false,
            ),
            // A catalogue entry has at least one operation.
            None => match agency.operations.first() {
                Some(first) => (first.clone(), true),
                None => return Err(InputError::Catalogue("the entry has no operation".into())),
            },
        };
        let sample = args
            .sample
            .as_deref()
            .map(|file| json_object("--sample", file))
            .transpose()?;
        if let Some(sample) = &sample {
            let problems = schema::sample_problems(&operation.request, sample, |_| false);
            if !problems.is_empty() {
                return Err(InputError::SampleMismatch {
                    flag: "--sample",
                    operation: operation.name.clone(),
                    problems: problems.join("\n"),
                });
            }
        }
        let refusal_sample = args
            .refusal_sample
            .as_deref()
            .map(|file| json_object("--refusal-sample", file))
            .transpose()?;
        let undo_sample = args
            .undo_sample
            .as_deref()
            .map(|file| json_object("--undo-sample", file))
            .transpose()?;
        if let (Some(given), Some(undo)) = (&undo_sample, agency.undo_of(&operation.name)) {
            // The fields the kit fills in (the ids an undo needs come from the done answer,
            // contract §7.1) may be missing from the file.
            let answered = schema::property_names(&operation.response);
            let problems = schema::sample_problems(&undo.request, given, |missing| {
                answered.iter().any(|name| name == missing)
                    || sample.as_ref().is_some_and(|s| s.get(missing).is_some())
                    || missing == super::undo::REASON_FIELD
            });
            if !problems.is_empty() {
                return Err(InputError::SampleMismatch {
                    flag: "--undo-sample",
                    operation: undo.name.clone(),
                    problems: problems.join("\n"),
                });
            }
        }
        let (credential, credential_source) = credential(&agency, args.secret_file.as_deref())?;
        Ok(Self {
            url: args.url.trim_end_matches('/').to_owned(),
            agency,
            operation,
            operation_defaulted,
            sample,
            refusal_sample,
            undo_sample,
            credential,
            credential_source,
        })
    }
}

/// The agency's entry: from `--entry`, a `--catalogue` folder, or the shipped catalogue.
fn entry(args: &AgencyCheckArgs) -> Result<Agency, InputError> {
    if let Some(file) = &args.entry {
        let agency = parse_agency(&read(file)?).map_err(|d| {
            InputError::Catalogue(format!(
                "{} is not a valid catalogue entry:\n{}",
                file.display(),
                render_diagnostics(file, &d).trim_end()
            ))
        })?;
        if agency.id != args.agency {
            return Err(InputError::OtherAgency {
                agency: args.agency.clone(),
                found: agency.id,
            });
        }
        return Ok(agency);
    }
    let (catalogue, source) = match &args.catalogue {
        Some(dir) => (catalogue_in(dir)?, dir.display().to_string()),
        None => (
            Catalogue::shipped().map_err(|(file, d)| {
                InputError::Catalogue(format!("shipped catalogue file {file} is invalid: {d}"))
            })?,
            "the shipped catalogue".to_owned(),
        ),
    };
    catalogue
        .agency(&args.agency)
        .cloned()
        .ok_or_else(|| InputError::UnknownAgency {
            agency: args.agency.clone(),
            catalogue: source,
            known: catalogue
                .agencies()
                .iter()
                .map(|a| a.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The agency files (`*.yaml`, `*.yml`) of a folder, as `definitions validate --catalogue` reads
/// them.
fn catalogue_in(dir: &Path) -> Result<Catalogue, InputError> {
    let unreadable = |reason: std::io::Error| InputError::Unreadable {
        file: dir.to_owned(),
        reason: reason.to_string(),
    };
    let mut files = Vec::new();
    for found in std::fs::read_dir(dir).map_err(unreadable)? {
        let path = found.map_err(unreadable)?.path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            files.push((path.display().to_string(), read(&path)?));
        }
    }
    files.sort();
    Catalogue::from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str()))).map_err(
        |(file, d)| {
            InputError::Catalogue(format!(
                "{file} is invalid:\n{}",
                render_diagnostics(Path::new(&file), &d).trim_end()
            ))
        },
    )
}

/// The engine's credential for the agency, read as a worker reads it: the agency's own variable
/// (never a name the entry could choose), else `--secret-file`.
fn credential(
    agency: &Agency,
    secret_file: Option<&Path>,
) -> Result<(Option<AgencyCredential>, String), InputError> {
    let (make, kind): (fn(String) -> AgencyCredential, _) = match &agency.auth {
        Auth::None => return Ok((None, "auth none".to_owned())),
        Auth::Bearer { .. } => (AgencyCredential::Bearer, "bearer"),
        Auth::Hmac { .. } => (AgencyCredential::Hmac, "hmac"),
    };
    let variable = agency.auth.own_variable(&agency.id).unwrap_or_default();
    let from_env = std::env::var(&variable)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty());
    let from_file = match secret_file {
        Some(file) => Some(read(file)?.trim().to_owned()).filter(|v| !v.is_empty()),
        None => None,
    };
    match (from_env, from_file) {
        (Some(a), Some(b)) if a != b => Err(InputError::TwoSecrets { variable }),
        (Some(secret), _) => Ok((Some(make(secret)), format!("{kind}, {variable}"))),
        (None, Some(secret)) => Ok((Some(make(secret)), format!("{kind}, --secret-file"))),
        (None, None) => Err(InputError::NoSecret {
            agency: agency.id.clone(),
            kind,
            variable,
        }),
    }
}

fn read(file: &Path) -> Result<String, InputError> {
    std::fs::read_to_string(file).map_err(|e| InputError::Unreadable {
        file: file.to_owned(),
        reason: e.to_string(),
    })
}

fn json_object(flag: &'static str, file: &Path) -> Result<Value, InputError> {
    let not_json = |reason: String| InputError::NotJson {
        flag,
        file: file.to_owned(),
        reason,
    };
    match serde_json::from_str::<Value>(&read(file)?) {
        Ok(value) if value.is_object() => Ok(value),
        Ok(_) => Err(not_json("the body of a call is a JSON object".into())),
        Err(e) => Err(not_json(e.to_string())),
    }
}
