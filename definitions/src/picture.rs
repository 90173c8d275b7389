//! Pictures of a procedure's step graph: an SVG drawing and a text listing.
//!
//! The input is a plain graph rather than a `Definition`, so one drawing serves both the
//! `lienthong definitions plan` command (no states) and the operator console's case page (each
//! step's state). Both renderers share one layout, so the listing and the drawing put the steps
//! in the same order. Neither ever panics: edges that point outside the node list or at their own
//! node are dropped, and a cycle is broken by laying one of its edges out backwards (it is still
//! shown, marked as part of a cycle).

mod layout;
mod svg;
#[cfg(test)]
mod tests;
mod text;

pub use svg::to_svg;
pub use text::to_text;

/// The language a picture's own words are in (states, "needs", the listing's counts); the
/// labels and details come in it already.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Language {
    #[default]
    Vi,
    En,
}

/// A procedure's steps and what each needs, ready to be drawn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanGraph {
    pub title: String,
    pub language: Language,
    pub nodes: Vec<PlanNode>,
    /// `(needed, dependent)` as indices into `nodes`: the arrow points from the step that must
    /// finish first to the step that waits for it.
    pub edges: Vec<(usize, usize)>,
}

/// One step of the graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanNode {
    /// The step id, as written in the definition.
    pub id: String,
    /// What a person calls the step, such as its title.
    pub label: String,
    /// Further lines shown under the label, such as `civil-status · register-birth`,
    /// `when: …`, `irreversible` or `3 working days`.
    pub detail: Vec<String>,
    /// Where the step stands in a running case; `None` when drawing a plan.
    pub state: Option<NodeState>,
}

/// Where a step stands, as far as a picture needs to tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeState {
    Pending,
    Running,
    /// Waiting for an agency's decision, the citizen's documents or a pause after an outage.
    Waiting,
    Succeeded,
    Failed,
    Skipped,
    /// The step's condition ruled it out for this case.
    NotApplicable,
    Compensated,
    /// An operator must act, such as correcting an irreversible step.
    NeedsAttention,
}

impl NodeState {
    /// Every state, in the order the legend lists them.
    pub const ALL: [NodeState; 9] = [
        NodeState::Pending,
        NodeState::Running,
        NodeState::Waiting,
        NodeState::Succeeded,
        NodeState::Failed,
        NodeState::Skipped,
        NodeState::NotApplicable,
        NodeState::Compensated,
        NodeState::NeedsAttention,
    ];

    /// The state's words in `language`, shown beside a step and in the legend.
    pub fn words(self, language: Language) -> &'static str {
        match language {
            Language::En => self.label(),
            Language::Vi => match self {
                NodeState::Pending => "chờ thực hiện",
                NodeState::Running => "đang xử lý",
                NodeState::Waiting => "đang chờ",
                NodeState::Succeeded => "thành công",
                NodeState::Failed => "thất bại",
                NodeState::Skipped => "bỏ qua",
                NodeState::NotApplicable => "không áp dụng",
                NodeState::Compensated => "đã hoàn tác",
                NodeState::NeedsAttention => "cần xử lý",
            },
        }
    }

    /// The state's name in English: its class in the drawing (`state-not-applicable`) and its
    /// words in an English picture.
    pub fn label(self) -> &'static str {
        match self {
            NodeState::Pending => "pending",
            NodeState::Running => "running",
            NodeState::Waiting => "waiting",
            NodeState::Succeeded => "succeeded",
            NodeState::Failed => "failed",
            NodeState::Skipped => "skipped",
            NodeState::NotApplicable => "not applicable",
            NodeState::Compensated => "compensated",
            NodeState::NeedsAttention => "needs attention",
        }
    }
}

/// How many columns a text takes: characters, less the combining marks that sit on the one
/// before (Vietnamese text may arrive decomposed, with its tone marks as separate characters).
fn display_width(text: &str) -> usize {
    text.chars().filter(|&c| !is_combining_mark(c)).count()
}

fn is_combining_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}'
            | '\u{20D0}'..='\u{20FF}'
            | '\u{FE20}'..='\u{FE2F}'
    )
}
