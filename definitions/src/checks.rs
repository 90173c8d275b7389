//! Application rules beyond the schema: dates against the submission day, which the caller
//! supplies (this crate reads no clock), and CEL rules across fields.

use std::collections::BTreeMap;

use serde_json::Value;
use time::{Date, format_description::well_known::Iso8601};

use crate::{Check, CheckRule, expression::Scope};

/// A rule the application broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFailure<'a> {
    pub check: &'a Check,
}

/// Runs every check against the application as of `today`. Fields the schema already found
/// missing or malformed are skipped here, and so is an expression that reads something absent or
/// of another type: the schema's message is the one the person needs.
pub fn run<'a>(checks: &'a [Check], application: &Value, today: Date) -> Vec<CheckFailure<'a>> {
    checks
        .iter()
        .filter(|check| broken(check, application, today))
        .map(|check| CheckFailure { check })
        .collect()
}

fn broken(check: &Check, application: &Value, today: Date) -> bool {
    let date = || {
        application
            .pointer(&check.field)
            .and_then(Value::as_str)
            .and_then(|s| Date::parse(s, &Iso8601::DATE).ok())
    };
    match &check.rule {
        CheckRule::NotInFuture => date().is_some_and(|date| date > today),
        CheckRule::AgeUnderYears { years } => {
            date().is_some_and(|date| !is_younger_than(date, *years, today))
        }
        CheckRule::Expression { expression } => {
            let steps = BTreeMap::new();
            let scope = Scope {
                application,
                steps: &steps,
            };
            expression.evaluate(&scope) == Ok(Some(Value::Bool(false)))
        }
    }
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
    use serde_json::json;
    use time::macros::date;

    use super::*;
    use crate::{Titles, expression::Expression};

    fn rule(expression: &str) -> Check {
        Check {
            field: "/survivor_benefit".into(),
            rule: CheckRule::Expression {
                expression: Expression::new(expression).expect("valid"),
            },
            code: "SURVIVOR_BENEFIT_DETAILS_REQUIRED".into(),
            message: Titles {
                vi: "vi".into(),
                en: "en".into(),
            },
        }
    }

    #[test]
    fn an_expression_rule_fails_only_when_it_is_false() {
        let checks = [rule(
            "!application.requested.survivor_benefit || has(application.survivor_benefit)",
        )];
        let today = date!(2026 - 01 - 10);
        let asked_without_details = json!({"requested": {"survivor_benefit": true}});
        assert_eq!(run(&checks, &asked_without_details, today).len(), 1);
        let asked_with_details = json!({"requested": {"survivor_benefit": true}, "survivor_benefit": {"relationship": "child"}});
        assert!(run(&checks, &asked_with_details, today).is_empty());
        let not_asked = json!({"requested": {"survivor_benefit": false}});
        assert!(run(&checks, &not_asked, today).is_empty());
        // `requested` missing is the schema's to report.
        assert!(run(&checks, &json!({}), today).is_empty());
    }

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
