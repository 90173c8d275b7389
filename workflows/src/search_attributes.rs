//! Search attributes the engine keeps on every case so operators can list and filter through
//! Temporal visibility. None of them ever carries personal data.

use temporalio_common::search_attributes::SearchAttributeKey;

pub const PROCEDURE: SearchAttributeKey<String> = SearchAttributeKey::keyword("LienthongProcedure");
pub const STATUS: SearchAttributeKey<String> = SearchAttributeKey::keyword("LienthongStatus");
pub const WAITING_ON: SearchAttributeKey<Vec<String>> =
    SearchAttributeKey::keyword_list("LienthongWaitingOn");
pub const NEEDS_ATTENTION: SearchAttributeKey<Vec<String>> =
    SearchAttributeKey::keyword_list("LienthongAttention");

/// `Name=Type` pairs, as `temporal server start-dev --search-attribute` wants them.
pub const REGISTRATION: &[(&str, &str)] = &[
    ("LienthongProcedure", "Keyword"),
    ("LienthongStatus", "Keyword"),
    ("LienthongWaitingOn", "KeywordList"),
    ("LienthongAttention", "KeywordList"),
];
