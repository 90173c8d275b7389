//! When a citizen is reminded of documents due: the start of the working day two working days
//! before the due date, counted on the shipped Vietnamese calendar.

use lienthong_definitions::calendar::{Calendar, OPENING};
use time::OffsetDateTime;
use time::macros::{datetime, time};

fn two_days_before(due: OffsetDateTime) -> OffsetDateTime {
    Calendar::vietnam().reminder_before(due, 2)
}

#[test]
fn within_a_week_the_reminder_is_two_working_days_earlier_at_opening() {
    assert_eq!(OPENING, time!(8:00));
    // Wednesday 11 March 2026, close of day → Monday 9 March, 08:00.
    assert_eq!(
        two_days_before(datetime!(2026-03-11 17:00 +07:00)),
        datetime!(2026-03-09 08:00 +07:00)
    );
}

#[test]
fn a_weekend_is_not_counted() {
    // Monday 16 March → Thursday 12 March (Saturday and Sunday are not working days).
    assert_eq!(
        two_days_before(datetime!(2026-03-16 17:00 +07:00)),
        datetime!(2026-03-12 08:00 +07:00)
    );
}

#[test]
fn holidays_are_not_counted() {
    // Monday 4 May 2026: Friday 1 May and Thursday 30 April are holidays, Monday 27 April is
    // the day off for Giỗ Tổ: the two working days before are Wednesday 29 and Tuesday 28.
    assert_eq!(
        two_days_before(datetime!(2026-05-04 17:00 +07:00)),
        datetime!(2026-04-28 08:00 +07:00)
    );
}

#[test]
fn a_swapped_working_saturday_counts() {
    // Saturday 10 January 2026 is worked in exchange for Friday 2 January.
    assert_eq!(
        two_days_before(datetime!(2026-01-12 17:00 +07:00)),
        datetime!(2026-01-09 08:00 +07:00)
    );
}

#[test]
fn the_due_moment_is_read_on_the_calendars_own_day() {
    // 10:00 UTC is 17:00 in Hà Nội; 20:00 UTC on Tuesday is already Wednesday there.
    assert_eq!(
        two_days_before(datetime!(2026-03-11 10:00 UTC)),
        datetime!(2026-03-09 08:00 +07:00)
    );
    assert_eq!(
        two_days_before(datetime!(2026-03-10 20:00 UTC)),
        datetime!(2026-03-09 08:00 +07:00)
    );
}

#[test]
fn a_due_date_on_a_day_off_counts_back_from_the_next_working_day() {
    // Sunday 15 March counts as Monday 16 March.
    assert_eq!(
        two_days_before(datetime!(2026-03-15 12:00 +07:00)),
        datetime!(2026-03-12 08:00 +07:00)
    );
}
