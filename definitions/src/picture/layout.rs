//! The layered layout both pictures share: which column each step goes in and in which order.
//!
//! A step's layer is the longest path to it from a step that needs nothing, so every arrow
//! points to a later layer. An arrow that skips layers gets a bend point in each layer it
//! crosses, so it can be routed around the boxes there and take part in the ordering. The order
//! within each layer comes from barycentre sweeps, keeping the order with the fewest crossings.

use std::collections::BTreeSet;

use super::PlanGraph;

/// Enough sweeps to settle the small graphs procedures have; more rarely lowers the crossings.
const SWEEPS: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Layout {
    /// Layers from first to last, each listing its slots in drawing order.
    pub layers: Vec<Vec<Slot>>,
    /// The layer of each node, by node index.
    pub layer_of: Vec<usize>,
    /// The edges that survived cleaning, in `(needed, dependent)` order, sorted.
    pub edges: Vec<LaidEdge>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Node(usize),
    /// Where the edge with this index in [`Layout::edges`] crosses a layer.
    Bend(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LaidEdge {
    pub needed: usize,
    pub dependent: usize,
    /// The edge closes a cycle, so it was laid out from `dependent` to `needed`.
    pub closes_cycle: bool,
}

impl LaidEdge {
    /// The ends in layout order: the first is in the earlier layer.
    pub fn laid_ends(&self) -> (usize, usize) {
        if self.closes_cycle {
            (self.dependent, self.needed)
        } else {
            (self.needed, self.dependent)
        }
    }
}

pub(super) fn lay_out(graph: &PlanGraph) -> Layout {
    let count = graph.nodes.len();
    let edges = break_cycles(count, clean_edges(count, &graph.edges));
    let layer_of = longest_path_layers(count, &edges);
    let mut slots = Slots::new(count, &layer_of, &edges);
    slots.order();
    Layout {
        layers: slots
            .layers
            .iter()
            .map(|layer| layer.iter().map(|&item| slots.items[item]).collect())
            .collect(),
        layer_of,
        edges,
    }
}

/// Drops edges with an index out of range or pointing at their own node, and duplicates.
fn clean_edges(count: usize, edges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    edges
        .iter()
        .copied()
        .filter(|&(from, to)| from < count && to < count && from != to)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Marks the back edges of a depth-first search: laying those out reversed leaves no cycle.
fn break_cycles(count: usize, edges: Vec<(usize, usize)>) -> Vec<LaidEdge> {
    let mut outgoing = vec![Vec::new(); count];
    for (index, &(from, _)) in edges.iter().enumerate() {
        outgoing[from].push(index);
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        OnPath,
        Done,
    }
    let mut mark = vec![Mark::New; count];
    let mut closes_cycle = vec![false; edges.len()];
    for root in 0..count {
        if mark[root] != Mark::New {
            continue;
        }
        // Iterative, so a long chain cannot overflow the stack.
        let mut path = vec![(root, 0usize)];
        mark[root] = Mark::OnPath;
        while let Some((node, next)) = path.last_mut() {
            let node = *node;
            match outgoing[node].get(*next) {
                Some(&edge) => {
                    *next += 1;
                    let to = edges[edge].1;
                    match mark[to] {
                        Mark::OnPath => closes_cycle[edge] = true,
                        Mark::New => {
                            mark[to] = Mark::OnPath;
                            path.push((to, 0));
                        }
                        Mark::Done => {}
                    }
                }
                None => {
                    mark[node] = Mark::Done;
                    path.pop();
                }
            }
        }
    }
    edges
        .into_iter()
        .zip(closes_cycle)
        .map(|((needed, dependent), closes_cycle)| LaidEdge {
            needed,
            dependent,
            closes_cycle,
        })
        .collect()
}

fn longest_path_layers(count: usize, edges: &[LaidEdge]) -> Vec<usize> {
    let mut incoming = vec![0usize; count];
    let mut outgoing = vec![Vec::new(); count];
    for edge in edges {
        let (from, to) = edge.laid_ends();
        incoming[to] += 1;
        outgoing[from].push(to);
    }
    let mut layer = vec![0usize; count];
    let mut ready: Vec<usize> = (0..count).filter(|&n| incoming[n] == 0).rev().collect();
    while let Some(node) = ready.pop() {
        for &to in &outgoing[node] {
            layer[to] = layer[to].max(layer[node] + 1);
            incoming[to] -= 1;
            if incoming[to] == 0 {
                ready.push(to);
            }
        }
    }
    layer
}

/// Nodes and bend points as one list of items, with the segments joining adjacent layers.
struct Slots {
    items: Vec<Slot>,
    /// Item indices per layer, in the current order.
    layers: Vec<Vec<usize>>,
    /// Neighbouring items in the layer before and the layer after.
    before: Vec<Vec<usize>>,
    after: Vec<Vec<usize>>,
}

impl Slots {
    fn new(count: usize, layer_of: &[usize], edges: &[LaidEdge]) -> Self {
        let layer_count = layer_of.iter().max().map_or(0, |&last| last + 1);
        let mut items: Vec<Slot> = (0..count).map(Slot::Node).collect();
        let mut item_layer = layer_of.to_vec();
        let mut before = vec![Vec::new(); count];
        let mut after = vec![Vec::new(); count];
        for (index, edge) in edges.iter().enumerate() {
            let (from, to) = edge.laid_ends();
            let mut previous = from;
            for layer in layer_of[from] + 1..layer_of[to] {
                items.push(Slot::Bend(index));
                item_layer.push(layer);
                before.push(Vec::new());
                after.push(Vec::new());
                let bend = items.len() - 1;
                after[previous].push(bend);
                before[bend].push(previous);
                previous = bend;
            }
            after[previous].push(to);
            before[to].push(previous);
        }
        let mut layers = vec![Vec::new(); layer_count];
        for (item, &layer) in item_layer.iter().enumerate() {
            layers[layer].push(item);
        }
        Slots {
            items,
            layers,
            before,
            after,
        }
    }

    /// Alternates downward and upward barycentre sweeps, keeping the best order seen.
    fn order(&mut self) {
        let mut best = self.layers.clone();
        let mut best_crossings = self.crossings();
        for sweep in 0..SWEEPS {
            let count = self.layers.len();
            if sweep % 2 == 0 {
                for layer in 1..count {
                    self.sort_by_barycentre(layer, true);
                }
            } else {
                for layer in (0..count.saturating_sub(1)).rev() {
                    self.sort_by_barycentre(layer, false);
                }
            }
            let crossings = self.crossings();
            if crossings < best_crossings {
                best_crossings = crossings;
                best.clone_from(&self.layers);
            }
            if best_crossings == 0 {
                break;
            }
        }
        self.layers = best;
    }

    fn positions(&self) -> Vec<usize> {
        let mut position = vec![0; self.items.len()];
        for layer in &self.layers {
            for (at, &item) in layer.iter().enumerate() {
                position[item] = at;
            }
        }
        position
    }

    fn sort_by_barycentre(&mut self, layer: usize, from_before: bool) {
        let position = self.positions();
        let neighbours = if from_before {
            &self.before
        } else {
            &self.after
        };
        let mut keyed: Vec<(f64, usize, usize)> = self.layers[layer]
            .iter()
            .enumerate()
            .map(|(at, &item)| {
                let around = &neighbours[item];
                // An item with no neighbours on that side keeps its place.
                let centre = if around.is_empty() {
                    at as f64
                } else {
                    around.iter().map(|&n| position[n] as f64).sum::<f64>() / around.len() as f64
                };
                (centre, at, item)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.layers[layer] = keyed.into_iter().map(|(_, _, item)| item).collect();
    }

    fn crossings(&self) -> usize {
        let position = self.positions();
        let mut total = 0;
        for layer in &self.layers {
            let segments: Vec<(usize, usize)> = layer
                .iter()
                .flat_map(|&item| self.after[item].iter().map(move |&next| (item, next)))
                .map(|(a, b)| (position[a], position[b]))
                .collect();
            for (i, &(a1, b1)) in segments.iter().enumerate() {
                for &(a2, b2) in &segments[i + 1..] {
                    if (a1 < a2 && b1 > b2) || (a1 > a2 && b1 < b2) {
                        total += 1;
                    }
                }
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::picture::PlanNode;

    fn graph(count: usize, edges: &[(usize, usize)]) -> PlanGraph {
        PlanGraph {
            title: String::new(),
            language: crate::picture::Language::En,
            nodes: (0..count)
                .map(|i| PlanNode {
                    id: format!("n{i}"),
                    label: format!("Node {i}"),
                    ..PlanNode::default()
                })
                .collect(),
            edges: edges.to_vec(),
        }
    }

    fn node_layers(layout: &Layout) -> Vec<Vec<usize>> {
        layout
            .layers
            .iter()
            .map(|layer| {
                layer
                    .iter()
                    .filter_map(|slot| match slot {
                        Slot::Node(n) => Some(*n),
                        Slot::Bend(_) => None,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn diamond_has_three_layers_with_the_middle_pair_together() {
        let layout = lay_out(&graph(4, &[(0, 1), (0, 2), (1, 3), (2, 3)]));
        assert_eq!(layout.layer_of, vec![0, 1, 1, 2]);
        assert_eq!(node_layers(&layout), vec![vec![0], vec![1, 2], vec![3]]);
    }

    #[test]
    fn chain_takes_one_layer_per_step() {
        let layout = lay_out(&graph(4, &[(2, 3), (1, 2), (0, 1)]));
        assert_eq!(layout.layer_of, vec![0, 1, 2, 3]);
    }

    #[test]
    fn parallel_roots_share_the_first_layer() {
        let layout = lay_out(&graph(3, &[(0, 2), (1, 2)]));
        assert_eq!(layout.layer_of, vec![0, 0, 1]);
        assert_eq!(node_layers(&layout), vec![vec![0, 1], vec![2]]);
    }

    #[test]
    fn layer_is_the_longest_path_and_a_skipping_edge_bends_in_between() {
        // 0 → 1 → 2 and 0 → 2: step 2 waits for the longer path.
        let layout = lay_out(&graph(3, &[(0, 1), (1, 2), (0, 2)]));
        assert_eq!(layout.layer_of, vec![0, 1, 2]);
        let skipping = layout
            .edges
            .iter()
            .position(|e| (e.needed, e.dependent) == (0, 2))
            .expect("edge kept");
        assert!(layout.layers[1].contains(&Slot::Bend(skipping)));
    }

    #[test]
    fn barycentre_ordering_removes_an_avoidable_crossing() {
        // Given in crossing order: 0 → 3 and 1 → 2.
        let layout = lay_out(&graph(4, &[(0, 3), (1, 2)]));
        assert_eq!(layout.layer_of, vec![0, 0, 1, 1]);
        let position = |n: usize| {
            layout
                .layers
                .iter()
                .find_map(|layer| layer.iter().position(|s| *s == Slot::Node(n)))
                .expect("node placed")
        };
        assert_eq!(
            position(0) < position(1),
            position(3) < position(2),
            "arrows cross: {:?}",
            layout.layers
        );
    }

    #[test]
    fn bad_indices_self_loops_and_duplicates_are_dropped() {
        let layout = lay_out(&graph(2, &[(0, 1), (0, 1), (1, 1), (0, 7), (9, 0)]));
        assert_eq!(
            layout.edges,
            vec![LaidEdge {
                needed: 0,
                dependent: 1,
                closes_cycle: false
            }]
        );
    }

    #[test]
    fn a_cycle_is_broken_by_one_reversed_edge() {
        let layout = lay_out(&graph(3, &[(0, 1), (1, 2), (2, 0)]));
        let closing: Vec<_> = layout.edges.iter().filter(|e| e.closes_cycle).collect();
        assert_eq!(closing.len(), 1);
        assert_eq!((closing[0].needed, closing[0].dependent), (2, 0));
        assert_eq!(layout.layer_of, vec![0, 1, 2]);
        for edge in &layout.edges {
            let (from, to) = edge.laid_ends();
            assert!(layout.layer_of[from] < layout.layer_of[to]);
        }
    }
}
