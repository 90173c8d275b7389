//! The words of each notice, in Vietnamese and English, from `definitions/notifications/{vi,en}.ftl`
//! (Project Fluent, as the API's own catalogue): one message per kind of event, one attribute per
//! channel form (`subject` and `body` of the e-mail, `sms`, the webhook's `text`). The files are
//! data next to the definitions, so a translator edits them without touching code.

use std::sync::LazyLock;

use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};
use lienthong_workflows::{Notice, NoticeEvent};

const VI: &str = include_str!("../../../definitions/notifications/vi.ftl");
const EN: &str = include_str!("../../../definitions/notifications/en.ftl");

/// A language notices are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeLang {
    Vi,
    En,
}

impl NoticeLang {
    pub const ALL: [Self; 2] = [Self::Vi, Self::En];

    /// `en` is English; anything else, Vietnamese first.
    pub fn of(code: &str) -> Self {
        if code.trim().eq_ignore_ascii_case("en") {
            Self::En
        } else {
            Self::Vi
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }
}

/// One notice in words, for every channel form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
    pub sms: String,
    pub text: String,
}

struct Catalogue {
    vi: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(lang: NoticeLang, text: &'static str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.code().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Plain text for mail and SMS: no invisible isolation marks around the variables.
    bundle.set_use_isolating(false);
    // Compiled in and checked by this module's tests; were a file broken, its good messages
    // would still serve and a missing one would show its id, never a panic.
    let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(partial, _)| partial);
    let _ = bundle.add_resource(resource);
    bundle
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| Catalogue {
    vi: bundle(NoticeLang::Vi, VI),
    en: bundle(NoticeLang::En, EN),
});

/// The message id of an event's kind: `notice-` and the kind as the event is written
/// (`notice-documents_requested`).
pub fn message_id(event: &NoticeEvent) -> &'static str {
    match event {
        NoticeEvent::Filed => "notice-filed",
        NoticeEvent::StepDone { .. } => "notice-step_done",
        NoticeEvent::DocumentsRequested { .. } => "notice-documents_requested",
        NoticeEvent::Reminder { .. } => "notice-reminder",
        NoticeEvent::Completed => "notice-completed",
        NoticeEvent::Failed => "notice-failed",
        NoticeEvent::Withdrawn => "notice-withdrawn",
        NoticeEvent::Overdue => "notice-overdue",
    }
}

/// The notice in its language, with `link` to the case's page.
pub fn render(notice: &Notice, link: &str) -> Rendered {
    let lang = NoticeLang::of(&notice.lang);
    let mut args = FluentArgs::new();
    args.set(
        "code",
        FluentValue::from(notice.case_code.as_str().to_owned()),
    );
    args.set("link", FluentValue::from(link.to_owned()));
    let (title, due) = match &notice.event {
        NoticeEvent::StepDone { title, .. } => (Some(title), None),
        NoticeEvent::DocumentsRequested { title, due, .. }
        | NoticeEvent::Reminder { title, due, .. } => (Some(title), Some(due)),
        _ => (None, None),
    };
    if let Some(title) = title {
        let title = match lang {
            NoticeLang::Vi => &title.vi,
            NoticeLang::En => &title.en,
        };
        args.set("step", FluentValue::from(title.clone()));
    }
    if let Some(due) = due {
        args.set("due", FluentValue::from(due_date(due, lang)));
    }
    let id = message_id(&notice.event);
    let form = |attribute: &str| text(lang, id, attribute, &args);
    Rendered {
        subject: form("subject"),
        body: form("body"),
        sms: form("sms"),
        text: form("text"),
    }
}

/// `2026-11-20` as a reader of `lang` writes it: `20/11/2026` in Vietnamese; left as it is in
/// English (unambiguous), and whenever it is not such a date.
pub fn due_date(iso: &str, lang: NoticeLang) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match (lang, time::Date::parse(iso.trim(), format)) {
        (NoticeLang::Vi, Ok(date)) => format!(
            "{:02}/{:02}/{:04}",
            date.day(),
            u8::from(date.month()),
            date.year()
        ),
        _ => iso.trim().to_owned(),
    }
}

fn text(lang: NoticeLang, id: &str, attribute: &str, args: &FluentArgs) -> String {
    let bundle = match lang {
        NoticeLang::Vi => &CATALOGUE.vi,
        NoticeLang::En => &CATALOGUE.en,
    };
    let Some(pattern) = bundle
        .get_message(id)
        .and_then(|message| message.get_attribute(attribute))
        .map(|attribute| attribute.value())
    else {
        return format!("{id}.{attribute}");
    };
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(
            id,
            attribute,
            lang = lang.code(),
            ?errors,
            "a notice template is incomplete"
        );
    }
    text.into_owned()
}

#[cfg(test)]
pub(crate) mod tests {
    use lienthong_definitions::{StepId, Titles};
    use lienthong_workflows::Channel;

    use super::*;

    /// Every kind of event, with a step and a due date where the kind has them.
    pub(crate) fn every_event() -> Vec<NoticeEvent> {
        let step = StepId("residence".to_owned());
        let title = Titles {
            vi: "Đăng ký thường trú".to_owned(),
            en: "Permanent residence registration".to_owned(),
        };
        vec![
            NoticeEvent::Filed,
            NoticeEvent::StepDone {
                step: step.clone(),
                title: title.clone(),
            },
            NoticeEvent::DocumentsRequested {
                step: step.clone(),
                title: title.clone(),
                due: "2026-11-20".to_owned(),
            },
            NoticeEvent::Reminder {
                step,
                title,
                due: "2026-11-20".to_owned(),
            },
            NoticeEvent::Completed,
            NoticeEvent::Failed,
            NoticeEvent::Withdrawn,
            NoticeEvent::Overdue,
        ]
    }

    fn notice(event: NoticeEvent, lang: NoticeLang) -> Notice {
        Notice {
            key: "KS-ABCDE-FGHJK/notify/x/email".to_owned(),
            case_code: "KS-ABCDE-FGHJK".parse().expect("a case code"),
            channel: Channel::Email,
            event,
            lang: lang.code().to_owned(),
            to: Some("me@example.vn".to_owned()),
        }
    }

    /// Message ids and their attributes, as written in a file.
    fn shape(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut current = String::new();
        for line in text.lines() {
            if let Some((id, _)) = line.split_once(" =")
                && !line.starts_with([' ', '#'])
            {
                current = id.trim().to_owned();
                out.push(current.clone());
            } else if let Some(rest) = line.trim_start().strip_prefix('.')
                && let Some((attribute, _)) = rest.split_once(" =")
            {
                out.push(format!("{current}.{}", attribute.trim()));
            }
        }
        out
    }

    #[test]
    fn both_languages_parse_and_hold_the_same_messages() {
        for (name, text) in [("vi", VI), ("en", EN)] {
            assert!(
                FluentResource::try_new(text.to_owned()).is_ok(),
                "definitions/notifications/{name}.ftl does not parse"
            );
        }
        assert_eq!(shape(VI), shape(EN));
        assert!(shape(VI).len() > 30, "{:?}", shape(VI));
    }

    #[test]
    fn every_event_renders_in_both_languages_with_every_variable_filled() {
        for lang in NoticeLang::ALL {
            for event in every_event() {
                let id = message_id(&event);
                let rendered = render(
                    &notice(event.clone(), lang),
                    "https://dichvucong.example.vn/cases/KS-ABCDE-FGHJK",
                );
                for (form, text) in [
                    ("subject", &rendered.subject),
                    ("body", &rendered.body),
                    ("sms", &rendered.sms),
                    ("text", &rendered.text),
                ] {
                    let at = format!("{id}.{form} in {}", lang.code());
                    assert!(!text.trim().is_empty(), "{at} is empty");
                    assert!(!text.contains('{') && !text.contains('}'), "{at}: {text}");
                    assert!(!text.contains("notice-"), "{at} is missing: {text}");
                    assert!(
                        text.contains("KS-ABCDE-FGHJK"),
                        "{at} names no case: {text}"
                    );
                    assert!(!text.contains("me@example.vn"), "{at} names the address");
                }
                assert!(
                    rendered
                        .body
                        .contains("https://dichvucong.example.vn/cases/")
                );
                assert!(
                    rendered
                        .sms
                        .contains("https://dichvucong.example.vn/cases/")
                );
                assert!(
                    !rendered.subject.contains('\n'),
                    "{id}: {}",
                    rendered.subject
                );
                if let NoticeEvent::DocumentsRequested { .. } | NoticeEvent::Reminder { .. } = event
                {
                    let due = match lang {
                        NoticeLang::Vi => "20/11/2026",
                        NoticeLang::En => "2026-11-20",
                    };
                    assert!(rendered.body.contains(due), "{id}: {}", rendered.body);
                    assert!(rendered.sms.contains(due), "{id}: {}", rendered.sms);
                }
                if matches!(event, NoticeEvent::StepDone { .. }) {
                    let title = match lang {
                        NoticeLang::Vi => "Đăng ký thường trú",
                        NoticeLang::En => "Permanent residence registration",
                    };
                    assert!(rendered.text.contains(title), "{}", rendered.text);
                }
            }
        }
    }

    #[test]
    fn vietnamese_is_written_with_its_letters_and_a_body_has_paragraphs() {
        let rendered = render(
            &notice(NoticeEvent::Filed, NoticeLang::Vi),
            "https://x.example.vn/cases/KS-ABCDE-FGHJK",
        );
        assert_eq!(rendered.subject, "Đã tiếp nhận hồ sơ KS-ABCDE-FGHJK");
        assert!(
            rendered.body.starts_with("Kính gửi Quý công dân,\n\n"),
            "{:?}",
            rendered.body
        );
        assert!(
            rendered.body.ends_with("không trả lời thư này."),
            "{:?}",
            rendered.body
        );
        // Any language but English reads Vietnamese.
        let mut other = notice(NoticeEvent::Completed, NoticeLang::Vi);
        other.lang = "fr".to_owned();
        assert_eq!(
            render(&other, "l").subject,
            "Hồ sơ KS-ABCDE-FGHJK đã giải quyết xong"
        );
    }

    #[test]
    fn due_dates_are_written_the_readers_way() {
        assert_eq!(due_date("2026-11-20", NoticeLang::Vi), "20/11/2026");
        assert_eq!(due_date("2026-01-05", NoticeLang::Vi), "05/01/2026");
        assert_eq!(due_date("2026-11-20", NoticeLang::En), "2026-11-20");
        assert_eq!(due_date("soon", NoticeLang::Vi), "soon");
    }
}
