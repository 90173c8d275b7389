//! The step graph as a text listing, one layer after another, for a terminal.
//!
//! ```text
//! 1. birth      Birth registration                [succeeded]
//!               civil-status · register-birth
//! 2. residence  Permanent residence registration  [running]    ← birth
//!    insurance  Health-insurance card             [pending]    ← birth
//! ```
//!
//! The number starts each layer; the steps under it can run side by side once the layers before
//! are done. `←` lists what a step needs.

use std::fmt::Write;

use super::layout::{Slot, lay_out};
use super::{Language, PlanGraph, display_width};

/// Lists the graph's steps layer by layer, with their details, states and dependencies.
pub fn to_text(graph: &PlanGraph) -> String {
    let mut out = String::new();
    if !graph.title.is_empty() {
        let _ = writeln!(out, "{}", clean(&graph.title));
    }
    let vi = graph.language == Language::Vi;
    if graph.nodes.is_empty() {
        out.push_str(if vi {
            "(không có bước nào)\n"
        } else {
            "(no steps)\n"
        });
        return out;
    }
    let layout = lay_out(graph);
    let (steps, layers) = (graph.nodes.len(), layout.layers.len());
    let _ = if vi {
        writeln!(out, "{steps} bước, {layers} lớp")
    } else {
        writeln!(
            out,
            "{} in {}",
            counted(steps, "step"),
            counted(layers, "layer")
        )
    };
    out.push('\n');

    let ids: Vec<String> = graph.nodes.iter().map(|n| clean(&n.id)).collect();
    let labels: Vec<String> = graph.nodes.iter().map(|n| clean(&n.label)).collect();
    let states: Vec<String> = graph
        .nodes
        .iter()
        .map(|n| {
            n.state
                .map(|s| format!("[{}]", s.words(graph.language)))
                .unwrap_or_default()
        })
        .collect();
    let widest = |texts: &[String]| texts.iter().map(|t| display_width(t)).max().unwrap_or(0);
    let number_width = format!("{}.", layout.layers.len()).len();
    let id_width = widest(&ids);
    let label_width = widest(&labels);
    let state_width = widest(&states);
    let detail_indent = " ".repeat(number_width + 1 + id_width + 2);

    for (layer_index, layer) in layout.layers.iter().enumerate() {
        let nodes = layer.iter().filter_map(|slot| match slot {
            Slot::Node(n) => Some(*n),
            Slot::Bend(_) => None,
        });
        for (rank, node) in nodes.enumerate() {
            let number = if rank == 0 {
                format!("{}.", layer_index + 1)
            } else {
                String::new()
            };
            let mut line = String::new();
            push_padded(&mut line, &number, number_width + 1);
            push_padded(&mut line, &ids[node], id_width + 2);
            push_padded(&mut line, &labels[node], label_width + 2);
            if state_width > 0 {
                push_padded(&mut line, &states[node], state_width + 2);
            }
            let needs: Vec<String> = layout
                .edges
                .iter()
                .filter(|e| e.dependent == node)
                .map(|e| {
                    let cycle = match (e.closes_cycle, vi) {
                        (false, _) => "",
                        (true, true) => " (vòng lặp)",
                        (true, false) => " (cycle)",
                    };
                    format!("{}{cycle}", ids[e.needed])
                })
                .collect();
            if !needs.is_empty() {
                let _ = write!(line, "← {}", needs.join(", "));
            }
            let _ = writeln!(out, "{}", line.trim_end());
            for detail in &graph.nodes[node].detail {
                let _ = writeln!(out, "{detail_indent}{}", clean(detail).trim_end());
            }
        }
    }

    let cycles: Vec<String> = layout
        .edges
        .iter()
        .filter(|e| e.closes_cycle)
        .map(|e| format!("{} → {}", ids[e.needed], ids[e.dependent]))
        .collect();
    if !cycles.is_empty() {
        let warning = if vi {
            "cảnh báo: các bước tạo thành vòng lặp, khép bởi"
        } else {
            "warning: the steps form a cycle, closed by"
        };
        let _ = writeln!(out, "\n{warning} {}", cycles.join(", "));
    }
    out
}

fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn push_padded(line: &mut String, text: &str, width: usize) {
    line.push_str(text);
    for _ in display_width(text)..width {
        line.push(' ');
    }
}

/// Control characters would break the columns or drive the terminal: a definition's texts are
/// shown, never obeyed.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{FFFD}' } else { c })
        .collect()
}
