use std::fmt;

/// Stable codes for definition problems. Agencies search documentation by these, so a code is
/// never renamed or reused once shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagnosticCode {
    /// The text is not valid YAML or does not have the shape of a definition.
    Syntax,
    /// Two steps share one id.
    DuplicateStep,
    /// `needs` or a mapping names a step that does not exist.
    UnknownStep,
    /// The `needs` graph has a cycle, so some steps could never start.
    Cycle,
    /// A mapping reads an earlier step that the step does not (transitively) depend on.
    UndeclaredDependency,
    /// A mapping reads a field that the earlier step does not keep in its `output`.
    UnknownOutputField,
    /// A mapping reference is malformed.
    BadReference,
    /// A step that changes a register can be undone but says neither how nor that it is irreversible.
    MissingCompensation,
    /// A duration such as `10s` could not be read.
    BadDuration,
    /// A value is out of its allowed range or form.
    BadValue,
    /// The application schema is not a JSON Schema object.
    BadSchema,
}

impl DiagnosticCode {
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
        }
    }
}

/// One problem found in a definition, located like a compiler message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: DiagnosticCode,
    /// Where in the document, as a dotted path (`steps[1].input.personal_id`).
    pub path: String,
    /// 1-based line and column, when the YAML parser could tell.
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

impl Diagnostic {
    pub(crate) fn new(
        code: DiagnosticCode,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code,
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code.as_str())?;
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " at {line}:{column}")?;
        }
        if !self.path.is_empty() {
            write!(f, " ({})", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Every problem found at once: the parser never stops at the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} problem(s) in the definition: {}", .0.len(), first(.0))]
pub struct Diagnostics(pub Vec<Diagnostic>);

fn first(all: &[Diagnostic]) -> String {
    all.first().map(ToString::to_string).unwrap_or_default()
}
