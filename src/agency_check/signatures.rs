//! The credential checks: a call with no credential and one with a wrong one are refused with
//! `401`/`403` and not acted on (`/acts` shows no act under their keys), and `/acts` is not
//! served to a caller without the engine's credential.

use lienthong_activities::AgencyCredential;
use serde_json::{Value, json};

use super::{
    kit::{Kit, UNSIGNED, UNSIGNED_ACTS, UNSIGNED_STEP, WRONG, WRONG_STEP},
    probe::{Reply, Signing},
    report::see,
};

impl Kit<'_> {
    pub(super) async fn signatures(&mut self) {
        let (headers, missing_code) = match &self.inputs.credential {
            Some(AgencyCredential::Hmac(_)) => (
                "X-Lienthong-Timestamp and X-Lienthong-Signature",
                "SIGNATURE_MISSING",
            ),
            Some(AgencyCredential::Bearer(_)) => ("Authorization: Bearer", "SIGNATURE_MISSING"),
            None => {
                let why = format!(
                    "the entry's auth is `none`: calls carry no credential {}",
                    see("9")
                );
                for check in [UNSIGNED, WRONG, UNSIGNED_ACTS] {
                    self.report.skip(check, &why);
                }
                return;
            }
        };
        // A body the operation accepts when there is one, so a system that does not check the
        // credential acts on it and the check sees it.
        let body = self.inputs.sample.clone().unwrap_or_else(|| json!({}));
        let probes = [
            (
                UNSIGNED,
                UNSIGNED_STEP,
                Signing::Unsigned,
                "a call with no credential",
                missing_code,
            ),
            (
                WRONG,
                WRONG_STEP,
                Signing::Wrong,
                "a call with a wrong credential",
                "SIGNATURE_INVALID",
            ),
        ];
        for (check, step, signing, what, code) in probes {
            let key = self.keys.key(step);
            let operation = &self.inputs.operation.name;
            let verdict = match self.probe.post(operation, &key, &body, signing).await {
                Ok(reply) if refused(&reply) => {
                    // Refused; an act under the key would mean it acted first.
                    match self.probe.act(&key, Signing::Engine).await {
                        Ok(record) if (200..300).contains(&record.status) => Err(format!(
                            "refused {what} with {} but /acts shows an act under its key: check \
                             the credential before doing anything {}",
                            reply.status,
                            see("9")
                        )),
                        _ => Ok(format!(
                            "refused with {}{}, nothing acted on",
                            reply.status,
                            code_of(reply.json.as_ref())
                        )),
                    }
                }
                Ok(reply) if (200..300).contains(&reply.status) => Err(format!(
                    "accepted {what} (answered {}): check {headers} on every call before \
                     anything else, and refuse with 401 {{\"code\": \"{code}\"}} {}",
                    reply.status,
                    see("9")
                )),
                Ok(reply) => Err(format!(
                    "answered {what} with {}, not 401 or 403: check the credential before the \
                     body, and refuse with 401 {{\"code\": \"{code}\"}} {}",
                    reply.status,
                    see("9")
                )),
                Err(error) => Err(format!("{what}: {error}")),
            };
            match verdict {
                Ok(what) => self.report.ok(check, what),
                Err(fix) => self.report.fail(check, fix),
            }
        }
        let key = self.keys.key(UNSIGNED_STEP);
        match self.probe.act(&key, Signing::Unsigned).await {
            Ok(reply) if refused(&reply) => self
                .report
                .ok(UNSIGNED_ACTS, format!("refused with {}", reply.status)),
            Ok(reply) => self.report.fail(
                UNSIGNED_ACTS,
                format!(
                    "answered an unsigned GET /acts/{{key}} with {}: /acts shows acts and their \
                     answers, so check the credential on it as on operations and refuse with 401 \
                     {}",
                    reply.status,
                    see("5")
                ),
            ),
            Err(error) => self
                .report
                .fail(UNSIGNED_ACTS, format!("GET /acts: {error}")),
        }
    }
}

fn refused(reply: &Reply) -> bool {
    matches!(reply.status, 401 | 403)
}

/// ` SIGNATURE_MISSING` when the body carries such a code, for the report.
fn code_of(body: Option<&Value>) -> String {
    body.and_then(|b| b.get("code"))
        .and_then(Value::as_str)
        .filter(|code| super::refusal::is_code(code))
        .map(|code| format!(" {code}"))
        .unwrap_or_default()
}
