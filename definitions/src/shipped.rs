//! The procedures and the agency catalogue that ship with lienthong, compiled in so every role
//! agrees on them.

use crate::{Definition, Diagnostics, parse_definition};

/// (file name, YAML text) of each shipped procedure.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "birth-residence-insurance.yaml",
        include_str!("../procedures/birth-residence-insurance.yaml"),
    ),
    (
        "death-residence-allowance.yaml",
        include_str!("../procedures/death-residence-allowance.yaml"),
    ),
];

/// (file name, YAML text) of each agency in the shipped catalogue.
pub const SHIPPED_CATALOGUE: &[(&str, &str)] = &[
    (
        "civil-status.yaml",
        include_str!("../catalogue/civil-status.yaml"),
    ),
    (
        "labour-office.yaml",
        include_str!("../catalogue/labour-office.yaml"),
    ),
    (
        "population.yaml",
        include_str!("../catalogue/population.yaml"),
    ),
    (
        "residence.yaml",
        include_str!("../catalogue/residence.yaml"),
    ),
    (
        "social-insurance.yaml",
        include_str!("../catalogue/social-insurance.yaml"),
    ),
];

/// Parses every shipped procedure against the shipped catalogue.
pub fn shipped_definitions() -> Result<Vec<Definition>, (String, Diagnostics)> {
    SHIPPED
        .iter()
        .map(|(name, text)| parse_definition(text).map_err(|d| ((*name).to_owned(), d)))
        .collect()
}
