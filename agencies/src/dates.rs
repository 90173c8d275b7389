//! Calendar rules: the agencies' "today" and the 6th-birthday limit of a child's card.

use time::macros::{format_description, offset};
use time::{Date, Month, OffsetDateTime};

use crate::api_error::ApiError;

const ISO_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]");

/// Today in Vietnam (UTC+7), since registers record local civil dates.
pub(crate) fn today() -> Date {
    OffsetDateTime::now_utc().to_offset(offset!(+7)).date()
}

pub(crate) fn format(date: Date) -> String {
    // The format only has numeric fields, which cannot fail for a valid `Date`.
    date.format(ISO_DATE).unwrap_or_else(|_| {
        format!(
            "{:04}-{:02}-{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        )
    })
}

/// Parses a `YYYY-MM-DD` field; the error names the field, never the value.
pub(crate) fn parse(field: &'static str, value: &str) -> Result<Date, ApiError> {
    let well_formed = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(ApiError::invalid(format!(
            "{field} must be a date YYYY-MM-DD"
        )));
    }
    Date::parse(value, ISO_DATE)
        .map_err(|_| ApiError::invalid(format!("{field} is not a valid calendar date")))
}

/// The `n`th birthday; someone born on 29 February has it on 1 March in a common year.
pub(crate) fn birthday(date_of_birth: Date, years: i32) -> Option<Date> {
    let year = date_of_birth.year().checked_add(years)?;
    Date::from_calendar_date(year, date_of_birth.month(), date_of_birth.day())
        .ok()
        .or_else(|| Date::from_calendar_date(year, Month::March, 1).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn leap_day_birthday_falls_on_first_of_march_in_common_years() {
        assert_eq!(
            birthday(date!(2024 - 02 - 29), 6),
            Some(date!(2030 - 03 - 01))
        );
        assert_eq!(
            birthday(date!(2024 - 02 - 29), 4),
            Some(date!(2028 - 02 - 29))
        );
        assert_eq!(
            birthday(date!(2021 - 07 - 15), 6),
            Some(date!(2027 - 07 - 15))
        );
    }

    #[test]
    fn parse_rejects_malformed_and_impossible_dates() {
        assert!(parse("d", "2024-02-29").is_ok());
        assert!(parse("d", "2023-02-29").is_err());
        assert!(parse("d", "2024-2-29").is_err());
        assert!(parse("d", "+024-02-29").is_err());
        assert_eq!(format(date!(2026 - 01 - 05)), "2026-01-05");
    }
}
