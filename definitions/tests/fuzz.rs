//! The parser never panics: not on arbitrary text, not on the shipped files mangled, not on
//! deeply nested input. What parses is also planned once, which must not panic either.

use std::collections::BTreeMap;

use lienthong_definitions::{
    SHIPPED, SHIPPED_CATALOGUE, StepId,
    case::CaseState,
    catalogue::parse_agency,
    expression::{Expression, Scope},
    parse_definition,
    planner::decide,
};
use proptest::prelude::*;
use serde_json::json;

/// Parses `text` as a definition and as a catalogue file; plans what parses.
fn exercise(text: &str) {
    if let Ok(definition) = parse_definition(text) {
        let state = CaseState::new(
            lienthong_definitions::CaseCode::recorded("FZ-1"),
            &definition,
            time::OffsetDateTime::UNIX_EPOCH,
        );
        let _ = decide(&definition, &state, &json!({}));
    }
    let _ = parse_agency(text);
}

/// Tokens YAML and the definition language give meaning to.
const TOKENS: &[&str] = &[
    "id: x",
    "steps:",
    "- ",
    "  ",
    "\n",
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "'",
    "#",
    "&a ",
    "*a",
    "<<: *a",
    "!!str ",
    "|",
    ">",
    "---",
    "...",
    "$application.a",
    "$steps.s.f",
    "${ ",
    " }",
    "when: ",
    "routes:",
    "agency: residence",
    "operation: x",
    "needs: [",
    "input:",
    "output: [",
    "compensation:",
    "irreversible: true",
    "? ",
    "~",
    "null",
    "0",
    "-1",
    "1e309",
    "\t",
    "\u{feff}",
    "application.a && steps['s'].f",
    "now()",
    "((((",
    "Tết",
];

/// Pieces of CEL, for expressions that get past the parser and are then evaluated.
const CEL: &[&str] = &[
    "application",
    "steps",
    ".",
    "a",
    "b",
    "['a']",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "&&",
    "||",
    "!",
    " ? ",
    " : ",
    "'x'",
    "\"y\"",
    "1",
    "0",
    "-",
    "1u",
    "2.5",
    "9223372036854775807",
    " in ",
    "has(",
    "exists(x, ",
    "all(x, ",
    "map(x, ",
    "filter(x, ",
    "x",
    ",",
    "size(",
    "int(",
    "string(",
    "==",
    "!=",
    "+",
    "*",
    "/",
    "%",
    "<",
    ">=",
    "null",
    "true",
    "b'z'",
    "r'\\d'",
    ".matches(",
    ".startsWith(",
    "type(",
    "dyn(",
    "double(",
    "uint(",
    "\\",
    "'",
    " ",
];

/// One way of damaging a text, applied at a position chosen by the seed.
#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapTokens(usize, usize),
    Truncate(usize),
    Insert(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapTokens(a, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Insert(a, b)),
    ]
}

fn mutate(text: &str, mutation: &Mutation) -> String {
    let lines: Vec<&str> = text.lines().collect();
    match *mutation {
        Mutation::DeleteLine(n) if !lines.is_empty() => {
            let n = n % lines.len();
            let kept: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != n)
                .map(|(_, l)| *l)
                .collect();
            kept.join("\n")
        }
        Mutation::DuplicateLine(n) if !lines.is_empty() => {
            let n = n % lines.len();
            let mut out: Vec<&str> = lines.clone();
            out.insert(n, lines[n]);
            out.join("\n")
        }
        Mutation::SwapTokens(a, b) => {
            // Swap two whitespace-separated tokens, keeping the layout around them.
            let tokens: Vec<(usize, usize)> = token_spans(text);
            if tokens.len() < 2 {
                return text.to_owned();
            }
            let (x, y) = (tokens[a % tokens.len()], tokens[b % tokens.len()]);
            let (first, second) = if x.0 <= y.0 { (x, y) } else { (y, x) };
            if first.1 > second.0 {
                return text.to_owned();
            }
            format!(
                "{}{}{}{}{}",
                &text[..first.0],
                &text[second.0..second.1],
                &text[first.1..second.0],
                &text[first.0..first.1],
                &text[second.1..]
            )
        }
        Mutation::Truncate(at) => {
            let cut = boundary(text, at % (text.len() + 1));
            text[..cut].to_owned()
        }
        Mutation::Insert(at, token) => {
            let at = boundary(text, at % (text.len() + 1));
            format!(
                "{}{}{}",
                &text[..at],
                TOKENS[token % TOKENS.len()],
                &text[at..]
            )
        }
        _ => text.to_owned(),
    }
}

fn token_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

fn boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn shipped_texts() -> Vec<&'static str> {
    SHIPPED
        .iter()
        .chain(SHIPPED_CATALOGUE)
        .map(|(_, text)| *text)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,400}") {
        exercise(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup_never_panics(picks in proptest::collection::vec(any::<usize>(), 0..80)) {
        let text: String = picks.iter().map(|p| TOKENS[p % TOKENS.len()]).collect();
        exercise(&text);
    }

    #[test]
    fn mangled_shipped_files_never_panic(
        file in any::<usize>(),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let texts = shipped_texts();
        let mut text = texts[file % texts.len()].to_owned();
        for m in &mutations {
            text = mutate(&text, m);
        }
        exercise(&text);
    }

    #[test]
    fn arbitrary_expressions_never_panic(source in ".{0,120}") {
        let _ = Expression::new(&source);
    }

    #[test]
    fn expressions_that_compile_evaluate_without_panicking(
        picks in proptest::collection::vec(any::<usize>(), 1..30),
    ) {
        let source: String = picks.iter().map(|p| CEL[p % CEL.len()]).collect();
        if let Ok(expression) = Expression::new(&source) {
            let application = json!({"a": {"b": [1, 2]}, "b": "x", "x": 9_223_372_036_854_775_807_i64});
            let steps = BTreeMap::from([(StepId("a".into()), json!({"a": -1, "b": 0.5}))]);
            let scope = Scope { application: &application, steps: &steps };
            let _ = expression.evaluate(&scope);
            let _ = expression.holds(&scope);
        }
    }
}

#[test]
fn deep_nesting_is_refused_or_parsed_without_overflowing() {
    let deep_flow = format!("id: {}", "[".repeat(20_000));
    exercise(&deep_flow);
    let deep_block: String = (0..2_000)
        .map(|depth| format!("{}k{depth}:\n", " ".repeat(depth)))
        .collect();
    exercise(&deep_block);
    let deep_input = include_str!("fixtures/valid-two-steps.yaml").replace(
        "      parent_id: $application.parent_id\n",
        &format!(
            "      parent_id: $application.parent_id\n      extra: {}1{}\n",
            "{a: ".repeat(3_000),
            "}".repeat(3_000)
        ),
    );
    exercise(&deep_input);
    let _ = Expression::new(&format!("{}1{}", "(".repeat(5_000), ")".repeat(5_000)));
    let _ = Expression::new(&"!".repeat(5_000));
    let _ = Expression::new(&format!("application{}", ".a".repeat(5_000)));
}

#[test]
fn the_mutations_do_change_the_text() {
    let text = "a: 1\nb: [2, 3]\nc: x";
    assert_eq!(mutate(text, &Mutation::DeleteLine(1)), "a: 1\nc: x");
    assert_eq!(
        mutate(text, &Mutation::SwapTokens(0, 1)),
        "1 a:\nb: [2, 3]\nc: x"
    );
    assert_eq!(mutate(text, &Mutation::Truncate(4)), "a: 1");
    assert_eq!(
        mutate(text, &Mutation::DuplicateLine(2)),
        "a: 1\nb: [2, 3]\nc: x\nc: x"
    );
}
