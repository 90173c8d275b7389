//! Definition diagnostics printed like a compiler's: `file:line:column: LT003 message` (the line
//! editors and scripts read), then the source line with a caret under the value, the first
//! definition of a duplicate, and what to do ("did you mean `birth`?"). Drawn by
//! `codespan-reporting`, in plain text, since it goes to terminals and CI logs alike.

use std::ops::Range;

use codespan_reporting::{
    diagnostic::{Diagnostic as Report, Label},
    files::SimpleFile,
    term::{self, Config},
};
use lienthong_definitions::Diagnostics;

/// Every diagnostic of `text` (read from `file`), one after the other.
pub fn render(file: &str, text: &str, diagnostics: &Diagnostics) -> String {
    let files = SimpleFile::new(file, text);
    let config = Config::default();
    let mut out = String::new();
    for d in &diagnostics.0 {
        let mut labels = Vec::new();
        if let (Some(line), Some(column)) = (d.line, d.column) {
            labels.push(
                Label::primary((), span(text, line, column)).with_message(match &d.help {
                    Some(help) => help.clone(),
                    None => String::new(),
                }),
            );
        }
        if let Some(related) = &d.related {
            labels.push(
                Label::secondary((), span(text, related.line, related.column))
                    .with_message(related.message.clone()),
            );
        }
        // The path is in the first line already.
        let notes = vec![format!(
            "see docs/definitions.md, diagnostic {}",
            d.code.as_str()
        )];
        let report = Report::error()
            .with_code(d.code.as_str())
            .with_message(d.message.clone())
            .with_labels(labels)
            .with_notes(notes);
        // First the one line editors and scripts read (`file:line:column: LT003 …`), then
        // the drawing without its own heading, which would repeat it.
        out.push_str(&compact(file, d));
        if let Ok(drawn) = term::emit_into_string(&config, &files, &report) {
            for line in drawn.lines().skip(1) {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// `file:line:column: LT003 message`, as compilers and editors write a problem.
fn compact(file: &str, d: &lienthong_definitions::Diagnostic) -> String {
    let at = match (d.line, d.column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        _ => file.to_owned(),
    };
    let path = if d.path.is_empty() {
        String::new()
    } else {
        format!(" (at {})", d.path)
    };
    format!("{at}: {} {}{path}\n", d.code.as_str(), d.message)
}

/// The bytes of the value at 1-based `line`:`column` (columns count characters): up to where a
/// YAML scalar ends (a comma, bracket, brace or comment) or the end of the line; at least one
/// character, so the caret always shows.
fn span(text: &str, line: u64, column: u64) -> Range<usize> {
    let mut start = 0;
    for _ in 1..line {
        match text[start..].find('\n') {
            Some(newline) => start += newline + 1,
            None => break,
        }
    }
    let line_text = text[start..].split('\n').next().unwrap_or_default();
    let skip = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
    let offset = line_text
        .char_indices()
        .nth(skip)
        .map_or(line_text.len(), |(i, _)| i);
    let rest = &line_text[offset..];
    let length = rest
        .find([',', ']', '}', '#'])
        .unwrap_or(rest.len())
        .max(rest.chars().next().map_or(0, char::len_utf8));
    let value = rest[..length].trim_end();
    let end = start
        + offset
        + value
            .len()
            .max(rest.chars().next().map_or(0, char::len_utf8));
    (start + offset)..end.min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_shows_its_source_line_a_caret_and_the_hint() {
        let text = "id: demo\nsteps:\n  - id: residence\n    needs: [brith]\n";
        let diagnostics = Diagnostics(vec![lienthong_definitions::Diagnostic {
            code: "LT003".parse().expect("a code"),
            path: "steps[0].needs[0]".into(),
            line: Some(4),
            column: Some(13),
            message: "step `residence` needs `brith`, which is not a step of this procedure".into(),
            help: Some("did you mean `birth`?".into()),
            related: None,
        }]);
        let drawn = render("demo.yaml", text, &diagnostics);
        assert!(
            drawn.starts_with("demo.yaml:4:13: LT003 step `residence` needs `brith`"),
            "the line editors read comes first: {drawn}"
        );
        assert!(drawn.contains("┌─ demo.yaml:4:13"), "{drawn}");
        assert!(
            drawn.contains("    needs: [brith]"),
            "the source line: {drawn}"
        );
        let caret = drawn
            .lines()
            .find(|l| l.contains('^'))
            .expect("a caret line");
        assert!(caret.contains("^^^^^ did you mean `birth`?"), "{drawn}");
    }

    #[test]
    fn spans_stop_at_the_end_of_the_value_and_never_panic() {
        let text = "a: [x, yy]\nb: ünï # note\n";
        assert_eq!(&text[span(text, 1, 8)], "yy");
        assert_eq!(&text[span(text, 2, 4)], "ünï");
        assert!(span(text, 9, 9).end <= text.len());
        assert!(span("", 1, 1).end == 0);
    }
}
