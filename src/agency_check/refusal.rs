//! The refusal's shape: a request the system should refuse answers a 4xx that is not a
//! credentials or busy status, with `{"code": "UPPER_SNAKE", "message": "…"}`.

use serde_json::Value;

use super::{
    kit::{Kit, REFUSAL, REFUSAL_STEP},
    probe::Signing,
    report::see,
};

/// The longest refusal code operators see (contract §7.2).
const MAX_CODE_LEN: usize = 64;

/// `UPPER_SNAKE`, at most 64 characters.
pub fn is_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

impl Kit<'_> {
    pub(super) async fn refusal(&mut self) {
        let Some(sample) = &self.inputs.refusal_sample else {
            self.report.skip(
                REFUSAL,
                format!(
                    "give --refusal-sample FILE, a request your system refuses (a person your \
                     register does not know, a rule broken) {}",
                    see("7.2")
                ),
            );
            return;
        };
        let key = self.keys.key(REFUSAL_STEP);
        let operation = &self.inputs.operation.name;
        let reply = match self
            .probe
            .post(operation, &key, sample, Signing::Engine)
            .await
        {
            Ok(reply) => reply,
            Err(error) => {
                self.report.fail(REFUSAL, format!("{error}"));
                return;
            }
        };
        let status = reply.status;
        let fix = match status {
            200..=299 => format!(
                "answered {status} to a request it should refuse, which the engine reads as the \
                 act done (check the request against your rules); refuse with a 4xx and \
                 {{\"code\", \"message\"}} {}",
                see("7.2")
            ),
            401 | 403 => format!(
                "answered {status}, which the engine reads as its own credentials refused, not as \
                 a refusal of the request; refuse with 422 (or 400, 404, 409) {}",
                see("7.3")
            ),
            408 | 429 | 500..=599 => format!(
                "answered {status}, which the engine retries as busy or down; refuse with a 4xx \
                 other than 401, 403, 408 and 429 {}",
                see("7.2")
            ),
            400..=499 => {
                let body = reply.json.as_ref();
                let code = body.and_then(|b| b.get("code")).and_then(Value::as_str);
                let message = body.and_then(|b| b.get("message"));
                match (code, message) {
                    (Some(code), Some(Value::String(_))) if is_code(code) => {
                        self.report.ok(REFUSAL, format!("answered {status} {code}"));
                        return;
                    }
                    (code, message) => {
                        let mut missing = Vec::new();
                        if !code.is_some_and(is_code) {
                            missing.push(
                                "an UPPER_SNAKE `code` (the engine would keep HTTP_<status>)",
                            );
                        }
                        if !message.is_some_and(Value::is_string) {
                            missing.push("a `message` string");
                        }
                        format!(
                            "answered {status} without {}: refuse with {{\"code\": \
                             \"UPPER_SNAKE\", \"message\": \"…\"}}, no personal data in the \
                             message {}",
                            missing.join(" and "),
                            see("7.2")
                        )
                    }
                }
            }
            _ => format!(
                "answered {status}; never redirect or answer 1xx, refuse with a 4xx {}",
                see("7")
            ),
        };
        self.report.fail(REFUSAL, fix);
    }
}
