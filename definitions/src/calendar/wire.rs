//! The serialized form of a [`Calendar`], as it travels in workflow inputs:
//!
//! ```json
//! {"id":"vn","offset":"+07:00","weekend":["saturday","sunday"],"cutoff":"15:00","close":"17:00",
//!  "years":[2024,2025],"days_off":["2024-01-01",...],"working_days":["2024-05-04",...]}
//! ```
//!
//! Plain strings rather than `time`'s own serde form, which is a tuple of numbers unless a
//! feature this crate does not enable is on, and which nobody reading a workflow history can
//! check against an announcement.

use serde::{Deserialize, Serialize};

use super::{Calendar, CalendarError, Parts, Weekend, text};

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Wire {
    id: String,
    offset: String,
    weekend: Vec<String>,
    cutoff: String,
    close: String,
    years: Vec<i32>,
    days_off: Vec<String>,
    working_days: Vec<String>,
}

impl From<Calendar> for Wire {
    fn from(calendar: Calendar) -> Self {
        let weekend = time_weekdays()
            .filter(|day| calendar.weekend.contains(*day))
            .map(|day| text::weekday_name(day).to_owned())
            .collect();
        Wire {
            id: calendar.id,
            offset: text::format_offset(calendar.offset),
            weekend,
            cutoff: text::format_time(calendar.cutoff),
            close: text::format_time(calendar.close),
            years: calendar.years,
            days_off: calendar
                .days_off
                .into_iter()
                .map(text::format_date)
                .collect(),
            working_days: calendar
                .working_days
                .into_iter()
                .map(text::format_date)
                .collect(),
        }
    }
}

impl TryFrom<Wire> for Calendar {
    type Error = CalendarError;

    fn try_from(wire: Wire) -> Result<Self, Self::Error> {
        let mut weekend = [false; 7];
        for name in &wire.weekend {
            let day = text::parse_weekday(name).ok_or_else(|| {
                CalendarError::new(format!("unknown weekday `{name}`: {}", text::WEEKDAY_HINT))
            })?;
            weekend[usize::from(day.number_days_from_monday())] = true;
        }
        Calendar::assemble(Parts {
            id: wire.id,
            offset: text::parse_offset(&wire.offset)
                .ok_or_else(|| CalendarError::new(text::OFFSET_HINT))?,
            weekend: Weekend(weekend),
            cutoff: text::parse_time(&wire.cutoff)
                .ok_or_else(|| CalendarError::new(text::TIME_HINT))?,
            close: text::parse_time(&wire.close)
                .ok_or_else(|| CalendarError::new(text::TIME_HINT))?,
            years: wire.years,
            days_off: dates(&wire.days_off)?,
            working_days: dates(&wire.working_days)?,
        })
    }
}

fn dates(texts: &[String]) -> Result<Vec<time::Date>, CalendarError> {
    texts
        .iter()
        .map(|t| {
            text::parse_date(t)
                .ok_or_else(|| CalendarError::new(format!("`{t}`: {}", text::DATE_HINT)))
        })
        .collect()
}

fn time_weekdays() -> impl Iterator<Item = time::Weekday> {
    (0..7).map(|n| time::Weekday::Monday.nth_next(n))
}
