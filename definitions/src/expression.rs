//! CEL expressions in definitions: step conditions, route conditions, computed mapping values and
//! application rules.
//!
//! An expression sees two variables: `application` (the citizen's application) and `steps` (each
//! succeeded step's kept outputs, by step id). It may call only the functions in [`FUNCTIONS`],
//! none of which reads a clock or anything else outside its inputs, so the same case state always
//! gives the same answer, as a replayed workflow needs. Every expression is compiled when the
//! definition is parsed; what it reads is checked against the application schema and the step
//! graph there too.

use std::{collections::BTreeMap, collections::HashMap, fmt, sync::Arc};

use cel::{
    Context, ExecutionError, Program,
    common::ast::{Expr, IdedExpr},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::StepId;

/// Functions an expression may call, besides operators and the macros `has`, `all`, `exists`,
/// `exists_one`, `map` and `filter`.
pub const FUNCTIONS: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "type",
    "dyn",
];

/// Longest expression accepted, in characters. The CEL parser recurses on the nesting it reads;
/// these limits keep every accepted expression far from the end of a thread's stack.
pub const MAX_LENGTH: usize = 500;
/// Deepest nesting of brackets, parentheses and braces accepted.
pub const MAX_NESTING: usize = 8;
/// Deepest tree of operations accepted (`a.b.c` is 3 deep, `x + y + z` is 3): the evaluator
/// recurses once per level.
pub const MAX_DEPTH: usize = 32;

/// Type names an expression may use as values, as in `type(x) == string`.
const TYPE_NAMES: &[&str] = &[
    "int",
    "uint",
    "double",
    "string",
    "bool",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
];

/// A CEL expression, kept as its source text so a definition stays plain data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Expression(String);

/// What an expression may read from.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub application: &'a Value,
    pub steps: &'a BTreeMap<StepId, Value>,
}

/// Why an expression was refused when the definition was read: every problem found, in words an
/// administrator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.join("; "))]
pub struct InvalidExpression {
    pub problems: Vec<String>,
}

/// Why an expression could not be evaluated. The text names types and functions, never values,
/// so it can be shown and logged without carrying personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the expression `{expression}` could not be evaluated: {reason}")]
pub struct EvaluationError {
    pub expression: String,
    pub reason: String,
}

/// Something an expression reads, found when it is compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Read {
    /// `application.a.b`: the field path, at least one field.
    Application(Vec<String>),
    /// `steps.s.f`, or `has(steps.s)` with no field.
    Step { step: String, field: Option<String> },
}

impl fmt::Display for Read {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Read::Application(fields) => write!(f, "application.{}", fields.join(".")),
            Read::Step { step, field: None } => write!(f, "steps.{step}"),
            Read::Step {
                step,
                field: Some(field),
            } => write!(f, "steps.{step}.{field}"),
        }
    }
}

impl Expression {
    /// Compiles `source` and checks that it uses only `application`, `steps` and [`FUNCTIONS`],
    /// within [`MAX_LENGTH`], [`MAX_NESTING`] and [`MAX_DEPTH`].
    pub fn new(source: &str) -> Result<Self, InvalidExpression> {
        let expression = Self(source.trim().to_owned());
        expression.reads()?;
        Ok(expression)
    }

    pub fn source(&self) -> &str {
        &self.0
    }

    /// Everything the expression reads, or what is wrong with it.
    pub(crate) fn reads(&self) -> Result<Vec<Read>, InvalidExpression> {
        let program = compile(&self.0).map_err(|e| InvalidExpression { problems: vec![e] })?;
        let mut walk = Walk::default();
        walk.expr(program.expression());
        if walk.problems.is_empty() {
            Ok(walk.reads)
        } else {
            walk.problems.dedup();
            Err(InvalidExpression {
                problems: walk.problems,
            })
        }
    }

    /// The value, or `None` when it reads something absent: an optional field left out, or a
    /// step that did not run.
    pub fn evaluate(&self, scope: &Scope<'_>) -> Result<Option<Value>, EvaluationError> {
        let fail = |reason: String| EvaluationError {
            expression: self.0.clone(),
            reason,
        };
        let program = compile(&self.0).map_err(fail)?;
        let mut context = Context::default();
        context.add_variable_from_value("application", to_cel(scope.application));
        let steps: HashMap<String, cel::Value> = scope
            .steps
            .iter()
            .map(|(id, output)| (id.0.clone(), to_cel(output)))
            .collect();
        context.add_variable_from_value("steps", steps);
        match program.execute(&context) {
            Ok(value) => value
                .json()
                .map(Some)
                .map_err(|_| fail("its value cannot be written as JSON".into())),
            Err(ExecutionError::NoSuchKey(_)) => Ok(None),
            Err(error) => Err(fail(describe(&error))),
        }
    }

    /// Whether a condition holds. Something absent makes it not hold, so `when:
    /// application.requested.x` is false when `requested.x` was left out.
    pub fn holds(&self, scope: &Scope<'_>) -> Result<bool, EvaluationError> {
        match self.evaluate(scope)? {
            None => Ok(false),
            Some(Value::Bool(holds)) => Ok(holds),
            Some(_) => Err(EvaluationError {
                expression: self.0.clone(),
                reason: "a condition must give true or false".into(),
            }),
        }
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The macros expressions may use besides [`FUNCTIONS`].
const MACROS: &[&str] = &["has", "all", "exists", "exists_one", "map", "filter"];

/// What a writer used to other languages most likely meant, in plain words, for the mistakes
/// CEL's parser words least helpfully.
fn plain_mistake(source: &str) -> Option<String> {
    let chars: Vec<char> = source.chars().collect();
    let lone_equals = chars.iter().enumerate().any(|(i, c)| {
        *c == '='
            && !matches!(
                i.checked_sub(1).map(|j| chars[j]),
                Some('=' | '!' | '<' | '>')
            )
            && chars.get(i + 1) != Some(&'=')
    });
    if lone_equals {
        return Some(
            "it compares with `=`; CEL compares with `==` (and `!=`, `<`, `<=`, `>`, `>=`)".into(),
        );
    }
    let words: Vec<&str> = source
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    for (word, operator) in [("and", "&&"), ("or", "||"), ("not", "!")] {
        if words.contains(&word) {
            return Some(format!(
                "`{word}` is not a CEL operator: write `{operator}` (conditions combine with `&&`, `||` and `!`)"
            ));
        }
    }
    None
}

fn compile(source: &str) -> Result<Program, String> {
    let length = source.chars().count();
    if length > MAX_LENGTH {
        return Err(format!(
            "it is {length} characters long; an expression may have at most {MAX_LENGTH}: split the rule, or move the work into the agency"
        ));
    }
    if nesting(source) > MAX_NESTING {
        return Err(format!("it nests brackets more than {MAX_NESTING} deep"));
    }
    let program = Program::compile(source).map_err(|errors| {
        if let Some(plain) = plain_mistake(source) {
            return plain;
        }
        let described: Vec<String> = errors
            .errors
            .iter()
            .map(|e| format!("column {}: {}", e.pos.1, e.msg))
            .collect();
        if described.is_empty() {
            "it is not a valid CEL expression".to_owned()
        } else {
            format!(
                "it is not a valid CEL expression ({})",
                described.join("; ")
            )
        }
    })?;
    if depth(program.expression()) > MAX_DEPTH {
        return Err(format!(
            "it chains more than {MAX_DEPTH} operations into one another; split it into simpler conditions"
        ));
    }
    Ok(program)
}

/// The depth of the tree, walked without recursion.
fn depth(root: &IdedExpr) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(root, 1usize)];
    while let Some((node, level)) = stack.pop() {
        deepest = deepest.max(level);
        let next = level + 1;
        match &node.expr {
            Expr::Call(call) => {
                stack.extend(call.target.iter().map(|t| (&**t, next)));
                stack.extend(call.args.iter().map(|a| (a, next)));
            }
            Expr::Select(select) => stack.push((&select.operand, next)),
            Expr::Comprehension(c) => stack.extend(
                [
                    &c.iter_range,
                    &c.accu_init,
                    &c.loop_cond,
                    &c.loop_step,
                    &c.result,
                ]
                .into_iter()
                .map(|e| (e, next)),
            ),
            Expr::List(list) => stack.extend(list.elements.iter().map(|e| (e, next))),
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(entry) = &entry.expr {
                        stack.push((&entry.key, next));
                        stack.push((&entry.value, next));
                    }
                }
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    if let cel::common::ast::EntryExpr::StructField(field) = &entry.expr {
                        stack.push((&field.value, next));
                    }
                }
            }
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        }
    }
    deepest
}

/// How deep brackets nest outside string literals (quotes are tracked roughly: a miscount can
/// only refuse an expression, never let a deeper one through).
fn nesting(source: &str) -> usize {
    let (mut depth, mut deepest, mut quote, mut escaped) = (0usize, 0usize, None, false);
    for c in source.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '(' | '[' | '{' => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                ')' | ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
    }
    deepest
}

/// The runtime error in words without the values involved.
fn describe(error: &ExecutionError) -> String {
    match error {
        ExecutionError::NoSuchOverload(overload) => overload.to_string(),
        ExecutionError::UnexpectedType { got, want } => {
            format!("got a {got} where a {want} is needed")
        }
        ExecutionError::UnsupportedBinaryOperator(operator, ..) => {
            format!("`{operator}` does not apply to values of these types")
        }
        ExecutionError::ValuesNotComparable(..) => "compared values of different types".into(),
        ExecutionError::DivisionByZero(_) | ExecutionError::RemainderByZero(_) => {
            "division by zero".into()
        }
        ExecutionError::Overflow(operator, ..) => format!("`{operator}` overflowed"),
        ExecutionError::IndexOutOfBounds(_) => "a list index is out of bounds".into(),
        ExecutionError::UndeclaredReference(name) => format!("`{name}` is not known"),
        ExecutionError::FunctionError { function, .. } => format!("`{function}` failed"),
        _ => "it failed while running".into(),
    }
}

/// JSON to CEL, with every integer that fits as `int`, so `application.n + 1` works as written.
fn to_cel(value: &Value) -> cel::Value {
    match value {
        Value::Null => cel::Value::Null,
        Value::Bool(b) => cel::Value::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => cel::Value::Int(i),
            (None, Some(u)) => cel::Value::UInt(u),
            _ => cel::Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => cel::Value::String(Arc::new(s.clone())),
        Value::Array(items) => cel::Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Value::Object(map) => {
            let map: HashMap<String, cel::Value> =
                map.iter().map(|(k, v)| (k.clone(), to_cel(v))).collect();
            cel::Value::from(map)
        }
    }
}

/// Walks the compiled tree once, collecting what it reads and what it may not do.
#[derive(Default)]
struct Walk {
    /// Variables bound by comprehensions (`x` in `list.exists(x, ...)`), innermost last.
    bound: Vec<String>,
    reads: Vec<Read>,
    problems: Vec<String>,
}

impl Walk {
    fn expr(&mut self, node: &IdedExpr) {
        if let Some((root, fields, presence)) = chain(node)
            && !self.bound.iter().any(|b| b == root)
            && (root == "application" || root == "steps")
        {
            self.read(root, fields, presence);
            return;
        }
        match &node.expr {
            Expr::Ident(name) => self.ident(name),
            Expr::Select(select) => self.expr(&select.operand),
            Expr::Call(call) => {
                let operator = call.func_name.starts_with('_')
                    || call.func_name.starts_with('@')
                    || call.func_name.ends_with('_');
                if !operator && !FUNCTIONS.contains(&call.func_name.as_str()) {
                    let near = crate::names::did_you_mean(
                        &call.func_name,
                        FUNCTIONS.iter().copied().chain(MACROS.iter().copied()),
                    )
                    .map(|hint| format!(" ({hint})"))
                    .unwrap_or_default();
                    self.problems.push(format!(
                        "`{}` is not a function expressions may use{near}; they may use {} and the macros {}",
                        call.func_name,
                        FUNCTIONS.join(", "),
                        MACROS.join(", ")
                    ));
                }
                if let Some(target) = &call.target {
                    self.expr(target);
                }
                for arg in &call.args {
                    self.expr(arg);
                }
            }
            Expr::Comprehension(c) => {
                self.expr(&c.iter_range);
                self.expr(&c.accu_init);
                let depth = self.bound.len();
                self.bound.push(c.iter_var.clone());
                self.bound.extend(c.iter_var2.iter().cloned());
                self.bound.push(c.accu_var.clone());
                self.expr(&c.loop_cond);
                self.expr(&c.loop_step);
                self.expr(&c.result);
                self.bound.truncate(depth);
            }
            Expr::List(list) => list.elements.iter().for_each(|e| self.expr(e)),
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let cel::common::ast::EntryExpr::MapEntry(entry) = &entry.expr {
                        self.expr(&entry.key);
                        self.expr(&entry.value);
                    }
                }
            }
            Expr::Struct(s) => self.problems.push(format!(
                "`{}{{...}}` builds a message type; expressions work on JSON values only",
                s.type_name
            )),
            Expr::Literal(_) | Expr::Unspecified => {}
        }
    }

    fn ident(&mut self, name: &str) {
        if self.bound.iter().any(|b| b == name) || TYPE_NAMES.contains(&name) {
            return;
        }
        let problem = match name {
            "application" => {
                "read a field of the application (`application.<field>`), not the whole of it: a step receives only what it names".to_owned()
            }
            "steps" => "read a step's field by the step's literal id: `steps.<step>.<field>` or `steps['<step>'].<field>`".to_owned(),
            other => format!(
                "`{other}` is not known: expressions read `application` and `steps`"
            ),
        };
        self.problems.push(problem);
    }

    fn read(&mut self, root: &str, mut fields: Vec<String>, presence: bool) {
        if root == "application" {
            self.reads.push(Read::Application(fields));
            return;
        }
        let step = fields.remove(0);
        let field = fields.into_iter().next();
        if field.is_none() && !presence {
            self.problems.push(format!(
                "name the field of step `{step}` to read (`steps.{step}.<field>`); `has(steps.{step})` tests whether it ran"
            ));
        }
        self.reads.push(Read::Step { step, field });
    }
}

/// `root.a.b` or `root['a'].b`: the root identifier, the fields in order, and whether the
/// outermost selection is a presence test (`has(...)`).
fn chain(node: &IdedExpr) -> Option<(&str, Vec<String>, bool)> {
    let mut fields = Vec::new();
    let mut presence = false;
    let mut current = node;
    loop {
        match &current.expr {
            Expr::Select(select) => {
                if fields.is_empty() {
                    presence = select.test;
                } else if select.test {
                    return None;
                }
                fields.push(select.field.clone());
                current = &select.operand;
            }
            Expr::Call(call) if call.func_name == "_[_]" && call.target.is_none() => {
                let [operand, index] = call.args.as_slice() else {
                    return None;
                };
                let Expr::Literal(cel::common::ast::LiteralValue::String(key)) = &index.expr else {
                    return None;
                };
                fields.push(key.inner().to_owned());
                current = operand;
            }
            Expr::Ident(root) if !fields.is_empty() => {
                fields.reverse();
                return Some((root, fields, presence));
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn reads(source: &str) -> Vec<String> {
        Expression::new(source)
            .expect("valid")
            .reads()
            .expect("valid")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn finds_what_an_expression_reads_through_selections_indexes_and_macros() {
        assert_eq!(
            reads("application.requested.funeral && steps.death.benefit_status in ['insured']"),
            vec![
                "application.requested.funeral",
                "steps.death.benefit_status"
            ]
        );
        assert_eq!(
            reads("steps['pay-out'].amount > 0"),
            vec!["steps.pay-out.amount"]
        );
        assert_eq!(reads("has(steps.funeral)"), vec!["steps.funeral"]);
        assert_eq!(
            reads("application.children.exists(c, c.age < 6)"),
            vec!["application.children"]
        );
        assert_eq!(
            reads("application.list[0].name == 'x'"),
            vec!["application.list"]
        );
    }

    #[test]
    fn refuses_syntax_errors_unknown_names_clocks_and_whole_documents() {
        for bad in [
            "1 +",
            "",
            "now() > 1",
            "x.y == 1",
            "application == {}",
            "size(steps) > 0",
            "steps.death == null",
            "steps[application.step].x",
            "google.protobuf.Timestamp{seconds: 1}",
        ] {
            assert!(Expression::new(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn expressions_at_the_limits_compile_and_beyond_them_are_refused() {
        let deep = format!("{}1{}", "(".repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert!(Expression::new(&deep).is_ok());
        let deeper = format!(
            "{}1{}",
            "(".repeat(MAX_NESTING + 1),
            ")".repeat(MAX_NESTING + 1)
        );
        assert!(Expression::new(&deeper).is_err());
        assert!(
            Expression::new("'((((((((((((((((((((' == 'x'").is_ok(),
            "inside a string"
        );
        let long = format!("1{}", " + 1".repeat(MAX_LENGTH / 4));
        assert!(Expression::new(&long).is_err());
        let chained = |n: usize| format!("1{}", "+1".repeat(n));
        assert!(Expression::new(&chained(MAX_DEPTH - 2)).is_ok());
        assert!(Expression::new(&chained(MAX_DEPTH)).is_err());
    }

    #[test]
    fn evaluates_against_the_application_and_kept_outputs() {
        let application = json!({"requested": {"funeral": true}, "n": 2});
        let steps =
            BTreeMap::from([(StepId("death".into()), json!({"benefit_status": "insured"}))]);
        let scope = Scope {
            application: &application,
            steps: &steps,
        };
        let holds = |s: &str| Expression::new(s).expect("valid").holds(&scope);
        assert_eq!(
            holds(
                "application.requested.funeral && steps.death.benefit_status in ['pensioner', 'insured']"
            ),
            Ok(true)
        );
        assert_eq!(
            holds("application.requested.survivor"),
            Ok(false),
            "absent is false"
        );
        assert_eq!(holds("has(steps.funeral)"), Ok(false));
        assert!(holds("application.n").is_err(), "not a boolean");
        let value = Expression::new("application.n + 1")
            .expect("valid")
            .evaluate(&scope);
        assert_eq!(value, Ok(Some(json!(3))));
    }

    #[test]
    fn arithmetic_and_regex_edge_cases_are_errors_not_panics() {
        let application = json!({"max": i64::MAX, "text": "abc"});
        let steps = BTreeMap::new();
        let scope = Scope {
            application: &application,
            steps: &steps,
        };
        for source in [
            "application.max + 1",
            "-9223372036854775807 - 2",
            "1 / 0",
            "1 % 0",
            "application.text.matches('[')",
            "int('not a number')",
            "[1, 2][5]",
            "uint(-1)",
        ] {
            let result = Expression::new(source).expect("compiles").evaluate(&scope);
            assert!(result.is_err(), "{source} gave {result:?}");
        }
    }

    #[test]
    fn a_runtime_error_names_types_not_values() {
        let application = json!({"name": "Nguyễn Văn An"});
        let steps = BTreeMap::new();
        let scope = Scope {
            application: &application,
            steps: &steps,
        };
        let error = Expression::new("application.name + 1")
            .expect("valid")
            .evaluate(&scope)
            .expect_err("string + int");
        assert!(!error.to_string().contains("Nguyễn"), "{error}");
    }

    #[test]
    fn every_allowed_function_exists_at_run_time() {
        let application = json!({});
        let steps = BTreeMap::new();
        let scope = Scope {
            application: &application,
            steps: &steps,
        };
        for source in [
            "size('ab') == 2",
            "'ab'.contains('a')",
            "'ab'.startsWith('a')",
            "'ab'.endsWith('b')",
            "'ab'.matches('^a')",
            "int('2') == 2",
            "uint(2) == 2u",
            "double(2) == 2.0",
            "string(2) == '2'",
            "bool('true')",
            "type(1) == int",
            "dyn(1) == 1",
        ] {
            assert_eq!(
                Expression::new(source).expect("valid").holds(&scope),
                Ok(true),
                "{source}"
            );
        }
    }
}
