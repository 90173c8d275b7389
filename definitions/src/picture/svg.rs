//! The step graph as a standalone SVG, drawn left to right, one column per layer.
//!
//! Styles are attributes rather than a `<style>` block: the console inlines the picture in its
//! page, where a style block would apply to the whole page. Coordinates are whole pixels, so the
//! same graph always gives the same bytes. Text widths are estimates from character counts: no
//! font is available here to measure them.

use std::fmt::Write;

use super::layout::{Layout, Slot, lay_out};
use super::{Language, NodeState, PlanGraph, PlanNode, display_width};

const MARGIN: i64 = 20;
const TITLE_HEIGHT: i64 = 32;
const TITLE_CHAR: i64 = 10;
const LABEL_CHAR: i64 = 9;
const DETAIL_CHAR: i64 = 7;
const PAD_X: i64 = 12;
const PAD_Y: i64 = 10;
const LABEL_LINE: i64 = 18;
const DETAIL_LINE: i64 = 15;
const MIN_BOX_WIDTH: i64 = 120;
const COLUMN_GAP: i64 = 64;
const ROW_GAP: i64 = 20;
const BEND_HEIGHT: i64 = 8;
const LEGEND_GAP: i64 = 24;
const SWATCH: i64 = 14;
const EMPTY_HEIGHT: i64 = 40;

const FONT: &str = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', sans-serif";
const MONO: &str = "ui-monospace, 'Cascadia Mono', 'Noto Sans Mono', monospace";
const INK: &str = "#1f2937";
const MUTED: &str = "#6b7280";
const EDGE: &str = "#6b7280";
const CYCLE: &str = "#dc2626";
const ARROW_ID: &str = "lienthong-plan-arrow";
const CYCLE_ARROW_ID: &str = "lienthong-plan-arrow-cycle";

/// Draws the graph as an SVG document, with a legend of the states that appear.
pub fn to_svg(graph: &PlanGraph) -> String {
    let layout = lay_out(graph);
    let language = graph.language;
    let boxes: Vec<BoxSize> = graph
        .nodes
        .iter()
        .map(|n| BoxSize::of(n, language))
        .collect();
    let geometry = Geometry::place(graph, &layout, &boxes);
    let states: Vec<NodeState> = NodeState::ALL
        .into_iter()
        .filter(|s| graph.nodes.iter().any(|n| n.state == Some(*s)))
        .collect();

    let title_height = if graph.title.is_empty() {
        0
    } else {
        TITLE_HEIGHT
    };
    let body_top = MARGIN + title_height;
    let body_height = if graph.nodes.is_empty() {
        EMPTY_HEIGHT
    } else {
        geometry.height
    };
    let legend_top = body_top + body_height + LEGEND_GAP;
    let legend_width = legend_width(&states, language);
    let width = MARGIN * 2
        + geometry
            .width
            .max(text_width(&graph.title, TITLE_CHAR))
            .max(legend_width);
    let height = if states.is_empty() {
        body_top + body_height + MARGIN
    } else {
        legend_top + SWATCH + MARGIN
    };

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" font-family=\"{FONT}\" font-size=\"12\">"
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&graph.title));
    write_markers(&mut out);
    let _ = writeln!(
        out,
        "<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>"
    );
    if !graph.title.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{MARGIN}\" y=\"{}\" font-size=\"16\" font-weight=\"bold\" fill=\"{INK}\">{}</text>",
            MARGIN + 16,
            escape(&graph.title)
        );
    }
    if graph.nodes.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{MARGIN}\" y=\"{}\" fill=\"{MUTED}\">{}</text>",
            body_top + 20,
            match language {
                Language::Vi => "(không có bước nào)",
                Language::En => "(no steps)",
            }
        );
    }
    write_edges(&mut out, graph, &layout, &geometry, &boxes, body_top);
    for (index, node) in graph.nodes.iter().enumerate() {
        let (x, y) = geometry.node_at[index];
        write_node(
            &mut out,
            node,
            &boxes[index],
            (MARGIN + x, body_top + y),
            language,
        );
    }
    if !states.is_empty() {
        write_legend(&mut out, &states, legend_top, language);
    }
    out.push_str("</svg>\n");
    out
}

/// The lines a node's box shows, and its size.
struct BoxSize {
    /// The id, when it says something the label does not.
    id_line: bool,
    width: i64,
    height: i64,
}

impl BoxSize {
    fn of(node: &PlanNode, language: Language) -> Self {
        let id_line = node.id != node.label;
        let mut widest = text_width(&node.label, LABEL_CHAR);
        let mut small_lines = 0;
        let small: Vec<&str> = id_line
            .then_some(node.id.as_str())
            .into_iter()
            .chain(node.detail.iter().map(String::as_str))
            .chain(node.state.map(|s| s.words(language)))
            .collect();
        for line in small {
            widest = widest.max(text_width(line, DETAIL_CHAR));
            small_lines += 1;
        }
        BoxSize {
            id_line,
            width: (widest + 2 * PAD_X).max(MIN_BOX_WIDTH),
            height: 2 * PAD_Y + LABEL_LINE + small_lines * DETAIL_LINE,
        }
    }
}

/// Where every slot sits, relative to the top left of the drawing's body.
struct Geometry {
    /// Top left of each node's box.
    node_at: Vec<(i64, i64)>,
    /// Each layer's left edge and width.
    columns: Vec<(i64, i64)>,
    /// Centre height of each bend, by edge index and layer.
    bend_y: Vec<Vec<(usize, i64)>>,
    width: i64,
    height: i64,
}

impl Geometry {
    fn place(graph: &PlanGraph, layout: &Layout, boxes: &[BoxSize]) -> Self {
        let slot_height = |slot: &Slot| match slot {
            Slot::Node(n) => boxes[*n].height,
            Slot::Bend(_) => BEND_HEIGHT,
        };
        let column_heights: Vec<i64> = layout
            .layers
            .iter()
            .map(|layer| {
                let gaps = ROW_GAP * (layer.len().saturating_sub(1) as i64);
                layer.iter().map(slot_height).sum::<i64>() + gaps
            })
            .collect();
        let height = column_heights.iter().copied().max().unwrap_or(0);

        let mut node_at = vec![(0, 0); graph.nodes.len()];
        let mut columns = Vec::with_capacity(layout.layers.len());
        let mut bend_y = vec![Vec::new(); layout.edges.len()];
        let mut x = 0;
        for (layer_index, layer) in layout.layers.iter().enumerate() {
            let column_width = layer
                .iter()
                .map(|slot| match slot {
                    Slot::Node(n) => boxes[*n].width,
                    Slot::Bend(_) => 0,
                })
                .max()
                .unwrap_or(0);
            // Centring each column keeps short layers level with the middle of long ones. Boxes
            // sit at the column's left edge, where every arrow into the column ends, so no arrow
            // to a narrow box runs across a wider neighbour and seems to leave from it.
            let mut y = (height - column_heights[layer_index]) / 2;
            for slot in layer {
                match slot {
                    Slot::Node(n) => node_at[*n] = (x, y),
                    Slot::Bend(edge) => bend_y[*edge].push((layer_index, y + BEND_HEIGHT / 2)),
                }
                y += slot_height(slot) + ROW_GAP;
            }
            columns.push((x, column_width));
            x += column_width + COLUMN_GAP;
        }
        let width = (x - COLUMN_GAP).max(0);
        Geometry {
            node_at,
            columns,
            bend_y,
            width,
            height,
        }
    }
}

fn write_markers(out: &mut String) {
    out.push_str("<defs>\n");
    for (id, colour) in [(ARROW_ID, EDGE), (CYCLE_ARROW_ID, CYCLE)] {
        let _ = writeln!(
            out,
            "<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" \
             markerHeight=\"8\" orient=\"auto\" markerUnits=\"userSpaceOnUse\">\
             <path d=\"M0,0 L10,5 L0,10 z\" fill=\"{colour}\"/></marker>"
        );
    }
    out.push_str("</defs>\n");
}

/// The corners of edge `index`'s line, in laid-out direction (left to right), relative to the
/// drawing's body.
fn edge_points(
    layout: &Layout,
    geometry: &Geometry,
    boxes: &[BoxSize],
    index: usize,
) -> Vec<(i64, i64)> {
    let (from, to) = layout.edges[index].laid_ends();
    let (from_x, from_y) = geometry.node_at[from];
    let (to_x, to_y) = geometry.node_at[to];
    let from_mid = from_y + boxes[from].height / 2;
    let mut points = vec![(from_x + boxes[from].width, from_mid)];
    // A box narrower than its column leaves along its own row to the column's right edge
    // before it turns, so no line leaves a narrow box across a wider neighbour either.
    let (column_x, column_width) = geometry.columns[layout.layer_of[from]];
    if from_x + boxes[from].width < column_x + column_width {
        points.push((column_x + column_width, from_mid));
    }
    for &(layer, y) in &geometry.bend_y[index] {
        let (column_x, column_width) = geometry.columns[layer];
        points.push((column_x, y));
        points.push((column_x + column_width, y));
    }
    points.push((to_x, to_y + boxes[to].height / 2));
    points
}

fn write_edges(
    out: &mut String,
    graph: &PlanGraph,
    layout: &Layout,
    geometry: &Geometry,
    boxes: &[BoxSize],
    top: i64,
) {
    for (index, edge) in layout.edges.iter().enumerate() {
        let mut points = edge_points(layout, geometry, boxes, index);
        // A cycle's closing edge was laid out backwards; its arrow still points at the dependent.
        if edge.closes_cycle {
            points.reverse();
        }
        let needed = &graph.nodes[edge.needed].id;
        let dependent = &graph.nodes[edge.dependent].id;
        let (colour, marker, dash, note) = if edge.closes_cycle {
            (
                CYCLE,
                CYCLE_ARROW_ID,
                " stroke-dasharray=\"6 4\"",
                match graph.language {
                    Language::Vi => " (khép một vòng lặp)",
                    Language::En => " (closes a cycle)",
                },
            )
        } else {
            (EDGE, ARROW_ID, "", "")
        };
        let needs = match graph.language {
            Language::Vi => "cần xong trước",
            Language::En => "needs",
        };
        let _ = writeln!(
            out,
            "<path class=\"edge\" data-from=\"{}\" data-to=\"{}\" d=\"{}\" fill=\"none\" \
             stroke=\"{colour}\" stroke-width=\"1.5\"{dash} marker-end=\"url(#{marker})\">\
             <title>{} {needs} {}{note}</title></path>",
            escape(needed),
            escape(dependent),
            path_data(&points, MARGIN, top),
            escape(dependent),
            escape(needed),
        );
    }
}

/// Straight along a bend, a horizontal-tangent curve between columns.
fn path_data(points: &[(i64, i64)], dx: i64, dy: i64) -> String {
    let mut d = String::new();
    for (i, &(x, y)) in points.iter().enumerate() {
        let (x, y) = (x + dx, y + dy);
        if i == 0 {
            let _ = write!(d, "M{x},{y}");
            continue;
        }
        let (px, py) = (points[i - 1].0 + dx, points[i - 1].1 + dy);
        if py == y {
            let _ = write!(d, " L{x},{y}");
        } else {
            let mid = (px + x) / 2;
            let _ = write!(d, " C{mid},{py} {mid},{y} {x},{y}");
        }
    }
    d
}

fn write_node(
    out: &mut String,
    node: &PlanNode,
    size: &BoxSize,
    (x, y): (i64, i64),
    language: Language,
) {
    let look = Look::of(node.state);
    let state_class = node
        .state
        .map(|s| format!(" state-{}", s.label().replace(' ', "-")))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<g class=\"node{state_class}\" data-step=\"{}\">",
        escape(&node.id)
    );
    let _ = writeln!(
        out,
        "<title>{}</title>",
        escape(&hover_text(node, language))
    );
    let _ = writeln!(
        out,
        "<rect x=\"{x}\" y=\"{y}\" width=\"{}\" height=\"{}\" rx=\"8\" ry=\"8\" fill=\"{}\" \
         stroke=\"{}\" stroke-width=\"{}\"{}/>",
        size.width,
        size.height,
        look.fill,
        look.stroke,
        look.stroke_width,
        if look.dashed {
            " stroke-dasharray=\"5 3\""
        } else {
            ""
        }
    );
    let text_x = x + PAD_X;
    let mut baseline = y + PAD_Y + 14;
    let _ = writeln!(
        out,
        "<text x=\"{text_x}\" y=\"{baseline}\" font-size=\"14\" font-weight=\"bold\" fill=\"{}\">{}</text>",
        look.ink,
        escape(&node.label)
    );
    baseline += LABEL_LINE - 14 + 12;
    if size.id_line {
        let _ = writeln!(
            out,
            "<text x=\"{text_x}\" y=\"{baseline}\" font-family=\"{MONO}\" fill=\"{MUTED}\">{}</text>",
            escape(&node.id)
        );
        baseline += DETAIL_LINE;
    }
    for line in &node.detail {
        let _ = writeln!(
            out,
            "<text x=\"{text_x}\" y=\"{baseline}\" fill=\"{}\">{}</text>",
            look.ink,
            escape(line)
        );
        baseline += DETAIL_LINE;
    }
    if let Some(state) = node.state {
        // Said in words as well as colour, for readers who cannot tell the colours apart.
        let _ = writeln!(
            out,
            "<text x=\"{text_x}\" y=\"{baseline}\" font-style=\"italic\" fill=\"{}\">{}</text>",
            look.stroke,
            state.words(language)
        );
    }
    out.push_str("</g>\n");
}

fn hover_text(node: &PlanNode, language: Language) -> String {
    let mut lines = vec![format!("{} ({})", node.label, node.id)];
    lines.extend(node.detail.iter().cloned());
    if let Some(state) = node.state {
        let said = match language {
            Language::Vi => "trạng thái",
            Language::En => "state",
        };
        lines.push(format!("{said}: {}", state.words(language)));
    }
    lines.join("\n")
}

fn legend_width(states: &[NodeState], language: Language) -> i64 {
    states
        .iter()
        .map(|s| legend_entry_width(*s, language))
        .sum::<i64>()
}

fn legend_entry_width(state: NodeState, language: Language) -> i64 {
    SWATCH + 6 + text_width(state.words(language), DETAIL_CHAR) + 18
}

fn write_legend(out: &mut String, states: &[NodeState], top: i64, language: Language) {
    out.push_str("<g class=\"legend\">\n");
    let mut x = MARGIN;
    for &state in states {
        let look = Look::of(Some(state));
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{top}\" width=\"{SWATCH}\" height=\"{SWATCH}\" rx=\"3\" ry=\"3\" \
             fill=\"{}\" stroke=\"{}\"{}/>",
            look.fill,
            look.stroke,
            if look.dashed {
                " stroke-dasharray=\"3 2\""
            } else {
                ""
            }
        );
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"{INK}\">{}</text>",
            x + SWATCH + 6,
            top + 11,
            state.words(language)
        );
        x += legend_entry_width(state, language);
    }
    out.push_str("</g>\n");
}

/// How a box looks in each state.
struct Look {
    fill: &'static str,
    stroke: &'static str,
    ink: &'static str,
    stroke_width: &'static str,
    dashed: bool,
}

impl Look {
    fn of(state: Option<NodeState>) -> Self {
        let (fill, stroke) = match state {
            None => ("#ffffff", "#374151"),
            Some(NodeState::Pending) => ("#f3f4f6", "#6b7280"),
            Some(NodeState::Running) => ("#dbeafe", "#1d4ed8"),
            Some(NodeState::Waiting) => ("#fef3c7", "#b45309"),
            Some(NodeState::Succeeded) => ("#dcfce7", "#15803d"),
            Some(NodeState::Failed) => ("#fee2e2", "#b91c1c"),
            Some(NodeState::Skipped) => ("#f9fafb", "#6b7280"),
            Some(NodeState::NotApplicable) => ("#ffffff", "#9ca3af"),
            Some(NodeState::Compensated) => ("#ede9fe", "#6d28d9"),
            Some(NodeState::NeedsAttention) => ("#ffedd5", "#c2410c"),
        };
        let faded = matches!(state, Some(NodeState::Skipped | NodeState::NotApplicable));
        Look {
            fill,
            stroke,
            ink: if faded { MUTED } else { INK },
            stroke_width: match state {
                Some(NodeState::Failed | NodeState::NeedsAttention) => "2.5",
                _ => "1.5",
            },
            dashed: faded,
        }
    }
}

fn text_width(text: &str, char_width: i64) -> i64 {
    i64::try_from(display_width(text))
        .unwrap_or(i64::MAX / 2 / char_width)
        .saturating_mul(char_width)
}

/// Escapes text for element content and attribute values alike, replacing the characters XML
/// 1.0 cannot carry at all.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, detail: &[&str]) -> PlanNode {
        PlanNode {
            id: id.to_owned(),
            label: id.to_owned(),
            detail: detail.iter().map(|d| (*d).to_owned()).collect(),
            state: None,
        }
    }

    /// Whether the segment from `a` to `b` runs through the inside of the box at `at`.
    fn crosses(a: (i64, i64), b: (i64, i64), at: (i64, i64), size: &BoxSize) -> bool {
        // Sampled finely enough for boxes tens of pixels tall.
        (0..=200).any(|i| {
            let x = a.0 + (b.0 - a.0) * i / 200;
            let y = a.1 + (b.1 - a.1) * i / 200;
            x > at.0 + 1 && x < at.0 + size.width - 1 && y > at.1 + 1 && y < at.1 + size.height - 1
        })
    }

    #[test]
    fn no_line_runs_through_a_box_it_does_not_join_when_a_column_holds_a_wide_box() {
        // Group B's shape: one step, then three beside one another, the middle one much wider.
        let graph = PlanGraph {
            title: String::new(),
            language: crate::picture::Language::En,
            nodes: vec![
                node("death", &[]),
                node("residence", &[]),
                node(
                    "funeral",
                    &[
                        "when: application.requested.funeral_allowance && steps.death.benefit_status != 'none'",
                    ],
                ),
                node("survivor", &[]),
                node("after", &[]),
            ],
            edges: vec![(0, 1), (0, 2), (0, 3), (1, 4), (3, 4)],
        };
        let layout = lay_out(&graph);
        let language = graph.language;
        let boxes: Vec<BoxSize> = graph
            .nodes
            .iter()
            .map(|n| BoxSize::of(n, language))
            .collect();
        let geometry = Geometry::place(&graph, &layout, &boxes);
        for index in 0..layout.edges.len() {
            let (from, to) = layout.edges[index].laid_ends();
            let points = edge_points(&layout, &geometry, &boxes, index);
            for segment in points.windows(2) {
                for (other, size) in boxes.iter().enumerate() {
                    if other == from || other == to {
                        continue;
                    }
                    assert!(
                        !crosses(segment[0], segment[1], geometry.node_at[other], size),
                        "{} -> {} runs through {}",
                        graph.nodes[from].id,
                        graph.nodes[to].id,
                        graph.nodes[other].id
                    );
                }
            }
        }
    }
}
