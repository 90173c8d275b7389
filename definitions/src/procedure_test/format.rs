//! The test-file format, read from YAML into typed values. Every mistake is kept with its place
//! in the document, so a malformed file is reported whole, like a definition's diagnostics.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use time::{Date, format_description::well_known::Iso8601};

use super::answer::Answer;
use super::expect::Expect;
use super::report::Problem;

/// A value together with the document path it was written at (`scenarios[1].answers.birth`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct At<T> {
    pub at: String,
    pub value: T,
}

/// One test file: the definition it tests and its scenarios.
#[derive(Debug, Clone, PartialEq)]
pub struct TestFile {
    /// The definition file as written: a path relative to the test file.
    pub definition: String,
    pub scenarios: Vec<Scenario>,
    /// The file's text, to place mistakes found while running it.
    pub(super) source: String,
}

/// One application run through the definition with the agencies' answers given.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub(super) at: String,
    pub(super) submitted_on: Option<Date>,
    pub(super) application: Value,
    /// By step id: what its agency answers, call after call.
    pub(super) answers: BTreeMap<String, At<Vec<Answer>>>,
    /// By step id: what its agency answers to the undo (done when not given).
    pub(super) undo: BTreeMap<String, At<Answer>>,
    pub(super) withdraw_after: Option<At<String>>,
    pub(super) expect: Expect,
}

/// Reads a test file's YAML; every problem found, each at its place in the document.
pub(super) fn read(root: &Value, source: &str) -> Result<TestFile, Vec<Problem>> {
    let mut reader = Reader::default();
    let file = reader.file(root, source);
    match file {
        Some(file) if reader.found.is_empty() => Ok(file),
        _ => Err(reader.found),
    }
}

/// The defaults written at the top of a file, which every scenario starts from.
#[derive(Default)]
struct Defaults {
    submitted_on: Option<Date>,
    application: Option<Value>,
    answers: BTreeMap<String, At<Vec<Answer>>>,
}

/// Reads a test file's values, keeping every problem found (`answer.rs` and `expect.rs` read
/// their parts of a scenario).
#[derive(Default)]
pub(super) struct Reader {
    found: Vec<Problem>,
    /// The scenario being read, named in its problems.
    scenario: Option<String>,
}

impl Reader {
    pub(super) fn problem(&mut self, at: &str, message: impl Into<String>) {
        self.found.push(Problem {
            at: at.to_owned(),
            scenario: self.scenario.clone(),
            message: message.into(),
        });
    }

    /// `value` as a mapping with only `allowed` keys; `what` names it in messages.
    pub(super) fn mapping<'v>(
        &mut self,
        value: &'v Value,
        at: &str,
        what: &str,
        allowed: &[&str],
    ) -> Option<&'v Map<String, Value>> {
        let Some(map) = value.as_object() else {
            self.problem(at, format!("{what} is a mapping ({})", allowed.join(", ")));
            return None;
        };
        for key in map.keys().filter(|k| !allowed.contains(&k.as_str())) {
            self.problem(
                &join(at, key),
                format!(
                    "unknown key `{key}` in {what}; expected one of {}",
                    allowed.join(", ")
                ),
            );
        }
        Some(map)
    }

    pub(super) fn text(&mut self, value: &Value, at: &str, what: &str) -> Option<String> {
        match value {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            _ => {
                self.problem(at, format!("{what} is a text"));
                None
            }
        }
    }

    fn file(&mut self, root: &Value, source: &str) -> Option<TestFile> {
        let map = self.mapping(
            root,
            "",
            "a test file",
            &[
                "definition",
                "submitted_on",
                "application",
                "answers",
                "scenarios",
            ],
        )?;
        let definition = match map.get("definition") {
            Some(value) => self.text(value, "definition", "`definition` (the definition file)"),
            None => {
                self.problem(
                    "",
                    "`definition` is missing: name the definition file, relative to this one",
                );
                None
            }
        };
        let defaults = Defaults {
            submitted_on: map
                .get("submitted_on")
                .and_then(|v| self.date(v, "submitted_on")),
            application: map
                .get("application")
                .and_then(|v| self.application(v, "application")),
            answers: map
                .get("answers")
                .map(|v| self.answers(v, "answers"))
                .unwrap_or_default(),
        };
        let scenarios = match map.get("scenarios") {
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.scenario(item, &format!("scenarios[{i}]"), &defaults))
                .collect(),
            _ => {
                self.problem(
                    "scenarios",
                    "`scenarios` is a list of at least one scenario (name, application, answers, expect)",
                );
                Vec::new()
            }
        };
        self.scenario = None;
        let mut names = BTreeSet::new();
        for scenario in &scenarios {
            if !names.insert(scenario.name.clone()) {
                self.problem(
                    &scenario.at,
                    format!("two scenarios are named `{}`", scenario.name),
                );
            }
        }
        Some(TestFile {
            definition: definition?,
            scenarios,
            source: source.to_owned(),
        })
    }

    fn date(&mut self, value: &Value, at: &str) -> Option<Date> {
        let date = value
            .as_str()
            .and_then(|s| Date::parse(s, &Iso8601::DATE).ok());
        if date.is_none() {
            self.problem(at, "`submitted_on` is a date written YYYY-MM-DD");
        }
        date
    }

    fn application(&mut self, value: &Value, at: &str) -> Option<Value> {
        if value.is_object() {
            Some(value.clone())
        } else {
            self.problem(
                at,
                "`application` is the citizen's application, a mapping of its fields",
            );
            None
        }
    }

    fn scenario(&mut self, value: &Value, at: &str, defaults: &Defaults) -> Option<Scenario> {
        self.scenario = value.get("name").and_then(Value::as_str).map(str::to_owned);
        let map = self.mapping(
            value,
            at,
            "a scenario",
            &[
                "name",
                "submitted_on",
                "application",
                "answers",
                "undo",
                "withdraw_after",
                "expect",
            ],
        )?;
        let name = match map.get("name") {
            Some(name) => self.text(name, &join(at, "name"), "a scenario's `name`"),
            None => {
                self.problem(at, "the scenario has no `name`");
                None
            }
        };
        let submitted_on = match map.get("submitted_on") {
            Some(v) => self.date(v, &join(at, "submitted_on")),
            None => defaults.submitted_on,
        };
        let application = match map.get("application") {
            Some(v) => self.application(v, &join(at, "application")),
            None if defaults.application.is_some() => defaults.application.clone(),
            None => {
                self.problem(
                    at,
                    "the scenario has no `application`: give one here or at the top of the file",
                );
                None
            }
        };
        let mut answers = defaults.answers.clone();
        if let Some(own) = map.get("answers") {
            // A step's answers in the scenario replace the file's for that step.
            answers.extend(self.answers(own, &join(at, "answers")));
        }
        let undo = map
            .get("undo")
            .map(|v| self.undo(v, &join(at, "undo")))
            .unwrap_or_default();
        let withdraw_after = map.get("withdraw_after").and_then(|v| {
            let at = join(at, "withdraw_after");
            self.text(v, &at, "`withdraw_after` (a step id)")
                .map(|value| At { at, value })
        });
        let expect = match map.get("expect") {
            Some(v) => self.expect(v, &join(at, "expect")),
            None => {
                self.problem(at, "the scenario has no `expect`");
                None
            }
        };
        Some(Scenario {
            name: name?,
            at: at.to_owned(),
            submitted_on,
            application: application?,
            answers,
            undo,
            withdraw_after,
            expect: expect?,
        })
    }
}

/// `parent.key`, the path form of [`crate::locate::Locations`].
pub(super) fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}
