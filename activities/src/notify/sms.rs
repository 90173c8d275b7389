//! The SMS gateway: a signed JSON `POST` of the number and the text, keyed like every notice so
//! the gateway sends one SMS per event however often it is asked.

use serde::Serialize;

/// The SMS gateway's JSON body: the number, the text, and the key it dedupes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SmsBody<'a> {
    pub key: &'a str,
    pub to: &'a str,
    pub text: &'a str,
}
