use std::{fmt, str::FromStr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Stable codes for definition and catalogue problems. Agencies search documentation by these,
/// so a code is never renamed, renumbered or reused once shipped (docs/definitions.md lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DiagnosticCode {
    /// The text is not valid YAML or does not have the shape of a definition.
    Syntax,
    /// Two steps share one id.
    DuplicateStep,
    /// `needs` or a reference names a step that does not exist.
    UnknownStep,
    /// The `needs` graph has a cycle, so some steps could never start.
    Cycle,
    /// A mapping or expression reads a step that the step does not (transitively) depend on.
    UndeclaredDependency,
    /// A mapping or expression reads a field that the earlier step does not keep in its `output`.
    UnknownOutputField,
    /// A mapping reference is malformed.
    BadReference,
    /// A step that changes a register can be undone but says neither how nor that it is irreversible.
    MissingCompensation,
    /// A duration such as `10s` could not be read.
    BadDuration,
    /// A value is out of its allowed range or form.
    BadValue,
    /// A JSON Schema (application, request or response) is not a valid schema object.
    BadSchema,
    /// A step or route names an agency the catalogue does not have.
    UnknownAgency,
    /// A step, route, compensation or `undoes` names an operation the agency does not offer.
    UnknownOperation,
    /// A mapping sets a field the operation's request contract does not have.
    UnknownRequestField,
    /// A literal or an application field does not have the type the request contract wants.
    WrongType,
    /// A field the request contract requires is not in the mapping.
    MissingRequestField,
    /// `output` keeps a field the operation's response contract does not have.
    UnknownResponseField,
    /// A mapping or expression reads an application field the application schema does not have.
    UnknownApplicationField,
    /// A compensation's operation is not the one the catalogue says undoes the step's operation.
    WrongCompensation,
    /// A CEL expression does not compile, or reads or calls something it may not.
    BadExpression,
    /// A route follows one without `when`, so it can never be taken.
    UnreachableRoute,
    /// Two agencies, or two operations of one agency, share a name.
    DuplicateName,
    /// The `form:` section names an application field, a choice or a step's result the
    /// procedure does not have, or a group of fields as if it were one.
    UnknownFormField,
}

impl DiagnosticCode {
    /// Every code, in number order.
    pub const ALL: [DiagnosticCode; 23] = [
        Self::Syntax,
        Self::DuplicateStep,
        Self::UnknownStep,
        Self::Cycle,
        Self::UndeclaredDependency,
        Self::UnknownOutputField,
        Self::BadReference,
        Self::MissingCompensation,
        Self::BadDuration,
        Self::BadValue,
        Self::BadSchema,
        Self::UnknownAgency,
        Self::UnknownOperation,
        Self::UnknownRequestField,
        Self::WrongType,
        Self::MissingRequestField,
        Self::UnknownResponseField,
        Self::UnknownApplicationField,
        Self::WrongCompensation,
        Self::BadExpression,
        Self::UnreachableRoute,
        Self::DuplicateName,
        Self::UnknownFormField,
    ];

    /// The stable text form, e.g. `LT012`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Syntax => "LT001",
            Self::DuplicateStep => "LT002",
            Self::UnknownStep => "LT003",
            Self::Cycle => "LT004",
            Self::UndeclaredDependency => "LT005",
            Self::UnknownOutputField => "LT006",
            Self::BadReference => "LT007",
            Self::MissingCompensation => "LT008",
            Self::BadDuration => "LT009",
            Self::BadValue => "LT010",
            Self::BadSchema => "LT011",
            Self::UnknownAgency => "LT012",
            Self::UnknownOperation => "LT013",
            Self::UnknownRequestField => "LT014",
            Self::WrongType => "LT015",
            Self::MissingRequestField => "LT016",
            Self::UnknownResponseField => "LT017",
            Self::UnknownApplicationField => "LT018",
            Self::WrongCompensation => "LT019",
            Self::BadExpression => "LT020",
            Self::UnreachableRoute => "LT021",
            Self::DuplicateName => "LT022",
            Self::UnknownFormField => "LT023",
        }
    }
}

impl fmt::Display for DiagnosticCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text names no diagnostic code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a diagnostic code (LT001 to LT023)")]
pub struct UnknownCode(pub String);

impl FromStr for DiagnosticCode {
    type Err = UnknownCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| UnknownCode(s.to_owned()))
    }
}

impl Serialize for DiagnosticCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DiagnosticCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One problem found in a definition or catalogue file, located like a compiler message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: DiagnosticCode,
    /// Where in the document, as a dotted path (`steps[1].input.personal_id`); empty for the
    /// whole document.
    pub path: String,
    /// 1-based line and column in the YAML text: of the node itself, or of its nearest enclosing
    /// node when the node is missing (a required key left out points at its parent). Always
    /// `Some` in what this crate returns; optional for diagnostics built elsewhere.
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
    /// What to do about it, when there is something specific: "did you mean `birth`?".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Another place the problem involves: the first definition of a duplicate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<Related>,
}

/// A second place in the text a diagnostic points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub path: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " at {line}:{column}")?;
        }
        if !self.path.is_empty() {
            write!(f, " ({})", self.path)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, " ({help})")?;
        }
        Ok(())
    }
}

/// Every problem found at once: the parser never stops at the first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{} problem(s): {}", .0.len(), first(.0))]
#[serde(transparent)]
pub struct Diagnostics(pub Vec<Diagnostic>);

fn first(all: &[Diagnostic]) -> String {
    all.first().map(ToString::to_string).unwrap_or_default()
}

/// A problem before it is located in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub code: DiagnosticCode,
    pub path: String,
    pub message: String,
    pub help: Option<String>,
    /// (path, message) of another place involved.
    pub related: Option<(String, String)>,
}

impl Problem {
    /// Adds what to do about it, if there is anything specific.
    pub fn help(&mut self, help: Option<String>) -> &mut Self {
        self.help = help;
        self
    }

    /// Points at another place involved, e.g. the first definition of a duplicate.
    pub fn related(&mut self, path: impl Into<String>, message: impl Into<String>) -> &mut Self {
        self.related = Some((path.into(), message.into()));
        self
    }
}

/// Collects problems while a document is checked.
#[derive(Debug, Default)]
pub(crate) struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn push(
        &mut self,
        code: DiagnosticCode,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.add(code, path, message);
    }

    /// Like [`Self::push`], returning the problem to add a hint or a related place to.
    pub fn add(
        &mut self,
        code: DiagnosticCode,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Problem {
        let index = self.0.len();
        self.0.push(Problem {
            code,
            path: path.into(),
            message: message.into(),
            help: None,
            related: None,
        });
        &mut self.0[index]
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Places every problem in `text`, ordered as they appear in it.
    pub fn located(self, text: &str) -> Diagnostics {
        let places = crate::locate::Locations::of(text);
        let mut all: Vec<Diagnostic> = self
            .0
            .into_iter()
            .map(|p| {
                let (line, column) = places.find(&p.path);
                let related = p.related.map(|(path, message)| {
                    let (line, column) = places.find(&path);
                    Related {
                        path,
                        line,
                        column,
                        message,
                    }
                });
                Diagnostic {
                    code: p.code,
                    path: p.path,
                    line: Some(line),
                    column: Some(column),
                    message: p.message,
                    help: p.help,
                    related,
                }
            })
            .collect();
        all.sort_by_key(|d| (d.line, d.column, d.code));
        all.dedup();
        Diagnostics(all)
    }
}

/// A YAML error from serde-saphyr, as one located diagnostic.
pub(crate) fn syntax(error: &serde_saphyr::Error) -> Diagnostics {
    let (line, column) = error
        .location()
        .map_or((1, 1), |at| (at.line().max(1), at.column().max(1)));
    let (message, help) = plain(syntax_message(error));
    Diagnostics(vec![Diagnostic {
        code: DiagnosticCode::Syntax,
        path: String::new(),
        line: Some(line),
        column: Some(column),
        message,
        help,
        related: None,
    }])
}

/// The YAML parser's words for the mistakes people make most, in plain words, with a hint.
fn plain(message: String) -> (String, Option<String>) {
    if message.starts_with("tabs disallowed") {
        return (
            "a tab is used to indent this line; YAML indents with spaces only".to_owned(),
            Some("replace the tab with spaces".to_owned()),
        );
    }
    if message.starts_with("mapping values are not allowed") {
        return (
            "this `key: value` does not line up with the keys around it".to_owned(),
            Some(
                "check this line's indentation: keys of one mapping start in the same column, \
                 and a value on its own line is indented under its key"
                    .to_owned(),
            ),
        );
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest).trim();
        return (
            format!("`{key}` is given twice in the same mapping"),
            Some("keep one of them".to_owned()),
        );
    }
    if let Some(rest) = message.strip_prefix("unknown field `")
        && let Some((field, expected)) = rest.split_once("`, expected one of ")
    {
        let keys: Vec<&str> = expected.split(", ").map(str::trim).collect();
        return (
            format!(
                "`{field}` is not a key here; the keys here are: {}",
                keys.join(", ")
            ),
            crate::names::did_you_mean(field, keys.iter().copied()),
        );
    }
    (message, None)
}

fn syntax_message(error: &serde_saphyr::Error) -> String {
    // The parser's first line names the problem; its position prefix repeats line and column.
    let text = error.to_string();
    let first = text.lines().next().unwrap_or("invalid YAML");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    let without_place = match first.strip_prefix("line ") {
        Some(rest) => rest.split_once(": ").map_or(first, |(_, message)| message),
        None => first,
    };
    without_place.to_owned()
}
