//! Reading back what the mail catcher kept: each `.eml` file with its envelope, headers, and
//! subject and text decoded (RFC 2047 encoded words; base64 and quoted-printable bodies), so a
//! test or a person sees the words as the citizen would.

use std::{
    io,
    path::{Path, PathBuf},
};

use base64::Engine;

/// One message as the mail catcher kept it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaughtMail {
    pub file: PathBuf,
    /// `MAIL FROM`.
    pub envelope_from: String,
    /// Every `RCPT TO`.
    pub envelope_to: Vec<String>,
    /// Each header as written (unfolded, not decoded), in order.
    pub headers: Vec<(String, String)>,
    /// The `Subject`, decoded.
    pub subject: String,
    /// The text, decoded from its transfer encoding (a single-part message's; a multipart one's
    /// body is left as it is).
    pub body: String,
    /// The whole file.
    pub raw: String,
}

impl CaughtMail {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Reads one kept message.
    pub fn parse(file: PathBuf, raw: String) -> Self {
        let (head, body) = raw
            .split_once("\r\n\r\n")
            .or_else(|| raw.split_once("\n\n"))
            .unwrap_or((raw.as_str(), ""));
        let mut headers: Vec<(String, String)> = Vec::new();
        for line in head.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, value)) = headers.last_mut() {
                    value.push(' ');
                    value.push_str(line.trim());
                }
            } else if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_owned(), value.trim().to_owned()));
            }
        }
        let find = |name: &str| {
            headers
                .iter()
                .find(|(known, _)| known.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        let envelope_from = find("Return-Path").trim_matches(['<', '>']).to_owned();
        let envelope_to = find("X-Envelope-To")
            .split(',')
            .map(|to| to.trim().trim_matches(['<', '>']).to_owned())
            .filter(|to| !to.is_empty())
            .collect();
        let subject = decode_words(&find("Subject"));
        let body = decode_body(body, &find("Content-Transfer-Encoding"));
        Self {
            file,
            envelope_from,
            envelope_to,
            headers,
            subject,
            body,
            raw,
        }
    }
}

/// Every `.eml` file in `dir`, oldest first (names sort in arrival order).
pub fn read_mailbox(dir: &Path) -> io::Result<Vec<CaughtMail>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            path.extension().is_some_and(|e| e == "eml")
                && !path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let raw = String::from_utf8_lossy(&std::fs::read(&file)?).into_owned();
            Ok(CaughtMail::parse(file, raw))
        })
        .collect()
}

fn decode_body(body: &str, encoding: &str) -> String {
    let bytes = match encoding.trim().to_ascii_lowercase().as_str() {
        "base64" => {
            let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact)
                .unwrap_or_else(|_| body.as_bytes().to_vec())
        }
        "quoted-printable" => quoted_printable(body, false),
        _ => body.as_bytes().to_vec(),
    };
    String::from_utf8_lossy(&bytes)
        .replace("\r\n", "\n")
        .trim_end()
        .to_owned()
}

/// Quoted-printable (RFC 2045) or, with `words`, the Q encoding of header words (RFC 2047, where
/// `_` is a space).
fn quoted_printable(text: &str, words: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'=' => {
                let rest = &bytes[at + 1..];
                if rest.starts_with(b"\r\n") {
                    at += 3;
                } else if rest.starts_with(b"\n") {
                    at += 2;
                } else if let Some(byte) = rest
                    .get(..2)
                    .and_then(|hex| std::str::from_utf8(hex).ok())
                    .and_then(|hex| u8::from_str_radix(hex, 16).ok())
                {
                    out.push(byte);
                    at += 3;
                } else {
                    out.push(b'=');
                    at += 1;
                }
            }
            b'_' if words => {
                out.push(b' ');
                at += 1;
            }
            byte => {
                out.push(byte);
                at += 1;
            }
        }
    }
    out
}

/// A header value with its RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) decoded;
/// the space between two encoded words is dropped, as the RFC says.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, from) = rest.split_at(start);
        match encoded_word(from) {
            Some((decoded, length)) => {
                if !(after_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&decoded);
                rest = &from[length..];
                after_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &from[2..];
                after_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The decoded text of the encoded word `text` starts with, and how long the word is.
fn encoded_word(text: &str) -> Option<(String, usize)> {
    let inner = text.strip_prefix("=?")?;
    let (_charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let encoded = &rest[..end];
    if encoded.contains(char::is_whitespace) {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?,
        "Q" | "q" => quoted_printable(encoded, true),
        _ => return None,
    };
    let length = text.len() - rest.len() + end + 2;
    Some((String::from_utf8_lossy(&bytes).into_owned(), length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_are_decoded_and_joined() {
        assert_eq!(decode_words("plain"), "plain");
        // "Hồ sơ" in base64 and in Q, split over two words.
        assert_eq!(decode_words("=?utf-8?b?SOG7kyBzxqE=?= KS-1"), "Hồ sơ KS-1");
        assert_eq!(
            decode_words("=?utf-8?q?H=E1=BB=93_?= =?utf-8?q?s=C6=A1?="),
            "Hồ sơ"
        );
        assert_eq!(decode_words("a =?x"), "a =?x");
    }

    #[test]
    fn a_message_reads_back_with_its_envelope_and_decoded_text() {
        let raw = "Return-Path: <no-reply@x.vn>\r\nX-Envelope-To: <a@b.vn>, <c@d.vn>\r\n\
                   Subject: =?utf-8?b?SOG7kyBzxqE=?=\r\n  continued\r\n\
                   Content-Transfer-Encoding: quoted-printable\r\n\r\n\
                   H=E1=BB=93 s=C6=A1 a long line=\r\n joined\r\n";
        let mail = CaughtMail::parse(PathBuf::from("x.eml"), raw.to_owned());
        assert_eq!(mail.envelope_from, "no-reply@x.vn");
        assert_eq!(mail.envelope_to, vec!["a@b.vn", "c@d.vn"]);
        assert_eq!(mail.subject, "Hồ sơ continued");
        assert_eq!(mail.body, "Hồ sơ a long line joined");
        assert_eq!(
            mail.header("content-transfer-encoding"),
            Some("quoted-printable")
        );
    }
}
