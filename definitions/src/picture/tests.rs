use std::collections::BTreeSet;

use super::{Language, NodeState, PlanGraph, PlanNode, to_svg, to_text};

fn step(id: &str, label: &str, detail: &[&str], state: Option<NodeState>) -> PlanNode {
    PlanNode {
        id: id.to_owned(),
        label: label.to_owned(),
        detail: detail.iter().map(|d| (*d).to_owned()).collect(),
        state,
    }
}

fn plain(ids: &[&str], edges: &[(usize, usize)]) -> PlanGraph {
    PlanGraph {
        title: "Test".to_owned(),
        language: Language::En,
        nodes: ids
            .iter()
            .map(|id| step(id, &format!("Step {id}"), &[], None))
            .collect(),
        edges: edges.to_vec(),
    }
}

/// Group A with the states of a case part-way through.
fn group_a() -> PlanGraph {
    PlanGraph {
        title: "Birth, residence and insurance".to_owned(),
        language: Language::En,
        nodes: vec![
            step(
                "birth",
                "Birth registration",
                &["civil-status · register-birth", "irreversible"],
                Some(NodeState::Succeeded),
            ),
            step(
                "residence",
                "Permanent residence registration",
                &["residence · register-permanent"],
                Some(NodeState::Running),
            ),
            step(
                "insurance",
                "Health-insurance card",
                &["social-insurance · issue-card", "2 working days"],
                Some(NodeState::Waiting),
            ),
        ],
        edges: vec![(0, 1), (0, 2)],
    }
}

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("invalid XML: {e}\n{svg}"))
}

fn drawn_nodes(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("data-step").is_some())
        .filter_map(|n| n.attribute("data-step").map(str::to_owned))
        .collect()
}

fn drawn_edges(doc: &roxmltree::Document<'_>) -> BTreeSet<(String, String)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("path") && n.attribute("class") == Some("edge"))
        .map(|n| {
            (
                n.attribute("data-from").unwrap_or_default().to_owned(),
                n.attribute("data-to").unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn svg_parses_and_draws_every_node_and_edge_with_an_arrowhead() {
    let graph = plain(
        &["a", "b", "c", "d", "e"],
        &[(0, 1), (0, 2), (1, 3), (2, 3), (0, 4), (4, 3)],
    );
    let svg = to_svg(&graph);
    let doc = parse(&svg);
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert_eq!(drawn_nodes(&doc), vec!["a", "b", "c", "d", "e"]);
    assert_eq!(
        drawn_edges(&doc),
        pairs(&[
            ("a", "b"),
            ("a", "c"),
            ("b", "d"),
            ("c", "d"),
            ("a", "e"),
            ("e", "d")
        ])
    );
    let markers: BTreeSet<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("marker"))
        .filter_map(|n| n.attribute("id"))
        .collect();
    for edge in doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("edge"))
    {
        let end = edge.attribute("marker-end").unwrap_or_default();
        let id = end.trim_start_matches("url(#").trim_end_matches(')');
        assert!(
            markers.contains(id),
            "edge without a defined arrowhead: {end}"
        );
    }
}

#[test]
fn every_node_has_a_hover_title_with_its_details() {
    let svg = to_svg(&group_a());
    let doc = parse(&svg);
    let title = doc
        .descendants()
        .find(|n| n.attribute("data-step") == Some("insurance"))
        .and_then(|g| g.children().find(|c| c.has_tag_name("title")))
        .and_then(|t| t.text())
        .expect("node title");
    assert_eq!(
        title,
        "Health-insurance card (insurance)\nsocial-insurance · issue-card\n2 working days\nstate: waiting"
    );
}

#[test]
fn svg_lays_out_left_to_right_by_layer() {
    // A diamond: a, then b and c side by side, then d.
    let svg = to_svg(&plain(
        &["a", "b", "c", "d"],
        &[(0, 1), (0, 2), (1, 3), (2, 3)],
    ));
    let doc = parse(&svg);
    let x_of = |id: &str| -> i64 {
        doc.descendants()
            .find(|n| n.attribute("data-step") == Some(id))
            .and_then(|g| g.children().find(|c| c.has_tag_name("rect")))
            .and_then(|r| r.attribute("x"))
            .and_then(|x| x.parse().ok())
            .expect("box x")
    };
    assert!(x_of("a") < x_of("b"));
    assert_eq!(x_of("b"), x_of("c"));
    assert!(x_of("c") < x_of("d"));
}

#[test]
fn svg_escapes_markup_quotes_and_keeps_vietnamese() {
    let label = "Đăng ký <khai sinh> & \"thường trú\" 'BHXH'";
    let detail = "when: a < b && c > d";
    let graph = PlanGraph {
        title: "Liên thông <A> & \"B\"".to_owned(),
        language: Language::En,
        nodes: vec![step("x&<y>\"", label, &[detail], Some(NodeState::Failed))],
        edges: vec![],
    };
    let svg = to_svg(&graph);
    assert!(!svg.contains("<khai"));
    let doc = parse(&svg);
    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .collect();
    assert!(texts.contains(&label), "{texts:?}");
    assert!(texts.contains(&detail), "{texts:?}");
    assert!(texts.contains(&"Liên thông <A> & \"B\""), "{texts:?}");
    assert_eq!(drawn_nodes(&doc), vec!["x&<y>\""]);
}

#[test]
fn characters_xml_cannot_carry_are_replaced() {
    let graph = PlanGraph {
        title: "bell\u{7}".to_owned(),
        language: Language::En,
        nodes: vec![step("a", "nul\u{0}label", &["esc\u{1b}[31m"], None)],
        edges: vec![],
    };
    let svg = to_svg(&graph);
    let doc = parse(&svg);
    assert!(
        doc.descendants()
            .filter_map(|n| n.text())
            .any(|t| t == "nul\u{FFFD}label")
    );
}

#[test]
fn box_width_counts_characters_not_bytes() {
    let width_of = |label: &str| -> String {
        let graph = PlanGraph {
            title: String::new(),
            language: Language::En,
            nodes: vec![step("s", label, &[], None)],
            edges: vec![],
        };
        let svg = to_svg(&graph);
        let doc = parse(&svg);
        doc.descendants()
            .find(|n| n.attribute("data-step") == Some("s"))
            .and_then(|g| g.children().find(|c| c.has_tag_name("rect")))
            .and_then(|r| r.attribute("width"))
            .expect("box width")
            .to_owned()
    };
    let vietnamese = "Đăng ký khai sinh cho trẻ em";
    let ascii = "Dang ky khai sinh cho tre em";
    assert!(vietnamese.len() > ascii.len());
    assert_eq!(width_of(vietnamese), width_of(ascii));
    // Decomposed tone marks take no width of their own.
    assert_eq!(
        width_of("Đăng ky\u{301} khai sinh cho tre\u{309} em"),
        width_of(ascii)
    );
    assert!(width_of(&"x".repeat(80)).parse::<i64>().unwrap_or(0) > 80 * 8);
}

#[test]
fn output_is_deterministic() {
    let graph = plain(
        &["a", "b", "c", "d", "e", "f"],
        &[(0, 3), (1, 2), (2, 5), (0, 5), (4, 3), (1, 4)],
    );
    let again = graph.clone();
    assert_eq!(to_svg(&graph), to_svg(&again));
    assert_eq!(to_text(&graph), to_text(&again));
    // The edges' order and duplicates do not matter either.
    let mut shuffled = graph.clone();
    shuffled.edges.reverse();
    shuffled.edges.push((0, 3));
    assert_eq!(to_svg(&graph), to_svg(&shuffled));
    assert_eq!(to_text(&graph), to_text(&shuffled));
}

#[test]
fn states_colour_the_boxes_and_the_legend_lists_those_present() {
    let graph = group_a();
    let svg = to_svg(&graph);
    let doc = parse(&svg);
    let class_of = |id: &str| {
        doc.descendants()
            .find(|n| n.attribute("data-step") == Some(id))
            .and_then(|g| g.attribute("class"))
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(class_of("birth"), "node state-succeeded");
    assert_eq!(class_of("insurance"), "node state-waiting");
    let fill_of = |id: &str| {
        doc.descendants()
            .find(|n| n.attribute("data-step") == Some(id))
            .and_then(|g| g.children().find(|c| c.has_tag_name("rect")))
            .and_then(|r| r.attribute("fill"))
            .unwrap_or_default()
            .to_owned()
    };
    assert_ne!(fill_of("birth"), fill_of("residence"));
    assert_ne!(fill_of("residence"), fill_of("insurance"));

    let legend: Vec<&str> = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("legend"))
        .expect("legend")
        .children()
        .filter(|c| c.has_tag_name("text"))
        .filter_map(|t| t.text())
        .collect();
    assert_eq!(legend, vec!["running", "waiting", "succeeded"]);
}

#[test]
fn a_plan_without_states_has_no_legend() {
    let svg = to_svg(&plain(&["a", "b"], &[(0, 1)]));
    let doc = parse(&svg);
    assert!(
        doc.descendants()
            .all(|n| n.attribute("class") != Some("legend"))
    );
}

#[test]
fn every_state_has_its_own_look() {
    let graph = PlanGraph {
        title: "all".to_owned(),
        language: Language::En,
        nodes: NodeState::ALL
            .iter()
            .map(|s| step(s.label(), s.label(), &[], Some(*s)))
            .collect(),
        edges: vec![],
    };
    let svg = to_svg(&graph);
    let doc = parse(&svg);
    let looks: BTreeSet<(String, String)> = doc
        .descendants()
        .filter(|n| n.attribute("data-step").is_some())
        .filter_map(|g| g.children().find(|c| c.has_tag_name("rect")))
        .map(|r| {
            (
                r.attribute("fill").unwrap_or_default().to_owned(),
                r.attribute("stroke").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(looks.len(), NodeState::ALL.len());
    let legend_entries = doc
        .descendants()
        .find(|n| n.attribute("class") == Some("legend"))
        .map(|g| g.children().filter(|c| c.has_tag_name("rect")).count());
    assert_eq!(legend_entries, Some(NodeState::ALL.len()));
}

#[test]
fn text_lists_layers_dependencies_details_and_states() {
    let expected = "\
Birth, residence and insurance
3 steps in 2 layers

1. birth      Birth registration                [succeeded]
              civil-status · register-birth
              irreversible
2. residence  Permanent residence registration  [running]    ← birth
              residence · register-permanent
   insurance  Health-insurance card             [waiting]    ← birth
              social-insurance · issue-card
              2 working days
";
    assert_eq!(to_text(&group_a()), expected);
}

#[test]
fn text_of_a_chain_and_of_parallel_roots() {
    let chain = to_text(&plain(&["a", "b", "c"], &[(1, 2), (0, 1)]));
    assert_eq!(
        chain,
        "Test\n3 steps in 3 layers\n\n1. a  Step a\n2. b  Step b  ← a\n3. c  Step c  ← b\n"
    );
    let roots = to_text(&plain(&["a", "b", "c"], &[(0, 2), (1, 2)]));
    assert_eq!(
        roots,
        "Test\n3 steps in 2 layers\n\n1. a  Step a\n   b  Step b\n2. c  Step c  ← a, b\n"
    );
}

#[test]
fn text_aligns_vietnamese_by_characters() {
    let graph = PlanGraph {
        title: String::new(),
        language: Language::En,
        nodes: vec![
            step("khai-sinh", "Đăng ký khai sinh", &[], None),
            step("bhyt", "Cấp thẻ BHYT", &[], None),
        ],
        edges: vec![(0, 1)],
    };
    let text = to_text(&graph);
    let line = text.lines().find(|l| l.contains("bhyt")).expect("listed");
    assert_eq!(line, "2. bhyt       Cấp thẻ BHYT       ← khai-sinh");
}

#[test]
fn a_cycle_neither_panics_nor_loses_an_edge() {
    let graph = plain(&["a", "b", "c"], &[(0, 1), (1, 2), (2, 0)]);
    let svg = to_svg(&graph);
    let doc = parse(&svg);
    assert_eq!(drawn_nodes(&doc).len(), 3);
    assert_eq!(
        drawn_edges(&doc),
        pairs(&[("a", "b"), ("b", "c"), ("c", "a")])
    );
    let closing = doc
        .descendants()
        .find(|n| n.attribute("data-from") == Some("c"))
        .expect("closing edge");
    assert!(closing.attribute("stroke-dasharray").is_some());

    let text = to_text(&graph);
    assert!(text.contains("← c (cycle)"), "{text}");
    assert!(
        text.contains("warning: the steps form a cycle, closed by c → a"),
        "{text}"
    );
}

#[test]
fn bad_edges_are_treated_as_absent() {
    let graph = plain(
        &["a", "b"],
        &[(0, 1), (0, 9), (7, 1), (1, 1), (usize::MAX, 0)],
    );
    let svg = to_svg(&graph);
    let doc = parse(&svg);
    assert_eq!(drawn_edges(&doc), pairs(&[("a", "b")]));
    assert_eq!(
        to_text(&graph),
        "Test\n2 steps in 2 layers\n\n1. a  Step a\n2. b  Step b  ← a\n"
    );
}

#[test]
fn an_empty_graph_still_renders() {
    let graph = PlanGraph::default();
    parse(&to_svg(&graph));
    assert_eq!(to_text(&graph), "(không có bước nào)\n");
    let english = PlanGraph {
        language: Language::En,
        ..PlanGraph::default()
    };
    assert_eq!(to_text(&english), "(no steps)\n");
}

#[test]
fn a_vietnamese_picture_says_its_states_in_vietnamese_and_keeps_english_classes() {
    let graph = PlanGraph {
        language: Language::Vi,
        ..group_a()
    };
    let svg = to_svg(&graph);
    let doc = parse(&svg);
    let legend: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("g") && n.attribute("class") == Some("legend"))
        .flat_map(|g| g.descendants().filter(|n| n.has_tag_name("text")))
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(legend, vec!["đang xử lý", "đang chờ", "thành công"]);
    assert!(svg.contains("class=\"node state-succeeded\""), "{svg}");
    assert!(svg.contains("trạng thái: đang chờ"), "{svg}");
    assert!(
        svg.contains("<title>residence cần xong trước birth</title>"),
        "{svg}"
    );
    let words: Vec<&str> = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    for english in ["succeeded", "waiting", "needs", "state:"] {
        assert!(
            !words.iter().any(|w| w.contains(english)),
            "{english} in {words:?}"
        );
    }
    let text = to_text(&graph);
    assert!(text.contains("3 bước, 2 lớp"), "{text}");
    assert!(text.contains("[thành công]"), "{text}");
}
