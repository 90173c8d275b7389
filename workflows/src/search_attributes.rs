//! Search attributes the engine keeps on every case so operators can list and filter through
//! Temporal visibility. None of them ever carries personal data.

use temporalio_common::search_attributes::SearchAttributeKey;

pub const PROCEDURE: SearchAttributeKey<String> = SearchAttributeKey::keyword("LienthongProcedure");
pub const STATUS: SearchAttributeKey<String> = SearchAttributeKey::keyword("LienthongStatus");
pub const WAITING_ON: SearchAttributeKey<Vec<String>> =
    SearchAttributeKey::keyword_list("LienthongWaitingOn");
/// Attention reason codes (`CaseState::attention_reasons`).
pub const NEEDS_ATTENTION: SearchAttributeKey<Vec<String>> =
    SearchAttributeKey::keyword_list("LienthongAttention");
/// The agencies involved in any attention reason (`CaseState::attention_agencies`).
pub const ATTENTION_AGENCY: SearchAttributeKey<Vec<String>> =
    SearchAttributeKey::keyword_list("LienthongAttentionAgency");
/// The office that received the application (`01-HK`: province 01, office HK); set by the API
/// when it starts the case. A province's operators match it by prefix (`STARTS_WITH '01-'`): the
/// dev server's SQLite visibility allows only three keyword lists, all taken above.
pub const OFFICE: SearchAttributeKey<String> = SearchAttributeKey::keyword("LienthongOffice");

/// Keyed hashes of the numbers the case's steps issued, separated by spaces
/// (`issued_tags::issued_tags`): a Text attribute, so visibility matches one tag among them on
/// any store (SQLite and PostgreSQL full-text, Elasticsearch), without a keyword list to spare.
pub const ISSUED: SearchAttributeKey<String> = SearchAttributeKey::text("LienthongIssued");

/// `Name=Type` pairs, as `temporal server start-dev --search-attribute` wants them.
pub const REGISTRATION: &[(&str, &str)] = &[
    ("LienthongProcedure", "Keyword"),
    ("LienthongStatus", "Keyword"),
    ("LienthongWaitingOn", "KeywordList"),
    ("LienthongAttention", "KeywordList"),
    ("LienthongAttentionAgency", "KeywordList"),
    ("LienthongOffice", "Keyword"),
    ("LienthongIssued", "Text"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_fits_sql_visibility_and_names_every_key() {
        let lists = REGISTRATION
            .iter()
            .filter(|(_, kind)| *kind == "KeywordList")
            .count();
        assert!(
            lists <= 3,
            "SQL visibility allows three KeywordList attributes"
        );
        let names = [
            PROCEDURE.name(),
            STATUS.name(),
            WAITING_ON.name(),
            NEEDS_ATTENTION.name(),
            ATTENTION_AGENCY.name(),
            OFFICE.name(),
            ISSUED.name(),
        ];
        assert_eq!(
            REGISTRATION
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>(),
            names
        );
    }
}
