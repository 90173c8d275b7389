//! The report an agency's IT team reads: one line per check, printed as soon as it is decided,
//! each failure saying what to fix and which section of the contract says so.

use std::fmt::Display;

/// Where every fix is explained.
const CONTRACT: &str = "docs/agency-contract.md";

/// `(docs/agency-contract.md §4)`.
pub fn see(section: &str) -> String {
    format!("({CONTRACT} §{section})")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Ok,
    Fail,
    Skip,
}

/// The verdicts so far; each is printed when it is given.
#[derive(Debug, Default)]
pub struct Report {
    verdicts: Vec<Verdict>,
}

impl Report {
    pub fn ok(&mut self, check: &str, what: impl Display) {
        self.line(Verdict::Ok, check, what);
    }

    /// `fix` says what is wrong and what to change, ending with where the contract says it.
    pub fn fail(&mut self, check: &str, fix: impl Display) {
        self.line(Verdict::Fail, check, fix);
    }

    /// `why` says why the check could not run and, when it can, what would let it.
    pub fn skip(&mut self, check: &str, why: impl Display) {
        self.line(Verdict::Skip, check, why);
    }

    pub fn failed(&self) -> usize {
        self.count(Verdict::Fail)
    }

    /// `13 checks: 9 ok, 1 failed, 3 skipped`.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} checks: {} ok, {} failed",
            self.verdicts.len(),
            self.count(Verdict::Ok),
            self.failed()
        );
        let skipped = self.count(Verdict::Skip);
        if skipped > 0 {
            text.push_str(&format!(", {skipped} skipped"));
        }
        text
    }

    fn count(&self, verdict: Verdict) -> usize {
        self.verdicts.iter().filter(|v| **v == verdict).count()
    }

    fn line(&mut self, verdict: Verdict, check: &str, text: impl Display) {
        let label = match verdict {
            Verdict::Ok => "ok",
            Verdict::Fail => "FAIL",
            Verdict::Skip => "skip",
        };
        println!("  {label:<4}  {check}: {text}");
        self.verdicts.push(verdict);
    }
}
