//! Application rules that depend on the submission day, which the caller supplies: this crate
//! reads no clock.

use serde_json::Value;
use time::{Date, format_description::well_known::Iso8601};

use crate::{Check, CheckRule};

/// A rule the application broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure<'a> {
    pub check: &'a Check,
}

/// Runs every check against the application as of `today`. Fields the schema already found
/// missing or malformed are skipped here: the schema's message is the one the person needs.
pub fn run<'a>(checks: &'a [Check], application: &Value, today: Date) -> Vec<CheckFailure<'a>> {
    checks
        .iter()
        .filter(|check| {
            let Some(date) = application
                .pointer(&check.field)
                .and_then(Value::as_str)
                .and_then(|s| Date::parse(s, &Iso8601::DATE).ok())
            else {
                return false;
            };
            match check.rule {
                CheckRule::NotInFuture => date > today,
                CheckRule::AgeUnderYears { years } => !is_younger_than(date, years, today),
            }
        })
        .map(|check| CheckFailure { check })
        .collect()
}

/// Whether someone born on `born` is younger than `years` on `today`. A person born on 29 February
/// has their birthday on 1 March in common years, as Vietnamese civil law counts it.
pub fn is_younger_than(born: Date, years: u8, today: Date) -> bool {
    let year = born.year() + i32::from(years);
    let birthday = Date::from_calendar_date(year, born.month(), born.day())
        .or_else(|_| Date::from_calendar_date(year, time::Month::March, 1));
    match birthday {
        Ok(birthday) => today < birthday,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn age_limit_turns_on_the_birthday() {
        assert!(is_younger_than(
            date!(2020 - 06 - 15),
            6,
            date!(2026 - 06 - 14)
        ));
        assert!(!is_younger_than(
            date!(2020 - 06 - 15),
            6,
            date!(2026 - 06 - 15)
        ));
        assert!(is_younger_than(
            date!(2020 - 02 - 29),
            6,
            date!(2026 - 02 - 28)
        ));
        assert!(!is_younger_than(
            date!(2020 - 02 - 29),
            6,
            date!(2026 - 03 - 01)
        ));
    }
}
