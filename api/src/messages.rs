//! The message catalogue: every text a citizen reads from the API, in Vietnamese and English,
//! from `api/messages/{vi,en}.ftl` (Project Fluent). Codes stay in the answers for machines; the
//! words come from here.

use std::sync::LazyLock;

use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};

use crate::lang::Lang;

const VI: &str = include_str!("../messages/vi.ftl");
const EN: &str = include_str!("../messages/en.ftl");

struct Catalogue {
    vi: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(lang: &str, text: &'static str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // The texts go into JSON, not into mixed-direction HTML: no invisible isolation marks.
    bundle.set_use_isolating(false);
    // The files are compiled in and checked by this module's tests, so an error cannot reach a
    // running API; were it to, the message id would be shown instead of a panic.
    let resource = FluentResource::try_new(text.to_owned()).unwrap_or_else(|(partial, _)| partial);
    let _ = bundle.add_resource(resource);
    bundle
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| Catalogue {
    vi: bundle("vi", VI),
    en: bundle("en", EN),
});

/// The message `id` in `lang` with `args`; the id itself when the catalogue lacks it.
pub(crate) fn text(lang: Lang, id: &str, args: &[(&str, String)]) -> String {
    let bundle = match lang {
        Lang::Vi => &CATALOGUE.vi,
        Lang::En => &CATALOGUE.en,
    };
    let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
        return id.to_owned();
    };
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, FluentValue::from(value.as_str()));
    }
    let mut errors = Vec::new();
    bundle
        .format_pattern(pattern, Some(&fluent_args), &mut errors)
        .into_owned()
}

/// Whether `lang`'s catalogue has `id`.
#[cfg(test)]
pub(crate) fn has(lang: Lang, id: &str) -> bool {
    let bundle = match lang {
        Lang::Vi => &CATALOGUE.vi,
        Lang::En => &CATALOGUE.en,
    };
    bundle.has_message(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<&str> {
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' '))
            .filter_map(|l| l.split_once(" = ").map(|(id, _)| id.trim()))
            .collect()
    }

    #[test]
    fn both_languages_parse_and_hold_the_same_messages() {
        for (name, text) in [("vi", VI), ("en", EN)] {
            assert!(
                FluentResource::try_new(text.to_owned()).is_ok(),
                "{name}.ftl"
            );
        }
        assert_eq!(ids(VI), ids(EN));
        for id in ids(VI) {
            for lang in Lang::ALL {
                assert!(has(lang, id), "{id} in {}", lang.code());
            }
        }
    }

    #[test]
    fn arguments_are_put_in_without_marks() {
        assert_eq!(
            text(Lang::Vi, "field-TOO_LONG", &[("limit", "200".into())]),
            "Không được quá 200 ký tự."
        );
        assert_eq!(
            text(Lang::En, "field-REQUIRED", &[("name", "phone".into())]),
            "«phone» is required."
        );
        assert_eq!(text(Lang::En, "no-such-message", &[]), "no-such-message");
    }
}
