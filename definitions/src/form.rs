//! How a citizen page presents a procedure: its application's fields in sections, each with a
//! label, help, words for its choices and what to prefill from the signed-in citizen; and the
//! words for what steps issue. Presentation only: nothing here changes what is checked or sent,
//! and a definition without a `form:` section is filed the same way, with labels made from keys.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Titles;

/// A definition's optional `form:` section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    /// In the order the page shows them.
    #[serde(default)]
    pub sections: Vec<FormSection>,
    /// Words for what a step issued, by `step.field` (`birth.birth_certificate_number`).
    #[serde(default)]
    pub results: BTreeMap<String, Titles>,
}

impl Form {
    pub fn is_empty(&self) -> bool {
        self.sections.is_empty() && self.results.is_empty()
    }

    /// What the form says about the application field at `pointer` (`/applicant/phone`).
    pub fn field(&self, pointer: &str) -> Option<&FormField> {
        self.sections
            .iter()
            .flat_map(|s| &s.fields)
            .find(|f| f.field == pointer)
    }

    /// The words for `field` of what step `step` issued.
    pub fn result(&self, step: &str, field: &str) -> Option<&Titles> {
        self.results.get(&format!("{step}.{field}"))
    }
}

/// A group of fields under one heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSection {
    pub title: Titles,
    #[serde(default)]
    pub help: Option<Titles>,
    pub fields: Vec<FormField>,
}

/// One application field as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// A JSON pointer into the application (`/child/date_of_birth`); always a property the
    /// application schema has.
    pub field: String,
    pub label: Titles,
    #[serde(default)]
    pub help: Option<Titles>,
    /// Filled in from the signed-in citizen; they may still change it.
    #[serde(default)]
    pub prefill: Option<Prefill>,
    /// Words for each value of an `enum` field, by value.
    #[serde(default)]
    pub options: BTreeMap<String, Titles>,
}

/// What a field may be filled in from: what a citizen's sign-in says about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prefill {
    /// The personal ID number the citizen signed in with.
    PersonalId,
}
