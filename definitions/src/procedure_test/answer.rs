//! The answers a test gives for an agency: what each kind means, and reading them from the file.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::format::{At, Reader, join};

const ANSWER_KINDS: &str = "done, refused, documents_required, pending, unavailable, not_done";

/// What an agency answers one call.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Answer {
    /// The act is done; the agency's answer body.
    Done(Value),
    Refused(Refusal),
    DocumentsRequired {
        documents: Value,
        message: Option<String>,
        /// Whether the citizen supplies them (the step is sent again) or lets the time pass.
        supplied: bool,
    },
    /// Accepted; an officer decides later.
    Pending {
        reference: Option<String>,
        then: Decided,
    },
    /// Every attempt failed: the agency was down for the whole retry window.
    Unavailable,
    /// The agency has no record of the act (only an answer to "did you act?").
    NotDone,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Refusal {
    pub code: String,
    pub message: Option<String>,
}

/// A decision called back after `pending`.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Decided {
    Done(Value),
    Refused(Refusal),
}

impl Reader {
    pub(super) fn answers(&mut self, value: &Value, at: &str) -> BTreeMap<String, At<Vec<Answer>>> {
        let Some(map) = value.as_object() else {
            self.problem(
                at,
                "`answers` maps each step id to the answers its agency gives, in order",
            );
            return BTreeMap::new();
        };
        map.iter()
            .map(|(step, listed)| {
                let at = join(at, step);
                let answers = match listed {
                    Value::Array(items) => items
                        .iter()
                        .enumerate()
                        .filter_map(|(i, item)| self.answer(item, &format!("{at}[{i}]")))
                        .collect(),
                    one => self.answer(one, &at).into_iter().collect(),
                };
                (step.clone(), At { at, value: answers })
            })
            .collect()
    }

    pub(super) fn undo(&mut self, value: &Value, at: &str) -> BTreeMap<String, At<Answer>> {
        let Some(map) = value.as_object() else {
            self.problem(
                at,
                "`undo` maps a step id to what its agency answers the undo",
            );
            return BTreeMap::new();
        };
        let mut undo = BTreeMap::new();
        for (step, answer) in map {
            let at = join(at, step);
            match self.answer(answer, &at) {
                Some(value @ (Answer::Done(_) | Answer::Refused(_))) => {
                    undo.insert(step.clone(), At { at, value });
                }
                Some(_) => self.problem(
                    &at,
                    "an undo is retried until its agency answers: give `done: {…}` or `refused: {code, message}`",
                ),
                None => {}
            }
        }
        undo
    }

    fn answer(&mut self, value: &Value, at: &str) -> Option<Answer> {
        let (kind, content) = match value {
            Value::String(kind) => (kind.as_str(), &Value::Null),
            Value::Object(map) if map.len() == 1 => {
                let (kind, content) = map.iter().next()?;
                (kind.as_str(), content)
            }
            Value::Object(map) => {
                let kinds: Vec<&str> = map.keys().map(String::as_str).collect();
                self.problem(
                    at,
                    format!(
                        "an answer has exactly one kind ({ANSWER_KINDS}); found {}",
                        if kinds.is_empty() {
                            "none".to_owned()
                        } else {
                            kinds.join(", ")
                        }
                    ),
                );
                return None;
            }
            _ => {
                self.problem(
                    at,
                    format!("an answer is one of {ANSWER_KINDS}, e.g. `done: {{field: value}}`"),
                );
                return None;
            }
        };
        let inner = join(at, kind);
        match kind {
            "done" => self.done(content, &inner).map(Answer::Done),
            "refused" => self.refusal(content, &inner).map(Answer::Refused),
            "documents_required" => self.documents(content, &inner),
            "pending" => self.pending(content, &inner),
            "unavailable" | "not_done" if content.is_null() => Some(if kind == "unavailable" {
                Answer::Unavailable
            } else {
                Answer::NotDone
            }),
            "unavailable" | "not_done" => {
                self.problem(&inner, format!("`{kind}` takes nothing: write `- {kind}`"));
                None
            }
            other => {
                self.problem(
                    &inner,
                    format!("unknown answer kind `{other}`; expected one of {ANSWER_KINDS}"),
                );
                None
            }
        }
    }

    fn done(&mut self, content: &Value, at: &str) -> Option<Value> {
        match content {
            Value::Object(_) => Some(content.clone()),
            Value::Null => Some(Value::Object(Map::new())),
            _ => {
                self.problem(
                    at,
                    "`done` gives the agency's answer fields: `done: {field: value}`",
                );
                None
            }
        }
    }

    fn refusal(&mut self, content: &Value, at: &str) -> Option<Refusal> {
        let map = self.mapping(content, at, "`refused`", &["code", "message"])?;
        let code = match map.get("code") {
            Some(code) => self.text(code, &join(at, "code"), "a refusal's `code`"),
            None => {
                self.problem(at, "`refused` needs the agency's `code`");
                None
            }
        };
        let message = match map.get("message") {
            Some(message) => Some(self.text(message, &join(at, "message"), "`message`")?),
            None => None,
        };
        Some(Refusal {
            code: code?,
            message,
        })
    }

    fn documents(&mut self, content: &Value, at: &str) -> Option<Answer> {
        let map = self.mapping(
            content,
            at,
            "`documents_required`",
            &["documents", "message", "then"],
        )?;
        let documents = map
            .get("documents")
            .cloned()
            .unwrap_or(Value::Array(Vec::new()));
        let message = match map.get("message") {
            Some(message) => Some(self.text(message, &join(at, "message"), "`message`")?),
            None => None,
        };
        let supplied = match map.get("then").and_then(Value::as_str) {
            Some("supplied") => true,
            Some("not_supplied") => false,
            _ => {
                self.problem(
                    &join(at, "then"),
                    "`then` says what the citizen does: `supplied` (the step is sent again) or `not_supplied` (the time to answer passes)",
                );
                return None;
            }
        };
        Some(Answer::DocumentsRequired {
            documents,
            message,
            supplied,
        })
    }

    fn pending(&mut self, content: &Value, at: &str) -> Option<Answer> {
        let map = self.mapping(content, at, "`pending`", &["reference", "then"])?;
        let reference = match map.get("reference") {
            Some(r) => Some(self.text(r, &join(at, "reference"), "`reference`")?),
            None => None,
        };
        let then_at = join(at, "then");
        // Only a decision is read here, never another answer, so nesting cannot go deep.
        let decision = map
            .get("then")
            .and_then(Value::as_object)
            .filter(|m| m.len() == 1)
            .and_then(|m| m.iter().next());
        let then = match decision {
            Some((kind, content)) if kind == "done" => {
                Decided::Done(self.done(content, &join(&then_at, kind))?)
            }
            Some((kind, content)) if kind == "refused" => {
                Decided::Refused(self.refusal(content, &join(&then_at, kind))?)
            }
            _ => {
                self.problem(
                    &then_at,
                    "`then` is the decision the agency sends later: `done: {…}` or `refused: {code, message}`",
                );
                return None;
            }
        };
        Some(Answer::Pending { reference, then })
    }
}
