//! `lienthong setup`: the namespace's search attributes, made sure of idempotently through
//! Temporal's operator service. Workers and APIs run it at start, so roles started on their own
//! against any cluster never stall on `BadSearchAttributes`.

use std::collections::{BTreeMap, HashMap};

use lienthong_workflows::search_attributes::REGISTRATION;
use temporalio_client::{
    Client,
    tonic::{Code, Request},
};
use temporalio_common::protos::temporal::api::{
    enums::v1::IndexedValueType,
    operatorservice::v1::{AddSearchAttributesRequest, ListSearchAttributesRequest},
};

/// What setup found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetupReport {
    pub namespace: String,
    /// Attributes that were already registered with the right type.
    pub present: Vec<String>,
    /// Attributes this run registered.
    pub added: Vec<String>,
}

impl std::fmt::Display for SetupReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.added.is_empty() {
            write!(
                f,
                "namespace {}: all {} search attributes were already registered",
                self.namespace,
                self.present.len()
            )
        } else {
            write!(
                f,
                "namespace {}: registered {} ({} already there)",
                self.namespace,
                self.added.join(", "),
                self.present.len()
            )
        }
    }
}

/// Why setup could not make sure of the search attributes. Each says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// This identity may not read or add the namespace's search attributes.
    #[error(
        "namespace {namespace}: not allowed to {action} search attributes ({reason}). Ask a \
         Temporal administrator to register them: {commands}"
    )]
    PermissionDenied {
        namespace: String,
        action: &'static str,
        reason: String,
        commands: String,
        /// The server did not know the caller at all (bad or missing credentials), as opposed
        /// to knowing it and refusing this one call.
        unauthenticated: bool,
    },
    /// An attribute exists under the same name with another type.
    #[error(
        "namespace {namespace}: search attribute {name} is registered as {found}, lienthong needs \
         {wanted}; remove it or use another namespace"
    )]
    WrongType {
        namespace: String,
        name: String,
        found: String,
        wanted: String,
    },
    /// The server refused for another reason.
    #[error("namespace {namespace}: cannot {action} search attributes: {reason}")]
    Server {
        namespace: String,
        action: &'static str,
        reason: String,
    },
}

fn wanted() -> BTreeMap<&'static str, IndexedValueType> {
    REGISTRATION
        .iter()
        .map(|(name, kind)| {
            let kind = match *kind {
                "KeywordList" => IndexedValueType::KeywordList,
                "Text" => IndexedValueType::Text,
                _ => IndexedValueType::Keyword,
            };
            (*name, kind)
        })
        .collect()
}

fn type_name(value: i32) -> String {
    IndexedValueType::try_from(value)
        .map(|t| {
            t.as_str_name()
                .trim_start_matches("INDEXED_VALUE_TYPE_")
                .to_owned()
        })
        .unwrap_or_else(|_| value.to_string())
}

/// The `temporal` commands an administrator runs instead.
fn commands(namespace: &str, missing: &[&str]) -> String {
    REGISTRATION
        .iter()
        .filter(|(name, _)| missing.contains(name))
        .map(|(name, kind)| {
            format!(
                "`temporal operator search-attribute create --namespace {namespace} --name {name} \
                 --type {kind}`"
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
}

async fn list(client: &Client, namespace: &str) -> Result<HashMap<String, i32>, SetupError> {
    let mut operator = client.connection().operator_service();
    let answer = operator
        .list_search_attributes(Request::new(ListSearchAttributesRequest {
            namespace: namespace.to_owned(),
        }))
        .await
        .map_err(|status| refused(namespace, "read", status, &[]))?;
    Ok(answer.into_inner().custom_attributes)
}

fn refused(
    namespace: &str,
    action: &'static str,
    status: temporalio_client::tonic::Status,
    missing: &[&str],
) -> SetupError {
    let reason = format!("{:?}: {}", status.code(), status.message());
    if matches!(
        status.code(),
        Code::PermissionDenied | Code::Unauthenticated | Code::Unimplemented
    ) {
        let all: Vec<&str> = REGISTRATION.iter().map(|(name, _)| *name).collect();
        SetupError::PermissionDenied {
            namespace: namespace.to_owned(),
            action,
            reason,
            commands: commands(namespace, if missing.is_empty() { &all } else { missing }),
            unauthenticated: status.code() == Code::Unauthenticated,
        }
    } else {
        SetupError::Server {
            namespace: namespace.to_owned(),
            action,
            reason,
        }
    }
}

impl SetupError {
    /// Whether a role may start anyway: when it may not even read the namespace's search
    /// attributes (an API key scoped to workflows), an administrator may well have registered
    /// them, so the role starts and says what to check. Anything else (an attribute known to be
    /// missing and not addable, or of the wrong type) would stall every case, so it stops.
    pub fn may_start_anyway(&self) -> bool {
        // Bad credentials would fail every later call too: they stop the role here, clearly.
        matches!(
            self,
            Self::PermissionDenied {
                action: "read",
                unauthenticated: false,
                ..
            }
        )
    }
}

/// Registers every search attribute the engine writes that the namespace lacks; an attribute
/// already there with the right type is left alone, so any number of roles may run it at once.
pub async fn ensure_search_attributes(client: &Client) -> Result<SetupReport, SetupError> {
    let namespace = client.options().namespace.clone();
    let existing = list(client, &namespace).await?;
    let (mut present, mut missing) = (Vec::new(), Vec::new());
    for (name, kind) in wanted() {
        match existing.get(name) {
            Some(found) if *found == kind as i32 => present.push(name.to_owned()),
            Some(found) => {
                return Err(SetupError::WrongType {
                    namespace,
                    name: name.to_owned(),
                    found: type_name(*found),
                    wanted: type_name(kind as i32),
                });
            }
            None => missing.push(name),
        }
    }
    if missing.is_empty() {
        return Ok(SetupReport {
            namespace,
            present,
            added: Vec::new(),
        });
    }
    let request = AddSearchAttributesRequest {
        namespace: namespace.clone(),
        search_attributes: missing
            .iter()
            .map(|name| ((*name).to_owned(), wanted()[name] as i32))
            .collect(),
    };
    let mut operator = client.connection().operator_service();
    match operator.add_search_attributes(Request::new(request)).await {
        Ok(_) => {}
        // Another role registered them in the meantime: check what is there now.
        Err(status) if status.code() == Code::AlreadyExists => {
            let now = list(client, &namespace).await?;
            if let Some(name) = missing.iter().find(|name| !now.contains_key(**name)) {
                return Err(SetupError::Server {
                    namespace,
                    action: "add",
                    reason: format!("{name} is still missing after AlreadyExists"),
                });
            }
            present.extend(missing.iter().map(|name| (*name).to_owned()));
            return Ok(SetupReport {
                namespace,
                present,
                added: Vec::new(),
            });
        }
        Err(status) => return Err(refused(&namespace, "add", status, &missing)),
    }
    Ok(SetupReport {
        namespace,
        present,
        added: missing.into_iter().map(str::to_owned).collect(),
    })
}

#[cfg(test)]
mod tests {
    use temporalio_client::tonic::Status;

    use super::*;

    #[test]
    fn a_role_starts_when_it_may_not_read_the_attributes_but_not_when_it_cannot_add_missing_ones() {
        let denied = |action| refused("cases", action, Status::permission_denied("no"), &[]);
        assert!(denied("read").may_start_anyway());
        assert!(!denied("add").may_start_anyway());
        let unavailable = refused("cases", "read", Status::unavailable("down"), &[]);
        assert!(!unavailable.may_start_anyway());
        let unknown = refused("cases", "read", Status::unauthenticated("bad key"), &[]);
        assert!(!unknown.may_start_anyway(), "bad credentials stop the role");
    }

    #[test]
    fn a_missing_permission_names_the_commands_an_administrator_runs() {
        let error = refused(
            "cases",
            "add",
            Status::permission_denied("Request unauthorized."),
            &["LienthongOffice", "LienthongWaitingOn"],
        );
        let text = error.to_string();
        assert!(
            matches!(error, SetupError::PermissionDenied { .. }),
            "{text}"
        );
        assert!(text.contains("not allowed to add"), "{text}");
        assert!(
            text.contains(
                "temporal operator search-attribute create --namespace cases --name LienthongWaitingOn --type KeywordList"
            ),
            "{text}"
        );
        assert!(
            !text.contains("LienthongProcedure"),
            "only the missing ones: {text}"
        );
    }

    #[test]
    fn another_refusal_says_what_the_server_said() {
        let error = refused("cases", "read", Status::unavailable("shutting down"), &[]);
        assert!(matches!(error, SetupError::Server { .. }));
        assert!(error.to_string().contains("shutting down"), "{error}");
    }

    #[test]
    fn a_report_says_what_was_added() {
        let report = SetupReport {
            namespace: "default".into(),
            present: vec!["LienthongStatus".into()],
            added: vec!["LienthongOffice".into()],
        };
        assert_eq!(
            report.to_string(),
            "namespace default: registered LienthongOffice (1 already there)"
        );
    }
}
