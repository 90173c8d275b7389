//! The text forms shared by the YAML file and the serialized calendar.

use std::ops::RangeInclusive;

use time::macros::format_description;
use time::{Date, Time, UtcOffset, Weekday};

/// Years a calendar may list: the ones written with exactly four digits, so `YYYY-MM-DD` reads
/// back what it wrote.
pub(super) const YEARS: RangeInclusive<i32> = 1000..=9999;

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
];

pub(super) const WEEKDAY_HINT: &str =
    "use monday, tuesday, wednesday, thursday, friday, saturday or sunday";
pub(super) const DATE_HINT: &str = "write dates as YYYY-MM-DD";
pub(super) const TIME_HINT: &str = "write the time of day as HH:MM, e.g. \"15:00\"";
pub(super) const OFFSET_HINT: &str = "write the UTC offset as +HH:MM, e.g. \"+07:00\"";

pub(super) fn parse_date(text: &str) -> Option<Date> {
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

pub(super) fn parse_time(text: &str) -> Option<Time> {
    Time::parse(text, format_description!("[hour]:[minute]")).ok()
}

pub(super) fn parse_offset(text: &str) -> Option<UtcOffset> {
    UtcOffset::parse(
        text,
        format_description!("[offset_hour sign:mandatory]:[offset_minute]"),
    )
    .ok()
}

pub(super) fn parse_weekday(text: &str) -> Option<Weekday> {
    WEEKDAYS
        .iter()
        .find(|(name, _)| *name == text)
        .map(|&(_, day)| day)
}

// The formatters below are written by hand because they cannot fail, unlike `time`'s general
// formatting, and every value they see was read by the parsers above.

pub(super) fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

pub(super) fn format_time(time: Time) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

pub(super) fn format_offset(offset: UtcOffset) -> String {
    let (hours, minutes, _) = offset.as_hms();
    let sign = if offset.is_negative() { '-' } else { '+' };
    format!(
        "{sign}{:02}:{:02}",
        hours.unsigned_abs(),
        minutes.unsigned_abs()
    )
}

pub(super) fn weekday_name(day: Weekday) -> &'static str {
    WEEKDAYS[usize::from(day.number_days_from_monday())].0
}
