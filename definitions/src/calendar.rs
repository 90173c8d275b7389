//! Working days and legal deadlines.
//!
//! Vietnamese time limits for administrative procedures are counted in working days, and which
//! days are worked changes every year (Tết follows the lunar calendar, bridges are announced by
//! the government). So the calendar is data, `calendars/vn.yaml`, and this module only does the
//! arithmetic. All of it is done on local dates in the calendar's UTC offset: a dossier received
//! at 23:30 UTC is received the next morning in Hà Nội.

mod source;
mod text;
mod wire;

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime, Time, UtcOffset, Weekday};

/// The local time a working day starts: one-stop shops open at 7:30 or 8:00, so a reminder at
/// 8:00 reaches a citizen when they can act on it that day. The calendar's data names no opening
/// time (it travels in recorded workflow inputs, whose form stays as it is).
pub const OPENING: Time = time::macros::time!(8:00);

/// A working-day calendar: weekly rest days, the days off and the extra working days of every
/// year it lists, the time of day after which a dossier counts from the next working day, and the
/// time of day at which a deadline falls.
///
/// It travels inside workflow inputs, so its serialized form is compact: dates as `YYYY-MM-DD`,
/// days off only where they fall on weekdays, no holiday names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "wire::Wire", try_from = "wire::Wire")]
pub struct Calendar {
    id: String,
    offset: UtcOffset,
    weekend: Weekend,
    cutoff: Time,
    close: Time,
    /// The years whose holidays are listed, ascending.
    years: Vec<i32>,
    /// Ascending, each on a day outside the weekend: a weekend day is off anyway.
    days_off: Vec<Date>,
    /// Ascending, each on a weekend day and in no other list.
    working_days: Vec<Date>,
}

/// Why a calendar could not be read. `line` and `column` are 1-based and point into the YAML
/// text when the problem can be located there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CalendarError {
    pub message: String,
    pub line: Option<u64>,
    pub column: Option<u64>,
}

impl CalendarError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            line: None,
            column: None,
        }
    }
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "line {line}, column {column}: ")?,
            (Some(line), None) => write!(f, "line {line}: ")?,
            _ => {}
        }
        f.write_str(&self.message)
    }
}

/// The weekly rest days, indexed by days from Monday.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Weekend([bool; 7]);

impl Weekend {
    fn contains(self, day: Weekday) -> bool {
        self.0[usize::from(day.number_days_from_monday())]
    }

    fn len(self) -> u32 {
        self.0.iter().map(|&rest| u32::from(rest)).sum()
    }
}

/// Everything a calendar is made of, before the checks that make the arithmetic safe.
struct Parts {
    id: String,
    offset: UtcOffset,
    weekend: Weekend,
    cutoff: Time,
    close: Time,
    years: Vec<i32>,
    days_off: Vec<Date>,
    working_days: Vec<Date>,
}

impl Calendar {
    /// Reads a calendar from its YAML form (see `calendars/vn.yaml`). Never panics: every
    /// problem in the data is an error, located in the text when possible.
    pub fn parse(yaml: &str) -> Result<Calendar, CalendarError> {
        source::parse(yaml)
    }

    /// The calendar of Vietnamese public administration, as shipped in `calendars/vn.yaml`.
    pub fn vietnam() -> Calendar {
        static VIETNAM: OnceLock<Calendar> = OnceLock::new();
        VIETNAM
            .get_or_init(|| {
                Calendar::parse(include_str!("../calendars/vn.yaml"))
                    .expect("the shipped calendars/vn.yaml is valid: tests/calendar.rs parses it")
            })
            .clone()
    }

    /// Checks the invariants every constructor relies on. The YAML reader reports the same
    /// problems earlier with a location; this is what stands between a hand-edited workflow input
    /// and the arithmetic.
    fn assemble(mut parts: Parts) -> Result<Calendar, CalendarError> {
        // With every weekday a rest day, a year without swapped working days would have none,
        // and the next working day after the last listed year would not exist.
        if parts.weekend.len() >= 7 {
            return Err(CalendarError::new(
                "every day of the week is a weekend day, so no day is ever worked",
            ));
        }
        if let Some(year) = parts.years.iter().find(|y| !text::YEARS.contains(*y)) {
            return Err(CalendarError::new(format!(
                "year {year} is outside {}..={}",
                text::YEARS.start(),
                text::YEARS.end()
            )));
        }
        parts.years.sort_unstable();
        parts.years.dedup();
        let weekend = parts.weekend;
        parts.days_off.retain(|d| !weekend.contains(d.weekday()));
        parts.days_off.sort_unstable();
        parts.working_days.sort_unstable();
        for list in [&parts.days_off, &parts.working_days] {
            if let Some(pair) = list.windows(2).find(|pair| pair[0] == pair[1]) {
                return Err(CalendarError::new(format!(
                    "{} is listed twice",
                    text::format_date(pair[0])
                )));
            }
            if let Some(day) = list
                .iter()
                .find(|d| parts.years.binary_search(&d.year()).is_err())
            {
                return Err(CalendarError::new(format!(
                    "{} is in a year whose holidays are not listed",
                    text::format_date(*day)
                )));
            }
        }
        if let Some(day) = parts
            .working_days
            .iter()
            .find(|d| !weekend.contains(d.weekday()))
        {
            return Err(CalendarError::new(format!(
                "{} is not a weekend day, so it is a working day already",
                text::format_date(*day)
            )));
        }
        Ok(Calendar {
            id: parts.id,
            offset: parts.offset,
            weekend: parts.weekend,
            cutoff: parts.cutoff,
            close: parts.close,
            years: parts.years,
            days_off: parts.days_off,
            working_days: parts.working_days,
        })
    }

    /// The calendar's name, e.g. `vn`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The UTC offset in which dates and times of day are read.
    pub fn offset(&self) -> UtcOffset {
        self.offset
    }

    /// The local time of day from which a dossier counts from the next working day.
    pub fn cutoff(&self) -> Time {
        self.cutoff
    }

    /// The local time of day at which a deadline falls.
    pub fn close_of_day(&self) -> Time {
        self.close
    }

    /// Whether the calendar lists the holidays of `day`'s year. Outside those years only the
    /// weekend is off, so a deadline computed there may fall on a holiday nobody entered yet.
    pub fn covers(&self, day: Date) -> bool {
        self.years.binary_search(&day.year()).is_ok()
    }

    pub fn is_working_day(&self, day: Date) -> bool {
        // Days off are stored only on weekdays and working days only on weekend days, so each
        // day needs at most one lookup.
        if self.weekend.contains(day.weekday()) {
            self.working_days.binary_search(&day).is_ok()
        } else {
            self.days_off.binary_search(&day).is_err()
        }
    }

    /// The first working day strictly after `day`; `Date::MAX` if there is none before it.
    pub fn next_working_day(&self, day: Date) -> Date {
        // Terminates: the walk stops at `Date::MAX` at the latest. In practice it is short,
        // because at least one weekday is worked (checked in `assemble`) and holidays are listed
        // for finitely many years, so a working day comes within a week after the last of them.
        let mut current = day;
        while let Some(next) = current.next_day() {
            if self.is_working_day(next) {
                return next;
            }
            current = next;
        }
        Date::MAX
    }

    /// The last working day strictly before `day`; `Date::MIN` if there is none after it.
    pub fn previous_working_day(&self, day: Date) -> Date {
        // Terminates like `next_working_day`, walking the other way.
        let mut current = day;
        while let Some(previous) = current.previous_day() {
            if self.is_working_day(previous) {
                return previous;
            }
            current = previous;
        }
        Date::MIN
    }

    /// When to remind someone of a time limit that runs out at `due`: the start of the working
    /// day `working_days` working days before `due`'s own day (the working day counted back
    /// from, when `due` falls on a day off). Offices open at [`OPENING`] local time.
    pub fn reminder_before(&self, due: OffsetDateTime, working_days: u32) -> OffsetDateTime {
        let mut day = self.local_date(due);
        if !self.is_working_day(day) {
            day = self.next_working_day(day);
        }
        for _ in 0..working_days {
            if day == Date::MIN {
                break;
            }
            day = self.previous_working_day(day);
        }
        day.with_time(OPENING).assume_offset(self.offset)
    }

    /// The working day a dossier received at `at` counts from: the same day if it is a working
    /// day and the local time is before the cutoff, otherwise the next working day.
    pub fn counted_from(&self, at: OffsetDateTime) -> Date {
        let Some(local) = at.checked_to_offset(self.offset) else {
            return self.add_working_days(self.local_date(at), 0);
        };
        let date = local.date();
        if local.time() < self.cutoff && self.is_working_day(date) {
            date
        } else {
            self.next_working_day(date)
        }
    }

    /// The nth working day after `day` (n = 0 gives `day` itself if it is a working day, else
    /// the next working day). Saturates at `Date::MAX`.
    pub fn add_working_days(&self, day: Date, n: u32) -> Date {
        let mut current = if self.is_working_day(day) {
            day
        } else {
            self.next_working_day(day)
        };
        for _ in 0..n {
            if current == Date::MAX {
                break;
            }
            current = self.next_working_day(current);
        }
        current
    }

    /// The legal deadline of a time limit of `working_days` for a dossier received at `at`:
    /// close of day on `add_working_days(counted_from(at), working_days)`; 0 means close of the
    /// counted day itself ("same working day").
    pub fn deadline(&self, at: OffsetDateTime, working_days: u32) -> OffsetDateTime {
        let day = self.add_working_days(self.counted_from(at), working_days);
        day.with_time(self.close).assume_offset(self.offset)
    }

    /// Working days d with from < d <= to (by local date), 0 if to <= from. Used to extend a
    /// deadline by the time the clock was stopped while waiting for the citizen.
    pub fn working_days_between(&self, from: OffsetDateTime, to: OffsetDateTime) -> u32 {
        let from = self.local_date(from);
        let to = self.local_date(to);
        if to <= from {
            return 0;
        }
        // Counted rather than walked, so a range of centuries costs no more than a week.
        let span = i64::from(to.to_julian_day()) - i64::from(from.to_julian_day());
        let weeks = span / 7;
        let mut weekdays = weeks * i64::from(7 - self.weekend.len());
        let mut weekday = from.weekday();
        for _ in 0..span % 7 {
            weekday = weekday.next();
            if !self.weekend.contains(weekday) {
                weekdays += 1;
            }
        }
        let listed = |days: &[Date]| -> i64 {
            let after_from = days.partition_point(|d| *d <= from);
            let up_to_to = days.partition_point(|d| *d <= to);
            i64::try_from(up_to_to - after_from).unwrap_or(i64::MAX)
        };
        let count = weekdays - listed(&self.days_off) + listed(&self.working_days);
        u32::try_from(count.max(0)).unwrap_or(u32::MAX)
    }

    /// The local date of `at`, clamped to the supported range at its ends.
    fn local_date(&self, at: OffsetDateTime) -> Date {
        match at.checked_to_offset(self.offset) {
            Some(local) => local.date(),
            None if at.year() > 0 => Date::MAX,
            None => Date::MIN,
        }
    }
}
