//! Where each node of a YAML document is written.
//!
//! serde-saphyr reports positions only for its own errors; the validator finds problems in the
//! deserialized values. So the text is read a second time, as parser events with positions, into
//! an index from document path (`steps[1].input.personal_id`, the form diagnostics use) to line and
//! column. A mapping entry is placed at its key, a sequence item at its first character.

use std::collections::BTreeMap;

use serde_saphyr::granit_parser::{Event, Parser};

pub(crate) struct Locations {
    at: BTreeMap<String, (u64, u64)>,
}

enum Frame {
    Mapping {
        path: String,
        /// The key whose value comes next; `None` while a key is expected.
        key: Option<String>,
    },
    Sequence {
        path: String,
        next: usize,
    },
}

impl Locations {
    /// Indexes the first document of `text`. Never fails: what comes after a parse error is
    /// simply not indexed, and lookups fall back to the nearest indexed ancestor.
    pub fn of(text: &str) -> Self {
        let mut at = BTreeMap::new();
        let mut stack: Vec<Frame> = Vec::new();
        for event in Parser::new_from_str(text) {
            let Ok((event, span)) = event else { break };
            let place = (
                u64::try_from(span.start.line()).unwrap_or(u64::MAX).max(1),
                u64::try_from(span.start.col())
                    .unwrap_or(u64::MAX)
                    .saturating_add(1),
            );
            match event {
                Event::Scalar(value, ..) => {
                    if let Some(Frame::Mapping {
                        path,
                        key: key @ None,
                    }) = stack.last_mut()
                    {
                        let child = join_key(path, &value);
                        at.entry(child).or_insert(place);
                        *key = Some(value.into_owned());
                    } else {
                        let child = child_path(&mut stack);
                        at.entry(child).or_insert(place);
                    }
                }
                Event::Alias(_) => {
                    let child = child_path(&mut stack);
                    at.entry(child).or_insert(place);
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    let path = child_path(&mut stack);
                    at.entry(path.clone()).or_insert(place);
                    stack.push(if matches!(event, Event::MappingStart(..)) {
                        Frame::Mapping { path, key: None }
                    } else {
                        Frame::Sequence { path, next: 0 }
                    });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    stack.pop();
                }
                Event::DocumentEnd => break,
                _ => {}
            }
        }
        Self { at }
    }

    /// The line and column of `path`, or of its nearest ancestor that is written, or 1:1.
    pub fn find(&self, path: &str) -> (u64, u64) {
        let mut path = path;
        loop {
            if let Some(&place) = self.at.get(path) {
                return place;
            }
            match path.rfind(['.', '[']) {
                Some(cut) => path = &path[..cut],
                None if !path.is_empty() => path = "",
                None => return (1, 1),
            }
        }
    }
}

/// The path of the node that comes next in the innermost collection, advancing it.
fn child_path(stack: &mut [Frame]) -> String {
    match stack.last_mut() {
        None => String::new(),
        Some(Frame::Sequence { path, next }) => {
            let child = format!("{path}[{next}]");
            *next += 1;
            child
        }
        Some(Frame::Mapping { path, key }) => match key.take() {
            Some(key) => join_key(path, &key),
            // A complex key (a mapping or list used as a key): give it a name no path uses.
            None => {
                *key = Some(String::from("?"));
                join_key(path, "?")
            }
        },
    }
}

fn join_key(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::Locations;

    const TEXT: &str = "id: x\nsteps:\n  - id: a\n    input: { p: 1, q: [x, y] }\n  - id: b\n    needs:\n      - a\n";

    #[test]
    fn keys_items_and_flow_nodes_have_their_place() {
        let places = Locations::of(TEXT);
        assert_eq!(places.find("id"), (1, 1));
        assert_eq!(places.find("steps"), (2, 1));
        assert_eq!(places.find("steps[0]"), (3, 5));
        assert_eq!(places.find("steps[0].id"), (3, 5));
        assert_eq!(places.find("steps[0].input"), (4, 5));
        assert_eq!(places.find("steps[0].input.q"), (4, 20));
        assert_eq!(places.find("steps[0].input.q[1]"), (4, 27));
        assert_eq!(places.find("steps[1].needs[0]"), (7, 9));
    }

    #[test]
    fn a_missing_node_falls_back_to_its_nearest_ancestor() {
        let places = Locations::of(TEXT);
        assert_eq!(places.find("steps[1].input.personal_id"), (5, 5));
        assert_eq!(places.find("nowhere.at.all"), (1, 1));
        assert_eq!(Locations::of("[unclosed").find("x"), (1, 1));
    }
}
