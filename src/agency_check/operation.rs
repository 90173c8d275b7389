//! The operation's checks: `/acts` before the first call, the call through the engine's own
//! client, the done answer against the `response` schema, the same key sent again, and the
//! `/acts` record afterwards.

use std::time::Duration;

use lienthong_workflows::AgencyAnswer;
use serde_json::Value;

use super::{
    answers::{self, difference, explain, kind, same},
    kit::{ACTS_BEFORE, CHECK_STEP, IDEMPOTENCY, Kit, OPERATION, RECORD, RESPONSE},
    probe::Signing,
    report::see,
    schema,
};

/// How long an operation may take to answer (contract §11).
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

impl Kit<'_> {
    pub(super) async fn acts_before(&mut self) {
        let key = self.keys.key(CHECK_STEP);
        match self.probe.act(&key, Signing::Engine).await {
            Ok(reply) if reply.status == 404 => self
                .report
                .ok(ACTS_BEFORE, "answered 404 for a key never sent"),
            Ok(reply) => {
                let fix = acts_status_fix(reply.status, "a key never sent");
                self.report.fail(ACTS_BEFORE, fix);
            }
            Err(error) => self.report.fail(ACTS_BEFORE, format!("GET /acts: {error}")),
        }
    }

    /// Calls the operation with the sample through the engine's own client.
    pub(super) async fn operation(&mut self, sample: &Value) -> Option<AgencyAnswer> {
        let operation = &self.inputs.operation;
        let key = self.keys.key(CHECK_STEP);
        let (result, elapsed) = self.engine(&operation.name, &key, sample, false).await;
        let answer = match result {
            Ok(answer) => answer,
            Err(error) => {
                self.report.fail(OPERATION, explain(&error));
                return None;
            }
        };
        let mut problems = Vec::new();
        match &answer {
            AgencyAnswer::Pending { reference } if reference.is_empty() => problems.push(format!(
                "answered pending without a `reference` (your receipt number) {}",
                see("7.6")
            )),
            AgencyAnswer::Pending { .. }
                if operation.answers == lienthong_definitions::catalogue::Answers::Now =>
            {
                problems.push(format!(
                    "answered pending, but the entry says `answers: now`: declare `answers: later` \
                     {}",
                    see("2")
                ))
            }
            AgencyAnswer::DocumentsRequired { documents, .. } if !documents_listed(documents) => {
                problems.push(format!(
                    "answered documents_required without `documents: [{{code, title}}, …]` (at \
                     least one, each code UPPER_SNAKE) {}",
                    see("7.5")
                ))
            }
            _ => {}
        }
        if elapsed > ANSWER_WITHIN {
            problems.push(format!(
                "answered in {:.1} s: answer within 3 s, or 202 pending and call back {}",
                elapsed.as_secs_f64(),
                see("11")
            ));
        }
        if problems.is_empty() {
            let ms = elapsed.as_millis();
            let what = match &answer {
                AgencyAnswer::Rejected { .. } => format!(
                    "{} in {ms} ms (an answer the engine understands; the checks of a done answer \
                     need a sample your test system accepts)",
                    kind(&answer)
                ),
                _ => format!(
                    "{} in {ms} ms, through the engine's own client",
                    kind(&answer)
                ),
            };
            self.report.ok(OPERATION, what);
        } else {
            self.report.fail(OPERATION, problems.join("; "));
        }
        Some(answer)
    }

    pub(super) fn response_schema(&mut self, first: Option<&AgencyAnswer>) {
        let operation = &self.inputs.operation;
        let Some(AgencyAnswer::Done { output, .. }) = first else {
            let why = match first {
                Some(answer) => format!(
                    "the answer was {}: only a done answer has a result",
                    kind(answer)
                ),
                None => "the call got no answer the engine understands".to_owned(),
            };
            self.report.skip(RESPONSE, why);
            return;
        };
        let mismatches = schema::answer_mismatches(&operation.response, output);
        if mismatches.is_empty() {
            self.report.ok(
                RESPONSE,
                format!(
                    "the result matches {}'s response schema{}",
                    operation.name,
                    schema::unlisted_note(&operation.response, output)
                ),
            );
        } else {
            self.report.fail(
                RESPONSE,
                format!(
                    "the result does not match {}'s response schema: {}; answer exactly what \
                     `response` describes, or correct the entry {}",
                    operation.name,
                    mismatches.join("; "),
                    see("7.1")
                ),
            );
        }
    }

    pub(super) async fn idempotency(&mut self, sample: &Value, first: Option<&AgencyAnswer>) {
        let Some(first) = first else {
            self.report
                .skip(IDEMPOTENCY, "the call got no answer the engine understands");
            return;
        };
        let operation = &self.inputs.operation.name;
        let key = self.keys.key(CHECK_STEP);
        match self.engine(operation, &key, sample, false).await.0 {
            Ok(again) if same(first, &again) => self.report.ok(
                IDEMPOTENCY,
                format!(
                    "the same key sent again answered the same ({})",
                    kind(first)
                ),
            ),
            Ok(again) => self.report.fail(
                IDEMPOTENCY,
                format!(
                    "the same key sent again got another answer ({}): it was acted on twice; one \
                     Idempotency-Key must be one act, so record the act with its answer under the \
                     key and replay that status and body unchanged {}",
                    difference(first, &again),
                    see("4")
                ),
            ),
            Err(error) => self.report.fail(
                IDEMPOTENCY,
                format!(
                    "the same key sent again: {}; a repeat replays the recorded answer {}",
                    explain(&error),
                    see("4")
                ),
            ),
        }
    }

    pub(super) async fn record(&mut self, first: Option<&AgencyAnswer>) {
        let Some(first) = first else {
            self.report
                .skip(RECORD, "the call got no answer the engine understands");
            return;
        };
        let key = self.keys.key(CHECK_STEP);
        let operation = self.inputs.operation.name.clone();
        match self.record_verdict(&key, &operation, first).await {
            Ok(what) => self.report.ok(RECORD, what),
            Err(fix) => self.report.fail(RECORD, fix),
        }
    }

    /// Whether `/acts/{key}` shows exactly the record of a call answered `first`, read raw and
    /// read as the engine reads it before a retry.
    pub(super) async fn record_verdict(
        &self,
        key: &str,
        operation: &str,
        first: &AgencyAnswer,
    ) -> Result<String, String> {
        let reply = self
            .probe
            .act(key, Signing::Engine)
            .await
            .map_err(|error| format!("GET /acts: {error}"))?;
        let must_record = matches!(
            first,
            AgencyAnswer::Done { .. } | AgencyAnswer::Pending { .. }
        );
        match reply.status {
            404 if must_record => {
                return Err(format!(
                    "answered 404 for the act just answered {}: the engine would send it again on \
                     a retry and never undo it; record every act and accepted dossier under its \
                     key, and decode %2F in /acts/{{key}} {}",
                    kind(first),
                    see("5")
                ));
            }
            404 => {
                return Ok(format!(
                    "no record for a {} answer (allowed) {}",
                    kind(first),
                    see("4")
                ));
            }
            200..=299 => {}
            status => return Err(acts_status_fix(status, "the act just answered")),
        }
        let mut problems = answers::record_problems(reply.json.as_ref(), key, operation, first);
        match self.engine(operation, key, &Value::Null, true).await.0 {
            Ok(read) if same(first, &read) => {}
            Ok(read) => problems.push(format!(
                "the engine, asking before a retry, would read it as {}",
                kind(&read)
            )),
            // A 2xx whose body is not a record with a numeric `status_code`.
            Err(lienthong_activities::CallError::BadActRecord { .. }) => problems.push(
                "the engine, asking before a retry, cannot read it and asks again without end"
                    .into(),
            ),
            Err(error) => problems.push(format!(
                "the engine, asking before a retry, would get: {}",
                explain(&error)
            )),
        }
        if problems.is_empty() {
            let status = reply
                .json
                .as_ref()
                .and_then(|r| r.get("status_code"))
                .map(Value::to_string)
                .unwrap_or_default();
            Ok(format!(
                "one record, {status} and the same body, under the key decoded once; the engine \
                 reads it as the same answer"
            ))
        } else {
            Err(format!(
                "{}; answer {{\"idempotency_key\", \"operation\", \"status_code\": <number>, \
                 \"response\": <the exact body answered>}} {}",
                problems.join("; "),
                see("5")
            ))
        }
    }
}

/// What a wrong status on `GET /acts/{key}` means to the engine, and what to do.
fn acts_status_fix(status: u16, what: &str) -> String {
    match status {
        200..=299 => format!(
            "answered {status} for {what}: look up the exact key, decoded once, and answer 404 \
             when there is no record {}",
            see("5")
        ),
        401 | 403 => format!(
            "refused the engine's signed GET /acts with {status}: both sides must hold the same \
             secret, and the signature covers the path as sent, still encoded \
             (/acts/CK-…%2Fcheck), and an empty body {}",
            see("9")
        ),
        404 => format!("answered 404 for {what} {}", see("5")),
        400..=499 => format!(
            "answered {status} for {what}, which the engine reads as a refusal of the act: accept \
             a key with %2F as one path segment, and answer 404 when there is no record {}",
            see("5")
        ),
        _ => format!(
            "answered {status} for {what}: the engine asks again later and sends no retry until \
             it answers {}",
            see("5")
        ),
    }
}

/// `documents: [{code, title}, …]`, at least one, each code `UPPER_SNAKE`.
fn documents_listed(documents: &Value) -> bool {
    documents.as_array().is_some_and(|list| {
        !list.is_empty()
            && list.iter().all(|d| {
                d.get("code")
                    .and_then(Value::as_str)
                    .is_some_and(super::refusal::is_code)
                    && d.get("title").is_some_and(Value::is_string)
            })
    })
}
