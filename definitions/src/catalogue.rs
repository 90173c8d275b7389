//! The agency catalogue: what each agency system offers, as data.
//!
//! One YAML file per agency (`definitions/catalogue/<agency>.yaml`) says where it is, how the engine
//! authenticates to it, and the contract of each operation: request and response JSON Schemas,
//! whether it answers at once or later (202 and a callback), and which operation it undoes.
//! Definitions are checked against it, so a mapping that would send a field the agency does not
//! read, or forget one it requires, is found when the procedure is written, not when a citizen's
//! case reaches that agency.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    DiagnosticCode as Code, Diagnostics, Titles,
    diagnostic::{self, Problems},
    schema,
};

/// Every agency the engine may call. Built only by [`Catalogue::new`] or [`Catalogue::shipped`],
/// so its agencies and operations are valid and uniquely named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    /// Sorted by id.
    agencies: Vec<Agency>,
}

/// One agency system and the operations it offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agency {
    /// The stable name steps use, e.g. `civil-status`.
    pub id: String,
    pub title: Titles,
    /// Where it listens unless the installation says otherwise.
    pub base_url: String,
    pub auth: Auth,
    /// The most calls a second the agency takes (`max_per_second`), all workers together; `None`
    /// is as fast as cases go. A paced agency's calls queue on its own task queue, which the
    /// Temporal server dispatches at this rate (ARCHITECTURE.md, "Each agency's pace").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_second: Option<f64>,
    pub operations: Vec<Operation>,
}

/// How the engine and the agency prove who they are. Only names of environment variables are
/// kept here: nothing in this crate reads a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    None,
    /// `Authorization: Bearer <token>` on every call, the token read from `token_env`.
    Bearer {
        token_env: String,
    },
    /// Requests and callbacks signed with HMAC-SHA256, the secret read from `secret_env`.
    Hmac {
        secret_env: String,
    },
}

impl Auth {
    /// The environment variable the engine's credential is read from, for auth that has one.
    pub fn variable(&self) -> Option<&str> {
        match self {
            Self::None => None,
            Self::Bearer { token_env } => Some(token_env),
            Self::Hmac { secret_env } => Some(secret_env),
        }
    }

    /// The one variable `agency`'s credential of this kind may be read from:
    /// `LIENTHONG_SECRET_<AGENCY>` for HMAC, `LIENTHONG_TOKEN_<AGENCY>` for a bearer token. An
    /// entry is written by that agency's administrator and names the address calls go to, so a
    /// worker must never read another agency's secret (or any other variable) for it.
    pub fn own_variable(&self, agency: &str) -> Option<String> {
        match self {
            Self::None => None,
            Self::Bearer { .. } => Some(format!("LIENTHONG_TOKEN_{}", variable_suffix(agency))),
            Self::Hmac { .. } => Some(Self::own_secret_variable(agency)),
        }
    }

    /// `agency`'s shared-secret variable, `LIENTHONG_SECRET_<AGENCY>`: what signs its calls
    /// and its callbacks.
    pub fn own_secret_variable(agency: &str) -> String {
        format!("LIENTHONG_SECRET_{}", variable_suffix(agency))
    }
}

/// An agency id as a variable name's end: `tax-office` → `TAX_OFFICE`.
fn variable_suffix(agency: &str) -> String {
    agency.to_ascii_uppercase().replace('-', "_")
}

/// Where an agency listens and how it is called, as its catalogue entry said when a case was
/// filed. It travels with the case, so a worker reaches and signs for an agency that joined after
/// the worker started, with no rebuild and no restart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgencyAccess {
    pub base_url: String,
    pub auth: Auth,
    /// The agency's declared pace at filing: the case sends its calls to the agency's own task
    /// queue, which workers poll at this rate. Absent for cases filed before pacing existed and
    /// for agencies that declare none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_per_second: Option<f64>,
}

/// One operation: `POST {base_url}/operations/{name}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    pub name: String,
    pub title: Titles,
    /// JSON Schema of the request body.
    pub request: Value,
    /// JSON Schema of the answer when the act is done.
    pub response: Value,
    /// The operation this one undoes, making it the compensation of that one.
    pub undoes: Option<String>,
    pub answers: Answers,
}

/// When the agency gives its decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answers {
    /// In the answer to the call.
    Now,
    /// Possibly later: the call may be answered 202 `pending` and the decision called back.
    Later,
}

impl Catalogue {
    /// A catalogue of these agencies; two with one id are refused.
    pub fn new(mut agencies: Vec<Agency>) -> Result<Self, Diagnostics> {
        agencies.sort_by(|a, b| a.id.cmp(&b.id));
        let repeated: Vec<&str> = agencies
            .windows(2)
            .filter(|pair| pair[0].id == pair[1].id)
            .map(|pair| pair[0].id.as_str())
            .collect();
        if let Some(id) = repeated.first() {
            let mut problems = Problems::default();
            problems.push(
                Code::DuplicateName,
                "id",
                format!("two catalogue files describe agency `{id}`"),
            );
            return Err(problems.located(""));
        }
        Ok(Self { agencies })
    }

    /// The catalogue compiled into lienthong (`definitions/catalogue/*.yaml`): the agencies of
    /// the shipped procedures, at their development addresses.
    pub fn shipped() -> Result<Self, (String, Diagnostics)> {
        Self::from_files(crate::shipped::SHIPPED_CATALOGUE.iter().copied())
    }

    /// A catalogue from agency files given as (file name, YAML text). The error names the first
    /// file found invalid, or `catalogue` when two files describe one agency.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, (String, Diagnostics)> {
        let agencies = files
            .into_iter()
            .map(|(name, text)| parse_agency(text).map_err(|d| (name.to_owned(), d)))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(agencies).map_err(|d| ("catalogue".to_owned(), d))
    }

    pub fn agencies(&self) -> &[Agency] {
        &self.agencies
    }

    pub fn agency(&self, id: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.id == id)
    }
}

impl Agency {
    pub fn access(&self) -> AgencyAccess {
        AgencyAccess {
            base_url: self.base_url.clone(),
            auth: self.auth.clone(),
            max_per_second: self.max_per_second,
        }
    }

    pub fn operation(&self, name: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.name == name)
    }

    /// The operation that undoes `name`, if the agency offers one.
    pub fn undo_of(&self, name: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.undoes.as_deref() == Some(name))
    }

    pub fn operation_names(&self) -> String {
        let names: Vec<&str> = self.operations.iter().map(|o| o.name.as_str()).collect();
        names.join(", ")
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAgency {
    id: String,
    title: Titles,
    base_url: String,
    #[serde(default = "no_auth")]
    auth: Auth,
    #[serde(default)]
    max_per_second: Option<RawRate>,
    operations: Vec<RawOperation>,
}

/// A pace as written: anything but a number is refused at its field, not as a syntax error.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawRate {
    Number(f64),
    Other(Value),
}

fn no_auth() -> Auth {
    Auth::None
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOperation {
    name: String,
    title: Titles,
    request: Value,
    response: Value,
    #[serde(default)]
    undoes: Option<String>,
    #[serde(default = "answers_now")]
    answers: Answers,
}

fn answers_now() -> Answers {
    Answers::Now
}

/// Parses and checks one agency's catalogue file. Never panics; returns every problem found.
pub fn parse_agency(yaml: &str) -> Result<Agency, Diagnostics> {
    let raw: RawAgency = serde_saphyr::from_str(yaml).map_err(|e| diagnostic::syntax(&e))?;
    let mut problems = Problems::default();
    if !crate::names::is_slug(&raw.id) {
        problems.push(
            Code::BadValue,
            "id",
            "an agency id must be lowercase letters, digits and `-`",
        );
    }
    if !(raw.base_url.starts_with("http://") || raw.base_url.starts_with("https://")) {
        problems.push(
            Code::BadValue,
            "base_url",
            "the base URL must start with http:// or https://",
        );
    }
    if let (Some(named), Some(own)) = (raw.auth.variable(), raw.auth.own_variable(&raw.id))
        && named != own
    {
        problems.push(
            Code::BadValue,
            "auth",
            format!(
                "the engine reads this agency's credential only from its own variable, {own}: \
                 write `{own}` here (no entry may name another agency's secret)"
            ),
        );
    }
    let max_per_second = match raw.max_per_second {
        None => None,
        Some(RawRate::Number(rate)) if rate.is_finite() && rate > 0.0 => Some(rate),
        Some(written) => {
            let written = match written {
                RawRate::Number(rate) => rate.to_string(),
                RawRate::Other(value) => value.to_string(),
            };
            problems.push(
                Code::BadValue,
                "max_per_second",
                format!(
                    "the most calls a second the agency takes is a positive number (such as 5 \
                     or 0.5), not {written}; leave it out for an agency that takes calls as fast \
                     as they come"
                ),
            );
            None
        }
    };
    if raw.operations.is_empty() {
        problems.push(
            Code::BadValue,
            "operations",
            "an agency offers at least one operation",
        );
    }
    let names: Vec<&str> = raw.operations.iter().map(|o| o.name.as_str()).collect();
    let mut seen = BTreeSet::new();
    let mut undone = BTreeSet::new();
    for (i, op) in raw.operations.iter().enumerate() {
        let at = format!("operations[{i}]");
        if !crate::names::is_slug(&op.name) {
            problems.push(
                Code::BadValue,
                format!("{at}.name"),
                "an operation name must be lowercase letters, digits and `-`",
            );
        }
        if !seen.insert(op.name.as_str()) {
            problems.push(
                Code::DuplicateName,
                format!("{at}.name"),
                format!("another operation is already called `{}`", op.name),
            );
        }
        for (key, contract) in [("request", &op.request), ("response", &op.response)] {
            let object = contract.get("type").and_then(Value::as_str) == Some("object");
            match schema::compile(contract) {
                Err(error) => problems.push(
                    Code::BadSchema,
                    crate::names::join(&format!("{at}.{key}"), &error.at),
                    error.message,
                ),
                Ok(_) if !object => problems.push(
                    Code::BadSchema,
                    format!("{at}.{key}"),
                    format!("the {key} contract describes a JSON object: give it `type: object`"),
                ),
                Ok(_) => {}
            }
        }
        if let Some(undoes) = &op.undoes {
            if undoes == &op.name {
                problems.push(
                    Code::BadValue,
                    format!("{at}.undoes"),
                    "an operation cannot undo itself",
                );
            } else if !names.contains(&undoes.as_str()) {
                problems.push(
                    Code::UnknownOperation,
                    format!("{at}.undoes"),
                    format!(
                        "`{undoes}` is not an operation of this agency; it offers {}",
                        names.join(", ")
                    ),
                );
            } else if !undone.insert(undoes.as_str()) {
                problems.push(
                    Code::DuplicateName,
                    format!("{at}.undoes"),
                    format!("another operation already undoes `{undoes}`"),
                );
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.located(yaml));
    }
    Ok(Agency {
        id: raw.id,
        title: raw.title,
        base_url: raw.base_url,
        auth: raw.auth,
        max_per_second,
        operations: raw
            .operations
            .into_iter()
            .map(|o| Operation {
                name: o.name,
                title: o.title,
                request: o.request,
                response: o.response,
                undoes: o.undoes,
                answers: o.answers,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(pace: &str) -> String {
        format!(
            "id: tax-office\ntitle: {{vi: Cục thuế, en: Tax office}}\nbase_url: http://127.0.0.1:1\n{pace}\
             operations:\n  - name: register\n    title: {{vi: Đăng ký, en: Register}}\n    \
             request: {{type: object}}\n    response: {{type: object}}\n"
        )
    }

    #[test]
    fn an_agency_declares_its_pace_or_takes_calls_as_fast_as_they_come() {
        let paced = parse_agency(&entry("max_per_second: 2.5\n")).expect("a paced entry");
        assert_eq!(paced.max_per_second, Some(2.5));
        assert_eq!(paced.access().max_per_second, Some(2.5));
        let unpaced = parse_agency(&entry("")).expect("an entry without a pace");
        assert_eq!(unpaced.max_per_second, None);
        let stored = serde_json::to_value(&unpaced).expect("serializable");
        assert!(
            stored.get("max_per_second").is_none(),
            "an entry without a pace is stored as before"
        );
        let back: Agency =
            serde_json::from_value(serde_json::to_value(&paced).expect("json")).expect("read back");
        assert_eq!(back, paced);
    }

    #[test]
    fn a_pace_that_is_not_a_positive_number_is_refused_at_its_field() {
        for bad in ["0", "-1", "fast", "[5]"] {
            let error =
                parse_agency(&entry(&format!("max_per_second: {bad}\n"))).expect_err("not a pace");
            let text = error.to_string();
            assert!(text.contains("max_per_second"), "{bad}: {text}");
            assert!(text.contains("positive number"), "{bad}: {text}");
        }
        // The YAML reader itself refuses what is not a finite number.
        for bad in [".nan", ".inf"] {
            parse_agency(&entry(&format!("max_per_second: {bad}\n"))).expect_err("not finite");
        }
    }
}
