//! Why a person acts on a case (a citizen's withdrawal, an operator's action, a hold): kept with
//! the case and in the audit log, so every entry point checks it the same way.

use serde::{Deserialize, Serialize};

/// The most a reason may hold, in characters (a Vietnamese reason is counted as it is read, not
/// in bytes).
pub const MAX_REASON_CHARS: usize = 500;

/// A reason: trimmed, 1 to [`MAX_REASON_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Reason(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReasonError {
    #[error("a reason is required")]
    Missing,
    #[error("a reason is at most {MAX_REASON_CHARS} characters")]
    TooLong,
}

impl Reason {
    pub fn parse(text: &str) -> Result<Self, ReasonError> {
        let text = text.trim();
        if text.is_empty() {
            Err(ReasonError::Missing)
        } else if text.chars().count() > MAX_REASON_CHARS {
            Err(ReasonError::TooLong)
        } else {
            Ok(Self(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_and_counted_in_characters_not_bytes() {
        assert_eq!(
            Reason::parse("  agency back ").unwrap().as_str(),
            "agency back"
        );
        assert_eq!(Reason::parse(" \n "), Err(ReasonError::Missing));
        // 500 Vietnamese characters are 1,000+ bytes and still a valid reason.
        let vietnamese = "ố".repeat(MAX_REASON_CHARS);
        assert!(vietnamese.len() > MAX_REASON_CHARS);
        assert!(Reason::parse(&vietnamese).is_ok());
        assert_eq!(
            Reason::parse(&"ố".repeat(MAX_REASON_CHARS + 1)),
            Err(ReasonError::TooLong)
        );
    }
}
