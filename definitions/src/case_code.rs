//! A case's code: what a citizen reads off a receipt or over the phone (`KS-7K3MQ-92XAT`), the
//! case's workflow id, and the first part of every idempotency key its calls use.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// Crockford's base-32: no I, L, O or U, so a code survives being read over the phone.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A case code. Codes the engine makes come from [`CaseCode::from_bits`]; text from outside (a
/// URL, a form) becomes one only through [`FromStr`], which refuses anything not of that form
/// before it reaches Temporal. Histories and the engine database are read back as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CaseCode(String);

impl CaseCode {
    /// `PREFIX-XXXXX-XXXXX` from 50 of `bits`, the prefix being the installation's (`KS`).
    pub fn from_bits(prefix: &str, bits: u64) -> Self {
        let chars: String = (0..10)
            .map(|i| ALPHABET[((bits >> (i * 5)) & 31) as usize] as char)
            .collect();
        Self(format!("{prefix}-{}-{}", &chars[..5], &chars[5..]))
    }

    /// A code read back from where the engine itself wrote it (a history, its database), taken
    /// as it is: refusing it there would lose a case over a rule added later.
    pub fn recorded(code: impl Into<String>) -> Self {
        Self(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// Whether `text` has the form of a case code.
    pub fn is_well_formed(text: &str) -> bool {
        let mut parts = text.split('-');
        let prefix_ok = parts.next().is_some_and(|p| {
            (2..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_uppercase())
        });
        let body: Vec<&str> = parts.collect();
        prefix_ok
            && body.len() == 2
            && body
                .iter()
                .all(|p| p.len() == 5 && p.bytes().all(|b| ALPHABET.contains(&b)))
    }
}

/// Text that is not a case code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a case code: expected the form KS-XXXXX-XXXXX")]
pub struct NotACaseCode;

impl FromStr for CaseCode {
    type Err = NotACaseCode;

    fn from_str(text: &str) -> Result<Self, NotACaseCode> {
        if Self::is_well_formed(text) {
            Ok(Self(text.to_owned()))
        } else {
            Err(NotACaseCode)
        }
    }
}

impl fmt::Display for CaseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// An id is read as text far more often than built: comparing, looking up, writing a URL.
impl std::ops::Deref for CaseCode {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for CaseCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for CaseCode {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CaseCode {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_made_from_bits_are_well_formed_and_only_such_text_parses() {
        for bits in [0, 1, u64::MAX, 0x0123_4567_89AB_CDEF] {
            let code = CaseCode::from_bits("KS", bits);
            assert!(CaseCode::is_well_formed(code.as_str()), "{code}");
            assert_eq!(code.as_str().parse::<CaseCode>(), Ok(code.clone()));
        }
        assert_eq!(CaseCode::from_bits("KS", 0).as_str(), "KS-00000-00000");
        for bad in [
            "",
            "KS",
            "ks-AAAAA-BBBBB",
            "KS-AAAAA-BBBBI",
            "KS-AAAA-BBBBB",
            "KS-AAAAA-BBBBB-C",
            "../etc",
        ] {
            assert_eq!(bad.parse::<CaseCode>(), Err(NotACaseCode), "{bad}");
        }
    }

    #[test]
    fn a_code_is_written_as_plain_text() {
        let code = CaseCode::from_bits("KS", 42);
        let json = serde_json::to_string(&code).unwrap_or_default();
        assert_eq!(json, format!("\"{code}\""));
        assert_eq!(serde_json::from_str::<CaseCode>(&json).ok(), Some(code));
    }
}
