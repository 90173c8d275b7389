//! Finding a case by a number one of its steps issued (a birth certificate's number, an
//! insurance card's), without that number ever reaching Temporal visibility in clear.
//!
//! The case keeps, in its `LienthongIssued` search attribute, a keyed hash (HMAC-SHA256 under a
//! key derived from the installation's payload key) of every number its definition names in
//! `form.results`. The API hashes what an operator types under the same keys and asks
//! visibility for the hash. A certificate number has few digits, so a plain or salted hash could
//! be reversed by trying them all; a keyed one cannot be without the payload keys, which neither
//! Temporal nor the engine database holds.

use std::fmt;

use hmac::{Hmac, Mac};
use lienthong_definitions::{Definition, case::CaseState};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A search key as it travels in a case's (encrypted) input: the id of the payload key it was
/// derived from, and the key in hex. Its `Debug` shows the id only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedTagKey {
    pub id: String,
    key: String,
}

impl fmt::Debug for IssuedTagKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedTagKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// How many bytes of the HMAC a tag keeps: 128 bits, far beyond any collision among a
/// province's certificates, in 32 hex characters.
const TAG_BYTES: usize = 16;

impl IssuedTagKey {
    pub fn new(id: &str, key: &[u8; 32]) -> Self {
        Self {
            id: id.to_owned(),
            key: hex(key),
        }
    }

    /// The tag of `number` as written, or `None` when it is not a number one would search by
    /// (a date, a word, an amount of a few digits).
    pub fn tag(&self, number: &str) -> Option<String> {
        let number = normalize(number)?;
        let key = unhex(&self.key)?;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).ok()?;
        mac.update(number.as_bytes());
        let digest = mac.finalize().into_bytes();
        Some(hex(digest.get(..TAG_BYTES)?))
    }
}

/// The form a number is compared in: spaces gone, letters upper case. `None` for what is not a
/// reference number: too short or long, no digit, other characters than letters, digits,
/// `-`, `/` and `.`, or a calendar date (every case issued on that day would match).
pub fn normalize(number: &str) -> Option<String> {
    let number: String = number
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let fits = (6..=64).contains(&number.len())
        && number.bytes().any(|b| b.is_ascii_digit())
        && number
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b'.'));
    let date = number.len() == 10
        && number.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    (fits && !date).then_some(number)
}

/// The value of `LienthongIssued` for a case: the tags of the numbers its steps issued that the
/// definition has words for, sorted and separated by spaces (a Text attribute, matched word by
/// word); empty when there is none yet.
pub fn issued_tags(key: &IssuedTagKey, definition: &Definition, case: &CaseState) -> String {
    let outputs = case.outputs();
    let mut tags: Vec<String> = definition
        .form
        .results
        .keys()
        .filter_map(|path| {
            let (step, field) = path.split_once('.')?;
            let value = outputs.iter().find(|(id, _)| id.0 == step)?.1.get(field)?;
            match value {
                Value::String(text) => key.tag(text),
                _ => None,
            }
        })
        .collect();
    tags.sort();
    tags.dedup();
    tags.join(" ")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_number_is_compared_without_spaces_or_case_and_dates_are_not_numbers() {
        assert_eq!(
            normalize(" ks-2026 / 000123 "),
            Some("KS-2026/000123".into())
        );
        assert_eq!(normalize("2026-12-06"), None);
        assert_eq!(normalize("12345"), None);
        assert_eq!(normalize("NGUYEN VAN A"), None);
        assert_eq!(normalize("ABC;DROP"), None);
    }

    #[test]
    fn a_tag_depends_on_the_key_and_the_number_never_on_how_it_was_typed() {
        let key = IssuedTagKey::new("k1", &[7; 32]);
        let other = IssuedTagKey::new("k2", &[8; 32]);
        let tag = key.tag("KS-2026-000123").unwrap();
        assert_eq!(tag.len(), 2 * TAG_BYTES);
        assert!(tag.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(key.tag("ks-2026-000123 ").unwrap(), tag);
        assert_ne!(key.tag("KS-2026-000124").unwrap(), tag);
        assert_ne!(other.tag("KS-2026-000123").unwrap(), tag);
        assert!(!format!("{key:?}").contains(&hex(&[7; 32])));
    }

    #[test]
    fn a_case_is_tagged_with_the_numbers_its_definition_has_words_for() {
        let definition = lienthong_definitions::shipped_definitions()
            .unwrap()
            .into_iter()
            .find(|d| d.id.0 == "birth-residence-insurance")
            .unwrap();
        let mut case = CaseState::new(
            "KS-00000-00000".parse().unwrap(),
            &definition,
            time::OffsetDateTime::UNIX_EPOCH,
        );
        let key = IssuedTagKey::new("k1", &[7; 32]);
        assert_eq!(issued_tags(&key, &definition, &case), "");
        let birth = case.steps.iter_mut().find(|s| s.id.0 == "birth").unwrap();
        birth.output = Some(serde_json::json!({
            "birth_certificate_number": "KS-2026-000123",
            "personal_id": "001226000042",
            "registered_on": "2026-12-06",
        }));
        let tags = issued_tags(&key, &definition, &case);
        let mut expected = [
            key.tag("KS-2026-000123").unwrap(),
            key.tag("001226000042").unwrap(),
        ];
        expected.sort();
        assert_eq!(tags, expected.join(" "));
        assert!(!tags.contains("KS-2026"));
    }
}
