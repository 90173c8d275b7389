//! The procedures that ship with lienthong, compiled in so every role agrees on them.

use crate::{Definition, Diagnostics, parse_definition};

/// (file name, YAML text) of each shipped procedure.
pub const SHIPPED: &[(&str, &str)] = &[(
    "birth-residence-insurance.yaml",
    include_str!("../procedures/birth-residence-insurance.yaml"),
)];

/// Parses every shipped procedure.
pub fn shipped_definitions() -> Result<Vec<Definition>, (String, Diagnostics)> {
    SHIPPED
        .iter()
        .map(|(name, text)| parse_definition(text).map_err(|d| ((*name).to_owned(), d)))
        .collect()
}
