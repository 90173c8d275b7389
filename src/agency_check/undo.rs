//! The undo: when the catalogue has an operation that `undoes` the one checked, it is called
//! under `<key>/compensate` as the engine would, must be done, and done once (the same key twice
//! gives the same answer and `/acts` shows one record).

use lienthong_definitions::catalogue::Operation;
use lienthong_workflows::AgencyAnswer;
use serde_json::{Map, Value};

use super::{
    answers::{difference, explain, kind, same},
    kit::{CHECK_STEP, Kit, UNDO, UNDO_IDEMPOTENCY},
    report::see,
    schema,
};

/// The field an undo's reason goes in, by the catalogue's convention.
pub const REASON_FIELD: &str = "reason";

/// The reason the kit gives an undo that requires one and was given none.
const REASON: &str = "lienthong agency-check: undoing a test act";

impl Kit<'_> {
    pub(super) async fn undo(&mut self, sample: Option<&Value>, first: Option<&AgencyAnswer>) {
        let checked = &self.inputs.operation.name;
        let Some(undo) = self.inputs.agency.undo_of(checked).cloned() else {
            let why = format!(
                "the catalogue has no operation that undoes {checked} (an act with no undo) {}",
                see("8")
            );
            self.skip_undo(&why);
            return;
        };
        let (Some(sample), Some(AgencyAnswer::Done { output, .. })) = (sample, first) else {
            let answered = match first {
                Some(answer) => format!("answered {}", kind(answer)),
                None => "got no answer the engine understands".to_owned(),
            };
            self.skip_undo(&format!(
                "{checked} {answered}, not done: there is no act to undo"
            ));
            return;
        };
        let given = self.inputs.undo_sample.as_ref();
        let body = undo_body(&undo, given, output, sample);
        let problems = schema::sample_problems(&undo.request, &body, |_| false);
        if !problems.is_empty() {
            let from = if given.is_some() {
                "--undo-sample"
            } else {
                "the sample"
            };
            self.skip_undo(&format!(
                "the body made from {from} and the done answer does not match {}'s request \
                 schema ({}); give --undo-sample FILE with the fields the answer does not carry",
                undo.name,
                problems.join(";").trim()
            ));
            return;
        }
        let key = self.keys.undo_key(CHECK_STEP);
        let answer = match self.engine(&undo.name, &key, &body, false).await.0 {
            Ok(answer) => answer,
            Err(error) => {
                self.report.fail(UNDO, explain(&error));
                self.report.skip(
                    UNDO_IDEMPOTENCY,
                    "the undo got no answer the engine understands",
                );
                return;
            }
        };
        match &answer {
            AgencyAnswer::Done { output, .. } => {
                let mismatches = schema::answer_mismatches(&undo.response, output);
                if mismatches.is_empty() {
                    let note = schema::unlisted_note(&undo.response, output);
                    self.report
                        .ok(UNDO, format!("{} done under {key}{note}", undo.name));
                } else {
                    self.report.fail(
                        UNDO,
                        format!(
                            "the undo's result does not match {}'s response schema: {} {}",
                            undo.name,
                            mismatches.join("; "),
                            see("8")
                        ),
                    );
                }
            }
            AgencyAnswer::Rejected { code, .. } => self.report.fail(
                UNDO,
                format!(
                    "refused the undo of the act it just did ({code}): an undo of a done act must \
                     succeed, and succeed again when repeated {}",
                    see("8")
                ),
            ),
            other => self.report.fail(
                UNDO,
                format!(
                    "answered the undo {}: the engine counts any 2xx as undone, so answer an undo \
                     only when it is done (`answers: now`) {}",
                    kind(other),
                    see("8")
                ),
            ),
        }
        let again = match self.engine(&undo.name, &key, &body, false).await.0 {
            Ok(again) if same(&answer, &again) => again,
            Ok(again) => {
                self.report.fail(
                    UNDO_IDEMPOTENCY,
                    format!(
                        "the same undo key sent again got another answer ({}): one \
                         Idempotency-Key must be one act, replayed unchanged {}",
                        difference(&answer, &again),
                        see("4")
                    ),
                );
                return;
            }
            Err(error) => {
                self.report.fail(
                    UNDO_IDEMPOTENCY,
                    format!("the same undo key sent again: {}", explain(&error)),
                );
                return;
            }
        };
        match self.record_verdict(&key, &undo.name, &again).await {
            Ok(_) => self.report.ok(
                UNDO_IDEMPOTENCY,
                format!(
                    "sent twice, answered the same ({}), one /acts record",
                    kind(&answer)
                ),
            ),
            Err(fix) => self
                .report
                .fail(UNDO_IDEMPOTENCY, format!("the undo's /acts record: {fix}")),
        }
    }

    fn skip_undo(&mut self, why: &str) {
        self.report.skip(UNDO, why);
        self.report.skip(UNDO_IDEMPOTENCY, why);
    }
}

/// The undo's body, as a procedure's compensation would map it: `given` (`--undo-sample`) as it
/// is, then each field the undo's request lists taken from the done answer (the ids an undo
/// needs, contract §7.1), else from the operation's sample; and a `reason` when the undo
/// requires one and none was found.
fn undo_body(undo: &Operation, given: Option<&Value>, output: &Value, sample: &Value) -> Value {
    let mut body: Map<String, Value> = given
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for name in schema::property_names(&undo.request) {
        if body.contains_key(&name) {
            continue;
        }
        if let Some(value) = output.get(&name).or_else(|| sample.get(&name)) {
            body.insert(name, value.clone());
        }
    }
    let required = schema::required_names(&undo.request);
    if required.iter().any(|name| name == REASON_FIELD) && !body.contains_key(REASON_FIELD) {
        body.insert(REASON_FIELD.into(), Value::String(REASON.into()));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_undo_takes_its_ids_from_the_answer_and_is_given_a_reason() {
        let undo = Operation {
            name: "cancel".into(),
            title: lienthong_definitions::Titles {
                vi: "Hủy".into(),
                en: "Cancel".into(),
            },
            request: json!({
                "type": "object",
                "required": ["entry_id", "reason"],
                "properties": {"entry_id": {"type": "string"}, "reason": {"type": "string"}},
            }),
            response: json!({"type": "object"}),
            undoes: Some("register".into()),
            answers: lienthong_definitions::catalogue::Answers::Now,
        };
        let output = json!({"entry_id": "TT-1", "address": "x"});
        let sample = json!({"personal_id": "001"});
        assert_eq!(
            undo_body(&undo, None, &output, &sample),
            json!({"entry_id": "TT-1", "reason": REASON})
        );
        let given = json!({"reason": "mine"});
        assert_eq!(
            undo_body(&undo, Some(&given), &output, &sample),
            json!({"entry_id": "TT-1", "reason": "mine"})
        );
    }
}
