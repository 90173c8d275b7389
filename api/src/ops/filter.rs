//! The operator's case filters, turned into one Temporal visibility query. Every value is
//! checked against a narrow alphabet before it is quoted, so a filter can never change the
//! query's shape.

use axum::http::StatusCode;
use lienthong_identity::Principal;
use lienthong_workflows::{CaseWorkflow, search_attributes as sa};
use serde::{Deserialize, Serialize};
use time::{
    Date, OffsetDateTime, format_description::well_known::Rfc3339, macros::format_description,
};
use utoipa::{IntoParams, ToSchema};

use crate::{ApiError, error::FieldError};

/// What an operator can filter cases by. Absent fields do not filter.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq, ToSchema, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseFilter {
    /// A procedure id.
    pub procedure: Option<String>,
    /// `running`, `compensating`, `completed`, `failed`, `withdrawn`, …
    pub status: Option<String>,
    /// An agency the case is waiting on (or `citizen`).
    pub agency: Option<String>,
    /// A needs-attention reason (`agency_unavailable`, `retrying`, `overdue`, …); `any` for all.
    pub reason: Option<String>,
    /// Only cases past their legal deadline.
    pub overdue: Option<bool>,
    /// Submitted at or after / before (RFC 3339 or a date).
    pub submitted_from: Option<String>,
    pub submitted_to: Option<String>,
    /// One case code.
    pub code: Option<String>,
    /// One office or province of the operator's scope (`01`, `01-HK`).
    pub office: Option<String>,
}

fn bad(field: &str, message: &str) -> ApiError {
    let mut error = ApiError::new(
        StatusCode::BAD_REQUEST,
        "FILTER_INVALID",
        "a filter value is not valid; see `fields`",
    );
    error.fields.push(FieldError {
        field: format!("/{field}"),
        code: "INVALID_FORMAT".into(),
        message: message.into(),
    });
    error
}

fn word(field: &str, value: &str) -> Result<String, ApiError> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
    if ok {
        Ok(value.to_owned())
    } else {
        Err(bad(
            field,
            "use letters, digits, `-`, `_` or `.` (at most 64)",
        ))
    }
}

/// A date (`2026-11-23`: that day's start in Vietnam) or an RFC 3339 time, as the visibility
/// query takes it. Anything else is refused here: the engine would fail the whole query.
fn instant(field: &str, value: &str) -> Result<String, ApiError> {
    let refused = || {
        bad(
            field,
            "write a date (2026-11-23) or an RFC 3339 time (2026-11-23T08:00:00+07:00)",
        )
    };
    let date_shaped = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if date_shaped {
        Date::parse(value, format_description!("[year]-[month]-[day]")).map_err(|_| refused())?;
        return Ok(format!("{value}T00:00:00+07:00"));
    }
    OffsetDateTime::parse(value, &Rfc3339)
        .ok()
        .and_then(|time| time.format(&Rfc3339).ok())
        .ok_or_else(refused)
}

/// Offices an operator's scope names, as visibility matches them: the office itself, or any
/// office of a province (`01` matches `01-HK`).
fn scope_clause(principal: &Principal, office: Option<&str>) -> Result<String, ApiError> {
    let scopes: Vec<String> = match office {
        Some(office) => {
            let office = word("office", office)?;
            if !principal.covers_office(&office) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "OFFICE_OUT_OF_SCOPE",
                    "this office is not in your scope",
                ));
            }
            vec![office]
        }
        // Every office: every case has one.
        None if principal.covers_every_office() => {
            return Ok(format!("{} IS NOT NULL", sa::OFFICE.name()));
        }
        None => principal
            .offices
            .iter()
            .map(|o| word("office", o))
            .collect::<Result<_, _>>()?,
    };
    if scopes.is_empty() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "NO_SCOPE",
            "your account is not assigned to any office",
        ));
    }
    let office = sa::OFFICE.name();
    let each: Vec<String> = scopes
        .iter()
        .map(|s| format!("{office} = '{s}' OR {office} STARTS_WITH '{s}-'"))
        .collect();
    Ok(format!("({})", each.join(" OR ")))
}

impl CaseFilter {
    /// The visibility query for this filter within `principal`'s scope.
    pub fn query(&self, principal: &Principal) -> Result<String, ApiError> {
        let mut parts = vec![
            format!("WorkflowType = '{}'", CaseWorkflow::name()),
            scope_clause(principal, self.office.as_deref())?,
        ];
        if let Some(p) = &self.procedure {
            parts.push(format!(
                "{} = '{}'",
                sa::PROCEDURE.name(),
                word("procedure", p)?
            ));
        }
        if let Some(s) = &self.status {
            parts.push(format!("{} = '{}'", sa::STATUS.name(), word("status", s)?));
        }
        if let Some(a) = &self.agency {
            parts.push(format!(
                "{} = '{}'",
                sa::WAITING_ON.name(),
                word("agency", a)?
            ));
        }
        match self.reason.as_deref() {
            None => {}
            Some("any") => parts.push(format!("{} IS NOT NULL", sa::NEEDS_ATTENTION.name())),
            Some(r) => parts.push(format!(
                "{} = '{}'",
                sa::NEEDS_ATTENTION.name(),
                word("reason", r)?
            )),
        }
        if self.overdue == Some(true) {
            parts.push(format!("{} = 'overdue'", sa::NEEDS_ATTENTION.name()));
        }
        if let Some(from) = &self.submitted_from {
            parts.push(format!(
                "StartTime >= '{}'",
                instant("submitted_from", from)?
            ));
        }
        if let Some(to) = &self.submitted_to {
            parts.push(format!("StartTime < '{}'", instant("submitted_to", to)?));
        }
        if let Some(code) = &self.code {
            parts.push(format!("WorkflowId = '{}'", word("code", code)?));
        }
        Ok(parts.join(" AND "))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use lienthong_identity::Claims;

    use super::*;

    fn operator(offices: &[&str]) -> Principal {
        Principal::from_claims(Claims {
            sub: "op".into(),
            roles: vec!["operator".into()],
            offices: offices.iter().map(|s| (*s).to_owned()).collect(),
            ..Claims::default()
        })
    }

    #[test]
    fn every_filter_becomes_a_clause_within_the_operators_scope() {
        let filter = CaseFilter {
            procedure: Some("birth-residence-insurance".into()),
            status: Some("running".into()),
            agency: Some("residence".into()),
            reason: Some("agency_unavailable".into()),
            overdue: Some(true),
            submitted_from: Some("2026-11-01".into()),
            submitted_to: Some("2026-11-30T00:00:00Z".into()),
            code: Some("KS-ABC".into()),
            office: None,
        };
        let query = filter
            .query(&operator(&["01", "79-Q1"]))
            .unwrap_or_default();
        for clause in [
            "(LienthongOffice = '01' OR LienthongOffice STARTS_WITH '01-' OR LienthongOffice = '79-Q1' OR LienthongOffice STARTS_WITH '79-Q1-')",
            "LienthongProcedure = 'birth-residence-insurance'",
            "LienthongStatus = 'running'",
            "LienthongWaitingOn = 'residence'",
            "LienthongAttention = 'agency_unavailable'",
            "LienthongAttention = 'overdue'",
            "StartTime >= '2026-11-01T00:00:00+07:00'",
            "StartTime < '2026-11-30T00:00:00Z'",
            "WorkflowId = 'KS-ABC'",
        ] {
            assert!(query.contains(clause), "{clause} missing from {query}");
        }
    }

    #[test]
    fn a_value_that_could_change_the_query_is_refused() {
        let filter = CaseFilter {
            procedure: Some("x' OR WorkflowId != '".into()),
            ..CaseFilter::default()
        };
        let err = filter.query(&operator(&["01"])).unwrap_err();
        assert_eq!(err.code, "FILTER_INVALID");
        assert_eq!(err.fields[0].field, "/procedure");
    }

    #[test]
    fn a_time_that_is_not_a_date_or_rfc_3339_is_refused_without_repeating_it() {
        for (field, value) in [
            ("submitted_from", "1"),
            ("submitted_from", "9999-99-99"),
            ("submitted_from", "2026-02-30"),
            ("submitted_from", "2026-11-01T25:00:00Z"),
            ("submitted_from", "2026-11-01 08:00:00"),
            ("submitted_from", "2026-11-01T08:00:00"),
            ("submitted_from", "Nguyễn Văn A 001190012345"),
            ("submitted_to", "2026-1-1"),
            ("submitted_to", "-2026-11-01"),
            ("submitted_to", ""),
        ] {
            let mut filter = CaseFilter::default();
            let slot = if field == "submitted_from" {
                &mut filter.submitted_from
            } else {
                &mut filter.submitted_to
            };
            *slot = Some(value.to_owned());
            let err = filter.query(&operator(&["01"])).unwrap_err();
            assert_eq!(
                (err.status, err.code, err.fields.len()),
                (StatusCode::BAD_REQUEST, "FILTER_INVALID", 1),
                "{value}"
            );
            let f = &err.fields[0];
            assert_eq!(
                (f.field.as_str(), f.code.as_str(), f.message.as_str()),
                (
                    format!("/{field}").as_str(),
                    "INVALID_FORMAT",
                    "write a date (2026-11-23) or an RFC 3339 time (2026-11-23T08:00:00+07:00)"
                ),
                "{value}"
            );
            assert!(value.len() < 2 || !err.message.contains(value), "{value}");
        }
    }

    #[test]
    fn a_date_or_an_rfc_3339_time_reaches_the_query_in_one_form() {
        for (value, clause) in [
            ("2026-02-28", "StartTime >= '2026-02-28T00:00:00+07:00'"),
            (
                "2026-11-01T08:00:00+07:00",
                "StartTime >= '2026-11-01T08:00:00+07:00'",
            ),
            (
                "2026-11-01t01:00:00.5z",
                "StartTime >= '2026-11-01T01:00:00.5Z'",
            ),
        ] {
            let filter = CaseFilter {
                submitted_from: Some(value.into()),
                ..CaseFilter::default()
            };
            let query = filter.query(&operator(&["01"])).unwrap();
            assert!(query.contains(clause), "{clause} missing from {query}");
        }
    }

    #[test]
    fn an_office_outside_the_scope_is_refused() {
        let filter = CaseFilter {
            office: Some("79-Q1".into()),
            ..CaseFilter::default()
        };
        assert_eq!(
            filter.query(&operator(&["01"])).unwrap_err().code,
            "OFFICE_OUT_OF_SCOPE"
        );
    }
}
