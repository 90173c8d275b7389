//! Every console page, rendered in Vietnamese from data that exercises its parts (each status,
//! step state, attention reason, journal kind, action and outcome), reads in Vietnamese: no
//! English text of the catalogue and no engine code left untranslated shows as words. Codes
//! shown on purpose, as identifiers (`<code>`, case codes, error codes), are not words.

use serde_json::json;

use super::{
    agencies_page,
    audit_page::{self, AuditParams},
    bulk_page::{self, BulkForm},
    case_list, case_page, dashboard,
    filters::FilterParams,
    i18n::{Lang, TERMS, Text},
    layout::{Chrome, User},
    login,
    names::Names,
    person_search,
    timeline::Timeline,
};
use crate::ops::cases::{CaseLine, CasePage, Counts};

fn chrome() -> Chrome {
    Chrome {
        lang: Lang::Vi,
        here: "/console".into(),
        user: Some(User {
            subject: "can-bo-01".into(),
            csrf: "x".into(),
            operator: true,
            auditor: true,
        }),
    }
}

/// The words a person reads: text outside tags, leaving out `<code>`, `<script>` and `<style>`
/// contents and the document's `<title>`.
fn visible_words(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut skipping: Option<&str> = None;
    while let Some(open) = rest.find('<') {
        if skipping.is_none() {
            out.push_str(&rest[..open]);
            out.push(' ');
        }
        let Some(close) = rest[open..].find('>') else {
            break;
        };
        let tag = &rest[open + 1..open + close];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match skipping {
            Some(until) if tag.starts_with('/') && name == until => skipping = None,
            Some(_) => {}
            None if !tag.starts_with('/')
                && !tag.ends_with('/')
                && ["code", "script", "style", "title"].contains(&name.as_str()) =>
            {
                skipping = Some(match name.as_str() {
                    "code" => "code",
                    "script" => "script",
                    "style" => "style",
                    _ => "title",
                });
            }
            None => {}
        }
        rest = &rest[open + close + 1..];
    }
    if skipping.is_none() {
        out.push_str(rest);
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

/// The English texts of the catalogue, and the English names of the shipped agencies and
/// procedures, that differ from their Vietnamese, long enough to be words rather than a shared
/// abbreviation.
fn english_texts() -> Vec<String> {
    let (vi, en) = (Names::shipped(Lang::Vi), Names::shipped(Lang::En));
    let named = |vi: &[(String, String)], en: &[(String, String)]| -> Vec<(String, String)> {
        vi.iter()
            .zip(en)
            .map(|((_, vi), (_, en))| (vi.clone(), en.clone()))
            .collect()
    };
    let mut english: Vec<String> = Text::ALL
        .iter()
        .map(|t| (Lang::Vi.t(*t).to_owned(), Lang::En.t(*t).to_owned()))
        .chain(
            TERMS
                .iter()
                .map(|(_, _, vi, en)| ((*vi).to_owned(), (*en).to_owned())),
        )
        .chain(named(vi.agencies(), en.agencies()))
        .chain(named(vi.procedures(), en.procedures()))
        .filter(|(vi, en)| vi != en && en.len() > 3)
        .map(|(_, en)| en)
        .collect();
    english.sort_unstable();
    english.dedup();
    english
}

/// The engine's codes the terms translate (`agency_unavailable`, `retry_now`): shown raw, one
/// is a key the catalogue lacks words for.
fn term_codes() -> Vec<&'static str> {
    TERMS
        .iter()
        .map(|(_, code, _, _)| *code)
        .filter(|code| code.contains('_'))
        .collect()
}

/// The ids of the shipped agencies and procedures (`social-insurance`,
/// `birth-residence-insurance`), which a page shows by name.
fn named_ids() -> Vec<String> {
    let names = Names::shipped(Lang::Vi);
    names
        .agencies()
        .iter()
        .chain(names.procedures())
        .map(|(id, _)| id.clone())
        .collect()
}

/// Pages that still print agency and procedure ids as words (the case page's steps and facts),
/// left out of the check for names until they show names too.
const STILL_SHOWS_IDS: &[&str] = &[];

fn problems(page: &str, html: &str) -> Vec<String> {
    let words = visible_words(html);
    let mut found = Vec::new();
    for english in english_texts() {
        // A whole text of the catalogue, as it would be printed.
        if words.contains(&english) {
            found.push(format!("{page}: English «{english}»"));
        }
    }
    for code in term_codes() {
        let raw = words
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w == code);
        if raw {
            found.push(format!("{page}: untranslated «{code}»"));
        }
    }
    let ids = if STILL_SHOWS_IDS.contains(&page) {
        Vec::new()
    } else {
        named_ids()
    };
    for id in ids {
        let raw = words
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .any(|w| w == id);
        if raw {
            found.push(format!("{page}: an id instead of a name «{id}»"));
        }
    }
    found
}

/// `case` with its steps' Vietnamese titles, as the case page reads them from the definition.
fn titled(mut case: Timeline) -> Timeline {
    let definitions =
        lienthong_definitions::shipped_definitions().expect("the shipped definitions are valid");
    if let Some(definition) = definitions.iter().find(|d| d.id.0 == case.procedure) {
        case.step_titles = super::names::step_titles_of(definition, Lang::Vi);
    }
    case
}

fn timeline() -> Timeline {
    Timeline::read(&json!({
        "case": {
            "code": "KS-ABCDE-12345", "procedure": "birth-residence-insurance", "version": 1,
            "status": "running", "submitted_at": "2026-12-01T02:00:00Z",
            "deadline": "2026-12-04T10:00:00Z", "overdue": true,
            "attention_details": [
                {"reason": "agency_unavailable", "step": "residence", "agency": "residence"},
                {"reason": "overdue"},
                {"reason": "notification_failed"},
            ],
            "held_agencies": ["social-insurance"],
            "steps": [
                {"id": "birth", "agency": "civil-status", "status": "succeeded", "attempts": 1,
                 "output": {"birth_certificate_number": "•••"}},
                {"id": "residence", "agency": "residence", "status": "agency_unavailable",
                 "attempts": 8, "last_error": {"code": "AGENCY_UNAVAILABLE",
                 "message": "gave up after 8 attempts: connection broken"}},
                {"id": "insurance", "agency": "social-insurance", "status": "held", "attempts": 0},
            ],
            "journal": [
                {"at": "2026-12-01T02:00:01Z", "kind": "step_started", "step": "birth"},
                {"at": "2026-12-01T02:00:02Z", "kind": "step_succeeded", "step": "birth"},
                {"at": "2026-12-01T02:01:00Z", "kind": "agency_unavailable", "step": "residence",
                 "detail": "AGENCY_UNAVAILABLE"},
                {"at": "2026-12-01T02:02:00Z", "kind": "agency_held", "agency": "social-insurance"},
                {"at": "2026-12-04T10:00:00Z", "kind": "deadline_passed"},
            ],
            "notifications": [
                {"key": "KS-ABCDE-12345/notify/filed/email", "event": "filed", "channel": "email",
                 "status": "delivered", "attempts": 1, "queued_at": "2026-12-01T02:00:00Z",
                 "settled_at": "2026-12-01T02:00:01Z"},
                {"key": "KS-ABCDE-12345/notify/overdue/sms", "event": "overdue", "channel": "sms",
                 "status": "failed", "attempts": 9, "last_error": "NOTICE_WINDOW_SPENT",
                 "queued_at": "2026-12-04T10:00:00Z", "settled_at": "2026-12-05T10:00:00Z"},
            ],
        },
        "office": "01-HK",
        "procedure": "birth-residence-insurance",
        "submitted_at": "2026-12-01T02:00:00Z",
        "personal_data": false,
        "application": {"child": {"full_name": "•••"}},
        "operator_actions": [
            {"id": 1, "at": "2026-12-02T02:00:00Z", "actor": "can-bo-01", "role": "operator",
             "action": "retry_now", "cases": ["KS-ABCDE-12345"], "reason": "thử lại",
             "outcome": "done"},
        ],
    }))
}

fn audit_entries() -> Vec<lienthong_store::AuditEntry> {
    [
        "retry_now",
        "hold_agency",
        "release_agency",
        "find_by_person",
        "cancel",
    ]
    .iter()
    .zip([
        "done",
        "refused: SCOPE_TOO_NARROW",
        "skipped",
        "done",
        "unanswered",
    ])
    .enumerate()
    .map(|(i, (action, outcome))| lienthong_store::AuditEntry {
        id: i64::try_from(i).unwrap_or_default(),
        at: "2026-12-02T02:00:00Z".into(),
        actor: "can-bo-01".into(),
        role: "operator,auditor".into(),
        action: (*action).into(),
        cases: vec!["KS-ABCDE-12345".into()],
        reason: Some("bảo trì".into()),
        outcome: outcome.into(),
        detail: Some(r#"{"found":1,"by":"certificate_number"}"#.into()),
    })
    .collect()
}

fn dashboard_data() -> (Counts, CasePage) {
    let statuses = ["running", "completed", "failed", "withdrawn"];
    let counts = Counts {
        by_status: statuses.iter().map(|s| ((*s).to_owned(), 3)).collect(),
        by_agency: vec![("residence".into(), 2), ("citizen".into(), 1)],
        by_reason: ["agency_unavailable", "retrying", "overdue", "held"]
            .iter()
            .map(|r| ((*r).to_owned(), 1))
            .collect(),
        needing_attention: 4,
        per_day: vec![(
            "2026-12-05".into(),
            statuses.iter().map(|s| ((*s).to_owned(), 1)).collect(),
        )],
    };
    let page = CasePage {
        cases: vec![CaseLine {
            code: "KS-ABCDE-12345".into(),
            procedure: Some("birth-residence-insurance".into()),
            status: Some("running".into()),
            office: Some("01-HK".into()),
            waiting_on: vec!["residence".into()],
            attention: vec!["agency_unavailable".into(), "overdue".into()],
            attention_agencies: vec!["residence".into()],
            submitted_at: Some("2026-12-01T02:00:00Z".into()),
            closed_at: None,
        }],
        page: 1,
        page_size: 50,
        more: false,
        query: String::new(),
    };
    (counts, page)
}

/// A filter on each coded field, as a link from the dashboard would set them.
fn chosen_filters() -> FilterParams {
    FilterParams {
        procedure: "birth-residence-insurance".into(),
        status: "running".into(),
        agency: "social-insurance".into(),
        reason: "agency_unavailable".into(),
        ..FilterParams::default()
    }
}

/// The agencies board with every health-check outcome and a hold.
fn agency_lines(names: &Names) -> Vec<agencies_page::AgencyLine> {
    use lienthong_activities::HealthProblem;
    let board = json!({"agencies": [
        {"agency": "civil-status", "answers": true, "held": false},
        {"agency": "residence", "answers": false, "held": false,
         "problem": HealthProblem::Status(503).to_string()},
        {"agency": "social-insurance", "answers": false, "held": true,
         "problem": HealthProblem::TimedOut.to_string(),
         "hold": {"held_by": "can-bo-01", "reason": "bảo trì", "held_at": "2026-12-02T02:00:00Z"}},
        {"agency": "labour-office", "answers": false, "held": false,
         "problem": HealthProblem::Unreachable.to_string()},
    ]});
    agencies_page::read_board(&board, |id| Some(names.agency(id).to_owned()))
}

#[test]
fn the_pages_name_agencies_and_procedures_and_filter_by_vietnamese_choices() {
    let chrome = chrome();
    let names = Names::shipped(Lang::Vi);
    let (counts, attention) = dashboard_data();
    let dashboard = dashboard::render(&chrome, &names, &counts, &attention).into_string();
    for shown in [
        r#"<span class="agency" data-agency="residence">Cơ sở dữ liệu về cư trú (Bộ Công an)</span>"#,
        r#"<a href="/console/cases?agency=citizen">Công dân</a>"#,
        r#"<g class="agency" data-agency="residence">"#,
    ] {
        assert!(
            dashboard.contains(shown),
            "{shown} missing from {dashboard}"
        );
    }
    let list =
        case_list::render(&chrome, &chosen_filters(), 1, &Ok(attention), &names).into_string();
    let title = names.procedure("birth-residence-insurance");
    assert!(title.starts_with("Liên thông"), "{title}");
    for shown in [
        format!(r#"<td class="procedure" data-procedure="birth-residence-insurance">{title}</td>"#),
        r#"<select id="f-status" name="status"><option value="">(tất cả)</option>"#.into(),
        r#"<option value="running" selected>Đang xử lý</option>"#.into(),
        r#"<option value="social-insurance" selected>Bảo hiểm xã hội Việt Nam</option>"#.into(),
        r#"<option value="citizen">Công dân</option>"#.into(),
        r#"<option value="any">bất kỳ lý do nào</option>"#.into(),
        r#"<option value="agency_unavailable" selected>Cơ quan không phản hồi</option>"#.into(),
        format!(r#"<option value="birth-residence-insurance" selected>{title}</option>"#),
    ] {
        assert!(list.contains(&shown), "{shown} missing from {list}");
    }
    assert!(!list.contains("<input id=\"f-status\""), "{list}");
    let case = case_page::render(
        &chrome,
        "KS-ABCDE-12345",
        &case_page::named(titled(timeline()), &names),
    )
    .into_string();
    for step in [
        r#"<span class="step-name" data-step="birth">Đăng ký khai sinh <small><code>birth</code></small></span>"#,
        r#"<span class="step-name" data-step="residence">Đăng ký thường trú <small><code>residence</code></small></span>"#,
    ] {
        assert!(case.contains(step), "{step} missing from {case}");
    }
}

#[test]
fn every_console_page_reads_in_vietnamese_with_no_english_text_or_raw_code() {
    let chrome = chrome();
    let (counts, attention) = dashboard_data();
    let names = Names::shipped(Lang::Vi);
    let pages: Vec<(&str, String)> = vec![
        (
            "sign-in",
            login::render(&chrome, None, true, true).into_string(),
        ),
        (
            "dashboard",
            dashboard::render(&chrome, &names, &counts, &attention).into_string(),
        ),
        (
            "case",
            case_page::render(
                &chrome,
                "KS-ABCDE-12345",
                &case_page::named(titled(timeline()), &super::names::Names::shipped(Lang::Vi)),
            )
            .into_string(),
        ),
        (
            "audit",
            audit_page::render(&chrome, &AuditParams::default(), &Ok(audit_entries()))
                .into_string(),
        ),
        (
            "find by person",
            person_search::render(&chrome, true, &Ok(Vec::new())).into_string(),
        ),
        (
            "cases",
            case_list::render(
                &chrome,
                &chosen_filters(),
                1,
                &Ok(attention.clone()),
                &names,
            )
            .into_string(),
        ),
        (
            "agencies",
            agencies_page::render(&chrome, &agency_lines(&names)).into_string(),
        ),
        (
            "hold confirmation",
            agencies_page::render_confirm(
                &chrome,
                "residence",
                names.agency("residence"),
                &agencies_page::AgencyForm {
                    csrf: "x".into(),
                    action: "hold".into(),
                    reason: String::new(),
                    per_second: String::new(),
                },
                Some(4),
            )
            .into_string(),
        ),
        (
            "bulk",
            bulk_page::render_form(&chrome, &BulkForm::default(), None, &names).into_string(),
        ),
        (
            "bulk dry run",
            bulk_page::render_dry_run(
                &chrome,
                &BulkForm {
                    action: "retry_now".into(),
                    agency: "residence".into(),
                    reason: "thử lại".into(),
                    ..BulkForm::default()
                },
                &serde_json::json!({
                    "matched": ["KS-ABCDE-12345"],
                    "matched_total": 1,
                    "would_send": [{"case": "KS-ABCDE-12345", "action": "retry_now", "step": "residence"}],
                }),
                &names,
            )
            .into_string(),
        ),
    ];
    let found: Vec<String> = pages
        .iter()
        .flat_map(|(page, html)| problems(page, html))
        .collect();
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_check_finds_english_and_raw_codes_where_they_are() {
    let english = format!("<p>{}</p>", Lang::En.t(Text::SignOut));
    assert!(!problems("probe", &english).is_empty());
    assert!(!problems("probe", "<td>agency_unavailable</td>").is_empty());
    assert!(!problems("probe", "<td>social-insurance, citizen</td>").is_empty());
    assert!(!problems("probe", "<td>Vietnam Social Security</td>").is_empty());
    assert!(
        problems(
            "probe",
            r#"<td data-agency="social-insurance">Bảo hiểm xã hội Việt Nam</td>"#
        )
        .is_empty()
    );
    // A code shown as one, or in an attribute, is not a word on the page.
    assert!(problems("probe", "<td><code>agency_unavailable</code></td>").is_empty());
    assert!(problems("probe", r#"<td data-reason="agency_unavailable">x</td>"#).is_empty());
}
