//! Working days and legal deadlines on the shipped Vietnamese calendar, and the calendar data
//! format's error messages.

use lienthong_definitions::calendar::{Calendar, CalendarError};
use time::macros::{date, datetime, offset, time};
use time::{Date, Duration, OffsetDateTime};

fn vn() -> Calendar {
    Calendar::vietnam()
}

/// The deadline the law means: close of day (17:00) in Hà Nội on `day`.
fn close_of(day: Date) -> OffsetDateTime {
    day.with_time(time!(17:00)).assume_offset(offset!(+7))
}

fn days_of(year: i32) -> impl Iterator<Item = Date> {
    let first = Date::from_ordinal_date(year, 1).expect("a valid year");
    (0..366)
        .map(move |n| first + Duration::days(n))
        .filter(move |d| d.year() == year)
}

#[test]
fn every_shipped_year_parses_and_has_a_plausible_number_of_working_days() {
    let calendar = vn();
    assert_eq!(calendar.id(), "vn");
    assert_eq!(calendar.offset(), offset!(+7));
    assert_eq!(calendar.cutoff(), time!(15:00));
    assert_eq!(calendar.close_of_day(), time!(17:00));
    for year in 2024..=2027 {
        let first = Date::from_ordinal_date(year, 1).expect("a valid year");
        assert!(calendar.covers(first), "{year} is listed");
        let walked = days_of(year)
            .filter(|d| calendar.is_working_day(*d))
            .count();
        assert!(
            (240..=260).contains(&walked),
            "{year} has {walked} working days"
        );
        // The counting and the day-by-day answers must agree.
        let new_years_eve = first - Duration::days(1);
        let last = Date::from_calendar_date(year, time::Month::December, 31).expect("valid");
        assert_eq!(
            calendar.working_days_between(close_of(new_years_eve), close_of(last)),
            u32::try_from(walked).expect("small"),
            "{year}"
        );
    }
    assert!(!calendar.covers(date!(2028 - 01 - 03)));
    assert!(!calendar.covers(date!(2023 - 12 - 29)));
}

/// A local date-time in Hà Nội, written `YYYY-MM-DD HH:MM` so the tables read like a register.
fn hanoi(text: &str) -> OffsetDateTime {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::PrimitiveDateTime::parse(text, format)
        .unwrap_or_else(|e| panic!("`{text}`: {e}"))
        .assume_offset(offset!(+7))
}

fn day(text: &str) -> Date {
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap_or_else(|e| panic!("`{text}`: {e}"))
}

#[test]
fn deadlines() {
    let calendar = vn();
    #[rustfmt::skip]
    let table: &[(&str, u32, &str, &str)] = &[
        // (received in Hà Nội, working days, last day, why)
        // An ordinary week.
        ("2025-03-10 09:00", 0, "2025-03-10", "same working day"),
        ("2025-03-10 09:00", 1, "2025-03-11", "Monday + 1"),
        ("2025-03-10 09:00", 3, "2025-03-13", "Monday + 3"),
        ("2025-03-10 09:00", 5, "2025-03-17", "over a weekend"),
        // The 15:00 cutoff on a Friday.
        ("2025-03-14 14:59", 0, "2025-03-14", "before the cutoff"),
        ("2025-03-14 15:00", 0, "2025-03-17", "at the cutoff: Monday"),
        ("2025-03-14 14:59", 1, "2025-03-17", "Friday + 1"),
        ("2025-03-14 15:00", 1, "2025-03-18", "Monday + 1"),
        // Received on a weekend.
        ("2025-03-15 10:00", 0, "2025-03-17", "Saturday: Monday"),
        ("2025-03-16 08:00", 1, "2025-03-18", "Sunday: Monday + 1"),
        // Tết 2025 (25 Jan – 2 Feb off): the last working day before it is Friday 24 Jan.
        ("2025-01-24 10:00", 0, "2025-01-24", "before Tết"),
        ("2025-01-24 10:00", 3, "2025-02-05", "3 days over Tết"),
        ("2025-01-24 16:00", 3, "2025-02-06", "after the cutoff, over Tết"),
        ("2025-01-29 10:00", 0, "2025-02-03", "on mùng 1"),
        // Tết 2026 (14 – 22 Feb off): the last working day before it is Friday 13 Feb.
        ("2026-02-13 09:00", 3, "2026-02-25", "3 days over Tết"),
        ("2026-02-18 10:00", 0, "2026-02-23", "during Tết"),
        // 30/4 – 1/5 2025, bridged to Friday 2 May against Saturday 26 Apr.
        ("2025-04-29 10:00", 1, "2025-05-05", "over 30/4 – 4/5"),
        ("2025-04-25 10:00", 1, "2025-04-26", "onto the make-up Saturday"),
        ("2025-04-26 10:00", 0, "2025-04-26", "received on the make-up Saturday"),
        ("2025-04-26 15:30", 0, "2025-04-28", "cutoff on the make-up Saturday"),
        // 30/4 – 1/5 2024: 27 Apr – 1 May off, Saturday 4 May worked.
        ("2024-04-26 10:00", 1, "2024-05-02", "over 27/4 – 1/5"),
        ("2024-04-26 10:00", 3, "2024-05-04", "onto the make-up Saturday"),
        // 2027: 1 May is a Saturday, taken on Monday 3 May.
        ("2027-04-29 10:00", 1, "2027-05-04", "compensatory Monday"),
        // Quốc khánh.
        ("2025-08-29 10:00", 1, "2025-09-03", "30/8 – 2/9 2025"),
        ("2024-08-30 10:00", 1, "2024-09-04", "31/8 – 3/9 2024"),
        // Giỗ Tổ Hùng Vương, and its compensatory Monday in 2026 (26 Apr is a Sunday).
        ("2025-04-04 10:00", 1, "2025-04-08", "7 Apr 2025"),
        ("2024-04-17 10:00", 1, "2024-04-19", "18 Apr 2024"),
        ("2026-04-24 10:00", 1, "2026-04-28", "27 Apr 2026 off"),
        ("2026-04-24 10:00", 3, "2026-05-04", "then 30/4 – 1/5"),
        // Across the year boundary.
        ("2024-12-31 10:00", 1, "2025-01-02", "1 Jan 2025"),
        ("2025-12-31 10:00", 1, "2026-01-05", "1 – 4 Jan 2026"),
        ("2025-12-31 16:00", 0, "2026-01-05", "after the cutoff on 31 Dec"),
        ("2026-01-09 10:00", 1, "2026-01-10", "make-up Saturday 10 Jan"),
        ("2026-12-31 10:00", 1, "2027-01-04", "1 Jan 2027 is a Friday"),
    ];
    for &(received, working_days, last_day, why) in table {
        let deadline = calendar.deadline(hanoi(received), working_days);
        assert_eq!(
            deadline,
            close_of(day(last_day)),
            "{why}: received {received}, {working_days} working days"
        );
        assert_eq!(deadline.offset(), offset!(+7), "{why}: shown in local time");
    }
}

#[test]
fn an_instant_in_another_offset_is_read_in_hanoi() {
    let calendar = vn();
    // 08:30 UTC is 15:30 in Hà Nội: after the cutoff.
    assert_eq!(
        calendar.deadline(datetime!(2025-03-14 08:30 UTC), 0),
        close_of(date!(2025 - 03 - 17))
    );
    // 23:30 UTC on Thursday is 06:30 on Friday.
    assert_eq!(
        calendar.deadline(datetime!(2025-03-13 23:30 UTC), 0),
        close_of(date!(2025 - 03 - 14))
    );
    // Midnight in Hà Nội is 17:00 the day before in UTC.
    assert_eq!(
        calendar.counted_from(datetime!(2025-03-09 17:00 UTC)),
        date!(2025 - 03 - 10)
    );
    // Both ends are read in Hà Nội: 24 Jan 01:00 to 5 Feb 01:00, over Tết.
    assert_eq!(
        calendar.working_days_between(
            datetime!(2025-01-23 18:00 UTC),
            datetime!(2025-02-04 18:00 UTC)
        ),
        3
    );
}

#[test]
fn counted_from_at_midnight_and_at_the_cutoff() {
    let calendar = vn();
    #[rustfmt::skip]
    let table: &[(&str, &str, &str)] = &[
        // (received in Hà Nội, counted from, why)
        ("2025-03-10 00:00", "2025-03-10", "midnight on a Monday"),
        ("2025-03-10 14:59", "2025-03-10", "a minute before the cutoff"),
        ("2025-03-10 15:00", "2025-03-11", "the cutoff itself"),
        ("2025-03-10 23:59", "2025-03-11", "late evening"),
        ("2025-03-15 00:00", "2025-03-17", "midnight on a Saturday"),
        ("2025-01-01 00:00", "2025-01-02", "midnight on a holiday"),
        ("2025-04-26 00:00", "2025-04-26", "midnight on a make-up Saturday"),
    ];
    for &(received, counted, why) in table {
        assert_eq!(
            calendar.counted_from(hanoi(received)),
            day(counted),
            "{why}"
        );
    }
    // The cutoff is a boundary to the nanosecond.
    assert_eq!(
        calendar.counted_from(datetime!(2025-03-10 14:59:59.999_999_999 +7)),
        date!(2025 - 03 - 10)
    );
}

#[test]
fn working_days_between_counts_the_days_after_from_up_to_to() {
    let calendar = vn();
    #[rustfmt::skip]
    let table: &[(&str, &str, u32, &str)] = &[
        // (from, to, working days, why)
        ("2025-01-24 10:00", "2025-02-05 09:00", 3, "Tết 2025: 3, 4 and 5 Feb"),
        ("2026-02-13 16:00", "2026-02-23 08:00", 1, "Tết 2026: only 23 Feb"),
        ("2026-02-14 10:00", "2026-02-22 10:00", 0, "inside Tết"),
        ("2025-03-10 09:00", "2025-03-10 16:00", 0, "same day"),
        ("2025-03-11 09:00", "2025-03-10 09:00", 0, "backwards"),
        ("2025-03-07 09:00", "2025-03-17 09:00", 6, "two weekends"),
        ("2025-04-25 09:00", "2025-04-28 09:00", 2, "the make-up Saturday counts"),
        ("2025-12-31 09:00", "2026-01-12 09:00", 7, "5 – 9, 10 (make-up) and 12 Jan"),
    ];
    for &(from, to, expected, why) in table {
        assert_eq!(
            calendar.working_days_between(hanoi(from), hanoi(to)),
            expected,
            "{why}"
        );
    }
}

#[test]
fn counting_and_walking_agree_on_every_day_of_the_shipped_years() {
    let calendar = vn();
    for day in (2023..=2028).flat_map(days_of) {
        let start = calendar.add_working_days(day, 0);
        assert!(calendar.is_working_day(start));
        assert!(start >= day);
        for n in [0, 1, 2, 3, 5, 7, 15, 60] {
            let end = calendar.add_working_days(day, n);
            assert!(calendar.is_working_day(end), "{day} + {n}");
            let between = calendar.working_days_between(
                start.midnight().assume_offset(offset!(+7)),
                end.midnight().assume_offset(offset!(+7)),
            );
            assert_eq!(between, n, "{day} + {n} = {end}");
        }
        let next = calendar.next_working_day(day);
        assert!(next > day && calendar.is_working_day(next));
        assert_eq!(
            calendar.working_days_between(close_of(day), close_of(next)),
            1,
            "nothing is worked between {day} and {next}"
        );
    }
}

#[test]
fn arithmetic_saturates_at_the_end_of_time() {
    let calendar = vn();
    assert_eq!(calendar.next_working_day(Date::MAX), Date::MAX);
    assert_eq!(
        calendar.add_working_days(Date::MAX - Duration::days(3), 10),
        Date::MAX
    );
    assert_eq!(
        calendar.add_working_days(date!(2025 - 01 - 02), u32::MAX),
        Date::MAX
    );
    let far = datetime!(9999-12-31 23:00 UTC);
    assert_eq!(calendar.counted_from(far), Date::MAX);
    assert_eq!(calendar.deadline(far, 3), close_of(Date::MAX));
    // Counted, not walked: twenty thousand years answer at once.
    assert!(calendar.working_days_between(datetime!(-9999-01-01 0:00 UTC), far) > 5_000_000);
}

#[test]
fn absurd_but_valid_data_still_terminates() {
    // Only Monday is worked and the whole of 2025 is off: the next working day is the first
    // Monday of 2026.
    let calendar = Calendar::parse(
        r#"
id: strict
utc_offset: "+07:00"
weekend: [tuesday, wednesday, thursday, friday, saturday, sunday]
cutoff: "15:00"
close_of_day: "17:00"
holidays:
  2025:
    - { from: 2025-01-01, to: 2025-12-31, name: "everything" }
"#,
    )
    .expect("valid");
    assert_eq!(
        calendar.next_working_day(date!(2024 - 12 - 31)),
        date!(2026 - 01 - 05)
    );
    assert_eq!(
        calendar.add_working_days(date!(2025 - 06 - 01), 1),
        date!(2026 - 01 - 12)
    );
}

#[test]
fn outside_the_listed_years_only_weekends_are_off() {
    let calendar = vn();
    assert!(
        calendar.is_working_day(date!(2028 - 05 - 01)),
        "2028 is not listed"
    );
    assert!(
        !calendar.is_working_day(date!(2028 - 05 - 06)),
        "a Saturday"
    );
}

#[test]
fn serializes_compactly_and_reads_back() {
    let calendar = vn();
    let json = serde_json::to_string(&calendar).expect("serializable");
    assert!(json.len() < 1500, "{} bytes: {json}", json.len());
    assert!(json.contains(r#""offset":"+07:00""#), "{json}");
    assert!(
        json.contains(r#""working_days":["2024-05-04","2025-04-26","2026-01-10"]"#),
        "{json}"
    );
    assert!(json.contains(r#""cutoff":"15:00""#), "{json}");
    assert!(
        !json.contains("2025-01-25"),
        "weekend days off are not stored: {json}"
    );
    let back: Calendar = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, calendar);

    // A hand-edited workflow input is checked as strictly as the YAML.
    let tampered = json.replace(r#""2025-04-26""#, r#""2025-04-28""#);
    let error = serde_json::from_str::<Calendar>(&tampered).expect_err("a Monday");
    assert!(error.to_string().contains("not a weekend day"), "{error}");
    let all_week = json.replace(
        r#""weekend":["saturday","sunday"]"#,
        r#""weekend":["monday","tuesday","wednesday","thursday","friday","saturday","sunday"]"#,
    );
    assert!(serde_json::from_str::<Calendar>(&all_week).is_err());
}

const BASE: &str = r#"id: test
utc_offset: "+07:00"
weekend: [saturday, sunday]
cutoff: "15:00"
close_of_day: "17:00"
holidays:
  2025:
    - { date: 2025-01-01, name: "Tết Dương lịch" }
    - { from: 2025-01-25, to: 2025-02-02, name: "Tết Nguyên đán" }
working_days:
  2025: [2025-04-26]
"#;

fn parse_error(yaml: &str) -> CalendarError {
    Calendar::parse(yaml).expect_err("invalid")
}

#[test]
fn the_base_of_the_error_table_is_valid() {
    let calendar = Calendar::parse(BASE).expect("valid");
    assert!(!calendar.is_working_day(date!(2025 - 01 - 27)));
    assert!(calendar.is_working_day(date!(2025 - 04 - 26)));
    // Unquoted times read as text too, not as YAML 1.1 base-60 numbers.
    let unquoted = BASE
        .replace("\"15:00\"", "15:00")
        .replace("\"17:00\"", "17:00");
    assert_eq!(Calendar::parse(&unquoted).expect("valid"), calendar);
}

#[test]
fn parse_errors_name_the_problem_and_its_line() {
    #[rustfmt::skip]
    let table: &[(&str, &str, &str, u64)] = &[
        // (replace this in BASE, with that, message fragment, line)
        ("2025-01-01,", "2025-02-30,", "not a date", 8),
        ("from: 2025-01-25, to: 2025-02-02", "from: 2025-02-25, to: 2025-02-02", "before", 9),
        ("[saturday, sunday]", "[saturday, sundae]", "unknown weekday `sundae`", 3),
        ("[saturday, sunday]", "[saturday, saturday]", "listed twice", 3),
        ("[saturday, sunday]", "[monday, tuesday, wednesday, thursday, friday, saturday, sunday]",
            "no day is ever worked", 3),
        ("\"15:00\"", "\"25:00\"", "HH:MM", 4),
        ("\"17:00\"", "5pm", "HH:MM", 5),
        ("\"+07:00\"", "\"ICT\"", "+HH:MM", 2),
        ("[2025-04-26]", "[2025-02-01]", "2025-02-01 is both a day off (line 9) and a working day", 11),
        ("[2025-04-26]", "[2025-04-26, 2025-04-26]", "listed twice (first on line 11)", 11),
        ("[2025-04-26]", "[2025-04-28]", "is a monday", 11),
        ("2025: [2025-04-26]", "2024: [2024-05-04]", "holidays are not", 11),
        ("date: 2025-01-01", "date: 2024-01-01", "listed under 2025", 8),
        ("{ date: 2025-01-01, name", "{ date: 2025-01-01, from: 2025-01-01, name", "either `date`", 8),
        ("{ date: 2025-01-01, name: \"Tết Dương lịch\" }", "{ date: 2025-01-27, name: \"twice\" }",
            "2025-01-27 is listed twice (first on line 8)", 9),
        ("name: \"Tết Dương lịch\"", "name: \" \"", "needs a name", 8),
        ("name: \"Tết Dương lịch\"", "nmae: \"Tết Dương lịch\"", "unknown field `nmae`", 8),
        // A year written twice would silently lose one half if the parser let the last win.
        ("working_days:\n", "  2025:\n    - { date: 2025-12-31, name: \"again\" }\nworking_days:\n",
            "duplicate", 10),
        // Malformed YAML: an unclosed flow mapping.
        ("name: \"Tết Nguyên đán\" }", "name: \"Tết Nguyên đán\"", "unclosed", 9),
        ("holidays:\n", "holidays:\n  99999: []\n", "year 99999 is outside 1000..=9999", 7),
        ("working_days:\n  2025:", "working_days:\n  10000:", "year 10000 is outside", 11),
    ];
    for &(this, that, fragment, line) in table {
        assert!(BASE.contains(this), "the table edits `{this}`");
        let yaml = BASE.replacen(this, that, 1);
        let error = parse_error(&yaml);
        assert!(
            error.message.contains(fragment),
            "`{that}`: expected `{fragment}` in `{}`",
            error.message
        );
        assert!(
            !error.message.starts_with("line "),
            "`{that}`: the location is not repeated in the message: {}",
            error.message
        );
        assert_eq!(error.line, Some(line), "`{that}`: {error}");
        assert!(error.column.is_some(), "`{that}`: {error}");
    }
}

#[test]
fn errors_without_a_location_still_say_what_is_wrong() {
    let error = parse_error("");
    assert!(!error.message.is_empty());
    let error = parse_error("id: [unclosed");
    assert!(error.line.is_some(), "{error}");
    assert!(error.to_string().starts_with("line 1"), "{error}");
}

#[test]
fn an_error_shows_as_much_of_its_location_as_it_knows() {
    let error = |line, column| CalendarError {
        message: "`to` is before `from`".into(),
        line,
        column,
    };
    assert_eq!(
        error(Some(9), Some(7)).to_string(),
        "line 9, column 7: `to` is before `from`"
    );
    assert_eq!(
        error(Some(9), None).to_string(),
        "line 9: `to` is before `from`"
    );
    assert_eq!(error(None, None).to_string(), "`to` is before `from`");
}

#[test]
fn a_holiday_from_and_to_the_same_day_is_one_day_off() {
    let calendar = Calendar::parse(&BASE.replace(
        "{ date: 2025-01-01, name",
        "{ from: 2025-01-01, to: 2025-01-01, name",
    ))
    .expect("valid");
    assert_eq!(calendar, Calendar::parse(BASE).expect("valid"));
    assert!(!calendar.is_working_day(date!(2025 - 01 - 01)));
    assert!(calendar.is_working_day(date!(2025 - 01 - 02)));
}

#[test]
fn an_instant_before_the_first_local_date_is_read_as_the_first_date() {
    // West of UTC, the earliest instants fall before the earliest date `time` can hold.
    let calendar = Calendar::parse(&BASE.replace("+07:00", "-05:00")).expect("valid");
    let first = datetime!(-9999-01-01 0:00 UTC);
    assert_eq!(
        calendar.counted_from(first),
        calendar.add_working_days(Date::MIN, 0)
    );
    // From the first date to two weeks later: ten weekdays.
    assert_eq!(
        calendar.working_days_between(first, datetime!(-9999-01-15 12:00 UTC)),
        10
    );
}
