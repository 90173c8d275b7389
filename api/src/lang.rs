//! The language a person reads: Vietnamese unless they ask for English. Pages take `?lang=` or
//! a cookie (`console::language`); the JSON API takes `Accept-Language`.

use std::convert::Infallible;

use axum::{extract::FromRequestParts, http::request::Parts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    #[cfg(test)]
    pub(crate) const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    /// Words written in a definition (`{ vi, en }`) in this language.
    pub(crate) fn words(self, titles: &lienthong_definitions::Titles) -> &str {
        match self {
            Self::Vi => &titles.vi,
            Self::En => &titles.en,
        }
    }

    pub(crate) fn parse(value: &str) -> Option<Self> {
        match value {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The language `Accept-Language` prefers among Vietnamese and English (`en-US;q=0.8, vi`:
    /// Vietnamese); Vietnamese when it names neither or is absent.
    pub(crate) fn negotiate(accept_language: Option<&str>) -> Self {
        let Some(header) = accept_language else {
            return Self::Vi;
        };
        let mut best: Option<(f32, Self)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            let Some(lang) = Self::parse(primary) else {
                continue;
            };
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, lang));
            }
        }
        best.map_or(Self::Vi, |(_, lang)| lang)
    }
}

/// The caller's language, from `Accept-Language`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Language(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for Language {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        let header = parts
            .headers
            .get(axum::http::header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Ok(Self(Lang::negotiate(header)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_unless_english_is_preferred() {
        assert_eq!(Lang::negotiate(None), Lang::Vi);
        assert_eq!(Lang::negotiate(Some("")), Lang::Vi);
        assert_eq!(Lang::negotiate(Some("fr-FR, de")), Lang::Vi);
        assert_eq!(Lang::negotiate(Some("en")), Lang::En);
        assert_eq!(Lang::negotiate(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("en-US;q=0.8, vi")), Lang::Vi);
        assert_eq!(Lang::negotiate(Some("vi;q=0.3, en-GB;q=0.7")), Lang::En);
        assert_eq!(
            Lang::negotiate(Some("en;q=0")),
            Lang::Vi,
            "q=0 means not wanted"
        );
        assert_eq!(Lang::negotiate(Some("VI-vn")), Lang::Vi);
    }
}
