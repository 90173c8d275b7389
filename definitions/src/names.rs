//! How a definition names things: ids (`birth`, `civil-status`, `register-birth`) and the
//! document paths diagnostics point at (`steps[1].input.personal_id`).

/// An id: lowercase ASCII letters, digits and `-`, not empty.
pub(crate) fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The path of `key` under `at`: `at.key`, or `at[1]` for an index.
pub(crate) fn join(at: &str, key: &str) -> String {
    match (at.is_empty(), key.is_empty()) {
        (true, _) => key.to_owned(),
        (_, true) => at.to_owned(),
        _ if key.starts_with('[') => format!("{at}{key}"),
        _ => format!("{at}.{key}"),
    }
}

/// A hint for a name that is not one of `candidates` but close to one (a likely typo):
/// "did you mean `register-birth`?". `None` when nothing is close enough to help.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let allowed = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// Edits (insert, delete, replace, swap two neighbours) between two names.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut rows = vec![(0..=b.len()).collect::<Vec<usize>>(); a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let replace = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + replace);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_name_is_suggested_and_a_far_one_is_not() {
        let steps = ["birth", "residence", "insurance"];
        assert_eq!(
            did_you_mean("residense", steps).as_deref(),
            Some("did you mean `residence`?")
        );
        assert_eq!(
            did_you_mean("brith", steps).as_deref(),
            Some("did you mean `birth`?")
        );
        assert_eq!(did_you_mean("payment", steps), None);
        assert_eq!(did_you_mean("birth", steps), None, "not a typo of itself");
    }

    #[test]
    fn ids_are_slugs_and_paths_join_keys_and_indexes() {
        assert!(is_slug("civil-status") && is_slug("step2"));
        assert!(!is_slug("") && !is_slug("Birth") && !is_slug("a_b"));
        assert_eq!(join("", "steps"), "steps");
        assert_eq!(join("steps", "[1]"), "steps[1]");
        assert_eq!(join("steps[1]", "input"), "steps[1].input");
        assert_eq!(join("input", ""), "input");
    }
}
