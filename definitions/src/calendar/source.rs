//! Reading a calendar from YAML, with every problem located in the text: the people who edit
//! `vn.yaml` each December are not the people who wrote this code.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};
use time::Date;

use super::{Calendar, CalendarError, Parts, Weekend, text};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    id: String,
    utc_offset: Spanned<String>,
    weekend: Spanned<Vec<Spanned<String>>>,
    cutoff: Spanned<String>,
    close_of_day: Spanned<String>,
    holidays: BTreeMap<i32, Spanned<Vec<Spanned<RawHoliday>>>>,
    #[serde(default)]
    working_days: BTreeMap<i32, Spanned<Vec<Spanned<String>>>>,
}

/// Either `date`, or `from` and `to` (both included). One struct rather than an untagged enum
/// because serde's untagged enums lose the locations.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    #[serde(default)]
    date: Option<Spanned<String>>,
    #[serde(default)]
    from: Option<Spanned<String>>,
    #[serde(default)]
    to: Option<Spanned<String>>,
    /// Not used by the arithmetic; required so that each entry can be checked against the
    /// announcement it comes from.
    name: String,
}

fn at(location: &Location, message: impl Into<String>) -> CalendarError {
    // serde-saphyr marks an unknown position with line 0.
    let known = location.line() > 0;
    CalendarError {
        message: message.into(),
        line: known.then(|| location.line()),
        column: known.then(|| location.column()),
    }
}

fn located<T>(value: &Spanned<T>, message: impl Into<String>) -> CalendarError {
    at(&value.referenced, message)
}

pub(super) fn parse(yaml: &str) -> Result<Calendar, CalendarError> {
    let raw: RawCalendar = serde_saphyr::from_str(yaml).map_err(|e| {
        let message = syntax_message(&e.to_string());
        match e.location() {
            Some(location) => at(&location, message),
            None => CalendarError::new(message),
        }
    })?;

    let offset = text::parse_offset(&raw.utc_offset.value)
        .ok_or_else(|| located(&raw.utc_offset, text::OFFSET_HINT))?;
    let cutoff = time_of_day(&raw.cutoff)?;
    let close = time_of_day(&raw.close_of_day)?;
    let weekend = weekend(&raw.weekend)?;

    // Where each listed day was first written, to point at both places of a duplicate.
    let mut seen = HashMap::new();
    let mut days_off = Vec::new();
    for (&year, entries) in &raw.holidays {
        check_year(year, entries)?;
        for entry in &entries.value {
            for (day, location) in holiday_days(year, entry)? {
                note(&mut seen, day, location, List::Holidays)?;
                days_off.push(day);
            }
        }
    }

    let mut working_days = Vec::new();
    for (&year, days) in &raw.working_days {
        check_year(year, days)?;
        if !raw.holidays.contains_key(&year) {
            return Err(located(
                days,
                format!(
                    "working days are listed for {year} but its holidays are not; \
                     list them under `holidays` (`{year}: []` if there are none)"
                ),
            ));
        }
        for text_day in &days.value {
            let day = date_in(year, text_day)?;
            if !weekend.contains(day.weekday()) {
                return Err(located(
                    text_day,
                    format!(
                        "{} is a {}, a working day already; only weekend days can be made \
                         working days",
                        text_day.value,
                        text::weekday_name(day.weekday())
                    ),
                ));
            }
            note(&mut seen, day, text_day.referenced, List::WorkingDays)?;
            working_days.push(day);
        }
    }

    Calendar::assemble(Parts {
        id: raw.id,
        offset,
        weekend,
        cutoff,
        close,
        years: raw.holidays.keys().copied().collect(),
        days_off,
        working_days,
    })
}

/// The parser's text without what `CalendarError` already carries: its first line names the
/// problem after an `error: line L column C:` prefix, and the lines after it are a source
/// snippet.
fn syntax_message(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let without_location = first
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
        .filter(|(position, _)| {
            position
                .split(" column ")
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        })
        .map(|(_, problem)| problem);
    match without_location.unwrap_or(first) {
        "" => "invalid YAML".to_owned(),
        problem => problem.to_owned(),
    }
}

fn time_of_day(value: &Spanned<String>) -> Result<time::Time, CalendarError> {
    text::parse_time(&value.value).ok_or_else(|| located(value, text::TIME_HINT))
}

fn weekend(list: &Spanned<Vec<Spanned<String>>>) -> Result<Weekend, CalendarError> {
    let mut days = [false; 7];
    for name in &list.value {
        let day = text::parse_weekday(&name.value).ok_or_else(|| {
            located(
                name,
                format!("unknown weekday `{}`: {}", name.value, text::WEEKDAY_HINT),
            )
        })?;
        let slot = &mut days[usize::from(day.number_days_from_monday())];
        if *slot {
            return Err(located(name, format!("`{}` is listed twice", name.value)));
        }
        *slot = true;
    }
    if days.iter().all(|&rest| rest) {
        return Err(located(
            list,
            "every day of the week is a weekend day, so no day is ever worked",
        ));
    }
    Ok(Weekend(days))
}

fn check_year<T>(year: i32, list: &Spanned<T>) -> Result<(), CalendarError> {
    if text::YEARS.contains(&year) {
        Ok(())
    } else {
        Err(located(
            list,
            format!(
                "year {year} is outside {}..={}",
                text::YEARS.start(),
                text::YEARS.end()
            ),
        ))
    }
}

/// Reads a date listed under `year`. A date under the wrong year is almost always a typo made
/// when copying last year's entries, so it is refused rather than silently accepted.
fn date_in(year: i32, value: &Spanned<String>) -> Result<Date, CalendarError> {
    let day = text::parse_date(&value.value).ok_or_else(|| {
        located(
            value,
            format!("`{}` is not a date: {}", value.value, text::DATE_HINT),
        )
    })?;
    if day.year() != year {
        return Err(located(
            value,
            format!("{} is listed under {year}", value.value),
        ));
    }
    Ok(day)
}

/// The days of one holiday entry, each with the location to blame if it is listed twice.
fn holiday_days(
    year: i32,
    entry: &Spanned<RawHoliday>,
) -> Result<Vec<(Date, Location)>, CalendarError> {
    if entry.value.name.trim().is_empty() {
        return Err(located(entry, "a holiday needs a name"));
    }
    match (&entry.value.date, &entry.value.from, &entry.value.to) {
        (Some(date), None, None) => Ok(vec![(date_in(year, date)?, date.referenced)]),
        (None, Some(from), Some(to)) => {
            let first = date_in(year, from)?;
            let last = date_in(year, to)?;
            if first > last {
                return Err(located(
                    to,
                    format!("`to` {} is before `from` {}", to.value, from.value),
                ));
            }
            // Both ends lie in one year, so this is at most 366 days.
            let mut days = Vec::new();
            let mut day = first;
            loop {
                days.push((day, entry.referenced));
                match day.next_day() {
                    Some(next) if next <= last => day = next,
                    _ => break,
                }
            }
            Ok(days)
        }
        _ => Err(located(
            entry,
            "a holiday has either `date`, or both `from` and `to`",
        )),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Holidays,
    WorkingDays,
}

fn note(
    seen: &mut HashMap<Date, (Location, List)>,
    day: Date,
    location: Location,
    list: List,
) -> Result<(), CalendarError> {
    if let Some(&(first, first_list)) = seen.get(&day) {
        let day = text::format_date(day);
        let line = first.line();
        return Err(at(
            &location,
            if first_list == list {
                format!("{day} is listed twice (first on line {line})")
            } else {
                format!("{day} is both a day off (line {line}) and a working day")
            },
        ));
    }
    seen.insert(day, (location, list));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_location_the_parser_does_not_know_is_left_out() {
        let error = at(&Location::UNKNOWN, "no day is ever worked");
        assert_eq!(
            error,
            CalendarError {
                message: "no day is ever worked".into(),
                line: None,
                column: None,
            }
        );
    }

    #[test]
    fn the_syntax_message_drops_only_a_real_location_prefix() {
        #[rustfmt::skip]
        let table: &[(&str, &str)] = &[
            // (the parser's text, the message kept)
            ("error: line 3 column 5: did not find expected ','\n 3 | a: [b\n", "did not find expected ','"),
            ("line 12 column 1: unclosed mapping", "unclosed mapping"),
            ("line 3: tab in indentation", "tab in indentation"),
            // Not a location: kept whole.
            ("line three column 5: odd", "line three column 5: odd"),
            ("line 3 column x5: odd", "line 3 column x5: odd"),
            ("line 3 column : odd", "line 3 column : odd"),
            ("line : odd", "line : odd"),
            ("recursion limit exceeded", "recursion limit exceeded"),
            ("error: ", "invalid YAML"),
            ("", "invalid YAML"),
        ];
        for &(text, kept) in table {
            assert_eq!(syntax_message(text), kept, "{text:?}");
        }
    }
}
