use std::fmt;

use serde::{Deserialize, Serialize};

/// The office scope of an operator who works for every office of the installation (a national
/// supervisor): the only scope that may decode case history, whose payloads name no office.
pub const EVERY_OFFICE: &str = "*";

/// What a caller may do. One identity may hold several roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Files applications; sees and acts on the cases they filed or that name them.
    Citizen,
    /// A one-stop-shop officer: sees and fixes the cases of their offices.
    Operator,
    /// Manages one agency's catalogue entry and the definitions that call it.
    AgencyAdmin,
    /// Reads the audit log.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Citizen,
        Role::Operator,
        Role::AgencyAdmin,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Citizen => "citizen",
            Self::Operator => "operator",
            Self::AgencyAdmin => "agency-admin",
            Self::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The claims lienthong reads from a token, besides the standard `exp`, `iss` and `aud`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The account: a citizen's login or an officer's staff account. Recorded in the audit log.
    pub sub: String,
    /// Unknown role names are ignored, so an issuer may carry roles of other systems.
    #[serde(default)]
    pub roles: Vec<String>,
    /// A citizen's personal ID number: which cases are theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_id: Option<String>,
    /// An operator's scope: province codes (`01`) or office codes (`01-BD`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offices: Vec<String>,
    /// An agency administrator's agencies (catalogue names).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agencies: Vec<String>,
    /// The operator may see personal data unmasked (each read is recorded).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub personal_data: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<u64>,
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claims")
            .field("sub", &self.sub)
            .field("roles", &self.roles)
            .field("offices", &self.offices)
            .field("agencies", &self.agencies)
            .finish_non_exhaustive()
    }
}

/// A verified caller.
#[derive(Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub roles: Vec<Role>,
    personal_id: Option<String>,
    pub offices: Vec<String>,
    pub agencies: Vec<String>,
    pub personal_data: bool,
    /// When the token stops being valid (Unix seconds), when it says.
    pub expires_at: Option<u64>,
}

impl fmt::Debug for Principal {
    // The personal ID number stays out of every log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Principal")
            .field("subject", &self.subject)
            .field("roles", &self.roles)
            .field("offices", &self.offices)
            .field("agencies", &self.agencies)
            .field("personal_data", &self.personal_data)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Principal {
    pub fn from_claims(claims: Claims) -> Self {
        let mut roles: Vec<Role> = claims
            .roles
            .iter()
            .filter_map(|r| serde_json::from_value(serde_json::Value::String(r.clone())).ok())
            .collect();
        roles.sort();
        roles.dedup();
        Self {
            subject: claims.sub,
            roles,
            personal_id: claims.personal_id.filter(|id| !id.is_empty()),
            offices: claims.offices,
            agencies: claims.agencies,
            personal_data: claims.personal_data,
            expires_at: claims.exp,
        }
    }

    /// The claims to keep for a console session: everything the console acts on, but not the
    /// personal ID number (the console is for staff, and a session store holds no ID numbers).
    pub fn session_claims(&self) -> Claims {
        Claims {
            sub: self.subject.clone(),
            roles: self.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            personal_id: None,
            offices: self.offices.clone(),
            agencies: self.agencies.clone(),
            personal_data: self.personal_data,
            exp: self.expires_at,
        }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// The citizen's personal ID number, when the token carries one.
    pub fn personal_id(&self) -> Option<&str> {
        self.personal_id.as_deref()
    }

    /// Whether an operator's scope includes a case filed at `office` (`01-BD` is in `01`; the
    /// scope [`EVERY_OFFICE`] includes every office).
    pub fn covers_office(&self, office: &str) -> bool {
        self.has(Role::Operator)
            && self.offices.iter().any(|scope| {
                scope == EVERY_OFFICE
                    || office == scope
                    || office
                        .strip_prefix(scope.as_str())
                        .is_some_and(|rest| rest.starts_with('-'))
            })
    }

    /// Whether this is an operator whose scope is every office of the installation.
    pub fn covers_every_office(&self) -> bool {
        self.has(Role::Operator) && self.offices.iter().any(|scope| scope == EVERY_OFFICE)
    }

    /// Whether this identity administers `agency`.
    pub fn administers(&self, agency: &str) -> bool {
        self.has(Role::AgencyAdmin) && self.agencies.iter().any(|a| a == agency)
    }

    /// The first role, for the audit log's "as what" column.
    pub fn role_label(&self) -> String {
        self.roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn operator(offices: &[&str]) -> Principal {
        Principal::from_claims(Claims {
            sub: "op".into(),
            roles: vec!["operator".into(), "some-other-system".into()],
            offices: offices.iter().map(|s| (*s).to_owned()).collect(),
            ..Claims::default()
        })
    }

    #[test]
    fn a_province_scope_covers_its_offices_and_no_other_province() {
        let op = operator(&["01"]);
        assert!(op.covers_office("01"));
        assert!(op.covers_office("01-BD"));
        assert!(!op.covers_office("010-X"));
        assert!(!op.covers_office("79-Q1"));
        assert_eq!(op.roles, vec![Role::Operator]);
    }

    #[test]
    fn an_office_scope_covers_only_that_office() {
        let op = operator(&["01-BD"]);
        assert!(op.covers_office("01-BD"));
        assert!(!op.covers_office("01-HK"));
        assert!(!op.covers_office("01"));
    }

    #[test]
    fn debug_output_never_shows_the_personal_id() {
        let citizen = Principal::from_claims(Claims {
            sub: "c".into(),
            roles: vec!["citizen".into()],
            personal_id: Some("001190012345".into()),
            ..Claims::default()
        });
        assert!(!format!("{citizen:?}").contains("001190012345"));
        assert_eq!(citizen.personal_id(), Some("001190012345"));
    }

    #[test]
    fn session_claims_keep_the_scope_and_expiry_but_not_the_personal_id() {
        let officer = Principal::from_claims(Claims {
            sub: "op".into(),
            roles: vec!["operator".into(), "auditor".into()],
            personal_id: Some("001190012345".into()),
            offices: vec!["01".into()],
            personal_data: true,
            exp: Some(1_900_000_000),
            ..Claims::default()
        });
        let kept = officer.session_claims();
        assert_eq!(kept.personal_id, None);
        let again = Principal::from_claims(kept);
        assert_eq!(again.roles, officer.roles);
        assert_eq!(again.offices, officer.offices);
        assert!(again.personal_data);
        assert_eq!(again.expires_at, Some(1_900_000_000));
        assert_eq!(again.personal_id(), None);
    }
}
